//! `safestat protect`: disclosure control for any count table an analyst wants to publish. A
//! spec (TOML) names dimensions with hierarchies, tables over them, and tables earlier releases
//! published; every table is protected jointly over the cells file, with the same system,
//! policy and [`SafeValue`] boundary as `safestat run`.
//!
//! Owns: reading a spec and its cells and building their system. May not touch: files it
//! writes ([`crate::output::protect`] writes the result).

mod earlier;
mod hierarchy;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::audit::AuditModel;
use super::record::SpecLog;
use super::system::{self, CellSet, SystemCell};
use super::{Policy, SafeValue};
use crate::error::{Error, Result};
use hierarchy::{Node, hierarchy_nodes};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    policy: String,
    #[serde(rename = "dimension")]
    dimensions: Vec<RawDimension>,
    #[serde(rename = "table")]
    tables: Vec<RawTable>,
    #[serde(default, rename = "earlier")]
    earlier: Vec<RawEarlier>,
}

/// A table an earlier release published about the same population: its counts are known to
/// every reader, so they join the system as constraints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEarlier {
    /// CSV path, relative to the spec file.
    file: String,
    /// The base its counts were rounded to (half up), if any.
    #[serde(default)]
    rounding: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDimension {
    name: String,
    #[serde(default, rename = "hierarchy")]
    hierarchies: Vec<RawHierarchy>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHierarchy {
    name: String,
    #[serde(default = "default_total")]
    total: String,
    #[serde(default)]
    groups: BTreeMap<String, Vec<String>>,
}

fn default_total() -> String {
    "Total".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    name: String,
    hierarchies: BTreeMap<String, String>,
}

/// One published row of a spec table: its node codes and its published count.
#[derive(Debug, Clone)]
pub struct SpecRow {
    /// The node code per dimension of the table.
    pub codes: Vec<String>,
    /// The published count, or `c`.
    pub value: SafeValue,
    /// The system cell (for the audit model).
    pub cell: usize,
}

/// A protected spec table.
#[derive(Debug, Clone)]
pub struct SpecTable {
    /// File stem.
    pub name: String,
    /// The table's dimensions (its key columns).
    pub dimensions: Vec<String>,
    /// Rows in publication order.
    pub rows: Vec<SpecRow>,
}

/// A protected spec: its public tables and, apart, its private log and audit model.
#[derive(Debug, Clone)]
pub struct SpecRelease {
    /// The tables, each holding only protected values.
    pub tables: Vec<SpecTable>,
    /// The private disclosure log.
    pub log: SpecLog,
    /// The private audit model, without its tables (the writer adds where each count sits).
    pub model: AuditModel,
}

impl SpecRelease {
    /// Publishable cells across all tables.
    pub fn cells(&self) -> usize {
        self.log.cells
    }

    /// Withheld cells (primary, secondary, repair).
    pub fn withheld(&self) -> usize {
        let s = &self.log.suppressed;
        s.primary + s.secondary + s.interval_repair
    }
}

/// A CSV reader and its trimmed header names.
fn open_csv(path: &Path, fail: &dyn Fn(String) -> Error) -> Result<(csv::Reader<std::fs::File>, Vec<String>)> {
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| Error::io("cannot read", path, std::io::Error::other(e.to_string())))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|_| fail("the header is not readable CSV".into()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    Ok((reader, header))
}

/// The spec, read and checked: its policy is a named one (there is none that turns control off).
fn load_spec(spec_path: &Path) -> Result<(RawSpec, Policy)> {
    let spec_fail = |message: String| Error::Spec { path: spec_path.to_path_buf(), message };
    let text = std::fs::read_to_string(spec_path).map_err(|e| Error::io("cannot read", spec_path, e))?;
    let spec: RawSpec = toml::from_str(&text).map_err(|e| spec_fail(e.to_string()))?;
    let policy = Policy::from_name(&spec.policy).ok_or_else(|| {
        spec_fail(format!(
            "`policy` must be one of: {} (disclosure control cannot be turned off)",
            Policy::NAMES.join(", ")
        ))
    })?;
    if spec.dimensions.is_empty() || spec.tables.is_empty() {
        return Err(spec_fail("a spec needs at least one [[dimension]] and one [[table]]".into()));
    }
    // A table's name is its output file, and a dimension's a column of the cells: two of one name
    // would overwrite or shadow each other (found by fuzzing `protect`).
    let dimensions: Vec<&str> = spec.dimensions.iter().map(|d| d.name.as_str()).collect();
    let tables: Vec<&str> = spec.tables.iter().map(|t| t.name.as_str()).collect();
    for (kind, names) in [("dimension", dimensions), ("table", tables)] {
        if let Some((i, name)) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)) {
            return Err(spec_fail(format!(
                "[[{kind}]] number {}, field `name`: `{name}` is the name of an earlier {kind}; each needs a name of its own",
                i + 1
            )));
        }
    }
    Ok((spec, policy))
}

