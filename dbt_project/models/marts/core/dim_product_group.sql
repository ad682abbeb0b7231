with

product_groups as (
    select * from {{ ref('stg_sitoo__product_groups') }}
),

final as (
    select
        product_group_key::varchar as product_group_key,
        site_id::bigint as site_id,
        product_group_id::bigint as product_group_id,
        product_group_name::varchar as product_group_name,
        case product_group_type
            when 10 then 'product' when 20 then 'service' when 30 then 'gift_card' else 'other'
        end::varchar as product_group_type,
        vat_rate::decimal(5, 2) as vat_rate
    from product_groups
)

select * from final
