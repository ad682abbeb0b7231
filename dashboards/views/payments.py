"""Payments: the tender mix per day and store, where Z-reports disagree on payments, and the
cash differences of the till counts."""

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
cash = queries.cash_differences_by_store_day(f)
c1, c2, c3 = st.columns(3)
c1.metric("Payments", formatting.money(total, f.currency), border=True)
c2.metric("Payment rows", formatting.count(count), border=True)
c3.metric(
    "Cash difference",
    formatting.money(zreports.total(cash, "cash_difference_amount"), f.currency),
    help="Counted minus expected cash over the Z-reports' till counts (negative: cash short).",
    border=True,
)

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
    "journal receipts. Per method: the Z-reports page's drill-down."
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

st.subheader("Cash differences in the till count", anchor="cash-differences")
st.caption(
    "Counted minus expected cash on each Z-report's till count (negative: cash short), per "
    "store and day, then the Z-reports whose count differs."
)
if cash.empty:
    ui.no_rows("Z-reports")
else:
    ui.table(
        cash,
        key="cash_by_store_day",
        currency=f.currency,
        money=[c for c in cash.columns if c.endswith("_amount")],
    )
    counted = queries.cash_difference_zreports(f)
    if counted.empty:
        st.success("Every till count agrees with the expected cash.")
    else:
        ui.table(
            counted,
            key="cash_difference_zreports",
            currency=f.currency,
            money=[c for c in counted.columns if c.endswith("_amount")],
        )
