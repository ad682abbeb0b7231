"""Record validation: simulator records pass, broken ones fail with reasons naming the field."""

from __future__ import annotations

import copy
import json
import time
from collections import Counter
from typing import Any

import pytest

from extract.validate import (
    GUID_FIELDS,
    MAX_PROBLEMS,
    STREAMS,
    UnknownStreamError,
    format_key,
    key_columns,
    record_key,
    validate,
)
from simulator.config import ChainConfig
from simulator.records import (
    product_document,
    product_group_documents,
    register_document,
    site_document,
    store_document,
    user_document,
    warehouse_document,
)
from simulator.world import World

GUID = "{EC5FA250-A0E3-1EFF-CD03-039F753AA31A}"


@pytest.fixture(scope="module")
def world() -> World:
    return World(ChainConfig(stores=2, days=2, products=60))


def served(doc: dict[str, Any]) -> dict[str, Any]:
    """The record as the extractor sees it: parsed from JSON text."""
    parsed: dict[str, Any] = json.loads(json.dumps(doc))
    return parsed


@pytest.fixture(scope="module")
def orders(world: World) -> list[dict[str, Any]]:
    return [json.loads(o.body.render(None)) for o in world.orders]


@pytest.fixture
def order(orders: list[dict[str, Any]]) -> dict[str, Any]:
    """A fresh copy of a two-line sale to break."""
    doc = next(o for o in orders if len(o["orderitems"]) == 2 and o["registerid"])
    return copy.deepcopy(doc)


# ----------------------------------------------------------------------------- good records
def test_every_simulator_order_is_valid(orders: list[dict[str, Any]]) -> None:
    assert any(o["creditorderid"] is not None for o in orders), "refunds expected"
    assert any(o["ordertypeid"] == 100 for o in orders), "bookings expected"
    assert {o["orderstateid"] for o in orders} >= {0, 10}
    for doc in orders:
        assert validate("orders", doc) == []
        assert record_key("orders", doc) == (doc["orderid"],)


def test_every_simulator_zreport_is_valid(world: World) -> None:
    assert world.zreports
    for z in world.zreports:
        doc = served(z.body.doc)
        assert validate("pos_z_reports", doc) == []
        assert record_key("pos_z_reports", doc) == (doc["registerid"], doc["zreportid"])


def test_every_journal_entry_is_valid(world: World) -> None:
    types: Counter[str] = Counter()
    for log in world.journals.values():
        for entry in log.entries:
            doc = json.loads(entry.body)
            types[doc["type"]] += 1
            assert validate("journal_entries", doc) == []
            assert record_key("journal_entries", doc) == (doc["registerid"], doc["id"])
    assert {"login", "cash-start", "cart-item-add", "receipt", "z-report"} <= set(types)


def test_every_warehouse_transaction_is_valid(world: World) -> None:
    kinds = set()
    for txn in world.transactions:
        doc = served(txn.body.doc)
        kinds.add(doc["transactiontype"])
        assert validate("warehouse_transactions", doc) == []
    assert len(kinds) >= 3


def test_reference_records_are_valid(world: World) -> None:
    catalog = world.catalog
    day = world.today()
    for country in catalog.countries:
        assert validate("sites", served(site_document(country))) == []
        for group in product_group_documents(country, day):
            doc = served({**group, "_eshopid": country.eshopid})
            assert validate("product_groups", doc) == []
            assert record_key("product_groups", doc) == (country.eshopid, group["vatid"])
        for ptype in country.payment_types:
            doc = {"_eshopid": country.eshopid, "paymenttypeid": ptype.paymenttypeid}
            assert validate("pos_payment_types", {**doc, "name": ptype.name}) == []
        product = catalog.products[0]
        doc = product_document(product, country, day, 12345, product.datecreated)
        assert validate("products", served({**doc, "_eshopid": country.eshopid})) == []
    for store in catalog.stores:
        assert validate("stores", served(store_document(store, catalog))) == []
        for register in store.registers:
            doc = served(register_document(register, store))
            assert validate("cash_registers", doc) == []
            assert record_key("cash_registers", doc) == (register.registerid,)
    for warehouse in catalog.warehouses:
        assert validate("warehouses", served(warehouse_document(warehouse))) == []
    for user in (*catalog.staff, *catalog.customers):
        assert validate("users", served(user_document(user))) == []


