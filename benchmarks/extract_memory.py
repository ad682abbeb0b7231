"""Peak memory of a full extract at one and at four times the data (issue 3).

Goals: at most 400 MB resident at its peak, and the peak at 4x the data at most 1.2 times the
peak at 1x, i.e. memory must not grow with the size of the account.

Each extract is `sitoo-wh extract --quiet --rate-limit 0` (every stream, the CLI's default page
size, workers and window; no client-side rate limit, so the run is as fast as the simulator
serves) as a child process against a fresh data directory. Its peak resident set is the
kernel's high-water mark `ru_maxrss`, read with `os.wait4` on that very process, so it cannot be
mixed up with the simulator's (as `RUSAGE_CHILDREN` would). The extract is spawned by a tiny
helper interpreter rather than by this process: Linux carries the spawning process's own
high-water mark over into the child's `ru_maxrss` at exec, so a benchmark process that has
grown (dlt, DuckDB reads) would otherwise be measured instead of the extract. The simulator runs
as its own process with `--scale 1` and then `--scale 4` (four times the traffic over the same
stores and days).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import httpx

from benchmarks.simulator_serving import start_simulator

GOAL_PEAK_MB = 400
GOAL_RATIO = 1.2
STORES = 10
DAYS = 30
SCALES = (1, 4)
RAW_TABLES = ("orders", "journal_entries", "pos_z_reports", "warehouse_transactions", "products")


@dataclass(frozen=True)
class MemoryRun:
    scale: float
    orders: int
    """Orders the simulator holds."""
    records: int
    """Rows landed in the raw tables that grow with the data."""
    peak_mb: float
    seconds: float


def extract_env(url: str, data_dir: Path) -> dict[str, str]:
    """Environment for `sitoo-wh extract` against the simulator at `url`, and nothing else."""
    return {
        **os.environ,
        "SITOO_BASE_URL": url,
        "SITOO_ACCOUNT_ID": "1500",
        "SITOO_API_ID": "1500-1",
        "SITOO_API_PASSWORD": "sitoo-demo",
        "SITOO_JOURNALS_URL": f"{url}/journals/v3",
        "SITOO_WH_DATA_DIR": str(data_dir),
        "SITOO_WH_CONFIG": str(data_dir / "absent.toml"),  # never a stray sitoo-wh.toml
    }


# Runs in a bare interpreter (-I -S, about 10 MB): spawns argv[2:], waits for it with wait4
# and writes "<ru_maxrss in kB> <exit code>" to argv[1].
_SPAWN_AND_MEASURE = """\
import os, sys
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""
REPO = Path(__file__).resolve().parents[1]


def peak_of_extract(url: str, data_dir: Path) -> tuple[float, float]:
    """Run one full extract as a child process; its peak RSS in MB and its wall time."""
    data_dir.mkdir(parents=True, exist_ok=True)
    report = data_dir / "maxrss.txt"
    command = [sys.executable, "-m", "sitoo_wh.cli", "extract", "--quiet", "--rate-limit", "0"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _SPAWN_AND_MEASURE, str(report), *command],
        env=extract_env(url, data_dir),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    seconds = time.perf_counter() - started
    tail = done.stderr.decode(errors="replace")[-2000:]
    if done.returncode != 0 or not report.is_file():
        raise RuntimeError(f"measuring helper exited with {done.returncode}: {tail}")
    maxrss_kb, exit_code = (int(field) for field in report.read_text().split())
    if exit_code != 0:
        raise RuntimeError(f"extract exited with {exit_code}: {tail}")
    return maxrss_kb / 1024, seconds  # Linux reports kilobytes


def landed_records(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return sum(
            int(con.execute(f"SELECT count(*) FROM raw.{table}").fetchall()[0][0])  # noqa: S608
            for table in RAW_TABLES
        )
    finally:
        con.close()


def measure(scale: float, workdir: Path) -> MemoryRun:
    proc, url = start_simulator(
        "--stores", str(STORES), "--days", str(DAYS), "--scale", str(scale), "--prewarm"
    )
    try:
        orders = int(httpx.get(f"{url}/_sim/health").json()["world"]["orders"])
        data_dir = workdir / f"scale-{scale:g}"
        peak_mb, seconds = peak_of_extract(url, data_dir)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return MemoryRun(scale, orders, landed_records(data_dir / "warehouse.duckdb"), peak_mb, seconds)


def run() -> list[MemoryRun]:
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        runs = [measure(scale, Path(tmp)) for scale in SCALES]
    print(f"simulator: {STORES} stores, {DAYS} days; full extract (all streams), --rate-limit 0")
    for r in runs:
        print(
            f"  scale {r.scale:g}: {r.orders:>7,} orders, {r.records:>8,} raw rows landed in "
            f"{r.seconds:5.1f} s   peak RSS {r.peak_mb:6.1f} MB   "
            f"vs {GOAL_PEAK_MB} MB goal {r.peak_mb / GOAL_PEAK_MB:4.2f}"
        )
    small, large = runs[0], runs[-1]
    print(
        f"  peak at {large.scale / small.scale:g}x data / peak at 1x: "
        f"{large.peak_mb / small.peak_mb:4.2f}   (goal <= {GOAL_RATIO}; data grew "
        f"{large.records / small.records:4.2f}x in rows)"
    )
    return runs


if __name__ == "__main__":
    run()
