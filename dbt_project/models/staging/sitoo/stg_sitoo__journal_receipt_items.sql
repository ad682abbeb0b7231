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

receipts as (
    select
        register_id as registerid,
        journal_entry_id as id,
        _extracted_at,
        {{ json_array('items', []) }} as items
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
        receipts.element_position,
        {{ json_text_fields('receipts.element', element_paths) }} as element_fields
    from (
        select
            receipts.*,
            {{ unnest_list('receipts.items') }} as element,
            {{ unnest_positions('receipts.items') }} as element_position
        from receipts
    ) as receipts  -- noqa: RF04
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
