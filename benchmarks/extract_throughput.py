"""How fast the extractor lands orders, against its ceiling and against the alternatives (issue 3).

1. Ceiling (goal >= 0.9): with 100 ms injected latency and a server rate limit of R requests per
   second (burst R), our extract of the orders stream with `--rate-limit R` and the CLI's
   default workers and window, in orders landed per second of the whole run, divided by
   R x page size (the run's other requests, scouting sites and registers and re-polling open
   orders, spend the same budget but land no new orders). Ours runs five times on fresh warehouses; the median run counts (a
   run that draws 429s is slower, so single runs vary).
2. Same setting, same page size and query parameters: a naive sequential pager
   (`benchmarks/naive_pager.py`) and dlt's `rest_api` source (`benchmarks/dlt_orders.py`), the
   latter with dlt's default nesting (child tables) and with `max_table_nesting=0` (one row per
   order, like our raw table). Goal: ours >= 3x dlt. All land the same number of orders.
3. No latency, no rate limit, pages of 1,000 (goal >= 0.25): records landed per second by our
   extract versus DuckDB itself landing the same records from a local NDJSON file written from
   the same API responses beforehand. The like-for-like landing is `read_ndjson_objects` into a
   table shaped as `raw.orders` (key, JSON payload, run id, extracted-at, primary key); plain
   `read_json` into an inferred typed table is shown as well. Best of two runs on each side.

Every run is timed from the first request to the closed DuckDB file, in this process; the
simulator is a child process (`sitoo-wh simulator serve --prewarm`).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import orjson

from benchmarks import dlt_orders, naive_pager
from benchmarks.simulator_serving import start_simulator
from extract.cli import run_extract
from extract.runner import ExtractOptions, NullProgress
from extract.streams import ORDER_FIELDS
from sitoo_wh.config import load_settings

GOAL_CEILING = 0.9
GOAL_VS_DLT = 3.0
GOAL_VS_DUCKDB = 0.25

# Setting 1 and 2: 22,865 orders; the ceiling is 2,000 orders/s, so a run at it takes ~11 s.
RATE = 10
PAGE = 200
LATENCY_MS = 100
CHAIN = ("--stores", "10", "--days", "30")
OUR_RUNS = 5
# Setting 3: 43,365 orders in pages of 1,000 (a 140 MB NDJSON file).
FAST_PAGE = 1000
FAST_CHAIN = ("--stores", "10", "--days", "60")
FAST_RUNS = 2

AUTH = ("1500-1", "sitoo-demo")
BUCKET_REFILL_SECONDS = 1.5
"""Pause between runs so the simulator's token bucket (R tokens, R per second) is full again."""


@dataclass(frozen=True)
class Landed:
    label: str
    orders: int
    seconds: float
    requests: int | None = None
    throttled: int | None = None

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    def line(self) -> str:
        extra = ""
        if self.requests is not None:
            extra = f"   {self.requests:>4} requests, {self.throttled or 0} answered 429"
        return (
            f"  {self.label:<44} {self.orders:>7,} orders in {self.seconds:6.2f} s = "
            f"{self.rate:>8,.0f} orders/s{extra}"
        )


def our_extract(url: str, data_dir: Path, *, page_size: int, rate_limit: float) -> Landed:
    """`sitoo-wh extract --stream orders` in this process, on a fresh warehouse."""
    env = {
        "SITOO_BASE_URL": url,
        "SITOO_ACCOUNT_ID": "1500",
        "SITOO_API_ID": "1500-1",
        "SITOO_API_PASSWORD": "sitoo-demo",
        "SITOO_JOURNALS_URL": f"{url}/journals/v3",
        "SITOO_WH_DATA_DIR": str(data_dir),
    }
    settings = load_settings(env, config_file=data_dir / "absent.toml")
    options = ExtractOptions(streams=frozenset({"orders"}), page_size=page_size)
    started = time.perf_counter()
    results = run_extract(
        settings, options, rate_limit=rate_limit, timeout=60.0, progress=NullProgress()
    )
    seconds = time.perf_counter() - started
    failed = [f"{r.stream}: {r.error}" for r in results if r.outcome != "ok"]
    if failed:
        raise RuntimeError(f"extract did not succeed: {failed}")
    stats = [r.stats.snapshot() for r in results]
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        orders = int(con.execute("SELECT count(*) FROM raw.orders").fetchall()[0][0])
    finally:
        con.close()
    return Landed(
        f"ours (rate limit {rate_limit:g}/s)" if rate_limit else "ours (no rate limit)",
        orders,
        seconds,
        requests=sum(s["requests"] for s in stats),
        throttled=sum(s["throttled"] for s in stats),
    )


