"""Check 7: when did the last extract, build and publish run, and did they succeed.

There is no single run table: the extractor logs each stream of a run in
`meta.extract_runs`, dbt leaves `run_results.json` in `<data dir>/dbt/target`, and a publish
stamps `meta.published` into the serving copy. The last successful sync is the last publish.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb

from sitoo_wh.doctor.model import CheckResult, Redactor, Verdict, shorten
from sitoo_wh.publish import is_lock_error

NAME: Final = "last run"
STALE_AFTER: Final = timedelta(hours=26)
"""A daily cron sync plus slack: older than this, a scheduled run was missed."""
_BUILD_FAILED: Final = frozenset({"error", "fail", "runtime error"})


@dataclass(frozen=True)
class ExtractRun:
    run_id: str
    started_at: datetime
    finished_at: datetime
    streams: int
    failed: list[tuple[str, str]]
    """(stream, error) of every stream that failed."""
    rejected: int
    """Streams that landed but kept some records out (outcome 'partial')."""


@dataclass(frozen=True)
class BuildRun:
    invocation_id: str
    finished_at: datetime
    command: str
    nodes: Counter[str]
    failures: list[str]


@dataclass(frozen=True)
class PublishRun:
    published_at: datetime
    build_run_id: str


@dataclass
class History:
    extract: ExtractRun | None = None
    extract_source: str = ""
    build: BuildRun | None = None
    publish: PublishRun | None = None
    notes: list[str] = field(default_factory=list)
    """Why a part could not be read (e.g. the warehouse is held by a writer)."""


def _utc(value: Any) -> datetime:
    """meta timestamps are naive values meaning UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _last_extract(con: duckdb.DuckDBPyConnection) -> ExtractRun | None:
    rows = con.execute(
        "SELECT run_id, stream, started_at, finished_at, outcome, error FROM meta.extract_runs "
        "WHERE run_id = (SELECT run_id FROM meta.extract_runs "
        "ORDER BY started_at DESC, run_id DESC LIMIT 1) ORDER BY stream"
    ).fetchall()
    if not rows:
        return None
    return ExtractRun(
        run_id=str(rows[0][0]),
        started_at=min(_utc(r[2]) for r in rows),
        finished_at=max(_utc(r[3]) for r in rows),
        streams=len(rows),
        failed=[(str(r[1]), str(r[5] or "no error recorded")) for r in rows if r[4] == "failed"],
        rejected=sum(1 for r in rows if r[4] == "partial"),
    )


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def _read_extract(path: Path, history: History, label: str) -> bool:
    """The last extract from `path`'s run log; False when the file could not tell."""
    if not path.is_file():
        return False
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        if is_lock_error(err):
            history.notes.append(f"{path.name} is held by a writer: a run may be in progress")
        else:
            history.notes.append(f"{path.name} unreadable ({str(err).splitlines()[0]})")
        return False
    try:
        if not _has_table(con, "meta", "extract_runs"):
            return False
        history.extract = _last_extract(con)
        history.extract_source = label
        return True
    finally:
        con.close()


def _read_publish(path: Path, history: History) -> None:
    if not path.is_file():
        return
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return  # the serving check reports why
    try:
        if _has_table(con, "meta", "published"):
            row = con.execute(
                "SELECT published_at, build_run_id FROM meta.published "
                "ORDER BY published_at DESC LIMIT 1"
            ).fetchone()
            if row is not None:
                history.publish = PublishRun(_utc(row[0]), str(row[1]))
    finally:
        con.close()


