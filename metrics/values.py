"""Custom metric values as exact Decimals, and their JSON form.

Values are compared and sent as Decimals: a float would turn 0.1 + 0.2 into 0.30000000000000004
and make an unchanged value look changed (or push a money value Sitoo rejects). The JSON
number is written from the exact decimal string; a number read back is taken by its shortest
repr, which is the decimal Sitoo was sent for any value with 15 significant digits or fewer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Slot = tuple[str, str, str]
"""(key, date as YYYY-MM-DD or "", store_id or ""): one value per slot (core §4.1)."""


class MetricValueError(ValueError):
    """A value that cannot be a CustomMetricValue (bad number, missing date or store)."""


@dataclass(frozen=True)
class Series:
    total_count: int
    total_value: Decimal
    points: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class MetricValue:
    key: str
    day: date | None
    store_id: str | None
    scalar: Decimal | None = None
    series: Series | None = None

    @property
    def slot(self) -> Slot:
        return (self.key, self.day.isoformat() if self.day else "", self.store_id or "")

    def same_value(self, other: MetricValue) -> bool:
        """Equal numbers count as equal whatever their scale (40250.5 == 40250.50)."""
        return self.scalar == other.scalar and self.series == other.series

    def document(self) -> dict[str, Any]:
        """The CustomMetricValue object with Decimals kept (see `dumps`)."""
        doc: dict[str, Any] = {"key": self.key}
        if self.day is not None:
            doc["date"] = self.day.isoformat()
        if self.store_id is not None:
            doc["store_id"] = self.store_id
        if self.scalar is not None:
            doc["value_scalar"] = self.scalar
        if self.series is not None:
            doc["value_series"] = {
                "total_count": self.series.total_count,
                "total_value": self.series.total_value,
                "series": [{"label": lbl, "value": v} for lbl, v in self.series.points],
            }
        return doc

    def describe(self) -> str:
        where = " ".join(p for p in (self.day.isoformat() if self.day else "", self.store_id) if p)
        return f"{self.key} {where}".strip()


def decimal_of(raw: Any) -> Decimal:
    """An exact Decimal from a query result or a parsed JSON number."""
    if isinstance(raw, bool) or raw is None:
        raise MetricValueError(f"not a number: {raw!r}")
    if isinstance(raw, Decimal):
        result = raw
    elif isinstance(raw, int):
        result = Decimal(raw)
    elif isinstance(raw, float):
        result = Decimal(repr(raw))
    elif isinstance(raw, str):
        try:
            result = Decimal(raw)
        except ArithmeticError:
            raise MetricValueError(f"not a number: {raw!r}") from None
    else:
        raise MetricValueError(f"not a number: {raw!r}")
    if not result.is_finite():
        raise MetricValueError(f"not a finite number: {raw!r}")
    return result


def rounded(value: Decimal, places: int) -> Decimal:
    """Half-up to `places` decimals, as a money figure is rounded on a receipt."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number_text(value: Decimal | int) -> str:
    """The JSON number for a Decimal, digit for digit: no float, no exponent, no trailing zeros.

    A whole number is written without a point, so `integer` metrics get integers.
    """
    if isinstance(value, bool):
        raise MetricValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return str(value)
    if not value.is_finite():
        raise MetricValueError(f"not a finite number: {value}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def dumps(obj: Any) -> str:
    """JSON with Decimals as exact numbers (`json`/`orjson` would need a float or a string)."""
    if isinstance(obj, Decimal):
        return number_text(obj)
    if obj is None or isinstance(obj, (bool, int, str)):
        return json.dumps(obj, ensure_ascii=False)
    if isinstance(obj, float):
        raise MetricValueError("floats are not sent: convert to Decimal first")
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(dumps(item) for item in obj) + "]"
    if isinstance(obj, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(str(k), ensure_ascii=False)}:{dumps(v)}" for k, v in obj.items()
            )
            + "}"
        )
    raise MetricValueError(f"cannot encode {type(obj).__name__} as JSON")


def from_document(doc: Any) -> MetricValue:
    """A value read back from Sitoo (numbers may arrive as floats or ints)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("key"), str):
        raise MetricValueError(f"not a CustomMetricValue: {doc!r}")
    raw_date = doc.get("date")
    day = date.fromisoformat(raw_date) if isinstance(raw_date, str) and raw_date else None
    store = doc.get("store_id")
    store_id = store if isinstance(store, str) and store else None
    scalar = decimal_of(doc["value_scalar"]) if doc.get("value_scalar") is not None else None
    series = None
    raw_series = doc.get("value_series")
    if isinstance(raw_series, dict):
        points = raw_series.get("series") or []
        if isinstance(points, dict):  # C1 models a single object
            points = [points]
        series = Series(
            total_count=int(raw_series.get("total_count", 0)),
            total_value=decimal_of(raw_series.get("total_value", 0)),
            points=tuple((str(p.get("label", "")), decimal_of(p.get("value"))) for p in points),
        )
    return MetricValue(doc["key"], day, store_id, scalar, series)
