"""Checks 5–6: room on the disk, and the warehouse files — there, readable, not held by a
writer, and no debris from a killed run.

Every DuckDB file is opened read-only and closed at once: a read-only connection takes a
shared lock, and a sync starting at that moment could not open the warehouse for writing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import duckdb

from sitoo_wh.doctor.model import CheckResult, Redactor, Verdict, shorten
from sitoo_wh.publish import MARTS_FILE, is_lock_error

DISK: Final = "disk space"
WAREHOUSE: Final = "warehouse"
SERVING: Final = "serving copy"
LEFTOVERS: Final = "leftover files"

MB: Final = 1024**2
GB: Final = 1024**3
DISK_FAIL_BYTES: Final = 200 * MB
"""Below this a page commit or a checkpoint may fail half-way."""
DISK_WARN_BYTES: Final = 2 * GB
DISK_WAREHOUSE_FACTOR: Final = 2
"""A full refresh rewrites the tables and a publish writes a new serving copy beside the old
one, so keep at least this many times the warehouse's size free."""

_LOCK_HOLDER = re.compile(r"held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
_TEMP_SUFFIX = re.compile(r"\.tmp-(?P<pid>\d+)(?:\.wal)?$")


class DiskUsage(Protocol):
    @property
    def total(self) -> int: ...

    @property
    def free(self) -> int: ...


def _size(path: Path) -> int:
    total = 0
    for part in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            total += part.stat().st_size
    return total


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _existing(path: Path) -> Path:
    """`path`, or its nearest existing ancestor (the data dir is created on first extract)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path()


def check_disk(
    data_dir: Path, disk_usage: Callable[[Path], DiskUsage] = shutil.disk_usage
) -> CheckResult:
    """Free space where the warehouse lives, against fixed floors and the warehouse's size."""
    where = _existing(data_dir)
    if where.is_dir() and not os.access(where, os.W_OK | os.X_OK):
        return CheckResult(
            DISK,
            Verdict.FAIL,
            f"{where} is not writable by this user",
            f"run as the user that owns it, or fix its permissions (chown/chmod {where})",
        )
    usage = disk_usage(where)
    # The marts file counts too: a build rewrites it and a publish copies it.
    warehouse = _size(data_dir / "warehouse.duckdb") + _size(data_dir / MARTS_FILE)
    wanted = max(DISK_WARN_BYTES, DISK_WAREHOUSE_FACTOR * warehouse)
    created = "" if where == data_dir else f" ({data_dir} will be created there)"
    message = (
        f"{human_bytes(usage.free)} free on {where}{created}; warehouse {human_bytes(warehouse)}"
    )
    fix = (
        "free space on that file system or move SITOO_WH_DATA_DIR to a larger one: a build "
        "rewrites tables and a publish writes a new serving copy beside the old one"
    )
    if usage.free < DISK_FAIL_BYTES:
        return CheckResult(
            DISK, Verdict.FAIL, f"{message} (fail below {human_bytes(DISK_FAIL_BYTES)})", fix
        )
    if usage.free < wanted:
        return CheckResult(
            DISK,
            Verdict.WARN,
            f"{message} (warn below {human_bytes(DISK_WARN_BYTES)} or "
            f"{DISK_WAREHOUSE_FACTOR}× the warehouse)",
            fix,
        )
    return CheckResult(DISK, Verdict.OK, message)


def process_command(pid: int) -> str | None:
    """The command line of a running process (Linux /proc), to say who holds a lock."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    text = raw.replace(b"\0", b" ").decode(errors="replace").strip()
    return text or None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class LockHolder:
    pid: int | None
    description: str


def lock_holder(error: str, redact: Redactor) -> LockHolder:
    """Who holds a DuckDB file, from DuckDB's message ("… held in <program> (PID n)")."""
    match = _LOCK_HOLDER.search(error)
    if match is None:
        return LockHolder(None, "another process (DuckDB did not say which)")
    pid = int(match["pid"])
    command = process_command(pid)
    shown = shorten(command, redact, 160) if command else match["program"]
    return LockHolder(pid, f"PID {pid} ({shown})")


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
        "ORDER BY table_name",
        [schema],
    ).fetchall()
    return [str(name) for (name,) in rows]


_DAMAGED_FIX = (
    "the file may be damaged or written by another DuckDB version: move it aside (keep it) and "
    "rebuild with `sitoo-wh extract --since <first day>` then `sitoo-wh build`"
)


