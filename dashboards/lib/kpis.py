"""KPI definitions and period comparisons, as pure functions over Decimal totals.

The definitions follow the retail reference (docs: retail-domain-and-peers §4.2) on the marts'
figures: net sales exclude VAT and are net of returns; transactions are sale receipts (as the
Z-report's numsales); returns are refunded goods including VAT, dated on the refund day. A
ratio with a zero denominator is None ("no figure"), never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

ZERO: Final = Decimal(0)
SAME_WEEKDAY_LAST_YEAR: Final = timedelta(days=364)
"""52 weeks back: the same weekdays, so a Saturday is compared with a Saturday."""


class Kind(StrEnum):
    MONEY = "money"
    COUNT = "count"
    NUMBER = "number"
    RATE = "rate"


@dataclass(frozen=True)
class Period:
    """An inclusive range of store-local business dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def last_year(self) -> Period:
        """The same weekdays 52 weeks earlier."""
        return Period(self.start - SAME_WEEKDAY_LAST_YEAR, self.end - SAME_WEEKDAY_LAST_YEAR)

    def label(self) -> str:
        return str(self.start) if self.days == 1 else f"{self.start} – {self.end}"


@dataclass(frozen=True)
class SalesTotals:
    """Sums of fct_sales_daily over a period, stores and one currency."""

    net_sales: Decimal = ZERO
    gross_sales: Decimal = ZERO
    discount_amount: Decimal = ZERO
    returns_amount: Decimal = ZERO
    transactions: int = 0
    refund_transactions: int = 0
    units: Decimal = ZERO
    days_with_sales: int = 0

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> SalesTotals:
        """From a query row whose NULL sums (no rows) mean zero."""

        def dec(name: str) -> Decimal:
            value = row.get(name)
            return ZERO if value is None else Decimal(str(value))

        def num(name: str) -> int:
            value = row.get(name)
            return 0 if value is None else int(str(value))

        return cls(
            net_sales=dec("net_sales"),
            gross_sales=dec("gross_sales"),
            discount_amount=dec("discount_amount"),
            returns_amount=dec("returns_amount"),
            transactions=num("transactions"),
            refund_transactions=num("refund_transactions"),
            units=dec("units"),
            days_with_sales=num("days_with_sales"),
        )

    @property
    def has_sales(self) -> bool:
        return self.days_with_sales > 0


@dataclass(frozen=True)
class KpiDef:
    key: str
    label: str
    kind: Kind
    higher_is_better: bool
    help: str


OVERVIEW_KPIS: Final = (
    KpiDef(
        "net_sales",
        "Net sales",
        Kind.MONEY,
        True,
        "Excluding VAT, after discounts, net of returns.",
    ),
    KpiDef("transactions", "Transactions", Kind.COUNT, True, "Sale receipts (Z-report numsales)."),
    KpiDef("atv", "Average transaction value", Kind.MONEY, True, "Net sales ÷ transactions."),
    KpiDef(
        "upt", "Units per transaction", Kind.NUMBER, True, "Units (sold − returned) ÷ transactions."
    ),
    KpiDef(
        "returns", "Returns", Kind.MONEY, False, "Refunded goods including VAT, on the refund day."
    ),
    KpiDef(
        "discount_rate",
        "Discount rate",
        Kind.RATE,
        False,
        "Discounts ÷ sales before discounts (both including VAT).",
    ),
)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator ÷ denominator, or None when there is nothing to divide by."""
    if denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def discount_rate(t: SalesTotals) -> Decimal | None:
    """Discounts over what the goods would have cost without them (VAT included on both)."""
    return ratio(t.discount_amount, t.gross_sales + t.discount_amount)


def return_rate(t: SalesTotals) -> Decimal | None:
    """Returns over sales before returns (VAT included on both)."""
    return ratio(t.returns_amount, t.gross_sales + t.returns_amount)


def overview(t: SalesTotals) -> dict[str, Decimal | int | None]:
    """The Overview page's six figures, keyed like OVERVIEW_KPIS."""
    return {
        "net_sales": t.net_sales,
        "transactions": t.transactions,
        "atv": ratio(t.net_sales, t.transactions),
        "upt": ratio(t.units, t.transactions),
        "returns": t.returns_amount,
        "discount_rate": discount_rate(t),
    }


def change(
    current: Decimal | int | None, previous: Decimal | int | None, kind: Kind
) -> Decimal | None:
    """How a figure moved: relative change for amounts and counts, the difference (in
    percentage points once formatted) for rates. None when there is nothing to compare with."""
    if current is None or previous is None:
        return None
    if kind is Kind.RATE:
        return Decimal(current) - Decimal(previous)
    if previous == 0:
        return None
    return (Decimal(current) - Decimal(previous)) / abs(Decimal(previous))


def attainment(actual: Decimal, budget: Decimal | None) -> Decimal | None:
    """Actual net sales ÷ budget; None without a (non-zero) budget."""
    if budget is None:
        return None
    return ratio(actual, budget)