def read_build(run_results: Path) -> BuildRun | None:
    """dbt's record of its last invocation (not rewritten when dbt stops before running)."""
    try:
        data = json.loads(run_results.read_text(encoding="utf-8"))
        metadata = data["metadata"]
        results = data.get("results") or []
        nodes: Counter[str] = Counter()
        failures: list[str] = []
        for item in results:
            unique_id = str(item.get("unique_id", "?"))
            nodes[unique_id.split(".", 1)[0]] += 1
            if item.get("status") in _BUILD_FAILED:
                message = (item.get("message") or item["status"]).strip().splitlines()
                failures.append(f"{unique_id}: {message[0] if message else item['status']}")
        return BuildRun(
            invocation_id=str(metadata["invocation_id"]),
            finished_at=_utc(str(metadata["generated_at"]).replace("Z", "+00:00")),
            command=str((data.get("args") or {}).get("which", "build")),
            nodes=nodes,
            failures=failures,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def read_history(warehouse: Path, serving: Path, run_results: Path) -> History:
    """Everything the files say about the last runs; never raises for a missing part."""
    history = History()
    if not _read_extract(warehouse, history, "warehouse.duckdb"):
        _read_extract(serving, history, "serving.duckdb, as of the last publish")
    history.build = read_build(run_results)
    _read_publish(serving, history)
    return history


def _ago(moment: datetime, now: datetime) -> str:
    age = (now - moment).total_seconds()
    if age < 0:
        return "in the future: check the clock"
    if age < 120:
        return f"{age:.0f} s ago"
    if age < 7200:
        return f"{age / 60:.0f} min ago"
    if age < 172_800:
        return f"{age / 3600:.1f} h ago"
    return f"{age / 86_400:.1f} days ago"


def _when(moment: datetime, now: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC ({_ago(moment, now)})"


def judge_history(
    history: History, now: datetime, redact: Redactor, stale_after: timedelta = STALE_AFTER
) -> CheckResult:
    """FAIL when the last extract or build failed; WARN when the last publish is stale."""
    extract, build, publish = history.extract, history.build, history.publish
    parts: list[str] = []
    if extract is not None:
        state = "failed" if extract.failed else "ok"
        rejects = f", {extract.rejected} with rejected records" if extract.rejected else ""
        source = (
            ""
            if history.extract_source == "warehouse.duckdb"
            else (f"; from {history.extract_source}")
        )
        parts.append(
            f"extract {extract.run_id} {state} {_ago(extract.finished_at, now)} "
            f"({extract.streams} streams{rejects}{source})"
        )
    if build is not None:
        state = "failed" if build.failures else "passed"
        counts = ", ".join(
            f"{n} {kind}s" for kind, n in sorted(build.nodes.items()) if kind in ("model", "test")
        )
        parts.append(f"dbt {build.command} {state} {_ago(build.finished_at, now)} ({counts})")
    if publish is not None:
        parts.append(f"published {_when(publish.published_at, now)}")
    parts.extend(history.notes)
    summary = "; ".join(parts)

    if extract is None and publish is None:
        return CheckResult(
            NAME,
            Verdict.WARN,
            summary or "no extract has run and nothing has been published yet",
            "run `sitoo-wh sync`, then schedule it (cron) once or more a day",
        )
    if extract is not None and extract.failed:
        stream, error = extract.failed[0]
        more = f" (and {len(extract.failed) - 1} more)" if len(extract.failed) > 1 else ""
        return CheckResult(
            NAME,
            Verdict.FAIL,
            f"{summary}; stream {stream}{more} failed: {shorten(error, redact)}",
            "fix the cause named (the checks above explain auth and network errors), then run "
            "`sitoo-wh sync`: streams resume from their committed cursors",
        )
    if build is not None and build.failures:
        return CheckResult(
            NAME,
            Verdict.FAIL,
            f"{summary}; {len(build.failures)} dbt node(s) failed, first "
            f"{shorten(build.failures[0], redact)}",
            "run `sitoo-wh build` to see dbt's output; the dashboards keep the last good "
            "publish until a build passes",
        )
    if publish is None or now - publish.published_at > stale_after:
        limit = stale_after.total_seconds() / 3600
        return CheckResult(
            NAME,
            Verdict.WARN,
            f"{summary}; the last successful sync is older than {limit:g} h"
            if publish
            else f"{summary}; nothing has been published yet",
            "check the cron entry (`crontab -l`) and its log, then run `sitoo-wh sync`",
        )
    if (
        build is not None
        and build.invocation_id != publish.build_run_id
        and build.finished_at > publish.published_at
    ):
        return CheckResult(
            NAME,
            Verdict.WARN,
            f"{summary}; dbt {build.invocation_id} passed but was not published",
            "run `sitoo-wh build`: it publishes after a passing build",
        )
    return CheckResult(NAME, Verdict.OK, summary)


def check_last_run(
    data_dir: Path, now: datetime, redact: Redactor, stale_after: timedelta = STALE_AFTER
) -> CheckResult:
    history = read_history(
        data_dir / "warehouse.duckdb",
        data_dir / "serving.duckdb",
        data_dir / "dbt" / "target" / "run_results.json",
    )
    return judge_history(history, now, redact, stale_after)
