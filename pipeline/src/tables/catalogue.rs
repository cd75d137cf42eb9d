//! The tables of a release, defined once: what each sums, how it is labelled, and which other
//! tables it is computed from.
//!
//! Owns: the list of tables and their definitions. May not touch: counts (requests hold inner
//! cell indices only) or their protection.

use super::{
    CommunityRatesRequest, CommunityRow, CountTableRequest, EstimateRow, EstimateTableRequest, FilterColumn,
    IndicatorColumn, InnerCell, QualityRequest, QualityRow, ShareRequest, ShareRow, TableId,
};
use crate::domain::RawCount;
use crate::domain::date::Date;
use crate::domain::{AGE_BANDS, Agency, ETHNIC_GROUPS, HIGH_LEVEL_GROUPS, ethnic_group};
use crate::estimate::prevalence::PrevalenceEstimate;
use crate::estimate::quality::{AgencyYear, DataQuality};
use crate::ingest::population::PopulationRow;

/// What a release covers: its calendar years, the financial years wholly inside its period, and
/// its agency lists, in list order.
#[derive(Debug, Clone)]
pub struct Scope {
    /// First calendar year.
    pub from_year: i32,
    /// Last calendar year.
    pub to_year: i32,
    /// The financial years (by the calendar year they start in) the period covers from 1 April
    /// to 31 March; empty when it covers none.
    pub financial_years: std::ops::RangeInclusive<i32>,
    /// The agencies, in list order.
    pub agencies: Vec<Agency>,
}

impl Scope {
    /// The scope of a period (first and last day) over `agencies`.
    pub fn new(from: Date, to: Date, agencies: Vec<Agency>) -> Scope {
        let first = from.financial_year_start() + i32::from(!(from.month() == 4 && from.day() == 1));
        let last = to.financial_year_start() - i32::from(!(to.month() == 3 && to.day() == 31));
        Scope { from_year: from.year(), to_year: to.year(), financial_years: first..=last, agencies }
    }

    fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.from_year..=self.to_year
    }
}

/// A financial year as readers write it: `2013-14` for the year from 1 April 2013.
pub fn financial_year_label(year: i32) -> String {
    format!("{year}-{:02}", (year + 1).rem_euclid(100))
}

/// A financial year as EES writes it in `time_period`: `201314`.
pub fn financial_year_code(year: i32) -> String {
    format!("{year}{:02}", (year + 1).rem_euclid(100))
}

/// Everything a release asks disclosure control to protect, over one inner-cell vector.
pub struct Catalogue {
    /// The true inner cells.
    pub inner: Vec<RawCount>,
    /// One-way count tables with totals.
    pub counts: Vec<CountTableRequest>,
    /// Share tables (known to services).
    pub shares: Vec<ShareRequest>,
    /// Estimate tables beside published counts.
    pub estimates: Vec<EstimateTableRequest>,
    /// Community measures from published counts.
    pub communities: Vec<CommunityRatesRequest>,
    /// The records' data quality per agency (shares of records, outside the children's system).
    pub quality: Option<QualityRequest>,
}

/// The whole release's requests, all derived from the same inner cells.
pub fn catalogue(
    scope: &Scope,
    cells: &[InnerCell],
    estimates: &[PrevalenceEstimate],
    population: &[PopulationRow],
    quality: &DataQuality,
) -> Catalogue {
    Catalogue {
        inner: cells.iter().map(|c| c.children).collect(),
        counts: count_requests(scope, cells),
        shares: share_requests(scope, cells),
        estimates: vec![prevalence_request(estimates), yearly_request(scope, estimates)],
        communities: vec![community_request(scope, population)],
        quality: Some(quality_request(scope, quality)),
    }
}

