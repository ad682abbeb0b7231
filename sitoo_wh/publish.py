"""Publish the finished marts into `serving.duckdb`, the file every reader opens read-only.

DuckDB allows one writer per file, and dbt is that writer while it builds. Dashboards
therefore never read what dbt writes: they read a copy that is written under a temporary name
in the same directory and renamed over `serving.duckdb` in one `os.replace`. A reader holding
the old file keeps its inode and a consistent old state; the next open gets the new file.
Nothing a reader can open is ever half written.

dbt writes the marts into their own file, `marts_db.duckdb` (attached under the alias
`marts_db` by the profile), and everything else into `warehouse.duckdb`. Publishing copies the
marts file byte for byte, under an exclusive lock so no build writes it meanwhile, and then
adds the extractor's run log, rejects and Z gaps. A byte copy costs a fraction of a second,
where re-writing every mart table (DuckDB re-compresses each one) cost about 4 s at one
million order lines, in every build, full or incremental.

Note that DuckDB shares one database instance per path within a process: while any
connection to `serving.duckdb` stays open, new connections in the same process see the old
copy. Readers that should follow publishes open a connection per query (or per publish,
checking `meta.published`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
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
MARTS_FILE: Final = "marts_db.duckdb"
"""The file dbt builds the marts in, next to `warehouse.duckdb` (see profiles.yml)."""
MARTS_ALIAS: Final = "marts_db"
"""The catalog name dbt's models use for that file; views it holds are qualified with it."""
_ALIAS: Final = "warehouse"
_MARTS_SOURCE: Final = "marts_source"


class PublishError(Exception):
    """The serving copy could not be written; the previous one is left as it was."""


class WarehouseLockedError(Exception):
    """Another writer (an extract or a build) holds `warehouse.duckdb` or the marts file."""


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


def marts_path_for(warehouse_path: Path) -> Path:
    """Where dbt keeps the marts of the warehouse at `warehouse_path`."""
    return warehouse_path.with_name(MARTS_FILE)


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
def _attached(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, *, read_only: bool
) -> Iterator[None]:
    mode = " (READ_ONLY)" if read_only else ""
    try:
        con.execute(f"ATTACH {_sql_string(str(path))} AS {quote(alias)}{mode}")
    except duckdb.Error as err:
        if is_lock_error(err):
            raise WarehouseLockedError(locked_message(path, err)) from err
        raise PublishError(f"cannot open {path}: {err}") from err
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DETACH {quote(alias)}")


def _copy_marts_file(con: duckdb.DuckDBPyConnection, marts_path: Path, temp: Path) -> None:
    """Byte copy of the marts file, taken while this process holds it for writing: no build
    can change it halfway, and the checkpoint first folds any write-ahead log into the file."""
    with _attached(con, marts_path, _MARTS_SOURCE, read_only=False):
        con.execute(f"CHECKPOINT {quote(_MARTS_SOURCE)}")
        shutil.copyfile(marts_path, temp)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _relations(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str, kind: str | None = None
) -> list[str]:
    """Tables and views (or only `kind`, e.g. 'VIEW') of a schema of an attached file."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = ? AND table_schema = ? AND (? IS NULL OR table_type = ?) "
        "ORDER BY table_name",
        [catalog, schema, kind, kind],
    ).fetchall()
    return [str(name) for (name,) in rows]


def _materialise_views(con: duckdb.DuckDBPyConnection) -> None:
    """A view in the marts names its tables by the `marts_db` catalog, which readers of the
    serving copy do not have: store its rows as a table instead."""
    for name in _relations(con, MARTS_ALIAS, "marts", "VIEW"):
        view = f"{quote(MARTS_ALIAS)}.marts.{quote(name)}"
        staged = f"{quote(MARTS_ALIAS)}.marts.{quote(name + '__published')}"
        con.execute(f"CREATE TABLE {staged} AS SELECT * FROM {view}")  # noqa: S608
        con.execute(f"DROP VIEW {view}")
        con.execute(f"ALTER TABLE {staged} RENAME TO {quote(name)}")


def _row_counts(con: duckdb.DuckDBPyConnection, schema: str, names: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in names:
        table = f"{quote(MARTS_ALIAS)}.{quote(schema)}.{quote(name)}"
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
        counts[f"{schema}.{name}"] = int(row[0]) if row else 0
    return counts


def _copy(con: duckdb.DuckDBPyConnection, schema: str, names: list[str]) -> dict[str, int]:
    """Copy each relation of the warehouse's `schema` as a table into the serving copy;
    returns rows per table."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(MARTS_ALIAS)}.{quote(schema)}")
    for name in names:
        target = f"{quote(MARTS_ALIAS)}.{quote(schema)}.{quote(name)}"
        source = f"{_ALIAS}.{quote(schema)}.{quote(name)}"
        con.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")  # noqa: S608
    return _row_counts(con, schema, names)


