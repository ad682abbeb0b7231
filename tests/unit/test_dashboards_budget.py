"""Budget CSV parsing: good files give exact amounts, bad ones name the line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dashboards.lib import budget
from dashboards.lib.budget import BudgetError, BudgetRow

GOOD = """date,store,amount
2026-11-20,SE-STO-01,100000.00
2026-11-20,SE-GOT-02, 80 000.50

2026-11-21,SE-STO-01,95000
"""


def test_a_good_file_parses_to_exact_amounts(tmp_path: Path) -> None:
    path = tmp_path / "budget.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")  # spreadsheets like a BOM

    rows = budget.load(path)

    assert rows == [
        BudgetRow(date(2026, 11, 20), "SE-STO-01", Decimal("100000.00")),
        BudgetRow(date(2026, 11, 20), "SE-GOT-02", Decimal("80000.50")),
        BudgetRow(date(2026, 11, 21), "SE-STO-01", Decimal(95000)),
    ]


def test_total_covers_the_dates_and_stores_or_is_none() -> None:
    rows = budget.parse(GOOD.splitlines())

    start, end = date(2026, 11, 20), date(2026, 11, 21)
    assert budget.total(rows, start, end, {"SE-STO-01"}) == Decimal("195000.00")
    assert budget.total(rows, start, start, {"SE-STO-01", "SE-GOT-02"}) == Decimal("180000.50")
    assert budget.total(rows, start, end, {"NO-OSL-03"}) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("day,shop,amount\n", "line 1: expected the header date,store,amount"),
        ("date,store,amount\n2026-11-20,SE-STO-01\n", "line 2: expected 3 fields, got 2"),
        ("date,store,amount\n2026-11-20,A,1\n20/11/2026,A,1\n", "line 3: date '20/11/2026'"),
        ("date,store,amount\n2026-11-20,,1\n", "line 2: the store is empty"),
        ("date,store,amount\n2026-11-20,A,1,5\n", "line 2: expected 3 fields, got 4"),
        ('date,store,amount\n2026-11-20,A,"1,5"\n', "line 2: amount '1,5' is not a number"),
        ("date,store,amount\n2026-11-20,A,NaN\n", "line 2: amount 'NaN' is not a number"),
        ("date,store,amount\n2026-11-20,A,1\n\n2026-11-20,A,2\n", "line 4: A on 2026-11-20"),
    ],
)
def test_a_bad_file_names_the_line(text: str, message: str) -> None:
    with pytest.raises(BudgetError, match=message.replace("(", r"\(")):
        budget.parse(text.splitlines(keepends=True), source="budget.csv")


def test_a_missing_file_is_a_budget_error(tmp_path: Path) -> None:
    with pytest.raises(BudgetError, match="cannot read the budget file"):
        budget.load(tmp_path / "absent.csv")
