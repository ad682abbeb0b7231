"""Read what the exports need from the published marts.

Functions take an open DuckDB connection to `serving.duckdb` (the CLI opens one read-only,
the dashboard page the same file), use parameterised SQL only, and hand back Decimal money:
a voucher must balance to the öre, which floats cannot promise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from exports.errors import ExportError
from exports.periods import Period

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Store:
    external_id: str
    name: str
    country: str
    """ISO 3166-1 alpha-2, upper case (SE, NO, FI)."""
    currency: str
    company_name: str
    org_number: str


@dataclass(frozen=True)
class ZReport:
    """One Z-report's totals and reconciliation status (marts.rpt_zreport_reconciliation)."""

    store: str
    register_id: str
    zreport_id: int
    business_date: date
    currency: str
    status: str
    net: Decimal
    vat: Decimal
    rounding: Decimal
    payments: Decimal
    cash_difference: Decimal | None

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True)
class ZVat:
    """A Z-report's takings at one VAT rate (marts.rpt_zreport_vat)."""

    store: str
    register_id: str
    zreport_id: int
    business_date: date
    vat_rate: Decimal
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class ZPayment:
    """A Z-report's net payments with one method (marts.rpt_zreport_payments)."""

    store: str
    register_id: str
    zreport_id: int
    business_date: date
    method: str
    amount: Decimal


@dataclass(frozen=True)
class Gap:
    """A Z-report number missing from a register's sequence (marts.rpt_zreport_gaps)."""

    store: str
    register_id: str
    missing_zreport_id: int
    business_date: date | None


@dataclass(frozen=True)
class ZData:
    """Everything the voucher builder reads for a period."""

    zreports: tuple[ZReport, ...]
    vats: tuple[ZVat, ...]
    payments: tuple[ZPayment, ...]
    gaps: tuple[Gap, ...]


