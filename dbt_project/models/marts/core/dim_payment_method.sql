with

payment_types as (
    select * from {{ ref('stg_sitoo__pos_payment_types') }}
),

final as (
    select
        payment_type_key::varchar as payment_type_key,
        site_id::bigint as site_id,
        payment_type_id::bigint as payment_type_id,
        payment_method::varchar as payment_method,
        payment_type_external_id::varchar as payment_type_external_id,
        payment_method_code::integer as payment_method_code,
        case
            when payment_method_code = 100 then 'cash'
            when payment_method_code in (110, 500, 510) then 'gift_card'
            when payment_method_code in (600, 1400) then 'invoice'
            when payment_method_code in (700, 705) then 'klarna'
            when payment_method_code in (710, 711, 720, 730, 800) then 'mobile'
            when payment_method_code in (200, 210, 220, 300, 2100, 2110, 2200, 2300, 2400, 2500)
                then 'card'
            else 'other'
        end::varchar as payment_category,
        sort_order::integer as sort_order
    from payment_types
)

select * from final
