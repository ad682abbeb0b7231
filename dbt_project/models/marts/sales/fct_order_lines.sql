{{ config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('order_id', source('sitoo', 'orders'), 'orderid') }}",
) }}
{# One row per order line. Incremental by order: every line of an order whose raw row changed
   within the lookback window is deleted and rebuilt, so lines never go stale. #}
with

order_lines as (
    select * from {{ ref('int_order_lines_enriched') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

final as (
    select
        order_line_id::varchar as order_line_id,
        order_id::bigint as order_id,
        order_item_id::bigint as order_item_id,
        site_id::bigint as site_id,
        store_external_id::varchar as store_external_id,
        register_id::varchar as register_id,
        staff_user_id::varchar as staff_user_id,
        product_key::varchar as product_key,
        product_group_key::varchar as product_group_key,
        product_id::bigint as product_id,
        original_order_id::bigint as original_order_id,
        sku::varchar as sku,
        product_name::varchar as product_name,
        product_group_name::varchar as product_group_name,
        voucher_code::varchar as voucher_code,
        currency_code::varchar as currency_code,
        order_class::varchar as order_class,
        quantity::decimal(18, 3) as quantity,
        vat_rate::decimal(5, 2) as vat_rate,
        net_amount::decimal(18, 2) as net_amount,
        vat_amount::decimal(18, 2) as vat_amount,
        gross_amount::decimal(18, 2) as gross_amount,
        discount_amount::decimal(18, 2) as discount_amount,
        cost_amount::decimal(18, 2) as cost_amount,
        gross_margin_amount::decimal(18, 2) as gross_margin_amount,
        is_sales_transaction::boolean as is_sales_transaction,
        business_date::date as business_date,
        business_hour::integer as business_hour,
        ordered_at::timestamp as ordered_at,
        _extracted_at::timestamp as _extracted_at
    from order_lines
)

select * from final
