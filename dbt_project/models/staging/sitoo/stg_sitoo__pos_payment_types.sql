with

source as (
    select * from {{ source('sitoo', 'pos_payment_types') }}
),

renamed as (
    select
        ---------- ids
        concat_ws('-', eshopid, paymenttypeid) as payment_type_key,
        eshopid as site_id,
        paymenttypeid as payment_type_id,
        {{ json_text('payload', 'externalid') }} as payment_type_external_id,
        ---------- strings
        {{ json_text('payload', 'name') }} as payment_method,
        ---------- numerics
        {{ json_value('payload', 'paymentmethodid', 'integer') }} as payment_method_code,
        {{ json_value('payload', 'sortorder', 'integer') }} as sort_order,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
