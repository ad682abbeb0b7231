"""The Custom metrics page's work: the CLI's own push (`metrics.session`, `metrics.push`,
`metrics.log`), driven from the page, so a push from here writes exactly what
`sitoo-wh metrics push` would write for the same metrics and period.

The page only picks metrics and the period and shows tables; nothing here decides what to
write. Credentials come from the same settings as the CLI and are never shown: messages are
the push's own, which redact them, and a configuration error is shown without any URL userinfo.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import pandas as pd

from metrics import log, session
from metrics.client import CustomMetricsApi
from metrics.compute import Period
from metrics.definitions import MetricDefinition
from metrics.push import MetricPlan, PushReport, prepare, push
from metrics.values import MetricValue, number_text
from sitoo_wh.config import ConfigError, Settings, load_settings

CONFIRM_TEXT: Final = "I understand this writes to Sitoo"
STATUSES: Final = ("new", "changed", "unchanged", "only in Sitoo")
_USERINFO = re.compile(r"//[^/@\s]*@")


class NotConfigured(Exception):
    """No usable Sitoo credentials: the message says which settings to provide."""


def credentials(config_file: Path | None = None) -> Settings:
    """The account settings the CLI uses (environment over `sitoo-wh.toml`)."""
    try:
        return load_settings(config_file=config_file)
    except ConfigError as err:
        raise NotConfigured(_USERINFO.sub("//…@", str(err))) from None


def definitions_file() -> Path | None:
    return session.env_path(session.DEFINITIONS_ENV)


def load_definitions() -> list[MetricDefinition]:
    """Built-ins plus the definitions file if one is configured (DefinitionError if bad)."""
    return session.definitions(definitions_file())


def offered(
    definitions: Sequence[MetricDefinition], budget_file: Path | None
) -> tuple[list[MetricDefinition], list[MetricDefinition]]:
    """(metrics the page can push, budget metrics left out for want of a budget file)."""
    if budget_file is not None:
        return list(definitions), []
    return [d for d in definitions if not d.needs_budget], [
        d for d in definitions if d.needs_budget
    ]


@dataclass(frozen=True)
class Request:
    """What a preview or push covers; a preview is shown only for the request it was made for."""

    keys: tuple[str, ...]
    start: date
    end: date

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)


def _chosen(definitions: Sequence[MetricDefinition], request: Request) -> list[MetricDefinition]:
    by_key = {d.key: d for d in definitions}
    return [by_key[k] for k in request.keys]


def preview(
    settings: Settings,
    serving: Path,
    budget_file: Path | None,
    definitions: Sequence[MetricDefinition],
    request: Request,
) -> list[MetricPlan]:
    """What a push would write next to what Sitoo holds; reads only."""
    with (
        session.open_serving(serving, budget_file) as con,
        session.open_client(settings) as client,
    ):
        return prepare(CustomMetricsApi(client), con, _chosen(definitions, request), request.period)


@dataclass
class Outcome:
    """A push as the page shows it: the report, Sitoo's values read back, the log rows."""

    report: PushReport
    after: list[MetricPlan]
    messages: list[str] = field(default_factory=list)
    log_rows: list[dict[str, object]] = field(default_factory=list)
    log_error: str | None = None


def run_push(
    settings: Settings,
    serving: Path,
    budget_file: Path | None,
    definitions: Sequence[MetricDefinition],
    request: Request,
    progress: Callable[[int, int], None],
) -> Outcome:
    """`metrics.push.push` (never recreating), then a read-back and the push log, as the CLI."""
    started = datetime.now(UTC)
    chosen = _chosen(definitions, request)
    messages: list[str] = []
    with (
        session.open_serving(serving, budget_file) as con,
        session.open_client(settings) as client,
    ):
        api = CustomMetricsApi(client)
        report = push(api, con, chosen, request.period, say=messages.append, progress=progress)
        after = prepare(api, con, chosen, request.period)
    outcome = Outcome(report, after, messages)
    try:
        push_id = log.write(settings.data_dir, report, started)
        outcome.log_rows = log.rows(settings.data_dir, push_id)
    except log.PushLogLockedError as err:
        outcome.log_error = str(err)
    return outcome


def value_text(value: MetricValue | None) -> str:
    """A value as the push would send it (no trailing zeros: 40250.50 shows as Sitoo's 40250.5)."""
    if value is None:
        return ""
    if value.scalar is not None:
        return number_text(value.scalar)
    if value.series is not None:
        items = ", ".join(f"{label} {number_text(v)}" for label, v in value.series.points)
        total = number_text(value.series.total_value)
        return f"{items} (of {value.series.total_count}, total {total})"
    return ""


def state(plan: MetricPlan) -> str:
    if plan.remote is None:
        return "to be created"
    return "definition differs" if plan.conflict else "exists"


def summary(plans: Sequence[MetricPlan]) -> pd.DataFrame:
    """One row per metric: whether Sitoo has it and the diff counts."""
    return pd.DataFrame(
        [
            {
                "metric": p.key,
                "in_sitoo": state(p),
                "values": len(p.desired),
                "new": p.plan.added,
                "changed": p.plan.updated,
                "unchanged": p.plan.unchanged,
                "only_in_sitoo": p.plan.extra,
            }
            for p in plans
        ],
        columns=["metric", "in_sitoo", "values", "new", "changed", "unchanged", "only_in_sitoo"],
    )


def totals(plans: Sequence[MetricPlan]) -> dict[str, int]:
    return {
        "new": sum(p.plan.added for p in plans),
        "changed": sum(p.plan.updated for p in plans),
        "unchanged": sum(p.plan.unchanged for p in plans),
    }


def comparison(plans: Sequence[MetricPlan]) -> pd.DataFrame:
    """Every slot: the warehouse's value next to Sitoo's and what a push does with it."""
    records = []
    for p in plans:
        held = {v.slot: v for v in p.current}
        wanted = set()
        for value in p.desired:
            wanted.add(value.slot)
            old = held.get(value.slot)
            status = "new" if old is None else "unchanged" if old.same_value(value) else "changed"
            records.append(_record(value, value, old, status))
        records.extend(
            _record(v, None, v, "only in Sitoo") for slot, v in held.items() if slot not in wanted
        )
    return pd.DataFrame(
        records, columns=["metric", "date", "store", "warehouse", "sitoo", "status"]
    )


def _record(
    where: MetricValue, ours: MetricValue | None, theirs: MetricValue | None, status: str
) -> dict[str, str]:
    return {
        "metric": where.key,
        "date": where.day.isoformat() if where.day else "",
        "store": where.store_id or "",
        "warehouse": value_text(ours),
        "sitoo": value_text(theirs),
        "status": status,
    }


def conflict_help(keys: Sequence[str], request: Request, budget_file: Path | None) -> str:
    """Why the page stops, and the CLI command that would replace the metrics."""
    return (
        "Sitoo metrics cannot be changed once created, so this page does not write them. "
        "To replace them, run on the command line:\n\n"
        f"`sitoo-wh metrics push --metrics {' '.join(keys)} --from {request.start} "
        f"--to {request.end}{f' --budget {budget_file}' if budget_file else ''} --recreate`\n\n"
        "That deletes each of these metrics in Sitoo, with every value it holds (for all "
        "dates, not just this period), and creates it again from the definition."
    )
