"""Z-reports: does every register's day close agree with its receipts, and is the series
unbroken?"""

from __future__ import annotations

import streamlit as st

from dashboards.lib import charts, filters, formatting, queries, ui, zreports

f = filters.current()
ui.page_header(
    "Z-reports",
    "zreports",
    f"{f.period.label()} · {f.currency} · each Z-report against its session's orders and "
    "journal receipts",
)

reports = queries.zreports(f)
gaps = queries.zreport_gaps(f)
mismatched = reports[reports["status"] == "mismatch"] if not reports.empty else reports
c1, c2, c3 = st.columns(3)
c1.metric("Z-reports", formatting.count(len(reports)), border=True)
c2.metric("Mismatched", formatting.count(len(mismatched)), border=True)
c3.metric("Missing in sequence", formatting.count(len(gaps)), border=True)

if reports.empty:
    ui.no_rows("Z-reports")
else:
    st.subheader("Status per register and day", anchor=False)
    ui.chart(charts.status_grid(zreports.daily_status(reports)), "zreports_grid")

    st.subheader("Drill down", anchor=False)
    ordered = reports.sort_values("status", key=lambda s: s != "mismatch", kind="stable")
    records = [{str(k): v for k, v in r.items()} for r in ordered.to_dict("records")]
    pick = st.selectbox(
        "Z-report",
        list(range(len(records))),
        format_func=lambda i: zreports.label(records[i]),
        key="zreport_pick",
    )
    chosen = records[int(pick or 0)]
    ui.table(
        zreports.figures(chosen),
        key="zreport_amounts",
        currency=f.currency,
        money=("z_report", "orders", "journal", "orders_minus_z", "journal_minus_z"),
    )
    ui.table(zreports.figures(chosen, counts=True), key="zreport_counts")
    st.caption(
        f"VAT rates that disagree: {chosen['vat_rates_mismatched']} · payment methods that "
        f"disagree: {chosen['payment_methods_mismatched']} · "
        + zreports.till_count(chosen, f.currency)
    )
    register_id, zreport_id = str(chosen["register_id"]), int(chosen["zreport_id"])
    left, right = st.columns(2)
    with left:
        st.markdown("**Per VAT rate** (sales − refunds)")
        per_rate = queries.zreport_vat(register_id, zreport_id)
        ui.table(
            per_rate,
            key="zreport_vat",
            currency=f.currency,
            money=[c for c in per_rate.columns if c.endswith(("_amount", "_difference"))],
            decimals=("vat_rate",),
        )
    with right:
        st.markdown("**Per payment method** (sales − refunds)")
        per_method = queries.zreport_payments(register_id, zreport_id)
        ui.table(
            per_method,
            key="zreport_payments",
            currency=f.currency,
            money=[c for c in per_method.columns if c.endswith(("_amount", "_difference"))],
        )

    st.subheader("All Z-reports", anchor=False)
    overview_columns = [
        "business_date",
        "store",
        "register",
        "zreport_id",
        "status",
        "zreport_sales_gross_amount",
        "zreport_refund_gross_amount",
        "zreport_vat_amount",
        "zreport_payments_amount",
        "orders_sales_gross_difference",
        "journal_sales_gross_difference",
        "orders_payments_difference",
        "cash_difference_amount",
    ]
    ui.table(
        reports[overview_columns],
        key="zreports",
        currency=f.currency,
        money=[c for c in overview_columns if c.endswith(("_amount", "_difference"))],
    )

st.subheader("Sequence gaps", anchor="sequence-gaps")
st.caption(
    "A missing number is dated by the business date of the register's next Z-report; one with "
    "no later Z-report yet has no date and is listed in every period."
)
if gaps.empty:
    st.success("No Z-report numbers are missing for these stores in this period.")
else:
    ui.table(gaps, key="zreport_gaps")
