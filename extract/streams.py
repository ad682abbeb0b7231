"""What each stream lands: its raw table, natural key and the fields requested.

The orders field list is explicit so that every field reports need is requested even where the
endpoint's default field set leaves it out (creditorderid, net totals, reserved payments, …).
"""

from __future__ import annotations

from extract.landing import TableSpec

ORDER_FIELDS = (
    "orderid", "eshopid", "externalid", "creditorderid", "checkouttypeid", "deliverytypeid",
    "email", "namefirst", "namelast", "personalid", "company", "phone", "invoice_address",
    "invoice_address2", "invoice_zip", "invoice_city", "invoice_state", "invoice_countryid",
    "delivery_address", "delivery_address2", "delivery_zip", "delivery_city", "delivery_state",
    "delivery_countryid", "comment", "commentinternal", "customerref", "checkoutref",
    "moneytotal_net", "moneytotal_vat", "moneycheckout_net", "moneycheckout_vat",
    "moneytotal_gross_checkout", "moneydelivery_net", "moneydelivery_vat",
    "moneytotal_gross_delivery", "moneyfinal_net", "moneyfinal_vat", "moneyfinal_salestax",
    "moneytotal_gross_roundoff", "moneytotal_gross_all", "checkouttypename", "checkoutmethodid",
    "checkoutmethodsubid", "deliverytypename", "orderdate", "orderstateid", "paymentstateid",
    "ordertypeid", "userid_staff", "registerid", "warehouseid", "datereserved", "currencycode",
    "additionaldata", "orderitems", "payments", "reservedpayments", "orderlogitems",
)  # fmt: skip
TRANSACTION_FIELDS = (
    "warehousetransactionid", "warehouseid", "datecreated", "transactiontype", "description",
    "orderdeliveryid", "shipmentid", "externalid", "reasoncode", "items",
)  # fmt: skip

USER_FIELDS = (
    "userid", "email", "namefirst", "namelast", "externalid", "company", "datecreated",
    "datemodified", "role", "warehouses",
)  # fmt: skip
"""The users endpoint's default fields leave out `role`, `externalid` and `warehouses`, which
tell staff from customers and tie staff to their stores."""

BIGINT = "BIGINT"
TEXT = "VARCHAR"

ORDERS = TableSpec("orders", (("orderid", BIGINT),))
POS_Z_REPORTS = TableSpec("pos_z_reports", (("registerid", TEXT), ("zreportid", BIGINT)))
JOURNAL_ENTRIES = TableSpec("journal_entries", (("registerid", TEXT), ("id", BIGINT)))
WAREHOUSE_TRANSACTIONS = TableSpec("warehouse_transactions", (("warehousetransactionid", BIGINT),))
SITES = TableSpec("sites", (("eshopid", BIGINT),))
STORES = TableSpec("stores", (("storeid", BIGINT),))
CASH_REGISTERS = TableSpec("cash_registers", (("registerid", TEXT),))
WAREHOUSES = TableSpec("warehouses", (("warehouseid", BIGINT),))
PRODUCT_GROUPS = TableSpec("product_groups", (("eshopid", BIGINT), ("vatid", BIGINT)))
SALES_TAXES = TableSpec("sales_taxes", (("eshopid", BIGINT), ("salestaxid", BIGINT)))
POS_PAYMENT_TYPES = TableSpec("pos_payment_types", (("eshopid", BIGINT), ("paymenttypeid", BIGINT)))
USERS = TableSpec("users", (("userid", TEXT),))
PRODUCTS = TableSpec("products", (("eshopid", BIGINT), ("productid", BIGINT)))

REFERENCE_STREAMS = (
    SITES,
    STORES,
    CASH_REGISTERS,
    WAREHOUSES,
    PRODUCT_GROUPS,
    SALES_TAXES,
    POS_PAYMENT_TYPES,
    USERS,
    PRODUCTS,
)
FACT_STREAMS = (ORDERS, POS_Z_REPORTS, JOURNAL_ENTRIES, WAREHOUSE_TRANSACTIONS)
ALL_STREAMS = {spec.name: spec for spec in (*REFERENCE_STREAMS, *FACT_STREAMS)}

# Non-final orders are re-polled by id on every run so later changes reach the warehouse.
OPEN_ORDER_STATES = frozenset({0})
OPEN_PAYMENT_STATES = frozenset({10, 15})
