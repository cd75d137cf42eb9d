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

/// The data guidance page (`release/data-guidance.html`): every open-data file and column.
pub fn render(about: &About, coverage: &Coverage, release: &ProtectedRelease) -> Result<Page> {
    let standard = [
        ("time_period", "Filter", "Calendar year the row refers to (the last year for whole-period rows)", ""),
        ("time_identifier", "Filter", "Always \"Calendar year\"", ""),
        ("geographic_level", "Filter", "Always \"Local authority\"", ""),
        ("country_code", "Filter", "ONS code of the country", ""),
        ("country_name", "Filter", "Name of the country", ""),
        ("new_la_code", "Filter", "ONS code of the local authority", ""),
        ("la_name", "Filter", "Name of the local authority", ""),
        ("period_covered", "Filter", "The calendar years the figures cover", ""),
    ];
    let files = release
        .tables()
        .iter()
        .map(|t| {
            let mut columns: Vec<GuidanceColumn> = standard
                .iter()
                .map(|(n, k, l, u)| GuidanceColumn {
                    name: (*n).into(),
                    kind: (*k).into(),
                    label: (*l).into(),
                    unit: (*u).into(),
                })
                .collect();
            if t.filter().col_name != "time_period" {
                columns.push(GuidanceColumn {
                    name: t.filter().col_name.clone(),
                    kind: "Filter".into(),
                    label: format!("{}: {}", t.filter().label, t.filter().hint),
                    unit: String::new(),
                });
            }
            columns.extend(t.indicators().iter().map(|i| GuidanceColumn {
                name: i.col_name.clone(),
                kind: "Indicator".into(),
                label: i.label.clone(),
                unit: i.unit.clone(),
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
