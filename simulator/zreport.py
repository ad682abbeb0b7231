"""Z-reports computed from the receipts of one register session.

Every figure is a sum over the same `Receipt` objects that become orders and journal receipts,
so the identities of sitoo-api-zreports-journals.md §6.2 hold by construction; the tests check
them again from the API's own responses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simulator.catalog import Staff, Store
from simulator.model import REFUND, SALE, Receipt, RegisterState
from simulator.money import fmt_money, rate_number

CASH_METHOD = 100
INVOICE_METHOD = 600


def _vat_groups(receipts: Iterable[Receipt], sign: int) -> list[dict[str, Any]]:
    groups: dict[int, list[int]] = {}
    for receipt in receipts:
        for line in receipt.lines:
            g = groups.setdefault(line.rate_bp, [0, 0, 0])
            g[0] += line.gross * sign
            g[1] += line.net * sign
            g[2] += line.vat * sign
    return [
        {
            "vatvalue": rate_number(rate),
            "moneytotal": fmt_money(g[0]),
            "moneytotalnet": fmt_money(g[1]),
            "moneytotalvat": fmt_money(g[2]),
        }
        for rate, g in sorted(groups.items())
    ]


def _product_groups(receipts: Iterable[Receipt], sign: int) -> list[dict[str, Any]]:
    groups: dict[tuple[str, int], list[int]] = {}
    for receipt in receipts:
        for line in receipt.lines:
            g = groups.setdefault((line.product.group.name, line.rate_bp), [0, 0, 0, 0])
            g[0] += line.quantity * sign
            g[1] += line.gross * sign
            g[2] += line.net * sign
            g[3] += line.vat * sign
    return [
        {
            "name": name,
            "vatvalue": rate_number(rate),
            "numtotal": g[0],
            "moneytotal": fmt_money(g[1]),
            "moneytotalnet": fmt_money(g[2]),
            "moneytotalvat": fmt_money(g[3]),
        }
        for (name, rate), g in sorted(groups.items())
    ]


def _discounts(receipts: Iterable[Receipt], sign: int) -> tuple[list[dict[str, Any]], int]:
    groups: dict[str, list[int]] = {}
    for receipt in receipts:
        for line in receipt.lines:
            if line.discount == 0:
                continue
            g = groups.setdefault(line.vouchercode, [0, 0])
            g[0] += line.discount * sign
            g[1] += line.discount_vat * sign
    rows = [
        {
            "vouchercode": code,
            "moneytotal": fmt_money(g[0]),
            "moneytotalnet": fmt_money(g[0] - g[1]),
            "moneytotalvat": fmt_money(g[1]),
        }
        for code, g in sorted(groups.items())
    ]
    return rows, sum(g[0] for g in groups.values())


def _payments(receipts: Iterable[Receipt], sign: int) -> list[dict[str, Any]]:
    totals: dict[str, list[int]] = {}
    order: dict[str, int] = {}
    subs: dict[str, dict[str, int]] = {}
    for receipt in receipts:
        for payment in receipt.payments:
            name = payment.ptype.name
            order[name] = payment.ptype.sortorder
            t = totals.setdefault(name, [0, 0])
            amount = payment.amount * sign
            t[0] += amount
            if payment.ptype.paymentmethodid == INVOICE_METHOD:
                t[1] += amount
            if payment.cardissuer:
                bucket = subs.setdefault(name, {})
                bucket[payment.cardissuer] = bucket.get(payment.cardissuer, 0) + amount
    rows = []
    for name in sorted(totals, key=lambda n: order[n]):
        total, reserved = totals[name]
        rows.append(
            {
                "name": name,
                "moneytotal": fmt_money(total),
                "moneycaptured": fmt_money(total - reserved),
                "moneyinadvance": "0.00",
                "moneyreserved": fmt_money(reserved),
                "subpayments": [
                    {
                        "name": issuer,
                        "moneysubtotal": fmt_money(amount),
                        "moneycaptured": fmt_money(amount),
                        "moneyinadvance": "0.00",
                        "moneyreserved": "0.00",
                    }
                    for issuer, amount in sorted(subs.get(name, {}).items())
                ],
            }
        )
    return rows


def build_zreport(
    *,
    zreportid: int,
    state: RegisterState,
    store: Store,
    session_staff: Staff,
    opened: int,
    closed: int,
    dateadded: int,
    takings: list[Receipt],
    practice: list[Receipt],
    petty: int,
    bank: int,
    diff: int,
    standard_float: int,
) -> tuple[dict[str, Any], int]:
    """The PosZReport of one session, and the cash left in the drawer for the next one."""
    register = state.register
    sales = [r for r in takings if r.kind == SALE]
    refunds = [r for r in takings if r.kind == REFUND]
    sales_gross = sum(r.gross for r in sales)
    sales_net = sum(r.net for r in sales)
    refund_gross = -sum(r.gross for r in refunds)
    refund_net = -sum(r.net for r in refunds)
    roundoff = sum(r.roundoff for r in takings)
    cash = sum(
        p.amount for r in takings for p in r.payments if p.ptype.paymentmethodid == CASH_METHOD
    )
    items_by_type = {10: 0, 20: 0, 30: 0}
    for receipt in sales:
        for line in receipt.lines:
            items_by_type[line.product.group.productgrouptype] += line.quantity
    discounts_sales, discount_total = _discounts(sales, 1)
    discounts_refund, _ = _discounts(refunds, -1)

    cash_in = state.drawer
    expected = cash_in + cash + petty + bank
    counted = expected + diff
    if counted < 0:
        counted, diff = expected, 0
    bankfinal = counted - standard_float if counted > standard_float else 0
    cash_out = counted - bankfinal
    state.grand_sales += sales_gross
    state.grand_refund += refund_gross
    country = store.country

    zreport: dict[str, Any] = {
        "zreportid": zreportid,
        "registerid": register.registerid,
        "manufacturerid": register.manufacturerid,
        "registerkey": register.registerkey,
        "registernumber": register.registernumber,
        "datecreated": closed,
        "dateopened": opened,
        "dateadded": dateadded,
        "eshopid": store.eshopid,
        "store_id": store.externalid,
        "store_name": store.name,
        "company": country.company,
        "companyid": country.companyid,
        "address": store.address,
        "address2": "",
        "address3": f"{store.zip} {store.city}",
        "currencycode": country.currency,
        "staff": session_staff.name,
        "staffuserid": session_staff.userid,
        "comment": "",
        "moneysalestotal": fmt_money(sales_gross),
        "moneysalestotalnet": fmt_money(sales_net),
        "numsales": len(sales),
        "numsalesitems": sum(items_by_type.values()),
        "vatgroupssales": _vat_groups(sales, 1),
        "productgroupssales": _product_groups(sales, 1),
        "moneysalesnotdeliveredtotal": "0.00",
        "moneysalesnotdeliveredtotalnet": "0.00",
        "numsalesnotdelivered": 0,
        "numsalesnotdelivereditems": 0,
        "vatgroupssalesnotdelivered": [],
        "productgroupssalesnotdelivered": [],
        "discountssalesnotdelivered": [],
        "moneysalestaxinadvance": "0.00",
        "moneyrefundtotal": fmt_money(refund_gross),
        "moneyrefundtotalnet": fmt_money(refund_net),
        "numrefund": len(refunds),
        "numrefunditems": -sum(line.quantity for r in refunds for line in r.lines),
        "vatgroupsrefund": _vat_groups(refunds, -1),
        "productgroupsrefund": _product_groups(refunds, -1),
        "discountsrefund": discounts_refund,
        "moneyroundoff": fmt_money(roundoff),
        "salestaxessales": [],
        "salestaxesrefund": [],
        "moneysummarysales": fmt_money(sales_gross),
        "moneysummaryrefund": fmt_money(refund_gross),
        "moneysummarysubtotal": fmt_money(sales_gross - refund_gross),
        "moneysummarysalestax": "0.00",
        "moneysummaryroundoff": fmt_money(roundoff),
        "moneysummarytotal": fmt_money(sales_gross - refund_gross + roundoff),
        "paymentssales": _payments(sales, 1),
        "paymentsrefund": _payments(refunds, -1),
        "discountssales": discounts_sales,
        "moneycash_in": fmt_money(cash_in),
        "moneycash_salesrefunds": fmt_money(cash),
        "moneycash_petty": fmt_money(petty),
        "moneycash_bank": fmt_money(bank),
        "moneycash_expected": fmt_money(expected),
        "moneycash_counted": fmt_money(counted),
        "moneycash_diff": fmt_money(diff),
        "moneycash_bankfinal": fmt_money(bankfinal),
        "moneycash_out": fmt_money(cash_out),
        "moneydiscount": fmt_money(discount_total),
        "numsalestypeproduct": items_by_type[10],
        "numsalestypeservice": items_by_type[20],
        "numsalestypegiftcard": items_by_type[30],
        "numreceipts": len(sales) + len(refunds),
        "numopendrawer": (zreportid * 7 + register.registernumber) % 4,
        "numpractice": len(practice),
        "moneypractice": fmt_money(sum(r.total for r in practice)),
        "moneygrandtotalsales": fmt_money(state.grand_sales),
        "moneygrandtotalrefund": fmt_money(state.grand_refund),
        "moneygrandtotalnet": fmt_money(state.grand_sales - state.grand_refund),
    }
    return zreport, cash_out


def build_journal_zreport(zreport: dict[str, Any]) -> dict[str, Any]:
    """The journal's copy of a Z-report: the same figures, without the server's `dateadded`."""
    return {k: v for k, v in zreport.items() if k != "dateadded"}
