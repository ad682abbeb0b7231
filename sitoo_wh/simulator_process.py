"""The simulator in a child process of its own, for the demo.

In the demo's own process the simulator's request threads and the extractor's threads share one
interpreter lock, and the extract ran at about half the speed it reaches against a separate
server. A child also lets the demo choose the simulator's port before the chain is generated,
so a rerun can start the dashboards (which are told the simulator's address) at once.

The child ignores SIGINT (a terminal's Ctrl-C reaches the whole process group; the demo stops
the child itself, in order) and the kernel sends it SIGTERM if the demo dies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import multiprocessing
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Final

from simulator.cli import build_server
from simulator.config import ApiConfig, ChainConfig

HOST: Final = "127.0.0.1"
_PR_SET_PDEATHSIG: Final = 1


class SimulatorProcessError(Exception):
    """The simulator child could not start or stopped answering."""


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _serve(chain: ChainConfig, api: ApiConfig, port: int, report: Connection) -> None:
    """The child: generate the chain, serve on `port`, report ("ready", url) or ("error", text),
    and serve until SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        server = build_server(chain, api, HOST, port)
    except Exception as err:  # noqa: BLE001 - reported to the parent, which names it
        report.send(("error", f"{type(err).__name__}: {err}"))
        return
    server.start()
    report.send(("ready", server.url))
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()


class SimulatorProcess:
    """Start, wait for and stop one simulator child on a loopback `port` chosen by the caller."""

    def __init__(self, chain: ChainConfig, api: ApiConfig, port: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._report, child_end = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_serve,
            args=(chain, api, port, child_end),
            name="sitoo-wh-simulator",
            daemon=True,
        )
        self.url = f"http://{HOST}:{port}"

    def start(self) -> None:
        self.process.start()

    def wait_until_ready(self, timeout: float = 600.0) -> str:
        """Block until the chain is generated and the server listens; its URL."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._report.poll(0.25):
                kind, detail = self._report.recv()
                if kind == "ready":
                    return str(detail)
                raise SimulatorProcessError(f"the simulator did not start: {detail}")
            if not self.process.is_alive():
                raise SimulatorProcessError(
                    f"the simulator process exited with code {self.process.exitcode}"
                )
        raise SimulatorProcessError(f"the simulator was not ready within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `timeout`: the child is gone when this returns."""
        if self.process.pid is None:
            return
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout)
            if self.process.is_alive():
                self.process.kill()
        self.process.join()
        self._report.close()
