with

source as (
    select * from {{ source('sitoo', 'stores') }}
),

renamed as (
    select
        ---------- ids
        storeid as store_id,
        {{ json_value('payload', 'eshopid', 'bigint') }} as site_id,
        {{ json_text('payload', 'externalid') }} as store_external_id,
        {{ json_text('payload', 'externalgroupid') }} as store_external_group_id,
        ---------- strings
        {{ json_text('payload', 'name') }} as store_name,
        {{ json_text('payload', 'address') }} as address,
        {{ json_text('payload', 'zip') }} as zip_code,
        {{ json_text('payload', 'city') }} as city,
        lower({{ json_text('payload', 'countryid') }}) as country_code,
        {{ json_text('payload', 'email') }} as email,
        ---------- numerics
        {{ json_value('payload', 'storetype', 'integer') }} as store_type,
        {{ json_value('payload', 'latitude', 'double') }} as latitude,
        {{ json_value('payload', 'longitude', 'double') }} as longitude,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
