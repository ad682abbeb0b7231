"""The budget file for the push: the dashboards' parser plus the check only a push needs.

The CSV format and its line-naming errors are the dashboards' (`dashboards.lib.budget`), so
both read a file the same way. A push also refuses stores the warehouse does not know: a typo
in a store id would otherwise become a metric value no dashboard ever shows.

That module imports Streamlit, which logs a "No runtime found" warning outside the app, so it
is imported only when a push has a budget file.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashboards.lib.budget import BudgetRow


class BudgetFileError(ValueError):
    """The budget file cannot be pushed; the message names the file and line."""


def load_checked(path: Path, known_stores: Collection[str]) -> list[BudgetRow]:
    """The budget rows; BudgetFileError naming the line of a bad row or an unknown store."""
    from dashboards.lib.budget import BudgetError, load

    try:
        rows = load(path)
    except BudgetError as err:
        raise BudgetFileError(str(err)) from None
    for row in rows:
        if row.store not in known_stores:
            line = _line_of(path, row.store)
            raise BudgetFileError(
                f"{path}, line {line}: unknown store {row.store!r} (the store's Sitoo external "
                f"id; known: {', '.join(sorted(known_stores)) or 'none'})"
            )
    return rows


def _line_of(path: Path, store: str) -> int:
    """The first line naming `store`, for the error message."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        for fields in reader:
            if len(fields) > 1 and fields[1].strip() == store:
                return reader.line_num
    return 0
