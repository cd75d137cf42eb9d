//! Disclosure control: the only way from raw counts to publishable values.
//!
//! The pipeline hands [`protect`] its table requests (raw counts, [`RawCount`]) and gets back a
//! [`ProtectedRelease`]: tables of [`SafeValue`]s plus the private disclosure log. Every writer
//! and template takes the protected types, and only this module can construct them, so no
//! unprotected number can reach a published file. There is no switch that turns it off.
//!
//! This release model protects one-way tables with a total (the 1-D fast path of
//! DISCLOSURE.md), with implicit complements as hidden cells, a grand total shared across
//! tables, rates computed from published counts only, and an interval audit (outsider and
//! insider) that fails the run if any primary cell can be narrowed below its protection interval.

pub mod audit;
pub mod certificate;
mod community;
pub mod gauss;
pub mod hypercube;
pub mod local;
pub mod one_way;
mod policy;
pub mod system;
mod values;

use serde::Serialize;

use crate::error::{Error, Result};
pub use community::{CommunityRatesRequest, CommunityRow};
pub use one_way::CellStatus;
pub use policy::Policy;
pub use values::{RawCount, SafeValue, Symbol, thousands};

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

/// A request to publish a one-way table of counts with its total.
#[derive(Debug, Clone)]
pub struct CountTableRequest {
    /// File stem of the table, e.g. `children_by_year`.
    pub name: String,
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
    /// File stem of the table.
    pub name: String,
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
    /// File stem of the table.
    pub name: String,
    /// Title for readers.
    pub title: String,
    /// The classification (its codes are the row codes of `observed_table`).
    pub filter: FilterColumn,
    /// The count table whose protected cells are the observed counts.
    pub observed_table: String,
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

/// One row of a published table.
#[derive(Debug, Clone)]
pub struct ProtectedRow {
    /// (code, label) of the row's category.
    pub category: (String, String),
    /// Whether this is the total row.
    pub is_total: bool,
    /// One value per indicator.
    pub values: Vec<SafeValue>,
}

/// A table that has passed disclosure control: the only kind of table writers accept.
#[derive(Debug, Clone)]
pub struct ProtectedTable {
    name: String,
    title: String,
    filter: FilterColumn,
    indicators: Vec<IndicatorColumn>,
    rows: Vec<ProtectedRow>,
    /// (row, indicator, system cell) of every count the table shows that is a cell of the
    /// release's constraint system (for the audit model).
    count_cells: Vec<(usize, usize, usize)>,
}

impl ProtectedTable {
    /// File stem.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Title.
    pub fn title(&self) -> &str {
        &self.title
    }
    /// The classification column.
    pub fn filter(&self) -> &FilterColumn {
        &self.filter
    }
    /// The value columns.
    pub fn indicators(&self) -> &[IndicatorColumn] {
        &self.indicators
    }
    /// The rows, total last.
    pub fn rows(&self) -> &[ProtectedRow] {
        &self.rows
    }
    /// (row, indicator, system cell) of every count that is a cell of the constraint system.
    pub fn count_cells(&self) -> &[(usize, usize, usize)] {
        &self.count_cells
    }
    /// The symbols used anywhere in the table, in a fixed order (for the key above it).
    pub fn symbols(&self) -> Vec<Symbol> {
        let mut symbols: Vec<Symbol> =
            self.rows.iter().flat_map(|r| r.values.iter().filter_map(SafeValue::symbol)).collect();
        symbols.sort();
        symbols.dedup();
        symbols
    }
}

/// The private record of what disclosure control did to one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableLog {
    /// The table.
    pub table: String,
    /// Distinct cells the table publishes.
    pub cells: usize,
    /// Primary suppressions.
    pub primary: usize,
    /// Secondary suppressions (Gaussian elimination).
    pub secondary: usize,
    /// Suppressions added by the interval repair loop.
    pub repair: usize,
    /// Audited intervals of the primary cells in this table (witnesses stay private).
    pub audit: Vec<system::PrimaryAudit>,
    /// Whether every primary met its protection interval.
    pub pass: bool,
}