def test_lenient_on_what_may_change(order: dict[str, Any]) -> None:
    order["brand_new_field"] = {"count": 1.5, "rows": [[1, "a"]]}
    order["orderitems"][0]["orderitemtype"] = 99  # open enum
    order["additionaldata"]["moneyhint"] = "not money"  # free-form string map
    order["registerid"] = order["registerid"].lower()  # GUIDs in any case
    order["externalid"] = None
    order["moneyfinal_salestax"] = None  # null is allowed for typed fields
    order["datereserved"] = None
    assert validate("orders", order) == []
    txn = {"warehousetransactionid": 1, "transactiontype": 33, "datecreated": 0, "items": []}
    assert validate("warehouse_transactions", txn) == []
    entry = {"id": 7, "registerid": GUID, "type": "never-seen-before", "data": {"x": [[1]]}}
    assert validate("journal_entries", entry) == []


# ----------------------------------------------------------------------------- bad records
def test_bad_money_in_a_nested_line(order: dict[str, Any]) -> None:
    order["orderitems"][1]["moneyitemtotal_net"] = "12,50"
    label = f"orders {order['orderid']}"
    assert validate("orders", order) == [
        f"{label}: field orderitems[1].moneyitemtotal_net: bad money string '12,50'"
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("12.5", "bad money string '12.5'"),
        ("12.500", "bad money string '12.500'"),
        ("1.00\n2.00", "bad money string '1.00\\n2.00'"),
        ("\u0661.00", "bad money string '\u0661.00'"),
        (" 1.00", "bad money string ' 1.00'"),
        ("", "bad money string ''"),
        (12.5, "expected money string, got float 12.5"),
        (12, "expected money string, got int 12"),
        (True, "expected money string, got bool True"),
        ({"a": 1}, "expected money string, got object"),
    ],
)
def test_money_must_be_a_two_decimal_string(
    order: dict[str, Any], value: object, problem: str
) -> None:
    order["payments"][0]["moneyamount"] = value
    assert validate("orders", order) == [
        f"orders {order['orderid']}: field payments[0].moneyamount: {problem}"
    ]


def test_negative_money_and_decimals_are_fine(order: dict[str, Any]) -> None:
    order["payments"][0]["moneyamount"] = "-2392.00"
    order["orderitems"][0]["decimalquantitytotal"] = "-13.000"
    assert validate("orders", order) == []


def test_bad_decimal(order: dict[str, Any]) -> None:
    order["orderitems"][0]["decimalquantitytotal"] = "1.00"
    label = f"orders {order['orderid']}"
    assert validate("orders", order) == [
        f"{label}: field orderitems[0].decimalquantitytotal: bad decimal string '1.00'"
    ]


def test_dates_must_be_epoch_ints(order: dict[str, Any]) -> None:
    order["orderdate"] = "2026-01-02"
    order["orderlogitems"][0]["datelog"] = 1.5
    label = f"orders {order['orderid']}"
    assert validate("orders", order) == [
        f"{label}: field orderdate: expected epoch seconds int, got str '2026-01-02'",
        f"{label}: field orderlogitems[0].datelog: expected epoch seconds int, got float 1.5",
    ]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("orderstateid", 33, "unknown code 33"),
        ("paymentstateid", 25, "unknown code 25"),
        ("ordertypeid", 20, "unknown code 20"),
        ("orderstateid", False, "expected int code, got bool False"),
        ("ordertypeid", "10", "expected int code, got str '10'"),
        ("paymentstateid", None, "expected int code, got null"),
    ],
)
def test_documented_order_enums(
    order: dict[str, Any], field: str, value: object, problem: str
) -> None:
    order[field] = value
    assert validate("orders", order) == [f"orders {order['orderid']}: field {field}: {problem}"]


def test_missing_key() -> None:
    assert validate("orders", {"moneytotal_net": "1.00"}) == ["orders ?: missing key field orderid"]
    assert record_key("orders", {}) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (True, "expected int, got bool True"),
        ("104512", "expected int, got str '104512'"),
        (None, "expected int, got null"),
        (1.0, "expected int, got float 1.0"),
    ],
)
def test_key_of_the_wrong_type(order: dict[str, Any], value: object, problem: str) -> None:
    order["orderid"] = value
    assert record_key("orders", order) is None
    assert validate("orders", order) == [f"orders ?: field orderid: {problem}"]


def test_bad_guid(order: dict[str, Any]) -> None:
    order["registerid"] = GUID.strip("{}")
    assert validate("orders", order) == [
        f"orders {order['orderid']}: field registerid: bad GUID '{GUID.strip('{}')}'"
    ]


