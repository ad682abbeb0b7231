{# One row per order line with its order's classification, local business date, signed
   amounts and cost at the product's purchase price (where one exists, i.e. is above zero). #}
with

order_items as (
    select * from {{ ref('stg_sitoo__order_items') }}
),

orders as (
    select * from {{ ref('int_orders_classified') }}
),

products as (
    select
        site_id,
        product_id,
        product_key,
        product_group_key,
        purchase_price
    from {{ ref('stg_sitoo__products') }}
),

lines_joined_to_orders as (
    select
        order_items.order_line_id,
        order_items.order_id,
        order_items.order_item_id,
        orders.site_id,
        orders.store_id,
        orders.store_external_id,
        orders.register_id,
        orders.staff_user_id,
        orders.receipt_id,
        orders.original_order_id,
        orders.currency_code,
        orders.order_class,
        orders.is_sales_transaction,
        orders.business_date,
        orders.business_hour,
        orders.ordered_at,
        orders.ordered_at_local,
        order_items.product_id,
        order_items.sku,
        order_items.product_name,
        order_items.product_group_name,
        order_items.voucher_code,
        order_items.voucher_name,
        order_items.quantity,
        order_items.vat_rate,
        order_items.net_amount,
        order_items.vat_amount,
        order_items.net_amount + order_items.vat_amount as gross_amount,
        sign(order_items.quantity) * coalesce(order_items.row_gross_discount, 0.00) as discount_amount,
        greatest(orders._extracted_at, order_items._extracted_at) as _extracted_at
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
),

final as (
    select
        lines_joined_to_orders.*,
        products.product_key,
        products.product_group_key,
        case
            when products.purchase_price > 0
                then (lines_joined_to_orders.quantity * products.purchase_price)::decimal(18, 2)
        end as cost_amount,
        case
            when products.purchase_price > 0
                then lines_joined_to_orders.net_amount
                    - (lines_joined_to_orders.quantity * products.purchase_price)::decimal(18, 2)
        end as gross_margin_amount
    from lines_joined_to_orders
    left join products
        on
            lines_joined_to_orders.site_id = products.site_id
            and lines_joined_to_orders.product_id = products.product_id
)

select * from final
