{# Fan-out check: the lines of every order add up to the order's net and VAT totals. #}
with

orders as (
    select
        order_id,
        net_amount,
        vat_amount
    from {{ ref('fct_orders') }}
),

lines as (
    select
        order_id,
        sum(net_amount) as net_amount,
        sum(vat_amount) as vat_amount
    from {{ ref('fct_order_lines') }}
    group by order_id
)

select
    orders.order_id,
    orders.net_amount,
    lines.net_amount as lines_net_amount,
    orders.vat_amount,
    lines.vat_amount as lines_vat_amount
from orders
left join lines
    on orders.order_id = lines.order_id
where
    coalesce(lines.net_amount, 0) != orders.net_amount
    or coalesce(lines.vat_amount, 0) != orders.vat_amount
