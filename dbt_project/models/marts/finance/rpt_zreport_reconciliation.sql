{# One row per register and Z-report: the Z-report's figures next to the sums over the orders
   and the journal receipts of the same register session, their differences and a status, and
   the till count (cash expected, counted, difference) from the Z-report. #}
with

totals as (
    select * from {{ ref('int_zreport_totals_compared') }}
),

vat as (
    select * from {{ ref('int_zreport_vat_compared') }}
),

payments as (
    select * from {{ ref('int_zreport_payments_compared') }}
),

vat_summed as (
    select
        zreport_key,
        sum(zreport_net_amount) as zreport_net_amount,
        sum(zreport_vat_amount) as zreport_vat_amount,
        sum(orders_net_amount) as orders_net_amount,
        sum(orders_vat_amount) as orders_vat_amount,
        sum(journal_net_amount) as journal_net_amount,
        sum(journal_vat_amount) as journal_vat_amount,
        count(*) filter (where is_mismatched) as vat_rates_mismatched
    from vat
    group by zreport_key
),

payments_summed as (
    select
        zreport_key,
        sum(zreport_amount) as zreport_payments_amount,
        sum(orders_amount) as orders_payments_amount,
        sum(journal_amount) as journal_payments_amount,
        count(*) filter (where is_mismatched) as payment_methods_mismatched
    from payments
    group by zreport_key
),

joined as (
    select
        totals.*,
        coalesce(vat_summed.zreport_net_amount, 0) as zreport_net_amount,
        coalesce(vat_summed.orders_net_amount, 0) as orders_net_amount,
        coalesce(vat_summed.journal_net_amount, 0) as journal_net_amount,
        coalesce(vat_summed.zreport_vat_amount, 0) as zreport_vat_amount,
        coalesce(vat_summed.orders_vat_amount, 0) as orders_vat_amount,
        coalesce(vat_summed.journal_vat_amount, 0) as journal_vat_amount,
        coalesce(vat_summed.vat_rates_mismatched, 0) as vat_rates_mismatched,
        coalesce(payments_summed.zreport_payments_amount, 0) as zreport_payments_amount,
        coalesce(payments_summed.orders_payments_amount, 0) as orders_payments_amount,
        coalesce(payments_summed.journal_payments_amount, 0) as journal_payments_amount,
        coalesce(payments_summed.payment_methods_mismatched, 0) as payment_methods_mismatched
    from totals
    left join vat_summed
        on totals.zreport_key = vat_summed.zreport_key
    left join payments_summed
        on totals.zreport_key = payments_summed.zreport_key
),

differences as (
    select
        *,
        orders_sales_gross_amount - zreport_sales_gross_amount as orders_sales_gross_difference,
        journal_sales_gross_amount - zreport_sales_gross_amount as journal_sales_gross_difference,
        orders_sales_net_amount - zreport_sales_net_amount as orders_sales_net_difference,
        orders_refund_gross_amount - zreport_refund_gross_amount as orders_refund_gross_difference,
        journal_refund_gross_amount - zreport_refund_gross_amount as journal_refund_gross_difference,
        orders_refund_net_amount - zreport_refund_net_amount as orders_refund_net_difference,
        orders_rounding_amount - zreport_rounding_amount as orders_rounding_difference,
        journal_rounding_amount - zreport_rounding_amount as journal_rounding_difference,
        orders_vat_amount - zreport_vat_amount as orders_vat_difference,
        journal_vat_amount - zreport_vat_amount as journal_vat_difference,
        orders_practice_amount - zreport_practice_amount as orders_practice_difference,
        journal_practice_amount - zreport_practice_amount as journal_practice_difference,
        orders_payments_amount - zreport_payments_amount as orders_payments_difference,
        journal_payments_amount - zreport_payments_amount as journal_payments_difference,
        orders_sales_count - zreport_sales_count as orders_sales_count_difference,
        journal_sales_count - zreport_sales_count as journal_sales_count_difference,
        orders_refund_count - zreport_refund_count as orders_refund_count_difference,
        orders_practice_count - zreport_practice_count as orders_practice_count_difference,
        journal_practice_count - zreport_practice_count as journal_practice_count_difference,
        journal_refund_count - zreport_refund_count as journal_refund_count_difference
    from joined
),

final as (
    select
        register_id::varchar as register_id,
        zreport_id::bigint as zreport_id,
        business_date::date as business_date,
        store_external_id::varchar as store_external_id,
        currency_code::varchar as currency_code,
        session_started_at::timestamp as session_started_at,
        session_ended_at::timestamp as session_ended_at,
        {% for column in [
            'zreport_sales_gross_amount', 'orders_sales_gross_amount', 'journal_sales_gross_amount',
            'zreport_sales_net_amount', 'orders_sales_net_amount',
            'zreport_refund_gross_amount', 'orders_refund_gross_amount', 'journal_refund_gross_amount',
            'zreport_refund_net_amount', 'orders_refund_net_amount',
            'zreport_net_amount', 'orders_net_amount', 'journal_net_amount',
            'zreport_vat_amount', 'orders_vat_amount', 'journal_vat_amount',
            'zreport_rounding_amount', 'orders_rounding_amount', 'journal_rounding_amount',
            'zreport_payments_amount', 'orders_payments_amount', 'journal_payments_amount',
            'zreport_practice_amount', 'orders_practice_amount', 'journal_practice_amount',
            'orders_sales_gross_difference', 'journal_sales_gross_difference',
            'orders_sales_net_difference',
            'orders_refund_gross_difference', 'journal_refund_gross_difference',
            'orders_refund_net_difference',
            'orders_rounding_difference', 'journal_rounding_difference',
            'orders_vat_difference', 'journal_vat_difference',
            'orders_practice_difference', 'journal_practice_difference',
            'orders_payments_difference', 'journal_payments_difference',
            'cash_expected_amount', 'cash_counted_amount', 'cash_difference_amount',
        ] -%}
            {{ column }}::decimal(18, 2) as {{ column }},
        {% endfor -%}
        {% for column in [
            'zreport_sales_count', 'orders_sales_count', 'journal_sales_count',
            'zreport_refund_count', 'orders_refund_count', 'journal_refund_count',
            'zreport_practice_count', 'orders_practice_count', 'journal_practice_count',
            'orders_sales_count_difference', 'journal_sales_count_difference',
            'orders_refund_count_difference', 'journal_refund_count_difference',
            'orders_practice_count_difference', 'journal_practice_count_difference',
            'vat_rates_mismatched', 'payment_methods_mismatched',
        ] -%}
            {{ column }}::bigint as {{ column }},
        {% endfor -%}
        case
            when
                orders_sales_gross_difference = 0
                and journal_sales_gross_difference = 0
                and orders_sales_net_difference = 0
                and orders_refund_gross_difference = 0
                and journal_refund_gross_difference = 0
                and orders_refund_net_difference = 0
                and orders_rounding_difference = 0
                and journal_rounding_difference = 0
                and orders_payments_difference = 0
                and journal_payments_difference = 0
                and orders_sales_count_difference = 0
                and journal_sales_count_difference = 0
                and orders_refund_count_difference = 0
                and journal_refund_count_difference = 0
                and orders_practice_difference = 0
                and journal_practice_difference = 0
                and orders_practice_count_difference = 0
                and journal_practice_count_difference = 0
                and vat_rates_mismatched = 0
                and payment_methods_mismatched = 0
                then 'ok'
            else 'mismatch'
        end::varchar as status
    from differences
)

select * from final
