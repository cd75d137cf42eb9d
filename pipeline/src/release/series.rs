//! The series stage of `run`: the earlier releases given (`--earlier`, `[[earlier]]`) read and
//! checked, their datasets and the current one linked child by child in the engine, and the
//! link handed to disclosure control. Each step is a call into the room that owns it.
//!
//! Owns: the order of those steps and their refusals' file names. May not touch: any step's work.

use std::path::Path;

use crate::config::Config;
use crate::disclosure::linked::{EarlierRelease, Linked};
use crate::disclosure::series::{EarlierState, ReleaseState, check_earlier};
use crate::engine::queries::Query;
use crate::engine::series::EarlierDataset;
use crate::error::{Error, Result};
use crate::tables::{self, Catalogue, InnerCell};
use crate::{engine, ingest, log};

/// The earlier releases and their link to this one.
pub struct Series {
    /// The earlier releases, in series order.
    pub earlier: Vec<EarlierState>,
    /// The joint system's variables.
    pub linked: Linked,
    /// The series query (for the manifest).
    pub query: Query,
}

/// Read the earlier releases of `config` and link them to this release (`catalogue` over
/// `cells`); `None` without earlier releases. `out` is this release's output folder (an earlier
/// release may not be it) and `scratch` the engine's scratch folder of this run.
pub fn link(
    config: &Config,
    out: &Path,
    scratch: &Path,
    cells: &[InnerCell],
    catalogue: &Catalogue,
) -> Result<Option<Series>> {
    if config.earlier.is_empty() {
        return Ok(None);
    }
    let header = super::series_header(config);
    let same = |a: &Path, b: &Path| {
        std::fs::canonicalize(a).ok().zip(std::fs::canonicalize(b).ok()).is_some_and(|(a, b)| a == b)
    };
    let mut states = Vec::new();
    for dir in &config.earlier {
        if same(dir, out) {
            return Err(Error::InputRefused {
                path: dir.clone(),
                message: "is this release's own output folder; an earlier release must have a folder of its own".into(),
            });
        }
        states.push(ReleaseState::load_earlier(dir, &header)?);
    }
    let earlier = check_earlier(states)?;
    let mut datasets = Vec::new();
    for e in &earlier {
        let dataset_dir = ingest::dataset_dir(&e.dir.join("private"));
        if !dataset_dir.is_dir() {
            return Err(Error::InputRefused {
                path: dataset_dir,
                message: "is missing: the earlier release's dataset is needed to link its children".into(),
            });
        }
        let date = |text: &str| {
            crate::domain::date::Date::parse_iso(text).ok_or_else(|| Error::InputRefused {
                path: e.path(),
                message: "field `header.period_from` or `header.period_to` is not a date".into(),
            })
        };
        datasets.push(EarlierDataset {
            dataset_dir,
            period: (date(&e.state.header.period_from)?, date(&e.state.header.period_to)?),
        });
    }
    let (query, table) = engine::series::transitions(&config.engine, &datasets, scratch)?;
    let earlier_cells: Vec<Vec<InnerCell>> = earlier.iter().map(EarlierState::cells).collect();
    let keys: Vec<Vec<tables::CellKey>> = earlier_cells
        .iter()
        .map(|c| c.iter().map(|c| c.key.clone()).collect())
        .chain([cells.iter().map(|c| c.key.clone()).collect()])
        .collect();
    let key_refs: Vec<&[tables::CellKey]> = keys.iter().map(Vec::as_slice).collect();
    let transitions = tables::inner::decode_transitions(&table, &key_refs)?;
    let releases = earlier
        .iter()
        .zip(&earlier_cells)
        .map(|(e, cells)| {
            let scope = e.scope()?;
            Ok(EarlierRelease {
                catalogue: tables::counts_catalogue(&scope, cells),
                figures: e.state.figures.clone(),
                label: tables::period_label(scope.from_year, scope.to_year),
            })
        })
        .collect::<Result<Vec<EarlierRelease>>>()?;
    let linked = Linked::series(&transitions, catalogue, releases).map_err(|r| match earlier.get(r) {
        Some(e) => Error::InputRefused {
            path: ingest::dataset_dir(&e.dir.join("private")),
            message: "does not reproduce the inner cells of its release's state: not the dataset of that release"
                .into(),
        },
        None => {
            Error::Query { query: query.name.into(), message: "does not reproduce this release's inner cells".into() }
        }
    })?;
    log::info(
        "series",
        format_args!("{} earlier releases linked: {} transitions", earlier.len(), transitions.children.len()),
    );
    Ok(Some(Series { earlier, linked, query }))
}
