"""`sitoo-wh demo`: the whole product on the simulator, from nothing to a dashboard.

It starts the simulator (a child process) on a free loopback port, syncs from it over real
HTTP with the credentials a user would export (extract, dbt build, publish `serving.duckdb`),
starts the dashboards and prints their URL, then serves until Ctrl-C (or SIGTERM) and stops
everything it started. A second run reuses the data directory: the dashboards come up at once
on the last published copy, while the chain is generated and an incremental sync refreshes it
behind them.

The data directory is marked as the demo's (`demo.json`, the chain's settings), so the demo
never pours synthetic data into a real account's warehouse, nor mixes two different chains.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Final

import httpx

from extract.progress import make_console
from simulator.cli import configs_from_args, environment_lines
from simulator.config import ApiConfig, ChainConfig
from sitoo_wh import build, docs, serve
from sitoo_wh.build_progress import DbtProgress
from sitoo_wh.config import load_settings
from sitoo_wh.publish import WarehouseLockedError
from sitoo_wh.simulator_process import HOST as SIMULATOR_HOST
from sitoo_wh.simulator_process import SimulatorProcess, SimulatorProcessError
from sitoo_wh.sync import add_arguments as add_sync_arguments
from sitoo_wh.sync import sync

MARKER: Final = "demo.json"
LOG_DIR: Final = "logs"
DASHBOARD_LOG: Final = "demo-dashboard.log"


class DemoError(Exception):
    """The demo cannot run here; the message says why and what to do."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default=serve.DEFAULT_HOST, help="dashboard address (default: loopback only)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=serve.DEFAULT_PORT,
        help="dashboard port; another free one is used if it is taken",
    )
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="stop after the sync instead of serving the dashboards until Ctrl-C",
    )


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
    return lines


def chain_marker(chain: ChainConfig) -> dict[str, str]:
    """The chain's settings as strings: equal markers mean the same synthetic data."""
    return {name: str(value) for name, value in dataclasses.asdict(chain).items()}


