{# One row per warehouse with the time zone its stock days are cut in: its store's zone, else
   the zone of the warehouse's country, else var `default_time_zone`. #}
with

warehouses as (
    select * from {{ ref('stg_sitoo__warehouses') }}
),

stores as (
    select
        store_id,
        store_external_id,
        time_zone
    from {{ ref('int_stores_with_time_zones') }}
),

country_time_zones as (
    select
        country_code,
        time_zone
    from {{ ref('country_time_zones') }}
),

final as (
    select
        warehouses.warehouse_id,
        warehouses.store_id,
        stores.store_external_id,
        warehouses.warehouse_external_id,
        warehouses.warehouse_name,
        warehouses.currency_code,
        warehouses.country_code,
        warehouses.use_type,
        warehouses.is_sellable,
        coalesce(
            stores.time_zone,
            country_time_zones.time_zone,
            '{{ var("default_time_zone", "UTC") }}'
        ) as time_zone
    from warehouses
    left join stores
        on warehouses.store_id = stores.store_id
    left join country_time_zones
        on warehouses.country_code = country_time_zones.country_code
)

select * from final
