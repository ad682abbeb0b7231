"""The dashboards on a real published warehouse (issue 5, "Show it"):

* every page renders through `AppTest` without an exception;
* for a fixed filter (dates, one store, its currency) the Overview KPIs equal the same figures
  computed here with independent SQL over the order-level marts, and so do the VAT and
  payment totals; the till-count cash differences and one Z-report's per-rate and per-method
  figures equal the raw Z-report payloads; sequence gaps follow the period;
* an empty data directory (and a file that is not a warehouse) shows a helpful message;
* the password gate shows no page until the right password is typed;
* after a new publish the app shows the new figures (the query cache follows the publish).

The warehouse is built once per module the way a user gets one: the simulator over loopback,
`sitoo-wh sync` (extract, dbt build, publish).
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import DownloadButton

from dashboards.lib import db
from dashboards.lib import exports as dash_exports
from simulator.config import ChainConfig
from sitoo_wh import cli
from sitoo_wh.publish import MARTS_FILE, publish
from tests.integration.conftest import sync_once

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboards" / "app.py"
# Three stores: two in SEK and one in NOK, so the currency filter has something to keep apart.
CHAIN = ChainConfig(seed=23, stores=3, days=14, end_date=date(2026, 4, 12), products=120)
PAGES = {
    "views/overview.py": "Overview",
    "views/sales.py": "Sales",
    "views/vat.py": "VAT",
    "views/payments.py": "Payments",
    "views/zreports.py": "Z-reports",
    "views/inventory.py": "Inventory",
    "views/data_health.py": "Data health",
    "views/exports.py": "Exports",
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Scope:
    """The fixed filter the figures are checked for."""

    start: date
    end: date
    store: str
    currency: str


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with serving.duckdb published by a real `sitoo-wh sync`."""
    data_dir = tmp_path_factory.mktemp("dashboards") / "data"
    return sync_once(CHAIN, data_dir)


@pytest.fixture(autouse=True)
def clean_app_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No configuration from the developer's machine, no cache from the previous test."""
    monkeypatch.setenv("SITOO_WH_CONFIG", str(tmp_path / "absent.toml"))
    for name in ("SITOO_WH_DASHBOARD_PASSWORD", "SITOO_WH_BUDGET_FILE", "SITOO_WH_EXPORT_MAPPING"):
        monkeypatch.delenv(name, raising=False)
    db.reset_for_tests()
    yield
    db.reset_for_tests()