def claim_data_dir(data_dir: Path, chain: ChainConfig) -> bool:
    """Make sure `data_dir` is this demo's (or empty) and mark it; True if it held a
    published serving copy of this same chain already (a rerun)."""
    marker_path = data_dir / MARKER
    warehouse = data_dir / "warehouse.duckdb"
    wanted = chain_marker(chain)
    if marker_path.is_file():
        try:
            found = json.loads(marker_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise DemoError(f"{marker_path} is unreadable ({err}); remove {data_dir}") from err
        if found != wanted:
            changed = sorted(
                k for k in wanted.keys() | found.keys() if wanted.get(k) != found.get(k)
            )
            raise DemoError(
                f"{data_dir} holds a demo of another synthetic chain (differs in "
                f"{', '.join(changed)}); remove it, or point SITOO_WH_DATA_DIR elsewhere"
            )
    elif warehouse.exists():
        raise DemoError(
            f"{warehouse} was not made by the demo (a real account's warehouse?); the demo "
            "will not write synthetic data into it. Set SITOO_WH_DATA_DIR to another directory."
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    marker_path.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
    return (data_dir / "serving.duckdb").is_file()


def sync_environment(
    url: str, chain: ChainConfig, api: ApiConfig, data_dir: Path
) -> dict[str, str]:
    """What `sitoo-wh sync` and the dashboards would read from the environment."""
    return {
        "SITOO_BASE_URL": url,
        "SITOO_ACCOUNT_ID": str(chain.account_id),
        "SITOO_API_ID": api.api_id,
        "SITOO_API_PASSWORD": api.password,
        "SITOO_JOURNALS_URL": f"{url}/journals/v3",
        "SITOO_WH_DATA_DIR": str(data_dir),
    }


class StopRequest:
    """Whether Ctrl-C or SIGTERM arrived. dbt catches KeyboardInterrupt and reports a failed
    command instead, so after each dbt call the demo asks this whether to stop."""

    def __init__(self) -> None:
        self.requested = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        raise KeyboardInterrupt

    def check(self) -> None:
        """Raise KeyboardInterrupt if a stop was asked for while something swallowed it."""
        if self.requested:
            raise KeyboardInterrupt


def docs_outdated(data_dir: Path, models: Path) -> bool:
    """True when the dbt docs site is missing or older than any file of the dbt project's
    models: the data dictionary should describe the models that built the marts."""
    page = docs.docs_dir(data_dir) / "index.html"
    if not page.is_file():
        return True
    written = page.stat().st_mtime
    return any(f.stat().st_mtime > written for f in models.rglob("*") if f.is_file())


def _write_docs(data_dir: Path, stop: StopRequest) -> None:
    """Generate the data dictionary's dbt docs site if it is out of date; a failure is
    reported, not fatal (the dashboards work without it)."""
    if not docs_outdated(data_dir, build.project_dir() / "models"):
        return
    print("Writing the dbt docs site for the Data dictionary page …", flush=True)
    try:
        result = docs.generate(data_dir, quiet=True)
    except (build.BuildError, docs.DocsError, WarehouseLockedError) as err:
        stop.check()  # dbt turns Ctrl-C into a failed command: stop, do not report a failure
        print(f"sitoo-wh demo: no dbt docs site this time: {err}", flush=True)
        return
    print(f"  dbt docs written to {result.path} in {result.seconds:.0f} s", flush=True)


def _sync(env: dict[str, str]) -> int:
    """Extract, build and publish like `sitoo-wh sync`, with its default flags except the
    client-side rate limit (the simulator has none unless asked), and a bar for the build."""
    settings = load_settings(env, config_file=Path(os.devnull))
    parser = argparse.ArgumentParser()
    add_sync_arguments(parser)
    sync_args = parser.parse_args(["--rate-limit", "0"])
    with DbtProgress(make_console()) as progress:
        return sync(settings, sync_args, build_callbacks=[progress])


@contextmanager
def _stop_signals_as_interrupt() -> Iterator[StopRequest]:
    """SIGINT and SIGTERM stop the demo the way Ctrl-C does, through the same clean-up.

    SIGINT is set explicitly: a shell starts background jobs (`sitoo-wh demo &`) with SIGINT
    ignored, and Python then leaves it ignored, so `kill -INT` would do nothing."""
    stop = StopRequest()
    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, stop.handle) for number in stops}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _start_dashboard(
    args: argparse.Namespace, env: dict[str, str], data_dir: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = serve.free_port(args.host, args.port)
    url = f"http://{args.host}:{port}"
    child = serve.start(
        args.host,
        port,
        serve.environment(data_dir, {**os.environ, **env}),
        log_path=data_dir / LOG_DIR / DASHBOARD_LOG,
    )
    serve.wait_until_healthy(url, child)
    return child, url


def run(args: argparse.Namespace) -> int:
    data_dir = Path(os.environ.get("SITOO_WH_DATA_DIR", "./data")).resolve()
    chain, api = configs_from_args(args)
    try:
        rerun = claim_data_dir(data_dir, chain)
    except DemoError as err:
        print(f"sitoo-wh demo: {err}", flush=True)
        return 2
    started = time.monotonic()
    dashboard: subprocess.Popen[bytes] | None = None
    ready = False
    simulator = SimulatorProcess(chain, api, serve.free_port(SIMULATOR_HOST, 0))
    try:
        with _stop_signals_as_interrupt() as stop:
            env = sync_environment(simulator.url, chain, api, data_dir)
            simulator.start()
            print(
                f"Generating the synthetic chain ({chain.stores} stores, {chain.days} days to "
                f"{chain.end_date}) …",
                flush=True,
            )
            if rerun and not args.no_wait:
                dashboard, url = _start_dashboard(args, env, data_dir)
                print(
                    f"\nDashboards at {url} (the last published data; refreshing it as soon as "
                    "the simulator is up)",
                    flush=True,
                )
            simulator.wait_until_ready()
            print(f"\nSitoo API simulator running at {simulator.url}", flush=True)
            for line in tour(simulator.url, api.api_id, api.password, chain.account_id):
                print(f"  {line}", flush=True)
            print("To point another shell at it:", flush=True)
            for line in environment_lines(simulator.url, chain, api):
                print(f"  {line}", flush=True)
            print(f"\nSyncing into {data_dir} …", flush=True)
            code = _sync(env)
            stop.check()
            if code != 0:
                print("sitoo-wh demo: the sync failed (see above)", flush=True)
                if dashboard is None:
                    return code
            if args.no_wait:
                print(f"Done in {time.monotonic() - started:.0f} s.", flush=True)
                return code
            if dashboard is None:
                dashboard, url = _start_dashboard(args, env, data_dir)
            print(
                f"\n  Dashboards: {url}\n\n"
                f"Ready in {time.monotonic() - started:.0f} s. Serving until Ctrl-C "
                f"(dashboard log: {data_dir / LOG_DIR / DASHBOARD_LOG}) …",
                flush=True,
            )
            ready = True
            if code == 0:
                _write_docs(data_dir, stop)
                stop.check()
            while dashboard.poll() is None:
                time.sleep(0.5)
            print(f"sitoo-wh demo: the dashboard server exited ({dashboard.returncode})")
            return 1
    except KeyboardInterrupt:
        print("\nStopping …", flush=True)
        return 0 if ready else 130
    except serve.DashboardError as err:
        print(f"sitoo-wh demo: {err}; see {data_dir / LOG_DIR / DASHBOARD_LOG}", flush=True)
        return 1
    except SimulatorProcessError as err:
        print(f"sitoo-wh demo: {err}", flush=True)
        return 1
    finally:
        if dashboard is not None:
            serve.stop(dashboard)
        simulator.stop()
        print("Demo stopped: dashboards and simulator are down.", flush=True)
