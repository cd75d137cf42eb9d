//! `safestat protect` and `safestat audit`: disclosure control for any count table an analyst
//! wants to publish, with every table of a spec protected jointly, and an audit that re-checks a
//! finished output from its published files and private model alone.
//!
//! Layout of an output folder: `<table>.csv` (one column per dimension, then `count`: a number
//! or `c`), `private/disclosure-log.json` (rules, counts per rule, audited intervals, witness
//! hashes) and `private/audit/model.json` (the cell structure, the primaries' true values and
//! their witness tables; never published).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::disclosure::Policy;
use crate::disclosure::certificate::{self, AuditModel};
use crate::disclosure::system::{self, Status, SystemCell};
use crate::error::{Error, Result};
use crate::output::ees::spreadsheet_safe;

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

/// A node of a hierarchy: its code, the leaf indices it covers, and its parent node.
#[derive(Debug, Clone)]
struct Node {
    code: String,
    leaves: Vec<usize>,
    parent: Option<usize>,
}

/// The leaf indices of group `g`, resolving groups that name groups; cycles are errors.
fn resolve(
    g: &str,
    h: &RawHierarchy,
    leaves: &[String],
    resolved: &mut HashMap<String, Vec<usize>>,
    stack: &mut Vec<String>,
    fail: &dyn Fn(String) -> Error,
) -> Result<Vec<usize>> {
    if let Some(r) = resolved.get(g) {
        return Ok(r.clone());
    }
    if stack.iter().any(|s| s == g) {
        return Err(fail(format!("hierarchy `{}`: groups form a cycle through `{g}`", h.name)));
    }
    stack.push(g.to_string());
    let mut out = Vec::new();
    for member in &h.groups[g] {
        if let Some(i) = leaves.iter().position(|l| l == member) {
            out.push(i);
        } else if h.groups.contains_key(member) {
            out.extend(resolve(member, h, leaves, resolved, stack, fail)?);
        } else {
            return Err(fail(format!(
                "hierarchy `{}`: group `{g}` names `{member}`, which is neither a leaf nor a group",
                h.name
            )));
        }
    }
    stack.pop();
    out.sort_unstable();
    out.dedup();
    resolved.insert(g.to_string(), out.clone());
    Ok(out)
}

/// The nodes of one hierarchy, in publication order: leaves, groups (by name), total.
fn hierarchy_nodes(leaves: &[String], h: Option<&RawHierarchy>, fail: &dyn Fn(String) -> Error) -> Result<Vec<Node>> {
    let mut nodes: Vec<Node> =
        leaves.iter().enumerate().map(|(i, l)| Node { code: l.clone(), leaves: vec![i], parent: None }).collect();
    let total_code = h.map_or_else(default_total, |h| h.total.clone());
    if let Some(h) = h {
        let names: Vec<&String> = h.groups.keys().collect();
        for g in &names {
            if leaves.contains(g) || **g == total_code {
                return Err(fail(format!("hierarchy `{}`: group `{g}` has the name of a leaf or the total", h.name)));
            }
        }
        // Resolve groups (which may name groups) without cycles.
        let mut resolved: HashMap<String, Vec<usize>> = HashMap::new();
        for g in &names {
            let set = resolve(g, h, leaves, &mut resolved, &mut Vec::new(), fail)?;
            nodes.push(Node { code: (*g).clone(), leaves: set, parent: None });
        }
        // Parent: the group that lists a node directly.
        for (g, members) in &h.groups {
            let gi = nodes.iter().position(|n| &n.code == g).expect("group node exists");
            for m in members {
                if let Some(mi) = nodes.iter().position(|n| &n.code == m) {
                    nodes[mi].parent = Some(gi);
                }
            }
        }
    }
    let total = nodes.len();
    nodes.push(Node { code: total_code, leaves: (0..leaves.len()).collect(), parent: None });
    for n in nodes.iter_mut().take(total) {
        if n.parent.is_none() {
            n.parent = Some(total);
        }
    }
    Ok(nodes)
}

