"""`sitoo-wh`: the one command-line entry point of the warehouse."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from exports import cli as exports_cli
from extract import cli as extract_cli
from metrics import cli as metrics_cli
from simulator import cli as simulator_cli
from sitoo_wh import build, demo, doctor, sync
from sitoo_wh import docs as dbt_docs
from sitoo_wh import serve as dashboards_serve
from sitoo_wh.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitoo-wh",
        description="Retail reporting warehouse for Sitoo: extract, build, serve — and a "
        "Sitoo API simulator to run it all without an account.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sim = commands.add_parser("simulator", help="the Sitoo API simulator")
    sim_commands = sim.add_subparsers(dest="simulator_command", required=True, metavar="ACTION")
    serve = sim_commands.add_parser("serve", help="serve the simulated Sitoo API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    simulator_cli.add_arguments(serve)
    serve.set_defaults(func=simulator_cli.serve)

    extract_parser = commands.add_parser(
        "extract", help="pull Sitoo data incrementally into $SITOO_WH_DATA_DIR/warehouse.duckdb"
    )
    extract_cli.add_arguments(extract_parser)
    extract_parser.set_defaults(func=extract_cli.run)

    build_cmd = commands.add_parser(
        "build", help="dbt build on warehouse.duckdb, then publish the marts to serving.duckdb"
    )
    build.add_arguments(build_cmd)
    build_cmd.set_defaults(func=build.run)

    docs_parser = commands.add_parser(
        "docs", help="dbt docs of the warehouse as one page: $SITOO_WH_DATA_DIR/docs/index.html"
    )
    dbt_docs.add_arguments(docs_parser)
    docs_parser.set_defaults(func=dbt_docs.run)

    sync_parser = commands.add_parser(
        "sync", help="extract, build and publish in one go (what cron runs)"
    )
    sync.add_arguments(sync_parser)
    sync_parser.set_defaults(func=sync.run)

    serve_parser = commands.add_parser(
        "serve", help="the dashboards in the browser, over the published serving.duckdb"
    )
    dashboards_serve.add_arguments(serve_parser)
    serve_parser.set_defaults(func=dashboards_serve.run)

    export_parser = commands.add_parser(
        "export", help="accounting exports from serving.duckdb: sie4, vat-return, sales, mapping"
    )
    exports_cli.add_arguments(export_parser)

    metrics_parser = commands.add_parser(
        "metrics", help="push dashboard custom metrics (budget, margin, …) back to Sitoo"
    )
    metrics_cli.add_arguments(metrics_parser)

    doctor_parser = commands.add_parser(
        "doctor",
        help="check configuration, Sitoo access, clock, disk, warehouse files and the last "
        "runs; say what to fix (exit 1 on any FAIL)",
    )
    doctor.add_arguments(doctor_parser)
    doctor_parser.set_defaults(func=doctor.run)

    demo_parser = commands.add_parser(
        "demo",
        help="the simulator on a free loopback port, a sync from it, and the dashboards on it "
        "until Ctrl-C",
    )
    demo.add_arguments(demo_parser)
    simulator_cli.add_arguments(demo_parser)
    demo_parser.set_defaults(func=demo.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except (ConfigError, ValueError) as err:
        print(f"sitoo-wh: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
