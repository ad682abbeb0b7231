"""Per-user token-bucket rate limiting, so clients can exercise their 429/Retry-After path."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
"""A monotonic clock in seconds; injectable so tests need not sleep."""


class TokenBucket:
    """`rate` tokens per second up to `burst`; starts full so a fresh client gets its burst."""

    def __init__(self, rate: float, burst: float, clock: Clock = time.monotonic) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be > 0, got {rate}")
        if not burst >= 1:
            raise ValueError(f"burst must be >= 1, got {burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take a token and return 0.0, or return the seconds until one exists (taking none)."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._updated = now
            self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate


class RateLimiter:
    """One lazily created `TokenBucket` per key (the Basic-auth user); `rate <= 0` disables it."""

    def __init__(
        self, rate: float, burst: float | None = None, clock: Clock = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(1.0, rate) if burst is None else burst
        """Defaults to one second's worth of requests."""
        if self.enabled and not self.burst >= 1:
            raise ValueError(f"burst must be >= 1, got {self.burst}")
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, key: str) -> float:
        """0.0 if `key` may proceed now, else the seconds it should wait (for Retry-After)."""
        if not self.enabled:
            return 0.0
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, self._clock)
        return bucket.acquire()

    def reset(self) -> None:
        """Forget every bucket, so every user starts again with a full burst."""
        with self._lock:
            self._buckets.clear()
