"""`ApiClient.request`: writes go through the same retry policy, counters and redaction as
reads, and send the caller's JSON text byte for byte (the custom metrics push relies on it)."""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx
import pytest

from extract.errors import AuthError, FatalApiError, RetriableApiError
from extract.http import ApiClient
from extract.ratelimit import AdaptiveRateLimiter
from extract.retry import RetryPolicy
from sitoo_wh.config import Secret

BASE = "https://api.example.test/v2/accounts/1500"
PASSWORD = "s3cret-pass"


def client(handler: Callable[[httpx.Request], httpx.Response], sleeps: list[float]) -> ApiClient:
    return ApiClient(
        BASE,
        "1500-1",
        Secret(PASSWORD),
        limiter=AdaptiveRateLimiter(0),
        policy=RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=1.0),
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
        rng=random.Random(1),
    )


def test_a_put_is_retried_like_a_get_and_sends_the_body_unchanged() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(503, json={"statuscode": 503, "errortext": "busy"})
        return httpx.Response(200, json=[{"key": "cm_x"}])

    sleeps: list[float] = []
    body = '[{"key":"cm_x","value_scalar":40250.50}]'
    with client(handler, sleeps) as api:
        answer = api.request("PUT", "/custom_metric_values.json", body=body)
        stats = api.stats.snapshot()

    assert answer == [{"key": "cm_x"}]
    assert [r.method for r in seen] == ["PUT", "PUT"]
    assert all(r.content == body.encode() for r in seen)
    assert seen[0].headers["Content-Type"] == "application/json"
    assert len(sleeps) == 1
    assert stats["requests"] == 2
    assert stats["retries"] == 1


def test_params_and_an_empty_answer_to_a_write() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"")

    with client(handler, []) as api:
        answer = api.request("DELETE", "/custom_metric_values/cm_x.json", params={"num_days": 3})

    assert answer is None

    assert seen[0].url.params["num_days"] == "3"
    assert "Content-Type" not in seen[0].headers


def test_errors_are_typed_and_never_show_the_password() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"statuscode": 400, "errortext": f"bad {PASSWORD}"})

    def unauthorized(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"statuscode": 401, "errortext": "no"})

    with client(refused, []) as api, pytest.raises(FatalApiError) as info:
        api.request("POST", "/custom_metrics.json", body="{}")
    assert info.value.status == 400
    assert PASSWORD not in str(info.value)
    assert str(info.value).startswith("POST /v2/accounts/1500/custom_metrics.json")
    with client(unauthorized, []) as api, pytest.raises(AuthError):
        api.request("POST", "/custom_metrics.json", body="{}")


def test_an_absolute_url_is_refused() -> None:
    with (
        client(lambda r: httpx.Response(200), []) as api,
        pytest.raises(ValueError, match="relative"),
    ):
        api.request("PUT", "https://elsewhere.test/steal", body="[]")


def test_a_failure_marked_final_is_not_retried_and_others_still_are() -> None:
    answers = [
        httpx.Response(500, json={"statuscode": 500, "errortext": "Internal error"}),
        httpx.Response(
            500,
            json={
                "statuscode": 500,
                "errortext": "One or more of the requested items could not be inserted.",
            },
        ),
    ]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[min(len(seen) - 1, 1)]

    sleeps: list[float] = []
    with client(handler, sleeps) as api, pytest.raises(RetriableApiError) as caught:
        api.request("PUT", "/x.json", body="[]", final=lambda e: "not be inserted" in e.message)

    assert "could not be inserted" in caught.value.message
    assert len(seen) == 2  # the plain 500 was retried once, the final one not at all
    assert len(sleeps) == 1
