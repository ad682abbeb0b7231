"""`sitoo-wh serve` as a process: it answers on loopback, and its Streamlit child never
outlives it, even when it is killed with SIGKILL (no orphaned dashboard servers)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.conftest import free_port, wait_until_served

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_streamlit_child_dies_with_a_killed_serve(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SITOO_WH_DATA_DIR": str(tmp_path), "SITOO_WH_CONFIG": "absent.toml"}
    serve = subprocess.Popen(
        [sys.executable, "-m", "sitoo_wh.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_served(f"http://127.0.0.1:{port}", serve)
        children = _children(serve.pid)
        assert len(children) == 1, children
        streamlit = children[0]

        serve.send_signal(signal.SIGKILL)
        serve.wait(timeout=10)

        deadline = time.monotonic() + 20
        while _alive(streamlit) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(streamlit), "Streamlit outlived `sitoo-wh serve`"
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
