"""`sitoo-wh build`: `dbt build` in-process on `warehouse.duckdb`, then publish the marts.

dbt runs in this process (`dbtRunner`) so a build needs no second interpreter start-up and
its results come back as objects, not as log lines to parse. Publishing happens only after a
build in which no node failed: a broken model or a failing test leaves yesterday's serving
copy in place rather than publishing a mixture.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import duckdb

from sitoo_wh.config import Settings, load_settings
from sitoo_wh.publish import (
    PublishError,
    PublishResult,
    WarehouseLockedError,
    is_lock_error,
    locked_message,
    publish,
)

logger = logging.getLogger(__name__)

PROJECT_DIR_ENV: Final = "SITOO_WH_DBT_PROJECT_DIR"
DATA_DIR_ENV: Final = "SITOO_WH_DATA_DIR"
_FAILED: Final = frozenset({"error", "fail", "runtime error", "partial success"})
_TEST_KINDS: Final = ("test", "unit_test")
# dbt reads its profile from os.environ, which is process-wide: one build at a time.
_DBT_LOCK = threading.Lock()


class BuildError(Exception):
    """dbt could not run or a node failed; nothing was published."""


@dataclass
class BuildResult:
    """What one `dbt build` did, counted per resource type and status."""

    run_id: str
    success: bool
    seconds: float
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(resource type, status) -> nodes, e.g. ("model", "success") -> 12."""
    failures: list[str] = field(default_factory=list)
    """`unique_id: message` of every node that errored or failed."""
    error: str | None = None
    """An error that stopped dbt before or outside the nodes (parse, connection)."""

    def count(self, resource: str, *statuses: str) -> int:
        """Nodes of a kind in any of the statuses; "test" includes dbt unit tests."""
        kinds = _TEST_KINDS if resource == "test" else (resource,)
        return sum(
            n for (kind, status), n in self.counts.items() if kind in kinds and status in statuses
        )


@dataclass(frozen=True)
class BuildReport:
    build: BuildResult
    published: PublishResult


def project_dir() -> Path:
    """The dbt project shipped next to this package, or `$SITOO_WH_DBT_PROJECT_DIR`."""
    override = os.environ.get(PROJECT_DIR_ENV)
    path = Path(override) if override else Path(__file__).resolve().parents[1] / "dbt_project"
    if not (path / "dbt_project.yml").is_file():
        raise BuildError(f"no dbt project at {path} (dbt_project.yml missing)")
    return path


def check_writable(warehouse_path: Path) -> None:
    """Fail early and clearly if an extract holds the file, instead of deep inside dbt."""
    if not warehouse_path.is_file():
        raise BuildError(f"no warehouse at {warehouse_path}; run `sitoo-wh extract` first")
    try:
        duckdb.connect(str(warehouse_path)).close()
    except duckdb.Error as err:
        if is_lock_error(err):
            raise WarehouseLockedError(locked_message(warehouse_path, err)) from err
        raise BuildError(f"cannot open {warehouse_path}: {err}") from err


@contextlib.contextmanager
def _data_dir_env(data_dir: Path) -> Iterator[None]:
    """`SITOO_WH_DATA_DIR` for the profile's `env_var()`, restored afterwards."""
    before = os.environ.get(DATA_DIR_ENV)
    os.environ[DATA_DIR_ENV] = str(data_dir)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(DATA_DIR_ENV, None)
        else:
            os.environ[DATA_DIR_ENV] = before