/// The private disclosure log of a release (`private/disclosure-log.json`).
#[derive(Debug, Clone, Serialize)]
pub struct DisclosureLog {
    /// The policy's name.
    pub policy: &'static str,
    /// Threshold T.
    pub threshold: u64,
    /// Rounding base, if any.
    pub rounding_base: Option<u64>,
    /// Protection interval parameters.
    pub protection: ProtectionParameters,
    /// The protection method that ran ([`system::Method::name`]).
    pub method: &'static str,
    /// One record per table.
    pub tables: Vec<TableLog>,
    /// Hidden complements in the system.
    pub hidden_complements: usize,
    /// Rounds of the interval repair loop.
    pub repair_rounds: usize,
    /// Whether the whole release passed.
    pub pass: bool,
}

/// Protection interval parameters (DISCLOSURE.md defaults).
#[derive(Debug, Clone, Serialize)]
pub struct ProtectionParameters {
    /// Upper protection level.
    pub upl: u64,
    /// Lower protection level: min(v, this).
    pub lpl: u64,
    /// Minimum interval width.
    pub width: u64,
}

/// Everything a release publishes, protected, with its private log.
#[derive(Debug, Clone)]
pub struct ProtectedRelease {
    /// The policy applied.
    pub policy: Policy,
    /// The published tables.
    pub tables: Vec<ProtectedTable>,
    /// The private disclosure log.
    pub log: DisclosureLog,
    /// The private audit model, without its tables (the writers add where each count sits).
    audit_model: certificate::AuditModel,
}

