"""The budget file for the dashboards: `metrics.budget`'s parser behind Streamlit's cache.

The parsing lives in `metrics.budget` (no Streamlit there, so the CLI's push imports it without
a "No runtime found" warning); this module only adds the cache, re-read when the file changes.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from metrics.budget import COLUMNS, BudgetError, BudgetRow, load, parse, total

__all__ = ["COLUMNS", "BudgetError", "BudgetRow", "load", "parse", "rows", "total"]


@st.cache_data(ttl="15m", max_entries=4, show_spinner=False)
def _cached(path: str, modified_ns: int) -> list[BudgetRow]:
    del modified_ns  # only part of the cache key: an edited file is read again
    return load(Path(path))


def rows(path: Path) -> list[BudgetRow]:
    """The budget file's rows, re-read when the file changes."""
    try:
        modified = path.stat().st_mtime_ns
    except OSError as err:
        raise BudgetError(f"cannot read the budget file {path}: {err.strerror}") from None
    return _cached(str(path), modified)
