"""Sales: where, when, what and by whom — store, day, hour of the week, product, staff."""

from __future__ import annotations

import streamlit as st

from dashboards.lib import charts, filters, queries, ui

f = filters.current()
ui.page_header("Sales", "sales", f"{f.period.label()} · {f.currency} · net sales excluding VAT")

daily = queries.sales_by_store_day(f)
if daily.empty:
    ui.no_rows("takings")
    st.stop()

st.subheader("By store and day", anchor=False)
ui.chart(charts.daily_by_store(daily, "net_sales", f"Net sales ({f.currency})"), "sales_daily")
ui.table(
    daily,
    key="sales_by_store_day",
    currency=f.currency,
    money=("net_sales", "gross_sales", "returns_amount", "discount_amount"),
    units=("units",),
)

st.subheader("Weekday × hour (store-local)", anchor=False)
heat = queries.sales_weekday_hour(f)
ui.chart(charts.weekday_hour_heatmap(heat, "net_sales", f"Net sales ({f.currency})"), "sales_heat")

left, right = st.columns(2)
with left:
    st.subheader("Product groups", anchor=False)
    groups = queries.sales_by_product_group(f)
    ui.chart(
        charts.ranked_bars(groups, "product_group", "net_sales", "Net sales", ",.0f"),
        "sales_groups",
    )
    ui.table(
        groups,
        key="sales_by_product_group",
        currency=f.currency,
        money=("net_sales", "gross_margin"),
        rates=("margin_rate",),
        units=("units",),
    )
with right:
    st.subheader("Staff", anchor=False)
    staff = queries.sales_by_staff(f)
    ui.chart(charts.ranked_bars(staff, "staff", "net_sales", "Net sales", ",.0f"), "sales_staff")
    ui.table(
        staff,
        key="sales_by_staff",
        currency=f.currency,
        money=("net_sales", "atv"),
        decimals=("upt",),
        labels={"atv": "ATV", "upt": "UPT"},
    )

st.subheader("Top sellers", anchor=False)
top = queries.top_products(f)
ui.chart(charts.ranked_bars(top.head(10), "item", "net_sales", "Net sales", ",.0f"), "sales_top")
ui.table(
    top,
    key="top_products",
    currency=f.currency,
    money=("net_sales", "gross_margin"),
    units=("units",),
)
