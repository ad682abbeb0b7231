"""The mapping file's parsing errors, periods, and the VAT return's boxes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from exports import mapping, periods, vat_return
from exports.errors import ExportError, MappingError


def test_default_mapping_is_bas() -> None:
    m = mapping.default()
    assert m.payments["Cash"] == 1910
    assert m.payments["Gift card"] == 2421
    assert m.sales[D("25.00")] == 3001
    assert m.sales[D(6)] == 3003
    assert m.sales[D(0)] == 3004
    assert m.output_vat == {D(25): 2611, D(12): 2621, D(6): 2631}
    assert (m.rounding, m.cash_difference, m.series) == (3740, 1919, "K")
    assert m.account_name(3740) == "Öres- och kronutjämning"
    assert m.cost_centre("SE-STO-01") == "SE-STO-01"


def test_edited_mapping(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        mapping.default_text()
        .replace('"Swish" = 1930', '"Swish" = 1934')
        .replace('# "SE-STO-01" = "100"', '"SE-STO-01" = "100"')
        .replace('series = "K"', 'series = "D"'),
        encoding="utf-8",
    )
    m = mapping.load(path)
    assert m.payments["Swish"] == 1934
    assert m.series == "D"
    assert m.cost_centre("SE-STO-01") == "100"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[voucher]", "[vouchers]"), "unknown key vouchers"),
        (('"Card" = 1580', '"Card" = "1580"'), r"accounts\.payments\.Card must be a four-digit"),
        (('"Card" = 1580', '"Card" = 158'), "four-digit"),
        (('"12" = 3002', '"tolv" = 3002'), "'tolv' is not a VAT rate"),
        (("rounding = 3740", "roundin = 3740"), "unknown key accounts.roundin"),
        (("fiscal_year_start_month = 1", "fiscal_year_start_month = 13"), "1–12"),
        (("[company]", "[company"), "not valid TOML"),
    ],
)
def test_mapping_errors_name_the_key(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        mapping.parse(mapping.default_text().replace(*edit), "mapping file x.toml")


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read mapping file"):
        mapping.load(tmp_path / "absent.toml")


def test_periods() -> None:
    assert periods.parse_return_period("2026-04") == periods.Period(
        date(2026, 4, 1), date(2026, 4, 30), "2026-04"
    )
    q = periods.parse_return_period("2026-q1")
    assert (q.start, q.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert periods.fiscal_year(date(2026, 4, 3), 5) == periods.Period(
        date(2025, 5, 1), date(2026, 4, 30)
    )
    with pytest.raises(ExportError):
        periods.parse_return_period("2026-13")
    with pytest.raises(ExportError, match="ends"):
        periods.between("2026-04-02", "2026-04-01")


def test_swedish_boxes_with_dated_rates_and_refunds() -> None:
    rows = [
        ("SE-1", "SEK", D("25.00"), D("1000.00"), D("250.00")),
        ("SE-2", "SEK", D("25.00"), D("-100.00"), D("-25.00")),  # a refund reduces
        ("SE-1", "SEK", D("12.00"), D("-50.00"), D("-6.00")),  # refund of a pre-cut food sale
        ("SE-1", "SEK", D("6.00"), D("500.00"), D("30.00")),
        ("SE-1", "SEK", D("0.00"), D("40.00"), D("0.00")),
        ("NO-1", "NOK", D("15.00"), D("200.00"), D("30.00")),
    ]
    lines = vat_return.compute(rows, {"SE-1": "SE", "SE-2": "SE", "NO-1": "NO"})
    se = {ln.box: ln.amount for ln in lines if ln.country == "SE" and ln.box}
    assert se == {
        "05": D("1350.00"),
        "10": D("225.00"),
        "11": D("-6.00"),
        "12": D("30.00"),
        "42": D("40.00"),
    }
    no = [(ln.label, ln.amount) for ln in lines if ln.country == "NO"]
    assert no == [
        ("Net sales 15 %", D("200.00")),
        ("Output VAT 15 %", D("30.00")),
        ("Output VAT total", D("30.00")),
    ]
    assert lines[0].whole == D(1350)


def test_unknown_swedish_rate_is_named() -> None:
    with pytest.raises(ExportError, match="15 %"):
        vat_return.compute([("SE-1", "SEK", D("15.00"), D(1), D(0))], {"SE-1": "SE"})