/// The data-quality table request: each agency of the release over the whole period, then all
/// agencies together.
fn quality_request(scope: &Scope, quality: &DataQuality) -> QualityRequest {
    let agencies = quality.agencies();
    let row = |code: &str, label: &str, is_total: bool, y: Option<&AgencyYear>| {
        let n = |f: &dyn Fn(&AgencyYear) -> u64| RawCount::new(y.map_or(0, f));
        QualityRow {
            code: code.to_string(),
            label: label.to_string(),
            is_total,
            records: n(&|y| y.records),
            ethnicity_not_known: n(&|y| y.ethnicity_not_known),
            probabilistic_links: n(&|y| y.probabilistic_links),
            with_recorded_date: n(&|y| y.with_recorded_date),
            recorded_within_30_days: n(&|y| y.recorded_within_30_days),
        }
    };
    let mut rows: Vec<QualityRow> = scope
        .agencies
        .iter()
        .map(|&a| row(a.code(), a.label(), false, agencies.iter().find(|y| y.agency == a)))
        .collect();
    let mut all: Option<AgencyYear> = None;
    for y in agencies.iter().filter(|y| scope.agencies.contains(&y.agency)) {
        match all.as_mut() {
            Some(total) => total.add(y),
            None => all = Some(y.clone()),
        }
    }
    rows.push(row("Total", "All agencies", true, all.as_ref()));
    QualityRequest {
        id: TableId::DataQualityByAgency,
        title:
            "Quality of the agencies' records: ethnicity recorded, how records were linked, how soon they were entered"
                .into(),
        filter: FilterColumn::new("agency", "Agency", "The agency whose records are described"),
        rows,
    }
}

/// The count and share tables only, over the inner cells of an earlier release of the series
/// (rebuilt from its state): what that release published is defined by them.
pub fn counts_catalogue(scope: &Scope, cells: &[InnerCell]) -> Catalogue {
    Catalogue {
        inner: cells.iter().map(|c| c.children).collect(),
        counts: count_requests(scope, cells),
        shares: share_requests(scope, cells),
        estimates: Vec::new(),
        communities: Vec::new(),
        quality: None,
    }
}

/// The inner cells for which `keep` holds.
fn cells_where(cells: &[InnerCell], keep: &dyn Fn(&InnerCell) -> bool) -> Vec<usize> {
    cells.iter().enumerate().filter(|(_, c)| keep(c)).map(|(i, _)| i).collect()
}

/// Whether an inner cell's detailed group belongs to the high-level group `id`.
fn in_high_group(id: &'static str) -> impl Fn(&InnerCell) -> bool {
    move |c: &InnerCell| ethnic_group(&c.key.ethnic_group).is_some_and(|g| g.high_id == id)
}

/// A one-way table of children identified: `filter` is (column, label, hint), `rows` (code,
/// label, inner cells) per category; the total row is labelled `total`.
fn count_table(
    id: TableId,
    title: &str,
    [col_name, label, hint]: [&str; 3],
    rows: Vec<(String, String, Vec<usize>)>,
    total: &str,
) -> CountTableRequest {
    CountTableRequest {
        id,
        title: title.into(),
        filter: FilterColumn::new(col_name, label, hint),
        indicator: IndicatorColumn::new("children", "Children identified", "", 0),
        rows,
        total: ("Total".into(), total.into()),
    }
}

