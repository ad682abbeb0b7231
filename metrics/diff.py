"""What a push has to write: desired values against what Sitoo holds. Pure, so it is tested
without a server and a dry run shows exactly what a real run would send."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from metrics.values import MetricValue, Slot


@dataclass(frozen=True)
class Change:
    """A value to write: `old` is None for a new slot."""

    new: MetricValue
    old: MetricValue | None

    def describe(self) -> str:
        def shown(v: MetricValue | None) -> str:
            if v is None:
                return "(none)"
            if v.scalar is not None:
                return str(v.scalar)
            if v.series is not None:
                items = ", ".join(f"{label} {value}" for label, value in v.series.points)
                return f"[{items}] of {v.series.total_count} ({v.series.total_value})"
            return "(empty)"

        return f"{self.new.describe()}: {shown(self.old)} -> {shown(self.new)}"


@dataclass(frozen=True)
class Plan:
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    extra: int = 0
    """Values Sitoo holds in the period that the warehouse no longer produces (left alone)."""

    @property
    def added(self) -> int:
        return sum(1 for c in self.changes if c.old is None)

    @property
    def updated(self) -> int:
        return sum(1 for c in self.changes if c.old is not None)


def diff(desired: Iterable[MetricValue], current: Iterable[MetricValue]) -> Plan:
    """Changes that make Sitoo hold `desired`; equal values (any scale) are no-ops."""
    held: dict[Slot, MetricValue] = {v.slot: v for v in current}
    changes: list[Change] = []
    unchanged = 0
    wanted: set[Slot] = set()
    for value in desired:
        if value.slot in wanted:
            raise ValueError(f"two values for the same slot: {value.describe()}")
        wanted.add(value.slot)
        old = held.get(value.slot)
        if old is not None and old.same_value(value):
            unchanged += 1
        else:
            changes.append(Change(value, old))
    extra = sum(1 for slot in held if slot not in wanted)
    return Plan(changes, unchanged, extra)
