"""The DuckDB side of an extract: raw rows, cursor state, rejects, run log and Z-report gaps.

Crash safety rests on one rule: a page of raw rows, its rejects and the cursor that points past
it are committed in ONE transaction (`Landing.commit_page`). A crash before the commit loses the
page and its cursor together, so a rerun fetches the page again and upserts it by natural key;
a rerun after the commit resumes behind it. Either way the raw tables end up the same.

A DuckDB file admits a single writing process; during an extract `Landing` is that writer. It
holds one read-write connection and serialises calls on it with a lock, so the HTTP side may call
it from several threads.

Timestamps (`_extracted_at`, `updated_at`, `started_at`, …) are stored as naive `TIMESTAMP`
values that mean UTC; callers pass timezone-aware datetimes.
"""

from __future__ import annotations

import array
import json
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import InitVar, dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self

import duckdb
import orjson
import pyarrow as pa  # type: ignore[import-untyped]  # no stubs; used for bulk pages only

__all__ = [
    "KEY_TYPES",
    "Landing",
    "LandingError",
    "Outcome",
    "Reject",
    "Row",
    "TableSpec",
]

Outcome = Literal["ok", "failed", "partial"]
OUTCOMES: Final = frozenset({"ok", "failed", "partial"})

# DuckDB key column types a TableSpec may use, with the Arrow type the page is built in.
KEY_TYPES: Final[dict[str, pa.DataType]] = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "VARCHAR": pa.string(),
}
# The `array` module type codes of the integer key types: 8 and 4 bytes on every platform
# CPython supports (checked when a page is built).
_INT_CODES: Final[dict[str, tuple[str, int]]] = {"BIGINT": ("q", 8), "INTEGER": ("i", 4)}
_IDENT = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_RESERVED_COLUMNS = frozenset({"payload", "_run_id", "_extracted_at"})
_PAGE_VIEW = "_landing_page"
_JSON_TEXT: Final = pa.json_(pa.string())
# DuckDB checkpoints every 16 MB of WAL by default, i.e. every ~5 pages of 1,000 orders, and each
# checkpoint recompresses: measured 82 ms/page amortised and a 216 MB file for 100k orders,
# against 40 ms/page and 117 MB at 256 MB. But until a checkpoint the appended rows stay in
# memory (up to ~135 MB at 256 MB), on top of everything else at the extract's peak; 64 MB
# halves that swing.
_CHECKPOINT_SQL = "SET checkpoint_threshold = '64MB'"
# Without a limit DuckDB keeps caching as the file grows (856 MB at one and 1,278 MB at four
# times the data); the extractor only appends and upserts by key, so a small pool is enough.
# 64 MB runs out of memory when a second run replaces landed orders (a 16 MB allocation at
# 58 of 61 MB): 160 MB keeps a margin for accounts larger than the simulator's.
_MEMORY_SQL = "SET memory_limit = '160MB'"
# DuckDB's allocator keeps freed memory for reuse until a task peaks above this threshold
# (128 MB by default), which stays resident on top of the pool; flushing above 16 MB, and on
# background threads, took ~60 MB off the extract's peak and cost no measurable time.
_ALLOCATOR_SQL: Final = (
    "SET allocator_flush_threshold = '16MB'",
    "SET allocator_background_threads = true",
)

_META_DDL: Final = (
    "CREATE SCHEMA IF NOT EXISTS raw",
    "CREATE SCHEMA IF NOT EXISTS meta",
    """CREATE TABLE IF NOT EXISTS meta.extract_state (
        stream VARCHAR NOT NULL,
        partition VARCHAR NOT NULL,
        cursor JSON,
        run_id VARCHAR NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (stream, partition))""",
    """CREATE TABLE IF NOT EXISTS meta.extract_runs (
        run_id VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        pages BIGINT NOT NULL,
        records BIGINT NOT NULL,
        requests BIGINT NOT NULL,
        retries BIGINT NOT NULL,
        rejects BIGINT NOT NULL,
        duration_s DOUBLE NOT NULL,
        outcome VARCHAR NOT NULL CHECK (outcome IN ('ok', 'failed', 'partial')),
        error VARCHAR,
        PRIMARY KEY (run_id, stream))""",
    """CREATE TABLE IF NOT EXISTS meta.rejects (
        run_id VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        record_key VARCHAR,
        reason VARCHAR NOT NULL,
        raw_text VARCHAR NOT NULL,
        rejected_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS meta.zreport_gaps (
        registerid VARCHAR NOT NULL,
        missing_zreportid BIGINT NOT NULL,
        run_id VARCHAR NOT NULL,
        detected_at TIMESTAMP NOT NULL,
        PRIMARY KEY (registerid, missing_zreportid))""",
)


