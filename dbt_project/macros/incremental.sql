{#- Lower bound of an incremental slice. `_extracted_at` is stamped by the single-writer
    extractor when it commits, so it only grows: the slice is the raw rows extracted after the
    newest `column` already in the target, minus a safety margin of `lookback_seconds` seconds
    (var). Changed rows are re-extracted with a new stamp, so they fall in the slice and
    replace their old rows by key (delete+insert). -#}
{% macro lookback_start(column) -%}
    (
        select coalesce(max({{ column }}), '1970-01-01'::timestamp)
            - interval '{{ var("lookback_seconds", 1) }} seconds'
        from {{ this }}
    )
{%- endmacro %}

{#- pre_hook of an incremental model built from a nested array of a raw table: deletes the
    target rows of every parent re-extracted since the watermark, so a parent whose array
    shrank (or became empty) leaves no stale rows; delete+insert alone only replaces parents
    that still have rows in the slice. -#}
{% macro delete_reextracted_parents(key_column, raw_relation, raw_key_expression) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ key_column }} in (
            select {{ raw_key_expression }}
            from {{ raw_relation }}
            where _extracted_at >= {{ lookback_start('_extracted_at') }}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The journal entry key from a raw journal row's columns (as built by the staging models). -#}
{% macro raw_journal_entry_key(register_column='registerid', id_column='id') -%}
    concat_ws('-', {{ normalize_guid(register_column) }}, {{ id_column }})
{%- endmacro %}
