"""Sales budgets from a CSV file (`date,store,amount`): the parser the dashboards and the push
share, so both read a file the same way. The amount is the store's net sales target for the
day, in the store's currency, excluding VAT, so it compares with net sales.

A bad file is a configuration error that names the line, so the person who exported it from a
spreadsheet can fix it; it never turns into a silently wrong attainment or metric. A push also
refuses stores the warehouse does not know: a typo in a store id would otherwise become a
metric value no dashboard ever shows.

Streamlit-free on purpose: importing Streamlit outside the app logs "No runtime found", and the
CLI must not depend on it. `dashboards.lib.budget` adds the app's cache on top.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

COLUMNS: Final = ("date", "store", "amount")


class BudgetError(ValueError):
    """The budget file cannot be used; the message names the file and line."""


class BudgetFileError(BudgetError):
    """The budget file cannot be pushed; the message names the file and line."""


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


def load_checked(path: Path, known_stores: Collection[str]) -> list[BudgetRow]:
    """The budget rows; BudgetFileError naming the line of a bad row or an unknown store."""
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
