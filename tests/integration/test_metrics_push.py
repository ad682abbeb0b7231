"""`sitoo-wh metrics push` against the simulator over real HTTP (issue 7, "Show it").

A small chain is synced once per module (extract, dbt build, publish), then pushes run against
the same simulator, whose custom-metrics store is cleared before each test:

* a first push creates the six built-in metrics and their values, and the values read back
  over HTTP equal the mart figures computed here independently (Decimal arithmetic in Python);
* a definition that differs from Sitoo's stops the push with a message naming it, and nothing
  is written; `--recreate` deletes and re-creates it;
* a changed value is upserted; a second push of the same values sends zero PUTs;
* a period longer than 100 days is read in several GETs of at most 100 days;
* a 429 storm is survived and the values are still right;
* values Sitoo refuses are reported one by one while the rest are stored;
* bad budget files are refused naming the line; secrets are never printed;
* the push log records every push.
"""

from __future__ import annotations

import csv
import dataclasses
import random
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from extract.errors import FatalApiError
from extract.ratelimit import AdaptiveRateLimiter
from extract.retry import RetryPolicy
from metrics import compute
from metrics.client import CustomMetricsApi, SitooClient
from metrics.compute import Period
from metrics.definitions import BUILT_INS, select
from metrics.push import MetricResult, create, push, write_batch
from metrics.values import MetricValue
from simulator.config import ChainConfig
from sitoo_wh import cli
from sitoo_wh.config import Secret
from tests.integration.conftest import AUTH, Sim, sim_env, synced_sim

pytestmark = pytest.mark.slow

CHAIN = ChainConfig(seed=5, stores=3, days=10, end_date=date(2026, 4, 12), products=120)
CENT = Decimal("0.01")
KEYS = [d.key for d in BUILT_INS]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sim, Path]]:
    """The simulator and a data directory with serving.duckdb from a real `sitoo-wh sync`."""
    data_dir = tmp_path_factory.mktemp("metrics") / "data"
    with synced_sim(CHAIN, data_dir) as sim:
        yield sim, data_dir


@pytest.fixture
def env(world: tuple[Sim, Path], monkeypatch: pytest.MonkeyPatch) -> tuple[Sim, Path]:
    sim, data_dir = world
    sim.app.metrics.reset()
    sim.app.metrics.put_failure = "reject"
    sim.app.faults.set_rates({})
    for name, value in sim_env(sim, data_dir).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SITOO_WH_CONFIG", str(data_dir / "absent.toml"))
    monkeypatch.delenv("SITOO_WH_BUDGET_FILE", raising=False)
    monkeypatch.delenv("SITOO_WH_METRICS_FILE", raising=False)
    return sim, data_dir


def sales(data_dir: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT business_date, store_external_id, net_sales, gross_margin_amount, "
            "transactions, units FROM marts.fct_sales_daily ORDER BY 1, 2"
        ).fetchall()


def period_of(data_dir: Path) -> Period:
    days = [r[0] for r in sales(data_dir)]
    return Period(min(days), max(days))


def write_budget(data_dir: Path, path: Path) -> dict[tuple[str, str], Decimal]:
    """A budget for every store and day with sales: a deterministic amount per row."""
    rng = random.Random(3)
    budget = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["date", "store", "amount"])
        for day, store, *_ in sales(data_dir):
            amount = Decimal(rng.randint(500_00, 90_000_00)) / 100
            budget[(day.isoformat(), store)] = amount
            out.writerow([day.isoformat(), store, f"{amount}"])
    return budget


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def expected(data_dir: Path, budget: dict[tuple[str, str], Decimal]) -> dict[str, dict[Any, Any]]:
    """The mart figures, computed here without the metrics package."""
    out: dict[str, dict[Any, Any]] = defaultdict(dict)
    for day, store, net, margin, transactions, units in sales(data_dir):
        slot = (day.isoformat(), store)
        if transactions:
            out["cm_avg_transaction_value"][slot] = half_up(net / transactions)
            out["cm_units_per_transaction"][slot] = half_up(units / transactions)
        if net and margin is not None:
            out["cm_gross_margin_pct"][slot] = half_up(100 * margin / net)
        if slot in budget:
            out["cm_budget_attainment"][slot] = half_up(100 * net / budget[slot])
    for slot, amount in budget.items():
        out["cm_budget_net_sales"][slot] = amount
    with duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True) as con:
        groups = con.execute(
            "SELECT business_date, store_external_id, coalesce(product_group_name, '(none)'), "
            "sum(net_amount) FROM marts.fct_order_lines WHERE is_sales_transaction GROUP BY ALL"
        ).fetchall()
    by_slot: dict[tuple[str, str], list[tuple[str, Decimal]]] = defaultdict(list)
    for day, store, label, value in groups:
        by_slot[(day.isoformat(), store)].append((label, value))
    for slot, items in by_slot.items():
        items.sort(key=lambda item: (-item[1], item[0]))
        out["cm_top_product_groups"][slot] = {
            "total_count": len(items),
            "total_value": sum((v for _, v in items), Decimal(0)),
            "series": [(label, value) for label, value in items[:5]],
        }
    return out


