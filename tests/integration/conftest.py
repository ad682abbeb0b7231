"""A real simulator on a loopback port, shared by the integration tests.

`sim` is one server for the whole session (read-only tests must not change it); `fresh_sim`
builds a small private server for tests that advance the clock, inject faults or reset.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from simulator.config import ApiConfig, ChainConfig
from simulator.server.app import SimulatorApp
from simulator.server.http import SimServer

AUTH = ("1500-1", "sitoo-demo")
CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium: the browser tests drive it (a test tool's own download fails here)."""


def free_port() -> int:
    """A loopback port nothing listens on right now, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_served(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Until the Streamlit server at `url` answers its health check; fails if `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"sitoo-wh serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"the dashboard did not answer at {url} within {timeout:.0f} s")


# Three weeks across 2026-04-01, when Swedish food VAT drops from 12 % to 6 %.
SHARED_CHAIN = ChainConfig(
    seed=42, stores=4, days=21, end_date=date(2026, 4, 12), products=300, offline_rate=0.08
)


@dataclass
class Sim:
    app: SimulatorApp
    server: SimServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def v2(self) -> str:
        return f"{self.server.url}/v2/accounts/1500"

    @property
    def journals(self) -> str:
        return f"{self.server.url}/journals/v3"

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("auth", AUTH)
        kwargs.setdefault("timeout", 30.0)
        return httpx.Client(**kwargs)

    def get(self, path: str, **params: Any) -> Any:
        """GET a v2 path (relative to the account) and return the parsed JSON, asserting 200."""
        with self.client() as client:
            response = client.get(self.v2 + path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def get_all(self, path: str, num: int = 1000, **params: Any) -> list[dict[str, Any]]:
        """Every item of an enveloped list, paging with start/num."""
        items: list[dict[str, Any]] = []
        with self.client() as client:
            while True:
                response = client.get(
                    self.v2 + path, params={**params, "start": len(items), "num": num}
                )
                assert response.status_code == 200, response.text
                page = response.json()
                items.extend(page["items"])
                if not page["items"] or len(items) >= page["totalcount"]:
                    return items

    def journal(self, register_id: str, **params: Any) -> list[dict[str, Any]]:
        """Every journal entry of a register, following `next`."""
        entries: list[dict[str, Any]] = []
        query: dict[str, Any] = {"register_id": register_id, "num": 1000, **params}
        with self.client() as client:
            while True:
                response = client.get(self.journals + "/journal-entries", params=query)
                assert response.status_code == 200, response.text
                page = response.json()
                entries.extend(page["items"])
                if not page.get("next"):
                    return entries
                query = {"next": page["next"], "num": query.get("num", 1000)}


def start_sim(chain: ChainConfig, api: ApiConfig | None = None) -> Sim:
    app = SimulatorApp(chain, api or ApiConfig())
    server = SimServer(app, slow_seconds=3.0)
    server.start()
    return Sim(app, server)


@pytest.fixture(scope="session")
def sim() -> Iterator[Sim]:
    handle = start_sim(SHARED_CHAIN)
    yield handle
    handle.server.stop()


@pytest.fixture
def fresh_sim() -> Iterator[Sim]:
    handle = start_sim(ChainConfig(seed=7, stores=2, days=3, products=100))
    yield handle
    handle.server.stop()


def sim_env(sim: Sim, data_dir: Path, password: str = AUTH[1]) -> dict[str, str]:
    """The environment that points sitoo-wh at `sim` and `data_dir`."""
    return {
        "SITOO_BASE_URL": sim.url,
        "SITOO_ACCOUNT_ID": "1500",
        "SITOO_API_ID": AUTH[0],
        "SITOO_API_PASSWORD": password,
        "SITOO_JOURNALS_URL": sim.journals,
        "SITOO_WH_DATA_DIR": str(data_dir),
    }


def sync_into(sim: Sim, data_dir: Path) -> None:
    """One real `sitoo-wh sync` from `sim` into `data_dir`, with nothing taken from the
    developer's environment or sitoo-wh.toml."""
    from sitoo_wh import cli

    with pytest.MonkeyPatch.context() as mp:
        for name, value in sim_env(sim, data_dir).items():
            mp.setenv(name, value)
        mp.setenv("SITOO_WH_CONFIG", str(data_dir / "absent.toml"))
        assert cli.main(["sync", "--quiet", "--rate-limit", "0"]) == 0


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium through Playwright, one per test module."""
    assert CHROMIUM.exists(), "Debian's chromium is needed (.ci/run installs it)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@contextmanager
def synced_sim(chain: ChainConfig, data_dir: Path) -> Iterator[Sim]:
    """A simulator of `chain`, and `data_dir` after one real `sitoo-wh sync` from it; the
    simulator stops when the block ends."""
    sim = start_sim(chain)
    try:
        sync_into(sim, data_dir)
        yield sim
    finally:
        sim.server.stop()


def sync_once(chain: ChainConfig, data_dir: Path) -> Path:
    """`data_dir` after one real `sitoo-wh sync` from a simulator of `chain` that is stopped
    afterwards (for tests that only read the published data)."""
    with synced_sim(chain, data_dir):
        return data_dir
