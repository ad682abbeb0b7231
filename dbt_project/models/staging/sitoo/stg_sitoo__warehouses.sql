with

source as (
    select * from {{ source('sitoo', 'warehouses') }}
),

renamed as (
    select
        ---------- ids
        warehouseid as warehouse_id,
        {{ json_value('payload', 'storeid', 'bigint') }} as store_id,
        {{ json_text('payload', 'externalid') }} as warehouse_external_id,
        ---------- strings
        {{ json_text('payload', 'name') }} as warehouse_name,
        upper({{ json_text('payload', 'currencycode') }}) as currency_code,
        lower({{ json_text('payload', 'countryid') }}) as country_code,
        {{ json_text('payload', 'city') }} as city,
        ---------- numerics
        {{ json_value('payload', 'warehousetype', 'integer') }} as warehouse_type,
        {{ json_value('payload', 'usetype', 'integer') }} as use_type,
        ---------- booleans
        {{ json_bool('payload', 'sellable') }} as is_sellable,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
