//! HTML reports rendered with Tera from protected values only.
//!
//! Numbers are formatted here (thousands separators, decimals, symbols) and passed to the
//! templates as strings: templates only lay out. Templates live in `report-templates/` and are
//! embedded at build time; names end in `.html`, so Tera escapes every value.

use serde::Serialize;
use tera::{Context, Tera};

use crate::config::Config;
use crate::disclosure::{ProtectedRelease, ProtectedTable, SafeValue, thousands};
use crate::engine::TEMPLATES;
use crate::error::{Error, Result};
use crate::output::ees::Coverage;

#[derive(Debug, Serialize)]
struct KeyEntry {
    symbol: String,
    meaning: &'static str,
}

#[derive(Debug, Serialize)]
struct RowView {
    label: String,
    is_total: bool,
    cells: Vec<String>,
}

#[derive(Debug, Serialize)]
struct TableView {
    id: String,
    title: String,
    filter_label: String,
    columns: Vec<String>,
    rows: Vec<RowView>,
    key: Vec<KeyEntry>,
    csv: String,
    meta_csv: String,
}

#[derive(Debug, Serialize)]
struct Headline {
    children: String,
    children_shown: bool,
    known_percent: String,
    known_lower: String,
    known_upper: String,
    known_shown: bool,
}

#[derive(Debug, Serialize)]
struct ReleasePage {
    title: String,
    area_name: String,
    area_code: String,
    period: String,
    from_year: i32,
    to_year: i32,
    policy: &'static str,
    threshold: u64,
    child_population: String,
    headline: Headline,
    tables: Vec<TableView>,
    version: &'static str,
}

fn engine() -> Result<Tera> {
    let mut tera = Tera::new();
    tera.add_raw_templates(TEMPLATES.iter().copied())
        .map_err(|e| Error::Template { template: "report-templates/".into(), message: e.to_string() })?;
    Ok(tera)
}

fn table_view(table: &ProtectedTable, csv: &str, meta_csv: &str) -> TableView {
    let mut columns = vec![table.filter().label.clone()];
    columns.extend(
        table
            .indicators()
            .iter()
            .map(|i| if i.unit.is_empty() { i.label.clone() } else { format!("{} ({})", i.label, i.unit) }),
    );
    TableView {
        id: table.name().replace('_', "-"),
        title: table.title().to_string(),
        filter_label: table.filter().label.clone(),
        columns,
        rows: table
            .rows()
            .iter()
            .map(|r| RowView {
                label: r.category.1.clone(),
                is_total: r.is_total,
                cells: r.values.iter().map(SafeValue::display_text).collect(),
            })
            .collect(),
        key: table
            .symbols()
            .into_iter()
            .map(|s| KeyEntry { symbol: format!("[{}]", s.code()), meaning: s.meaning() })
            .collect(),
        csv: csv.to_string(),
        meta_csv: meta_csv.to_string(),
    }
}

fn headline(release: &ProtectedRelease) -> Headline {
    let total = release
        .table("children_by_year")
        .and_then(|t| t.rows().iter().find(|r| r.is_total))
        .map(|r| r.values[0].clone());
    let known = release.table("known_to_services").and_then(|t| t.rows().first());
    let pct = |i: usize| known.and_then(|r| r.values.get(i)).map(SafeValue::display_text).unwrap_or_default();
    Headline {
        children: total.as_ref().map(SafeValue::display_text).unwrap_or_default(),
        children_shown: total.as_ref().is_some_and(|v| v.as_count().is_some()),
        known_percent: pct(2),
        known_lower: pct(3),
        known_upper: pct(4),
        known_shown: known.and_then(|r| r.values.get(2)).is_some_and(|v| v.symbol().is_none()),
    }
}

/// Render the public release page (`release/index.html`).
pub fn render_release(
    config: &Config,
    coverage: &Coverage,
    release: &ProtectedRelease,
    downloads: &[(String, String, String)],
    child_population: u64,
) -> Result<String> {
    let tables = release.tables.iter().zip(downloads).map(|(t, (_, csv, meta))| table_view(t, csv, meta)).collect();
    let page = ReleasePage {
        title: config.title.clone(),
        area_name: config.area_name.clone(),
        area_code: config.area_code.clone(),
        period: coverage.period_label(),
        from_year: coverage.from_year,
        to_year: coverage.to_year,
        policy: release.policy.name(),
        threshold: release.policy.threshold(),
        child_population: thousands(child_population),
        headline: headline(release),
        tables,
        version: env!("CARGO_PKG_VERSION"),
    };
    render(&engine()?, "release/index.html", &page)
}

fn render<T: Serialize>(tera: &Tera, template: &str, page: &T) -> Result<String> {
    let fail = |message: String| Error::Template { template: template.to_string(), message };
    let context = Context::from_serialize(page).map_err(|e| fail(e.to_string()))?;
    tera.render(template, &context).map_err(|e| fail(e.to_string()))
}
