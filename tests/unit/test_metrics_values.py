"""Exact values: Decimal to JSON number, read-back equality, the diff and the windows."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import orjson
import pytest

from metrics.client import windows
from metrics.diff import diff
from metrics.values import MetricValue, Series, dumps, from_document, number_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.1") + Decimal("0.2"), "0.3"),
        (Decimal("40250.50"), "40250.5"),
        (Decimal("42000.00"), "42000"),
        (Decimal("-0.00"), "0"),
        (Decimal("1E+3"), "1000"),
        (Decimal("12345678901234.99"), "12345678901234.99"),
        (Decimal("0.000001"), "0.000001"),
        (7, "7"),
    ],
)
def test_decimals_become_exact_json_numbers(value: Decimal | int, text: str) -> None:
    assert number_text(value) == text
    assert json.loads(text, parse_float=Decimal) == value


def test_a_value_document_is_valid_json_with_numbers_not_strings() -> None:
    value = MetricValue(
        "cm_top",
        date(2026, 4, 1),
        "SE-STO-01",
        series=Series(12, Decimal("51230.10"), (('Skor "nya"', Decimal("0.10")),)),
    )
    parsed = json.loads(dumps([value.document()]), parse_float=Decimal)
    assert parsed == [
        {
            "key": "cm_top",
            "date": "2026-04-01",
            "store_id": "SE-STO-01",
            "value_series": {
                "total_count": 12,
                "total_value": Decimal("51230.1"),
                "series": [{"label": 'Skor "nya"', "value": Decimal("0.1")}],
            },
        }
    ]


def test_a_float_read_back_equals_the_decimal_sent() -> None:
    sent = MetricValue("cm_a", date(2026, 4, 1), "S1", scalar=Decimal("1234567.89"))
    echoed = orjson.loads(dumps(sent.document()))  # the simulator answers with floats
    assert isinstance(echoed["value_scalar"], float)
    assert from_document(echoed).same_value(sent)


def scalar(day: int, store: str, number: str) -> MetricValue:
    return MetricValue("cm_a", date(2026, 4, day), store, scalar=Decimal(number))


def test_diff_writes_only_new_and_changed_values() -> None:
    desired = [scalar(1, "S1", "10.50"), scalar(2, "S1", "11"), scalar(3, "S1", "12")]
    current = [scalar(1, "S1", "10.5"), scalar(2, "S1", "99"), scalar(9, "S1", "1")]
    plan = diff(desired, current)
    assert [(c.new.day, c.old is None) for c in plan.changes] == [
        (date(2026, 4, 2), False),
        (date(2026, 4, 3), True),
    ]
    assert (plan.unchanged, plan.added, plan.updated, plan.extra) == (1, 1, 1, 1)
    assert "cm_a 2026-04-02 S1: 99 -> 11" in plan.changes[0].describe()


def test_diff_of_identical_values_is_empty() -> None:
    values = [scalar(d, s, f"{d}.{d}") for d in range(1, 5) for s in ("S1", "S2")]
    assert diff(values, list(reversed(values))).changes == []


def test_two_values_for_one_slot_are_a_bug_not_a_silent_overwrite() -> None:
    with pytest.raises(ValueError, match="two values for the same slot"):
        diff([scalar(1, "S1", "1"), scalar(1, "S1", "2")], [])


def test_windows_never_exceed_100_days() -> None:
    assert list(windows(date(2026, 1, 1), date(2026, 1, 1))) == [(date(2026, 1, 1), 1)]
    split = list(windows(date(2026, 1, 1), date(2026, 12, 31)))
    assert [n for _, n in split] == [100, 100, 100, 65]
    assert split[1][0] == date(2026, 4, 11)
    assert sum(n for _, n in split) == 365
    assert list(windows(date(2026, 2, 1), date(2026, 1, 1))) == []
