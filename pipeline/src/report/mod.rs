//! HTML reports rendered with Tera from protected values only: the public release page
//! ([`release`]), the community summaries ([`community`]), the data guidance ([`guidance`]) and
//! the private analyst report ([`analyst`]), with hand-written SVG charts ([`svg`]).
//!
//! Numbers are formatted here (thousands separators, decimals, symbols) and passed to the
//! templates as strings: templates only lay out. Templates live in `report-templates/` and are
//! embedded at build time ([`templates`]); names end in `.html`, so Tera escapes every value.
//! A rendered page is a [`Page`], which only these renderers make.
//!
//! Owns: page content and layout. May not touch: files (the writers in [`crate::output`]) or raw
//! counts.

// Pages format counts and rounded estimates (far below 2^52).
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

pub mod analyst;
pub mod community;
pub mod guidance;
pub mod methodology;
pub mod release;
pub mod svg;
pub mod templates;

use serde::Serialize;
use tera::{Context, Tera};

use crate::disclosure::{ProtectedRelease, ProtectedTable, SafeValue};
use crate::error::{Error, Result};
use crate::tables::Coverage;
use templates::TEMPLATES;

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
pub(crate) struct TableView {
    id: String,
    title: String,
    filter_label: String,
    columns: Vec<String>,
    rows: Vec<RowView>,
    key: Vec<KeyEntry>,
    csv: String,
    meta_csv: String,
}

/// Who publishes a release, as the pages say it.
#[derive(Debug, Clone)]
pub struct About {
    /// Title of the release.
    pub title: String,
    /// Who readers should contact about the release.
    pub contact: Option<String>,
    /// Dates, status and people of the release.
    pub publication: crate::config::Publication,
}

/// The publication's dates, status and people, as the pages say them.
#[derive(Debug, Serialize)]
pub(crate) struct PublicationView {
    /// `26 August 2014`, or empty when not scheduled.
    release_date: String,
    /// `26 August 2015`, `August 2015 (provisional)`, or empty.
    next_release: String,
    status: &'static str,
    /// What the status means, in a sentence.
    status_meaning: &'static str,
    lead_statistician: String,
    contact: String,
    pre_release_access: Vec<String>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_name(month: u8) -> &'static str {
    MONTHS.get(usize::from(month).saturating_sub(1)).copied().unwrap_or_default()
}

/// A day as GOV.UK writes it: `26 August 2014`.
fn long_date(day: crate::domain::date::Date) -> String {
    format!("{} {} {}", day.day(), month_name(day.month()), day.year())
}

impl PublicationView {
    fn new(about: &About) -> PublicationView {
        use crate::config::{NextRelease, StatisticsStatus};
        let p = &about.publication;
        PublicationView {
            release_date: p.release_date.map(long_date).unwrap_or_default(),
            next_release: match p.next_release {
                Some(NextRelease::Day(day)) => long_date(day),
                Some(NextRelease::Month(year, month)) => format!("{} {year} (provisional)", month_name(month)),
                None => String::new(),
            },
            status: p.status.label(),
            status_meaning: match p.status {
                StatisticsStatus::InDevelopment => {
                    "These are new statistics, published while their methods are developed and tested with users; they may change, and comments on them are welcome."
                }
                StatisticsStatus::Official => {
                    "These statistics are produced to the standards of the Code of Practice for Statistics."
                }
                StatisticsStatus::Accredited => {
                    "The Office for Statistics Regulation has independently reviewed these statistics and accredited them as meeting the standards of the Code of Practice for Statistics."
                }
            },
            lead_statistician: p.lead_statistician.clone().unwrap_or_default(),
            contact: about.contact.clone().unwrap_or_default(),
            pre_release_access: p.pre_release_access.clone(),
        }
    }
}

/// What every page shows in its header and footer.
#[derive(Debug, Serialize)]
pub(crate) struct PageBase {
    title: String,
    area_name: String,
    area_code: String,
    period: String,
    policy: &'static str,
    threshold: u64,
    version: &'static str,
    publication: PublicationView,
}

impl PageBase {
    pub(crate) fn new(about: &About, coverage: &Coverage, release: &ProtectedRelease) -> PageBase {
        PageBase {
            title: about.title.clone(),
            area_name: coverage.area_name.clone(),
            area_code: coverage.area_code.clone(),
            period: coverage.period_label(),
            policy: release.policy().name(),
            threshold: release.policy().threshold(),
            version: env!("CARGO_PKG_VERSION"),
            publication: PublicationView::new(about),
        }
    }
}

pub(crate) fn engine() -> Result<Tera> {
    let mut tera = Tera::new();
    tera.add_raw_templates(TEMPLATES.iter().copied())
        .map_err(|e| Error::Template { template: "report-templates/".into(), message: e.to_string() })?;
    Ok(tera)
}

pub(crate) fn table_view(table: &ProtectedTable, csv: &str, meta_csv: &str) -> TableView {
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

/// A rendered page: made only by this module's renderers, from protected values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page(String);

impl Page {
    /// The page's bytes, for the writers.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// The index of the indicator column `name` of `table`.
fn column(table: &ProtectedTable, name: &str) -> Option<usize> {
    table.indicators().iter().position(|i| i.col_name == name)
}

pub(crate) fn render<T: Serialize>(tera: &Tera, template: &str, page: &T) -> Result<Page> {
    let fail = |message: String| Error::Template { template: template.to_string(), message };
    let context = Context::from_serialize(page).map_err(|e| fail(e.to_string()))?;
    tera.render(template, &context).map(Page).map_err(|e| fail(e.to_string()))
}
