-- The inner cells of the release: the finest cross-classification that every published count
-- is a sum of (../shared/docs/DISCLOSURE.md). Computed once here; every table, margin and
-- capture-history count of the release is derived from these cells in Rust.
select
    first_referral_year as year,
    ethnic_group,
    sex,
    age_band,
    known_to_services,
    agency_mask,
    financial_years,
    count(*) as children
from child_histories
group by first_referral_year, ethnic_group, sex, age_band, known_to_services, agency_mask, financial_years
order by year, ethnic_group, sex, age_band, known_to_services, agency_mask, financial_years