/// The one-way count tables.
fn count_requests(scope: &Scope, cells: &[InnerCell]) -> Vec<CountTableRequest> {
    let sum = |keep: &dyn Fn(&InnerCell) -> bool| cells_where(cells, keep);
    let high_group = in_high_group;
    let by_year = count_table(
        TableId::ChildrenByYear,
        "Children identified, by year of first referral",
        [
            "first_referral_year",
            "Year of first referral",
            "The calendar year of the child's first referral in the period",
        ],
        scope.years().map(|y| (y.to_string(), y.to_string(), sum(&|c| c.key.year == y))).collect(),
        "All years",
    );
    let by_community = count_table(
        TableId::ChildrenByCommunity,
        "Children identified, by ethnic group (ONS 2021 high-level groups)",
        [
            "ethnic_group",
            "Ethnic group",
            "ONS 2021 high-level ethnic group, harmonised from each agency's codes; 'Not known' is a group of its own",
        ],
        HIGH_LEVEL_GROUPS
            .iter()
            .map(|(id, label)| ((*id).to_string(), (*label).to_string(), sum(&high_group(id))))
            .collect(),
        "All children",
    );
    let by_age = count_table(
        TableId::ChildrenByAgeBand,
        "Children identified, by age at first referral",
        ["age_band", "Age at first referral", "Age band of the child at their first referral in the period"],
        AGE_BANDS
            .iter()
            .map(|(band, _, _)| ((*band).to_string(), format!("{band} years"), sum(&|c| c.key.age_band == *band)))
            .collect(),
        "All ages",
    );
    let by_detailed = count_table(
        TableId::ChildrenByDetailedGroup,
        "Children identified, by ethnic group (ONS 2021 detailed groups)",
        [
            "ethnic_group_detailed",
            "Ethnic group (detailed)",
            "ONS 2021 detailed ethnic group, harmonised from each agency's codes",
        ],
        ETHNIC_GROUPS
            .iter()
            .map(|g| (g.id.to_string(), g.label.to_string(), sum(&|c| c.key.ethnic_group == g.id)))
            .collect(),
        "All children",
    );
    let by_community_age = count_table(
        TableId::ChildrenByCommunityAndAge,
        "Children identified, by ethnic group and age at first referral",
        [
            "ethnic_group_and_age",
            "Ethnic group and age",
            "ONS 2021 high-level ethnic group and age band at first referral",
        ],
        HIGH_LEVEL_GROUPS
            .iter()
            .flat_map(|(id, label)| AGE_BANDS.iter().map(move |(band, _, _)| (*id, *label, *band)))
            .map(|(id, label, band)| {
                let group = high_group(id);
                (format!("{id}:{band}"), format!("{label}, {band} years"), sum(&|c| group(c) && c.key.age_band == band))
            })
            .collect(),
        "All children",
    );
    let by_community_agency = count_table(
        TableId::ChildrenByCommunityAndAgency,
        "Children recorded by each agency, by ethnic group (a child recorded by several agencies counts in each)",
        [
            "ethnic_group_and_agency",
            "Ethnic group and agency",
            "ONS 2021 high-level ethnic group and the agency that recorded the child",
        ],
        HIGH_LEVEL_GROUPS
            .iter()
            .flat_map(|(id, label)| scope.agencies.iter().map(move |a| (*id, *label, *a)))
            .map(|(id, label, agency)| {
                let group = high_group(id);
                let bit = agency.bit().cast_unsigned();
                (
                    format!("{id}:{}", agency.code()),
                    format!("{label}, {}", agency.label()),
                    sum(&|c| group(c) && c.key.agency_mask & bit != 0),
                )
            })
            .collect(),
        "All records by agency (children counted once per agency)",
    );
    let by_financial_year = count_table(
        TableId::ChildrenByFinancialYear,
        "Children identified each financial year (a child referred in several years counts in each)",
        [
            "financial_year",
            "Financial year",
            "The financial year (1 April to 31 March) in which any agency referred the child; only years the period covers whole",
        ],
        scope
            .financial_years
            .clone()
            .map(|y| (financial_year_code(y), financial_year_label(y), sum(&|c| c.key.referred_in_financial_year(y))))
            .collect(),
        "All these years (children counted once)",
    );
    vec![by_year, by_financial_year, by_community, by_detailed, by_age, by_community_age, by_community_agency]
}

