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
            { 'kind': 'sales', 'elements': {{ json_array('payload', 'productgroupssales') }} },
            {
                'kind': 'sales_not_delivered',
                'elements': {{ json_array('payload', 'productgroupssalesnotdelivered') }}
            },
            { 'kind': 'refund', 'elements': {{ json_array('payload', 'productgroupsrefund') }} }
        ]) as kind_elements
    from source
),

unnested as (
    select
        kinds.registerid,
        kinds.zreportid,
        kinds._extracted_at,
        struct_extract(kinds.kind_elements, 'kind') as product_group_kind,
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
