"""The simulator's HTTP core: real loopback HTTP, query parsing, rate limiting and faults."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from simulator.server.errors import (
    ApiError,
    ErrorStyle,
    error_response,
    not_found,
    too_many_requests,
    unauthorized,
)
from simulator.server.faults import FAULT_NAMES, FaultInjector, Latency
from simulator.server.http import Headers, Request, Response, SimServer, TransportFault
from simulator.server.query import (
    Page,
    bool_param,
    check_known_params,
    fields_param,
    int_list,
    int_param,
    page_params,
    sort_param,
    str_list,
    str_param,
)
from simulator.server.ratelimit import RateLimiter, TokenBucket

BIG_BODY = json.dumps([{"id": i, "name": f"item {i}"} for i in range(5000)]).encode()


def _app(req: Request) -> Response:
    if req.path.startswith("/echo"):
        payload = {
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "body": req.body.decode(),
            "x_test": req.headers.get("X-TEST"),
            "client": req.client,
        }
        return Response(200, json.dumps(payload).encode(), headers={"X-Echo": "yes"})
    if req.path == "/big":
        return Response(200, BIG_BODY)
    if req.path == "/boom":
        raise RuntimeError("handler bug")
    if req.path.startswith("/fault/"):
        fault = TransportFault(req.path.removeprefix("/fault/"))
        return Response(200, BIG_BODY, transport_fault=fault)
    return error_response(not_found())


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(_app, slow_seconds=2) as srv:
        yield srv


@pytest.fixture
def client(server: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5) as c:
        yield c


# --- HTTP ------------------------------------------------------------------------------------


def test_round_trip_status_body_headers_and_query(client: httpx.Client) -> None:
    resp = client.get("/echo/a%20b?x=1&x=2&blank=&s=h%C3%A5", headers={"x-test": "hello"})

    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["x-echo"] == "yes"
    assert int(resp.headers["content-length"]) == len(resp.content)
    data = resp.json()
    assert data["method"] == "GET"
    assert data["path"] == "/echo/a b"
    assert data["query"] == {"x": ["1", "2"], "blank": [""], "s": ["hå"]}
    assert data["x_test"] == "hello"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_request_body_is_read_by_content_length(client: httpx.Client, method: str) -> None:
    resp = client.request(method, "/echo", content=b'{"k":"v"}')

    assert resp.status_code == 200
    assert resp.json()["method"] == method
    assert resp.json()["body"] == '{"k":"v"}'


def test_unknown_route_gets_the_apps_error(client: httpx.Client) -> None:
    resp = client.get("/nope")

    assert resp.status_code == 404
    assert resp.json() == {
        "statuscode": 404,
        "errortext": "Resource not found. The url is invalid.",
    }


def test_keep_alive_reuses_one_connection(client: httpx.Client) -> None:
    responses = [client.get("/echo", params={"i": i}) for i in range(5)]

    assert {r.json()["client"] for r in responses} == {responses[0].json()["client"]}
    assert all("connection" not in r.headers for r in responses)
    assert [r.json()["query"]["i"] for r in responses] == [[str(i)] for i in range(5)]


def test_large_body_round_trip(client: httpx.Client) -> None:
    resp = client.get("/big")

    assert resp.status_code == 200
    assert int(resp.headers["content-length"]) == len(BIG_BODY)
    assert resp.content == BIG_BODY


def test_handler_exception_becomes_500_and_server_survives(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="simulator.server.http"):
        resp = client.get("/boom")

    assert resp.status_code == 500
    assert resp.json() == {"statuscode": 500, "errortext": "Internal Server Error."}
    assert any(r.exc_info and "handler bug" in str(r.exc_info[1]) for r in caplog.records)
    assert client.get("/echo").status_code == 200


def test_disconnect_drops_connection_mid_body(client: httpx.Client) -> None:
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get("/fault/disconnect")

    assert client.get("/echo").status_code == 200


def test_truncated_is_valid_http_but_invalid_json(client: httpx.Client) -> None:
    resp = client.get("/fault/truncated")

    assert resp.status_code == 200
    assert int(resp.headers["content-length"]) == len(resp.content) == len(BIG_BODY) // 2
    assert BIG_BODY.startswith(resp.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.content)
    assert client.get("/echo").status_code == 200  # the connection stays usable


def test_slow_times_out_and_stop_wakes_the_sleeper() -> None:
    srv = SimServer(_app, slow_seconds=2)
    srv.start()
    try:
        with (
            httpx.Client(base_url=srv.url, timeout=0.5) as c,
            pytest.raises(httpx.ReadTimeout),
        ):
            c.get("/fault/slow")
    finally:
        began = time.monotonic()
        srv.stop()
        assert time.monotonic() - began < 1.0


def test_context_manager_binds_a_free_port_and_stops() -> None:
    with SimServer(_app) as srv:
        assert srv.port > 0
        assert srv.url == f"http://127.0.0.1:{srv.port}"
        assert httpx.get(f"{srv.url}/echo", timeout=5).status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{srv.url}/echo", timeout=1)
    srv.stop()  # idempotent


def test_stop_without_start_returns() -> None:
    srv = SimServer(_app)
    srv.stop()
    with pytest.raises(RuntimeError):
        srv.start()


def test_headers_are_case_insensitive_and_join_repeats() -> None:
    headers = Headers([("Authorization", "Basic x"), ("X-A", "1"), ("x-a", "2")])

    assert headers["authorization"] == headers["AUTHORIZATION"] == "Basic x"
    assert headers["X-A"] == "1, 2"
    assert "x-A" in headers
    assert sorted(headers) == ["authorization", "x-a"]


# --- errors ----------------------------------------------------------------------------------


def test_error_response_styles() -> None:
    v2 = error_response(unauthorized())
    problem = error_response(ApiError(404, "No such journal."), ErrorStyle.PROBLEM)

    assert v2.status == 401
    assert v2.body == b'{"statuscode":401,"errortext":"Unauthorized. Authorization failed."}'
    assert json.loads(problem.body) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No such journal.",
    }
    assert ErrorStyle("problem") is ErrorStyle.PROBLEM


def test_too_many_requests_retry_after_rounds_up() -> None:
    assert error_response(too_many_requests(1.2)).headers["Retry-After"] == "2"
    assert error_response(too_many_requests(3.0)).headers["Retry-After"] == "3"
    assert "Retry-After" not in error_response(too_many_requests(None)).headers


# --- query -----------------------------------------------------------------------------------


def test_lists_accept_comma_repeated_and_mixed_forms() -> None:
    assert int_list({"s": ["0,10"]}, "s") == [0, 10]
    assert int_list({"s": ["0", "10"]}, "s") == [0, 10]
    assert int_list({"s": ["0,,10", "20", ""]}, "s") == [0, 10, 20]
    assert int_list({}, "s") is None
    assert int_list({"s": [""]}, "s") is None
    assert str_list({"t": ["a, b", "c"]}, "t") == ["a", "b", "c"]


def test_bad_integer_is_a_400_naming_param_and_value() -> None:
    with pytest.raises(ApiError) as err:
        int_list({"orderstate": ["0,ten"]}, "orderstate")
    assert err.value.status == 400
    assert "orderstate" in err.value.errortext
    assert "'ten'" in err.value.errortext

    with pytest.raises(ApiError, match=r"'1\.5'.*'num'"):
        int_param({"num": ["1.5"]}, "num")


def test_scalar_params() -> None:
    assert int_param({"n": ["7"]}, "n") == 7
    assert int_param({}, "n", default=3) == 3
    assert int_param({"n": ["1", "2"]}, "n") == 2  # last value wins
    with pytest.raises(ApiError, match="must be >= 0"):
        int_param({"n": ["-1"]}, "n", minimum=0)
    with pytest.raises(ApiError, match="must be <= 5"):
        int_param({"n": ["6"]}, "n", maximum=5)
    assert str_param({"s": [" x "]}, "s") == "x"
    assert str_param({"s": [""]}, "s", default="d") == "d"
    assert bool_param({"b": ["TRUE"]}, "b", default=False) is True
    assert bool_param({"b": ["0"]}, "b", default=True) is False
    assert bool_param({}, "b", default=True) is True
    with pytest.raises(ApiError, match=r"'yes'.*'b'"):
        bool_param({"b": ["yes"]}, "b", default=False)


def test_page_params_defaults_clamp_and_error() -> None:
    assert page_params({}) == Page(start=0, num=10)
    assert page_params({"start": ["20"], "num": ["5"]}) == Page(20, 5)
    assert page_params({"num": ["5000"]}, max_num=1000) == Page(0, 1000)
    with pytest.raises(ApiError, match="'num'"):
        page_params({"num": ["5000"]}, max_num=1000, on_too_large="error")
    with pytest.raises(ApiError, match="'start'"):
        page_params({"start": ["-1"]})
    with pytest.raises(ApiError, match="'num'"):
        page_params({"num": ["0"]})


def test_sort_param() -> None:
    allowed = {"orderid", "orderdate"}
    assert sort_param({}, allowed, "-orderid") == ("orderid", True)
    assert sort_param({"sort": ["orderdate"]}, allowed, "orderid") == ("orderdate", False)
    assert sort_param({"sort": ["-orderdate"]}, allowed, "orderid") == ("orderdate", True)
    with pytest.raises(ApiError, match=r"'-secret'.*'sort'"):
        sort_param({"sort": ["-secret"]}, allowed, "orderid")


def test_fields_param_keeps_order_and_drops_duplicates() -> None:
    assert fields_param({"fields": ["b,a,b", "c,a"]}) == ("b", "a", "c")
    assert fields_param({"fields": [""]}) is None
    assert fields_param({}) is None


def test_check_known_params() -> None:
    q = {"num": ["1"], "bogus": ["x"]}
    check_known_params(q, {"num"}, "ignore")
    check_known_params({"num": ["1"]}, {"num"}, "reject")
    with pytest.raises(ApiError, match="'bogus'") as err:
        check_known_params(q, {"num"}, "reject")
    assert err.value.status == 400


# --- rate limiting ---------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_burst_refill_and_retry_after() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)

    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.acquire() == pytest.approx(0.5)
    clock.now += 0.25
    assert bucket.acquire() == pytest.approx(0.25)  # half a token back, none taken
    clock.now += 0.25
    assert bucket.acquire() == 0.0
    clock.now += 100
    assert [bucket.acquire() for _ in range(4)][-1] > 0  # refill is capped at the burst


def test_rate_limiter_disabled_and_per_key() -> None:
    off = RateLimiter(rate=0)
    assert all(off.check("u") == 0.0 for _ in range(100))

    clock = FakeClock()
    limiter = RateLimiter(rate=1, burst=1, clock=clock)
    assert limiter.check("alice") == 0.0
    assert limiter.check("alice") == pytest.approx(1.0)
    assert limiter.check("bob") == 0.0
    limiter.reset()
    assert limiter.check("alice") == 0.0


# --- faults ----------------------------------------------------------------------------------


def _sequence(seed: int, n: int = 200) -> list[str | None]:
    injector = FaultInjector(seed)
    injector.set_rates({"status_500": 0.1, "disconnect": 0.1, "status_429": 0.05})
    return [injector.draw() for _ in range(n)]


def test_fault_injector_is_deterministic() -> None:
    first = _sequence(1)
    assert first == _sequence(1)
    assert first != _sequence(2)
    assert {"status_500", "disconnect", None} <= set(first)


def test_fault_injector_rate_one_empty_and_reset() -> None:
    injector = FaultInjector(seed=3)
    injector.set_rates({"slow": 1.0})
    assert [injector.draw() for _ in range(20)] == ["slow"] * 20
    assert injector.counts["slow"] == 20
    assert injector.rates == {"slow": 1.0}

    injector.set_rates({})
    assert [injector.draw() for _ in range(20)] == [None] * 20

    injector.reset()
    assert injector.counts == dict.fromkeys(FAULT_NAMES, 0)


@pytest.mark.parametrize(
    "rates", [{"nope": 0.1}, {"slow": 1.5}, {"slow": -0.1}, {"slow": float("nan")}]
)
def test_fault_injector_rejects_bad_rates(rates: dict[str, float]) -> None:
    injector = FaultInjector(seed=0)
    injector.set_rates({"slow": 0.5})
    with pytest.raises(ValueError, match=next(iter(rates))):
        injector.set_rates(rates)
    assert injector.rates == {"slow": 0.5}  # unchanged


def test_429_comes_in_bursts_of_configured_length() -> None:
    injector = FaultInjector(seed=5, burst_length=4)
    injector.set_rates({"status_429": 0.1})
    draws = [injector.draw() for _ in range(2000)]

    runs: list[int] = []
    length = 0
    for fault in [*draws, None]:
        if fault == "status_429":
            length += 1
        elif length:
            runs.append(length)
            length = 0
    assert runs
    assert all(run % 4 == 0 for run in runs)
    assert injector.counts["status_429"] == sum(runs)


def test_a_429_burst_ends_when_its_window_has_passed() -> None:
    """A client that waited out the Retry-After must not find the same burst still running."""
    now = [100.0]
    injector = FaultInjector(seed=5, burst_length=3, burst_seconds=0.5, clock=lambda: now[0])
    injector.set_rates({"status_429": 1.0})
    assert injector.draw() == "status_429"
    injector.set_rates({"status_429": 1e-12})  # no new bursts from here on
    assert injector.draw() == "status_429"  # within the window: the burst runs on
    now[0] += 0.6
    assert injector.draw() is None  # its window has passed: the last 429 of it is dropped
    assert injector.draw() is None
    assert injector.counts["status_429"] == 2


def test_latency_bounds() -> None:
    latency = Latency(fixed_ms=10, jitter_ms=5, seed=1)
    delays = [latency.delay() for _ in range(1000)]

    assert all(0.010 <= d <= 0.015 for d in delays)
    assert max(delays) - min(delays) > 0.004
    assert Latency(fixed_ms=7).delay() == pytest.approx(0.007)
    assert Latency().delay() == 0.0
    with pytest.raises(ValueError, match="latency"):
        Latency(jitter_ms=-1)
