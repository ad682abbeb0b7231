{{ config(
    materialized='incremental',
    unique_key='journal_entry_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('journal_entry_key', source('sitoo', 'journal_entries'), raw_journal_entry_key()) }}",
) }}
{%- set element_paths = [
    ['additionaldata', 'item-productid'],
    'sku',
    'productname',
    ['additionaldata', 'product-group-name'],
    'quantity',
    'vatvalue',
    'moneyprice',
    'moneyrowprice',
    'moneyrownet',
    'moneyrowvat',
] -%}
{%- set element = json_fields('element_fields', element_paths) -%}
with

source as (
    select
        registerid,
        id,
        _extracted_at,
        {{ json_array('payload', ['data', 'items']) }} as items
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
        concat_ws('-', {{ normalize_guid('registerid') }}, id, element_position) as journal_receipt_item_id,
        concat_ws('-', {{ normalize_guid('registerid') }}, id) as journal_entry_key,
        {{ normalize_guid('registerid') }} as register_id,
        id as journal_entry_id,
        {{ json_value(element, ['additionaldata', 'item-productid'], 'bigint') }} as product_id,
        ---------- strings
        {{ json_text(element, 'sku') }} as sku,
        {{ json_text(element, 'productname') }} as product_name,
        {{ json_text(element, ['additionaldata', 'product-group-name']) }} as product_group_name,
        ---------- numerics
        element_position,
        {{ to_quantity(json_text(element, 'quantity')) }} as quantity,
        {{ to_vat_rate(json_text(element, 'vatvalue')) }} as vat_rate,
        {{ json_money(element, 'moneyprice') }} as unit_gross_price,
        {{ json_money(element, 'moneyrowprice') }} as gross_amount,
        {{ json_money(element, 'moneyrownet') }} as net_amount,
        {{ json_money(element, 'moneyrowvat') }} as vat_amount,
        ---------- nested
        {{ json_object('element', 'discounts') }} as discounts,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
