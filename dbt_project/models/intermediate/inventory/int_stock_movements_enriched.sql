{# One row per warehouse transaction line with the transaction's type, the warehouse's local
   business date and Sitoo's running totals after the line. #}
with

items as (
    select * from {{ ref('stg_sitoo__warehouse_transaction_items') }}
),

warehouses as (
    select
        warehouse_id,
        store_external_id,
        currency_code,
        time_zone
    from {{ ref('int_warehouses_with_time_zones') }}
),

final as (
    select
        items.warehouse_transaction_item_id,
        items.warehouse_transaction_id,
        items.warehouse_id,
        warehouses.store_external_id,
        items.transaction_external_id,
        items.sku,
        warehouses.currency_code,
        items.transaction_type_code,
        case items.transaction_type_code
            when 10 then 'move_in'
            when 20 then 'move_out'
            when 30 then 'sale'
            when 40 then 'refund'
            when 50 then 'stocktaking'
            else 'other'
        end as transaction_type,
        items.reason_code,
        items.element_position,
        items.quantity,
        items.quantity_on_hand_after,
        items.unit_purchase_price,
        items.movement_value,
        items.stock_value_after,
        {{ utc_to_local('items.created_at', "coalesce(warehouses.time_zone, 'UTC')") }}::date
            as business_date,
        items.created_at,
        items._extracted_at
    from items
    left join warehouses
        on items.warehouse_id = warehouses.warehouse_id
)

select * from final
