//! The release catalogue: every table a release publishes, named by a [`TableId`], and the
//! requests that say what each table sums.
//!
//! A request names inner cells (indices into the release's inner-cell vector, see [`inner`]) and
//! labels; it holds no count. [`catalogue`] builds the whole release's requests from the inner
//! cells, the prevalence estimates and the population, in one place, so a table is defined once
//! and linked to others by its id, never by a string.
//!
//! Owns: table ids, columns, labels, and which inner cells each figure sums. May not touch:
//! counts or their protection ([`crate::disclosure`] turns requests into protected tables), or
//! any file.

pub mod catalogue;
pub mod inner;

use crate::domain::RawCount;
use serde::Serialize;

pub use catalogue::{Catalogue, Scope, catalogue, counts_catalogue, financial_year_code, financial_year_label};
pub use inner::{CellKey, InnerCell, Transitions};

/// Every table of a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableId {
    /// Children identified, by year of first referral.
    ChildrenByYear,
    /// Children identified, by financial year referred in.
    ChildrenByFinancialYear,
    /// Children identified, by high-level ethnic group.
    ChildrenByCommunity,
    /// Children identified, by detailed ethnic group.
    ChildrenByDetailedGroup,
    /// Children identified, by age band.
    ChildrenByAgeBand,
    /// Children identified, by high-level ethnic group and age band.
    ChildrenByCommunityAndAge,
    /// Children recorded by each agency, by high-level ethnic group.
    ChildrenByCommunityAndAgency,
    /// Known to services, by high-level ethnic group.
    KnownToServicesByCommunity,
    /// Known to services, by year of first referral.
    KnownToServicesByYear,
    /// Known to services, by agency.
    KnownToServicesByAgency,
    /// Observed and estimated children (multiple systems estimation).
    Prevalence,
    /// Observed and estimated children per financial year.
    EstimatesByFinancialYear,
    /// Rates, reporting ratios and ascertainment by ethnic group.
    CommunityRates,
    /// Agency capture by ethnic group.
    AgencyCaptureByCommunity,
    /// Revisions since the last release of the series, by year of first referral.
    Revisions,
    /// The records' data quality, by agency (shares of records).
    DataQualityByAgency,
}

impl TableId {
    /// The file stem of the table's open-data CSV.
    pub fn name(self) -> &'static str {
        match self {
            TableId::ChildrenByYear => "children_by_year",
            TableId::ChildrenByFinancialYear => "children_by_financial_year",
            TableId::ChildrenByCommunity => "children_by_community",
            TableId::ChildrenByDetailedGroup => "children_by_detailed_group",
            TableId::ChildrenByAgeBand => "children_by_age_band",
            TableId::ChildrenByCommunityAndAge => "children_by_community_and_age",
            TableId::ChildrenByCommunityAndAgency => "children_by_community_and_agency",
            TableId::KnownToServicesByCommunity => "known_to_services_by_community",
            TableId::KnownToServicesByYear => "known_to_services_by_year",
            TableId::KnownToServicesByAgency => "known_to_services_by_agency",
            TableId::Prevalence => "prevalence",
            TableId::EstimatesByFinancialYear => "estimates_by_financial_year",
            TableId::CommunityRates => "community_rates",
            TableId::AgencyCaptureByCommunity => "agency_capture_by_community",
            TableId::Revisions => "revisions",
            TableId::DataQualityByAgency => "data_quality_by_agency",
        }
    }
}

/// A classification column of a published table (an EES filter).
#[derive(Debug, Clone, Serialize)]
pub struct FilterColumn {
    /// Column name in the open-data CSV.
    pub col_name: String,
    /// Label for readers.
    pub label: String,
    /// Short description for the data guidance.
    pub hint: String,
}

impl FilterColumn {
    /// A column from its parts.
    pub fn new(col_name: &str, label: &str, hint: &str) -> Self {
        FilterColumn { col_name: col_name.into(), label: label.into(), hint: hint.into() }
    }
}

/// A value column of a published table (an EES indicator).
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorColumn {
    /// Column name in the open-data CSV.
    pub col_name: String,
    /// Label for readers.
    pub label: String,
    /// Unit (`""` for counts, `"%"` for percentages).
    pub unit: String,
    /// Decimal places.
    pub dp: u8,
}

impl IndicatorColumn {
    /// A column from its parts.
    pub fn new(col_name: &str, label: &str, unit: &str, dp: u8) -> Self {
        IndicatorColumn { col_name: col_name.into(), label: label.into(), unit: unit.into(), dp }
    }
}

/// A request to publish a one-way table of counts with its total.
#[derive(Debug, Clone)]
pub struct CountTableRequest {
    /// The table.
    pub id: TableId,
    /// Title for readers.
    pub title: String,
    /// The classification.
    pub filter: FilterColumn,
    /// The count column.
    pub indicator: IndicatorColumn,
    /// (code, label, inner cells) per category, in publication order.
    pub rows: Vec<(String, String, Vec<usize>)>,
    /// (code, label) of the total row (the union of the rows).
    pub total: (String, String),
}

/// A request to publish shares (numerator of a denominator) with Wilson intervals, one row per
/// category. The "not in the numerator" part of each row is a hidden complement.
#[derive(Debug, Clone)]
pub struct ShareRequest {
    /// The table.
    pub id: TableId,
    /// Title for readers.
    pub title: String,
    /// The classification.
    pub filter: FilterColumn,
    /// Label of the denominator, e.g. "Children identified".
    pub denominator_label: String,
    /// Label of the numerator, e.g. "Known to services".
    pub numerator_label: String,
    /// The rows, total last.
    pub rows: Vec<ShareRow>,
    /// Confidence level of the intervals, e.g. 0.95.
    pub level: f64,
}

