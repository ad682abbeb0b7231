"""The Sitoo API simulator over real loopback HTTP, checked against the documented API.

What "documented" means here: /work/shared/reference/sitoo-api-core.md ("core §x") and
sitoo-api-zreports-journals.md ("zr §x"), plus the community OpenAPI schemas vendored in
tests/fixtures/sitoo-openapi/schemas (see its README). Read-only checks use the shared session
server `sim`; anything that changes state (clock, faults, custom metrics, reset) or needs a
special `ApiConfig` runs on a small private server that is stopped afterwards.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import math
import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from simulator.config import ApiConfig, ChainConfig
from tests.integration.conftest import AUTH, Sim, start_sim

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sitoo-openapi" / "schemas"
SMALL_CHAIN = ChainConfig(seed=7, stores=2, days=3, products=100)
"""The chain of the `fresh_sim` fixture, for private servers with a custom ApiConfig."""

# --------------------------------------------------------------------------- schema adaptation
# The community spec marks nothing as nullable. Sitoo documents `null` for these fields only;
# every other field must match the spec's type exactly.
NULLABLE: dict[str, frozenset[str]] = {
    # core §2.4 (order table and the Get Order example: "externalid": null, "creditorderid":
    # null, "userid_staff": null, "datereserved": null; registerid is null for web orders;
    # warehouseid is int|null).
    "order-read": frozenset(
        {"externalid", "creditorderid", "userid_staff", "registerid", "datereserved", "warehouseid"}
    ),
    # core §2.6: decimalunitquantity is "decimal string|null" (null in the example).
    "orderitem-read": frozenset({"decimalunitquantity"}),
    # core §2.11: strvalue string|null, fvalue number|null (both null in the example).
    "orderlogitem-read": frozenset({"strvalue", "fvalue"}),
    # core §3.8: storeid int|null, countryid string|null, externalid string|null.
    "warehouse-read": frozenset({"storeid", "countryid", "externalid"}),
    # core §3.3 (and the §3.7 example): the four links are null when unset.
    "warehousetransaction-read": frozenset(
        {"orderdeliveryid", "shipmentid", "externalid", "reasoncode"}
    ),
    # zr §5.2 (store table and the documented Get Store example).
    "store-read": frozenset(
        {
            "externalid",
            "externalgroupid",
            "phone",
            "email",
            "latitude",
            "longitude",
            "usetype_movein",
            "usetype_moveout",
            "usetype_manualin",
            "usetype_manualout",
            "usetype_shipmentin",
            "usetype_shipmentout",
            "additional_data",
        }
    ),
    # zr §2.2: salestaxgroupid is null when unused (documented example).
    "posregister-read": frozenset({"salestaxgroupid"}),
    # zr §2.3: dateopened is null for reports made by legacy POS versions.
    "poszreport-read": frozenset({"dateopened"}),
    # zr §5.7: role is integer|null (null = customer).
    "user-read": frozenset({"role"}),
}
NULLABLE_NAMES = frozenset().union(*NULLABLE.values())

# Documented fields the spec lacks, so that their types are checked too.
EXTRA_PROPERTIES: dict[str, dict[str, Any]] = {
    # zr §5.1: GET /sites returns the deprecated GUID `siteid` next to `eshopid`.
    "site-read": {"siteid": {"type": "string"}},
    # zr §5.2: `additional_data` (object|null) is in the documented Get Store example.
    "store-read": {"additional_data": {"type": "object"}},
    # core §2.4, fields seen only in official order examples (DOC-EX).
    "order-read": {
        "checkouttypeid": {"type": "integer"},
        "deliverytypeid": {"type": "integer"},
        "checkouttypename": {"type": "string"},
        "checkoutmethodid": {"type": "integer"},
        "checkoutmethodsubid": {"type": "integer"},
        "deliverytypename": {"type": "string"},
    },
    # core §2.6: voucherid (DOC-EX) and ispercentage (CLIENT C2).
    "orderitem-read": {"voucherid": {"type": "integer"}, "ispercentage": {"type": "boolean"}},
}

# The spec types the items of these ID arrays as strings, but its own descriptions say they
# hold IDs ("Array of storeid (integer)", "warehouse IDs", "category ID:s") and zr §5.2
# documents nearby_stores as array(integer).
ITEM_TYPE_FIXES: dict[str, dict[str, str]] = {
    "store-read": {"nearby_stores": "integer"},
    "user-read": {"warehouses": "integer"},
    "product-read": {"categories": "integer"},
}

# Schemas with no fixed field list.
OPEN_SCHEMAS = frozenset({"product-customattributes-read"})


def _uri(name: str) -> str:
    return (SCHEMA_DIR / f"{name}.yaml").as_uri()


def _patched(name: str, raw: dict[str, Any]) -> dict[str, Any]:
    """One spec schema with the documented adaptations above, closed against unknown fields."""
    schema = copy.deepcopy(raw)
    schema["$id"] = _uri(name)
    props: dict[str, Any] = schema.get("properties", {})
    props.update(copy.deepcopy(EXTRA_PROPERTIES.get(name, {})))
    for field, item_type in ITEM_TYPE_FIXES.get(name, {}).items():
        assert props[field]["items"] == {"type": "string"}, f"spec changed: {name}.{field}"
        props[field]["items"] = {"type": item_type}
    for field in NULLABLE.get(name, ()):
        prop = props[field]  # KeyError if the allow-list names a field the schema lacks
        if "type" in prop:
            prop["type"] = [prop["type"], "null"]
        else:
            props[field] = {"anyOf": [prop, {"type": "null"}]}
    if name == "CustomMetricValue-value_series-read":
        # The spec models value_series.series as ONE {label, value} object; core §4.3 infers an
        # array of them and the simulator serves an array, so each element is validated against
        # the spec's series-item schema instead.
        assert props["series"] == {"$ref": "CustomMetricValue-value_series-series-read.yaml"}
        props["series"] = {"type": "array", "items": props["series"]}
    if name.endswith("-additionaldata-read"):
        # core §2.5: any extra keys are allowed if their values are strings.
        schema["additionalProperties"] = {"type": "string"}
    elif props and name not in OPEN_SCHEMAS:
        # No field names beyond the spec and the documented extras (catches typos).
        schema["additionalProperties"] = False
    return schema


def _local_schemas(spec: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Schemas for documented responses the community spec does not cover."""
    # zr §3.2: PosZReport = the poszreport fields plus `dateadded` (integer).
    pos_zreport = copy.deepcopy(spec["poszreport-read"])
    pos_zreport["$id"] = _uri("PosZReport-local")
    pos_zreport["properties"]["dateadded"] = {"type": "integer"}
    pos_zreport["required"] = ["zreportid", "registerid", "dateadded"]
    # zr §5.6: POS payment type; externalid is string|null.
    payment_type = {
        "$id": _uri("pospaymenttype-local"),
        "type": "object",
        "required": ["paymenttypeid", "paymentmethodid", "name", "externalid", "sortorder"],
        "additionalProperties": False,
        "properties": {
            "paymenttypeid": {"type": "integer"},
            "paymentmethodid": {"type": "integer"},
            "name": {"type": "string"},
            "externalid": {"type": ["string", "null"]},
            "sortorder": {"type": "integer"},
        },
    }
    # zr §4.2-4.3: JournalEntryEnvelope {items, next} of JournalEntry; `data` is type-specific.
    journal = {
        "$id": _uri("JournalEntryEnvelope-local"),
        "type": "object",
        "required": ["items", "next"],
        "additionalProperties": False,
        "properties": {
            "next": {"type": ["string", "null"]},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "id",
                        "type",
                        "data",
                        "datecreated",
                        "dateadded",
                        "ispractice",
                        "registerid",
                        "registerkey",
                    ],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "integer"},
                        "type": {"type": "string", "minLength": 1},
                        "data": {"type": "object"},
                        "datecreated": {"type": "integer"},
                        "dateadded": {"type": "integer"},
                        "ispractice": {"type": "boolean"},
                        "registerid": {"type": "string"},
                        "registerkey": {"type": "string"},
                    },
                },
            },
        },
    }
    return {
        "PosZReport-local": pos_zreport,
        "pospaymenttype-local": payment_type,
        "JournalEntryEnvelope-local": journal,
    }


@functools.cache
def _registry() -> Registry[Any]:
    spec: dict[str, dict[str, Any]] = {}
    for path in sorted(SCHEMA_DIR.glob("*.yaml")):
        if path.stem.endswith("-write"):
            continue
        spec[path.stem] = _patched(path.stem, yaml.safe_load(path.read_text(encoding="utf-8")))
    schemas = {**spec, **_local_schemas(spec)}
    resources = [(_uri(n), Resource.from_contents(s, DRAFT202012)) for n, s in schemas.items()]
    return Registry().with_resources(resources)


@functools.cache
def _validator(name: str, array: bool) -> Draft202012Validator:
    ref: dict[str, Any] = {"$ref": _uri(name)}
    schema = {"type": "array", "items": ref} if array else ref
    return Draft202012Validator(schema, registry=_registry())


def schema_errors(instance: Any, name: str, *, array: bool = False) -> list[str]:
    errors = _validator(name, array).iter_errors(instance)
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])
    ]


def assert_schema(instance: Any, name: str, *, array: bool = False) -> None:
    errors = schema_errors(instance, name, array=array)
    assert not errors, f"{len(errors)} schema errors against {name}:\n" + "\n".join(errors[:20])


# --------------------------------------------------------------------------- documented formats
MONEY = re.compile(r"^-?\d+\.\d{2}$")
DECIMAL = re.compile(r"^-?\d+\.\d{3}$")
GUID = re.compile(r"^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$")
# Fields holding a GUID (core §1.4, zr §1.3): registers, users, staff, the deprecated site id.
GUID_FIELDS = frozenset(
    {"registerid", "userid", "userid_staff", "staffuserid", "siteid", "pos-staff-userid"}
)


def assert_formats(body: Any) -> Counter[str]:
    """core §1.4: money* = 2-decimal strings, decimal* = 3-decimal strings, date* = epoch ints,
    GUIDs upper-case with braces. `null` only for the documented-nullable fields. Returns how
    many fields of each kind were checked, so callers can make sure the check had work to do."""
    problems: list[str] = []
    seen: Counter[str] = Counter()

    def walk(node: Any, path: str) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{path}[{index}]")
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            here = f"{path}.{key}"
            if key.startswith("money"):
                kind, ok = "money", isinstance(value, str) and bool(MONEY.match(value))
            elif key.startswith("decimal"):
                kind, ok = "decimal", isinstance(value, str) and bool(DECIMAL.match(value))
            elif key.startswith("date") and key != "date":  # custom metrics' `date` is ISO
                kind, ok = "date", type(value) is int
            elif key in GUID_FIELDS:
                kind, ok = "guid", isinstance(value, str) and bool(GUID.match(value))
            else:
                walk(value, here)
                continue
            seen[kind] += 1
            if value is None and key in NULLABLE_NAMES:
                continue
            if not ok:
                problems.append(f"{here} = {value!r} is not a documented {kind}")

    walk(body, "$")
    assert not problems, f"{len(problems)} format problems:\n" + "\n".join(problems[:20])
    return seen


