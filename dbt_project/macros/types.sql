{#- Sitoo's typed strings. Money is a 2-decimal string, decimals a 3-decimal string; both become
    DECIMAL without passing through a float. -#}

{% macro to_money(expression) -%}
    try_cast({{ expression }} as decimal(18, 2))
{%- endmacro %}

{% macro to_quantity(expression) -%}
    try_cast({{ expression }} as decimal(18, 3))
{%- endmacro %}

{#- VAT rates are JSON numbers (25, 12.5, 25.5); kept as DECIMAL(5, 2) like 25.00. -#}
{% macro to_vat_rate(expression) -%}
    try_cast({{ expression }} as decimal(5, 2))
{%- endmacro %}

{% macro json_money(column, path) -%}
    {{ to_money(json_text(column, path)) }}
{%- endmacro %}

{% macro json_quantity(column, path) -%}
    {{ to_quantity(json_text(column, path)) }}
{%- endmacro %}

{#- Sitoo GUIDs in one canonical form: upper case with braces, as the API prints them. -#}
{% macro normalize_guid(expression) -%}
    case
        when nullif(trim({{ expression }}), '') is not null
            then '{' || upper(trim({{ expression }}, '{} ')) || '}'
    end
{%- endmacro %}
