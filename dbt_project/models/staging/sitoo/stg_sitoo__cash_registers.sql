with

source as (
    select * from {{ source('sitoo', 'cash_registers') }}
),

renamed as (
    select
        ---------- ids
        {{ normalize_guid('registerid') }} as register_id,
        {{ json_value('payload', 'warehouseid', 'bigint') }} as warehouse_id,
        {{ json_value('payload', 'storesettingid', 'bigint') }} as store_setting_id,
        {{ json_value('payload', 'salestaxgroupid', 'bigint') }} as sales_tax_group_id,
        ---------- strings
        {{ json_text('payload', 'registerkey') }} as register_key,
        {{ json_text('payload', 'manufacturerid') }} as manufacturer_id,
        {{ json_text('payload', 'company') }} as company_name,
        {{ json_text('payload', 'companyid') }} as company_number,
        lower({{ json_text('payload', 'countryid') }}) as country_code,
        upper({{ json_text('payload', 'currencycode') }}) as currency_code,
        {{ json_text('payload', 'receiptlanguagetag') }} as receipt_language,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
