"""Custom metrics: preview and push the figures `sitoo-wh metrics push` writes to Sitoo's
back-office dashboard, for the sidebar's period and every store."""

from __future__ import annotations

import streamlit as st

from dashboards.lib import custom_metrics as cm
from dashboards.lib import db, filters, formatting, settings, ui
from metrics.budget import BudgetError
from metrics.compute import ComputeError
from metrics.definitions import DefinitionError
from metrics.push import MetricApiError, MetricConflict

PREVIEW_KEY = "cm_preview"
RESULT_KEY = "cm_result"

f = filters.current()
ui.page_header(
    "Custom metrics",
    "custom_metrics",
    f"{f.period.label()} · every store (Sitoo gets each store's value; the store and currency "
    "filters do not apply) · the same push as `sitoo-wh metrics push`",
)

try:
    account = cm.credentials()
except cm.NotConfigured as err:
    st.info(
        "Sitoo credentials are not configured, so this page cannot read or write the "
        f"account's custom metrics.\n\n{err}\n\nSet SITOO_BASE_URL, SITOO_ACCOUNT_ID, "
        "SITOO_API_ID and SITOO_API_PASSWORD (or `[sitoo]` in `sitoo-wh.toml`) where the "
        "dashboards run, then reload.",
        icon=":material/key_off:",
    )
    st.stop()
try:
    definitions = cm.load_definitions()
except DefinitionError as err:
    st.error(f"The metric definitions cannot be used: {err}", icon=":material/error:")
    st.stop()

budget_file = settings.load().budget_file
available, left_out = cm.offered(definitions, budget_file)
if left_out:
    st.caption(
        f"{', '.join(d.key for d in left_out)} need a budget file (`SITOO_WH_BUDGET_FILE` or "
        "`budget_file` under `[dashboards]`) and are not offered."
    )
described = {d.key: d.description for d in available}
keys = st.multiselect(
    "Metrics",
    list(described),
    default=list(described),
    format_func=lambda k: f"{k} — {described[k]}" if described[k] else k,
    key="cm_metrics",
)
if not keys:
    st.info("Pick at least one metric.")
    st.stop()
request = cm.Request(tuple(str(k) for k in keys), f.period.start, f.period.end)
serving = db.serving_path()


def _problem(err: Exception) -> None:
    """A failure the user can act on, in the push's own words (which never hold secrets)."""
    if isinstance(err, MetricConflict):
        st.error(str(err), icon=":material/block:")
        st.info(cm.conflict_help(err.keys, request, budget_file), icon=":material/terminal:")
    elif isinstance(err, MetricApiError):
        st.error(f"Sitoo refused a request for {err.key or 'the metric list'}: {err}")
    else:
        st.error(str(err), icon=":material/error:")


if st.button("Preview", key="cm_preview_button", icon=":material/preview:"):
    st.session_state.pop(RESULT_KEY, None)
    try:
        with st.spinner("Reading what Sitoo holds…"):
            plans = cm.preview(account, serving, budget_file, definitions, request)
    except (MetricApiError, BudgetError, ComputeError, ValueError) as err:
        st.session_state.pop(PREVIEW_KEY, None)
        _problem(err)
        st.stop()
    st.session_state[PREVIEW_KEY] = (request, plans)

stored = st.session_state.get(PREVIEW_KEY)
if stored is None or stored[0] != request:
    st.caption("Preview reads what Sitoo holds for these metrics and writes nothing.")
    st.stop()
plans = stored[1]

st.subheader("Preview", anchor=False)
counts = cm.totals(plans)
c1, c2, c3 = st.columns(3)
c1.metric("New", formatting.count(counts["new"]), border=True)
c2.metric("Changed", formatting.count(counts["changed"]), border=True)
c3.metric("Unchanged", formatting.count(counts["unchanged"]), border=True)
ui.table(
    cm.summary(plans),
    key="cm_summary",
    labels={"in_sitoo": "In Sitoo", "only_in_sitoo": "Only in Sitoo"},
)
ui.table(cm.comparison(plans), key="cm_values", labels={"sitoo": "In Sitoo"})

conflicts = [p.key for p in plans if p.conflict]
if conflicts:
    st.error(
        f"{', '.join(conflicts)}: Sitoo holds {'this metric' if len(conflicts) == 1 else 'these'}"
        " with another definition (grouping, type or format). Nothing can be pushed.",
        icon=":material/block:",
    )
    st.info(cm.conflict_help(conflicts, request, budget_file), icon=":material/terminal:")
    st.stop()

result = st.session_state.get(RESULT_KEY)
if result is None or result[0] != request:
    writes = counts["new"] + counts["changed"]
    created = [p.key for p in plans if p.remote is None]
    if writes == 0 and not created:
        st.success("Sitoo already holds these values: nothing to push.")
        st.stop()
    st.subheader("Push", anchor=False)
    st.caption(
        f"Writes {writes} values to Sitoo"
        + (f" and creates {', '.join(created)}" if created else "")
        + ". Unchanged values are not sent; values only in Sitoo are left alone."
    )
    confirmed = st.checkbox(cm.CONFIRM_TEXT, key="cm_confirm")
    clicked = st.button(
        "Push to Sitoo", key="cm_push_button", type="primary", icon=":material/upload:"
    )
    if clicked and not confirmed:
        st.warning(f"Nothing was written: tick “{cm.CONFIRM_TEXT}” first.")
    if not (clicked and confirmed):
        st.stop()
    with st.status("Pushing to Sitoo…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")

        def _progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"{done} of {total} values sent")

        try:
            outcome = cm.run_push(account, serving, budget_file, definitions, request, _progress)
        except (MetricApiError, MetricConflict, BudgetError, ComputeError, ValueError) as err:
            status.update(label="The push stopped", state="error")
            _problem(err)
            st.stop()
        failed = outcome.report.failed
        status.update(
            label=f"{outcome.report.written} values written"
            + (f", {failed} refused" if failed else ""),
            state="error" if failed else "complete",
            expanded=False,
        )
    result = (request, outcome)
    st.session_state[RESULT_KEY] = result
    st.session_state[PREVIEW_KEY] = (request, outcome.after)  # the preview is stale now

outcome = result[1]
st.subheader("Result", anchor=False)
report = outcome.report
r1, r2 = st.columns(2)
r1.metric("Written", formatting.count(report.written), border=True)
r2.metric("Refused", formatting.count(report.failed), border=True)
for item in report.results:
    for value, message in item.failed:
        st.error(f"{item.key}: Sitoo refused {value.describe()}: {message}")
st.caption("Read back from Sitoo after the push:")
ui.table(cm.comparison(outcome.after), key="cm_after", labels={"sitoo": "In Sitoo"})
if outcome.log_error:
    st.warning(f"The push was not logged: {outcome.log_error}")
else:
    st.caption("Push log (`meta.metrics_push_log` in metrics.duckdb):")
    st.dataframe(outcome.log_rows, hide_index=True, key="cm_log")
