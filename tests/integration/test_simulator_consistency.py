"""The shared simulator's data adds up: Z-reports, orders, journals and stock, summed from its API.

Everything is fetched once per module from the read-only session server `sim` (seed 42, four
stores, 21 days ending 2026-04-12, across the Swedish food VAT change on 2026-04-01) and then
cross-checked with `Decimal` arithmetic:

1. every Z-report satisfies the identities of sitoo-api-zreports-journals.md §6.2;
2. every Z-report equals the sums of its session's orders (§6.3);
3. every Z-report equals the sums of its session's journal receipts, and the journal's
   `z-report` entry is the API's Z-report without `dateadded`;
4. orders are internally consistent (totals, VAT rounding, payments, currency, store);
5. refunds point at earlier sales and give back exactly what was sold;
6. VAT rates follow the dated schedules of the three countries;
7. sequences (Z numbers, journal ids) are gap-free and late uploads exist;
8. warehouse running totals chain, and every sale or refund has its stock transaction.

Each test collects every offending record and fails with a list naming them (register and
`zreportid`, `orderid`, warehouse transaction id, …); each also asserts that the kinds of case it
claims to cover occur, so none can pass vacuously.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

if TYPE_CHECKING:
    from tests.integration.conftest import Sim

pytestmark = pytest.mark.slow

JSON = dict[str, Any]
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
ZREPORT_CAP = 500
"""Most items one `GET /pos-z-reports` returns (documented)."""
LATE = 3 * 3600
"""An upload more than three hours after the fact counts as an offline upload."""
SITES = (1, 2, 3)

ORDER_FIELDS = (
    "orderid,eshopid,creditorderid,orderdate,ordertypeid,orderstateid,paymentstateid,"
    "registerid,warehouseid,currencycode,moneytotal_net,moneytotal_vat,moneycheckout_net,"
    "moneycheckout_vat,moneydelivery_net,moneydelivery_vat,moneyfinal_net,moneyfinal_vat,"
    "moneyfinal_salestax,moneytotal_gross_roundoff,moneytotal_gross_all,additionaldata,"
    "orderitems,payments,reservedpayments,orderlogitems"
)

COUNTRY_CURRENCY = {"se": "SEK", "no": "NOK", "fi": "EUR"}
COUNTRY_TZ = {"se": "Europe/Stockholm", "no": "Europe/Oslo", "fi": "Europe/Helsinki"}
CASH_UNIT = {"SEK": Decimal("1.00"), "NOK": Decimal("1.00"), "EUR": Decimal("0.05")}
CASH_METHOD = 100
INVOICE_METHOD = 600

NOT_STOCKED_GROUPS = frozenset({"Gift Cards", "Alterations"})
GROUP_VAT_KIND = {
    "Sweets & Snacks": "food",
    "Coffee & Tea": "food",
    "Books & Magazines": "books",
    "Gift Cards": "giftcard",
    "Alterations": "service",
}
"""Product groups not listed are of the standard kind."""
SE_FOOD_CHANGE = date(2026, 4, 1)
VAT_RATES: dict[str, dict[str, Decimal]] = {
    country: {kind: Decimal(rate) for kind, rate in rates.items()}
    for country, rates in {
        # Swedish food is dated: 12 % before SE_FOOD_CHANGE, 6 % from it (see expected_rate).
        "se": {"standard": "25", "books": "6", "giftcard": "0", "service": "25"},
        "no": {"standard": "25", "food": "15", "books": "0", "giftcard": "0", "service": "25"},
        # Finland since 2026-01-01; the simulated window lies wholly after it.
        "fi": {
            "standard": "25.5",
            "food": "13.5",
            "books": "14",
            "giftcard": "0",
            "service": "25.5",
        },
    }.items()
}

SALE, REFUND, PRACTICE = "sale", "refund", "practice"


# --------------------------------------------------------------------------- small helpers
def money(value: Any) -> Decimal:
    """A Sitoo money string as an exact Decimal (never via float)."""
    assert isinstance(value, str), f"money must be a string, got {value!r}"
    return Decimal(value)


def rate_of(value: Any) -> Decimal:
    """A JSON VAT rate (25, 25.5) as a Decimal; str() keeps 25.5 exact."""
    assert isinstance(value, int | float), value
    assert not isinstance(value, bool), value
    return Decimal(str(value))


def vat_of_gross(gross: Decimal, rate: Decimal) -> Decimal:
    """VAT contained in a VAT-inclusive amount, to the cent, half away from zero."""
    with localcontext() as ctx:
        ctx.prec = 60
        return (gross * rate / (100 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def report(problems: Sequence[str], limit: int = 30) -> str:
    shown = "\n  ".join(problems[:limit])
    more = f"\n  … and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{len(problems)} problem(s):\n  {shown}{more}"


def is_practice(order: JSON) -> bool:
    return bool(order["additionaldata"].get("pos-practicemode") == "true")


def order_kind(order: JSON) -> str:
    if is_practice(order):
        return PRACTICE
    return REFUND if order["creditorderid"] is not None else SALE


def created_at(order: JSON) -> int:
    """When the backend stored the order: the first (type 0) order log entry."""
    firsts = [log["datelog"] for log in order["orderlogitems"] if log["orderlogtypeid"] == 0]
    assert len(firsts) == 1, f"order {order['orderid']}: expected one creation log entry"
    return int(firsts[0])


def zname(z: JSON) -> str:
    return f"register {z['registernumber']} {z['registerid']} Z {z['zreportid']}"


# --------------------------------------------------------------------------- fetching
@dataclass(frozen=True)
class Chain:
    """Everything the module checks, fetched once."""

    orders: list[JSON]
    """Ascending orderid."""
    zreports: list[JSON]
    """Deduplicated on (registerid, zreportid), sorted by register then zreportid."""
    zreport_batches: list[list[JSON]]
    """The raw `pos-z-reports` responses, to check their documented ordering."""
    journals: dict[str, list[JSON]]
    """Register id → journal entries, ascending id."""
    transactions: list[JSON]
    """Warehouse transactions of every site, ascending id."""
    registers: dict[str, JSON]
    stores: dict[int, JSON]
    warehouses: dict[int, JSON]
    product_groups: dict[int, dict[str, JSON]]
    """eshopid → product group name → product group."""
    products: dict[str, JSON]
    """sku → product (site 1)."""
    payment_methods: dict[int, dict[str, int]]
    """eshopid → payment type name → paymentmethodid."""

    @property
    def orders_by_id(self) -> dict[int, JSON]:
        return {o["orderid"]: o for o in self.orders}

    def group_type(self, name: str) -> int:
        return int(self.product_groups[1][name]["productgrouptype"])

    def stocked(self, sku: str) -> bool:
        return bool(self.products[sku]["stockcountenable"])


def fetch_zreports(sim: Sim) -> tuple[list[JSON], list[list[JSON]]]:
    """All POS Z-reports via `dateaddedfrom` continuation (bare arrays, at most 500 each)."""
    found: dict[tuple[str, int], JSON] = {}
    batches: list[list[JSON]] = []
    low = 0
    while True:
        batch = sim.get("/pos-z-reports", dateaddedfrom=low)
        assert isinstance(batch, list), f"pos-z-reports must be a bare array, got {type(batch)}"
        assert len(batch) <= ZREPORT_CAP
        batches.append(batch)
        for z in batch:
            found.setdefault((z["registerid"], z["zreportid"]), z)
        if len(batch) < ZREPORT_CAP:
            break
        following = int(batch[-1]["dateadded"])
        assert following > low, f"{ZREPORT_CAP} Z-reports share dateadded {low}; cannot page"
        low = following
    zreports = sorted(found.values(), key=lambda z: (z["registerid"], z["zreportid"]))
    return zreports, batches


@pytest.fixture(scope="module")
def chain(sim: Sim) -> Chain:
    return fetch_chain(sim)


def fetch_chain(sim: Sim) -> Chain:
    sites = sim.get_all("/sites")
    assert sorted(s["eshopid"] for s in sites) == list(SITES)
    registers: dict[str, JSON] = {}
    stores: dict[int, JSON] = {}
    warehouses: dict[int, JSON] = {}
    groups: dict[int, dict[str, JSON]] = {}
    methods: dict[int, dict[str, int]] = {}
    transactions: list[JSON] = []
    for site in SITES:
        registers.update({r["registerid"]: r for r in sim.get_all(f"/sites/{site}/cashregisters")})
        stores.update({s["storeid"]: s for s in sim.get_all(f"/sites/{site}/stores")})
        warehouses.update({w["warehouseid"]: w for w in sim.get_all(f"/sites/{site}/warehouses")})
        groups[site] = {
            g["productgroupname"]: g for g in sim.get_all(f"/sites/{site}/productgroups")
        }
        methods[site] = {
            p["name"]: p["paymentmethodid"] for p in sim.get(f"/sites/{site}/pospaymenttypes")
        }
        transactions.extend(
            sim.get_all(f"/sites/{site}/warehousetransactions", sort="warehousetransactionid")
        )
    transactions.sort(key=lambda t: t["warehousetransactionid"])
    products = {
        p["sku"]: p for p in sim.get_all("/sites/1/products", fields="sku,vatid,stockcountenable")
    }
    orders = sim.get_all("/orders", sort="orderid", fields=ORDER_FIELDS)
    zreports, batches = fetch_zreports(sim)
    journals = {
        registerid: sorted(sim.journal(registerid), key=lambda e: e["id"])
        for registerid in registers
    }
    return Chain(
        orders,
        zreports,
        batches,
        journals,
        transactions,
        registers,
        stores,
        warehouses,
        groups,
        products,
        methods,
    )


# --------------------------------------------------------------------------- normalised receipts
@dataclass(frozen=True)
class Line:
    sku: str
    group: str
    rate: Decimal
    quantity: int
    gross: Decimal
    net: Decimal
    vat: Decimal
    discount: Decimal
    """Gross row discount, signed like the quantity."""
    vouchercode: str


@dataclass(frozen=True)
class Pay:
    name: str
    methodid: int
    cardissuer: str
    amount: Decimal


@dataclass(frozen=True)
class Ticket:
    """One receipt as either source (order or journal entry) tells it."""

    kind: str
    lines: tuple[Line, ...]
    payments: tuple[Pay, ...]
    gross: Decimal
    net: Decimal
    roundoff: Decimal
    paid: Decimal


def order_ticket(order: JSON, methods: dict[str, int]) -> Ticket:
    lines = []
    for item in order["orderitems"]:
        quantity = int(item["quantity"])
        net = money(item["moneyitemtotal_net"])
        vat = money(item["moneyitemtotal_vat"])
        discount = abs(money(item["additionaldata"].get("orderitem-moneyrowdiscount", "0.00")))
        lines.append(
            Line(
                item["sku"],
                item["additionaldata"]["product-group-name"],
                rate_of(item["vatvalue"]),
                quantity,
                net + vat,
                net,
                vat,
                discount if quantity > 0 else -discount,
                item["vouchercode"],
            )
        )
    payments = tuple(
        Pay(p["name"], methods[p["name"]], p["cardissuer"], money(p["moneyamount"]))
        for p in order["payments"]
    )
    net = money(order["moneyfinal_net"])
    return Ticket(
        order_kind(order),
        tuple(lines),
        payments,
        net + money(order["moneyfinal_vat"]),
        net,
        money(order["moneytotal_gross_roundoff"]),
        money(order["moneytotal_gross_all"]),
    )


def journal_ticket(entry: JSON) -> Ticket:
    data = entry["data"]
    lines = []
    for item in data["items"]:
        discounts = item["discounts"]
        lines.append(
            Line(
                item["sku"],
                item["additionaldata"]["product-group-name"],
                rate_of(item["vatvalue"]),
                int(item["quantity"]),
                money(item["moneyrowprice"]),
                money(item["moneyrownet"]),
                money(item["moneyrowvat"]),
                sum((money(d["moneydiscount"]) for d in discounts), ZERO),
                discounts[0]["vouchercode"] if discounts else "",
            )
        )
    payments = tuple(
        Pay(p["name"], p["paymentmethodid"], p.get("cardissuer", ""), money(p["moneyamount"]))
        for p in data["payments"]
    )
    kind = PRACTICE if entry["ispractice"] else REFUND if data["isrefund"] else SALE
    return Ticket(
        kind,
        tuple(lines),
        payments,
        money(data["moneytotal"]),
        sum((money(v["moneynet"]) for v in data["vats"]), ZERO),
        money(data["moneyroundoff"]),
        money(data["moneytotalpaid"]),
    )


# --------------------------------------------------------------------------- Z figures
def _vat_groups(tickets: Iterable[Ticket], sign: int) -> dict[Decimal, tuple[Decimal, ...]]:
    groups: dict[Decimal, list[Decimal]] = {}
    for ticket in tickets:
        for line in ticket.lines:
            g = groups.setdefault(line.rate, [ZERO, ZERO, ZERO])
            g[0] += sign * line.gross
            g[1] += sign * line.net
            g[2] += sign * line.vat
    return {k: tuple(v) for k, v in groups.items()}


def _product_groups(
    tickets: Iterable[Ticket], sign: int
) -> dict[tuple[str, Decimal], tuple[Any, ...]]:
    groups: dict[tuple[str, Decimal], list[Any]] = {}
    for ticket in tickets:
        for line in ticket.lines:
            g = groups.setdefault((line.group, line.rate), [0, ZERO, ZERO, ZERO])
            g[0] += sign * line.quantity
            g[1] += sign * line.gross
            g[2] += sign * line.net
            g[3] += sign * line.vat
    return {k: tuple(v) for k, v in groups.items()}


def _discounts(tickets: Iterable[Ticket], sign: int) -> dict[str, tuple[Decimal, ...]]:
    groups: dict[str, list[Decimal]] = {}
    for ticket in tickets:
        for line in ticket.lines:
            if line.discount == 0:
                continue
            vat = vat_of_gross(line.discount, line.rate)
            g = groups.setdefault(line.vouchercode, [ZERO, ZERO, ZERO])
            g[0] += sign * line.discount
            g[1] += sign * (line.discount - vat)
            g[2] += sign * vat
    return {k: tuple(v) for k, v in groups.items()}


def _payments(
    tickets: Iterable[Ticket], sign: int
) -> tuple[dict[str, Decimal], dict[tuple[str, str], Decimal]]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    subs: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for ticket in tickets:
        for pay in ticket.payments:
            totals[pay.name] += sign * pay.amount
            if pay.cardissuer:
                subs[(pay.name, pay.cardissuer)] += sign * pay.amount
    return dict(totals), dict(subs)


def expected_figures(tickets: Sequence[Ticket], group_type: dict[str, int]) -> JSON:
    """What a Z-report over these receipts must say (refund figures positive)."""
    sales = [t for t in tickets if t.kind == SALE]
    refunds = [t for t in tickets if t.kind == REFUND]
    practice = [t for t in tickets if t.kind == PRACTICE]
    by_type = Counter({10: 0, 20: 0, 30: 0})
    for ticket in sales:
        for line in ticket.lines:
            by_type[group_type[line.group]] += line.quantity
    sales_gross = sum((t.gross for t in sales), ZERO)
    refund_gross = -sum((t.gross for t in refunds), ZERO)
    roundoff = sum((t.roundoff for t in sales + refunds), ZERO)
    discounts_sales = _discounts(sales, 1)
    payments_sales, subs_sales = _payments(sales, 1)
    payments_refund, subs_refund = _payments(refunds, -1)
    return {
        "moneysalestotal": sales_gross,
        "moneysalestotalnet": sum((t.net for t in sales), ZERO),
        "numsales": len(sales),
        "numsalesitems": sum(line.quantity for t in sales for line in t.lines),
        "numsalestypeproduct": by_type[10],
        "numsalestypeservice": by_type[20],
        "numsalestypegiftcard": by_type[30],
        "vatgroupssales": _vat_groups(sales, 1),
        "productgroupssales": _product_groups(sales, 1),
        "moneyrefundtotal": refund_gross,
        "moneyrefundtotalnet": -sum((t.net for t in refunds), ZERO),
        "numrefund": len(refunds),
        "numrefunditems": -sum(line.quantity for t in refunds for line in t.lines),
        "vatgroupsrefund": _vat_groups(refunds, -1),
        "productgroupsrefund": _product_groups(refunds, -1),
        "discountssales": discounts_sales,
        "discountsrefund": _discounts(refunds, -1),
        "moneydiscount": sum((g[0] for g in discounts_sales.values()), ZERO),
        "moneyroundoff": roundoff,
        "moneysummarysales": sales_gross,
        "moneysummaryrefund": refund_gross,
        "moneysummarysubtotal": sales_gross - refund_gross,
        "moneysummaryroundoff": roundoff,
        "moneysummarytotal": sales_gross - refund_gross + roundoff,
        "paymentssales": payments_sales,
        "paymentsrefund": payments_refund,
        "subpaymentssales": subs_sales,
        "subpaymentsrefund": subs_refund,
        "moneycash_salesrefunds": sum(
            (p.amount for t in sales + refunds for p in t.payments if p.methodid == CASH_METHOD),
            ZERO,
        ),
        "numreceipts": len(sales) + len(refunds),
        "numpractice": len(practice),
        "moneypractice": sum((t.paid for t in practice), ZERO),
    }


def _keyed(rows: list[JSON], key: Any, where: str, problems: list[str]) -> dict[Any, JSON]:
    out: dict[Any, JSON] = {}
    for row in rows:
        k = key(row)
        if k in out:
            problems.append(f"{where}: duplicate row {k!r}")
        out[k] = row
    return out


def z_figures(z: JSON, problems: list[str]) -> JSON:
    """The same figures as `expected_figures`, read from a Z-report."""
    where = zname(z)

    def vat(field: str) -> dict[Decimal, tuple[Decimal, ...]]:
        rows = _keyed(z[field], lambda r: rate_of(r["vatvalue"]), f"{where} {field}", problems)
        return {
            k: (money(r["moneytotal"]), money(r["moneytotalnet"]), money(r["moneytotalvat"]))
            for k, r in rows.items()
        }

    def groups(field: str) -> dict[tuple[str, Decimal], tuple[Any, ...]]:
        rows = _keyed(
            z[field], lambda r: (r["name"], rate_of(r["vatvalue"])), f"{where} {field}", problems
        )
        return {
            k: (
                r["numtotal"],
                money(r["moneytotal"]),
                money(r["moneytotalnet"]),
                money(r["moneytotalvat"]),
            )
            for k, r in rows.items()
        }

    def discounts(field: str) -> dict[str, tuple[Decimal, ...]]:
        rows = _keyed(z[field], lambda r: r["vouchercode"], f"{where} {field}", problems)
        return {
            k: (money(r["moneytotal"]), money(r["moneytotalnet"]), money(r["moneytotalvat"]))
            for k, r in rows.items()
        }

    def payments(field: str) -> tuple[dict[str, Decimal], dict[tuple[str, str], Decimal]]:
        rows = _keyed(z[field], lambda r: r["name"], f"{where} {field}", problems)
        subs: dict[tuple[str, str], Decimal] = {}
        for name, row in rows.items():
            for sub in row["subpayments"]:
                subs[(name, sub["name"])] = money(sub["moneysubtotal"])
        return {k: money(r["moneytotal"]) for k, r in rows.items()}, subs

    money_fields = """moneysalestotal moneysalestotalnet moneyrefundtotal moneyrefundtotalnet
        moneydiscount moneyroundoff moneysummarysales moneysummaryrefund moneysummarysubtotal
        moneysummaryroundoff moneysummarytotal moneycash_salesrefunds moneypractice"""
    figures: JSON = {field: money(z[field]) for field in money_fields.split()}
    counters = """numsales numsalesitems numsalestypeproduct numsalestypeservice
        numsalestypegiftcard numrefund numrefunditems numreceipts numpractice"""
    figures.update({field: z[field] for field in counters.split()})
    for side in ("sales", "refund"):
        figures[f"vatgroups{side}"] = vat(f"vatgroups{side}")
        figures[f"productgroups{side}"] = groups(f"productgroups{side}")
        figures[f"discounts{side}"] = discounts(f"discounts{side}")
        figures[f"payments{side}"], figures[f"subpayments{side}"] = payments(f"payments{side}")
    return figures


def compare_figures(where: str, expected: JSON, actual: JSON, source: str) -> list[str]:
    problems = []
    for key, want in expected.items():
        got = actual[key]
        if want == got:
            continue
        if isinstance(want, dict):
            keys = sorted(set(want) | set(got), key=repr)
            detail = "; ".join(
                f"{k!r}: Z {got.get(k)!r} vs {source} {want.get(k)!r}"
                for k in keys
                if want.get(k) != got.get(k)
            )
            problems.append(f"{where} {key}: {detail}")
        else:
            problems.append(f"{where} {key}: Z {got!r} vs {source} {want!r}")
    return problems


# --------------------------------------------------------------------------- 1. Z identities
def z_identity_problems(z: JSON, cash_names: set[str]) -> list[str]:
    where = zname(z)
    problems: list[str] = []

    def check(ok: bool, what: str) -> None:
        if not ok:
            problems.append(f"{where}: {what}")

    m = {k: money(v) for k, v in z.items() if k.startswith("money")}
    # 1–3: summary block and grand totals.
    check(
        m["moneysummarysubtotal"] == m["moneysummarysales"] - m["moneysummaryrefund"],
        f"#1 subtotal {m['moneysummarysubtotal']} != sales {m['moneysummarysales']} "
        f"- refund {m['moneysummaryrefund']}",
    )
    check(
        m["moneysummarytotal"]
        == m["moneysummarysubtotal"] + m["moneysummarysalestax"] + m["moneysummaryroundoff"],
        f"#2 total {m['moneysummarytotal']} != subtotal + salestax + roundoff",
    )
    check(
        m["moneygrandtotalnet"] == m["moneygrandtotalsales"] - m["moneygrandtotalrefund"],
        f"#3 grandtotalnet {m['moneygrandtotalnet']} != grand sales - grand refund",
    )
    check(
        m["moneysummarysales"] == m["moneysalestotal"]
        and m["moneysummaryrefund"] == m["moneyrefundtotal"]
        and m["moneysummaryroundoff"] == m["moneyroundoff"],
        "summary sales/refund/roundoff differ from moneysalestotal/moneyrefundtotal/moneyroundoff",
    )
    # 4–6: VAT and product groups against the totals, per side.
    for side, total, net, items in (
        ("sales", "moneysalestotal", "moneysalestotalnet", "numsalesitems"),
        ("refund", "moneyrefundtotal", "moneyrefundtotalnet", "numrefunditems"),
    ):
        vats = z[f"vatgroups{side}"]
        vat_sum = sum((money(r["moneytotal"]) for r in vats), ZERO)
        check(vat_sum == m[total], f"#4/6 Σ vatgroups{side}.moneytotal {vat_sum} != {m[total]}")
        vat_net = sum((money(r["moneytotalnet"]) for r in vats), ZERO)
        check(vat_net == m[net], f"#4/6 Σ vatgroups{side}.moneytotalnet {vat_net} != {m[net]}")
        groups = z[f"productgroups{side}"]
        group_sum = sum((money(r["moneytotal"]) for r in groups), ZERO)
        check(
            group_sum == m[total],
            f"#5/6 Σ productgroups{side}.moneytotal {group_sum} != {m[total]}",
        )
        group_num = sum(r["numtotal"] for r in groups)
        check(
            group_num == z[items],
            f"#5/6 Σ productgroups{side}.numtotal {group_num} != {items} {z[items]}",
        )
        for row in (*vats, *groups):
            row_total, row_net = money(row["moneytotal"]), money(row["moneytotalnet"])
            check(
                row_total - row_net == money(row["moneytotalvat"]),
                f"#4/6 {side} row {row.get('name', '')} {row['vatvalue']}%: total - net != vat",
            )
    # 8 and the payment identities.
    for side in ("sales", "refund"):
        for pay in z[f"payments{side}"]:
            pay_total = money(pay["moneytotal"])
            check(
                money(pay["moneycaptured"]) + money(pay["moneyreserved"]) == pay_total,
                f"payments{side} {pay['name']}: captured + reserved != total {pay_total}",
            )
            if pay["subpayments"]:
                subs = sum((money(s["moneysubtotal"]) for s in pay["subpayments"]), ZERO)
                check(
                    subs == pay_total,
                    f"#8 payments{side} {pay['name']}: Σ subpayments {subs} != {pay_total}",
                )
            for sub in pay["subpayments"]:
                check(
                    money(sub["moneycaptured"]) + money(sub["moneyreserved"])
                    == money(sub["moneysubtotal"]),
                    f"payments{side} {pay['name']}/{sub['name']}: captured + reserved != subtotal",
                )
    paid_sales = sum((money(p["moneytotal"]) for p in z["paymentssales"]), ZERO)
    paid_refund = sum((money(p["moneytotal"]) for p in z["paymentsrefund"]), ZERO)
    check(
        paid_sales - paid_refund == m["moneysummarytotal"],
        f"Σ paymentssales {paid_sales} - Σ paymentsrefund {paid_refund} != summarytotal "
        f"{m['moneysummarytotal']}",
    )
    # 9: discounts.
    discount_sum = sum((money(d["moneytotal"]) for d in z["discountssales"]), ZERO)
    check(
        discount_sum == m["moneydiscount"],
        f"#9 Σ discountssales {discount_sum} != moneydiscount {m['moneydiscount']}",
    )
    for side in ("sales", "refund"):
        for row in z[f"discounts{side}"]:
            check(
                money(row["moneytotal"]) - money(row["moneytotalnet"])
                == money(row["moneytotalvat"]),
                f"discounts{side} {row['vouchercode']!r}: total - net != vat",
            )
    # 10–12: the cash drawer.
    check(
        m["moneycash_expected"]
        == m["moneycash_in"]
        + m["moneycash_salesrefunds"]
        + m["moneycash_petty"]
        + m["moneycash_bank"],
        f"#10 cash expected {m['moneycash_expected']} != in + salesrefunds + petty + bank",
    )
    check(
        m["moneycash_diff"] == m["moneycash_counted"] - m["moneycash_expected"],
        f"#11 cash diff {m['moneycash_diff']} != counted - expected",
    )
    check(
        m["moneycash_out"] == m["moneycash_counted"] - m["moneycash_bankfinal"],
        f"#11 cash out {m['moneycash_out']} != counted - bankfinal",
    )
    cash = sum(
        (money(p["moneytotal"]) for p in z["paymentssales"] if p["name"] in cash_names), ZERO
    ) - sum((money(p["moneytotal"]) for p in z["paymentsrefund"] if p["name"] in cash_names), ZERO)
    check(
        cash == m["moneycash_salesrefunds"],
        f"#12 cash sales - refunds {cash} != moneycash_salesrefunds {m['moneycash_salesrefunds']}",
    )
    # 13–14: counters.
    by_type = z["numsalestypeproduct"] + z["numsalestypeservice"] + z["numsalestypegiftcard"]
    check(z["numsalesitems"] == by_type, f"#13 numsalesitems {z['numsalesitems']} != {by_type}")
    check(
        z["numreceipts"] == z["numsales"] + z["numrefund"],
        f"#14 numreceipts {z['numreceipts']} != numsales + numrefund",
    )
    return problems


def test_zreport_identities(chain: Chain) -> None:
    """§6.2 identities 1–6 and 8–14 on every Z-report, and the payment totals."""
    assert len(chain.zreports) >= 100
    cash_names = {
        name
        for methods in chain.payment_methods.values()
        for name, method in methods.items()
        if method == CASH_METHOD
    }
    assert cash_names
    problems = [p for z in chain.zreports for p in z_identity_problems(z, cash_names)]
    assert not problems, report(problems)

    # Every branch above must have had something to check.
    def occurs(pred: Any) -> int:
        return sum(1 for z in chain.zreports if pred(z))

    assert occurs(lambda z: z["numrefund"] > 0 and z["vatgroupsrefund"])
    assert occurs(lambda z: any(p["subpayments"] for p in z["paymentssales"]))
    assert occurs(lambda z: any(p["subpayments"] for p in z["paymentsrefund"]))
    assert occurs(lambda z: money(z["moneydiscount"]) > 0)
    assert occurs(lambda z: z["discountsrefund"])
    assert occurs(lambda z: money(z["moneyroundoff"]) != 0)
    assert occurs(lambda z: any(money(p["moneyreserved"]) > 0 for p in z["paymentssales"]))
    assert occurs(lambda z: money(z["moneycash_salesrefunds"]) != 0)
    for drawer in ("moneycash_petty", "moneycash_bank", "moneycash_diff", "moneycash_bankfinal"):
        assert occurs(lambda z, f=drawer: money(z[f]) != 0), f"no Z-report with {drawer} != 0"
    assert occurs(lambda z: z["numsalestypeservice"] > 0)
    assert occurs(lambda z: z["numsalestypegiftcard"] > 0)
    assert {z["currencycode"] for z in chain.zreports} == {"SEK", "NOK", "EUR"}


def test_zreport_running_totals(chain: Chain) -> None:
    """§6.2 #15 per register: grand totals accumulate, and each float is the previous one left."""
    by_register: dict[str, list[JSON]] = defaultdict(list)
    for z in chain.zreports:
        by_register[z["registerid"]].append(z)
    assert len(by_register) == len(chain.registers)
    problems: list[str] = []
    pairs = 0
    for reports in by_register.values():
        reports.sort(key=lambda z: z["zreportid"])
        first = reports[0]
        if first["zreportid"] == 1:
            for kind in ("sales", "refund"):
                if money(first[f"moneygrandtotal{kind}"]) != money(first[f"moneysummary{kind}"]):
                    problems.append(
                        f"{zname(first)}: #15 first grand total {kind} "
                        f"{first[f'moneygrandtotal{kind}']} != its own "
                        f"{first[f'moneysummary{kind}']}"
                    )
        for previous, current in itertools.pairwise(reports):
            pairs += 1
            for kind in ("sales", "refund"):
                want = money(previous[f"moneygrandtotal{kind}"]) + money(
                    current[f"moneysummary{kind}"]
                )
                if money(current[f"moneygrandtotal{kind}"]) != want:
                    problems.append(
                        f"{zname(current)}: #15 grand total {kind} "
                        f"{current[f'moneygrandtotal{kind}']} != previous + session "
                        f"{want}"
                    )
            if current["moneycash_in"] != previous["moneycash_out"]:
                problems.append(
                    f"{zname(current)}: opening float {current['moneycash_in']} != "
                    f"cash left by Z {previous['zreportid']} "
                    f"{previous['moneycash_out']}"
                )
    assert pairs >= 50
    assert not problems, report(problems)


