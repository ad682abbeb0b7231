"""KPI definitions and comparisons: exact Decimal arithmetic, None where nothing compares."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dashboards.lib import kpis
from dashboards.lib.kpis import Kind, Period, SalesTotals

TOTALS = SalesTotals(
    net_sales=Decimal("8000.00"),
    gross_sales=Decimal("10000.00"),
    discount_amount=Decimal("250.00"),
    returns_amount=Decimal("500.00"),
    transactions=40,
    refund_transactions=2,
    units=Decimal("90.000"),
    days_with_sales=7,
)


def test_overview_figures_follow_the_definitions() -> None:
    figures = kpis.overview(TOTALS)

    assert figures["net_sales"] == Decimal("8000.00")
    assert figures["transactions"] == 40
    assert figures["atv"] == Decimal(200)
    assert figures["upt"] == Decimal("2.25")
    assert figures["returns"] == Decimal("500.00")
    assert figures["discount_rate"] == Decimal(250) / Decimal(10250)
    assert all(not isinstance(v, float) for v in figures.values())


def test_ratios_without_a_denominator_are_none_not_zero() -> None:
    figures = kpis.overview(SalesTotals())

    assert figures["atv"] is None
    assert figures["upt"] is None
    assert figures["discount_rate"] is None
    assert kpis.return_rate(SalesTotals()) is None


def test_return_rate_is_returns_over_sales_before_returns() -> None:
    assert kpis.return_rate(TOTALS) == Decimal(500) / Decimal(10500)


def test_from_row_reads_null_sums_as_zero() -> None:
    totals = SalesTotals.from_row({"net_sales": None, "transactions": None, "units": None})

    assert totals == SalesTotals()
    assert not totals.has_sales


@pytest.mark.parametrize(
    ("current", "previous", "kind", "expected"),
    [
        (Decimal(110), Decimal(100), Kind.MONEY, Decimal("0.1")),
        (90, 100, Kind.COUNT, Decimal("-0.1")),
        (Decimal(-50), Decimal(-100), Kind.MONEY, Decimal("0.5")),
        (Decimal("0.03"), Decimal("0.02"), Kind.RATE, Decimal("0.01")),
        (Decimal(5), Decimal(0), Kind.MONEY, None),
        (Decimal(5), None, Kind.MONEY, None),
        (None, Decimal(5), Kind.RATE, None),
    ],
)
def test_change_is_relative_for_amounts_and_a_difference_for_rates(
    current: Decimal | int | None,
    previous: Decimal | int | None,
    kind: Kind,
    expected: Decimal | None,
) -> None:
    assert kpis.change(current, previous, kind) == expected


def test_periods_compare_with_the_period_before_and_the_same_weekdays_last_year() -> None:
    week = Period(date(2026, 11, 20), date(2026, 11, 26))

    assert week.days == 7
    assert week.previous() == Period(date(2026, 11, 13), date(2026, 11, 19))
    last_year = week.last_year()
    assert last_year == Period(date(2025, 11, 21), date(2025, 11, 27))
    assert last_year.start.isoweekday() == week.start.isoweekday()
    assert week.label() == "2026-11-20 – 2026-11-26"
    assert Period(date(2026, 1, 1), date(2026, 1, 1)).label() == "2026-01-01"


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2026, 1, 2), date(2026, 1, 1))


def test_attainment_needs_a_budget() -> None:
    assert kpis.attainment(Decimal(900), Decimal(1000)) == Decimal("0.9")
    assert kpis.attainment(Decimal(900), None) is None
    assert kpis.attainment(Decimal(900), Decimal(0)) is None
