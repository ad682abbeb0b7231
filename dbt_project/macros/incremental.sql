{#- Lower bound of an incremental slice: the newest `column` already in the target, minus
    `lookback_days` days (var), so late and changed raw rows are rebuilt. -#}
{% macro lookback_start(column, days=none) -%}
    {%- set days = days if days is not none else var('lookback_days', 3) -%}
    (
        select coalesce(max({{ column }}), '1970-01-01'::timestamp) - interval '{{ days }} days'
        from {{ this }}
    )
{%- endmacro %}
