"""Sitoo-shaped JSON documents built from the chain's objects.

Field names, order, types and `null`s follow sitoo-api-core.md and sitoo-api-zreports-journals.md
(money as 2-decimal strings, decimals as 3-decimal strings, Unix seconds, braced GUIDs). Where
the real shape is unknown (most of Journals v3) the choice is listed in simulator/README.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from simulator.catalog import (
    PRODUCT_GROUPS,
    Catalog,
    Country,
    Product,
    Register,
    Staff,
    Store,
    Warehouse,
    vat_rate_bp,
)
from simulator.model import BOOKING, PARKED, PRACTICE, REFUND, Line, Payment, Receipt
from simulator.money import div_round, fmt_decimal, fmt_money, fmt_qty, rate_number, vat_of_gross

ORDER_TYPE = {BOOKING: 100, PARKED: 110}
REFTYPE = {210: "verifonelpp", 710: "swish", 800: "vippsmobilepay", 500: "giftcard", 600: "invoice"}


def _additional(receipt: Receipt) -> dict[str, str]:
    store = receipt.store
    data = {
        "pos-receiptid": receipt.receiptid,
        "pos-staff-externalid": receipt.staff.externalid,
        "pos-staff-userid": receipt.staff.userid,
        "pos-timezone": store.country.tz,
        "store-externalgroupid": store.country.code,
        "store-externalid": store.externalid,
        "store-name": store.name,
    }
    if not receipt.receiptid:
        del data["pos-receiptid"]
    return data


def _item(index: int, line: Line) -> dict[str, Any]:
    quantity = abs(line.quantity)
    unit_net = line.unit_gross - vat_of_gross(line.unit_gross, line.rate_bp)
    net_per_unit = div_round(abs(line.net), quantity)
    discounted = line.discount != 0
    extra = {"product-group-name": line.product.group.name}
    if discounted:
        extra["orderitem-moneyrowdiscount"] = fmt_money(abs(line.discount))
        if line.vouchercode == "discount-manual":
            extra["reasoncode-manualdiscount"] = "RD"
    if line.product.group.kind == "giftcard":
        extra["giftcard-cardnumber"] = f"6000{line.product.productid:04d}{index:04d}"
    return {
        "orderitemid": index,
        "orderitemtype": 10,
        "productid": line.product.productid,
        "productname": line.product.title,
        "sku": line.product.sku,
        "productattributes": line.product.attributes,
        "externalinput": "",
        "externalinputtitle": "",
        "unitlabel": "",
        "quantity": line.quantity,
        "decimalunitquantity": None,
        "moneynetpriceperunit": fmt_money(net_per_unit),
        "moneypriceorg": "0.00",
        "vatvalue": rate_number(line.rate_bp),
        "deliveryinfo": "",
        "moneyitemtotal_net": fmt_money(line.net),
        "moneyitemtotal_vat": fmt_money(line.vat),
        "voucherid": 0,
        "vouchercode": line.vouchercode if discounted else "",
        "vouchername": line.discountname if discounted else "",
        "moneyoriginalprice": fmt_money(unit_net),
        "moneydiscountedprice": fmt_money(net_per_unit) if discounted else "0.00",
        "moneydiscount": fmt_money(unit_net - net_per_unit) if discounted else "0.00",
        "salestaxes": [],
        "additionaldata": extra,
        "decimalquantitytotal": fmt_qty(line.quantity),
        "moneynetpriceperquantity": fmt_money(net_per_unit),
    }


def _payment(payment: Payment) -> dict[str, Any]:
    method = payment.ptype.paymentmethodid
    extra: dict[str, str] = {"payment-method": payment.ptype.externalid}
    if method == 500:
        extra["giftcard-cardnumber-display"] = "**********" + payment.refid[-4:].rjust(4, "0")
    return {
        "name": payment.ptype.name,
        "moneyamount": fmt_money(payment.amount),
        "externalid": "",
        "reftype": REFTYPE.get(method, ""),
        "refid": payment.refid,
        "cardissuer": payment.cardissuer,
        "additionaldata": extra,
    }


def order_customer(receipt: Receipt, catalog: Catalog) -> Staff | None:
    """Every ninth receipt belongs to a known member (deterministic, no RNG needed)."""
    if receipt.seq % 9 == 0 and receipt.kind != PRACTICE:
        return catalog.customers[receipt.seq % len(catalog.customers)]
    return None


def customer_email(receipt: Receipt, catalog: Catalog) -> str:
    customer = order_customer(receipt, catalog)
    return customer.email if customer else ""


def order_document(
    receipt: Receipt,
    *,
    orderstateid: int,
    paymentstateid: int,
    catalog: Catalog,
    log: list[dict[str, Any]],
) -> dict[str, Any]:
    """The full `order` object (what a single-order GET returns)."""
    store = receipt.store
    customer = order_customer(receipt, catalog)
    additional = _additional(receipt)
    creditorderid = None
    if receipt.kind == REFUND and receipt.original is not None:
        creditorderid = receipt.original.orderid
        additional["pos-originalsales-orderid"] = str(receipt.original.orderid)
        additional["refundreasoncode-reasoncode"] = "RC" + str(receipt.seq % 4 + 1)
        additional["refundreasoncode-comment"] = (
            "Wrong size",
            "Changed mind",
            "Defect",
            "Gift return",
        )[receipt.seq % 4]
    if receipt.source is not None:
        additional["pos-sourceorderid"] = str(receipt.source.orderid)
    if receipt.kind == PRACTICE:
        additional["pos-practicemode"] = "true"
    if customer is not None:
        additional["crm-membernumber"] = f"M{receipt.seq % 100000:06d}"
    net, vat = receipt.net, receipt.vat
    first_payment = receipt.payments[0].ptype.name if receipt.payments else ""
    reserved: list[dict[str, Any]] = []
    payments = [_payment(p) for p in receipt.payments]
    if receipt.kind == BOOKING:
        reserved = [
            {
                "id": f"R{receipt.seq}",
                "name": p["name"],
                "moneyreserved": p["moneyamount"],
                "externalid": "",
                "reftype": p["reftype"],
                "refid": p["refid"],
                "cardissuer": p["cardissuer"],
                "additionaldata": {},
            }
            for p in payments
        ]
        payments = []
    return {
        "orderid": receipt.orderid,
        "eshopid": store.eshopid,
        "externalid": None,
        "creditorderid": creditorderid,
        "checkouttypeid": 0,
        "deliverytypeid": 0,
        "email": customer.email if customer else "",
        "namefirst": customer.namefirst if customer else "",
        "namelast": customer.namelast if customer else "",
        "personalid": "",
        "company": "",
        "phone": "",
        "invoice_address": "",
        "invoice_address2": "",
        "invoice_zip": "",
        "invoice_city": "",
        "invoice_state": "",
        "invoice_countryid": "",
        "delivery_address": "",
        "delivery_address2": "",
        "delivery_zip": "",
        "delivery_city": "",
        "delivery_state": "",
        "delivery_countryid": "",
        "comment": "",
        "commentinternal": "",
        "customerref": "",
        "checkoutref": "",
        "moneytotal_net": fmt_money(net),
        "moneytotal_vat": fmt_money(vat),
        "moneycheckout_net": "0.00",
        "moneycheckout_vat": "0.00",
        "moneytotal_gross_checkout": "0.00",
        "moneydelivery_net": "0.00",
        "moneydelivery_vat": "0.00",
        "moneytotal_gross_delivery": "0.00",
        "moneyfinal_net": fmt_money(net),
        "moneyfinal_vat": fmt_money(vat),
        "moneyfinal_salestax": "0.00",
        "moneytotal_gross_roundoff": fmt_money(receipt.roundoff),
        "moneytotal_gross_all": fmt_money(net + vat + receipt.roundoff),
        "checkouttypename": f"Sitoo POS - {first_payment}" if first_payment else "Sitoo POS",
        "checkoutmethodid": 0,
        "checkoutmethodsubid": 0,
        "deliverytypename": "",
        "orderdate": receipt.pos_time,
        "orderstateid": orderstateid,
        "paymentstateid": paymentstateid,
        "ordertypeid": ORDER_TYPE.get(receipt.kind, 10),
        "userid_staff": receipt.staff.userid,
        "registerid": receipt.register.registerid,
        "warehouseid": store.warehouseid,
        "datereserved": None,
        "currencycode": store.country.currency,
        "additionaldata": additional,
        "orderitems": [_item(i, line) for i, line in enumerate(receipt.lines)],
        "payments": payments,
        "reservedpayments": reserved,
        "orderlogitems": log,
    }


def initial_state(receipt: Receipt) -> tuple[int, int]:
    """(orderstateid, paymentstateid) when the backend first stores the order."""
    if receipt.kind == PARKED:
        return 0, 0
    if receipt.kind == BOOKING:
        return 0, 15
    return 10, 10 if receipt.payment_pending else 20


def order_log(receipt: Receipt, at: int) -> list[dict[str, Any]]:
    register = receipt.register
    log: list[dict[str, Any]] = [
        {"datelog": at, "orderlogtypeid": 0, "strvalue": None, "fvalue": None}
    ]
    if receipt.receipt_no is not None:
        log.append(
            {
                "datelog": at,
                "orderlogtypeid": 999,
                "fvalue": None,
                "strvalue": f"Register {register.registernumber} ({register.registerkey})\n"
                f"Receipt #{receipt.receipt_no}\n{receipt.staff.externalid}",
            }
        )
        log.append({"datelog": at, "orderlogtypeid": 70, "strvalue": None, "fvalue": 10})
    return log


# --------------------------------------------------------------------------- journals
def _staff(staff: Staff) -> dict[str, Any]:
    return {"staff": staff.name, "staffuserid": staff.userid}


def journal_receipt(receipt: Receipt) -> dict[str, Any]:
    """`JournalReceipt` data: the POS's own record of a receipt (amounts signed like orders)."""
    vats: dict[int, list[int]] = {}
    items = []
    for line in receipt.lines:
        v = vats.setdefault(line.rate_bp, [0, 0, 0])
        v[0] += line.gross
        v[1] += line.net
        v[2] += line.vat
        discounts = []
        if line.discount:
            discounts.append(
                {
                    "discountname": line.discountname,
                    "vouchercode": line.vouchercode,
                    "moneydiscount": fmt_money(line.discount),
                }
            )
        items.append(
            {
                "additionaldata": {
                    "item-delivered": "true",
                    "item-productid": str(line.product.productid),
                    "product-group-name": line.product.group.name,
                },
                "decimalunitquantity": "0.000",
                "discounts": discounts,
                "sku": line.product.sku,
                "productname": line.product.title,
                "quantity": line.quantity,
                "vatvalue": rate_number(line.rate_bp),
                "moneyprice": fmt_money(line.unit_gross),
                "moneyrowprice": fmt_money(line.gross),
                "moneyrownet": fmt_money(line.net),
                "moneyrowvat": fmt_money(line.vat),
            }
        )
    return {
        "additionaldata": _additional(receipt),
        "comment": "",
        "currencycode": receipt.store.country.currency,
        "isrefund": receipt.kind == REFUND,
        "receiptnumber": receipt.receipt_no,
        "items": items,
        "payments": [
            {
                "name": p.ptype.name,
                "paymentmethodid": p.ptype.paymentmethodid,
                "moneyamount": fmt_money(p.amount),
                "cardissuer": p.cardissuer,
            }
            for p in receipt.payments
        ],
        "vats": [
            {
                "vatvalue": rate_number(rate),
                "moneytotal": fmt_money(v[0]),
                "moneynet": fmt_money(v[1]),
                "moneyvat": fmt_money(v[2]),
            }
            for rate, v in sorted(vats.items())
        ],
        "moneytotal": fmt_money(receipt.gross),
        "moneyroundoff": fmt_money(receipt.roundoff),
        "moneytotalpaid": fmt_money(receipt.total),
    }


