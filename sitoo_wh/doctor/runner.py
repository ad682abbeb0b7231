"""Run the checks in order, skip what an earlier failure makes pointless, print the report.

Network checks come first because they need only the configuration; the file checks run even
when the configuration is incomplete, since the data directory is known from its default.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, TextIO

import httpx

from sitoo_wh.doctor.configuration import check_configuration
from sitoo_wh.doctor.files import (
    DISK,
    LEFTOVERS,
    SERVING,
    WAREHOUSE,
    DiskUsage,
    check_disk,
    check_leftovers,
    check_serving,
    check_warehouse,
)
from sitoo_wh.doctor.history import NAME as LAST_RUN
from sitoo_wh.doctor.history import check_last_run
from sitoo_wh.doctor.model import CheckResult, Verdict, skipped
from sitoo_wh.doctor.network import (
    CLOCK,
    CREDENTIALS,
    JOURNALS,
    REACHABILITY,
    ClockSample,
    HostProbe,
    check_clock,
    check_credentials,
    check_journals,
    check_reachability,
    make_client,
    probe_host,
)

DEFAULT_TIMEOUT: Final = 5.0
"""Seconds per network step: enough for a distant region, short enough to diagnose a hang."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Report:
    data_dir: Path
    results: list[CheckResult]

    @property
    def exit_code(self) -> int:
        """1 when any check failed; warnings and skips alone keep cron's exit status 0."""
        return 1 if any(r.verdict is Verdict.FAIL for r in self.results) else 0

    def counts(self) -> Counter[Verdict]:
        return Counter(r.verdict for r in self.results)


def _guarded(name: str, check: Callable[[], CheckResult]) -> CheckResult:
    """A bug in one check must not swallow the report of the others."""
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - reported as the check's verdict
        return CheckResult(
            name,
            Verdict.FAIL,
            f"the check itself failed: {type(exc).__name__}: {exc}",
            "please report this with the output of `sitoo-wh -v doctor`",
        )


def run_checks(
    env: Mapping[str, str] | None = None,
    *,
    config_file: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    now: Callable[[], datetime] = _utc_now,
    disk_usage: Callable[[Path], DiskUsage] = shutil.disk_usage,
    probe: Callable[[str, float], HostProbe] = probe_host,
    transport: httpx.BaseTransport | None = None,
) -> Report:
    """Every check, in the order a person would fix things; results are already redacted."""
    config = check_configuration(os.environ if env is None else env, config_file)
    redact = config.redactor
    results = [config.result]
    settings = config.settings
    if settings is None:
        why = "the configuration is incomplete or invalid"
        results += [skipped(n, why) for n in (REACHABILITY, CREDENTIALS, JOURNALS, CLOCK)]
    else:
        reach, probes = check_reachability(
            [settings.base_url, settings.journals_url], timeout, probe=probe
        )
        results.append(reach)
        v2_up, journals_up = probes[0].reachable, probes[1].reachable
        if not v2_up:
            why = f"{probes[0].host}:{probes[0].port} is unreachable"
            results += [skipped(n, why) for n in (CREDENTIALS, JOURNALS, CLOCK)]
        else:
            sample: ClockSample | None = None
            with make_client(settings, timeout, transport) as client:
                credentials = check_credentials(settings, client, redact, now)
                results.append(credentials.result)
                sample = credentials.sample
                if not journals_up:
                    why = f"{probes[1].host}:{probes[1].port} is unreachable"
                    results.append(skipped(JOURNALS, why))
                elif not credentials.authenticated:
                    results.append(skipped(JOURNALS, "the v2 API did not accept the credentials"))
                else:
                    results.append(
                        _guarded(JOURNALS, lambda: check_journals(settings, client, redact, now))
                    )
            results.append(check_clock(sample, "the API did not answer"))
    data_dir = config.data_dir
    results += [
        _guarded(DISK, lambda: check_disk(data_dir, disk_usage)),
        _guarded(WAREHOUSE, lambda: check_warehouse(data_dir / "warehouse.duckdb", redact)),
        _guarded(SERVING, lambda: check_serving(data_dir / "serving.duckdb", redact)),
        _guarded(LEFTOVERS, lambda: check_leftovers(data_dir)),
        _guarded(LAST_RUN, lambda: check_last_run(data_dir, now(), redact)),
    ]
    return Report(data_dir, [r.redacted(redact) for r in results])


_NAME_WIDTH: Final = 16


def render_text(report: Report) -> str:
    """One line per check; the fix on an indented line under anything not OK."""
    lines = [f"sitoo-wh doctor (data dir {report.data_dir})"]
    for result in report.results:
        lines.append(f"{result.verdict.value:<5} {result.name:<{_NAME_WIDTH}} {result.message}")
        if result.fix and result.verdict is not Verdict.OK:
            lines.append(f"{'':<5} {'':<{_NAME_WIDTH}} fix: {result.fix}")
    counts = report.counts()
    lines.append(
        f"{counts[Verdict.FAIL]} failed, {counts[Verdict.WARN]} warning(s), "
        f"{counts[Verdict.OK]} ok, {counts[Verdict.SKIP]} skipped"
    )
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    """For monitoring: the same results, machine-readable."""
    document = {
        "ok": report.exit_code == 0,
        "exit_code": report.exit_code,
        "data_dir": str(report.data_dir),
        "checks": [r.as_dict() for r in report.results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds per network step (default {DEFAULT_TIMEOUT:g})",
    )


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    report = run_checks(timeout=args.timeout)
    stream = out or sys.stdout
    stream.write(render_json(report) if args.json else render_text(report))
    stream.flush()
    return report.exit_code
