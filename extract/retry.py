"""When and how long to wait before repeating a failed request.

Sitoo documents 429 and 500 but no rate-limit numbers or headers (core §1.10), so the policy is
defensive: capped exponential backoff with full jitter, so that parallel workers do not retry in
lockstep, and never sooner than a `Retry-After` the server sent (jittered on top of it).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_EXPONENT = 62  # 2**62 seconds is already far beyond any max_delay; avoids float overflow


@dataclass(frozen=True)
class RetryPolicy:
    """How often to try a request and how long to back off between attempts."""

    max_attempts: int = 8
    """Attempts that may fail with an error (5xx, transport, malformed body), the first one
    included."""
    max_throttled: int = 30
    """429 answers after which one request gives up. Throttling is the server pacing
    us, not an error: every request throttled by one window comes back at once after the same
    `Retry-After`, and can be throttled again together several times before the pace settles,
    so it gets a budget of its own instead of eating the error attempts."""
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    max_retry_after: float = 120.0
    """A larger `Retry-After` is cut to this, so a confused server cannot park a run for hours."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.max_throttled < 1:
            raise ValueError(f"max_throttled must be >= 1, got {self.max_throttled}")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("base_delay, max_delay and max_retry_after must be >= 0")

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (0 for the first retry).

        Full jitter: uniform in [0, min(max_delay, base_delay * 2**attempt)]. When the server
        sent a `retry_after` (capped at `max_retry_after`), the jitter comes on top of it: every
        request throttled by the same burst gets the same `Retry-After`, and waiting exactly
        that long would send them back together, into the next burst, until they run out of
        attempts.
        """
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(max(attempt, 0), _MAX_EXPONENT))
        backoff = rng.uniform(0, ceiling)
        if retry_after is None:
            return backoff
        return min(max(retry_after, 0.0), self.max_retry_after) + backoff


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP-date), else None.

    `now` is the current Unix time, used for the HTTP-date form; a date in the past gives 0.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP-dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)
