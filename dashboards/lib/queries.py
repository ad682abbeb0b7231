"""The SQL the pages run, one function per question, each reading only the published marts.

Every value is a `$name` parameter (`$start`, `$end`, `$currency`, `$stores` come from
`Filters.params`); no value is ever formatted into SQL text, only the constant names of marts.
Money columns come back as Decimal, in the one currency of the filters.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import pandas as pd

from dashboards.lib import db
from dashboards.lib.filters import Filters, Store
from dashboards.lib.kpis import Period, SalesTotals

IN_SCOPE: Final = (
    "currency_code = $currency AND list_contains($stores, store_external_id) "
    "AND business_date BETWEEN $start AND $end"
)
"""The global filters, on a mart with business_date, store_external_id and currency_code."""


def scoped(mart: str, extra: str = "") -> str:
    """A mart's rows within the global filters, as a subquery (`mart` is a constant name)."""
    return f"(SELECT * FROM marts.{mart} WHERE {IN_SCOPE} {extra})"  # noqa: S608


# ---- reference data for the filters ---------------------------------------------------------


def stores() -> list[Store]:
    df = db.query(
        "SELECT store_external_id, coalesce(store_name, store_external_id) AS store_name, "
        "currency_code FROM marts.dim_store ORDER BY currency_code, store_name"
    )
    return [
        Store(str(r["store_external_id"]), str(r["store_name"]), str(r["currency_code"]))
        for r in df.to_dict("records")
    ]


def date_bounds() -> tuple[date, date] | None:
    """First and last business date with takings, or None when there are none yet."""
    df = db.query(
        "SELECT min(business_date) AS first_day, max(business_date) AS last_day "
        "FROM marts.fct_sales_daily"
    )
    first, last = df.iloc[0]["first_day"], df.iloc[0]["last_day"]
    if not isinstance(first, date) or not isinstance(last, date):
        return None
    return first, last


# ---- overview -------------------------------------------------------------------------------


def sales_totals(f: Filters, period: Period | None = None) -> SalesTotals:
    df = db.query(
        f"""
        SELECT sum(net_sales) AS net_sales, sum(gross_sales) AS gross_sales,
               sum(discount_amount) AS discount_amount, sum(returns_amount) AS returns_amount,
               sum(transactions) AS transactions, sum(refund_transactions) AS refund_transactions,
               sum(units) AS units, count(DISTINCT business_date) AS days_with_sales
        FROM {scoped("fct_sales_daily")}
        """,  # noqa: S608
        f.params(period),
    )
    return SalesTotals.from_row({str(k): v for k, v in df.iloc[0].to_dict().items()})


def store_ranking(f: Filters) -> pd.DataFrame:
    """Per store: totals and the rate metrics stores are fairly compared on."""
    return db.query(
        f"""
        WITH by_store AS (
            SELECT store_external_id, sum(net_sales) AS net_sales,
                   sum(gross_sales) AS gross_sales, sum(discount_amount) AS discounts,
                   sum(returns_amount) AS returns, sum(transactions) AS transactions,
                   sum(units) AS units
            FROM {scoped("fct_sales_daily")}
            GROUP BY store_external_id
        )
        SELECT s.store_name AS store, b.net_sales, b.transactions,
               round(b.net_sales / nullif(b.transactions, 0), 2) AS atv,
               (b.units / nullif(b.transactions, 0))::DOUBLE AS upt,
               (b.returns / nullif(b.gross_sales + b.returns, 0))::DOUBLE AS return_rate,
               (b.discounts / nullif(b.gross_sales + b.discounts, 0))::DOUBLE AS discount_rate
        FROM by_store AS b
        JOIN marts.dim_store AS s USING (store_external_id)
        ORDER BY b.net_sales DESC
        """,  # noqa: S608
        f.params(),
    )


# ---- sales ----------------------------------------------------------------------------------


def sales_by_store_day(f: Filters) -> pd.DataFrame:
    return db.query(
        f"""
        SELECT d.business_date, s.store_name AS store, d.net_sales, d.gross_sales,
               d.transactions, d.units, d.returns_amount, d.discount_amount
        FROM {scoped("fct_sales_daily")} AS d
        JOIN marts.dim_store AS s USING (store_external_id)
        ORDER BY d.business_date, store
        """,  # noqa: S608
        f.params(),
    )


