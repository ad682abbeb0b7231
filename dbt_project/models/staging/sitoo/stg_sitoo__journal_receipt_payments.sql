{{ config(
    materialized='incremental',
    unique_key='journal_entry_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('journal_entry_key', source('sitoo', 'journal_entries'), raw_journal_entry_key()) }}",
) }}
with

source as (
    select
        registerid,
        id,
        _extracted_at,
        {{ json_array('payload', ['data', 'payments']) }} as payments
    from {{ source('sitoo', 'journal_entries') }}
    where {{ json_text('payload', 'type') }} = 'receipt'
        {% if is_incremental() %}
            and _extracted_at >= {{ lookback_start('_extracted_at') }}
        {% endif %}
),

unnested as (
    select
        source.registerid,
        source.id,
        source._extracted_at,
        source.element,
        source.element_position
    from (
        select
            source.*,
            {{ unnest_list('source.payments') }} as element,
            {{ unnest_positions('source.payments') }} as element_position
        from source
    ) as source  -- noqa: RF04
),

renamed as (
    select
        ---------- ids
        concat_ws('-', {{ normalize_guid('registerid') }}, id, element_position) as journal_receipt_payment_id,
        concat_ws('-', {{ normalize_guid('registerid') }}, id) as journal_entry_key,
        {{ normalize_guid('registerid') }} as register_id,
        id as journal_entry_id,
        ---------- strings
        {{ json_text('element', 'name') }} as payment_method,
        nullif({{ json_text('element', 'cardissuer') }}, '') as card_issuer,
        ---------- numerics
        element_position,
        {{ json_value('element', 'paymentmethodid', 'integer') }} as payment_method_code,
        {{ json_money('element', 'moneyamount') }} as amount,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