# --------------------------------------------------------------------------- 2. Z vs orders
def session_orders(chain: Chain) -> dict[tuple[str, int], list[JSON]]:
    """Orders of type 10 (sales, refunds, practice) per Z session: same register, orderdate in
    [dateopened, datecreated]."""
    by_register: dict[str, list[JSON]] = defaultdict(list)
    for order in chain.orders:
        if order["ordertypeid"] == 10 and order["registerid"] is not None:
            by_register[order["registerid"]].append(order)
    for orders in by_register.values():
        orders.sort(key=lambda o: o["orderdate"])
    sessions: dict[tuple[str, int], list[JSON]] = {}
    for z in chain.zreports:
        orders = by_register.get(z["registerid"], [])
        dates = [o["orderdate"] for o in orders]
        low = bisect.bisect_left(dates, z["dateopened"])
        high = bisect.bisect_right(dates, z["datecreated"])
        sessions[(z["registerid"], z["zreportid"])] = orders[low:high]
    return sessions


def test_zreports_equal_their_orders(chain: Chain) -> None:
    """§6.3: every Z-report's figures are the sums of its session's orders."""
    sessions = session_orders(chain)
    group_type = {name: chain.group_type(name) for name in chain.product_groups[1]}
    problems: list[str] = []
    seen: Counter[str] = Counter()
    for z in chain.zreports:
        orders = sessions[(z["registerid"], z["zreportid"])]
        methods = chain.payment_methods[z["eshopid"]]
        tickets = [order_ticket(o, methods) for o in orders]
        seen.update(t.kind for t in tickets)
        actual = z_figures(z, problems)
        problems += compare_figures(
            zname(z), expected_figures(tickets, group_type), actual, "orders"
        )
    assert not problems, report(problems)
    assert seen[SALE] > 1000, seen
    assert seen[REFUND] > 20, seen
    assert seen[PRACTICE] > 10, seen

    # Every takings order lies in exactly one revealed session, unless its session's Z-report
    # has not been uploaded yet (after the register's last revealed Z-report).
    last_z: dict[str, int] = {}
    for z in chain.zreports:
        last_z[z["registerid"]] = max(last_z.get(z["registerid"], 0), z["datecreated"])
    placed = Counter(o["orderid"] for orders in sessions.values() for o in orders)
    orphans = [
        f"order {o['orderid']} (register {o['registerid']}, orderdate {o['orderdate']}) is in "
        f"{placed[o['orderid']]} Z sessions"
        for o in chain.orders
        if o["ordertypeid"] == 10
        and placed[o["orderid"]] != 1
        and not (placed[o["orderid"]] == 0 and o["orderdate"] > last_z.get(o["registerid"], 0))
    ]
    assert not orphans, report(orphans)