def sales_weekday_hour(f: Filters) -> pd.DataFrame:
    """Net sales and receipts per ISO weekday and store-local hour, for the staffing heatmap."""
    return db.query(
        f"""
        SELECT isodow(business_date) AS weekday_number, dayname(business_date) AS weekday,
               business_hour AS hour, sum(net_sales) AS net_sales,
               sum(transactions) AS transactions
        FROM {scoped("fct_sales_hourly")}
        GROUP BY ALL
        ORDER BY weekday_number, hour
        """,  # noqa: S608
        f.params(),
    )


def sales_by_product_group(f: Filters) -> pd.DataFrame:
    return db.query(
        f"""
        SELECT coalesce(product_group_name, '(none)') AS product_group,
               sum(net_amount) AS net_sales, sum(quantity) AS units,
               sum(gross_margin_amount) AS gross_margin,
               (sum(gross_margin_amount) / nullif(sum(net_amount)
                   FILTER (WHERE cost_amount IS NOT NULL), 0))::DOUBLE AS margin_rate
        FROM {scoped("fct_order_lines", "AND is_sales_transaction")}
        GROUP BY ALL
        ORDER BY net_sales DESC
        """,  # noqa: S608
        f.params(),
    )


def top_products(f: Filters, limit: int = 25) -> pd.DataFrame:
    return db.query(
        f"""
        SELECT sku, any_value(product_name) AS product,
               any_value(product_name) || ' · ' || sku AS item,
               any_value(product_group_name) AS product_group,
               sum(quantity) AS units, sum(net_amount) AS net_sales,
               sum(gross_margin_amount) AS gross_margin
        FROM {scoped("fct_order_lines", "AND is_sales_transaction")}
        GROUP BY sku
        ORDER BY net_sales DESC, sku
        LIMIT $limit
        """,  # noqa: S608
        {**f.params(), "limit": limit},
    )


def sales_by_staff(f: Filters) -> pd.DataFrame:
    """Per staff member: net sales, receipts, ATV and UPT (Shopify's top staff)."""
    return db.query(
        f"""
        WITH orders AS (
            SELECT staff_user_id, sum(net_amount) AS net_sales,
                   count(*) FILTER (WHERE order_class = 'sale') AS transactions
            FROM {scoped("fct_orders", "AND is_sales_transaction")}
            GROUP BY staff_user_id
        ),
        units AS (
            SELECT staff_user_id, sum(quantity) AS units
            FROM {scoped("fct_order_lines", "AND is_sales_transaction")}
            GROUP BY staff_user_id
        )
        SELECT coalesce(s.staff_name, o.staff_user_id, '(unknown)') AS staff,
               o.net_sales, o.transactions,
               round(o.net_sales / nullif(o.transactions, 0), 2) AS atv,
               (u.units / nullif(o.transactions, 0))::DOUBLE AS upt
        FROM orders AS o
        LEFT JOIN units AS u USING (staff_user_id)
        LEFT JOIN marts.dim_staff AS s USING (staff_user_id)
        ORDER BY o.net_sales DESC
        """,  # noqa: S608
        f.params(),
    )


# ---- VAT ------------------------------------------------------------------------------------


def vat_by_rate(f: Filters, period: Period | None = None) -> pd.DataFrame:
    return db.query(
        f"""
        SELECT vat_rate, sum(net_amount) AS net_amount, sum(vat_amount) AS vat_amount,
               sum(gross_amount) AS gross_amount
        FROM {scoped("fct_vat_daily")}
        GROUP BY vat_rate
        ORDER BY vat_rate DESC
        """,  # noqa: S608
        f.params(period),
    )


def vat_by_store_rate(f: Filters) -> pd.DataFrame:
    return db.query(
        f"""
        SELECT s.store_name AS store, v.vat_rate, sum(v.net_amount) AS net_amount,
               sum(v.vat_amount) AS vat_amount, sum(v.gross_amount) AS gross_amount
        FROM {scoped("fct_vat_daily")} AS v
        JOIN marts.dim_store AS s USING (store_external_id)
        GROUP BY ALL
        ORDER BY store, v.vat_rate DESC
        """,  # noqa: S608
        f.params(),
    )


