"""SIE 4I: the day vouchers as a file any Swedish bookkeeping program imports.

Type 4I carries vouchers only (no balances), which is what a sub-system such as a POS posts.
`#FORMAT PC8` promises IBM code page 437, so the text is encoded as cp437 (Å = 0x8F) and an
unencodable character fails the export rather than turning into mojibake; lines end CRLF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import metadata

import duckdb

from exports import source, vouchers
from exports.errors import ExportError
from exports.mapping import Mapping
from exports.periods import Period, fiscal_year
from exports.source import Store
from exports.vouchers import Voucher

PROGRAM = "sitoo-wh"
ENCODING = "cp437"
COST_CENTRE_DIMENSION = 1


@dataclass(frozen=True)
class Company:
    name: str
    org_number: str


@dataclass(frozen=True)
class Sie4File:
    """The encoded file and what went into it (for previews and checks)."""

    content: bytes
    vouchers: tuple[Voucher, ...]
    stores: tuple[Store, ...]
    period: Period


def program_version() -> str:
    try:
        return metadata.version("sitoo-warehouse")
    except metadata.PackageNotFoundError:
        return "0"


def quote(text: str) -> str:
    """A SIE string field: quoted, with `\\` and `"` escaped and control characters as spaces."""
    clean = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _day(d: date) -> str:
    return d.strftime("%Y%m%d")


def _amount(amount: Decimal) -> str:
    return f"{amount:.2f}"


def render(
    found: Sequence[Voucher],
    stores: Sequence[Store],
    mapping: Mapping,
    company: Company,
    period: Period,
    *,
    generated: date,
    version: str,
) -> str:
    """The SIE text (CRLF line ends), vouchers numbered 1… in the mapping's series."""
    year = fiscal_year(period.start, mapping.fiscal_year_start_month)
    lines = [
        "#FLAGGA 0",
        "#FORMAT PC8",
        "#SIETYP 4",
        f"#PROGRAM {quote(PROGRAM)} {quote(version)}",
        f"#GEN {_day(generated)}",
        f"#FNAMN {quote(company.name)}",
    ]
    if company.org_number:
        lines.append(f"#ORGNR {company.org_number}")
    lines += [
        f"#RAR 0 {_day(year.start)} {_day(year.end)}",
        "#VALUTA SEK",
        f"#DIM {COST_CENTRE_DIMENSION} {quote('Kostnadsställe')}",
    ]
    names = {s.external_id: s.name for s in stores}
    objects = sorted({(v.object_id, v.store) for v in found})
    seen: set[str] = set()
    for object_id, store in objects:
        if object_id not in seen:
            seen.add(object_id)
            lines.append(
                f"#OBJEKT {COST_CENTRE_DIMENSION} {quote(object_id)} {quote(names.get(store, store))}"
            )
    for account in sorted({r.account for v in found for r in v.rows}):
        lines.append(f"#KONTO {account} {quote(mapping.account_name(account))}")
    for number, v in enumerate(found, start=1):
        day = _day(v.business_date)
        lines.append(
            f"#VER {quote(mapping.series)} {number} {day} {quote(v.text)} {_day(generated)}"
        )
        lines.append("{")
        obj = f"{{{COST_CENTRE_DIMENSION} {quote(v.object_id)}}}"
        for row in v.rows:
            lines.append(
                f"   #TRANS {row.account} {obj} {_amount(row.amount)} {day} {quote(row.text)}"
            )
        lines.append("}")
    return "\r\n".join(lines) + "\r\n"


def encode(text: str) -> bytes:
    """cp437 bytes, or an error naming the character and the line it is on."""
    try:
        return text.encode(ENCODING)
    except UnicodeEncodeError as err:
        line = text[: err.start].count("\n") + 1
        char = text[err.start]
        raise ExportError(
            f"character {char!r} (U+{ord(char):04X}) on line {line} of the SIE file has no "
            f"code page 437 (PC8) form; change the store name or mapping text that holds it"
        ) from err


def swedish_stores(all_stores: Sequence[Store], selected: Sequence[str] | None) -> list[Store]:
    """The stores to book: the chosen ones, which must be Swedish, or every Swedish store."""
    known = {s.external_id: s for s in all_stores}
    if selected:
        unknown = [s for s in selected if s not in known]
        if unknown:
            raise ExportError(f"unknown store(s): {', '.join(unknown)}")
        foreign = [s for s in selected if known[s].country != "SE"]
        if foreign:
            raise ExportError(f"SIE4 is for Swedish stores; not Swedish: {', '.join(foreign)}")
        return [known[s] for s in selected]
    chosen = [s for s in all_stores if s.country == "SE"]
    if not chosen:
        raise ExportError("there are no Swedish stores to export SIE4 for")
    return chosen


def company_of(stores: Sequence[Store], mapping: Mapping) -> Company:
    """The mapping's company, else the one Sitoo prints on the stores' receipts."""
    if mapping.company_name:
        return Company(mapping.company_name, mapping.org_number)
    companies = sorted({(s.company_name, s.org_number) for s in stores})
    if len(companies) != 1 or not companies[0][0]:
        listed = ", ".join(f"{n or '?'} {o}".strip() for n, o in companies)
        raise ExportError(
            f"the stores belong to {len(companies)} companies ({listed}); a SIE file is one "
            "company's: choose its stores with --store, or set [company] in the mapping file"
        )
    name, org = companies[0]
    return Company(name, mapping.org_number or org)


def export(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    mapping: Mapping,
    *,
    selected: Sequence[str] | None = None,
    force: bool = False,
    generated: date,
    version: str | None = None,
) -> Sie4File:
    """Read, check, build and render the period's SIE4 file from the serving copy."""
    year = fiscal_year(period.start, mapping.fiscal_year_start_month)
    if not year.contains(period.end):
        raise ExportError(
            f"the period {period.name} spans two fiscal years; export each year's part separately"
        )
    chosen = swedish_stores(source.stores(con), selected)
    not_sek = [s.external_id for s in chosen if s.currency != "SEK"]
    if not_sek:
        raise ExportError(f"SIE4 books SEK; these stores trade in another currency: {not_sek}")
    company = company_of(chosen, mapping)
    data = source.zdata(con, period, [s.external_id for s in chosen])
    found = vouchers.build(data, chosen, mapping, force=force)
    if not found:
        raise ExportError(f"no Z-reports for the chosen stores in {period.name}")
    text = render(
        found,
        chosen,
        mapping,
        company,
        period,
        generated=generated,
        version=version if version is not None else program_version(),
    )
    return Sie4File(encode(text), tuple(found), tuple(chosen), period)
