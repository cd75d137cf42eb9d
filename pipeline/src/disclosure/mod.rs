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
mod community;
pub mod gauss;
pub mod one_way;
mod policy;
pub mod system;
mod values;

use serde::Serialize;

use crate::error::{Error, Result};
pub use community::{CommunityRatesRequest, CommunityRow};
pub use one_way::{AuditRecord, CellStatus};
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
    /// (code, label, count) per category, in publication order.
    pub rows: Vec<(String, String, RawCount)>,
    /// (code, label) of the total row.
    pub total: (String, String),
}

/// A request to publish a share (numerator of a denominator) with a Wilson interval.
#[derive(Debug, Clone)]
pub struct ShareRequest {
    /// File stem of the table.
    pub name: String,
    /// Title for readers.
    pub title: String,
    /// (code, label) of the one row (e.g. all children).
    pub row: (String, String),
    /// Label of the denominator, e.g. "Children identified".
    pub denominator_label: String,
    /// Label of the numerator, e.g. "Known to services before referral".
    pub numerator_label: String,
    /// The numerator.
    pub numerator: RawCount,
    /// The denominator; it must equal the grand total of the count tables.
    pub denominator: RawCount,
    /// Confidence level of the interval, e.g. 0.95.
    pub level: f64,
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
    /// Cells in the table's equation (hidden complements included, total excluded).
    pub cells: usize,
    /// Primary suppressions.
    pub primary: usize,
    /// Secondary suppressions.
    pub secondary: usize,
    /// Hidden complements (never published, not suppressions).
    pub hidden: usize,
    /// Whether the total was withheld.
    pub total_withheld: bool,
    /// Audited interval of each primary cell.
    pub audit: Vec<AuditRecord>,
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
    /// One record per table.
    pub tables: Vec<TableLog>,
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
}

impl ProtectedRelease {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&ProtectedTable> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Number of withheld (primary or secondary) published cells across the release.
    pub fn suppressed_cells(&self) -> usize {
        self.log.tables.iter().map(|t| t.primary + t.secondary).sum()
    }
}

