"""`sitoo-wh export sie4 | vat-return | sales | mapping`: files a bookkeeper imports as they are.

Each command opens only `$SITOO_WH_DATA_DIR/serving.duckdb`, read-only, writes the file whole
(to a temporary name, then renamed) and exits 2 with the reason when it refuses.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from exports import mapping, sales, sie4, source, vat_return
from exports.errors import ExportError
from exports.periods import between, parse_date, parse_return_period
from sitoo_wh.config import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="export_command", required=True, metavar="EXPORT")

    s = kinds.add_parser("sie4", help="SIE 4I vouchers: one per Swedish store and business day")
    _period_args(s)
    _common(s)
    s.add_argument("--mapping", type=Path, help="mapping TOML (default: the BAS defaults)")
    s.add_argument(
        "--force",
        action="store_true",
        help="export despite unreconciled or missing Z-reports (marked in the texts)",
    )
    s.add_argument(
        "--generated-on",
        type=parse_date,
        default=None,
        metavar="DATE",
        help="#GEN date (default: today), for reproducible files",
    )
    s.set_defaults(func=run_sie4)

    v = kinds.add_parser("vat-return", help="VAT return boxes (SE) or per-rate summary (NO, FI)")
    v.add_argument("--period", required=True, help="month YYYY-MM or quarter YYYY-Qn")
    _common(v)
    v.add_argument(
        "--format",
        choices=("csv", "txt"),
        default=None,
        help="csv or a printable table (default: from the file name, else csv)",
    )
    v.add_argument(
        "--force",
        action="store_true",
        help="export despite unreconciled or missing Z-reports (noted in the file)",
    )
    v.set_defaults(func=run_vat_return)

    d = kinds.add_parser("sales", help="daily sales with VAT and payments, and Z-reports")
    _period_args(d)
    _common(d)
    d.add_argument("--format", choices=("xlsx", "csv"), required=True)
    d.add_argument(
        "--report",
        choices=sales.REPORTS,
        default="daily",
        help="for csv: which report (xlsx holds them all)",
    )
    d.set_defaults(func=run_sales)

    m = kinds.add_parser("mapping", help="write the default account mapping to edit")
    m.add_argument("--out", type=Path, required=True)
    m.set_defaults(func=run_mapping)


def _period_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", required=True, metavar="DATE")
    parser.add_argument("--to", dest="date_to", required=True, metavar="DATE")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="file to write")
    parser.add_argument(
        "--store",
        action="append",
        default=None,
        metavar="EXTERNAL_ID",
        help="only this store (repeatable; default: all that apply)",
    )


def serving_path() -> Path:
    return load_settings(require_credentials=False).serving_path


def write_atomically(path: Path, content: bytes) -> None:
    """Never leave half a file where the bookkeeper's import looks."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    tmp.replace(path)


def _fail(err: ExportError) -> int:
    print(f"sitoo-wh export: {err}", file=sys.stderr)  # noqa: T201 (the CLI's output)
    return 2


def run_sie4(args: argparse.Namespace) -> int:
    try:
        period = between(args.date_from, args.date_to)
        rules = mapping.load(args.mapping)
        with source.open_serving(serving_path()) as con:
            result = sie4.export(
                con,
                period,
                rules,
                selected=args.store,
                force=args.force,
                generated=args.generated_on or date.today(),  # noqa: DTZ011 (local date)
            )
        write_atomically(args.out, result.content)
    except ExportError as err:
        return _fail(err)
    forced = sum(v.forced for v in result.vouchers)
    note = f", {forced} marked unreconciled" if forced else ""
    print(f"wrote {args.out}: {len(result.vouchers)} vouchers{note}")  # noqa: T201
    return 0


def run_vat_return(args: argparse.Namespace) -> int:
    try:
        period = parse_return_period(args.period)
        with source.open_serving(serving_path()) as con:
            result = vat_return.export(con, period, selected=args.store, force=args.force)
        fmt = args.format or ("txt" if args.out.suffix.lower() == ".txt" else "csv")
        content = (
            vat_return.to_csv(result)
            if fmt == "csv"
            else vat_return.to_table(result).encode("utf-8")
        )
        write_atomically(args.out, content)
    except ExportError as err:
        return _fail(err)
    print(vat_return.to_table(result), end="")  # noqa: T201
    print(f"wrote {args.out}")  # noqa: T201
    return 0


def run_sales(args: argparse.Namespace) -> int:
    try:
        period = between(args.date_from, args.date_to)
        with source.open_serving(serving_path()) as con:
            if args.format == "xlsx":
                content = sales.to_xlsx(sales.sheets(con, period, args.store))
            else:
                content = sales.to_csv(sales.report(con, period, args.report, args.store))
        write_atomically(args.out, content)
    except ExportError as err:
        return _fail(err)
    print(f"wrote {args.out}")  # noqa: T201
    return 0


def run_mapping(args: argparse.Namespace) -> int:
    write_atomically(args.out, mapping.default_text().encode("utf-8"))
    print(f"wrote {args.out}: edit it and pass --mapping {args.out}")  # noqa: T201
    return 0