@contextlib.contextmanager
def open_serving(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the serving copy; never the warehouse."""
    if not path.is_file():
        raise ExportError(f"no serving copy at {path}: run `sitoo-wh sync` first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        raise ExportError(f"{path} cannot be opened: {err}") from err
    try:
        yield con
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[Any]:
    cursor = con.cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    except duckdb.CatalogException as err:
        raise ExportError(f"the serving copy lacks a mart the exports need: {err}") from err
    finally:
        cursor.close()


def _money(value: Decimal | None) -> Decimal:
    return ZERO if value is None else Decimal(value)


def stores(con: duckdb.DuckDBPyConnection) -> list[Store]:
    """Stores with their country and the legal company Sitoo prints on their receipts."""
    rows = _rows(
        con,
        """
        SELECT s.store_external_id, coalesce(s.store_name, s.store_external_id),
               upper(coalesce(s.country_code, '')), s.currency_code,
               coalesce(min(r.company_name), ''), coalesce(min(r.company_number), '')
        FROM marts.dim_store AS s
        LEFT JOIN marts.dim_register AS r USING (store_external_id)
        GROUP BY ALL
        ORDER BY s.store_external_id
        """,
        {},
    )
    return [Store(*row) for row in rows]


def _store_filter(selected: Sequence[str] | None) -> tuple[str, dict[str, Any]]:
    if selected is None:
        return "", {}
    return " AND store_external_id IN (SELECT unnest($stores))", {"stores": list(selected)}


def zdata(con: duckdb.DuckDBPyConnection, period: Period, selected: Sequence[str]) -> ZData:
    """The period's Z-reports of the given stores, per rate and method, and sequence gaps."""
    where, extra = _store_filter(selected)
    params = {"start": period.start, "end": period.end, **extra}
    scope = f"business_date BETWEEN $start AND $end{where}"
    zreports = tuple(
        ZReport(
            store=r[0],
            register_id=r[1],
            zreport_id=int(r[2]),
            business_date=r[3],
            currency=r[4],
            status=r[5],
            net=_money(r[6]),
            vat=_money(r[7]),
            rounding=_money(r[8]),
            payments=_money(r[9]),
            cash_difference=None if r[10] is None else Decimal(r[10]),
        )
        for r in _rows(
            con,
            f"""
            SELECT store_external_id, register_id, zreport_id, business_date, currency_code,
                   status, zreport_net_amount, zreport_vat_amount, zreport_rounding_amount,
                   zreport_payments_amount, cash_difference_amount
            FROM marts.rpt_zreport_reconciliation WHERE {scope}
            ORDER BY store_external_id, business_date, register_id, zreport_id
            """,  # noqa: S608
            params,
        )
    )
    vats = tuple(
        ZVat(r[0], r[1], int(r[2]), r[3], Decimal(r[4]), _money(r[5]), _money(r[6]))
        for r in _rows(
            con,
            f"""
            SELECT store_external_id, register_id, zreport_id, business_date, vat_rate,
                   zreport_net_amount, zreport_vat_amount
            FROM marts.rpt_zreport_vat WHERE {scope}
            ORDER BY store_external_id, business_date, register_id, zreport_id, vat_rate
            """,  # noqa: S608
            params,
        )
    )
    payments = tuple(
        ZPayment(r[0], r[1], int(r[2]), r[3], r[4], _money(r[5]))
        for r in _rows(
            con,
            f"""
            SELECT store_external_id, register_id, zreport_id, business_date, payment_method,
                   zreport_amount
            FROM marts.rpt_zreport_payments WHERE {scope}
            ORDER BY store_external_id, business_date, register_id, zreport_id, payment_method
            """,  # noqa: S608
            params,
        )
    )
    # A gap not yet closed by a later Z-report lies after the register's newest one; it may
    # fall in the period when that newest Z-report is not after the period's end.
    gaps = tuple(
        Gap(r[0], r[1], int(r[2]), r[3])
        for r in _rows(
            con,
            f"""
            WITH latest AS (
                SELECT register_id, max(business_date) AS last_date
                FROM marts.rpt_zreport_reconciliation GROUP BY register_id
            )
            SELECT store_external_id, register_id, missing_zreport_id, business_date
            FROM marts.rpt_zreport_gaps AS g
            LEFT JOIN latest USING (register_id)
            WHERE (g.business_date BETWEEN $start AND $end
                   OR (g.business_date IS NULL AND coalesce(latest.last_date, $start) <= $end))
                  {where}
            ORDER BY store_external_id, register_id, missing_zreport_id
            """,  # noqa: S608
            params,
        )
    )
    return ZData(zreports, vats, payments, gaps)


def vat_by_rate(
    con: duckdb.DuckDBPyConnection, period: Period, selected: Sequence[str] | None = None
) -> list[tuple[str, str, Decimal, Decimal, Decimal]]:
    """(store, currency, rate, net, VAT) summed over the period from marts.fct_vat_daily."""
    where, extra = _store_filter(selected)
    rows = _rows(
        con,
        f"""
        SELECT store_external_id, currency_code, vat_rate, sum(net_amount), sum(vat_amount)
        FROM marts.fct_vat_daily
        WHERE business_date BETWEEN $start AND $end{where}
        GROUP BY ALL ORDER BY store_external_id, currency_code, vat_rate DESC
        """,  # noqa: S608
        {"start": period.start, "end": period.end, **extra},
    )
    return [(r[0], r[1], Decimal(r[2]), _money(r[3]), _money(r[4])) for r in rows]


def table(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of one query (for the sales sheets)."""
    cursor = con.cursor()
    try:
        cursor.execute(sql, params)
        columns = [d[0] for d in cursor.description or ()]
        return columns, [tuple(r) for r in cursor.fetchall()]
    except duckdb.CatalogException as err:
        raise ExportError(f"the serving copy lacks a mart the exports need: {err}") from err
    finally:
        cursor.close()
