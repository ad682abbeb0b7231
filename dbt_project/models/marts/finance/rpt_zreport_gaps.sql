{# One row per Z-report number missing from a register's sequence (found by the extractor),
   dated by the first Z-report of the register that exists after the missing number. #}
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

zreports as (
    select
        register_id,
        zreport_id,
        business_date
    from {{ ref('int_zreport_sessions') }}
),

next_zreports as (
    select
        gaps.zreport_gap_key,
        min(zreports.zreport_id) as next_zreport_id
    from gaps
    inner join zreports
        on
            gaps.register_id = zreports.register_id
            and gaps.missing_zreport_id < zreports.zreport_id
    group by gaps.zreport_gap_key
),

final as (
    select
        gaps.register_id::varchar as register_id,
        gaps.missing_zreport_id::bigint as missing_zreport_id,
        registers.store_external_id::varchar as store_external_id,
        zreports.business_date::date as business_date,
        gaps.run_id::varchar as detected_in_run_id,
        gaps.detected_at::timestamp as detected_at
    from gaps
    left join registers
        on gaps.register_id = registers.register_id
    left join next_zreports
        on gaps.zreport_gap_key = next_zreports.zreport_gap_key
    left join zreports
        on
            gaps.register_id = zreports.register_id
            and next_zreports.next_zreport_id = zreports.zreport_id
)

select * from final
