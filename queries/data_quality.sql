-- Data quality per agency and financial year, over the records of the release period, for the
-- analyst report and its warnings, and the public data-quality table (which publishes only
-- whole-percentage shares of these record counts, by `disclosure::quality`): how many records, how
-- many with ethnicity not known, how many linked to the child only probabilistically or with no
-- link quality given, and, where the extract carries `recorded_date`, how long after the
-- referral each record was entered (within 30 days, within a year, later).
select
    source_agency as agency,
    financial_year,
    count(*) as records,
    sum(case when ethnic_group = 'not_known' then 1 else 0 end) as ethnicity_not_known,
    sum(case when link_quality = 'probabilistic' then 1 else 0 end) as probabilistic_links,
    sum(case when link_quality is null then 1 else 0 end) as link_quality_missing,
    sum(case when recorded_date is not null then 1 else 0 end) as with_recorded_date,
    sum(
        case
            when cast(recorded_date as bigint) - cast(referral_date as bigint) <= 30 then 1
            else 0
        end
    ) as recorded_within_30_days,
    sum(
        case
            when cast(recorded_date as bigint) - cast(referral_date as bigint) > 30
                and cast(recorded_date as bigint) - cast(referral_date as bigint) <= 365 then 1
            else 0
        end
    ) as recorded_within_a_year
from referrals
group by source_agency, financial_year
order by agency, financial_year
