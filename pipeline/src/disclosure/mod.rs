//! Disclosure control: the only way from raw counts to publishable values.
//!
//! [`protect`] takes a release's [`Catalogue`] (requests over raw inner counts, [`RawCount`]) and
//! returns a [`ProtectedRelease`]: its public tables of [`SafeValue`]s, and apart from them its
//! private record (the disclosure log, and the audit model with the true cells and the
//! witnesses). Only this module can construct a `SafeValue`, and every writer and template takes
//! the protected types, so no unprotected number can reach a published file. [`spec`] does the
//! same for `safestat protect`'s own tables. There is no switch that turns it off.
//!
//! Inside, every published figure (and every hidden complement) is a cell of one constraint
//! system ([`system`]): primaries by the policy, secondaries by Gaussian elimination
//! ([`gauss`]) and the LP interval audit with repair ([`exact`], [`interval`]), or cycles
//! ([`hypercube`]) for large systems; each primary gets two verified witness tables
//! ([`witness`]). [`audit`] re-checks a finished output from its files alone.
//!
//! Owns: the policy, suppression, the audit and the releasable values. May not touch: files
//! (except that [`audit`] reads a finished output), templates, or how tables are laid out.

pub mod audit;
mod community;
mod derived;
mod exact;
pub mod gauss;
pub mod hypercube;
pub mod interval;
pub mod linked;
mod policy;
pub mod protection;
pub mod quality;
pub mod record;
mod revisions;
pub mod series;
pub mod spec;
pub mod system;
mod values;
pub mod witness;

pub use crate::domain::RawCount;
use crate::error::{Error, Result};
use crate::tables::{Catalogue, FilterColumn, IndicatorColumn, TableId};
pub use policy::Policy;
pub use record::DisclosureLog;
pub use values::{Finite, SafeValue, Symbol};

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
    id: TableId,
    title: String,
    filter: FilterColumn,
    indicators: Vec<IndicatorColumn>,
    rows: Vec<ProtectedRow>,
    /// (row, indicator, system cell) of every count the table shows that is a cell of the
    /// release's constraint system (for the audit model).
    count_cells: Vec<(usize, usize, usize)>,
}

impl ProtectedTable {
    /// The table.
    pub fn id(&self) -> TableId {
        self.id
    }
    /// File stem.
    pub fn name(&self) -> &'static str {
        self.id.name()
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

/// The table `id` among `tables` (derived tables are built from the ones before them).
fn table_in(tables: &[ProtectedTable], id: TableId) -> Option<&ProtectedTable> {
    tables.iter().find(|t| t.id == id)
}

/// What a release keeps private about its protection: never published.
#[derive(Debug, Clone)]
pub struct PrivateRecord {
    /// The disclosure log (`private/disclosure-log.json`).
    pub log: DisclosureLog,
    /// The audit model without its tables (the writers say where each count sits).
    model: audit::AuditModel,
}

impl PrivateRecord {
    /// The audit model, completed with where each published count sits.
    pub fn audit_model(&self, tables: Vec<audit::TableModel>) -> audit::AuditModel {
        self.model.clone().with_tables(tables)
    }
}

/// Everything a release publishes, protected, with its private record apart.
#[derive(Debug, Clone)]
pub struct ProtectedRelease {
    policy: Policy,
    tables: Vec<ProtectedTable>,
    private: PrivateRecord,
    /// The period of the last earlier release of the series, in words.
    last_release: Option<String>,
}

impl ProtectedRelease {
    /// The policy applied.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The published tables, in publication order.
    pub fn tables(&self) -> &[ProtectedTable] {
        &self.tables
    }

    /// The table `id`.
    pub fn table(&self, id: TableId) -> Option<&ProtectedTable> {
        table_in(&self.tables, id)
    }

    /// The period of the last earlier release of the series (`1997 to 2011`), if any.
    pub fn last_release(&self) -> Option<&str> {
        self.last_release.as_deref()
    }

    /// The private record: for private writers and the analyst report only.
    pub fn private(&self) -> &PrivateRecord {
        &self.private
    }

