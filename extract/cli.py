"""`sitoo-wh extract`: pull everything reports need from Sitoo into warehouse.duckdb."""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import logging
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from typing import Final

from rich.console import Console

from extract import streams as S
from extract.http import ApiClient
from extract.landing import Landing
from extract.progress import JsonLogProgress, RichProgress, make_console, summary_table
from extract.ratelimit import AdaptiveRateLimiter
from extract.retry import RetryPolicy
from extract.runner import (
    ExtractOptions,
    Extractor,
    NullProgress,
    Progress,
    StreamResult,
    new_run_id,
)
from sitoo_wh.config import Settings, load_settings

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stream",
        action="append",
        choices=sorted(S.ALL_STREAMS),
        help="land only this stream (repeatable); default: all",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="ignore stored cursors and read everything again (upserts)",
    )
    parser.add_argument(
        "--since",
        type=date.fromisoformat,
        help="first-load lower bound for time-based streams (YYYY-MM-DD)",
    )
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=10.0,
        help="requests per second to the Sitoo API (0 = unlimited)",
    )
    parser.add_argument("--workers", type=int, default=8, help="concurrent requests")
    parser.add_argument("--window", type=int, default=4, help="pages of one stream in flight")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=10,
        help="failed tries (5xx, dropped connections, bad bodies) per request before a stream fails",
    )
    parser.add_argument(
        "--max-throttled",
        type=int,
        default=30,
        help="429 answers per request before a stream fails (throttling is counted apart)",
    )
    parser.add_argument(
        "--max-backoff",
        type=float,
        default=30.0,
        help="longest wait between tries, in seconds (Retry-After may ask more)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json-log", action="store_true", help="JSON lines instead of bars")
    output.add_argument("--quiet", action="store_true", help="no progress output")


def options_from_args(args: argparse.Namespace) -> ExtractOptions:
    return ExtractOptions(
        streams=frozenset(args.stream) if args.stream else None,
        full_refresh=args.full_refresh,
        since=args.since,
        page_size=args.page_size,
        window=args.window,
        workers=args.workers,
    )


# Parsing a page of 1,000 orders makes ~60,000 dicts and lists; at CPython's default gen-0
# threshold (700) the cyclic collector ran ~85 times a page and took ~15 % of the extract's CPU
# (perf), all of it holding the GIL. The records have no cycles (reference counting frees
# them); 20,000 took ~8 % off a no-latency orders extract and its peak memory stayed within
# run-to-run noise, where 50,000 added ~80 MB.
_GC_THRESHOLD: Final = (20_000, 10, 10)


@contextmanager
def _bulk_allocation_gc() -> Iterator[None]:
    """Collect cycles rarely during a run, and leave the interpreter as it was found."""
    before = gc.get_threshold()
    gc.freeze()  # what is alive now (imports, settings) is never garbage: stop scanning it
    gc.set_threshold(*_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


# glibc gives each thread that allocates its own malloc arena (up to 8 per core), and freed
# memory stays resident in whichever arena freed it. The extract's threads (page workers,
# streams, registers, DuckDB) hand pages from one to another, so each arena grew to its own
# high-water mark. Two arenas took ~40 MB off the peak but cost a third of the no-latency
# throughput (lock contention); four keep ~25 MB of that at no measurable cost.
_M_ARENA_MAX: Final = -8
_MALLOC_ARENAS: Final = 4


def _limit_malloc_arenas() -> None:
    """Cap glibc's malloc arenas for the threads started from here on (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl has no mallopt)
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    mallopt(_M_ARENA_MAX, _MALLOC_ARENAS)


def run_extract(
    settings: Settings,
    options: ExtractOptions,
    *,
    rate_limit: float,
    timeout: float,
    progress: Progress,
    policy: RetryPolicy | None = None,
) -> list[StreamResult]:
    """Run one extract against the configured account; one result per stream."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _limit_malloc_arenas()
    limiter = AdaptiveRateLimiter(rate_limit, burst=max(1, int(rate_limit)))
    policy = policy or RetryPolicy()
    with ExitStack() as stack:
        stack.enter_context(_bulk_allocation_gc())
        clients = [
            stack.enter_context(
                ApiClient(
                    url,
                    settings.api_id,
                    settings.api_password,
                    limiter=limiter,
                    policy=policy,
                    timeout=timeout,
                )
            )
            for url in (settings.v2_url, settings.journals_url)
        ]
        landing = stack.enter_context(Landing(settings.warehouse_path, new_run_id()))
        return Extractor(landing, clients[0], clients[1], options, progress).run()


def exit_code(results: list[StreamResult]) -> int:
    """0 when every stream succeeded (rejected records are kept, not failures)."""
    failed = [r for r in results if r.outcome == "failed"]
    for r in failed:
        logger.error("stream %s failed: %s", r.stream, r.error)
    return 1 if failed else 0


def extract_with_output(
    settings: Settings, args: argparse.Namespace, console: Console
) -> list[StreamResult]:
    """Run with the output the flags ask for: bars and a summary, JSON lines, or nothing."""
    options = options_from_args(args)
    policy = RetryPolicy(
        max_attempts=args.max_attempts,
        max_throttled=args.max_throttled,
        max_delay=args.max_backoff,
    )

    def go(progress: Progress) -> list[StreamResult]:
        return run_extract(
            settings,
            options,
            rate_limit=args.rate_limit,
            timeout=args.timeout,
            progress=progress,
            policy=policy,
        )

    if args.json_log:
        return go(JsonLogProgress())
    if args.quiet:
        return go(NullProgress())
    with RichProgress(console) as bars:
        results = go(bars)
    console.print(summary_table(results))
    return results


def run(args: argparse.Namespace) -> int:
    console = make_console()
    return exit_code(extract_with_output(load_settings(), args, console))
