-- Capture histories for multiple systems estimation: for each window (the whole period, and each
-- financial year) and stratum (all children, and each ONS 2021 high-level ethnic group), the
-- number of children with each agency pattern, including explicit zeros for every pattern
-- (METHODS.md §1). Within a financial year a child's pattern is the agencies that referred
-- them in that year; over the whole period it is every agency that referred them.
with whole_period as (
    select
        'whole_period' as time_window,
        child_pid,
        agency_mask
    from child_histories
),

financial_years as (
    select
        concat('fy', cast(financial_year as varchar)) as time_window,
        child_pid,
        bit_or(agency_bit) as agency_mask
    from referrals
    group by financial_year, child_pid
),

histories as (
    select * from whole_period
    union all
    select * from financial_years
),

with_stratum as (
    select
        h.time_window,
        g.high_id as stratum,
        h.agency_mask
    from histories as h
    inner join child_histories as c on h.child_pid = c.child_pid
    inner join ethnic_groups as g on c.ethnic_group = g.id
),

counted as (
    select time_window, 'all' as stratum, agency_mask, count(*) as children
    from with_stratum
    group by time_window, agency_mask
    union all
    select time_window, stratum, agency_mask, count(*) as children
    from with_stratum
    group by time_window, stratum, agency_mask
),

grid as (
    select w.time_window, s.stratum, cast(m.value as int) as agency_mask
    from (select distinct time_window from histories) as w
    cross join (select 'all' as stratum union all select distinct high_id from ethnic_groups) as s
    cross join generate_series(1, 31) as m
)

select
    grid.time_window,
    grid.stratum,
    grid.agency_mask,
    coalesce(counted.children, 0) as children
from grid
left join counted
    on grid.time_window = counted.time_window
    and grid.stratum = counted.stratum
    and grid.agency_mask = counted.agency_mask
order by grid.time_window, grid.stratum, grid.agency_mask
