"""SIE4 rendering: quoting, code page 437 bytes for Å Ä Ö å ä ö, CRLF, and the reader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from exports import mapping, sie4, sie4_reader
from exports.errors import ExportError
from exports.periods import between
from exports.source import Store
from exports.vouchers import Row, Voucher

STORE = Store("SE-1", "Åre Ängen Öst", "SE", "SEK", "Båt & Söner AB", "556677-8899")


def voucher(text: str = "Dagskassa åäö") -> Voucher:
    rows = (
        Row(1910, D("100.00"), "Cash"),
        Row(3001, D("-80.00"), 'Sales "25"'),
        Row(2611, D("-20.00"), "Moms"),
    )
    return Voucher("SE-1", "SE-1", date(2026, 4, 1), text, rows, (("{R}", 1),), D("100.00"))


def render(v: Voucher | None = None) -> str:
    return sie4.render(
        [v or voucher()],
        [STORE],
        mapping.default(),
        sie4.Company("Båt & Söner AB", "556677-8899"),
        between("2026-04-01", "2026-04-30"),
        generated=date(2026, 5, 2),
        version="1.0",
    )


def test_quote_escapes_quotes_backslashes_and_control_characters() -> None:
    assert sie4.quote('a "b" c') == '"a \\"b\\" c"'
    assert sie4.quote("x\\y") == '"x\\\\y"'
    assert sie4.quote("a\tb\nc") == '"a b c"'


def test_nordic_letters_are_code_page_437_bytes() -> None:
    data = sie4.encode(render(voucher("ÅÄÖ åäö")))
    assert b'"\x8f\x8e\x99 \x86\x84\x94"' in data  # Å Ä Ö å ä ö in CP437
    assert "ÅÄÖ".encode() not in data  # no UTF-8 while declaring PC8
    assert b"#FORMAT PC8\r\n" in data
    assert data.endswith(b"}\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_unencodable_character_fails_clearly() -> None:
    with pytest.raises(ExportError, match=r"'€' \(U\+20AC\) on line \d+ .*code page 437"):
        sie4.encode(render(voucher("Dagskassa 5 €")))


def test_rendered_records() -> None:
    text = render()
    lines = text.split("\r\n")
    assert lines[:6] == [
        "#FLAGGA 0",
        "#FORMAT PC8",
        "#SIETYP 4",
        '#PROGRAM "sitoo-wh" "1.0"',
        "#GEN 20260502",
        '#FNAMN "Båt & Söner AB"',
    ]
    assert "#ORGNR 556677-8899" in lines
    assert "#RAR 0 20260101 20261231" in lines
    assert '#DIM 1 "Kostnadsställe"' in lines
    assert '#OBJEKT 1 "SE-1" "Åre Ängen Öst"' in lines
    assert '#KONTO 1910 "Kassa"' in lines
    assert '#KONTO 3001 "Försäljning inom Sverige, 25 % moms"' in lines
    assert '#VER "K" 1 20260401 "Dagskassa åäö" 20260502' in lines
    assert '   #TRANS 3001 {1 "SE-1"} -80.00 20260401 "Sales \\"25\\""' in lines


def test_reader_round_trip_of_quoted_text() -> None:
    doc = sie4_reader.parse(sie4.encode(render()))
    [ver] = doc.vouchers
    assert ver.series == "K"
    assert ver.date == date(2026, 4, 1)
    assert ver.text == "Dagskassa åäö"
    assert [(t.account, t.amount, t.text) for t in ver.trans] == [
        (1910, D("100.00"), "Cash"),
        (3001, D("-80.00"), 'Sales "25"'),
        (2611, D("-20.00"), "Moms"),
    ]
    assert ver.trans[0].objects == [("1", "SE-1")]
    assert doc.objects[("1", "SE-1")] == "Åre Ängen Öst"
    assert set(doc.accounts) == {1910, 3001, 2611}


def test_reader_rejects_broken_files() -> None:
    with pytest.raises(sie4_reader.SieSyntaxError):
        sie4_reader.parse(b'#FORMAT PC8\r\n#VER "K" 1 20260401 "x"\r\n{\r\n')
    with pytest.raises(sie4_reader.SieSyntaxError):
        sie4_reader.parse(b'#FORMAT PC8\r\n#FNAMN "open\r\n')


def test_sie4_refuses_other_countries_and_mixed_companies() -> None:
    no = Store("NO-1", "Oslo", "NO", "NOK", "AS", "1")
    with pytest.raises(ExportError, match="not Swedish: NO-1"):
        sie4.swedish_stores([STORE, no], ["NO-1"])
    other = Store("SE-2", "Lund", "SE", "SEK", "Annat AB", "556000-0000")
    with pytest.raises(ExportError, match="2 companies"):
        sie4.company_of([STORE, other], mapping.default())
    assert sie4.company_of([STORE], mapping.default()) == sie4.Company(
        "Båt & Söner AB", "556677-8899"
    )
