"""Build time of the dbt project at one million order lines, full and incremental.

Goals: a full `sitoo-wh build` (dbt build + publish) in under 60 s at ~1M order lines, and an
incremental build after one more simulated day at most 0.15 of the full one.

The simulator runs as its own process (10 stores, 120 days, `--scale 6.6` ≈ 1.02M order
lines); each extract and each build is the CLI as a child process against one data directory,
timed by wall clock as a user would see it (interpreter and dbt start-up and parse included).
The split into dbt and publish seconds is read from the summary the command prints.

Single builds on this kind of machine vary by ±10 % from run to run (and the first build after
an extract is slower than the next), so the full build runs three times on the same data and
the incremental one after each of three more simulated days; the verdict uses the medians,
and every measurement is printed.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.extract_memory import REPO, extract_env
from benchmarks.simulator_serving import start_simulator

GOAL_FULL_SECONDS = 60.0
GOAL_INCREMENTAL_RATIO = 0.15
_DBT_SECONDS = re.compile(r"^dbt build \S+: .*, ([0-9.]+) s$", re.MULTILINE)
_PUBLISH_SECONDS = re.compile(r"^published .* in ([0-9.]+) s$", re.MULTILINE)


@dataclass(frozen=True)
class BuildTime:
    label: str
    seconds: float
    dbt_seconds: float | None
    publish_seconds: float | None
    slowest: list[tuple[str, float]]
    """The slowest dbt nodes of the build, from run_results.json."""


def _cli(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "sitoo_wh.cli", *args],
        env=extract_env(url, data_dir),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"sitoo-wh {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done


def _timed_build(label: str, url: str, data_dir: Path, *flags: str) -> BuildTime:
    started = time.perf_counter()
    done = _cli(url, data_dir, "build", "--quiet", *flags)
    seconds = time.perf_counter() - started
    dbt = _DBT_SECONDS.search(done.stdout)
    published = _PUBLISH_SECONDS.search(done.stdout)
    return BuildTime(
        label,
        seconds,
        float(dbt.group(1)) if dbt else None,
        float(published.group(1)) if published else None,
        _slowest_nodes(data_dir / "dbt" / "target" / "run_results.json"),
    )


def _slowest_nodes(run_results: Path, top: int = 3) -> list[tuple[str, float]]:
    results = json.loads(run_results.read_text())["results"]
    timed = [(str(r["unique_id"]).split(".")[-1], float(r["execution_time"])) for r in results]
    return sorted(timed, key=lambda item: -item[1])[:top]


def _line(t: BuildTime) -> str:
    split = ""
    if t.dbt_seconds is not None and t.publish_seconds is not None:
        split = f"  (dbt {t.dbt_seconds:5.1f} s, publish {t.publish_seconds:4.1f} s)"
    slowest = ", ".join(f"{name} {secs:.1f} s" for name, secs in t.slowest)
    return f"  {t.label:<22} {t.seconds:6.1f} s{split}\n    slowest nodes: {slowest}"


def _median(times: list[BuildTime]) -> BuildTime:
    """The build with the median wall time (the upper middle one of an even count, so a
    fast outlier never decides the verdict)."""
    ordered = sorted(times, key=lambda t: t.seconds)
    return ordered[len(ordered) // 2]


def run(
    scale: float = 6.6,
    stores: int = 10,
    days: int = 120,
    data_dir: Path | None = None,
    full_builds: int = 3,
    incremental_days: int = 3,
) -> tuple[BuildTime, BuildTime]:
    """Full builds, then one simulated day + extract + incremental build, `incremental_days`
    times; prints every time, the medians and their ratio; returns the medians.

    With `data_dir` the warehouse and its serving copy are left there (the dashboard
    benchmark renders pages on them); otherwise in a temporary directory, removed after."""
    proc, url = start_simulator("--stores", str(stores), "--days", str(days), "--scale", str(scale))
    fulls: list[BuildTime] = []
    incrementals: list[BuildTime] = []
    try:
        world = httpx.get(f"{url}/_sim/health", timeout=30).json()["world"]
        with tempfile.TemporaryDirectory(prefix="bench-dbt-") as tmp:
            data_dir = data_dir or Path(tmp) / "data"
            _cli(url, data_dir, "extract", "--quiet", "--rate-limit", "0")
            for n in range(1, full_builds + 1):
                fulls.append(_timed_build(f"full build {n}", url, data_dir, "--full-refresh"))
            for n in range(1, incremental_days + 1):
                httpx.post(f"{url}/_sim/advance", params={"hours": 24}, timeout=120)
                _cli(url, data_dir, "extract", "--quiet", "--rate-limit", "0")
                incrementals.append(_timed_build(f"incremental, day +{n}", url, data_dir))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    full, incremental = _median(fulls), _median(incrementals)
    print(
        f"simulator: {stores} stores, {days} days, scale {scale:g}: {world['orders']:,} orders, "
        f"{world['order_lines']:,} order lines; `sitoo-wh build` wall time incl. start-up"
    )
    for t in fulls + incrementals:
        print(_line(t))
    print(
        f"  median full build {full.seconds:6.1f} s   vs {GOAL_FULL_SECONDS:.0f} s goal "
        f"{full.seconds / GOAL_FULL_SECONDS:4.2f}"
    )
    print(
        f"  median incremental {incremental.seconds:5.1f} s   incremental / full: "
        f"{incremental.seconds / full.seconds:4.2f}   (goal <= {GOAL_INCREMENTAL_RATIO})"
    )
    if incremental.dbt_seconds and full.dbt_seconds:
        print(
            f"  dbt build alone (no interpreter start-up, no publish): incremental / full "
            f"{incremental.dbt_seconds / full.dbt_seconds:4.2f}"
        )
    print(
        f"  spread: full {statistics.pstdev(t.seconds for t in fulls):.1f} s, "
        f"incremental {statistics.pstdev(t.seconds for t in incrementals):.1f} s (population sd)"
    )
    return full, incremental


if __name__ == "__main__":
    run(float(sys.argv[1])) if len(sys.argv) > 1 else run()