# --------------------------------------------------------------------------- HTTP helpers
class Api:
    """A client of one simulator, with paths relative to the v2 account root."""

    def __init__(self, sim: Sim, client: httpx.Client) -> None:
        self.sim = sim
        self.client = client

    def raw(self, path: str, params: Any = None, **kwargs: Any) -> httpx.Response:
        return self.client.get(self.sim.v2 + path, params=params, **kwargs)

    def get(self, path: str, params: Any = None) -> Any:
        response = self.raw(path, params)
        assert response.status_code == 200, f"{path} {params}: {response.text[:300]}"
        assert response.headers["content-type"].startswith("application/json")
        return response.json()

    def journal_raw(self, params: Any) -> httpx.Response:
        return self.client.get(self.sim.journals + "/journal-entries", params=params)

    def journal(self, params: Any) -> Any:
        response = self.journal_raw(params)
        assert response.status_code == 200, f"{params}: {response.text[:300]}"
        return response.json()

    def page_all(
        self, path: str, params: dict[str, Any] | None = None, num: int = 1000
    ) -> list[dict[str, Any]]:
        """Every item of an enveloped list via start/num; totalcount must not move."""
        items: list[dict[str, Any]] = []
        total: int | None = None
        while True:
            page = self.get(path, {**(params or {}), "start": len(items), "num": num})
            assert total is None or page["totalcount"] == total
            total = page["totalcount"]
            items.extend(page["items"])
            if not page["items"] or len(items) >= total:
                assert len(items) == total
                return items

    def journal_all(self, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        """Every entry following `next`; returns the entries and the number of pages."""
        entries: list[dict[str, Any]] = []
        page = self.journal(params)
        pages = 1
        entries.extend(page["items"])
        while page["next"] is not None:
            page = self.journal({"next": page["next"], "num": params.get("num", 10)})
            pages += 1
            entries.extend(page["items"])
            assert pages < 5000, "cursor paging does not end"
        return entries, pages

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, self.sim.url + "/_sim/" + path, **kwargs)

    def health(self) -> dict[str, Any]:
        response = self.control("GET", "health")
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    def set_faults(self, rates: dict[str, Any]) -> None:
        response = self.control("POST", "faults", json=rates)
        assert response.status_code == 200, response.text
        assert response.json() == {"faults": rates}

    def advance(self, hours: float) -> dict[str, Any]:
        response = self.control("POST", "advance", params={"hours": hours})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def assert_error(response: httpx.Response, status: int, mentions: str | None = None) -> str:
    """core §1.9: `{"statuscode": <status>, "errortext": <text>}` with the HTTP status."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert_schema(body, "Error-read")
    assert body["statuscode"] == status
    assert body["errortext"].strip()
    if mentions is not None:
        assert mentions in body["errortext"], body["errortext"]
    text: str = body["errortext"]
    return text


@pytest.fixture
def api(sim: Sim) -> Iterator[Api]:
    with sim.client() as client:
        yield Api(sim, client)


@pytest.fixture
def fresh_api(fresh_sim: Sim) -> Iterator[Api]:
    with fresh_sim.client() as client:
        yield Api(fresh_sim, client)


@pytest.fixture
def private() -> Iterator[Any]:
    """Start private servers with custom configs; every one is stopped at teardown."""
    started: list[Sim] = []
    clients: list[httpx.Client] = []

    def start(api: ApiConfig | None = None, chain: ChainConfig = SMALL_CHAIN) -> Api:
        handle = start_sim(chain, api)
        started.append(handle)
        client = handle.client()
        clients.append(client)
        return Api(handle, client)

    yield start
    for client in clients:
        client.close()
    for handle in started:
        handle.server.stop()


ORDER_SCAN_FIELDS = (
    "orderid,eshopid,orderdate,orderstateid,paymentstateid,ordertypeid,warehouseid,email,"
    "creditorderid,registerid,moneytotal_gross_roundoff,additionaldata"
)


@pytest.fixture(scope="module")
def all_orders(sim: Sim) -> list[dict[str, Any]]:
    """Every order of the shared server in ascending orderid, with the fields filters use."""
    with sim.client() as client:
        return Api(sim, client).page_all(
            "/orders", {"fields": ORDER_SCAN_FIELDS, "sort": "orderid"}
        )


@pytest.fixture(scope="module")
def site1_registers(sim: Sim) -> list[dict[str, Any]]:
    with sim.client() as client:
        return Api(sim, client).page_all("/sites/1/cashregisters")


def order_ids(api: Api, params: Any) -> list[int]:
    """orderids matching `params`, paging through all of them (params may be a tuple list)."""
    pairs = list(params.items()) if isinstance(params, dict) else list(params)
    ids: list[int] = []
    total: int | None = None
    while True:
        page = api.get(
            "/orders", [*pairs, ("fields", "orderid"), ("num", 1000), ("start", len(ids))]
        )
        assert total is None or total == page["totalcount"]
        total = page["totalcount"]
        ids.extend(item["orderid"] for item in page["items"])
        if not page["items"] or len(ids) >= total:
            assert len(ids) == total
            return ids


# =========================================================================== schema validation
def test_validator_rejects_undocumented_nulls_types_and_fields() -> None:
    """The adapted spec is strict: it can fail, and only the allow-listed fields take null."""
    order = {"orderid": 1, "ordertypeid": 10, "externalid": None, "creditorderid": None}
    assert schema_errors(order, "order-read") == []
    assert schema_errors({**order, "email": None}, "order-read")
    assert schema_errors({**order, "orderid": "1"}, "order-read")
    assert schema_errors({**order, "orderidd": 1}, "order-read")
    assert schema_errors({**order, "additionaldata": {"pos-timezone": 1}}, "order-read")
    assert schema_errors({**order, "additionaldata": {"any-key": "x"}}, "order-read") == []
    assert schema_errors({"name": "Cash", "moneyamount": 12.5}, "orderpayment-read")
    store = {"storetype": 10, "name": "S", "phone": None, "nearby_stores": [2]}
    assert schema_errors(store, "store-read") == []
    assert schema_errors({**store, "name": None}, "store-read")
    assert schema_errors({**store, "nearby_stores": ["2"]}, "store-read")
    # value_series.series is an array of {label, value}
    series = {"total_count": 1, "total_value": 5, "series": [{"label": "a", "value": 5}]}
    value = {"key": "cm_x", "value_series": series}
    assert schema_errors(value, "CustomMetricValue-read") == []
    assert schema_errors(
        {**value, "value_series": {**series, "series": {"label": "a"}}}, "CustomMetricValue-read"
    )
    with pytest.raises(AssertionError, match="format problems"):
        assert_formats({"moneytotal": "1.5", "decimalquantity": "1.000", "datecreated": 1})
    with pytest.raises(AssertionError, match="format problems"):
        assert_formats({"registerid": "{3ccb9848-155a-49e1-7ca8-5f7f78fc3067}"})


# (id, path, params, schema name, is a bare array) for responses that need no lookups.
SCHEMA_CASES = [
    ("sites", "/sites", None, "getSitesResponse", False),
    ("site", "/sites/2.json", None, "site-read", False),
    ("stores", "/sites/1/stores", {"num": 100}, "getStoresResponse", False),
    ("store", "/sites/1/stores/1.json", None, "store-read", False),
    (
        "cashregisters",
        "/sites/1/cashregisters",
        {"num": 100, "includenotregistered": "true"},
        "getCashRegistersResponse",
        False,
    ),
    ("pos-z-reports", "/pos-z-reports", None, "PosZReport-local", True),
    ("orders-default", "/orders", {"num": 300}, "getAllOrdersResponse", False),
    ("site-orders", "/sites/3/orders.json", {"num": 100}, "getOrdersResponse", False),
    ("warehouses", "/sites/1/warehouses", {"num": 100}, "getWarehousesResponse", False),
    ("warehouse", "/sites/1/warehouses/1", None, "warehouse-read", False),
    (
        "site-warehousetransactions",
        "/sites/1/warehousetransactions",
        {"num": 1000},
        "getAllWarehouseTransactionsResponse",
        False,
    ),
    (
        "warehousetransactions",
        "/sites/2/warehouses/3/warehousetransactions.json",
        {"num": 500},
        "getWarehouseTransactionsResponse",
        False,
    ),
    ("productgroups", "/sites/1/productgroups", {"num": 100}, "getProductGroupsResponse", False),
    ("productgroup", "/sites/3/productgroups/2", None, "productgroup-read", False),
    ("users-default", "/sites/1/users", {"num": 1000}, "getUsersResponse", False),
    ("products", "/sites/2/products", {"num": 1000}, "getProductsResponse", False),
    ("product", "/sites/3/products/17", None, "product-read", False),
    ("salestaxes", "/sites/1/salestaxes", None, "getSalesTaxesResponse", False),
    ("pospaymenttypes", "/sites/2/pospaymenttypes", None, "pospaymenttype-local", True),
]


@pytest.mark.parametrize(
    ("path", "params", "schema", "array"),
    [pytest.param(*case[1:], id=case[0]) for case in SCHEMA_CASES],
)
def test_response_validates_against_schema(
    api: Api, path: str, params: dict[str, Any] | None, schema: str, array: bool
) -> None:
    body = api.get(path, params)
    assert_schema(body, schema, array=array)
    assert_formats(body)
    items = body if array else body.get("items", [body])
    if schema == "getSalesTaxesResponse":
        assert body == {"totalcount": 0, "items": []}  # Nordic VAT: no US sales taxes
        assert_error(api.raw("/sites/1/salestaxes/1"), 404)
    else:
        assert items, f"{path} served nothing to validate"


def test_sites_carry_deprecated_guid_and_eshopid(api: Api) -> None:
    sites = api.get("/sites")["items"]
    assert [s["eshopid"] for s in sites] == [1, 2, 3]
    assert assert_formats(sites)["guid"] == len(sites)
    for site in sites:
        assert api.get(f"/sites/{site['eshopid']}") == site


def test_cash_registers_and_legacy_zreports_validate(api: Api) -> None:
    """zr §2.1: per-register Get Z-Reports is an envelope of poszreport; single GETs too."""
    checked = 0
    for eshopid in (1, 2, 3):
        for register in api.page_all(f"/sites/{eshopid}/cashregisters"):
            single = api.get(f"/sites/{eshopid}/cashregisters/{register['registerid']}.json")
            assert single == register
            assert_schema(single, "posregister-read")
            page = api.get(
                f"/sites/{eshopid}/cashregisters/{register['registerid']}/zreports", {"num": 1000}
            )
            assert_schema(page, "getZReportsResponse")
            assert_formats(page)
            assert all("dateadded" not in z for z in page["items"])
            assert all(z["registerid"] == register["registerid"] for z in page["items"])
            if page["items"]:
                z = page["items"][-1]
                path = f"/sites/{eshopid}/cashregisters/{z['registerid']}/zreports/{z['zreportid']}"
                assert api.get(path) == z
                checked += len(page["items"])
    assert checked > 0


def test_pos_zreports_are_poszreports_plus_dateadded(api: Api) -> None:
    """zr §3.2: the same fields as the legacy report plus `dateadded`, nothing else."""
    reports = api.get("/pos-z-reports")
    assert reports
    z = reports[0]
    legacy = api.get(
        f"/sites/{z['eshopid']}/cashregisters/{z['registerid']}/zreports/{z['zreportid']}.json"
    )
    assert {k: v for k, v in z.items() if k != "dateadded"} == legacy
    assert z["dateadded"] >= z["datecreated"]
    seen = assert_formats(reports)
    assert seen["money"] > 0
    assert seen["date"] > 0
    assert seen["guid"] > 0


def _order_samples(all_orders: list[dict[str, Any]]) -> dict[str, list[int]]:
    kinds: dict[str, list[int]] = {
        "refund": [o["orderid"] for o in all_orders if o["creditorderid"] is not None],
        "booking": [o["orderid"] for o in all_orders if o["ordertypeid"] == 100],
        "parked": [o["orderid"] for o in all_orders if o["ordertypeid"] == 110],
        "pending-payment": [o["orderid"] for o in all_orders if o["paymentstateid"] == 10],
        "practice": [
            o["orderid"]
            for o in all_orders
            if o["additionaldata"].get("pos-practicemode") == "true"
        ],
        "cash-rounded": [
            o["orderid"] for o in all_orders if o["moneytotal_gross_roundoff"] != "0.00"
        ],
        "from-source": [
            o["orderid"] for o in all_orders if "pos-sourceorderid" in o["additionaldata"]
        ],
    }
    return {kind: ids[:25] for kind, ids in kinds.items()}


def test_orders_with_all_fields_validate(api: Api, all_orders: list[dict[str, Any]]) -> None:
    """`fields=` naming every order field (items, payments, reserved payments, log items)
    returns exactly those fields, and every kind of order validates."""
    order_schema = _registry().contents(_uri("order-read"))
    every_field = list(order_schema["properties"])
    assert {"orderitems", "payments", "reservedpayments", "orderlogitems"} <= set(every_field)
    samples = _order_samples(all_orders)
    for kind, ids in samples.items():
        assert ids, f"the shared chain has no {kind} orders to validate"
    newest = [o["orderid"] for o in all_orders[-50:]]
    wanted = sorted({i for ids in samples.values() for i in ids} | set(newest))
    page = api.get(
        "/orders",
        {"orderid": ",".join(map(str, wanted)), "num": 1000, "fields": ",".join(every_field)},
    )
    assert page["totalcount"] == len(wanted) == len(page["items"])
    assert_schema(page, "getAllOrdersResponse")
    seen = assert_formats(page)
    assert seen["money"] > 0
    assert seen["decimal"] > 0
    assert seen["date"] > 0
    assert seen["guid"] > 0
    # fields come back in the object's own order (simulator/README.md), which is the order
    # of the full object a single-order GET returns
    first = page["items"][0]
    full = api.get(f"/sites/{first['eshopid']}/orders/{first['orderid']}")
    assert set(full) == set(every_field)
    for order in page["items"]:
        assert list(order) == list(full)
    by_id = {o["orderid"]: o for o in page["items"]}
    assert all(by_id[i]["reservedpayments"] for i in samples["booking"])
    assert all(by_id[i]["creditorderid"] is not None for i in samples["refund"])
    assert all(o["orderlogitems"] for o in page["items"])


def test_single_order_get_validates(api: Api, all_orders: list[dict[str, Any]]) -> None:
    """core §2.1: Get Order returns the full object including orderlogitems."""
    refund = next(o for o in reversed(all_orders) if o["creditorderid"] is not None)
    for summary in (all_orders[0], all_orders[-1], refund):
        order = api.get(f"/sites/{summary['eshopid']}/orders/{summary['orderid']}.json")
        assert_schema(order, "order-read")
        assert_formats(order)
        assert order["orderid"] == summary["orderid"]
        assert "orderlogitems" in order
        assert "moneytotal_net" in order
        assert order["additionaldata"] == summary["additionaldata"]
    wrong_site = 1 if all_orders[0]["eshopid"] != 1 else 2
    assert_error(api.raw(f"/sites/{wrong_site}/orders/{all_orders[0]['orderid']}"), 404)
    assert_error(api.raw("/sites/1/orders/99999999"), 404)


def test_single_warehouse_transaction_validates(api: Api) -> None:
    txn = api.get("/sites/1/warehousetransactions", {"num": 1})["items"][0]
    path = f"/sites/1/warehouses/{txn['warehouseid']}/warehousetransactions/"
    single = api.get(path + f"{txn['warehousetransactionid']}.json")
    assert single == txn
    assert_schema(single, "warehousetransaction-read")
    assert assert_formats(single)["decimal"] >= 2
    assert_error(api.raw(path + "1"), 404)


def test_users_with_all_fields_validate(api: Api) -> None:
    user_schema = _registry().contents(_uri("user-read"))
    page = api.get("/sites/1/users", {"num": 1000, "fields": ",".join(user_schema["properties"])})
    assert_schema(page, "getUsersResponse")
    assert assert_formats(page)["guid"] == page["totalcount"]
    roles = Counter(u["role"] is None for u in page["items"])
    assert roles[True], "expected customers (role null)"
    assert roles[False], "expected staff (integer role)"


def test_error_bodies_validate(api: Api) -> None:
    assert_error(api.raw("/sites/1/nothing-here"), 404)
    assert_error(api.raw("/sites/99/stores"), 404)
    assert_error(api.raw("/orders", {"num": "many"}), 400, "num")
    with httpx.Client() as anonymous:
        assert_error(anonymous.get(api.sim.v2 + "/orders"), 401)


# =========================================================================== envelopes, paging
@pytest.mark.parametrize(
    "path",
    [
        "/orders",
        "/sites/1/users",
        "/sites/1/products",
        "/sites/1/warehousetransactions",
        "/sites/1/productgroups",
    ],
)
def test_envelope_and_default_page_size(api: Api, path: str) -> None:
    """core §1.6: `{totalcount, items}`, `num` defaults to 10."""
    page = api.get(path)
    assert set(page) == {"totalcount", "items"}
    assert page["totalcount"] > 10
    assert len(page["items"]) == 10
    assert page == api.get(path, {"start": 0, "num": 10})


@pytest.mark.parametrize(
    ("path", "params", "key", "num"),
    [
        ("/orders", {"fields": "orderid", "ordertype": "10", "eshopid": "2"}, "orderid", 97),
        ("/sites/1/users", None, "userid", 7),
        ("/sites/3/products", {"fields": "productid"}, "productid", 37),
        (
            "/sites/2/warehousetransactions",
            {"fields": "warehousetransactionid"},
            "warehousetransactionid",
            250,
        ),
        ("/sites/1/cashregisters", None, "registerid", 2),
    ],
)
def test_start_num_windows_concatenate(
    api: Api, path: str, params: dict[str, Any] | None, key: str, num: int
) -> None:
    """Windows of `num` from `start` 0, num, 2·num… are the whole list: no gaps, no dups."""
    everything = api.page_all(path, params)
    total = len(everything)
    assert total > num
    windows: list[Any] = []
    for start in range(0, total + num, num):
        page = api.get(path, {**(params or {}), "start": start, "num": num})
        assert page["totalcount"] == total
        assert len(page["items"]) == max(0, min(num, total - start))
        windows.extend(item[key] for item in page["items"])
    assert windows == [item[key] for item in everything]
    assert len(set(windows)) == total


def test_totalcount_independent_of_paging(api: Api) -> None:
    params = {"ordertype": "10", "eshopid": "1", "fields": "orderid"}
    totals = {
        api.get("/orders", {**params, "start": s, "num": n})["totalcount"]
        for s, n in ((0, 1), (0, 1000), (5, 3), (10**6, 10))
    }
    assert len(totals) == 1
    beyond = api.get("/orders", {**params, "start": 10**6})
    assert beyond["items"] == []


def test_num_above_max_page_size_is_clamped(api: Api) -> None:
    """core §1.6 (max UNKNOWN): the default ApiConfig.max_page_size of 1000 clamps."""
    assert ApiConfig().max_page_size == 1000
    page = api.get("/orders", {"num": 5000, "fields": "orderid"})
    assert page["totalcount"] > 1000
    assert len(page["items"]) == 1000


def test_page_size_policy_error_gives_400(private: Any) -> None:
    strict = private(ApiConfig(max_page_size=50, page_size_policy="error"))
    assert len(strict.get("/orders", {"num": 50, "fields": "orderid"})["items"]) == 50
    assert_error(strict.raw("/orders", {"num": 51}), 400, "num")
    assert_error(strict.raw("/sites/1/users", {"num": 51}), 400, "num")
    clamping = private(ApiConfig(max_page_size=50))
    assert len(clamping.get("/orders", {"num": 51, "fields": "orderid"})["items"]) == 50


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/orders", {"start": "abc"}, "start"),
        ("/orders", {"num": "ten"}, "num"),
        ("/orders", {"num": "1.5"}, "num"),
        ("/orders", {"start": "-1"}, "start"),
        ("/orders", {"num": "0"}, "num"),
        ("/orders", {"orderidfrom": "1e5"}, "orderidfrom"),
        ("/orders", {"orderstate": "0,closed"}, "orderstate"),
        ("/orders", {"eshopid": "one"}, "eshopid"),
        ("/orders", {"orderdatefrom": "2026-04-01"}, "orderdatefrom"),
        (
            "/sites/1/warehousetransactions",
            {"warehousetransactionidfrom": "x"},
            "warehousetransactionidfrom",
        ),
        ("/sites/1/warehousetransactions", {"datecreatedto": "soon"}, "datecreatedto"),
        ("/pos-z-reports", {"dateaddedfrom": "yesterday"}, "dateaddedfrom"),
        ("/sites/1/users", {"start": "1,2"}, "start"),
    ],
)
def test_bad_integer_parameters_give_400_naming_them(
    api: Api, path: str, params: dict[str, str], name: str
) -> None:
    assert_error(api.raw(path, params), 400, name)


# =========================================================================== orders
def test_orders_default_field_set(api: Api) -> None:
    """core §2.2: the list's default fields (v2.8 list + eshopid, currencycode, additionaldata
    from current examples); not the whole object."""
    expected = {
        "orderid", "eshopid", "email", "namefirst", "namelast", "company", "moneyfinal_net",
        "moneyfinal_vat", "moneytotal_gross_roundoff", "moneytotal_gross_all",
        "checkouttypename", "deliverytypename", "orderdate", "orderstateid", "paymentstateid",
        "ordertypeid", "registerid", "warehouseid", "datereserved", "currencycode",
        "additionaldata", "orderitems", "payments",
    }  # fmt: skip
    assert len(expected) == 23
    for order in api.get("/orders", {"num": 50})["items"]:
        assert set(order) == expected
        assert "moneytotal_net" not in order
        assert "creditorderid" not in order


def test_users_default_field_set(api: Api) -> None:
    """zr §5.7: users default to userid,email,namefirst,namelast,company,datecreated,
    datemodified."""
    expected = [
        "userid",
        "email",
        "namefirst",
        "namelast",
        "company",
        "datecreated",
        "datemodified",
    ]
    page = api.get("/sites/1/users", {"num": 100})
    assert page["items"]
    assert all(sorted(user) == sorted(expected) for user in page["items"])


def test_order_fields_projection_returns_exactly_the_known_fields(api: Api) -> None:
    """core §1.7 `fields=a,b,c`; simulator/README.md: unknown names are ignored and the known
    fields come back in the object's own order, whatever order they were asked in."""
    wanted = ["payments", "orderid", "moneytotal_net", "creditorderid", "registerid"]
    page = api.get("/orders", {"num": 20, "fields": ",".join([*wanted, "nosuchfield"])})
    sample = api.get("/orders", {"num": 1, "fields": "orderid,eshopid"})["items"][0]
    full = api.get(f"/sites/{sample['eshopid']}/orders/{sample['orderid']}")
    expected = [k for k in full if k in wanted]
    assert len(expected) == len(wanted)
    assert all(list(order) == expected for order in page["items"])
    repeated = api.get("/orders", [("num", 20), *(("fields", f) for f in wanted)])
    assert repeated == page
    single = api.get(
        f"/sites/{sample['eshopid']}/orders/{sample['orderid']}",
        {"fields": "payments,orderid,nosuchfield"},
    )
    assert single == {"orderid": sample["orderid"], "payments": full["payments"]}
    assert list(single) == ["orderid", "payments"]


