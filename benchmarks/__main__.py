"""`make bench`: every benchmark, one after the other, in one process."""

from __future__ import annotations

from benchmarks import simulator_serving


def main() -> None:
    print("== Simulator serving rate (goal: warm >= 20,000 orders/s in pages of 1,000)")
    simulator_serving.run()


if __name__ == "__main__":
    main()
