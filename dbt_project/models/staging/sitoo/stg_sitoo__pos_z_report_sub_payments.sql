{#- A table: Z-report payloads are large, and sessions, reconciliation and tests all read
    them, so they are parsed once per build. -#}
{{ config(materialized='table') }}
{%- set kinds = [
    ['sales', 'paymentssales'],
    ['refund', 'paymentsrefund'],
] -%}
with

source as (
    select * from {{ source('sitoo', 'pos_z_reports') }}
),

payment_elements as (
    {{ zreport_kind_elements('source', kinds, 'payment_kind') }}
),

payments as (
    select
        registerid,
        zreportid,
        _extracted_at,
        payment_kind,
        element_position as payment_position,
        {{ json_text('element', 'name') }} as payment_method,
        {{ json_array('element', 'subpayments') }} as sub_payments
    from payment_elements
),

unnested as (
    select
        payments.*,
        payments.sub_payment,
        payments.sub_payment_position
    from (
        select
            payments.*,
            {{ unnest_list('payments.sub_payments') }} as sub_payment,
            {{ unnest_positions('payments.sub_payments') }} as sub_payment_position
        from payments
    ) as payments
),

renamed as (
    select
        ---------- ids
        concat_ws(
            '-', {{ normalize_guid('registerid') }}, zreportid, payment_kind, payment_position, sub_payment_position
        ) as zreport_sub_payment_id,
        concat_ws('-', {{ normalize_guid('registerid') }}, zreportid, payment_kind, payment_position)
            as zreport_payment_id,
        {{ normalize_guid('registerid') }} as register_id,
        zreportid as zreport_id,
        ---------- strings
        payment_kind,
        payment_method,
        {{ json_text('sub_payment', 'name') }} as sub_payment_name,
        ---------- numerics
        sub_payment_position,
        {{ json_money('sub_payment', 'moneysubtotal') }} as amount,
        {{ json_money('sub_payment', 'moneycaptured') }} as captured_amount,
        {{ json_money('sub_payment', 'moneyinadvance') }} as in_advance_amount,
        {{ json_money('sub_payment', 'moneyreserved') }} as reserved_amount,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
