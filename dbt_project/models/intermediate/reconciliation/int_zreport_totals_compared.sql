{# One row per Z-report: its headline totals next to the same sums over the session's orders
   and journal receipts, and the Z-report's till count (cash expected, counted and their
   difference, which only the Z-report knows). Refund figures are positive, as the Z-report
   prints them. #}
with

sessions as (
    select * from {{ ref('int_zreport_sessions') }}
),

orders as (
    select * from {{ ref('int_zreport_orders_assigned') }}
),

receipts as (
    select * from {{ ref('int_zreport_journal_receipts_assigned') }}
),

order_totals as (
    select
        zreport_key,
        sum(total_goods_gross_amount) filter (where order_class = 'sale') as sales_gross_amount,
        sum(total_net_amount) filter (where order_class = 'sale') as sales_net_amount,
        -sum(total_goods_gross_amount) filter (where order_class = 'refund') as refund_gross_amount,
        -sum(total_net_amount) filter (where order_class = 'refund') as refund_net_amount,
        sum(rounding_amount) filter (where is_sales_transaction) as rounding_amount,
        count(*) filter (where order_class = 'sale') as sales_count,
        count(*) filter (where order_class = 'refund') as refund_count,
        count(*) filter (where order_class = 'practice') as practice_count,
        sum(total_gross_amount) filter (where order_class = 'practice') as practice_amount
    from orders
    group by zreport_key
),

receipt_totals as (
    select
        zreport_key,
        sum(gross_amount) filter (where not is_refund and not is_practice_mode) as sales_gross_amount,
        -sum(gross_amount) filter (where is_refund and not is_practice_mode) as refund_gross_amount,
        sum(rounding_amount) filter (where not is_practice_mode) as rounding_amount,
        count(*) filter (where not is_refund and not is_practice_mode) as sales_count,
        count(*) filter (where is_refund and not is_practice_mode) as refund_count,
        count(*) filter (where is_practice_mode) as practice_count,
        sum(paid_amount) filter (where is_practice_mode) as practice_amount
    from receipts
    group by zreport_key
),

final as (
    select
        sessions.zreport_key,
        sessions.register_id,
        sessions.zreport_id,
        sessions.business_date,
        sessions.store_external_id,
        sessions.currency_code,
        sessions.session_started_at,
        sessions.session_ended_at,
        sessions.sales_gross_amount as zreport_sales_gross_amount,
        coalesce(order_totals.sales_gross_amount, 0) as orders_sales_gross_amount,
        coalesce(receipt_totals.sales_gross_amount, 0) as journal_sales_gross_amount,
        sessions.sales_net_amount as zreport_sales_net_amount,
        coalesce(order_totals.sales_net_amount, 0) as orders_sales_net_amount,
        sessions.refund_gross_amount as zreport_refund_gross_amount,
        coalesce(order_totals.refund_gross_amount, 0) as orders_refund_gross_amount,
        coalesce(receipt_totals.refund_gross_amount, 0) as journal_refund_gross_amount,
        sessions.refund_net_amount as zreport_refund_net_amount,
        coalesce(order_totals.refund_net_amount, 0) as orders_refund_net_amount,
        sessions.rounding_amount as zreport_rounding_amount,
        coalesce(order_totals.rounding_amount, 0) as orders_rounding_amount,
        coalesce(receipt_totals.rounding_amount, 0) as journal_rounding_amount,
        sessions.sales_count as zreport_sales_count,
        coalesce(order_totals.sales_count, 0) as orders_sales_count,
        coalesce(receipt_totals.sales_count, 0) as journal_sales_count,
        sessions.refund_count as zreport_refund_count,
        coalesce(order_totals.refund_count, 0) as orders_refund_count,
        coalesce(receipt_totals.refund_count, 0) as journal_refund_count,
        sessions.practice_count as zreport_practice_count,
        coalesce(order_totals.practice_count, 0) as orders_practice_count,
        coalesce(receipt_totals.practice_count, 0) as journal_practice_count,
        sessions.practice_amount as zreport_practice_amount,
        coalesce(order_totals.practice_amount, 0) as orders_practice_amount,
        coalesce(receipt_totals.practice_amount, 0) as journal_practice_amount,
        sessions.cash_expected_amount,
        sessions.cash_counted_amount,
        sessions.cash_difference_amount
    from sessions
    left join order_totals
        on sessions.zreport_key = order_totals.zreport_key
    left join receipt_totals
        on sessions.zreport_key = receipt_totals.zreport_key
)

select * from final
