"""Page furniture shared by every page: the heading (a stable anchor for browser tests),
money tables with a CSV download, KPI tiles with their comparisons, and empty states."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.lib import charts, formatting
from dashboards.lib.kpis import Kind, KpiDef, change

LABELS = {
    "atv": "ATV",
    "upt": "UPT",
    "vat_rate": "VAT rate %",
    "vat_amount": "VAT amount",
    "sku": "SKU",
    "skus": "SKUs",
}
"""Column headings that `capitalize()` would get wrong."""


def page_header(title: str, anchor: str, caption: str) -> None:
    """The page title; `anchor` is its DOM id and equals the page's url_path."""
    st.title(title, anchor=anchor)
    st.caption(caption)


def chart(figure: alt.Chart | alt.LayerChart, key: str) -> None:
    st.altair_chart(figure, width="stretch", key=key)


def no_rows(what: str) -> None:
    st.info(f"No {what} for these filters. Widen the period or pick other stores.")


def table(
    df: pd.DataFrame,
    *,
    key: str,
    currency: str | None = None,
    money: Sequence[str] = (),
    rates: Sequence[str] = (),
    decimals: Sequence[str] = (),
    units: Sequence[str] = (),
    labels: dict[str, str] | None = None,
) -> None:
    """A table with money in the currency and a CSV download of the exact (Decimal) values."""
    labels = {**LABELS, **(labels or {})}
    shown = charts.plottable(df, dates=False)
    config: dict[str, Any] = {}
    for column in df.columns:
        label = labels.get(column, column.replace("_", " ").capitalize())
        if column in money:
            fmt = f"%.2f {currency}" if currency else "%.2f"
            config[column] = st.column_config.NumberColumn(label, format=fmt)
        elif column in rates:
            config[column] = st.column_config.NumberColumn(label, format="percent")
        elif column in units:
            config[column] = st.column_config.NumberColumn(label, format="localized")
        elif column in decimals:
            config[column] = st.column_config.NumberColumn(label, format="%.2f")
        else:
            config[column] = st.column_config.Column(label)
    st.dataframe(shown, hide_index=True, column_config=config, width="stretch", key=key)
    st.download_button(
        "Download CSV",
        data=df.to_csv(index=False).encode("utf-8"),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"download_{key}",
        on_click="ignore",
        icon=":material/download:",
    )


def kpi_tile(
    kpi: KpiDef,
    value: Decimal | int | None,
    previous: Decimal | int | None,
    last_year: Decimal | int | None,
    currency: str,
) -> None:
    """A metric with its change against the previous period and, in the caption, against the
    same weekdays last year."""
    vs_previous = change(value, previous, kpi.kind)
    vs_last_year = change(value, last_year, kpi.kind)
    st.metric(
        kpi.label,
        display(value, kpi.kind, currency),
        delta=delta_text(vs_previous, kpi.kind) if vs_previous is not None else None,
        delta_color="normal" if kpi.higher_is_better else "inverse",
        delta_description="vs previous period" if vs_previous is not None else None,
        help=kpi.help,
        border=True,
    )
    st.caption(
        "Same weekdays last year: "
        + (delta_text(vs_last_year, kpi.kind) if vs_last_year is not None else "no data")
    )


def display(value: Decimal | int | None, kind: Kind, currency: str) -> str:
    """A KPI value as the tile shows it."""
    if kind is Kind.MONEY:
        return formatting.money(value, currency)
    if kind is Kind.COUNT:
        return formatting.count(value)
    if kind is Kind.RATE:
        return formatting.percent(Decimal(value) if value is not None else None)
    return formatting.number(value)


def delta_text(delta: Decimal, kind: Kind) -> str:
    return (
        formatting.signed_points(delta) if kind is Kind.RATE else formatting.signed_percent(delta)
    )
