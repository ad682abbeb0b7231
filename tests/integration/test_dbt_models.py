"""`dbt build` end to end: simulator → extractor → DuckDB → dbt marts.

A small chain (3 stores, 10 days) is served by a real simulator, extracted in-process into a
temporary data dir, and built with a real `dbt build` (dbtRunner). The checks:

* the build succeeds (models, data tests, unit tests) and every public mart exists;
* `fct_sales_daily` equals sums computed independently in Python from the raw order JSON, with
  the store-local business date taken from each order's `pos-timezone`;
* every Z-report reconciles exactly with its session's orders and journal receipts;
* after the clock moves and the extractor lands more data, an incremental build gives exactly
  the rows of a `--full-refresh` build;
* tests of incremental models read the rows written since the last passing build, and a
  failure found there is found again on the next run rather than forgotten.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import httpx
import pytest
from dbt.artifacts.schemas.run import RunExecutionResult
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt_common.events.event_manager_client import get_event_manager

from extract.cli import exit_code, run_extract
from extract.retry import RetryPolicy
from extract.runner import ExtractOptions, NullProgress
from simulator.config import ChainConfig
from sitoo_wh.config import load_settings
from sitoo_wh.publish import MARTS_ALIAS, MARTS_FILE
from tests.integration.conftest import AUTH, Sim, start_sim

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIR = ROOT / "dbt_project"
CHAIN = ChainConfig(seed=23, stores=3, days=10, products=150, offline_rate=0.1)
MARTS = (
    "dim_store",
    "dim_register",
    "dim_product",
    "dim_product_group",
    "dim_payment_method",
    "dim_staff",
    "dim_date",
    "fct_orders",
    "fct_order_lines",
    "fct_journal_receipt_lines",
    "fct_sales_daily",
    "fct_sales_hourly",
    "fct_vat_daily",
    "fct_payments_daily",
    "fct_stock_movements",
    "fct_stock_daily",
    "rpt_zreport_reconciliation",
    "rpt_zreport_gaps",
    "rpt_zreport_vat",
    "rpt_zreport_payments",
)
CENT = Decimal("0.01")


@dataclass
class Warehouse:
    sim: Sim
    data_dir: Path
    work_dir: Path


def _extract(sim: Sim, data_dir: Path) -> None:
    env = {
        "SITOO_BASE_URL": sim.url,
        "SITOO_ACCOUNT_ID": "1500",
        "SITOO_API_ID": AUTH[0],
        "SITOO_API_PASSWORD": AUTH[1],
        "SITOO_JOURNALS_URL": sim.journals,
        "SITOO_WH_DATA_DIR": str(data_dir),
    }
    settings = load_settings(env, config_file=data_dir / "absent.toml")
    results = run_extract(
        settings,
        ExtractOptions(page_size=1000),
        rate_limit=0,
        timeout=10.0,
        progress=NullProgress(),
        policy=RetryPolicy(max_attempts=6, base_delay=0.05, max_delay=0.5),
    )
    assert exit_code(results) == 0, {r.stream: (r.outcome, r.error) for r in results}


def _dbt(
    work: Path, data_dir: Path, *args: str, command: tuple[str, ...] = ("build",)
) -> dbtRunnerResult:
    """One in-process dbt command (`dbt build` unless told) against the data dir; target and
    logs under `work`."""
    previous = os.environ.get("SITOO_WH_DATA_DIR")
    os.environ["SITOO_WH_DATA_DIR"] = str(data_dir)
    try:
        result = dbtRunner().invoke(
            [
                *command,
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROJECT_DIR),
                "--target-path",
                str(work / "target"),
                "--log-path",
                str(work / "logs"),
                "--quiet",
                *args,
            ]
        )
    finally:
        if previous is None:
            os.environ.pop("SITOO_WH_DATA_DIR", None)
        else:
            os.environ["SITOO_WH_DATA_DIR"] = previous
        _close_dbt_log_files()
    return result


def _close_dbt_log_files() -> None:
    """dbt drops its file loggers at the next invocation without closing them (a
    ResourceWarning, an error under this project's pytest config); close them here."""
    for logger in getattr(get_event_manager(), "loggers", []):
        python_logger = getattr(logger, "_python_logger", None)
        for handler in getattr(python_logger, "handlers", []):
            handler.close()


def _assert_built(result: dbtRunnerResult) -> dict[str, int]:
    assert result.exception is None, result.exception
    assert isinstance(result.result, RunExecutionResult), result.result
    statuses: dict[str, int] = defaultdict(int)
    failed = []
    for node in result.result.results:
        status = str(node.status)
        statuses[status] += 1
        if status not in ("success", "pass"):
            failed.append((node.node.unique_id, status, node.message))
    assert result.success, failed
    assert not failed, failed
    return dict(statuses)


def _connect(data_dir: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse with the marts file attached as dbt attaches it (`marts_db.marts.*`)."""
    # Read-write on purpose: dbt-duckdb keeps its database instance open in this process, and
    # DuckDB refuses a second connection to the same file with a different (read-only) config.
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    con.execute(f"ATTACH IF NOT EXISTS '{data_dir / MARTS_FILE}' AS {MARTS_ALIAS}")
    return con


def _rows(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    with _connect(data_dir) as con:
        return con.execute(sql).fetchall()


def _mart_rows(data_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every mart's rows, sorted, for comparing two builds."""
    with _connect(data_dir) as con:
        return {
            mart: sorted(
                con.execute(f"select * from marts_db.marts.{mart}").fetchall(),  # noqa: S608
                key=repr,
            )
            for mart in MARTS
        }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """A simulator, one full extract and one `dbt build` of it."""
    sim = start_sim(CHAIN)
    try:
        data_dir = tmp_path_factory.mktemp("data")
        work_dir = tmp_path_factory.mktemp("dbt")
        _extract(sim, data_dir)
        statuses = _assert_built(_dbt(work_dir, data_dir))
        assert statuses.get("success", 0) > 50, statuses
        assert statuses.get("pass", 0) > 100, statuses
        yield Warehouse(sim, data_dir, work_dir)
    finally:
        sim.server.stop()


def test_build_creates_every_public_mart(warehouse: Warehouse) -> None:
    found = {
        name
        for (name,) in _rows(
            warehouse.data_dir,
            "select table_name from information_schema.tables "
            "where table_catalog = 'marts_db' and table_schema = 'marts'",
        )
    }
    assert set(MARTS) <= found
    counts = {
        mart: _rows(warehouse.data_dir, f"select count(*) from marts_db.marts.{mart}")[0][0]  # noqa: S608
        for mart in MARTS
    }
    empty = {mart for mart, n in counts.items() if n == 0} - {"rpt_zreport_gaps"}
    assert not empty, counts


def test_docs_generate_describes_every_mart_column(warehouse: Warehouse) -> None:
    """The data dictionary: `dbt docs generate` works and no mart column lacks a description."""
    result = _dbt(warehouse.work_dir, warehouse.data_dir, command=("docs", "generate"))
    assert result.success, result.exception
    target = warehouse.work_dir / "target"
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    built = {
        node["metadata"]["name"]: set(node["columns"])
        for node in catalog["nodes"].values()
        if node["metadata"]["schema"] == "marts"
    }
    assert set(MARTS) <= set(built)
    undescribed = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["name"] not in built:
            continue
        assert node["description"].strip(), f"{node['name']} has no description"
        documented = {name.lower(): col for name, col in node["columns"].items()}
        for column in built[node["name"]]:
            entry = documented.get(column.lower())
            if entry is None or not entry["description"].strip():
                undescribed.append(f"{node['name']}.{column}")
    assert not undescribed, undescribed


def _expected_sales_daily(data_dir: Path) -> dict[tuple[date, str, str], dict[str, Decimal]]:
    """fct_sales_daily recomputed in Python from raw.orders, sharing no SQL with the models."""
    totals: dict[tuple[date, str, str], dict[str, Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for (text,) in _rows(data_dir, "select payload::varchar from raw.orders"):
        order = json.loads(text, parse_float=Decimal)
        extra = order.get("additionaldata") or {}
        if order["ordertypeid"] != 10 or order["orderstateid"] != 10:
            continue  # parked carts, bookings, open / cancelled / abandoned orders
        if extra.get("pos-practicemode") == "true":
            continue
        local = datetime.fromtimestamp(order["orderdate"], UTC).astimezone(
            ZoneInfo(extra["pos-timezone"])
        )
        key = (local.date(), extra["store-externalid"], order["currencycode"])
        net = Decimal(order["moneytotal_net"])
        vat = Decimal(order["moneytotal_vat"])
        is_refund = order.get("creditorderid") is not None
        day = totals[key]
        day["net_sales"] += net
        day["vat_amount"] += vat
        day["gross_sales"] += net + vat
        day["returns_amount"] += -(net + vat) if is_refund else Decimal(0)
        day["transactions"] += 0 if is_refund else 1
        for item in order["orderitems"]:
            day["units"] += Decimal(item["quantity"])
            discount = Decimal(
                (item.get("additionaldata") or {}).get("orderitem-moneyrowdiscount", "0.00")
            )
            day["discount_amount"] += -discount if item["quantity"] < 0 else discount
    return totals


def test_sales_daily_equals_sums_over_raw_orders(warehouse: Warehouse) -> None:
    expected = _expected_sales_daily(warehouse.data_dir)
    columns = (
        "net_sales",
        "gross_sales",
        "vat_amount",
        "discount_amount",
        "returns_amount",
        "transactions",
        "units",
    )
    actual = {
        (row[0], row[1], row[2]): dict(zip(columns, row[3:], strict=True))
        for row in _rows(
            warehouse.data_dir,
            f"select business_date, store_external_id, currency_code, {', '.join(columns)} "  # noqa: S608
            "from marts_db.marts.fct_sales_daily",
        )
    }
    assert set(actual) == set(expected)
    assert len(actual) >= 3 * 8  # three stores, most of ten days open
    for key, figures in expected.items():
        for column in columns:
            assert Decimal(actual[key][column]) == figures[column], (key, column)


def test_every_zreport_reconciles_exactly(warehouse: Warehouse) -> None:
    zreports = _rows(warehouse.data_dir, "select count(*) from raw.pos_z_reports")[0][0]
    rows = _rows(
        warehouse.data_dir,
        """
        select register_id, zreport_id, status, orders_sales_gross_difference,
               journal_sales_gross_difference, orders_vat_difference, journal_vat_difference,
               orders_payments_difference, journal_payments_difference, vat_rates_mismatched,
               payment_methods_mismatched, zreport_sales_gross_amount
        from marts_db.marts.rpt_zreport_reconciliation
        """,
    )
    assert zreports > 0
    assert len(rows) == zreports
    bad = [row for row in rows if row[2] != "ok"]
    assert not bad, bad[:5]
    for row in rows:
        assert all(value == 0 for value in row[3:11]), row
    # Not vacuous: the sessions have takings.
    assert sum(row[11] for row in rows) > 0


def test_incremental_build_equals_full_refresh(warehouse: Warehouse) -> None:
    with httpx.Client(timeout=120.0) as client:
        response = client.post(f"{warehouse.sim.url}/_sim/advance", params={"hours": 48})
    assert response.status_code == 200, response.text
    before = _rows(warehouse.data_dir, "select count(*) from raw.orders")[0][0]
    _extract(warehouse.sim, warehouse.data_dir)
    after = _rows(warehouse.data_dir, "select count(*) from raw.orders")[0][0]
    assert after > before

    _assert_built(_dbt(warehouse.work_dir, warehouse.data_dir))
    incremental = _mart_rows(warehouse.data_dir)
    assert len(incremental["fct_orders"]) == after

    _assert_built(_dbt(warehouse.work_dir, warehouse.data_dir, "--full-refresh"))
    full = _mart_rows(warehouse.data_dir)
    for mart in MARTS:
        assert incremental[mart] == full[mart], mart


def test_incremental_tests_read_untested_rows_and_keep_failures(warehouse: Warehouse) -> None:
    work, data_dir = warehouse.work_dir, warehouse.data_dir
    _assert_built(_dbt(work, data_dir))
    tested = dict(
        _rows(data_dir, "select model_unique_id, tested_through from dbt_state.tested_slices")
    )
    newest = _rows(data_dir, "select max(_extracted_at) from staging.stg_sitoo__orders")[0][0]
    assert tested["model.sitoo_wh.stg_sitoo__orders"] == newest
    compiled = next((work / "target" / "run").rglob("unique_stg_sitoo__orders_order_id*.sql"))
    assert "dbt_state.tested_slices" in compiled.read_text()

    # A duplicate order written after the last passing build: the scoped unique test counts its
    # key over the whole table, and a failed run records nothing, so the next run fails too.
    _rows(
        data_dir,
        """
        insert into staging.stg_sitoo__orders
        select * replace (_extracted_at + interval 1 second as _extracted_at)
        from staging.stg_sitoo__orders
        where _extracted_at = (select max(_extracted_at) from staging.stg_sitoo__orders)
        limit 1
        """,
    )
    for _ in range(2):
        result = _dbt(work, data_dir, "--select", "stg_sitoo__orders", command=("test",))
        assert not result.success
        assert isinstance(result.result, RunExecutionResult), result.result
        failed = [r.node.unique_id for r in result.result.results if str(r.status) == "fail"]
        assert any(".unique_stg_sitoo__orders_order_id" in name for name in failed), failed
        again = dict(
            _rows(data_dir, "select model_unique_id, tested_through from dbt_state.tested_slices")
        )
        assert again == tested

    _rows(
        data_dir,
        """
        delete from staging.stg_sitoo__orders
        where _extracted_at > (
            select tested_through from dbt_state.tested_slices
            where model_unique_id = 'model.sitoo_wh.stg_sitoo__orders'
        )
        """,
    )
    _assert_built(_dbt(work, data_dir, "--select", "stg_sitoo__orders", command=("test",)))


def test_staging_parents_built_by_an_earlier_version_are_rebuilt_whole(
    warehouse: Warehouse,
) -> None:
    """Earlier versions built the staging parents without the JSON arrays their children now
    unnest from them. The first build after an upgrade rebuilds those parents instead of
    stopping at `on_schema_change='fail'`, and every mart comes out the same."""
    work, data_dir = warehouse.work_dir, warehouse.data_dir
    _assert_built(_dbt(work, data_dir))
    before = _mart_rows(data_dir)
    children = _rows(data_dir, "select count(*) from staging.stg_sitoo__journal_receipt_items")
    earlier_version = {
        "stg_sitoo__orders": ("payments", "reserved_payments"),
        "stg_sitoo__journal_receipts": ("items", "payments", "vats"),
        "stg_sitoo__warehouse_transactions": ("items",),
    }
    for table, columns in earlier_version.items():
        for column in columns:
            _rows(data_dir, f"alter table staging.{table} drop column {column}")

    _assert_built(_dbt(work, data_dir))

    found = set(
        _rows(
            data_dir,
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'staging'",
        )
    )
    for table, columns in earlier_version.items():
        assert {(table, column) for column in columns} <= found, table
    assert _rows(data_dir, "select count(*) from staging.stg_sitoo__journal_receipt_items") == (
        children
    )
    assert _mart_rows(data_dir) == before
