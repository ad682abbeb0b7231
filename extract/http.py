"""The one HTTP client of a Sitoo source: auth, pacing, retries, typed errors and counters.

Every request of a run goes through `ApiClient.request` (reads through `get_json`), so the rate
limit, the retry policy and the rule that credentials never reach a message or a log line are
enforced in one place.
"""

from __future__ import annotations

import base64
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote, urlsplit

import httpx
import orjson

from extract.errors import (
    EXCERPT_CHARS,
    AuthError,
    FatalApiError,
    MalformedResponse,
    RetriableApiError,
)
from extract.ratelimit import AdaptiveRateLimiter
from extract.retry import RetryPolicy, parse_retry_after
from sitoo_wh.config import Secret, is_loopback_host

logger = logging.getLogger(__name__)

_DISTRIBUTION = "sitoo-warehouse"
_MIN_REDACTED_LENGTH = 4  # shorter "passwords" would blank out ordinary words in messages


@cache
def user_agent() -> str:
    """`sitoo-wh/<version>`, so Sitoo can tell this integration apart in its logs."""
    try:
        return f"sitoo-wh/{version(_DISTRIBUTION)}"
    except PackageNotFoundError:
        return "sitoo-wh/0+unknown"


def check_base_url(base_url: str) -> None:
    """Refuse URLs that would send Basic auth in clear text or smuggle credentials in userinfo.

    Messages name the scheme and host only: the URL itself may contain a password.
    """
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"base_url must be an http(s) URL with a host (scheme {parts.scheme!r})")
    if parts.username is not None or parts.password is not None:
        raise ValueError("base_url must not embed credentials; pass api_id and password instead")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError(
            f"refusing plain http to {host}: Basic auth would travel unencrypted; use https "
            "(plain http is allowed only for loopback hosts, such as the local simulator)"
        )


def describe(request: httpx.Request) -> str:
    """`GET /v2/accounts/1500/orders.json?start=0&num=1000`: no host, userinfo or headers."""
    return f"{request.method} {unquote(request.url.raw_path.decode('ascii'))}"


@dataclass
class RequestStats:
    """Counters of one client, safe to update from many worker threads."""

    requests: int = 0
    """Requests sent, every attempt counted."""
    retries: int = 0
    """Attempts that repeated an earlier failed one."""
    throttled: int = 0
    """429 answers."""
    errors: int = 0
    """Failed attempts of any kind: error status, transport failure, malformed body."""
    bytes: int = 0
    """Response body bytes received."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(
        self,
        *,
        requests: int = 0,
        retries: int = 0,
        throttled: int = 0,
        errors: int = 0,
        received: int = 0,
    ) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.throttled += throttled
            self.errors += errors
            self.bytes += received

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "throttled": self.throttled,
                "errors": self.errors,
                "bytes": self.bytes,
            }


class _Sinks:
    """The stats objects one request counts into: the client's own and maybe a stream's."""

    def __init__(self, *targets: RequestStats) -> None:
        self._targets = targets

    def add(
        self,
        *,
        requests: int = 0,
        retries: int = 0,
        throttled: int = 0,
        errors: int = 0,
        received: int = 0,
    ) -> None:
        for target in self._targets:
            target.add(
                requests=requests,
                retries=retries,
                throttled=throttled,
                errors=errors,
                received=received,
            )


@dataclass(frozen=True)
class _Failure:
    """A failed attempt that the policy may retry."""

    error: RetriableApiError
    retry_after: float | None = None


class _Budget:
    """The retries one request has left: 429s and errors are counted apart (see RetryPolicy)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy
        self.failed = 0
        self.throttled = 0

    @property
    def retries(self) -> int:
        return self.failed + self.throttled

    def spend(self, error: RetriableApiError) -> str | None:
        """Count `error`; a note for the log if the request may try again, None if not."""
        if error.status == 429:
            self.throttled += 1
            limit = self._policy.max_throttled
            if self.throttled >= limit:
                return None
            return f"throttled {self.throttled} of at most {limit} times"
        self.failed += 1
        limit = self._policy.max_attempts
        if self.failed >= limit:
            return None
        return f"attempt {self.failed} of {limit} failed"


