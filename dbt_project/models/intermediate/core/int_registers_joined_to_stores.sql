{# One row per cash register with its store (register → warehouse → store). #}
with

registers as (
    select * from {{ ref('stg_sitoo__cash_registers') }}
),

warehouses as (
    select
        warehouse_id,
        store_id
    from {{ ref('stg_sitoo__warehouses') }}
),

stores as (
    select
        store_id,
        store_external_id,
        store_name,
        time_zone
    from {{ ref('int_stores_with_time_zones') }}
),

final as (
    select
        registers.register_id,
        registers.warehouse_id,
        stores.store_id,
        stores.store_external_id,
        stores.store_name,
        registers.register_key,
        registers.manufacturer_id,
        registers.company_name,
        registers.company_number,
        registers.country_code,
        registers.currency_code,
        stores.time_zone
    from registers
    left join warehouses
        on registers.warehouse_id = warehouses.warehouse_id
    left join stores
        on warehouses.store_id = stores.store_id
)

select * from final
