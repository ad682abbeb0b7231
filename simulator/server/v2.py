"""Sitoo REST API v2 resources served from the simulated `World`.

Each handler takes the matched path parameters and the request and returns a `Response`;
paging, filtering, sorting and `fields` follow sitoo-api-core.md §1.6–1.7 and the per-endpoint
parameter tables. Handlers are called with the world's lock held.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from simulator.catalog import Country, Store
from simulator.config import ApiConfig
from simulator.custom_metrics import CustomMetricsStore, MetricError, parse_date, render_value
from simulator.records import (
    product_document,
    product_group_documents,
    register_document,
    site_document,
    store_document,
    user_document,
    warehouse_document,
)
from simulator.server.errors import ApiError, bad_request, not_found
from simulator.server.http import Request, Response
from simulator.server.query import (
    Page,
    bool_param,
    check_known_params,
    fields_param,
    int_list,
    int_param,
    page_params,
    sort_param,
    str_list,
    str_param,
)
from simulator.world import (
    FIRST_ORDER_ID,
    ORDER_DEFAULT_FIELDS,
    TRANSACTION_DEFAULT_FIELDS,
    Doc,
    OrderRec,
    TxnRec,
    World,
    dumps,
)

T = TypeVar("T")
USER_DEFAULT_FIELDS = (
    "userid",
    "email",
    "namefirst",
    "namelast",
    "company",
    "datecreated",
    "datemodified",
)
ORDER_PARAMS = (
    "eshopid",
    "externalid",
    "orderid",
    "receiptid",
    "creditorderid",
    "orderidfrom",
    "orderidto",
    "orderdatefrom",
    "orderdateto",
    "orderstate",
    "paymentstate",
    "ordertype",
    "warehouseid",
    "email",
    "start",
    "num",
    "sort",
    "fields",
)
TXN_PARAMS = (
    "warehousetransactionid",
    "warehousetransactionidfrom",
    "warehousetransactionidto",
    "datecreatedfrom",
    "datecreatedto",
    "transactiontype",
    "warehouseid",
    "start",
    "num",
    "sort",
    "fields",
)


def json_response(value: Any, status: int = 200) -> Response:
    return Response(status, dumps(value))


def envelope(total: int, parts: Sequence[bytes]) -> Response:
    """`{"totalcount": N, "items": [...]}` assembled from pre-serialised items."""
    body = b'{"totalcount":%d,"items":[' % total + b",".join(parts) + b"]}"
    return Response(200, body)


def project(doc: dict[str, Any], fields: tuple[str, ...] | None) -> dict[str, Any]:
    """Only the requested known fields, in the object's own order (like `Doc.render`)."""
    if fields is None:
        return doc
    wanted = set(fields)
    return {k: v for k, v in doc.items() if k in wanted}


def _page(items: Sequence[T], page: Page) -> Sequence[T]:
    return items[page.start : page.start + page.num]


def _static_envelope(
    docs: list[dict[str, Any]],
    req: Request,
    api: ApiConfig,
    default_fields: tuple[str, ...] | None = None,
) -> Response:
    """Envelope for small reference lists built per request."""
    page = page_params(req.query, 10, api.max_page_size, api.page_size_policy)
    fields = fields_param(req.query) or default_fields
    chosen = _page(docs, page)
    parts = [dumps(project(d, fields)) for d in chosen]
    return envelope(len(docs), parts)


