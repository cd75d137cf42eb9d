//! The private audit model of an output and the audit that re-checks it from the published files.
//!
//! Both `safestat protect` and `safestat run` write `private/audit/model.json` (through the
//! private writer of [`crate::output`]): the cell structure
//! (each cell a set of inner cells, with its status), where each count sits in the published
//! CSV files, and for each primary cell its true value and its two witness tables. The model
//! never leaves the private folder.
//!
//! [`audit_output`] reads the published CSV files and that model only. It rebuilds what an
//! attacker knows from the numbers actually published, checks that no published count is in
//! 1..T, and verifies every witness with the integer-only checker: both witnesses must agree with
//! every published figure and put the cell at least its protection interval apart. Those two
//! tables are a proof, since the attacker's interval holds every value a consistent table gives
//! the cell. Up to [`system::LARGE_SYSTEM_ATOMS`] atoms it also solves every primary cell's
//! interval with the LP over the whole system, an independent second check. `run` calls it on
//! its staging folder before anything is published; `safestat audit OUT` calls it on a finished
//! output.
//!
//! Owns: the audit model format and the re-check of a finished output. May not touch:
//! protection decisions (it only checks them).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Policy;
use super::interval::{self, Constraint, Knowledge};
use super::system::{self, Status, SystemCell, SystemOutcome};
use super::witness::{Changes, SparseVerifier};
use crate::error::{Error, Result};

/// One cell of the model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellModel {
    /// The inner cells it sums.
    pub inner: Vec<usize>,
    /// `false` for a hidden complement.
    pub publishable: bool,
    /// Published, withheld (and why), or hidden.
    pub status: Status,
    /// Bounds an earlier release put on it (see [`SystemCell::earlier`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier: Option<(i64, i64)>,
}

/// A primary cell's true value and witness tables.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrimaryModel {
    /// Cell index.
    pub cell: usize,
    /// True value.
    pub value: i64,
    /// A table agreeing with everything published, with the cell at its low end: the inner
    /// cells where it differs from `base`.
    pub witness_low: Changes,
    /// The same at the high end.
    pub witness_high: Changes,
}

/// One data row of a published CSV: the values of its key columns, and which cell each count
/// column holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelRow {
    /// Values of the table's key columns, as written.
    pub key: Vec<String>,
    /// (column name, cell) for every count in the row.
    pub counts: Vec<(String, usize)>,
}

/// Where the counts of one published CSV file sit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableModel {
    /// Path of the CSV file, relative to the output folder.
    pub file: String,
    /// Columns that identify a row.
    pub key_columns: Vec<String>,
    /// Data rows, in file order.
    pub rows: Vec<ModelRow>,
}

/// The private audit model (`private/audit/model.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditModel {
    /// Policy name.
    policy: String,
    /// Number of inner cells.
    inner_cells: usize,
    /// Upper bound on any inner cell.
    cap: i64,
    /// The true inner table, the base of the witnesses. Private, like the dataset it comes from.
    base: Vec<i64>,
    /// Every cell of the system.
    cells: Vec<CellModel>,
    /// Published files and where their counts sit.
    tables: Vec<TableModel>,
    /// Primary cells.
    primaries: Vec<PrimaryModel>,
}

/// Where the model sits inside an output folder.
pub fn model_path(root: &Path) -> PathBuf {
    root.join("private").join("audit").join("model.json")
}

impl AuditModel {
    /// The model of a protected system, with no tables yet.
    pub(crate) fn new(policy: Policy, inner_cells: usize, cells: &[SystemCell], outcome: &SystemOutcome) -> Self {
        AuditModel {
            policy: policy.name().into(),
            inner_cells,
            cap: outcome.knowledge.cap,
            base: outcome.truth.clone(),
            cells: cells
                .iter()
                .zip(&outcome.status)
                .map(|(c, s)| CellModel {
                    inner: c.inner.clone(),
                    publishable: c.publishable,
                    status: *s,
                    earlier: c.earlier,
                })
                .collect(),
            tables: Vec::new(),
            primaries: outcome
                .audits
                .iter()
                .map(|a| PrimaryModel {
                    cell: a.cell,
                    value: a.value,
                    witness_low: a.witnesses.0.clone(),
                    witness_high: a.witnesses.1.clone(),
                })
                .collect(),
        }
    }

