"""Overview: the morning question — how did we do, against last period and last year?"""

from __future__ import annotations

import streamlit as st

from dashboards.lib import budget, charts, filters, formatting, kpis, queries, settings, ui

f = filters.current()
ui.page_header(
    "Overview",
    "overview",
    f"{f.period.label()} · {f.currency} · "
    + ("all stores" if f.all_stores else f"{len(f.stores)} stores")
    + " · compared with the previous period and the same weekdays last year",
)

totals = queries.sales_totals(f)
if not totals.has_sales:
    ui.no_rows("takings")
    st.stop()
previous = queries.sales_totals(f, f.period.previous())
last_year = queries.sales_totals(f, f.period.last_year())
now = kpis.overview(totals)
before = kpis.overview(previous) if previous.has_sales else {}
year_ago = kpis.overview(last_year) if last_year.has_sales else {}

columns = st.columns(3)
for i, kpi in enumerate(kpis.OVERVIEW_KPIS):
    with columns[i % 3]:
        ui.kpi_tile(kpi, now[kpi.key], before.get(kpi.key), year_ago.get(kpi.key), f.currency)

budget_file = settings.load().budget_file
if budget_file is not None:
    try:
        target = budget.total(budget.rows(budget_file), f.period.start, f.period.end, f.stores)
    except budget.BudgetError as err:
        st.warning(f"The budget is not shown: {err}")
    else:
        reached = kpis.attainment(totals.net_sales, target)
        if target is not None and reached is not None:
            st.metric(
                "Budget attainment",
                formatting.percent(reached),
                help="Net sales ÷ the budget of the selected stores and dates.",
                border=True,
            )
            st.caption(f"Budget {formatting.money(target, f.currency)}")

st.subheader("Net sales per day", anchor=False)
daily = queries.sales_by_store_day(f)
ui.chart(charts.daily_by_store(daily, "net_sales", f"Net sales ({f.currency})"), "overview_daily")

st.subheader("Store ranking", anchor=False)
ranking = queries.store_ranking(f)
rank_by = {
    "Average transaction value": ("atv", ",.2f"),
    "Units per transaction": ("upt", ",.2f"),
    "Return rate": ("return_rate", ".1%"),
    "Discount rate": ("discount_rate", ".1%"),
    "Net sales": ("net_sales", ",.0f"),
}
chosen = str(st.selectbox("Rank stores by", list(rank_by), key="overview_rank_by"))
measure, fmt = rank_by[chosen]
ui.chart(charts.ranked_bars(ranking, "store", measure, chosen, fmt), "overview_ranking")
ui.table(
    ranking,
    key="store_ranking",
    currency=f.currency,
    money=("net_sales", "atv"),
    rates=("return_rate", "discount_rate"),
    decimals=("upt",),
    labels={"atv": "ATV", "upt": "UPT"},
)