def vat_over_time(f: Filters, grain: str) -> pd.DataFrame:
    """VAT per rate per day or per month (`grain` is 'day' or 'month')."""
    if grain not in ("day", "month"):
        raise ValueError(f"grain must be day or month, got {grain!r}")
    return db.query(
        f"""
        SELECT date_trunc($grain, business_date)::DATE AS period_start, vat_rate,
               sum(net_amount) AS net_amount, sum(vat_amount) AS vat_amount,
               sum(gross_amount) AS gross_amount
        FROM {scoped("fct_vat_daily")}
        GROUP BY ALL
        ORDER BY period_start, vat_rate DESC
        """,  # noqa: S608
        {**f.params(), "grain": grain},
    )


def vat_months(f: Filters) -> list[date]:
    """First days of the months with takings in the currency and stores (newest first)."""
    df = db.query(
        """
        SELECT DISTINCT date_trunc('month', business_date)::DATE AS month_start
        FROM marts.fct_vat_daily
        WHERE currency_code = $currency AND list_contains($stores, store_external_id)
        ORDER BY month_start DESC
        """,
        {"currency": f.currency, "stores": f.stores},
    )
    return [d for d in df["month_start"] if isinstance(d, date)]


# ---- payments -------------------------------------------------------------------------------


def payment_mix(f: Filters) -> pd.DataFrame:
    return db.query(
        f"""
        SELECT payment_method, sum(amount) AS amount, sum(payment_count) AS payments
        FROM {scoped("fct_payments_daily")}
        GROUP BY payment_method
        ORDER BY amount DESC
        """,  # noqa: S608
        f.params(),
    )


def payments_by_day(f: Filters) -> pd.DataFrame:
    return db.query(
        f"""
        SELECT business_date, payment_method, sum(amount) AS amount,
               sum(payment_count) AS payments
        FROM {scoped("fct_payments_daily")}
        GROUP BY ALL
        ORDER BY business_date, payment_method
        """,  # noqa: S608
        f.params(),
    )


def payments_by_store(f: Filters) -> pd.DataFrame:
    return db.query(
        f"""
        SELECT s.store_name AS store, p.payment_method, sum(p.amount) AS amount
        FROM {scoped("fct_payments_daily")} AS p
        JOIN marts.dim_store AS s USING (store_external_id)
        GROUP BY ALL
        ORDER BY store, p.payment_method
        """,  # noqa: S608
        f.params(),
    )


def cash_differences_by_store_day(f: Filters) -> pd.DataFrame:
    """Per business date and store: the till counts of the day's Z-reports (cash expected,
    counted, their difference: negative when cash is short) and how many Z-reports differ."""
    return db.query(
        f"""
        SELECT z.business_date, s.store_name AS store, count(*) AS zreports,
               count(*) FILTER (WHERE z.cash_difference_amount <> 0) AS zreports_with_difference,
               sum(z.cash_expected_amount) AS cash_expected_amount,
               sum(z.cash_counted_amount) AS cash_counted_amount,
               sum(z.cash_difference_amount) AS cash_difference_amount
        FROM {scoped("rpt_zreport_reconciliation")} AS z
        JOIN marts.dim_store AS s USING (store_external_id)
        GROUP BY ALL
        ORDER BY z.business_date, store
        """,  # noqa: S608
        f.params(),
    )


def cash_difference_zreports(f: Filters) -> pd.DataFrame:
    """The Z-reports in scope whose till count differs from the expected cash, newest first."""
    return db.query(
        f"""
        SELECT z.business_date, s.store_name AS store,
               coalesce(r.register_key, z.register_id) AS register, z.zreport_id,
               z.cash_expected_amount, z.cash_counted_amount, z.cash_difference_amount
        FROM {scoped("rpt_zreport_reconciliation", "AND cash_difference_amount <> 0")} AS z
        JOIN marts.dim_store AS s USING (store_external_id)
        LEFT JOIN marts.dim_register AS r USING (register_id)
        ORDER BY z.business_date DESC, register, z.zreport_id DESC
        """,  # noqa: S608
        f.params(),
    )


# ---- Z-reports ------------------------------------------------------------------------------


def zreports(f: Filters) -> pd.DataFrame:
    """Every Z-report in scope with its register and store, newest first."""
    return db.query(
        f"""
        SELECT z.business_date, s.store_name AS store,
               coalesce(r.register_key, z.register_id) AS register, z.*
               EXCLUDE (business_date, store_external_id, currency_code)
        FROM {scoped("rpt_zreport_reconciliation")} AS z
        JOIN marts.dim_store AS s USING (store_external_id)
        LEFT JOIN marts.dim_register AS r USING (register_id)
        ORDER BY z.business_date DESC, register, z.zreport_id DESC
        """,  # noqa: S608
        f.params(),
    )