/// A request to publish the records' data quality: per agency, counts of its records (not of
/// children), from which only shares are published.
#[derive(Debug, Clone)]
pub struct QualityRequest {
    /// The table.
    pub id: TableId,
    /// Title for readers.
    pub title: String,
    /// The classification (the agency).
    pub filter: FilterColumn,
    /// One row per agency of the release, then all agencies together (the total).
    pub rows: Vec<QualityRow>,
}

/// One agency's records over the release period.
#[derive(Debug, Clone)]
pub struct QualityRow {
    /// Category code.
    pub code: String,
    /// Category label.
    pub label: String,
    /// Whether this is the total row.
    pub is_total: bool,
    /// Records.
    pub records: RawCount,
    /// Records with ethnicity not known.
    pub ethnicity_not_known: RawCount,
    /// Records linked to the child only probabilistically.
    pub probabilistic_links: RawCount,
    /// Records that carry the date they were entered.
    pub with_recorded_date: RawCount,
    /// Of those, entered within 30 days of the referral.
    pub recorded_within_30_days: RawCount,
}

/// One row of a share table: inner cells of the denominator and of the numerator (a subset).
#[derive(Debug, Clone)]
pub struct ShareRow {
    /// Category code.
    pub code: String,
    /// Category label.
    pub label: String,
    /// Whether this is the total row.
    pub is_total: bool,
    /// Inner cells of the denominator.
    pub denominator: Vec<usize>,
    /// Inner cells of the numerator.
    pub numerator: Vec<usize>,
}

/// A request to publish model-based estimates beside counts that another table publishes.
#[derive(Debug, Clone)]
pub struct EstimateTableRequest {
    /// The table.
    pub id: TableId,
    /// Title for readers.
    pub title: String,
    /// The classification (its codes are the row codes of `observed_table`).
    pub filter: FilterColumn,
    /// The count table whose protected cells are the observed counts.
    pub observed_table: TableId,
    /// One row per category.
    pub rows: Vec<EstimateRow>,
}

/// One row of estimates: `[Chao lower bound, estimate, lower limit, upper limit]`, or `None`
/// when the method does not apply (too few children, no valid model).
#[derive(Debug, Clone)]
pub struct EstimateRow {
    /// Category code (a row code of the observed table).
    pub code: String,
    /// Category label.
    pub label: String,
    /// The estimates, if computed.
    pub values: Option<[f64; 4]>,
}

/// One community: its code (a row of the count table) and its child population by age band
/// (`None` where no population exists, e.g. ethnic group not known).
#[derive(Debug, Clone)]
pub struct CommunityRow {
    /// Row code in the count and estimate tables.
    pub code: String,
    /// Label.
    pub label: String,
    /// The table holding this community's count, when not the request's `count_table` (e.g.
    /// detailed groups).
    pub count_table: Option<TableId>,
    /// Child population per age band, in the age table's row order.
    pub population_by_age: Option<Vec<f64>>,
}

/// A request for the community measures tables (rates, ratios, ascertainment; agency capture).
#[derive(Debug, Clone)]
pub struct CommunityRatesRequest {
    /// The measures table.
    pub id: TableId,
    /// The agency capture table.
    pub agency_capture: TableId,
    /// Title.
    pub title: String,
    /// Published counts per community.
    pub count_table: TableId,
    /// Published counts per age band (all children), for the expected counts.
    pub age_table: TableId,
    /// Published counts per community and age band (codes `<community>:<band>`), for the
    /// directly standardised rates.
    pub community_age_table: TableId,
    /// Published counts per community and agency (codes `<community>:<agency>`).
    pub agency_table: TableId,
    /// The agencies (code, label) in list order.
    pub agencies: Vec<(String, String)>,
    /// Published estimates per community (for ascertainment).
    pub estimate_table: TableId,
    /// Code of the reference community for relative ascertainment.
    pub reference: String,
    /// The communities.
    pub rows: Vec<CommunityRow>,
    /// Rate multiplier (10,000).
    pub multiplier: f64,
    /// Confidence level.
    pub level: f64,
}

/// The geography and period every row of a release's files carries.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// ONS code of the area (a local authority).
    pub area_code: String,
    /// Name of the area.
    pub area_name: String,
    /// The area's DfE three-digit code, when the configuration gives it.
    pub old_la_code: Option<String>,
    /// The area's region (ONS code, name), when the configuration gives it.
    pub region: Option<(String, String)>,
    /// First calendar year covered.
    pub from_year: i32,
    /// Last calendar year covered.
    pub to_year: i32,
}

impl Coverage {
    /// The country of the area: (code, name).
    pub fn country(&self) -> (&'static str, &'static str) {
        match self.area_code.as_bytes().first() {
            Some(b'W') => ("W92000004", "Wales"),
            Some(b'S') => ("S92000003", "Scotland"),
            Some(b'N') => ("N92000002", "Northern Ireland"),
            _ => ("E92000001", "England"),
        }
    }

    /// "1997 to 2013".
    pub fn period_label(&self) -> String {
        period_label(self.from_year, self.to_year)
    }
}

/// A period of calendar years in words: `2013`, or `1997 to 2013`.
pub fn period_label(from_year: i32, to_year: i32) -> String {
    if from_year == to_year { from_year.to_string() } else { format!("{from_year} to {to_year}") }
}
