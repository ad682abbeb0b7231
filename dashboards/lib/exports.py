"""The Exports page's work: the same `exports` functions `sitoo-wh export` calls, so a file
downloaded here is byte for byte the file the CLI writes for the same arguments.

The page only picks the arguments (period and stores from the global filters), shows a preview
of what went into the file and offers the bytes; the money was computed by `exports`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping as EnvMapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Final

import pandas as pd
import streamlit as st

from exports import mapping, sales, sie4, source, vat_return
from exports.periods import between, parse_return_period
from exports.vouchers import Problem, Voucher

MAPPING_ENV: Final = "SITOO_WH_EXPORT_MAPPING"
SIE4: Final = "sie4"
VAT_RETURN: Final = "vat_return"
SALES_XLSX: Final = "sales_xlsx"
SALES_CSV: Final = "sales_csv"
ZREPORTS_CSV: Final = "zreports_csv"
KINDS: Final = {
    SIE4: "SIE4 vouchers (.si)",
    VAT_RETURN: "VAT return (CSV)",
    SALES_XLSX: "Daily sales, VAT, payments and Z-reports (XLSX)",
    SALES_CSV: "Daily sales (CSV)",
    ZREPORTS_CSV: "Z-report reconciliation (CSV)",
}
REFUSABLE: Final = (SIE4, VAT_RETURN)
"""The exports that refuse a period with unreconciled or missing Z-reports."""
PREVIEW_ROWS: Final = 20
_CSV: Final = "text/csv"
_XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SIE: Final = "text/plain"


@dataclass(frozen=True)
class Request:
    """One export's arguments, as `sitoo-wh export` takes them."""

    kind: str
    start: date
    end: date
    stores: tuple[str, ...]
    force: bool = False
    generated: date | None = None
    """SIE4 only: the #GEN date (`--generated-on`)."""
    return_period: str = ""
    """VAT return only: `YYYY-MM` or `YYYY-Qn` (`--period`)."""
    mapping_file: str = ""
    """SIE4 only: the mapping file (`--mapping`); empty for the default mapping."""


@dataclass(frozen=True)
class Built:
    """The file's bytes, its name and type, and what the page previews."""

    content: bytes
    file_name: str
    mime: str
    preview: pd.DataFrame
    vouchers: tuple[Voucher, ...] = ()
    problems: tuple[Problem, ...] = ()
    """Problems the file was forced past (VAT return)."""
    sheets: tuple[str, ...] = ()


def mapping_file(env: EnvMapping[str, str] | None = None) -> str:
    """The mapping file configured for the dashboards, or "" for the default mapping."""
    env = os.environ if env is None else env
    return env.get(MAPPING_ENV, "").strip()


def load_mapping(path: str) -> mapping.Mapping:
    """The mapping `--mapping path` would load (raises MappingError like the CLI)."""
    return mapping.load(Path(path) if path else None)


