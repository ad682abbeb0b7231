{# Every journal receipt has an order with the same receipt id and the same gross, net and VAT
   (the POS's record and the backend's agree). Receipts whose order has not landed yet are
   skipped: offline registers upload orders and journal entries separately. #}
with

journal as (
    select
        receipt_id,
        sum(gross_amount) as gross_amount,
        sum(net_amount) as net_amount,
        sum(vat_amount) as vat_amount
    from {{ ref('fct_journal_receipt_lines') }}
    group by receipt_id
),

orders as (
    select
        receipt_id,
        gross_amount,
        net_amount,
        vat_amount
    from {{ ref('fct_orders') }}
    where receipt_id is not null
)

select
    journal.receipt_id,
    journal.gross_amount,
    orders.gross_amount as order_gross_amount
from journal
inner join orders
    on journal.receipt_id = orders.receipt_id
where
    journal.gross_amount != orders.gross_amount
    or journal.net_amount != orders.net_amount
    or journal.vat_amount != orders.vat_amount
