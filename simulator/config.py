"""Settings of the simulated chain and of the simulated API.

Two frozen dataclasses: `ChainConfig` decides *what* data exists (deterministic by seed),
`ApiConfig` decides *how* it is served (auth, limits, latency, faults, the unknowns of the real
API). Every default that encodes an unknown of the real Sitoo API is listed in simulator/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

DEFAULT_ACCOUNT_ID = 1500
DEFAULT_API_ID = "1500-1"
DEFAULT_PASSWORD = "sitoo-demo"  # noqa: S105 - the documented demo password of the simulator
DEFAULT_END_DATE = date(2026, 11, 26)


@dataclass(frozen=True)
class ChainConfig:
    """What the synthetic retail chain looks like; equal configs give byte-identical data."""

    seed: int = 42
    stores: int = 10
    days: int = 120
    end_date: date = DEFAULT_END_DATE
    scale: float = 1.0
    """Multiplier on customer traffic; about 8 gives one million order lines over 120 days."""
    products: int = 2000
    account_id: int = DEFAULT_ACCOUNT_ID
    practice_orders: bool = True
    """Practice-mode receipts also appear as orders (flagged in additionaldata)."""
    offline_rate: float = 0.03
    """Share of register-days on which the register goes offline and uploads hours later."""
    zreport_drop_rate: float = 0.0
    """Share of Z-reports never uploaded, to create gaps in a register's sequence."""

    def __post_init__(self) -> None:
        if not 1 <= self.stores <= 60:
            raise ValueError(f"stores must be between 1 and 60, got {self.stores}")
        if not 1 <= self.days <= 3660:
            raise ValueError(f"days must be between 1 and 3660, got {self.days}")
        if not 0 < self.scale <= 100:
            raise ValueError(f"scale must be in (0, 100], got {self.scale}")
        if not 20 <= self.products <= 50_000:
            raise ValueError(f"products must be between 20 and 50000, got {self.products}")
        for name in ("offline_rate", "zreport_drop_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")


@dataclass(frozen=True)
class ApiConfig:
    """How the simulated API behaves where the real one is documented or unknown."""

    api_id: str = DEFAULT_API_ID
    password: str = field(default=DEFAULT_PASSWORD, repr=False)
    extra_users: tuple[tuple[str, str], ...] = ()
    """More (API id, password) pairs; each API user has its own rate-limit bucket."""
    rate_limit: float = 0.0
    """Requests per second per API user (token bucket); 0 disables rate limiting."""
    rate_burst: int = 20
    retry_after: bool = True
    """Send `Retry-After` on 429 (unknown whether Sitoo does)."""
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    faults: dict[str, float] = field(default_factory=dict)
    fault_seed: int = 7
    slow_seconds: float = 30.0
    """How long a `slow` fault stalls a response: longer than a sane client timeout."""
    max_page_size: int = 1000
    """Largest `num` served; larger requests are clamped (the real maximum is unknown)."""
    page_size_policy: Literal["clamp", "error"] = "clamp"
    zreport_max: int = 500
    """Most items one `pos-z-reports` call returns (documented: 500)."""
    journal_max_num: int = 1000
    unknown_params: Literal["ignore", "reject"] = "ignore"
    journals_error_style: Literal["v2", "problem"] = "v2"
    insert_during_paging_minutes: int = 15
    metric_put_failure: Literal["reject", "partial"] = "reject"
    """A custom metric values PUT with bad items: `reject` answers 400 naming the first one and
    stores nothing; `partial` stores the good items and answers Sitoo's documented 500 "one or
    more of the requested items could not be inserted", naming none (core §4.1)."""

    def users(self) -> dict[str, str]:
        """API id → password of every accepted API user."""
        return {self.api_id: self.password, **dict(self.extra_users)}

    """How much trading an `insert_during_paging` fault reveals mid-paging."""
