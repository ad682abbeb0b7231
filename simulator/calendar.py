"""Store-local trading calendar: opening hours, holidays, and how busy a day and hour are."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

# (opening hour, closing hour) in local time, Monday=0 … Sunday=6.
OPENING_HOURS: dict[int, tuple[int, int]] = {
    0: (10, 19),
    1: (10, 19),
    2: (10, 19),
    3: (10, 19),
    4: (10, 19),
    5: (10, 17),
    6: (11, 16),
}
WEEKDAY_FACTOR = (0.80, 0.85, 0.90, 1.00, 1.20, 1.45, 0.90)
MONTH_FACTOR = (0.80, 0.75, 0.85, 0.90, 0.95, 1.00, 0.90, 0.95, 0.95, 1.00, 1.10, 1.50)
# Relative traffic per local hour of the day (index = hour).
HOUR_WEIGHTS = (
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0.7,
    0.9,
    1.3,
    1.4,
    1.1,
    1.0,
    1.2,
    1.5,
    1.4,
    0.8,
    0.5,
    0,
    0,
    0,
)


def _black_friday(year: int) -> date:
    first = date(year, 11, 1)
    first_friday = first + timedelta(days=(4 - first.weekday()) % 7)
    return first_friday + timedelta(weeks=3)


def _midsummer_eve(year: int) -> date:
    day = date(year, 6, 19)
    return day + timedelta(days=(4 - day.weekday()) % 7)


def is_closed(country: str, day: date) -> bool:
    """Public holidays on which the chain's stores stay closed."""
    md = (day.month, day.day)
    if md in ((12, 25), (1, 1)):
        return True
    if country in ("NO", "FI") and md == (12, 26):
        return True
    if country == "NO" and md == (5, 17):
        return True
    if country == "FI" and md == (12, 6):
        return True
    return country == "SE" and day == _midsummer_eve(day.year)


def day_factor(day: date) -> float:
    """How busy a day is relative to an ordinary day."""
    factor = WEEKDAY_FACTOR[day.weekday()] * MONTH_FACTOR[day.month - 1]
    if day == _black_friday(day.year):
        factor *= 2.2
    elif day.month == 12 and 18 <= day.day <= 23:
        factor *= 1.4
    return factor


@lru_cache(maxsize=65_536)
def local_epoch(tz: str, day: date, seconds: int) -> int:
    """Unix time of `seconds` after local midnight of `day` in the time zone `tz`."""
    hours, rest = divmod(seconds, 3600)
    days, hours = divmod(hours, 24)
    local = datetime.combine(
        day + timedelta(days=days), time(hours, rest // 60, rest % 60), tzinfo=ZoneInfo(tz)
    )
    return int(local.timestamp())


def opening(day: date) -> tuple[int, int]:
    """Opening and closing hour of an ordinary store on `day`."""
    return OPENING_HOURS[day.weekday()]
