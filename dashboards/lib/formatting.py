"""Numbers as a Nordic back-office shows them: money with its currency code, thousands grouped
with a space, rounded half up at the last step only (the figures themselves stay Decimal)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

THOUSANDS: Final = " "
CENT: Final = Decimal("0.01")


def _grouped(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{places}f}".replace(",", THOUSANDS)
    return f"-{text}" if rounded < 0 else text


def money(amount: Decimal | int | None, currency: str) -> str:
    """`12 345.00 SEK`; an absent amount is an em dash, never `0.00`."""
    if amount is None:
        return "—"
    return f"{_grouped(Decimal(amount), 2)} {currency}"


def count(value: Decimal | int | None) -> str:
    """A whole number with grouped thousands."""
    if value is None:
        return "—"
    return _grouped(Decimal(value), 0)


def number(value: Decimal | float | None, places: int = 2) -> str:
    """A plain figure such as units per transaction."""
    if value is None:
        return "—"
    return _grouped(Decimal(str(value)) if isinstance(value, float) else Decimal(value), places)


def percent(ratio: Decimal | None, places: int = 1) -> str:
    """A ratio (0.123) as `12.3 %`."""
    if ratio is None:
        return "—"
    return f"{_grouped(ratio * 100, places)} %"


def signed_percent(ratio: Decimal | None, places: int = 1) -> str:
    """A relative change (0.032) as `+3.2 %`, for metric deltas."""
    if ratio is None:
        return "—"
    text = percent(ratio, places)
    return text if text.startswith("-") else f"+{text}"


def signed_points(delta: Decimal | None, places: int = 1) -> str:
    """A change of a rate in percentage points (0.004 → `+0.4 pp`)."""
    if delta is None:
        return "—"
    text = _grouped(delta * 100, places)
    return f"{text} pp" if text.startswith("-") else f"+{text} pp"
