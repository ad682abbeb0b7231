"""Publishing `serving.duckdb` from a hand-made warehouse: no dbt, no simulator.

What must hold: the copy has the marts (views materialised) and the extractor's meta tables
with identical rows; a reader of the old copy is never disturbed; a publish that fails leaves
the previous copy byte-identical and no temp file; a warehouse held by a writer is a clear,
typed error.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest
import yaml

from extract.landing import Landing
from sitoo_wh import build, publish
from sitoo_wh.publish import PublishError, WarehouseLockedError

MARTS = ("fct_sales_daily", "dim_stores", "v_sales_by_store")


def make_warehouse(path: Path, days: int = 3) -> None:
    """raw and meta (as the extractor creates them) in `path`, and the marts, including one
    view, in the marts file next to it, written through the `marts_db` alias as dbt does."""
    with Landing(path, "run-1") as landing:
        con = landing.con
        con.execute("CREATE TABLE IF NOT EXISTS raw.orders (orderid BIGINT, payload JSON)")
        con.execute("DELETE FROM raw.orders")
        con.execute("INSERT INTO raw.orders SELECT i, '{}' FROM range(?) t(i)", [days * 10])
        con.execute("INSERT INTO meta.rejects VALUES ('run-1', 'orders', '7', 'bad', '{}', now())")
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{publish.marts_path_for(path)}' AS marts_db")
        con.execute("CREATE SCHEMA IF NOT EXISTS marts_db.marts")
        con.execute(
            "CREATE OR REPLACE TABLE marts_db.marts.fct_sales_daily AS "
            "SELECT DATE '2026-01-01' + i::INT AS sales_date, i % 2 AS store_id, "
            "CAST(i * 100.25 AS DECIMAL(18, 2)) AS net_amount FROM range(?) t(i)",
            [days],
        )
        con.execute(
            "CREATE OR REPLACE TABLE marts_db.marts.dim_stores AS "
            "SELECT * FROM (VALUES (0, 'Stockholm'), (1, 'Oslo')) s(store_id, name)"
        )
        con.execute(
            "CREATE OR REPLACE VIEW marts_db.marts.v_sales_by_store AS SELECT store_id, "
            "sum(net_amount) AS net_amount FROM marts_db.marts.fct_sales_daily GROUP BY store_id"
        )


def marts(path: Path) -> duckdb.DuckDBPyConnection:
    """The marts file of the warehouse at `path`, read-only, as dbt names it."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{publish.marts_path_for(path)}' AS marts_db (READ_ONLY)")
    con.execute("USE marts_db")
    return con


def rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()  # noqa: S608


