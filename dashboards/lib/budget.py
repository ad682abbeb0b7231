"""Sales budgets from a CSV file (`date,store,amount`), the format a later issue pushes to
Sitoo as custom metrics. The amount is the store's net sales target for the day, in the
store's currency, excluding VAT, so it compares with net sales.

A bad file is a configuration error that names the line, so the person who exported it from a
spreadsheet can fix it; it never turns into a silently wrong attainment.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

import streamlit as st

COLUMNS: Final = ("date", "store", "amount")


class BudgetError(ValueError):
    """The budget file cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class BudgetRow:
    day: date
    store: str
    amount: Decimal


def parse(lines: Iterable[str], source: str = "budget") -> list[BudgetRow]:
    """Rows of a budget CSV; raises BudgetError naming the first bad line."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise BudgetError(f"{source}: the file is empty; expected the header {','.join(COLUMNS)}")
    if tuple(h.strip().lower() for h in header) != COLUMNS:
        raise BudgetError(
            f"{source}, line 1: expected the header {','.join(COLUMNS)}, got {','.join(header)}"
        )
    rows: list[BudgetRow] = []
    seen: dict[tuple[date, str], int] = {}
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(COLUMNS):
            raise BudgetError(
                f"{source}, line {line}: expected {len(COLUMNS)} fields, got {len(fields)}"
            )
        raw_day, raw_store, raw_amount = (f.strip() for f in fields)
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            raise BudgetError(
                f"{source}, line {line}: date {raw_day!r} is not YYYY-MM-DD"
            ) from None
        if not raw_store:
            raise BudgetError(f"{source}, line {line}: the store is empty")
        try:
            amount = Decimal(raw_amount.replace(" ", ""))
        except InvalidOperation:
            raise BudgetError(
                f"{source}, line {line}: amount {raw_amount!r} is not a number "
                "(use a point as the decimal separator)"
            ) from None
        if not amount.is_finite():
            raise BudgetError(f"{source}, line {line}: amount {raw_amount!r} is not a number")
        key = (day, raw_store)
        if key in seen:
            raise BudgetError(
                f"{source}, line {line}: {raw_store} on {day} already has a budget "
                f"(line {seen[key]})"
            )
        seen[key] = line
        rows.append(BudgetRow(day, raw_store, amount))
    return rows


def load(path: Path) -> list[BudgetRow]:
    """Read and parse the budget file."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return parse(handle, source=str(path))
    except OSError as err:
        raise BudgetError(f"cannot read the budget file {path}: {err.strerror}") from None


def total(
    rows: Iterable[BudgetRow], start: date, end: date, stores: Collection[str]
) -> Decimal | None:
    """The budget of the stores over the dates, or None when none of them has one."""
    amounts = [r.amount for r in rows if start <= r.day <= end and r.store in stores]
    return sum(amounts, Decimal(0)) if amounts else None


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