    /// The model with where each published count sits.
    #[must_use]
    pub fn with_tables(mut self, tables: Vec<TableModel>) -> Self {
        self.tables = tables;
        self
    }
}

/// Read the counts of one published file; `None` for a withheld cell.
fn published_counts(root: &Path, t: &TableModel, fail: &dyn Fn(String) -> Error) -> Result<Vec<(usize, Option<u64>)>> {
    let path = root.join(&t.file);
    let mut reader = csv::Reader::from_path(&path)
        .map_err(|e| Error::io("cannot read", &path, std::io::Error::other(e.to_string())))?;
    let header: Vec<String> =
        reader.headers().map_err(|e| fail(format!("{}: {e}", t.file)))?.iter().map(str::to_string).collect();
    let position = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| fail(format!("{}: no column `{name}`", t.file)))
    };
    let keys: Vec<usize> = t.key_columns.iter().map(|k| position(k)).collect::<Result<_>>()?;
    let records: Vec<csv::StringRecord> =
        reader.records().collect::<std::result::Result<_, _>>().map_err(|e| fail(format!("{}: {e}", t.file)))?;
    if records.len() != t.rows.len() {
        return Err(fail(format!("{}: {} rows, the audit model has {}", t.file, records.len(), t.rows.len())));
    }
    let mut out = Vec::new();
    for (line, (record, row)) in records.iter().zip(&t.rows).enumerate() {
        let line = line + 2;
        if keys.iter().map(|&k| record.get(k).unwrap_or_default()).ne(row.key.iter().map(String::as_str)) {
            return Err(fail(format!("{}, line {line}: the row differs from the audit model", t.file)));
        }
        for (column, cell) in &row.counts {
            let shown = record.get(position(column)?).unwrap_or_default();
            let value = if shown.bytes().all(|b| b.is_ascii_digit()) && !shown.is_empty() {
                Some(shown.parse::<u64>().map_err(|_| fail(format!("{}, line {line}: count too large", t.file)))?)
            } else {
                None
            };
            out.push((*cell, value));
        }
    }
    Ok(out)
}

