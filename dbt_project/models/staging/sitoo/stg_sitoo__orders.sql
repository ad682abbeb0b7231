{{ config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}
{%- set payload_paths = [
    'eshopid',
    'creditorderid',
    ['additionaldata', 'pos-originalsales-orderid'],
    ['additionaldata', 'pos-sourceorderid'],
    'registerid',
    'warehouseid',
    'userid_staff',
    'externalid',
    ['additionaldata', 'pos-receiptid'],
    ['additionaldata', 'store-externalid'],
    'currencycode',
    ['additionaldata', 'pos-timezone'],
    ['additionaldata', 'store-name'],
    'checkouttypename',
    ['additionaldata', 'refundreasoncode-reasoncode'],
    ['additionaldata', 'crm-membernumber'],
    'ordertypeid',
    'orderstateid',
    'paymentstateid',
    'moneytotal_net',
    'moneytotal_vat',
    'moneyfinal_net',
    'moneyfinal_vat',
    'moneyfinal_salestax',
    'moneytotal_gross_roundoff',
    'moneytotal_gross_all',
    ['additionaldata', 'pos-practicemode'],
    'orderdate',
    'datereserved',
    'additionaldata',
    'payments',
    'reservedpayments',
] -%}
{%- set payload = json_fields('payload_fields', payload_paths) -%}
with

source as (
    select
        *,
        {{ json_text_fields('payload', payload_paths) }} as payload_fields
    from {{ source('sitoo', 'orders') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

renamed as (
    select
        ---------- ids
        orderid as order_id,
        {{ json_value(payload, 'eshopid', 'bigint') }} as site_id,
        {{ json_value(payload, 'creditorderid', 'bigint') }} as credit_order_id,
        {{ json_value(payload, ['additionaldata', 'pos-originalsales-orderid'], 'bigint') }}
            as original_sales_order_id,
        {{ json_value(payload, ['additionaldata', 'pos-sourceorderid'], 'bigint') }}
            as source_order_id,
        {{ normalize_guid(json_text(payload, 'registerid')) }} as register_id,
        {{ json_value(payload, 'warehouseid', 'bigint') }} as warehouse_id,
        {{ normalize_guid(json_text(payload, 'userid_staff')) }} as staff_user_id,
        {{ json_text(payload, 'externalid') }} as order_external_id,
        {{ json_text(payload, ['additionaldata', 'pos-receiptid']) }} as receipt_id,
        {{ json_text(payload, ['additionaldata', 'store-externalid']) }} as store_external_id,
        ---------- strings
        upper({{ json_text(payload, 'currencycode') }}) as currency_code,
        {{ json_text(payload, ['additionaldata', 'pos-timezone']) }} as pos_time_zone,
        {{ json_text(payload, ['additionaldata', 'store-name']) }} as store_name,
        {{ json_text(payload, 'checkouttypename') }} as checkout_type_name,
        {{ json_text(payload, ['additionaldata', 'refundreasoncode-reasoncode']) }}
            as refund_reason_code,
        {{ json_text(payload, ['additionaldata', 'crm-membernumber']) }} as member_number,
        ---------- numerics
        {{ json_value(payload, 'ordertypeid', 'integer') }} as order_type_code,
        {{ json_value(payload, 'orderstateid', 'integer') }} as order_state_code,
        {{ json_value(payload, 'paymentstateid', 'integer') }} as payment_state_code,
        {{ json_money(payload, 'moneytotal_net') }} as total_net_amount,
        {{ json_money(payload, 'moneytotal_vat') }} as total_vat_amount,
        {{ json_money(payload, 'moneyfinal_net') }} as final_net_amount,
        {{ json_money(payload, 'moneyfinal_vat') }} as final_vat_amount,
        {{ json_money(payload, 'moneyfinal_salestax') }} as final_sales_tax_amount,
        {{ json_money(payload, 'moneytotal_gross_roundoff') }} as rounding_amount,
        {{ json_money(payload, 'moneytotal_gross_all') }} as total_gross_amount,
        ---------- booleans
        coalesce(
            lower({{ json_text(payload, ['additionaldata', 'pos-practicemode']) }}) = 'true',
            false
        ) as is_practice_mode,
        ---------- timestamps
        {{ json_epoch(payload, 'orderdate') }} as ordered_at,
        {{ json_epoch(payload, 'datereserved') }} as reserved_at,
        ---------- nested (unnested by the child staging models, which read them here rather
        ---------- than parse every order's whole payload again)
        {{ json_object(payload, 'additionaldata') }} as additional_data,
        {{ json_object(payload, 'payments') }} as payments,
        {{ json_object(payload, 'reservedpayments') }} as reserved_payments,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
