"""The data dictionary: every published mart and column with its type and its description.

Types come from the serving copy itself (what a reader of `serving.duckdb` actually gets);
descriptions come from dbt's manifest, which every `sitoo-wh build` writes to
`dbt/target/manifest.json` and `sitoo-wh docs` copies to `docs/manifest.json` next to the
static docs site (`docs/index.html`). The newer of the two manifests wins, so the page needs
no `sitoo-wh docs` run to show descriptions, only to offer the full dbt docs site.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
import streamlit as st

from dashboards.lib import db

SCHEMA: Final = "marts"
MANIFESTS: Final = ("docs/manifest.json", "dbt/target/manifest.json")
DOCS_PAGE: Final = "docs/index.html"
MODEL_COLUMNS: Final = ("model", "columns", "rows", "description")
COLUMN_COLUMNS: Final = ("model", "column", "data_type", "description")


@dataclass(frozen=True)
class Descriptions:
    """Mart and column descriptions from one manifest."""

    models: pd.DataFrame
    """model, description."""
    columns: pd.DataFrame
    """model, column, description."""
    source: Path | None


def _text(value: Any) -> str:
    """One line: a doc block may wrap, a table cell should not."""
    return " ".join(str(value or "").split())


def descriptions(manifest: Mapping[str, Any], source: Path | None = None) -> Descriptions:
    """The marts' descriptions out of a parsed dbt manifest."""
    models: list[tuple[str, str]] = []
    columns: list[tuple[str, str, str]] = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("schema") != SCHEMA:
            continue
        name = str(node.get("alias") or node["name"])
        models.append((name, _text(node.get("description"))))
        for column, spec in node.get("columns", {}).items():
            columns.append((name, str(column), _text(spec.get("description"))))
    return Descriptions(
        pd.DataFrame.from_records(models, columns=["model", "description"]),
        pd.DataFrame.from_records(columns, columns=["model", "column", "description"]),
        source,
    )


def manifest_path(data_dir: Path) -> Path | None:
    """The newest manifest in the data directory, or None before the first build."""
    found = [data_dir / name for name in MANIFESTS if (data_dir / name).is_file()]
    return max(found, key=lambda p: p.stat().st_mtime_ns) if found else None


def docs_page(data_dir: Path) -> Path | None:
    """The static dbt docs site `sitoo-wh docs` wrote, if it has run."""
    page = data_dir / DOCS_PAGE
    return page if page.is_file() else None


@st.cache_data(max_entries=4, show_spinner=False)
def _load(path: str, identity: tuple[int, int]) -> Descriptions:
    del identity  # only part of the cache key: a rewritten manifest is read again
    return descriptions(json.loads(Path(path).read_text(encoding="utf-8")), Path(path))


def load_descriptions(data_dir: Path) -> Descriptions:
    """Descriptions from the newest manifest, read again only when it changes."""
    path = manifest_path(data_dir)
    if path is None:
        return descriptions({})
    stat = path.stat()
    return _load(str(path), (stat.st_mtime_ns, stat.st_size))


def published_columns() -> pd.DataFrame:
    """model, column, data_type of every mart column in the serving copy, in table order."""
    return db.query(
        """
        SELECT table_name AS model, column_name AS "column", data_type
        FROM information_schema.columns
        WHERE table_schema = $schema
        ORDER BY table_name, ordinal_position
        """,
        {"schema": SCHEMA},
    )


def published_rows() -> pd.DataFrame:
    """model, rows: row counts as the publish recorded them."""
    return db.query(
        """
        SELECT split_part(table_name, '.', 2) AS model, row_count AS "rows"
        FROM meta.published
        WHERE split_part(table_name, '.', 1) = $schema
        """,
        {"schema": SCHEMA},
    )


def columns_table(types: pd.DataFrame, docs: Descriptions) -> pd.DataFrame:
    """Published columns with their descriptions; a column dbt does not know gets ''."""
    merged = types.merge(docs.columns, on=["model", "column"], how="left")
    merged["description"] = merged["description"].fillna("")
    return merged.loc[:, list(COLUMN_COLUMNS)].reset_index(drop=True)


def models_table(types: pd.DataFrame, rows: pd.DataFrame, docs: Descriptions) -> pd.DataFrame:
    """One row per published mart: its column count, rows and description."""
    counts = types.groupby("model", sort=True).size().rename("columns").reset_index()
    merged = counts.merge(rows, on="model", how="left").merge(docs.models, on="model", how="left")
    merged["description"] = merged["description"].fillna("")
    return merged.loc[:, list(MODEL_COLUMNS)].reset_index(drop=True)


def search(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    """Rows where every word of `text` occurs (any case) in some text column."""
    words = text.lower().split()
    if not words or frame.empty:
        return frame
    haystack = (
        frame.select_dtypes(include=["object", "string"])
        .fillna("")
        .astype(str)
        .agg(" ".join, axis=1)
        .str.lower()
    )
    keep = pd.Series(True, index=frame.index)
    for word in words:
        keep &= haystack.str.contains(word, regex=False)
    return frame.loc[keep].reset_index(drop=True)


def undescribed(columns: pd.DataFrame) -> int:
    """Published columns without a description (0 when the manifest matches the copy)."""
    return int((columns["description"].str.strip() == "").sum())
