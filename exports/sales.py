"""Daily sales per store with VAT and payment breakdowns, and the Z-report reconciliation, as
XLSX (one sheet each) or CSV (one report per file) — what a bookkeeper opens in a spreadsheet.

Money goes into the workbook as Decimal-exact numbers with two decimals; the CSV writes the
mart's decimal text, so nothing passes through a float on the way to the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import duckdb

from exports import source
from exports.errors import ExportError
from exports.mapping import rate_text
from exports.periods import Period

REPORTS: Final = ("daily", "zreports")
_BASE_COLUMNS: Final = (
    "business_date",
    "store_external_id",
    "store_name",
    "currency_code",
    "net_sales",
    "vat_amount",
    "gross_sales",
    "returns_amount",
    "discount_amount",
    "transactions",
    "refund_transactions",
    "units",
)
_ZREPORT_COLUMNS: Final = (
    "business_date",
    "store_external_id",
    "register_id",
    "zreport_id",
    "currency_code",
    "status",
    "zreport_sales_gross_amount",
    "zreport_refund_gross_amount",
    "zreport_net_amount",
    "zreport_vat_amount",
    "zreport_rounding_amount",
    "zreport_payments_amount",
    "orders_payments_difference",
    "journal_payments_difference",
    "orders_vat_difference",
    "journal_vat_difference",
    "vat_rates_mismatched",
    "payment_methods_mismatched",
    "cash_expected_amount",
    "cash_counted_amount",
    "cash_difference_amount",
)


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _scope(period: Period, selected: Sequence[str] | None) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"start": period.start, "end": period.end}
    where = "business_date BETWEEN $start AND $end"
    if selected:
        where += " AND store_external_id IN (SELECT unnest($stores))"
        params["stores"] = list(selected)
    return where, params


def daily(con: duckdb.DuckDBPyConnection, period: Period, selected: Sequence[str] | None) -> Sheet:
    """One row per day and store: takings, then net/VAT per rate, then payments per method."""
    where, params = _scope(period, selected)
    _, base = source.table(
        con,
        f"""
        SELECT d.business_date, d.store_external_id, s.store_name, d.currency_code, d.net_sales,
               d.vat_amount, d.gross_sales, d.returns_amount, d.discount_amount, d.transactions,
               d.refund_transactions, d.units
        FROM marts.fct_sales_daily AS d LEFT JOIN marts.dim_store AS s USING (store_external_id)
        WHERE d.{where.replace(" AND store", " AND d.store")}
        ORDER BY d.business_date, d.store_external_id, d.currency_code
        """,  # noqa: S608
        params,
    )
    _, vat = source.table(
        con,
        f"SELECT business_date, store_external_id, currency_code, vat_rate, net_amount, "  # noqa: S608
        f"vat_amount FROM marts.fct_vat_daily WHERE {where}",
        params,
    )
    _, pay = source.table(
        con,
        f"SELECT business_date, store_external_id, currency_code, payment_method, amount "  # noqa: S608
        f"FROM marts.fct_payments_daily WHERE {where}",
        params,
    )
    rates = sorted({r[3] for r in vat}, reverse=True)
    methods = sorted({r[3] for r in pay})
    vat_cells = {(r[0], r[1], r[2], r[3]): (r[4], r[5]) for r in vat}
    pay_cells = {(r[0], r[1], r[2], r[3]): r[4] for r in pay}
    columns = list(_BASE_COLUMNS)
    for rate in rates:
        columns += [f"net_{rate_text(rate)}pct", f"vat_{rate_text(rate)}pct"]
    columns += [f"paid_{m}" for m in methods]
    rows = []
    keys = {(r[0], r[1], r[3]) for r in base}
    missing = sorted({(r[0], r[1], r[2]) for r in (*vat, *pay)} - keys)
    names = {r[1]: r[2] for r in base}
    base_rows = list(base) + [
        (d, s, names.get(s, s), c, *([None] * (len(_BASE_COLUMNS) - 4))) for d, s, c in missing
    ]
    for row in sorted(base_rows, key=lambda r: (r[0], r[1], r[3])):
        key = (row[0], row[1], row[3])
        extra: list[Any] = []
        for rate in rates:
            extra += list(vat_cells.get((*key, rate), (None, None)))
        extra += [pay_cells.get((*key, m)) for m in methods]
        rows.append((*row, *extra))
    return Sheet("Daily sales", tuple(columns), tuple(rows))


def zreports(
    con: duckdb.DuckDBPyConnection, period: Period, selected: Sequence[str] | None
) -> Sheet:
    where, params = _scope(period, selected)
    columns, rows = source.table(
        con,
        f"SELECT {', '.join(_ZREPORT_COLUMNS)} FROM marts.rpt_zreport_reconciliation "  # noqa: S608
        f"WHERE {where} ORDER BY business_date, store_external_id, register_id, zreport_id",
        params,
    )
    return Sheet("Z-reports", tuple(columns), tuple(rows))


def long_sheet(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    selected: Sequence[str] | None,
    name: str,
    table: str,
    columns: str,
    order: str,
) -> Sheet:
    where, params = _scope(period, selected)
    cols, rows = source.table(
        con,
        f"SELECT {columns} FROM marts.{table} WHERE {where} ORDER BY {order}",  # noqa: S608
        params,
    )
    return Sheet(name, tuple(cols), tuple(rows))


def sheets(
    con: duckdb.DuckDBPyConnection, period: Period, selected: Sequence[str] | None = None
) -> list[Sheet]:
    """Every sheet of the workbook, in order."""
    found = [
        daily(con, period, selected),
        long_sheet(
            con,
            period,
            selected,
            "VAT",
            "fct_vat_daily",
            "business_date, store_external_id, currency_code, vat_rate, net_amount, "
            "vat_amount, gross_amount",
            "business_date, store_external_id, currency_code, vat_rate DESC",
        ),
        long_sheet(
            con,
            period,
            selected,
            "Payments",
            "fct_payments_daily",
            "business_date, store_external_id, currency_code, payment_method, amount, "
            "payment_count",
            "business_date, store_external_id, currency_code, payment_method",
        ),
        zreports(con, period, selected),
    ]
    if not found[0].rows and not found[3].rows:
        raise ExportError(f"no takings or Z-reports in {period.name} for the chosen stores")
    return found


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value  # openpyxl writes Decimal as a number without a float round trip in text
    return value


def to_xlsx(found: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per report, a frozen header row and two-decimal money."""
    from openpyxl import Workbook  # only here: importing it costs every `sitoo-wh` start 0.3 s

    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    for sheet in found:
        ws = book.create_sheet(sheet.name)
        ws.append(list(sheet.columns))
        for row in sheet.rows:
            ws.append([_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for col in ws.iter_cols(min_row=2):
            for cell in col:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "0.00"
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(sheet: Sheet) -> bytes:
    """UTF-8 CSV with BOM (spreadsheet programs then read å/ä/ö), `.` decimals, CRLF."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(sheet.columns)
    for row in sheet.rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def report(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    name: str,
    selected: Sequence[str] | None = None,
) -> Sheet:
    """One report for CSV: `daily` or `zreports`."""
    if name == "daily":
        return daily(con, period, selected)
    if name == "zreports":
        return zreports(con, period, selected)
    raise ExportError(f"unknown report {name!r} (choose {', '.join(REPORTS)})")
