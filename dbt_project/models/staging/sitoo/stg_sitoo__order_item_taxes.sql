{{ config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('order_id', source('sitoo', 'orders'), 'orderid') }}",
) }}
{# Sales-tax rows of order items (US-style tax; empty for Nordic VAT accounts, whose VAT is the
   item's own vatvalue and moneyitemtotal_vat). #}
with

items as (
    {#- From the order items table, whose sales_taxes column is already cut out of the order
        payload: the payload (every item of the order) is not parsed a second time. -#}
    select
        order_id as orderid,
        _extracted_at,
        order_item_id,
        {{ json_array('sales_taxes', []) }} as taxes
    from {{ ref('stg_sitoo__order_items') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
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
