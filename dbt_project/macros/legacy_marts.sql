{#- Builds before the marts moved to their own file (marts_db.duckdb) kept them in schema
    `marts` of warehouse.duckdb. Those tables would go stale under the same names, so the
    first build after the move drops them. -#}
{% macro drop_legacy_marts() -%}
    drop schema if exists {{ target.database }}.marts cascade
{%- endmacro %}
