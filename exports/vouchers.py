"""One balanced voucher per store and business day, built from that day's Z-reports.

Debit: net payments per method (cash rounding is in the cash figure). Credit: net sales and
output VAT per rate. The rounding account takes what the customers' rounding moved, and the
till count's difference moves between the cash and the cash-difference account. These are pure
functions over the mart rows, so the arithmetic is testable without a warehouse.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from exports.errors import ExportError
from exports.mapping import Mapping, rate_text
from exports.source import Store, ZData, ZPayment, ZReport, ZVat

ZERO = Decimal("0.00")
FORCED_MARKER = "EJ AVSTÄMD"
"""Put in front of the text of a voucher exported with unreconciled or missing Z-reports."""


class UnbalancedVoucherError(ExportError):
    """A voucher does not sum to zero: a bug or inconsistent marts, never written out."""


@dataclass(frozen=True)
class Problem:
    """A Z-report that keeps a period from being booked as is."""

    store: str
    register_id: str
    zreport_id: int
    business_date: date | None
    reason: str

    def describe(self) -> str:
        day = self.business_date.isoformat() if self.business_date else "(date unknown)"
        return f"{self.store} {day} register {self.register_id} Z-report {self.zreport_id}: " + (
            self.reason
        )


class PeriodNotReconciledError(ExportError):
    """Some Z-reports of the period are unreconciled or missing; `force` books it anyway."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p.describe()}" for p in self.problems)
        super().__init__(
            f"{len(self.problems)} Z-report(s) in the period are unreconciled or missing:\n"
            f"{lines}\nFix the data (or re-sync), or export anyway with --force: the vouchers "
            f"concerned are then marked {FORCED_MARKER!r} in their text."
        )


@dataclass(frozen=True)
class Row:
    account: int
    amount: Decimal
    """Debit positive, credit negative (SIE)."""
    text: str


@dataclass(frozen=True)
class Voucher:
    store: str
    object_id: str
    business_date: date
    text: str
    rows: tuple[Row, ...]
    zreports: tuple[tuple[str, int], ...]
    gross: Decimal
    """The Z-reports' takings including VAT (sales − refunds): what the day's debits settle."""
    forced: bool = False

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)


def problems(data: ZData) -> list[Problem]:
    """Unreconciled Z-reports and missing Z-report numbers in the data, in a stable order."""
    found = [
        Problem(z.store, z.register_id, z.zreport_id, z.business_date, "unreconciled (mismatch)")
        for z in data.zreports
        if z.status != "ok"
    ]
    found += [
        Problem(g.store, g.register_id, g.missing_zreport_id, g.business_date, "missing")
        for g in data.gaps
    ]
    return sorted(
        found, key=lambda p: (p.store, p.business_date or date.max, p.register_id, p.zreport_id)
    )


def check(data: ZData, *, force: bool) -> set[tuple[str, date | None]]:
    """Refuse a period with problems unless forced; return the (store, day)s to mark."""
    found = problems(data)
    if found and not force:
        raise PeriodNotReconciledError(found)
    return {(p.store, p.business_date) for p in found}


def build(
    data: ZData, stores: Sequence[Store], mapping: Mapping, *, force: bool = False
) -> list[Voucher]:
    """The vouchers of the period, one per store and business day, ordered by day then store."""
    marked = check(data, force=force)
    names = {s.external_id: s.name for s in stores}
    undated = {store for store, day in marked if day is None}
    by_day: dict[tuple[str, date], list[ZReport]] = defaultdict(list)
    for z in data.zreports:
        by_day[(z.store, z.business_date)].append(z)
    vats: dict[tuple[str, date], list[ZVat]] = defaultdict(list)
    for v in data.vats:
        vats[(v.store, v.business_date)].append(v)
    pays: dict[tuple[str, date], list[ZPayment]] = defaultdict(list)
    for p in data.payments:
        pays[(p.store, p.business_date)].append(p)
    vouchers = []
    for store, day in sorted(by_day, key=lambda k: (k[1], k[0])):
        flagged = (store, day) in marked or store in undated
        vouchers.append(
            voucher(
                store,
                names.get(store, store),
                day,
                by_day[(store, day)],
                vats[(store, day)],
                pays[(store, day)],
                mapping,
                forced=flagged,
            )
        )
    return vouchers


def voucher(
    store: str,
    store_name: str,
    day: date,
    zreports: Sequence[ZReport],
    vats: Iterable[ZVat],
    payments: Iterable[ZPayment],
    mapping: Mapping,
    *,
    forced: bool = False,
) -> Voucher:
    """One store-day's voucher; raises on an unmapped method or rate, or if it fails to balance."""
    rows: list[Row] = []
    per_method: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in payments:
        per_method[p.method] += p.amount
    for method in sorted(per_method, key=lambda m: (mapping.payments.get(m, 0), m)):
        account = mapping.payment_account(method)
        if per_method[method]:
            rows.append(Row(account, per_method[method], method))
    net: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    vat: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for v in vats:
        net[v.vat_rate] += v.net
        vat[v.vat_rate] += v.vat
    rates = sorted(net, reverse=True)
    for rate in rates:
        account = mapping.sales_account(rate)
        if net[rate]:
            rows.append(Row(account, -net[rate], f"Försäljning {rate_text(rate)} % moms"))
    for rate in rates:
        if vat[rate]:
            account = mapping.output_vat_account(rate)
            rows.append(Row(account, -vat[rate], f"Utgående moms {rate_text(rate)} %"))
    rounding = sum((z.rounding for z in zreports), ZERO)
    if rounding:
        rows.append(Row(mapping.rounding, -rounding, "Öresavrundning"))
    difference = sum((z.cash_difference or ZERO for z in zreports), ZERO)
    if difference:
        rows.append(Row(mapping.payment_account(mapping.cash_method), difference, "Kassadifferens"))
        rows.append(Row(mapping.cash_difference, -difference, "Kassadifferens"))
    ids = tuple(sorted((z.register_id, z.zreport_id) for z in zreports))
    numbers = ", ".join(str(n) for _, n in sorted(ids, key=lambda i: i[1]))
    text = f"Dagskassa {store_name} {day.isoformat()} Z {numbers}"
    if forced:
        text = f"{FORCED_MARKER}: {text}"
    result = Voucher(
        store=store,
        object_id=mapping.cost_centre(store),
        business_date=day,
        text=text,
        rows=tuple(rows),
        zreports=ids,
        gross=sum((z.gross for z in zreports), ZERO),
        forced=forced,
    )
    if result.total != 0:
        raise UnbalancedVoucherError(
            f"the voucher of {store} {day} does not balance: rows sum to {result.total} "
            f"(payments, sales and VAT of its Z-reports {numbers} disagree)"
        )
    return result