def _source_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of every raw table: what the published marts were built from."""
    counts: dict[str, int] = {}
    for name in _relations(con, _ALIAS, "raw"):
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
    how complete the copy it opened is. (`marts_db` is the serving copy being finished: it is
    attached under MARTS_ALIAS.)"""
    con.execute(
        "CREATE TABLE marts_db.meta.published (published_at TIMESTAMP NOT NULL, "
        "build_run_id VARCHAR NOT NULL, table_name VARCHAR NOT NULL, "
        "row_count BIGINT NOT NULL, is_source BOOLEAN NOT NULL)"
    )
    naive_utc = published_at.astimezone(UTC).replace(tzinfo=None)
    rows = [(naive_utc, build_run_id, name, n, False) for name, n in copied.items()]
    rows += [(naive_utc, build_run_id, name, n, True) for name, n in sources.items()]
    if rows:
        con.executemany("INSERT INTO marts_db.meta.published VALUES (?, ?, ?, ?, ?)", rows)


def publish(warehouse_path: Path, serving_path: Path, build_run_id: str) -> PublishResult:
    """Copy the marts file dbt built next to `warehouse_path`, and the extractor's run log,
    rejects and Z gaps, into a new serving file and rename it over `serving_path`. On any
    failure the temp file is removed and the previous serving copy is untouched."""
    started = time.perf_counter()
    marts_path = marts_path_for(warehouse_path)
    if not warehouse_path.is_file():
        raise PublishError(f"no warehouse at {warehouse_path}; run `sitoo-wh extract` first")
    if not marts_path.is_file():
        raise PublishError(f"no marts at {marts_path}; run `sitoo-wh build` first")
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(serving_path)
    _remove_quietly(temp)  # left by a crashed publish of a process that had this pid
    published_at = datetime.now(UTC)
    try:
        con = duckdb.connect()
        try:
            with _attached(con, warehouse_path, _ALIAS, read_only=True):
                missing = [t for t in META_TABLES if t not in _relations(con, _ALIAS, "meta")]
                if missing:
                    raise PublishError(
                        f"{warehouse_path} lacks meta.{', meta.'.join(missing)} "
                        "(written by `sitoo-wh extract`)"
                    )
                _copy_marts_file(con, marts_path, temp)
                with _attached(con, temp, MARTS_ALIAS, read_only=False):
                    marts = _relations(con, MARTS_ALIAS, "marts")
                    if not marts:
                        raise PublishError(f"{marts_path} has no tables in schema marts")
                    con.execute("BEGIN")
                    _materialise_views(con)
                    copied = _row_counts(con, "marts", marts)
                    copied |= _copy(con, "meta", list(META_TABLES))
                    _write_published(con, published_at, build_run_id, copied, _source_counts(con))
                    con.execute("COMMIT")
                    con.execute(f"CHECKPOINT {quote(MARTS_ALIAS)}")
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
