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
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Final

import httpx

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


def _die_with_parent_hook() -> Callable[[], None] | None:
    """A `preexec_fn` that runs in the child just before it becomes Streamlit: on Linux the
    kernel then sends it SIGTERM when its parent dies, however it dies (even SIGKILL), so no
    dashboard server is left running on its own.

    libc is looked up here, in the parent: `find_library` starts a subprocess, which must not
    happen between fork and exec, least of all while other threads (the demo's simulator) run.
    The hook itself is one foreign call."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).prctl
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


def start(
    host: str, port: int, env: dict[str, str], log_path: Path | None = None
) -> subprocess.Popen[bytes]:
    """The dashboards as a child that dies with this process; its output goes to `log_path`
    (the demo keeps the terminal for its own progress) or to this terminal."""
    log = None
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("ab")
    try:
        return subprocess.Popen(  # noqa: S603
            command(host, port),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT if log is not None else None,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent_hook(),  # noqa: PLW1509
        )
    finally:
        if log is not None:
            log.close()  # the child has its own copy of the descriptor


def wait_until_healthy(url: str, child: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    """Block until Streamlit's health endpoint answers; DashboardError if it dies or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise DashboardError(f"the dashboard server exited with code {child.returncode}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise DashboardError(f"the dashboard did not answer at {url} within {timeout:.0f} s")


def stop(child: subprocess.Popen[bytes], timeout: float = 10.0) -> int:
    """SIGTERM, then SIGKILL after `timeout`: the child is gone when this returns."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return child.returncode


def free_port(host: str, preferred: int) -> int:
    """`preferred` if nothing listens there, else one the kernel picks."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise DashboardError(f"no free port on {host}")


class DashboardError(Exception):
    """The dashboard server could not be started or stopped answering."""


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
    with subprocess.Popen(  # noqa: S603
        command(args.host, args.port),
        env=env,
        preexec_fn=_die_with_parent_hook(),  # noqa: PLW1509
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
