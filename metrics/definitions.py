"""Metric definitions: the built-ins and a TOML file of the user's own, validated up front.

Sitoo metrics are immutable (core §4), so a definition is checked before anything is created:
a bad grouping discovered after the create would need a delete that also loses the values.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

GROUPINGS: Final = ("none", "date", "store", "date_store")
TYPES: Final = ("scalar", "series")
FORMATS: Final = ("number", "integer", "money", "percent")
KEY_PATTERN: Final = re.compile(r"^cm_[A-Za-z0-9_]{1,60}$")
DEFAULT_DECIMALS: Final = {"money": 2, "integer": 0, "percent": 2, "number": 2}
BUDGET_TABLE: Final = "budget"
"""Temporary table (`date`, `store_id`, `amount`) holding the budget file during a push."""


class DefinitionError(ValueError):
    """A metric definition cannot be used; the message names the key and the field."""


@dataclass(frozen=True)
class MetricDefinition:
    """One metric: what Sitoo stores about it (key, grouping, type, format) and its query.

    A scalar query returns rows `(date, store_id, value)`, or `(date, store_id, numerator,
    denominator)` for a ratio divided exactly here (DuckDB divides decimals as doubles, which
    can round a half-cent the wrong way); a series query returns one row per
    series element `(date, store_id, label, value, total_count, total_value)`. `date` or
    `store_id` is NULL where the grouping does not use it. `$start` and `$end` are the period.
    """

    key: str
    grouping: str
    type: str
    format: str
    query: str
    description: str = ""
    decimals: int = 2
    needs_budget: bool = False

    def remote(self) -> dict[str, str]:
        """The CustomMetric object as Sitoo stores it, to create it or compare with it."""
        return {
            "key": self.key,
            "grouping": self.grouping,
            "type": self.type,
            "format": self.format,
        }

    @property
    def by_date(self) -> bool:
        return self.grouping in ("date", "date_store")

    @property
    def by_store(self) -> bool:
        return self.grouping in ("store", "date_store")


def validate(
    key: Any,
    grouping: Any,
    type_: Any,
    fmt: Any,
    query: Any,
    *,
    description: Any = "",
    decimals: Any = None,
    where: str = "definition",
) -> MetricDefinition:
    """A checked definition, or DefinitionError naming what is wrong."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise DefinitionError(
            f"{where}: key must start with 'cm_' and use only letters, digits and '_' "
            f"(at most 63 characters), got {key!r}"
        )
    where = f"{where} {key}"
    if grouping not in GROUPINGS:
        raise DefinitionError(f"{where}: grouping must be one of {', '.join(GROUPINGS)}")
    if type_ not in TYPES:
        raise DefinitionError(f"{where}: type must be one of {', '.join(TYPES)}")
    if fmt not in FORMATS:
        raise DefinitionError(f"{where}: format must be one of {', '.join(FORMATS)}")
    if not isinstance(query, str) or not query.strip():
        raise DefinitionError(f"{where}: query must be a non-empty SQL string")
    if not isinstance(description, str):
        raise DefinitionError(f"{where}: description must be a string")
    if decimals is None:
        places = DEFAULT_DECIMALS[str(fmt)]
    elif isinstance(decimals, int) and not isinstance(decimals, bool) and 0 <= decimals <= 6:
        places = decimals
    else:
        raise DefinitionError(f"{where}: decimals must be a whole number from 0 to 6")
    if fmt == "money" and places != 2:
        raise DefinitionError(f"{where}: money has exactly two decimals")
    if fmt == "integer" and places != 0:
        raise DefinitionError(f"{where}: integer has no decimals")
    return MetricDefinition(
        key=key,
        grouping=str(grouping),
        type=str(type_),
        format=str(fmt),
        query=query,
        description=description,
        decimals=places,
        needs_budget=re.search(rf"\b{BUDGET_TABLE}\b", query) is not None,
    )


_SALES = """
    SELECT business_date AS date, store_external_id AS store_id,
           sum(net_sales) AS net_sales, sum(gross_margin_amount) AS margin,
           sum(cost_amount) AS cost, sum(transactions) AS transactions, sum(units) AS units
    FROM marts.fct_sales_daily
    WHERE business_date BETWEEN $start AND $end
    GROUP BY ALL
"""


def _over_sales(ratio: str, where: str) -> str:
    """A per-store-and-day ratio over `_SALES` (a constant: no user text reaches this SQL)."""
    return f"SELECT date, store_id, {ratio} FROM ({_SALES}) WHERE {where}"  # noqa: S608


