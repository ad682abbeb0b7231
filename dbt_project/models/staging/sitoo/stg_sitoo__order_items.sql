with

source as (
    select
        orderid,
        _extracted_at,
        {{ json_array('payload', 'orderitems') }} as items
    from {{ source('sitoo', 'orders') }}
),

unnested as (
    select
        source.orderid,
        source._extracted_at,
        source.item,
        source.item_position
    from (
        select
            source.*,
            {{ unnest_list('source.items') }} as item,
            {{ unnest_positions('source.items') }} as item_position
        from source
    ) as source  -- noqa: RF04
),

renamed as (
    select
        ---------- ids
        concat_ws('-', orderid, coalesce({{ json_value('item', 'orderitemid', 'bigint') }}, item_position - 1))
            as order_line_id,
        orderid as order_id,
        coalesce({{ json_value('item', 'orderitemid', 'bigint') }}, item_position - 1) as order_item_id,
        {{ json_value('item', 'productid', 'bigint') }} as product_id,
        ---------- strings
        {{ json_text('item', 'sku') }} as sku,
        {{ json_text('item', 'productname') }} as product_name,
        {{ json_text('item', ['additionaldata', 'product-group-name']) }} as product_group_name,
        nullif({{ json_text('item', 'vouchercode') }}, '') as voucher_code,
        nullif({{ json_text('item', 'vouchername') }}, '') as voucher_name,
        ---------- numerics
        item_position,
        {{ json_value('item', 'orderitemtype', 'integer') }} as order_item_type,
        {{ to_quantity(json_text('item', 'quantity')) }} as quantity,
        {{ to_vat_rate(json_text('item', 'vatvalue')) }} as vat_rate,
        {{ json_money('item', 'moneynetpriceperunit') }} as unit_net_price,
        {{ json_money('item', 'moneyoriginalprice') }} as unit_original_net_price,
        {{ json_money('item', 'moneydiscount') }} as unit_net_discount,
        {{ json_money('item', ['additionaldata', 'orderitem-moneyrowdiscount']) }}
            as row_gross_discount,
        {{ json_money('item', 'moneyitemtotal_net') }} as net_amount,
        {{ json_money('item', 'moneyitemtotal_vat') }} as vat_amount,
        ---------- nested
        {{ json_object('item', 'salestaxes') }} as sales_taxes,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
