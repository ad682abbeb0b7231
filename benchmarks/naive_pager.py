"""The baseline a straightforward script would be: page the orders one request at a time.

One httpx client with Basic auth, `start`/`num` offset paging in order until `totalcount`,
orjson to parse, and each page inserted into DuckDB as an Arrow table (one `INSERT … SELECT`
per page; `executemany` would cost DuckDB about a millisecond a row and make this baseline a
straw man). No retries, no rate limiter, no concurrency: it is only ever as fast as one
round trip after another.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import orjson
import pyarrow as pa  # type: ignore[import-untyped]

from extract.streams import ORDER_FIELDS

AUTH = ("1500-1", "sitoo-demo")


@dataclass(frozen=True)
class NaiveRun:
    orders: int
    """Rows in the landed table."""
    requests: int
    seconds: float


def land_orders(url: str, db_path: Path, *, page_size: int) -> NaiveRun:
    """Page `{url}/v2/accounts/1500/orders.json` into `orders(orderid, payload)` of `db_path`."""
    started = time.perf_counter()
    params: dict[str, Any] = {
        "orderidfrom": 1,
        "sort": "orderid",
        "fields": ",".join(ORDER_FIELDS),
        "num": page_size,
    }
    requests = 0
    con = duckdb.connect(str(db_path))
    try:
        con.execute("CREATE TABLE orders (orderid BIGINT NOT NULL, payload JSON NOT NULL)")
        with httpx.Client(base_url=f"{url}/v2/accounts/1500", auth=AUTH, timeout=60) as client:
            start, total = 0, 1
            while start < total:
                response = client.get("/orders.json", params={**params, "start": start})
                requests += 1
                response.raise_for_status()
                body = orjson.loads(response.content)
                total = body["totalcount"]
                items = body["items"]
                if not items:
                    break
                page = pa.table(
                    {
                        "orderid": pa.array([item["orderid"] for item in items], pa.int64()),
                        "payload": pa.array(
                            [orjson.dumps(item).decode() for item in items], pa.string()
                        ),
                    }
                )
                con.register("page", page)
                con.execute("INSERT INTO orders SELECT orderid, CAST(payload AS JSON) FROM page")
                con.unregister("page")
                start += len(items)
        found = con.execute("SELECT count(*) FROM orders").fetchall()
    finally:
        con.close()
    return NaiveRun(int(found[0][0]), requests, time.perf_counter() - started)
