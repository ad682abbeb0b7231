"""Read-only, cached access to `serving.duckdb` that follows each publish.

`sitoo-wh build` replaces the serving file with `os.replace`. DuckDB shares one database
instance per path within a process, so a new publish is only seen once every connection to
the old copy is closed. `ServingCopy` therefore keeps one read-only connection per copy, notices
a new copy by the file's identity (inode, mtime, size: one `stat` per script run), and swaps the
connection under an exclusive lock while queries hold it shared. Query results are cached with
the copy's `meta.published` stamp in the key, so a publish invalidates them at once; the TTL
only bounds memory.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

import duckdb
import pandas as pd
import streamlit as st

from dashboards.lib import settings

CACHE_TTL: Final = "15m"
Scalar = str | int | bool | date | datetime | Decimal | None
Param = Scalar | tuple[str, ...]
Params = Mapping[str, Param]


class NoServingCopy(Exception):
    """There is no usable serving copy yet (first run, or the file is not a warehouse)."""


@dataclass(frozen=True)
class Snapshot:
    """The serving copy a query reads: when it was published and by which build."""

    path: Path
    published_at: datetime | None
    build_run_id: str
    identity: tuple[int, int, int, int]

    @property
    def stamp(self) -> str:
        """A cache key that changes with every publish."""
        return f"{self.build_run_id}:{self.published_at}:{self.identity}"


class _SharedExclusiveLock:
    """Many readers or one writer: queries read, swapping the connection writes."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and self._readers == 0)
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st_ = path.stat()
    except FileNotFoundError:
        return None
    return (st_.st_dev, st_.st_ino, st_.st_mtime_ns, st_.st_size)


class ServingCopy:
    """One read-only connection to the current serving copy, reopened after a publish."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = _SharedExclusiveLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._snapshot: Snapshot | None = None
        self._problem = f"no serving copy at {path}"

    def snapshot(self) -> Snapshot:
        """The copy now in place, reopening the connection if it changed."""
        identity = _identity(self.path)
        current = self._snapshot
        if current is None or identity != current.identity:
            with self._lock.exclusive():
                self._reopen(identity)
        if self._snapshot is None:
            raise NoServingCopy(self._problem)
        return self._snapshot

    def _reopen(self, identity: tuple[int, int, int, int] | None) -> None:
        if self._snapshot is not None and identity == self._snapshot.identity:
            return  # another session swapped it while this one waited
        if self._con is not None:
            self._con.close()
        self._con, self._snapshot = None, None
        if identity is None or identity[3] == 0:
            self._problem = f"no serving copy at {self.path}"
            return
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as err:
            self._problem = f"{self.path} cannot be opened: {err}"
            return
        try:
            row = con.execute(
                "SELECT max(published_at), any_value(build_run_id) FROM meta.published"
            ).fetchone()
        except duckdb.Error as err:
            con.close()
            self._problem = f"{self.path} is not a published warehouse: {err}"
            return
        published_at, run_id = row if row else (None, None)
        self._con = con
        self._snapshot = Snapshot(self.path, published_at, str(run_id or ""), identity)

    def close(self) -> None:
        with self._lock.exclusive():
            if self._con is not None:
                self._con.close()
            self._con, self._snapshot = None, None

    def fetch(self, sql: str, params: Params) -> pd.DataFrame:
        """Run one query; DECIMAL columns stay Decimal (pandas object columns)."""
        bound = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
        with self._lock.shared():
            if self._con is None:
                raise NoServingCopy(self._problem)
            cursor = self._con.cursor()  # a connection is not thread-safe; a cursor per query is
            try:
                cursor.execute(sql, bound)
                columns = [d[0] for d in cursor.description or ()]
                rows = cursor.fetchall()
            finally:
                cursor.close()
        return pd.DataFrame.from_records(rows, columns=columns)


def _release(copy: object) -> None:
    if isinstance(copy, ServingCopy):
        copy.close()


@st.cache_resource(show_spinner=False, on_release=_release)
def _serving_copy(path: str) -> ServingCopy:
    return ServingCopy(Path(path))


def serving_path() -> Path:
    return settings.load().serving_path.resolve()


def snapshot() -> Snapshot:
    """The serving copy in place now; raises NoServingCopy before the first publish."""
    return _serving_copy(str(serving_path())).snapshot()


@st.cache_data(ttl=CACHE_TTL, max_entries=512, show_spinner=False)
def _cached(sql: str, params: Params, path: str, stamp: str) -> pd.DataFrame:
    del stamp  # only part of the cache key
    return _serving_copy(path).fetch(sql, params)


def query(sql: str, params: Params | None = None) -> pd.DataFrame:
    """A cached query on the current serving copy. Values go in `params` (`$name`), never
    into the SQL text."""
    path = serving_path()
    current = _serving_copy(str(path)).snapshot()
    return _cached(sql, dict(params or {}), str(path), current.stamp)


def reset_for_tests() -> None:
    """Forget cached results and close connections (AppTest shares one process)."""
    st.cache_data.clear()
    st.cache_resource.clear()
