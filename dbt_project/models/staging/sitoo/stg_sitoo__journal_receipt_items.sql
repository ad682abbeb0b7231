with

source as (
    select
        registerid,
        id,
        _extracted_at,
        {{ json_array('payload', ['data', 'items']) }} as items
    from {{ source('sitoo', 'journal_entries') }}
    where {{ json_text('payload', 'type') }} = 'receipt'
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
        {{ json_value('element', ['additionaldata', 'item-productid'], 'bigint') }} as product_id,
        ---------- strings
        {{ json_text('element', 'sku') }} as sku,
        {{ json_text('element', 'productname') }} as product_name,
        {{ json_text('element', ['additionaldata', 'product-group-name']) }} as product_group_name,
        ---------- numerics
        element_position,
        {{ to_quantity(json_text('element', 'quantity')) }} as quantity,
        {{ to_vat_rate(json_text('element', 'vatvalue')) }} as vat_rate,
        {{ json_money('element', 'moneyprice') }} as unit_gross_price,
        {{ json_money('element', 'moneyrowprice') }} as gross_amount,
        {{ json_money('element', 'moneyrownet') }} as net_amount,
        {{ json_money('element', 'moneyrowvat') }} as vat_amount,
        ---------- nested
        {{ json_object('element', 'discounts') }} as discounts,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
