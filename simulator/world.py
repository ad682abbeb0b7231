"""The simulated backend: what the API can see at the simulated clock.

`World` plays the chain forward with a `Trader`, keeps the events it has not yet seen in a heap,
and applies ("reveals") every event whose time has come: it assigns order ids in backend
order, keeps warehouse running totals, and pre-serialises each record once so that serving a
page is a join of ready bytes. One lock guards it; readers hold it only while slicing lists.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from simulator.catalog import Catalog, Product, Store, build_catalog
from simulator.config import ChainConfig
from simulator.model import (
    EV_JOURNAL,
    EV_ORDER,
    EV_ORDER_UPDATE,
    EV_PRODUCT,
    EV_STOCK,
    EV_ZREPORT,
    REFUND,
    Event,
    Receipt,
    StockMove,
)
from simulator.records import (
    ORDER_TYPE,
    customer_email,
    initial_state,
    journal_entry,
    order_document,
    order_log,
    stock_item,
)
from simulator.trading import Trader

FIRST_ORDER_ID = 100_001
FIRST_TRANSACTION_ID = 5_001
FIRST_DELIVERY_ID = 70_001

ORDER_DEFAULT_FIELDS = (
    "orderid",
    "eshopid",
    "email",
    "namefirst",
    "namelast",
    "company",
    "moneyfinal_net",
    "moneyfinal_vat",
    "moneytotal_gross_roundoff",
    "moneytotal_gross_all",
    "checkouttypename",
    "deliverytypename",
    "orderdate",
    "orderstateid",
    "paymentstateid",
    "ordertypeid",
    "registerid",
    "warehouseid",
    "datereserved",
    "currencycode",
    "additionaldata",
    "orderitems",
    "payments",
)
TRANSACTION_DEFAULT_FIELDS = (
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
)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, the way every response body is written.

    orjson's result keeps a buffer of several KB; copying it to an exact-size `bytes` makes the
    millions of cached records ten times smaller.
    """
    return bytes(memoryview(orjson.dumps(value)))


