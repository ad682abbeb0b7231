{#- A table: Z-report payloads are large, and sessions, reconciliation and tests all read
    them, so they are parsed once per build. -#}
{{ config(materialized='table') }}
{%- set kinds = [
    ['sales', 'discountssales'],
    ['sales_not_delivered', 'discountssalesnotdelivered'],
    ['refund', 'discountsrefund'],
] -%}
with

source as (
    select * from {{ source('sitoo', 'pos_z_reports') }}
),

unnested as (
    {{ zreport_kind_elements('source', kinds, 'discount_kind') }}
),

renamed as (
    select
        ---------- ids
        concat_ws('-', {{ normalize_guid('registerid') }}, zreportid, discount_kind, element_position)
            as zreport_discount_id,
        concat_ws('-', {{ normalize_guid('registerid') }}, zreportid) as zreport_key,
        {{ normalize_guid('registerid') }} as register_id,
        zreportid as zreport_id,
        ---------- strings
        discount_kind,
        {{ json_text('element', 'vouchercode') }} as voucher_code,
        ---------- numerics
        element_position,
        {{ json_money('element', 'moneytotal') }} as gross_amount,
        {{ json_money('element', 'moneytotalnet') }} as net_amount,
        {{ json_money('element', 'moneytotalvat') }} as vat_amount,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
