with

source as (
    select * from {{ source('sitoo_meta', 'zreport_gaps') }}
),

renamed as (
    select
        ---------- ids
        concat_ws('-', {{ normalize_guid('registerid') }}, missing_zreportid) as zreport_gap_key,
        {{ normalize_guid('registerid') }} as register_id,
        missing_zreportid as missing_zreport_id,
        run_id,
        ---------- timestamps
        detected_at
    from source
)

select * from renamed