def app(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SITOO_WH_DATA_DIR", str(data_dir))
    return AppTest.from_file(str(APP), default_timeout=120)


def rows(serving: Path, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def scope_of(serving: Path) -> Scope:
    """A SEK store and five business dates inside the data."""
    [(store, first, last)] = rows(
        serving,
        "SELECT min(store_external_id), min(business_date), max(business_date) "
        "FROM marts.fct_orders WHERE currency_code = 'SEK' AND is_sales_transaction",
        [],
    )
    assert (last - first).days >= 7
    return Scope(first + timedelta(days=2), first + timedelta(days=6), store, "SEK")


def apply(at: AppTest, scope: Scope) -> AppTest:
    at.selectbox(key="filter_currency").set_value(scope.currency).run()
    at.multiselect(key="filter_stores").set_value([scope.store]).run()
    at.date_input(key="filter_period").set_value((scope.start, scope.end)).run()
    return at


def money(amount: Decimal, currency: str) -> str:
    text = f"{abs(amount.quantize(CENT, ROUND_HALF_UP)):,.2f}".replace(",", " ")
    return f"{'-' if amount < 0 else ''}{text} {currency}"


def frame(at: AppTest, *columns: str) -> Any:
    """The first table showing exactly these columns (AppTest does not expose table keys)."""
    for element in at.dataframe:
        if tuple(element.value.columns) == columns:
            return element.value
    raise AssertionError(f"no table with columns {columns}")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expected_overview(serving: Path, s: Scope) -> dict[str, str]:
    """The six KPIs from the order-level marts, not from fct_sales_daily the app reads."""
    params = [s.start, s.end, s.store, s.currency]
    [(net, gross, transactions, returns)] = rows(
        serving,
        "SELECT sum(net_amount), sum(gross_amount), count(*) FILTER (order_class = 'sale'), "
        "-coalesce(sum(gross_amount) FILTER (order_class = 'refund'), 0) "
        "FROM marts.fct_orders WHERE business_date BETWEEN ? AND ? AND store_external_id = ? "
        "AND currency_code = ? AND is_sales_transaction",
        params,
    )
    [(units, discounts)] = rows(
        serving,
        "SELECT sum(quantity), sum(discount_amount) FROM marts.fct_order_lines "
        "WHERE business_date BETWEEN ? AND ? AND store_external_id = ? "
        "AND currency_code = ? AND is_sales_transaction",
        params,
    )
    assert transactions > 0
    atv = (net / transactions).quantize(CENT, ROUND_HALF_UP)
    upt = (units / transactions).quantize(CENT, ROUND_HALF_UP)
    rate = (discounts / (gross + discounts) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return {
        "Net sales": money(net, s.currency),
        "Transactions": f"{transactions:,}".replace(",", " "),
        "Average transaction value": money(atv, s.currency),
        "Units per transaction": f"{upt}",
        "Returns": money(returns, s.currency),
        "Discount rate": f"{rate} %",
    }


def test_every_page_renders_without_an_exception(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(warehouse, monkeypatch).run()
    assert not at.exception
    for page, title in PAGES.items():
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert [t.value for t in at.title] == [title]
        assert at.sidebar.date_input(key="filter_period") is not None
        assert not at.error


def test_overview_kpis_equal_independent_sql(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = warehouse / "serving.duckdb"
    scope = scope_of(serving)
    at = apply(app(warehouse, monkeypatch).run(), scope)

    assert not at.exception
    shown = metrics(at)
    assert {k: shown[k] for k in expected_overview(serving, scope)} == expected_overview(
        serving, scope
    )


def test_filters_hold_across_pages_and_currencies_stay_apart(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = warehouse / "serving.duckdb"
    scope = scope_of(serving)
    at = apply(app(warehouse, monkeypatch).run(), scope)
    at.switch_page("views/sales.py").run()
    at.switch_page("views/overview.py").run()

    assert at.selectbox(key="filter_currency").value == "SEK"
    assert at.multiselect(key="filter_stores").value == [scope.store]
    assert at.date_input(key="filter_period").value == (scope.start, scope.end)
    # Choosing NOK offers only NOK stores and shows money in NOK only.
    at.selectbox(key="filter_currency").set_value("NOK").run()
    nok_stores = {
        s
        for (s,) in rows(
            serving, "SELECT store_external_id FROM marts.dim_store WHERE currency_code = 'NOK'", []
        )
    }
    assert set(at.multiselect(key="filter_stores").options) <= nok_stores | {
        name
        for (name,) in rows(
            serving, "SELECT store_name FROM marts.dim_store WHERE currency_code = 'NOK'", []
        )
    }
    assert at.multiselect(key="filter_stores").value == []
    assert metrics(at)["Net sales"].endswith(" NOK")


def test_vat_totals_equal_independent_sql(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serving = warehouse / "serving.duckdb"
    scope = scope_of(serving)
    at = apply(app(warehouse, monkeypatch).run(), scope)
    at.switch_page("views/vat.py").run()

    assert not at.exception
    per_rate = rows(
        serving,
        "SELECT vat_rate, sum(net_amount), sum(vat_amount), sum(gross_amount) "
        "FROM marts.fct_order_lines WHERE business_date BETWEEN ? AND ? "
        "AND store_external_id = ? AND is_sales_transaction GROUP BY vat_rate "
        "ORDER BY vat_rate DESC",
        [scope.start, scope.end, scope.store],
    )
    net, vat, gross = (sum((r[i] for r in per_rate), Decimal(0)) for i in (1, 2, 3))
    shown = metrics(at)
    assert shown["Net amount"] == money(net, "SEK")
    assert shown["VAT"] == money(vat, "SEK")
    assert shown["Gross amount"] == money(gross, "SEK")
    table = frame(at, "vat_rate", "net_amount", "vat_amount", "gross_amount")
    assert [(Decimal(str(r.vat_rate)), round(r.vat_amount, 2)) for r in table.itertuples()] == [
        (Decimal(r[0]), float(r[2])) for r in per_rate
    ]
    # The VAT return preview for the selected period ends in the VAT to pay.
    preview = frame(at, "box", "line", "amount")
    assert preview.iloc[-1]["box"] == "49"
    assert round(preview.iloc[-1]["amount"], 2) == float(vat)


def test_payment_totals_equal_independent_sql(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = warehouse / "serving.duckdb"
    scope = scope_of(serving)
    at = apply(app(warehouse, monkeypatch).run(), scope)
    at.switch_page("views/payments.py").run()

    assert not at.exception
    [(paid,)] = rows(
        serving,
        "SELECT sum(total_amount) FROM marts.fct_orders WHERE business_date BETWEEN ? AND ? "
        "AND store_external_id = ? AND is_sales_transaction",
        [scope.start, scope.end, scope.store],
    )
    assert metrics(at)["Payments"] == money(paid, "SEK")
    by_method = dict(
        rows(
            serving,
            "SELECT payment_method, sum(amount) FROM marts.fct_payments_daily "
            "WHERE business_date BETWEEN ? AND ? AND store_external_id = ? GROUP BY 1",
            [scope.start, scope.end, scope.store],
        )
    )
    mix = frame(at, "payment_method", "amount", "payments", "share")
    assert {r.payment_method: round(r.amount, 2) for r in mix.itertuples()} == {
        k: float(v) for k, v in by_method.items()
    }


def copy_warehouse(source_dir: Path, data_dir: Path) -> None:
    """The files a build leaves, copied: the warehouse and the marts file dbt wrote."""
    for name in ("warehouse.duckdb", MARTS_FILE):
        shutil.copy(source_dir / name, data_dir / name)


def raw_zreports(warehouse: Path, tmp_path: Path, s: Scope) -> list[tuple[date, dict[str, Any]]]:
    """The scope's Z-reports from their raw payloads with the business date computed here: the
    local date of `dateopened` in the zone the store's own receipts carry (`pos-timezone`)."""
    copy = tmp_path / "extracted.duckdb"  # not raw.duckdb: the catalog would shadow schema raw
    shutil.copy(warehouse / "warehouse.duckdb", copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        extras = con.execute("SELECT (payload->'additionaldata')::VARCHAR FROM raw.orders")
        zones = {
            extra["store-externalid"]: extra["pos-timezone"]
            for extra in (json.loads(text or "null") or {} for (text,) in extras.fetchall())
            if extra.get("pos-timezone")
        }
        payloads = con.execute("SELECT payload::VARCHAR FROM raw.pos_z_reports").fetchall()
    found = []
    for (text,) in payloads:
        z = json.loads(text, parse_float=Decimal)
        if z["store_id"] != s.store or z["currencycode"].upper() != s.currency:
            continue
        opened = datetime.fromtimestamp(z.get("dateopened") or z["datecreated"], UTC)
        day = opened.astimezone(ZoneInfo(zones[s.store])).date()
        if s.start <= day <= s.end:
            found.append((day, z))
    assert found
    return found


def test_cash_differences_equal_the_raw_till_counts(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = warehouse / "serving.duckdb"
    # Every business date of the store, so some till counts differ (the simulator miscounts a
    # few tills); the fixed five days happen to have none.
    store = scope_of(serving).store
    [(first, last)] = rows(
        serving,
        "SELECT min(business_date), max(business_date) FROM marts.fct_sales_daily "
        "WHERE store_external_id = ?",
        [store],
    )
    scope = Scope(first, last, store, "SEK")
    zreports = raw_zreports(warehouse, tmp_path, scope)
    per_day: dict[date, Decimal] = defaultdict(Decimal)
    differing = set()
    for day, z in zreports:
        difference = Decimal(z["moneycash_diff"])
        # The sign the marts describe: counted − expected, negative when cash is short.
        assert difference == Decimal(z["moneycash_counted"]) - Decimal(z["moneycash_expected"])
        per_day[day] += difference
        if difference:
            differing.add((day, z["zreportid"], difference))
    at = apply(app(warehouse, monkeypatch).run(), scope)
    at.switch_page("views/payments.py").run()

    assert not at.exception
    assert metrics(at)["Cash difference"] == money(sum(per_day.values(), Decimal(0)), "SEK")
    by_day = frame(
        at,
        "business_date",
        "store",
        "zreports",
        "zreports_with_difference",
        "cash_expected_amount",
        "cash_counted_amount",
        "cash_difference_amount",
    )
    assert {
        pd.Timestamp(r.business_date).date(): round(r.cash_difference_amount, 2)
        for r in by_day.itertuples()
    } == {day: float(amount) for day, amount in per_day.items()}
    assert sum(by_day["zreports"]) == len(zreports)
    assert differing
    listed = frame(
        at,
        "business_date",
        "store",
        "register",
        "zreport_id",
        "cash_expected_amount",
        "cash_counted_amount",
        "cash_difference_amount",
    )
    assert {
        (
            pd.Timestamp(r.business_date).date(),
            r.zreport_id,
            round(r.cash_difference_amount, 2),
        )
        for r in listed.itertuples()
    } == {(day, n, float(amount)) for day, n, amount in differing}


def by_key(items: list[dict[str, Any]], key: str, amount: str, sign: int) -> dict[Any, Decimal]:
    out: dict[Any, Decimal] = defaultdict(Decimal)
    for item in items:
        out[item[key]] += sign * Decimal(str(item[amount]))
    return out


def test_zreport_drill_down_shows_the_raw_rates_and_methods(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = warehouse / "serving.duckdb"
    scope = scope_of(serving)
    at = apply(app(warehouse, monkeypatch).run(), scope)
    at.switch_page("views/zreports.py").run()

    assert not at.exception
    picker = at.selectbox(key="zreport_pick")
    label = picker.options[picker.index or 0]
    _, _, register, number, _ = label.split(" · ")
    zreport_id = int(number.removeprefix("Z "))
    [(_, z)] = [
        (day, z)
        for day, z in raw_zreports(warehouse, tmp_path, scope)
        if z["zreportid"] == zreport_id and register in (z.get("registerkey"), z["registerid"])
    ]
    methods = by_key(z.get("paymentssales") or [], "name", "moneytotal", 1)
    for name, refunded in by_key(z.get("paymentsrefund") or [], "name", "moneytotal", -1).items():
        methods[name] += refunded
    vat = by_key(z.get("vatgroupssales") or [], "vatvalue", "moneytotalvat", 1)
    for rate, refunded in by_key(
        z.get("vatgroupsrefund") or [], "vatvalue", "moneytotalvat", -1
    ).items():
        vat[rate] += refunded

    per_method = frame(
        at,
        "payment_method",
        "zreport_amount",
        "orders_amount",
        "journal_amount",
        "orders_difference",
        "journal_difference",
        "status",
    )
    assert {r.payment_method: round(r.zreport_amount, 2) for r in per_method.itertuples()} == {
        name: float(amount) for name, amount in methods.items()
    }
    per_rate = frame(
        at,
        "vat_rate",
        *(
            f"{s}_{m}_amount"
            for m in ("net", "vat", "gross")
            for s in ("zreport", "orders", "journal")
        ),
        *(f"{s}_{m}_difference" for m in ("net", "vat") for s in ("orders", "journal")),
        "status",
    )
    assert {
        Decimal(str(r.vat_rate)).quantize(CENT): round(r.zreport_vat_amount, 2)
        for r in per_rate.itertuples()
    } == {Decimal(str(rate)).quantize(CENT): float(amount) for rate, amount in vat.items()}
    # The per-rate and per-method rows add up to the drill-down's totals.
    figures = frame(
        at, "figure", "z_report", "orders", "journal", "orders_minus_z", "journal_minus_z", "agrees"
    ).set_index("figure")
    assert round(float(figures.loc["Payments", "z_report"]), 2) == round(
        sum(per_method["zreport_amount"]), 2
    )
    assert round(float(figures.loc["VAT", "z_report"]), 2) == round(
        sum(per_rate["zreport_vat_amount"]), 2
    )


def test_sequence_gaps_follow_the_period(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    copy_warehouse(warehouse, data_dir)
    scope = scope_of(warehouse / "serving.duckdb")
    # Three gaps on one of the store's registers: dated inside the period, dated after it, and
    # not dated yet (no later Z-report of the register).
    with duckdb.connect(str(data_dir / MARTS_FILE)) as con:
        [(register_id,)] = con.execute(
            "SELECT min(register_id) FROM marts.rpt_zreport_reconciliation "
            "WHERE store_external_id = ?",
            [scope.store],
        ).fetchall()
        con.executemany(
            "INSERT INTO marts.rpt_zreport_gaps (register_id, missing_zreport_id, "
            "store_external_id, business_date, detected_in_run_id, detected_at) "
            "VALUES (?, ?, ?, ?, 'test', '2026-04-12 00:00:00')",
            [
                [register_id, 9001, scope.store, scope.start],
                [register_id, 9002, scope.store, scope.end + timedelta(days=30)],
                [register_id, 9003, scope.store, None],
            ],
        )
    publish(data_dir / "warehouse.duckdb", data_dir / "serving.duckdb", "gaps")
    at = apply(app(data_dir, monkeypatch).run(), scope)
    at.switch_page("views/zreports.py").run()

    assert not at.exception
    gaps = frame(
        at,
        "business_date",
        "store",
        "register",
        "register_id",
        "missing_zreport_id",
        "detected_at_utc",
    )
    assert list(gaps["missing_zreport_id"]) == [9001, 9003]
    assert metrics(at)["Missing in sequence"] == "2"


def test_an_empty_data_dir_shows_how_to_fill_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(tmp_path / "nothing-here", monkeypatch).run()

    assert not at.exception
    assert [t.value for t in at.title] == ["No data yet"]
    assert "sitoo-wh sync" in at.info[0].value
    assert not at.metric


def test_a_file_that_is_not_a_warehouse_shows_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "serving.duckdb").write_bytes(b"not a database" * 100)
    at = app(tmp_path, monkeypatch).run()

    assert not at.exception
    assert "sitoo-wh sync" in at.info[0].value


def test_the_password_gate_shows_nothing_until_the_right_password(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITOO_WH_DASHBOARD_PASSWORD", "kassa-2026")
    at = app(warehouse, monkeypatch).run()

    assert [t.value for t in at.title] == ["Sign in"]
    assert not at.metric
    assert not at.sidebar.date_input
    at.text_input(key="login_password").input("kassa-2025")
    at.button[0].click().run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert at.error
    assert not at.metric

    at.text_input(key="login_password").input("kassa-2026")
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert metrics(at)["Net sales"]
    at.switch_page("views/vat.py").run()
    assert [t.value for t in at.title] == ["VAT"]


def test_a_new_publish_shows_new_figures(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    copy_warehouse(warehouse, data_dir)
    publish(data_dir / "warehouse.duckdb", data_dir / "serving.duckdb", "first")
    scope = scope_of(data_dir / "serving.duckdb")
    at = apply(app(data_dir, monkeypatch).run(), scope)
    before = metrics(at)
    assert before == {**before, **expected_overview(data_dir / "serving.duckdb", scope)}

    # A later sync corrects one order: 100.00 more net sales on the scope's first day.
    with duckdb.connect(str(data_dir / MARTS_FILE)) as con:
        con.execute(
            "UPDATE marts.fct_orders SET net_amount = net_amount + 100 WHERE order_id = ("
            "  SELECT min(order_id) FROM marts.fct_orders WHERE order_class = 'sale'"
            "  AND store_external_id = ? AND business_date = ?)",
            [scope.store, scope.start],
        )
        con.execute(
            "UPDATE marts.fct_sales_daily SET net_sales = net_sales + 100 "
            "WHERE store_external_id = ? AND business_date = ?",
            [scope.store, scope.start],
        )
    publish(data_dir / "warehouse.duckdb", data_dir / "serving.duckdb", "second")
    at.run()

    after = metrics(at)
    assert after["Net sales"] != before["Net sales"]
    assert after == {**after, **expected_overview(data_dir / "serving.duckdb", scope)}


def test_budget_attainment_shows_only_with_a_budget(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = warehouse / "serving.duckdb"
    scope = scope_of(serving)
    days = [scope.start + timedelta(days=i) for i in range((scope.end - scope.start).days + 1)]
    budget = tmp_path / "budget.csv"
    budget.write_text(
        "date,store,amount\n"
        + "".join(f"{d},{scope.store},10000.00\n" for d in days)
        + f"{scope.start},SOME-OTHER-STORE,99999.00\n"
    )
    [(net,)] = rows(
        serving,
        "SELECT sum(net_amount) FROM marts.fct_orders WHERE business_date BETWEEN ? AND ? "
        "AND store_external_id = ? AND is_sales_transaction",
        [scope.start, scope.end, scope.store],
    )
    attained = (net / (Decimal("10000.00") * len(days)) * 100).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )

    without = apply(app(warehouse, monkeypatch).run(), scope)
    assert "Budget attainment" not in metrics(without)

    monkeypatch.setenv("SITOO_WH_BUDGET_FILE", str(budget))
    at = apply(app(warehouse, monkeypatch).run(), scope)
    assert metrics(at)["Budget attainment"] == f"{attained} %"

    budget.write_text("date,store,amount\n2026-04-01,SE-STO-01,ten thousand\n")
    at.run()
    assert not at.exception
    assert "line 2" in at.warning[0].value
    assert "Budget attainment" not in metrics(at)


class RecordingMediaStorage(MemoryMediaFileStorage):
    """AppTest's in-memory media storage, kept so a test can read a download button's bytes."""

    made: ClassVar[list[MemoryMediaFileStorage]] = []

    def __init__(self, media_endpoint: str) -> None:
        super().__init__(media_endpoint)
        RecordingMediaStorage.made.append(self)


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> list[MemoryMediaFileStorage]:
    RecordingMediaStorage.made = []
    monkeypatch.setattr(
        "streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingMediaStorage
    )
    return RecordingMediaStorage.made


def downloaded(at: AppTest, storages: list[MemoryMediaFileStorage]) -> tuple[str, bytes]:
    """The Exports page's download: (label, the bytes the browser would save)."""
    [button] = at.get("download_button")
    assert isinstance(button, DownloadButton)
    proto: Any = button.proto
    name = proto.url.rsplit("/", 1)[-1]
    return button.label, storages[-1].get_file(name).content


def export_page(at: AppTest, kind: str) -> AppTest:
    at.switch_page("views/exports.py").run()
    at.selectbox(key="export_kind").set_value(kind).run()
    return at


def cli_export(tmp_path: Path, *argv: str) -> bytes:
    out = tmp_path / "cli_export.out"
    out.unlink(missing_ok=True)
    assert cli.main(["export", *argv, "--out", str(out)]) == 0
    return out.read_bytes()


def sek_stores(serving: Path) -> list[str]:
    return [
        r[0]
        for r in rows(
            serving,
            "SELECT store_external_id FROM marts.dim_store WHERE currency_code = 'SEK' "
            "ORDER BY ALL",
            [],
        )
    ]


def test_exports_page_renders_every_choice(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, media: list[MemoryMediaFileStorage]
) -> None:
    scope = scope_of(warehouse / "serving.duckdb")
    at = apply(app(warehouse, monkeypatch).run(), scope)
    for kind in dash_exports.KINDS:
        export_page(at, kind)
        assert not at.exception, (kind, [e.value for e in at.exception])
        assert not at.error, (kind, [e.value for e in at.error])
        assert [t.value for t in at.title] == ["Exports"]
        if at.warning:  # a refused period: forcing it gives the file
            at.checkbox(key=f"export_force_{kind}").check().run()
        label, content = downloaded(at, media)
        assert content, kind
        assert label.startswith("Download "), label
        assert at.dataframe, kind
    at.switch_page("views/exports.py").run()
    at.selectbox(key="export_kind").set_value(dash_exports.VAT_RETURN).run()
    assert at.selectbox(key="export_return").options[-1].endswith(f"-Q{(scope.end.month + 2) // 3}")

    at.selectbox(key="filter_currency").set_value("NOK").run()
    at.selectbox(key="export_kind").set_value(dash_exports.SIE4).run()
    assert not at.exception
    assert "SEK" in at.info[0].value
    assert not at.get("download_button")


def test_exports_sie4_download_equals_the_cli_file(
    warehouse: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    media: list[MemoryMediaFileStorage],
) -> None:
    serving = warehouse / "serving.duckdb"
    scope = scope_of(serving)
    at = app(warehouse, monkeypatch).run()
    at.selectbox(key="filter_currency").set_value("SEK").run()
    at.date_input(key="filter_period").set_value((scope.start, scope.end)).run()
    export_page(at, dash_exports.SIE4)
    at.date_input(key="export_generated").set_value(date(2026, 4, 15)).run()
    assert not at.exception
    assert not at.warning, [w.value for w in at.warning]
    label, content = downloaded(at, media)
    assert label == f"Download sie4_{scope.start}_{scope.end}.si"
    stores = [a for s in sek_stores(serving) for a in ("--store", s)]
    period = ["--from", scope.start.isoformat(), "--to", scope.end.isoformat()]
    expected = cli_export(tmp_path, "sie4", *period, *stores, "--generated-on", "2026-04-15")
    assert content == expected
    assert b"#GEN 20260415" in content
    vouchers = at.dataframe[0].value
    assert list(vouchers.columns)[:4] == ["voucher", "store", "business_date", "debit_total"]
    assert len(vouchers) == content.count(b"#VER ")

    # The other files equal the CLI's too.
    at.selectbox(key="export_kind").set_value(dash_exports.SALES_CSV).run()
    assert downloaded(at, media)[1] == cli_export(
        tmp_path, "sales", "--format", "csv", *period, *stores
    )
    at.selectbox(key="export_kind").set_value(dash_exports.ZREPORTS_CSV).run()
    assert downloaded(at, media)[1] == cli_export(
        tmp_path, "sales", "--format", "csv", "--report", "zreports", *period, *stores
    )
    at.selectbox(key="export_kind").set_value(dash_exports.VAT_RETURN).run()
    month = str(at.selectbox(key="export_return").value)
    assert downloaded(at, media)[1] == cli_export(
        tmp_path, "vat-return", "--period", month, *stores
    )


def test_exports_refuses_an_unreconciled_period_until_forced(
    warehouse: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    media: list[MemoryMediaFileStorage],
) -> None:
    scope = scope_of(warehouse / "serving.duckdb")
    doctored = tmp_path / "data"
    doctored.mkdir()
    shutil.copy(warehouse / "serving.duckdb", doctored / "serving.duckdb")
    (doctored / "serving.duckdb").chmod(0o644)
    with duckdb.connect(str(doctored / "serving.duckdb")) as con:
        [(register, zid)] = con.execute(
            "UPDATE marts.rpt_zreport_reconciliation SET status = 'mismatch' WHERE (register_id, "
            "zreport_id) = (SELECT (register_id, zreport_id) FROM marts.rpt_zreport_reconciliation "
            "WHERE store_external_id = $store AND business_date = $day "
            "ORDER BY ALL LIMIT 1) RETURNING register_id, zreport_id",
            {"store": scope.store, "day": scope.start},
        ).fetchall()
    at = apply(app(doctored, monkeypatch).run(), scope)
    export_page(at, dash_exports.SIE4)
    at.date_input(key="export_generated").set_value(date(2026, 4, 15)).run()
    assert not at.exception
    [warning] = at.warning
    assert f"{scope.store} {scope.start} register {register} Z-report {zid}: unreconciled" in (
        warning.value
    )
    assert not at.get("download_button")
    force = at.checkbox(key="export_force_sie4")
    assert force.label == "Export anyway (marks the vouchers as not reconciled)"

    force.check().run()
    assert not at.exception
    _, content = downloaded(at, media)
    assert "EJ AVSTÄMD".encode("cp437") in content
    period = ["--from", scope.start.isoformat(), "--to", scope.end.isoformat()]
    assert content == cli_export(
        tmp_path,
        "sie4",
        *period,
        "--store",
        scope.store,
        "--generated-on",
        "2026-04-15",
        "--force",
    )
