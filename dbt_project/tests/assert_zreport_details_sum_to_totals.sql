{# Per Z-report, the per-rate rows of rpt_zreport_vat and the per-method rows of
   rpt_zreport_payments add up to the totals of rpt_zreport_reconciliation (net, VAT and
   payments for the Z-report, the orders and the journal, with the same signs: refunds reduce),
   their mismatched rows are the ones it counts, and no detail row lacks its Z-report. A row
   names the register, Z-report and figure that disagree. #}
{%- set figures = [
    ('zreport_net_amount', 'vat_summed'), ('orders_net_amount', 'vat_summed'),
    ('journal_net_amount', 'vat_summed'), ('zreport_vat_amount', 'vat_summed'),
    ('orders_vat_amount', 'vat_summed'), ('journal_vat_amount', 'vat_summed'),
    ('vat_rates_mismatched', 'vat_summed'),
    ('zreport_payments_amount', 'payments_summed'), ('orders_payments_amount', 'payments_summed'),
    ('journal_payments_amount', 'payments_summed'), ('payment_methods_mismatched', 'payments_summed'),
] -%}
with

reconciliation as (
    select * from {{ ref('rpt_zreport_reconciliation') }}
),

vat as (
    select * from {{ ref('rpt_zreport_vat') }}
),

payments as (
    select * from {{ ref('rpt_zreport_payments') }}
),

vat_summed as (
    select
        register_id,
        zreport_id,
        sum(zreport_net_amount) as zreport_net_amount,
        sum(orders_net_amount) as orders_net_amount,
        sum(journal_net_amount) as journal_net_amount,
        sum(zreport_vat_amount) as zreport_vat_amount,
        sum(orders_vat_amount) as orders_vat_amount,
        sum(journal_vat_amount) as journal_vat_amount,
        count(*) filter (where status = 'mismatch') as vat_rates_mismatched
    from vat
    group by register_id, zreport_id
),

payments_summed as (
    select
        register_id,
        zreport_id,
        sum(zreport_amount) as zreport_payments_amount,
        sum(orders_amount) as orders_payments_amount,
        sum(journal_amount) as journal_payments_amount,
        count(*) filter (where status = 'mismatch') as payment_methods_mismatched
    from payments
    group by register_id, zreport_id
),

joined as (
    select
        {% for figure, detail in figures -%}
            coalesce({{ detail }}.{{ figure }}, 0) as summed_{{ figure }},
        {% endfor -%}
        reconciliation.*
    from reconciliation
    left join vat_summed
        on
            reconciliation.register_id = vat_summed.register_id
            and reconciliation.zreport_id = vat_summed.zreport_id
    left join payments_summed
        on
            reconciliation.register_id = payments_summed.register_id
            and reconciliation.zreport_id = payments_summed.zreport_id
),

differing as (
    {% for figure, detail in figures -%}
        select
            register_id,
            zreport_id,
            '{{ figure }}' as figure,
            {{ figure }}::decimal(18, 2) as total_amount,
            summed_{{ figure }}::decimal(18, 2) as summed_amount
        from joined
        where {{ figure }} is distinct from summed_{{ figure }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

orphans as (
    select
        details.register_id,
        details.zreport_id,
        details.detail_row as figure,
        null::decimal(18, 2) as total_amount,
        null::decimal(18, 2) as summed_amount
    from (
        select
            register_id,
            zreport_id,
            'rpt_zreport_vat row without its Z-report' as detail_row
        from vat
        union all
        select
            register_id,
            zreport_id,
            'rpt_zreport_payments row without its Z-report' as detail_row
        from payments
    ) as details
    left join reconciliation
        on
            details.register_id = reconciliation.register_id
            and details.zreport_id = reconciliation.zreport_id
    where reconciliation.register_id is null
),

final as (
    select * from differing
    union all
    select * from orphans
)

select * from final
