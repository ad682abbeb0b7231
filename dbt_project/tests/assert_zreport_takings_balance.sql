{{ config(severity=var('zreport_reconciliation_severity', 'error')) }}
{# Each Z-report's takings balance as an accounting voucher would book them, for the Z-report
   and for the sums over its session's orders and journal receipts alike: the per-rate gross
   (rpt_zreport_vat) adds up to sales − refunds including VAT, and the payments (the sum over
   rpt_zreport_payments, see assert_zreport_details_sum_to_totals) to that plus cash rounding. On the simulator's data this holds to the
   cent; set var zreport_reconciliation_severity: warn to keep building while investigating a
   live account. #}
{%- set sources = ['zreport', 'orders', 'journal'] -%}
with

reconciliation as (
    select * from {{ ref('rpt_zreport_reconciliation') }}
),

vat as (
    select * from {{ ref('rpt_zreport_vat') }}
),

gross_summed as (
    select
        {% for source in sources -%}
            sum({{ source }}_gross_amount) as {{ source }}_gross_amount,
        {% endfor -%}
        register_id,
        zreport_id
    from vat
    group by register_id, zreport_id
),

joined as (
    select
        {% for source in sources -%}
            coalesce(gross_summed.{{ source }}_gross_amount, 0) as {{ source }}_rates_gross_amount,
        {% endfor -%}
        reconciliation.*
    from reconciliation
    left join gross_summed
        on
            reconciliation.register_id = gross_summed.register_id
            and reconciliation.zreport_id = gross_summed.zreport_id
),

final as (
    {% for source in sources -%}
        select
            register_id,
            zreport_id,
            '{{ source }}' as figures_of,
            {{ source }}_rates_gross_amount as rates_gross_amount,
            {{ source }}_sales_gross_amount - {{ source }}_refund_gross_amount as takings_gross_amount,
            {{ source }}_rounding_amount as rounding_amount,
            {{ source }}_payments_amount as payments_amount
        from joined
        where
            {{ source }}_rates_gross_amount
            != {{ source }}_sales_gross_amount - {{ source }}_refund_gross_amount
            or {{ source }}_payments_amount != {{ source }}_rates_gross_amount + {{ source }}_rounding_amount
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