/// One published row of a table: its node codes and its system cell.
#[derive(Debug, Clone)]
struct TableRow {
    codes: Vec<String>,
    cell: usize,
}

/// A table of the spec: its dimensions and rows.
#[derive(Debug, Clone)]
struct TableModel {
    name: String,
    dimensions: Vec<String>,
    rows: Vec<TableRow>,
}

/// What `protect` reports.
#[derive(Debug, Clone)]
pub struct ProtectSummary {
    /// Published cells across all tables.
    pub cells: usize,
    /// Withheld cells (primary, secondary, repair).
    pub withheld: usize,
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

/// A count an earlier release published: the inner cells it sums and the bounds it puts on them.
type EarlierFigure = (Vec<usize>, (i64, i64));

/// The figures of one earlier release file: per row with a count, its inner cells and the
/// bounds the count puts on them. Codes are any node of the dimension's hierarchies (a leaf, a
/// group, a total); a dimension without a column is summed over.
fn earlier_figures(
    path: &Path,
    rounding: Option<u64>,
    threshold: u64,
    spec: &RawSpec,
    leaves: &[Vec<String>],
    inner_values: &[u64],
    inner_set: &dyn Fn(&[Vec<usize>]) -> Vec<usize>,
) -> Result<Vec<EarlierFigure>> {
    let fail = |message: String| Error::InputRefused { path: path.to_path_buf(), message };
    if rounding == Some(0) {
        return Err(fail("`rounding` in the spec must be 1 or more".into()));
    }
    // Node code -> leaves, per dimension, over every hierarchy (and "flat").
    let mut codes: Vec<HashMap<String, Option<Vec<usize>>>> = Vec::new();
    for (d, dim) in spec.dimensions.iter().enumerate() {
        let mut map: HashMap<String, Option<Vec<usize>>> = HashMap::new();
        let flat = hierarchy_nodes(&leaves[d], None, &|m| fail(m))?;
        let mut nodes = flat;
        for h in &dim.hierarchies {
            nodes.extend(hierarchy_nodes(&leaves[d], Some(h), &|m| fail(m))?);
        }
        for n in nodes {
            // A code two hierarchies use for different leaves is ambiguous (`None`).
            let entry = map.entry(n.code).or_insert_with(|| Some(n.leaves.clone()));
            if entry.as_ref().is_some_and(|l| *l != n.leaves) {
                *entry = None;
            }
        }
        codes.push(map);
    }
    let (mut reader, header) = open_csv(path, &fail)?;
    let count_col =
        header.iter().position(|h| h == "count").ok_or_else(|| fail("required column `count` is missing".into()))?;
    let mut dim_cols: Vec<Option<usize>> = vec![None; spec.dimensions.len()];
    for (k, h) in header.iter().enumerate().filter(|(k, _)| *k != count_col) {
        let d = spec
            .dimensions
            .iter()
            .position(|d| &d.name == h)
            .ok_or_else(|| fail(format!("column `{h}` is not a dimension of the spec")))?;
        dim_cols[d] = Some(k);
    }
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|_| fail(format!("line {line}: not a valid CSV row")))?;
        let shown = record.get(count_col).unwrap_or_default().trim();
        if ["c", "x", "z", "u", "low"].contains(&shown) {
            continue; // withheld or not a count: tells nothing
        }
        let n: u64 = shown
            .parse()
            .map_err(|_| fail(format!("line {line}, field `count`: neither a whole number nor c, x, z, u or low")))?;
        let mut allowed: Vec<Vec<usize>> = Vec::new();
        for (d, dim) in spec.dimensions.iter().enumerate() {
            allowed.push(match dim_cols[d] {
                None => (0..leaves[d].len()).collect(),
                Some(k) => {
                    let code = record.get(k).unwrap_or_default().trim();
                    match codes[d].get(code) {
                        Some(Some(l)) => l.clone(),
                        Some(None) => {
                            return Err(fail(format!(
                                "line {line}, field `{}`: the code names different groups in two hierarchies",
                                dim.name
                            )));
                        }
                        None => {
                            return Err(fail(format!(
                                "line {line}, field `{}`: not a leaf, group or total of the dimension",
                                dim.name
                            )));
                        }
                    }
                }
            });
        }
        let inner = inner_set(&allowed);
        let n = i64::try_from(n).map_err(|_| fail(format!("line {line}, field `count`: too large")))?;
        // Rounded half up to a multiple of b: n covers n - b/2 ..= n - b/2 + b - 1 (0 is 0).
        let bounds = match rounding {
            Some(b) if b > 1 && n > 0 => {
                let b = i64::try_from(b).map_err(|_| fail("`rounding` is too large".into()))?;
                ((n - b / 2).max(0), n - b / 2 + b - 1)
            }
            _ => (n, n),
        };
        if bounds.0 == bounds.1 && (1..=threshold).contains(&n.unsigned_abs()) {
            return Err(fail(format!(
                "line {line}, field `count`: a count in 1..{threshold} that is already public; this release \
                 cannot protect it"
            )));
        }
        let truth = inner.iter().map(|&x| inner_values[x]).sum::<u64>();
        if !(bounds.0..=bounds.1).contains(&i64::try_from(truth).unwrap_or(i64::MAX)) {
            return Err(fail(format!(
                "line {line}, field `count`: does not agree with the counts it covers in this input; an \
                 earlier release must describe the same population"
            )));
        }
        out.push((inner, bounds));
    }
    Ok(out)
}

