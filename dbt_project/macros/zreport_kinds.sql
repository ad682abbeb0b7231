{#- A Z-report carries each breakdown (payments, VAT groups, product groups, discounts) as one
    array per kind: `paymentssales`, `paymentsrefund`, … This gives one row per element of those
    arrays, with the kind it came from in `kind_column` and its 1-based position within its
    array; `kinds` is a list of [kind, payload key] pairs. Five staging models unnest Z-reports
    this way, so the shape lives here once. -#}
{% macro zreport_kind_elements(relation, kinds, kind_column) -%}
    {%- set arrays = [] -%}
    {%- for kind, key in kinds -%}
        {%- do arrays.append(
            "{ 'kind': '" ~ kind ~ "', 'elements': " ~ json_array('payload', key) ~ " }"
        ) -%}
    {%- endfor -%}
    select
        kinds.registerid,
        kinds.zreportid,
        kinds._extracted_at,
        struct_extract(kinds.kind_elements, 'kind') as {{ kind_column }},
        kinds.element,
        kinds.element_position
    from (
        select
            kinds.*,
            {{ unnest_list("struct_extract(kinds.kind_elements, 'elements')") }} as element,
            {{ unnest_positions("struct_extract(kinds.kind_elements, 'elements')") }} as element_position
        from (
            select
                registerid,
                zreportid,
                _extracted_at,
                unnest([{{ arrays | join(', ') }}]) as kind_elements
            from {{ relation }}
        ) as kinds
    ) as kinds
{%- endmacro %}
