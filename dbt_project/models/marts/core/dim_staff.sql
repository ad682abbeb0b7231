{# Staff are the users with a staff role, plus any user who appears as the staff member of an
   order (the extractor's default user fields may leave `role` out). #}
with

users as (
    select * from {{ ref('stg_sitoo__users') }}
),

order_staff as (
    select distinct staff_user_id from {{ ref('stg_sitoo__orders') }}
    where staff_user_id is not null
),

final as (
    select
        users.user_id::varchar as staff_user_id,
        users.user_external_id::varchar as staff_external_id,
        (users.first_name || ' ' || users.last_name)::varchar as staff_name,
        users.first_name::varchar as first_name,
        users.last_name::varchar as last_name,
        users.email::varchar as email,
        case users.role_code
            when 20 then 'store_manager' when 30 then 'staff' else 'unknown'
        end::varchar as staff_role,
        users.created_at::timestamp as created_at
    from users
    left join order_staff
        on users.user_id = order_staff.staff_user_id
    where users.role_code is not null or order_staff.staff_user_id is not null
)

select * from final
