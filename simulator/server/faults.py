"""Seeded, configurable fault injection and artificial latency for the simulator.

Which fault (if any) hits a request is decided here; *how* it manifests is up to the caller
(a status code, a `TransportFault`, or rows inserted mid-paging).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping

FAULT_NAMES = (
    "status_500",
    "status_502",
    "status_503",
    "status_504",
    "status_429",
    "disconnect",
    "slow",
    "truncated",
    "insert_during_paging",
)
_BURSTY = "status_429"


class FaultInjector:
    """Draws at most one fault per request, deterministically for a seed and call sequence.

    Each draw consumes one random number: a fault with rate r fires with probability r (rates
    are scaled down proportionally if they add up to more than 1). `status_429` comes in
    bursts, like a real throttle window: once it fires, the next `burst_length - 1` draws
    return it too, without drawing, unless `burst_seconds` have passed since it fired. The
    429 tells the client to come back in a second (`Retry-After: 1`); a window that outlived
    that wait would punish the client for obeying it.
    """

    def __init__(
        self,
        seed: int,
        burst_length: int = 3,
        *,
        burst_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst_length < 1:
            raise ValueError(f"burst_length must be >= 1, got {burst_length}")
        if burst_seconds <= 0:
            raise ValueError(f"burst_seconds must be > 0, got {burst_seconds}")
        self.seed = seed
        self.burst_length = burst_length
        self.burst_seconds = burst_seconds
        self._clock = clock
        self._burst_ends = 0.0
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._rates: dict[str, float] = {}
        self._counts = dict.fromkeys(FAULT_NAMES, 0)
        self._burst_left = 0

    def set_rates(self, rates: Mapping[str, float]) -> None:
        """Replace all rates at once; an empty mapping turns every fault off."""
        checked: dict[str, float] = {}
        for name, value in rates.items():
            rate: object = value  # the mapping often comes straight from JSON
            if name not in FAULT_NAMES:
                raise ValueError(f"unknown fault {name!r}; known faults: {', '.join(FAULT_NAMES)}")
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
                raise ValueError(f"rate of fault {name!r} must be between 0 and 1, got {rate!r}")
            checked[name] = float(rate)
        with self._lock:
            self._rates = checked
            if not checked.get(_BURSTY):
                self._burst_left = 0

    @property
    def rates(self) -> dict[str, float]:
        with self._lock:
            return dict(self._rates)

    @property
    def counts(self) -> dict[str, int]:
        """How many requests each fault hit (every 429 of a burst counts)."""
        with self._lock:
            return dict(self._counts)

    def draw(self) -> str | None:
        """The fault for the next request, or None."""
        with self._lock:
            if self._burst_left > 0 and self._clock() < self._burst_ends:
                self._burst_left -= 1
                self._counts[_BURSTY] += 1
                return _BURSTY
            self._burst_left = 0
            total = sum(self._rates.values())
            point = self._rng.random() * max(1.0, total)
            cumulative = 0.0
            for name in FAULT_NAMES:
                rate = self._rates.get(name, 0.0)
                if rate <= 0:
                    continue
                cumulative += rate
                if point < cumulative:
                    self._counts[name] += 1
                    if name == _BURSTY:
                        self._burst_left = self.burst_length - 1
                        self._burst_ends = self._clock() + self.burst_seconds
                    return name
            return None

    def reset(self) -> None:
        """Back to the freshly constructed state: no rates, zero counts, same seed."""
        with self._lock:
            self._rng = random.Random(self.seed)
            self._rates = {}
            self._counts = dict.fromkeys(FAULT_NAMES, 0)
            self._burst_left = 0


class Latency:
    """Artificial per-request delay: `fixed_ms` plus uniform jitter in [0, `jitter_ms`]."""

    def __init__(self, fixed_ms: float = 0, jitter_ms: float = 0, seed: int = 0) -> None:
        if fixed_ms < 0 or jitter_ms < 0:
            raise ValueError(f"latency must be >= 0, got fixed={fixed_ms} jitter={jitter_ms}")
        self.fixed_ms = fixed_ms
        self.jitter_ms = jitter_ms
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def delay(self) -> float:
        """Seconds to wait before answering the next request."""
        if self.jitter_ms == 0:
            return self.fixed_ms / 1000
        with self._lock:
            jitter = self._rng.uniform(0, self.jitter_ms)
        return (self.fixed_ms + jitter) / 1000
