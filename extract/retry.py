"""When and how long to wait before repeating a failed request.

Sitoo documents 429 and 500 but no rate-limit numbers or headers (core §1.10), so the policy is
defensive: capped exponential backoff with full jitter, so that parallel workers do not retry in
lockstep, and never sooner than a `Retry-After` the server sent.
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
    """Attempts in total, the first one included."""
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    max_retry_after: float = 120.0
    """A larger `Retry-After` is cut to this, so a confused server cannot park a run for hours."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("base_delay, max_delay and max_retry_after must be >= 0")

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (0 for the first retry).

        Full jitter: uniform in [0, min(max_delay, base_delay * 2**attempt)], but at least the
        server's `retry_after` (capped at `max_retry_after`) when it sent one.
        """
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(max(attempt, 0), _MAX_EXPONENT))
        backoff = rng.uniform(0, ceiling)
        if retry_after is None:
            return backoff
        return max(backoff, min(max(retry_after, 0.0), self.max_retry_after))


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
