-- One row per child referred in the release period: the child's capture history over the
-- agency lists (whole period, and per financial year), first referral, and the attributes used
-- for strata.
--
-- Attributes come from the first referral (earliest date; on the same date, the agency whose
-- name sorts first; then the smaller code), except:
--   * community: the first record with a known ethnic group, preferring the finest code sets
--     (DfE codes from education, social care and the voluntary sector, then NHS, then police);
--   * sex: the first record where it is recorded (F or M);
--   * known to services: any record saying so.
--
-- Each "first record" choice is a min() over one integer that packs the sort keys above the
-- value's code (decoded through the small code tables afterwards): a plain min aggregates
-- about five times faster than first_value(... order by ...), and it is deterministic.
-- Per financial year, the agencies that referred the child are packed five bits per year,
-- counted from the period's first financial year (`referrals.fy_index`): fy_masks_0_11 holds
-- years 0 to 11 and fy_masks_12_23 years 12 to 23 (a release covers at most 24 financial years).
-- `financial_years` is the set of financial years the child was referred in, as a bit mask that
-- does not depend on the period: bit i is the year that starts on 1 April of the calendar year
-- before the first referral, plus i. It is an inner-cell dimension, so the yearly counts are sums
-- of inner cells like every other table.
-- The small code table is always the left (build) side of a join, so no join holds children.
with codes as (
    -- Every (age band, sex, ethnic group) with its codes: 240 rows, the build side of the joins.
    select
        a.code as age_band_code,
        a.band as age_band,
        s.code as sex_code,
        s.sex,
        g.code as ethnic_group_code,
        g.id as ethnic_group,
        g.high_id as ethnic_group_high
    from age_bands as a
    cross join sexes as s
    cross join ethnic_groups as g
),

referrals_coded as (
    select
        r.child_pid,
        r.referral_date,
        r.referral_year,
        r.financial_year,
        r.known_to_services,
        r.agency_bit,
        r.fy_index,
        (cast(r.referral_date as bigint) + 100000) * 8
        + case r.source_agency
            when 'childrens_social_care' then 0
            when 'education' then 1
            when 'health' then 2
            when 'police' then 3
            else 4
        end as record_order,
        k.age_band_code,
        k.sex_code,
        k.ethnic_group_code,
        case when r.ethnic_group = 'not_known' then 1 else 0 end as ethnicity_unknown,
        case r.source_agency when 'police' then 2 when 'health' then 1 else 0 end as code_set_rank,
        case when r.sex = 'U' then 1 else 0 end as sex_unknown
    from codes as k
    inner join referrals as r
        on r.age_band = k.age_band and r.sex = k.sex and r.ethnic_group = k.ethnic_group
),

per_child as (
    select
        child_pid,
        min(referral_date) as first_referral_date,
        min(referral_year) as first_referral_year,
        min(financial_year) as first_financial_year,
        min(record_order * 64 + age_band_code) % 64 as age_band_code,
        min((sex_unknown * 274877906944 + record_order) * 64 + sex_code) % 64 as sex_code,
        min(
            ((ethnicity_unknown * 4 + code_set_rank) * 274877906944 + record_order) * 64 + ethnic_group_code
        ) % 64 as ethnic_group_code,
        bool_or(known_to_services) as known_to_services,
        bit_or(agency_bit) as agency_mask,
        bit_or(
            case when fy_index < 12 then cast(agency_bit as bigint) << (5 * fy_index) else cast(0 as bigint) end
        ) as fy_masks_0_11,
        bit_or(
            case when fy_index >= 12 then cast(agency_bit as bigint) << (5 * (fy_index - 12)) else cast(0 as bigint) end
        ) as fy_masks_12_23,
        -- Referral years relative to the child's first, then moved up one bit when the first
        -- referral fell on or after 1 April (its financial year starts in the same calendar year).
        (bit_or(cast(1 as bigint) << fy_index) >> min(fy_index))
        << (min(financial_year) - min(referral_year) + 1) as financial_years,
        count(*) as referrals
    from referrals_coded
    group by child_pid
)

select
    c.child_pid,
    c.first_referral_date,
    c.first_referral_year,
    c.first_financial_year,
    k.age_band,
    k.sex,
    k.ethnic_group,
    k.ethnic_group_high,
    c.known_to_services,
    c.agency_mask,
    c.fy_masks_0_11,
    c.fy_masks_12_23,
    c.financial_years,
    c.referrals
from codes as k
inner join per_child as c
    on c.age_band_code = k.age_band_code
    and c.sex_code = k.sex_code
    and c.ethnic_group_code = k.ethnic_group_code
