"""The dashboards' one entrypoint (`sitoo-wh serve` runs it): page config, the optional
password, the global filters in the sidebar and the navigation.

Page url_paths are stable (browser tests and bookmarks rely on them), and every page's title
carries the same string as its DOM anchor. Sections leave room for the exports and custom
metrics pages of later issues.
"""

from __future__ import annotations

import streamlit as st

from dashboards.lib import auth, db, filters, queries, settings
from sitoo_wh.config import ConfigError

st.set_page_config(
    page_title="Sitoo retail warehouse", page_icon=":material/storefront:", layout="wide"
)

PAGES = {
    "Sales": [
        st.Page(
            "views/overview.py",
            title="Overview",
            icon=":material/dashboard:",
            url_path="overview",
            default=True,
        ),
        st.Page("views/sales.py", title="Sales", icon=":material/point_of_sale:", url_path="sales"),
    ],
    "Finance": [
        st.Page("views/vat.py", title="VAT", icon=":material/receipt_long:", url_path="vat"),
        st.Page(
            "views/payments.py", title="Payments", icon=":material/payments:", url_path="payments"
        ),
        st.Page(
            "views/zreports.py",
            title="Z-reports",
            icon=":material/fact_check:",
            url_path="zreports",
        ),
    ],
    "Accounting": [
        st.Page(
            "views/exports.py", title="Exports", icon=":material/download:", url_path="exports"
        ),
        st.Page(
            "views/custom_metrics.py",
            title="Custom metrics",
            icon=":material/cloud_upload:",
            url_path="custom_metrics",
        ),
    ],
    "Operations": [
        st.Page(
            "views/inventory.py",
            title="Inventory",
            icon=":material/inventory_2:",
            url_path="inventory",
        ),
        st.Page(
            "views/data_health.py",
            title="Data health",
            icon=":material/monitor_heart:",
            url_path="data_health",
        ),
        st.Page(
            "views/data_dictionary.py",
            title="Data dictionary",
            icon=":material/menu_book:",
            url_path="data_dictionary",
        ),
    ],
}


def _problem(title: str, message: str) -> None:
    st.title(title, anchor="no-data")
    st.info(message, icon=":material/info:")


try:
    config = settings.load()
except ConfigError as err:
    st.navigation(PAGES, position="hidden")
    _problem("Configuration problem", str(err))
    st.stop()

if config.password is not None and not auth.signed_in(config.password):
    password = config.password
    st.navigation(
        [st.Page(lambda: auth.login_form(password), title="Sign in", url_path="sign_in")],
        position="hidden",
    ).run()
    st.stop()

page = st.navigation(PAGES)
try:
    published = db.snapshot()
    bounds = queries.date_bounds()
    stores = queries.stores()
except db.NoServingCopy as err:
    _problem(
        "No data yet",
        f"{err}.\n\nRun `sitoo-wh sync` to extract from Sitoo and publish the warehouse "
        "(or `make demo` to try it on the bundled simulator), then reload this page.",
    )
    st.stop()
if bounds is None or not stores:
    _problem(
        "No takings yet",
        "The warehouse is published but holds no sales yet. Run `sitoo-wh sync` again once "
        "the stores have traded.",
    )
    st.stop()

filters.sidebar(stores, *bounds)
with st.sidebar:
    when = published.published_at
    st.caption(f"Data published {when:%Y-%m-%d %H:%M} UTC" if when else "Data published")
page.run()
