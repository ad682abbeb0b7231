{# Sales-tax rows of order items (US-style tax; empty for Nordic VAT accounts, whose VAT is the
   item's own vatvalue and moneyitemtotal_vat). #}
with

source as (
    select
        orderid,
        _extracted_at,
        {{ json_array('payload', 'orderitems') }} as items
    from {{ source('sitoo', 'orders') }}
),

items as (
    select
        source.orderid,
        source._extracted_at,
        coalesce({{ json_value('source.item', 'orderitemid', 'bigint') }}, source.item_position - 1)
            as order_item_id,
        {{ json_array('source.item', 'salestaxes') }} as taxes
    from (
        select
            source.*,
            {{ unnest_list('source.items') }} as item,
            {{ unnest_positions('source.items') }} as item_position
        from source
    ) as source  -- noqa: RF04
),

unnested as (
    select
        items.orderid,
        items.order_item_id,
        items._extracted_at,
        items.tax,
        items.tax_position
    from (
        select
            items.*,
            {{ unnest_list('items.taxes') }} as tax,
            {{ unnest_positions('items.taxes') }} as tax_position
        from items
    ) as items
),

renamed as (
    select
        ---------- ids
        concat_ws('-', orderid, order_item_id, tax_position) as order_item_tax_id,
        concat_ws('-', orderid, order_item_id) as order_line_id,
        orderid as order_id,
        {{ json_value('tax', 'salestaxid', 'bigint') }} as sales_tax_id,
        ---------- strings
        {{ json_text('tax', 'name') }} as sales_tax_name,
        ---------- numerics
        tax_position,
        {{ json_quantity('tax', 'decimalvalue') }} as sales_tax_percent,
        {{ json_money('tax', 'moneytax') }} as sales_tax_amount,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