def return_periods(start: date, end: date) -> list[str]:
    """VAT return periods touching the dates: the months, newest first, then the quarters."""
    months: list[tuple[int, int]] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    quarters = sorted({(y, (m - 1) // 3 + 1) for y, m in months}, reverse=True)
    return [f"{y}-{m:02d}" for y, m in reversed(months)] + [f"{y}-Q{q}" for y, q in quarters]


def command(request: Request) -> str:
    """The `sitoo-wh export` command line that writes the same file."""
    stores = " ".join(f"--store {s}" for s in request.stores)
    dates = f"--from {request.start.isoformat()} --to {request.end.isoformat()}"
    out = f"--out {file_name(request)}"
    if request.kind == SIE4:
        parts = ["sie4", dates, stores]
        if request.mapping_file:
            parts.append(f"--mapping {request.mapping_file}")
        if request.generated is not None:
            parts.append(f"--generated-on {request.generated.isoformat()}")
    elif request.kind == VAT_RETURN:
        parts = ["vat-return", f"--period {request.return_period}", stores]
    elif request.kind == SALES_XLSX:
        parts = ["sales", "--format xlsx", dates, stores]
    else:
        report = "zreports" if request.kind == ZREPORTS_CSV else "daily"
        parts = ["sales", "--format csv", f"--report {report}", dates, stores]
    if request.force:
        parts.append("--force")
    return " ".join(["sitoo-wh export", *(p for p in parts if p), out])


def file_name(request: Request) -> str:
    span = f"{request.start.isoformat()}_{request.end.isoformat()}"
    if request.kind == SIE4:
        return f"sie4_{span}.si"
    if request.kind == VAT_RETURN:
        return f"vat_return_{parse_return_period(request.return_period).name}.csv"
    if request.kind == SALES_XLSX:
        return f"sales_{span}.xlsx"
    if request.kind == ZREPORTS_CSV:
        return f"zreports_{span}.csv"
    return f"sales_{span}.csv"


def build(serving: Path, request: Request, stamp: str) -> Built:
    """The export for `request` from the serving copy, cached per publish (`stamp`).

    Raises what the CLI reports: `PeriodNotReconciledError` (with `.problems`) when a period
    with unreconciled or missing Z-reports is not forced, `ExportError` for the rest.
    """
    mtime = _mtime(request.mapping_file)
    return _build_cached(str(serving), request, stamp, mtime)


def _mtime(path: str) -> int:
    try:
        return Path(path).stat().st_mtime_ns if path else 0
    except OSError:
        return 0  # mapping.load reports the unreadable file


@st.cache_data(ttl="15m", max_entries=64, show_spinner="Building the export…")
def _build_cached(serving: str, request: Request, stamp: str, mapping_mtime: int) -> Built:
    del stamp, mapping_mtime  # only part of the cache key
    return build_uncached(Path(serving), request)


def build_uncached(serving: Path, request: Request) -> Built:
    selected = list(request.stores)
    name = file_name(request)
    if request.kind == SIE4:
        rules = load_mapping(request.mapping_file)
        period = between(request.start, request.end)
        with source.open_serving(serving) as con:
            result = sie4.export(
                con,
                period,
                rules,
                selected=selected,
                force=request.force,
                generated=request.generated or date.today(),  # noqa: DTZ011 (local date)
            )
        return Built(
            result.content, name, _SIE, voucher_table(result.vouchers), vouchers=result.vouchers
        )
    if request.kind == VAT_RETURN:
        with source.open_serving(serving) as con:
            vat = vat_return.export(
                con,
                parse_return_period(request.return_period),
                selected=selected,
                force=request.force,
            )
        return Built(vat_return.to_csv(vat), name, _CSV, vat_table(vat), problems=vat.problems)
    period = between(request.start, request.end)
    with source.open_serving(serving) as con:
        if request.kind == SALES_XLSX:
            found = sales.sheets(con, period, selected)
            return Built(
                sales.to_xlsx(found),
                name,
                _XLSX,
                sheet_table(found[0]),
                sheets=tuple(s.name for s in found),
            )
        report = "zreports" if request.kind == ZREPORTS_CSV else "daily"
        sheet = sales.report(con, period, report, selected)
    return Built(sales.to_csv(sheet), name, _CSV, sheet_table(sheet))


def debit_total(v: Voucher) -> Decimal:
    """The voucher's debit side (positive rows); it balances, so this is also its credit."""
    return sum((r.amount for r in v.rows if r.amount > 0), Decimal("0.00"))


def voucher_table(found: tuple[Voucher, ...]) -> pd.DataFrame:
    """One row per voucher, numbered as in the file (#VER series number)."""
    return pd.DataFrame(
        {
            "voucher": list(range(1, len(found) + 1)),
            "store": [v.store for v in found],
            "business_date": [v.business_date for v in found],
            "debit_total": [debit_total(v) for v in found],
            "zreport_gross": [v.gross for v in found],
            "text": [v.text for v in found],
        }
    )


def voucher_rows(v: Voucher, rules: mapping.Mapping) -> pd.DataFrame:
    """A voucher's transactions as debit and credit columns."""
    return pd.DataFrame(
        {
            "account": [r.account for r in v.rows],
            "account_name": [rules.account_name(r.account) for r in v.rows],
            "debit": [r.amount if r.amount > 0 else None for r in v.rows],
            "credit": [-r.amount if r.amount < 0 else None for r in v.rows],
            "text": [r.text for r in v.rows],
        }
    )


def vat_table(result: vat_return.VatReturn) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": [ln.country for ln in result.lines],
            "currency": [ln.currency for ln in result.lines],
            "box": [ln.box for ln in result.lines],
            "line": [ln.label for ln in result.lines],
            "amount": [ln.amount for ln in result.lines],
            "whole_units": [ln.whole for ln in result.lines],
        }
    )


def sheet_table(sheet: sales.Sheet, limit: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first rows of a report."""
    return pd.DataFrame.from_records(list(sheet.rows[:limit]), columns=list(sheet.columns))
