{# One row per Z-report number missing from a register's sequence (found by the extractor). #}
with

gaps as (
    select * from {{ ref('stg_sitoo__zreport_gaps') }}
),

registers as (
    select
        register_id,
        store_external_id
    from {{ ref('int_registers_joined_to_stores') }}
),

final as (
    select
        gaps.register_id::varchar as register_id,
        gaps.missing_zreport_id::bigint as missing_zreport_id,
        registers.store_external_id::varchar as store_external_id,
        gaps.run_id::varchar as detected_in_run_id,
        gaps.detected_at::timestamp as detected_at
    from gaps
    left join registers
        on gaps.register_id = registers.register_id
)

select * from final