def journal_data(etype: str, data: dict[str, Any], store: Store) -> dict[str, Any]:
    """Turn a generator's journal payload into the documented or assumed `data` object."""
    if etype in ("login", "logout", "x-report"):
        return _staff(data["staff"])
    if etype == "cash-start":
        return {
            "currencycode": store.country.currency,
            "moneycash": fmt_money(data["moneycash"]),
            **_staff(data["staff"]),
        }
    if etype == "cart-item-add":
        return {
            **data,
            "vatvalue": rate_number(data["vatvalue"]),
            "moneyprice": fmt_money(data["moneyprice"]),
        }
    if etype == "cart-payment-add":
        return {**data, "moneyamount": fmt_money(data["moneyamount"])}
    if etype == "receipt":
        return journal_receipt(data["receipt"])
    if etype == "z-report":
        return dict(data["zreport"])
    if etype == "printout":
        return {"printlines": [{"text": text} for text in data["lines"]]}
    return dict(data)


def journal_entry(entry: dict[str, Any], store: Store) -> dict[str, Any]:
    return {**entry, "data": journal_data(entry["type"], entry["data"], store)}


# --------------------------------------------------------------------------- reference data
def site_document(country: Country) -> dict[str, Any]:
    return {
        "siteid": "{" + f"{country.eshopid:08X}-5EED-4C0A-9E11-00000000{country.eshopid:04X}" + "}",
        "eshopid": country.eshopid,
        "protocol": "https",
        "server": country.server,
        "abspath": "/",
        "siteurl": f"https://{country.server}/",
    }


