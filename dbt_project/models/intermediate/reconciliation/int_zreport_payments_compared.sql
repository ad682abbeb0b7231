{# One row per Z-report and payment method: net payments (sales − refunds) from the Z-report
   next to the sums over the session's order payments and journal receipt payments, the
   differences and whether either is not zero. #}
with

zreport_payments as (
    select * from {{ ref('stg_sitoo__pos_z_report_payments') }}
),

orders as (
    select
        order_id,
        zreport_key
    from {{ ref('int_zreport_orders_assigned') }}
    where is_sales_transaction
),

order_payments as (
    select
        order_id,
        payment_method,
        amount
    from {{ ref('stg_sitoo__order_payments') }}
),

receipts as (
    select
        journal_entry_key,
        zreport_key
    from {{ ref('int_zreport_journal_receipts_assigned') }}
    where not is_practice_mode
),

receipt_payments as (
    select
        journal_entry_key,
        payment_method,
        amount
    from {{ ref('stg_sitoo__journal_receipt_payments') }}
),

zreport_by_method as (
    select
        zreport_key,
        payment_method,
        sum(case when payment_kind = 'refund' then -amount else amount end) as amount
    from zreport_payments
    group by zreport_key, payment_method
),

orders_by_method as (
    select
        orders.zreport_key,
        order_payments.payment_method,
        sum(order_payments.amount) as amount
    from orders
    inner join order_payments
        on orders.order_id = order_payments.order_id
    group by orders.zreport_key, order_payments.payment_method
),

journal_by_method as (
    select
        receipts.zreport_key,
        receipt_payments.payment_method,
        sum(receipt_payments.amount) as amount
    from receipts
    inner join receipt_payments
        on receipts.journal_entry_key = receipt_payments.journal_entry_key
    group by receipts.zreport_key, receipt_payments.payment_method
),

keys as (
    select
        zreport_key,
        payment_method
    from zreport_by_method
    union
    select
        zreport_key,
        payment_method
    from orders_by_method
    union
    select
        zreport_key,
        payment_method
    from journal_by_method
),

joined as (
    select
        keys.zreport_key,
        keys.payment_method,
        coalesce(zreport_by_method.amount, 0) as zreport_amount,
        coalesce(orders_by_method.amount, 0) as orders_amount,
        coalesce(journal_by_method.amount, 0) as journal_amount
    from keys
    left join zreport_by_method
        on
            keys.zreport_key = zreport_by_method.zreport_key
            and keys.payment_method = zreport_by_method.payment_method
    left join orders_by_method
        on
            keys.zreport_key = orders_by_method.zreport_key
            and keys.payment_method = orders_by_method.payment_method
    left join journal_by_method
        on
            keys.zreport_key = journal_by_method.zreport_key
            and keys.payment_method = journal_by_method.payment_method
),

differences as (
    select
        *,
        orders_amount - zreport_amount as orders_difference,
        journal_amount - zreport_amount as journal_difference
    from joined
),

final as (
    select
        *,
        (orders_difference != 0 or journal_difference != 0) as is_mismatched
    from differences
)

select * from final
