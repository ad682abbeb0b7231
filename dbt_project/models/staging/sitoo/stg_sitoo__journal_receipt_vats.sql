{{ config(
    materialized='incremental',
    unique_key='journal_entry_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('journal_entry_key', source('sitoo', 'journal_entries'), raw_journal_entry_key()) }}",
) }}
with

receipts as (
    select
        register_id as registerid,
        journal_entry_id as id,
        _extracted_at,
        {{ json_array('vats', []) }} as vats
    from {{ ref('stg_sitoo__journal_receipts') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

unnested as (
    select
        receipts.registerid,
        receipts.id,
        receipts._extracted_at,
        receipts.element,
        receipts.element_position
    from (
        select
            receipts.*,
            {{ unnest_list('receipts.vats') }} as element,
            {{ unnest_positions('receipts.vats') }} as element_position
        from receipts
    ) as receipts  -- noqa: RF04
),

renamed as (
    select
        ---------- ids
        concat_ws('-', {{ normalize_guid('registerid') }}, id, element_position) as journal_receipt_vat_id,
        concat_ws('-', {{ normalize_guid('registerid') }}, id) as journal_entry_key,
        {{ normalize_guid('registerid') }} as register_id,
        id as journal_entry_id,
        ---------- numerics
        element_position,
        {{ to_vat_rate(json_text('element', 'vatvalue')) }} as vat_rate,
        {{ json_money('element', 'moneytotal') }} as gross_amount,
        {{ json_money('element', 'moneynet') }} as net_amount,
        {{ json_money('element', 'moneyvat') }} as vat_amount,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
