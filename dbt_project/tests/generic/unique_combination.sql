{# The combination of `combination_of_columns` is unique in the model (a composite key test
   that needs no package). Rows where any key column is NULL are counted too. #}
{% test unique_combination(model, combination_of_columns) %}

with

grouped as (
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
)

select * from grouped
where row_count > 1

{% endtest %}
