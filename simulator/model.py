"""Plain data objects for what happens in the chain: receipts, their lines and payments,
register sessions, warehouse movements, and the backend events that reveal them over time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.catalog import PaymentType, Product, Register, Staff, Store

# Receipt kinds. Only SALE, REFUND and PICKUP (a booking's sale) are real takings.
SALE = "sale"
REFUND = "refund"
PRACTICE = "practice"
PARKED = "parked"
BOOKING = "booking"


@dataclass(slots=True)
class Line:
    product: Product
    quantity: int
    """Negative on refunds."""
    unit_gross: int
    """List price per unit, VAT included, minor units."""
    gross: int
    """Row total after discount, VAT included, signed like quantity."""
    vat: int
    net: int
    rate_bp: int
    discount: int = 0
    """Gross discount on the row, signed like quantity (a refund gives the discount back)."""
    discount_vat: int = 0
    vouchercode: str = ""
    discountname: str = ""
    original_index: int | None = None


@dataclass(slots=True)
class Payment:
    ptype: PaymentType
    amount: int
    """Signed: negative when money goes back to the customer."""
    cardissuer: str = ""
    refid: str = ""


@dataclass(slots=True)
class Receipt:
    seq: int
    """Generation order; a stable identity before the backend assigns an orderid."""
    kind: str
    store: Store
    register: Register
    staff: Staff
    pos_time: int
    backend_time: int = 0
    receipt_no: int | None = None
    receiptid: str = ""
    lines: list[Line] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    roundoff: int = 0
    original: Receipt | None = None
    source: Receipt | None = None
    """The parked cart or booking this sale completes."""
    payment_pending: bool = False
    customer: Staff | None = None
    refunded: bool = False
    orderid: int = 0
    """Set when the backend creates the order (reveal time)."""
    orderdeliveryid: int = 0

    @property
    def gross(self) -> int:
        return sum(line.gross for line in self.lines)

    @property
    def vat(self) -> int:
        return sum(line.vat for line in self.lines)

    @property
    def net(self) -> int:
        return sum(line.net for line in self.lines)

    @property
    def total(self) -> int:
        """What is paid: gross plus cash rounding."""
        return self.gross + self.roundoff


@dataclass(slots=True)
class StockLine:
    sku: str
    quantity: int
    """Whole units, signed; a stocktaking line carries the correction."""
    pricein: int


@dataclass(slots=True)
class StockMove:
    warehouseid: int
    eshopid: int
    currency: str
    transactiontype: int
    description: str
    lines: list[StockLine]
    receipt: Receipt | None = None
    externalid: str | None = None
    reasoncode: str | None = None


@dataclass(slots=True)
class Event:
    """Something the backend learns at `time`; events are applied in (time, order, seq) order."""

    time: int
    order: int
    seq: int
    kind: str
    payload: Any
    extra: dict[str, Any] | None = None

    def sort_key(self) -> tuple[int, int, int]:
        return (self.time, self.order, self.seq)


# Event kinds and their tie-break order within one second.
EV_ORDER = "order"
EV_ORDER_UPDATE = "order_update"
EV_STOCK = "stock"
EV_ZREPORT = "zreport"
EV_JOURNAL = "journal"
EV_PRODUCT = "product"
EVENT_ORDER = {
    EV_PRODUCT: 0,
    EV_ORDER: 1,
    EV_ORDER_UPDATE: 2,
    EV_STOCK: 3,
    EV_JOURNAL: 4,
    EV_ZREPORT: 5,
}


@dataclass
class RegisterState:
    """What a register remembers between sessions."""

    register: Register
    next_zreportid: int = 1
    next_receipt: int = 1
    next_entry: int = 1
    grand_sales: int = 0
    grand_refund: int = 0
    drawer: int = 0
    offline_upload: int | None = None
    """Set while the register stays offline across days: when it will upload."""