def read_back(sim: Sim, key: str, period: Period) -> dict[Any, Any]:
    docs = sim.get(
        "/custom_metric_values.json",
        keys=key,
        date=period.start.isoformat(),
        num_days=(period.end - period.start).days + 1,
    )
    out: dict[Any, Any] = {}
    for doc in docs:
        slot = (doc["date"], doc["store_id"])
        if "value_scalar" in doc:
            out[slot] = Decimal(repr(doc["value_scalar"]))
        else:
            series = doc["value_series"]
            out[slot] = {
                "total_count": series["total_count"],
                "total_value": Decimal(repr(series["total_value"])),
                "series": [(p["label"], Decimal(repr(p["value"]))) for p in series["series"]],
            }
    return out


def run(*args: str) -> int:
    return cli.main(["metrics", "push", "--rate-limit", "0", *args])


def test_first_push_creates_metrics_and_values_equal_the_marts(
    env: tuple[Sim, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, data_dir = env
    period = period_of(data_dir)
    budget = write_budget(data_dir, tmp_path / "budget.csv")

    code = run(
        "--from",
        str(period.start),
        "--to",
        str(period.end),
        "--budget",
        str(tmp_path / "budget.csv"),
    )

    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert AUTH[1] not in out + err
    metrics = {m["key"]: m for m in sim.get("/custom_metrics.json")}
    assert sorted(metrics) == sorted(KEYS)
    assert metrics["cm_budget_net_sales"] == {
        "key": "cm_budget_net_sales",
        "grouping": "date_store",
        "type": "scalar",
        "format": "money",
    }
    assert metrics["cm_top_product_groups"]["type"] == "series"
    want = expected(data_dir, budget)
    for key in KEYS:
        assert want[key], key
        assert read_back(sim, key, period) == want[key], key
    with duckdb.connect(str(data_dir / "metrics.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT metric_key, created, values_written, outcome FROM meta.metrics_push_log"
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(KEYS)
    assert all(created and outcome == "ok" and written > 0 for _, created, written, outcome in rows)


def test_without_a_budget_the_budget_metrics_are_skipped(
    env: tuple[Sim, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sim, _ = env
    assert run() == 0
    out, _ = capsys.readouterr()
    assert "skipping cm_budget_net_sales, cm_budget_attainment" in out
    keys = {m["key"] for m in sim.get("/custom_metrics.json")}
    assert keys == set(KEYS) - {"cm_budget_net_sales", "cm_budget_attainment"}


def test_dry_run_writes_nothing(env: tuple[Sim, Path], capsys: pytest.CaptureFixture[str]) -> None:
    sim, _ = env
    assert run("--dry-run") == 0
    out, _ = capsys.readouterr()
    assert "cm_gross_margin_pct: creating date_store/scalar/percent" in out
    assert "dry run, nothing written" in out
    assert sim.get("/custom_metrics.json") == []


def test_a_changed_definition_stops_the_push_until_recreate(
    env: tuple[Sim, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sim, _ = env
    with sim.client() as client:
        created = client.post(
            sim.v2 + "/custom_metrics.json",
            json={"key": "cm_gross_margin_pct", "grouping": "date", "type": "scalar"},
        )
        assert created.status_code == 201
        put = client.put(
            sim.v2 + "/custom_metric_values.json",
            json=[{"key": "cm_gross_margin_pct", "date": "2026-04-10", "value_scalar": 1}],
        )
        assert put.status_code == 200

    assert run("--metrics", "cm_gross_margin_pct", "cm_avg_transaction_value") == 3

    _, err = capsys.readouterr()
    assert "cm_gross_margin_pct: Sitoo has date/scalar/number" in err
    assert "the definition says date_store/scalar/percent" in err
    assert "--recreate" in err
    assert "Nothing was written" in err
    # Nothing written: the other metric was not created and the old value is still there.
    assert [m["key"] for m in sim.get("/custom_metrics.json")] == ["cm_gross_margin_pct"]
    assert len(sim.get("/custom_metric_values.json", keys="cm_gross_margin_pct")) == 1

    assert run("--metrics", "cm_gross_margin_pct", "cm_avg_transaction_value", "--recreate") == 0

    out, _ = capsys.readouterr()
    assert "cm_gross_margin_pct: re-creating" in out
    metrics = {m["key"]: m for m in sim.get("/custom_metrics.json")}
    assert metrics["cm_gross_margin_pct"]["grouping"] == "date_store"
    assert metrics["cm_gross_margin_pct"]["format"] == "percent"
    values = sim.get("/custom_metric_values.json", keys="cm_gross_margin_pct")
    assert values
    assert all("store_id" in v for v in values)  # the old date-only value went with the metric


class Counting(httpx.HTTPTransport):
    """Counts requests by method and path, to prove what a push sends."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, dict[str, str]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path, dict(request.url.params)))
        return super().handle_request(request)

    def count(self, method: str, suffix: str) -> int:
        return sum(1 for m, p, _ in self.calls if m == method and p.endswith(suffix))


def no_wait(seconds: float) -> None:
    """The simulator asks for Retry-After in whole seconds; a storm of them would take minutes
    here, so the waits are skipped (RetryPolicy's waits are unit-tested in the extractor)."""
    del seconds


@pytest.fixture
def make_api() -> Iterator[Callable[..., CustomMetricsApi]]:
    """CustomMetricsApi over a counting transport; every client is closed afterwards."""
    clients: list[SitooClient] = []

    def factory(sim: Sim, transport: httpx.BaseTransport, batch_size: int = 50) -> CustomMetricsApi:
        client = SitooClient(
            sim.v2,
            AUTH[0],
            Secret(AUTH[1]),
            limiter=AdaptiveRateLimiter(0),
            policy=RetryPolicy(max_attempts=15, base_delay=0.01, max_delay=0.05),
            transport=transport,
            sleep=no_wait,
        )
        clients.append(client)
        return CustomMetricsApi(client, batch_size=batch_size)

    yield factory
    for client in clients:
        client.close()


def connect(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return compute.connect(data_dir / "serving.duckdb")


def test_upsert_then_an_identical_push_sends_no_put(
    env: tuple[Sim, Path], make_api: Callable[..., CustomMetricsApi]
) -> None:
    sim, data_dir = env
    period = period_of(data_dir)
    chosen = select(list(BUILT_INS), ["cm_avg_transaction_value", "cm_top_product_groups"])
    transport = Counting()
    api = make_api(sim, transport)
    with connect(data_dir) as con:
        first = push(api, con, chosen, period)
        assert first.written > 0
        assert transport.count("PUT", "/custom_metric_values.json") > 0

        # Somebody changes one value in Sitoo: the next push writes back exactly that one.
        some = sim.get("/custom_metric_values.json", keys="cm_avg_transaction_value")[0]
        with sim.client() as client:
            client.put(sim.v2 + "/custom_metric_values.json", json=[{**some, "value_scalar": 1}])
        transport.calls.clear()
        second = push(api, con, chosen, period)
        assert second.written == 1
        assert transport.count("PUT", "/custom_metric_values.json") == 1
        assert read_back(sim, "cm_avg_transaction_value", period)[
            (some["date"], some["store_id"])
        ] == Decimal(repr(some["value_scalar"]))

        transport.calls.clear()
        third = push(api, con, chosen, period)
    assert third.written == 0
    assert transport.count("PUT", "/custom_metric_values.json") == 0
    assert transport.count("POST", "/custom_metrics.json") == 0
    assert all(r.unchanged == r.desired for r in third.results)


def test_a_period_over_100_days_is_read_in_windows(
    env: tuple[Sim, Path], make_api: Callable[..., CustomMetricsApi]
) -> None:
    sim, data_dir = env
    real = period_of(data_dir)
    period = Period(real.end - timedelta(days=249), real.end)  # 250 days: 100 + 100 + 50
    chosen = select(list(BUILT_INS), ["cm_units_per_transaction"])
    transport = Counting()
    api = make_api(sim, transport)
    with connect(data_dir) as con:
        push(api, con, chosen, real)
        transport.calls.clear()
        report = push(api, con, chosen, period)
    gets = [query for method, _, query in transport.calls if method == "GET" and "date" in query]
    windows = [(q["date"], int(q["num_days"])) for q in gets]
    assert windows == [
        (str(period.start), 100),
        (str(period.start + timedelta(days=100)), 100),
        (str(period.start + timedelta(days=200)), 50),
    ]
    assert report.written == 0  # the values were found across the windows: nothing to write


def test_a_429_storm_is_survived(
    env: tuple[Sim, Path], make_api: Callable[..., CustomMetricsApi]
) -> None:
    sim, data_dir = env
    period = period_of(data_dir)
    chosen = select(list(BUILT_INS), ["cm_gross_margin_pct", "cm_units_per_transaction"])
    with sim.client() as client:
        assert client.post(sim.url + "/_sim/faults", json={"status_429": 0.2}).status_code == 200
    transport = Counting()
    api = make_api(sim, transport, batch_size=5)
    try:
        with connect(data_dir) as con:
            report = push(api, con, chosen, period)
    finally:
        with sim.client() as client:
            client.post(sim.url + "/_sim/faults", json={})
    assert api.client.stats.throttled > 0
    assert report.failed == 0
    want = expected(data_dir, {})
    for key in ("cm_gross_margin_pct", "cm_units_per_transaction"):
        assert read_back(sim, key, period) == want[key]


def test_values_sitoo_refuses_are_reported_one_by_one(
    env: tuple[Sim, Path], make_api: Callable[..., CustomMetricsApi]
) -> None:
    """The simulator refuses a whole PUT with 400 naming one bad item (all or nothing): the
    writer bisects the batch, stores every good value and reports each refused one. Here two
    values belong to a metric that was deleted in Sitoo behind the push's back."""
    sim, data_dir = env
    period = period_of(data_dir)
    chosen = select(list(BUILT_INS), ["cm_units_per_transaction"])
    transport = Counting()
    api = make_api(sim, transport, batch_size=16)
    with connect(data_dir) as con:
        push(api, con, chosen, period)
        good = compute.compute(con, chosen[0], period)[:10]
    sim.app.metrics.reset()
    api.create(chosen[0])
    gone = [
        MetricValue("cm_deleted_metric", good[3].day, good[3].store_id, Decimal(1)),
        MetricValue("cm_deleted_metric", good[7].day, good[7].store_id, Decimal(2)),
    ]
    result = MetricResult("cm_units_per_transaction")

    write_batch(api, [*good[:3], gone[0], *good[3:7], gone[1], *good[7:]], result)

    assert [v for v, _ in result.failed] == gone
    assert all("unknown metric key 'cm_deleted_metric'" in text for _, text in result.failed)
    assert result.written == len(good)
    stored = read_back(sim, "cm_units_per_transaction", period)
    assert stored == {(v.day.isoformat(), v.store_id): v.scalar for v in good if v.day}


def test_a_500_partial_failure_is_bisected_to_exactly_the_bad_values(
    env: tuple[Sim, Path], make_api: Callable[..., CustomMetricsApi]
) -> None:
    """Sitoo's documented 500 "one or more of the requested items could not be inserted":
    the good items of the batch are stored and the answer names none of the bad ones.
    Repeating it cannot help, so it is not retried; halving pins down exactly the refused
    values."""
    sim, data_dir = env
    sim.app.metrics.put_failure = "partial"
    period = period_of(data_dir)
    chosen = select(list(BUILT_INS), ["cm_avg_transaction_value"])
    transport = Counting()
    api = make_api(sim, transport, batch_size=16)
    with connect(data_dir) as con:
        good = compute.compute(con, chosen[0], period)[:13]
    api.create(chosen[0])
    bad = [
        MetricValue("cm_deleted_metric", good[0].day, good[0].store_id, Decimal(1)),
        MetricValue("cm_deleted_metric", good[8].day, good[8].store_id, Decimal(2)),
        MetricValue("cm_deleted_metric", good[12].day, good[12].store_id, Decimal(3)),
    ]
    batch = [bad[0], *good[:8], bad[1], *good[8:12], bad[2], *good[12:]]
    result = MetricResult("cm_avg_transaction_value")

    write_batch(api, batch, result)

    assert [v for v, _ in result.failed] == bad
    assert all("could not be inserted" in text for _, text in result.failed)
    assert all("HTTP 500" in text for _, text in result.failed)
    assert result.written == len(good)
    assert api.client.stats.retries == 0
    assert sim.app.faults.counts["status_500"] == 0  # the store's own 500, not a random fault
    stored = read_back(sim, "cm_avg_transaction_value", period)
    assert stored == {(v.day.isoformat(), v.store_id): v.scalar for v in good if v.day}
    assert sim.get("/custom_metric_values.json", keys="cm_deleted_metric") == []


class LosesFirstCreateAnswer(Counting):
    """Delivers the first POST of a metric to Sitoo, then drops the connection before the
    answer arrives: the client retries a POST that already created the metric."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST" and self.count("POST", "/custom_metrics.json") == 1:
            response.close()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


def test_a_create_whose_answer_was_lost_is_not_an_error(
    env: tuple[Sim, Path], make_api: Callable[..., CustomMetricsApi]
) -> None:
    sim, _ = env
    definition = select(list(BUILT_INS), ["cm_gross_margin_pct"])[0]
    transport = LosesFirstCreateAnswer()
    api = make_api(sim, transport)

    create(api, definition)

    assert transport.count("POST", "/custom_metrics.json") == 2  # the retry got "exists"
    assert [m["key"] for m in sim.get("/custom_metrics.json", keys=definition.key)] == [
        definition.key
    ]
    other = dataclasses.replace(definition, format="number")
    with pytest.raises(FatalApiError, match="already exists"):
        create(api, other)  # there, but not ours: still an error


def test_bad_budget_files_name_the_line(
    env: tuple[Sim, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, data_dir = env
    store = sales(data_dir)[0][1]
    cases = {
        "unknown store": (f"date,store,amount\n2026-04-10,{store},100\n2026-04-10,XX-NOPE,5\n", 3),
        "bad date": (f"date,store,amount\n2026-04-10,{store},100\n2026-13-01,{store},5\n", 3),
        "not a number": (f"date,store,amount\n2026-04-10,{store},1 00,5\n", 2),
    }
    for name, (text, line) in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        assert run("--budget", str(path)) == 2, name
        _, err = capsys.readouterr()
        assert f"{path}, line {line}:" in err, (name, err)
    assert sim.get("/custom_metrics.json") == []


def test_a_user_definitions_file_is_pushed(
    env: tuple[Sim, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--definitions FILE`: the user's metric is created as defined and holds the marts'
    figures; a bad file is refused naming it, before anything is written."""
    sim, data_dir = env
    period = period_of(data_dir)
    path = tmp_path / "metrics.toml"
    path.write_text(
        """
[[metric]]
key = "cm_net_sales_day"
grouping = "date_store"
type = "scalar"
format = "money"
description = "Net sales per store and day"
query = \"\"\"
SELECT business_date, store_external_id, sum(net_sales)
FROM marts.fct_sales_daily WHERE business_date BETWEEN $start AND $end GROUP BY ALL
\"\"\"
""",
        encoding="utf-8",
    )

    code = run(
        "--definitions",
        str(path),
        "--metrics",
        "cm_net_sales_day",
        "--from",
        str(period.start),
        "--to",
        str(period.end),
    )

    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert sim.get("/custom_metrics.json") == [
        {"key": "cm_net_sales_day", "grouping": "date_store", "type": "scalar", "format": "money"}
    ]
    want = {(day.isoformat(), store): net for day, store, net, *_ in sales(data_dir)}
    assert read_back(sim, "cm_net_sales_day", period) == want

    path.write_text('[[metric]]\nkey = "net"\ngrouping = "date"\n', encoding="utf-8")
    assert run("--definitions", str(path)) == 2
    _, err = capsys.readouterr()
    assert f"{path}, metric 1: key must start with 'cm_'" in err


HOLD_LOG = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)")
print("held", flush=True)
time.sleep(120)
"""


def test_a_locked_push_log_is_a_clear_error_after_the_values_are_written(
    env: tuple[Sim, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Another process holds metrics.duckdb (a second push at the same moment): the push
    still writes Sitoo, then says the log could not be written and exits 1, no traceback."""
    sim, data_dir = env
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOG, str(data_dir / "metrics.duckdb")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        code = run("--metrics", "cm_units_per_transaction")
    finally:
        holder.kill()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()

    out, err = capsys.readouterr()
    assert code == 1
    assert "cannot write the push log" in err
    assert "another process has it open" in err
    assert "Traceback" not in out + err
    assert sim.get("/custom_metric_values.json", keys="cm_units_per_transaction")