    /// Number of withheld (primary or secondary) published cells across the release.
    pub fn suppressed_cells(&self) -> usize {
        self.private.log.tables.iter().map(|t| t.primary + t.secondary + t.repair).sum()
    }
}

/// Protect a release's tables jointly, as one constraint system over the inner cells
/// ([`protection::protect_system`]): primaries, Gaussian secondaries, the LP interval audit with
/// insider check and repair, and verified witnesses (above 1,500 atoms the hypercube path, whose
/// verified witnesses are the proof). Fails if any primary cannot be protected: then nothing may
/// be published. Estimates and community measures are then derived from the protected cells
/// only.
pub fn protect(policy: Policy, catalogue: &Catalogue) -> Result<ProtectedRelease> {
    protect_series(policy, catalogue, &linked::Linked::alone(catalogue))
}

/// [`protect`] together with the earlier releases of a series ([`linked`]): one system over the
/// series' transitions, so the release withholds what it must for every earlier figure to stay
/// safe with it. Earlier figures cannot be withdrawn; when they alone narrow a primary, this
/// fails.
pub fn protect_series(policy: Policy, catalogue: &Catalogue, linked: &linked::Linked) -> Result<ProtectedRelease> {
    let inner_values: Vec<u64> = linked.values.clone();
    let mut set = system::CellSet::default();
    // Each table's cells, in row order, total last; the hidden complement of every share row.
    let (placed, series) = linked::place_series(&mut set, catalogue, linked, policy.threshold())?;
    let (count_cells, share_cells, current_cells) = (placed.counts.clone(), placed.shares.clone(), placed.end);
    let cells = set.into_cells();
    let outcome = protection::protect_system(&inner_values, &cells, policy).map_err(|message| {
        // Name the figure when the failing cell is one this release publishes, else say what
        // kind of count it is; never an internal index.
        let failing = system::failing_cell(&message);
        let cell: Option<usize> = failing.map(|(c, _)| c);
        let figure = cell.and_then(|c| placed.keyed.iter().find(|(_, k)| *k == c)).map(|(key, _)| key);
        let message = match failing {
            Some((_, rest)) if figure.is_some() => format!("it {rest}"),
            Some((c, rest)) => format!("{} {rest}", system::hidden_cell_words(&cells[c])),
            None => message.clone(),
        };
        Error::Disclosure {
            table: figure.map_or_else(
                || catalogue.counts.first().map(|t| t.id.name().to_string()).unwrap_or_default(),
                |(table, _, _)| table.clone(),
            ),
            message: match figure {
                Some((_, code, column)) if cell.is_some_and(|c| cells[c].protect_always) => format!(
                    "row `{code}`, column `{column}`: it differs by 1..{} from the same figure of an earlier \
                     release, so it must be withheld, and {message}; nothing was published",
                    policy.threshold()
                ),
                Some((_, code, column)) => format!("row `{code}`, column `{column}`: {message}; nothing was published"),
                None => format!("{message}; nothing was published"),
            },
        }
    })?;
    let publish = |cell: usize| {
        SafeValue::protected(policy, outcome.status[cell], cells[cell].inner.iter().map(|&i| inner_values[i]).sum())
    };
    let p = system::protection(policy);
    let mut tables = Vec::new();
    let mut logs = Vec::new();
    for (t, row_cells) in catalogue.counts.iter().zip(&count_cells) {
        let (rows, total) = row_cells.split_at(row_cells.len() - 1);
        let mut out: Vec<ProtectedRow> = t
            .rows
            .iter()
            .zip(rows)
            .map(|(r, &c)| ProtectedRow {
                category: (r.0.clone(), r.1.clone()),
                is_total: false,
                values: vec![publish(c)],
            })
            .collect();
        out.push(ProtectedRow { category: t.total.clone(), is_total: true, values: vec![publish(total[0])] });
        logs.push(record::TableLog::new(t.id.name(), row_cells, &outcome, p));
        tables.push(ProtectedTable {
            id: t.id,
            title: t.title.clone(),
            filter: t.filter.clone(),
            indicators: vec![t.indicator.clone()],
            rows: out,
            count_cells: row_cells.iter().enumerate().map(|(r, &c)| (r, 0, c)).collect(),
        });
    }
    for (t, row_cells) in catalogue.shares.iter().zip(&share_cells) {
        let rows = t
            .rows
            .iter()
            .zip(row_cells)
            .map(|(r, &(n, k))| {
                let (n, k) = (publish(n), publish(k));
                let [share, lower, upper] = derived::published_share(&k, &n, t.level);
                ProtectedRow {
                    category: (r.code.clone(), r.label.clone()),
                    is_total: r.is_total,
                    values: vec![n, k, share, lower, upper],
                }
            })
            .collect();
        let flat: Vec<usize> = row_cells.iter().flat_map(|(n, k)| [*n, *k]).collect();
        logs.push(record::TableLog::new(t.id.name(), &flat, &outcome, p));
        tables.push(ProtectedTable {
            id: t.id,
            title: t.title.clone(),
            filter: t.filter.clone(),
            indicators: derived::share_columns(t),
            rows,
            count_cells: row_cells.iter().enumerate().flat_map(|(r, &(n, k))| [(r, 0, n), (r, 1, k)]).collect(),
        });
    }
    for request in &catalogue.estimates {
        tables.push(derived::estimate_table(request, &tables)?);
    }
    for request in &catalogue.communities {
        tables.push(community::community_table(request, &tables)?);
        tables.push(community::agency_capture_table(request, &tables));
    }
    if let Some(table) = revisions::revisions_table(linked.latest(), &tables) {
        tables.push(table);
    }
    if let Some(request) = &catalogue.quality {
        tables.push(quality::quality_table(policy, request));
    }
    let log = DisclosureLog {
        rules: record::PolicyRecord::new(policy, outcome.method),
        tables: logs,
        hidden_complements: cells[..current_cells].iter().filter(|c| !c.publishable).count()
            + series.as_ref().map_or(0, |s| s.nested_complements),
        repair_rounds: outcome.repairs,
        deeper_searches: outcome.deeper_searches,
        pass: record::all_protected(&outcome.audits, p),
        series,
    };
    let model = audit::AuditModel::new(policy, inner_values.len(), &cells, &outcome);
    Ok(ProtectedRelease {
        policy,
        tables,
        private: PrivateRecord { log, model },
        last_release: linked.latest().map(|e| e.label.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{CountTableRequest, EstimateRow, EstimateTableRequest};

    fn catalogue(values: &[u64], estimates: Vec<EstimateTableRequest>) -> Catalogue {
        Catalogue {
            inner: values.iter().map(|&v| RawCount::new(v)).collect(),
            counts: vec![CountTableRequest {
                id: TableId::ChildrenByCommunity,
                title: "t".into(),
                filter: FilterColumn { col_name: "g".into(), label: "G".into(), hint: String::new() },
                indicator: IndicatorColumn::new("n", "N", "", 0),
                rows: (0..values.len()).map(|i| (format!("g{i}"), format!("G{i}"), vec![i])).collect(),
                total: ("Total".into(), "All".into()),
            }],
            shares: Vec::new(),
            estimates,
            communities: Vec::new(),
            quality: None,
        }
    }

    #[test]
    fn estimates_follow_their_observed_count() {
        let estimates = EstimateTableRequest {
            id: TableId::Prevalence,
            title: "t".into(),
            filter: FilterColumn { col_name: "g".into(), label: "G".into(), hint: String::new() },
            observed_table: TableId::ChildrenByCommunity,
            rows: vec![
                EstimateRow { code: "g0".into(), label: "G0".into(), values: Some([10.0, 12.0, 9.0, 20.0]) },
                EstimateRow { code: "g1".into(), label: "G1".into(), values: Some([50.0, 60.0, 55.0, 70.0]) },
                EstimateRow { code: "g2".into(), label: "G2".into(), values: None },
            ],
        };
        let release = protect(Policy::UkChildren, &catalogue(&[3, 40, 30], vec![estimates])).unwrap();
        let table = release.table(TableId::Prevalence).unwrap();
        let text: Vec<Vec<String>> =
            table.rows().iter().map(|r| r.values.iter().map(SafeValue::csv_text).collect()).collect();
        assert_eq!(text[0], vec!["c"; 5]);
        // g2 = 30 is the secondary suppression partner of g0 = 3, so its estimates are withheld too.
        assert_eq!(text[2], vec!["c"; 5]);
        assert_eq!(text[1], vec!["40", "50", "60", "55", "70"]);
    }

    #[test]
    fn health_policy_suppresses_to_seven_and_rounds_to_five() {
        let release = protect(Policy::Health, &catalogue(&[7, 8, 12, 13], Vec::new())).unwrap();
        let cells: Vec<String> = release
            .table(TableId::ChildrenByCommunity)
            .unwrap()
            .rows()
            .iter()
            .map(|r| r.values[0].csv_text())
            .collect();
        // 7 is primary; its partner is the smallest other cell (8); totals are rounded too.
        assert_eq!(cells, vec!["c", "c", "10", "15", "40"]);
    }

    #[test]
    fn the_log_passes_only_when_every_primary_is_protected() {
        let release = protect(Policy::UkChildren, &catalogue(&[3, 40, 30], Vec::new())).unwrap();
        let log = &release.private().log;
        let p = system::protection(Policy::UkChildren);
        assert!(log.pass);
        assert_eq!(log.tables[0].audit.len(), 1);
        let mut narrowed = log.tables[0].audit.clone();
        narrowed[0].interval = (narrowed[0].value, narrowed[0].value);
        assert!(!record::all_protected(&narrowed, p));
    }
}
