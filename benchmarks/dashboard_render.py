"""Server-side render time of every dashboard page on the one-million-order-line warehouse.

Goals (issue 5): p95 under 1 s with warm caches, under 3 s with cold ones.

Each page is run by Streamlit's AppTest in this process against the serving copy a
`sitoo-wh build` published (the same script a browser session runs, without the browser's own
drawing). A cold run first clears Streamlit's data and resource caches, so the DuckDB
connection is opened again and every query runs; a warm run follows the previous run of the
same page, as when a store manager flips between pages. The default filters apply (the last
seven business days, the most common currency, all its stores).
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from benchmarks.extract_memory import REPO

APP: Final = REPO / "dashboards" / "app.py"
PAGES: Final = {
    "Overview": "views/overview.py",
    "Sales": "views/sales.py",
    "VAT": "views/vat.py",
    "Payments": "views/payments.py",
    "Z-reports": "views/zreports.py",
    "Inventory": "views/inventory.py",
    "Data health": "views/data_health.py",
}
GOAL_WARM_P95: Final = 1.0
GOAL_COLD_P95: Final = 3.0


@dataclass(frozen=True)
class PageTimes:
    page: str
    cold: list[float]
    warm: list[float]


def p95(samples: list[float]) -> float:
    """The 95th percentile (inclusive method; with 20 samples, between the two slowest)."""
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def _run_page(page: str, *, cold: bool) -> float:
    """One run of a page in a new session; `cold` clears the app's caches first."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(APP), default_timeout=120)
    if page != PAGES["Overview"]:
        app.switch_page(page)
    if cold:
        _clear_caches()
    started = time.perf_counter()
    app.run()
    seconds = time.perf_counter() - started
    if app.exception:
        raise RuntimeError(f"{page}: {app.exception[0].value}")
    if not app.title:
        raise RuntimeError(f"{page}: rendered no title")
    return seconds


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def measure(data_dir: Path, cold_runs: int = 5, warm_runs: int = 20) -> list[PageTimes]:
    # Clearing caches outside a script run makes Streamlit warn once per call; not news here.
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    os.environ["SITOO_WH_DATA_DIR"] = str(data_dir)
    os.environ.pop("SITOO_WH_DASHBOARD_PASSWORD", None)
    results = []
    for title, page in PAGES.items():
        cold = [_run_page(page, cold=True) for _ in range(cold_runs)]
        warm = [_run_page(page, cold=False) for _ in range(warm_runs)]
        results.append(PageTimes(title, cold, warm))
    return results


def report(results: list[PageTimes]) -> None:
    print(f"  {'page':<12} {'warm median':>11} {'warm p95':>9} {'cold median':>11} {'cold p95':>9}")
    for r in results:
        print(
            f"  {r.page:<12} {statistics.median(r.warm):10.3f}s {p95(r.warm):8.3f}s "
            f"{statistics.median(r.cold):10.3f}s {p95(r.cold):8.3f}s"
        )
    worst_warm = max(p95(r.warm) for r in results)
    worst_cold = max(p95(r.cold) for r in results)
    print(
        f"  slowest page p95: warm {worst_warm:.3f} s (goal < {GOAL_WARM_P95:.0f} s, "
        f"{worst_warm / GOAL_WARM_P95:.2f} of it), cold {worst_cold:.3f} s "
        f"(goal < {GOAL_COLD_P95:.0f} s, {worst_cold / GOAL_COLD_P95:.2f} of it)"
    )


def run(data_dir: Path) -> list[PageTimes]:
    """Render times on the serving copy in `data_dir` (built by `benchmarks.dbt_build`)."""
    if not (data_dir / "serving.duckdb").is_file():
        raise RuntimeError(f"no serving.duckdb in {data_dir}; run the dbt benchmark first")
    results = measure(data_dir)
    report(results)
    return results


if __name__ == "__main__":
    run(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data"))