/// Re-check an output folder (a `run` output or its staging folder, or a `protect` output) from
/// its published files and private audit model alone. Returns the number of primary cells
/// checked; fails naming the first problem.
pub fn audit_output(root: &Path) -> Result<usize> {
    let path = model_path(root);
    let fail = |message: String| Error::Disclosure { table: root.display().to_string(), message };
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io("cannot read the audit model", &path, e))?;
    let model: AuditModel =
        serde_json::from_str(&text).map_err(|e| fail(format!("the audit model is not valid: {e}")))?;
    let policy = Policy::from_name(&model.policy).ok_or_else(|| fail("unknown policy in the audit model".into()))?;
    if model.base.len() != model.inner_cells
        || model.cells.iter().flat_map(|c| &c.inner).any(|&i| i >= model.inner_cells)
        || model.tables.iter().flat_map(|t| &t.rows).flat_map(|r| &r.counts).any(|(_, c)| *c >= model.cells.len())
        || model.primaries.iter().any(|p| p.cell >= model.cells.len())
    {
        return Err(fail("the audit model refers to cells it does not have".into()));
    }

    // What the published files say, cell by cell.
    let mut published: HashMap<usize, Option<u64>> = HashMap::new();
    for t in &model.tables {
        for (cell, value) in published_counts(root, t, &fail)? {
            if value.is_some() != (model.cells[cell].status == Status::Published) {
                return Err(fail(format!("{}: a cell's publication differs from the audit model", t.file)));
            }
            if let Some(v) = value
                && (1..=policy.threshold()).contains(&v)
            {
                return Err(fail(format!("{}: a published count is in 1..{}", t.file, policy.threshold())));
            }
            if published.insert(cell, value).is_some_and(|previous| previous != value) {
                return Err(fail(format!("{}: a cell is published with different values in two places", t.file)));
            }
        }
    }
    for (cell, c) in model.cells.iter().enumerate() {
        if c.status == Status::Published && !published.contains_key(&cell) {
            return Err(fail(format!("cell {cell} is marked published but no published file shows it")));
        }
    }

    // The attacker's knowledge, over inner cells (for the witnesses) and over atoms (inner cells
    // that every cell of the model treats alike, for the LP).
    let half = i64::try_from(policy.rounding_base().unwrap_or(0) / 2).unwrap_or(0);
    let constraints: Vec<(usize, i64, i64)> = published
        .iter()
        .filter_map(|(cell, v)| v.map(|v| (*cell, i64::try_from(v).unwrap_or(i64::MAX))))
        .map(|(cell, v)| if v > 0 && half > 0 { (cell, (v - half).max(0), v + half) } else { (cell, v, v) })
        .collect();
    // What earlier releases published: known whether or not this output shows the cell.
    let mut by_cell: std::collections::BTreeMap<usize, (i64, i64)> =
        constraints.iter().map(|&(cell, lo, hi)| (cell, (lo, hi))).collect();
    for (cell, c) in model.cells.iter().enumerate() {
        if let Some((lo, hi)) = c.earlier {
            let known = by_cell.entry(cell).or_insert((lo, hi));
            *known = (known.0.max(lo), known.1.min(hi));
        }
    }
    let constraints: Vec<(usize, i64, i64)> = by_cell.into_iter().map(|(cell, (lo, hi))| (cell, lo, hi)).collect();
    let knowledge = Knowledge {
        inner_cells: model.inner_cells,
        cap: model.cap,
        constraints: constraints
            .iter()
            .map(|&(cell, lo, hi)| Constraint { cells: model.cells[cell].inner.clone(), lo, hi })
            .collect(),
    };
    let atoms = system::Atoms::new(model.inner_cells, model.cells.iter().map(|c| c.inner.as_slice()));

    let p = system::protection(policy);
    // The LP intervals, over all atoms, for systems of the exact path's size. Above it the
    // verified witnesses below are the proof: the attacker's interval holds their span.
    if atoms.first_inner.len() <= system::LARGE_SYSTEM_ATOMS {
        let atom_cells: Vec<Vec<usize>> = model.cells.iter().map(|c| atoms.map(&c.inner)).collect();
        let atom_knowledge = Knowledge {
            inner_cells: atoms.first_inner.len(),
            cap: model.cap,
            constraints: constraints
                .iter()
                .map(|&(cell, lo, hi)| Constraint { cells: atom_cells[cell].clone(), lo, hi })
                .collect(),
        };
        for primary in &model.primaries {
            let interval = interval::feasible(&atom_knowledge, &atom_cells[primary.cell], &[])
                .ok_or_else(|| fail("the published figures are inconsistent".into()))?;
            if !interval::protected(primary.value, interval, p) {
                let cell = primary.cell;
                return Err(fail(format!(
                    "cell {cell} can be narrowed to {interval:?}, inside its protection interval"
                )));
            }
        }
    }
    // The certificates: two whole tables per primary that agree with every published figure
    // (checked with integers only), with the cell at least the protection interval apart.
    let verifier = SparseVerifier::new(&knowledge, &model.base)
        .ok_or_else(|| fail("the audit model's base table disagrees with the published figures".into()))?;
    for primary in &model.primaries {
        let target = &model.cells[primary.cell].inner;
        for w in [&primary.witness_low, &primary.witness_high] {
            if !verifier.verify(w) {
                return Err(fail(format!(
                    "a witness of cell {} does not agree with the published figures",
                    primary.cell
                )));
            }
        }
        let span = (verifier.value_in(&primary.witness_low, target), verifier.value_in(&primary.witness_high, target));
        if !interval::protected(primary.value, span, p) {
            return Err(fail(format!("the witnesses of cell {} do not span its protection interval", primary.cell)));
        }
    }
    // Every small cell of the model must be a primary with a certificate.
    for (cell, c) in model.cells.iter().enumerate() {
        if c.status == Status::Primary && !model.primaries.iter().any(|p| p.cell == cell) {
            return Err(fail(format!("primary cell {cell} has no certificate")));
        }
    }
    Ok(model.primaries.len())
}