FIELDS_CASES = [
    ("warehousetransactions", "/sites/1/warehousetransactions", "items,nosuchfield,datecreated",
     ["datecreated", "items"], False),
    ("products", "/sites/1/products", "title,sku,productid", ["productid", "sku", "title"], False),
    ("users", "/sites/1/users", "role,nosuchfield,userid", ["userid", "role"], False),
    ("stores", "/sites/1/stores", "name,storeid", ["storeid", "name"], False),
    ("warehouses", "/sites/1/warehouses", "name,warehouseid", ["warehouseid", "name"], False),
    ("sites", "/sites", "eshopid,siteid", ["siteid", "eshopid"], False),
    ("productgroups", "/sites/1/productgroups", "productgroupname,vatid",
     ["vatid", "productgroupname"], False),
    ("pospaymenttypes", "/sites/1/pospaymenttypes", "sortorder,paymenttypeid",
     ["paymenttypeid", "sortorder"], True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "fields", "expected", "array"),
    [pytest.param(*case[1:], id=case[0]) for case in FIELDS_CASES],
)
def test_fields_projection_on_other_endpoints(
    api: Api, path: str, fields: str, expected: list[str], array: bool
) -> None:
    """The same `fields` rule (exactly the known fields, in the object's own order as
    simulator/README.md documents) on every endpoint that takes `fields`."""
    body = api.get(path, {"fields": fields, "num": 5})
    items = body if array else body["items"]
    assert items
    assert [list(item) for item in items] == [expected] * len(items)


