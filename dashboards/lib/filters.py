"""The global filters (period, currency, stores), drawn once in the sidebar by `app.py` and
read by every page, so a choice made on one page holds on the next.

Money is never summed across currencies: the currency is a single choice and the store list
offers only that currency's stores. Dates are store-local business dates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import streamlit as st

from dashboards.lib.db import Param
from dashboards.lib.kpis import Period

FILTERS_KEY: Final = "filters"
PERIOD_KEY: Final = "filter_period"
CURRENCY_KEY: Final = "filter_currency"
STORES_KEY: Final = "filter_stores"
DEFAULT_DAYS: Final = 7


@dataclass(frozen=True)
class Store:
    store_external_id: str
    store_name: str
    currency_code: str


@dataclass(frozen=True)
class Filters:
    """What every page shows: one currency, its chosen stores (never empty), one period."""

    period: Period
    currency: str
    stores: tuple[str, ...]
    all_stores: bool

    def params(self, period: Period | None = None) -> dict[str, Param]:
        """The SQL parameters `$start`, `$end`, `$currency`, `$stores`."""
        p = period or self.period
        return {"start": p.start, "end": p.end, "currency": self.currency, "stores": self.stores}


def default_period(latest: date, days: int = DEFAULT_DAYS) -> Period:
    """The last `days` business dates up to the newest one with data."""
    return Period(latest - timedelta(days=days - 1), latest)


def clamp(period: Period, first: date, latest: date) -> Period:
    """The period moved inside the dates the warehouse has (after a re-publish, say)."""
    start = min(max(period.start, first), latest)
    end = min(max(period.end, start), latest)
    return Period(start, end)


def period_from_widget(value: object, fallback: Period) -> Period:
    """A date_input range; while a person has picked only the start it is a single day."""
    picked = value if isinstance(value, tuple | list) else (value,)
    days = [d for d in picked if isinstance(d, date)]
    if not days:
        return fallback
    return Period(min(days), max(days))


def default_currency(stores: Sequence[Store]) -> str:
    """The currency most stores use (alphabetical on a tie)."""
    counts = Counter(s.currency_code for s in stores)
    return min(counts, key=lambda c: (-counts[c], c))


def stores_in(currency: str, stores: Sequence[Store]) -> list[Store]:
    return [s for s in stores if s.currency_code == currency]


def resolve_stores(selected: Sequence[str], available: Sequence[str]) -> tuple[str, ...]:
    """The chosen stores that exist in the currency, or all of them when none is chosen."""
    chosen = tuple(s for s in available if s in set(selected))
    return chosen or tuple(available)


def sidebar(stores: Sequence[Store], first: date, latest: date) -> Filters:
    """Draw the filters in the sidebar and remember the result for the pages."""
    state = st.session_state
    currencies = sorted({s.currency_code for s in stores})
    if state.get(CURRENCY_KEY) not in currencies:
        state[CURRENCY_KEY] = default_currency(stores)
    fallback = default_period(latest)
    stored = period_from_widget(state.get(PERIOD_KEY), fallback)
    period = clamp(stored, first, latest)
    state[PERIOD_KEY] = (period.start, period.end)

    with st.sidebar:
        st.header("Filters", anchor=False)
        picked = st.date_input(
            "Period (store-local dates)",
            min_value=first,
            max_value=latest,
            key=PERIOD_KEY,
            format="YYYY-MM-DD",
        )
        currency = str(st.selectbox("Currency", currencies, key=CURRENCY_KEY))
        options = stores_in(currency, stores)
        ids = [s.store_external_id for s in options]
        names = {s.store_external_id: s.store_name for s in options}
        state[STORES_KEY] = [s for s in state.get(STORES_KEY, []) if s in ids]
        selected = st.multiselect(
            "Stores",
            ids,
            key=STORES_KEY,
            format_func=lambda i: names.get(i, i),
            placeholder=f"All {currency} stores",
        )
        st.caption("Money is shown per currency; dates and hours are store-local.")
    filters = Filters(
        period=period_from_widget(picked, period),
        currency=currency,
        stores=resolve_stores(selected, ids),
        all_stores=not selected,
    )
    state[FILTERS_KEY] = filters
    return filters


def current() -> Filters:
    """The filters `app.py` drew in this script run."""
    filters = st.session_state.get(FILTERS_KEY)
    if not isinstance(filters, Filters):  # a page script run on its own, without app.py
        st.info("Open the dashboards through `sitoo-wh serve` (dashboards/app.py).")
        st.stop()
    return filters
