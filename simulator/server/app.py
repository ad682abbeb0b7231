"""The simulator's request pipeline: route, authenticate, rate-limit, delay, inject faults,
then call the resource handler.

`/_sim/…` control endpoints are not part of the Sitoo API: they need no credentials and are
never rate-limited or faulted.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.config import ApiConfig, ChainConfig
from simulator.custom_metrics import CustomMetricsStore
from simulator.server.errors import (
    ApiError,
    ErrorStyle,
    bad_request,
    error_response,
    not_found,
    too_many_requests,
    unauthorized,
)
from simulator.server.faults import FaultInjector, Latency
from simulator.server.http import Request, Response, TransportFault
from simulator.server.journals import JournalsApi
from simulator.server.ratelimit import RateLimiter
from simulator.server.v2 import V2Api, json_response
from simulator.world import World

logger = logging.getLogger(__name__)

Handler = Callable[..., Response]
_SEG = r"([^/]+?)"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    paging: bool = False
    """A list endpoint on which `insert_during_paging` may fire."""


def _route(method: str, path: str, handler: Handler, paging: bool = False) -> Route:
    regex = "^" + path.replace("{}", _SEG) + r"(?:\.json)?$"
    return Route(method, re.compile(regex), handler, paging)


class SimulatorApp:
    """The `Request -> Response` callable behind `SimServer`."""

    def __init__(self, chain: ChainConfig, api: ApiConfig, world: World | None = None) -> None:
        self.chain = chain
        self.api = api
        self.world = world or World(chain)
        self.metrics = CustomMetricsStore(api.metric_put_failure)
        self.limiter = RateLimiter(api.rate_limit, api.rate_burst)
        self.faults = FaultInjector(api.fault_seed)
        self.faults.set_rates(api.faults)
        self.latency = Latency(api.latency_ms, api.jitter_ms, api.fault_seed)
        self._users = api.users()
        self.requests = 0
        self.requests_by_status: dict[int, int] = {}
        self._count_lock = threading.Lock()
        self.v2 = V2Api(self.world, api, self.metrics)
        self.journals = JournalsApi(self.world, api)
        v2 = self.v2
        site = "/sites/{}"
        self.v2_routes = [
            _route("GET", "/sites", v2.sites, True),
            _route("GET", site, v2.site),
            _route("GET", site + "/stores", v2.stores, True),
            _route("GET", site + "/stores/{}", v2.store),
            _route("GET", site + "/cashregisters", v2.cashregisters, True),
            _route("GET", site + "/cashregisters/{}", v2.cashregister),
            _route("GET", site + "/cashregisters/{}/zreports", v2.register_zreports, True),
            _route("GET", site + "/cashregisters/{}/zreports/{}", v2.register_zreport),
            _route("GET", "/pos-z-reports", v2.pos_zreports, True),
            _route("GET", "/orders", v2.orders, True),
            _route("GET", site + "/orders", v2.site_orders, True),
            _route("GET", site + "/orders/{}", v2.order),
            _route("GET", site + "/warehouses", v2.warehouses, True),
            _route("GET", site + "/warehouses/{}", v2.warehouse),
            _route(
                "GET",
                site + "/warehouses/{}/warehousetransactions",
                v2.warehouse_transactions,
                True,
            ),
            _route(
                "GET", site + "/warehouses/{}/warehousetransactions/{}", v2.warehouse_transaction
            ),
            _route("GET", site + "/warehousetransactions", v2.site_transactions, True),
            _route("GET", site + "/productgroups", v2.productgroups, True),
            _route("GET", site + "/productgroups/{}", v2.productgroup),
            _route("GET", site + "/salestaxes", v2.salestaxes, True),
            _route("GET", site + "/salestaxes/{}", v2.salestax),
            _route("GET", site + "/pospaymenttypes", v2.pospaymenttypes),
            _route("GET", site + "/pospaymenttypes/{}", v2.pospaymenttype),
            _route("GET", site + "/users", v2.users, True),
            _route("GET", site + "/products", v2.products, True),
            _route("GET", site + "/products/{}", v2.product),
            _route("POST", "/custom_metrics", v2.add_metric),
            _route("GET", "/custom_metrics", v2.get_metrics),
            _route("DELETE", "/custom_metrics/{}", v2.delete_metric),
            _route("GET", "/custom_metric_values", v2.get_values),
            _route("PUT", "/custom_metric_values", v2.put_values),
            _route("DELETE", "/custom_metric_values/{}", v2.delete_values),
        ]
        self._v2_prefix = re.compile(r"^/v2/accounts/([^/]+)(/.*)$")

    # ------------------------------------------------------------------ pipeline
    def __call__(self, req: Request) -> Response:
        if req.path.startswith("/_sim/"):
            return self._control(req)
        style = ErrorStyle.V2
        try:
            if req.path.startswith("/journals/v3/"):
                style = ErrorStyle(self.api.journals_error_style)
                response = self._journals(req)
            else:
                response = self._v2(req)
        except ApiError as err:
            response = error_response(err, style)
        with self._count_lock:
            self.requests += 1
            self.requests_by_status[response.status] = (
                self.requests_by_status.get(response.status, 0) + 1
            )
        return response

    def _authenticate(self, req: Request) -> str:
        header = req.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic" or not token:
            raise unauthorized("Missing or bad authentication.")
        try:
            user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise unauthorized("Missing or bad authentication.") from None
        expected = self._users.get(user)
        if expected is None or not hmac.compare_digest(expected, password):
            raise unauthorized("Missing or bad authentication.")
        return user

    def _gate(self, req: Request, route: Route) -> Response | None:
        """Rate limit, latency and faults; a response here replaces the handler's."""
        user = self._authenticate(req)
        wait = self.limiter.check(user)
        if wait > 0:
            raise too_many_requests(wait if self.api.retry_after else None)
        delay = self.latency.delay()
        if delay > 0:
            time.sleep(delay)
        fault = self.faults.draw()
        if fault is None:
            return None
        if fault.startswith("status_"):
            status = int(fault.removeprefix("status_"))
            if status == 429:
                raise too_many_requests(1 if self.api.retry_after else None)
            raise ApiError(
                status,
                "Internal Server Error." if status == 500 else "Service temporarily unavailable.",
            )
        if fault == "insert_during_paging":
            if route.paging and self._is_later_page(req):
                self.world.advance(self.api.insert_during_paging_minutes * 60)
            return None
        transport = {
            "disconnect": TransportFault.DISCONNECT,
            "slow": TransportFault.SLOW,
            "truncated": TransportFault.TRUNCATED,
        }[fault]
        return Response(200, b"", transport_fault=transport)

    @staticmethod
    def _is_later_page(req: Request) -> bool:
        start = req.query.get("start", ["0"])[-1]
        return (start not in ("", "0")) or bool(req.query.get("next"))

    def _dispatch(self, req: Request, path: str, routes: list[Route]) -> Response:
        allowed = False
        for route in routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            if route.method != req.method:
                allowed = True
                continue
            fault = self._gate(req, route)
            with self.world.lock:
                response = route.handler(req, *match.groups())
            if fault is not None and fault.transport_fault is not None:
                response.transport_fault = fault.transport_fault
            return response
        if allowed:
            self._authenticate(req)
            raise ApiError(405, f"Method {req.method} not allowed on {path}")
        raise not_found()

    def _v2(self, req: Request) -> Response:
        match = self._v2_prefix.match(req.path)
        if match is None:
            raise not_found()
        account, path = match.groups()
        if account != str(self.chain.account_id):
            self._authenticate(req)
            raise unauthorized("Missing or bad authentication.")
        return self._dispatch(req, path, self.v2_routes)

    def _journals(self, req: Request) -> Response:
        path = req.path.removeprefix("/journals/v3")
        routes = [_route("GET", "/journal-entries", self.journals.journal_entries, True)]
        return self._dispatch(req, path, routes)

    # ------------------------------------------------------------------ control
    def health(self) -> dict[str, Any]:
        with self.world.lock:
            summary = self.world.summary()
        return {
            "status": "ok",
            "simulator": True,
            "account_id": self.chain.account_id,
            "seed": self.chain.seed,
            "world": summary,
            "faults": self.faults.rates,
            "fault_counts": self.faults.counts,
            "rate_limit": self.api.rate_limit,
            "requests": self.requests,
            "requests_by_status": {str(k): v for k, v in sorted(self.requests_by_status.items())},
        }

    def _control(self, req: Request) -> Response:
        try:
            if req.path == "/_sim/health" and req.method == "GET":
                return json_response(self.health())
            if req.path == "/_sim/advance" and req.method == "POST":
                hours = req.query.get("hours", [""])[-1]
                minutes = req.query.get("minutes", [""])[-1]
                try:
                    seconds = round(float(hours or 0) * 3600 + float(minutes or 0) * 60)
                except ValueError:
                    raise bad_request("hours and minutes must be numbers") from None
                if seconds <= 0 or seconds > 366 * 86_400:
                    raise bad_request("advance by a positive amount of at most a year")
                stats = self.world.advance(seconds)
                return json_response({"revealed": stats.as_dict(), **self.health()})
            if req.path == "/_sim/faults" and req.method == "POST":
                try:
                    rates = json.loads(req.body or b"{}")
                    if not isinstance(rates, dict):
                        raise TypeError
                    self.faults.set_rates(rates)
                except (ValueError, TypeError) as err:
                    raise bad_request(
                        f"Body must be an object of fault name to rate: {err}"
                    ) from None
                return json_response({"faults": self.faults.rates})
            if req.path == "/_sim/corrupt" and req.method == "POST":
                try:
                    body = json.loads(req.body or b"{}")
                    self.world.corrupt(str(body["stream"]), list(body["key"]), str(body["kind"]))
                except (ValueError, TypeError, KeyError) as err:
                    raise bad_request(
                        f'Body must be {{"stream", "key": [...], "kind"}}: {err}'
                    ) from None
                return json_response({"corrupted": body})
            if req.path == "/_sim/reset" and req.method == "POST":
                self.reset()
                return json_response(self.health())
            raise not_found("Unknown simulator control endpoint")
        except ApiError as err:
            return error_response(err)

    def reset(self) -> None:
        """Back to the start-up state: data, custom metrics, limits, faults and counters."""
        self.world.reset()
        self.metrics.reset()
        self.metrics.put_failure = self.api.metric_put_failure
        self.limiter.reset()
        self.faults.reset()
        self.faults.set_rates(self.api.faults)
        with self._count_lock:
            self.requests = 0
            self.requests_by_status = {}
