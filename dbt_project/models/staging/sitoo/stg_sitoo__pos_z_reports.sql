{#- A table: Z-report payloads are large, and sessions, reconciliation and tests all read
    them, so they are parsed once per build. -#}
{{ config(materialized='table') }}
{%- set money_fields = [
    ('moneysalestotal', 'sales_gross_amount'),
    ('moneysalestotalnet', 'sales_net_amount'),
    ('moneysalesnotdeliveredtotal', 'sales_not_delivered_gross_amount'),
    ('moneysalesnotdeliveredtotalnet', 'sales_not_delivered_net_amount'),
    ('moneysalestaxinadvance', 'sales_tax_in_advance_amount'),
    ('moneyrefundtotal', 'refund_gross_amount'),
    ('moneyrefundtotalnet', 'refund_net_amount'),
    ('moneyroundoff', 'rounding_amount'),
    ('moneysummarysales', 'summary_sales_amount'),
    ('moneysummaryrefund', 'summary_refund_amount'),
    ('moneysummarysubtotal', 'summary_subtotal_amount'),
    ('moneysummarysalestax', 'summary_sales_tax_amount'),
    ('moneysummaryroundoff', 'summary_rounding_amount'),
    ('moneysummarytotal', 'summary_total_amount'),
    ('moneydiscount', 'discount_amount'),
    ('moneycash_in', 'cash_opening_amount'),
    ('moneycash_salesrefunds', 'cash_sales_refunds_amount'),
    ('moneycash_petty', 'cash_petty_amount'),
    ('moneycash_bank', 'cash_bank_amount'),
    ('moneycash_expected', 'cash_expected_amount'),
    ('moneycash_counted', 'cash_counted_amount'),
    ('moneycash_diff', 'cash_difference_amount'),
    ('moneycash_bankfinal', 'cash_banked_amount'),
    ('moneycash_out', 'cash_closing_amount'),
    ('moneypractice', 'practice_amount'),
    ('moneygrandtotalsales', 'grand_total_sales_amount'),
    ('moneygrandtotalrefund', 'grand_total_refund_amount'),
    ('moneygrandtotalnet', 'grand_total_net_amount'),
] -%}
{%- set count_fields = [
    ('numsales', 'sales_count'),
    ('numsalesitems', 'sales_item_count'),
    ('numsalesnotdelivered', 'sales_not_delivered_count'),
    ('numsalesnotdelivereditems', 'sales_not_delivered_item_count'),
    ('numrefund', 'refund_count'),
    ('numrefunditems', 'refund_item_count'),
    ('numsalestypeproduct', 'sales_product_item_count'),
    ('numsalestypeservice', 'sales_service_item_count'),
    ('numsalestypegiftcard', 'sales_gift_card_item_count'),
    ('numreceipts', 'receipt_count'),
    ('numopendrawer', 'open_drawer_count'),
    ('numpractice', 'practice_count'),
] -%}
{%- set payload_paths = [
    'eshopid', 'store_id', 'staffuserid', 'registerkey', 'manufacturerid', 'store_name',
    'company', 'companyid', 'currencycode', 'staff', 'comment', 'registernumber',
    'dateopened', 'datecreated', 'dateadded',
] -%}
{%- for field, name in money_fields + count_fields -%}
    {%- do payload_paths.append(field) -%}
{%- endfor -%}
{%- set payload = json_fields('payload_fields', payload_paths) -%}
with

source as (
    select
        *,
        {{ json_text_fields('payload', payload_paths) }} as payload_fields
    from {{ source('sitoo', 'pos_z_reports') }}
),

renamed as (
    select
        ---------- ids
        concat_ws('-', {{ normalize_guid('registerid') }}, zreportid) as zreport_key,
        {{ normalize_guid('registerid') }} as register_id,
        zreportid as zreport_id,
        {{ json_value(payload, 'eshopid', 'bigint') }} as site_id,
        {{ json_text(payload, 'store_id') }} as store_external_id,
        {{ normalize_guid(json_text(payload, 'staffuserid')) }} as staff_user_id,
        ---------- strings
        {{ json_text(payload, 'registerkey') }} as register_key,
        {{ json_text(payload, 'manufacturerid') }} as manufacturer_id,
        {{ json_text(payload, 'store_name') }} as store_name,
        {{ json_text(payload, 'company') }} as company_name,
        {{ json_text(payload, 'companyid') }} as company_number,
        upper({{ json_text(payload, 'currencycode') }}) as currency_code,
        {{ json_text(payload, 'staff') }} as staff_name,
        {{ json_text(payload, 'comment') }} as zreport_comment,
        ---------- numerics
        {{ json_value(payload, 'registernumber', 'integer') }} as register_number,
        {% for field, name in money_fields -%}
            {{ json_money(payload, field) }} as {{ name }},
        {% endfor -%}
        {% for field, name in count_fields -%}
            {{ json_value(payload, field, 'integer') }} as {{ name }},
        {% endfor -%}
        ---------- timestamps
        {{ json_epoch(payload, 'dateopened') }} as opened_at,
        {{ json_epoch(payload, 'datecreated') }} as closed_at,
        {{ json_epoch(payload, 'dateadded') }} as added_at,
        ---------- metadata
        _run_id,
        _extracted_at
    from source
)

select * from renamed