def _release_duckdb() -> None:
    """Drop dbt-duckdb's cached database so this process no longer holds the warehouse: the
    publish (and the next extract of `sitoo-wh sync`) must be able to open it."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    manager: Any = DuckDBConnectionManager  # _ENV is typed None in the adapter
    env = manager._ENV
    if env is not None:
        with contextlib.suppress(Exception):
            env.close()
        manager._ENV = None


@contextlib.contextmanager
def dbt_session(data_dir: Path) -> Iterator[Callable[..., Any]]:
    """One dbt invocation at a time in this process, on `data_dir`'s warehouse, released
    afterwards; yields the invoker (`invoke(args, callbacks=())`). `sitoo-wh docs` uses it too."""
    with _DBT_LOCK, _data_dir_env(data_dir):
        try:
            yield _invoke
        finally:
            _release_duckdb()


def _close_dbt_log_files() -> None:
    """dbt replaces its log file handler on the next invocation without closing it; close it
    now so a long-lived process (sync in a loop, tests) does not leak file handles."""
    from dbt_common.events.event_manager_client import get_event_manager

    for dbt_logger in get_event_manager().loggers:
        for handler in logging.getLogger(dbt_logger.name).handlers:
            if isinstance(handler, logging.FileHandler):
                handler.close()


def _invoke(args: list[str], callbacks: Sequence[Callable[[Any], None]] = ()) -> Any:
    from dbt.cli.main import dbtRunner

    try:
        return dbtRunner(callbacks=list(callbacks)).invoke(args)
    finally:
        _close_dbt_log_files()


def dbt_args(command: str, project: Path, data_dir: Path, extra: Sequence[str] = ()) -> list[str]:
    dbt_dir = data_dir / "dbt"
    return [
        command,
        # No tracking: no calls home from a warehouse job, and no .user.yml written into the
        # profiles directory (the project, which may be read-only).
        "--no-send-anonymous-usage-stats",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(dbt_dir / "target"),
        "--log-path",
        str(dbt_dir / "logs"),
        *extra,
    ]


def _invocation_id() -> str:
    """dbt's id of the invocation that just ran: the `invocation_id` of run_results.json."""
    from dbt_common.invocation import get_invocation_id

    return str(get_invocation_id())


def _summarise(outcome: Any, run_id: str, seconds: float) -> BuildResult:
    """A BuildResult from dbtRunner's result, whatever stage dbt stopped at."""
    results = getattr(outcome.result, "results", None) or []
    build = BuildResult(run_id=run_id, success=bool(outcome.success), seconds=seconds)
    for item in results:
        kind = str(getattr(item.node.resource_type, "value", item.node.resource_type))
        status = str(getattr(item.status, "value", item.status))
        build.counts[(kind, status)] += 1
        if status in _FAILED:
            message = (item.message or "").strip().splitlines()
            build.failures.append(f"{item.node.unique_id}: {message[0] if message else status}")
    if outcome.exception is not None:
        build.error = str(outcome.exception).strip()
        build.success = False
    elif not outcome.success and not build.failures:
        build.error = "dbt reported failure (see the dbt log in the data directory)"
    return build


def run_dbt(
    data_dir: Path,
    *,
    full_refresh: bool = False,
    select: Sequence[str] = (),
    unit_tests: bool = False,
    quiet: bool = False,
    json_log: bool = False,
    callbacks: Sequence[Callable[[Any], None]] = (),
) -> BuildResult:
    """`dbt build` of the project on `<data_dir>/warehouse.duckdb`.

    dbt unit tests check the SQL, not the data, so a scheduled build skips them (dbt's own
    advice for production); CI runs them, and `unit_tests=True` adds them. `callbacks`
    receive dbt's events (a progress bar, for one)."""
    data_dir = data_dir.resolve()
    project = project_dir()
    check_writable(data_dir / "warehouse.duckdb")
    extra: list[str] = []
    if full_refresh:
        extra.append("--full-refresh")
    if select:
        extra += ["--select", *select]
    if not unit_tests:
        extra += ["--exclude-resource-type", "unit_test"]
    flags = (["--quiet"] if quiet else []) + (["--log-format", "json"] if json_log else [])
    with dbt_session(data_dir) as invoke:
        if _needs_deps(project):
            deps = invoke([*flags, *dbt_args("deps", project, data_dir)])
            if not deps.success:
                raise BuildError(f"dbt deps failed: {deps.exception or 'see the dbt log'}")
        started = time.perf_counter()
        outcome = invoke([*flags, *dbt_args("build", project, data_dir, extra)], callbacks)
        result = _summarise(outcome, _invocation_id(), time.perf_counter() - started)
    if result.error and is_lock_text(result.error):
        raise WarehouseLockedError(
            f"{data_dir / 'warehouse.duckdb'} is in use by another writer: {result.error}"
        )
    return result


def is_lock_text(text: str) -> bool:
    return "Could not set lock" in text or "Conflicting lock" in text


def _needs_deps(project: Path) -> bool:
    """Packages declared but not installed yet (first build of a fresh checkout)."""
    declared = any((project / name).is_file() for name in ("packages.yml", "dependencies.yml"))
    return declared and not (project / "dbt_packages").is_dir()


