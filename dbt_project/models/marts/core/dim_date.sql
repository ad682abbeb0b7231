{# One row per calendar date from the first to the last business date seen in orders,
   Z-reports or stock movements. #}
with

order_dates as (
    select business_date from {{ ref('fct_orders') }}
),

zreport_dates as (
    select business_date from {{ ref('int_zreport_sessions') }}
),

stock_dates as (
    select business_date from {{ ref('fct_stock_movements') }}
),

all_dates as (
    select business_date from order_dates
    union all
    select business_date from zreport_dates
    union all
    select business_date from stock_dates
),

bounds as (
    select
        coalesce(min(business_date), current_date) as first_date,
        coalesce(max(business_date), current_date) as last_date
    from all_dates
),

spine as (
    select unnest(generate_series(first_date, last_date, interval '1 day'))::date as date_day
    from bounds
),

final as (
    select
        date_day::date as date_day,
        year(date_day)::integer as year_number,
        quarter(date_day)::integer as quarter_number,
        month(date_day)::integer as month_number,
        monthname(date_day)::varchar as month_name,
        isoyear(date_day)::integer as iso_year_number,
        weekofyear(date_day)::integer as iso_week_number,
        isodow(date_day)::integer as iso_day_of_week,
        dayname(date_day)::varchar as day_name,
        date_trunc('month', date_day)::date as month_start_date,
        date_trunc('week', date_day)::date as week_start_date,
        (isodow(date_day) in (6, 7))::boolean as is_weekend
    from spine
)

select * from final
