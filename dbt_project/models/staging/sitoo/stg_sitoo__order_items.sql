{{ config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('order_id', source('sitoo', 'orders'), 'orderid') }}",
) }}
{%- set item_paths = [
    'orderitemid',
    'productid',
    'sku',
    'productname',
    ['additionaldata', 'product-group-name'],
    'vouchercode',
    'vouchername',
    'orderitemtype',
    'quantity',
    'vatvalue',
    'moneynetpriceperunit',
    'moneyoriginalprice',
    'moneydiscount',
    ['additionaldata', 'orderitem-moneyrowdiscount'],
    'moneyitemtotal_net',
    'moneyitemtotal_vat',
] -%}
{%- set item = json_fields('item_fields', item_paths) -%}
with

source as (
    select
        orderid,
        _extracted_at,
        {{ json_array('payload', 'orderitems') }} as items
    from {{ source('sitoo', 'orders') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

unnested as (
    select
        source.orderid,
        source._extracted_at,
        source.item,
        source.item_position,
        {{ json_text_fields('source.item', item_paths) }} as item_fields
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
        concat_ws('-', orderid, coalesce({{ json_value(item, 'orderitemid', 'bigint') }}, item_position - 1))
            as order_line_id,
        orderid as order_id,
        coalesce({{ json_value(item, 'orderitemid', 'bigint') }}, item_position - 1) as order_item_id,
        {{ json_value(item, 'productid', 'bigint') }} as product_id,
        ---------- strings
        {{ json_text(item, 'sku') }} as sku,
        {{ json_text(item, 'productname') }} as product_name,
        {{ json_text(item, ['additionaldata', 'product-group-name']) }} as product_group_name,
        nullif({{ json_text(item, 'vouchercode') }}, '') as voucher_code,
        nullif({{ json_text(item, 'vouchername') }}, '') as voucher_name,
        ---------- numerics
        item_position,
        {{ json_value(item, 'orderitemtype', 'integer') }} as order_item_type,
        {{ to_quantity(json_text(item, 'quantity')) }} as quantity,
        {{ to_vat_rate(json_text(item, 'vatvalue')) }} as vat_rate,
        {{ json_money(item, 'moneynetpriceperunit') }} as unit_net_price,
        {{ json_money(item, 'moneyoriginalprice') }} as unit_original_net_price,
        {{ json_money(item, 'moneydiscount') }} as unit_net_discount,
        {{ json_money(item, ['additionaldata', 'orderitem-moneyrowdiscount']) }}
            as row_gross_discount,
        {{ json_money(item, 'moneyitemtotal_net') }} as net_amount,
        {{ json_money(item, 'moneyitemtotal_vat') }} as vat_amount,
        ---------- nested
        {{ json_object('item', 'salestaxes') }} as sales_taxes,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
