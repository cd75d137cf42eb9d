//! What a release leaves for the next release of its series (`private/series/state.json`),
//! and the checks that an earlier release's folder belongs to the same series.
//!
//! The state holds every count the release published, with its definition in stable codes
//! (table, row code, column, and the bounds a reader knows: exact, or the rounding interval),
//! the release's inner cells with their true counts, and what the series must share: area,
//! policy, agencies, data contract and ethnicity mapping (by hash), and the period. It is private
//! (it holds true small counts), never published, and the manifest hashes it like every output.
//!
//! Owns: the state's format and the series checks. May not touch: files it writes (the private
//! writer writes it) or protection (the next release protects itself together with the figures
//! read from here).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Policy, ProtectedRelease};
use crate::domain::Agency;
use crate::error::{Error, Result};
use crate::tables::{CellKey, InnerCell, Scope};

/// Format of the state file; a release refuses a state of another format.
pub const STATE_FORMAT: u32 = 2;

/// Where the state sits inside an output folder, and how the manifest lists it.
pub const STATE_FILE: &str = "private/series/state.json";

/// What every release of a series must share, and its period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesHeader {
    /// ONS code of the area.
    pub area_code: String,
    /// The disclosure policy's name.
    pub policy: String,
    /// The agency lists, in list order.
    pub agencies: Vec<String>,
    /// SHA-256 of the data contract.
    pub contract_sha256: String,
    /// SHA-256 of the ethnicity code mapping.
    pub ethnicity_codes_sha256: String,
    /// First day of the period (ISO).
    pub period_from: String,
    /// Last day of the period (ISO).
    pub period_to: String,
}

/// A count a release published, defined in stable codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    /// The table (file stem of its open-data CSV).
    pub table: String,
    /// The row's category code.
    pub code: String,
    /// The column.
    pub column: String,
    /// The value as published.
    pub published: u64,
    /// What a reader knows of the true count from it: exact, or the rounding interval.
    pub bounds: (u64, u64),
}

/// An inner cell of the release with its true count (private).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCell {
    /// The classification.
    #[serde(flatten)]
    pub key: CellKey,
    /// True number of children.
    pub children: u64,
}

/// The state of one release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseState {
    /// [`STATE_FORMAT`].
    pub format: u32,
    /// What the series shares, and the period.
    pub header: SeriesHeader,
    /// Every count the release published that is a sum of inner cells, once (where it is first
    /// shown).
    pub figures: Vec<Figure>,
    /// The inner cells with their true counts.
    pub inner_cells: Vec<StateCell>,
    /// SHA-256 of the states of the earlier releases it was protected with: a later release
    /// must be protected with them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<String>,
}

/// An earlier release of the series, read and checked ([`ReleaseState::load_earlier`]).
#[derive(Debug, Clone)]
pub struct EarlierState {
    /// Its output folder.
    pub dir: PathBuf,
    /// SHA-256 of its state file (as its manifest lists it).
    pub sha256: String,
    /// The state.
    pub state: ReleaseState,
}

impl EarlierState {
    /// Its state file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// Its inner cells with their true counts.
    pub fn cells(&self) -> Vec<InnerCell> {
        self.state
            .inner_cells
            .iter()
            .map(|c| InnerCell { key: c.key.clone(), children: crate::domain::RawCount::new(c.children) })
            .collect()
    }

    /// What it covers: its calendar years and agency lists.
    pub fn scope(&self) -> Result<Scope> {
        let refuse = |field: &str| Error::InputRefused {
            path: self.path(),
            message: format!("field `header.{field}` is not valid"),
        };
        let date = |text: &str, field: &str| crate::domain::date::Date::parse_iso(text).ok_or_else(|| refuse(field));
        let agencies = self
            .state
            .header
            .agencies
            .iter()
            .map(|a| Agency::from_code(a).ok_or_else(|| refuse("agencies")))
            .collect::<Result<Vec<Agency>>>()?;
        Ok(Scope::new(
            date(&self.state.header.period_from, "period_from")?,
            date(&self.state.header.period_to, "period_to")?,
            agencies,
        ))
    }
}

/// Most earlier releases a release is protected with (a series of 24 yearly releases fits).
pub const MAX_EARLIER: usize = 30;

/// Check that a set of earlier releases can be protected with: in series order, one per
/// period, and each holding every release it was itself protected with (else the figures of a
/// release not given would be unknown to this release's protection). Returns them sorted.
pub fn check_earlier(mut earlier: Vec<EarlierState>) -> Result<Vec<EarlierState>> {
    if earlier.len() > MAX_EARLIER {
        return Err(Error::usage(format!(
            "{} earlier releases given; a release is protected with at most {MAX_EARLIER}",
            earlier.len()
        )));
    }
    earlier.sort_by(|a, b| a.state.header.period_to.cmp(&b.state.header.period_to));
    for pair in earlier.windows(2) {
        if pair[0].state.header.period_to == pair[1].state.header.period_to {
            return Err(Error::InputRefused {
                path: pair[1].path(),
                message: format!(
                    "field `header.period_to`: {} is also the period of {}; give each earlier release once",
                    pair[1].state.header.period_to,
                    pair[0].path().display()
                ),
            });
        }
    }
    for e in &earlier {
        if let Some(missing) = e.state.earlier.iter().find(|h| !earlier.iter().any(|o| &o.sha256 == *h)) {
            return Err(Error::InputRefused {
                path: e.path(),
                message: format!(
                    "field `earlier`: this release was protected together with an earlier one (state SHA-256 \
                     {}…) that is not given; add --earlier for it",
                    &missing[..missing.len().min(12)]
                ),
            });
        }
    }
    Ok(earlier)
}

