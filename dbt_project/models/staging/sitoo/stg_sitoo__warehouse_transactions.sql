{{ config(
    materialized='incremental',
    unique_key='warehouse_transaction_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}
{%- set payload_paths = [
    'warehouseid',
    'orderdeliveryid',
    'shipmentid',
    'externalid',
    'description',
    'reasoncode',
    'transactiontype',
    'datecreated',
    'items',
] -%}
{%- set payload = json_fields('payload_fields', payload_paths) -%}
with

source as (
    select
        *,
        {{ json_text_fields('payload', payload_paths) }} as payload_fields
    from {{ source('sitoo', 'warehouse_transactions') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

renamed as (
    select
        ---------- ids
        warehousetransactionid as warehouse_transaction_id,
        {{ json_value(payload, 'warehouseid', 'bigint') }} as warehouse_id,
        {{ json_value(payload, 'orderdeliveryid', 'bigint') }} as order_delivery_id,
        {{ json_value(payload, 'shipmentid', 'bigint') }} as shipment_id,
        {{ json_text(payload, 'externalid') }} as transaction_external_id,
        ---------- strings
        {{ json_text(payload, 'description') }} as transaction_description,
        {{ json_text(payload, 'reasoncode') }} as reason_code,
        ---------- numerics
        {{ json_value(payload, 'transactiontype', 'integer') }} as transaction_type_code,
        ---------- timestamps
        {{ json_epoch(payload, 'datecreated') }} as created_at,
        ---------- nested (unnested by stg_sitoo__warehouse_transaction_items, which reads it here
        ---------- rather than parse every transaction again)
        {{ json_object(payload, 'items') }} as items,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
