"""`sitoo-wh docs` and the Data dictionary page on a real synced warehouse:

* `sitoo-wh docs` writes one self-contained `docs/index.html` (plus manifest and catalog) that
  names the marts, and refuses clearly while another process holds the warehouse;
* the page lists every published mart column with its type and description, the search box
  filters the list, and the docs site is embedded when generated, a hint shown when not.

One small chain is synced once for the module (extract, dbt build, publish).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.lib import db
from simulator.config import ChainConfig
from sitoo_wh import cli
from tests.integration.conftest import sync_once

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboards" / "app.py"
PAGE = "views/data_dictionary.py"
CHAIN = ChainConfig(seed=31, stores=2, days=5, end_date=date(2026, 4, 12), products=60)
HINT = "sitoo-wh docs"
# Another process holding the warehouse open for writing, as a running extract does.
HOLD = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    "time.sleep(120)"
)
OPEN = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory after one `sitoo-wh sync` (so a build manifest, no docs yet)."""
    data_dir = tmp_path_factory.mktemp("dictionary") / "data"
    return sync_once(CHAIN, data_dir)


@pytest.fixture(scope="module")
def documented(warehouse: Path) -> Path:
    """The same data directory after `sitoo-wh docs`."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SITOO_WH_DATA_DIR", str(warehouse))
        mp.setenv("SITOO_WH_CONFIG", str(warehouse / "absent.toml"))
        assert cli.main(["docs", "--quiet"]) == 0
    return warehouse


@pytest.fixture(autouse=True)
def clean_app_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("SITOO_WH_CONFIG", str(tmp_path / "absent.toml"))
    for name in ("SITOO_WH_DASHBOARD_PASSWORD", "SITOO_WH_BUDGET_FILE"):
        monkeypatch.delenv(name, raising=False)
    db.reset_for_tests()
    yield
    db.reset_for_tests()


def open_page(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SITOO_WH_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def columns_frame(at: AppTest) -> list[tuple[str, str, str, str]]:
    for element in at.dataframe:
        frame = element.value
        if tuple(frame.columns) == ("model", "column", "data_type", "description"):
            return [
                (str(m), str(c), str(t), str(d)) for m, c, t, d in frame.itertuples(index=False)
            ]
    raise AssertionError("no columns table on the page")


def iframes(at: AppTest) -> list[str]:
    """The HTML of every embedded iframe (st.iframe has no AppTest wrapper of its own)."""
    return [str(e.proto.srcdoc) for e in at.get("iframe")]


def without_docs(warehouse: Path, tmp_path: Path) -> Path:
    """A data directory with the serving copy and build manifest but no docs site."""
    data_dir = tmp_path / "data"
    (data_dir / "dbt" / "target").mkdir(parents=True)
    shutil.copy(warehouse / "serving.duckdb", data_dir / "serving.duckdb")
    manifest = warehouse / "dbt" / "target" / "manifest.json"
    shutil.copy(manifest, data_dir / "dbt" / "target" / "manifest.json")
    return data_dir


def test_docs_command_writes_one_self_contained_page(documented: Path) -> None:
    docs = documented / "docs"
    html = (docs / "index.html").read_text(encoding="utf-8")
    assert "fct_sales_daily" in html
    assert "Net sales: takings excluding VAT" in html  # a rendered doc block
    assert (docs / "manifest.json").is_file()
    assert (docs / "catalog.json").is_file()
    assert sorted(p.name for p in docs.iterdir() if ".tmp-" in p.name) == []
    # The warehouse is released again for the next extract.
    subprocess.run(
        [
            sys.executable,
            "-c",
            OPEN,
            str(documented / "warehouse.duckdb"),
        ],
        check=True,
        timeout=60,
    )


def test_docs_command_says_so_while_another_writer_holds_the_warehouse(
    documented: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (documented / "docs" / "index.html").stat().st_mtime_ns
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(documented / "warehouse.duckdb")],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            monkeypatch.setenv("SITOO_WH_DATA_DIR", str(documented))
            assert cli.main(["docs", "--quiet"]) == 1
        finally:
            holder.kill()
    err = capsys.readouterr().err
    assert "in use by another writer" in err
    assert (documented / "docs" / "index.html").stat().st_mtime_ns == before


def test_page_lists_mart_columns_with_types_and_descriptions(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    at = open_page(without_docs(warehouse, tmp_path), monkeypatch)

    assert [t.value for t in at.title] == ["Data dictionary"]
    rows = {(m, c): (t, d) for m, c, t, d in columns_frame(at)}
    data_type, description = rows[("fct_sales_daily", "net_sales")]
    assert data_type == "DECIMAL(18,2)"
    assert description.startswith("Net sales: takings excluding VAT")
    assert "currency_code" in description
    assert all(d for _, d in rows.values()), "a published column without a description"
    assert {m for m, _ in rows} >= {"fct_sales_daily", "dim_store", "rpt_zreport_reconciliation"}
    # No docs site yet: the page says how to make one instead of embedding it.
    assert not iframes(at)
    assert any(HINT in i.value for i in at.info)


def test_search_filters_the_columns(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    at = open_page(without_docs(warehouse, tmp_path), monkeypatch)
    everything = columns_frame(at)

    at.text_input(key="dictionary_search").input("returns_amount").run()
    found = columns_frame(at)
    assert found
    assert len(found) < len(everything)
    assert {c for _, c, _, _ in found} == {"returns_amount"}
    assert {m for m, _, _, _ in found} == {"fct_sales_daily", "fct_sales_hourly"}

    at.text_input(key="dictionary_search").input("store-local VAT").run()
    assert all(
        "vat" in " ".join(row).lower() and "store-local" in " ".join(row).lower()
        for row in columns_frame(at)
    )

    at.text_input(key="dictionary_search").input("").run()
    assert len(columns_frame(at)) == len(everything)


def test_page_embeds_the_docs_site_once_generated(
    documented: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(documented, monkeypatch)

    [html] = iframes(at)
    assert "fct_sales_daily" in html
    assert not any(HINT in i.value for i in at.info)
    labels = [str(getattr(b, "label", "")) for b in at.get("download_button")]
    assert any(label.startswith("Download the docs site") for label in labels)
