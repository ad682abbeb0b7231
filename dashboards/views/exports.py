"""Exports: the files `sitoo-wh export` writes, for the sidebar's period and stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st

from dashboards.lib import charts, db, filters, ui
from dashboards.lib import exports as ex
from exports.errors import ExportError
from exports.vouchers import FORCED_MARKER, PeriodNotReconciledError

f = filters.current()
ui.page_header(
    "Exports",
    "exports",
    f"{f.period.label()} · {f.currency} · "
    + ("all stores" if f.all_stores else ", ".join(f.stores))
    + " · the same files `sitoo-wh export` writes",
)

kind = str(
    st.selectbox("Export", list(ex.KINDS), format_func=lambda k: ex.KINDS[k], key="export_kind")
)
request = ex.Request(kind, f.period.start, f.period.end, f.stores)

if kind == ex.SIE4:
    if f.currency != "SEK":
        st.info(
            f"SIE4 books Swedish stores trading in SEK; the currency filter is {f.currency}. "
            "Choose SEK in the sidebar to export their vouchers.",
            icon=":material/info:",
        )
        st.stop()
    generated = st.date_input(
        "File date (#GEN)",
        value=date.today(),  # noqa: DTZ011 (local date)
        key="export_generated",
        format="YYYY-MM-DD",
        help="The date the file says it was generated (`--generated-on`)",
    )
    request = replace(
        request,
        generated=generated,
        mapping_file=ex.mapping_file(),
    )
    st.caption(
        "Accounts from "
        + (
            f"the mapping file `{request.mapping_file}`"
            if request.mapping_file
            else "the default (BAS) mapping"
        )
        + f". `sitoo-wh export mapping --out FILE` writes it to edit; set `{ex.MAPPING_ENV}` to "
        "the edited file for this page. Only Swedish stores in SEK apply."
    )
elif kind == ex.VAT_RETURN:
    periods = ex.return_periods(f.period.start, f.period.end)
    picked = str(st.selectbox("Return period (month or quarter)", periods, key="export_return"))
    request = replace(request, return_period=picked)
    st.caption("The return covers the whole month or quarter, whatever the sidebar's dates.")

stamp = db.snapshot().stamp
serving = db.serving_path()
try:
    try:
        built = ex.build(serving, request, stamp)
    except PeriodNotReconciledError as err:
        st.warning(
            f"{len(err.problems)} Z-report(s) in the period are unreconciled or missing:\n\n"
            + "\n".join(f"- {p.describe()}" for p in err.problems)
            + "\n\nFix the data (or re-sync) first, or export anyway.",
            icon=":material/warning:",
        )
        if not st.checkbox(
            "Export anyway (marks the vouchers as not reconciled)", key=f"export_force_{kind}"
        ):
            st.stop()
        request = replace(request, force=True)
        built = ex.build(serving, request, stamp)
except ExportError as err:
    st.error(str(err), icon=":material/error:")
    st.stop()

st.download_button(
    f"Download {built.file_name}",
    data=built.content,
    file_name=built.file_name,
    mime=built.mime,
    key="export_download",
    on_click="ignore",
    type="primary",
    icon=":material/download:",
)
st.caption(f"Same file as `{ex.command(request)}`")

st.subheader("Preview", anchor=False)
money = f"%.2f {f.currency}"
if kind == ex.SIE4:
    forced = sum(v.forced for v in built.vouchers)
    st.caption(
        f"{len(built.vouchers)} vouchers, one per store and business day"
        + (f"; {forced} marked {FORCED_MARKER!r}" if forced else "")
    )
    st.dataframe(
        charts.plottable(built.preview, dates=False),
        hide_index=True,
        width="stretch",
        column_config={
            "debit_total": st.column_config.NumberColumn("Debit total", format=money),
            "zreport_gross": st.column_config.NumberColumn("Z-report gross", format=money),
        },
        key="export_vouchers",
    )
    numbers = list(range(len(built.vouchers)))
    pick = st.selectbox(
        "Voucher",
        numbers,
        format_func=lambda i: f"{i + 1}: {built.vouchers[i].text}",
        key="export_voucher",
    )
    chosen = built.vouchers[int(pick or 0)]
    st.dataframe(
        charts.plottable(ex.voucher_rows(chosen, ex.load_mapping(request.mapping_file))),
        hide_index=True,
        width="stretch",
        column_config={
            "debit": st.column_config.NumberColumn("Debit", format=money),
            "credit": st.column_config.NumberColumn("Credit", format=money),
        },
        key="export_voucher_rows",
    )
elif kind == ex.VAT_RETURN:
    if built.problems:
        st.caption(f"{len(built.problems)} Z-report problem(s) are noted in the file.")
    st.dataframe(
        charts.plottable(built.preview, dates=False),
        hide_index=True,
        width="stretch",
        column_config={"amount": st.column_config.NumberColumn("Amount", format="%.2f")},
        key="export_vat_return",
    )
else:
    if built.sheets:
        st.caption(f"Sheets: {', '.join(built.sheets)}. The first rows of the first:")
    else:
        st.caption(f"The first {ex.PREVIEW_ROWS} rows:")
    st.dataframe(
        charts.plottable(built.preview, dates=False),
        hide_index=True,
        width="stretch",
        key="export_sales",
    )
