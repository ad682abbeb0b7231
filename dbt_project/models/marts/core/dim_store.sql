with

stores as (
    select * from {{ ref('int_stores_with_time_zones') }}
),

final as (
    select
        store_external_id::varchar as store_external_id,
        store_id::bigint as store_id,
        site_id::bigint as site_id,
        store_name::varchar as store_name,
        store_external_group_id::varchar as store_group,
        case store_type when 10 then 'store' when 20 then 'outlet' else 'other' end::varchar as store_type,
        address::varchar as address,
        zip_code::varchar as zip_code,
        city::varchar as city,
        country_code::varchar as country_code,
        currency_code::varchar as currency_code,
        time_zone::varchar as time_zone,
        latitude::double as latitude,
        longitude::double as longitude
    from stores
)

select * from final
