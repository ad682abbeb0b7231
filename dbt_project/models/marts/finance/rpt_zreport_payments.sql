{# One row per register, Z-report and payment method (the payment name Sitoo prints, e.g.
   'Card'): the Z-report's net payments (sales − refunds) next to the sums over the session's
   order payments and journal receipt payments, the differences and a status. #}
with

payments as (
    select * from {{ ref('int_zreport_payments_compared') }}
),

sessions as (
    select
        zreport_key,
        register_id,
        zreport_id,
        business_date,
        store_external_id,
        currency_code
    from {{ ref('int_zreport_sessions') }}
),

joined as (
    select
        sessions.register_id,
        sessions.zreport_id,
        sessions.business_date,
        sessions.store_external_id,
        sessions.currency_code,
        payments.*
    from payments
    inner join sessions
        on payments.zreport_key = sessions.zreport_key
),

final as (
    select
        register_id::varchar as register_id,
        zreport_id::bigint as zreport_id,
        business_date::date as business_date,
        store_external_id::varchar as store_external_id,
        currency_code::varchar as currency_code,
        payment_method::varchar as payment_method,
        zreport_amount::decimal(18, 2) as zreport_amount,
        orders_amount::decimal(18, 2) as orders_amount,
        journal_amount::decimal(18, 2) as journal_amount,
        orders_difference::decimal(18, 2) as orders_difference,
        journal_difference::decimal(18, 2) as journal_difference,
        case when is_mismatched then 'mismatch' else 'ok' end::varchar as status
    from joined
)

select * from final