def zreport_vat(register_id: str, zreport_id: int) -> pd.DataFrame:
    """One Z-report's takings per VAT rate: Z-report, orders and journal side by side."""
    return db.query(
        """
        SELECT vat_rate, zreport_net_amount, orders_net_amount, journal_net_amount,
               zreport_vat_amount, orders_vat_amount, journal_vat_amount,
               zreport_gross_amount, orders_gross_amount, journal_gross_amount,
               orders_net_difference, journal_net_difference, orders_vat_difference,
               journal_vat_difference, status
        FROM marts.rpt_zreport_vat
        WHERE register_id = $register_id AND zreport_id = $zreport_id
        ORDER BY vat_rate DESC
        """,
        {"register_id": register_id, "zreport_id": zreport_id},
    )


def zreport_payments(register_id: str, zreport_id: int) -> pd.DataFrame:
    """One Z-report's payments per method: Z-report, orders and journal side by side."""
    return db.query(
        """
        SELECT payment_method, zreport_amount, orders_amount, journal_amount,
               orders_difference, journal_difference, status
        FROM marts.rpt_zreport_payments
        WHERE register_id = $register_id AND zreport_id = $zreport_id
        ORDER BY zreport_amount DESC, payment_method
        """,
        {"register_id": register_id, "zreport_id": zreport_id},
    )


def zreport_gaps(f: Filters) -> pd.DataFrame:
    """Missing Z-report numbers of the stores' registers in the period. A gap is dated by the
    business date of the register's next existing Z-report; a gap with no later Z-report yet has
    no date and is shown in every period."""
    return db.query(
        """
        SELECT g.business_date, st.store_name AS store,
               coalesce(r.register_key, g.register_id) AS register, g.register_id,
               g.missing_zreport_id, g.detected_at AS detected_at_utc
        FROM marts.rpt_zreport_gaps AS g
        JOIN marts.dim_store AS st USING (store_external_id)
        LEFT JOIN marts.dim_register AS r USING (register_id)
        WHERE st.currency_code = $currency AND list_contains($stores, g.store_external_id)
          AND (g.business_date BETWEEN $start AND $end OR g.business_date IS NULL)
        ORDER BY g.business_date NULLS LAST, store, register, g.missing_zreport_id
        """,
        f.params(),
    )


# ---- inventory ------------------------------------------------------------------------------


def stock_movements_by_type(f: Filters) -> pd.DataFrame:
    return db.query(
        f"""
        SELECT business_date, transaction_type, count(*) AS lines,
               sum(quantity) AS quantity, sum(movement_value) AS movement_value
        FROM {scoped("fct_stock_movements")}
        GROUP BY ALL
        ORDER BY business_date, transaction_type
        """,  # noqa: S608
        f.params(),
    )


def stock_on_hand(f: Filters) -> pd.DataFrame:
    """Per store and SKU at the end of the period: quantity and value on hand, units sold per
    day in the period and the days of supply that gives."""
    return db.query(
        """
        WITH stock AS (
            SELECT store_external_id, sku, sum(quantity_on_hand) AS on_hand,
                   sum(stock_value) AS stock_value
            FROM marts.fct_stock_daily
            WHERE currency_code = $currency AND list_contains($stores, store_external_id)
              AND stock_date = (
                  SELECT least(max(stock_date), $end) FROM marts.fct_stock_daily
              )
            GROUP BY ALL
        ),
        sold AS (
            SELECT store_external_id, sku, sum(quantity) AS units_sold
            FROM marts.fct_order_lines
            WHERE is_sales_transaction AND currency_code = $currency
              AND list_contains($stores, store_external_id)
              AND business_date BETWEEN $start AND $end
            GROUP BY ALL
        ),
        names AS (
            SELECT p.sku, st.store_external_id, any_value(p.product_name) AS product,
                   any_value(p.product_group_name) AS product_group
            FROM marts.dim_product AS p
            JOIN marts.dim_store AS st USING (site_id)
            GROUP BY ALL
        )
        SELECT st.store_name AS store, k.sku, n.product, n.product_group, k.on_hand,
               k.stock_value, coalesce(s.units_sold, 0) AS units_sold,
               (coalesce(s.units_sold, 0) / $days)::DOUBLE AS units_per_day,
               (k.on_hand / nullif(s.units_sold / $days, 0))::DOUBLE AS days_of_supply
        FROM stock AS k
        JOIN marts.dim_store AS st USING (store_external_id)
        LEFT JOIN sold AS s USING (store_external_id, sku)
        LEFT JOIN names AS n USING (store_external_id, sku)
        ORDER BY store, k.sku
        """,
        {**f.params(), "days": f.period.days},
    )


