"""`sitoo-wh serve`: the Streamlit dashboards over the published serving copy.

Streamlit runs in a child process (`python -m streamlit run dashboards/app.py`) so its server
options come from flags, not from whatever `.streamlit/config.toml` the working directory has:
loopback by default, headless (the URL is printed, no browser is started on a server), and no
usage statistics sent anywhere.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Final

import dashboards
from dashboards.lib import settings
from sitoo_wh.config import is_loopback_host

logger = logging.getLogger(__name__)

APP: Final = Path(dashboards.__file__).parent / "app.py"
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8501


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: loopback only)"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="directory holding serving.duckdb (default: $SITOO_WH_DATA_DIR or ./data)",
    )


def command(host: str, port: int) -> list[str]:
    """The Streamlit command line for the dashboards."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def environment(data_dir: Path | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The child's environment: the data directory made absolute so the app finds it from
    any working directory."""
    env = dict(os.environ if base is None else base)
    if data_dir is not None:
        env[settings.DATA_DIR_ENV] = str(data_dir.resolve())
    elif settings.DATA_DIR_ENV in env:
        env[settings.DATA_DIR_ENV] = str(Path(env[settings.DATA_DIR_ENV]).resolve())
    return env


def _die_with_parent() -> None:
    """Runs in the child just before it becomes Streamlit: on Linux the kernel then sends it
    SIGTERM when `sitoo-wh serve` dies, however it dies (even SIGKILL), so no dashboard server
    is left running on its own."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def run(args: argparse.Namespace) -> int:
    env = environment(args.data_dir)
    config = settings.load(env)  # fails early, in the terminal, on a broken config file
    if not is_loopback_host(args.host) and config.password is None:
        logger.warning(
            "serving on %s without a password: anyone who can reach it sees the figures "
            "(set SITOO_WH_DASHBOARD_PASSWORD)",
            args.host,
        )
    logger.info(
        "dashboards at http://%s:%d over %s", args.host, args.port, config.serving_path.resolve()
    )
    # preexec_fn is unsafe only with other threads running; this process has none yet.
    with subprocess.Popen(  # noqa: S603
        command(args.host, args.port),
        env=env,
        preexec_fn=_die_with_parent,  # noqa: PLW1509
    ) as child:

        def forward(signum: int, frame: FrameType | None) -> None:
            child.send_signal(signum)  # so stopping `sitoo-wh serve` stops Streamlit too

        previous = signal.signal(signal.SIGTERM, forward)
        try:
            return child.wait()
        except KeyboardInterrupt:  # the terminal sent SIGINT to Streamlit as well
            return 130 if child.wait() in (0, -signal.SIGINT) else child.returncode
        finally:
            signal.signal(signal.SIGTERM, previous)