# --------------------------------------------------------------------------- 3. Z vs journals
def test_zreports_equal_their_journal(chain: Chain) -> None:
    """The journal's receipts between cash-start and z-report sum to the Z-report, and the
    journal's z-report entry is the API's Z-report without `dateadded`."""
    group_type = {name: chain.group_type(name) for name in chain.product_groups[1]}
    problems: list[str] = []
    seen: Counter[str] = Counter()
    for z in chain.zreports:
        where = zname(z)
        entries = chain.journals[z["registerid"]]
        z_entries = [
            i
            for i, e in enumerate(entries)
            if e["type"] == "z-report" and e["data"]["zreportid"] == z["zreportid"]
        ]
        if len(z_entries) != 1:
            problems.append(f"{where}: {len(z_entries)} journal z-report entries")
            continue
        end = z_entries[0]
        journal_z = entries[end]["data"]
        api_z = {k: v for k, v in z.items() if k != "dateadded"}
        if journal_z != api_z:
            keys = sorted(
                k for k in set(journal_z) | set(api_z) if journal_z.get(k) != api_z.get(k)
            )
            problems.append(
                f"{where}: journal z-report entry {entries[end]['id']} differs in {keys}"
            )
        starts = [i for i in range(end) if entries[i]["type"] == "cash-start"]
        if not starts:
            problems.append(f"{where}: no cash-start before journal entry {entries[end]['id']}")
            continue
        start = starts[-1]
        between = entries[start + 1 : end]
        if any(e["type"] == "z-report" for e in between):
            problems.append(f"{where}: another z-report between cash-start and z-report")
        if entries[start]["datecreated"] != z["dateopened"]:
            problems.append(
                f"{where}: cash-start at {entries[start]['datecreated']} but Z "
                f"dateopened {z['dateopened']}"
            )
        if entries[start]["data"]["moneycash"] != z["moneycash_in"]:
            problems.append(
                f"{where}: cash-start float {entries[start]['data']['moneycash']} != "
                f"moneycash_in {z['moneycash_in']}"
            )
        tickets = [journal_ticket(e) for e in between if e["type"] == "receipt"]
        seen.update(t.kind for t in tickets)
        actual = z_figures(z, problems)
        problems += compare_figures(where, expected_figures(tickets, group_type), actual, "journal")
    assert not problems, report(problems)
    assert seen[SALE] > 1000, seen
    assert seen[REFUND] > 20, seen
    assert seen[PRACTICE] > 10, seen


