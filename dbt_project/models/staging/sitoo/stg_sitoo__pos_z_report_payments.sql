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
            { 'kind': 'sales', 'elements': {{ json_array('payload', 'paymentssales') }} },
            { 'kind': 'refund', 'elements': {{ json_array('payload', 'paymentsrefund') }} }
        ]) as kind_elements
    from source
),

unnested as (
    select
        kinds.registerid,
        kinds.zreportid,
        kinds._extracted_at,
        struct_extract(kinds.kind_elements, 'kind') as payment_kind,
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
