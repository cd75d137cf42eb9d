-- The transitions of an annual series: one row per distinct list of the inner cells one child
-- holds in each release of the series (../shared/docs/DISCLOSURE.md), with the number of children
-- who share it. A child absent from a release has no entry for it.
--
-- `series_members` is every release's `child_histories` (each over its own extract and period)
-- with the release's position in the series (earliest 0). Each member is written
-- `RR=year|ethnic_group|sex|age_band|known|agency_mask|financial_years`, and a child's members are sorted and
-- joined with `;`, so the text of a transition does not depend on the order rows arrive in.
with members as (
    select
        child_pid,
        concat(
            lpad(cast(release as varchar), 2, '0'), '=',
            cast(first_referral_year as varchar), '|',
            ethnic_group, '|',
            sex, '|',
            age_band, '|',
            case when known_to_services then '1' else '0' end, '|',
            cast(agency_mask as varchar), '|',
            cast(financial_years as varchar)
        ) as member
    from series_members
),

per_child as (
    select array_to_string(array_sort(array_agg(member)), ';') as transition
    from members
    group by child_pid
)

select
    transition,
    count(*) as children
from per_child
group by transition
order by transition
