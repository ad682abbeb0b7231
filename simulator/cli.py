"""`sitoo-wh simulator serve`: run the Sitoo API simulator in the foreground."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from datetime import date
from types import FrameType

from simulator.config import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_API_ID,
    DEFAULT_END_DATE,
    DEFAULT_PASSWORD,
    ApiConfig,
    ChainConfig,
)
from simulator.server.app import SimulatorApp
from simulator.server.faults import FAULT_NAMES
from simulator.server.http import SimServer

logger = logging.getLogger(__name__)


def _fault(text: str) -> tuple[str, float]:
    name, _, rate = text.partition("=")
    if name not in FAULT_NAMES:
        raise argparse.ArgumentTypeError(f"unknown fault {name!r}; known: {', '.join(FAULT_NAMES)}")
    try:
        value = float(rate)
    except ValueError:
        raise argparse.ArgumentTypeError(f"fault rate must be a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"fault rate must be between 0 and 1: {text!r}")
    return name, value


def _user(text: str) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("expected ID:PASSWORD")
    return user, password


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags shared by `simulator serve` and anything else that starts a simulator."""
    chain = parser.add_argument_group("synthetic chain")
    chain.add_argument("--seed", type=int, default=42)
    chain.add_argument("--stores", type=int, default=10)
    chain.add_argument("--days", type=int, default=120)
    chain.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=DEFAULT_END_DATE,
        help="last trading day (YYYY-MM-DD); the clock starts the next midnight UTC",
    )
    chain.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="traffic multiplier (about 8 gives one million order lines)",
    )
    chain.add_argument("--products", type=int, default=2000)
    chain.add_argument(
        "--offline-rate",
        type=float,
        default=0.03,
        help="share of register-days that go offline and upload late",
    )
    chain.add_argument(
        "--zreport-drop-rate",
        type=float,
        default=0.0,
        help="share of Z-reports never uploaded (creates sequence gaps)",
    )
    chain.add_argument(
        "--no-practice-orders", action="store_true", help="practice-mode receipts create no orders"
    )
    chain.add_argument(
        "--prewarm",
        action="store_true",
        help="serialise every record at start-up (slower start, fastest first read)",
    )
    api = parser.add_argument_group("API behaviour")
    api.add_argument("--account-id", type=int, default=DEFAULT_ACCOUNT_ID)
    api.add_argument("--api-id", default=DEFAULT_API_ID)
    api.add_argument("--password", default=DEFAULT_PASSWORD)
    api.add_argument(
        "--api-user",
        type=_user,
        action="append",
        default=[],
        metavar="ID:PASSWORD",
        help="accept another API user (each has its own rate-limit bucket)",
    )
    api.add_argument(
        "--rate-limit",
        type=float,
        default=0.0,
        help="requests per second per API user; 0 = unlimited",
    )
    api.add_argument("--burst", type=int, default=20, help="token-bucket size")
    api.add_argument("--no-retry-after", action="store_true", help="omit Retry-After on 429")
    api.add_argument("--latency-ms", type=float, default=0.0)
    api.add_argument("--jitter-ms", type=float, default=0.0)
    api.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="NAME=RATE",
        help=f"inject a fault; names: {', '.join(FAULT_NAMES)}",
    )
    api.add_argument("--fault-seed", type=int, default=7)
    api.add_argument("--slow-seconds", type=float, default=30.0)
    api.add_argument("--max-page-size", type=int, default=1000)
    api.add_argument("--page-size-policy", choices=("clamp", "error"), default="clamp")
    api.add_argument("--zreport-max", type=int, default=500)
    api.add_argument("--unknown-params", choices=("ignore", "reject"), default="ignore")
    api.add_argument("--journals-error-style", choices=("v2", "problem"), default="v2")
    api.add_argument(
        "--metric-put-failure",
        choices=("reject", "partial"),
        default="reject",
        help="a custom metric values PUT with bad items: 400 storing nothing (reject), or "
        "the documented 500 after storing the good items (partial)",
    )


def configs_from_args(args: argparse.Namespace) -> tuple[ChainConfig, ApiConfig]:
    chain = ChainConfig(
        seed=args.seed,
        stores=args.stores,
        days=args.days,
        end_date=args.end_date,
        scale=args.scale,
        products=args.products,
        account_id=args.account_id,
        practice_orders=not args.no_practice_orders,
        offline_rate=args.offline_rate,
        zreport_drop_rate=args.zreport_drop_rate,
    )
    api = ApiConfig(
        api_id=args.api_id,
        password=args.password,
        rate_limit=args.rate_limit,
        rate_burst=args.burst,
        retry_after=not args.no_retry_after,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        faults=dict(args.fault),
        fault_seed=args.fault_seed,
        slow_seconds=args.slow_seconds,
        max_page_size=args.max_page_size,
        page_size_policy=args.page_size_policy,
        zreport_max=args.zreport_max,
        unknown_params=args.unknown_params,
        journals_error_style=args.journals_error_style,
        metric_put_failure=args.metric_put_failure,
    )
    return chain, api


def environment_lines(url: str, chain: ChainConfig, api: ApiConfig) -> list[str]:
    """The exact variables that point `sitoo-wh` at this simulator."""
    return [
        f"export SITOO_BASE_URL={url}",
        f"export SITOO_ACCOUNT_ID={chain.account_id}",
        f"export SITOO_API_ID={api.api_id}",
        f"export SITOO_API_PASSWORD={api.password}",
        f"export SITOO_JOURNALS_URL={url}/journals/v3",
    ]


def build_server(
    chain: ChainConfig, api: ApiConfig, host: str, port: int, prewarm: bool = False
) -> SimServer:
    started = time.monotonic()
    app = SimulatorApp(chain, api)
    if prewarm:
        app.world.prewarm()
    summary = app.world.summary()
    logger.info(
        "chain generated in %.1f s: %s orders, %s order lines, %s Z-reports",
        time.monotonic() - started,
        summary["orders"],
        summary["order_lines"],
        summary["zreports"],
    )
    return SimServer(app, host=host, port=port, slow_seconds=api.slow_seconds)


def serve(args: argparse.Namespace) -> int:
    chain, api = configs_from_args(args)
    print(
        f"Generating the synthetic chain (seed {chain.seed}, {chain.stores} stores, "
        f"{chain.days} days to {chain.end_date}) …",
        flush=True,
    )
    server = build_server(chain, api, args.host, args.port, args.prewarm)
    print(f"Sitoo API simulator listening on {server.url}", flush=True)
    print("Point sitoo-wh at it with:", flush=True)
    for line in environment_lines(server.url, chain, api):
        print(f"  {line}", flush=True)
    print(
        "Control (not part of the Sitoo API): GET /_sim/health, POST /_sim/advance?hours=N, "
        "POST /_sim/faults, POST /_sim/reset. Ctrl-C stops.",
        flush=True,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    server.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("Simulator stopped.", flush=True)
    return 0
