"""`sitoo-wh demo`: the simulator on a free loopback port, a short tour of what it serves,
and a sync from it: extract into `$SITOO_WH_DATA_DIR/warehouse.duckdb`, dbt build, publish
`serving.duckdb`.

Everything goes over real HTTP with the credentials a user would export, so the demo shows
what a real account would give. Later stages (dashboard) join here.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path
from types import FrameType

import httpx

from simulator.cli import build_server, configs_from_args, environment_lines
from sitoo_wh.config import load_settings
from sitoo_wh.sync import add_arguments as add_sync_arguments
from sitoo_wh.sync import sync


def tour(url: str, api_id: str, password: str, account_id: int) -> list[str]:
    """A few real API calls, summarised as printable lines."""
    base = f"{url}/v2/accounts/{account_id}"
    lines: list[str] = []
    with httpx.Client(auth=(api_id, password), timeout=30.0) as client:
        sites = client.get(f"{base}/sites.json").raise_for_status().json()["items"]
        for site in sites:
            eshop = site["eshopid"]
            stores = (
                client.get(f"{base}/sites/{eshop}/stores.json", params={"num": 100})
                .raise_for_status()
                .json()
            )
            registers = (
                client.get(f"{base}/sites/{eshop}/cashregisters.json", params={"num": 100})
                .raise_for_status()
                .json()
            )
            names = ", ".join(s["name"] for s in stores["items"])
            lines.append(
                f"site {eshop} {site['server']}: {stores['totalcount']} stores "
                f"({names}), {registers['totalcount']} cash registers"
            )
        orders = client.get(f"{base}/orders.json", params={"num": 1}).raise_for_status().json()
        newest = orders["items"][0] if orders["items"] else {}
        lines.append(
            f"orders: {orders['totalcount']} (newest #{newest.get('orderid')}: "
            f"{newest.get('moneytotal_gross_all')} {newest.get('currencycode')})"
        )
        zreports = (
            client.get(f"{base}/pos-z-reports", params={"dateaddedfrom": 0})
            .raise_for_status()
            .json()
        )
        if zreports:
            first = zreports[0]
            lines.append(
                f"pos-z-reports: first call returns {len(zreports)} (capped at 500); "
                f"Z #{first['zreportid']} of {first['store_name']}: "
                f"{first['moneysalestotal']} {first['currencycode']} gross sales"
            )
    return lines


def _sync(url: str, account_id: int, api_id: str, password: str) -> int:
    """Extract, build and publish from the simulator like `sitoo-wh sync` would, with its
    default flags except the client-side rate limit (the simulator has none unless asked)."""
    env = {
        "SITOO_BASE_URL": url,
        "SITOO_ACCOUNT_ID": str(account_id),
        "SITOO_API_ID": api_id,
        "SITOO_API_PASSWORD": password,
        "SITOO_JOURNALS_URL": f"{url}/journals/v3",
        "SITOO_WH_DATA_DIR": os.environ.get("SITOO_WH_DATA_DIR", "./data"),
    }
    settings = load_settings(env, config_file=Path(os.devnull))
    parser = argparse.ArgumentParser()
    add_sync_arguments(parser)
    sync_args = parser.parse_args(["--rate-limit", "0"])
    print(
        f"\nExtracting into {settings.warehouse_path}, building and publishing "
        f"{settings.serving_path} …",
        flush=True,
    )
    return sync(settings, sync_args)


def run(args: argparse.Namespace) -> int:
    chain, api = configs_from_args(args)
    print(
        f"Generating the synthetic chain ({chain.stores} stores, {chain.days} days to "
        f"{chain.end_date}) …",
        flush=True,
    )
    server = build_server(chain, api, "127.0.0.1", 0)
    server.start()
    try:
        print(f"\nSitoo API simulator running at {server.url}\n", flush=True)
        for line in tour(server.url, api.api_id, api.password, chain.account_id):
            print(f"  {line}", flush=True)
        print("\nTo use it from another shell:", flush=True)
        for line in environment_lines(server.url, chain, api):
            print(f"  {line}", flush=True)
        print(
            f"\nTry: curl -u {api.api_id}:{api.password} "
            f"'{server.url}/v2/accounts/{chain.account_id}/orders.json?num=1'",
            flush=True,
        )
        code = _sync(server.url, chain.account_id, api.api_id, api.password)
        if code != 0 or args.no_wait:
            return code
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        print("\nServing until Ctrl-C …", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        server.stop()
        print("Simulator stopped.", flush=True)
