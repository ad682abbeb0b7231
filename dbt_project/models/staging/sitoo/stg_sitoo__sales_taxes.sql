with

source as (
    select * from {{ source('sitoo', 'sales_taxes') }}
),

renamed as (
    select
        ---------- ids
        concat_ws('-', eshopid, salestaxid) as sales_tax_key,
        eshopid as site_id,
        salestaxid as sales_tax_id,
        {{ json_text('payload', 'externalid') }} as sales_tax_external_id,
        ---------- strings
        {{ json_text('payload', 'name') }} as sales_tax_name,
        {{ json_text('payload', 'code') }} as sales_tax_code,
        ---------- numerics
        {{ json_quantity('payload', 'decimalvalue') }} as sales_tax_percent,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