def simulator_orders(url: str) -> int:
    return int(httpx.get(f"{url}/_sim/health").json()["world"]["orders"])


def check_same(expected: int, runs: list[Landed]) -> None:
    wrong = [f"{r.label}: {r.orders}" for r in runs if r.orders != expected]
    assert not wrong, f"expected {expected} orders from every run, got {wrong}"  # noqa: S101


# ----------------------------------------------------------------------------- 1 and 2
@dataclass(frozen=True)
class CeilingResult:
    ours: list[Landed]
    naive: Landed
    dlt_default: Landed
    dlt_flat: Landed

    @property
    def median(self) -> Landed:
        return sorted(self.ours, key=lambda r: r.rate)[len(self.ours) // 2]


def ceiling_and_rivals(workdir: Path) -> CeilingResult:
    proc, url = start_simulator(
        *CHAIN,
        "--latency-ms",
        str(LATENCY_MS),
        "--rate-limit",
        str(RATE),
        "--burst",
        str(RATE),
        "--prewarm",
    )
    try:
        total = simulator_orders(url)
        ours = []
        for i in range(OUR_RUNS):
            time.sleep(BUCKET_REFILL_SECONDS)
            ours.append(our_extract(url, workdir / f"ours-{i}", page_size=PAGE, rate_limit=RATE))
        time.sleep(BUCKET_REFILL_SECONDS)
        n = naive_pager.land_orders(url, workdir / "naive.duckdb", page_size=PAGE)
        naive = Landed("naive sequential pager", n.orders, n.seconds, n.requests, 0)
        dlt_runs: list[Landed] = []
        for label, nesting in (
            ("dlt rest_api, default nesting", None),
            ("dlt rest_api, max_table_nesting=0", 0),
        ):
            time.sleep(BUCKET_REFILL_SECONDS)
            d = dlt_orders.land_orders(
                url, workdir / f"dlt-{nesting}", page_size=PAGE, nesting=nesting
            )
            tables = f"{d.tables} table{'' if d.tables == 1 else 's'}"
            dlt_runs.append(Landed(f"{label} ({tables})", d.orders, d.seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    check_same(total, [*ours, naive, *dlt_runs])
    return CeilingResult(ours, naive, dlt_runs[0], dlt_runs[1])


# ----------------------------------------------------------------------------- 3
def write_ndjson(url: str, path: Path) -> int:
    """The orders as the API serves them to our extract, one JSON object a line."""
    params: dict[str, Any] = {
        "orderidfrom": 1,
        "sort": "orderid",
        "fields": ",".join(ORDER_FIELDS),
        "num": FAST_PAGE,
    }
    written = 0
    with (
        httpx.Client(base_url=f"{url}/v2/accounts/1500", auth=AUTH, timeout=60) as client,
        path.open("wb") as out,
    ):
        start, total = 0, 1
        while start < total:
            response = client.get("/orders.json", params={**params, "start": start})
            response.raise_for_status()
            body = orjson.loads(response.content)
            total = body["totalcount"]
            items = body["items"]
            if not items:
                break
            out.write(b"".join(orjson.dumps(item) + b"\n" for item in items))
            written += len(items)
            start += len(items)
    return written


RAW_LIKE_SQL = """
CREATE TABLE orders (
    orderid BIGINT NOT NULL, payload JSON NOT NULL,
    _run_id VARCHAR NOT NULL, _extracted_at TIMESTAMP NOT NULL, PRIMARY KEY (orderid));
INSERT INTO orders
SELECT CAST(json->>'orderid' AS BIGINT), json, 'bench', now()::TIMESTAMP
FROM read_ndjson_objects('{path}')
"""
READ_JSON_SQL = (
    "CREATE TABLE orders AS SELECT * FROM read_json('{path}', format = 'newline_delimited')"
)


def duckdb_lands(label: str, sql: str, ndjson: Path, db_path: Path) -> Landed:
    started = time.perf_counter()
    con = duckdb.connect(str(db_path))
    try:
        con.execute(sql.format(path=str(ndjson).replace("'", "''")))
        orders = int(con.execute("SELECT count(*) FROM orders").fetchall()[0][0])
    finally:
        con.close()
    return Landed(label, orders, time.perf_counter() - started)


@dataclass(frozen=True)
class PhysicalResult:
    ours: list[Landed]
    raw_like: list[Landed]
    read_json: list[Landed]
    megabytes: float


def best(runs: list[Landed]) -> Landed:
    return max(runs, key=lambda r: r.rate)


def versus_duckdb(workdir: Path) -> PhysicalResult:
    proc, url = start_simulator(*FAST_CHAIN, "--prewarm")
    try:
        total = simulator_orders(url)
        ours = [
            our_extract(url, workdir / f"fast-{i}", page_size=FAST_PAGE, rate_limit=0)
            for i in range(FAST_RUNS)
        ]
        ndjson = workdir / "orders.ndjson"
        written = write_ndjson(url, ndjson)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    raw_like = [
        duckdb_lands(
            "duckdb read_ndjson_objects -> raw table",
            RAW_LIKE_SQL,
            ndjson,
            workdir / f"objects-{i}.duckdb",
        )
        for i in range(FAST_RUNS)
    ]
    read_json = [
        duckdb_lands(
            "duckdb read_json -> typed table",
            READ_JSON_SQL,
            ndjson,
            workdir / f"read-json-{i}.duckdb",
        )
        for i in range(FAST_RUNS)
    ]
    check_same(total, [*ours, *raw_like, *read_json])
    assert written == total, f"NDJSON holds {written} orders, the simulator {total}"  # noqa: S101
    return PhysicalResult(ours, raw_like, read_json, ndjson.stat().st_size / 1e6)


# ----------------------------------------------------------------------------- report
def run() -> tuple[CeilingResult, PhysicalResult]:
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp:
        # No-latency run first: before dlt's many modules are imported into this process, where
        # they would make every full garbage collection of our run slower.
        physical = versus_duckdb(Path(tmp))
        ceiling = ceiling_and_rivals(Path(tmp))

    cap = RATE * PAGE
    print(
        f"-- {LATENCY_MS} ms latency, server limit {RATE} req/s (burst {RATE}), pages of {PAGE}, "
        f"{ceiling.naive.orders:,} orders ({' '.join(CHAIN)}); ceiling R x P = {cap:,} orders/s"
    )
    for r in ceiling.ours:
        print(f"{r.line()}   / ceiling {r.rate / cap:4.2f}")
    for r in (ceiling.naive, ceiling.dlt_default, ceiling.dlt_flat):
        print(f"{r.line()}   / ceiling {r.rate / cap:4.2f}")
    ours = ceiling.median
    print(
        f"  ours (median of {len(ceiling.ours)}) / ceiling:        "
        f"{ours.rate / cap:5.2f}   (goal >= {GOAL_CEILING})"
    )
    print(f"  ours / naive pager:                    {ours.rate / ceiling.naive.rate:5.2f}")
    print(
        f"  ours / dlt, default nesting:           {ours.rate / ceiling.dlt_default.rate:5.2f}   "
        f"(goal >= {GOAL_VS_DLT:g})"
    )
    print(
        f"  ours / dlt, max_table_nesting=0:       {ours.rate / ceiling.dlt_flat.rate:5.2f}   "
        f"(goal >= {GOAL_VS_DLT:g})"
    )

    print(
        f"-- no latency, no rate limit, pages of {FAST_PAGE}, {physical.ours[0].orders:,} orders "
        f"({' '.join(FAST_CHAIN)}; NDJSON file {physical.megabytes:,.0f} MB); best of {FAST_RUNS}"
    )
    for r in (*physical.ours, *physical.raw_like, *physical.read_json):
        print(r.line())
    fastest = best(physical.ours)
    print(
        f"  ours / duckdb read_ndjson_objects -> raw table: "
        f"{fastest.rate / best(physical.raw_like).rate:5.2f}   (goal >= {GOAL_VS_DUCKDB})"
    )
    print(
        f"  ours / duckdb read_json -> typed table:         "
        f"{fastest.rate / best(physical.read_json).rate:5.2f}   (goal >= {GOAL_VS_DUCKDB})"
    )
    return ceiling, physical


if __name__ == "__main__":
    run()
