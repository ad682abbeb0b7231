{{ config(
    materialized='incremental',
    unique_key=['warehouse_id', 'sku', 'stock_date'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}
{# One row per warehouse, SKU and warehouse-local date, from the SKU's first movement in the
   warehouse to the last date with any movement: quantity and value on hand at the end of the
   day (Sitoo's running totals), and the day's net movement.

   Incremental: the rows from the first date that can change are rebuilt, i.e. the earliest
   business date of a movement extracted since the last build, or the day after the last
   date already built if that is earlier. Balances are Sitoo's own running totals, not sums
   computed here, so each SKU's end-of-day state before that date is simply carried over from
   the table; nothing is summed across the slice boundary. #}
with

movements as (
    select * from {{ ref('fct_stock_movements') }}
),

{% if is_incremental() %}
    previous as (
        select * from {{ this }}
    ),

    rebuild_from as (
        select
            least(
                (
                    select min(business_date) from movements
                    where _extracted_at >= {{ lookback_start('_extracted_at') }}
                ),
                (select max(stock_date) + 1 from previous)
            ) as first_date
    ),

    movements_in_range as (
        select * from movements
        where business_date >= (select first_date from rebuild_from)
    ),

    carried_over as (
        select
            warehouse_id,
            sku,
            stock_date as business_date,
            store_external_id,
            currency_code,
            0 as quantity_moved,
            0 as value_moved,
            quantity_on_hand,
            stock_value,
            _extracted_at
        from previous
        where stock_date = (select first_date - 1 from rebuild_from)
    ),
{% else %}
    movements_in_range as (
        select * from movements
    ),
{% endif %}

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
        arg_max(stock_value_after, [warehouse_transaction_id, line_number]) as stock_value,
        max(_extracted_at) as _extracted_at
    from movements_in_range
    group by warehouse_id, sku, business_date
),

states as (
    select * from end_of_day
    {% if is_incremental() %}
        union all by name
        select * from carried_over
    {% endif %}
),

bounds as (
    select
        warehouse_id,
        sku,
        min(business_date) as first_date,
        (select max(business_date) from movements) as last_date
    from states
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
        states.store_external_id,
        states.currency_code,
        states.quantity_on_hand,
        states.stock_value,
        case when states.business_date = spine.stock_date then states.quantity_moved else 0 end
            as quantity_moved,
        case when states.business_date = spine.stock_date then states.value_moved else 0 end
            as value_moved,
        states._extracted_at
    from spine
    asof left join states
        on
            spine.warehouse_id = states.warehouse_id
            and spine.sku = states.sku
            and spine.stock_date >= states.business_date
    {% if is_incremental() %}
        where spine.stock_date >= (select first_date from rebuild_from)
    {% endif %}
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
        value_moved::decimal(18, 2) as value_moved,
        _extracted_at::timestamp as _extracted_at
    from filled
)

select * from final
