"""Publish the finished marts into `serving.duckdb`, the file every reader opens read-only.

DuckDB allows one writer per file, and dbt is that writer of `warehouse.duckdb` while it
builds. Dashboards therefore never read the warehouse: they read a copy that is written
under a temporary name in the same directory and renamed over `serving.duckdb` in one
`os.replace`. A reader holding the old file keeps its inode and a consistent old state; the
next open gets the new file. Nothing a reader can open is ever half written.

Note that DuckDB shares one database instance per path within a process: while any
connection to `serving.duckdb` stays open, new connections in the same process see the old
copy. Readers that should follow publishes open a connection per query (or per publish,
checking `meta.published`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import duckdb

logger = logging.getLogger(__name__)

META_TABLES: Final = ("extract_runs", "rejects", "zreport_gaps")
"""Extractor metadata the dashboards show next to the marts (freshness, rejects, Z gaps)."""
_ALIAS: Final = "warehouse"


class PublishError(Exception):
    """The serving copy could not be written; the previous one is left as it was."""


class WarehouseLockedError(Exception):
    """Another writer (an extract or a build) holds `warehouse.duckdb`."""


@dataclass(frozen=True)
class PublishResult:
    path: Path
    published_at: datetime
    tables: dict[str, int]
    """`schema.table` -> rows, for every table in the serving copy except `meta.published`."""
    seconds: float


def is_lock_error(err: duckdb.Error) -> bool:
    """DuckDB's ways of saying the file is held: a lock another process holds, or an instance
    of this process that has it attached with another configuration."""
    text = str(err)
    return (
        "Could not set lock" in text
        or "Conflicting lock" in text
        or "already attached" in text
        or "different configuration" in text
    )


def locked_message(path: Path, err: duckdb.Error) -> str:
    return (
        f"{path} is in use by another writer (an extract or a build still running?); "
        f"try again when it has finished ({err})"
    )


def quote(identifier: str) -> str:
    """An SQL identifier in double quotes; names come from the catalog, not from users."""
    return '"' + identifier.replace('"', '""') + '"'


def temp_path_for(serving_path: Path) -> Path:
    """Same directory as the target, so `os.replace` is a rename within one file system."""
    return serving_path.with_name(f"{serving_path.name}.tmp-{os.getpid()}")


def _remove_quietly(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _attached(con: duckdb.DuckDBPyConnection, warehouse_path: Path) -> Iterator[None]:
    try:
        con.execute(f"ATTACH {_sql_string(str(warehouse_path))} AS {_ALIAS} (READ_ONLY)")
    except duckdb.Error as err:
        if is_lock_error(err):
            raise WarehouseLockedError(locked_message(warehouse_path, err)) from err
        raise PublishError(f"cannot read {warehouse_path}: {err}") from err
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DETACH {_ALIAS}")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _relations(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Tables and views of a schema of the attached warehouse, by name."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = ? AND table_schema = ? ORDER BY table_name",
        [_ALIAS, schema],
    ).fetchall()
    return [str(name) for (name,) in rows]


def _copy(con: duckdb.DuckDBPyConnection, schema: str, names: list[str]) -> dict[str, int]:
    """Materialise each relation as a table in the serving copy; returns rows per table."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
    counts: dict[str, int] = {}
    for name in names:
        target = f"{quote(schema)}.{quote(name)}"
        source = f"{_ALIAS}.{quote(schema)}.{quote(name)}"
        con.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")  # noqa: S608
        row = con.execute(f"SELECT count(*) FROM {target}").fetchone()  # noqa: S608
        counts[f"{schema}.{name}"] = int(row[0]) if row else 0
    return counts


def _source_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of every raw table: what the published marts were built from."""
    counts: dict[str, int] = {}
    for name in _relations(con, "raw"):
        row = con.execute(
            f"SELECT count(*) FROM {_ALIAS}.raw.{quote(name)}"  # noqa: S608
        ).fetchone()
        counts[f"raw.{name}"] = int(row[0]) if row else 0
    return counts


def _write_published(
    con: duckdb.DuckDBPyConnection,
    published_at: datetime,
    build_run_id: str,
    copied: dict[str, int],
    sources: dict[str, int],
) -> None:
    """One row per copied table and per raw source table, so a reader can tell how fresh and
    how complete the copy it opened is."""
    con.execute(
        "CREATE TABLE meta.published (published_at TIMESTAMP NOT NULL, "
        "build_run_id VARCHAR NOT NULL, table_name VARCHAR NOT NULL, "
        "row_count BIGINT NOT NULL, is_source BOOLEAN NOT NULL)"
    )
    naive_utc = published_at.astimezone(UTC).replace(tzinfo=None)
    rows = [(naive_utc, build_run_id, name, n, False) for name, n in copied.items()]
    rows += [(naive_utc, build_run_id, name, n, True) for name, n in sources.items()]
    if rows:
        con.executemany("INSERT INTO meta.published VALUES (?, ?, ?, ?, ?)", rows)


def publish(warehouse_path: Path, serving_path: Path, build_run_id: str) -> PublishResult:
    """Copy `marts` and the extractor's run log, rejects and Z gaps into a new serving file and
    rename it over `serving_path`. On any failure the temp file is removed and the previous
    serving copy is untouched."""
    started = time.perf_counter()
    if not warehouse_path.is_file():
        raise PublishError(f"no warehouse at {warehouse_path}; run `sitoo-wh extract` first")
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(serving_path)
    _remove_quietly(temp)  # left by a crashed publish of a process that had this pid
    published_at = datetime.now(UTC)
    try:
        con = duckdb.connect(str(temp))
        try:
            with _attached(con, warehouse_path):
                marts = _relations(con, "marts")
                if not marts:
                    raise PublishError(f"{warehouse_path} has no tables in schema marts")
                missing = [t for t in META_TABLES if t not in _relations(con, "meta")]
                if missing:
                    raise PublishError(
                        f"{warehouse_path} lacks meta.{', meta.'.join(missing)} "
                        "(written by `sitoo-wh extract`)"
                    )
                con.execute("BEGIN")
                copied = _copy(con, "marts", marts)
                copied |= _copy(con, "meta", list(META_TABLES))
                _write_published(con, published_at, build_run_id, copied, _source_counts(con))
                con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _fsync(temp)
        temp.chmod(0o444)  # a reminder to every reader: this file is never written in place
        temp.replace(serving_path)  # os.replace: atomic within one file system
        _fsync(serving_path.parent, directory=True)
    except duckdb.Error as err:
        _remove_quietly(temp)
        raise PublishError(f"publishing {serving_path} failed: {err}") from err
    except BaseException:
        _remove_quietly(temp)
        raise
    seconds = time.perf_counter() - started
    logger.debug("published %s (%d tables) in %.1f s", serving_path, len(copied), seconds)
    return PublishResult(serving_path, published_at, copied, seconds)
