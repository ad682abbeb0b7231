"""The dashboards in a real browser: headless Debian Chromium (Playwright) against
`sitoo-wh serve` as its own process, over a warehouse synced from the simulator.

* every page renders with no exception or error element, and a screenshot of each is saved
  (to `$SITOO_WH_TEST_ARTIFACTS`, default `test-artifacts/`, under `browser/`);
* the global filters work in the browser: choosing a store changes the figures and the
  choice holds on the next page;
* availability: while `sitoo-wh sync` runs again and again in another process, publishing new
  serving copies, every page keeps rendering without errors, and the app picks up the new
  data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from simulator.config import ChainConfig
from sitoo_wh import cli
from tests.integration.conftest import AUTH, Sim, free_port, sim_env, start_sim, wait_until_served

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
CHAIN = ChainConfig(seed=11, stores=3, days=14, end_date=date(2026, 4, 20), products=120)
SYNC = ["sync", "--quiet", "--rate-limit", "0"]
# Page name -> URL path; the default page (Overview) is served at the root.
PAGES = {
    "overview": "",
    "sales": "sales",
    "vat": "vat",
    "payments": "payments",
    "zreports": "zreports",
    "inventory": "inventory",
    "data_health": "data_health",
    "data_dictionary": "data_dictionary",
    "exports": "exports",
}
RENDER_TIMEOUT_MS = 60_000
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


@dataclass
class Served:
    sim: Sim
    data_dir: Path
    url: str


def _env(sim: Sim, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        **sim_env(sim, data_dir),
        "SITOO_WH_CONFIG": str(data_dir / "absent.toml"),
    }


def _artifacts() -> Path:
    root = Path(os.environ.get("SITOO_WH_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    folder = root / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    sim = start_sim(CHAIN)
    data_dir = tmp_path_factory.mktemp("dash") / "data"
    data_dir.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _env(sim, data_dir).items():
            patch.setenv(name, value)
        assert cli.main(SYNC) == 0
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitoo_wh.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=_env(sim, data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_served(url, proc)
        yield Served(sim, data_dir, url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        sim.server.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(RENDER_TIMEOUT_MS)
    yield tab
    context.close()


def wait_for_render(page: Page) -> None:
    """Until Streamlit is connected and its script has finished running (the markers its own
    end-to-end tests wait for), then the main heading."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]')
    page.wait_for_selector('[data-testid="stMain"] h1')
    finished = '[data-testid="stApp"][data-test-script-state="notRunning"]'
    page.wait_for_selector(finished)
    page.wait_for_timeout(300)  # a rerun a widget asked for starts within this
    page.wait_for_selector(finished)


def assert_no_errors(page: Page, where: str) -> None:
    errors = page.locator(ERRORS)
    if errors.count():
        raise AssertionError(f"{where}: {errors.first.inner_text()[:500]}")
    assert page.get_by_text("Page not found").count() == 0, f"{where}: page not found"


def visit(page: Page, url: str) -> None:
    page.goto(url)
    try:
        wait_for_render(page)
    except Exception:
        page.screenshot(path=str(_artifacts() / "failed-render.png"), full_page=True)
        raise


def test_every_page_renders_without_errors(served: Served, page: Page) -> None:
    shots = _artifacts()
    for name, path in PAGES.items():
        visit(page, f"{served.url}/{path}")
        assert_no_errors(page, name)
        heading = page.locator('[data-testid="stMain"] h1').first.inner_text()
        assert heading.strip(), name
        assert page.get_by_text("No data yet").count() == 0, name
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        assert (shots / f"{name}.png").stat().st_size > 10_000


def _metric_values(page: Page) -> list[str]:
    return [v.inner_text() for v in page.locator('[data-testid="stMetricValue"]').all()]


def test_store_filter_changes_figures_and_holds_across_pages(served: Served, page: Page) -> None:
    visit(page, f"{served.url}/")
    page.wait_for_selector('[data-testid="stMetricValue"]')
    before = _metric_values(page)
    assert before, "the overview shows KPI figures"

    stores = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]')
    stores.click()
    options = page.locator('[role="option"]').filter(has_not_text="Select all")
    expect(options.first).to_be_visible()
    assert options.count() >= 2, "the demo chain has several stores in one currency"
    chosen = options.first.inner_text()
    options.first.click()
    page.keyboard.press("Escape")
    expect(stores).to_contain_text(chosen)
    # Net sales of one store of two or more is not the net sales of all of them.
    expect(page.locator('[data-testid="stMetricValue"]').first).not_to_have_text(before[0])
    wait_for_render(page)
    assert_no_errors(page, "overview with one store")
    assert _metric_values(page) != before

    page.locator('[data-testid="stSidebarNavLink"]', has_text="Sales").click()
    page.wait_for_url(f"{served.url}/sales")
    wait_for_render(page)
    assert_no_errors(page, "sales with one store")
    expect(stores).to_contain_text(chosen)


def _published_at(data_dir: Path) -> datetime:
    with duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True) as con:
        row = con.execute("SELECT max(published_at) FROM meta.published").fetchone()
    assert row is not None
    assert isinstance(row[0], datetime)
    return row[0]


def test_pages_keep_rendering_while_sync_runs(served: Served, page: Page) -> None:
    first = _published_at(served.data_dir)
    syncs = 3
    env = _env(served.sim, served.data_dir)
    rendered = 0
    for _ in range(syncs):
        httpx.post(f"{served.sim.url}/_sim/advance", params={"hours": 24}, timeout=60)
        sync = subprocess.Popen(
            [sys.executable, "-m", "sitoo_wh.cli", *SYNC],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            while sync.poll() is None:
                for name, path in PAGES.items():
                    visit(page, f"{served.url}/{path}")
                    assert_no_errors(page, f"{name} during a sync")
                    rendered += 1
        finally:
            output, _ = sync.communicate(timeout=600)
        text = output.decode(errors="replace")
        assert sync.returncode == 0, text[-2000:]
        assert AUTH[1] not in text
    assert rendered >= syncs, "pages were rendered while the syncs ran"
    assert _published_at(served.data_dir) != first

    # The app follows the newest serving copy: the sidebar names the new publish time.
    newest = _published_at(served.data_dir)
    visit(page, f"{served.url}/")
    caption = page.locator('[data-testid="stSidebar"]').inner_text()
    assert f"{newest:%Y-%m-%d %H:%M}" in caption