/// The cells file's rows: the code per dimension and the count.
fn read_cells(input: &Path, spec: &RawSpec) -> Result<Vec<(Vec<String>, u64)>> {
    let in_fail = |message: String| Error::InputRefused { path: input.to_path_buf(), message };
    let (mut reader, header) = open_csv(input, &in_fail)?;
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| in_fail(format!("required column `{name}` is missing")))
    };
    let dim_cols: Vec<usize> = spec.dimensions.iter().map(|d| column(&d.name)).collect::<Result<_>>()?;
    let count_col = column("count")?;
    if let Some(other) = header.iter().find(|h| *h != "count" && !spec.dimensions.iter().any(|d| d.name == **h)) {
        return Err(in_fail(format!("column `{other}` is neither a dimension of the spec nor `count`")));
    }
    let mut records: Vec<(Vec<String>, u64)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|_| in_fail(format!("line {line}: not a valid CSV row")))?;
        let count = crate::domain::count::parse_count(record.get(count_col).unwrap_or_default())
            .map_err(|why| in_fail(format!("line {line}, field `count`: {why}")))?;
        let codes: Vec<String> =
            dim_cols.iter().map(|&c| record.get(c).unwrap_or_default().trim().to_string()).collect();
        if let Some((d, _)) = codes.iter().enumerate().find(|(_, c)| c.is_empty()) {
            return Err(in_fail(format!("line {line}, field `{}`: empty", spec.dimensions[d].name)));
        }
        records.push((codes, count));
    }
    Ok(records)
}

/// The full cross-classification of the leaves of every dimension, with the true counts.
struct Grid {
    /// Leaves per dimension: codes in the file and leaves named by groups, sorted.
    leaves: Vec<Vec<String>>,
    radix: Vec<usize>,
    /// True count per inner cell (row-major over the dimensions).
    values: Vec<u64>,
}

/// Largest cross-classification a spec may have.
const MAX_INNER_CELLS: usize = 2_000_000;

impl Grid {
    fn new(spec: &RawSpec, records: &[(Vec<String>, u64)], spec_path: &Path, input: &Path) -> Result<Grid> {
        let mut leaves: Vec<Vec<String>> = vec![Vec::new(); spec.dimensions.len()];
        for (d, dim) in spec.dimensions.iter().enumerate() {
            let mut set: HashSet<String> = records.iter().map(|r| r.0[d].clone()).collect();
            for h in &dim.hierarchies {
                set.extend(h.groups.values().flatten().filter(|m| !h.groups.contains_key(*m)).cloned());
            }
            let mut sorted: Vec<String> = set.into_iter().collect();
            sorted.sort();
            leaves[d] = sorted;
        }
        let radix: Vec<usize> = leaves.iter().map(Vec::len).collect();
        let inner_count: usize = radix.iter().product();
        if inner_count > MAX_INNER_CELLS {
            return Err(Error::Spec {
                path: spec_path.to_path_buf(),
                message: format!("the cross-classification has {inner_count} inner cells; at most 2,000,000"),
            });
        }
        let index: Vec<HashMap<&str, usize>> =
            leaves.iter().map(|l| l.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect()).collect();
        let mut values = vec![0u64; inner_count];
        for (line, (codes, count)) in records.iter().enumerate() {
            let cell = codes.iter().enumerate().fold(0, |acc, (d, c)| acc * radix[d] + index[d][c.as_str()]);
            values[cell] = values[cell].checked_add(*count).ok_or_else(|| Error::InputRefused {
                path: input.to_path_buf(),
                message: format!("line {}, field `count`: the counts of one cell add up past 2^64", line + 2),
            })?;
        }
        Ok(Grid { leaves, radix, values })
    }