def test_journal_receipts_are_consistent(chain: Chain) -> None:
    """Each journal receipt adds up on its own: rows, VAT lines, rounding and payments."""
    problems: list[str] = []
    count = 0
    for entries in chain.journals.values():
        for entry in entries:
            if entry["type"] != "receipt":
                continue
            count += 1
            data = entry["data"]
            where = f"register {entry['registerid']} journal entry {entry['id']}"
            ticket = journal_ticket(entry)
            rows = sum((line.gross for line in ticket.lines), ZERO)
            if rows != ticket.gross:
                problems.append(f"{where}: Σ moneyrowprice {rows} != moneytotal {ticket.gross}")
            if ticket.gross + ticket.roundoff != ticket.paid:
                problems.append(f"{where}: moneytotal + moneyroundoff != moneytotalpaid")
            paid = sum((p.amount for p in ticket.payments), ZERO)
            if paid != ticket.paid:
                problems.append(f"{where}: Σ payments {paid} != moneytotalpaid {ticket.paid}")
            vats = {
                rate_of(v["vatvalue"]): (
                    money(v["moneytotal"]),
                    money(v["moneynet"]),
                    money(v["moneyvat"]),
                )
                for v in data["vats"]
            }
            if vats != _vat_groups([ticket], 1):
                problems.append(f"{where}: vats {vats} do not sum the items")
            for line in ticket.lines:
                if line.gross != line.net + line.vat:
                    problems.append(f"{where}: item {line.sku} gross != net + vat")
                if line.vat != vat_of_gross(line.gross, line.rate):
                    problems.append(
                        f"{where}: item {line.sku} VAT {line.vat} at {line.rate}% of {line.gross}"
                    )
            negative = ticket.kind == REFUND
            if any((line.quantity < 0) != negative for line in ticket.lines):
                problems.append(f"{where}: isrefund {data['isrefund']} but quantity signs differ")
    assert count > 1000
    assert not problems, report(problems)


