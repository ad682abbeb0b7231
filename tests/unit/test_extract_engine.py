"""The extractor's HTTP engine offline: retries, errors, secrecy, pacing and the paging styles.

Everything runs on `httpx.MockTransport` with injected sleep, clock and RNG, so no socket is
opened and no test waits for real time (except a few thread hand-offs bounded by timeouts).
"""

from __future__ import annotations

import base64
import logging
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from typing import Any

import httpx
import pytest

from extract.errors import (
    ApiError,
    AuthError,
    ExtractError,
    FatalApiError,
    MalformedResponse,
    PaginationError,
    RetriableApiError,
)
from extract.http import ApiClient, RequestStats
from extract.paging import OffsetPage, cursor_pages, offset_pages, zreport_batches
from extract.ratelimit import AdaptiveRateLimiter
from extract.retry import RetryPolicy, parse_retry_after
from sitoo_wh.config import Secret

API_ID = "1500-1"
PASSWORD = "Pw-7f3kQz-not-for-logs"
TOKEN = base64.b64encode(f"{API_ID}:{PASSWORD}".encode()).decode("ascii")
BASE = "http://127.0.0.1:8765/v2/accounts/1500"
ORDERS_QUERY = {"start": 0, "num": 1000}
ORDERS_LABEL = "GET /v2/accounts/1500/orders.json?start=0&num=1000"

Step = httpx.Response | Exception


