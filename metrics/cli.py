"""`sitoo-wh metrics push`: the figures only the warehouse can compute, into Sitoo's dashboard."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from extract.errors import ApiError
from metrics import compute as compute_mod
from metrics import log, session
from metrics.budget import BudgetFileError
from metrics.client import DEFAULT_BATCH, CustomMetricsApi
from metrics.compute import ComputeError, Period
from metrics.definitions import DefinitionError, MetricDefinition, select
from metrics.push import MetricApiError, MetricConflict, push
from metrics.session import BUDGET_ENV, DEFINITIONS_ENV
from sitoo_wh.config import load_settings

DEFAULT_DAYS = 7


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="metrics_command", required=True, metavar="ACTION")
    p = actions.add_parser(
        "push", help="create missing metrics and write the values that changed to Sitoo"
    )
    p.add_argument(
        "--from",
        dest="date_from",
        type=date.fromisoformat,
        metavar="DATE",
        help=f"first date (default: {DEFAULT_DAYS - 1} days before --to)",
    )
    p.add_argument(
        "--to",
        dest="date_to",
        type=date.fromisoformat,
        metavar="DATE",
        help="last date (default: the latest business date in the marts)",
    )
    p.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")
    p.add_argument(
        "--recreate",
        action="store_true",
        help="delete and re-create metrics whose definition changed (deletes their values)",
    )
    p.add_argument("--metrics", nargs="+", metavar="KEY", help="only these metric keys")
    p.add_argument(
        "--budget", type=Path, metavar="FILE", help=f"budget CSV date,store,amount (${BUDGET_ENV})"
    )
    p.add_argument(
        "--definitions",
        type=Path,
        metavar="FILE",
        help=f"TOML file of [[metric]] definitions (${DEFINITIONS_ENV})",
    )
    p.add_argument("--rate-limit", type=float, default=5.0, help="requests per second (0 = off)")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help="values per PUT")
    p.add_argument("--max-attempts", type=int, default=8, help="tries per request")
    p.add_argument("--max-backoff", type=float, default=30.0, help="longest wait between tries")
    p.set_defaults(func=run_push)


def _say(text: str) -> None:
    print(text)  # noqa: T201 - the command's output


def _fail(text: str, code: int = 1) -> int:
    print(f"sitoo-wh metrics: error: {text}", file=sys.stderr)  # noqa: T201
    return code


def _definitions(args: argparse.Namespace, has_budget: bool) -> list[MetricDefinition]:
    definitions = session.definitions(args.definitions or session.env_path(DEFINITIONS_ENV))
    if args.metrics:
        chosen = select(definitions, args.metrics)
        needing = [d.key for d in chosen if d.needs_budget]
        if needing and not has_budget:
            raise DefinitionError(
                f"{', '.join(needing)} need a budget file: pass --budget or set {BUDGET_ENV}"
            )
        return chosen
    if not has_budget:
        skipped = [d.key for d in definitions if d.needs_budget]
        if skipped:
            _say(f"no budget file (--budget or ${BUDGET_ENV}): skipping {', '.join(skipped)}")
        return [d for d in definitions if not d.needs_budget]
    return definitions


def run_push(args: argparse.Namespace) -> int:
    settings = load_settings()
    started = datetime.now(UTC)
    budget_file = args.budget or session.env_path(BUDGET_ENV)
    try:
        definitions = _definitions(args, budget_file is not None)
        con = session.open_serving(settings.serving_path, budget_file)
    except (DefinitionError, ComputeError, BudgetFileError) as err:
        return _fail(str(err), 2)
    try:
        end = args.date_to or compute_mod.latest_business_date(con)
        if end is None:
            return _fail("the marts hold no sales yet: pass --to, or run `sitoo-wh sync`", 2)
        period = Period(args.date_from or end - timedelta(days=DEFAULT_DAYS - 1), end)
        with session.open_client(
            settings,
            rate_limit=args.rate_limit,
            max_attempts=args.max_attempts,
            max_backoff=args.max_backoff,
        ) as client:
            api = CustomMetricsApi(client, batch_size=args.batch_size)
            _say(
                f"{'dry run: ' if args.dry_run else ''}pushing {len(definitions)} metrics "
                f"for {period.start} to {period.end}"
            )
            report = push(
                api,
                con,
                definitions,
                period,
                dry_run=args.dry_run,
                recreate=args.recreate,
                say=_say,
            )
            stats = client.stats.snapshot()
    except (BudgetFileError, DefinitionError, ComputeError, ValueError) as err:
        return _fail(str(err), 2)
    except MetricConflict as err:
        return _fail(str(err), 3)
    except (ApiError, MetricApiError) as err:
        return _fail(f"the push stopped: {err}")
    finally:
        con.close()
    try:
        log.write(settings.data_dir, report, started)
    except log.PushLogLockedError as err:
        _fail(str(err))
        return 1
    _say(
        f"{'dry run, nothing written' if report.dry_run else f'{report.written} values written'}"
        f" in {api.puts} PUTs; {stats['requests']} requests, {stats['retries']} retries, "
        f"{stats['throttled']} throttled"
        + (f"; {report.failed} values FAILED" if report.failed else "")
    )
    return 1 if report.failed else 0