def test_bad_guid_in_a_composite_key_still_labels_the_record(world: World) -> None:
    doc = served(world.zreports[0].body.doc)
    doc["registerid"] = "register-1"
    assert validate("pos_z_reports", doc) == [
        f"pos_z_reports register-1/{doc['zreportid']}: field registerid: bad GUID 'register-1'"
    ]
    doc["registerid"] = 17
    assert record_key("pos_z_reports", doc) is None
    assert validate("pos_z_reports", doc) == [
        "pos_z_reports ?: field registerid: expected GUID string, got int 17"
    ]
    doc["registerid"] = None
    assert validate("pos_z_reports", doc) == [
        "pos_z_reports ?: field registerid: expected GUID string, got null"
    ]


def test_guid_deep_inside_a_journal_entry(world: World) -> None:
    entries = [json.loads(e.body) for log in world.journals.values() for e in log.entries]
    zentry = next(e for e in entries if e["type"] == "z-report")
    zentry["data"]["registerid"] = "nope"
    zentry["data"]["vatgroupssales"][0]["moneytotalvat"] = "1"
    label = f"journal_entries {zentry['registerid']}/{zentry['id']}"
    assert validate("journal_entries", zentry) == [
        f"{label}: field data.registerid: bad GUID 'nope'",
        f"{label}: field data.vatgroupssales[0].moneytotalvat: bad money string '1'",
    ]


def test_bad_money_in_warehouse_items(world: World) -> None:
    doc = served(world.transactions[0].body.doc)
    doc["items"][0]["moneyvalue"] = "12,50"
    label = f"warehouse_transactions {doc['warehousetransactionid']}"
    assert validate("warehouse_transactions", doc) == [
        f"{label}: field items[0].moneyvalue: bad money string '12,50'"
    ]


@pytest.mark.parametrize(
    ("record", "got"),
    [([1, 2], "array"), ("{}", "str '{}'"), (None, "null"), (7, "int 7")],
)
def test_not_an_object(record: object, got: str) -> None:
    assert validate("orders", record) == [f"orders ?: record is not a JSON object (got {got})"]
    assert record_key("orders", record) is None


def test_per_site_streams_need_the_injected_eshopid() -> None:
    assert validate("product_groups", {"vatid": 2, "value": 25}) == [
        "product_groups ?: missing key field _eshopid"
    ]
    assert validate("product_groups", {"_eshopid": 1, "vatid": 2, "value": 25}) == []


def test_many_problems_are_capped_and_odd_input_never_raises(order: dict[str, Any]) -> None:
    order["orderitems"] = [{"moneyitemtotal_net": "x"} for _ in range(50)]
    reasons = validate("orders", order)
    assert len(reasons) == MAX_PROBLEMS + 1
    assert reasons[-1] == f"orders {order['orderid']}: and {50 - MAX_PROBLEMS} more problems"
    deep: dict[str, Any] = {"orderid": 1}
    node = deep
    for _ in range(200):
        node["child"] = {}
        node = node["child"]
    path = ".".join(["child"] * 33)
    assert validate("orders", deep) == [f"orders 1: field {path}: nested deeper than 32 levels"]
    assert validate("orders", {"orderid": 1, 5: "non-string key", "x": float("nan")}) == []


def test_unknown_stream_is_a_caller_bug() -> None:
    with pytest.raises(UnknownStreamError, match="no validation rules for stream 'ordres'"):
        validate("ordres", {})


def test_key_helpers() -> None:
    assert key_columns("orders") == (("orderid", "BIGINT"),)
    assert key_columns("journal_entries") == (("registerid", "VARCHAR"), ("id", "BIGINT"))
    assert key_columns("product_groups") == (("eshopid", "BIGINT"), ("vatid", "BIGINT"))
    assert format_key(None) == "?"
    assert format_key((GUID, 3)) == f"{GUID}/3"
    for rules in STREAMS.values():  # GUID keys are the ones the walk checks by name
        assert all(name in GUID_FIELDS for name, kind in rules.key if kind == "guid")


def test_validation_is_cheap(orders: list[dict[str, Any]]) -> None:
    """A measurement, not a benchmark: prints µs per order; only a generous bound is enforced."""
    typical = next(o for o in orders if len(o["orderitems"]) == 2)
    rounds = 2000
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            validate("orders", typical)
        best = min(best, (time.perf_counter() - started) / rounds)
    mean = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for doc in orders:
            validate("orders", doc)
        mean = min(mean, (time.perf_counter() - started) / len(orders))
    print(  # noqa: T201
        f"validate: two-line order {best * 1e6:.1f} µs; "
        f"mean over {len(orders)} simulator orders {mean * 1e6:.1f} µs"
    )
    assert best < 1e-3
