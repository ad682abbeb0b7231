"""Data health: is what the other pages show complete and current? Freshness per stream,
the last extract runs, retries and rejects, and the rejected records themselves."""

from __future__ import annotations

import streamlit as st

from dashboards.lib import db, filters, formatting, health, queries, ui

filters.current()  # the page ignores the filters but needs app.py to have run
ui.page_header("Data health", "data_health", "Times are UTC; business dates are store-local")

now = health.utc_now()
published = db.snapshot()
streams = health.freshness(queries.stream_freshness(), now)
runs = queries.extract_runs()
rejected = queries.rejects()

age = health.age_hours(published.published_at, now)
c1, c2, c3, c4 = st.columns(4)
c1.metric(
    "Published",
    f"{formatting.number(age, 1)} h ago" if age is not None else "—",
    help=f"build {published.build_run_id} at {published.published_at} UTC",
    border=True,
)
c2.metric(
    "Streams not fresh", formatting.count(int((streams["state"] != "fresh").sum())), border=True
)
c3.metric(
    "Retries (last run)",
    formatting.count(int(runs["retries"].iloc[0]) if not runs.empty else 0),
    border=True,
)
c4.metric("Rejected records", formatting.count(len(rejected)), border=True)

st.subheader("Freshness per stream", anchor=False)
ui.table(streams, key="stream_freshness", decimals=("hours_since_success",))

st.subheader("Last extract runs", anchor=False)
ui.table(runs, key="extract_runs")

st.subheader("Newest business date per store", anchor=False)
ui.table(queries.latest_business_dates(), key="latest_business_dates")

st.subheader("Rejected records", anchor="rejected-records")
if rejected.empty:
    st.success("The extractor has rejected no records.")
else:
    streams_with_rejects = sorted(rejected["stream"].unique())
    shown = st.selectbox("Stream", ["all", *streams_with_rejects], key="rejects_stream")
    view = rejected if shown == "all" else rejected[rejected["stream"] == shown]
    ui.table(view, key="rejects")

with st.expander("Published tables"):
    ui.table(queries.published_tables(), key="published_tables")
