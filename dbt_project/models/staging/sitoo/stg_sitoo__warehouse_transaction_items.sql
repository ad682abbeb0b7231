{{ config(
    materialized='incremental',
    unique_key='warehouse_transaction_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('warehouse_transaction_id', source('sitoo', 'warehouse_transactions'), 'warehousetransactionid') }}",
) }}
{# Lines carry their transaction's header fields (same raw row), so consumers need no join. #}
{%- set element_paths = [
    'sku',
    'decimalquantity',
    'decimaltotal',
    'moneypricein',
    'moneyvalue',
    'moneytotal',
] -%}
{%- set element = json_fields('element_fields', element_paths) -%}
with

transactions as (
    select
        warehouse_transaction_id as warehousetransactionid,
        _extracted_at,
        warehouse_id,
        transaction_type_code,
        transaction_external_id,
        reason_code,
        created_at,
        {{ json_array('items', []) }} as items
    from {{ ref('stg_sitoo__warehouse_transactions') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

unnested as (
    select
        transactions.warehousetransactionid,
        transactions.warehouse_id,
        transactions.transaction_type_code,
        transactions.transaction_external_id,
        transactions.reason_code,
        transactions.created_at,
        transactions._extracted_at,
        transactions.element,
        transactions.element_position,
        {{ json_text_fields('transactions.element', element_paths) }} as element_fields
    from (
        select
            transactions.*,
            {{ unnest_list('transactions.items') }} as element,
            {{ unnest_positions('transactions.items') }} as element_position
        from transactions
    ) as transactions  -- noqa: RF04
),

renamed as (
    select
        ---------- ids
        concat_ws('-', warehousetransactionid, element_position) as warehouse_transaction_item_id,
        warehousetransactionid as warehouse_transaction_id,
        warehouse_id,
        transaction_external_id,
        ---------- strings
        {{ json_text(element, 'sku') }} as sku,
        reason_code,
        ---------- numerics
        element_position,
        transaction_type_code,
        {{ json_quantity(element, 'decimalquantity') }} as quantity,
        {{ json_quantity(element, 'decimaltotal') }} as quantity_on_hand_after,
        {{ json_money(element, 'moneypricein') }} as unit_purchase_price,
        {{ json_money(element, 'moneyvalue') }} as movement_value,
        {{ json_money(element, 'moneytotal') }} as stock_value_after,
        ---------- timestamps
        created_at,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
