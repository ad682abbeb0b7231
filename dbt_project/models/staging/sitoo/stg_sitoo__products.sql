with

source as (
    select * from {{ source('sitoo', 'products') }}
),

renamed as (
    select
        ---------- ids
        concat_ws('-', eshopid, productid) as product_key,
        eshopid as site_id,
        productid as product_id,
        concat_ws('-', eshopid, {{ json_value('payload', 'vatid', 'bigint') }}) as product_group_key,
        {{ json_value('payload', 'vatid', 'bigint') }} as product_group_id,
        ---------- strings
        {{ json_text('payload', 'sku') }} as sku,
        {{ json_text('payload', 'title') }} as product_name,
        {{ json_text('payload', 'descriptionshort') }} as product_attributes,
        {{ json_text('payload', 'barcode') }} as barcode,
        ---------- numerics
        {{ json_money('payload', 'moneyprice') }} as retail_price,
        {{ json_money('payload', 'moneypricein') }} as purchase_price,
        {{ to_vat_rate(json_text('payload', 'vatvalue')) }} as vat_rate,
        {{ json_value('payload', 'productgrouptype', 'integer') }} as product_group_type,
        ---------- booleans
        {{ json_bool('payload', 'activepos') }} as is_active_pos,
        {{ json_bool('payload', 'stockcountenable') }} as is_stock_counted,
        ---------- timestamps
        {{ json_epoch('payload', 'datecreated') }} as created_at,
        {{ json_epoch('payload', 'datemodified') }} as modified_at,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