def epoch(day: date) -> int:
    """Unix time of UTC midnight at the start of `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


class Doc:
    """A JSON object's bytes, built on first use and cached per field set.

    Only bytes are kept: the object itself is rebuilt from its builder when another field set
    is asked for, which keeps a million-line chain within memory. `None` = all fields.
    """

    __slots__ = ("_build", "_cache")

    def __init__(self, build: Callable[[], dict[str, Any]]) -> None:
        self._build = build
        self._cache: dict[tuple[str, ...] | None, bytes] = {}

    @property
    def doc(self) -> dict[str, Any]:
        """A fresh copy of the object."""
        return self._build()

    def render(self, fields: tuple[str, ...] | None, *also: tuple[str, ...] | None) -> bytes:
        """The JSON bytes with only `fields` (in the object's own order); None = all fields.

        `also` names more field sets to serialise from the same build (for pre-warming).
        """
        cached = self._cache.get(fields)
        if cached is not None and not also:
            return cached
        doc = self._build()
        first = b""
        for index, wanted in enumerate((fields, *also)):
            key: tuple[str, ...] | None = None
            if wanted is not None:
                chosen = set(wanted)
                key = tuple(k for k in doc if k in chosen)
                if len(key) == len(doc):
                    key = None
            data = self._cache.get(key)
            if data is None:
                data = dumps(doc) if key is None else dumps({k: doc[k] for k in key})
                if len(self._cache) < 4:
                    self._cache[key] = data
            if wanted != key and len(self._cache) < 4:
                self._cache[wanted] = data
            if index == 0:
                first = data
        return first

    def rebuild(self, build: Callable[[], dict[str, Any]]) -> None:
        """Forget the cached bytes; the next use builds the object again."""
        self._build = build
        self._cache.clear()


@dataclass(slots=True)
class OrderRec:
    orderid: int
    eshopid: int
    receipt: Receipt
    orderstateid: int
    paymentstateid: int
    ordertypeid: int
    orderdate: int
    warehouseid: int
    registerid: str
    receiptid: str
    creditorderid: int | None
    email: str
    created: int
    state_changes: list[tuple[int, int]]
    body: Doc

    def document(self, catalog: Catalog) -> dict[str, Any]:
        log = order_log(self.receipt, self.created)
        log.extend(
            {"datelog": at, "orderlogtypeid": 70, "strvalue": None, "fvalue": state}
            for at, state in self.state_changes
        )
        return order_document(
            self.receipt,
            orderstateid=self.orderstateid,
            paymentstateid=self.paymentstateid,
            catalog=catalog,
            log=log,
        )


@dataclass(slots=True)
class ZRec:
    dateadded: int
    datecreated: int
    registerid: str
    zreportid: int
    eshopid: int
    store_id: str
    body: Doc
    legacy: Doc


@dataclass(slots=True)
class JournalRec:
    id: int
    datecreated: int
    dateadded: int
    type: str
    body: bytes


@dataclass
class JournalLog:
    """One register's journal, with lazily sorted views for the two `date_type`s."""

    entries: list[JournalRec] = field(default_factory=list)
    _by: dict[str, list[JournalRec]] = field(default_factory=dict)

    def add(self, rec: JournalRec) -> None:
        self.entries.append(rec)
        self._by.clear()

    def sorted_by(self, date_type: str) -> list[JournalRec]:
        view = self._by.get(date_type)
        if view is None:
            if date_type == "added":
                view = sorted(self.entries, key=lambda r: (r.dateadded, r.id))
            else:
                view = sorted(self.entries, key=lambda r: (r.datecreated, r.id))
            self._by[date_type] = view
        return view


@dataclass(slots=True)
class TxnRec:
    warehousetransactionid: int
    warehouseid: int
    eshopid: int
    datecreated: int
    transactiontype: int
    body: Doc


@dataclass
class RevealStats:
    orders: int = 0
    order_updates: int = 0
    zreports: int = 0
    journal_entries: int = 0
    warehouse_transactions: int = 0
    product_changes: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class World:
    """Everything the simulated Sitoo backend holds at the simulated clock."""

    def __init__(self, config: ChainConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self._build()

    def _build(self) -> None:
        config = self.config
        self.catalog: Catalog = build_catalog(config)
        self.trader = Trader(self.catalog)
        self.first_day = config.end_date - timedelta(days=config.days - 1)
        self.generated_through = self.first_day - timedelta(days=1)
        self.clock = epoch(config.end_date + timedelta(days=1))
        self.pending: list[tuple[tuple[int, int, int], Event]] = []
        self.orders: list[OrderRec] = []
        self.order_index: dict[int, int] = {}
        self.zreports: list[ZRec] = []
        self.zreports_by_register: dict[str, list[ZRec]] = {}
        self.journals: dict[str, JournalLog] = {
            r.registerid: JournalLog() for r in self.catalog.registers
        }
        self.transactions: list[TxnRec] = []
        self.stock: dict[tuple[int, str], int] = {}
        self.product_prices: dict[tuple[int, str], int] = {}
        self.product_modified: dict[int, int] = {}
        self.next_orderid = FIRST_ORDER_ID
        self.next_transactionid = FIRST_TRANSACTION_ID
        self.next_deliveryid = FIRST_DELIVERY_ID
        self.version = 0
        self.totals = RevealStats()
        self._push(self.trader.opening_stock(epoch(self.first_day) - 7_200))
        self._generate_until(self._clock_day())
        self._reveal()

    # ------------------------------------------------------------------ time
    def _clock_day(self) -> date:
        return datetime.fromtimestamp(self.clock, tz=UTC).date()

    def today(self) -> date:
        """The simulated UTC date (for 'current' VAT rates of product groups)."""
        return self._clock_day()

    def _push(self, events: Iterable[Event]) -> None:
        for event in events:
            heapq.heappush(self.pending, (event.sort_key(), event))

    def _generate_until(self, last_day: date) -> None:
        day = self.generated_through + timedelta(days=1)
        while day <= last_day:
            self._push(self.trader.trade_day(day))
            self.generated_through = day
            day += timedelta(days=1)

    def advance(self, seconds: int) -> RevealStats:
        """Move the clock forward: trade the coming hours and reveal what the backend gets."""
        if seconds < 0:
            raise ValueError("the simulated clock only moves forward")
        with self.lock:
            self.clock += seconds
            self._generate_until(self._clock_day())
            return self._reveal()

    def reset(self) -> None:
        """Back to the state right after start-up (same seed, same data)."""
        with self.lock:
            self._build()

    # ------------------------------------------------------------------ reveal
    def _reveal(self) -> RevealStats:
        stats = RevealStats()
        while self.pending and self.pending[0][0][0] <= self.clock:
            _, event = heapq.heappop(self.pending)
            kind = event.kind
            if kind == EV_JOURNAL:
                self._reveal_journal(event)
                stats.journal_entries += 1
            elif kind == EV_ORDER:
                self._reveal_order(event.payload, event.time)
                stats.orders += 1
            elif kind == EV_STOCK:
                self._reveal_stock(event.payload, event.time)
                stats.warehouse_transactions += 1
            elif kind == EV_ORDER_UPDATE:
                self._reveal_update(event.payload, event.time, event.extra or {})
                stats.order_updates += 1
            elif kind == EV_ZREPORT:
                self._reveal_zreport(event.payload)
                stats.zreports += 1
            elif kind == EV_PRODUCT:
                self._reveal_product(event.payload, event.time, event.extra or {})
                stats.product_changes += 1
        for name, value in stats.as_dict().items():
            setattr(self.totals, name, getattr(self.totals, name) + value)
        self.version += 1
        return stats

    def _reveal_order(self, receipt: Receipt, at: int) -> None:
        receipt.orderid = self.next_orderid
        self.next_orderid += 1
        state, payment = initial_state(receipt)
        original = receipt.original
        rec = OrderRec(
            orderid=receipt.orderid,
            eshopid=receipt.store.eshopid,
            receipt=receipt,
            orderstateid=state,
            paymentstateid=payment,
            ordertypeid=ORDER_TYPE.get(receipt.kind, 10),
            orderdate=receipt.pos_time,
            warehouseid=receipt.store.warehouseid,
            registerid=receipt.register.registerid,
            receiptid=receipt.receiptid,
            creditorderid=original.orderid if receipt.kind == REFUND and original else None,
            email=customer_email(receipt, self.catalog),
            created=at,
            state_changes=[],
            body=Doc(dict),
        )
        rec.body.rebuild(lambda: rec.document(self.catalog))
        self.order_index[rec.orderid] = len(self.orders)
        self.orders.append(rec)

    def _reveal_update(self, receipt: Receipt, at: int, changes: dict[str, Any]) -> None:
        rec = self.orders[self.order_index[receipt.orderid]]
        if "orderstateid" in changes:
            rec.orderstateid = changes["orderstateid"]
            rec.state_changes.append((at, changes["orderstateid"]))
        if "paymentstateid" in changes:
            rec.paymentstateid = changes["paymentstateid"]
        rec.body.rebuild(lambda: rec.document(self.catalog))

    def _reveal_stock(self, move: StockMove, at: int) -> None:
        totals = []
        for line in move.lines:
            key = (move.warehouseid, line.sku)
            after = self.stock.get(key, 0) + line.quantity
            self.stock[key] = after
            totals.append(after)
        delivery = None
        if move.receipt is not None:
            delivery = self.next_deliveryid
            self.next_deliveryid += 1
            move.receipt.orderdeliveryid = delivery
        txnid = self.next_transactionid
        self.next_transactionid += 1

        def build() -> dict[str, Any]:
            return {
                "warehousetransactionid": txnid,
                "warehouseid": move.warehouseid,
                "datecreated": at,
                "transactiontype": move.transactiontype,
                "description": move.description,
                "orderdeliveryid": delivery,
                "shipmentid": None,
                "externalid": move.externalid,
                "reasoncode": move.reasoncode,
                "items": [
                    stock_item(line.sku, line.quantity, after, line.pricein)
                    for line, after in zip(move.lines, totals, strict=True)
                ],
            }

        self.transactions.append(
            TxnRec(txnid, move.warehouseid, move.eshopid, at, move.transactiontype, Doc(build))
        )

    def _reveal_zreport(self, zreport: dict[str, Any]) -> None:
        legacy = {k: v for k, v in zreport.items() if k != "dateadded"}
        rec = ZRec(
            zreport["dateadded"],
            zreport["datecreated"],
            zreport["registerid"],
            zreport["zreportid"],
            zreport["eshopid"],
            zreport["store_id"],
            Doc(lambda: zreport),
            Doc(lambda: legacy),
        )
        self.zreports.append(rec)
        self.zreports_by_register.setdefault(rec.registerid, []).append(rec)

    def _reveal_journal(self, event: Event) -> None:
        entry = event.payload
        store: Store = (event.extra or {})["store"]
        self.journals[entry["registerid"]].add(
            JournalRec(
                entry["id"],
                entry["datecreated"],
                entry["dateadded"],
                entry["type"],
                dumps(journal_entry(entry, store)),
            )
        )

    def _reveal_product(self, product: Product, at: int, extra: dict[str, Any]) -> None:
        for currency, price in extra["prices"].items():
            self.product_prices[(product.productid, currency)] = price
        self.product_modified[product.productid] = at

    # ------------------------------------------------------------------ queries used by routes
    def order(self, orderid: int) -> OrderRec | None:
        index = self.order_index.get(orderid)
        return None if index is None else self.orders[index]

    def product_price(self, product: Product, currency: str) -> int:
        return self.product_prices.get((product.productid, currency), product.price[currency])

    def product_datemodified(self, product: Product) -> int:
        return self.product_modified.get(product.productid, product.datecreated)

    def store_by_eshop(self, eshopid: int) -> Sequence[Store]:
        return [s for s in self.catalog.stores if s.eshopid == eshopid]

    def corrupt(self, stream: str, key: list[Any], kind: str) -> None:
        """Serve one record broken on purpose, to test how clients treat bad input.

        `kind`: `bad_money` (a money field becomes "12,50"), `unknown_enum` (a state code
        becomes 33), `missing_key` (the record loses its id field).
        """
        with self.lock:
            doc_holder: Doc
            if stream == "orders":
                rec = self.order(int(key[0]))
                if rec is None:
                    raise KeyError(f"no order {key[0]}")
                doc_holder = rec.body
                fields = ("moneytotal_gross_all", "orderstateid", "orderid")
            elif stream == "warehouse_transactions":
                txn = next(
                    (t for t in self.transactions if t.warehousetransactionid == int(key[0])), None
                )
                if txn is None:
                    raise KeyError(f"no warehouse transaction {key[0]}")
                doc_holder = txn.body
                fields = ("items", "transactiontype", "warehousetransactionid")
            elif stream == "pos_z_reports":
                z = next(
                    (
                        z
                        for z in self.zreports
                        if z.registerid == key[0] and z.zreportid == int(key[1])
                    ),
                    None,
                )
                if z is None:
                    raise KeyError(f"no Z-report {key}")
                doc_holder = z.body
                fields = ("moneysalestotal", "numsales", "zreportid")
            else:
                raise KeyError(f"cannot corrupt stream {stream!r}")
            money_field, enum_field, key_field = fields
            original = doc_holder.doc

            def broken() -> dict[str, Any]:
                doc = dict(original)
                if kind == "bad_money":
                    if money_field == "items":
                        doc["items"] = [
                            {**doc["items"][0], "moneyvalue": "12,50"},
                            *doc["items"][1:],
                        ]
                    else:
                        doc[money_field] = "12,50"
                elif kind == "unknown_enum":
                    doc[enum_field] = 33
                elif kind == "missing_key":
                    del doc[key_field]
                else:
                    raise KeyError(f"unknown corruption {kind!r}")
                return doc

            broken()
            doc_holder.rebuild(broken)

    def prewarm(self) -> None:
        """Serialise every record now (all fields and the default list fields), so that even
        the first read of a page is served from ready bytes."""
        with self.lock:
            for order in self.orders:
                order.body.render(None, ORDER_DEFAULT_FIELDS)
            for txn in self.transactions:
                txn.body.render(None, TRANSACTION_DEFAULT_FIELDS)
            for zreport in self.zreports:
                zreport.body.render(None)
                zreport.legacy.render(None)

    def summary(self) -> dict[str, Any]:
        return {
            "clock": self.clock,
            "clock_iso": datetime.fromtimestamp(self.clock, tz=UTC).isoformat(),
            "first_day": self.first_day.isoformat(),
            "generated_through": self.generated_through.isoformat(),
            "orders": len(self.orders),
            "order_lines": sum(len(o.receipt.lines) for o in self.orders),
            "zreports": len(self.zreports),
            "journal_entries": sum(len(j.entries) for j in self.journals.values()),
            "warehouse_transactions": len(self.transactions),
            "pending_events": len(self.pending),
            "version": self.version,
        }
