"""A bad budget file is refused with the line to fix, before anything is pushed."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.budget import BudgetFileError, load_checked

STORES = {"SE-STO-01", "NO-OSL-01"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2026-04-01,SE-STO-01,100\n2026-04-01,SE-XXX-99,5\n", "line 3: unknown store 'SE-XXX-99'"),
        ("2026-04-01,SE-STO-01,100\n2026-04-31,SE-STO-01,5\n", "line 3: date '2026-04-31'"),
        ("2026-04-01,SE-STO-01,12,50\n", "line 2: expected 3 fields, got 4"),
        ("2026-04-01,SE-STO-01,tolv\n", "line 2: amount 'tolv' is not a number"),
        ("2026-04-01,SE-STO-01,1\n2026-04-01,SE-STO-01,2\n", "line 3: SE-STO-01 on 2026-04-01"),
    ],
)
def test_errors_name_the_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "budget.csv"
    path.write_text("date,store,amount\n" + body, encoding="utf-8")
    with pytest.raises(BudgetFileError) as info:
        load_checked(path, STORES)
    assert str(info.value).startswith(f"{path}, line")
    assert message in str(info.value)


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "budget.csv"
    path.write_text("date,store,amount\n2026-04-01,NO-OSL-01,1250.50\n", encoding="utf-8")
    [row] = load_checked(path, STORES)
    assert (row.store, str(row.amount)) == ("NO-OSL-01", "1250.50")
