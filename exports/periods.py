"""Export periods: a date range, a month (2026-04) or a quarter (2026-Q2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from exports.errors import ExportError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    """Business dates from start to end, both included (store-local)."""

    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ExportError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def name(self) -> str:
        return self.label or f"{self.start.isoformat()}..{self.end.isoformat()}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExportError(f"not a date (YYYY-MM-DD): {text!r}") from None


def between(start: str | date, end: str | date) -> Period:
    first = start if isinstance(start, date) else parse_date(start)
    last = end if isinstance(end, date) else parse_date(end)
    return Period(first, last)


def month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def parse_return_period(text: str) -> Period:
    """A VAT return period: a month `2026-04` or a quarter `2026-Q2`."""
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ExportError(f"not a month: {text!r}")
        return Period(date(year, month, 1), month_end(year, month), text)
    if m := _QUARTER.match(text):
        year, quarter = int(m[1]), int(m[2])
        first = 3 * quarter - 2
        return Period(date(year, first, 1), month_end(year, first + 2), f"{year}-Q{quarter}")
    raise ExportError(f"not a VAT return period (YYYY-MM or YYYY-Qn): {text!r}")


def fiscal_year(day: date, start_month: int) -> Period:
    """The fiscal year holding `day` (SIE #RAR 0)."""
    year = day.year if day.month >= start_month else day.year - 1
    start = date(year, start_month, 1)
    end = month_end(year + (start_month + 10) // 12, (start_month + 10) % 12 + 1)
    return Period(start, end)