def test_orders_sort(api: Api, all_orders: list[dict[str, Any]]) -> None:
    """core §2.2: default `-orderid` (newest first); `sort=orderid` ascending."""
    every = [o["orderid"] for o in all_orders]
    assert every == sorted(every)
    assert len(set(every)) == len(every)
    default = [o["orderid"] for o in api.get("/orders", {"num": 30, "fields": "orderid"})["items"]]
    assert default == every[::-1][:30]
    desc = api.get("/orders", {"num": 30, "fields": "orderid", "sort": "-orderid"})["items"]
    assert [o["orderid"] for o in desc] == default
    asc = api.get("/orders", {"num": 30, "fields": "orderid", "sort": "orderid"})["items"]
    assert [o["orderid"] for o in asc] == every[:30]
    assert_error(api.raw("/orders", {"sort": "orderdate"}), 400, "sort")
    assert_error(api.raw("/orders", {"sort": "-email"}), 400, "sort")


def test_orderid_range_from_inclusive_to_exclusive(
    api: Api, all_orders: list[dict[str, Any]]
) -> None:
    ids = [o["orderid"] for o in all_orders]
    low, high = ids[1000], ids[1234]
    got = order_ids(api, {"orderidfrom": low, "orderidto": high, "sort": "orderid"})
    assert got == [i for i in ids if low <= i < high]
    assert got[0] == low
    assert high not in got
    assert order_ids(api, {"orderidfrom": ids[-1]}) == [ids[-1]]
    assert order_ids(api, {"orderidto": ids[0]}) == []
    assert order_ids(api, {"orderidfrom": high, "orderidto": low}) == []


def _orders_where(all_orders: list[dict[str, Any]], field: str, values: Sequence[Any]) -> list[int]:
    """Client-side expectation in the default (descending) order."""
    return [o["orderid"] for o in reversed(all_orders) if o[field] in values]


@pytest.mark.parametrize(
    ("param", "field", "values"),
    [
        ("orderstate", "orderstateid", (0, -1)),
        ("orderstate", "orderstateid", (0, 10)),
        ("ordertype", "ordertypeid", (100, 110)),
        ("paymentstate", "paymentstateid", (10, 15)),
        ("eshopid", "eshopid", (1, 3)),
        ("warehouseid", "warehouseid", (2, 3)),
    ],
)
def test_order_list_filters_comma_and_repeated(
    api: Api,
    all_orders: list[dict[str, Any]],
    param: str,
    field: str,
    values: tuple[int, int],
) -> None:
    """core §1.7: list filters take `a=1,2` and `a=1&a=2` (and single values)."""
    expected = _orders_where(all_orders, field, values)
    assert 0 < len(expected) < len(all_orders)
    comma = order_ids(api, {param: ",".join(map(str, values))})
    repeated = order_ids(api, [(param, str(v)) for v in values])
    assert comma == repeated == expected
    single = order_ids(api, {param: values[0]})
    assert single == _orders_where(all_orders, field, values[:1])
    assert order_ids(api, {param: "-999"}) == []


def test_filters_combine_with_and(api: Api, all_orders: list[dict[str, Any]]) -> None:
    expected = [
        o["orderid"]
        for o in reversed(all_orders)
        if o["eshopid"] == 1 and o["ordertypeid"] == 10 and o["paymentstateid"] == 10
    ]
    assert expected
    assert order_ids(api, {"eshopid": 1, "ordertype": 10, "paymentstate": 10}) == expected


def test_orderid_list_filter(api: Api, all_orders: list[dict[str, Any]]) -> None:
    picked = [all_orders[i]["orderid"] for i in (3, 700, 1500, 2222, len(all_orders) - 1)]
    comma = order_ids(api, {"orderid": ",".join(map(str, [*picked, 999_999_999]))})
    assert comma == sorted(picked, reverse=True)
    repeated = order_ids(api, [("orderid", str(i)) for i in picked])
    assert repeated == comma
    ascending = order_ids(api, {"orderid": ",".join(map(str, picked)), "sort": "orderid"})
    assert ascending == sorted(picked)
    ranged = order_ids(api, {"orderid": ",".join(map(str, picked)), "orderidfrom": picked[2]})
    assert ranged == sorted(picked[2:], reverse=True)


def test_receiptid_filter_overrides_orderid(api: Api, all_orders: list[dict[str, Any]]) -> None:
    """core §2.2: `receiptid` matches the POS receipt id and overrides `orderid`."""
    target = next(o for o in all_orders[500:] if o["additionaldata"].get("pos-receiptid"))
    receiptid = target["additionaldata"]["pos-receiptid"]
    assert order_ids(api, {"receiptid": receiptid}) == [target["orderid"]]
    other = all_orders[0]["orderid"]
    assert order_ids(api, {"receiptid": receiptid, "orderid": other}) == [target["orderid"]]
    assert order_ids(api, {"receiptid": "SIX000000000000099999"}) == []


def test_creditorderid_finds_refunds(api: Api, all_orders: list[dict[str, Any]]) -> None:
    """core §2.2: `creditorderid` returns the refunds of an order (and overrides orderid)."""
    refund = next(o for o in all_orders if o["creditorderid"] is not None)
    original = refund["creditorderid"]
    expected = [o["orderid"] for o in reversed(all_orders) if o["creditorderid"] == original]
    assert refund["orderid"] in expected
    assert order_ids(api, {"creditorderid": original}) == expected
    assert order_ids(api, {"creditorderid": original, "orderid": original}) == expected
    assert refund["additionaldata"]["pos-originalsales-orderid"] == str(original)
    refunded = {o["creditorderid"] for o in all_orders}
    never_refunded = next(o["orderid"] for o in all_orders if o["orderid"] not in refunded)
    assert order_ids(api, {"creditorderid": never_refunded}) == []