class V2Api:
    """Handlers of the v2 resources of one account."""

    def __init__(self, world: World, api: ApiConfig, metrics: CustomMetricsStore) -> None:
        self.world = world
        self.api = api
        self.metrics = metrics
        self._product_docs: dict[tuple[int, int], tuple[int, Doc]] = {}

    # ----------------------------------------------------------------- helpers
    def _country(self, siteid: str) -> Country:
        try:
            eshopid = int(siteid)
        except ValueError:
            raise not_found(f"Site {siteid} not found; use the site's integer eshopid") from None
        for country in self.world.catalog.countries:
            if country.eshopid == eshopid:
                return country
        raise not_found(f"Site {siteid} not found")

    def _stores(self, country: Country) -> list[Store]:
        return [s for s in self.world.catalog.stores if s.country is country]

    def _known(self, req: Request, names: Sequence[str]) -> None:
        check_known_params(req.query, names, self.api.unknown_params)

    def _page(self, req: Request) -> Page:
        return page_params(req.query, 10, self.api.max_page_size, self.api.page_size_policy)

    # ----------------------------------------------------------------- sites, stores
    def sites(self, req: Request) -> Response:
        self._known(req, ("start", "num", "fields"))
        docs = [site_document(c) for c in self.world.catalog.countries]
        return _static_envelope(docs, req, self.api)

    def site(self, req: Request, siteid: str) -> Response:
        return json_response(site_document(self._country(siteid)))

    def stores(self, req: Request, siteid: str) -> Response:
        self._known(req, ("start", "num", "fields"))
        country = self._country(siteid)
        docs = [store_document(s, self.world.catalog) for s in self._stores(country)]
        return _static_envelope(docs, req, self.api)

    def store(self, req: Request, siteid: str, storeid: str) -> Response:
        country = self._country(siteid)
        for s in self._stores(country):
            if str(s.storeid) == storeid:
                return json_response(store_document(s, self.world.catalog))
        raise not_found(f"Store {storeid} not found")

    # ----------------------------------------------------------------- registers, Z-reports
    def _registers(self, country: Country) -> list[tuple[Any, Store]]:
        return [(r, s) for s in self._stores(country) for r in s.registers]

    def _register(self, country: Country, registerid: str) -> tuple[Any, Store]:
        wanted = registerid.upper()
        for register, store in self._registers(country):
            if register.registerid == wanted or register.registerid.strip("{}") == wanted:
                return register, store
        raise not_found(f"Cash register {registerid} not found")

    def cashregisters(self, req: Request, siteid: str) -> Response:
        self._known(req, ("includenotregistered", "start", "num"))
        bool_param(req.query, "includenotregistered", False)
        country = self._country(siteid)
        docs = [register_document(r, s) for r, s in self._registers(country)]
        page = self._page(req)
        return envelope(len(docs), [dumps(d) for d in _page(docs, page)])

    def cashregister(self, req: Request, siteid: str, registerid: str) -> Response:
        register, store = self._register(self._country(siteid), registerid)
        return json_response(register_document(register, store))

    def register_zreports(self, req: Request, siteid: str, registerid: str) -> Response:
        self._known(req, ("datecreatedfrom", "datecreatedto", "start", "num"))
        register, _ = self._register(self._country(siteid), registerid)
        low = int_param(req.query, "datecreatedfrom")
        high = int_param(req.query, "datecreatedto")
        reports = sorted(
            self.world.zreports_by_register.get(register.registerid, []), key=lambda z: z.zreportid
        )
        matched = [
            z
            for z in reports
            if (low is None or z.datecreated >= low) and (high is None or z.datecreated <= high)
        ]
        page = self._page(req)
        return envelope(len(matched), [z.legacy.render(None) for z in _page(matched, page)])

    def register_zreport(
        self, req: Request, siteid: str, registerid: str, zreportid: str
    ) -> Response:
        register, _ = self._register(self._country(siteid), registerid)
        for z in self.world.zreports_by_register.get(register.registerid, []):
            if str(z.zreportid) == zreportid:
                return Response(200, z.legacy.render(None))
        raise not_found(f"Z-report {zreportid} not found")

    def pos_zreports(self, req: Request) -> Response:
        """Bare array, ascending `dateadded`, at most `zreport_max` items, no paging."""
        q = req.query
        self._known(req, ("eshopid", "store_id", "registerid", "dateaddedfrom", "dateaddedto"))
        eshopids = int_list(q, "eshopid")
        store_ids = str_list(q, "store_id")
        registers = str_list(q, "registerid")
        wanted_registers = (
            None
            if registers is None
            else {r.upper() if r.startswith("{") else "{" + r.upper() + "}" for r in registers}
        )
        low = int_param(q, "dateaddedfrom")
        high = int_param(q, "dateaddedto")
        reports = self.world.zreports
        start = 0 if low is None else bisect.bisect_left(reports, low, key=lambda z: z.dateadded)
        out: list[bytes] = []
        for z in reports[start:]:
            if high is not None and z.dateadded > high:
                break
            if eshopids is not None and z.eshopid not in eshopids:
                continue
            if store_ids is not None and z.store_id not in store_ids:
                continue
            if wanted_registers is not None and z.registerid not in wanted_registers:
                continue
            out.append(z.body.render(None))
            if len(out) >= self.api.zreport_max:
                break
        return Response(200, b"[" + b",".join(out) + b"]")

    # ----------------------------------------------------------------- orders
    def _order_candidates(self, req: Request, eshop: int | None) -> list[OrderRec]:
        q = req.query
        orders = self.world.orders
        lo = int_param(q, "orderidfrom")
        hi = int_param(q, "orderidto")
        first = 0 if lo is None else max(0, lo - FIRST_ORDER_ID)
        last = len(orders) if hi is None else max(0, min(len(orders), hi - FIRST_ORDER_ID))
        candidates: Sequence[OrderRec] = orders[first:last] if first < last else []
        receiptid = str_param(q, "receiptid")
        creditorderid = int_param(q, "creditorderid")
        orderids = int_list(q, "orderid")
        checks: list[Callable[[OrderRec], bool]] = []
        if receiptid is not None:
            checks.append(lambda o: o.receiptid == receiptid)
        elif creditorderid is not None:
            checks.append(lambda o: o.creditorderid == creditorderid)
        elif orderids is not None:
            wanted = set(orderids)
            candidates = [
                orders[i - FIRST_ORDER_ID]
                for i in sorted(wanted)
                if 0 <= i - FIRST_ORDER_ID < len(orders)
                and (lo is None or i >= lo)
                and (hi is None or i < hi)
            ]
        eshopids = int_list(q, "eshopid")
        if eshop is not None:
            eshopids = [eshop]
        if eshopids is not None:
            eshop_set = set(eshopids)
            checks.append(lambda o: o.eshopid in eshop_set)
        externalids = str_list(q, "externalid")
        if externalids is not None:
            checks.append(lambda o: False)  # POS orders carry no externalid
        datefrom = int_param(q, "orderdatefrom")
        if datefrom is not None:
            checks.append(lambda o: o.orderdate >= datefrom)
        dateto = int_param(q, "orderdateto")
        if dateto is not None:
            checks.append(lambda o: o.orderdate <= dateto)
        for name, attr in (
            ("orderstate", "orderstateid"),
            ("paymentstate", "paymentstateid"),
            ("ordertype", "ordertypeid"),
            ("warehouseid", "warehouseid"),
        ):
            values = int_list(q, name)
            if values is not None:
                allowed = frozenset(values)
                checks.append(lambda o, a=attr, s=allowed: getattr(o, a) in s)  # type: ignore[misc]
        email = str_param(q, "email")
        if email is not None:
            checks.append(lambda o: o.email == email)
        if not checks:
            return list(candidates)
        return [o for o in candidates if all(check(o) for check in checks)]

    def orders(self, req: Request, eshop: int | None = None) -> Response:
        self._known(req, ORDER_PARAMS)
        page = self._page(req)
        _, descending = sort_param(req.query, ("orderid",), "-orderid")
        fields = fields_param(req.query) or ORDER_DEFAULT_FIELDS
        matched = self._order_candidates(req, eshop)
        if descending:
            matched.reverse()
        chosen = _page(matched, page)
        return envelope(len(matched), [o.body.render(fields) for o in chosen])

    def site_orders(self, req: Request, siteid: str) -> Response:
        return self.orders(req, self._country(siteid).eshopid)

    def order(self, req: Request, siteid: str, orderid: str) -> Response:
        country = self._country(siteid)
        rec = self.world.order(int(orderid)) if orderid.isdigit() else None
        if rec is None or rec.eshopid != country.eshopid:
            raise not_found(f"Order {orderid} not found")
        fields = fields_param(req.query)
        return Response(200, rec.body.render(fields))

    # ----------------------------------------------------------------- warehouses
    def _warehouses(self, country: Country) -> list[Any]:
        return [w for w in self.world.catalog.warehouses if w.eshopid == country.eshopid]

    def warehouses(self, req: Request, siteid: str) -> Response:
        self._known(req, ("start", "num", "fields"))
        docs = [warehouse_document(w) for w in self._warehouses(self._country(siteid))]
        return _static_envelope(docs, req, self.api)

    def _warehouse(self, country: Country, warehouseid: str) -> Any:
        for w in self._warehouses(country):
            if str(w.warehouseid) == warehouseid:
                return w
        raise not_found(f"Warehouse {warehouseid} not found")

    def warehouse(self, req: Request, siteid: str, warehouseid: str) -> Response:
        return json_response(
            warehouse_document(self._warehouse(self._country(siteid), warehouseid))
        )

    def _transactions(self, req: Request, eshopid: int, warehouseid: int | None) -> Response:
        q = req.query
        self._known(req, TXN_PARAMS)
        page = self._page(req)
        _, descending = sort_param(q, ("warehousetransactionid",), "-warehousetransactionid")
        fields = fields_param(q) or TRANSACTION_DEFAULT_FIELDS
        txns = self.world.transactions
        lo = int_param(q, "warehousetransactionidfrom")
        hi = int_param(q, "warehousetransactionidto")
        first = (
            0
            if lo is None
            else bisect.bisect_left(txns, lo, key=lambda t: t.warehousetransactionid)
        )
        last = (
            len(txns)
            if hi is None
            else bisect.bisect_left(txns, hi, key=lambda t: t.warehousetransactionid)
        )
        ids = int_list(q, "warehousetransactionid")
        id_set = None if ids is None else set(ids)
        created_from = int_param(q, "datecreatedfrom")
        created_to = int_param(q, "datecreatedto")
        ttype = int_param(q, "transactiontype")
        warehouse_set = (
            {warehouseid}
            if warehouseid is not None
            else (
                None
                if int_list(q, "warehouseid") is None
                else set(int_list(q, "warehouseid") or [])
            )
        )
        matched: list[TxnRec] = [
            t
            for t in txns[first:last]
            if t.eshopid == eshopid
            and (warehouse_set is None or t.warehouseid in warehouse_set)
            and (id_set is None or t.warehousetransactionid in id_set)
            and (created_from is None or t.datecreated >= created_from)
            and (created_to is None or t.datecreated < created_to)
            and (ttype is None or t.transactiontype == ttype)
        ]
        if descending:
            matched.reverse()
        return envelope(len(matched), [t.body.render(fields) for t in _page(matched, page)])

    def site_transactions(self, req: Request, siteid: str) -> Response:
        return self._transactions(req, self._country(siteid).eshopid, None)

    def warehouse_transactions(self, req: Request, siteid: str, warehouseid: str) -> Response:
        country = self._country(siteid)
        warehouse = self._warehouse(country, warehouseid)
        return self._transactions(req, country.eshopid, warehouse.warehouseid)

    def warehouse_transaction(
        self, req: Request, siteid: str, warehouseid: str, txnid: str
    ) -> Response:
        country = self._country(siteid)
        warehouse = self._warehouse(country, warehouseid)
        for t in self.world.transactions:
            if str(t.warehousetransactionid) == txnid and t.warehouseid == warehouse.warehouseid:
                return Response(200, t.body.render(None))
        raise not_found(f"Warehouse transaction {txnid} not found")

    # ----------------------------------------------------------------- product groups, taxes, payments
    def productgroups(self, req: Request, siteid: str) -> Response:
        self._known(req, ("start", "num", "fields"))
        docs = product_group_documents(self._country(siteid), self.world.today())
        return _static_envelope(docs, req, self.api)

    def productgroup(self, req: Request, siteid: str, vatid: str) -> Response:
        for doc in product_group_documents(self._country(siteid), self.world.today()):
            if str(doc["vatid"]) == vatid:
                return json_response(doc)
        raise not_found(f"Product group {vatid} not found")

    def salestaxes(self, req: Request, siteid: str) -> Response:
        self._known(req, ("start", "num", "fields"))
        self._country(siteid)
        return envelope(0, [])

    def salestax(self, req: Request, siteid: str, salestaxid: str) -> Response:
        self._country(siteid)
        raise not_found(f"Sales tax {salestaxid} not found")

    def _payment_type_docs(self, country: Country) -> list[dict[str, Any]]:
        return [
            {
                "paymenttypeid": p.paymenttypeid,
                "paymentmethodid": p.paymentmethodid,
                "name": p.name,
                "externalid": p.externalid,
                "sortorder": p.sortorder,
            }
            for p in sorted(country.payment_types, key=lambda p: p.sortorder)
        ]

    def pospaymenttypes(self, req: Request, siteid: str) -> Response:
        """A bare array sorted by `sortorder` (documented)."""
        self._known(req, ("fields",))
        docs = self._payment_type_docs(self._country(siteid))
        fields = fields_param(req.query)
        if fields is not None:
            docs = [project(d, fields) for d in docs]
        return json_response(docs)

    def pospaymenttype(self, req: Request, siteid: str, typeid: str) -> Response:
        for doc in self._payment_type_docs(self._country(siteid)):
            if str(doc["paymenttypeid"]) == typeid:
                return json_response(doc)
        raise not_found(f"POS payment type {typeid} not found")

    # ----------------------------------------------------------------- users, products
    def users(self, req: Request, siteid: str) -> Response:
        q = req.query
        self._known(
            req,
            ("start", "num", "email", "customernumber", "personalid", "mobile", "userid", "fields"),
        )
        self._country(siteid)
        catalog = self.world.catalog
        docs = [user_document(u) for u in (*catalog.staff, *catalog.customers)]
        for name in ("email", "customernumber", "personalid", "mobile"):
            value = str_param(q, name)
            if value is not None:
                docs = [d for d in docs if d[name] == value]
        userids = str_list(q, "userid")
        if userids is not None:
            wanted = {u.upper() for u in userids}
            docs = [d for d in docs if d["userid"] in wanted]
        return _static_envelope(docs, req, self.api, USER_DEFAULT_FIELDS)

    def _product_doc(self, country: Country, productid: int) -> Doc:
        world = self.world
        product = world.catalog.products[productid - 1]
        modified = world.product_datemodified(product)
        key = (country.eshopid, productid)
        cached = self._product_docs.get(key)
        if cached is None or cached[0] != modified:
            today = world.today()
            price = world.product_price(product, country.currency)
            doc = Doc(lambda: product_document(product, country, today, price, modified))
            self._product_docs[key] = (modified, doc)
            return doc
        return cached[1]

    def products(self, req: Request, siteid: str) -> Response:
        q = req.query
        self._known(req, ("sku", "includeinactive", "datelastmodified", "start", "num", "fields"))
        country = self._country(siteid)
        bool_param(q, "includeinactive", False)
        products = self.world.catalog.products
        skus = str_list(q, "sku")
        if skus is not None:
            wanted = set(skus)
            products = tuple(p for p in products if p.sku in wanted)
        since = int_param(q, "datelastmodified")
        if since is not None:
            products = tuple(p for p in products if self.world.product_datemodified(p) > since)
        page = self._page(req)
        fields = fields_param(q)
        chosen = _page(products, page)
        return envelope(
            len(products), [self._product_doc(country, p.productid).render(fields) for p in chosen]
        )

    def product(self, req: Request, siteid: str, productid: str) -> Response:
        country = self._country(siteid)
        if not productid.isdigit() or not 1 <= int(productid) <= len(self.world.catalog.products):
            raise not_found(f"Product {productid} not found")
        return Response(
            200, self._product_doc(country, int(productid)).render(fields_param(req.query))
        )

    # ----------------------------------------------------------------- custom metrics
    @staticmethod
    def _json_body(req: Request) -> Any:
        try:
            return json.loads(req.body or b"null", parse_float=Decimal)
        except ValueError:
            raise bad_request("Body is not valid JSON") from None

    @staticmethod
    def _metric_call(fn: Callable[[], T]) -> T:
        try:
            return fn()
        except MetricError as err:
            raise ApiError(err.status, err.text) from None

    def add_metric(self, req: Request) -> Response:
        body = self._json_body(req)
        metric = self._metric_call(lambda: self.metrics.add(body))
        return json_response(metric.document(), 201)

    def get_metrics(self, req: Request) -> Response:
        keys = str_list(req.query, "keys")
        return json_response([m.document() for m in self.metrics.find(keys)])

    def delete_metric(self, req: Request, key: str) -> Response:
        self._metric_call(lambda: self.metrics.delete(key))
        return json_response(True)

    def _value_window(self, req: Request) -> tuple[date | None, int, str | None]:
        raw_date = str_param(req.query, "date")
        first = (
            None if raw_date is None else self._metric_call(lambda: parse_date(raw_date, "date"))
        )
        num_days = int_param(req.query, "num_days", 1)
        return first, num_days, str_param(req.query, "store_id")

    def get_values(self, req: Request) -> Response:
        keys = str_list(req.query, "keys")
        first, num_days, store_id = self._value_window(req)
        values = self._metric_call(lambda: self.metrics.get_values(keys, first, num_days, store_id))
        return json_response([render_value(v) for v in values])

    def put_values(self, req: Request) -> Response:
        body = self._json_body(req)
        stored = self._metric_call(lambda: self.metrics.put(body))
        return json_response([render_value(v) for v in stored])

    def delete_values(self, req: Request, key: str) -> Response:
        first, num_days, store_id = self._value_window(req)
        self._metric_call(lambda: self.metrics.delete_values(key, first, num_days, store_id))
        return json_response(True)
