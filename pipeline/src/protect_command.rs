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

/// Protect the tables of `spec` over the counts in `input`, writing into `out`.
pub fn protect(input: &Path, spec_path: &Path, out: &Path) -> Result<ProtectSummary> {
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
    let mut reader = csv::Reader::from_path(input)
        .map_err(|e| Error::io("cannot read", input, std::io::Error::other(e.to_string())))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|_| in_fail("the header is not readable CSV".into()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
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
        cells.push(SystemCell { inner: inner.clone(), publishable });
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
    for diff in complements {
        intern(diff, false, &mut cells);
    }

    let outcome = system::protect_system(&inner_values, &cells, policy)
        .map_err(|m| Error::Disclosure { table: spec.tables[0].name.clone(), message: m })?;
    let values: Vec<u64> = cells.iter().map(|c| c.inner.iter().map(|&i| inner_values[i]).sum()).collect();

    // Published tables.
    std::fs::create_dir_all(out).map_err(|e| Error::io("cannot create", out, e))?;
    for t in &tables {
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
    let count = |s: Status| outcome.status.iter().zip(&cells).filter(|(x, c)| **x == s && c.publishable).count();
    let log = serde_json::json!({
        "policy": policy.name(),
        "threshold": policy.threshold(),
        "rounding_base": policy.rounding_base(),
        "protection": { "upl": 1, "lpl": 1, "width": policy.threshold() },
        "cells": cells.iter().filter(|c| c.publishable).count(),
        "suppressed": { "primary": count(Status::Primary), "secondary": count(Status::Secondary), "interval_repair": count(Status::Repair) },
        "hidden_complements": cells.iter().filter(|c| !c.publishable).count(),
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
    let mut model = AuditModel::new(policy, inner_count, &cells, &outcome);
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
    model.write(out)?;
    Ok(ProtectSummary {
        cells: cells.iter().filter(|c| c.publishable).count(),
        withheld: outcome.status.iter().zip(&cells).filter(|(s, c)| c.publishable && **s != Status::Published).count(),
    })
}