/// Protect the tables of `spec` over the counts in `input` with `method`, writing into `out`.
pub fn protect(input: &Path, spec_path: &Path, out: &Path, method: system::Method) -> Result<ProtectSummary> {
    let spec_fail = |message: String| Error::Config { path: spec_path.to_path_buf(), message };
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

    // Cells file: one column per dimension plus `count`.
    let in_fail = |message: String| Error::InputRefused { path: input.to_path_buf(), message };
    let (mut reader, header) = open_csv(input, &in_fail)?;
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| in_fail(format!("required column `{name}` is missing")))
    };
    let dim_cols: Vec<usize> = spec.dimensions.iter().map(|d| column(&d.name)).collect::<Result<_>>()?;
    let count_col = column("count")?;
    let mut records: Vec<(Vec<String>, u64)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|_| in_fail(format!("line {line}: not a valid CSV row")))?;
        let count: u64 = record
            .get(count_col)
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| in_fail(format!("line {line}, field `count`: not a whole number >= 0")))?;
        let codes: Vec<String> =
            dim_cols.iter().map(|&c| record.get(c).unwrap_or_default().trim().to_string()).collect();
        if let Some((d, _)) = codes.iter().enumerate().find(|(_, c)| c.is_empty()) {
            return Err(in_fail(format!("line {line}, field `{}`: empty", spec.dimensions[d].name)));
        }
        records.push((codes, count));
    }

    // Leaves per dimension: codes in the file and leaves named by groups.
    let mut leaves: Vec<Vec<String>> = vec![Vec::new(); spec.dimensions.len()];
    for (d, dim) in spec.dimensions.iter().enumerate() {
        let mut set: HashSet<String> = records.iter().map(|r| r.0[d].clone()).collect();
        for h in &dim.hierarchies {
            for members in h.groups.values() {
                for m in members {
                    if !h.groups.contains_key(m) {
                        set.insert(m.clone());
                    }
                }
            }
        }
        let mut sorted: Vec<String> = set.into_iter().collect();
        sorted.sort();
        leaves[d] = sorted;
    }
    let radix: Vec<usize> = leaves.iter().map(Vec::len).collect();
    let inner_count: usize = radix.iter().product();
    if inner_count > 2_000_000 {
        return Err(spec_fail(format!("the cross-classification has {inner_count} inner cells; at most 2,000,000")));
    }
    let mut inner_values = vec![0u64; inner_count];
    for (codes, count) in &records {
        let index = codes
            .iter()
            .enumerate()
            .fold(0, |acc, (d, c)| acc * radix[d] + leaves[d].iter().position(|l| l == c).expect("leaf"));
        inner_values[index] += count;
    }

    // Cells of every table, deduplicated by inner set; hidden complements along each hierarchy edge.
    let mut cells: Vec<SystemCell> = Vec::new();
    let mut by_set: HashMap<Vec<usize>, usize> = HashMap::new();
    let mut intern = |inner: Vec<usize>, publishable: bool, cells: &mut Vec<SystemCell>| -> usize {
        if let Some(&i) = by_set.get(&inner) {
            if publishable {
                cells[i].publishable = true;
            }
            return i;
        }
        cells.push(SystemCell { inner: inner.clone(), publishable, earlier: None });
        by_set.insert(inner, cells.len() - 1);
        cells.len() - 1
    };
    let inner_set = |allowed: &[Vec<usize>]| -> Vec<usize> {
        let mut out = vec![0usize];
        for (d, leaves_allowed) in allowed.iter().enumerate() {
            let r = radix[d];
            out = out.iter().flat_map(|&base| leaves_allowed.iter().map(move |&l| base * r + l)).collect();
        }
        out.sort_unstable();
        out
    };
    let mut tables: Vec<TableModel> = Vec::new();
    let mut complements: Vec<Vec<usize>> = Vec::new();
    for t in &spec.tables {
        let t_fail = |m: String| spec_fail(format!("table `{}`: {m}", t.name));
        for dim in t.hierarchies.keys() {
            if !spec.dimensions.iter().any(|d| &d.name == dim) {
                return Err(t_fail(format!("unknown dimension `{dim}`")));
            }
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
                node_lists.push((d, hierarchy_nodes(&leaves[d], h, &|m| t_fail(m))?));
            }
        }
        let mut rows = Vec::new();
        let mut coords: Vec<Vec<usize>> = vec![Vec::new()];
        for (_, nodes) in &node_lists {
            coords = coords.iter().flat_map(|c| (0..nodes.len()).map(move |n| [c.clone(), vec![n]].concat())).collect();
        }
        let allowed_for = |coord: &[usize]| -> Vec<Vec<usize>> {
            (0..spec.dimensions.len())
                .map(|d| match node_lists.iter().position(|(nd, _)| *nd == d) {
                    Some(k) => node_lists[k].1[coord[k]].leaves.clone(),
                    None => (0..radix[d]).collect(),
                })
                .collect()
        };
        for coord in &coords {
            let inner = inner_set(&allowed_for(coord));
            let cell = intern(inner.clone(), true, &mut cells);
            rows.push(TableRow {
                codes: coord.iter().enumerate().map(|(k, n)| node_lists[k].1[*n].code.clone()).collect(),
                cell,
            });
            for (k, (_, nodes)) in node_lists.iter().enumerate() {
                if let Some(parent) = nodes[coord[k]].parent {
                    let mut pc = coord.clone();
                    pc[k] = parent;
                    let parent_inner = inner_set(&allowed_for(&pc));
                    let diff: Vec<usize> =
                        parent_inner.into_iter().filter(|i| inner.binary_search(i).is_err()).collect();
                    if !diff.is_empty() {
                        complements.push(diff);
                    }
                }
            }
        }
        tables.push(TableModel {
            name: t.name.clone(),
            dimensions: node_lists.iter().map(|(d, _)| spec.dimensions[*d].name.clone()).collect(),
            rows,
        });
    }
    // Earlier releases: each published count bounds its cell; differences between an earlier
    // figure and a cell of this release that nests with it are hidden complements.
    let spec_dir = spec_path.parent().unwrap_or_else(|| Path::new("."));
    let mut earlier_cells: Vec<usize> = Vec::new();
    for e in &spec.earlier {
        let path = spec_dir.join(&e.file);
        for (inner, bounds) in
            earlier_figures(&path, e.rounding, policy.threshold(), &spec, &leaves, &inner_values, &inner_set)?
        {
            let cell = intern(inner, false, &mut cells);
            let known = cells[cell].earlier.get_or_insert(bounds);
            *known = (known.0.max(bounds.0), known.1.min(bounds.1));
            earlier_cells.push(cell);
        }
    }
    earlier_cells.sort_unstable();
    earlier_cells.dedup();
    // Cells of this release that nest with an earlier figure, found through the publishable
    // cells holding each inner cell (no scan of every pair).
    let mut holding: Vec<Vec<usize>> = vec![Vec::new(); inner_count];
    for (c, cell) in cells.iter().enumerate().filter(|(_, c)| c.publishable) {
        for &i in &cell.inner {
            holding[i].push(c);
        }
    }
    for &e in &earlier_cells {
        let inner = &cells[e].inner;
        // Inside the earlier figure: every inner cell of c is in e.
        let mut hits: HashMap<usize, usize> = HashMap::new();
        for &i in inner {
            for &c in &holding[i] {
                *hits.entry(c).or_insert(0) += 1;
            }
        }
        let mut nested: Vec<(usize, usize)> = hits
            .into_iter()
            .filter(|&(c, n)| c != e && n == cells[c].inner.len() && n < inner.len())
            .map(|(c, _)| (c, e))
            .collect();
        // Around it: c holds the first inner cell of e, and all of them.
        if let Some(&first) = inner.first() {
            nested.extend(
                holding[first]
                    .iter()
                    .filter(|&&c| {
                        c != e
                            && cells[c].inner.len() > inner.len()
                            && inner.iter().all(|i| cells[c].inner.binary_search(i).is_ok())
                    })
                    .map(|&c| (e, c)),
            );
        }
        nested.sort_unstable();
        for (small, large) in nested {
            let (small, large) = (&cells[small].inner, &cells[large].inner);
            complements.push(large.iter().copied().filter(|i| small.binary_search(i).is_err()).collect());
        }
    }
    for diff in complements {
        intern(diff, false, &mut cells);
    }

    let outcome = system::protect_system_with(&inner_values, &cells, policy, method)
        .map_err(|m| Error::Disclosure { table: spec.tables[0].name.clone(), message: m })?;
    let values: Vec<u64> = cells.iter().map(|c| c.inner.iter().map(|&i| inner_values[i]).sum()).collect();

    // Everything is written into a staging folder beside `out`, which then replaces it whole:
    // `out` never holds a half-written output.
    let summary = ProtectSummary {
        cells: cells.iter().filter(|c| c.publishable).count(),
        withheld: outcome.status.iter().zip(&cells).filter(|(s, c)| c.publishable && **s != Status::Published).count(),
    };
    replace_atomically(out, |staging| write_output(staging, policy, &tables, &cells, &values, &outcome, inner_count))?;
    Ok(summary)
}