# ----------------------------------------------------------------------------- helpers


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Script:
    """A MockTransport handler that plays a fixed sequence of responses (or raises errors)."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return step


def make_client(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    policy: RetryPolicy | None = None,
    limiter: AdaptiveRateLimiter | None = None,
    sleeps: list[float] | None = None,
) -> ApiClient:
    recorded = sleeps if sleeps is not None else []
    return ApiClient(
        BASE,
        API_ID,
        Secret(PASSWORD),
        limiter=limiter or AdaptiveRateLimiter(0),
        policy=policy or RetryPolicy(base_delay=0.1, max_delay=2.0),
        transport=httpx.MockTransport(handler),
        sleep=recorded.append,
        rng=random.Random(1),
    )


def ok(body: Any = None) -> httpx.Response:
    return httpx.Response(200, json={"totalcount": 0, "items": []} if body is None else body)


def sitoo_error(status: int, text: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"statuscode": status, "errortext": text}, headers=headers)


# ----------------------------------------------------------------------------- ApiClient


def test_requests_are_relative_to_base_url_with_auth_and_headers() -> None:
    script = Script(ok({"hello": "world"}))
    with make_client(script) as client:
        assert client.get_json("/orders.json", ORDERS_QUERY) == {"hello": "world"}
    (request,) = script.requests
    assert str(request.url) == BASE + "/orders.json?start=0&num=1000"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("sitoo-wh/")
    assert request.headers["Authorization"] == f"Basic {TOKEN}"
    assert client.stats.snapshot() == {
        "requests": 1,
        "retries": 0,
        "throttled": 0,
        "errors": 0,
        "bytes": len(b'{"hello":"world"}'),
    }


def test_429_honours_retry_after_and_slows_the_limiter() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(10, clock=clock, sleep=clock.sleep)
    script = Script(
        sitoo_error(429, "Too Many Requests.", {"Retry-After": "7"}),
        sitoo_error(429, "Too Many Requests.", {"Retry-After": "3"}),
        ok(),
    )
    sleeps: list[float] = []
    with make_client(script, limiter=limiter, sleeps=sleeps) as client:
        assert client.get_json("/orders.json", ORDERS_QUERY) == {"totalcount": 0, "items": []}
    # Never sooner than Retry-After; the jitter (at most 0.1 and 0.2 s) comes on top of it.
    assert 7.0 <= sleeps[0] <= 7.1
    assert 3.0 <= sleeps[1] <= 3.2
    assert limiter.current_rate == pytest.approx(10 / 4 + 0.5)  # halved twice, one reward
    stats = client.stats.snapshot()
    assert (stats["requests"], stats["retries"], stats["throttled"], stats["errors"]) == (
        3,
        2,
        2,
        2,
    )


def test_429s_have_a_budget_of_their_own_apart_from_errors() -> None:
    """Throttling is the server pacing us: five 429s and two 503s fit a request allowed three
    error attempts; the third 503 ends it."""

    def throttled(n: int) -> list[httpx.Response]:
        return [sitoo_error(429, "Too Many Requests.", {"Retry-After": "1"}) for _ in range(n)]

    def busy(n: int) -> list[httpx.Response]:
        return [sitoo_error(503, "Service temporarily unavailable.") for _ in range(n)]

    policy = RetryPolicy(max_attempts=3, max_throttled=10, base_delay=0.1, max_delay=2.0)
    with make_client(Script(*throttled(5), *busy(2), ok()), policy=policy) as client:
        assert client.get_json("/orders.json", ORDERS_QUERY) == {"totalcount": 0, "items": []}
    assert client.stats.throttled == 5
    assert client.stats.retries == 7
    with (
        make_client(Script(*throttled(5), *busy(3), ok()), policy=policy) as client,
        pytest.raises(RetriableApiError) as caught,
    ):
        client.get_json("/orders.json", ORDERS_QUERY)
    assert caught.value.status == 503


def test_a_request_throttled_max_throttled_times_gives_up() -> None:
    throttled = [sitoo_error(429, "Too Many Requests.", {"Retry-After": "1"}) for _ in range(4)]
    policy = RetryPolicy(max_attempts=8, max_throttled=4, base_delay=0.1, max_delay=2.0)
    script = Script(*throttled, ok())
    with (
        make_client(script, policy=policy) as client,
        pytest.raises(RetriableApiError) as caught,
    ):
        client.get_json("/orders.json", ORDERS_QUERY)
    assert caught.value.status == 429
    assert len(script.requests) == 4
    with pytest.raises(ValueError, match="max_throttled"):
        RetryPolicy(max_throttled=0)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(status: int) -> None:
    script = Script(sitoo_error(status, "Internal Server Error."), ok())
    sleeps: list[float] = []
    with make_client(script, sleeps=sleeps) as client:
        client.get_json("/orders.json", ORDERS_QUERY)
    assert len(script.requests) == 2
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.1
    assert client.stats.retries == 1
    assert client.stats.throttled == 0


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
    ],
    ids=["connect", "timeout", "dropped"],
)
def test_transport_failures_are_retried(error: Exception) -> None:
    script = Script(error, ok())
    with make_client(script) as client:
        assert client.get_json("/orders.json") == {"totalcount": 0, "items": []}
    assert len(script.requests) == 2
    assert client.stats.errors == 1


def test_truncated_json_body_is_retried() -> None:
    script = Script(httpx.Response(200, content=b'{"totalcount": 3, "items": [{"orderid"'), ok())
    with make_client(script) as client:
        assert client.get_json("/orders.json") == {"totalcount": 0, "items": []}
    assert client.stats.retries == 1


def test_persistently_malformed_body_raises_malformed_response() -> None:
    script = Script(httpx.Response(200, content=b"<html>" + b"proxy error " * 50))
    client = make_client(script, policy=RetryPolicy(max_attempts=2, base_delay=0))
    with client, pytest.raises(MalformedResponse) as caught:
        client.get_json("/orders.json", ORDERS_QUERY)
    assert isinstance(caught.value, RetriableApiError)
    assert caught.value.status == 200
    assert caught.value.excerpt.startswith("<html>proxy error")
    assert len(caught.value.excerpt) <= 200
    assert caught.value.request == ORDERS_LABEL


@pytest.mark.parametrize(("status", "text"), [(400, "Invalid num"), (404, "Order not found")])
def test_client_errors_are_fatal_after_one_request(status: int, text: str) -> None:
    script = Script(sitoo_error(status, text), ok())
    sleeps: list[float] = []
    client = make_client(script, sleeps=sleeps)
    with client, pytest.raises(FatalApiError) as caught:
        client.get_json("/orders.json", ORDERS_QUERY)
    err = caught.value
    assert not isinstance(err, (RetriableApiError, AuthError))
    assert len(script.requests) == 1
    assert sleeps == []
    assert err.status == status
    assert err.request == ORDERS_LABEL
    assert text in err.excerpt
    assert "errortext" in err.excerpt
    message = str(err)
    assert "\n" not in message
    assert ORDERS_LABEL in message
    assert f"HTTP {status}" in message
    assert text in message


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_raise_auth_error(status: int) -> None:
    script = Script(sitoo_error(status, "Missing or bad authentication."))
    client = make_client(script)
    with client, pytest.raises(AuthError) as caught:
        client.get_json("/orders.json")
    assert isinstance(caught.value, FatalApiError)
    assert len(script.requests) == 1
    message = str(caught.value)
    assert "SITOO_API_PASSWORD" in message
    assert "allowed IPs" in message


def test_max_attempts_is_respected_and_backoff_grows() -> None:
    script = Script(sitoo_error(503, "Service Unavailable."))
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=3.0)
    client = make_client(script, policy=policy, sleeps=sleeps)
    with client, pytest.raises(RetriableApiError) as caught:
        client.get_json("/orders.json", ORDERS_QUERY)
    assert len(script.requests) == 4
    assert len(sleeps) == 3
    for attempt, slept in enumerate(sleeps):
        assert 0 <= slept <= min(3.0, 1.0 * 2**attempt)
    assert caught.value.status == 503
    assert client.stats.snapshot()["requests"] == 4
    assert client.stats.snapshot()["retries"] == 3


def test_params_are_not_mutated_and_ints_are_encoded() -> None:
    script = Script(ok())
    params: dict[str, str | int] = {"sort": "orderid", "orderidfrom": 7}
    with make_client(script) as client:
        client.get_json("/orders.json", params)
    assert params == {"sort": "orderid", "orderidfrom": 7}
    assert dict(script.requests[0].url.params) == {"sort": "orderid", "orderidfrom": "7"}


def test_no_credentials_in_errors_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    """A server that echoes credentials must not get them into our messages or logs either."""
    caplog.set_level(logging.DEBUG)
    echo = f"bad header Basic {TOKEN} for password {PASSWORD}"
    script = Script(
        sitoo_error(503, echo),
        httpx.ConnectError(f"failed with {PASSWORD}"),
        httpx.Response(200, content=echo.encode()),
        sitoo_error(401, echo),
    )
    texts: list[str] = []
    with make_client(script, policy=RetryPolicy(max_attempts=3, base_delay=0)) as client:
        texts += [repr(client), repr(client.stats), repr(client.limiter)]
        with pytest.raises(RetriableApiError) as retriable:
            client.get_json("/orders.json", ORDERS_QUERY)
        with pytest.raises(AuthError) as fatal:
            client.get_json("/orders.json", ORDERS_QUERY)
    for err in (retriable.value, fatal.value):
        texts += [str(err), repr(err), str(err.args), str(getattr(err, "excerpt", ""))]
    texts += [caplog.text, *(record.getMessage() for record in caplog.records)]
    assert any("retrying GET /v2/accounts/1500/orders.json" in text for text in texts)
    for text in texts:
        assert PASSWORD not in text
        assert TOKEN not in text


def test_plain_http_is_refused_except_on_loopback() -> None:
    limiter = AdaptiveRateLimiter(0)
    for url in ("http://api.mysitoo.com/v2/accounts/1500", "ftp://127.0.0.1/x", "not a url"):
        with pytest.raises(ValueError, match=r"https|http\(s\)"):
            ApiClient(url, API_ID, Secret(PASSWORD), limiter=limiter)
    with pytest.raises(ValueError, match="credentials") as caught:
        ApiClient(
            f"https://u:{PASSWORD}@api.mysitoo.com", API_ID, Secret(PASSWORD), limiter=limiter
        )
    assert PASSWORD not in str(caught.value)
    for url in (
        "https://api.mysitoo.com/v2/accounts/1500",
        "http://localhost:8765",
        "http://[::1]:1",
    ):
        ApiClient(url, API_ID, Secret(PASSWORD), limiter=limiter).close()


def test_per_call_stats_count_alongside_the_client_stats() -> None:
    script = Script(sitoo_error(429, "Too Many Requests."), ok())
    stream_stats = RequestStats()
    with make_client(script) as client:
        client.get_json("/orders.json", stats=stream_stats)
        client.get_json("/orders.json")
    assert stream_stats.snapshot()["requests"] == 2
    assert stream_stats.snapshot()["throttled"] == 1
    assert client.stats.snapshot()["requests"] == 3
    assert client.stats.snapshot()["retries"] == 1


def test_absolute_urls_are_refused() -> None:
    script = Script(ok())
    with make_client(script) as client:
        for path in ("https://evil.example/orders.json", "//evil.example/x", "orders.json"):
            with pytest.raises(ValueError, match="relative"):
                client.get_json(path)
    assert script.requests == []


def test_request_stats_are_thread_safe() -> None:
    stats = RequestStats()

    def bump() -> None:
        for _ in range(2000):
            stats.add(requests=1, received=3)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stats.snapshot()["requests"] == 16_000
    assert stats.snapshot()["bytes"] == 48_000


def test_error_tree() -> None:
    assert issubclass(MalformedResponse, RetriableApiError)
    assert issubclass(AuthError, FatalApiError)
    assert issubclass(FatalApiError, ApiError)
    assert issubclass(ApiError, ExtractError)
    assert issubclass(PaginationError, ExtractError)
    assert not issubclass(PaginationError, ApiError)


# ----------------------------------------------------------------------------- retry policy


def test_delay_is_jittered_capped_and_floored_by_retry_after() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(3)
    for attempt in range(12):
        assert 0 <= policy.delay(attempt, None, rng) <= min(4.0, 0.5 * 2**attempt)
    assert 9.0 <= policy.delay(0, 9.0, rng) <= 9.5
    assert 120.0 <= policy.delay(0, 10_000.0, rng) <= 120.5
    assert policy.delay(10_000, None, rng) <= 4.0  # no overflow for absurd attempt numbers


def test_requests_throttled_together_do_not_retry_together() -> None:
    """One burst of 429s gives every request the same Retry-After; waiting exactly that long
    would send them back in lockstep, into the next burst, until their attempts run out."""
    policy = RetryPolicy(base_delay=0.05, max_delay=0.5)
    waits = [
        policy.delay(attempt, 1.0, random.Random(seed)) for seed in range(3) for attempt in (0, 3)
    ]
    assert all(wait >= 1.0 for wait in waits)
    assert len(set(waits)) == len(waits)
    assert max(waits) - min(waits) > 0.1


def test_parse_retry_after() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("5", now) == 5.0
    assert parse_retry_after(" 2.5 ", now) == 2.5
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now) == pytest.approx(30)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now) == 0.0
    for bad in (None, "", "soon", "-1", "nan", "inf"):
        assert parse_retry_after(bad, now) is None


def test_retry_policy_validates() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


# ----------------------------------------------------------------------------- rate limiter


def acquire_times(limiter: AdaptiveRateLimiter, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        limiter.acquire()
        times.append(clock.now)
    return times


def test_limiter_spaces_requests_at_the_rate() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(10, clock=clock, sleep=clock.sleep)
    assert acquire_times(limiter, clock, 5) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


def test_limiter_allows_a_burst_then_spaces_and_refills_when_idle() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(10, burst=3, clock=clock, sleep=clock.sleep)
    assert acquire_times(limiter, clock, 5) == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])
    clock.now += 60
    assert acquire_times(limiter, clock, 4) == pytest.approx([60.2, 60.2, 60.2, 60.3])


def test_limiter_reserves_distinct_slots_for_concurrent_callers() -> None:
    clock = FakeClock()  # frozen: the sleeps below do not move it
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    limiter = AdaptiveRateLimiter(10, clock=clock, sleep=record)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([0.1 * n for n in range(1, 10)])  # the first waits 0


def test_penalize_halves_down_to_min_rate_and_reward_recovers_to_rate() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(8, clock=clock, sleep=clock.sleep, min_rate=1.5)
    rates = []
    for _ in range(4):
        limiter.penalize()
        rates.append(limiter.current_rate)
    assert rates == [4.0, 2.0, 1.5, 1.5]
    assert acquire_times(limiter, clock, 2)[1] == pytest.approx(1 / 1.5)
    limiter.reward()
    assert limiter.current_rate == pytest.approx(1.9)
    for _ in range(100):
        limiter.reward()
    assert limiter.current_rate == 8.0


def test_unlimited_limiter_never_sleeps() -> None:
    def refuse(seconds: float) -> None:
        raise AssertionError(f"slept {seconds}")

    limiter = AdaptiveRateLimiter(0, sleep=refuse)
    limiter.penalize()
    for _ in range(1000):
        limiter.acquire()
    limiter.reward()
    assert limiter.current_rate == 0


# ----------------------------------------------------------------------------- offset_pages


def envelope_server(
    total: int, *, max_num: int = 1000, totals: Iterator[int] | None = None
) -> tuple[Callable[[str, Mapping[str, str | int]], Any], list[dict[str, str | int]]]:
    """A fake `start`/`num` endpoint over orders 1..total that clamps `num` to `max_num`."""
    calls: list[dict[str, str | int]] = []
    lock = threading.Lock()

    def fetch(path: str, params: Mapping[str, str | int]) -> Any:
        assert path == "/orders.json"
        with lock:
            calls.append(dict(params))
            reported = next(totals) if totals is not None else total
        start, num = int(params["start"]), min(int(params["num"]), max_num)
        items = [{"orderid": n} for n in range(start + 1, min(start + num, reported) + 1)]
        return {"totalcount": reported, "items": items}

    return fetch, calls


def ids_of(pages: list[OffsetPage]) -> list[int]:
    return [item["orderid"] for page in pages for item in page.items]


def test_offset_pages_sequential_reads_everything() -> None:
    fetch, calls = envelope_server(25)
    pages = list(offset_pages(fetch, "/orders.json", {"sort": "orderid"}, page_size=10))
    assert [page.start for page in pages] == [0, 10, 20]
    assert ids_of(pages) == list(range(1, 26))
    assert [(c["start"], c["num"], c["sort"]) for c in calls] == [
        (0, 10, "orderid"),
        (10, 10, "orderid"),
        (20, 10, "orderid"),
    ]


def test_offset_pages_yields_in_start_order_despite_a_slow_early_page() -> None:
    fetch_fast, _ = envelope_server(50)
    last_page_started = threading.Event()
    finished: list[int] = []
    waited: list[bool] = []

    def fetch(path: str, params: Mapping[str, str | int]) -> Any:
        start = int(params["start"])
        if start == 40:
            last_page_started.set()
        if start == 10:  # the first parallel page is held until the last one has been sent
            waited.append(last_page_started.wait(timeout=10))
        body = fetch_fast(path, params)
        finished.append(start)
        return body

    with ThreadPoolExecutor(max_workers=4) as pool:
        pages = list(offset_pages(fetch, "/orders.json", {}, page_size=10, executor=pool))
    assert waited == [True]
    assert finished.index(40) < finished.index(10)
    assert [page.start for page in pages] == [0, 10, 20, 30, 40]
    assert ids_of(pages) == list(range(1, 51))


def test_offset_pages_keeps_at_most_window_requests_in_flight() -> None:
    fetch_fast, _ = envelope_server(200)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def fetch(path: str, params: Mapping[str, str | int]) -> Any:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            threading.Event().wait(0.002)
            return fetch_fast(path, params)
        finally:
            with lock:
                in_flight -= 1

    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = list(offset_pages(fetch, "/orders.json", {}, page_size=10, executor=pool, window=3))
    assert ids_of(pages) == list(range(1, 201))
    assert 1 <= peak <= 3


def test_offset_pages_adopts_a_clamped_page_size() -> None:
    fetch, calls = envelope_server(10, max_num=3)
    with ThreadPoolExecutor(max_workers=2) as pool:
        pages = list(offset_pages(fetch, "/orders.json", {}, page_size=10, executor=pool))
    assert ids_of(pages) == list(range(1, 11))
    assert sorted((c["start"], c["num"]) for c in calls) == [(0, 10), (3, 3), (6, 3), (9, 3)]


def test_offset_pages_prepares_each_page_in_the_thread_that_fetched_it() -> None:
    fetch_fast, _ = envelope_server(25, max_num=7)
    fetched_in: dict[int, str] = {}

    def fetch(path: str, params: Mapping[str, str | int]) -> Any:
        fetched_in[int(params["start"])] = threading.current_thread().name
        return fetch_fast(path, params)

    def prepare(items: list[dict[str, Any]]) -> tuple[str, list[int]]:
        return threading.current_thread().name, [item["orderid"] * 10 for item in items]

    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="pager") as pool:
        pages = list(
            offset_pages(fetch, "/orders.json", {}, page_size=10, executor=pool, prepare=prepare)
        )
    assert [page.start for page in pages] == [0, 7, 14, 21]
    assert [page.served for page in pages] == [7, 7, 7, 4]
    assert all(page.items == [] for page in pages)  # only what prepare made is kept
    assert [n for page in pages for n in page.prepared[1]] == [n * 10 for n in range(1, 26)]
    assert {page.start: page.prepared[0] for page in pages} == fetched_in
    assert all(name.startswith("pager") for start, name in fetched_in.items() if start > 0)


def test_offset_pages_copies_params_for_every_call() -> None:
    fetch, calls = envelope_server(30)
    params: dict[str, str | int] = {"fields": "orderid", "start": 99}
    list(offset_pages(fetch, "/orders.json", params, page_size=10))
    assert params == {"fields": "orderid", "start": 99}
    assert [call["start"] for call in calls] == [0, 10, 20]
    assert all(call["fields"] == "orderid" for call in calls)


def test_offset_pages_follows_a_growing_totalcount() -> None:
    fetch, _ = envelope_server(0, totals=iter([25, 25, 32, 32, 32]))
    pages = list(offset_pages(fetch, "/orders.json", {}, page_size=10))
    assert [page.start for page in pages] == [0, 10, 20, 30]
    assert ids_of(pages) == list(range(1, 33))


def test_offset_pages_empty_and_malformed() -> None:
    fetch, calls = envelope_server(0)
    pages = list(offset_pages(fetch, "/orders.json", {}, page_size=10))
    assert [(p.start, p.items, p.totalcount) for p in pages] == [(0, [], 0)]
    assert len(calls) == 1
    with pytest.raises(PaginationError, match="envelope"):
        list(offset_pages(lambda path, params: [1, 2], "/orders.json", {}, page_size=10))


# ----------------------------------------------------------------------------- zreport_batches


def zreport(register: str, zreport_id: int, dateadded: int) -> dict[str, Any]:
    return {"registerid": register, "zreportid": zreport_id, "dateadded": dateadded}


def zreport_server(
    reports: list[dict[str, Any]], cap: int
) -> tuple[Callable[[str, Mapping[str, str | int]], Any], list[dict[str, str | int]]]:
    """A fake `pos-z-reports`: inclusive `dateadded` range, `registerid` filter, `cap` items."""
    calls: list[dict[str, str | int]] = []

    def fetch(path: str, params: Mapping[str, str | int]) -> Any:
        calls.append(dict(params))
        low = int(params["dateaddedfrom"])
        high = int(params.get("dateaddedto", 2**40))
        register = params.get("registerid")
        rows = [
            r
            for r in reports
            if low <= r["dateadded"] <= high and register in (None, r["registerid"])
        ]
        return rows[:cap]

    return fetch, calls


def keys(batches: list[list[dict[str, Any]]]) -> list[tuple[str, int]]:
    return [(z["registerid"], z["zreportid"]) for batch in batches for z in batch]


def test_zreport_continuation_dedupes_the_inclusive_boundary() -> None:
    reports = [
        zreport("R1", 1, 100),
        zreport("R1", 2, 101),
        zreport("R1", 3, 102),
        zreport("R2", 1, 102),
        zreport("R2", 2, 103),
        zreport("R1", 4, 104),
        zreport("R1", 5, 90),  # before `since`: never asked for
    ]
    reports.sort(key=lambda z: z["dateadded"])
    fetch, calls = zreport_server(reports, cap=3)
    params = {"eshopid": "1"}
    batches = list(zreport_batches(fetch, "/pos-z-reports", params, since=100, cap=3))
    assert keys(batches) == [("R1", 1), ("R1", 2), ("R1", 3), ("R2", 1), ("R2", 2), ("R1", 4)]
    assert [c["dateaddedfrom"] for c in calls] == [100, 102, 103]
    assert all(c["eshopid"] == "1" for c in calls)
    assert params == {"eshopid": "1"}


def test_zreport_continuation_splits_a_crowded_second_by_register() -> None:
    reports = [
        zreport("R1", 1, 100),
        zreport("R1", 2, 200),
        zreport("R1", 3, 200),
        zreport("R2", 1, 200),
        zreport("R2", 2, 200),
        zreport("R2", 3, 201),
    ]
    fetch, calls = zreport_server(reports, cap=3)
    batches = list(
        zreport_batches(fetch, "/pos-z-reports", {}, since=0, cap=3, split_values=["R1", "R2"])
    )
    got = keys(batches)
    assert sorted(got) == sorted((z["registerid"], z["zreportid"]) for z in reports)
    assert len(got) == len(set(got))
    assert [{k: c[k] for k in sorted(c)} for c in calls] == [
        {"dateaddedfrom": 0},
        {"dateaddedfrom": 200},
        {"dateaddedfrom": 200, "dateaddedto": 200, "registerid": "R1"},
        {"dateaddedfrom": 200, "dateaddedto": 200, "registerid": "R2"},
        {"dateaddedfrom": 201},
    ]


def test_zreport_crowded_second_without_a_split_raises() -> None:
    reports = [zreport("R1", n, 300) for n in range(1, 4)]
    fetch, _ = zreport_server(reports, cap=3)
    with pytest.raises(PaginationError, match="dateadded=300"):
        list(zreport_batches(fetch, "/pos-z-reports", {}, since=0, cap=3))
    with pytest.raises(PaginationError, match="registerid=R1"):
        list(zreport_batches(fetch, "/pos-z-reports", {}, since=0, cap=3, split_values=["R1"]))


def test_zreport_stops_on_a_short_response() -> None:
    fetch, calls = zreport_server([zreport("R1", 1, 5)], cap=500)
    assert keys(list(zreport_batches(fetch, "/pos-z-reports", {}, since=0))) == [("R1", 1)]
    assert len(calls) == 1


# ----------------------------------------------------------------------------- cursor_pages


def cursor_server(
    pages: dict[str | None, tuple[list[int], Any]],
) -> tuple[Callable[[str, Mapping[str, str | int]], Any], list[dict[str, str | int]]]:
    calls: list[dict[str, str | int]] = []

    def fetch(path: str, params: Mapping[str, str | int]) -> Any:
        calls.append(dict(params))
        token = params.get("next")
        ids, next_token = pages[None if token is None else str(token)]
        return {"items": [{"id": i} for i in ids], "next": next_token}

    return fetch, calls


def test_cursor_pages_follow_next_with_num_only() -> None:
    fetch, calls = cursor_server({None: ([1, 2], "a"), "a": ([], "b"), "b": ([3], None)})
    params: dict[str, str | int] = {
        "register_id": "{R1}",
        "date_type": "added",
        "date_from": 0,
        "num": 2,
    }
    batches = list(cursor_pages(fetch, "/journal-entries", params))
    assert [[e["id"] for e in batch] for batch in batches] == [[1, 2], [3]]
    assert calls == [params, {"next": "a", "num": 2}, {"next": "b", "num": 2}]


def test_cursor_pages_stop_on_an_empty_cursor() -> None:
    fetch, calls = cursor_server({None: ([1], "")})
    assert len(list(cursor_pages(fetch, "/journal-entries", {"register_id": "{R1}"}))) == 1
    assert len(calls) == 1


def test_cursor_pages_detect_a_loop() -> None:
    fetch, _ = cursor_server({None: ([1], "a"), "a": ([2], "b"), "b": ([3], "a")})
    with pytest.raises(PaginationError, match="loop detected"):
        list(cursor_pages(fetch, "/journal-entries", {"num": 1}))


# ----------------------------------------------------------------------------- GC during a run
def test_bulk_allocation_gc_collects_rarely_and_restores_the_interpreter() -> None:
    import gc

    from extract.cli import _bulk_allocation_gc

    before = gc.get_threshold()
    with _bulk_allocation_gc():
        assert gc.get_threshold()[0] >= 10_000
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), _bulk_allocation_gc():
        raise RuntimeError("a failed run")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