/// Protect a release's tables jointly. Fails if the audit finds any primary cell that a reader
/// could narrow below its protection interval: then nothing may be published.
pub fn protect(
    policy: Policy,
    counts: &[CountTableRequest],
    shares: &[ShareRequest],
    estimates: &[EstimateTableRequest],
    communities: &[CommunityRatesRequest],
) -> Result<ProtectedRelease> {
    let threshold = policy.threshold();
    let grand_totals: Vec<u64> = counts
        .iter()
        .map(|t| t.rows.iter().map(|r| r.2).sum::<RawCount>().get())
        .chain(shares.iter().map(|s| s.denominator.get()))
        .collect();
    if grand_totals.windows(2).any(|w| w[0] != w[1]) {
        return Err(Error::Disclosure {
            table: counts.first().map(|t| t.name.clone()).unwrap_or_default(),
            message: "the tables of a release do not share one grand total; they cannot be protected as one system"
                .into(),
        });
    }
    // One-way equations: each count table, then each share as numerator + hidden complement.
    let mut equations: Vec<Vec<one_way::Cell>> = counts
        .iter()
        .map(|t| t.rows.iter().map(|r| one_way::Cell { value: r.2.get(), hidden: false }).collect())
        .collect();
    for s in shares {
        let k = s.numerator.get();
        let n = s.denominator.get();
        if k > n {
            return Err(Error::Disclosure { table: s.name.clone(), message: "numerator exceeds denominator".into() });
        }
        equations.push(vec![one_way::Cell { value: k, hidden: false }, one_way::Cell { value: n - k, hidden: true }]);
    }
    // The grand total is one published figure: if any equation must withhold it, all do.
    let mut total_withheld = false;
    let outcomes = loop {
        let outcomes: Vec<one_way::Outcome> =
            equations.iter().map(|e| one_way::protect(e, threshold, total_withheld)).collect();
        let any_withheld = outcomes.iter().any(|o| o.total.is_withheld());
        if any_withheld == total_withheld {
            break outcomes;
        }
        total_withheld = true;
    };

    let mut tables = Vec::new();
    let mut logs = Vec::new();
    for (i, (cells, outcome)) in equations.iter().zip(&outcomes).enumerate() {
        let audit = one_way::audit(cells, outcome, threshold);
        let pass = audit.iter().all(|r| r.pass);
        let name = if i < counts.len() { counts[i].name.clone() } else { shares[i - counts.len()].name.clone() };
        logs.push(TableLog {
            table: name.clone(),
            cells: cells.len(),
            primary: outcome.cells.iter().filter(|s| **s == CellStatus::Primary).count()
                + usize::from(outcome.total == CellStatus::Primary),
            secondary: outcome.cells.iter().filter(|s| **s == CellStatus::Secondary).count()
                + usize::from(outcome.total == CellStatus::Secondary),
            hidden: cells.iter().filter(|c| c.hidden).count(),
            total_withheld: outcome.total.is_withheld(),
            audit,
            pass,
        });
        if !pass {
            return Err(Error::Disclosure {
                table: name,
                message: "the interval audit found a suppressed cell that readers could narrow below its \
                          protection interval; nothing was published"
                    .into(),
            });
        }
        let publish = |value: u64, status: CellStatus| {
            if status.is_withheld() { SafeValue::missing(Symbol::C) } else { SafeValue::count(policy.round(value)) }
        };
        if i < counts.len() {
            let request = &counts[i];
            let mut rows: Vec<ProtectedRow> = request
                .rows
                .iter()
                .zip(&outcome.cells)
                .map(|(r, s)| ProtectedRow {
                    category: (r.0.clone(), r.1.clone()),
                    is_total: false,
                    values: vec![publish(r.2.get(), *s)],
                })
                .collect();
            let total: u64 = cells.iter().map(|c| c.value).sum();
            rows.push(ProtectedRow {
                category: request.total.clone(),
                is_total: true,
                values: vec![publish(total, outcome.total)],
            });
            tables.push(ProtectedTable {
                name: request.name.clone(),
                title: request.title.clone(),
                filter: request.filter.clone(),
                indicators: vec![request.indicator.clone()],
                rows,
            });
        } else {
            let request = &shares[i - counts.len()];
            let n = publish(request.denominator.get(), outcome.total);
            let k = publish(request.numerator.get(), outcome.cells[0]);
            let [share, lower, upper] = published_share(&k, &n, request.level);
            let pct = |label: &str, col: &str| IndicatorColumn {
                col_name: col.into(),
                label: label.into(),
                unit: "%".into(),
                dp: 1,
            };
            tables.push(ProtectedTable {
                name: request.name.clone(),
                title: request.title.clone(),
                filter: FilterColumn {
                    col_name: "group".into(),
                    label: "Group".into(),
                    hint: "The children the row describes".into(),
                },
                indicators: vec![
                    IndicatorColumn {
                        col_name: "children".into(),
                        label: request.denominator_label.clone(),
                        unit: String::new(),
                        dp: 0,
                    },
                    IndicatorColumn {
                        col_name: "known_to_services".into(),
                        label: request.numerator_label.clone(),
                        unit: String::new(),
                        dp: 0,
                    },
                    pct("Percentage known to services", "percent_known"),
                    pct(&format!("Lower {:.0}% confidence limit", request.level * 100.0), "percent_known_lower"),
                    pct(&format!("Upper {:.0}% confidence limit", request.level * 100.0), "percent_known_upper"),
                ],
                rows: vec![ProtectedRow {
                    category: request.row.clone(),
                    is_total: true,
                    values: vec![n, k, share, lower, upper],
                }],
            });
        }
    }
    for request in estimates {
        tables.push(estimate_table(request, &tables)?);
    }
    for request in communities {
        tables.push(community::community_table(request, &tables)?);
    }
    Ok(ProtectedRelease {
        policy,
        tables,
        log: DisclosureLog {
            policy: policy.name(),
            threshold,
            rounding_base: policy.rounding_base(),
            protection: ProtectionParameters { upl: 1, lpl: 1, width: threshold },
            tables: logs,
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
    for row in &request.rows {
        let observed = observed_table
            .rows
            .iter()
            .find(|r| r.category.0 == row.code)
            .map(|r| r.values[0].clone())
            .ok_or_else(|| fail(format!("no row `{}` in `{}`", row.code, request.observed_table)))?;
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
            rows: values
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("g{i}"), format!("G{i}"), RawCount::new(*v)))
                .collect(),
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
        let release = protect(Policy::UkChildren, &[count_request(&[3, 40, 30])], &[], &[estimates], &[]).unwrap();
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
        let release = protect(Policy::Health, &[count_request(&[7, 8, 12, 13])], &[], &[], &[]).unwrap();
        let cells: Vec<String> =
            release.table("by_group").unwrap().rows().iter().map(|r| r.values[0].csv_text()).collect();
        // 7 is primary; its partner is the smallest other cell (8); totals are rounded too.
        assert_eq!(cells, vec!["c", "c", "10", "15", "40"]);
    }
}
