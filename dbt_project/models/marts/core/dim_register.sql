with

registers as (
    select * from {{ ref('int_registers_joined_to_stores') }}
),

final as (
    select
        register_id::varchar as register_id,
        store_external_id::varchar as store_external_id,
        warehouse_id::bigint as warehouse_id,
        register_key::varchar as register_key,
        manufacturer_id::varchar as manufacturer_id,
        company_name::varchar as company_name,
        company_number::varchar as company_number,
        country_code::varchar as country_code,
        currency_code::varchar as currency_code,
        time_zone::varchar as time_zone
    from registers
)

select * from final
