"""`sitoo-wh demo` as a newcomer runs it: its own process in the background, the dashboards it
serves loaded page by page in headless Chromium, stopped with SIGINT (Ctrl-C), then run again.

After each stop nothing it started may be left: no child process, no listening port, no
temporary serving copy, and the warehouse opens for writing (no stale lock). The rerun must
serve the last published data before its sync has finished.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
from playwright.sync_api import Browser

from tests.integration.conftest import free_port
from tests.integration.test_dashboards_browser import (
    PAGES,
    RENDER_TIMEOUT_MS,
    assert_no_errors,
    visit,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
CHAIN = ["--stores", "2", "--days", "6", "--products", "80"]
READY = re.compile(r"Ready in (\d+) s")
DASHBOARDS = re.compile(r"Dashboards(?::| at) (http://127\.0\.0\.1:\d+)")
SIMULATOR = re.compile(r"Sitoo API simulator running at (http://127\.0\.0\.1:\d+)")
DEMO_PAGES = {**PAGES, "custom_metrics": "custom_metrics"}


@dataclass
class Demo:
    proc: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: re.Pattern[str] | str, timeout: float) -> re.Match[str]:
        """Until the demo's output matches `pattern`; fails if the demo exits first."""
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = compiled.search(self.text())
            if found:
                return found
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the demo exited ({self.proc.returncode}) before {compiled.pattern!r}:\n"
                    + self.text()[-3000:]
                )
            time.sleep(0.25)
        raise AssertionError(f"no {compiled.pattern!r} within {timeout:.0f} s:\n{self.text()}")


def start_demo(data_dir: Path, log: Path, port: int) -> Demo:
    env = {
        **os.environ,
        "SITOO_WH_DATA_DIR": str(data_dir),
        "SITOO_WH_CONFIG": str(data_dir.parent / "absent.toml"),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sitoo_wh.cli", "demo", "--port", str(port), *CHAIN],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Demo(proc, log)


def descendants(pid: int) -> dict[int, str]:
    """Every live process below `pid` (pid -> command line), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ..." — comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = _cmdline(child)
                frontier.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def alive(pid: int, cmdline: str) -> bool:
    """The same process is still there and not a zombie (a reused PID does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z" and _cmdline(pid) == cmdline


def listening(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((parts.hostname or "127.0.0.1", parts.port or 80)) == 0


def stop_with_sigint(demo: Demo) -> dict[int, str]:
    """Ctrl-C, as a terminal sends it; returns the children the demo had just before."""
    children = descendants(demo.proc.pid)
    demo.proc.send_signal(signal.SIGINT)
    try:
        code = demo.proc.wait(timeout=60)
    except subprocess.TimeoutExpired as err:
        demo.proc.kill()
        message = f"the demo did not stop within 60 s of SIGINT:\n{demo.text()}"
        raise AssertionError(message) from err
    assert code == 0, demo.text()[-3000:]
    assert "Demo stopped: dashboards and simulator are down." in demo.text()
    return children


def assert_nothing_left(children: dict[int, str], urls: list[str], data_dir: Path) -> None:
    deadline = time.monotonic() + 10  # a child's own clean-up may take a moment
    while time.monotonic() < deadline and any(alive(p, c) for p, c in children.items()):
        time.sleep(0.2)
    assert {p: c for p, c in children.items() if alive(p, c)} == {}
    for url in urls:
        assert not listening(url), f"{url} still accepts connections"
    assert sorted(p.name for p in data_dir.glob("*.tmp-*")) == []
    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as con:  # read-write: no lock left
        row = con.execute("select count(*) from raw.orders").fetchone()
    assert row is not None
    assert row[0] > 0


def test_demo_serves_every_page_stops_on_sigint_and_reruns_fast(
    tmp_path: Path, browser: Browser
) -> None:
    data_dir = tmp_path / "data"
    first = start_demo(data_dir, tmp_path / "first.log", free_port())
    try:
        first.wait_for(READY, timeout=600)
        # The demo writes the dbt docs site after the dashboards are up; wait for it, so the
        # data dictionary page is seen with the site embedded.
        first.wait_for("dbt docs written to", timeout=300)
        text = first.text()
        dashboards = DASHBOARDS.search(text)
        simulator = SIMULATOR.search(text)
        assert dashboards is not None
        assert simulator is not None
        url = dashboards.group(1)
        assert "Extract summary" in text
        assert re.search(r"dbt build .*0 failed", text)

        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(RENDER_TIMEOUT_MS)
        for name, path in DEMO_PAGES.items():
            visit(page, f"{url}/{path}")
            assert_no_errors(page, name)
            assert page.get_by_text("No data yet").count() == 0, name
            if name == "data_dictionary":
                assert page.locator("iframe").count() >= 1, "the dbt docs site is embedded"
        context.close()
    finally:
        children = stop_with_sigint(first) if first.proc.poll() is None else {}
    assert any("streamlit" in c for c in children.values()), children
    assert_nothing_left(children, [url, simulator.group(1)], data_dir)

    second = start_demo(data_dir, tmp_path / "second.log", free_port())
    try:
        second.wait_for(READY, timeout=600)
        text = second.text()
        # The rerun serves the last published copy before the chain is even generated (so
        # before its sync), and reuses the docs.
        up = text.index("Dashboards at http://")
        assert up < text.index("Sitoo API simulator running at"), text
        assert up < text.index("Syncing into"), text
        assert "Writing the dbt docs site" not in text
        rerun_url = DASHBOARDS.search(text)
        rerun_sim = SIMULATOR.search(text)
        assert rerun_url is not None
        assert rerun_sim is not None
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(RENDER_TIMEOUT_MS)
        visit(page, rerun_url.group(1))
        assert_no_errors(page, "overview after a rerun")
        context.close()
    finally:
        children = stop_with_sigint(second) if second.proc.poll() is None else {}
    assert_nothing_left(children, [rerun_url.group(1), rerun_sim.group(1)], data_dir)
