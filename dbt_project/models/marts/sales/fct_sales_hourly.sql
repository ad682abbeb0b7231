{# One row per store-local business date and hour, store and currency: takings (sales and
   refunds; practice, parked, booking, cancelled and abandoned orders excluded). #}
with

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where is_sales_transaction
),

orders as (
    select * from {{ ref('fct_orders') }}
    where is_sales_transaction
),

lines_summed as (
    select
        business_date,
        business_hour,
        store_external_id,
        currency_code,
        sum(net_amount) as net_sales,
        sum(gross_amount) as gross_sales,
        sum(vat_amount) as vat_amount,
        sum(discount_amount) as discount_amount,
        -sum(gross_amount) filter (where order_class = 'refund') as returns_amount,
        sum(quantity) as units,
        sum(cost_amount) as cost_amount,
        sum(gross_margin_amount) as gross_margin_amount
    from order_lines
    group by business_date, business_hour, store_external_id, currency_code
),

orders_counted as (
    select
        business_date,
        business_hour,
        store_external_id,
        currency_code,
        count(*) filter (where order_class = 'sale') as transactions,  -- noqa: RF04
        count(*) filter (where order_class = 'refund') as refund_transactions
    from orders
    group by business_date, business_hour, store_external_id, currency_code
),

final as (
    select
        orders_counted.business_date::date as business_date,
        orders_counted.business_hour::integer as business_hour,
        orders_counted.store_external_id::varchar as store_external_id,
        orders_counted.currency_code::varchar as currency_code,
        coalesce(lines_summed.net_sales, 0)::decimal(18, 2) as net_sales,
        coalesce(lines_summed.gross_sales, 0)::decimal(18, 2) as gross_sales,
        coalesce(lines_summed.vat_amount, 0)::decimal(18, 2) as vat_amount,
        coalesce(lines_summed.discount_amount, 0)::decimal(18, 2) as discount_amount,
        coalesce(lines_summed.returns_amount, 0)::decimal(18, 2) as returns_amount,
        lines_summed.cost_amount::decimal(18, 2) as cost_amount,
        lines_summed.gross_margin_amount::decimal(18, 2) as gross_margin_amount,
        orders_counted.transactions::bigint as transactions,  -- noqa: RF04
        orders_counted.refund_transactions::bigint as refund_transactions,
        coalesce(lines_summed.units, 0)::decimal(18, 3) as units
    from orders_counted
    left join lines_summed
        on
            orders_counted.business_date = lines_summed.business_date
            and orders_counted.business_hour = lines_summed.business_hour
            and orders_counted.store_external_id = lines_summed.store_external_id
            and orders_counted.currency_code = lines_summed.currency_code
)

select * from final
