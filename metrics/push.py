"""A push: compute, reconcile definitions, diff against Sitoo, write only what changed.

Every check that can stop a push (queries, definition conflicts) runs before the first write,
so a refused push leaves Sitoo as it was. Writes go in batches; a batch Sitoo refuses is split
in halves until the values it refuses are pinpointed, so one bad value does not keep the
others from the dashboard and the report names each one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb

from extract.errors import ApiError, AuthError, FatalApiError, RetriableApiError, one_line
from metrics.client import CustomMetricsApi, items_refused
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


def create(api: CustomMetricsApi, definition: MetricDefinition) -> None:
    """Create the metric. A POST is retried when its answer is lost, and the retry of one that
    did create the metric is refused ("already exists"); finding it there with our definition
    is success, so a flaky network never fails a push half-way."""
    try:
        api.create(definition)
    except FatalApiError as err:
        if err.status != 400:
            raise
        existing = api.list_metrics([definition.key]).get(definition.key)
        if existing is None or differs(definition, existing):
            raise


class MetricApiError(RuntimeError):
    """A Sitoo request failed while handling one metric; the message names it (and the request)."""

    def __init__(self, key: str | None, error: ApiError) -> None:
        self.key = key
        self.error = error
        where = f"metric {key}" if key else f"listing the metrics {error.request}"
        super().__init__(f"{where}: {error}" if key else f"{where}: {one_line(error.message)}")


@contextmanager
def _about(key: str | None) -> Iterator[None]:
    try:
        yield
    except ApiError as err:
        raise MetricApiError(key, err) from err


@dataclass(frozen=True)
class MetricPlan:
    """One metric before any write: what the warehouse would push and what Sitoo holds now."""

    definition: MetricDefinition
    desired: list[MetricValue]
    current: list[MetricValue]
    """Sitoo's values in the period; empty for a missing or conflicting metric (not read)."""
    remote: dict[str, Any] | None
    """Sitoo's definition of the metric, None when it does not exist yet."""
    plan: Plan

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def conflict(self) -> bool:
        return self.remote is not None and differs(self.definition, self.remote)


def prepare(
    api: CustomMetricsApi,
    con: duckdb.DuckDBPyConnection,
    definitions: Sequence[MetricDefinition],
    period: Period,
) -> list[MetricPlan]:
    """Compute every metric and read what Sitoo holds, writing nothing: a push's first half,
    and the dashboard page's preview."""
    desired = {d.key: compute(con, d, period) for d in definitions}
    with _about(None):
        existing = api.list_metrics([d.key for d in definitions])
    plans = []
    for definition in definitions:
        remote = existing.get(definition.key)
        current: list[MetricValue] = []
        if remote is not None and not differs(definition, remote):
            with _about(definition.key):
                current = api.get_values(definition, period.start, period.end)
        plans.append(
            MetricPlan(
                definition,
                desired[definition.key],
                current,
                remote,
                diff(desired[definition.key], current),
            )
        )
    return plans


def push(
    api: CustomMetricsApi,
    con: duckdb.DuckDBPyConnection,
    definitions: Sequence[MetricDefinition],
    period: Period,
    *,
    dry_run: bool = False,
    recreate: bool = False,
    say: Callable[[str], None] = lambda _: None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> PushReport:
    """Push the definitions' values for the period; see the module docstring.

    `progress(done, total)` follows the values written (or refused) across all metrics.
    """
    plans = prepare(api, con, definitions, period)
    conflicts = [(p.definition, p.remote) for p in plans if p.conflict and p.remote is not None]
    if conflicts and not recreate:
        raise MetricConflict(conflicts)
    report = PushReport(period, dry_run)
    total = 0 if dry_run else sum(len(p.plan.changes) for p in plans)
    done = 0
    for item in plans:
        definition, plan = item.definition, item.plan
        result = MetricResult(definition.key, desired=len(item.desired))
        report.results.append(result)
        with _about(definition.key):
            if item.conflict:
                result.recreated = True
                say(f"{definition.key}: re-creating (its values in Sitoo are deleted)")
                if not dry_run:
                    api.delete(definition.key)
                    create(api, definition)
            elif item.remote is None:
                result.created = True
                say(f"{definition.key}: creating {_shape(definition.remote())}")
                if not dry_run:
                    create(api, definition)
            _show(definition.key, plan, result, say)
            if dry_run or not plan.changes:
                continue
            values = [c.new for c in plan.changes]
            for batch in api.batches(values):
                write_batch(api, batch, result)
                done += len(batch)
                progress(done, total)
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
    "one or more of the requested items could not be inserted" (any other 500 that outlived
    the retries is an outage and stops the push)."""
    if isinstance(err, AuthError):
        return False
    if isinstance(err, FatalApiError):
        return err.status == 400
    return isinstance(err, RetriableApiError) and items_refused(err)


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
