//! The public release page (`release/index.html`): headline figures, charts and every table.
//!
//! Owns: the release page and its charts. May not touch: files or raw counts.

use serde::Serialize;

use super::{About, Page, PageBase, TableView, column, engine, svg, table_view};
use crate::disclosure::{ProtectedRelease, ProtectedTable, SafeValue, Symbol};
use crate::domain::thousands;
use crate::error::Result;
use crate::stats::rates;
use crate::tables::{Coverage, TableId};

#[derive(Debug, Serialize)]
struct Headline {
    children: String,
    children_shown: bool,
    known_percent: String,
    known_lower: String,
    known_upper: String,
    known_shown: bool,
    estimate_shown: bool,
    estimate: String,
    estimate_lower: String,
    estimate_upper: String,
    chao: String,
}

/// The latest financial year with a published estimate, for the headline.
#[derive(Debug, Serialize)]
struct YearHeadline {
    year: String,
    children: String,
    estimate: String,
    estimate_lower: String,
    estimate_upper: String,
    /// Financial years in the table.
    years: usize,
    table_id: String,
}

#[derive(Debug, Serialize)]
struct ChartView {
    id: String,
    title: String,
    table_id: String,
    svg: String,
}

/// "Revisions since the last release", in words, from the revisions table.
#[derive(Debug, Serialize)]
struct RevisionsView {
    /// The last release's period, e.g. `1997 to 2011`.
    last: String,
    /// Years both releases cover.
    years: usize,
    /// Years with the same count in both.
    unchanged: usize,
    /// Revised years with their revision, signed (`+7`, `-2`).
    revised: Vec<(String, String)>,
    /// Years where one of the two counts is withheld.
    withheld: usize,
    /// Anchor of the table.
    table_id: String,
}

#[derive(Debug, Serialize)]
struct ReleasePage {
    #[serde(flatten)]
    base: PageBase,
    from_year: i32,
    to_year: i32,
    child_population: String,
    headline: Headline,
    yearly: Option<YearHeadline>,
    tables: Vec<TableView>,
    charts: Vec<ChartView>,
    communities: Vec<(String, String)>,
    revisions: Option<RevisionsView>,
    bootstrap_replicates: String,
}

fn headline(release: &ProtectedRelease) -> Headline {
    let total = release
        .table(TableId::ChildrenByYear)
        .and_then(|t| t.rows().iter().find(|r| r.is_total))
        .map(|r| r.values[0].clone());
    let known = release.table(TableId::KnownToServicesByCommunity).and_then(|t| t.rows().iter().find(|r| r.is_total));
    let pct = |i: usize| known.and_then(|r| r.values.get(i)).map(SafeValue::display_text).unwrap_or_default();
    let prevalence = release.table(TableId::Prevalence).and_then(|t| t.rows().iter().find(|r| r.is_total));
    let estimate = |i: usize| prevalence.and_then(|r| r.values.get(i)).map(SafeValue::display_text).unwrap_or_default();
    Headline {
        children: total.as_ref().map(SafeValue::display_text).unwrap_or_default(),
        children_shown: total.as_ref().is_some_and(|v| v.as_count().is_some()),
        known_percent: pct(2),
        known_lower: pct(3),
        known_upper: pct(4),
        known_shown: known.and_then(|r| r.values.get(2)).is_some_and(|v| v.symbol().is_none()),
        estimate_shown: prevalence.is_some_and(|r| r.values.iter().all(|v| v.symbol().is_none())),
        estimate: estimate(2),
        estimate_lower: estimate(3),
        estimate_upper: estimate(4),
        chao: estimate(1),
    }
}

/// The latest financial year whose count and estimate are both published.
fn year_headline(t: &ProtectedTable) -> Option<YearHeadline> {
    let row = t.rows().iter().rev().find(|r| r.values.iter().all(|v| v.symbol().is_none()))?;
    let text = |i: usize| row.values[i].display_text();
    Some(YearHeadline {
        year: row.category.1.clone(),
        children: text(0),
        estimate: text(2),
        estimate_lower: text(3),
        estimate_upper: text(4),
        years: t.rows().len(),
        table_id: t.name().replace('_', "-"),
    })
}

/// Render the public release page (`release/index.html`).
pub fn render(
    about: &About,
    coverage: &Coverage,
    release: &ProtectedRelease,
    downloads: &[(String, String, String)],
    child_population: u64,
    communities: &[(String, String)],
) -> Result<Page> {
    let tables = release.tables().iter().zip(downloads).map(|(t, (_, csv, meta))| table_view(t, csv, meta)).collect();
    let page = ReleasePage {
        bootstrap_replicates: crate::domain::thousands(crate::estimate::prevalence::BOOTSTRAP_REPLICATES as u64),
        base: PageBase::new(about, coverage, release),
        from_year: coverage.from_year,
        to_year: coverage.to_year,
        child_population: thousands(child_population),
        headline: headline(release),
        yearly: release.table(TableId::EstimatesByFinancialYear).and_then(year_headline),
        tables,
        charts: charts(release),
        communities: communities.to_vec(),
        revisions: release.table(TableId::Revisions).map(|t| revisions(t, release.last_release().unwrap_or_default())),
    };
    super::render(&engine()?, "release/index.html", &page)
}

/// The revisions table in words.
#[allow(clippy::cast_possible_truncation)] // revisions are differences of published counts
fn revisions(t: &ProtectedTable, last: &str) -> RevisionsView {
    let mut view = RevisionsView {
        last: last.to_string(),
        years: t.rows().len(),
        unchanged: 0,
        revised: Vec::new(),
        withheld: 0,
        table_id: t.name().replace('_', "-"),
    };
    for row in t.rows() {
        match row.values[2].as_f64().map(|d| d.round() as i64) {
            Some(0) => view.unchanged += 1,
            Some(d) => view.revised.push((row.category.1.clone(), format!("{d:+}"))),
            None => view.withheld += 1,
        }
    }
    view
}

