{#- Engine-specific JSON access. Every JSON read in the project goes through these macros, so
    another adapter only overrides this file. `path` is a list of keys (or one key); keys are
    quoted, so names such as "pos-receiptid" work. A missing key gives NULL, never an error. -#}

{% macro json_path(path) -%}
    {%- if path is string -%}{%- set path = [path] -%}{%- endif -%}
    '${% for key in path %}."{{ key }}"{% endfor %}'
{%- endmacro %}

{% macro json_text(column, path) -%}
    json_extract_string({{ column }}, {{ json_path(path) }})
{%- endmacro %}

{% macro json_value(column, path, data_type) -%}
    try_cast(json_extract_string({{ column }}, {{ json_path(path) }}) as {{ data_type }})
{%- endmacro %}

{% macro json_bool(column, path) -%}
    try_cast(json_extract_string({{ column }}, {{ json_path(path) }}) as boolean)
{%- endmacro %}

{% macro json_object(column, path) -%}
    json_extract({{ column }}, {{ json_path(path) }})
{%- endmacro %}

{#- The elements of a JSON array as a list of JSON values (empty list when absent). -#}
{% macro json_array(column, path) -%}
    coalesce(json_extract({{ column }}, {{ json_path(path) }} || '[*]'), [])
{%- endmacro %}

{#- Elements and 1-based positions of a list, as two set-returning select items that DuckDB
    zips row by row. A select-list unnest in a subquery plans as a plain UNNEST; the
    `cross join unnest(...) with ordinality` form planned as a correlated (delim) join that
    took 60 s for 441k warehouse lines. -#}
{% macro unnest_list(list_expression) -%}
    unnest({{ list_expression }})
{%- endmacro %}

{% macro unnest_positions(list_expression) -%}
    unnest(range(1, len({{ list_expression }}) + 1))
{%- endmacro %}
