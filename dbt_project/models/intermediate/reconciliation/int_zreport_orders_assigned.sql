{# Orders placed on a register during a Z-report's session (register, and order time within the
   session), one row per order. Only orders of a register are assigned. Only the columns the
   comparisons sum are kept: this table is rewritten in every build, and writing every order
   column made it the slowest model of an incremental build. #}
with

orders as (
    select
        order_id,
        register_id,
        ordered_at,
        order_class,
        is_sales_transaction,
        total_net_amount,
        total_goods_gross_amount,
        total_gross_amount,
        rounding_amount
    from {{ ref('int_orders_classified') }}
    where register_id is not null
),

sessions as (
    select
        zreport_key,
        register_id,
        zreport_id,
        session_started_at,
        session_ended_at
    from {{ ref('int_zreport_sessions') }}
),

final as (
    select
        sessions.zreport_key,
        sessions.zreport_id,
        orders.*
    from orders
    inner join sessions
        on
            orders.register_id = sessions.register_id
            and orders.ordered_at >= sessions.session_started_at
            and orders.ordered_at <= sessions.session_ended_at
)

select * from final