/// Run `write` on a fresh staging folder beside `out`, then put it in place of `out` (an earlier
/// `protect` output there is replaced; any other non-empty folder is refused). On failure the
/// staging folder is removed and `out` is left as it was.
fn replace_atomically(out: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let refuse = |message: &str| Error::Config { path: out.to_path_buf(), message: message.into() };
    if out.exists() {
        let empty = std::fs::read_dir(out).map_err(|e| Error::io("cannot list", out, e))?.next().is_none();
        if !empty && !certificate::model_path(out).exists() {
            return Err(refuse("the output folder holds other files; name a new folder or an earlier protect output"));
        }
    }
    let name = out.file_name().ok_or_else(|| refuse("the output folder needs a name"))?.to_string_lossy();
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    let staging = parent.join(format!(".{name}.safestat-staging-{}", std::process::id()));
    let trash = parent.join(format!(".{name}.safestat-old-{}", std::process::id()));
    for dir in [&staging, &trash] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| Error::io("cannot remove", dir, e))?;
        }
    }
    std::fs::create_dir_all(&staging).map_err(|e| Error::io("cannot create", &staging, e))?;
    let swap = write(&staging).and_then(|()| {
        if out.exists() {
            std::fs::rename(out, &trash).map_err(|e| Error::io("cannot move aside", out, e))?;
        }
        std::fs::rename(&staging, out).map_err(|e| Error::io("cannot publish", out, e))
    });
    if swap.is_err() && staging.exists() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    swap?;
    if trash.exists() {
        std::fs::remove_dir_all(&trash).map_err(|e| Error::io("cannot remove", &trash, e))?;
    }
    Ok(())
}