def test_journal_receipts_match_orders(chain: Chain) -> None:
    """Journal receipts and orders pair one-to-one on `pos-receiptid`, and agree."""
    receipts: dict[str, JSON] = {}
    problems: list[str] = []
    for entries in chain.journals.values():
        for entry in entries:
            if entry["type"] == "receipt":
                receiptid = entry["data"]["additionaldata"]["pos-receiptid"]
                if receiptid in receipts:
                    problems.append(f"receipt {receiptid} twice in the journals")
                receipts[receiptid] = entry
    orders: dict[str, JSON] = {}
    for order in chain.orders:
        receiptid = order["additionaldata"].get("pos-receiptid")
        if order["ordertypeid"] in (100, 110):
            if receiptid is not None:
                problems.append(
                    f"order {order['orderid']} (type {order['ordertypeid']}) has a receipt id"
                )
            continue
        if receiptid is None:
            problems.append(f"order {order['orderid']} has no pos-receiptid")
        elif receiptid in orders:
            problems.append(
                f"receipt {receiptid} on orders {orders[receiptid]['orderid']} and "
                f"{order['orderid']}"
            )
        else:
            orders[receiptid] = order
    problems += [
        f"journal receipt {r} (entry {receipts[r]['id']}, register "
        f"{receipts[r]['registerid']}) has no order"
        for r in sorted(receipts)
        if r not in orders
    ]
    problems += [
        f"order {orders[r]['orderid']} (receipt {r}) has no journal receipt"
        for r in sorted(orders)
        if r not in receipts
    ]
    paired = sorted(set(receipts) & set(orders))
    assert len(paired) > 1000
    kinds: Counter[str] = Counter()
    for receiptid in paired:
        entry, order = receipts[receiptid], orders[receiptid]
        where = f"receipt {receiptid} (order {order['orderid']}, journal entry {entry['id']})"
        j = journal_ticket(entry)
        o = order_ticket(order, chain.payment_methods[order["eshopid"]])
        kinds[o.kind] += 1
        if j.kind != o.kind:
            problems.append(f"{where}: journal says {j.kind}, order says {o.kind}")
        if entry["registerid"] != order["registerid"]:
            problems.append(f"{where}: registers differ")
        if entry["datecreated"] != order["orderdate"]:
            problems.append(
                f"{where}: journal datecreated {entry['datecreated']} != orderdate "
                f"{order['orderdate']}"
            )
        for name in ("gross", "net", "roundoff", "paid"):
            if getattr(j, name) != getattr(o, name):
                problems.append(
                    f"{where}: {name} journal {getattr(j, name)} != order {getattr(o, name)}"
                )
        if sorted(j.lines, key=repr) != sorted(o.lines, key=repr):
            problems.append(f"{where}: items differ")
        if Counter(j.payments) != Counter(o.payments):
            problems.append(f"{where}: payments differ")
    assert all(kinds[kind] for kind in (SALE, REFUND, PRACTICE)), kinds
    assert not problems, report(problems)


