{# Sitoo's running total after each ledger line equals the sum of the SKU's movements in the
   warehouse up to that line. #}
with

movements as (
    select
        warehouse_id,
        sku,
        warehouse_transaction_id,
        line_number,
        quantity,
        quantity_on_hand_after,
        sum(quantity) over (
            partition by warehouse_id, sku
            order by warehouse_transaction_id, line_number
            rows between unbounded preceding and current row
        ) as running_quantity
    from {{ ref('fct_stock_movements') }}
)

select * from movements
where running_quantity != quantity_on_hand_after
