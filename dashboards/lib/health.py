"""How fresh the data is: ages of the extract streams against the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import pandas as pd

STALE_HOURS: Final = 26.0
"""A daily sync that missed one night is late; allow a couple of hours of run time."""


def utc_now() -> datetime:
    """Now in UTC without a zone, like the warehouse's timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


def age_hours(when: object, now: datetime) -> float | None:
    """Hours since a UTC timestamp, or None when there is none."""
    if when is pd.NaT or not isinstance(when, datetime):  # NaT is a datetime too
        return None
    return (now - when).total_seconds() / 3600


def freshness(streams: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """The streams with the age of their last success and a plain-words state."""
    out = streams.copy()
    ages = [age_hours(t, now) for t in out["last_success_utc"]]
    out["hours_since_success"] = ages
    out["state"] = [
        "failing"
        if outcome != "ok"
        else "never"
        if age is None
        else "stale"
        if age > STALE_HOURS
        else "fresh"
        for outcome, age in zip(out["last_outcome"], ages, strict=True)
    ]
    first = ["stream", "state", "hours_since_success"]
    return out[first + [c for c in out.columns if c not in first]]
