{{ config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}
{# One row per order (every class: sales, refunds, practice, parked, bookings, …). Incremental:
   orders whose raw row changed within the lookback window are rebuilt by key. #}
with

orders as (
    select * from {{ ref('int_orders_classified') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

final as (
    select
        order_id::bigint as order_id,
        site_id::bigint as site_id,
        store_external_id::varchar as store_external_id,
        register_id::varchar as register_id,
        staff_user_id::varchar as staff_user_id,
        receipt_id::varchar as receipt_id,
        original_order_id::bigint as original_order_id,
        source_order_id::bigint as source_order_id,
        currency_code::varchar as currency_code,
        time_zone::varchar as time_zone,
        order_class::varchar as order_class,
        refund_reason_code::varchar as refund_reason_code,
        order_type_code::integer as order_type_code,
        order_state_code::integer as order_state_code,
        payment_state_code::integer as payment_state_code,
        total_net_amount::decimal(18, 2) as net_amount,
        total_vat_amount::decimal(18, 2) as vat_amount,
        total_goods_gross_amount::decimal(18, 2) as gross_amount,
        rounding_amount::decimal(18, 2) as rounding_amount,
        total_gross_amount::decimal(18, 2) as total_amount,
        is_sales_transaction::boolean as is_sales_transaction,
        is_practice_mode::boolean as is_practice_mode,
        has_original_order::boolean as has_original_order,
        original_store_external_id::varchar as original_store_external_id,
        original_business_date::date as original_business_date,
        business_date::date as business_date,
        business_hour::integer as business_hour,
        ordered_at::timestamp as ordered_at,
        ordered_at_local::timestamp as ordered_at_local,
        _extracted_at::timestamp as _extracted_at
    from orders
)

select * from final
