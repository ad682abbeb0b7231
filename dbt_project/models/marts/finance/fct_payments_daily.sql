{# One row per store-local business date, store, currency and payment method (the payment name
   Sitoo reports, e.g. 'Card'): signed amounts (refunds negative) of takings' payments. #}
with

orders as (
    select
        order_id,
        business_date,
        store_external_id,
        currency_code
    from {{ ref('fct_orders') }}
    where is_sales_transaction
),

payments as (
    select
        order_id,
        payment_method,
        amount
    from {{ ref('stg_sitoo__order_payments') }}
),

final as (
    select
        orders.business_date::date as business_date,
        orders.store_external_id::varchar as store_external_id,
        orders.currency_code::varchar as currency_code,
        payments.payment_method::varchar as payment_method,
        sum(payments.amount)::decimal(18, 2) as amount,
        count(*)::bigint as payment_count
    from orders
    inner join payments
        on orders.order_id = payments.order_id
    group by orders.business_date, orders.store_external_id, orders.currency_code, payments.payment_method
)

select * from final
