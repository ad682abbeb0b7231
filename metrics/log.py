"""The push log, `meta.metrics_push_log` in `$SITOO_WH_DATA_DIR/metrics.duckdb`.

Not in `warehouse.duckdb`: DuckDB lets one process write a file at a time and a sync holds
the warehouse for minutes, so a push (typically run by cron right after a sync, or by hand
while one runs) would fail or wait. Not in `serving.duckdb` either: every publish replaces it.
A file of its own is never contended by the build; a second push at the same moment gets
`PushLogLockedError`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from metrics.push import PushReport

FILE_NAME = "metrics.duckdb"

_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.metrics_push_log (
    push_id VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    metric_key VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    dry_run BOOLEAN NOT NULL,
    created BOOLEAN NOT NULL,
    recreated BOOLEAN NOT NULL,
    values_desired INTEGER NOT NULL,
    values_unchanged INTEGER NOT NULL,
    values_added INTEGER NOT NULL,
    values_updated INTEGER NOT NULL,
    values_written INTEGER NOT NULL,
    values_failed INTEGER NOT NULL,
    outcome VARCHAR NOT NULL,
    message VARCHAR
);
"""


class PushLogLockedError(RuntimeError):
    """Another process holds metrics.duckdb open for writing."""


def log_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def write(data_dir: Path, report: PushReport, started_at: datetime) -> str:
    """Append one row per metric of the push; returns the push id."""
    push_id = uuid.uuid4().hex
    finished = datetime.now(UTC).replace(tzinfo=None)
    started = started_at.astimezone(UTC).replace(tzinfo=None)
    rows = [
        (
            push_id,
            started,
            finished,
            r.key,
            report.period.start,
            report.period.end,
            report.dry_run,
            r.created,
            r.recreated,
            r.desired,
            r.unchanged,
            r.added,
            r.updated,
            r.written,
            len(r.failed),
            "dry_run" if report.dry_run else r.outcome,
            "; ".join(f"{v.describe()}: {m}" for v, m in r.failed[:20]) or None,
        )
        for r in report.results
    ]
    path = log_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as err:
        raise PushLogLockedError(
            f"cannot write the push log {path}: another process has it open ({err})"
        ) from None
    try:
        con.execute(_DDL)
        if rows:
            con.executemany(
                "INSERT INTO meta.metrics_push_log VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    finally:
        con.close()
    return push_id


def rows(data_dir: Path, push_id: str) -> list[dict[str, object]]:
    """The log rows of one push, by column name (what the dashboard shows after a push)."""
    path = log_path(data_dir)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as err:
        raise PushLogLockedError(
            f"cannot read the push log {path}: another process has it open ({err})"
        ) from None
    try:
        cursor = con.execute(
            "SELECT * FROM meta.metrics_push_log WHERE push_id = ? ORDER BY metric_key", [push_id]
        )
        columns = [d[0] for d in cursor.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