/// What a reader knows of a count published as `shown` under `policy`.
fn known_bounds(policy: Policy, shown: u64) -> (u64, u64) {
    match policy.rounding_base() {
        Some(b) if shown > 0 => (shown.saturating_sub(b / 2), shown + b / 2),
        _ => (shown, shown),
    }
}

impl ReleaseState {
    /// The state of a protected release over its inner cells.
    pub fn new(header: SeriesHeader, release: &ProtectedRelease, cells: &[InnerCell]) -> ReleaseState {
        let policy = release.policy();
        let mut figures = Vec::new();
        // Each count once, where it is first shown (the estimate and community tables repeat
        // counts of the count tables, and are defined by them).
        let mut seen = std::collections::HashSet::new();
        for table in release.tables() {
            for &(row, column, cell) in table.count_cells() {
                let Some(shown) = table.rows()[row].values[column].as_count() else { continue };
                if !seen.insert(cell) {
                    continue;
                }
                figures.push(Figure {
                    table: table.name().to_string(),
                    code: table.rows()[row].category.0.clone(),
                    column: table.indicators()[column].col_name.clone(),
                    published: shown,
                    bounds: known_bounds(policy, shown),
                });
            }
        }
        let inner_cells = cells.iter().map(|c| StateCell { key: c.key.clone(), children: c.children.get() }).collect();
        ReleaseState { format: STATE_FORMAT, header, figures, inner_cells, earlier: Vec::new() }
    }

    /// Read the state of the earlier release in output folder `dir`, refusing, with the file and
    /// what differs: a folder without a state or a manifest, a state that fails its manifest
    /// hash or has another format, and one that is not of the same series as `current` (area,
    /// policy, agencies, contract, ethnicity mapping) or not earlier (its period must end before
    /// the current one does).
    pub fn load_earlier(dir: &Path, current: &SeriesHeader) -> Result<EarlierState> {
        let path = dir.join(STATE_FILE);
        let refuse = |file: PathBuf, message: String| Error::InputRefused { path: file, message };
        let manifest_path = dir.join("private").join("manifest.json");
        let manifest: serde_json::Value =
            std::fs::read(&manifest_path).ok().and_then(|b| serde_json::from_slice(&b).ok()).ok_or_else(|| {
                refuse(manifest_path.clone(), "no readable manifest: not the output of `safestat run`".into())
            })?;
        let listed = manifest["outputs"]
            .as_array()
            .and_then(|o| o.iter().find(|e| e["file"] == STATE_FILE))
            .and_then(|e| e["sha256"].as_str().map(str::to_string))
            .ok_or_else(|| {
                refuse(manifest_path.clone(), format!("lists no `{STATE_FILE}`: made before series support"))
            })?;
        if !path.exists() {
            return Err(refuse(path, "is missing: the earlier release's state is needed".into()));
        }
        if crate::files::sha256_file(&path)? != listed {
            return Err(refuse(path, "differs from the hash in its manifest: it was changed after the release".into()));
        }
        let bytes = std::fs::read(&path).map_err(|e| Error::io("cannot read", &path, e))?;
        let state: ReleaseState = serde_json::from_slice(&bytes)
            .map_err(|_| refuse(path.clone(), format!("is not a release state of format {STATE_FORMAT}")))?;
        if state.format != STATE_FORMAT {
            return Err(refuse(path, format!("field `format`: {} (this safestat reads {STATE_FORMAT})", state.format)));
        }
        let max = crate::domain::count::MAX_COUNT;
        if let Some(i) = state.inner_cells.iter().position(|c| c.children > max) {
            return Err(refuse(path, format!("field `inner_cells[{i}].children`: above the largest count accepted")));
        }
        if let Some(i) = state.figures.iter().position(|f| f.published > max || f.bounds.1 > max) {
            return Err(refuse(path, format!("field `figures[{i}]`: above the largest count accepted")));
        }
        let (earlier, now) = (&state.header, current);
        let differs = [
            ("area_code", earlier.area_code == now.area_code),
            ("policy", earlier.policy == now.policy),
            ("agencies", earlier.agencies == now.agencies),
            ("contract_sha256", earlier.contract_sha256 == now.contract_sha256),
            ("ethnicity_codes_sha256", earlier.ethnicity_codes_sha256 == now.ethnicity_codes_sha256),
        ];
        if let Some((field, _)) = differs.iter().find(|(_, same)| !same) {
            return Err(refuse(path, format!("field `header.{field}` differs from this release: not the same series")));
        }
        if earlier.period_to >= now.period_to || earlier.period_from > now.period_from {
            return Err(refuse(
                path,
                "field `header.period_to`: the earlier release must end before this one and start no later".into(),
            ));
        }
        Ok(EarlierState { dir: dir.to_path_buf(), sha256: listed, state })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rounded_figure_is_known_to_its_rounding_interval() {
        assert_eq!(known_bounds(Policy::Health, 15), (13, 17));
        assert_eq!(known_bounds(Policy::Health, 0), (0, 0));
        assert_eq!(known_bounds(Policy::UkChildren, 12), (12, 12));
    }
}
