"""Desired metric values from `serving.duckdb`, opened read-only so a push never blocks a sync."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import duckdb

from metrics.budget import BudgetRow
from metrics.definitions import BUDGET_TABLE, MetricDefinition
from metrics.values import MetricValue, MetricValueError, Series, decimal_of, rounded


class ComputeError(RuntimeError):
    """A metric query failed or returned rows that cannot be values; names the metric."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")


def connect(serving: Path) -> duckdb.DuckDBPyConnection:
    if not serving.is_file():
        raise ComputeError(f"{serving} does not exist: run `sitoo-wh sync` (or build) first")
    return duckdb.connect(str(serving), read_only=True)


def known_stores(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {s for (s,) in con.execute("SELECT store_external_id FROM marts.dim_store").fetchall()}


def latest_business_date(con: duckdb.DuckDBPyConnection) -> date | None:
    row = con.execute("SELECT max(business_date) FROM marts.fct_sales_daily").fetchone()
    return None if row is None else row[0]


def load_budget(con: duckdb.DuckDBPyConnection, rows: Iterable[BudgetRow]) -> None:
    """The budget as a temporary table, so budget metrics are SQL like every other."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {BUDGET_TABLE} "
        "(date DATE, store_id VARCHAR, amount DECIMAL(18, 2))"
    )
    data = [(r.day, r.store, r.amount) for r in rows]
    if data:
        con.executemany(f"INSERT INTO {BUDGET_TABLE} VALUES (?, ?, ?)", data)  # noqa: S608


def compute(
    con: duckdb.DuckDBPyConnection, definition: MetricDefinition, period: Period
) -> list[MetricValue]:
    """Run the definition's query for the period and shape its rows into values."""
    try:
        result = con.execute(definition.query, {"start": period.start, "end": period.end})
        rows = result.fetchall()
    except duckdb.Error as err:
        raise ComputeError(f"metric {definition.key}: the query failed: {err}") from None
    try:
        if definition.type == "scalar":
            return [_scalar(definition, row) for row in rows]
        return _series(definition, rows)
    except MetricValueError as err:
        raise ComputeError(f"metric {definition.key}: {err}") from None


def _slot(definition: MetricDefinition, row: Sequence[Any]) -> tuple[date | None, str | None]:
    if len(row) < 2:
        raise MetricValueError("the query must return date and store_id first")
    raw_day, raw_store = row[0], row[1]
    day = raw_day if isinstance(raw_day, date) else None
    if definition.by_date and day is None:
        raise MetricValueError(f"grouping {definition.grouping} needs a date, got {raw_day!r}")
    store = str(raw_store) if raw_store is not None and str(raw_store) else None
    if definition.by_store and store is None:
        raise MetricValueError(f"grouping {definition.grouping} needs a store_id")
    return (day if definition.by_date else None, store if definition.by_store else None)


def _number(definition: MetricDefinition, raw: Any) -> Decimal:
    return rounded(decimal_of(raw), definition.decimals)


def _scalar(definition: MetricDefinition, row: Sequence[Any]) -> MetricValue:
    day, store = _slot(definition, row)
    if len(row) == 3:
        return MetricValue(definition.key, day, store, scalar=_number(definition, row[2]))
    if len(row) == 4:
        numerator, denominator = decimal_of(row[2]), decimal_of(row[3])
        if denominator == 0:
            raise MetricValueError(f"{day} {store}: the ratio's denominator is 0")
        with localcontext() as ctx:
            ctx.prec = 40
            ratio = numerator / denominator
        return MetricValue(definition.key, day, store, scalar=rounded(ratio, definition.decimals))
    raise MetricValueError(
        "a scalar query returns (date, store_id, value) or (date, store_id, numerator, "
        f"denominator), got {len(row)} columns"
    )


def _series(definition: MetricDefinition, rows: Iterable[Sequence[Any]]) -> list[MetricValue]:
    grouped: dict[tuple[date | None, str | None], list[Sequence[Any]]] = {}
    for row in rows:
        if len(row) != 6:
            raise MetricValueError(
                "a series query returns (date, store_id, label, value, total_count, "
                f"total_value), got {len(row)} columns"
            )
        grouped.setdefault(_slot(definition, row), []).append(row)
    out = []
    for (day, store), items in grouped.items():
        first = items[0]
        series = Series(
            total_count=int(first[4]),
            total_value=_number(definition, first[5]),
            points=tuple((str(r[2]), _number(definition, r[3])) for r in items),
        )
        out.append(MetricValue(definition.key, day, store, series=series))
    return out
