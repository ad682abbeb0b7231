with

source as (
    select * from {{ source('sitoo', 'journal_entries') }}
),

renamed as (
    select
        ---------- ids
        concat_ws('-', {{ normalize_guid('registerid') }}, id) as journal_entry_key,
        {{ normalize_guid('registerid') }} as register_id,
        id as journal_entry_id,
        {{ normalize_guid(json_text('payload', ['data', 'staffuserid'])) }} as staff_user_id,
        {{ json_value('payload', ['data', 'zreportid'], 'bigint') }} as zreport_id,
        ---------- strings
        {{ json_text('payload', 'type') }} as entry_type,
        {{ json_text('payload', 'registerkey') }} as register_key,
        ---------- booleans
        coalesce({{ json_bool('payload', 'ispractice') }}, false) as is_practice_mode,
        ---------- timestamps
        {{ json_epoch('payload', 'datecreated') }} as created_at,
        {{ json_epoch('payload', 'dateadded') }} as added_at,
        ---------- nested
        {{ json_object('payload', 'data') }} as entry_data,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
