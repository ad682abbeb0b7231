"""The VAT return for a month or quarter, from marts.fct_vat_daily.

Swedish stores fill Skatteverket's momsdeklaration: box 05 the taxable sales base, 10/11/12
the output VAT at 25/12/6 %, 42 the sales at 0 %; refunds reduce them. Rates are the ones the
POS applied on the day (the food-VAT cut of 2026-04-01 shows as 6 % from that day), never a
table of current rates. Norwegian and Finnish stores get the same per-rate summary in their
own currency. Input VAT (48) comes from purchase invoices, which the POS does not know.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Final

import duckdb

from exports import source, vouchers
from exports.errors import ExportError
from exports.mapping import rate_text
from exports.periods import Period

ZERO = Decimal("0.00")
SWEDISH_OUTPUT_VAT_BOX: Final = {Decimal(25): "10", Decimal(12): "11", Decimal(6): "12"}
COLUMNS: Final = ("country", "currency", "box", "line", "amount", "whole_units")


@dataclass(frozen=True)
class Line:
    country: str
    currency: str
    box: str
    label: str
    amount: Decimal

    @property
    def whole(self) -> Decimal:
        """Skatteverket takes whole kronor: the öre are left out."""
        return self.amount.quantize(Decimal(1), rounding=ROUND_DOWN)


@dataclass(frozen=True)
class VatReturn:
    period: Period
    lines: tuple[Line, ...]
    problems: tuple[vouchers.Problem, ...] = ()


def swedish(currency: str, rates: dict[Decimal, tuple[Decimal, Decimal]]) -> list[Line]:
    """Boxes 05, 10–12, 42 and the output VAT total from (net, VAT) per rate."""
    unknown = sorted(r for r in rates if r > 0 and r not in SWEDISH_OUTPUT_VAT_BOX)
    if unknown:
        raise ExportError(
            "Swedish takings at a VAT rate the return has no box for: "
            + ", ".join(f"{rate_text(r)} %" for r in unknown)
        )
    taxable = sum((net for r, (net, _) in rates.items() if r > 0), ZERO)
    lines = [Line("SE", currency, "05", "Momspliktig försäljning", taxable)]
    for rate, box in SWEDISH_OUTPUT_VAT_BOX.items():
        vat = rates.get(rate, (ZERO, ZERO))[1]
        lines.append(Line("SE", currency, box, f"Utgående moms {rate_text(rate)} %", vat))
    exempt = rates.get(Decimal(0), (ZERO, ZERO))
    if exempt[1]:
        raise ExportError(f"Swedish takings at 0 % carry VAT ({exempt[1]}): check the marts")
    lines.append(Line("SE", currency, "42", "Övrig försäljning (0 % moms)", exempt[0]))
    total = sum((vat for _, vat in rates.values()), ZERO)
    lines.append(
        Line("SE", currency, "", "Utgående moms totalt (före ingående moms, ruta 48)", total)
    )
    return lines


def per_rate(
    country: str, currency: str, rates: dict[Decimal, tuple[Decimal, Decimal]]
) -> list[Line]:
    """The same figures without Swedish box numbers: net and VAT per rate."""
    lines = []
    for rate in sorted(rates, reverse=True):
        net, vat = rates[rate]
        lines.append(Line(country, currency, "", f"Net sales {rate_text(rate)} %", net))
        lines.append(Line(country, currency, "", f"Output VAT {rate_text(rate)} %", vat))
    total = sum((vat for _, vat in rates.values()), ZERO)
    lines.append(Line(country, currency, "", "Output VAT total", total))
    return lines


def compute(
    rows: Sequence[tuple[str, str, Decimal, Decimal, Decimal]], countries: dict[str, str]
) -> list[Line]:
    """Lines per country and currency from (store, currency, rate, net, VAT) rows."""
    grouped: dict[tuple[str, str], dict[Decimal, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for store, currency, rate, net, vat in rows:
        key = (countries.get(store, ""), currency)
        old_net, old_vat = grouped[key].get(rate, (ZERO, ZERO))
        grouped[key][rate] = (old_net + net, old_vat + vat)
    lines: list[Line] = []
    order = sorted(grouped, key=lambda k: (k[0] != "SE", k))
    for country, currency in order:
        rates = grouped[(country, currency)]
        if country == "SE":
            lines += swedish(currency, rates)
        else:
            lines += per_rate(country or "?", currency, rates)
    return lines


def export(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    selected: Sequence[str] | None = None,
    force: bool = False,
) -> VatReturn:
    """The period's return, refused while Z-reports are unreconciled or missing."""
    stores = source.stores(con)
    chosen = [s.external_id for s in stores if not selected or s.external_id in selected]
    problems = vouchers.problems(source.zdata(con, period, chosen))
    if problems and not force:
        raise vouchers.PeriodNotReconciledError(problems)
    rows = source.vat_by_rate(con, period, chosen)
    if not rows:
        raise ExportError(f"no takings in {period.name} for the chosen stores")
    lines = compute(rows, {s.external_id: s.country for s in stores})
    return VatReturn(period, tuple(lines), tuple(problems))


def to_csv(result: VatReturn) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheet programs read å/ä/ö), one row per line."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for ln in result.lines:
        writer.writerow(
            [ln.country, ln.currency, ln.box, ln.label, f"{ln.amount:.2f}", f"{ln.whole:.0f}"]
        )
    if result.problems:
        writer.writerow(
            [
                "",
                "",
                "",
                (
                    f"{vouchers.FORCED_MARKER}: {len(result.problems)} "
                    "Z-report(s) unreconciled or missing"
                ),
                "",
                "",
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_table(result: VatReturn) -> str:
    """A printable plain-text table."""
    head = f"VAT return {result.period.name} ({result.period.start} – {result.period.end})"
    out = [head, ""]
    for ln in result.lines:
        out.append(f"{ln.country:<3} {ln.box:>3}  {ln.label:<55} {ln.amount:>15,.2f} {ln.currency}")
    if result.problems:
        out += [
            "",
            f"{vouchers.FORCED_MARKER}: " + "; ".join(p.describe() for p in result.problems),
        ]
    return "\n".join(out) + "\n"
