{#- Tests of incremental models check the rows that builds wrote since the last build whose
    every node passed, rather than the whole history, so an incremental build costs what its
    slice costs.

    Why this is sound. An incremental model only gains rows through its slice, and every row
    of a slice has `_extracted_at >= lookback_start('_extracted_at')`, i.e. at least the
    newest `_extracted_at` the table held before that build minus `lookback_seconds`.
    `dbt_state.tested_slices` keeps, per model, that newest `_extracted_at` as of the end of
    the last build in which the model and all of its tests (and every other node) passed. A
    failed build records nothing, so the next build tests the failed build's rows again. A
    model built from scratch (first build, `--full-refresh`, a dropped table) forgets its
    record in a pre-hook, before it writes anything, so all of its rows are tested even when
    that build then fails.

    * `not_null` and `accepted_values` look at one row at a time: they read only the slice.
    * `unique` and `unique_combination` count, over the whole table, the keys that occur in
      the slice: delete+insert replaces rows by `unique_key`, so a duplicate always involves
      at least one row written since the last passing build.
    * `relationships` and the singular tests still read everything: a parent can disappear
      without its children being rewritten. -#}

{% macro create_tested_slices() -%}
    create schema if not exists dbt_state;
    create table if not exists dbt_state.tested_slices (
        model_unique_id varchar primary key,
        tested_through timestamp not null,
        invocation_id varchar not null,
        recorded_at timestamp not null
    );
{%- endmacro %}

{#- pre-hook of every model (outside its transaction): an incremental model about to be built
    from scratch forgets what was tested, so its next tests read all of it. -#}
{% macro forget_tested_slice() -%}
    {%- if config.get('materialized') == 'incremental' and not is_incremental() -%}
        delete from dbt_state.tested_slices where model_unique_id = '{{ model.unique_id }}'
    {%- endif -%}
{%- endmacro %}

{#- on-run-end: when every node of the invocation passed, record for each incremental model
    that was built in it, and whose every test ran and passed in it, how far its rows have now
    been tested. -#}
{% macro record_tested_slices(results) -%}
    {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
    {%- set passed = [] -%}
    {%- for result in results -%}
        {%- if result.status not in ('success', 'pass') -%}
            {{ return('select 1') }}
        {%- endif -%}
        {%- do passed.append(result.node.unique_id) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.config.materialized == 'incremental'
            and node.unique_id in passed -%}
            {#- every test that reads the model: its own, relationships pointing at it and
                singular tests -#}
            {%- set tests = [] -%}
            {%- for test in graph.nodes.values() -%}
                {%- if test.resource_type == 'test'
                    and node.unique_id in test.depends_on.nodes -%}
                    {%- do tests.append(test.unique_id) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if tests and tests | reject('in', passed) | list | length == 0 -%}
                {%- set relation = adapter.get_relation(
                    database=node.database, schema=node.schema, identifier=node.alias) -%}
                {%- if relation is not none -%}
                    {%- do statements.append(
                        "delete from dbt_state.tested_slices where model_unique_id = '"
                        ~ node.unique_id ~ "'; "
                        ~ "insert into dbt_state.tested_slices select '" ~ node.unique_id
                        ~ "', max(_extracted_at), '" ~ invocation_id ~ "', now() from "
                        ~ relation ~ " having max(_extracted_at) is not null") -%}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements | join(';\n') if statements else 'select 1') }}
{%- endmacro %}

{#- In a generic test's context: a predicate that limits it to the rows of its incremental
    model not yet covered by a passing build, or none when it must read the whole model. -#}
{% macro tested_slice_predicate() -%}
    {%- if not execute or flags.FULL_REFRESH -%}{{ return(none) }}{%- endif -%}
    {%- set attached = model.get('attached_node') -%}
    {%- set node = graph.nodes.get(attached) if attached else none -%}
    {%- if node is none or node.config.materialized != 'incremental' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(
        "_extracted_at >= coalesce((select tested_through from dbt_state.tested_slices "
        ~ "where model_unique_id = '" ~ attached ~ "'), '-infinity'::timestamp) - interval '"
        ~ var('lookback_seconds', 1) ~ " seconds'") }}
{%- endmacro %}

{#- The name of the generic test being compiled (`not_null`, `unique`, ...), if any. -#}
{% macro generic_test_name() -%}
    {{ return((model.get('test_metadata') or {}).get('name')) }}
{%- endmacro %}

{#- dbt's `where` config, plus the tested slice for row-by-row tests. -#}
{% macro duckdb__get_where_subquery(relation) -%}
    {%- set predicates = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do predicates.append(where) -%}{%- endif -%}
    {%- if generic_test_name() in ('not_null', 'accepted_values') -%}
        {%- set slice = tested_slice_predicate() -%}
        {%- if slice -%}{%- do predicates.append(slice) -%}{%- endif -%}
    {%- endif -%}
    {%- if predicates -%}
        {%- do return(
            '(select * from ' ~ relation ~ ' where (' ~ predicates | join(') and (') ~ ')) dbt_subquery'
        ) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- A predicate keeping the rows whose key (a column, or a parenthesised column list) occurs
    in the tested slice of `relation`; `true` when there is no slice. -#}
{% macro keys_in_slice(key, relation, slice) -%}
    {%- if slice -%}
        {{ key }} in (select {{ key }} from {{ relation }} where {{ slice }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- dbt's `unique`, counting only the keys that occur in the tested slice. -#}
{% macro duckdb__test_unique(model, column_name) -%}
    select
        {{ column_name }} as unique_field,
        count(*) as n_records
    from {{ model }}
    where
        {{ column_name }} is not null
        and {{ keys_in_slice(column_name, model, tested_slice_predicate()) }}
    group by {{ column_name }}
    having count(*) > 1
{%- endmacro %}
