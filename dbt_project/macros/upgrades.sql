{#- What a build needs to undo from the builds of earlier versions, run on every build start
    (cheap: catalog lookups) so an upgrade needs no manual step. -#}

{#- Builds before the marts moved to their own file (marts_db.duckdb) kept them in schema
    `marts` of warehouse.duckdb. Those tables would go stale under the same names, so the
    first build after the move drops them. -#}
{% macro drop_legacy_marts() -%}
    drop schema if exists {{ target.database }}.marts cascade
{%- endmacro %}

{#- Staging parents that now also carry the JSON arrays their child models unnest (so each raw
    document is parsed once). A table built by an earlier version lacks those columns, and
    an incremental build would refuse it (on_schema_change='fail'); it is dropped (through the
    adapter, so dbt's relation cache agrees) and rebuilt whole by this build. Its children keep
    their rows and their own watermark. -#}
{% macro drop_staging_without_nested_columns() -%}
    {%- if execute -%}
        {%- set required = [
            ('stg_sitoo__orders', 'payments'),
            ('stg_sitoo__journal_receipts', 'items'),
            ('stg_sitoo__warehouse_transactions', 'items'),
        ] -%}
        {%- set dropped = [] -%}
        {%- for identifier, column in required -%}
            {%- set relation = adapter.get_relation(
                database=target.database, schema='staging', identifier=identifier) -%}
            {%- if relation is not none -%}
                {%- set names = adapter.get_columns_in_relation(relation)
                    | map(attribute='name') | map('lower') | list -%}
                {%- if column not in names -%}
                    {{ log('dropping ' ~ relation ~ ': built by an earlier version without '
                        ~ column ~ '; it is rebuilt whole', info=true) }}
                    {%- do adapter.drop_relation(relation) -%}
                    {%- do dropped.append(relation) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {#- The catalog lookups opened a transaction on this connection; the models run on
            others and must see the drops. -#}
        {%- if dropped -%}{%- do adapter.commit() -%}{%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
