with

source as (
    select * from {{ source('sitoo', 'sites') }}
),

renamed as (
    select
        ---------- ids
        eshopid as site_id,
        {{ normalize_guid(json_text('payload', 'siteid')) }} as site_guid,
        ---------- strings
        {{ json_text('payload', 'server') }} as server_name,
        {{ json_text('payload', 'siteurl') }} as site_url,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