def serving_days(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM marts.fct_sales_daily").fetchone()
    assert row is not None
    return int(row[0])


def leftovers(data: Path) -> list[str]:
    return sorted(p.name for p in data.iterdir() if ".tmp-" in p.name)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    make_warehouse(tmp_path / "warehouse.duckdb")
    return tmp_path


def test_serving_copy_has_marts_and_meta_with_identical_rows(data: Path) -> None:
    result = publish.publish(data / "warehouse.duckdb", data / "serving.duckdb", "build-1")

    assert result.path == data / "serving.duckdb"
    assert set(result.tables) == {f"marts.{t}" for t in MARTS} | {
        f"meta.{t}" for t in publish.META_TABLES
    }
    with (
        duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as source,
        marts(data / "warehouse.duckdb") as built,
        duckdb.connect(str(data / "serving.duckdb"), read_only=True) as copy,
    ):
        for table in [f"marts.{t}" for t in MARTS]:
            assert rows(copy, table) == rows(built, table), table
        for table in [f"meta.{t}" for t in publish.META_TABLES]:
            assert rows(copy, table) == rows(source, table), table
        kinds = dict(
            copy.execute(
                "SELECT table_name, table_type FROM information_schema.tables "
                "WHERE table_schema = 'marts'"
            ).fetchall()
        )
        assert kinds == dict.fromkeys(MARTS, "BASE TABLE")  # the view is materialised
        published = copy.execute(
            "SELECT build_run_id, table_name, row_count, is_source FROM meta.published"
        ).fetchall()
    assert ("build-1", "marts.fct_sales_daily", 3, False) in published
    assert ("build-1", "meta.rejects", 1, False) in published
    assert ("build-1", "raw.orders", 30, True) in published
    assert leftovers(data) == []
    assert (data / "serving.duckdb").stat().st_mode & 0o222 == 0  # never written in place


def test_raw_schema_is_not_copied(data: Path) -> None:
    publish.publish(data / "warehouse.duckdb", data / "serving.duckdb", "build-1")
    with duckdb.connect(str(data / "serving.duckdb"), read_only=True) as con:
        found = con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()
    assert {schema for (schema,) in found} == {"marts", "meta"}


def test_reader_of_the_old_copy_reads_consistent_old_data_during_and_after_a_publish(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = data / "serving.duckdb"
    publish.publish(data / "warehouse.duckdb", serving, "build-1")
    reader = duckdb.connect(str(serving), read_only=True)
    before = rows(reader, "marts.fct_sales_daily")
    assert len(before) == 3

    make_warehouse(data / "warehouse.duckdb", days=5)
    seen_during: list[list[tuple[Any, ...]]] = []
    original = publish._write_published

    def read_midway(*args: Any, **kwargs: Any) -> None:
        seen_during.append(rows(reader, "marts.fct_sales_daily"))
        original(*args, **kwargs)

    monkeypatch.setattr(publish, "_write_published", read_midway)
    publish.publish(data / "warehouse.duckdb", serving, "build-2")

    assert seen_during == [before]
    assert rows(reader, "marts.fct_sales_daily") == before  # after the rename, too
    # Another process opening the path now gets the new copy, while this reader is still open.
    probe = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "print(c.execute('select count(*) from marts.fct_sales_daily').fetchone()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(serving)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "5"
    reader.close()
    assert serving_days(serving) == 5  # and so does this process once its old handle is gone


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (RuntimeError("boom"), RuntimeError),
        (duckdb.IOException("disk full"), PublishError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
)
def test_a_publish_failing_midway_leaves_the_previous_copy_byte_identical(
    data: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, raised: type[BaseException]
) -> None:
    serving = data / "serving.duckdb"
    publish.publish(data / "warehouse.duckdb", serving, "build-1")
    before = serving.read_bytes()
    make_warehouse(data / "warehouse.duckdb", days=5)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(publish, "_write_published", fail)  # after every CREATE TABLE
    with pytest.raises(raised):
        publish.publish(data / "warehouse.duckdb", serving, "build-2")

    assert serving.read_bytes() == before
    assert leftovers(data) == []
    assert serving_days(serving) == 3


def test_a_stale_temp_file_of_a_crashed_publish_is_replaced(data: Path) -> None:
    serving = data / "serving.duckdb"
    stale = publish.temp_path_for(serving)
    stale.write_bytes(b"half a database")
    publish.publish(data / "warehouse.duckdb", serving, "build-1")
    assert leftovers(data) == []
    assert serving_days(serving) == 3


_HOLD = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
    "print('held', flush=True); time.sleep(60)"
)


@contextlib.contextmanager
def held_by_another_process(path: Path) -> Iterator[None]:
    """`path` opened for writing by a child process until the block ends."""
    with subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path)], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            yield
        finally:
            holder.kill()


def test_a_warehouse_held_by_another_process_is_a_clear_typed_error(data: Path) -> None:
    warehouse = data / "warehouse.duckdb"
    with held_by_another_process(warehouse):
        with pytest.raises(WarehouseLockedError, match="in use by another writer"):
            publish.publish(warehouse, data / "serving.duckdb", "build-1")
        with pytest.raises(WarehouseLockedError, match="in use by another writer"):
            build.check_writable(warehouse)
    assert not (data / "serving.duckdb").exists()
    assert leftovers(data) == []


def test_a_warehouse_held_in_this_process_is_the_same_typed_error(data: Path) -> None:
    with duckdb.connect(str(data / "warehouse.duckdb")), pytest.raises(WarehouseLockedError):
        publish.publish(data / "warehouse.duckdb", data / "serving.duckdb", "build-1")
    assert leftovers(data) == []