    /// The inner cells whose leaf in each dimension is one of `allowed[d]`, sorted.
    fn inner_set(&self, allowed: &[Vec<usize>]) -> Vec<usize> {
        let mut out = vec![0usize];
        for (d, leaves_allowed) in allowed.iter().enumerate() {
            let r = self.radix[d];
            out = out.iter().flat_map(|&base| leaves_allowed.iter().map(move |&l| base * r + l)).collect();
        }
        out.sort_unstable();
        out
    }
}

/// A table of the spec while its cells are interned: row codes and system cells.
struct Layout {
    name: String,
    dimensions: Vec<String>,
    rows: Vec<(Vec<String>, usize)>,
}

/// The cells of every table (deduplicated by inner set), and the hidden complements along each
/// hierarchy edge.
fn lay_out_tables(
    spec: &RawSpec,
    grid: &Grid,
    set: &mut CellSet,
    complements: &mut Vec<Vec<usize>>,
    spec_path: &Path,
) -> Result<Vec<Layout>> {
    let mut tables = Vec::new();
    for t in &spec.tables {
        let t_fail =
            |m: String| Error::Spec { path: spec_path.to_path_buf(), message: format!("table `{}`: {m}", t.name) };
        if let Some(dim) = t.hierarchies.keys().find(|dim| !spec.dimensions.iter().any(|d| &d.name == *dim)) {
            return Err(t_fail(format!("unknown dimension `{dim}`")));
        }
        let mut node_lists: Vec<(usize, Vec<Node>)> = Vec::new();
        for (d, dim) in spec.dimensions.iter().enumerate() {
            if let Some(h_name) = t.hierarchies.get(&dim.name) {
                let h = if h_name == "flat" {
                    None
                } else {
                    Some(
                        dim.hierarchies
                            .iter()
                            .find(|h| &h.name == h_name)
                            .ok_or_else(|| t_fail(format!("dimension `{}` has no hierarchy `{h_name}`", dim.name)))?,
                    )
                };
                node_lists.push((d, hierarchy_nodes(&grid.leaves[d], h, &|m| t_fail(m))?));
            }
        }
        let mut coords: Vec<Vec<usize>> = vec![Vec::new()];
        for (_, nodes) in &node_lists {
            coords = coords.iter().flat_map(|c| (0..nodes.len()).map(move |n| [c.clone(), vec![n]].concat())).collect();
        }
        let allowed_for = |coord: &[usize]| -> Vec<Vec<usize>> {
            (0..spec.dimensions.len())
                .map(|d| match node_lists.iter().position(|(nd, _)| *nd == d) {
                    Some(k) => node_lists[k].1[coord[k]].leaves.clone(),
                    None => (0..grid.radix[d]).collect(),
                })
                .collect()
        };
        let mut rows = Vec::new();
        for coord in &coords {
            let inner = grid.inner_set(&allowed_for(coord));
            let cell = set.intern(inner.clone(), true);
            rows.push((coord.iter().enumerate().map(|(k, n)| node_lists[k].1[*n].code.clone()).collect(), cell));
            for (k, (_, nodes)) in node_lists.iter().enumerate() {
                if let Some(parent) = nodes[coord[k]].parent {
                    let mut pc = coord.clone();
                    pc[k] = parent;
                    let diff: Vec<usize> = grid
                        .inner_set(&allowed_for(&pc))
                        .into_iter()
                        .filter(|i| inner.binary_search(i).is_err())
                        .collect();
                    if !diff.is_empty() {
                        complements.push(diff);
                    }
                }
            }
        }
        tables.push(Layout {
            name: t.name.clone(),
            dimensions: node_lists.iter().map(|(d, _)| spec.dimensions[*d].name.clone()).collect(),
            rows,
        });
    }
    Ok(tables)
}

