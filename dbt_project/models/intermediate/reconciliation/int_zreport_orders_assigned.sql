{# Orders placed on a register during a Z-report's session (register, and order time within the
   session), one row per order. Only orders of a register are assigned. #}
with

orders as (
    select * from {{ ref('int_orders_classified') }}
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
