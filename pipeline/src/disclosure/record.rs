//! The private disclosure logs: what disclosure control did, per table and per primary cell.
//! `run` writes a [`DisclosureLog`], `protect` a [`SpecLog`]; both start with the same
//! [`PolicyRecord`]. Reason codes (primary, secondary, repair) live only here, never in a
//! published file.
//!
//! Owns: the logs' format. May not touch: files (the writers in [`crate::output`] write them).

use serde::Serialize;

use super::Policy;
use super::interval::{self, Protection};
use super::system::{Method, PrimaryAudit, Status, SystemCell, SystemOutcome, protection};

/// The rules a system was protected under.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyRecord {
    /// The policy's name.
    pub policy: &'static str,
    /// Threshold T.
    pub threshold: u64,
    /// Rounding base, if any.
    pub rounding_base: Option<u64>,
    /// Protection interval parameters.
    pub protection: Protection,
    /// The protection method that ran ([`Method::name`]).
    pub method: &'static str,
}

impl PolicyRecord {
    /// The record of `policy` protected by `method`.
    pub fn new(policy: Policy, method: Method) -> PolicyRecord {
        PolicyRecord {
            policy: policy.name(),
            threshold: policy.threshold(),
            rounding_base: policy.rounding_base(),
            protection: protection(policy),
            method: method.name(),
        }
    }
}

/// Whether every audited primary meets its protection interval.
pub fn all_protected<'a>(audits: impl IntoIterator<Item = &'a PrimaryAudit>, p: Protection) -> bool {
    audits.into_iter().all(|a| interval::protected(a.value, a.interval, p))
}

/// The private record of what disclosure control did to one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableLog {
    /// The table.
    pub table: &'static str,
    /// Distinct cells the table publishes.
    pub cells: usize,
    /// Primary suppressions.
    pub primary: usize,
    /// Secondary suppressions (Gaussian elimination).
    pub secondary: usize,
    /// Suppressions added by the interval repair loop.
    pub repair: usize,
    /// Audited intervals of the primary cells in this table (witnesses stay private).
    pub audit: Vec<PrimaryAudit>,
    /// Whether every primary of the table met its protection interval.
    pub pass: bool,
}

impl TableLog {
    /// The record of the table `name`, whose figures are the system cells `table_cells`.
    pub fn new(name: &'static str, table_cells: &[usize], outcome: &SystemOutcome, p: Protection) -> TableLog {
        let mut unique = table_cells.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let count = |s: Status| unique.iter().filter(|&&c| outcome.status[c] == s).count();
        let audit: Vec<PrimaryAudit> = outcome.audits.iter().filter(|a| unique.contains(&a.cell)).cloned().collect();
        TableLog {
            table: name,
            cells: unique.len(),
            primary: count(Status::Primary),
            secondary: count(Status::Secondary),
            repair: count(Status::Repair),
            pass: all_protected(&audit, p),
            audit,
        }
    }
}

/// The private disclosure log of a release (`private/disclosure-log.json`).
#[derive(Debug, Clone, Serialize)]
pub struct DisclosureLog {
    /// The rules.
    #[serde(flatten)]
    pub rules: PolicyRecord,
    /// One record per table.
    pub tables: Vec<TableLog>,
    /// Hidden complements of the release: small differences between its own figures that no
    /// table shows (in a series, with those between nested figures, `series.nested_complements`).
    pub hidden_complements: usize,
    /// Rounds of the interval repair loop.
    pub repair_rounds: usize,
    /// Primaries the hypercube path protected only with a deeper search (ten or a hundred times
    /// the nodes of its first one).
    pub deeper_searches: usize,
    /// Whether every primary of the release met its protection interval.
    pub pass: bool,
    /// How the release was protected together with the earlier releases of its series (absent
    /// for a release without earlier ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<SeriesLog>,
}