/// Protect the tables of `spec_path` over the counts in `input` with `method`. Nothing is
/// written: the result holds the protected tables and, apart, the private log and model.
pub fn protect(input: &Path, spec_path: &Path, method: system::Method) -> Result<SpecRelease> {
    let (spec, policy) = load_spec(spec_path)?;
    let records = read_cells(input, &spec)?;
    let grid = Grid::new(&spec, &records, spec_path, input)?;
    let mut set = CellSet::default();
    let mut complements: Vec<Vec<usize>> = Vec::new();
    let layouts = lay_out_tables(&spec, &grid, &mut set, &mut complements, spec_path)?;
    // Earlier releases: each published count bounds its cell; differences between an earlier
    // figure and a cell of this release that nests with it are hidden complements.
    let spec_dir = spec_path.parent().unwrap_or_else(|| Path::new("."));
    let mut earlier_cells: Vec<usize> = Vec::new();
    for e in &spec.earlier {
        let path = spec_dir.join(&e.file);
        let inner_set = |allowed: &[Vec<usize>]| grid.inner_set(allowed);
        for (inner, bounds) in earlier::earlier_figures(
            &path,
            e.rounding,
            policy.threshold(),
            &spec,
            &grid.leaves,
            &grid.values,
            &inner_set,
        )? {
            let cell = set.intern(inner, false);
            let known = set.cell_mut(cell).earlier.get_or_insert(bounds);
            *known = (known.0.max(bounds.0), known.1.min(bounds.1));
            earlier_cells.push(cell);
        }
    }
    let cells = set.cells();
    complements.extend(system::nested_complements(
        cells,
        &mut earlier_cells,
        grid.values.len(),
        &|c| cells[c].publishable,
        &|_, _| true,
    ));
    for diff in complements {
        set.intern(diff, false);
    }
    let cells = set.into_cells();
    let outcome = super::protection::protect_system_with(&grid.values, &cells, policy, method).map_err(|m| {
        // Name the table and row of the failing cell, or what kind of count it is.
        let failing = system::failing_cell(&m);
        let row = failing.and_then(|(c, _)| {
            layouts.iter().find_map(|t| t.rows.iter().find(|(_, cell)| *cell == c).map(|(codes, _)| (t, codes)))
        });
        match (failing, row) {
            (Some((_, rest)), Some((t, codes))) => {
                Error::Disclosure { table: t.name.clone(), message: format!("row `{}`: it {rest}", codes.join(", ")) }
            }
            (Some((c, rest)), None) => Error::Disclosure {
                table: spec.tables[0].name.clone(),
                message: format!("{} {rest}", system::hidden_cell_words(&cells[c])),
            },
            _ => Error::Disclosure { table: spec.tables[0].name.clone(), message: m },
        }
    })?;
    let value = |c: &SystemCell| c.inner.iter().map(|&i| grid.values[i]).sum::<u64>();
    let tables = layouts
        .into_iter()
        .map(|t| SpecTable {
            name: t.name,
            dimensions: t.dimensions,
            rows: t
                .rows
                .into_iter()
                .map(|(codes, cell)| SpecRow {
                    codes,
                    value: SafeValue::protected(policy, outcome.status[cell], value(&cells[cell])),
                    cell,
                })
                .collect(),
        })
        .collect();
    Ok(SpecRelease {
        tables,
        log: SpecLog::new(policy, &cells, &outcome),
        model: AuditModel::new(policy, grid.values.len(), &cells, &outcome),
    })
}
