"""Client-side pacing, so a run stays under Sitoo's (undocumented) rate limit instead of hitting it.

The limiter is shared by every worker thread of a run. It backs off multiplicatively when the
server answers 429 and recovers additively on success (AIMD), so it settles just below whatever
the real limit is without knowing the number.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

RECOVERY_SHARE = 0.05
"""Share of the configured rate won back by each successful request."""


class AdaptiveRateLimiter:
    """A thread-safe token bucket of `burst` tokens refilled at `current_rate` per second.

    Implemented as a virtual schedule (GCRA): each `acquire` reserves the next free slot under a
    lock and sleeps outside it, so concurrent callers are spaced `1 / rate` apart without polling.
    A `rate` of 0 or less means unlimited.
    """

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        min_rate: float = 0.5,
    ) -> None:
        if burst < 1:
            raise ValueError(f"burst must be >= 1, got {burst}")
        if min_rate <= 0:
            raise ValueError(f"min_rate must be > 0, got {min_rate}")
        self._rate = float(rate)
        self._current = float(rate)
        self._burst = burst
        self._floor = min(min_rate, self._rate)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: float | None = None

    @property
    def unlimited(self) -> bool:
        return self._rate <= 0

    @property
    def rate(self) -> float:
        """The configured rate, the ceiling that `reward` recovers to."""
        return self._rate

    @property
    def current_rate(self) -> float:
        with self._lock:
            return self._current

    def acquire(self) -> None:
        """Block until the caller may send one request."""
        if self.unlimited:
            return
        with self._lock:
            now = self._clock()
            interval = 1.0 / self._current
            slot = now if self._next_slot is None else max(self._next_slot, now)
            wait = slot - (self._burst - 1) * interval - now
            self._next_slot = slot + interval
        if wait > 0:
            self._sleep(wait)

    def penalize(self) -> None:
        """The server throttled us (429): halve the rate, but not below `min_rate`."""
        if self.unlimited:
            return
        with self._lock:
            self._current = max(self._floor, self._current / 2)

    def reward(self) -> None:
        """A request succeeded: win back a little of the configured rate."""
        if self.unlimited:
            return
        with self._lock:
            self._current = min(self._rate, self._current + RECOVERY_SHARE * self._rate)

    def __repr__(self) -> str:
        return (
            f"AdaptiveRateLimiter(rate={self._rate}, burst={self._burst}, "
            f"current_rate={self.current_rate})"
        )
