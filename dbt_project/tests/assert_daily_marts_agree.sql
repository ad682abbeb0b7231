{# The daily marts tell one story: VAT rows and payments add up to the day's takings. #}
with

sales as (
    select
        business_date,
        store_external_id,
        currency_code,
        gross_sales,
        net_sales,
        vat_amount
    from {{ ref('fct_sales_daily') }}
),

vat as (
    select
        business_date,
        store_external_id,
        currency_code,
        sum(gross_amount) as gross_amount,
        sum(net_amount) as net_amount,
        sum(vat_amount) as vat_amount
    from {{ ref('fct_vat_daily') }}
    group by business_date, store_external_id, currency_code
),

rounding as (
    select
        business_date,
        store_external_id,
        currency_code,
        sum(rounding_amount) as rounding_amount
    from {{ ref('fct_orders') }}
    where is_sales_transaction
    group by business_date, store_external_id, currency_code
),

payments as (
    select
        business_date,
        store_external_id,
        currency_code,
        sum(amount) as amount
    from {{ ref('fct_payments_daily') }}
    group by business_date, store_external_id, currency_code
)

select sales.*
from sales
left join vat using (business_date, store_external_id, currency_code)
left join rounding using (business_date, store_external_id, currency_code)
left join payments using (business_date, store_external_id, currency_code)
where
    vat.gross_amount != sales.gross_sales
    or vat.net_amount != sales.net_sales
    or vat.vat_amount != sales.vat_amount
    or coalesce(payments.amount, 0) != sales.gross_sales + coalesce(rounding.rounding_amount, 0)
