-- Capture histories for multiple systems estimation: for each window (the whole period, and each
-- financial year) and stratum (all children, and each ONS 2021 high-level ethnic group), the
-- number of children with each agency pattern, including explicit zeros for every pattern
-- (METHODS.md §1). Within a financial year a child's pattern is the agencies that referred
-- them in that year (unpacked from child_histories' per-year masks); over the whole period it
-- is every agency that referred them. No join on children: every count comes from the one
-- per-child table.
with years as (
    select
        cast(s.value as bigint) as fy_index,
        p.first_financial_year + cast(s.value as int) as financial_year
    from release_period as p
    -- The 24 possible year offsets as VALUES: a table function such as generate_series cannot be
    -- sent to a Ballista cluster.
    cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15), (16), (17), (18), (19), (20), (21), (22), (23)) as s (value)
    where s.value < p.financial_years
),

per_year as (
    select
        y.financial_year,
        c.ethnic_group_high as stratum,
        cast(
            case
                when y.fy_index < 12 then (c.fy_masks_0_11 >> (5 * y.fy_index)) & 31
                else (c.fy_masks_12_23 >> (5 * (y.fy_index - 12))) & 31
            end as int
        ) as agency_mask
    from years as y
    cross join child_histories as c
),

counted_years as (
    select financial_year, stratum, agency_mask, count(*) as children
    from per_year
    where agency_mask <> 0
    group by financial_year, stratum, agency_mask
),

counted_whole as (
    select ethnic_group_high as stratum, agency_mask, count(*) as children
    from child_histories
    group by ethnic_group_high, agency_mask
),

counted as (
    select 'whole_period' as time_window, stratum, agency_mask, children
    from counted_whole
    union all
    select 'whole_period' as time_window, 'all' as stratum, agency_mask, sum(children) as children
    from counted_whole
    group by agency_mask
    union all
    select concat('fy', cast(financial_year as varchar)) as time_window, stratum, agency_mask, children
    from counted_years
    union all
    select
        concat('fy', cast(financial_year as varchar)) as time_window,
        'all' as stratum,
        agency_mask,
        sum(children) as children
    from counted_years
    group by financial_year, agency_mask
),

grid as (
    select w.time_window, s.stratum, cast(m.value as int) as agency_mask
    from (select distinct time_window from counted) as w
    -- `values`, not a bare `select 'all'`: Ballista 55 loses a FROM-less row inside a union.
    cross join ((values ('all')) union all select distinct high_id from ethnic_groups) as s (stratum)
    -- Every agency pattern 1..31, as VALUES (portable to Ballista, like the year offsets above).
    cross join (values (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15), (16), (17), (18), (19), (20), (21), (22), (23), (24), (25), (26), (27), (28), (29), (30), (31)) as m (value)
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
