//! The community summaries (`release/communities/<slug>.html`): one page per ethnic group, in
//! plain language, every comparison with its interval.
//!
//! Owns: the community pages. May not touch: files or raw counts.

use serde::Serialize;

use super::{About, Page, PageBase, column, engine};
use crate::disclosure::{ProtectedRelease, ProtectedTable, SafeValue, Symbol};
use crate::error::Result;
use crate::tables::{Coverage, TableId};

#[derive(Debug, Serialize)]
struct Measure {
    value: String,
    lower: String,
    upper: String,
    shown: bool,
}

fn measure(table: &ProtectedTable, code: &str, columns: [&str; 3]) -> Measure {
    let row = table.rows().iter().find(|r| r.category.0 == code);
    let get = |c: &str| row.and_then(|r| column(table, c).map(|i| r.values[i].clone()));
    let values: Vec<Option<SafeValue>> = columns.iter().map(|c| get(c)).collect();
    Measure {
        shown: values.iter().all(|v| v.as_ref().is_some_and(|v| v.as_f64().is_some())),
        value: values[0].as_ref().map(SafeValue::display_text).unwrap_or_default(),
        lower: values[1].as_ref().map(SafeValue::display_text).unwrap_or_default(),
        upper: values[2].as_ref().map(SafeValue::display_text).unwrap_or_default(),
    }
}

#[derive(Debug, Serialize)]
struct CommunityPage {
    #[serde(flatten)]
    base: PageBase,
    group: String,
    children: String,
    rate: Measure,
    area_rate: Measure,
    ratio: Measure,
    ratio_finding: &'static str,
    ascertainment: Measure,
    relative: Measure,
    relative_finding: &'static str,
    known: Measure,
    area_known: Measure,
    low_reliability: bool,
    contact: String,
}

/// A plain statement of where an interval lies relative to 1.
fn finding(m: &Measure) -> &'static str {
    let (lo, hi) = (m.lower.replace(',', "").parse::<f64>().ok(), m.upper.replace(',', "").parse::<f64>().ok());
    match (m.shown, lo, hi) {
        (true, _, Some(hi)) if hi < 1.0 => "below",
        (true, Some(lo), _) if lo > 1.0 => "above",
        (true, _, _) => "unclear",
        _ => "none",
    }
}

/// The community summaries (`release/communities/<slug>.html`): one page per ethnic group with a
/// published count and a population, in plain language. Returns (slug, label, html).
pub fn render(about: &About, coverage: &Coverage, release: &ProtectedRelease) -> Result<Vec<(String, String, Page)>> {
    let (Some(rates), Some(known)) =
        (release.table(TableId::CommunityRates), release.table(TableId::KnownToServicesByCommunity))
    else {
        return Ok(Vec::new());
    };
    let tera = engine()?;
    let mut pages = Vec::new();
    for row in rates.rows().iter().filter(|r| !r.is_total) {
        let code = row.category.0.as_str();
        let children = &row.values[0];
        let has_population = column(rates, "child_population").is_some_and(|i| row.values[i].as_f64().is_some());
        // A page needs a published, non-zero count and a population to compare with.
        if children.as_count().is_none_or(|n| n == 0) || !has_population {
            continue;
        }
        let ratio = measure(rates, code, ["reporting_ratio", "ratio_lower95", "ratio_upper95"]);
        let relative = measure(
            rates,
            code,
            ["relative_ascertainment", "relative_ascertainment_lower", "relative_ascertainment_upper"],
        );
        let reliability = column(rates, "reliability").map(|i| row.values[i].symbol() == Some(Symbol::U));
        let page = CommunityPage {
            base: PageBase::new(about, coverage, release),
            group: row.category.1.clone(),
            children: children.display_text(),
            rate: measure(rates, code, ["rate_per_10000", "rate_lower95", "rate_upper95"]),
            area_rate: measure(rates, "Total", ["rate_per_10000", "rate_lower95", "rate_upper95"]),
            ratio_finding: finding(&ratio),
            ratio,
            ascertainment: measure(rates, code, ["ascertainment", "ascertainment_lower95", "ascertainment_upper95"]),
            relative_finding: finding(&relative),
            relative,
            known: measure(known, code, ["percent_known", "percent_known_lower", "percent_known_upper"]),
            area_known: measure(known, "Total", ["percent_known", "percent_known_lower", "percent_known_upper"]),
            low_reliability: reliability.unwrap_or(false),
            contact: about.contact.clone().unwrap_or_else(|| "the team that published this release".into()),
        };
        pages.push((
            code.replace('_', "-"),
            row.category.1.clone(),
            super::render(&tera, "release/community.html", &page)?,
        ));
    }
    Ok(pages)
}
