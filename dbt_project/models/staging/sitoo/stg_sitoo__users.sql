with

source as (
    select * from {{ source('sitoo', 'users') }}
),

renamed as (
    select
        ---------- ids
        {{ normalize_guid('userid') }} as user_id,
        {{ json_text('payload', 'externalid') }} as user_external_id,
        ---------- strings
        {{ json_text('payload', 'email') }} as email,
        {{ json_text('payload', 'namefirst') }} as first_name,
        {{ json_text('payload', 'namelast') }} as last_name,
        {{ json_text('payload', 'company') }} as company_name,
        {{ json_text('payload', 'customernumber') }} as customer_number,
        ---------- numerics
        {{ json_value('payload', 'role', 'integer') }} as role_code,
        ---------- timestamps
        {{ json_epoch('payload', 'datecreated') }} as created_at,
        {{ json_epoch('payload', 'datemodified') }} as modified_at,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
