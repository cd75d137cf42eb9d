//! Data quality per agency and financial year, from the `data_quality` query: how often each
//! agency records ethnicity as not known, how many of its records were linked to the child only
//! probabilistically (or without a link quality), how long after the referral its records were
//! entered (where the extract carries `recorded_date`), and how many of its rows were
//! quarantined. Under-reporting work depends on these: an agency that records ethnicity as not
//! known for many children moves them out of every community's count.
//!
//! The figures are counts of records for the analyst report and its warnings; they are never
//! published. A warning names agencies, years and shares of records only, never a count of
//! children, so it may go to a log.
//!
//! Owns: the data-quality figures and their warning rules. May not touch: publication.

use crate::domain::Agency;
use crate::engine::{RawColumn, RawTable};
use crate::error::{Error, Result};
use crate::ingest::SourceReport;

use super::warnings::{Warning, window_label};

/// Share of an agency's records with ethnicity not known above which the analyst is warned.
pub const ETHNICITY_NOT_KNOWN_SHARE: f64 = 0.10;
/// Share of an extract's rows quarantined above which the analyst is warned (the run refuses
/// above the configuration's `max_quarantine_share`).
pub const QUARANTINE_SHARE: f64 = 0.01;
/// Fewest records in a year for that year to be named in a warning (a share of a handful of
/// records says little).
pub const MIN_RECORDS_FOR_A_YEAR: u64 = 20;

/// One agency's records in one financial year (or, with `financial_year` `None`, the whole
/// period).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyYear {
    /// The agency.
    pub agency: Agency,
    /// The financial year (by the calendar year it starts in); `None` for the whole period.
    pub financial_year: Option<i32>,
    /// Records.
    pub records: u64,
    /// Records with ethnicity not known.
    pub ethnicity_not_known: u64,
    /// Records linked to the child only probabilistically.
    pub probabilistic_links: u64,
    /// Records without a link quality.
    pub link_quality_missing: u64,
    /// Records that carry the date they were entered.
    pub with_recorded_date: u64,
    /// Of those, entered within 30 days of the referral.
    pub recorded_within_30_days: u64,
    /// Of those, entered after 30 days and within a year.
    pub recorded_within_a_year: u64,
}

impl AgencyYear {
    /// `part` as a share of the records (0 without records).
    pub fn share(&self, part: u64) -> f64 {
        if self.records == 0 { 0.0 } else { part as f64 / self.records as f64 }
    }

    /// The share of records with ethnicity not known.
    pub fn not_known_share(&self) -> f64 {
        self.share(self.ethnicity_not_known)
    }

    /// Add another year's (or agency's) records to these.
    pub fn add(&mut self, other: &AgencyYear) {
        self.records += other.records;
        self.ethnicity_not_known += other.ethnicity_not_known;
        self.probabilistic_links += other.probabilistic_links;
        self.link_quality_missing += other.link_quality_missing;
        self.with_recorded_date += other.with_recorded_date;
        self.recorded_within_30_days += other.recorded_within_30_days;
        self.recorded_within_a_year += other.recorded_within_a_year;
    }
}

/// The data quality of a release's records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataQuality {
    /// Per agency and financial year, in agency then year order.
    pub years: Vec<AgencyYear>,
}

impl DataQuality {
    /// Decode the `data_quality` query's result.
    pub fn decode(table: &RawTable) -> Result<DataQuality> {
        let fail = |message: String| Error::Query { query: table.name().to_string(), message };
        let count = |name: &str| match table.column(name) {
            Some(RawColumn::Int(values)) => values
                .iter()
                .map(|&v| u64::try_from(v).map_err(|_| fail(format!("`{name}` is negative"))))
                .collect::<Result<Vec<u64>>>(),
            _ => Err(fail(format!("expected an integer column `{name}`"))),
        };
        let (Some(RawColumn::Text(agencies)), Some(RawColumn::Int(years))) =
            (table.column("agency"), table.column("financial_year"))
        else {
            return Err(fail("expected columns agency and financial_year".into()));
        };
        let columns = [
            count("records")?,
            count("ethnicity_not_known")?,
            count("probabilistic_links")?,
            count("link_quality_missing")?,
            count("with_recorded_date")?,
            count("recorded_within_30_days")?,
            count("recorded_within_a_year")?,
        ];
        let mut out = Vec::with_capacity(table.rows());
        for i in 0..table.rows() {
            let agency =
                Agency::from_code(&agencies[i]).ok_or_else(|| fail("an agency outside the data contract".into()))?;
            let year = i32::try_from(years[i]).map_err(|_| fail("financial_year out of range".into()))?;
            let c = |k: usize| columns[k][i];
            out.push(AgencyYear {
                agency,
                financial_year: Some(year),
                records: c(0),
                ethnicity_not_known: c(1),
                probabilistic_links: c(2),
                link_quality_missing: c(3),
                with_recorded_date: c(4),
                recorded_within_30_days: c(5),
                recorded_within_a_year: c(6),
            });
        }
        out.sort_by_key(|r| (r.agency, r.financial_year));
        Ok(DataQuality { years: out })
    }

