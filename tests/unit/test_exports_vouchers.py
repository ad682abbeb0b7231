"""Voucher building from hand-made Z-report rows: balance, accounts, refusal and force."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from exports import mapping, vouchers
from exports.errors import UnmappedError
from exports.source import Gap, Store, ZData, ZPayment, ZReport, ZVat

DAY = date(2026, 4, 1)
STORE = Store("SE-1", "Åhus Östra", "SE", "SEK", "Test AB", "556677-8899")


def zreport(
    zid: int = 7,
    status: str = "ok",
    rounding: str = "-0.40",
    diff: str | None = "-5.00",
    register: str = "{R1}",
) -> ZReport:
    net, vat = D("180.00"), D("30.40")
    return ZReport(
        "SE-1",
        register,
        zid,
        DAY,
        "SEK",
        status,
        net,
        vat,
        D(rounding),
        net + vat + D(rounding),
        None if diff is None else D(diff),
    )


def data(z: ZReport | None = None, gaps: tuple[Gap, ...] = ()) -> ZData:
    z = z or zreport()
    return ZData(
        (z,),
        (
            ZVat("SE-1", z.register_id, z.zreport_id, DAY, D("25.00"), D("80.00"), D("20.00")),
            ZVat("SE-1", z.register_id, z.zreport_id, DAY, D("6.00"), D("100.00"), D("6.00")),
            ZVat("SE-1", z.register_id, z.zreport_id, DAY, D("12.00"), D("0.00"), D("4.40")),
        ),
        (
            ZPayment("SE-1", z.register_id, z.zreport_id, DAY, "Cash", D("50.00")),
            ZPayment("SE-1", z.register_id, z.zreport_id, DAY, "Card", D("170.00")),
            ZPayment("SE-1", z.register_id, z.zreport_id, DAY, "Gift card", D("-10.00")),
        ),
        gaps,
    )


def test_voucher_rows_accounts_and_balance() -> None:
    [v] = vouchers.build(data(), [STORE], mapping.default())
    assert v.total == 0
    assert v.store == "SE-1"
    assert v.object_id == "SE-1"
    assert v.business_date == DAY
    assert [(r.account, r.amount) for r in v.rows] == [
        (1580, D("170.00")),
        (1910, D("50.00")),
        (2421, D("-10.00")),  # a gift card sold: the liability grows
        (3001, D("-80.00")),
        (3003, D("-100.00")),  # 12 % has no net, so no sales row, but its VAT is booked
        (2611, D("-20.00")),
        (2621, D("-4.40")),
        (2631, D("-6.00")),
        (3740, D("0.40")),  # customers paid 0.40 less than the takings: a cost
        (1910, D("-5.00")),  # till short by 5: cash down …
        (1919, D("5.00")),  # … against the cash-difference account
    ]
    assert v.gross == D("210.40")
    assert v.text == "Dagskassa Åhus Östra 2026-04-01 Z 7"
    assert not v.forced


def test_two_registers_are_one_voucher_per_store_and_day() -> None:
    a, b = data(zreport(3, register="{A}")), data(zreport(9, register="{B}"))
    both = ZData(a.zreports + b.zreports, a.vats + b.vats, a.payments + b.payments, ())
    [v] = vouchers.build(both, [STORE], mapping.default())
    assert v.total == 0
    assert {r.account: r.amount for r in v.rows if r.account != 1910}[1580] == D("340.00")
    assert v.gross == D("420.80")
    assert v.zreports == (("{A}", 3), ("{B}", 9))


def test_unmapped_payment_method_is_named() -> None:
    d = data()
    odd = ZPayment("SE-1", "{R1}", 7, DAY, "Klarna", D("0.01"))
    with pytest.raises(UnmappedError, match="payment method 'Klarna'"):
        vouchers.build(
            ZData(d.zreports, d.vats, (*d.payments, odd), ()), [STORE], mapping.default()
        )


def test_unmapped_vat_rate_is_named() -> None:
    d = data()
    odd = ZVat("SE-1", "{R1}", 7, DAY, D("15.00"), D("1.00"), D("0.15"))
    with pytest.raises(UnmappedError, match=r"VAT rate 15 % has no sales account"):
        vouchers.build(
            ZData(d.zreports, (*d.vats, odd), d.payments, ()), [STORE], mapping.default()
        )


def test_inconsistent_rows_never_make_an_unbalanced_voucher() -> None:
    d = data()
    extra = ZPayment("SE-1", "{R1}", 7, DAY, "Card", D("0.01"))
    with pytest.raises(vouchers.UnbalancedVoucherError, match=r"SE-1 2026-04-01.*0\.01"):
        vouchers.build(
            ZData(d.zreports, d.vats, (*d.payments, extra), ()), [STORE], mapping.default()
        )


def test_unreconciled_and_missing_zreports_are_refused_with_a_list() -> None:
    d = data(zreport(status="mismatch"), gaps=(Gap("SE-1", "{R2}", 4, DAY),))
    with pytest.raises(vouchers.PeriodNotReconciledError) as caught:
        vouchers.build(d, [STORE], mapping.default())
    message = str(caught.value)
    assert "SE-1 2026-04-01 register {R1} Z-report 7: unreconciled" in message
    assert "SE-1 2026-04-01 register {R2} Z-report 4: missing" in message
    assert "--force" in message
    assert [p.reason for p in caught.value.problems] == ["unreconciled (mismatch)", "missing"]


def test_force_marks_the_voucher_text() -> None:
    d = data(zreport(status="mismatch"))
    [v] = vouchers.build(d, [STORE], mapping.default(), force=True)
    assert v.forced
    assert v.text.startswith(f"{vouchers.FORCED_MARKER}: Dagskassa")
    assert v.total == 0


def test_cash_difference_needs_the_cash_method_mapped() -> None:
    rules = mapping.parse(mapping.default_text().replace('"Cash" = 1910\n', ""), "test mapping")
    d = data()
    no_cash = ZData(
        d.zreports, d.vats, (ZPayment("SE-1", "{R1}", 7, DAY, "Card", D("210.00")),), ()
    )
    with pytest.raises(UnmappedError, match="'Cash'"):
        vouchers.build(no_cash, [STORE], rules)
