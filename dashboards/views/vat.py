"""VAT: takings per rate the POS applied, per store and over time, and the return they give."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboards.lib import charts, filters, formatting, queries, ui, vat_return
from dashboards.lib.kpis import Period

f = filters.current()
ui.page_header("VAT", "vat", f"{f.period.label()} · {f.currency} · refunds reduce the VAT due")

by_rate = queries.vat_by_rate(f)
if by_rate.empty:
    ui.no_rows("takings")
    st.stop()

net, vat, gross = (sum(by_rate[c], start=0) for c in ("net_amount", "vat_amount", "gross_amount"))
c1, c2, c3 = st.columns(3)
c1.metric("Net amount", formatting.money(net, f.currency), border=True)
c2.metric("VAT", formatting.money(vat, f.currency), border=True)
c3.metric("Gross amount", formatting.money(gross, f.currency), border=True)

st.subheader("Per rate", anchor=False)
ui.table(
    by_rate,
    key="vat_by_rate",
    currency=f.currency,
    money=("net_amount", "vat_amount", "gross_amount"),
    labels={"vat_rate": "VAT rate %"},
)

st.subheader("Over time", anchor=False)
grain = str(st.radio("Per", ["day", "month"], horizontal=True, key="vat_grain"))
over_time = queries.vat_over_time(f, grain)
ui.chart(
    charts.stacked_over_time(over_time, "period_start", "vat_amount", "vat_rate", "VAT", grain),
    "vat_time",
)
ui.table(
    over_time,
    key=f"vat_per_{grain}",
    currency=f.currency,
    money=("net_amount", "vat_amount", "gross_amount"),
    labels={"vat_rate": "VAT rate %"},
)

st.subheader("Per store", anchor=False)
ui.table(
    queries.vat_by_store_rate(f),
    key="vat_by_store",
    currency=f.currency,
    money=("net_amount", "vat_amount", "gross_amount"),
    labels={"vat_rate": "VAT rate %"},
)

st.subheader("VAT return preview", anchor="vat-return")
months = queries.vat_months(f)
choices = ["Selected period", *(m.strftime("%Y-%m") for m in months)]
picked = str(st.selectbox("Return period", choices, key="vat_return_period"))
if picked == "Selected period":
    period = f.period
else:
    start = date.fromisoformat(f"{picked}-01")
    period = Period(start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1))
lines = vat_return.preview(queries.vat_by_rate(f, period), f.currency)
st.caption(
    f"{period.label()} · "
    + ("all stores" if f.all_stores else ", ".join(f.stores))
    + (
        " · Swedish boxes; Skatteverket takes whole kronor, input VAT (box 48) is not in the POS"
        if f.currency == "SEK"
        else ""
    )
)
ui.table(vat_return.as_frame(lines), key="vat_return", currency=f.currency, money=("amount",))