    /// Each agency over the whole period, in agency order.
    pub fn agencies(&self) -> Vec<AgencyYear> {
        let mut out: Vec<AgencyYear> = Vec::new();
        for year in &self.years {
            match out.iter_mut().find(|a| a.agency == year.agency) {
                Some(total) => total.add(year),
                None => out.push(AgencyYear { financial_year: None, ..year.clone() }),
            }
        }
        out
    }
}

/// A share as a percentage with one decimal, as the warnings and the analyst report show it.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

/// The data-quality warnings: agencies recording ethnicity as not known for more than
/// [`ETHNICITY_NOT_KNOWN_SHARE`] of their records (with the years above it, where a year has
/// at least [`MIN_RECORDS_FOR_A_YEAR`] records), and extracts with more than
/// [`QUARANTINE_SHARE`] of their rows quarantined.
pub fn warnings(quality: &DataQuality, sources: &[SourceReport]) -> Vec<Warning> {
    let mut out = Vec::new();
    for total in quality.agencies() {
        if total.not_known_share() <= ETHNICITY_NOT_KNOWN_SHARE {
            continue;
        }
        let years: Vec<String> = quality
            .years
            .iter()
            .filter(|y| y.agency == total.agency && y.records >= MIN_RECORDS_FOR_A_YEAR)
            .filter(|y| y.not_known_share() > ETHNICITY_NOT_KNOWN_SHARE)
            .filter_map(|y| y.financial_year.map(|fy| window_label(&format!("fy{fy}"))))
            .collect();
        out.push(Warning {
            code: "ethnicity_not_known",
            window: "whole_period".into(),
            stratum: String::new(),
            message: format!(
                "{}: ethnicity not known on {} of its records (above {}){}; children it alone records are counted as \"Not known\", so every community's figures may be too low",
                total.agency.label(),
                percent(total.not_known_share()),
                percent(ETHNICITY_NOT_KNOWN_SHARE),
                if years.is_empty() { String::new() } else { format!(", in {}", years.join(", ")) }
            ),
            anchor: quality_anchor(total.agency),
        });
    }
    for source in sources.iter().filter(|s| s.quarantined_share() > QUARANTINE_SHARE) {
        let reasons: Vec<&str> = source.quarantined_by_reason.keys().copied().collect();
        out.push(Warning {
            code: "quarantine_share",
            window: "whole_period".into(),
            stratum: String::new(),
            message: format!(
                "{} ({}): {} of its rows were quarantined (above {}; reasons: {}); the records they held are missing from every figure",
                source.agency.label(),
                source.file,
                percent(source.quarantined_share()),
                percent(QUARANTINE_SHARE),
                reasons.join(", ")
            ),
            anchor: "sources".into(),
        });
    }
    out
}

/// The analyst report's anchor of an agency's data-quality rows.
pub fn quality_anchor(agency: Agency) -> String {
    format!("quality-{}", agency.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year(agency: Agency, fy: i32, records: u64, not_known: u64) -> AgencyYear {
        AgencyYear {
            agency,
            financial_year: Some(fy),
            records,
            ethnicity_not_known: not_known,
            probabilistic_links: 0,
            link_quality_missing: 0,
            with_recorded_date: 0,
            recorded_within_30_days: 0,
            recorded_within_a_year: 0,
        }
    }

    #[test]
    fn an_agency_above_the_share_is_named_with_its_years() {
        let quality = DataQuality {
            years: vec![
                year(Agency::Police, 2011, 100, 4),
                year(Agency::Police, 2012, 100, 5),
                // 33 of 90 over the period; 2011/12 has too few records to be named.
                year(Agency::Health, 2011, 10, 9),
                year(Agency::Health, 2012, 80, 24),
            ],
        };
        let found = warnings(&quality, &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "ethnicity_not_known");
        assert_eq!(found[0].anchor, "quality-health");
        assert!(
            found[0]
                .message
                .starts_with("Health: ethnicity not known on 36.7% of its records (above 10.0%), in 2012/13;"),
            "{}",
            found[0].message
        );
        let totals = quality.agencies();
        assert_eq!((totals[1].records, totals[1].ethnicity_not_known, totals[1].financial_year), (90, 33, None));
    }

    #[test]
    fn a_source_above_the_quarantine_share_is_named() {
        let mut report = SourceReport {
            agency: Agency::Education,
            file: "education.csv".into(),
            sha256: String::new(),
            rows_read: 1000,
            accepted: 980,
            quarantined: 20,
            quarantined_by_reason: [("bad_date", 12), ("unknown_code", 8)].into_iter().collect(),
        };
        let found = warnings(&DataQuality::default(), std::slice::from_ref(&report));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "Education (education.csv): 2.0% of its rows were quarantined (above 1.0%; reasons: bad_date, unknown_code); the records they held are missing from every figure"
        );
        report.quarantined = 10;
        report.accepted = 990;
        assert!(warnings(&DataQuality::default(), &[report]).is_empty());
    }
}
