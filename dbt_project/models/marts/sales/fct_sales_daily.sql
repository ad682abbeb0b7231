{# One row per store-local business date, store and currency: the hourly takings summed. #}
with

hourly as (
    select * from {{ ref('fct_sales_hourly') }}
),

final as (
    select
        business_date::date as business_date,
        store_external_id::varchar as store_external_id,
        currency_code::varchar as currency_code,
        sum(net_sales)::decimal(18, 2) as net_sales,
        sum(gross_sales)::decimal(18, 2) as gross_sales,
        sum(vat_amount)::decimal(18, 2) as vat_amount,
        sum(discount_amount)::decimal(18, 2) as discount_amount,
        sum(returns_amount)::decimal(18, 2) as returns_amount,
        sum(cost_amount)::decimal(18, 2) as cost_amount,
        sum(gross_margin_amount)::decimal(18, 2) as gross_margin_amount,
        sum(transactions)::bigint as transactions,  -- noqa: RF04
        sum(refund_transactions)::bigint as refund_transactions,
        sum(units)::decimal(18, 3) as units
    from hourly
    group by business_date, store_external_id, currency_code
)

select * from final
