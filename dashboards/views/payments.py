"""Payments: the tender mix per day and store, and where Z-reports disagree on payments."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from dashboards.lib import charts, filters, formatting, queries, shape, ui, zreports

f = filters.current()
ui.page_header(
    "Payments",
    "payments",
    f"{f.period.label()} · {f.currency} · refunds negative, rounding included",
)

mix = queries.payment_mix(f)
if mix.empty:
    ui.no_rows("payments")
    st.stop()

total = sum(mix["amount"], start=Decimal(0))
count = int(sum(mix["payments"]))
c1, c2 = st.columns(2)
c1.metric("Payments", formatting.money(total, f.currency), border=True)
c2.metric("Payment rows", formatting.count(count), border=True)

left, right = st.columns([1, 2])
with left:
    st.subheader("Mix by method", anchor=False)
    ui.chart(charts.share_donut(mix, "payment_method", "amount"), "payments_mix")
with right:
    st.subheader("Per day", anchor=False)
    daily = queries.payments_by_day(f)
    ui.chart(
        charts.stacked_over_time(daily, "business_date", "amount", "payment_method", "Amount"),
        "payments_daily",
    )
mix["share"] = [float(a / total) if total else None for a in mix["amount"]]
ui.table(mix, key="payment_mix", currency=f.currency, money=("amount",), rates=("share",))

st.subheader("Per store", anchor=False)
per_store = queries.payments_by_store(f)
wide = shape.wide(per_store, "store", "payment_method", "amount")
methods = [c for c in wide.columns if c != "store"]
ui.table(wide, key="payments_by_store", currency=f.currency, money=methods)

st.subheader("Cash and payment differences on Z-reports", anchor="payment-differences")
st.caption(
    "Z-reports whose payments or cash rounding differ from the register session's orders or "
    "journal receipts. The counted-cash difference of the till count is not in the marts yet."
)
differences = zreports.payment_differences(queries.zreports(f))
if differences.empty:
    st.success("Every Z-report's payments agree with its orders and journal receipts.")
else:
    ui.table(
        differences,
        key="payment_differences",
        currency=f.currency,
        money=[c for c in differences.columns if c.endswith(("_amount", "_difference"))],
    )
