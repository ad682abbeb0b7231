"""The generic tool: dlt's `rest_api` source paging the orders into a DuckDB destination.

Configured as its documentation suggests for a `start`/`num` API: an offset paginator with
`offset_param="start"`, `limit_param="num"`, `total_path="totalcount"`, the records under
`items`, HTTP Basic auth, and the same page size and query parameters as our extractor. The
pipeline lives in a temporary directory and runs offline (no telemetry, no global `~/.dlt`).
dlt is a benchmark-only dependency (the `bench` extra); it is imported lazily.

`nesting` is dlt's `max_table_nesting`: None keeps dlt's default (nested lists such as order
items and payments become child tables), 0 lands each order as one row with its nested
fields as JSON, which is closer to what our raw tables hold.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from extract.streams import ORDER_FIELDS

API_ID = "1500-1"
PASSWORD = "sitoo-demo"  # noqa: S105 - the simulator's published demo credentials

_OFFLINE_ENV = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "RUNTIME__LOG_LEVEL": "ERROR",  # not the warnings about columns that got no data
}


@dataclass(frozen=True)
class DltRun:
    orders: int
    """Rows in dlt's `orders` table."""
    tables: int
    """Tables dlt created for the resource (the orders table and its child tables)."""
    seconds: float


@contextmanager
def offline_dlt(workdir: Path) -> Iterator[None]:
    """Environment for an offline dlt run confined to `workdir`; restored afterwards."""
    env = {
        **_OFFLINE_ENV,
        "DLT_DATA_DIR": str(workdir / "dlt-data"),
        "DLT_PROJECT_DIR": str(workdir / "dlt-project"),
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def rest_api_config(url: str, page_size: int) -> dict[str, Any]:
    return {
        "client": {
            "base_url": f"{url}/v2/accounts/1500/",
            "auth": {"type": "http_basic", "username": API_ID, "password": PASSWORD},
            "paginator": {
                "type": "offset",
                "limit": page_size,
                "offset_param": "start",
                "limit_param": "num",
                "total_path": "totalcount",
            },
        },
        "resources": [
            {
                "name": "orders",
                "endpoint": {
                    "path": "orders.json",
                    "params": {
                        "orderidfrom": 1,
                        "sort": "orderid",
                        "fields": ",".join(ORDER_FIELDS),
                    },
                    "data_selector": "items",
                },
                "primary_key": "orderid",
                "write_disposition": "append",
            }
        ],
    }


def land_orders(url: str, workdir: Path, *, page_size: int, nesting: int | None = None) -> DltRun:
    """Run a dlt pipeline from the orders endpoint into `workdir/dlt.duckdb`, schema `raw`."""
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "dlt.duckdb"
    with offline_dlt(workdir):
        # Optional dependency (the `bench` extra), imported only once the offline env is set;
        # the ignore keeps `make lint` passing where the extra is not installed.
        import dlt  # type: ignore[import-not-found,unused-ignore]
        from dlt.sources.rest_api import (  # type: ignore[import-not-found,unused-ignore]
            rest_api_source,
        )

        started = time.perf_counter()
        config = rest_api_config(url, page_size)
        if nesting is None:
            source = rest_api_source(config, name="sitoo")  # type: ignore[arg-type,unused-ignore]
        else:
            source = rest_api_source(
                config,  # type: ignore[arg-type,unused-ignore]
                name="sitoo",
                max_table_nesting=nesting,
            )
        pipeline = dlt.pipeline(
            pipeline_name="sitoo_orders_bench",
            destination=dlt.destinations.duckdb(str(db_path)),
            dataset_name="raw",
            pipelines_dir=str(workdir / "pipelines"),
        )
        pipeline.run(source)
        seconds = time.perf_counter() - started
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        orders = con.execute("SELECT count(*) FROM raw.orders").fetchall()[0][0]
        tables = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND (table_name = 'orders' OR table_name LIKE 'orders__%')"
        ).fetchall()[0][0]
    finally:
        con.close()
    return DltRun(int(orders), int(tables), seconds)
