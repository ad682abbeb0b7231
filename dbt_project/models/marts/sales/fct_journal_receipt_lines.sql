{{ config(
    materialized='incremental',
    unique_key='journal_entry_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('journal_entry_key', source('sitoo', 'journal_entries'), raw_journal_entry_key()) }}",
) }}
{# One row per item of a journal receipt (the POS's own record, Journals v3). Incremental by
   journal entry with a lookback window on the extraction time. #}
with

items as (
    select * from {{ ref('stg_sitoo__journal_receipt_items') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

receipts as (
    select * from {{ ref('stg_sitoo__journal_receipts') }}
),

registers as (
    select
        register_id,
        store_external_id,
        time_zone
    from {{ ref('int_registers_joined_to_stores') }}
),

items_joined_to_receipts as (
    select
        items.journal_receipt_item_id,
        items.journal_entry_key,
        items.register_id,
        items.journal_entry_id,
        receipts.receipt_id,
        coalesce(receipts.store_external_id, registers.store_external_id) as store_external_id,
        receipts.staff_user_id,
        items.product_id,
        items.sku,
        items.product_name,
        items.product_group_name,
        receipts.currency_code,
        items.element_position,
        items.quantity,
        items.vat_rate,
        items.unit_gross_price,
        items.net_amount,
        items.vat_amount,
        items.gross_amount,
        receipts.is_refund,
        receipts.is_practice_mode,
        coalesce(receipts.pos_time_zone, registers.time_zone, '{{ var("default_time_zone", "UTC") }}')
            as time_zone,
        receipts.created_at,
        items._extracted_at
    from items
    inner join receipts
        on items.journal_entry_key = receipts.journal_entry_key
    left join registers
        on items.register_id = registers.register_id
),

final as (
    select
        journal_receipt_item_id::varchar as journal_receipt_line_id,
        journal_entry_key::varchar as journal_entry_key,
        register_id::varchar as register_id,
        journal_entry_id::bigint as journal_entry_id,
        receipt_id::varchar as receipt_id,
        store_external_id::varchar as store_external_id,
        staff_user_id::varchar as staff_user_id,
        product_id::bigint as product_id,
        sku::varchar as sku,
        product_name::varchar as product_name,
        product_group_name::varchar as product_group_name,
        currency_code::varchar as currency_code,
        element_position::bigint as line_number,
        quantity::decimal(18, 3) as quantity,
        vat_rate::decimal(5, 2) as vat_rate,
        unit_gross_price::decimal(18, 2) as unit_gross_price,
        net_amount::decimal(18, 2) as net_amount,
        vat_amount::decimal(18, 2) as vat_amount,
        gross_amount::decimal(18, 2) as gross_amount,
        is_refund::boolean as is_refund,
        is_practice_mode::boolean as is_practice_mode,
        {{ utc_to_local('created_at', 'time_zone') }}::date as business_date,
        created_at::timestamp as created_at,
        _extracted_at::timestamp as _extracted_at
    from items_joined_to_receipts
)

select * from final
