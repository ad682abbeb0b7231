with

source as (
    select * from {{ source('sitoo', 'product_groups') }}
),

renamed as (
    select
        ---------- ids
        concat_ws('-', eshopid, vatid) as product_group_key,
        eshopid as site_id,
        vatid as product_group_id,
        ---------- strings
        {{ json_text('payload', 'productgroupname') }} as product_group_name,
        {{ json_text('payload', 'comment') }} as product_group_comment,
        ---------- numerics
        {{ to_vat_rate(json_text('payload', 'value')) }} as vat_rate,
        {{ json_value('payload', 'productgrouptype', 'integer') }} as product_group_type,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