/// The release's charts, drawn from protected values only.
fn charts(release: &ProtectedRelease) -> Vec<ChartView> {
    let mut out = Vec::new();
    out.extend(release.table(TableId::ChildrenByYear).map(year_chart));
    out.extend(release.table(TableId::EstimatesByFinancialYear).and_then(yearly_chart));
    if let Some(t) = release.table(TableId::CommunityRates) {
        out.extend(rate_chart(t));
        out.extend(funnel_chart(t));
    }
    out
}

/// Children identified per year, as bars.
fn year_chart(t: &ProtectedTable) -> ChartView {
    let bars: Vec<svg::Bar> = t
        .rows()
        .iter()
        .filter(|r| !r.is_total)
        .map(|r| svg::Bar {
            label: r.category.1.clone(),
            value: r.values[0].as_f64(),
            symbol: r.values[0].display_text(),
            interval: None,
        })
        .collect();
    ChartView {
        id: "chart-by-year".into(),
        title: "Children identified, by year of first referral".into(),
        table_id: "children-by-year".into(),
        svg: svg::bar_chart(
            "chart-by-year",
            "Children identified, by year of first referral",
            "Bar chart of the number of children first referred in each year; withheld values are marked, not drawn.",
            "Year of first referral",
            "Children",
            &bars,
        ),
    }
}

/// Estimated children per financial year, as bars with interval whiskers.
fn yearly_chart(t: &ProtectedTable) -> Option<ChartView> {
    let (Some(estimate), Some(lo), Some(hi)) =
        (column(t, "estimated_children"), column(t, "estimate_lower95"), column(t, "estimate_upper95"))
    else {
        return None;
    };
    let bars: Vec<svg::Bar> = t
        .rows()
        .iter()
        .map(|r| svg::Bar {
            label: r.category.1.clone(),
            value: r.values[estimate].as_f64(),
            symbol: r.values[estimate].display_text(),
            interval: r.values[lo].as_f64().zip(r.values[hi].as_f64()),
        })
        .collect();
    (!bars.is_empty()).then(|| ChartView {
        id: "chart-by-financial-year".into(),
        title: "Estimated children each financial year, with 95% confidence intervals".into(),
        table_id: t.name().replace('_', "-"),
        svg: svg::bar_chart(
            "chart-by-financial-year",
            "Estimated children each financial year",
            "Bar chart of the estimated number of children each financial year, including those no agency recorded, with 95% confidence intervals as whiskers; years without an estimate are marked, not drawn.",
            "Financial year",
            "Estimated children",
            &bars,
        ),
    })
}

/// Recorded rates by ethnic group, as bars with interval whiskers.
fn rate_chart(t: &ProtectedTable) -> Option<ChartView> {
    let (Some(rate), Some(lo), Some(hi)) =
        (column(t, "rate_per_10000"), column(t, "rate_lower95"), column(t, "rate_upper95"))
    else {
        return None;
    };
    let bars: Vec<svg::Bar> = t
        .rows()
        .iter()
        .filter(|r| !r.is_total && r.values[rate].symbol() != Some(Symbol::Z))
        .map(|r| svg::Bar {
            label: r.category.1.split(',').next().unwrap_or_default().to_string(),
            value: r.values[rate].as_f64(),
            symbol: r.values[rate].display_text(),
            interval: r.values[lo].as_f64().zip(r.values[hi].as_f64()),
        })
        .collect();
    Some(ChartView {
        id: "chart-rates".into(),
        title: "Recorded rate per 10,000 children, by ethnic group, with 95% confidence intervals".into(),
        table_id: "community-rates".into(),
        svg: svg::bar_chart(
            "chart-rates",
            "Recorded rate per 10,000 children, by ethnic group",
            "Bar chart of recorded rates with 95% confidence intervals as whiskers; groups without a rate are marked.",
            "Ethnic group",
            "Rate per 10,000 children",
            &bars,
        ),
    })
}

/// Standardised reporting ratios against expected counts, with 95% and 99.8% limits.
fn funnel_chart(t: &ProtectedTable) -> Option<ChartView> {
    let (n, ratio) = (column(t, "children")?, column(t, "reporting_ratio")?);
    let points: Vec<svg::FunnelPoint> = t
        .rows()
        .iter()
        .filter(|r| !r.is_total)
        .filter_map(|r| {
            let (n, ratio) = (r.values[n].as_f64()?, r.values[ratio].as_f64()?);
            (ratio > 0.0).then(|| svg::FunnelPoint {
                label: r.category.1.split(',').next().unwrap_or_default().to_string(),
                x: n / ratio,
                y: ratio,
            })
        })
        .collect();
    if points.is_empty() {
        return None;
    }
    let limits = |e: f64| (rates::funnel_ratio_limits(e, 0.95), rates::funnel_ratio_limits(e, 0.998));
    Some(ChartView {
        id: "chart-funnel".into(),
        title: "Standardised reporting ratio by ethnic group: funnel plot".into(),
        table_id: "community-rates".into(),
        svg: svg::funnel_chart(
            "chart-funnel",
            "Standardised reporting ratio by ethnic group",
            "Each point is a group's ratio of children identified to the number expected from the whole area's rates by age, against the expected number, with 95% and 99.8% control limits around 1. Points below the lower limits were recorded less than expected.",
            ("Expected children", "Observed / expected"),
            1.0,
            &points,
            limits,
        ),
    })
}
