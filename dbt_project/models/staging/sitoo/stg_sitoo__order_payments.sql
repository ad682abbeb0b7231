{{ config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_reextracted_parents('order_id', source('sitoo', 'orders'), 'orderid') }}",
) }}
with

orders as (
    select
        order_id as orderid,
        _extracted_at,
        {{ json_array('payments', []) }} as payments
    from {{ ref('stg_sitoo__orders') }}
    {% if is_incremental() %}
        where _extracted_at >= {{ lookback_start('_extracted_at') }}
    {% endif %}
),

unnested as (
    select
        orders.orderid,
        orders._extracted_at,
        orders.payment,
        orders.payment_position
    from (
        select
            orders.*,
            {{ unnest_list('orders.payments') }} as payment,
            {{ unnest_positions('orders.payments') }} as payment_position
        from orders
    ) as orders  -- noqa: RF04
),

renamed as (
    select
        ---------- ids
        concat_ws('-', orderid, payment_position) as order_payment_id,
        orderid as order_id,
        nullif({{ json_text('payment', 'externalid') }}, '') as payment_external_id,
        ---------- strings
        {{ json_text('payment', 'name') }} as payment_method,
        nullif({{ json_text('payment', 'reftype') }}, '') as reference_type,
        nullif({{ json_text('payment', 'cardissuer') }}, '') as card_issuer,
        {{ json_text('payment', ['additionaldata', 'payment-method']) }} as payment_method_external_id,
        ---------- numerics
        payment_position,
        {{ json_money('payment', 'moneyamount') }} as amount,
        ---------- booleans
        coalesce(
            lower({{ json_text('payment', ['additionaldata', 'virtual-payment']) }}) = 'true', false
        ) as is_virtual,
        ---------- metadata
        _extracted_at
    from unnested
)

select * from renamed
