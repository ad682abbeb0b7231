{# One row per Z-report and VAT rate: net takings (sales − refunds) excluding VAT, VAT and
   including VAT from the Z-report's VAT groups next to the sums over the session's order lines
   and journal receipt VAT lines, the differences and whether any of them is not zero. #}
with

vat_groups as (
    select * from {{ ref('stg_sitoo__pos_z_report_vat_groups') }}
    where vat_group_kind in ('sales', 'refund')
),

orders as (
    select
        order_id,
        zreport_key
    from {{ ref('int_zreport_orders_assigned') }}
    where is_sales_transaction
),

order_items as (
    select
        order_id,
        vat_rate,
        net_amount,
        vat_amount
    from {{ ref('stg_sitoo__order_items') }}
),

receipts as (
    select
        journal_entry_key,
        zreport_key
    from {{ ref('int_zreport_journal_receipts_assigned') }}
    where not is_practice_mode
),

receipt_vats as (
    select * from {{ ref('stg_sitoo__journal_receipt_vats') }}
),

zreport_by_rate as (
    select
        zreport_key,
        vat_rate,
        sum(case when vat_group_kind = 'refund' then -net_amount else net_amount end) as net_amount,
        sum(case when vat_group_kind = 'refund' then -vat_amount else vat_amount end) as vat_amount,
        sum(case when vat_group_kind = 'refund' then -gross_amount else gross_amount end) as gross_amount
    from vat_groups
    group by zreport_key, vat_rate
),

orders_by_rate as (
    select
        orders.zreport_key,
        order_items.vat_rate,
        sum(order_items.net_amount) as net_amount,
        sum(order_items.vat_amount) as vat_amount,
        sum(order_items.net_amount + order_items.vat_amount) as gross_amount
    from orders
    inner join order_items
        on orders.order_id = order_items.order_id
    group by orders.zreport_key, order_items.vat_rate
),

journal_by_rate as (
    select
        receipts.zreport_key,
        receipt_vats.vat_rate,
        sum(receipt_vats.net_amount) as net_amount,
        sum(receipt_vats.vat_amount) as vat_amount,
        sum(receipt_vats.gross_amount) as gross_amount
    from receipts
    inner join receipt_vats
        on receipts.journal_entry_key = receipt_vats.journal_entry_key
    group by receipts.zreport_key, receipt_vats.vat_rate
),

keys as (
    select
        zreport_key,
        vat_rate
    from zreport_by_rate
    union
    select
        zreport_key,
        vat_rate
    from orders_by_rate
    union
    select
        zreport_key,
        vat_rate
    from journal_by_rate
),

joined as (
    select
        keys.zreport_key,
        keys.vat_rate,
        coalesce(zreport_by_rate.net_amount, 0) as zreport_net_amount,
        coalesce(zreport_by_rate.vat_amount, 0) as zreport_vat_amount,
        coalesce(zreport_by_rate.gross_amount, 0) as zreport_gross_amount,
        coalesce(orders_by_rate.net_amount, 0) as orders_net_amount,
        coalesce(orders_by_rate.vat_amount, 0) as orders_vat_amount,
        coalesce(orders_by_rate.gross_amount, 0) as orders_gross_amount,
        coalesce(journal_by_rate.net_amount, 0) as journal_net_amount,
        coalesce(journal_by_rate.vat_amount, 0) as journal_vat_amount,
        coalesce(journal_by_rate.gross_amount, 0) as journal_gross_amount
    from keys
    left join zreport_by_rate
        on keys.zreport_key = zreport_by_rate.zreport_key and keys.vat_rate = zreport_by_rate.vat_rate
    left join orders_by_rate
        on keys.zreport_key = orders_by_rate.zreport_key and keys.vat_rate = orders_by_rate.vat_rate
    left join journal_by_rate
        on keys.zreport_key = journal_by_rate.zreport_key and keys.vat_rate = journal_by_rate.vat_rate
),

differences as (
    select
        *,
        orders_net_amount - zreport_net_amount as orders_net_difference,
        orders_vat_amount - zreport_vat_amount as orders_vat_difference,
        orders_gross_amount - zreport_gross_amount as orders_gross_difference,
        journal_net_amount - zreport_net_amount as journal_net_difference,
        journal_vat_amount - zreport_vat_amount as journal_vat_difference,
        journal_gross_amount - zreport_gross_amount as journal_gross_difference
    from joined
),

final as (
    select
        *,
        (
            orders_net_difference != 0
            or orders_vat_difference != 0
            or orders_gross_difference != 0
            or journal_net_difference != 0
            or journal_vat_difference != 0
            or journal_gross_difference != 0
        ) as is_mismatched
    from differences
)

select * from final