/// The published tables, the private log and the audit model, into `out`.
fn write_output(
    out: &Path,
    policy: Policy,
    tables: &[TableModel],
    cells: &[SystemCell],
    values: &[u64],
    outcome: &system::SystemOutcome,
    inner_count: usize,
) -> Result<()> {
    for t in tables {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        let io = |e: csv::Error| Error::Engine(format!("cannot encode CSV: {e}"));
        let mut header = t.dimensions.clone();
        header.push("count".into());
        w.write_record(&header).map_err(io)?;
        for row in &t.rows {
            let mut record: Vec<String> = row.codes.iter().map(|c| spreadsheet_safe(c)).collect();
            record.push(if outcome.status[row.cell] == Status::Published {
                policy.round(values[row.cell]).to_string()
            } else {
                "c".into()
            });
            w.write_record(&record).map_err(io)?;
        }
        let bytes = w.into_inner().map_err(|e| Error::Engine(format!("cannot encode CSV: {e}")))?;
        crate::output::write_file(&out.join(format!("{}.csv", t.name)), &bytes)?;
    }
    // Private log and audit model.
    let count = |s: Status| outcome.status.iter().zip(cells).filter(|(x, c)| **x == s && c.publishable).count();
    let log = serde_json::json!({
        "policy": policy.name(),
        "threshold": policy.threshold(),
        "rounding_base": policy.rounding_base(),
        "protection": { "upl": 1, "lpl": 1, "width": policy.threshold() },
        "method": outcome.method.name(),
        "cells": cells.iter().filter(|c| c.publishable).count(),
        "suppressed": { "primary": count(Status::Primary), "secondary": count(Status::Secondary), "interval_repair": count(Status::Repair) },
        "hidden_complements": cells.iter().filter(|c| !c.publishable && c.earlier.is_none()).count(),
        "earlier_figures": cells.iter().filter(|c| c.earlier.is_some()).count(),
        "repair_rounds": outcome.repairs,
        "primaries": outcome.audits.iter().map(|a| serde_json::json!({
            "cell": a.cell,
            "interval": [a.interval.0, a.interval.1],
            "insider_interval": [a.insider_interval.0, a.insider_interval.1],
            "witness_sha256": [crate::output::sha256_bytes(format!("{:?}", a.witnesses.0).as_bytes()), crate::output::sha256_bytes(format!("{:?}", a.witnesses.1).as_bytes())],
        })).collect::<Vec<_>>(),
        "pass": true,
    });
    crate::output::write_json(&out.join("private").join("disclosure-log.json"), &log)?;
    let mut model = AuditModel::new(policy, inner_count, cells, outcome);
    model.tables = tables
        .iter()
        .map(|t| certificate::TableModel {
            file: format!("{}.csv", t.name),
            key_columns: t.dimensions.clone(),
            rows: t
                .rows
                .iter()
                .map(|r| certificate::ModelRow {
                    key: r.codes.iter().map(|c| spreadsheet_safe(c)).collect(),
                    counts: vec![("count".into(), r.cell)],
                })
                .collect(),
        })
        .collect();
    model.write(out)
}