def test_no_warehouse_or_no_marts_publishes_nothing(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="run `sitoo-wh extract` first"):
        publish.publish(tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb", "b")
    with Landing(tmp_path / "warehouse.duckdb", "run-1"):
        pass
    with pytest.raises(PublishError, match=r"no marts at .*run `sitoo-wh build` first"):
        publish.publish(tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb", "b")
    duckdb.connect(str(tmp_path / publish.MARTS_FILE)).close()
    with pytest.raises(PublishError, match="no tables in schema marts"):
        publish.publish(tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb", "b")
    assert sorted(p.name for p in tmp_path.iterdir()) == [publish.MARTS_FILE, "warehouse.duckdb"]


def test_a_marts_file_held_by_a_build_is_a_typed_error_and_publishes_nothing(data: Path) -> None:
    """The byte copy is taken under the marts file's write lock, never while a build writes."""
    with (
        held_by_another_process(publish.marts_path_for(data / "warehouse.duckdb")),
        pytest.raises(WarehouseLockedError, match=r"marts_db\.duckdb is in use"),
    ):
        publish.publish(data / "warehouse.duckdb", data / "serving.duckdb", "build-1")
    assert not (data / "serving.duckdb").exists()
    assert leftovers(data) == []


def test_the_serving_copy_holds_what_the_write_ahead_log_of_the_marts_held(data: Path) -> None:
    """A marts file left with an un-checkpointed log still publishes every committed row."""
    marts_file = publish.marts_path_for(data / "warehouse.duckdb")
    script = (
        "import duckdb, os, sys; c = duckdb.connect(sys.argv[1]); "
        "c.execute(\"SET checkpoint_threshold = '1TB'\"); "
        "c.execute(\"INSERT INTO marts.fct_sales_daily VALUES ('2027-01-01', 0, 1.00)\"); "
        "os._exit(0)"  # no checkpoint on close: the row is only in the log
    )
    subprocess.run([sys.executable, "-c", script, str(marts_file)], check=True)
    assert marts_file.with_name(marts_file.name + ".wal").exists()

    publish.publish(data / "warehouse.duckdb", data / "serving.duckdb", "build-1")

    assert serving_days(data / "serving.duckdb") == 4


def _node(unique_id: str, kind: str, status: str, message: str | None = None) -> Any:
    node = SimpleNamespace(unique_id=unique_id, resource_type=kind)
    return SimpleNamespace(node=node, status=status, message=message)


def test_a_failed_build_names_its_failing_nodes() -> None:
    outcome = SimpleNamespace(
        success=False,
        exception=None,
        result=SimpleNamespace(
            results=[
                _node("model.p.stg_orders", "model", "success"),
                _node("model.p.fct_sales_daily", "model", "error", "Binder Error: x\nmore"),
                _node("test.p.unique_x", "test", "fail", "Got 2 results"),
                _node("test.p.not_null_x", "test", "pass"),
                _node("model.p.rpt", "model", "skipped"),
                _node("unit_test.p.m.u", "unit_test", "error", "Compilation Error"),
            ]
        ),
    )
    result = build._summarise(outcome, "inv-1", 1.5)
    failed = build.BuildFailed(result)
    assert "model.p.fct_sales_daily" in str(failed)
    assert "test.p.unique_x" in str(failed)
    text = "\n".join(build.summary_lines(result))
    assert "models 1 ok / 1 failed" in text
    assert "tests 1 passed / 2 failed" in text
    assert "unit_test.p.m.u" in str(failed)
    assert "skipped 1" in text
    assert "FAILED model.p.fct_sales_daily: Binder Error: x" in text


def test_project_dir_override_must_hold_a_dbt_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(build.PROJECT_DIR_ENV, str(tmp_path))
    with pytest.raises(build.BuildError, match="no dbt project"):
        build.project_dir()
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    assert build.project_dir() == tmp_path


def test_dbt_builds_the_marts_in_the_file_and_alias_publish_copies() -> None:
    """profiles.yml attaches the marts file under the alias publish expects, and the marts
    folder is configured into that database."""
    project = build.project_dir()
    profile = yaml.safe_load((project / "profiles.yml").read_text())
    attach = profile["sitoo_wh"]["outputs"]["duckdb"]["attach"]
    assert [(Path(a["path"]).name, a["alias"]) for a in attach] == [
        (publish.MARTS_FILE, publish.MARTS_ALIAS)
    ]
    models = yaml.safe_load((project / "dbt_project.yml").read_text())["models"]["sitoo_wh"]
    assert models["marts"]["+database"] == publish.MARTS_ALIAS
    assert "+database" not in models["staging"]
    assert "+database" not in models["intermediate"]
