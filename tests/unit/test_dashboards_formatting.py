"""Money and figures as the tiles and tables show them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dashboards.lib import formatting


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("12345.00"), "12 345.00 SEK"),
        (Decimal("1234567.891"), "1 234 567.89 SEK"),
        (Decimal("0.005"), "0.01 SEK"),  # half up, not banker's rounding
        (Decimal("-2258.5"), "-2 258.50 SEK"),
        (Decimal("-0.001"), "0.00 SEK"),  # no negative zero
        (0, "0.00 SEK"),
        (None, "—"),
    ],
)
def test_money_has_grouped_thousands_two_decimals_and_the_currency(
    amount: Decimal | None, expected: str
) -> None:
    assert formatting.money(amount, "SEK") == expected


def test_counts_numbers_and_percentages() -> None:
    assert formatting.count(1379) == "1 379"
    assert formatting.number(Decimal("2.085")) == "2.09"
    assert formatting.number(8.66, 1) == "8.7"
    assert formatting.percent(Decimal("0.0194")) == "1.9 %"
    assert formatting.signed_percent(Decimal("0.032")) == "+3.2 %"
    assert formatting.signed_percent(Decimal("-0.126")) == "-12.6 %"
    assert formatting.signed_points(Decimal("0.004")) == "+0.4 pp"
    assert formatting.signed_points(Decimal("-0.012")) == "-1.2 pp"
    assert formatting.percent(None) == "—"
