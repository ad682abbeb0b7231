"""Dashboard custom metrics as Sitoo stores them: immutable definitions and upserted values.

Validation follows sitoo-api-core.md §4: `cm_` keys, the four groupings, scalar or series
values, the money format, `num_days` 1–100. Values are kept as `Decimal` so a pushed amount is
read back exactly.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

GROUPINGS = ("none", "date", "store", "date_store")
TYPES = ("scalar", "series")
FORMATS = ("number", "integer", "money", "percent")
KEY_PATTERN = re.compile(r"^cm_[A-Za-z0-9_]{1,60}$")
MAX_NUM_DAYS = 100
PUT_FAILURES = ("reject", "partial")
NOT_INSERTED = "One or more of the requested items could not be inserted."
"""Sitoo's documented text of a values PUT that failed in part (core §4.1, status 500)."""


class MetricError(Exception):
    """A request the custom-metrics API refuses; `status` is the HTTP status to answer."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


@dataclass(frozen=True)
class Metric:
    key: str
    grouping: str
    type: str
    format: str

    def document(self) -> dict[str, str]:
        return {
            "key": self.key,
            "grouping": self.grouping,
            "type": self.type,
            "format": self.format,
        }


def _number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def _decimals(value: Decimal | int) -> int:
    """How many decimal places a parsed JSON number has."""
    if isinstance(value, int):
        return 0
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_date(raw: Any, where: str) -> date:
    if not isinstance(raw, str):
        raise MetricError(400, f"{where}: date must be a string YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise MetricError(400, f"{where}: invalid date {raw!r}, expected YYYY-MM-DD") from None


def to_json_number(value: Decimal | int) -> int | float:
    """A stored value as a JSON number (whole numbers stay integers)."""
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)


class CustomMetricsStore:
    """All metrics and values of one account.

    `put_failure` is how a PUT with bad items fails (`ApiConfig.metric_put_failure`): `reject`
    (400 naming the first bad item, nothing stored) or `partial` (the good items stored, then
    Sitoo's documented 500 that names none). Tests may switch it on a running simulator.
    """

    def __init__(self, put_failure: str = "reject") -> None:
        self.lock = threading.Lock()
        self.metrics: dict[str, Metric] = {}
        self.values: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self.put_failure = put_failure

    @property
    def put_failure(self) -> str:
        return self._put_failure

    @put_failure.setter
    def put_failure(self, mode: str) -> None:
        if mode not in PUT_FAILURES:
            raise ValueError(f"put_failure must be one of {', '.join(PUT_FAILURES)}, got {mode!r}")
        self._put_failure = mode

    def add(self, body: Any) -> Metric:
        if not isinstance(body, dict):
            raise MetricError(400, "Body must be a CustomMetric object")
        key = body.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise MetricError(400, f"key: must start with 'cm_' and use [A-Za-z0-9_], got {key!r}")
        grouping, mtype = body.get("grouping"), body.get("type")
        fmt = body.get("format", "number")
        if grouping not in GROUPINGS:
            raise MetricError(400, f"grouping: must be one of {', '.join(GROUPINGS)}")
        if mtype not in TYPES:
            raise MetricError(400, f"type: must be one of {', '.join(TYPES)}")
        if fmt not in FORMATS:
            raise MetricError(400, f"format: must be one of {', '.join(FORMATS)}")
        with self.lock:
            if key in self.metrics:
                raise MetricError(400, f"Custom metric {key} already exists; metrics are immutable")
            metric = Metric(key, str(grouping), str(mtype), str(fmt))
            self.metrics[key] = metric
            self.values[key] = {}
            return metric

    def find(self, keys: list[str] | None) -> list[Metric]:
        with self.lock:
            return [m for k, m in sorted(self.metrics.items()) if keys is None or k in keys]

    def delete(self, key: str) -> None:
        with self.lock:
            if key not in self.metrics:
                raise MetricError(404, f"Custom metric {key} does not exist")
            del self.metrics[key]
            del self.values[key]

    def _check_value(self, index: int, item: Any) -> tuple[str, tuple[str, str], dict[str, Any]]:
        where = f"item {index}"
        if not isinstance(item, dict):
            raise MetricError(400, f"{where}: must be a CustomMetricValue object")
        key = item.get("key")
        metric = self.metrics.get(key) if isinstance(key, str) else None
        if metric is None:
            raise MetricError(400, f"{where}: unknown metric key {key!r}")
        where = f"item {index} ({metric.key})"
        day = ""
        store = ""
        if metric.grouping in ("date", "date_store"):
            day = parse_date(item.get("date"), where).isoformat()
        if metric.grouping in ("store", "date_store"):
            store_id = item.get("store_id")
            if not isinstance(store_id, str) or not store_id:
                raise MetricError(
                    400, f"{where}: store_id is required for grouping {metric.grouping}"
                )
            store = store_id
        value: dict[str, Any] = {"key": metric.key}
        if day:
            value["date"] = day
        if store:
            value["store_id"] = store
        if metric.type == "scalar":
            scalar = item.get("value_scalar")
            if not isinstance(scalar, (int, Decimal)) or isinstance(scalar, bool):
                raise MetricError(400, f"{where}: value_scalar must be a number")
            self._check_format(metric, scalar, where)
            value["value_scalar"] = scalar
        else:
            series = item.get("value_series")
            if not isinstance(series, dict):
                raise MetricError(400, f"{where}: value_series must be an object")
            if not isinstance(series.get("total_count"), int) or not _number(
                series.get("total_value")
            ):
                raise MetricError(400, f"{where}: value_series needs total_count and total_value")
            points = series.get("series")
            if not isinstance(points, list) or not all(
                isinstance(p, dict) and isinstance(p.get("label"), str) and _number(p.get("value"))
                for p in points
            ):
                raise MetricError(400, f"{where}: series must be a list of {{label, value}}")
            for p in points:
                self._check_format(metric, p["value"], where)
            value["value_series"] = {
                "total_count": series["total_count"],
                "total_value": series["total_value"],
                "series": [{"label": p["label"], "value": p["value"]} for p in points],
            }
        return metric.key, (day, store), value

    @staticmethod
    def _check_format(metric: Metric, number: Decimal | int, where: str) -> None:
        if metric.format == "integer" and not isinstance(number, int):
            raise MetricError(400, f"{where}: format integer needs a whole number")
        if metric.format == "money" and _decimals(number) > 2:
            raise MetricError(400, f"{where}: format money allows at most two decimals")

    def put(self, body: Any) -> list[dict[str, Any]]:
        """Upsert values. `reject`: all or nothing, so a bad item names itself and changes
        nothing. `partial`: every good item is stored, then a bad one makes the answer the
        documented 500, which does not say which items failed."""
        if not isinstance(body, list):
            raise MetricError(400, "Body must be an array of CustomMetricValue")
        with self.lock:
            if self.put_failure == "partial":
                return self._put_partial(body)
            checked = [self._check_value(i, item) for i, item in enumerate(body)]
            for key, slot, value in checked:
                self.values[key][slot] = value
            return [value for _, _, value in checked]

    def _put_partial(self, body: list[Any]) -> list[dict[str, Any]]:
        stored: list[dict[str, Any]] = []
        failed = 0
        for index, item in enumerate(body):
            try:
                key, slot, value = self._check_value(index, item)
            except MetricError:
                failed += 1
                continue
            self.values[key][slot] = value
            stored.append(value)
        if failed:
            raise MetricError(500, NOT_INSERTED)
        return stored

    def _matches(
        self,
        metric: Metric,
        slot: tuple[str, str],
        first: date | None,
        num_days: int,
        store_id: str | None,
    ) -> bool:
        day, store = slot
        if metric.grouping in ("date", "date_store") and first is not None:
            last = first + timedelta(days=num_days - 1)
            if not first.isoformat() <= day <= last.isoformat():
                return False
        return not (
            metric.grouping in ("store", "date_store")
            and store_id is not None
            and store != store_id
        )

    def get_values(
        self, keys: list[str] | None, first: date | None, num_days: int, store_id: str | None
    ) -> list[dict[str, Any]]:
        if not 1 <= num_days <= MAX_NUM_DAYS:
            raise MetricError(400, f"num_days must be between 1 and {MAX_NUM_DAYS}")
        with self.lock:
            out = []
            for key in sorted(self.metrics):
                if keys is not None and key not in keys:
                    continue
                metric = self.metrics[key]
                for slot in sorted(self.values[key]):
                    if self._matches(metric, slot, first, num_days, store_id):
                        out.append(self.values[key][slot])
            return out

    def delete_values(
        self, key: str, first: date | None, num_days: int, store_id: str | None
    ) -> int:
        if not 1 <= num_days <= MAX_NUM_DAYS:
            raise MetricError(400, f"num_days must be between 1 and {MAX_NUM_DAYS}")
        with self.lock:
            metric = self.metrics.get(key)
            if metric is None:
                raise MetricError(404, f"Custom metric {key} does not exist")
            doomed = [
                s for s in self.values[key] if self._matches(metric, s, first, num_days, store_id)
            ]
            for slot in doomed:
                del self.values[key][slot]
            return len(doomed)

    def reset(self) -> None:
        with self.lock:
            self.metrics.clear()
            self.values.clear()


def render_value(value: dict[str, Any]) -> dict[str, Any]:
    """A stored value with its Decimals as JSON numbers."""
    out = dict(value)
    if "value_scalar" in out:
        out["value_scalar"] = to_json_number(out["value_scalar"])
    if "value_series" in out:
        series = out["value_series"]
        out["value_series"] = {
            "total_count": series["total_count"],
            "total_value": to_json_number(series["total_value"]),
            "series": [
                {"label": p["label"], "value": to_json_number(p["value"])} for p in series["series"]
            ],
        }
    return out
