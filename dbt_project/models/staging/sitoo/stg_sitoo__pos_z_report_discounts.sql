{#- A table: Z-report payloads are large, and sessions, reconciliation and tests all read
    them, so they are parsed once per build. -#}
{{ config(materialized='table') }}
with

source as (
    select * from {{ source('sitoo', 'pos_z_reports') }}
),

kinds as (
    select
        registerid,
        zreportid,
        _extracted_at,
        unnest([
            { 'kind': 'sales', 'elements': {{ json_array('payload', 'discountssales') }} },
            { 'kind': 'sales_not_delivered', 'elements': {{ json_array('payload', 'discountssalesnotdelivered') }} },
            { 'kind': 'refund', 'elements': {{ json_array('payload', 'discountsrefund') }} }
        ]) as kind_elements
    from source
),

unnested as (
    select
        kinds.registerid,
        kinds.zreportid,
        kinds._extracted_at,
        struct_extract(kinds.kind_elements, 'kind') as discount_kind,
        kinds.element,
        kinds.element_position
    from (
        select
            kinds.*,
            {{ unnest_list("struct_extract(kinds.kind_elements, 'elements')") }} as element,
            {{ unnest_positions("struct_extract(kinds.kind_elements, 'elements')") }} as element_position
        from kinds
    ) as kinds
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