/// The joint protection of a release with the earlier releases of its series.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SeriesLog {
    /// Earlier releases protected with this one.
    pub earlier_releases: usize,
    /// Variables of the joint system: distinct lists of the inner cells a child holds in each
    /// release.
    pub transitions: usize,
    /// Figures the earlier releases published: constraints every reader knows.
    pub earlier_figures: usize,
    /// Cells of the earlier releases the new one must not narrow (withheld there, hidden
    /// complements, and published ones).
    pub earlier_cells: usize,
    /// Hidden complements between cells of different releases (differences a reader can form).
    pub cross_release_complements: usize,
    /// Hidden complements between nested figures of the new release alone (also counted in
    /// `hidden_complements`).
    pub nested_complements: usize,
    /// Figures withheld because they differ from the figure of the same definition an earlier
    /// release published by 1..T.
    pub revisions_protected: usize,
}

/// Cells withheld per rule.
#[derive(Debug, Clone, Serialize)]
pub struct Suppressed {
    /// Counts 1..T.
    pub primary: usize,
    /// Gaussian secondaries (or cells bought for cycles).
    pub secondary: usize,
    /// Cells withheld by the repair loop.
    pub interval_repair: usize,
}

/// One primary cell of a `protect` output: its audited intervals and its witnesses' hashes.
#[derive(Debug, Clone, Serialize)]
pub struct PrimaryRecord {
    /// Cell index in the audit model.
    pub cell: usize,
    /// Outsider interval.
    pub interval: (i64, i64),
    /// Narrowest insider interval.
    pub insider_interval: (i64, i64),
    /// SHA-256 of the low and high witness (as stored in the audit model).
    pub witness_sha256: [String; 2],
}

/// The private log of `safestat protect` (`DIR/private/disclosure-log.json`).
#[derive(Debug, Clone, Serialize)]
pub struct SpecLog {
    /// The rules.
    #[serde(flatten)]
    pub rules: PolicyRecord,
    /// Publishable cells.
    pub cells: usize,
    /// Withheld cells per rule.
    pub suppressed: Suppressed,
    /// Hidden complements.
    pub hidden_complements: usize,
    /// Figures earlier releases published.
    pub earlier_figures: usize,
    /// Rounds of the repair loop.
    pub repair_rounds: usize,
    /// Primaries the hypercube path protected only with a deeper search.
    pub deeper_searches: usize,
    /// Every primary.
    pub primaries: Vec<PrimaryRecord>,
    /// Whether every primary met its protection interval.
    pub pass: bool,
}

impl SpecLog {
    /// The log of a protected spec system.
    pub fn new(policy: Policy, cells: &[SystemCell], outcome: &SystemOutcome) -> SpecLog {
        let count = |s: Status| outcome.status.iter().zip(cells).filter(|(x, c)| **x == s && c.publishable).count();
        let hash = |w: &super::witness::Changes| crate::files::sha256_bytes(format!("{w:?}").as_bytes());
        SpecLog {
            rules: PolicyRecord::new(policy, outcome.method),
            cells: cells.iter().filter(|c| c.publishable).count(),
            suppressed: Suppressed {
                primary: count(Status::Primary),
                secondary: count(Status::Secondary),
                interval_repair: count(Status::Repair),
            },
            hidden_complements: cells.iter().filter(|c| !c.publishable && c.earlier.is_none()).count(),
            earlier_figures: cells.iter().filter(|c| c.earlier.is_some()).count(),
            repair_rounds: outcome.repairs,
            deeper_searches: outcome.deeper_searches,
            primaries: outcome
                .audits
                .iter()
                .map(|a| PrimaryRecord {
                    cell: a.cell,
                    interval: a.interval,
                    insider_interval: a.insider_interval,
                    witness_sha256: [hash(&a.witnesses.0), hash(&a.witnesses.1)],
                })
                .collect(),
            pass: all_protected(&outcome.audits, protection(policy)),
        }
    }
}