def check_warehouse(path: Path, redact: Redactor) -> CheckResult:
    """warehouse.duckdb exists, opens read-only (no writer holds it) and has the run log."""
    if not path.is_file():
        return CheckResult(
            WAREHOUSE,
            Verdict.WARN,
            f"{path} does not exist yet",
            "run `sitoo-wh extract --since YYYY-MM-DD` for a first load, or `sitoo-wh sync`",
        )
    try:
        con = _open(path)
    except duckdb.Error as err:
        if is_lock_error(err):
            holder = lock_holder(str(err), redact)
            kill = f"`kill {holder.pid}`" if holder.pid else "stop it"
            return CheckResult(
                WAREHOUSE,
                Verdict.WARN,
                f"{path} is held by a writer: {holder.description}; a sync, extract or build "
                "is probably running",
                f"wait for it to finish; if it is not a sitoo-wh run or has hung, {kill} — "
                "its committed pages are kept and the next sync resumes from its cursors",
            )
        return CheckResult(
            WAREHOUSE,
            Verdict.FAIL,
            f"cannot open {path}: {shorten(str(err), redact)}",
            _DAMAGED_FIX,
        )
    try:
        raw = _tables(con, "raw")
        meta = _tables(con, "meta")
    finally:
        con.close()
    size = human_bytes(_size(path))
    if "extract_runs" not in meta:
        return CheckResult(
            WAREHOUSE,
            Verdict.WARN,
            f"{path} ({size}) opens but has no run log (meta.extract_runs)",
            "run `sitoo-wh extract` (or `sitoo-wh sync`) to create it",
        )
    wal = ""
    if path.with_name(path.name + ".wal").exists():
        wal = (
            "; a WAL is pending (the last writer stopped before a checkpoint — DuckDB replays "
            "it on the next open, do not delete it)"
        )
    return CheckResult(
        WAREHOUSE,
        Verdict.OK,
        f"{path} ({size}) opens read-only, no writer holds it; {len(raw)} raw tables{wal}",
    )


def check_serving(path: Path, redact: Redactor) -> CheckResult:
    """serving.duckdb — what dashboards and exports read — exists and has the marts."""
    if not path.is_file():
        return CheckResult(
            SERVING,
            Verdict.WARN,
            f"{path} does not exist yet: nothing has been published",
            "run `sitoo-wh sync` (or `sitoo-wh build` after an extract)",
        )
    try:
        con = _open(path)
    except duckdb.Error as err:
        if is_lock_error(err):
            holder = lock_holder(str(err), redact)
            return CheckResult(
                SERVING,
                Verdict.FAIL,
                f"{path} is open for writing by {holder.description}; dashboards and exports "
                "cannot open it while it is",
                "close that program: serving.duckdb is replaced by a rename on each publish and "
                "must only ever be opened read-only",
            )
        return CheckResult(
            SERVING,
            Verdict.FAIL,
            f"cannot open {path}: {shorten(str(err), redact)}",
            "delete it and run `sitoo-wh build` to publish a new copy from the warehouse",
        )
    try:
        marts = _tables(con, "marts")
        published = None
        if "published" in _tables(con, "meta"):
            published = con.execute(
                "SELECT max(published_at), any_value(build_run_id) FROM meta.published"
            ).fetchone()
    finally:
        con.close()
    if not marts:
        return CheckResult(
            SERVING,
            Verdict.FAIL,
            f"{path} has no tables in schema marts",
            "run `sitoo-wh build` to publish the marts again",
        )
    when = ""
    if published is not None and published[0] is not None:
        when = f", published {published[0]:%Y-%m-%d %H:%M} UTC by build {published[1]}"
    return CheckResult(
        SERVING, Verdict.OK, f"{path} opens read-only; {len(marts)} tables in marts{when}"
    )


def check_leftovers(data_dir: Path, alive: Callable[[int], bool] = pid_alive) -> CheckResult:
    """Temporary serving copies (`serving.duckdb.tmp-<pid>`) a killed publish left behind."""
    if not data_dir.is_dir():
        return CheckResult(LEFTOVERS, Verdict.OK, "none (no data directory yet)")
    stale: list[Path] = []
    running: set[int] = set()
    for temp in sorted(data_dir.iterdir()):
        match = _TEMP_SUFFIX.search(temp.name)
        if match is None:
            continue
        pid = int(match["pid"])
        if pid != os.getpid() and alive(pid):
            running.add(pid)
        else:
            stale.append(temp)
    if stale:
        size = human_bytes(sum(p.stat().st_size for p in stale))
        names = " ".join(str(p) for p in stale)
        return CheckResult(
            LEFTOVERS,
            Verdict.WARN,
            f"{len(stale)} temporary file(s) from a publish that was killed ({size}): {names}",
            f"nothing reads them; delete them: rm {names}",
        )
    if running:
        pids = ", ".join(str(p) for p in sorted(running))
        return CheckResult(
            LEFTOVERS, Verdict.OK, f"a publish is in progress (PID {pids}); no stale files"
        )
    return CheckResult(LEFTOVERS, Verdict.OK, "no temporary files left by a killed publish")
