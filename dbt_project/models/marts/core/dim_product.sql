with

products as (
    select * from {{ ref('stg_sitoo__products') }}
),

product_groups as (
    select
        product_group_key,
        product_group_name
    from {{ ref('stg_sitoo__product_groups') }}
),

final as (
    select
        products.product_key::varchar as product_key,
        products.site_id::bigint as site_id,
        products.product_id::bigint as product_id,
        products.product_group_key::varchar as product_group_key,
        products.sku::varchar as sku,
        products.product_name::varchar as product_name,
        products.product_attributes::varchar as product_attributes,
        product_groups.product_group_name::varchar as product_group_name,
        products.barcode::varchar as barcode,
        products.retail_price::decimal(18, 2) as retail_price,
        nullif(products.purchase_price, 0)::decimal(18, 2) as purchase_price,
        products.vat_rate::decimal(5, 2) as vat_rate,
        products.is_active_pos::boolean as is_active_pos,
        products.is_stock_counted::boolean as is_stock_counted,
        products.created_at::timestamp as created_at,
        products.modified_at::timestamp as modified_at
    from products
    left join product_groups
        on products.product_group_key = product_groups.product_group_key
)

select * from final