def store_document(store: Store, catalog: Catalog) -> dict[str, Any]:
    siblings = [s.storeid for s in catalog.stores_in(store.country.code) if s is not store]
    return {
        "storeid": store.storeid,
        "eshopid": store.eshopid,
        "storetype": 10 if store.size > 1 else 20,
        "name": store.name,
        "externalid": store.externalid,
        "externalgroupid": store.country.code,
        "phone": None,
        "email": f"{store.externalid.lower()}@nordlys.example",
        "address": store.address,
        "address2": "",
        "zip": store.zip,
        "city": store.city,
        "state": "",
        "countryid": store.country.code.lower(),
        "latitude": store.latitude,
        "longitude": store.longitude,
        "nearby_stores": siblings[:3],
        "usetype_movein": 10,
        "usetype_moveout": 20,
        "usetype_manualin": None,
        "usetype_manualout": None,
        "usetype_shipmentin": None,
        "usetype_shipmentout": None,
        "tags": [store.country.code.lower(), "store"],
        "additional_data": None,
    }


def register_document(register: Register, store: Store) -> dict[str, Any]:
    country = store.country
    return {
        "registerid": register.registerid,
        "manufacturerid": register.manufacturerid,
        "registerkey": register.registerkey,
        "company": country.company,
        "companyid": country.companyid,
        "address": store.address,
        "address2": "",
        "zip": store.zip,
        "city": store.city,
        "state": "",
        "countryid": country.code.lower(),
        "currencycode": country.currency,
        "receiptlanguagetag": country.receipt_language,
        "storesettingid": store.storeid,
        "warehouseid": register.warehouseid,
        "salestaxgroupid": None,
    }


