{{ config(
    materialized='incremental',
    unique_key='journal_entry_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('journal_entry_key', source('sitoo', 'journal_entries'), raw_journal_entry_key()) }}",
) }}
{%- set payload_paths = [
    ['data', 'additionaldata', 'pos-receiptid'],
    ['data', 'additionaldata', 'store-externalid'],
    ['data', 'additionaldata', 'pos-staff-userid'],
    ['data', 'currencycode'],
    ['data', 'additionaldata', 'pos-timezone'],
    ['data', 'receiptnumber'],
    ['data', 'moneytotal'],
    ['data', 'moneyroundoff'],
    ['data', 'moneytotalpaid'],
    ['data', 'isrefund'],
    'ispractice',
    'datecreated',
    'dateadded',
    'type',
    ['data', 'items'],
    ['data', 'payments'],
    ['data', 'vats'],
] -%}
{%- set payload = json_fields('payload_fields', payload_paths) -%}
with

source as (
    select
        *,
        {{ json_text_fields('payload', payload_paths) }} as payload_fields
    from {{ source('sitoo', 'journal_entries') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

receipts as (
    -- the type is one of the fields of the single parse of each entry, not a parse of its own
    select * from source
    where {{ json_text(payload, 'type') }} = 'receipt'
),

renamed as (
    select
        ---------- ids
        concat_ws('-', {{ normalize_guid('registerid') }}, id) as journal_entry_key,
        {{ normalize_guid('registerid') }} as register_id,
        id as journal_entry_id,
        {{ json_text(payload, ['data', 'additionaldata', 'pos-receiptid']) }} as receipt_id,
        {{ json_text(payload, ['data', 'additionaldata', 'store-externalid']) }} as store_external_id,
        {{ normalize_guid(json_text(payload, ['data', 'additionaldata', 'pos-staff-userid'])) }}
            as staff_user_id,
        ---------- strings
        upper({{ json_text(payload, ['data', 'currencycode']) }}) as currency_code,
        {{ json_text(payload, ['data', 'additionaldata', 'pos-timezone']) }} as pos_time_zone,
        ---------- numerics
        {{ json_value(payload, ['data', 'receiptnumber'], 'bigint') }} as receipt_number,
        {{ json_money(payload, ['data', 'moneytotal']) }} as gross_amount,
        {{ json_money(payload, ['data', 'moneyroundoff']) }} as rounding_amount,
        {{ json_money(payload, ['data', 'moneytotalpaid']) }} as paid_amount,
        ---------- booleans
        coalesce({{ json_bool(payload, ['data', 'isrefund']) }}, false) as is_refund,
        coalesce({{ json_bool(payload, 'ispractice') }}, false) as is_practice_mode,
        ---------- timestamps
        {{ json_epoch(payload, 'datecreated') }} as created_at,
        {{ json_epoch(payload, 'dateadded') }} as added_at,
        ---------- nested (unnested by the child staging models, which read them here rather
        ---------- than parse every journal entry again)
        {{ json_object(payload, ['data', 'items']) }} as items,
        {{ json_object(payload, ['data', 'payments']) }} as payments,
        {{ json_object(payload, ['data', 'vats']) }} as vats,
        ---------- metadata
        _extracted_at
    from receipts
)

select * from renamed