def margin_by_product_group(f: Filters) -> pd.DataFrame:
    """Gross margin where the purchase price is known, and how much of the sales that covers."""
    return db.query(
        f"""
        SELECT coalesce(product_group_name, '(none)') AS product_group,
               sum(net_amount) AS net_sales,
               sum(net_amount) FILTER (WHERE cost_amount IS NOT NULL) AS net_sales_with_cost,
               sum(cost_amount) AS cost,
               sum(gross_margin_amount) AS gross_margin,
               (sum(gross_margin_amount) / nullif(sum(net_amount)
                   FILTER (WHERE cost_amount IS NOT NULL), 0))::DOUBLE AS margin_rate
        FROM {scoped("fct_order_lines", "AND is_sales_transaction")}
        GROUP BY ALL
        ORDER BY net_sales DESC
        """,  # noqa: S608
        f.params(),
    )


# ---- data health ----------------------------------------------------------------------------


def stream_freshness() -> pd.DataFrame:
    """Per extract stream: its last run and its last successful one (UTC)."""
    return db.query(
        """
        WITH ranked AS (
            SELECT *, row_number() OVER (PARTITION BY stream ORDER BY started_at DESC) AS n
            FROM meta.extract_runs
        )
        SELECT r.stream, max(e.finished_at) FILTER (WHERE e.outcome = 'ok')
                   AS last_success_utc,
               any_value(r.outcome) AS last_outcome, any_value(r.finished_at) AS last_run_utc,
               any_value(r.records) AS last_records, any_value(r.retries) AS last_retries,
               any_value(r.rejects) AS last_rejects, any_value(r.error) AS last_error
        FROM ranked AS r
        JOIN meta.extract_runs AS e USING (stream)
        WHERE r.n = 1
        GROUP BY r.stream
        ORDER BY r.stream
        """
    )


def extract_runs(limit: int = 20) -> pd.DataFrame:
    return db.query(
        """
        SELECT run_id, min(started_at) AS started_utc, max(finished_at) AS finished_utc,
               count(*) AS streams, count(*) FILTER (WHERE outcome <> 'ok') AS failed_streams,
               sum(records) AS records, sum(requests) AS requests, sum(retries) AS retries,
               sum(rejects) AS rejects, round(epoch(max(finished_at) - min(started_at)), 1) AS seconds
        FROM meta.extract_runs
        GROUP BY run_id
        ORDER BY started_utc DESC
        LIMIT $limit
        """,
        {"limit": limit},
    )


def rejects(limit: int = 500) -> pd.DataFrame:
    return db.query(
        """
        SELECT rejected_at AS rejected_at_utc, stream, record_key, reason, raw_text, run_id
        FROM meta.rejects
        ORDER BY rejected_at DESC
        LIMIT $limit
        """,
        {"limit": limit},
    )


def published_tables() -> pd.DataFrame:
    return db.query(
        """
        SELECT table_name, row_count, is_source, published_at AS published_at_utc, build_run_id
        FROM meta.published
        ORDER BY is_source, table_name
        """
    )


def latest_business_dates() -> pd.DataFrame:
    """Per store: the newest business date with takings, Z-report and stock movement."""
    return db.query(
        """
        SELECT s.store_name AS store, s.currency_code,
               (SELECT max(business_date) FROM marts.fct_sales_daily AS d
                WHERE d.store_external_id = s.store_external_id) AS last_sales_date,
               (SELECT max(business_date) FROM marts.rpt_zreport_reconciliation AS z
                WHERE z.store_external_id = s.store_external_id) AS last_zreport_date,
               (SELECT max(business_date) FROM marts.fct_stock_movements AS m
                WHERE m.store_external_id = s.store_external_id) AS last_stock_date
        FROM marts.dim_store AS s
        ORDER BY s.currency_code, s.store_name
        """
    )
