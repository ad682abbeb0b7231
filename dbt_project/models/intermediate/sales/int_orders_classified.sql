{{ config(materialized='table') }}
{# One row per order: store, local business date and hour, refund link and the order class.
   The classification rule is documented in _sales__models.yml (order_class). #}
with

orders as (
    select * from {{ ref('stg_sitoo__orders') }}
),

stores as (
    select
        store_id,
        store_external_id,
        time_zone
    from {{ ref('int_stores_with_time_zones') }}
),

warehouses as (
    select
        warehouse_id,
        store_id
    from {{ ref('stg_sitoo__warehouses') }}
),

orders_joined_to_stores as (
    select
        orders.*,
        coalesce(stores_by_external_id.store_id, stores_by_warehouse.store_id) as store_id,
        coalesce(orders.store_external_id, stores_by_warehouse.store_external_id)
            as resolved_store_external_id,
        coalesce(
            orders.pos_time_zone,
            stores_by_external_id.time_zone,
            stores_by_warehouse.time_zone,
            '{{ var("default_time_zone", "UTC") }}'
        ) as time_zone
    from orders
    left join stores as stores_by_external_id
        on orders.store_external_id = stores_by_external_id.store_external_id
    left join warehouses
        on orders.warehouse_id = warehouses.warehouse_id
    left join stores as stores_by_warehouse
        on warehouses.store_id = stores_by_warehouse.store_id
),

classified as (
    select
        *,
        coalesce(credit_order_id, original_sales_order_id) as original_order_id,
        case
            when is_practice_mode then 'practice'
            when order_type_code = 110 and order_state_code = -1 then 'abandoned'
            when order_type_code = 110 and order_state_code = 10 then 'parked_completed'
            when order_type_code = 110 then 'parked'
            when order_type_code = 100 and order_state_code = 20 then 'cancelled'
            when order_type_code = 100 and order_state_code = 10 then 'booking_completed'
            when order_type_code = 100 then 'booking'
            when order_state_code = 20 then 'cancelled'
            when order_state_code = -1 then 'abandoned'
            when order_state_code = 0 then 'open'
            when order_state_code = 10 and order_type_code = 10
                and (
                    credit_order_id is not null
                    or original_sales_order_id is not null
                    or total_gross_amount < 0
                )
                then 'refund'
            when order_state_code = 10 and order_type_code = 10 then 'sale'
            else 'other'
        end as order_class
    from orders_joined_to_stores
),

with_local_time as (
    select
        *,
        order_class in ('sale', 'refund') as is_sales_transaction,
        {{ utc_to_local('ordered_at', 'time_zone') }} as ordered_at_local
    from classified
),

originals as (
    select
        order_id,
        resolved_store_external_id,
        ordered_at_local
    from with_local_time
),

final as (
    select
        with_local_time.order_id,
        with_local_time.site_id,
        with_local_time.store_id,
        with_local_time.resolved_store_external_id as store_external_id,
        with_local_time.register_id,
        with_local_time.warehouse_id,
        with_local_time.staff_user_id,
        with_local_time.receipt_id,
        with_local_time.original_order_id,
        with_local_time.source_order_id,
        with_local_time.currency_code,
        with_local_time.time_zone,
        with_local_time.order_class,
        with_local_time.refund_reason_code,
        with_local_time.member_number,
        with_local_time.order_type_code,
        with_local_time.order_state_code,
        with_local_time.payment_state_code,
        with_local_time.total_net_amount,
        with_local_time.total_vat_amount,
        with_local_time.total_net_amount + with_local_time.total_vat_amount as total_goods_gross_amount,
        with_local_time.rounding_amount,
        with_local_time.total_gross_amount,
        with_local_time.is_sales_transaction,
        with_local_time.is_practice_mode,
        originals.order_id is not null as has_original_order,
        originals.resolved_store_external_id as original_store_external_id,
        originals.ordered_at_local::date as original_business_date,
        with_local_time.ordered_at_local::date as business_date,
        hour(with_local_time.ordered_at_local) as business_hour,
        with_local_time.ordered_at,
        with_local_time.ordered_at_local,
        with_local_time._extracted_at
    from with_local_time
    left join originals
        on with_local_time.original_order_id = originals.order_id
)

select * from final
