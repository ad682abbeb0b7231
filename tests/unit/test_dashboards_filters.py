"""The global filters' rules: one currency at a time, never an empty store list, periods
inside the data."""

from __future__ import annotations

from datetime import date

from dashboards.lib import filters
from dashboards.lib.filters import Filters, Store
from dashboards.lib.kpis import Period

STORES = [
    Store("SE-STO-01", "Stockholm", "SEK"),
    Store("SE-GOT-02", "Göteborg", "SEK"),
    Store("NO-OSL-03", "Oslo", "NOK"),
    Store("FI-HEL-04", "Helsinki", "EUR"),
]


def test_the_default_currency_is_the_one_most_stores_use() -> None:
    assert filters.default_currency(STORES) == "SEK"
    assert filters.default_currency(STORES[2:]) == "EUR"  # a tie goes alphabetically


def test_stores_are_offered_per_currency() -> None:
    assert [s.store_external_id for s in filters.stores_in("NOK", STORES)] == ["NO-OSL-03"]


def test_no_choice_means_every_store_of_the_currency() -> None:
    available = ["SE-STO-01", "SE-GOT-02"]

    assert filters.resolve_stores([], available) == ("SE-STO-01", "SE-GOT-02")
    assert filters.resolve_stores(["SE-GOT-02"], available) == ("SE-GOT-02",)
    # A store of another currency left over in the state is dropped, never summed in.
    assert filters.resolve_stores(["NO-OSL-03"], available) == ("SE-STO-01", "SE-GOT-02")


def test_default_period_is_the_last_week_with_data() -> None:
    assert filters.default_period(date(2026, 11, 26)) == Period(
        date(2026, 11, 20), date(2026, 11, 26)
    )


def test_periods_are_clamped_into_the_data() -> None:
    first, latest = date(2026, 10, 28), date(2026, 11, 26)

    assert filters.clamp(Period(date(2026, 1, 1), date(2026, 12, 31)), first, latest) == Period(
        first, latest
    )
    assert filters.clamp(Period(date(2027, 1, 1), date(2027, 1, 5)), first, latest) == Period(
        latest, latest
    )


def test_a_half_picked_range_is_one_day() -> None:
    fallback = Period(date(2026, 1, 1), date(2026, 1, 7))

    assert filters.period_from_widget((date(2026, 2, 3),), fallback) == Period(
        date(2026, 2, 3), date(2026, 2, 3)
    )
    assert filters.period_from_widget((date(2026, 2, 9), date(2026, 2, 3)), fallback) == Period(
        date(2026, 2, 3), date(2026, 2, 9)
    )
    assert filters.period_from_widget(None, fallback) == fallback


def test_params_are_the_sql_parameters() -> None:
    f = Filters(Period(date(2026, 2, 1), date(2026, 2, 7)), "SEK", ("SE-STO-01",), False)

    assert f.params() == {
        "start": date(2026, 2, 1),
        "end": date(2026, 2, 7),
        "currency": "SEK",
        "stores": ("SE-STO-01",),
    }
    assert f.params(f.period.previous())["end"] == date(2026, 1, 31)