# --------------------------------------------------------------------------- 4. orders
def test_orders_are_internally_consistent(chain: Chain) -> None:
    """Totals, per-item VAT, payments, cash rounding, currency and store of every order."""
    problems: list[str] = []
    register_warehouse = {r["registerid"]: r["warehouseid"] for r in chain.registers.values()}
    rounded: Counter[str] = Counter()
    types: Counter[int] = Counter()
    for order in chain.orders:
        where = f"order {order['orderid']} (type {order['ordertypeid']})"
        types[order["ordertypeid"]] += 1
        items = order["orderitems"]
        if not items:
            problems.append(f"{where}: no items")
        item_net = sum((money(i["moneyitemtotal_net"]) for i in items), ZERO)
        item_vat = sum((money(i["moneyitemtotal_vat"]) for i in items), ZERO)
        total_net, total_vat = money(order["moneytotal_net"]), money(order["moneytotal_vat"])
        if item_net != total_net:
            problems.append(f"{where}: Σ item net {item_net} != moneytotal_net {total_net}")
        if item_vat != total_vat:
            problems.append(f"{where}: Σ item vat {item_vat} != moneytotal_vat {total_vat}")
        final_net = (
            total_net + money(order["moneycheckout_net"]) + money(order["moneydelivery_net"])
        )
        final_vat = (
            total_vat + money(order["moneycheckout_vat"]) + money(order["moneydelivery_vat"])
        )
        if (money(order["moneyfinal_net"]), money(order["moneyfinal_vat"])) != (
            final_net,
            final_vat,
        ):
            problems.append(f"{where}: moneyfinal_net/vat != total + checkout + delivery")
        roundoff = money(order["moneytotal_gross_roundoff"])
        gross_all = money(order["moneytotal_gross_all"])
        if final_net + final_vat + money(order["moneyfinal_salestax"]) + roundoff != gross_all:
            problems.append(f"{where}: net + vat + roundoff != moneytotal_gross_all {gross_all}")
        paid = sum((money(p["moneyamount"]) for p in order["payments"]), ZERO)
        reserved = sum((money(p["moneyreserved"]) for p in order["reservedpayments"]), ZERO)
        if order["ordertypeid"] == 100:
            if order["payments"] or reserved != gross_all:
                problems.append(
                    f"{where}: a booking must carry only reservedpayments summing "
                    f"to {gross_all}, has payments {paid} reserved {reserved}"
                )
        elif order["ordertypeid"] == 110:
            if order["payments"] or order["reservedpayments"]:
                problems.append(f"{where}: a parked cart is unpaid but carries payments")
        elif paid != gross_all or order["reservedpayments"]:
            problems.append(f"{where}: Σ payments {paid} != moneytotal_gross_all {gross_all}")
        for item in items:
            rate = rate_of(item["vatvalue"])
            net, vat = money(item["moneyitemtotal_net"]), money(item["moneyitemtotal_vat"])
            if vat != vat_of_gross(net + vat, rate):
                problems.append(
                    f"{where}: item {item['orderitemid']} {item['sku']} VAT {vat} "
                    f"!= round({net + vat} × {rate}/(100+{rate}))"
                )
        warehouse = chain.warehouses[order["warehouseid"]]
        store = chain.stores[warehouse["storeid"]]
        currency = COUNTRY_CURRENCY[store["countryid"]]
        if order["currencycode"] != currency or warehouse["currencycode"] != currency:
            problems.append(f"{where}: currency {order['currencycode']} in a {currency} store")
        if order["eshopid"] != store["eshopid"]:
            problems.append(f"{where}: eshopid {order['eshopid']} != store's {store['eshopid']}")
        if order["additionaldata"].get("store-externalid") != store["externalid"]:
            problems.append(
                f"{where}: store-externalid "
                f"{order['additionaldata'].get('store-externalid')} != warehouse "
                f"{warehouse['warehouseid']}'s store {store['externalid']}"
            )
        if register_warehouse.get(order["registerid"]) != order["warehouseid"]:
            problems.append(
                f"{where}: register {order['registerid']} does not sell from "
                f"warehouse {order['warehouseid']}"
            )
        # Cash is rounded to the smallest coin; other payments are exact.
        unit = CASH_UNIT[order["currencycode"]]
        methods = chain.payment_methods[order["eshopid"]]
        if any(methods[p["name"]] == CASH_METHOD for p in order["payments"]):
            if gross_all % unit != 0 or abs(roundoff) * 2 > unit:
                problems.append(
                    f"{where}: cash total {gross_all} roundoff {roundoff} not "
                    f"rounded to {unit} {order['currencycode']}"
                )
            if roundoff != 0:
                rounded[order["currencycode"]] += 1
        elif roundoff != 0:
            problems.append(f"{where}: roundoff {roundoff} without a cash payment")
    assert not problems, report(problems)
    assert types[10] > 5000, types
    assert types[100] > 5, types
    assert types[110] > 5, types
    assert all(rounded[currency] for currency in CASH_UNIT), rounded


def test_order_states_and_sources(chain: Chain) -> None:
    """Order and payment states by kind; resumed carts and picked-up bookings point at their
    source, which is closed and holds the same items."""
    problems: list[str] = []
    orders_by_id = chain.orders_by_id
    sourced: dict[int, list[JSON]] = defaultdict(list)
    invoice_states: Counter[int] = Counter()
    allowed = {100: {(0, 15), (10, 20), (20, 30)}, 110: {(0, 0), (10, 0), (-1, 0)}}
    states: Counter[tuple[int, int, int]] = Counter()
    for order in chain.orders:
        where = f"order {order['orderid']} (type {order['ordertypeid']})"
        state = (order["orderstateid"], order["paymentstateid"])
        states[(order["ordertypeid"], *state)] += 1
        if order["ordertypeid"] in allowed:
            if state not in allowed[order["ordertypeid"]]:
                problems.append(f"{where}: state {state}")
        elif order["ordertypeid"] == 10:
            methods = chain.payment_methods[order["eshopid"]]
            names = {p["name"] for p in order["payments"]}
            if {methods[name] for name in names} == {INVOICE_METHOD}:
                invoice_states[order["paymentstateid"]] += 1
                ok = state in ((10, 10), (10, 20))
            else:
                ok = state == (10, 20)
            if not ok:
                problems.append(f"{where}: state {state} with payments {sorted(names)}")
        else:
            problems.append(f"{where}: unknown order type")
        source_id = order["additionaldata"].get("pos-sourceorderid")
        if source_id is None:
            continue
        sourced[int(source_id)].append(order)
        source = orders_by_id.get(int(source_id))
        if source is None or source["ordertypeid"] not in (100, 110):
            problems.append(f"{where}: pos-sourceorderid {source_id} is not a booking or cart")
            continue
        if order_kind(order) != SALE or order["ordertypeid"] != 10:
            problems.append(f"{where}: completes order {source_id} but is not a sale")
        if source["warehouseid"] != order["warehouseid"]:
            problems.append(f"{where}: source {source_id} is from another store")
        if not source["orderdate"] < order["orderdate"]:
            problems.append(f"{where}: source {source_id} is dated after the sale")
        if not source["orderid"] < order["orderid"]:
            problems.append(
                f"{where}, register {order['registerid']}: completes order {source_id} (type "
                f"{source['ordertypeid']}, register {source['registerid']}) that the backend "
                f"stored only at {created_at(source)}, after this sale "
                f"(orderdate {order['orderdate']}, stored {created_at(order)})"
            )
        items = Counter((i["sku"], i["quantity"]) for i in order["orderitems"])
        if items != Counter((i["sku"], i["quantity"]) for i in source["orderitems"]):
            problems.append(f"{where}: items differ from source order {source_id}")
    for order in chain.orders:
        if order["ordertypeid"] not in allowed:
            continue
        completions = len(sourced.get(order["orderid"], []))
        closed = order["orderstateid"] == 10
        if completions != (1 if closed else 0):
            problems.append(
                f"order {order['orderid']} (type {order['ordertypeid']}, state "
                f"{order['orderstateid']}) completed by {completions} sales"
            )
    assert not problems, report(problems)
    for key in ((100, 0, 15), (100, 10, 20), (100, 20, 30), (110, 10, 0), (110, -1, 0)):
        assert states[key], f"no order with (type, orderstate, paymentstate) {key}: {states}"
    assert invoice_states[10], f"no invoice sale still pending: {invoice_states}"
    assert invoice_states[20], f"no invoice sale settled: {invoice_states}"