/// The known-to-services share tables.
fn share_requests(scope: &Scope, cells: &[InnerCell]) -> Vec<ShareRequest> {
    let sum = |keep: &dyn Fn(&InnerCell) -> bool| cells_where(cells, keep);
    let high_group = in_high_group;
    let share_rows = |rows: Vec<(String, String, Vec<usize>)>, total_label: &str| -> Vec<ShareRow> {
        let known =
            |set: &[usize]| set.iter().copied().filter(|&i| cells[i].key.known_to_services).collect::<Vec<usize>>();
        let mut out: Vec<ShareRow> = rows
            .into_iter()
            .map(|(code, label, denominator)| ShareRow {
                code,
                label,
                is_total: false,
                numerator: known(&denominator),
                denominator,
            })
            .collect();
        let all: Vec<usize> = (0..cells.len()).collect();
        out.push(ShareRow {
            code: "Total".into(),
            label: total_label.into(),
            is_total: true,
            numerator: known(&all),
            denominator: all,
        });
        out
    };
    let known_by_community = ShareRequest {
        id: TableId::KnownToServicesByCommunity,
        title: "Children already known to services before their first referral, by ethnic group".into(),
        filter: FilterColumn::new("ethnic_group", "Ethnic group", "ONS 2021 high-level ethnic group"),
        denominator_label: "Children identified".into(),
        numerator_label: "Known to services".into(),
        rows: share_rows(
            HIGH_LEVEL_GROUPS
                .iter()
                .map(|(id, label)| ((*id).to_string(), (*label).to_string(), sum(&high_group(id))))
                .collect(),
            "All children",
        ),
        level: 0.95,
    };
    let known_by_year = ShareRequest {
        id: TableId::KnownToServicesByYear,
        title: "Children already known to services before their first referral, by year of first referral".into(),
        filter: FilterColumn::new(
            "first_referral_year",
            "Year of first referral",
            "The calendar year of the child's first referral in the period",
        ),
        denominator_label: "Children identified".into(),
        numerator_label: "Known to services".into(),
        rows: share_rows(
            scope.years().map(|y| (y.to_string(), y.to_string(), sum(&|c| c.key.year == y))).collect(),
            "All years",
        ),
        level: 0.95,
    };
    let known_by_agency = ShareRequest {
        id: TableId::KnownToServicesByAgency,
        title: "Children already known to services before their first referral, by the agency that recorded them"
            .into(),
        filter: FilterColumn::new(
            "agency",
            "Agency",
            "The agency list (a child recorded by several agencies appears in each)",
        ),
        denominator_label: "Children recorded by the agency".into(),
        numerator_label: "Known to services".into(),
        rows: share_rows(
            scope
                .agencies
                .iter()
                .map(|a| {
                    let bit = a.bit().cast_unsigned();
                    (a.code().to_string(), a.label().to_string(), sum(&|c| c.key.agency_mask & bit != 0))
                })
                .collect(),
            "All children",
        ),
        level: 0.95,
    };
    vec![known_by_community, known_by_year, known_by_agency]
}

/// The prevalence table request: the whole period, all children and each community.
fn prevalence_request(estimates: &[PrevalenceEstimate]) -> EstimateTableRequest {
    // All children: the stepwise model's estimate; communities: the stratified model's (all
    // communities fitted together, agency dependence shared). Both with the bootstrap interval
    // that allows for model selection.
    let values = published_values;
    let find = |stratum: &str| estimates.iter().find(|e| e.window == "whole_period" && e.stratum == stratum);
    let mut rows: Vec<EstimateRow> = HIGH_LEVEL_GROUPS
        .iter()
        .map(|(id, label)| EstimateRow {
            code: (*id).to_string(),
            label: (*label).to_string(),
            values: find(id).and_then(values),
        })
        .collect();
    rows.push(EstimateRow { code: "Total".into(), label: "All children".into(), values: find("all").and_then(values) });
    EstimateTableRequest {
        id: TableId::Prevalence,
        title: "Children identified and estimated, including those no agency recorded".into(),
        filter: FilterColumn::new(
            "ethnic_group",
            "Ethnic group",
            "ONS 2021 high-level ethnic group; 'All children' is the whole area",
        ),
        observed_table: TableId::ChildrenByCommunity,
        rows,
    }
}

