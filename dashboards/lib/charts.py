"""Altair chart builders: pure functions from a query's DataFrame to a chart, sharing one
house style. Decimal money is turned into floats here, for drawing only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

import altair as alt
import pandas as pd

MONEY_FORMAT: Final = ",.0f"
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TIME_UNITS: Final = {"day": "yearmonthdate", "month": "yearmonth"}
STATUS_COLOURS: Final = alt.Scale(domain=["ok", "mismatch"], range=["#3a9e5c", "#d6423b"])


def plottable(df: pd.DataFrame, *, dates: bool = True) -> pd.DataFrame:
    """A copy Vega-Lite can draw: Decimal columns as floats, dates (if `dates`) as
    timestamps."""
    out = df.copy()
    for column in out.columns:
        sample = out[column].dropna()
        if sample.empty:
            continue
        first = sample.iloc[0]
        if isinstance(first, Decimal):
            out[column] = pd.to_numeric(out[column].map(_to_float), errors="coerce")
        elif dates and isinstance(first, date):
            out[column] = pd.to_datetime(out[column])
    return out


def _to_float(value: object) -> float | None:
    return None if value is None else float(str(value))


def daily_by_store(df: pd.DataFrame, measure: str, title: str) -> alt.Chart:
    """A line per store over the business dates."""
    data = plottable(df)
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "yearmonthdate(business_date):T",
                title="Business date",
                axis=alt.Axis(format="%a %d %b", tickCount="day"),
            ),
            y=alt.Y(f"{measure}:Q", title=title, axis=alt.Axis(format=MONEY_FORMAT)),
            color=alt.Color("store:N", title="Store"),
            tooltip=[
                alt.Tooltip("business_date:T", title="Date"),
                alt.Tooltip("store:N", title="Store"),
                alt.Tooltip(f"{measure}:Q", title=title, format=",.2f"),
            ],
        )
        .properties(height=300)
    )
    return chart


def ranked_bars(df: pd.DataFrame, category: str, measure: str, title: str, fmt: str) -> alt.Chart:
    """Horizontal bars, longest first: store rankings, top sellers, payment mix."""
    data = plottable(df)
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=None),
            x=alt.X(f"{measure}:Q", title=title, axis=alt.Axis(format=fmt)),
            tooltip=[
                alt.Tooltip(f"{category}:N"),
                alt.Tooltip(f"{measure}:Q", title=title, format=fmt),
            ],
        )
        .properties(height=alt.Step(22))
    )
    return chart


def weekday_hour_heatmap(df: pd.DataFrame, measure: str, title: str) -> alt.Chart:
    """Store-local hour of the day against weekday: when to staff."""
    data = plottable(df)
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Hour (store-local)"),
            y=alt.Y("weekday:N", sort=list(WEEKDAYS), title=None),
            color=alt.Color(f"{measure}:Q", title=title, scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("weekday:N"),
                alt.Tooltip("hour:O"),
                alt.Tooltip(f"{measure}:Q", title=title, format=",.2f"),
            ],
        )
        .properties(height=240)
    )
    return chart


def stacked_over_time(
    df: pd.DataFrame, time: str, measure: str, series: str, title: str, unit: str = "day"
) -> alt.Chart:
    """Stacked bars per period and series: VAT per rate, payments per method."""
    data = plottable(df)
    if series in data.columns:
        data[series] = data[series].astype(str)
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                f"{TIME_UNITS[unit]}({time}):T",
                title=None,
                axis=alt.Axis(format="%b %Y" if unit == "month" else "%a %d %b"),
            ),
            y=alt.Y(f"{measure}:Q", title=title, axis=alt.Axis(format=MONEY_FORMAT)),
            color=alt.Color(f"{series}:N", title=series.replace("_", " ").capitalize()),
            tooltip=[
                alt.Tooltip(f"{time}:T"),
                alt.Tooltip(f"{series}:N"),
                alt.Tooltip(f"{measure}:Q", title=title, format=",.2f"),
            ],
        )
        .properties(height=300)
    )
    return chart


def share_donut(df: pd.DataFrame, category: str, measure: str) -> alt.Chart:
    """Shares of a whole, such as the payment mix."""
    data = plottable(df)
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_arc(innerRadius=60)
        .encode(
            theta=alt.Theta(f"{measure}:Q"),
            color=alt.Color(f"{category}:N", title=None),
            tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{measure}:Q", format=",.2f")],
        )
        .properties(height=260)
    )
    return chart


def status_grid(df: pd.DataFrame) -> alt.Chart:
    """One cell per register and business date, red where a Z-report disagrees."""
    data = plottable(df)
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_rect(stroke="white")
        .encode(
            x=alt.X("yearmonthdate(business_date):O", title="Business date"),
            y=alt.Y("register:N", title=None, axis=alt.Axis(labelOverlap=False)),
            color=alt.Color("status:N", scale=STATUS_COLOURS, title="Status"),
            tooltip=[
                alt.Tooltip("business_date:T", title="Date"),
                alt.Tooltip("store:N"),
                alt.Tooltip("register:N"),
                alt.Tooltip("zreports:Q", title="Z-reports"),
                alt.Tooltip("status:N"),
            ],
        )
        .properties(height=alt.Step(24))
    )
    return chart
