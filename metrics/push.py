"""A push: compute, reconcile definitions, diff against Sitoo, write only what changed.

Every check that can stop a push (queries, definition conflicts) runs before the first write,
so a refused push leaves Sitoo as it was. Writes go in batches; a batch Sitoo refuses is split
in halves until the values it refuses are pinpointed, so one bad value does not keep the
others from the dashboard and the report names each one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from extract.errors import AuthError, FatalApiError, RetriableApiError
from metrics.client import CustomMetricsApi
from metrics.compute import Period, compute
from metrics.definitions import MetricDefinition
from metrics.diff import Plan, diff
from metrics.values import MetricValue

SHOWN_CHANGES = 20
"""Changes listed per metric; the rest are counted, so a first push does not flood the tty."""


class MetricConflict(RuntimeError):
    """Sitoo holds a metric under the same key with another definition (metrics are immutable)."""

    def __init__(self, conflicts: Sequence[tuple[MetricDefinition, dict[str, Any]]]) -> None:
        self.keys = [d.key for d, _ in conflicts]
        lines = [
            f"  {d.key}: Sitoo has {_shape(remote)}, the definition says {_shape(d.remote())}"
            for d, remote in conflicts
        ]
        super().__init__(
            "metric definitions differ from Sitoo's, and Sitoo metrics cannot be changed:\n"
            + "\n".join(lines)
            + "\nNothing was written. Run again with --recreate to delete and re-create "
            "these metrics; that also deletes every value they hold in Sitoo."
        )


def _shape(doc: dict[str, Any]) -> str:
    return "/".join(str(doc.get(k, "number" if k == "format" else "?")) for k in _SHAPE)


_SHAPE = ("grouping", "type", "format")


@dataclass
class MetricResult:
    key: str
    desired: int = 0
    unchanged: int = 0
    added: int = 0
    updated: int = 0
    extra: int = 0
    written: int = 0
    created: bool = False
    recreated: bool = False
    failed: list[tuple[MetricValue, str]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return "failed" if self.failed else "ok"


@dataclass
class PushReport:
    period: Period
    dry_run: bool
    results: list[MetricResult] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(len(r.failed) for r in self.results)

    @property
    def written(self) -> int:
        return sum(r.written for r in self.results)


def differs(definition: MetricDefinition, remote: dict[str, Any]) -> bool:
    """Whether Sitoo's metric is another definition than ours (a missing format is `number`)."""
    ours = definition.remote()
    return any(str(remote.get(k, "number" if k == "format" else "")) != ours[k] for k in _SHAPE)


def push(
    api: CustomMetricsApi,
    con: duckdb.DuckDBPyConnection,
    definitions: Sequence[MetricDefinition],
    period: Period,
    *,
    dry_run: bool = False,
    recreate: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> PushReport:
    """Push the definitions' values for the period; see the module docstring."""
    desired = {d.key: compute(con, d, period) for d in definitions}
    existing = api.list_metrics([d.key for d in definitions])
    conflicts = [(d, existing[d.key]) for d in definitions if d.key in existing]
    conflicts = [(d, remote) for d, remote in conflicts if differs(d, remote)]
    if conflicts and not recreate:
        raise MetricConflict(conflicts)
    report = PushReport(period, dry_run)
    conflicting = {d.key for d, _ in conflicts}
    for definition in definitions:
        result = MetricResult(definition.key, desired=len(desired[definition.key]))
        report.results.append(result)
        fresh = definition.key in conflicting or definition.key not in existing
        if definition.key in conflicting:
            result.recreated = True
            say(f"{definition.key}: re-creating (its values in Sitoo are deleted)")
            if not dry_run:
                api.delete(definition.key)
                api.create(definition)
        elif definition.key not in existing:
            result.created = True
            say(f"{definition.key}: creating {_shape(definition.remote())}")
            if not dry_run:
                api.create(definition)
        current = [] if fresh else api.get_values(definition, period.start, period.end)
        plan = diff(desired[definition.key], current)
        _show(definition.key, plan, result, say)
        if dry_run or not plan.changes:
            continue
        values = [c.new for c in plan.changes]
        for batch in api.batches(values):
            write_batch(api, batch, result)
        for value, message in result.failed:
            say(f"{definition.key}: FAILED {value.describe()}: {message}")
    return report


def _show(key: str, plan: Plan, result: MetricResult, say: Callable[[str], None]) -> None:
    result.unchanged, result.added, result.updated = plan.unchanged, plan.added, plan.updated
    result.extra = plan.extra
    say(
        f"{key}: {result.desired} values, {plan.unchanged} unchanged, {plan.added} new, "
        f"{plan.updated} changed"
        + (f", {plan.extra} in Sitoo not produced any more (left alone)" if plan.extra else "")
    )
    for change in plan.changes[:SHOWN_CHANGES]:
        say(f"  {change.describe()}")
    if len(plan.changes) > SHOWN_CHANGES:
        say(f"  … and {len(plan.changes) - SHOWN_CHANGES} more")


def _refused(err: Exception) -> bool:
    """A refusal of the items themselves: 400 naming an item, or the documented 500
    "one or more of the requested items could not be inserted" still there after retries."""
    if isinstance(err, AuthError):
        return False
    if isinstance(err, FatalApiError):
        return err.status == 400
    return isinstance(err, RetriableApiError) and err.status == 500


def write_batch(api: CustomMetricsApi, batch: Sequence[MetricValue], result: MetricResult) -> None:
    """PUT the batch; if Sitoo refuses it, bisect to find the values it refuses."""
    try:
        api.put(batch)
    except (FatalApiError, RetriableApiError) as err:
        if not _refused(err):
            raise
        if len(batch) == 1:
            result.failed.append((batch[0], err.message))
            return
        middle = len(batch) // 2
        write_batch(api, batch[:middle], result)
        write_batch(api, batch[middle:], result)
        return
    result.written += len(batch)
