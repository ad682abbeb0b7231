{# One row per warehouse, SKU and warehouse-local date, from the SKU's first movement in the
   warehouse to the last date with any movement: quantity and value on hand at the end of the
   day (Sitoo's running totals), and the day's net movement. #}
with

movements as (
    select * from {{ ref('fct_stock_movements') }}
),

end_of_day as (
    select
        warehouse_id,
        sku,
        business_date,
        any_value(store_external_id) as store_external_id,
        any_value(currency_code) as currency_code,
        sum(quantity) as quantity_moved,
        sum(movement_value) as value_moved,
        {# the ledger's order: transaction id, then line #}
        arg_max(quantity_on_hand_after, [warehouse_transaction_id, line_number]) as quantity_on_hand,
        arg_max(stock_value_after, [warehouse_transaction_id, line_number]) as stock_value
    from movements
    group by warehouse_id, sku, business_date
),

bounds as (
    select
        warehouse_id,
        sku,
        min(business_date) as first_date,
        (select max(business_date) from movements) as last_date
    from end_of_day
    group by warehouse_id, sku
),

spine as (
    select
        bounds.warehouse_id,
        bounds.sku,
        unnest(generate_series(bounds.first_date, bounds.last_date, interval '1 day'))::date
            as stock_date
    from bounds
),

filled as (
    select
        spine.warehouse_id,
        spine.sku,
        spine.stock_date,
        end_of_day.store_external_id,
        end_of_day.currency_code,
        end_of_day.quantity_on_hand,
        end_of_day.stock_value,
        case when end_of_day.business_date = spine.stock_date then end_of_day.quantity_moved else 0 end
            as quantity_moved,
        case when end_of_day.business_date = spine.stock_date then end_of_day.value_moved else 0 end
            as value_moved
    from spine
    asof left join end_of_day
        on
            spine.warehouse_id = end_of_day.warehouse_id
            and spine.sku = end_of_day.sku
            and spine.stock_date >= end_of_day.business_date
),

final as (
    select
        warehouse_id::bigint as warehouse_id,
        sku::varchar as sku,
        stock_date::date as stock_date,
        store_external_id::varchar as store_external_id,
        currency_code::varchar as currency_code,
        quantity_on_hand::decimal(18, 3) as quantity_on_hand,
        stock_value::decimal(18, 2) as stock_value,
        quantity_moved::decimal(18, 3) as quantity_moved,
        value_moved::decimal(18, 2) as value_moved
    from filled
)

select * from final
