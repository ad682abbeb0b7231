"""Accounting exports on a real published warehouse (issue 6, "Show it"):

* golden files for a fixed seed and period (SIE4, VAT return CSV, sales CSV);
* the SIE4 file read back by the independent reader: balanced vouchers, every account declared,
  dates in range, and each voucher's debit side equal to that store-day's Z-report gross total;
* the refusal of an unreconciled Z-report (in a doctored copy of serving.duckdb) and --force;
* the CLI end to end, and the XLSX opened with openpyxl.

Regenerate the goldens with SITOO_WH_UPDATE_GOLDEN=1 (and review the diff).
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from exports import sie4, sie4_reader
from simulator.config import ChainConfig
from sitoo_wh import cli
from tests.integration.conftest import sync_once

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
CHAIN = ChainConfig(seed=23, stores=4, days=14, end_date=date(2026, 4, 12), products=120)
START, END = date(2026, 3, 30), date(2026, 4, 5)  # across the food-VAT cut of 2026-04-01
SIE_ARGS = ["--from", START.isoformat(), "--to", END.isoformat(), "--generated-on", "2026-04-15"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """serving.duckdb published by a real `sitoo-wh sync` from the simulator."""
    data = tmp_path_factory.mktemp("exports") / "data"
    return sync_once(CHAIN, data)


def export(data: Path, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setenv("SITOO_WH_DATA_DIR", str(data))
    monkeypatch.setenv("SITOO_WH_CONFIG", str(data / "absent.toml"))
    return cli.main(["export", *argv])


def golden(name: str, content: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("SITOO_WH_UPDATE_GOLDEN"):
        path.write_bytes(content)
    assert content == path.read_bytes(), f"{name} differs from the golden file"


def zreport_gross(serving: Path) -> dict[tuple[str, date], Decimal]:
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            "SELECT store_external_id, business_date, sum(zreport_net_amount + zreport_vat_amount) "
            "FROM marts.rpt_zreport_reconciliation AS z JOIN marts.dim_store AS s "
            "USING (store_external_id) WHERE s.country_code = 'se' "
            "AND business_date BETWEEN $1 AND $2 GROUP BY ALL",
            [START, END],
        ).fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


def test_sie4_golden_and_round_trip(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dagskassa.si"
    assert export(data_dir, monkeypatch, "sie4", *SIE_ARGS, "--out", str(out)) == 0
    content = out.read_bytes()
    version = f'#PROGRAM "sitoo-wh" "{sie4.program_version()}"'.encode()
    assert version in content
    golden(
        "sie4_2026-03-30_2026-04-05.si",
        content.replace(version, b'#PROGRAM "sitoo-wh" "VERSION"'),
    )
    assert "Nordlys Göteborg".encode("cp437") in content  # ö as 0x94

    doc = sie4_reader.parse(content)
    assert doc.labels["#SIETYP"] == [["4"]]
    assert doc.labels["#FORMAT"] == [["PC8"]]
    assert doc.labels["#ORGNR"] == [["556677-8899"]]
    assert doc.labels["#RAR"] == [["0", "20260101", "20261231"]]
    expected = zreport_gross(data_dir / "serving.duckdb")
    assert len(doc.vouchers) == len(expected) == 14  # 2 Swedish stores x 7 days
    seen = set()
    for ver in doc.vouchers:
        assert sum(t.amount for t in ver.trans) == 0, ver.text
        assert START <= ver.date <= END
        [(dim, store)] = {o for t in ver.trans for o in t.objects}
        assert dim == "1"
        assert (dim, store) in doc.objects
        assert all(t.account in doc.accounts for t in ver.trans)
        sales_side = [t for t in ver.trans if str(t.account)[:2] in ("30", "26")]
        debit_side = [t for t in ver.trans if str(t.account)[:2] not in ("30", "26")]
        # Debits (payments, rounding, the till count's pair) settle the Z-report gross total,
        # and the sales and VAT credits equal it too.
        assert sum(t.amount for t in debit_side) == expected[(store, ver.date)]
        assert -sum(t.amount for t in sales_side) == expected[(store, ver.date)]
        seen.add((store, ver.date))
    assert seen == set(expected)
    # The food-VAT cut: 12 % food sales stop on 2026-04-01, 6 % goes on.
    after = [t.account for v in doc.vouchers if v.date >= date(2026, 4, 1) for t in v.trans]
    assert 2631 in after
    assert not [
        t
        for v in doc.vouchers
        if v.date > date(2026, 4, 1)
        for t in v.trans
        if t.account == 3002 and t.amount < 0
    ]


def test_unreconciled_zreport_is_refused_then_forced(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    doctored = tmp_path / "data"
    doctored.mkdir()
    shutil.copy(data_dir / "serving.duckdb", doctored / "serving.duckdb")
    (doctored / "serving.duckdb").chmod(0o644)
    with duckdb.connect(str(doctored / "serving.duckdb")) as con:
        [(register, zid, store)] = con.execute(
            "UPDATE marts.rpt_zreport_reconciliation SET status = 'mismatch' WHERE (register_id, "
            "zreport_id) = (SELECT (register_id, zreport_id) FROM marts.rpt_zreport_reconciliation "
            "WHERE store_external_id = 'SE-STO-01' AND business_date = DATE '2026-04-02' "
            "ORDER BY ALL LIMIT 1) RETURNING register_id, zreport_id, store_external_id"
        ).fetchall()
    out = tmp_path / "x.si"
    assert export(doctored, monkeypatch, "sie4", *SIE_ARGS, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert f"{store} 2026-04-02 register {register} Z-report {zid}: unreconciled" in err
    assert "--force" in err
    assert not out.exists()

    assert export(doctored, monkeypatch, "sie4", *SIE_ARGS, "--force", "--out", str(out)) == 0
    doc = sie4_reader.parse(out.read_bytes())
    marked = [v for v in doc.vouchers if v.text.startswith("EJ AVSTÄMD: ")]
    assert [(v.date, v.trans[0].objects) for v in marked] == [(date(2026, 4, 2), [("1", store)])]

    assert (
        export(
            doctored,
            monkeypatch,
            "vat-return",
            "--period",
            "2026-04",
            "--out",
            str(tmp_path / "v.csv"),
        )
        == 2
    )
    assert "unreconciled" in capsys.readouterr().err


def test_vat_return_golden(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "moms.csv"
    assert (
        export(data_dir, monkeypatch, "vat-return", "--period", "2026-04", "--out", str(out)) == 0
    )
    content = out.read_bytes()
    golden("vat_return_2026-04.csv", content)
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == "country,currency,box,line,amount,whole_units"
    boxes = [ln.split(",")[2] for ln in lines[1:] if ln.startswith("SE,")]
    assert boxes[:6] == ["05", "10", "11", "12", "42", ""]
    with duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True) as con:
        [(vat25, vat6)] = con.execute(
            "SELECT sum(vat_amount) FILTER (vat_rate = 25), sum(vat_amount) FILTER (vat_rate = 6) "
            "FROM marts.fct_vat_daily JOIN marts.dim_store USING (store_external_id) "
            "WHERE country_code = 'se' AND business_date BETWEEN '2026-04-01' AND '2026-04-30'"
        ).fetchall()
    assert f"SE,SEK,10,Utgående moms 25 %,{vat25:.2f}," in content.decode("utf-8-sig")
    assert f"SE,SEK,12,Utgående moms 6 %,{vat6:.2f}," in content.decode("utf-8-sig")
    assert {ln.split(",")[0] for ln in lines[1:]} == {"SE", "NO", "FI"}


def test_sales_csv_golden_and_xlsx(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    period = ["--from", "2026-04-01", "--to", "2026-04-03"]
    csv_out = tmp_path / "sales.csv"
    assert (
        export(data_dir, monkeypatch, "sales", "--format", "csv", *period, "--out", str(csv_out))
        == 0
    )
    golden("sales_2026-04-01_2026-04-03.csv", csv_out.read_bytes())
    rows = csv_out.read_bytes().decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + 4 * 3  # header + 4 stores x 3 days
    assert "paid_Swish" in rows[0]
    assert "vat_25pct" in rows[0]

    z_out = tmp_path / "z.csv"
    assert (
        export(
            data_dir,
            monkeypatch,
            "sales",
            "--format",
            "csv",
            "--report",
            "zreports",
            *period,
            "--out",
            str(z_out),
        )
        == 0
    )
    assert z_out.read_bytes().decode("utf-8-sig").startswith("business_date,store_external_id,")

    xlsx = tmp_path / "sales.xlsx"
    assert (
        export(data_dir, monkeypatch, "sales", "--format", "xlsx", *period, "--out", str(xlsx)) == 0
    )
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["Daily sales", "VAT", "Payments", "Z-reports"]
    daily = list(book["Daily sales"].iter_rows(values_only=True))
    assert len(daily) == 13
    assert daily[0][:3] == ("business_date", "store_external_id", "store_name")
    header = rows[0].split(",")
    for csv_row, xl_row in zip(rows[1:], daily[1:], strict=True):
        cells = csv_row.split(",")
        assert Decimal(cells[header.index("gross_sales")]) == Decimal(
            str(xl_row[header.index("gross_sales")])
        )
    zsheet = list(book["Z-reports"].iter_rows(values_only=True))
    assert len(zsheet) > 1
    assert zsheet[0][5] == "status"
    book.close()


def test_mapping_subcommand_and_unmapped_method(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "mapping.toml"
    assert export(data_dir, monkeypatch, "mapping", "--out", str(path)) == 0
    path.write_text(
        path.read_text(encoding="utf-8").replace('"Swish" = 1930\n', ""), encoding="utf-8"
    )
    out = tmp_path / "x.si"
    assert (
        export(data_dir, monkeypatch, "sie4", *SIE_ARGS, "--mapping", str(path), "--out", str(out))
        == 2
    )
    assert "payment method 'Swish' has no account" in capsys.readouterr().err
    assert not out.exists()
