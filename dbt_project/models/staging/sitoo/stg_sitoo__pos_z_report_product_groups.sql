{#- A table: Z-report payloads are large, and sessions, reconciliation and tests all read
    them, so they are parsed once per build. -#}
{{ config(materialized='table') }}
{%- set kinds = [
    ['sales', 'productgroupssales'],
    ['sales_not_delivered', 'productgroupssalesnotdelivered'],
    ['refund', 'productgroupsrefund'],
] -%}
with

source as (
    select * from {{ source('sitoo', 'pos_z_reports') }}
),

unnested as (
    {{ zreport_kind_elements('source', kinds, 'product_group_kind') }}
),

renamed as (
    select
        ---------- ids
        concat_ws('-', {{ normalize_guid('registerid') }}, zreportid, product_group_kind, element_position)
            as zreport_product_group_id,
        concat_ws('-', {{ normalize_guid('registerid') }}, zreportid) as zreport_key,
        {{ normalize_guid('registerid') }} as register_id,
        zreportid as zreport_id,
        ---------- strings
        product_group_kind,
        {{ json_text('element', 'name') }} as product_group_name,
        ---------- numerics
        element_position,
        {{ to_vat_rate(json_text('element', 'vatvalue')) }} as vat_rate,
        {{ json_quantity('element', 'numtotal') }} as quantity,
        {{ json_money('element', 'moneytotal') }} as gross_amount,
        {{ json_money('element', 'moneytotalnet') }} as net_amount,
        {{ json_money('element', 'moneytotalvat') }} as vat_amount,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
