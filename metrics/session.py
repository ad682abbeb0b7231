"""What every push opens, shared by `sitoo-wh metrics push` and the dashboard's Custom metrics
page, so both push the same values the same way: the definitions (built-ins plus the user's
file), the serving copy with the budget loaded, and the Sitoo client with its pacing and
retry policy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import duckdb

from extract.http import ApiClient
from extract.ratelimit import AdaptiveRateLimiter
from extract.retry import RetryPolicy
from metrics import compute
from metrics.budget import load_checked
from metrics.definitions import MetricDefinition, combine, load_file
from sitoo_wh.config import Settings

BUDGET_ENV: Final = "SITOO_WH_BUDGET_FILE"
DEFINITIONS_ENV: Final = "SITOO_WH_METRICS_FILE"
DEFAULT_RATE_LIMIT: Final = 5.0
DEFAULT_MAX_ATTEMPTS: Final = 8
DEFAULT_MAX_BACKOFF: Final = 30.0


def env_path(name: str, env: Mapping[str, str] | None = None) -> Path | None:
    """The file a variable names, or None when it is unset or empty."""
    value = (os.environ if env is None else env).get(name)
    return Path(value) if value else None


def definitions(file: Path | None) -> list[MetricDefinition]:
    """The built-ins with the user's definitions (DefinitionError for a bad file)."""
    return combine(load_file(file) if file else [])


def open_serving(serving: Path, budget_file: Path | None) -> duckdb.DuckDBPyConnection:
    """`serving.duckdb` read-only, with the budget file checked and loaded when there is one."""
    con = compute.connect(serving)
    try:
        if budget_file is not None:
            compute.load_budget(con, load_checked(budget_file, compute.known_stores(con)))
    except BaseException:
        con.close()
        raise
    return con


def open_client(
    settings: Settings,
    *,
    rate_limit: float = DEFAULT_RATE_LIMIT,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    max_backoff: float = DEFAULT_MAX_BACKOFF,
) -> ApiClient:
    """The v2 client of the account, paced and retried like the extractors."""
    return ApiClient(
        settings.v2_url,
        settings.api_id,
        settings.api_password,
        limiter=AdaptiveRateLimiter(rate_limit, burst=max(1, int(rate_limit))),
        policy=RetryPolicy(max_attempts=max_attempts, max_delay=max_backoff),
    )