/// `[Chao bound, estimate, lower, upper]` of a published estimate: the bootstrap (BCa) interval
/// that allows for model selection; none without a Chao bound or a bootstrap interval.
fn published_values(e: &PrevalenceEstimate) -> Option<[f64; 4]> {
    match (&e.chao, &e.bootstrap) {
        (Some(chao), Some(Ok(b))) => {
            let [point, lower, upper] = b.values();
            Some([chao[0], point, lower, upper])
        }
        _ => None,
    }
}

/// The yearly estimates request: per financial year the period covers whole, all children, with
/// the stepwise model's estimate and bootstrap interval (each year a closed population of its own).
fn yearly_request(scope: &Scope, estimates: &[PrevalenceEstimate]) -> EstimateTableRequest {
    let rows = scope
        .financial_years
        .clone()
        .map(|y| {
            let window = format!("fy{y}");
            let values = estimates.iter().find(|e| e.window == window && e.stratum == "all").and_then(published_values);
            EstimateRow { code: financial_year_code(y), label: financial_year_label(y), values }
        })
        .collect();
    EstimateTableRequest {
        id: TableId::EstimatesByFinancialYear,
        title: "Children identified and estimated each financial year, including those no agency recorded".into(),
        filter: FilterColumn::new(
            "financial_year",
            "Financial year",
            "The financial year (1 April to 31 March); each year is estimated on its own",
        ),
        observed_table: TableId::ChildrenByFinancialYear,
        rows,
    }
}

/// The community measures request: populations per high-level group and age band.
#[allow(clippy::cast_precision_loss)] // populations far below 2^52
fn community_request(scope: &Scope, population: &[PopulationRow]) -> CommunityRatesRequest {
    let by_age = |keep: &dyn Fn(&PopulationRow) -> bool| -> Vec<f64> {
        AGE_BANDS
            .iter()
            .map(|(_, lo, hi)| {
                population.iter().filter(|p| (*lo..=*hi).contains(&p.age) && keep(p)).map(|p| p.population as f64).sum()
            })
            .collect()
    };
    let with_population = |v: Vec<f64>, known: bool| (known && v.iter().sum::<f64>() > 0.0).then_some(v);
    let high = HIGH_LEVEL_GROUPS.iter().map(|(id, label)| CommunityRow {
        code: (*id).to_string(),
        label: (*label).to_string(),
        count_table: None,
        population_by_age: with_population(
            by_age(&|p| ethnic_group(p.ethnic_group).is_some_and(|g| g.high_id == *id)),
            *id != "not_known",
        ),
    });
    // Detailed groups where numbers allow: the rules of the measures decide (x below 3 or 10).
    let detailed = ETHNIC_GROUPS.iter().filter(|g| g.id != "not_known").map(|g| CommunityRow {
        code: g.id.to_string(),
        label: g.label.to_string(),
        count_table: Some(TableId::ChildrenByDetailedGroup),
        population_by_age: with_population(by_age(&|p| p.ethnic_group == g.id), true),
    });
    let rows = high.chain(detailed).collect();
    CommunityRatesRequest {
        id: TableId::CommunityRates,
        agency_capture: TableId::AgencyCaptureByCommunity,
        title: "Recorded rates, reporting ratios and the share of estimated victims identified, by ethnic group".into(),
        count_table: TableId::ChildrenByCommunity,
        age_table: TableId::ChildrenByAgeBand,
        community_age_table: TableId::ChildrenByCommunityAndAge,
        agency_table: TableId::ChildrenByCommunityAndAgency,
        agencies: scope.agencies.iter().map(|a| (a.code().to_string(), a.label().to_string())).collect(),
        estimate_table: TableId::Prevalence,
        reference: "white".into(),
        rows,
        multiplier: 10_000.0,
        level: 0.95,
    }
}
