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

source as (
    select
        warehousetransactionid,
        _extracted_at,
        {{ json_value('payload', 'warehouseid', 'bigint') }} as warehouse_id,
        {{ json_value('payload', 'transactiontype', 'integer') }} as transaction_type_code,
        {{ json_text('payload', 'externalid') }} as transaction_external_id,
        {{ json_text('payload', 'reasoncode') }} as reason_code,
        {{ json_epoch('payload', 'datecreated') }} as created_at,
        {{ json_array('payload', 'items') }} as items
    from {{ source('sitoo', 'warehouse_transactions') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

unnested as (
    select
        source.warehousetransactionid,
        source.warehouse_id,
        source.transaction_type_code,
        source.transaction_external_id,
        source.reason_code,
        source.created_at,
        source._extracted_at,
        source.element,
        source.element_position,
        {{ json_text_fields('source.element', element_paths) }} as element_fields
    from (
        select
            source.*,
            {{ unnest_list('source.items') }} as element,
            {{ unnest_positions('source.items') }} as element_position
        from source
    ) as source  -- noqa: RF04
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