BUILT_INS: Final = (
    validate(
        "cm_budget_net_sales",
        "date_store",
        "scalar",
        "money",
        f"SELECT date, store_id, amount FROM {BUDGET_TABLE} "  # noqa: S608 - constants only
        "WHERE date BETWEEN $start AND $end",
        description="Daily net sales budget per store, from the budget file",
    ),
    validate(
        "cm_budget_attainment",
        "date_store",
        "scalar",
        "percent",
        f"""
        WITH s AS ({_SALES})
        SELECT b.date, b.store_id,
               100 * coalesce(s.net_sales, 0) AS numerator, b.amount AS denominator
        FROM {BUDGET_TABLE} AS b LEFT JOIN s USING (date, store_id)
        WHERE b.date BETWEEN $start AND $end AND b.amount <> 0
          AND b.date <= (SELECT max(business_date) FROM marts.fct_sales_daily)
        """,  # noqa: S608 - constants only
        description="Net sales as a percentage of the day's budget",
    ),
    validate(
        "cm_gross_margin_pct",
        "date_store",
        "scalar",
        "percent",
        _over_sales("100 * margin, net_sales", "net_sales <> 0 AND margin IS NOT NULL"),
        description="Gross margin as a percentage of net sales",
    ),
    validate(
        "cm_avg_transaction_value",
        "date_store",
        "scalar",
        "money",
        _over_sales("net_sales, transactions", "transactions > 0"),
        description="Net sales per sale receipt",
    ),
    validate(
        "cm_units_per_transaction",
        "date_store",
        "scalar",
        "number",
        _over_sales("units, transactions", "transactions > 0"),
        description="Units sold per sale receipt",
    ),
    validate(
        "cm_top_product_groups",
        "date_store",
        "series",
        "money",
        """
        WITH g AS (
            SELECT business_date AS date, store_external_id AS store_id,
                   coalesce(product_group_name, '(none)') AS label, sum(net_amount) AS value
            FROM marts.fct_order_lines
            WHERE is_sales_transaction AND business_date BETWEEN $start AND $end
            GROUP BY ALL
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY date, store_id
                                         ORDER BY value DESC, label) AS rank,
                   count(*) OVER (PARTITION BY date, store_id) AS total_count,
                   sum(value) OVER (PARTITION BY date, store_id) AS total_value
            FROM g
        )
        SELECT date, store_id, label, value, total_count, total_value
        FROM ranked WHERE rank <= 5 ORDER BY date, store_id, rank
        """,
        description="The five product groups with the highest net sales per store and day",
    ),
)


def load_file(path: Path) -> list[MetricDefinition]:
    """User definitions from a TOML file of `[[metric]]` tables."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise DefinitionError(f"cannot read the definitions file {path}: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise DefinitionError(f"{path}: not valid TOML ({err})") from None
    return parse(data, source=str(path))


_FIELDS: Final = ("key", "grouping", "type", "format", "query", "description", "decimals")


def parse(data: Mapping[str, Any], source: str = "definitions") -> list[MetricDefinition]:
    """Definitions from parsed TOML; every entry is checked and keys must be unique."""
    unknown_top = sorted(set(data) - {"metric"})
    if unknown_top:
        raise DefinitionError(f"{source}: unknown top-level keys {', '.join(unknown_top)}")
    entries = data.get("metric", [])
    if not isinstance(entries, list):
        raise DefinitionError(f"{source}: 'metric' must be an array of tables ([[metric]])")
    out: list[MetricDefinition] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source}, metric {number}"
        if not isinstance(entry, dict):
            raise DefinitionError(f"{where}: must be a table")
        unknown = sorted(set(entry) - set(_FIELDS))
        if unknown:
            raise DefinitionError(
                f"{where}: unknown fields {', '.join(unknown)}; known: {', '.join(_FIELDS)}"
            )
        out.append(
            validate(
                entry.get("key"),
                entry.get("grouping"),
                entry.get("type"),
                entry.get("format", "number"),
                entry.get("query"),
                description=entry.get("description", ""),
                decimals=entry.get("decimals"),
                where=where,
            )
        )
    _check_unique(out, source)
    return out


def _check_unique(definitions: Iterable[MetricDefinition], source: str) -> None:
    seen: set[str] = set()
    for definition in definitions:
        if definition.key in seen:
            raise DefinitionError(f"{source}: metric {definition.key} is defined twice")
        seen.add(definition.key)


def combine(user: Iterable[MetricDefinition]) -> list[MetricDefinition]:
    """Built-ins with the user's definitions; a user definition replaces a built-in's key."""
    merged = {d.key: d for d in BUILT_INS}
    merged.update({d.key: d for d in user})
    return list(merged.values())


def select(definitions: list[MetricDefinition], keys: Iterable[str]) -> list[MetricDefinition]:
    """Only the named metrics, in the order given; an unknown key is an error."""
    known = {d.key: d for d in definitions}
    wanted = list(dict.fromkeys(keys))
    missing = [k for k in wanted if k not in known]
    if missing:
        raise DefinitionError(
            f"unknown metric {', '.join(missing)}; defined: {', '.join(sorted(known))}"
        )
    return [known[k] for k in wanted]
