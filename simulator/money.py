"""Exact money arithmetic for the simulator.

Amounts are held as integers of minor units (öre, cents) so that every total the simulator
publishes adds up to the öre; they only become Sitoo's 2-decimal strings at serialisation.
VAT rates are integers of basis points (25 % = 2500, 25.5 % = 2550).
"""

from __future__ import annotations


def fmt_money(minor: int) -> str:
    """Format minor units as Sitoo's money string: exactly two decimals, `.` separator."""
    if minor >= 0:
        return f"{minor // 100}.{minor % 100:02d}"
    minor = -minor
    return f"-{minor // 100}.{minor % 100:02d}"


def fmt_decimal(thousandths: int) -> str:
    """Format thousandths as Sitoo's decimal string: exactly three decimals."""
    sign = "-" if thousandths < 0 else ""
    whole, frac = divmod(abs(thousandths), 1000)
    return f"{sign}{whole}.{frac:03d}"


def fmt_qty(quantity: int) -> str:
    """A whole quantity as a Sitoo decimal string (`3` → `"3.000"`)."""
    return fmt_decimal(quantity * 1000)


def div_round(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (the rounding tills use)."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def vat_of_gross(gross: int, rate_bp: int) -> int:
    """VAT contained in a VAT-inclusive amount: gross × rate / (100 % + rate), rounded."""
    return div_round(gross * rate_bp, 10_000 + rate_bp)


def round_cash(amount: int, unit: int) -> int:
    """Round an amount to the smallest coin (`unit` minor units), half away from zero."""
    return div_round(amount, unit) * unit


def rate_number(rate_bp: int) -> int | float:
    """A VAT rate as Sitoo's JSON number: `25` when whole, `25.5` otherwise."""
    if rate_bp % 100 == 0:
        return rate_bp // 100
    return rate_bp / 100
