//! Figures an earlier release published about the same population: known to every reader, so
//! they join the system as constraints, and differences between them and this release's cells
//! are hidden complements.
//!
//! Owns: reading earlier figures of a spec. May not touch: protection.

use std::collections::HashMap;
use std::path::Path;

use super::hierarchy::hierarchy_nodes;
use super::{RawSpec, open_csv};
use crate::error::{Error, Result};

/// A count an earlier release published: the inner cells it sums and the bounds it puts on them.
pub(super) type EarlierFigure = (Vec<usize>, (i64, i64));

/// The figures of one earlier release file: per row with a count, its inner cells and the
/// bounds the count puts on them. Codes are any node of the dimension's hierarchies (a leaf, a
/// group, a total); a dimension without a column is summed over.
pub(super) fn earlier_figures(
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
        let n = crate::domain::count::parse_count(shown).map_err(|why| match why {
            crate::domain::count::CountRefusal::NotWhole => {
                fail(format!("line {line}, field `count`: neither a whole number nor c, x, z, u or low"))
            }
            crate::domain::count::CountRefusal::TooLarge => fail(format!("line {line}, field `count`: {why}")),
        })?;
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
