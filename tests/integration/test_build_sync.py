"""`sitoo-wh sync` and `sitoo-wh build` end to end: the simulator over loopback HTTP, the
extractor, dbt in-process on a real warehouse.duckdb, and the published serving.duckdb.

* a sync of a small chain exits 0 and publishes marts with rows;
* a build with a broken model exits non-zero, names the model and leaves the previous
  serving copy byte-identical;
* readers opening serving.duckdb again and again while syncs keep publishing never fail.

The dbt project is the real `dbt_project/`; `SITOO_WH_DBT_PROJECT_DIR` points these tests at
another one (e.g. `tests/fixtures/dbt_mini`) while the real models are being written.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import httpx
import pytest

from simulator.config import ChainConfig
from sitoo_wh import build, cli
from tests.integration.conftest import AUTH, Sim, sim_env, start_sim

pytestmark = pytest.mark.slow

CHAIN = ChainConfig(seed=5, stores=3, days=10, end_date=date(2026, 4, 12), products=120)
SYNC = ["sync", "--quiet", "--rate-limit", "0"]


@pytest.fixture(scope="module")
def chain_sim() -> Iterator[Sim]:
    handle = start_sim(CHAIN)
    yield handle
    handle.server.stop()


def point_at(monkeypatch: pytest.MonkeyPatch, sim: Sim, data_dir: Path) -> None:
    for name, value in sim_env(sim, data_dir).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SITOO_WH_CONFIG", str(data_dir / "absent.toml"))


def sales_rows(serving: Path) -> int:
    with duckdb.connect(str(serving), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM marts.fct_sales_daily").fetchone()
    assert row is not None
    return int(row[0])


def test_sync_extracts_builds_and_publishes_the_marts(
    chain_sim: Sim,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    point_at(monkeypatch, chain_sim, tmp_path)

    assert cli.main(SYNC) == 0

    out, err = capsys.readouterr()
    assert "published" in out
    assert AUTH[1] not in out + err
    serving = tmp_path / "serving.duckdb"
    assert sales_rows(serving) > 0
    with duckdb.connect(str(serving), read_only=True) as con:
        schemas = {s for (s,) in con.execute("SELECT schema_name FROM duckdb_tables()").fetchall()}
        runs = con.execute("SELECT count(*) FROM meta.extract_runs").fetchone()
        build_ids = con.execute("SELECT DISTINCT build_run_id FROM meta.published").fetchall()
    assert schemas == {"marts", "meta"}
    assert runs is not None
    assert runs[0] > 0
    assert len(build_ids) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if ".tmp-" in p.name) == []
    # The warehouse is released: another process (or the next extract) can write it.
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()


def _broken_copy(tmp_path: Path) -> Path:
    """The project in use, with fct_sales_daily turned into SQL that cannot bind."""
    copy = tmp_path / "dbt_broken"
    shutil.copytree(
        build.project_dir(), copy, ignore=shutil.ignore_patterns("target", "logs", ".user.yml")
    )
    model = next(copy.rglob("fct_sales_daily.sql"))
    model.write_text("select no_such_column from no_such_table\n")
    return copy


def test_a_broken_model_fails_the_build_and_keeps_the_previous_serving_copy(
    chain_sim: Sim,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "data"
    point_at(monkeypatch, chain_sim, data)
    assert cli.main(SYNC) == 0
    serving = data / "serving.duckdb"
    before = serving.read_bytes()
    broken = _broken_copy(tmp_path)
    capsys.readouterr()

    monkeypatch.setenv(build.PROJECT_DIR_ENV, str(broken))
    assert cli.main(["build", "--quiet"]) == 1

    err = capsys.readouterr().err
    assert "fct_sales_daily" in err
    assert "nothing was published" in err
    assert serving.read_bytes() == before
    assert sorted(p.name for p in data.iterdir() if ".tmp-" in p.name) == []

    # A sync on the broken project fails too, after a good extract.
    assert cli.main(SYNC) == 1
    assert serving.read_bytes() == before


def test_readers_are_never_blocked_or_broken_while_syncs_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = start_sim(CHAIN)
    try:
        point_at(monkeypatch, sim, tmp_path)
        assert cli.main(SYNC) == 0
        serving = tmp_path / "serving.duckdb"
        stop = threading.Event()
        errors: list[BaseException] = []
        codes: list[int] = []
        seen: set[str] = set()
        reads = 0

        def syncs() -> None:
            try:
                for _ in range(3):
                    httpx.post(f"{sim.url}/_sim/advance", params={"hours": 24}).raise_for_status()
                    codes.append(cli.main(SYNC))
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                errors.append(exc)
            finally:
                stop.set()

        def reader() -> None:
            nonlocal reads
            while not stop.is_set():
                try:
                    with duckdb.connect(str(serving), read_only=True) as con:
                        row = con.execute(
                            "SELECT count(*), min(build_run_id) FROM marts.fct_sales_daily, "
                            "(SELECT build_run_id FROM meta.published LIMIT 1)"
                        ).fetchone()
                    assert row is not None
                    assert row[0] > 0
                    seen.add(str(row[1]))
                    reads += 1
                except BaseException as exc:  # noqa: BLE001 - handed to the main thread  # noqa: BLE001 - handed to the main thread
                    errors.append(exc)
                    return
                time.sleep(0.005)

        writer_thread = threading.Thread(target=syncs)
        reader_thread = threading.Thread(target=reader)
        reader_thread.start()
        writer_thread.start()
        writer_thread.join(timeout=600)
        stop.set()
        reader_thread.join(timeout=60)

        assert errors == []
        assert codes == [0, 0, 0]
        assert reads > 20
        assert len(seen) >= 2, "the reader never saw a new publish"
    finally:
        sim.server.stop()
