{# Net + VAT = gross on every line, order, VAT row and sales day. #}
select
    'fct_order_lines' as model_name,
    order_line_id as row_key
from {{ ref('fct_order_lines') }}
where net_amount + vat_amount != gross_amount

union all

select
    'fct_orders' as model_name,
    order_id::varchar as row_key
from {{ ref('fct_orders') }}
where net_amount + vat_amount != gross_amount or gross_amount + rounding_amount != total_amount

union all

select
    'fct_vat_daily' as model_name,
    concat_ws('|', business_date, store_external_id, vat_rate) as row_key
from {{ ref('fct_vat_daily') }}
where net_amount + vat_amount != gross_amount

union all

select
    'fct_sales_daily' as model_name,
    concat_ws('|', business_date, store_external_id) as row_key
from {{ ref('fct_sales_daily') }}
where net_sales + vat_amount != gross_sales
