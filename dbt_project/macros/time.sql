{#- Time handling. Storage is naive TIMESTAMP meaning UTC; local times are computed from an IANA
    zone name. Nothing depends on the session's TimeZone setting. -#}

{#- Unix epoch seconds (int or numeric string) → TIMESTAMP in UTC. -#}
{% macro epoch_to_utc(expression) -%}
    make_timestamp(try_cast({{ expression }} as bigint) * 1000000)
{%- endmacro %}

{% macro json_epoch(column, path) -%}
    {{ epoch_to_utc(json_text(column, path)) }}
{%- endmacro %}

{#- UTC TIMESTAMP → wall-clock TIMESTAMP in `time_zone` (an IANA name expression). -#}
{% macro utc_to_local(timestamp_utc, time_zone) -%}
    timezone({{ time_zone }}, timezone('UTC', {{ timestamp_utc }}))
{%- endmacro %}
