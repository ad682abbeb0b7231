"""How fast the simulator serves orders: it must never be the bottleneck of a benchmark.

Goal (issue 2): at least 20,000 orders per second in pages of 1,000 with no injected latency.
The simulator runs as its own process (`sitoo-wh simulator serve --prewarm`), as it does for
the other benchmarks, and is read over loopback HTTP with httpx: all fields (pre-serialised at
start-up), the default list fields, and a projection never requested before (serialised on
first use), with one and with four concurrent clients.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from extract.streams import ORDER_FIELDS

GOAL_ORDERS_PER_SECOND = 20_000
PAGE = 1000
AUTH = ("1500-1", "sitoo-demo")
PROJECTION = "orderid,orderdate,registerid,moneytotal_gross_all,orderitems,payments"
ALL_FIELDS = ",".join(ORDER_FIELDS)  # every order field, as the extractor asks for them


@dataclass
class Pass:
    label: str
    orders: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.orders / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_simulator(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`sitoo-wh simulator serve` in a child process; returns it and its URL once healthy."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitoo_wh.cli", "simulator", "serve", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"simulator exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/_sim/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("simulator did not start in time")


def read_all(base: str, total: int, clients: int, fields: str | None) -> int:
    starts = list(range(0, total, PAGE))

    def fetch(chunk: list[int]) -> int:
        got = 0
        params: dict[str, Any] = {"sort": "orderid", "num": PAGE}
        if fields:
            params["fields"] = fields
        with httpx.Client(auth=AUTH, timeout=120) as client:
            for start in chunk:
                response = client.get(f"{base}/orders.json", params={**params, "start": start})
                response.raise_for_status()
                got += len(orjson.loads(response.content)["items"])
        return got

    chunks = [starts[i::clients] for i in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        return sum(pool.map(fetch, chunks))


def run(stores: int = 10, days: int = 60) -> list[Pass]:
    t0 = time.perf_counter()
    proc, url = start_simulator("--stores", str(stores), "--days", str(days), "--prewarm")
    try:
        health = httpx.get(f"{url}/_sim/health").json()["world"]
        total = health["orders"]
        print(
            f"simulator: {total} orders ({health['order_lines']} lines) generated and "
            f"pre-serialised in {time.perf_counter() - t0:.1f} s"
        )
        base = f"{url}/v2/accounts/1500"
        passes = []
        for label, clients, fields in (
            ("all fields, 1 client", 1, ALL_FIELDS),
            ("all fields, 4 clients", 4, ALL_FIELDS),
            ("default fields, 1 client", 1, None),
            ("new projection, 1st read", 1, PROJECTION),
            ("new projection, 2nd read", 1, PROJECTION),
        ):
            started = time.perf_counter()
            got = read_all(base, total, clients, fields)
            passes.append(Pass(label, got, time.perf_counter() - started))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    for p in passes:
        print(
            f"  {p.label:<26} {p.orders:>8} orders in {p.seconds:6.2f} s = "
            f"{p.rate:>9,.0f} orders/s   ratio to 20k goal {p.rate / GOAL_ORDERS_PER_SECOND:5.2f}"
        )
    return passes


if __name__ == "__main__":
    run()
