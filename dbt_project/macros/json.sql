{#- Engine-specific JSON access. Every JSON read in the project goes through these macros, so
    another adapter only overrides this file. `path` is a list of keys (or one key); keys are
    quoted, so names such as "pos-receiptid" work. A missing key gives NULL, never an error. -#}

{% macro json_path(path) -%}
    {%- if path is string -%}{%- set path = [path] -%}{%- endif -%}
    '${% for key in path %}."{{ key }}"{% endfor %}'
{%- endmacro %}

{% macro json_text(column, path) -%}
    {%- if column is mapping -%}
        {{ column.list_column }}[{{ json_field_position(column.paths, path) }}]
    {%- else -%}
        json_extract_string({{ column }}, {{ json_path(path) }})
    {%- endif -%}
{%- endmacro %}

{#- 1-based position of `path` among pre-extracted `paths` (see json_text_fields). -#}
{% macro json_field_position(paths, path) -%}
    {%- for candidate in paths -%}
        {%- if json_path(candidate) == json_path(path) -%}{{ return(loop.index) }}{%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("json path " ~ json_path(path) ~ " was not extracted") }}
{%- endmacro %}

{#- Many fields of one large document: `json_text_fields(column, paths)` parses it once into a
    list of strings (each as `json_text` would give it). Pass `json_fields(list_column, paths)`
    as the column of json_text / json_value / json_money / json_epoch … and they index that
    list instead of parsing the document again (one parse instead of one per field: ~10x on
    orders, whose payload carries every item). -#}
{% macro json_text_fields(column, paths) -%}
    {%- set json_paths = [] -%}
    {%- for path in paths -%}{%- do json_paths.append(json_path(path)) -%}{%- endfor -%}
    json_extract_string({{ column }}, [{{ json_paths | join(', ') }}])
{%- endmacro %}

{% macro json_fields(list_column, paths) -%}
    {{ return({'list_column': list_column, 'paths': paths}) }}
{%- endmacro %}

{% macro json_value(column, path, data_type) -%}
    try_cast({{ json_text(column, path) }} as {{ data_type }})
{%- endmacro %}

{% macro json_bool(column, path) -%}
    try_cast({{ json_text(column, path) }} as boolean)
{%- endmacro %}

{#- A JSON object or array as JSON. From pre-extracted fields (json_fields) it is the field's
    text cast back to JSON, so a document is still parsed once however many parts it yields. -#}
{% macro json_object(column, path) -%}
    {%- if column is mapping -%}
        {{ json_text(column, path) }}::json
    {%- else -%}
        json_extract({{ column }}, {{ json_path(path) }})
    {%- endif -%}
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
