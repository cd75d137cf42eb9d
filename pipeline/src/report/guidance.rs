//! The data guidance page (`release/data-guidance.html`): every open-data file and column.
//!
//! Owns: the data guidance page. May not touch: files or raw counts.

use serde::Serialize;

use super::{About, Page, PageBase, engine};
use crate::disclosure::ProtectedRelease;
use crate::error::Result;
use crate::tables::Coverage;

#[derive(Debug, Serialize)]
struct GuidanceColumn {
    name: String,
    kind: String,
    label: String,
    unit: String,
}

#[derive(Debug, Serialize)]
struct GuidanceFile {
    title: String,
    file: String,
    meta: String,
    columns: Vec<GuidanceColumn>,
}

#[derive(Debug, Serialize)]
struct GuidancePage {
    #[serde(flatten)]
    base: PageBase,
    files: Vec<GuidanceFile>,
}

/// One column of an open-data file, as its metadata describes it: (name, type, label, unit).
pub type FileColumn = (String, String, String, String);

/// The data guidance page (`release/data-guidance.html`): every open-data file and column.
/// `files` holds, per table of the release in order, the filter and indicator columns its
/// open-data file has (from the file's metadata as written).
pub fn render(
    about: &About,
    coverage: &Coverage,
    release: &ProtectedRelease,
    files: &[Vec<FileColumn>],
) -> Result<Page> {
    let standard = [
        (
            "time_period",
            "Time",
            format!("The release's reporting year: the last calendar year of the period ({})", coverage.period_label()),
        ),
        ("time_identifier", "Time", "Always \"Reporting year\"".to_string()),
        ("geographic_level", "Geography", "Always \"Local authority\"".to_string()),
        ("country_code", "Geography", "ONS code of the country".to_string()),
        ("country_name", "Geography", "Name of the country".to_string()),
        ("region_code", "Geography", "ONS code of the region (x where the configuration does not give it)".to_string()),
        ("region_name", "Geography", "Name of the region (x where the configuration does not give it)".to_string()),
        ("old_la_code", "Geography", "DfE three-digit code of the local authority (x where not given)".to_string()),
        ("new_la_code", "Geography", "ONS code of the local authority".to_string()),
        ("la_name", "Geography", "Name of the local authority".to_string()),
    ];
    let files = release
        .tables()
        .iter()
        .zip(files)
        .map(|(t, written)| {
            let mut columns: Vec<GuidanceColumn> = standard
                .iter()
                .map(|(n, k, l)| GuidanceColumn {
                    name: (*n).into(),
                    kind: (*k).into(),
                    label: l.clone(),
                    unit: String::new(),
                })
                .collect();
            columns.extend(written.iter().map(|(name, kind, label, unit)| GuidanceColumn {
                name: name.clone(),
                kind: kind.clone(),
                label: label.clone(),
                unit: unit.clone(),
            }));
            GuidanceFile {
                title: t.title().to_string(),
                file: format!("{}.csv", t.name()),
                meta: format!("{}.meta.csv", t.name()),
                columns,
            }
        })
        .collect();
    let page = GuidancePage { base: PageBase::new(about, coverage, release), files };
    super::render(&engine()?, "release/data-guidance.html", &page)
}
