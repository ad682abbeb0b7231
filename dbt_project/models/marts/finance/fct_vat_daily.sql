{# One row per store-local business date, store, currency and VAT rate: takings split by the
   rate the POS applied. Refunds are negative, so they reduce the day's VAT. #}
with

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where is_sales_transaction
),

final as (
    select
        business_date::date as business_date,
        store_external_id::varchar as store_external_id,
        currency_code::varchar as currency_code,
        vat_rate::decimal(5, 2) as vat_rate,
        sum(net_amount)::decimal(18, 2) as net_amount,
        sum(vat_amount)::decimal(18, 2) as vat_amount,
        sum(gross_amount)::decimal(18, 2) as gross_amount
    from order_lines
    group by business_date, store_external_id, currency_code, vat_rate
)

select * from final
