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

unnested as (
    {{ zreport_kind_elements('source', kinds, 'payment_kind') }}
),

renamed as (
    select
        ---------- ids
        concat_ws('-', {{ normalize_guid('registerid') }}, zreportid, payment_kind, element_position)
            as zreport_payment_id,
        concat_ws('-', {{ normalize_guid('registerid') }}, zreportid) as zreport_key,
        {{ normalize_guid('registerid') }} as register_id,
        zreportid as zreport_id,
        ---------- strings
        payment_kind,
        {{ json_text('element', 'name') }} as payment_method,
        ---------- numerics
        element_position,
        {{ json_money('element', 'moneytotal') }} as amount,
        {{ json_money('element', 'moneycaptured') }} as captured_amount,
        {{ json_money('element', 'moneyinadvance') }} as in_advance_amount,
        {{ json_money('element', 'moneyreserved') }} as reserved_amount,
        ---------- nested
        {{ json_object('element', 'subpayments') }} as sub_payments,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