class LandingError(Exception):
    """The warehouse file could not be opened or written, or a spec does not fit its table."""


@dataclass(frozen=True)
class TableSpec:
    """Raw table `raw.<name>`: natural key columns, then payload JSON and lineage columns.

    Names are checked against a strict identifier pattern and types against `KEY_TYPES`, which
    is what makes it safe to put them into SQL text.
    """

    name: str
    key: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if not _IDENT.fullmatch(self.name):
            raise ValueError(f"bad raw table name {self.name!r}")
        if not self.key:
            raise ValueError(f"raw.{self.name}: a table needs at least one key column")
        names = [column for column, _ in self.key]
        if len(set(names)) != len(names):
            raise ValueError(f"raw.{self.name}: duplicate key column in {names}")
        for column, sql_type in self.key:
            if not _IDENT.fullmatch(column) or column in _RESERVED_COLUMNS:
                raise ValueError(f"raw.{self.name}: bad key column name {column!r}")
            if sql_type not in KEY_TYPES:
                raise ValueError(
                    f"raw.{self.name}.{column}: key type {sql_type!r} not in {sorted(KEY_TYPES)}"
                )

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(column for column, _ in self.key)


@dataclass(frozen=True)
class Row:
    """One record to land: its natural key values (in `TableSpec.key` order) and the record as
    parsed from the API (dicts, lists, str, int, bool, None), kept as compact JSON text.

    The text is written here by orjson and nowhere else, so every payload is valid JSON by
    construction and DuckDB need not parse it again on insert (that check cost ~40 % of the
    insert). The parsed record is not kept: its text is a third of its size in memory.
    """

    key: tuple[Any, ...]
    record: InitVar[Any]
    payload: str = field(init=False)

    def __post_init__(self, record: Any) -> None:
        try:
            # Decoded at once: orjson's bytes keep the capacity it wrote them in (32 KiB and
            # up, whatever the length), so a page of kept bytes would weigh ten times its text.
            text = orjson.dumps(record).decode()
        except orjson.JSONEncodeError as exc:
            raise LandingError(f"record {self.key!r} is not JSON data: {exc}") from exc
        object.__setattr__(self, "payload", text)  # frozen: set once, here