# --------------------------------------------------------------------------- 5. refunds
def test_refunds_return_earlier_sales(chain: Chain) -> None:
    """A refund credits an earlier sale in the same currency and negates some of its lines."""
    orders_by_id = chain.orders_by_id
    problems: list[str] = []
    returned: dict[int, Counter[tuple[Any, ...]]] = defaultdict(Counter)
    refunds = [o for o in chain.orders if o["creditorderid"] is not None]
    assert len(refunds) > 50
    other_store = later = 0

    def line_key(item: JSON, sign: int) -> tuple[Any, ...]:
        return (
            item["sku"],
            rate_of(item["vatvalue"]),
            sign * item["quantity"],
            sign * money(item["moneyitemtotal_net"]),
            sign * money(item["moneyitemtotal_vat"]),
            abs(money(item["additionaldata"].get("orderitem-moneyrowdiscount", "0.00"))),
            item["vouchercode"],
        )

    for refund in refunds:
        where = f"refund order {refund['orderid']}"
        original = orders_by_id.get(refund["creditorderid"])
        if refund["additionaldata"].get("pos-originalsales-orderid") != str(
            refund["creditorderid"]
        ):
            problems.append(f"{where}: pos-originalsales-orderid != creditorderid")
        if original is None:
            problems.append(f"{where}: creditorderid {refund['creditorderid']} does not exist")
            continue
        if refund["ordertypeid"] != 10 or is_practice(refund):
            problems.append(f"{where}: a refund must be a real order of type 10")
        if order_kind(original) != SALE or original["ordertypeid"] != 10:
            problems.append(f"{where}: credits order {original['orderid']}, not a sale")
        if not original["orderid"] < refund["orderid"]:
            problems.append(f"{where}: credits a later orderid {original['orderid']}")
        if not original["orderdate"] < refund["orderdate"]:
            problems.append(f"{where}: credits order {original['orderid']} dated later")
        if original["currencycode"] != refund["currencycode"]:
            problems.append(
                f"{where}: currency {refund['currencycode']} != original's "
                f"{original['currencycode']}"
            )
        if any(i["quantity"] >= 0 for i in refund["orderitems"]):
            problems.append(f"{where}: non-negative quantity")
        if money(refund["moneytotal_gross_all"]) >= 0:
            problems.append(f"{where}: non-negative total {refund['moneytotal_gross_all']}")
        returned[original["orderid"]].update(line_key(i, -1) for i in refund["orderitems"])
        other_store += original["warehouseid"] != refund["warehouseid"]
        later += refund["orderdate"] - original["orderdate"] > 86_400
    for orderid, lines in returned.items():
        sold = Counter(line_key(i, 1) for i in orders_by_id[orderid]["orderitems"])
        excess = lines - sold
        if excess:
            problems.append(
                f"sale order {orderid}: refunds return lines it never sold: "
                f"{sorted(excess, key=repr)}"
            )
    assert not problems, report(problems)
    assert other_store, "no refund in another store than its sale"
    assert later, "no refund more than a day after its sale"


# --------------------------------------------------------------------------- 6. dated VAT
def expected_rate(country: str, group: str, on: date) -> Decimal:
    kind = GROUP_VAT_KIND.get(group, "standard")
    if country == "se" and kind == "food":
        return Decimal(12) if on < SE_FOOD_CHANGE else Decimal(6)
    return VAT_RATES[country][kind]


def test_vat_rates_follow_the_dated_schedules(chain: Chain) -> None:
    """Swedish food is 12 % before 2026-04-01 (store-local date) and 6 % from it; Finnish
    standard is 25.5 %, Norwegian food 15 %; refunds keep the rate of their sale."""
    orders_by_id = chain.orders_by_id
    problems: list[str] = []
    seen: Counter[tuple[str, str, Decimal]] = Counter()
    for order in chain.orders:
        country = chain.warehouses[order["warehouseid"]]["countryid"]
        tz = order["additionaldata"].get("pos-timezone")
        if tz != COUNTRY_TZ[country]:
            problems.append(f"order {order['orderid']}: pos-timezone {tz} in country {country}")
            continue
        sold = order
        if order["creditorderid"] is not None:
            sold = orders_by_id.get(order["creditorderid"], order)
        on = datetime.fromtimestamp(sold["orderdate"], ZoneInfo(tz)).date()
        for item in order["orderitems"]:
            group = item["additionaldata"]["product-group-name"]
            rate = rate_of(item["vatvalue"])
            want = expected_rate(country, group, on)
            if rate != want:
                problems.append(
                    f"order {order['orderid']} item {item['orderitemid']} "
                    f"{item['sku']} ({group}, sold {on}, {country}): VAT {rate}%, "
                    f"expected {want}%"
                )
            kind = GROUP_VAT_KIND.get(group, "standard")
            seen[(country, kind, rate)] += 1
    assert not problems, report(problems)
    # The cases named in the docstring all occur, and the food change lies inside the data.
    for case in (
        ("se", "food", Decimal(12)),
        ("se", "food", Decimal(6)),
        ("fi", "standard", Decimal("25.5")),
        ("no", "food", Decimal(15)),
        ("fi", "food", Decimal("13.5")),
        ("se", "standard", Decimal(25)),
        ("no", "books", Decimal(0)),
        ("fi", "books", Decimal(14)),
        ("se", "giftcard", Decimal(0)),
    ):
        assert seen[case], f"no item of {case}"
    # Product groups state today's rates (the simulated clock is after 2026-04-01).
    today = max(
        datetime.fromtimestamp(o["orderdate"], ZoneInfo(COUNTRY_TZ["se"])).date()
        for o in chain.orders
    )
    assert today >= SE_FOOD_CHANGE
    for site, groups in chain.product_groups.items():
        country = {1: "se", 2: "no", 3: "fi"}[site]
        for name, group in groups.items():
            if rate_of(group["value"]) != expected_rate(country, name, today):
                problems.append(f"site {site} product group {name}: value {group['value']}")
    assert not problems, report(problems)


