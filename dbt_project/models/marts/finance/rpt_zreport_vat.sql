{# One row per register, Z-report and VAT rate: the Z-report's net takings (sales − refunds)
   excluding VAT, VAT and including VAT next to the sums over the session's order lines and
   journal receipt VAT lines, the differences and a status. Refunds reduce every figure. #}
with

vat as (
    select * from {{ ref('int_zreport_vat_compared') }}
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
        vat.*
    from vat
    inner join sessions
        on vat.zreport_key = sessions.zreport_key
),

final as (
    select
        register_id::varchar as register_id,
        zreport_id::bigint as zreport_id,
        business_date::date as business_date,
        store_external_id::varchar as store_external_id,
        currency_code::varchar as currency_code,
        vat_rate::decimal(5, 2) as vat_rate,
        {% for column in [
            'zreport_net_amount', 'zreport_vat_amount', 'zreport_gross_amount',
            'orders_net_amount', 'orders_vat_amount', 'orders_gross_amount',
            'journal_net_amount', 'journal_vat_amount', 'journal_gross_amount',
            'orders_net_difference', 'orders_vat_difference', 'orders_gross_difference',
            'journal_net_difference', 'journal_vat_difference', 'journal_gross_difference',
        ] -%}
            {{ column }}::decimal(18, 2) as {{ column }},
        {% endfor -%}
        case when is_mismatched then 'mismatch' else 'ok' end::varchar as status
    from joined
)

select * from final
