{# The combination of `combination_of_columns` is unique in the model (a composite key test
   that needs no package). Rows where any key column is NULL are counted too. On an
   incremental model only the combinations that occur in the rows not yet covered by a
   passing build are counted, over the whole table (see macros/tested_slices.sql). #}
{% test unique_combination(model, combination_of_columns) %}
{%- set columns = combination_of_columns | join(', ') -%}
{%- set slice = tested_slice_predicate() -%}

with

grouped as (
    select
        {{ columns }},
        count(*) as row_count
    from {{ model }}
    where {{ keys_in_slice('(' ~ columns ~ ')', model, slice) }}
    group by {{ columns }}
)

select * from grouped
where row_count > 1

{% endtest %}
