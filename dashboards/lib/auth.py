"""The optional password in front of the dashboards.

The password comes from configuration (`SITOO_WH_DASHBOARD_PASSWORD` or the TOML file), is
compared in constant time and is never logged or echoed. It is a door lock for a shop's back
office, not a user system: bind to 127.0.0.1 (the default) or put a proxy with TLS in front.
"""

from __future__ import annotations

import hmac
from typing import Final

import streamlit as st

from sitoo_wh.config import Secret

SIGNED_IN_KEY: Final = "signed_in"
PASSWORD_INPUT_KEY: Final = "login_password"  # noqa: S105 - a widget key


def check(given: str, expected: Secret) -> bool:
    """Constant-time comparison of the typed password with the configured one."""
    return hmac.compare_digest(given.encode("utf-8"), expected.reveal().encode("utf-8"))


def signed_in(expected: Secret | None) -> bool:
    """Whether this browser session may see the pages."""
    return expected is None or bool(st.session_state.get(SIGNED_IN_KEY))


def login_form(expected: Secret) -> None:
    """The sign-in page shown instead of every other page until the password is right."""
    st.title("Sign in", anchor="sign-in")
    st.caption("These dashboards are protected by a password set in the warehouse configuration.")
    with st.form("login", clear_on_submit=True):
        given = st.text_input("Password", type="password", key=PASSWORD_INPUT_KEY)
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if check(given, expected):
            st.session_state[SIGNED_IN_KEY] = True
            st.rerun()
        st.error("That password is not right.")
