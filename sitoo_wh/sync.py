"""`sitoo-wh sync`: extract, then build and publish — the one command cron runs.

A failed stream does not stop the build: what did land is committed with its cursor, and
the marts of every other stream are worth refreshing. The command still exits 1 so the
failure is noticed (docs/decisions.md). An extract that cannot run at all (configuration,
the warehouse held by another writer) stops before the build.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from extract import cli as extract_cli
from extract.landing import LandingError
from extract.progress import make_console
from sitoo_wh import build
from sitoo_wh.config import Settings, load_settings

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The extract flags; `--full-refresh` also rebuilds incremental models from scratch."""
    extract_cli.add_arguments(parser)


def sync(
    settings: Settings,
    args: argparse.Namespace,
    build_callbacks: Sequence[Callable[[Any], None]] = (),
) -> int:
    """Extract + build + publish; 0 only if every step succeeded. `build_callbacks` receive
    dbt's events (the demo's progress bar)."""
    try:
        results = extract_cli.extract_with_output(settings, args, make_console())
    except LandingError as err:
        sys.stderr.write(f"sitoo-wh: sync: extract could not run, nothing built: {err}\n")
        return 1
    extract_code = extract_cli.exit_code(results)
    if extract_code:
        failed = ", ".join(r.stream for r in results if r.outcome == "failed")
        sys.stderr.write(f"sitoo-wh: sync: stream(s) {failed} failed; building on what landed\n")
    build_args = argparse.Namespace(
        full_refresh=args.full_refresh,
        select=None,
        quiet=args.quiet or bool(build_callbacks),  # a progress bar instead of dbt's lines
        json_log=args.json_log,
    )
    build_code = build.report_build(settings, build_args, build_callbacks)
    return build_code or extract_code


def run(args: argparse.Namespace) -> int:
    return sync(load_settings(), args)
