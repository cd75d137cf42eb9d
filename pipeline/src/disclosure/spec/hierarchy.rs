//! Hierarchies of a spec's dimensions: groups of leaves (which may name groups), resolved
//! without cycles, with each node's parent for the hidden complements along its edges.
//!
//! Owns: resolving hierarchies. May not touch: counts.

use std::collections::HashMap;

use super::{RawHierarchy, default_total};
use crate::error::{Error, Result};

/// A node of a hierarchy: its code, the leaf indices it covers, and its parent node.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) code: String,
    pub(super) leaves: Vec<usize>,
    pub(super) parent: Option<usize>,
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
pub(super) fn hierarchy_nodes(
    leaves: &[String],
    h: Option<&RawHierarchy>,
    fail: &dyn Fn(String) -> Error,
) -> Result<Vec<Node>> {
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
