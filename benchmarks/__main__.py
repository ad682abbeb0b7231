"""`make bench`: every benchmark, one after the other, in one process."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks import (
    dashboard_render,
    dbt_build,
    extract_memory,
    extract_throughput,
    simulator_serving,
)


def main() -> None:
    print("== Simulator serving rate (goal: warm >= 20,000 orders/s in pages of 1,000)")
    simulator_serving.run()
    print()
    print(
        "== Extract throughput (goals: >= 0.9 of the R x page-size ceiling with 100 ms latency; "
        ">= 3x dlt's rest_api; >= 0.25 of DuckDB landing the same records from local NDJSON)"
    )
    extract_throughput.run()
    print()
    print("== Extract peak memory (goals: <= 400 MB, and <= 1.2x at four times the data)")
    extract_memory.run()
    print()
    with tempfile.TemporaryDirectory(prefix="bench-1m-") as tmp:
        data_dir = Path(tmp) / "data"
        print("== dbt build at ~1M order lines (goals: full < 60 s; incremental <= 0.15 of full)")
        dbt_build.run(data_dir=data_dir)
        print()
        print(
            "== Dashboard server-side render time per page at ~1M order lines "
            "(goals: p95 warm < 1 s, cold < 3 s)"
        )
        dashboard_render.run(data_dir)


if __name__ == "__main__":
    main()
