{# One row per store with its site, currency and IANA time zone. The zone is the one the POS
   reports on the store's receipts (`pos-timezone`, the most frequent), else the zone of the
   store's country (seed `country_time_zones`), else var `default_time_zone`. #}
with

stores as (
    select * from {{ ref('stg_sitoo__stores') }}
),

warehouses as (
    select
        store_id,
        currency_code
    from {{ ref('stg_sitoo__warehouses') }}
),

orders as (
    select
        store_external_id,
        pos_time_zone
    from {{ ref('stg_sitoo__orders') }}
),

country_time_zones as (
    select
        country_code,
        time_zone
    from {{ ref('country_time_zones') }}
),

observed_time_zones as (
    select
        store_external_id,
        mode(pos_time_zone) as observed_time_zone
    from orders
    where pos_time_zone is not null
    group by store_external_id
),

store_currencies as (
    select
        store_id,
        min(currency_code) as currency_code
    from warehouses
    where store_id is not null
    group by store_id
),

final as (
    select
        stores.store_id,
        stores.site_id,
        stores.store_external_id,
        stores.store_external_group_id,
        stores.store_name,
        stores.store_type,
        stores.address,
        stores.zip_code,
        stores.city,
        stores.country_code,
        stores.latitude,
        stores.longitude,
        store_currencies.currency_code,
        coalesce(
            observed_time_zones.observed_time_zone,
            country_time_zones.time_zone,
            '{{ var("default_time_zone", "UTC") }}'
        ) as time_zone
    from stores
    left join store_currencies
        on stores.store_id = store_currencies.store_id
    left join observed_time_zones
        on stores.store_external_id = observed_time_zones.store_external_id
    left join country_time_zones
        on stores.country_code = country_time_zones.country_code
)

select * from final
