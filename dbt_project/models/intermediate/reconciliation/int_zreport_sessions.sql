{# One row per Z-report: the register session it closes. The session starts at `dateopened`,
   or, where that is missing (legacy POS), just after the previous Z-report of the register. #}
with

zreports as (
    select * from {{ ref('stg_sitoo__pos_z_reports') }}
),

registers as (
    select
        register_id,
        store_external_id,
        time_zone
    from {{ ref('int_registers_joined_to_stores') }}
),

stores as (
    select
        store_external_id,
        time_zone
    from {{ ref('int_stores_with_time_zones') }}
),

sessions as (
    select
        zreports.*,
        coalesce(
            zreports.opened_at,
            lag(zreports.closed_at) over (
                partition by zreports.register_id order by zreports.zreport_id
            ) + interval '1 second',
            '1970-01-01'::timestamp
        ) as session_started_at,
        zreports.closed_at as session_ended_at
    from zreports
),

final as (
    select
        sessions.*,
        coalesce(
            stores.time_zone, registers.time_zone, '{{ var("default_time_zone", "UTC") }}'
        ) as time_zone,
        {{ utc_to_local(
            'coalesce(sessions.opened_at, sessions.closed_at)',
            "coalesce(stores.time_zone, registers.time_zone, '" ~ var('default_time_zone', 'UTC') ~ "')"
        ) }}::date as business_date
    from sessions
    left join registers
        on sessions.register_id = registers.register_id
    left join stores
        on sessions.store_external_id = stores.store_external_id
)

select * from final