def build_and_publish(
    settings: Settings,
    *,
    full_refresh: bool = False,
    select: Sequence[str] = (),
    unit_tests: bool = False,
    quiet: bool = False,
    json_log: bool = False,
    callbacks: Sequence[Callable[[Any], None]] = (),
) -> BuildReport:
    """Build, and publish only if every node passed; raises BuildError otherwise."""
    result = run_dbt(
        settings.data_dir,
        full_refresh=full_refresh,
        select=select,
        unit_tests=unit_tests,
        quiet=quiet,
        json_log=json_log,
        callbacks=callbacks,
    )
    if not result.success:
        raise BuildFailed(result)
    published = publish(settings.warehouse_path, settings.serving_path, result.run_id)
    return BuildReport(result, published)


class BuildFailed(BuildError):
    """dbt ran and a node failed (or dbt stopped early); carries the result for the summary."""

    def __init__(self, result: BuildResult) -> None:
        self.result = result
        names = ", ".join(f.split(":", 1)[0] for f in result.failures)
        detail = f"failed: {names}" if names else (result.error or "dbt failed")
        super().__init__(f"dbt build {detail}; nothing was published")


def summary_lines(build: BuildResult, published: PublishResult | None = None) -> list[str]:
    """The few lines `sitoo-wh build` prints after dbt's own output."""
    ok = ("success", "pass")
    bad = tuple(_FAILED)
    skipped = sum(n for (_, status), n in build.counts.items() if status == "skipped")
    head = (
        f"dbt build {build.run_id}: "
        f"models {build.count('model', *ok)} ok / {build.count('model', *bad)} failed, "
        f"tests {build.count('test', *ok)} passed / {build.count('test', *bad)} failed"
        f" / {build.count('test', 'warn')} warned, "
        f"skipped {skipped}, {build.seconds:.1f} s"
    )
    lines = [head]
    lines += [f"  FAILED {failure}" for failure in build.failures]
    if build.error and not build.failures:
        lines.append(f"  ERROR {build.error.splitlines()[0]}")
    if published is not None:
        lines.append(
            f"published {published.path} ({len(published.tables)} tables) in "
            f"{published.seconds:.1f} s"
        )
    return lines


def summary_json(
    build: BuildResult | None, published: PublishResult | None, error: str | None
) -> str:
    """One JSON line for `--json-log`, next to the extractor's and dbt's JSON lines."""
    ok, bad = ("success", "pass"), tuple(_FAILED)
    record: dict[str, Any] = {"ts": time.time(), "event": "build_end", "ok": error is None}
    if build is not None:
        record |= {
            "run_id": build.run_id,
            "models_ok": build.count("model", *ok),
            "models_failed": build.count("model", *bad),
            "tests_passed": build.count("test", *ok),
            "tests_failed": build.count("test", *bad),
            "failures": build.failures,
            "dbt_seconds": round(build.seconds, 3),
        }
    if published is not None:
        record |= {
            "published": str(published.path),
            "publish_seconds": round(published.seconds, 3),
        }
    if error is not None:
        record["error"] = error
    return json.dumps(record)


def report_build(
    settings: Settings,
    args: argparse.Namespace,
    callbacks: Sequence[Callable[[Any], None]] = (),
) -> int:
    """Build + publish with printed summary; the exit code for the command."""
    json_log = getattr(args, "json_log", False)
    try:
        report = build_and_publish(
            settings,
            full_refresh=args.full_refresh,
            select=args.select or (),
            unit_tests=getattr(args, "unit_tests", False),
            quiet=getattr(args, "quiet", False),
            json_log=json_log,
            callbacks=callbacks,
        )
    except BuildFailed as failed:
        if json_log:
            _print(summary_json(failed.result, None, str(failed)))
        else:
            _print(*summary_lines(failed.result), stream=sys.stderr)
        _print(f"sitoo-wh: build failed: {failed}", stream=sys.stderr)
        return 1
    except (BuildError, PublishError, WarehouseLockedError) as err:
        if json_log:
            _print(summary_json(None, None, str(err)))
        _print(f"sitoo-wh: build failed: {err}", stream=sys.stderr)
        return 1
    if json_log:
        _print(summary_json(report.build, report.published, None))
    else:
        _print(*summary_lines(report.build, report.published))
    return 0


def _print(*lines: str, stream: Any = None) -> None:
    out = stream or sys.stdout
    for line in lines:
        out.write(line + "\n")
    out.flush()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental models from scratch"
    )
    parser.add_argument(
        "--select", nargs="+", metavar="SELECTOR", help="dbt node selection (default: all)"
    )
    parser.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run the dbt unit tests (checks of the SQL itself, run by CI)",
    )
    parser.add_argument("--quiet", action="store_true", help="only errors from dbt")


def run(args: argparse.Namespace) -> int:
    return report_build(load_settings(require_credentials=False), args)