impl ProtectedRelease {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&ProtectedTable> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The private audit model (cells, statuses, primaries' witnesses), without tables.
    pub fn audit_model(&self) -> &certificate::AuditModel {
        &self.audit_model
    }

    /// Number of withheld (primary or secondary) published cells across the release.
    pub fn suppressed_cells(&self) -> usize {
        self.log.tables.iter().map(|t| t.primary + t.secondary + t.repair).sum()
    }
}

/// Protect a release's tables jointly, as one constraint system over the inner cells
/// ([`system::protect_system`]): primaries, Gaussian secondaries, the LP interval audit with
/// insider check and repair, and verified witnesses (above 1,500 atoms the hypercube path, whose
/// verified witnesses are the proof). Fails if any primary cannot be protected:
/// then nothing may be published. Estimates and community measures are then derived from the
/// protected cells only.
pub fn protect(
    policy: Policy,
    inner: &[RawCount],
    counts: &[CountTableRequest],
    shares: &[ShareRequest],
    estimates: &[EstimateTableRequest],
    communities: &[CommunityRatesRequest],
) -> Result<ProtectedRelease> {
    let inner_values: Vec<u64> = inner.iter().map(|c| c.get()).collect();
    let mut cells: Vec<system::SystemCell> = Vec::new();
    let mut index: std::collections::HashMap<Vec<usize>, usize> = std::collections::HashMap::new();
    let mut intern = |mut set: Vec<usize>, publishable: bool, cells: &mut Vec<system::SystemCell>| -> usize {
        set.sort_unstable();
        set.dedup();
        if let Some(&i) = index.get(&set) {
            cells[i].publishable |= publishable;
            return i;
        }
        cells.push(system::SystemCell { inner: set.clone(), publishable, earlier: None });
        index.insert(set, cells.len() - 1);
        cells.len() - 1
    };
    // Each table's cells, in row order; the hidden complement of every share row.
    let mut count_cells: Vec<Vec<usize>> = Vec::new();
    for t in counts {
        let mut row_cells: Vec<usize> = t.rows.iter().map(|r| intern(r.2.clone(), true, &mut cells)).collect();
        row_cells.push(intern(t.rows.iter().flat_map(|r| r.2.iter().copied()).collect(), true, &mut cells));
        count_cells.push(row_cells);
    }
    let mut share_cells: Vec<Vec<(usize, usize)>> = Vec::new();
    for t in shares {
        let mut row_cells = Vec::new();
        for r in &t.rows {
            let mut numerator = r.numerator.clone();
            numerator.sort_unstable();
            let mut denominator = r.denominator.clone();
            denominator.sort_unstable();
            if numerator.iter().any(|i| denominator.binary_search(i).is_err()) {
                return Err(Error::Disclosure {
                    table: t.name.clone(),
                    message: "a numerator is not part of its denominator".into(),
                });
            }
            let complement: Vec<usize> =
                denominator.iter().copied().filter(|i| numerator.binary_search(i).is_err()).collect();
            let n = intern(denominator, true, &mut cells);
            let k = intern(numerator, true, &mut cells);
            if !complement.is_empty() {
                intern(complement, false, &mut cells);
            }
            row_cells.push((n, k));
        }
        share_cells.push(row_cells);
    }
    let outcome = system::protect_system(&inner_values, &cells, policy).map_err(|message| Error::Disclosure {
        table: counts.first().map(|t| t.name.clone()).unwrap_or_default(),
        message: format!("{message}; nothing was published"),
    })?;
    let value = |cell: usize| -> u64 { cells[cell].inner.iter().map(|&i| inner_values[i]).sum() };
    let publish = |cell: usize| {
        if outcome.status[cell] == system::Status::Published {
            SafeValue::count(policy.round(value(cell)))
        } else {
            SafeValue::missing(Symbol::C)
        }
    };

    let mut tables = Vec::new();
    let mut logs = Vec::new();
    let log_for = |name: &str, table_cells: &[usize]| {
        let mut unique = table_cells.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let count = |s: system::Status| unique.iter().filter(|&&c| outcome.status[c] == s).count();
        TableLog {
            table: name.to_string(),
            cells: unique.len(),
            primary: count(system::Status::Primary),
            secondary: count(system::Status::Secondary),
            repair: count(system::Status::Repair),
            audit: outcome.audits.iter().filter(|a| unique.contains(&a.cell)).cloned().collect(),
            pass: true,
        }
    };
    for (t, row_cells) in counts.iter().zip(&count_cells) {
        let mut rows: Vec<ProtectedRow> = t
            .rows
            .iter()
            .zip(row_cells)
            .map(|(r, &c)| ProtectedRow {
                category: (r.0.clone(), r.1.clone()),
                is_total: false,
                values: vec![publish(c)],
            })
            .collect();
        let total_cell = *row_cells.last().expect("total cell");
        rows.push(ProtectedRow { category: t.total.clone(), is_total: true, values: vec![publish(total_cell)] });
        logs.push(log_for(&t.name, row_cells));
        tables.push(ProtectedTable {
            name: t.name.clone(),
            title: t.title.clone(),
            filter: t.filter.clone(),
            indicators: vec![t.indicator.clone()],
            rows,
            count_cells: row_cells.iter().enumerate().map(|(r, &c)| (r, 0, c)).collect(),
        });
    }
    for (t, row_cells) in shares.iter().zip(&share_cells) {
        let pct = |label: &str, col: &str| IndicatorColumn {
            col_name: col.into(),
            label: label.into(),
            unit: "%".into(),
            dp: 1,
        };
        let rows = t
            .rows
            .iter()
            .zip(row_cells)
            .map(|(r, &(n, k))| {
                let (n, k) = (publish(n), publish(k));
                let [share, lower, upper] = published_share(&k, &n, t.level);
                ProtectedRow {
                    category: (r.code.clone(), r.label.clone()),
                    is_total: r.is_total,
                    values: vec![n, k, share, lower, upper],
                }
            })
            .collect();
        let flat: Vec<usize> = row_cells.iter().flat_map(|(n, k)| [*n, *k]).collect();
        logs.push(log_for(&t.name, &flat));
        tables.push(ProtectedTable {
            name: t.name.clone(),
            title: t.title.clone(),
            filter: t.filter.clone(),
            indicators: vec![
                IndicatorColumn {
                    col_name: "children".into(),
                    label: t.denominator_label.clone(),
                    unit: String::new(),
                    dp: 0,
                },
                IndicatorColumn {
                    col_name: "known_to_services".into(),
                    label: t.numerator_label.clone(),
                    unit: String::new(),
                    dp: 0,
                },
                pct("Percentage known to services", "percent_known"),
                pct(&format!("Lower {:.0}% confidence limit", t.level * 100.0), "percent_known_lower"),
                pct(&format!("Upper {:.0}% confidence limit", t.level * 100.0), "percent_known_upper"),
            ],
            rows,
            count_cells: row_cells.iter().enumerate().flat_map(|(r, &(n, k))| [(r, 0, n), (r, 1, k)]).collect(),
        });
    }
    for request in estimates {
        tables.push(estimate_table(request, &tables)?);
    }
    for request in communities {
        tables.push(community::community_table(request, &tables)?);
        tables.push(community::agency_capture_table(request, &tables));
    }
    Ok(ProtectedRelease {
        policy,
        audit_model: certificate::AuditModel::new(policy, inner.len(), &cells, &outcome),
        tables,
        log: DisclosureLog {
            policy: policy.name(),
            threshold: policy.threshold(),
            rounding_base: policy.rounding_base(),
            protection: ProtectionParameters { upl: 1, lpl: 1, width: policy.threshold() },
            method: outcome.method.name(),
            tables: logs,
            hidden_complements: cells.iter().filter(|c| !c.publishable).count(),
            repair_rounds: outcome.repairs,
            pass: true,
        },
    })
}

/// Model estimates are published, rounded to whole children, only beside an observed count that
/// is itself published: an estimate (and its interval, which is never below the observed count)
/// next to a withheld count could narrow that count. Otherwise the cells are `c` (count withheld)
/// or `x` (not computed).
fn estimate_table(request: &EstimateTableRequest, published: &[ProtectedTable]) -> Result<ProtectedTable> {
    let fail = |message: String| Error::Disclosure { table: request.name.clone(), message };
    let observed_table = published
        .iter()
        .find(|t| t.name == request.observed_table)
        .ok_or_else(|| fail(format!("no table `{}` to take observed counts from", request.observed_table)))?;
    let mut rows = Vec::with_capacity(request.rows.len());
    let mut count_cells = Vec::new();
    for row in &request.rows {
        let position = observed_table
            .rows
            .iter()
            .position(|r| r.category.0 == row.code)
            .ok_or_else(|| fail(format!("no row `{}` in `{}`", row.code, request.observed_table)))?;
        let observed = observed_table.rows[position].values[0].clone();
        if let Some(&(_, _, cell)) = observed_table.count_cells.iter().find(|(r, i, _)| *r == position && *i == 0) {
            count_cells.push((rows.len(), 0, cell));
        }
        let estimates: Vec<SafeValue> = match (observed.as_count(), row.values) {
            (Some(_), Some(values)) => values.iter().map(|v| SafeValue::decimal(v.round(), 0)).collect(),
            (Some(_), None) => vec![SafeValue::missing(Symbol::X); 4],
            (None, _) => vec![SafeValue::missing(observed.symbol().unwrap_or(Symbol::C)); 4],
        };
        let mut values = vec![observed];
        values.extend(estimates);
        rows.push(ProtectedRow {
            category: (row.code.clone(), row.label.clone()),
            is_total: row.code == "Total",
            values,
        });
    }
    let column = |col: &str, label: &str| IndicatorColumn {
        col_name: col.into(),
        label: label.into(),
        unit: String::new(),
        dp: 0,
    };
    Ok(ProtectedTable {
        name: request.name.clone(),
        title: request.title.clone(),
        filter: request.filter.clone(),
        indicators: vec![
            column("children_identified", "Children identified"),
            column("chao_lower_bound", "Lower bound (Chao)"),
            column("estimated_children", "Estimated children (multiple systems estimation)"),
            column("estimate_lower95", "Lower 95% limit"),
            column("estimate_upper95", "Upper 95% limit"),
        ],
        rows,
        count_cells,
    })
}

/// A percentage and its Wilson interval, computed from the published numerator and denominator
/// only (METHODS.md §5): withheld when either input is withheld.
fn published_share(k: &SafeValue, n: &SafeValue, level: f64) -> [SafeValue; 3] {
    match (k.as_count(), n.as_count()) {
        (Some(k), Some(n)) if n > 0 => {
            let p = crate::stats::proportion::wilson(k as f64, n as f64, level);
            [
                SafeValue::decimal(100.0 * k as f64 / n as f64, 1),
                SafeValue::decimal(100.0 * p.lower, 1),
                SafeValue::decimal(100.0 * p.upper, 1),
            ]
        }
        (Some(_), Some(_)) => std::array::from_fn(|_| SafeValue::missing(Symbol::Z)),
        _ => {
            let symbol =
                if k.symbol() == Some(Symbol::C) || n.symbol() == Some(Symbol::C) { Symbol::C } else { Symbol::X };
            std::array::from_fn(|_| SafeValue::missing(symbol))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_request(values: &[u64]) -> CountTableRequest {
        CountTableRequest {
            name: "by_group".into(),
            title: "t".into(),
            filter: FilterColumn { col_name: "g".into(), label: "G".into(), hint: String::new() },
            indicator: IndicatorColumn { col_name: "n".into(), label: "N".into(), unit: String::new(), dp: 0 },
            rows: (0..values.len()).map(|i| (format!("g{i}"), format!("G{i}"), vec![i])).collect(),
            total: ("Total".into(), "All".into()),
        }
    }

    #[test]
    fn estimates_follow_their_observed_count() {
        let estimates = EstimateTableRequest {
            name: "est".into(),
            title: "t".into(),
            filter: FilterColumn { col_name: "g".into(), label: "G".into(), hint: String::new() },
            observed_table: "by_group".into(),
            rows: vec![
                EstimateRow { code: "g0".into(), label: "G0".into(), values: Some([10.0, 12.0, 9.0, 20.0]) },
                EstimateRow { code: "g1".into(), label: "G1".into(), values: Some([50.0, 60.0, 55.0, 70.0]) },
                EstimateRow { code: "g2".into(), label: "G2".into(), values: None },
            ],
        };
        let inner: Vec<RawCount> = [3, 40, 30].map(RawCount::new).to_vec();
        let release =
            protect(Policy::UkChildren, &inner, &[count_request(&[3, 40, 30])], &[], &[estimates], &[]).unwrap();
        let table = release.table("est").unwrap();
        let text: Vec<Vec<String>> =
            table.rows().iter().map(|r| r.values.iter().map(SafeValue::csv_text).collect()).collect();
        assert_eq!(text[0], vec!["c"; 5]);
        // g2 = 30 is the secondary suppression partner of g0 = 3, so its estimates are withheld too.
        assert_eq!(text[2], vec!["c"; 5]);
        assert_eq!(text[1], vec!["40", "50", "60", "55", "70"]);
    }

    #[test]
    fn health_policy_suppresses_to_seven_and_rounds_to_five() {
        let inner: Vec<RawCount> = [7, 8, 12, 13].map(RawCount::new).to_vec();
        let release = protect(Policy::Health, &inner, &[count_request(&[7, 8, 12, 13])], &[], &[], &[]).unwrap();
        let cells: Vec<String> =
            release.table("by_group").unwrap().rows().iter().map(|r| r.values[0].csv_text()).collect();
        // 7 is primary; its partner is the smallest other cell (8); totals are rounded too.
        assert_eq!(cells, vec!["c", "c", "10", "15", "40"]);
    }
}
