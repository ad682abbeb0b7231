"""The HTTP engine against a real simulator that fails a third of its answers.

A fault-free server over the same chain is the reference: with 503s, truncated bodies and
dropped connections, `ApiClient` + `offset_pages` must still read every order exactly once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from extract.http import ApiClient
from extract.paging import offset_pages
from extract.ratelimit import AdaptiveRateLimiter
from extract.retry import RetryPolicy
from simulator.config import ApiConfig, ChainConfig
from sitoo_wh.config import Secret
from tests.integration.conftest import AUTH, start_sim

CHAIN = ChainConfig(seed=5, stores=2, days=3, products=80)
FAULTS = {"status_503": 0.3, "truncated": 0.1, "disconnect": 0.1}


def test_offset_pages_read_every_order_once_despite_faults() -> None:
    clean = start_sim(CHAIN)
    faulty = start_sim(CHAIN, ApiConfig(faults=FAULTS, fault_seed=3))
    try:
        expected = clean.get_all("/orders.json", num=1000, sort="orderid")
        client = ApiClient(
            faulty.v2,
            AUTH[0],
            Secret(AUTH[1]),
            limiter=AdaptiveRateLimiter(0),
            policy=RetryPolicy(max_attempts=15, base_delay=0.01, max_delay=0.1),
            timeout=10.0,
        )
        with client, ThreadPoolExecutor(max_workers=4) as pool:
            pages = offset_pages(
                client.get_json, "/orders.json", {"sort": "orderid"}, page_size=25, executor=pool
            )
            orders = [order for page in pages for order in page.items]
    finally:
        clean.server.stop()
        faulty.server.stop()

    ids = [order["orderid"] for order in orders]
    assert len(expected) > 100  # enough pages for faults to hit
    assert len(ids) == len(set(ids))
    assert orders == expected
    stats = client.stats.snapshot()
    assert stats["retries"] > 0
    assert stats["requests"] == len(range(0, len(expected), 25)) + stats["retries"]
    assert faulty.app.faults.counts["truncated"] + faulty.app.faults.counts["disconnect"] > 0