class ApiClient:
    """A long-lived, thread-safe JSON client for one Sitoo API root (v2 account or Journals v3).

    Paths passed to `get_json` are relative to `base_url`, e.g. `/orders.json` under
    `https://api.mysitoo.com/v2/accounts/1500`.
    """

    def __init__(
        self,
        base_url: str,
        api_id: str,
        password: Secret,
        *,
        limiter: AdaptiveRateLimiter,
        policy: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, hence safe to share
        timeout: float = 60.0,
        max_connections: int = 16,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        check_base_url(base_url)
        if max_connections < 1:
            raise ValueError(f"max_connections must be >= 1, got {max_connections}")
        self.base_url = base_url.rstrip("/")
        self.api_id = api_id
        self.limiter = limiter
        self.policy = policy
        self.stats = RequestStats()
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._rng_lock = threading.Lock()
        self._secrets = _secret_forms(api_id, password)
        self._client = httpx.Client(
            base_url=self.base_url,
            auth=httpx.BasicAuth(api_id, password.reveal()),
            headers={"Accept": "application/json", "User-Agent": user_agent()},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=30.0,
            ),
            transport=transport,
            follow_redirects=False,  # a redirect elsewhere must not take the credentials along
        )

    def get_json(
        self,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        stats: RequestStats | None = None,
    ) -> Any:
        """GET `path` and return the parsed JSON body, retrying what the policy allows.

        Counts go to `self.stats` and also to `stats` when given (e.g. one per stream).

        Raises `FatalApiError`/`AuthError` at once, or the last `RetriableApiError` after
        `policy.max_attempts` failed attempts or `policy.max_throttled` 429 answers. An absolute
        URL is refused: it would carry the credentials to another host.
        """
        return self.request("GET", path, params=params, stats=stats)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: str | None = None,
        stats: RequestStats | None = None,
        final: Callable[[RetriableApiError], bool] | None = None,
    ) -> Any:
        """Send `method path` with an optional JSON `body` and return the parsed JSON answer
        (None for an empty 2xx answer to a write), under the same auth, pacing, retry policy,
        counters and redaction as `get_json`.

        `body` is JSON text the caller encoded (the custom metrics push writes exact Decimals,
        which no JSON library here does). Only send what is safe to repeat: a failed attempt
        is retried as the policy allows, and the server may have acted on it. `final` marks a
        retriable-looking failure that repeating cannot fix (raised at once).
        """
        if not path.startswith("/") or path.startswith("//"):
            raise ValueError(f"path must be relative to base_url and start with '/', got {path!r}")
        request = self._client.build_request(
            method,
            path,
            params=dict(params or {}),
            content=None if body is None else body.encode("utf-8"),
            headers=None if body is None else {"Content-Type": "application/json"},
        )
        label = describe(request)
        extra = () if stats is None or stats is self.stats else (stats,)
        counters = _Sinks(self.stats, *extra)
        budget = _Budget(self.policy)
        while True:
            self.limiter.acquire()
            outcome = self._attempt(request, label, counters)
            if not isinstance(outcome, _Failure):
                return outcome
            spent = budget.spend(outcome.error)
            if spent is None or (final is not None and final(outcome.error)):
                raise outcome.error
            with self._rng_lock:
                delay = self.policy.delay(budget.retries - 1, outcome.retry_after, self._rng)
            logger.info(
                "retrying %s in %.2f s after %s (%s)", label, delay, outcome.error.message, spent
            )
            counters.add(retries=1)
            self._sleep(delay)

    def _attempt(self, request: httpx.Request, label: str, counters: _Sinks) -> Any:
        """Send once; return the JSON value or a `_Failure`, or raise a fatal error."""
        counters.add(requests=1)
        try:
            response = self._client.send(request)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            counters.add(errors=1)
            detail = self._redact(str(exc)) or "no detail"
            error = RetriableApiError(f"{type(exc).__name__}: {detail}", request=label)
            error.__cause__ = exc
            return _Failure(error)
        status = response.status_code
        body = response.content
        counters.add(received=len(body))
        if response.is_success:
            if not body and request.method != "GET":
                self.limiter.reward()
                return None  # a write answered with no body: done (a GET must have JSON)
            try:
                value = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                counters.add(errors=1)
                malformed = MalformedResponse(
                    f"HTTP {status} with a body that is not valid JSON ({exc})",
                    request=label,
                    status=status,
                    excerpt=self._excerpt(body),
                )
                return _Failure(malformed)
            self.limiter.reward()
            return value
        counters.add(errors=1)
        return self._failed_status(response, label, counters)

    def _failed_status(self, response: httpx.Response, label: str, counters: _Sinks) -> _Failure:
        status = response.status_code
        excerpt = self._excerpt(response.content)
        summary = f"HTTP {status} {response.reason_phrase}".rstrip()
        detail = _error_text(response.content)
        message = f"{summary}: {self._redact(detail)}" if detail else summary
        if status in self.policy.retry_statuses:
            if status == 429:
                counters.add(throttled=1)
                self.limiter.penalize()
            retry_after = parse_retry_after(response.headers.get("Retry-After"), time.time())
            return _Failure(RetriableApiError(message, request=label, status=status), retry_after)
        if status in (401, 403):
            raise AuthError(
                f"{message.rstrip('.')}. Sitoo rejected API user {self.api_id!r}: check "
                "SITOO_API_ID and SITOO_API_PASSWORD, and that this machine's public IP is on "
                "the account's allowed IPs (Backoffice: Settings, Sitoo REST API)",
                request=label,
                status=status,
                excerpt=excerpt,
            )
        raise FatalApiError(message, request=label, status=status, excerpt=excerpt)

    def _excerpt(self, body: bytes) -> str:
        return self._redact(body[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace"))

    def _redact(self, text: str) -> str:
        """Blank out the password and the Basic token in case a server or proxy echoes them."""
        for secret in self._secrets:
            text = text.replace(secret, "********")
        return text

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ApiClient(base_url={self.base_url!r}, api_id={self.api_id!r})"


def _secret_forms(api_id: str, password: Secret) -> tuple[str, ...]:
    """The password and the Basic-auth token derived from it, as they could appear in text."""
    secret = password.reveal()
    if len(secret) < _MIN_REDACTED_LENGTH:
        return ()
    token = base64.b64encode(f"{api_id}:{secret}".encode()).decode("ascii")
    return (token, secret)


def _error_text(body: bytes) -> str:
    """Sitoo's `errortext` (or an RFC 7807 `detail`/`title`) from an error body, if there is one."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(parsed, dict):
        return ""
    for key in ("errortext", "detail", "title", "message"):
        value = parsed.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""