def warehouse_document(warehouse: Warehouse) -> dict[str, Any]:
    return {
        "warehouseid": warehouse.warehouseid,
        "warehousetype": 10,
        "usetype": 10 if warehouse.storeid is not None else 20,
        "storeid": warehouse.storeid,
        "sellable": warehouse.storeid is not None,
        "currencycode": warehouse.currency,
        "name": warehouse.name,
        "address": warehouse.address,
        "address2": "",
        "zip": warehouse.zip,
        "city": warehouse.city,
        "state": "",
        "countryid": warehouse.country,
        "externalid": warehouse.externalid,
    }


def product_group_documents(country: Country, on: date) -> list[dict[str, Any]]:
    return [
        {
            "vatid": group.vatid,
            "value": rate_number(vat_rate_bp(country.code, group.kind, on)),
            "productgrouptype": group.productgrouptype,
            "productgroupname": group.name,
            "comment": f"VAT kind: {group.kind}",
        }
        for group in PRODUCT_GROUPS
    ]


def product_document(
    product: Product, country: Country, on: date, price: int, datemodified: int
) -> dict[str, Any]:
    rate = vat_rate_bp(country.code, product.group.kind, on)
    currency = country.currency
    return {
        "productid": product.productid,
        "sku": product.sku,
        "skumanufacturer": "",
        "title": product.title,
        "descriptionshort": product.attributes,
        "description": "",
        "moneyprice": fmt_money(price),
        "moneypriceorg": "0.00",
        "moneypricein": fmt_money(product.pricein[currency]),
        "unitlabel": "",
        "allowdecimals": False,
        "deliveryinfo": "",
        "activepos": True,
        "vatid": product.group.vatid,
        "vatvalue": rate_number(rate),
        "productgrouptype": product.group.productgrouptype,
        "defaultcategoryid": product.group.vatid,
        "categories": [product.group.vatid],
        "manufacturerid": 0,
        "stockcountenable": product.group.kind not in ("giftcard", "service"),
        "variantparentid": 0,
        "barcode": product.barcode,
        "barcodealiases": [],
        "datecreated": product.datecreated,
        "datemodified": datemodified,
    }


def user_document(user: Staff) -> dict[str, Any]:
    is_staff = user.storeid > 0
    return {
        "userid": user.userid,
        "email": user.email,
        "namefirst": user.namefirst,
        "namelast": user.namelast,
        "personalid": "",
        "externalid": user.externalid,
        "company": "Nordlys" if is_staff else "",
        "department": "",
        "companyid": "",
        "address": "",
        "address2": "",
        "zip": "",
        "city": "",
        "state": "",
        "countryid": "",
        "phone": "",
        "mobile": "",
        "notes": "",
        "customernumber": "" if is_staff else f"C{user.datecreated % 100000:05d}",
        "datecreated": user.datecreated,
        "datemodified": user.datecreated,
        "role": user.role if is_staff else None,
        "warehouses": [user.storeid] if is_staff else [],
        "posrefundcard": is_staff,
    }


def stock_item(sku: str, quantity: int, total_after: int, pricein: int) -> dict[str, Any]:
    return {
        "decimalquantity": fmt_qty(quantity),
        "decimaltotal": fmt_decimal(total_after * 1000),
        "moneypricein": fmt_money(pricein),
        "moneytotal": fmt_money(total_after * pricein),
        "moneyvalue": fmt_money(quantity * pricein),
        "sku": sku,
    }
