{# Journal receipts written on a register during a Z-report's session, one row per receipt,
   with the columns the comparisons sum (see int_zreport_orders_assigned). #}
with

receipts as (
    select
        journal_entry_key,
        register_id,
        created_at,
        is_refund,
        is_practice_mode,
        gross_amount,
        paid_amount,
        rounding_amount
    from {{ ref('stg_sitoo__journal_receipts') }}
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
        receipts.*
    from receipts
    inner join sessions
        on
            receipts.register_id = sessions.register_id
            and receipts.created_at >= sessions.session_started_at
            and receipts.created_at <= sessions.session_ended_at
)

select * from final
