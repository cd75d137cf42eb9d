-- One row per child referred in the release period: the child's capture history over the
-- agency lists, first referral, and the attributes used for strata.
--
-- Attributes come from the first referral, except:
--   * community: the first record with a known ethnic group, preferring the finest code sets
--     (DfE codes from education, social care and the voluntary sector, then NHS, then police);
--   * sex: the first record where it is recorded (F or M);
--   * known to services: any record saying so.
with referrals_ranked as (
    select
        child_pid,
        referral_date,
        referral_year,
        financial_year,
        age_band,
        sex,
        ethnic_group,
        known_to_services,
        agency_bit,
        source_agency,
        record_id,
        case when ethnic_group = 'not_known' then 1 else 0 end as ethnicity_unknown,
        case source_agency when 'police' then 2 when 'health' then 1 else 0 end as code_set_rank,
        case when sex = 'U' then 1 else 0 end as sex_unknown
    from referrals
),

per_child as (
    select
        child_pid,
        min(referral_date) as first_referral_date,
        min(referral_year) as first_referral_year,
        min(financial_year) as first_financial_year,
        first_value(age_band order by referral_date, source_agency, record_id) as age_band,
        first_value(sex order by sex_unknown, referral_date, source_agency, record_id) as sex,
        first_value(
            ethnic_group order by ethnicity_unknown, code_set_rank, referral_date, source_agency, record_id
        ) as ethnic_group,
        bool_or(known_to_services) as known_to_services,
        bit_or(agency_bit) as agency_mask,
        count(*) as referrals
    from referrals_ranked
    group by child_pid
)

select * from per_child
