from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from simulator.money import (
    div_round,
    fmt_decimal,
    fmt_money,
    fmt_qty,
    rate_number,
    round_cash,
    vat_of_gross,
)


@pytest.mark.parametrize(
    ("minor", "text"),
    [(0, "0.00"), (5, "0.05"), (12350, "123.50"), (-239200, "-2392.00"), (-7, "-0.07")],
)
def test_fmt_money_has_exactly_two_decimals(minor: int, text: str) -> None:
    assert fmt_money(minor) == text


def test_fmt_decimal_and_quantity_have_three_decimals() -> None:
    assert fmt_decimal(6500) == "6.500"
    assert fmt_decimal(-13000) == "-13.000"
    assert fmt_qty(-3) == "-3.000"


def test_div_round_is_half_away_from_zero() -> None:
    assert div_round(5, 2) == 3
    assert div_round(-5, 2) == -3
    assert div_round(4, 3) == 1
    assert div_round(-4, 3) == -1
    assert div_round(7, -2) == -4


@pytest.mark.parametrize("rate_bp", [2500, 2550, 1500, 1350, 1200, 600, 0])
def test_vat_of_gross_matches_decimal_arithmetic(rate_bp: int) -> None:
    for gross in (1, 99, 12345, 99900, -24900, 1_000_000):
        rate = Decimal(rate_bp) / 100
        expected = (
            (Decimal(gross) * rate / (100 + rate)).quantize(Decimal(1), ROUND_HALF_UP)
            if gross >= 0
            else -(Decimal(-gross) * rate / (100 + rate)).quantize(Decimal(1), ROUND_HALF_UP)
        )
        assert vat_of_gross(gross, rate_bp) == int(expected), (gross, rate_bp)


def test_round_cash_to_whole_krona_and_five_cents() -> None:
    assert round_cash(24950, 100) == 25000
    assert round_cash(24949, 100) == 24900
    assert round_cash(1232, 5) == 1230
    assert round_cash(1233, 5) == 1235
    assert round_cash(-24950, 100) == -25000


def test_rate_number_is_an_int_when_whole() -> None:
    assert rate_number(2500) == 25
    assert isinstance(rate_number(2500), int)
    assert rate_number(2550) == 25.5
