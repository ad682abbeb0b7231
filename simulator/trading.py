"""Day-by-day trading of the synthetic chain.

`Trader.trade_day(day)` plays one calendar day for every store — register sessions, receipts,
refunds, parked carts, bookings, practice receipts, offline registers, deliveries and
stocktakings — and returns the backend events it caused. Z-reports and journal entries are
computed from the very receipts that become orders, so everything reconciles to the öre.
All randomness comes from one `random.Random` consumed in a fixed order: same seed, same events.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from simulator import calendar
from simulator.catalog import (
    PRODUCT_GROUPS,
    Catalog,
    PaymentType,
    Product,
    Staff,
    Store,
    vat_rate_bp,
)
from simulator.model import (
    BOOKING,
    EV_JOURNAL,
    EV_ORDER,
    EV_ORDER_UPDATE,
    EV_PRODUCT,
    EV_STOCK,
    EV_ZREPORT,
    EVENT_ORDER,
    PARKED,
    PRACTICE,
    REFUND,
    SALE,
    Event,
    Line,
    Payment,
    Receipt,
    RegisterState,
    StockLine,
    StockMove,
)
from simulator.money import round_cash, vat_of_gross
from simulator.zreport import build_journal_zreport, build_zreport

BASE_RECEIPTS_PER_SIZE = 30
"""Receipts per store-size unit on an ordinary day at scale 1."""
THREE_FOR_TWO_GROUPS = frozenset({4, 7, 10})  # accessories, beauty, sweets
CARD_ISSUERS = (("Visa", 55), ("Mastercard", 40), ("American Express", 5))
VOUCHERS = (("MEMBER10", "Member 10%", 10), ("AUTUMN15", "Autumn 15%", 15))
UNSTOCKED = frozenset({"giftcard", "service"})
"""Product-group kinds that never move stock."""
STANDARD_FLOAT = {"SEK": 200_000, "NOK": 200_000, "EUR": 20_000}


@dataclass
class Session:
    """One register from cash-start to Z-report."""

    state: RegisterState
    store: Store
    day: date
    opened: int
    closed: int
    staff: Staff
    offline_from: int | None = None
    upload_time: int | None = None
    receipts: list[Receipt] = field(default_factory=list)
    updates: list[SourceUpdate] = field(default_factory=list)
    entries: list[tuple[int, str, dict[str, Any], bool]] = field(default_factory=list)

    def late_upload(self, t: int) -> int | None:
        """When something made at `t` reaches the backend if the register was offline then."""
        if (
            self.offline_from is not None
            and self.upload_time is not None
            and t >= self.offline_from
        ):
            return self.upload_time
        return None


class Trader:
    """Plays the chain forward one day at a time, remembering what later days depend on."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.config = catalog.config
        self.rng = random.Random(f"trade:{self.config.seed}")
        self.seq = 0
        self.event_seq = 0
        self.registers = {r.registerid: RegisterState(r) for r in catalog.registers}
        for store in catalog.stores:
            for register in store.registers:
                self.registers[register.registerid].drawer = STANDARD_FLOAT[store.country.currency]
        self.refund_pool: dict[int, deque[tuple[date, Receipt]]] = {
            s.storeid: deque() for s in catalog.stores
        }
        self.pickups: dict[tuple[date, int], list[Receipt]] = {}
        self.sold_since_delivery: dict[int, dict[str, int]] = {
            s.storeid: {} for s in catalog.stores
        }
        self.central_sold: dict[str, int] = {}
        self.prices: dict[tuple[int, str], int] = {}
        self.next_delivery_ref = 1

    # ------------------------------------------------------------------ helpers
    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _event(
        self, time: int, kind: str, payload: Any, extra: dict[str, Any] | None = None
    ) -> Event:
        self.event_seq += 1
        return Event(time, EVENT_ORDER[kind], self.event_seq, kind, payload, extra)

    def price(self, product: Product, currency: str) -> int:
        return self.prices.get((product.productid, currency), product.price[currency])

    def _pick_product(self) -> Product:
        group = self.rng.choices(
            PRODUCT_GROUPS[:13], weights=[g.weight for g in PRODUCT_GROUPS[:13]]
        )[0]
        items = self.catalog.products_by_group[group.index]
        # Popular items sell more: a skew towards the start of each group's list.
        return items[int(len(items) * self.rng.random() ** 1.8)]

    def _line(
        self,
        store: Store,
        product: Product,
        quantity: int,
        day: date,
        discount: int = 0,
        vouchercode: str = "",
        discountname: str = "",
    ) -> Line:
        rate = vat_rate_bp(store.country.code, product.group.kind, day)
        unit = self.price(product, store.country.currency)
        gross = unit * quantity - discount
        vat = vat_of_gross(gross, rate)
        return Line(
            product,
            quantity,
            unit,
            gross,
            vat,
            gross - vat,
            rate,
            discount,
            vat_of_gross(discount, rate),
            vouchercode,
            discountname,
        )

    def _basket(self, store: Store, day: date) -> list[Line]:
        lines: list[Line] = []
        count = 1
        while count < 8 and self.rng.random() < 0.45:
            count += 1
        voucher = VOUCHERS[self.rng.randrange(2)] if self.rng.random() < 0.04 else None
        for _ in range(count):
            product = self._pick_product()
            roll = self.rng.random()
            quantity = 1 if roll < 0.86 else (2 if roll < 0.95 else 3)
            unit = self.price(product, store.country.currency)
            if quantity == 3 and product.group.index in THREE_FOR_TWO_GROUPS:
                lines.append(self._line(store, product, 3, day, unit, "", "3 FOR 2"))
            elif self.rng.random() < 0.05:
                percent = self.rng.choice((10, 20, 30))
                discount = (unit * quantity * percent + 50) // 100
                lines.append(
                    self._line(
                        store,
                        product,
                        quantity,
                        day,
                        discount,
                        "discount-manual",
                        f"Manual {percent}%",
                    )
                )
            elif voucher is not None:
                code, name, percent = voucher
                discount = (unit * quantity * percent + 50) // 100
                lines.append(self._line(store, product, quantity, day, discount, code, name))
            else:
                lines.append(self._line(store, product, quantity, day))
        if self.rng.random() < 0.02:
            cards = self.catalog.products_by_group[13]
            lines.append(self._line(store, cards[self.rng.randrange(len(cards))], 1, day))
        elif self.rng.random() < 0.01:
            services = self.catalog.products_by_group[14]
            lines.append(self._line(store, services[self.rng.randrange(len(services))], 1, day))
        return lines

    def _card(self, ptype: PaymentType, amount: int) -> Payment:
        issuer = self.rng.choices([i for i, _ in CARD_ISSUERS], [w for _, w in CARD_ISSUERS])[0]
        return Payment(ptype, amount, issuer, f"{self.rng.randrange(10**11):011d}")

    def _pay(self, receipt: Receipt) -> None:
        """Choose how a sale is paid; cash is rounded to the smallest coin."""
        country = receipt.store.country
        card, cash, mobile, giftcard, invoice = country.payment_types
        total = receipt.gross
        roll = self.rng.random()
        if roll < 0.12:
            receipt.roundoff = round_cash(total, country.cash_unit) - total
            receipt.payments = [Payment(cash, total + receipt.roundoff)]
        elif roll < 0.27:
            receipt.payments = [Payment(mobile, total, "", f"{self.rng.randrange(10**9):09d}")]
        elif roll < 0.32:
            value = (500_00 if country.currency != "EUR" else 50_00) * self.rng.choice((1, 2))
            if value >= total:
                receipt.payments = [Payment(giftcard, total)]
            else:
                receipt.payments = [Payment(giftcard, value), self._card(card, total - value)]
        elif roll < 0.34 and total >= 50_000:
            receipt.payments = [Payment(invoice, total)]
            receipt.payment_pending = True
        else:
            receipt.payments = [self._card(card, total)]

    def _refund_payments(self, receipt: Receipt, original: Receipt) -> None:
        country = receipt.store.country
        card, cash, mobile, giftcard, _ = country.payment_types
        total = receipt.gross
        names = {p.ptype.name for p in original.payments}
        if cash.name in names:
            receipt.roundoff = round_cash(total, country.cash_unit) - total
            receipt.payments = [Payment(cash, total + receipt.roundoff)]
        elif mobile.name in names:
            receipt.payments = [Payment(mobile, total)]
        elif giftcard.name in names and card.name not in names:
            receipt.payments = [Payment(giftcard, total)]
        else:
            receipt.payments = [self._card(card, total)]

    # ------------------------------------------------------------------ one day
    def trade_day(self, day: date) -> list[Event]:
        """Play `day` for every store and return the events the backend will see."""
        events: list[Event] = []
        events.extend(self._price_changes(day))
        for store in self.catalog.stores:
            if calendar.is_closed(store.country.code, day):
                continue
            events.extend(self._trade_store_day(store, day))
            events.extend(self._stock_routines(store, day))
        events.extend(self._central_purchases(day))
        return events

    def _price_changes(self, day: date) -> list[Event]:
        events = []
        at = calendar.local_epoch("UTC", day, 3 * 3600)
        for product in self.catalog.products:
            if product.group.kind in ("giftcard", "service") or self.rng.random() >= 0.002:
                continue
            factor = self.rng.choice((0.7, 0.8, 0.9, 1.1))
            changes = {}
            for currency in ("SEK", "NOK", "EUR"):
                old = self.price(product, currency)
                new = max(100, (int(old * factor) // 100) * 100 + (90 if currency == "EUR" else 0))
                self.prices[(product.productid, currency)] = new
                changes[currency] = new
            events.append(self._event(at, EV_PRODUCT, product, {"prices": changes}))
        return events

    def _trade_store_day(self, store: Store, day: date) -> list[Event]:
        rng = self.rng
        country = store.country
        tz = country.tz
        open_hour, close_hour = calendar.opening(day)
        open_ts = calendar.local_epoch(tz, day, open_hour * 3600)
        close_ts = calendar.local_epoch(tz, day, close_hour * 3600)
        n_registers = len(store.registers)
        busy = day.weekday() >= 4 or calendar.day_factor(day) > 1.3
        active = store.registers if busy or n_registers == 1 else store.registers[:-1]

        sessions: list[Session] = []
        for register in active:
            state = self.registers[register.registerid]
            opener = store.staff[rng.randrange(len(store.staff))]
            session = Session(
                state,
                store,
                day,
                open_ts - rng.randint(600, 1500),
                close_ts + rng.randint(300, 1500),
                opener,
            )
            self._plan_offline(session, day)
            sessions.append(session)

        expected = (
            BASE_RECEIPTS_PER_SIZE * store.size * calendar.day_factor(day) * self.config.scale
        )
        count = max(1, int(rng.gauss(expected, expected * 0.12)))
        hours = list(range(open_hour, close_hour))
        weights = [calendar.HOUR_WEIGHTS[h] for h in hours]
        queue: list[tuple[int, int, Receipt | None]] = [
            (calendar.local_epoch(tz, day, h * 3600 + rng.randrange(3600)), 0, None)
            for h in rng.choices(hours, weights, k=count)
        ]
        for booking in self.pickups.pop((day, store.storeid), []):
            offset = rng.randrange((close_hour - open_hour) * 3600)
            queue.append(
                (calendar.local_epoch(tz, day, open_hour * 3600 + offset), booking.seq, booking)
            )
        heapq.heapify(queue)
        while queue:
            t, _, source = heapq.heappop(queue)
            session = sessions[rng.randrange(len(sessions))]
            staff = store.staff[rng.randrange(len(store.staff))]
            if source is not None:
                # A parked cart lives on its register; a booking is picked up where it was
                # made when that register is open today.
                for candidate in sessions:
                    if candidate.state.register is source.register:
                        session = candidate
                self._sale_from(session, staff, t, source)
                continue
            roll = rng.random()
            if roll < 0.04 and self._refund(session, staff, t, day):
                continue
            if roll < 0.045:
                self._receipt(session, staff, t, PRACTICE, day)
            elif roll < 0.055:
                parked = self._parked(session, staff, t, day)
                resume = t + rng.randint(600, 5400)
                if rng.random() < 0.8 and resume < close_ts:
                    heapq.heappush(queue, (resume, parked.seq, parked))
                else:
                    abandon = max(
                        self._backend_time(session, session.closed), parked.backend_time + 1
                    )
                    session.updates.append(SourceUpdate(parked, abandon, abandoned=True))
            elif roll < 0.06:
                self._booking(session, staff, t, day)
            else:
                self._receipt(session, staff, t, SALE, day)

        events: list[Event] = []
        for session in sessions:
            events.extend(self._close_session(session))
        return events

    def _plan_offline(self, session: Session, day: date) -> None:
        """Decide whether the register is offline part of this day and when it uploads."""
        state = session.state
        tz = session.store.country.tz
        if state.offline_upload is not None:
            if session.opened < state.offline_upload:
                # Still offline from an earlier day: everything waits for the same upload.
                session.offline_from = session.opened
                session.upload_time = state.offline_upload
                return
            state.offline_upload = None
        if self.rng.random() >= self.config.offline_rate:
            return
        days = 1 if self.rng.random() < 0.8 else self.rng.randint(2, 3)
        open_hour = calendar.opening(day)[0]
        session.offline_from = calendar.local_epoch(
            tz, day, (open_hour + self.rng.randint(1, 6)) * 3600 + self.rng.randrange(3600)
        )
        upload_day = day + timedelta(days=days)
        upload = calendar.local_epoch(tz, upload_day, 8 * 3600 + self.rng.randrange(5400))
        session.upload_time = upload
        if days > 1:
            state.offline_upload = upload

    def _backend_time(self, session: Session, pos_time: int) -> int:
        upload = session.late_upload(pos_time)
        if upload is not None:
            return upload + len(session.receipts) // 25
        return pos_time + self.rng.randint(1, 4)

    def _new_receipt(self, session: Session, staff: Staff, t: int, kind: str) -> Receipt:
        receipt = Receipt(self._next_seq(), kind, session.store, session.state.register, staff, t)
        receipt.backend_time = self._backend_time(session, t)
        if kind in (SALE, REFUND, PRACTICE):
            state = session.state
            receipt.receipt_no = state.next_receipt
            state.next_receipt += 1
            receipt.receiptid = f"{state.register.registerkey}{receipt.receipt_no:05d}"
        return receipt

    def _journal_cart(self, session: Session, receipt: Receipt, practice: bool) -> None:
        t = receipt.pos_time - 20 * len(receipt.lines) - 15
        for line in receipt.lines:
            session.entries.append(
                (
                    t,
                    "cart-item-add",
                    {
                        "productid": line.product.productid,
                        "sku": line.product.sku,
                        "productname": line.product.title,
                        "quantity": line.quantity,
                        "vatvalue": line.rate_bp,
                        "moneyprice": line.unit_gross,
                    },
                    practice,
                )
            )
            t += 20
        for payment in receipt.payments:
            session.entries.append(
                (
                    t,
                    "cart-payment-add",
                    {
                        "name": payment.ptype.name,
                        "paymentmethodid": payment.ptype.paymentmethodid,
                        "moneyamount": payment.amount,
                    },
                    practice,
                )
            )
            t += 5

    def _receipt(self, session: Session, staff: Staff, t: int, kind: str, day: date) -> Receipt:
        receipt = self._new_receipt(session, staff, t, kind)
        receipt.lines = self._basket(session.store, day)
        self._pay(receipt)
        self._finish(session, receipt, day)
        return receipt

    def _finish(self, session: Session, receipt: Receipt, day: date) -> None:
        practice = receipt.kind == PRACTICE
        self._journal_cart(session, receipt, practice)
        session.entries.append((receipt.pos_time, "receipt", {"receipt": receipt}, practice))
        session.receipts.append(receipt)
        if receipt.kind == SALE:
            self.refund_pool[receipt.store.storeid].append((day, receipt))
            sold = self.sold_since_delivery[receipt.store.storeid]
            for line in receipt.lines:
                if line.product.group.kind not in ("giftcard", "service"):
                    sold[line.product.sku] = sold.get(line.product.sku, 0) + line.quantity

    def _sale_from(self, session: Session, staff: Staff, t: int, source: Receipt) -> None:
        """A parked cart resumed or a booking picked up: a new sale with the same items."""
        receipt = self._new_receipt(session, staff, t, SALE)
        # The backend completes a cart or booking only after it has stored it.
        receipt.backend_time = max(receipt.backend_time, source.backend_time + 1)
        day = session.day
        receipt.lines = [
            self._line(
                session.store,
                line.product,
                line.quantity,
                day,
                line.discount,
                line.vouchercode,
                line.discountname,
            )
            for line in source.lines
        ]
        receipt.source = source
        if source.kind == BOOKING:
            card = session.store.country.payment_types[0]
            receipt.payments = [self._card(card, receipt.gross)]
        else:
            self._pay(receipt)
        self._finish(session, receipt, day)
        session.updates.append(
            SourceUpdate(source, max(receipt.backend_time, source.backend_time + 1))
        )

    def _refund(self, session: Session, staff: Staff, t: int, day: date) -> bool:
        """Refund whole lines of an earlier sale, usually from this store, sometimes another."""
        rng = self.rng
        store = session.store
        if rng.random() < 0.2:
            siblings = self.catalog.stores_in(store.country.code)
            pool = self.refund_pool[siblings[rng.randrange(len(siblings))].storeid]
        else:
            pool = self.refund_pool[store.storeid]
        while pool and (day - pool[0][0]).days > 30:
            pool.popleft()
        if not pool:
            return False
        for _ in range(3):
            sold_day, original = pool[rng.randrange(len(pool))]
            if (
                original.refunded
                or sold_day >= day
                or original.backend_time >= t - 60
                or original.store.country is not store.country
            ):
                continue
            candidates = [
                i for i, line in enumerate(original.lines) if line.product.group.kind != "giftcard"
            ]
            if not candidates:
                continue
            original.refunded = True
            chosen = candidates if rng.random() < 0.6 else [rng.choice(candidates)]
            receipt = self._new_receipt(session, staff, t, REFUND)
            receipt.original = original
            for i in chosen:
                line = original.lines[i]
                receipt.lines.append(
                    Line(
                        line.product,
                        -line.quantity,
                        line.unit_gross,
                        -line.gross,
                        -line.vat,
                        -line.net,
                        line.rate_bp,
                        -line.discount,
                        -line.discount_vat,
                        line.vouchercode,
                        line.discountname,
                        i,
                    )
                )
            self._refund_payments(receipt, original)
            self._finish(session, receipt, day)
            return True
        return False

    def _parked(self, session: Session, staff: Staff, t: int, day: date) -> Receipt:
        receipt = self._new_receipt(session, staff, t, PARKED)
        receipt.lines = self._basket(session.store, day)
        self._journal_cart(session, receipt, False)
        session.entries.append((t, "cart-park", {"numitems": len(receipt.lines)}, False))
        session.receipts.append(receipt)
        return receipt

    def _booking(self, session: Session, staff: Staff, t: int, day: date) -> None:
        receipt = self._new_receipt(session, staff, t, BOOKING)
        receipt.lines = self._basket(session.store, day)
        card = session.store.country.payment_types[0]
        receipt.payments = [self._card(card, receipt.gross)]
        self._journal_cart(session, receipt, False)
        session.entries.append((t, "cart-clear", {"numitems": len(receipt.lines)}, False))
        session.receipts.append(receipt)
        if self.rng.random() < 0.85:
            pickup_day = day + timedelta(days=self.rng.randint(1, 5))
            while calendar.is_closed(session.store.country.code, pickup_day):
                pickup_day += timedelta(days=1)
            self.pickups.setdefault((pickup_day, session.store.storeid), []).append(receipt)
        else:
            cancel = calendar.local_epoch(
                session.store.country.tz, day + timedelta(days=7), 9 * 3600
            )
            session.updates.append(
                SourceUpdate(receipt, max(cancel, receipt.backend_time + 1), cancelled=True)
            )

    # ------------------------------------------------------------------ closing
    def _close_session(self, session: Session) -> list[Event]:
        """Z-report, journal and order events for one register session."""
        rng = self.rng
        state = session.state
        store = session.store
        events: list[Event] = []
        register = state.register
        currency = store.country.currency
        unit = store.country.cash_unit

        entries = [
            (session.opened - 30, "login", {"staff": session.staff}, False),
            (
                session.opened,
                "cash-start",
                {"moneycash": state.drawer, "staff": session.staff},
                False,
            ),
        ]
        entries.extend(session.entries)
        if rng.random() < 0.05:
            entries.append((session.opened + 3 * 3600, "x-report", {"staff": session.staff}, False))
        if rng.random() < 0.03:
            entries.append(
                (
                    session.opened + 4 * 3600,
                    "printout",
                    {"lines": ["KVITTOKOPIA", store.name]},
                    False,
                )
            )

        takings = [r for r in session.receipts if r.kind in (SALE, REFUND)]
        practice = [r for r in session.receipts if r.kind == PRACTICE]
        petty = 0
        if rng.random() < 0.1:
            petty = -round_cash(
                rng.randint(5_000, 20_000) if currency != "EUR" else rng.randint(500, 2_000), unit
            )
        bank = 0
        cash_takings = sum(
            p.amount for r in takings for p in r.payments if p.ptype.paymentmethodid == 100
        )
        if rng.random() < 0.15 and state.drawer + cash_takings > 4 * STANDARD_FLOAT[currency]:
            bank = -round_cash((state.drawer + cash_takings) // 2, unit)
        diff = 0
        if rng.random() < 0.1:
            diff = rng.choice((-1, 1)) * round_cash(rng.randint(unit, 50 * unit), unit)
        zreportid = state.next_zreportid
        state.next_zreportid += 1
        close_time = session.closed
        dateadded = (
            session.upload_time
            if session.offline_from is not None and session.upload_time is not None
            else close_time + rng.randint(2, 30)
        )
        zreport, drawer_after = build_zreport(
            zreportid=zreportid,
            state=state,
            store=store,
            session_staff=session.staff,
            opened=session.opened,
            closed=close_time,
            dateadded=dateadded,
            takings=takings,
            practice=practice,
            petty=petty,
            bank=bank,
            diff=diff,
            standard_float=STANDARD_FLOAT[currency],
        )
        state.drawer = drawer_after
        entries.append((close_time, "z-report", {"zreport": build_journal_zreport(zreport)}, False))
        entries.append((close_time + 20, "logout", {"staff": session.staff}, False))
        entries.sort(key=lambda e: e[0])

        for t, etype, data, is_practice in entries:
            entry_id = state.next_entry
            state.next_entry += 1
            upload = session.late_upload(t)
            added = upload if upload is not None else t + rng.randint(0, 5)
            entry = {
                "id": entry_id,
                "type": etype,
                "datecreated": t,
                "dateadded": added,
                "ispractice": is_practice,
                "registerid": register.registerid,
                "registerkey": register.registerkey,
                "data": data,
            }
            events.append(self._event(added, EV_JOURNAL, entry, {"store": store}))

        if self.rng.random() >= self.config.zreport_drop_rate:
            events.append(self._event(dateadded, EV_ZREPORT, zreport))

        for update in session.updates:
            events.append(
                self._event(update.time, EV_ORDER_UPDATE, update.source, update.changes())
            )
        for receipt in session.receipts:
            if receipt.kind == PRACTICE and not self.config.practice_orders:
                continue
            events.append(self._event(receipt.backend_time, EV_ORDER, receipt))
            if receipt.kind in (SALE, REFUND) and any(
                line.product.group.kind not in UNSTOCKED for line in receipt.lines
            ):
                events.append(self._stock_for(receipt))
            if receipt.payment_pending:
                settle = receipt.backend_time + rng.randint(2, 10) * 86_400
                events.append(self._event(settle, EV_ORDER_UPDATE, receipt, {"paymentstateid": 20}))
        return events

    def _stock_for(self, receipt: Receipt) -> Event:
        lines = [
            StockLine(
                line.product.sku,
                -line.quantity,
                line.product.pricein[receipt.store.country.currency],
            )
            for line in receipt.lines
            if line.product.group.kind not in ("giftcard", "service")
        ]
        move = StockMove(
            receipt.store.warehouseid,
            receipt.store.eshopid,
            receipt.store.country.currency,
            30 if receipt.kind == SALE else 40,
            "",
            lines,
            receipt,
        )
        return self._event(receipt.backend_time + 1, EV_STOCK, move)

    # ------------------------------------------------------------------ stock routines
    def _stock_routines(self, store: Store, day: date) -> list[Event]:
        """Twice-weekly deliveries from the central warehouse and a monthly stocktaking."""
        events: list[Event] = []
        currency = store.country.currency
        tz = store.country.tz
        if day.weekday() in (0, 3):
            sold = self.sold_since_delivery[store.storeid]
            if sold:
                skus = sorted(s for s, q in sold.items() if q > 0)
                by_sku = self._products_by_sku()
                at = calendar.local_epoch(tz, day, 6 * 3600 + self.rng.randrange(1800))
                ref = f"TR-{self.next_delivery_ref:06d}"
                self.next_delivery_ref += 1
                out = StockMove(
                    self.catalog.central_warehouse.warehouseid,
                    1,
                    "SEK",
                    20,
                    "Move Out",
                    [StockLine(s, -sold[s], by_sku[s].pricein["SEK"]) for s in skus],
                    externalid=f"{ref}-OUT",
                )
                inn = StockMove(
                    store.warehouseid,
                    store.eshopid,
                    currency,
                    10,
                    "Move In",
                    [StockLine(s, sold[s], by_sku[s].pricein[currency]) for s in skus],
                    externalid=f"{ref}-IN",
                )
                for sku in skus:
                    self.central_sold[sku] = self.central_sold.get(sku, 0) + sold[sku]
                self.sold_since_delivery[store.storeid] = {}
                events.append(self._event(at, EV_STOCK, out))
                events.append(self._event(at + 5, EV_STOCK, inn))
        if day.day == 1:
            products = self.catalog.products
            picks = sorted(
                {products[self.rng.randrange(len(products))].productid - 1 for _ in range(15)}
            )
            lines = [
                StockLine(
                    products[i].sku, self.rng.choice((-2, -1, -1, 1)), products[i].pricein[currency]
                )
                for i in picks
                if products[i].group.kind not in ("giftcard", "service")
            ]
            at = calendar.local_epoch(tz, day, 7 * 3600)
            events.append(
                self._event(
                    at,
                    EV_STOCK,
                    StockMove(
                        store.warehouseid,
                        store.eshopid,
                        currency,
                        50,
                        "Stocktaking has been completed!",
                        lines,
                        reasoncode="STOCKTAKING",
                    ),
                )
            )
        return events

    def _central_purchases(self, day: date) -> list[Event]:
        if day.weekday() != 1 or not self.central_sold:
            return []
        by_sku = self._products_by_sku()
        skus = sorted(s for s, q in self.central_sold.items() if q > 0)
        lines = [StockLine(s, self.central_sold[s], by_sku[s].pricein["SEK"]) for s in skus]
        self.central_sold = {}
        at = calendar.local_epoch("Europe/Stockholm", day, 5 * 3600)
        ref = f"PO-{day:%Y%m%d}"
        return [
            self._event(
                at,
                EV_STOCK,
                StockMove(
                    self.catalog.central_warehouse.warehouseid,
                    1,
                    "SEK",
                    10,
                    "Purchase delivery",
                    lines,
                    externalid=ref,
                ),
            )
        ]

    _by_sku: dict[str, Product] | None = None

    def _products_by_sku(self) -> dict[str, Product]:
        if self._by_sku is None:
            self._by_sku = {p.sku: p for p in self.catalog.products}
        return self._by_sku

    def opening_stock(self, at: int) -> list[Event]:
        """Opening balances of every warehouse before the first simulated day."""
        events = []
        for warehouse in self.catalog.warehouses:
            central = warehouse.storeid is None
            lines = [
                StockLine(
                    p.sku,
                    self.rng.randint(80, 200) if central else self.rng.randint(3, 12),
                    p.pricein[warehouse.currency],
                )
                for p in self.catalog.products
                if p.group.kind not in ("giftcard", "service")
            ]
            events.append(
                self._event(
                    at,
                    EV_STOCK,
                    StockMove(
                        warehouse.warehouseid,
                        warehouse.eshopid,
                        warehouse.currency,
                        10,
                        "Opening balance",
                        lines,
                        externalid=f"OB-{warehouse.warehouseid}",
                    ),
                )
            )
        return events


@dataclass
class SourceUpdate:
    """A later change of a parked cart's or booking's state, queued with its session."""

    source: Receipt
    time: int
    abandoned: bool = False
    cancelled: bool = False

    def changes(self) -> dict[str, Any]:
        if self.abandoned:
            return {"orderstateid": -1}
        if self.cancelled:
            return {"orderstateid": 20, "paymentstateid": 30}
        if self.source.kind == BOOKING:
            return {"orderstateid": 10, "paymentstateid": 20}
        return {"orderstateid": 10}
