"""Landing: upserts by key, cursor state committed with its rows, run log, rejects and gaps."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from extract.landing import Landing, LandingError, Reject, Row, TableSpec

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ORDERS = TableSpec("orders", (("orderid", "BIGINT"),))
ZREPORTS = TableSpec("pos_z_reports", (("registerid", "VARCHAR"), ("zreportid", "BIGINT")))
REG = "{EC5FA250-A0E3-1EFF-CD03-039F753AA31A}"


def payload(orderid: int, **extra: Any) -> dict[str, Any]:
    return {"orderid": orderid, **extra}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "warehouse.duckdb"


@pytest.fixture
def landing(db: Path) -> Iterator[Landing]:
    with Landing(db, "run-1", now=lambda: NOW) as land:
        yield land


def payloads(land: Landing, spec: TableSpec) -> dict[tuple[Any, ...], Any]:
    keys = ", ".join(spec.key_names)
    rows = land.con.execute(f"SELECT {keys}, payload FROM {spec.table}").fetchall()  # noqa: S608
    return {tuple(row[:-1]): json.loads(row[-1]) for row in rows}


def test_opening_creates_schemas_and_meta_tables(landing: Landing) -> None:
    tables = landing.con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables"
    ).fetchall()
    assert {t for (t,) in tables} >= {
        "meta.extract_state",
        "meta.extract_runs",
        "meta.rejects",
        "meta.zreport_gaps",
    }
    schemas = {
        s for (s,) in landing.con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()
    }
    assert {"raw", "meta"} <= schemas


def test_ensure_table_shape_and_lineage_columns(landing: Landing) -> None:
    landing.ensure_table(ZREPORTS)
    landing.ensure_table(ZREPORTS)  # idempotent
    columns = landing.con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = 'pos_z_reports' ORDER BY ordinal_position"
    ).fetchall()
    assert columns == [
        ("registerid", "VARCHAR"),
        ("zreportid", "BIGINT"),
        ("payload", "JSON"),
        ("_run_id", "VARCHAR"),
        ("_extracted_at", "TIMESTAMP"),
    ]
    landing.commit_page(ZREPORTS, [Row((REG, 1), {})])
    assert landing.con.execute(
        "SELECT _run_id, _extracted_at FROM raw.pos_z_reports"
    ).fetchall() == [("run-1", NOW.replace(tzinfo=None))]


def test_upsert_replaces_and_last_row_per_key_wins(landing: Landing) -> None:
    landing.commit_page(ORDERS, [Row((1,), payload(1, v="a")), Row((2,), payload(2, v="a"))])
    landing.commit_page(
        ORDERS,
        [Row((2,), payload(2, v="b")), Row((3,), payload(3, v="b")), Row((2,), payload(2, v="c"))],
    )
    assert landing.count(ORDERS) == 3
    assert landing.keys(ORDERS) == {(1,), (2,), (3,)}
    assert {k: p["v"] for k, p in payloads(landing, ORDERS).items()} == {
        (1,): "a",
        (2,): "c",
        (3,): "b",
    }


def test_payload_is_the_record_as_compact_json_text_of_type_json(landing: Landing) -> None:
    record = {"orderid": 7, "moneytotal": "12.50", "items": [{"sku": "Å-1", "n": None}]}
    landing.commit_page(ORDERS, [Row((7,), record)])
    text, kind, money = landing.con.execute(
        "SELECT payload::VARCHAR, typeof(payload), payload->>'moneytotal' FROM raw.orders"
    ).fetchall()[0]
    assert text == '{"orderid":7,"moneytotal":"12.50","items":[{"sku":"Å-1","n":null}]}'
    assert (kind, money) == ("JSON", "12.50")


def test_composite_keys(landing: Landing) -> None:
    other = "{7BECEBCA-98C4-11DC-5443-03888FE368A4}"
    rows = [Row((REG, 1), {}), Row((REG, 2), {}), Row((other, 1), {})]
    landing.commit_page(ZREPORTS, rows)
    landing.commit_page(ZREPORTS, [Row((REG, 2), {"again": True})])
    assert landing.keys(ZREPORTS) == {(REG, 1), (REG, 2), (other, 1)}
    assert landing.count(ZREPORTS) == 3
    assert payloads(landing, ZREPORTS)[(REG, 2)] == {"again": True}


def test_rejects_are_stored_with_reason_and_raw_text(landing: Landing) -> None:
    bad = '{"orderid": 7, "moneytotal_net": "12,50"}'
    landing.commit_page(
        ORDERS,
        [Row((1,), payload(1))],
        rejects=[
            Reject("orders", "7", "orders 7: field moneytotal_net: bad money string '12,50'", bad),
            Reject("orders", None, "orders ?: record is not a JSON object (got array)", "[1]"),
        ],
    )
    stored = landing.con.execute(
        "SELECT run_id, stream, record_key, reason, raw_text, rejected_at FROM meta.rejects "
        "ORDER BY record_key NULLS LAST"
    ).fetchall()
    at = NOW.replace(tzinfo=None)
    assert stored == [
        (
            "run-1",
            "orders",
            "7",
            "orders 7: field moneytotal_net: bad money string '12,50'",
            bad,
            at,
        ),
        ("run-1", "orders", None, "orders ?: record is not a JSON object (got array)", "[1]", at),
    ]


@pytest.mark.parametrize(
    "cursor",
    [
        {"dateadded": 1795630248, "ids": [1, 2]},
        "opaque-next-token",
        104512,
        [1795630248, 17],
        None,
    ],
)
def test_state_round_trip(landing: Landing, cursor: Any) -> None:
    assert landing.get_state("orders", "") is None
    landing.commit_page(ORDERS, [], state=("orders", "", cursor))
    assert landing.get_state("orders", "") == cursor


def test_states_per_partition(landing: Landing) -> None:
    landing.commit_page(ZREPORTS, [], state=("journal_entries", "reg-a", {"next": "a1"}))
    landing.commit_page(ZREPORTS, [], state=("journal_entries", "reg-b", {"next": "b1"}))
    landing.commit_page(ZREPORTS, [], state=("journal_entries", "reg-a", {"next": "a2"}))
    landing.commit_page(ORDERS, [], state=("orders", "", 5))
    assert landing.states("journal_entries") == {"reg-a": {"next": "a2"}, "reg-b": {"next": "b1"}}
    assert landing.states("nothing") == {}
    row = landing.con.execute(
        "SELECT run_id, updated_at FROM meta.extract_state WHERE partition = 'reg-a'"
    ).fetchone()
    assert row == ("run-1", NOW.replace(tzinfo=None))


# ----------------------------------------------------------------------------- crash safety
def test_failed_state_upsert_leaves_neither_rows_nor_rejects_nor_state(
    landing: Landing, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing.commit_page(ORDERS, [Row((1,), payload(1, v="old"))], state=("orders", "", 1))

    def boom(*args: object) -> None:
        raise RuntimeError("crash between rows and cursor")

    monkeypatch.setattr(landing, "_upsert_state", boom)
    with pytest.raises(RuntimeError, match="crash between rows and cursor"):
        landing.commit_page(
            ORDERS,
            [Row((1,), payload(1, v="new")), Row((2,), payload(2, v="new"))],
            rejects=[Reject("orders", "3", "why", "{}")],
            state=("orders", "", 2),
        )
    assert payloads(landing, ORDERS) == {(1,): {"orderid": 1, "v": "old"}}
    assert landing.get_state("orders", "") == 1
    assert landing.con.execute("SELECT count(*) FROM meta.rejects").fetchone() == (0,)

    monkeypatch.undo()  # the connection is usable again after the rollback
    landing.commit_page(ORDERS, [Row((2,), payload(2, v="new"))], state=("orders", "", 2))
    assert landing.keys(ORDERS) == {(1,), (2,)}
    assert landing.get_state("orders", "") == 2


def test_a_record_that_is_not_json_data_is_refused_before_landing(landing: Landing) -> None:
    landing.commit_page(ORDERS, [Row((1,), payload(1, v="old"))], state=("orders", "", 1))
    with pytest.raises(LandingError, match=r"record \(2,\) is not JSON data"):
        landing.commit_page(
            ORDERS,
            [Row((1,), payload(1, v="new")), Row((2,), payload(2, v={1, 2}))],
            state=("orders", "", 2),
        )
    assert payloads(landing, ORDERS) == {(1,): {"orderid": 1, "v": "old"}}
    assert landing.get_state("orders", "") == 1


def test_rows_that_do_not_fit_the_key_are_refused_before_writing(landing: Landing) -> None:
    with pytest.raises(LandingError, match="does not match"):
        landing.commit_page(ORDERS, [Row((1, 2), {})], state=("orders", "", 9))
    with pytest.raises(LandingError, match="does not fit"):
        landing.commit_page(ORDERS, [Row(("abc",), {})], state=("orders", "", 9))
    with pytest.raises(LandingError, match="does not fit"):
        landing.commit_page(ORDERS, [Row((True,), {})], state=("orders", "", 9))
    with pytest.raises(LandingError, match="does not fit"):
        landing.commit_page(ORDERS, [Row((2**63,), {})], state=("orders", "", 9))
    with pytest.raises(LandingError, match="does not fit"):
        landing.commit_page(ZREPORTS, [Row((7, 1), {})], state=("orders", "", 9))
    assert landing.count(ORDERS) == 0
    assert landing.get_state("orders", "") is None


def test_landing_a_page_does_not_import_pandas(db: Path) -> None:
    """pandas is ~50 MB resident; `pa.array` on a Python list would import it."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from extract.landing import Landing, Row, TableSpec
        spec = TableSpec("pos_z_reports", (("registerid", "VARCHAR"), ("zreportid", "BIGINT")))
        with Landing(Path({str(db)!r}), "run-1") as land:
            land.commit_page(spec, [Row(("r", 1), {{"a": "Å"}})], state=("z", "", 1))
            assert land.count(spec) == 1
        print("pandas" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


def test_second_connection_after_close_sees_exactly_the_committed_data(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    land = Landing(db, "run-1", now=lambda: NOW)
    land.commit_page(ORDERS, [Row((1,), payload(1))], state=("orders", "", 1))
    land.commit_page(ORDERS, [Row((2,), payload(2))], state=("orders", "", 2))
    monkeypatch.setattr(land, "_upsert_state", lambda *a: (_ for _ in ()).throw(OSError("disk")))
    with pytest.raises(OSError, match="disk"):
        land.commit_page(ORDERS, [Row((3,), payload(3))], state=("orders", "", 3))
    land.close()
    land.close()  # idempotent
    with pytest.raises(LandingError, match="closed"):
        land.get_state("orders", "")

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert sorted(con.execute("SELECT orderid FROM raw.orders").fetchall()) == [(1,), (2,)]
        assert con.execute("SELECT cursor FROM meta.extract_state").fetchall() == [("2",)]
    finally:
        con.close()


def test_killed_process_keeps_only_whole_pages(db: Path) -> None:
    """A process that dies between rows and cursor leaves the file as after its last commit."""
    script = textwrap.dedent(
        f"""
        import os
        from datetime import UTC, datetime
        from pathlib import Path
        from extract.landing import Landing, Row, TableSpec

        spec = TableSpec("orders", (("orderid", "BIGINT"),))
        land = Landing(Path({str(db)!r}), "run-crash")
        for page in range(2):
            rows = [Row((page * 100 + i,), {{"i": i}}) for i in range(100)]
            land.commit_page(spec, rows, state=("orders", "", page))
        land._upsert_state = lambda *args: os._exit(3)
        land.commit_page(spec, [Row((999,), {{}})], state=("orders", "", 99))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, timeout=120)
    assert done.returncode == 3
    with Landing(db, "run-2") as land:
        assert land.count(ORDERS) == 200
        assert (999,) not in land.keys(ORDERS)
        assert land.get_state("orders", "") == 1


# ----------------------------------------------------------------------------- run log and gaps
def test_record_run_upserts_and_computes_duration(landing: Landing) -> None:
    started = NOW
    landing.record_run(
        "run-1",
        "orders",
        started_at=started,
        finished_at=started + timedelta(seconds=5),
        pages=1,
        records=10,
        requests=2,
        retries=0,
        rejects=0,
        outcome="partial",
        error="stopped early",
    )
    landing.record_run(
        "run-1",
        "orders",
        started_at=started,
        finished_at=started + timedelta(seconds=90, milliseconds=500),
        pages=4,
        records=4000,
        requests=6,
        retries=2,
        rejects=1,
        outcome="ok",
    )
    rows = landing.con.execute(
        "SELECT run_id, stream, started_at, finished_at, pages, records, requests, retries, "
        "rejects, duration_s, outcome, error FROM meta.extract_runs"
    ).fetchall()
    naive = started.replace(tzinfo=None)
    assert rows == [
        (
            "run-1",
            "orders",
            naive,
            naive + timedelta(seconds=90.5),
            4,
            4000,
            6,
            2,
            1,
            90.5,
            "ok",
            None,
        )
    ]


def test_record_run_refuses_bad_outcome_and_naive_times(landing: Landing) -> None:
    common: dict[str, Any] = {"pages": 0, "records": 0, "requests": 0, "retries": 0, "rejects": 0}
    unknown: Any = "fine"  # what an untyped caller could pass
    with pytest.raises(ValueError, match="outcome"):
        landing.record_run("r", "s", started_at=NOW, finished_at=NOW, outcome=unknown, **common)
    with pytest.raises(ValueError, match="no time zone"):
        landing.record_run(
            "r",
            "s",
            started_at=datetime(2026, 1, 1),  # noqa: DTZ001
            finished_at=datetime(2026, 1, 1),  # noqa: DTZ001
            outcome="ok",
            **common,
        )


def test_gaps_are_idempotent_and_can_be_cleared(db: Path) -> None:
    with Landing(db, "run-1", now=lambda: NOW) as land:
        land.record_gaps([(REG, 4), (REG, 5), (REG, 4)])
        land.record_gaps([])
    later = NOW + timedelta(days=1)
    with Landing(db, "run-2", now=lambda: later) as land:
        land.record_gaps([(REG, 5), (REG, 9)])
        assert land.gaps() == {(REG, 4), (REG, 5), (REG, 9)}
        first = land.con.execute(
            "SELECT run_id, detected_at FROM meta.zreport_gaps WHERE missing_zreportid = 5"
        ).fetchone()
        assert first == ("run-1", NOW.replace(tzinfo=None))
        land.clear_gap(REG, 5)
        land.clear_gap(REG, 77)  # unknown: nothing to do
        assert land.gaps() == {(REG, 4), (REG, 9)}


# ----------------------------------------------------------------------------- specs
@pytest.mark.parametrize(
    ("name", "key", "message"),
    [
        ("Orders", (("orderid", "BIGINT"),), "bad raw table name"),
        ("orders; DROP", (("orderid", "BIGINT"),), "bad raw table name"),
        ("orders", (), "at least one key column"),
        ("orders", (("order id", "BIGINT"),), "bad key column name"),
        ("orders", (("payload", "BIGINT"),), "bad key column name"),
        ("orders", (("orderid", "TEXT"),), "key type 'TEXT'"),
        ("orders", (("a", "BIGINT"), ("a", "BIGINT")), "duplicate key column"),
    ],
)
def test_table_spec_refuses_unsafe_names(
    name: str, key: tuple[tuple[str, str], ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        TableSpec(name, key)


def test_existing_table_with_another_key_is_refused(landing: Landing) -> None:
    landing.ensure_table(ORDERS)
    with pytest.raises(LandingError, match="exists with columns"):
        landing.ensure_table(TableSpec("orders", (("orderid", "VARCHAR"),)))


# ----------------------------------------------------------------------------- speed
def test_landing_a_page_is_fast(landing: Landing) -> None:
    """A measurement, not a benchmark: prints ms per 1,000-row page; only a generous bound."""
    body = {"orderid": 0, "text": "x" * 3000}
    timings = []
    for page in range(10):
        rows = [Row((page * 1000 + i,), body) for i in range(1000)]
        started = time.perf_counter()
        landing.commit_page(ORDERS, rows, state=("orders", "", page))
        timings.append(time.perf_counter() - started)
    replace = [Row((i,), body) for i in range(1000)]
    started = time.perf_counter()
    landing.commit_page(ORDERS, replace, state=("orders", "", "again"))
    replaced = time.perf_counter() - started
    timings.sort()
    print(  # noqa: T201
        f"commit_page 1,000 x {len(json.dumps(body))} B rows: median {timings[5] * 1e3:.1f} ms, "
        f"max {timings[-1] * 1e3:.1f} ms; replacing 1,000 keys {replaced * 1e3:.1f} ms"
    )
    assert landing.count(ORDERS) == 10_000
    assert timings[5] < 2.0


def test_clear_gaps_in_bulk_and_query(landing: Landing) -> None:
    landing.record_gaps([(REG, n) for n in range(1, 6)])
    landing.clear_gaps([(REG, n) for n in range(3, 100)])
    landing.clear_gaps([])
    assert landing.gaps() == {(REG, 1), (REG, 2)}
    landing.commit_page(ZREPORTS, [Row((REG, 3), {}), Row((REG, 6), {})])
    assert landing.query(
        "SELECT zreportid FROM raw.pos_z_reports WHERE registerid = ? ORDER BY 1", [REG]
    ) == [(3,), (6,)]
