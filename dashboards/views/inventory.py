"""Inventory: what moved and why, what is on hand and what it is worth, how long it lasts at
the current pace, and the margin where purchase prices are known."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from dashboards.lib import charts, filters, formatting, kpis, queries, ui

f = filters.current()
ui.page_header(
    "Inventory",
    "inventory",
    f"{f.period.label()} · {f.currency} · stock valued at purchase price, on hand at the end "
    "of the period",
)

stock = queries.stock_on_hand(f)
movements = queries.stock_movements_by_type(f)
margin = queries.margin_by_product_group(f)
zero = Decimal(0)

on_hand = sum(stock["on_hand"], start=zero)
value = sum((v for v in stock["stock_value"] if v is not None), start=zero)
sold = sum(stock["units_sold"], start=zero)
days_of_supply = kpis.ratio(on_hand, sold / f.period.days) if sold else None
gross_margin = sum((m for m in margin["gross_margin"] if m is not None), start=zero)
with_cost = sum((n for n in margin["net_sales_with_cost"] if n is not None), start=zero)
all_net = sum((n for n in margin["net_sales"] if n is not None), start=zero)

c1, c2, c3, c4 = st.columns([1, 1.6, 1, 1])
c1.metric("Units on hand", formatting.number(on_hand, 0), border=True)
c2.metric("Stock value", formatting.money(value, f.currency), border=True)
c3.metric(
    "Days of supply",
    formatting.number(days_of_supply, 1),
    help="Units on hand ÷ units sold per day in the period.",
    border=True,
)
c4.metric(
    "Gross margin",
    formatting.percent(kpis.ratio(gross_margin, with_cost)),
    help="Over the sales whose products have a purchase price.",
    border=True,
)
st.caption(
    "Purchase prices cover "
    + formatting.percent(kpis.ratio(with_cost, all_net))
    + " of net sales in the period."
)

st.subheader("Stock movements by type", anchor=False)
if movements.empty:
    ui.no_rows("stock movements")
else:
    ui.chart(
        charts.stacked_over_time(
            movements, "business_date", "quantity", "transaction_type", "Units moved"
        ),
        "inventory_movements",
    )
    by_type = movements.groupby("transaction_type", as_index=False).agg(
        lines=("lines", "sum"),
        quantity=("quantity", "sum"),
        movement_value=("movement_value", "sum"),
    )
    ui.table(
        by_type,
        key="stock_movements_by_type",
        currency=f.currency,
        money=("movement_value",),
        units=("quantity",),
    )

st.subheader("Stock on hand per store", anchor=False)
if stock.empty:
    ui.no_rows("stock")
else:
    per_store = stock.groupby("store", as_index=False).agg(
        skus=("sku", "count"), on_hand=("on_hand", "sum"), stock_value=("stock_value", "sum")
    )
    ui.table(
        per_store,
        key="stock_by_store",
        currency=f.currency,
        money=("stock_value",),
        units=("on_hand",),
    )
    st.subheader("Shortest days of supply", anchor=False)
    selling = stock[stock["days_of_supply"].notna()].sort_values("days_of_supply").head(50)
    ui.table(
        selling,
        key="days_of_supply",
        currency=f.currency,
        money=("stock_value",),
        units=("on_hand", "units_sold"),
        decimals=("units_per_day", "days_of_supply"),
    )

st.subheader("Margin by product group", anchor=False)
ui.table(
    margin,
    key="margin_by_product_group",
    currency=f.currency,
    money=("net_sales", "net_sales_with_cost", "cost", "gross_margin"),
    rates=("margin_rate",),
)