# --------------------------------------------------------------------------- 7. sequences
def test_sequences_and_late_uploads(chain: Chain) -> None:
    """Gap-free Z numbers and journal ids per register; nothing arrives before it happened;
    offline registers upload hours later, so orderids do not follow orderdates."""
    problems: list[str] = []
    for batch in chain.zreport_batches:
        added = [z["dateadded"] for z in batch]
        if added != sorted(added):
            problems.append("pos-z-reports response not sorted by dateadded")
    numbers: dict[str, list[int]] = defaultdict(list)
    for z in chain.zreports:
        numbers[z["registerid"]].append(z["zreportid"])
        if z["registerid"] not in chain.registers:
            problems.append(f"{zname(z)}: unknown register")
        if z["dateadded"] < z["datecreated"]:
            problems.append(
                f"{zname(z)}: dateadded {z['dateadded']} < datecreated {z['datecreated']}"
            )
        if not z["dateopened"] < z["datecreated"]:
            problems.append(f"{zname(z)}: dateopened {z['dateopened']} not before datecreated")
    assert set(numbers) == set(chain.registers)
    for registerid, ids in numbers.items():
        if sorted(ids) != list(range(1, len(ids) + 1)):
            problems.append(f"register {registerid}: zreportids {sorted(ids)} have gaps")
    for registerid, entries in chain.journals.items():
        ids = [e["id"] for e in entries]
        if ids != list(range(1, len(ids) + 1)):
            missing = sorted(set(range(1, max(ids, default=0) + 1)) - set(ids))
            problems.append(f"register {registerid}: journal ids have gaps, missing {missing[:10]}")
        for entry in entries:
            if entry["dateadded"] < entry["datecreated"] or entry["registerid"] != registerid:
                problems.append(
                    f"register {registerid} journal entry {entry['id']} "
                    f"({entry['type']}): dateadded {entry['dateadded']} < "
                    f"datecreated {entry['datecreated']}"
                )
    late_orders = 0
    for order in chain.orders:
        delay = created_at(order) - order["orderdate"]
        if delay < 0:
            problems.append(f"order {order['orderid']}: created {-delay} s before its orderdate")
        late_orders += delay > LATE
    assert not problems, report(problems)

    assert all(len(entries) > 100 for entries in chain.journals.values())
    late_z = [z for z in chain.zreports if z["dateadded"] - z["datecreated"] > LATE]
    assert late_z, "no Z-report uploaded more than 3 h after it was made"
    assert late_orders, "no order stored more than 3 h after it was made"
    late_entries = sum(
        1
        for entries in chain.journals.values()
        for e in entries
        if e["dateadded"] - e["datecreated"] > LATE
    )
    assert late_entries, "no journal entry uploaded more than 3 h late"
    dates = [o["orderdate"] for o in chain.orders]  # ascending orderid
    inversions = sum(1 for a, b in itertools.pairwise(dates) if a > b)
    assert inversions, "orderids follow orderdates exactly: no offline upload visible"


# --------------------------------------------------------------------------- 8. warehouse
Signature = tuple[int, int, frozenset[tuple[str, int]]]
"""(warehouseid, transactiontype, {(sku, quantity)}): what a delivery moves."""


def test_warehouse_running_totals(chain: Chain) -> None:
    """Per (warehouse, sku), in id order: total(n) = total(n-1) + quantity(n), starting from the
    opening balance; values are quantity × purchase price."""
    problems: list[str] = []
    stock: dict[tuple[int, str], Decimal] = {}
    types: Counter[int] = Counter()
    ids = [t["warehousetransactionid"] for t in chain.transactions]
    assert len(ids) == len(set(ids)), "duplicate warehouse transaction ids"
    assert len(ids) > 1000
    lines = 0
    for txn in chain.transactions:
        types[txn["transactiontype"]] += 1
        where = (
            f"warehouse transaction {txn['warehousetransactionid']} (warehouse "
            f"{txn['warehouseid']}, type {txn['transactiontype']})"
        )
        if txn["warehouseid"] not in chain.warehouses:
            problems.append(f"{where}: unknown warehouse")
        is_delivery = txn["transactiontype"] in (30, 40)
        if (txn["orderdeliveryid"] is not None) != is_delivery:
            problems.append(f"{where}: orderdeliveryid {txn['orderdeliveryid']}")
        opening = txn["description"] == "Opening balance"
        for item in txn["items"]:
            lines += 1
            key = (txn["warehouseid"], item["sku"])
            quantity = Decimal(item["decimalquantity"])
            total = Decimal(item["decimaltotal"])
            price = money(item["moneypricein"])
            if key not in stock:
                if not opening or total != quantity:
                    problems.append(
                        f"{where}: first movement of {item['sku']} is not an opening "
                        f"balance (quantity {quantity}, total {total})"
                    )
            elif opening:
                problems.append(f"{where}: second opening balance of {item['sku']}")
            elif total != stock[key] + quantity:
                problems.append(
                    f"{where}: {item['sku']} total {total} != previous {stock[key]} + {quantity}"
                )
            stock[key] = total
            if money(item["moneytotal"]) != total * price:
                problems.append(
                    f"{where}: {item['sku']} moneytotal {item['moneytotal']} != {total} × {price}"
                )
            if money(item["moneyvalue"]) != quantity * price:
                problems.append(
                    f"{where}: {item['sku']} moneyvalue {item['moneyvalue']} != "
                    f"{quantity} × {price}"
                )
            sign_ok = {10: quantity > 0, 20: quantity < 0, 30: quantity < 0, 40: quantity > 0}
            if not sign_ok.get(txn["transactiontype"], True):
                problems.append(f"{where}: {item['sku']} quantity {quantity} has the wrong sign")
            if not chain.stocked(item["sku"]):
                problems.append(f"{where}: {item['sku']} is not a stock item")
    assert not problems, report(problems)
    assert lines > 5000
    for ttype in (10, 20, 30, 40, 50):
        assert types[ttype], f"no warehouse transaction of type {ttype}: {types}"
    assert len({w for w, _ in stock}) == len(chain.warehouses)


def test_every_sale_and_refund_moves_stock(chain: Chain) -> None:
    """Each sale (refund) with stock items has exactly one type-30 (type-40) transaction in its
    warehouse whose quantities are minus the order's; no delivery transaction lacks an order."""
    problems: list[str] = []
    group_names = {g["vatid"]: name for name, g in chain.product_groups[1].items()}
    for sku, product in chain.products.items():
        group = group_names[product["vatid"]]
        if product["stockcountenable"] == (group in NOT_STOCKED_GROUPS):
            problems.append(
                f"product {sku} of {group}: stockcountenable {product['stockcountenable']}"
            )
    wanted: dict[Signature, list[tuple[int, JSON]]] = defaultdict(list)
    unstocked: dict[tuple[int, int], list[int]] = defaultdict(list)
    for order in chain.orders:
        kind = order_kind(order)
        if order["ordertypeid"] != 10 or kind == PRACTICE:
            continue
        moved: Counter[str] = Counter()
        for item in order["orderitems"]:
            group = item["additionaldata"]["product-group-name"]
            stocked = chain.stocked(item["sku"])
            if stocked == (group in NOT_STOCKED_GROUPS):
                problems.append(
                    f"order {order['orderid']}: {item['sku']} of {group} has "
                    f"stockcountenable {stocked}"
                )
            if stocked:
                moved[item["sku"]] -= item["quantity"]
        ttype = 30 if kind == SALE else 40
        if not moved:
            unstocked[(order["warehouseid"], ttype)].append(order["orderid"])
            continue
        signature = (order["warehouseid"], ttype, frozenset(moved.items()))
        wanted[signature].append((created_at(order), order))
    got: dict[Signature, list[JSON]] = defaultdict(list)
    for txn in chain.transactions:
        if txn["transactiontype"] not in (30, 40):
            continue
        moved = Counter()
        for item in txn["items"]:
            moved[item["sku"]] += int(Decimal(item["decimalquantity"]))
        got[(txn["warehouseid"], txn["transactiontype"], frozenset(moved.items()))].append(txn)
    matched = Counter[int]()
    for signature in set(wanted) | set(got):
        orders = sorted(wanted.get(signature, []), key=lambda pair: pair[0])
        txns = sorted(got.get(signature, []), key=lambda t: t["datecreated"])
        if not signature[2]:
            problems.append(
                f"warehouse {signature[0]} type {signature[1]}: transactions "
                f"{[t['warehousetransactionid'] for t in txns]} move no items (orders there "
                f"without stock items: {unstocked.get(signature[:2], [])})"
            )
            continue
        if len(orders) != len(txns):
            problems.append(
                f"warehouse {signature[0]} type {signature[1]} {dict(signature[2])}: orders "
                f"{[o['orderid'] for _, o in orders]} but transactions "
                f"{[t['warehousetransactionid'] for t in txns]}"
            )
            continue
        for (created, order), txn in zip(orders, txns, strict=True):
            if not 0 <= txn["datecreated"] - created <= 60:
                problems.append(
                    f"order {order['orderid']} (stored {created}): its transaction "
                    f"{txn['warehousetransactionid']} is dated {txn['datecreated']}"
                )
            matched[signature[1]] += 1
    deliveries = [t["orderdeliveryid"] for t in chain.transactions if t["orderdeliveryid"]]
    if len(deliveries) != len(set(deliveries)):
        problems.append("an orderdeliveryid is used by several transactions")
    assert not problems, report(problems)
    assert matched[30] > 1000, matched
    assert matched[40] > 20, matched