def test_orderdate_range(api: Api, all_orders: list[dict[str, Any]]) -> None:
    """`orderdatefrom` is >=; `orderdateto` is inclusive (UNKNOWN in core §1.7, simulator
    README documents `<=`). Offline orders make orderdate non-monotonic in orderid."""
    dates = sorted(o["orderdate"] for o in all_orders)
    low, high = dates[len(dates) // 3], dates[len(dates) // 2]
    expected = [o["orderid"] for o in reversed(all_orders) if low <= o["orderdate"] <= high]
    got = order_ids(api, {"orderdatefrom": low, "orderdateto": high})
    assert got == expected
    assert any(o["orderdate"] == low for o in all_orders if o["orderid"] in set(got))
    assert any(o["orderdate"] == high for o in all_orders if o["orderid"] in set(got))
    assert order_ids(api, {"orderdatefrom": dates[-1] + 1}) == []


def test_email_filter(api: Api, all_orders: list[dict[str, Any]]) -> None:
    email = next(o["email"] for o in all_orders if o["email"])
    expected = [o["orderid"] for o in reversed(all_orders) if o["email"] == email]
    assert order_ids(api, {"email": email}) == expected
    assert order_ids(api, {"email": "nobody@example.invalid"}) == []


def test_site_orders_are_the_sites_subset(api: Api, all_orders: list[dict[str, Any]]) -> None:
    """core §2.1: the deprecated per-site list covers that site's orders only."""
    page = api.get("/sites/2/orders", {"num": 1000, "fields": "orderid,eshopid"})
    assert page["totalcount"] == sum(1 for o in all_orders if o["eshopid"] == 2)
    assert {o["eshopid"] for o in page["items"]} == {2}
    assert_error(api.raw("/sites/7/orders"), 404)


# =========================================================================== warehouse txns
TXN_SCAN_FIELDS = "warehousetransactionid,warehouseid,datecreated,transactiontype"


@pytest.fixture(scope="module")
def site1_txns(sim: Sim) -> list[dict[str, Any]]:
    with sim.client() as client:
        return Api(sim, client).page_all(
            "/sites/1/warehousetransactions",
            {"fields": TXN_SCAN_FIELDS, "sort": "warehousetransactionid"},
        )


def _txn_ids(api: Api, path: str, params: dict[str, Any]) -> list[int]:
    items = api.page_all(path, {**params, "fields": "warehousetransactionid"})
    return [t["warehousetransactionid"] for t in items]


def test_transactions_sort_and_default_fields(api: Api, site1_txns: list[dict[str, Any]]) -> None:
    """core §3.2: default `-warehousetransactionid`; default fields are the whole object."""
    ids = [t["warehousetransactionid"] for t in site1_txns]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    page = api.get("/sites/1/warehousetransactions", {"num": 25})
    assert [t["warehousetransactionid"] for t in page["items"]] == ids[::-1][:25]
    expected = [
        "warehousetransactionid",
        "warehouseid",
        "datecreated",
        "transactiontype",
        "description",
        "orderdeliveryid",
        "shipmentid",
        "externalid",
        "reasoncode",
        "items",
    ]
    assert all(sorted(t) == sorted(expected) for t in page["items"])
    asc = _txn_ids(api, "/sites/1/warehousetransactions", {"sort": "warehousetransactionid"})
    assert asc == ids
    assert_error(api.raw("/sites/1/warehousetransactions", {"sort": "datecreated"}), 400, "sort")


def test_transaction_id_range(api: Api, site1_txns: list[dict[str, Any]]) -> None:
    ids = [t["warehousetransactionid"] for t in site1_txns]
    low, high = ids[200], ids[260]
    got = _txn_ids(
        api,
        "/sites/1/warehousetransactions",
        {"warehousetransactionidfrom": low, "warehousetransactionidto": high},
    )
    assert got == [i for i in ids if low <= i < high][::-1]
    assert low in got
    assert high not in got
    listed = _txn_ids(
        api, "/sites/1/warehousetransactions", {"warehousetransactionid": f"{ids[5]},{ids[7]}"}
    )
    assert listed == [ids[7], ids[5]]


def test_transactiontype_filter(api: Api, site1_txns: list[dict[str, Any]]) -> None:
    types = Counter(t["transactiontype"] for t in site1_txns)
    assert len(types) >= 3
    for ttype, count in types.items():
        got = api.get(
            "/sites/1/warehousetransactions",
            {"transactiontype": ttype, "num": 1000, "fields": "transactiontype"},
        )
        assert got["totalcount"] == count
        assert {t["transactiontype"] for t in got["items"]} == {ttype}


def test_transaction_datecreated_range(api: Api, site1_txns: list[dict[str, Any]]) -> None:
    """core §3.2: `datecreatedfrom` >=, `datecreatedto` strictly before."""
    dates = sorted({t["datecreated"] for t in site1_txns})
    low, high = dates[len(dates) // 4], dates[len(dates) // 2]
    got = _txn_ids(
        api,
        "/sites/1/warehousetransactions",
        {"datecreatedfrom": low, "datecreatedto": high, "sort": "warehousetransactionid"},
    )
    expected = [t["warehousetransactionid"] for t in site1_txns if low <= t["datecreated"] < high]
    assert got == expected
    by_id = {t["warehousetransactionid"]: t["datecreated"] for t in site1_txns}
    assert low in {by_id[i] for i in got}
    assert high not in {by_id[i] for i in got}


def test_per_warehouse_and_site_transactions_agree(
    api: Api, site1_txns: list[dict[str, Any]]
) -> None:
    warehouses = [w["warehouseid"] for w in api.get("/sites/1/warehouses")["items"]]
    used = {t["warehouseid"] for t in site1_txns}
    assert used <= set(warehouses)
    assert len(used) >= 2
    union: list[int] = []
    for wid in warehouses:
        per = _txn_ids(
            api,
            f"/sites/1/warehouses/{wid}/warehousetransactions",
            {"sort": "warehousetransactionid"},
        )
        filtered = _txn_ids(
            api,
            "/sites/1/warehousetransactions",
            {"warehouseid": wid, "sort": "warehousetransactionid"},
        )
        assert per == filtered
        assert per == [t["warehousetransactionid"] for t in site1_txns if t["warehouseid"] == wid]
        union.extend(per)
    assert sorted(union) == [t["warehousetransactionid"] for t in site1_txns]
    two = _txn_ids(
        api, "/sites/1/warehousetransactions", {"warehouseid": f"{warehouses[0]},{warehouses[1]}"}
    )
    assert set(two) == {
        t["warehousetransactionid"] for t in site1_txns if t["warehouseid"] in warehouses[:2]
    }


def test_transactions_unknown_site_or_warehouse_404(api: Api) -> None:
    site2_wh = api.get("/sites/2/warehouses")["items"][0]["warehouseid"]
    assert_error(api.raw("/sites/9/warehousetransactions"), 404)
    assert_error(api.raw("/sites/9/warehouses/1/warehousetransactions"), 404)
    assert_error(api.raw("/sites/1/warehouses/999/warehousetransactions"), 404)
    assert_error(api.raw(f"/sites/1/warehouses/{site2_wh}/warehousetransactions"), 404)
    assert_error(
        api.raw("/sites/{00000001-5EED-4C0A-9E11-000000000001}/warehousetransactions"), 404
    )


# =========================================================================== pos-z-reports
def test_pos_zreports_bare_array_sorted_by_dateadded(api: Api) -> None:
    """zr §3.1: a bare JSON array, always ascending `dateadded`, no envelope."""
    response = api.raw("/pos-z-reports")
    assert response.status_code == 200
    assert response.text.startswith("[")
    reports = response.json()
    assert 0 < len(reports) <= 500
    added = [z["dateadded"] for z in reports]
    assert added == sorted(added)
    keys = [(z["registerid"], z["zreportid"]) for z in reports]
    assert len(set(keys)) == len(keys)
    assert api.get("/pos-z-reports.json") == reports


def test_pos_zreports_dateadded_range_inclusive(api: Api) -> None:
    reports = api.get("/pos-z-reports")
    low, high = reports[20]["dateadded"], reports[60]["dateadded"]
    got = api.get("/pos-z-reports", {"dateaddedfrom": low, "dateaddedto": high})
    assert got == [z for z in reports if low <= z["dateadded"] <= high]
    assert got[0]["dateadded"] == low
    assert got[-1]["dateadded"] == high
    exact = api.get("/pos-z-reports", {"dateaddedfrom": low, "dateaddedto": low})
    assert exact
    assert all(z["dateadded"] == low for z in exact)


def test_pos_zreports_filters(api: Api) -> None:
    reports = api.get("/pos-z-reports")
    by_site = api.get("/pos-z-reports", {"eshopid": "1,3"})
    assert by_site == [z for z in reports if z["eshopid"] in (1, 3)]
    assert 0 < len(by_site) < len(reports)
    assert api.get("/pos-z-reports", [("eshopid", "1"), ("eshopid", "3")]) == by_site
    stores = sorted({z["store_id"] for z in reports})
    assert len(stores) >= 2
    by_store = api.get("/pos-z-reports", {"store_id": f"{stores[0]},{stores[1]}"})
    assert by_store == [z for z in reports if z["store_id"] in stores[:2]]
    assert by_store
    assert all(GUID.match(z["registerid"]) for z in by_store)
    registers = sorted({z["registerid"] for z in reports})[:2]
    by_register = api.get("/pos-z-reports", {"registerid": ",".join(registers)})
    assert by_register == [z for z in reports if z["registerid"] in registers]
    assert {z["registerid"] for z in by_register} == set(registers)
    assert api.get("/pos-z-reports", {"store_id": "NO-SUCH-STORE"}) == []


def test_pos_zreports_cap_and_continuation(private: Any) -> None:
    """zr §3.1/§3.4: at most `zreport_max` items; continuing from the last `dateadded`
    (inclusive) and de-duplicating on (registerid, zreportid) retrieves every report."""
    # No offline registers: an offline register uploads several reports in the same second,
    # and more than zreport_max of them could not be paged past by dateadded alone (zr §3.4).
    capped = private(
        ApiConfig(zreport_max=5),
        ChainConfig(seed=11, stores=2, days=10, products=100, offline_rate=0.0),
    )
    expected = capped.health()["world"]["zreports"]
    assert expected > 20
    seen: dict[tuple[str, int], dict[str, Any]] = {}
    params: dict[str, Any] = {}
    calls = 0
    while True:
        batch = capped.get("/pos-z-reports", params)
        calls += 1
        assert len(batch) <= 5
        new = {(z["registerid"], z["zreportid"]): z for z in batch}
        progress = len(set(new) - set(seen))
        seen.update(new)
        if len(batch) < 5:
            break
        assert progress > 0, "continuation is stuck"
        params = {"dateaddedfrom": batch[-1]["dateadded"]}
    assert calls >= math.ceil(expected / 5)
    assert len(seen) == expected
    legacy: set[tuple[str, int]] = set()
    for eshopid in {z["eshopid"] for z in seen.values()}:
        for register in capped.page_all(f"/sites/{eshopid}/cashregisters"):
            zreports = capped.page_all(
                f"/sites/{eshopid}/cashregisters/{register['registerid']}/zreports"
            )
            legacy |= {(z["registerid"], z["zreportid"]) for z in zreports}
    assert set(seen) == legacy


# =========================================================================== pospaymenttypes
# zr §5.6: POSPaymentMethod codes (union of the two archived page versions).
POS_PAYMENT_METHODS = frozenset({
    100, 110, 200, 210, 220, 300, 400, 500, 510, 600, 610, 700, 705, 710, 711, 720, 730, 800,
    1000, 1100, 1200, 1300, 1400, 2000, 2100, 2110, 2200, 2300, 2400, 2500, 3000,
})  # fmt: skip


@pytest.mark.parametrize("eshopid", [1, 2, 3])
def test_pospaymenttypes_bare_array_sorted_by_sortorder(api: Api, eshopid: int) -> None:
    types = api.get(f"/sites/{eshopid}/pospaymenttypes")
    assert isinstance(types, list)
    assert types
    assert_schema(types, "pospaymenttype-local", array=True)
    orders = [t["sortorder"] for t in types]
    assert orders == sorted(orders)
    assert {t["paymentmethodid"] for t in types} <= POS_PAYMENT_METHODS
    names = api.get(f"/sites/{eshopid}/pospaymenttypes", {"fields": "name,sortorder"})
    assert names == [{"name": t["name"], "sortorder": t["sortorder"]} for t in types]
    single = api.get(f"/sites/{eshopid}/pospaymenttypes/{types[-1]['paymenttypeid']}")
    assert single == types[-1]


# =========================================================================== journals
@pytest.fixture(scope="module")
def journal_register(site1_registers: list[dict[str, Any]]) -> str:
    registerid: str = site1_registers[0]["registerid"]
    return registerid


@pytest.fixture(scope="module")
def journal_by_created(sim: Sim, journal_register: str) -> list[dict[str, Any]]:
    with sim.client() as client:
        entries, _ = Api(sim, client).journal_all({"register_id": journal_register, "num": 1000})
    return entries


def test_journal_register_id_required_and_known(api: Api) -> None:
    assert_error(api.journal_raw({}), 400, "register_id")
    assert_error(api.journal_raw({"num": 5}), 400, "register_id")
    assert_error(api.journal_raw({"register_id": "{00000000-0000-0000-0000-000000000000}"}), 404)


def test_journal_page_shape_and_default_num(api: Api, journal_register: str) -> None:
    page = api.journal({"register_id": journal_register})
    assert_schema(page, "JournalEntryEnvelope-local")
    assert len(page["items"]) == 10
    assert isinstance(page["next"], str)
    assert page["next"]
    assert {e["registerid"] for e in page["items"]} == {journal_register}
    assert_formats(page)
    assert page["items"][0]["type"] == "login"
    unbraced = api.journal({"register_id": journal_register.strip("{}").lower()})
    assert unbraced["items"] == page["items"]


def test_journal_cursor_paging_returns_each_entry_once_in_order(
    api: Api, journal_register: str, journal_by_created: list[dict[str, Any]]
) -> None:
    """zr §4.2/§4.7: following `next` yields every entry once, in order; the last page's
    `next` is null."""
    entries = journal_by_created
    assert len(entries) > 300
    keys = [(e["datecreated"], e["id"]) for e in entries]
    assert keys == sorted(keys)
    assert len({e["id"] for e in entries}) == len(entries)
    assert_schema({"items": entries, "next": None}, "JournalEntryEnvelope-local")
    assert assert_formats(entries)["money"] > 0
    paged, pages = api.journal_all({"register_id": journal_register, "num": 97})
    assert pages == math.ceil(len(entries) / 97)
    assert [e["id"] for e in paged] == [e["id"] for e in entries]
    assert paged == entries
    # the last page has next null, also when it is exactly full
    date_to = entries[149]["datecreated"]
    subset = [e for e in entries if e["datecreated"] <= date_to]
    query = {"register_id": journal_register, "date_to": date_to}
    exact = api.journal({**query, "num": len(subset)})
    assert exact["next"] is None
    assert exact["items"] == subset
    short = api.journal({**query, "num": len(subset) - 1})
    assert short["next"] is not None
    assert short["items"] == subset[:-1]
    rest = api.journal({"next": short["next"], "num": len(subset)})
    assert rest == {"items": subset[-1:], "next": None}


def test_journal_date_type_changes_ordering(
    api: Api, site1_registers: list[dict[str, Any]]
) -> None:
    """zr §4.2: `date_type` picks the date the filter and the sort apply to."""
    differs = False
    for register in site1_registers:
        rid = register["registerid"]
        created, _ = api.journal_all({"register_id": rid, "num": 1000, "date_type": "created"})
        added, _ = api.journal_all({"register_id": rid, "num": 1000, "date_type": "added"})
        assert sorted(e["id"] for e in created) == sorted(e["id"] for e in added)
        assert [(e["dateadded"], e["id"]) for e in added] == sorted(
            (e["dateadded"], e["id"]) for e in added
        )
        assert all(e["dateadded"] >= e["datecreated"] for e in added)
        if [e["id"] for e in created] != [e["id"] for e in added]:
            differs = True
            break
    assert differs, "no register where created and added order differ"


@pytest.mark.parametrize("date_type", ["created", "added"])
def test_journal_date_range_inclusive(api: Api, journal_register: str, date_type: str) -> None:
    entries, _ = api.journal_all(
        {"register_id": journal_register, "num": 1000, "date_type": date_type}
    )
    key = "date" + date_type
    low, high = entries[100][key], entries[400][key]
    got, _ = api.journal_all(
        {
            "register_id": journal_register,
            "num": 50,
            "date_type": date_type,
            "date_from": low,
            "date_to": high,
        }
    )
    assert got == [e for e in entries if low <= e[key] <= high]
    assert got[0][key] == low
    assert got[-1][key] == high


def test_journal_sort_order_desc(
    api: Api, journal_register: str, journal_by_created: list[dict[str, Any]]
) -> None:
    desc, _ = api.journal_all({"register_id": journal_register, "num": 333, "sort_order": "desc"})
    assert desc == journal_by_created[::-1]
    assert_error(api.journal_raw({"register_id": journal_register, "sort_order": "up"}), 400)
    assert_error(api.journal_raw({"register_id": journal_register, "date_type": "x"}), 400)


def test_journal_type_filter(
    api: Api, journal_register: str, journal_by_created: list[dict[str, Any]]
) -> None:
    types = Counter(e["type"] for e in journal_by_created)
    assert {"login", "cash-start", "receipt", "z-report"} <= set(types)
    receipts, pages = api.journal_all(
        {"register_id": journal_register, "num": 40, "type": "receipt"}
    )
    assert receipts == [e for e in journal_by_created if e["type"] == "receipt"]
    assert pages > 1
    both, _ = api.journal_all(
        {"register_id": journal_register, "num": 1000, "type": "login,z-report"}
    )
    assert both == [e for e in journal_by_created if e["type"] in ("login", "z-report")]


# =========================================================================== auth
def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


DOCUMENTED_401_TEXTS = ("Unauthorized. Authorization failed.", "Missing or bad authentication.")


@pytest.mark.parametrize(
    ("headers", "path"),
    [
        pytest.param({}, "/v2/accounts/1500/orders", id="no-header"),
        pytest.param(_basic("1500-1", "wrong"), "/v2/accounts/1500/orders", id="wrong-password"),
        pytest.param(_basic("1500-2", "sitoo-demo"), "/v2/accounts/1500/orders", id="wrong-user"),
        pytest.param(
            _basic("1500-1", "sitoo-demo"), "/v2/accounts/1501/orders.json", id="wrong-account"
        ),
        pytest.param(_basic("1500-1", "wrong"), "/v2/accounts/1501/sites", id="both-wrong"),
        pytest.param({"Authorization": "Bearer abc"}, "/v2/accounts/1500/sites", id="not-basic"),
        pytest.param({"Authorization": "Basic !!!"}, "/v2/accounts/1500/sites", id="bad-base64"),
        pytest.param({}, "/journals/v3/journal-entries?register_id=x", id="journals"),
        pytest.param({}, "/v2/accounts/1500/custom_metrics", id="custom-metrics"),
    ],
)
def test_bad_credentials_give_401(sim: Sim, headers: dict[str, str], path: str) -> None:
    """core §1.2/§1.9: 401 with the documented error body."""
    with httpx.Client() as client:
        response = client.get(sim.url + path, headers=headers)
    text = assert_error(response, 401)
    assert text in DOCUMENTED_401_TEXTS
    assert response.headers["www-authenticate"].lower().startswith("basic")


def test_good_credentials_and_control_endpoints_without_auth(sim: Sim) -> None:
    with httpx.Client() as client:
        ok = client.get(sim.v2 + "/sites", headers=_basic(*AUTH))
        assert ok.status_code == 200
        health = client.get(sim.url + "/_sim/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert_error(client.get(sim.url + "/_sim/nothing"), 404)


# =========================================================================== rate limit
def _burst(api: Api, count: int) -> tuple[list[httpx.Response], float]:
    started = time.monotonic()
    responses = [api.raw("/sites") for _ in range(count)]
    return responses, time.monotonic() - started


def test_rate_limit_429_with_retry_after_then_recovers(private: Any) -> None:
    limited = private(ApiConfig(rate_limit=5, rate_burst=5))
    responses, elapsed = _burst(limited, 20)
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 429}
    assert statuses[:5] == [200] * 5, "a fresh user gets the whole burst"
    assert statuses.count(200) <= 5 + math.ceil(elapsed * 5)
    rejected = [r for r in responses if r.status_code == 429]
    assert rejected
    for response in rejected:
        assert_error(response, 429)
        assert int(response.headers["retry-after"]) >= 1
    assert limited.health()["requests_by_status"]["429"] == len(rejected)
    time.sleep(int(rejected[-1].headers["retry-after"]))
    assert limited.raw("/sites").status_code == 200
    # control endpoints are never rate limited
    assert all(limited.control("GET", "health").status_code == 200 for _ in range(10))


def test_rate_limit_without_retry_after(private: Any) -> None:
    limited = private(ApiConfig(rate_limit=5, rate_burst=5, retry_after=False))
    responses, _ = _burst(limited, 12)
    rejected = [r for r in responses if r.status_code == 429]
    assert rejected
    for response in rejected:
        assert_error(response, 429)
        assert "retry-after" not in response.headers


def test_rate_limit_is_per_api_user(private: Any) -> None:
    """One token bucket per API user (core §1.2 hints limits are per API user): a second user
    keeps its whole burst while the first is limited; all connections of one user share its
    bucket; requests that fail authentication spend nobody's budget."""
    second_user = ("1500-2", "second-secret")
    # a slow refill (one token per 2 s) keeps this independent of how fast the machine is
    limited = private(ApiConfig(rate_limit=0.5, rate_burst=5, extra_users=(second_user,)))
    with httpx.Client(auth=("1500-1", "wrong")) as stranger:
        for _ in range(12):
            assert_error(stranger.get(limited.sim.v2 + "/sites"), 401)
    responses, _ = _burst(limited, 5)
    assert [r.status_code for r in responses] == [200] * 5, "401s spent the user's budget"
    with limited.sim.client() as second_connection:
        again = [second_connection.get(limited.sim.v2 + "/sites").status_code for _ in range(3)]
    assert 429 in again, "a new connection of the same user got a fresh bucket"
    with limited.sim.client(auth=second_user) as other:
        burst = [other.get(limited.sim.v2 + "/sites").status_code for _ in range(5)]
    assert burst == [200] * 5, "the second API user shares the first user's bucket"
    assert_error(limited.raw("/sites"), 429)


# =========================================================================== faults
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_status_faults(private: Any, status: int) -> None:
    faulty = private()
    faulty.set_faults({f"status_{status}": 1.0})
    for path in ("/orders", "/sites/1/stores", "/pos-z-reports"):
        assert_error(faulty.raw(path), status)
    assert faulty.health()["fault_counts"][f"status_{status}"] == 3
    assert faulty.control("GET", "health").status_code == 200, "control is never faulted"
    faulty.set_faults({})
    assert faulty.raw("/orders").status_code == 200
    assert faulty.health()["faults"] == {}


def test_status_429_fault_comes_in_bursts(private: Any) -> None:
    faulty = private()
    faulty.set_faults({"status_429": 1.0})
    first = faulty.raw("/sites")
    assert_error(first, 429)
    assert first.headers["retry-after"] == "1"
    # all but switched off: the burst that has started still runs its course
    faulty.set_faults({"status_429": 1e-12})
    follow = [faulty.raw("/sites").status_code for _ in range(4)]
    assert follow[:2] == [429, 429]
    assert follow[2:] == [200, 200]
    assert faulty.health()["fault_counts"]["status_429"] == 3
    faulty.set_faults({"status_429": 1.0})
    assert_error(faulty.raw("/sites"), 429)
    faulty.set_faults({})
    assert faulty.raw("/sites").status_code == 200, "clearing also ends a running burst"
    assert faulty.health()["fault_counts"]["status_429"] == 4


def test_disconnect_fault(private: Any) -> None:
    faulty = private()
    faulty.set_faults({"disconnect": 1.0})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        faulty.raw("/orders", {"num": 100})
    faulty.set_faults({})
    assert faulty.raw("/orders").status_code == 200
    assert faulty.health()["fault_counts"]["disconnect"] == 1


def test_slow_fault_times_out(private: Any) -> None:
    faulty = private()
    faulty.set_faults({"slow": 1.0})
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        faulty.raw("/sites", timeout=0.5)
    assert time.monotonic() - started < 2.5
    faulty.set_faults({})
    assert faulty.raw("/sites").status_code == 200
    assert faulty.health()["fault_counts"]["slow"] == 1


def test_truncated_fault_gives_invalid_json(private: Any) -> None:
    faulty = private()
    faulty.set_faults({"truncated": 1.0})
    response = faulty.raw("/orders", {"num": 50})
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content) > 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    faulty.set_faults({})
    assert len(faulty.get("/orders", {"num": 50})["items"]) == 50


def test_insert_during_paging_fault(private: Any) -> None:
    """New orders appear while a client pages (only on later pages: start > 0)."""
    faulty = private(ApiConfig(insert_during_paging_minutes=120))
    faulty.advance(10)  # 10:00 UTC: the Nordic stores are trading
    faulty.set_faults({"insert_during_paging": 1.0})
    params = {"sort": "orderid", "fields": "orderid", "num": 50}
    first = faulty.get("/orders", {**params, "start": 0})
    assert faulty.get("/orders", {**params, "start": 0})["totalcount"] == first["totalcount"]
    clock = faulty.health()["world"]["clock"]
    second = faulty.get("/orders", {**params, "start": 50})
    third = faulty.get("/orders", {**params, "start": 100})
    assert first["totalcount"] < second["totalcount"] < third["totalcount"]
    assert faulty.health()["world"]["clock"] == clock + 2 * 120 * 60
    assert faulty.health()["fault_counts"]["insert_during_paging"] == 4
    faulty.set_faults({})
    assert faulty.get("/orders", {**params, "start": 50})["totalcount"] == third["totalcount"]


@pytest.mark.parametrize(
    "body",
    [
        {"status_999": 0.5},
        {"meteor": 1.0},
        {"status_500": 1.5},
        {"status_503": -0.1},
        {"slow": "often"},
        {"truncated": True},
        [0.5],
    ],
)
def test_fault_settings_are_validated(private: Any, body: Any) -> None:
    faulty = private()
    assert_error(faulty.control("POST", "faults", json=body), 400)
    assert faulty.health()["faults"] == {}


def test_fault_mix_and_counts_in_health(private: Any) -> None:
    faulty = private()
    faulty.set_faults({"status_500": 0.5, "status_503": 0.5})
    statuses = Counter(faulty.raw("/sites").status_code for _ in range(40))
    assert set(statuses) == {500, 503}
    health = faulty.health()
    assert health["faults"] == {"status_500": 0.5, "status_503": 0.5}
    assert health["fault_counts"]["status_500"] == statuses[500]
    assert health["fault_counts"]["status_503"] == statuses[503]
    assert health["requests_by_status"] == {"500": statuses[500], "503": statuses[503]}


# =========================================================================== determinism
def _fingerprint(api: Api) -> dict[str, bytes]:
    register = api.get("/sites/1/cashregisters")["items"][0]["registerid"]
    return {
        "orders": api.raw(
            "/orders",
            {
                "num": 200,
                "fields": "orderid,orderdate,orderitems,"
                "payments,moneytotal_gross_all,additionaldata",
            },
        ).content,
        "pos-z-reports": api.raw("/pos-z-reports").content,
        "journal": api.journal_raw({"register_id": register, "num": 300}).content,
        "warehousetransactions": api.raw("/sites/1/warehousetransactions", {"num": 300}).content,
        "products": api.raw("/sites/2/products", {"num": 100}).content,
    }


def test_same_chain_config_gives_identical_bytes(private: Any) -> None:
    one = _fingerprint(private())
    two = _fingerprint(private())
    assert one == two
    assert all(len(body) > 500 for body in one.values())
    other = _fingerprint(private(chain=ChainConfig(seed=8, stores=2, days=3, products=100)))
    for name, body in one.items():
        assert other[name] != body, f"{name} does not depend on the seed"


# =========================================================================== clock
def test_advance_reveals_orders_zreports_and_journal_entries(fresh_api: Api) -> None:
    api = fresh_api
    before = api.health()["world"]
    register = api.get("/sites/1/cashregisters")["items"][0]["registerid"]
    orders_before = api.get("/orders", {"fields": "orderid"})["totalcount"]
    zreports_before = len(api.get("/pos-z-reports"))
    journal_before, _ = api.journal_all({"register_id": register, "num": 1000})
    result = api.advance(24)
    after = result["world"]
    revealed = result["revealed"]
    assert after["clock"] == before["clock"] + 24 * 3600
    for name in ("orders", "zreports", "journal_entries", "warehouse_transactions"):
        assert after[name] > before[name], name
        assert after[name] - before[name] == revealed[name], name
    assert api.get("/orders", {"fields": "orderid"})["totalcount"] == after["orders"]
    assert orders_before == before["orders"]
    assert len(api.get("/pos-z-reports")) == zreports_before + revealed["zreports"]
    journal_after, _ = api.journal_all({"register_id": register, "num": 1000})
    assert len(journal_after) > len(journal_before)
    new_orders = api.get(
        "/orders", {"orderidfrom": before["orders"] + 100_001, "fields": "orderdate", "num": 1000}
    )
    assert new_orders["totalcount"] == revealed["orders"]
    assert_error(api.control("POST", "advance", params={"hours": 0}), 400)
    assert_error(api.control("POST", "advance", params={"hours": "soon"}), 400)


def test_order_states_change_as_days_pass(fresh_api: Api) -> None:
    """core §2.13/README: parked carts get resumed or abandoned, bookings picked up or
    cancelled, pending (invoice) payments settle — days after the order was first seen."""
    api = fresh_api
    api.advance(18)  # evening: today's parked carts and bookings are still open
    fields = "orderid,eshopid,orderstateid,paymentstateid,ordertypeid,orderlogitems"
    parked = api.page_all("/orders", {"ordertype": 110, "orderstate": 0, "fields": fields})
    bookings = api.page_all("/orders", {"ordertype": 100, "orderstate": 0, "fields": fields})
    pending = api.page_all("/orders", {"ordertype": 10, "paymentstate": 10, "fields": fields})
    assert parked
    assert bookings
    assert pending
    assert all(o["paymentstateid"] == 15 for o in bookings)
    api.advance(11 * 24)
    for before in parked + bookings + pending:
        after = api.get(f"/sites/{before['eshopid']}/orders/{before['orderid']}")
        state = (after["orderstateid"], after["paymentstateid"])
        if before["ordertypeid"] == 110:
            assert state[0] in (10, -1), before
        elif before["ordertypeid"] == 100:
            assert state in ((10, 20), (20, 30)), before
        else:
            assert state == (10, 20), before
        if state[0] != before["orderstateid"]:
            # the documented example logs a state change as orderlogtypeid 70, fvalue = state
            new_log = after["orderlogitems"][len(before["orderlogitems"]) :]
            assert {"orderlogtypeid": 70, "fvalue": state[0]}.items() <= new_log[-1].items()


def test_reset_returns_to_start_up_state(fresh_api: Api) -> None:
    api = fresh_api
    start = api.health()
    first_page = api.raw("/orders", {"num": 100}).content
    api.advance(30)
    api.set_faults({"status_503": 0.0001})
    created = api.client.post(
        api.sim.v2 + "/custom_metrics", json={"key": "cm_x", "grouping": "none", "type": "scalar"}
    )
    assert created.status_code == 201
    assert api.health()["world"]["orders"] > start["world"]["orders"]
    reset = api.control("POST", "reset")
    assert reset.status_code == 200
    assert reset.json()["world"] == start["world"]
    health = api.health()
    assert health["world"] == start["world"]
    assert health["faults"] == {}
    assert set(health["fault_counts"].values()) == {0}
    assert api.get("/custom_metrics") == []
    assert api.raw("/orders", {"num": 100}).content == first_page


# =========================================================================== custom metrics
def _post_metric(api: Api, body: Any) -> httpx.Response:
    return api.client.post(api.sim.v2 + "/custom_metrics.json", json=body)


def _put_values(api: Api, body: Any) -> httpx.Response:
    return api.client.put(api.sim.v2 + "/custom_metric_values.json", json=body)


def _get_values(api: Api, params: Any = None) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = api.get("/custom_metric_values", params)
    assert_schema(values, "CustomMetricValue-read", array=True)
    return values


def _create(api: Api, key: str, grouping: str, mtype: str = "scalar", fmt: str = "number") -> None:
    response = _post_metric(api, {"key": key, "grouping": grouping, "type": mtype, "format": fmt})
    assert response.status_code == 201, response.text


def test_add_custom_metric(fresh_api: Api) -> None:
    """core §4.1: POST returns 201 and the created object; GET is a bare array (`keys`)."""
    api = fresh_api
    body = {
        "key": "cm_revenue_budget",
        "grouping": "date_store",
        "type": "scalar",
        "format": "money",
    }
    response = _post_metric(api, body)
    assert response.status_code == 201
    assert response.json() == body
    assert_schema(response.json(), "CustomMetric-read")
    _create(api, "cm_top_categories", "date", "series", "number")
    _create(api, "cm_visitors", "store", "scalar", "integer")
    metrics = api.get("/custom_metrics")
    assert_schema(metrics, "CustomMetric-read", array=True)
    assert {m["key"] for m in metrics} == {"cm_revenue_budget", "cm_top_categories", "cm_visitors"}
    assert api.get("/custom_metrics", {"keys": "cm_visitors,cm_revenue_budget"}) == [
        m for m in metrics if m["key"] in ("cm_visitors", "cm_revenue_budget")
    ]
    assert api.get("/custom_metrics", {"keys": "cm_nothing"}) == []


@pytest.mark.parametrize(
    "body",
    [
        {"key": "revenue", "grouping": "none", "type": "scalar"},
        {"key": "CM_revenue", "grouping": "none", "type": "scalar"},
        {"key": "cm_", "grouping": "none", "type": "scalar"},
        {"key": "cm_ok", "grouping": "week", "type": "scalar"},
        {"key": "cm_ok", "grouping": "none", "type": "table"},
        {"key": "cm_ok", "grouping": "none", "type": "scalar", "format": "currency"},
        {"grouping": "none", "type": "scalar"},
        [{"key": "cm_ok", "grouping": "none", "type": "scalar"}],
    ],
)
def test_add_custom_metric_rejects_bad_definitions(fresh_api: Api, body: Any) -> None:
    assert_error(_post_metric(fresh_api, body), 400)
    assert fresh_api.get("/custom_metrics") == []


def test_custom_metrics_are_immutable(fresh_api: Api) -> None:
    api = fresh_api
    _create(api, "cm_budget", "date")
    again = _post_metric(api, {"key": "cm_budget", "grouping": "none", "type": "series"})
    assert_error(again, 400)
    assert api.get("/custom_metrics") == [
        {"key": "cm_budget", "grouping": "date", "type": "scalar", "format": "number"}
    ]


def test_put_values_upserts_and_reads_back_exactly(fresh_api: Api) -> None:
    api = fresh_api
    _create(api, "cm_revenue_budget", "date_store", fmt="money")
    values = [
        {
            "key": "cm_revenue_budget",
            "date": "2024-06-10",
            "store_id": "SE-STO-01",
            "value_scalar": 42000,
        },
        {
            "key": "cm_revenue_budget",
            "date": "2024-06-11",
            "store_id": "SE-STO-01",
            "value_scalar": 38500,
        },
        {
            "key": "cm_revenue_budget",
            "date": "2024-06-12",
            "store_id": "SE-STO-01",
            "value_scalar": 40250.5,
        },
    ]
    stored = _put_values(api, values)
    assert stored.status_code == 200
    assert stored.json() == values
    assert_schema(stored.json(), "CustomMetricValue-read", array=True)
    assert (
        _get_values(api, {"keys": "cm_revenue_budget", "date": "2024-06-10", "num_days": 3})
        == values
    )
    raw = api.raw("/custom_metric_values", {"date": "2024-06-12"}).text
    assert "40250.5" in raw
    assert "42000" not in raw
    # the same slot twice keeps one value, the newest wins (also within one request)
    newer = {**values[0], "value_scalar": 43000.25}
    twice = [{**values[0], "value_scalar": 1}, newer]
    assert _put_values(api, twice).status_code == 200
    read = _get_values(api, {"date": "2024-06-10", "num_days": 3})
    assert read == [newer, values[1], values[2]]


def test_value_grouping_rules(fresh_api: Api) -> None:
    """core §4.3: date is required for date groupings, store_id for store groupings."""
    api = fresh_api
    _create(api, "cm_daily", "date")
    _create(api, "cm_store", "store")
    _create(api, "cm_both", "date_store")
    _create(api, "cm_total", "none")
    for bad in (
        {"key": "cm_daily", "value_scalar": 1},
        {"key": "cm_daily", "date": "10/06/2024", "value_scalar": 1},
        {"key": "cm_store", "value_scalar": 1},
        {"key": "cm_store", "store_id": "", "value_scalar": 1},
        {"key": "cm_both", "date": "2024-06-10", "value_scalar": 1},
        {"key": "cm_both", "store_id": "SE-STO-01", "value_scalar": 1},
        {"key": "cm_total", "value_scalar": "1"},
        {"key": "cm_unknown", "value_scalar": 1},
    ):
        assert_error(_put_values(api, [bad]), 400)
    # all or nothing: one bad item stores nothing
    assert_error(
        _put_values(
            api, [{"key": "cm_total", "value_scalar": 5}, {"key": "cm_daily", "value_scalar": 1}]
        ),
        400,
    )
    assert _get_values(api) == []
    good: list[dict[str, Any]] = [
        {"key": "cm_daily", "date": "2024-06-10", "value_scalar": 1},
        {"key": "cm_store", "store_id": "SE-STO-01", "value_scalar": 2},
        {"key": "cm_both", "date": "2024-06-10", "store_id": "SE-STO-01", "value_scalar": 3},
        {"key": "cm_total", "value_scalar": 4},
    ]
    assert _put_values(api, good).status_code == 200
    assert sorted(_get_values(api), key=lambda v: v["key"]) == sorted(good, key=lambda v: v["key"])


def test_value_formats(fresh_api: Api) -> None:
    """core §4.2: money allows two decimals at most; integer needs whole numbers."""
    api = fresh_api
    _create(api, "cm_money", "none", fmt="money")
    _create(api, "cm_count", "none", fmt="integer")
    _create(api, "cm_share", "none", fmt="percent")
    assert_error(_put_values(api, [{"key": "cm_money", "value_scalar": 10.125}]), 400)
    assert_error(_put_values(api, [{"key": "cm_count", "value_scalar": 2.5}]), 400)
    ok = [
        {"key": "cm_money", "value_scalar": -10.12},
        {"key": "cm_count", "value_scalar": 7},
        {"key": "cm_share", "value_scalar": 12.3456},
    ]
    assert _put_values(api, ok).json() == ok
    assert _get_values(api, {"keys": "cm_money,cm_count,cm_share"}) == [ok[1], ok[0], ok[2]]


def test_series_values(fresh_api: Api) -> None:
    api = fresh_api
    _create(api, "cm_top_categories", "date_store", "series", "money")
    value: dict[str, Any] = {
        "key": "cm_top_categories",
        "date": "2024-06-10",
        "store_id": "SE-STO-01",
        "value_series": {
            "total_count": 12,
            "total_value": 51230.5,
            "series": [{"label": "Apparel", "value": 30110}, {"label": "Shoes", "value": 12040.25}],
        },
    }
    assert _put_values(api, [value]).json() == [value]
    assert _get_values(api, {"date": "2024-06-10"}) == [value]
    bad_series = {
        **value,
        "value_series": {**value["value_series"], "series": {"label": "Apparel", "value": 1}},
    }
    assert_error(_put_values(api, [bad_series]), 400)
    assert_error(_put_values(api, [{**value, "value_scalar": 5, "value_series": None}]), 400)


def test_get_values_window_and_store_filter(fresh_api: Api) -> None:
    """core §4.1: `date` + `num_days` (1-100) and `store_id` only filter metrics grouped on
    that dimension."""
    api = fresh_api
    _create(api, "cm_daily", "date_store")
    _create(api, "cm_store", "store")
    _create(api, "cm_total", "none")
    days = [f"2024-06-{d:02d}" for d in range(1, 31)]
    values = [
        {"key": "cm_daily", "date": d, "store_id": s, "value_scalar": i}
        for i, d in enumerate(days)
        for s in ("A", "B")
    ]
    values += [{"key": "cm_store", "store_id": s, "value_scalar": 9} for s in ("A", "B")]
    values.append({"key": "cm_total", "value_scalar": 100})
    assert _put_values(api, values).status_code == 200
    window = _get_values(api, {"keys": "cm_daily", "date": "2024-06-10", "num_days": 5})
    assert sorted({v["date"] for v in window}) == days[9:14]
    assert len(window) == 10
    one_day = _get_values(api, {"keys": "cm_daily", "date": "2024-06-30"})
    assert {v["date"] for v in one_day} == {"2024-06-30"}, "num_days defaults to 1"
    assert len(_get_values(api, {"date": "2024-06-01", "num_days": 100})) == len(values)
    store_a = _get_values(api, {"store_id": "A", "date": "2024-06-03", "num_days": 2})
    assert store_a == [
        {"key": "cm_daily", "date": "2024-06-03", "store_id": "A", "value_scalar": 2},
        {"key": "cm_daily", "date": "2024-06-04", "store_id": "A", "value_scalar": 3},
        {"key": "cm_store", "store_id": "A", "value_scalar": 9},
        {"key": "cm_total", "value_scalar": 100},
    ]
    for num_days in (0, 101, -1):
        assert_error(
            api.raw("/custom_metric_values", {"date": "2024-06-01", "num_days": num_days}),
            400,
            "num_days",
        )
    assert_error(api.raw("/custom_metric_values", {"date": "2024-13-01"}), 400, "date")


def test_delete_values_for_a_window(fresh_api: Api) -> None:
    api = fresh_api
    _create(api, "cm_daily", "date")
    values = [
        {"key": "cm_daily", "date": f"2024-06-{d:02d}", "value_scalar": d} for d in range(1, 11)
    ]
    assert _put_values(api, values).status_code == 200
    deleted = api.client.delete(
        api.sim.v2 + "/custom_metric_values/cm_daily.json",
        params={"date": "2024-06-03", "num_days": 4},
    )
    assert deleted.status_code == 200
    remaining = _get_values(api, {"keys": "cm_daily"})
    assert [v["value_scalar"] for v in remaining] == [1, 2, 7, 8, 9, 10]
    missing = api.client.delete(
        api.sim.v2 + "/custom_metric_values/cm_nothing", params={"date": "2024-06-03"}
    )
    assert_error(missing, 404)
    bad = api.client.delete(
        api.sim.v2 + "/custom_metric_values/cm_daily",
        params={"date": "2024-06-03", "num_days": 101},
    )
    assert_error(bad, 400)


def test_delete_metric_deletes_its_values(fresh_api: Api) -> None:
    api = fresh_api
    _create(api, "cm_total", "none")
    _create(api, "cm_other", "none")
    assert (
        _put_values(
            api, [{"key": "cm_total", "value_scalar": 5}, {"key": "cm_other", "value_scalar": 6}]
        ).status_code
        == 200
    )
    first = api.client.delete(api.sim.v2 + "/custom_metrics/cm_total.json")
    assert first.status_code == 200
    assert_error(api.client.delete(api.sim.v2 + "/custom_metrics/cm_total"), 404)
    assert [m["key"] for m in api.get("/custom_metrics")] == ["cm_other"]
    assert _get_values(api) == [{"key": "cm_other", "value_scalar": 6}]
    _create(api, "cm_total", "none")
    assert _get_values(api, {"keys": "cm_total"}) == []


def test_custom_metric_dates_are_iso(fresh_api: Api) -> None:
    """core §1.4: custom metrics are the documented exception: ISO dates, numeric values."""
    api = fresh_api
    _create(api, "cm_daily", "date")
    assert (
        _put_values(api, [{"key": "cm_daily", "date": "2024-02-29", "value_scalar": 1}]).status_code
        == 200
    )
    (value,) = _get_values(api, {"date": "2024-02-29"})
    assert date.fromisoformat(value["date"]) == date(2024, 2, 29)
    assert_error(
        _put_values(api, [{"key": "cm_daily", "date": "2023-02-29", "value_scalar": 1}]), 400
    )