@dataclass(frozen=True)
class Reject:
    """A record kept out of raw, with the reason and the text as received for later repair."""

    stream: str
    key: str | None
    reason: str
    raw: str


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _naive_utc(moment: datetime) -> datetime:
    """DuckDB TIMESTAMP holds naive values; ours mean UTC, so refuse to guess a naive one."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {moment!r} has no time zone; pass an aware datetime")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _int_array(values: list[Any], code: str, size: int, arrow_type: pa.DataType) -> pa.Array:
    """Python ints as an Arrow integer array (no nulls); refuses anything but an int in range."""
    for value in values:
        if type(value) is not int:
            raise TypeError(f"key {value!r} is not an integer")
    packed = array.array(code, values)  # OverflowError when a value does not fit
    if packed.itemsize != size:  # pragma: no cover - no such CPython platform
        raise OverflowError(f"array code {code!r} is {packed.itemsize} bytes, not {size}")
    return pa.Array.from_buffers(arrow_type, len(packed), [None, pa.py_buffer(packed)])


def _text(value: Any) -> bytes:
    if type(value) is not str:
        raise TypeError(f"key {value!r} is not a string")
    return value.encode()  # UnicodeEncodeError (a ValueError) for a lone surrogate


def _utf8_array(texts: list[bytes], arrow_type: pa.DataType) -> pa.Array:
    """UTF-8 texts as an Arrow string array (or a JSON one over it), without nulls."""
    offsets = array.array("i", accumulate(map(len, texts), initial=0))  # OverflowError > 2 GiB
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(texts))]
    storage = pa.Array.from_buffers(pa.string(), len(texts), buffers)
    if arrow_type == pa.string():
        return storage
    return pa.ExtensionArray.from_storage(arrow_type, storage)


class Landing:
    """The single writer of `warehouse.duckdb` during an extract."""

    def __init__(self, path: Path, run_id: str, *, now: Callable[[], datetime] = _utc_now) -> None:
        self.path = path
        self.run_id = run_id
        self._now = now
        self._lock = threading.RLock()
        self._ensured: dict[str, TableSpec] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con: duckdb.DuckDBPyConnection | None = duckdb.connect(str(path))
        except duckdb.Error as exc:
            raise LandingError(
                f"cannot open {path} for writing (is another process writing it?): {exc}"
            ) from exc
        try:
            self.con.execute(_CHECKPOINT_SQL)
            self.con.execute(_MEMORY_SQL)
            for setting in _ALLOCATOR_SQL:
                self.con.execute(setting)
            with self._transaction() as con:
                for ddl in _META_DDL:
                    con.execute(ddl)
        except BaseException:
            self.close()
            raise

    # ----------------------------------------------------------------- connection plumbing
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The connection, for reads in tests and summaries (fetch results to their end)."""
        if self._con is None:
            raise LandingError(f"landing for {self.path} is closed")
        return self._con

    def _ready(self) -> duckdb.DuckDBPyConnection:
        """The connection with any half-read result finished: DuckDB refuses other work while
        an execute() result is unfinished (e.g. after a lone fetchone())."""
        con = self.con
        con.complete()
        return con

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """BEGIN … COMMIT; ROLLBACK on any error, re-raising DuckDB errors as LandingError."""
        with self._lock:
            con = self._ready()
            con.begin()
            try:
                yield con
                con.commit()
            except BaseException as exc:
                # The original error matters more; the transaction is gone either way.
                with suppress(duckdb.Error):
                    con.rollback()
                if isinstance(exc, duckdb.Error):
                    raise LandingError(f"{self.path}: {exc}") from exc
                raise

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- raw tables
    def ensure_table(self, spec: TableSpec) -> None:
        """Create `raw.<name>` if missing; refuse an existing table whose key differs."""
        with self._lock:
            if self._ensured.get(spec.name) == spec:
                return
            columns = ", ".join(f'"{column}" {sql_type} NOT NULL' for column, sql_type in spec.key)
            key = ", ".join(f'"{column}"' for column in spec.key_names)
            # Identifiers come from a validated TableSpec (see __post_init__), never from data.
            ddl = (
                f"CREATE TABLE IF NOT EXISTS {spec.table} ({columns}, payload JSON NOT NULL, "
                f"_run_id VARCHAR NOT NULL, _extracted_at TIMESTAMP NOT NULL, "
                f"PRIMARY KEY ({key}))"
            )
            with self._transaction() as con:
                con.execute(ddl)
                found = con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
                    [spec.name],
                ).fetchall()
            expected = [
                *spec.key,
                ("payload", "JSON"),
                ("_run_id", "VARCHAR"),
                ("_extracted_at", "TIMESTAMP"),
            ]
            if [(str(c), str(t)) for c, t in found] != expected:
                raise LandingError(f"{spec.table} exists with columns {found}, expected {expected}")
            self._ensured[spec.name] = spec

    def commit_page(
        self,
        spec: TableSpec,
        rows: Sequence[Row],
        rejects: Sequence[Reject] = (),
        state: tuple[str, str, Any] | None = None,
    ) -> None:
        """Land a page: upsert rows by key, log rejects and move the cursor, all or nothing.

        A key landed again replaces the old payload; within one call the last row per key wins.
        `state` is `(stream, partition, cursor)`; the cursor is stored as JSON.
        """
        page = self._page_table(spec, rows)
        cursor_json = None if state is None else json.dumps(state[2], sort_keys=True)
        at = _naive_utc(self._now())
        with self._lock:
            self.ensure_table(spec)
            # The page view lives outside the transaction: dropping it inside an aborted one
            # would fail and hide the error that aborted it.
            self._ready().register(_PAGE_VIEW, page)
            try:
                with self._transaction() as con:
                    if page.num_rows:
                        self._upsert_rows(con, spec, at)
                    if rejects:
                        self._insert_rejects(con, rejects, at)
                    if state is not None:
                        self._upsert_state(con, state[0], state[1], cursor_json, at)
            finally:
                self._ready().unregister(_PAGE_VIEW)

    def _page_table(self, spec: TableSpec, rows: Sequence[Row]) -> pa.Table:
        """Rows as an Arrow table, one row per key (last wins), so DuckDB scans it in bulk.

        The payload column has Arrow's JSON extension type, which DuckDB takes as its JSON
        type without re-parsing; that is safe because `Row` had orjson write every text.

        The columns are laid out in Python `array`s and bytes and handed to Arrow as buffers:
        `pa.array` on a Python list imports pandas (pyarrow checks whether the list is a pandas
        object), ~50 MB of the extract's resident set for nothing. Key values must already
        have their column's type: a string is not turned into a number here, nor a bool taken
        for one.
        """
        latest: dict[tuple[Any, ...], str] = {}
        width = len(spec.key)
        for row in rows:
            if len(row.key) != width:
                raise LandingError(f"{spec.table}: key {row.key!r} does not match {spec.key}")
            latest[row.key] = row.payload
        arrays: list[pa.Array] = []
        try:
            for index, (_, sql_type) in enumerate(spec.key):
                values = [key[index] for key in latest]
                if sql_type in _INT_CODES:
                    arrays.append(_int_array(values, *_INT_CODES[sql_type], KEY_TYPES[sql_type]))
                else:
                    arrays.append(_utf8_array([_text(v) for v in values], KEY_TYPES[sql_type]))
            arrays.append(_utf8_array([text.encode() for text in latest.values()], _JSON_TEXT))
        except (TypeError, ValueError, OverflowError, pa.ArrowInvalid) as exc:
            raise LandingError(f"{spec.table}: a row does not fit the table: {exc}") from exc
        return pa.Table.from_arrays(arrays, names=[*spec.key_names, "payload"])

    def _upsert_rows(self, con: duckdb.DuckDBPyConnection, spec: TableSpec, at: datetime) -> None:
        """Upsert the registered Arrow page (payloads arrive typed JSON: no cast, no re-parse)."""
        key = ", ".join(f'"{column}"' for column in spec.key_names)
        # Identifiers come from a validated TableSpec; values arrive as the Arrow page or as
        # parameters, never as SQL text.
        sql = (
            f"INSERT OR REPLACE INTO {spec.table} ({key}, payload, _run_id, _extracted_at) "  # noqa: S608
            f"SELECT {key}, payload, ?, ? FROM {_PAGE_VIEW}"
        )
        con.execute(sql, [self.run_id, at])

    def _insert_rejects(
        self, con: duckdb.DuckDBPyConnection, rejects: Sequence[Reject], at: datetime
    ) -> None:
        con.executemany(
            "INSERT INTO meta.rejects VALUES (?, ?, ?, ?, ?, ?)",
            [(self.run_id, r.stream, r.key, r.reason, r.raw, at) for r in rejects],
        )

    def _upsert_state(
        self,
        con: duckdb.DuckDBPyConnection,
        stream: str,
        partition: str,
        cursor_json: str | None,
        at: datetime,
    ) -> None:
        con.execute(
            "INSERT OR REPLACE INTO meta.extract_state VALUES (?, ?, CAST(? AS JSON), ?, ?)",
            [stream, partition, cursor_json, self.run_id, at],
        )

    def keys(self, spec: TableSpec) -> set[tuple[Any, ...]]:
        """Every natural key landed in `raw.<name>` (for tests and the run summary)."""
        self.ensure_table(spec)
        key = ", ".join(f'"{column}"' for column in spec.key_names)
        with self._lock:
            found = self._ready().execute(f"SELECT {key} FROM {spec.table}").fetchall()  # noqa: S608 (validated identifiers)
        return {tuple(row) for row in found}

    def count(self, spec: TableSpec) -> int:
        self.ensure_table(spec)
        with self._lock:
            found = self._ready().execute(f"SELECT count(*) FROM {spec.table}").fetchall()  # noqa: S608 (validated identifiers)
        return int(found[0][0])

    # ----------------------------------------------------------------- cursor state
    def get_state(self, stream: str, partition: str) -> Any | None:
        """The cursor committed for `(stream, partition)`, decoded from JSON; None if none."""
        with self._lock:
            found = (
                self._ready()
                .execute(
                    "SELECT cursor FROM meta.extract_state WHERE stream = ? AND partition = ?",
                    [stream, partition],
                )
                .fetchall()
            )
        if not found or found[0][0] is None:
            return None
        return json.loads(found[0][0])

    def states(self, stream: str) -> dict[str, Any]:
        """Every partition's cursor of a stream (e.g. one per register for journals)."""
        with self._lock:
            found = (
                self._ready()
                .execute(
                    "SELECT partition, cursor FROM meta.extract_state WHERE stream = ?", [stream]
                )
                .fetchall()
            )
        return {
            str(partition): None if cursor is None else json.loads(cursor)
            for partition, cursor in found
        }

    # ----------------------------------------------------------------- run log
    def record_run(
        self,
        run_id: str,
        stream: str,
        *,
        started_at: datetime,
        finished_at: datetime,
        pages: int,
        records: int,
        requests: int,
        retries: int,
        rejects: int,
        outcome: Outcome,
        error: str | None = None,
    ) -> None:
        """Upsert one stream's line of the run log; `duration_s` is finished minus started."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome {outcome!r} not in {sorted(OUTCOMES)}")
        duration = (finished_at - started_at).total_seconds()
        with self._transaction() as con:
            con.execute(
                "INSERT OR REPLACE INTO meta.extract_runs "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    stream,
                    _naive_utc(started_at),
                    _naive_utc(finished_at),
                    pages,
                    records,
                    requests,
                    retries,
                    rejects,
                    duration,
                    outcome,
                    error,
                ],
            )

    # ----------------------------------------------------------------- Z-report gaps
    def record_gaps(self, gaps: Sequence[tuple[str, int]]) -> None:
        """Note missing Z-report numbers; a gap already known keeps its first detection."""
        if not gaps:
            return
        at = _naive_utc(self._now())
        with self._transaction() as con:
            new = set(gaps) - self._open_gaps(con)
            if new:  # executemany costs ~2 ms a row in DuckDB, so only send what is new
                con.executemany(
                    "INSERT INTO meta.zreport_gaps VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [
                        (registerid, zreportid, self.run_id, at)
                        for registerid, zreportid in sorted(new)
                    ],
                )

    def clear_gap(self, registerid: str, zreportid: int) -> None:
        """Forget a gap once the missing report has arrived."""
        self.clear_gaps([(registerid, zreportid)])

    def clear_gaps(self, arrived: Sequence[tuple[str, int]]) -> None:
        """Forget the gaps of every report that has arrived, in one transaction."""
        if not arrived:
            return
        with self._transaction() as con:
            closed = self._open_gaps(con) & set(arrived)
            if closed:
                con.executemany(
                    "DELETE FROM meta.zreport_gaps WHERE registerid = ? AND missing_zreportid = ?",
                    sorted(closed),
                )

    def gaps(self) -> set[tuple[str, int]]:
        """Open gaps as `(registerid, missing_zreportid)`."""
        with self._lock:
            return self._open_gaps(self._ready())

    @staticmethod
    def _open_gaps(con: duckdb.DuckDBPyConnection) -> set[tuple[str, int]]:
        found = con.execute(
            "SELECT registerid, missing_zreportid FROM meta.zreport_gaps"
        ).fetchall()
        return {(str(registerid), int(zreportid)) for registerid, zreportid in found}

    # ----------------------------------------------------------------- reads
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query on the writer's connection and fetch every row (DuckDB admits
        no second connection to the file while it is open for writing)."""
        with self._lock:
            return self._ready().execute(sql, list(params)).fetchall()
