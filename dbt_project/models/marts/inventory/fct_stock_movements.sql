{{ config(
    materialized='incremental',
    unique_key='warehouse_transaction_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('warehouse_transaction_id', source('sitoo', 'warehouse_transactions'), 'warehousetransactionid') }}",
) }}
{# One row per warehouse transaction line (the stock ledger). Incremental by transaction with a
   lookback window on the extraction time. #}
with

movements as (
    select * from {{ ref('int_stock_movements_enriched') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

final as (
    select
        warehouse_transaction_item_id::varchar as stock_movement_id,
        warehouse_transaction_id::bigint as warehouse_transaction_id,
        warehouse_id::bigint as warehouse_id,
        store_external_id::varchar as store_external_id,
        transaction_external_id::varchar as transaction_external_id,
        sku::varchar as sku,
        currency_code::varchar as currency_code,
        transaction_type::varchar as transaction_type,
        transaction_type_code::integer as transaction_type_code,
        reason_code::varchar as reason_code,
        element_position::bigint as line_number,
        quantity::decimal(18, 3) as quantity,
        quantity_on_hand_after::decimal(18, 3) as quantity_on_hand_after,
        unit_purchase_price::decimal(18, 2) as unit_purchase_price,
        movement_value::decimal(18, 2) as movement_value,
        stock_value_after::decimal(18, 2) as stock_value_after,
        business_date::date as business_date,
        created_at::timestamp as created_at,
        _extracted_at::timestamp as _extracted_at
    from movements
)

select * from final
