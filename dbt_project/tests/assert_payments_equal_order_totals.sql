{# Every sale and refund is paid exactly: its payments add up to the order total (goods plus
   cash rounding). #}
with

orders as (
    select
        order_id,
        total_amount
    from {{ ref('fct_orders') }}
    where is_sales_transaction
),

payments as (
    select
        order_id,
        sum(amount) as amount
    from {{ ref('stg_sitoo__order_payments') }}
    group by order_id
)

select
    orders.order_id,
    orders.total_amount,
    payments.amount as payments_amount
from orders
left join payments
    on orders.order_id = payments.order_id
where coalesce(payments.amount, 0) != orders.total_amount
