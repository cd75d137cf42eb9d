//! The public release page (`release/index.html`): headline figures, charts and every table.
//!
//! Owns: the release page and its charts. May not touch: files or raw counts.

use serde::Serialize;

use super::{About, Page, PageBase, TableView, column, engine, svg, table_view};
use crate::disclosure::{ProtectedRelease, ProtectedTable, SafeValue, Symbol};
use crate::domain::{ethnic_group, high_level_label, thousands};
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
    /// What the chart shows beyond its title (line styles, what is labelled).
    caption: String,
    table_id: String,
    svg: String,
    /// The chart's figures, as a table beside it.
    data: ChartData,
}

/// A chart's figures: its text alternative in table form.
#[derive(Debug, Serialize)]
struct ChartData {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// One findings section of the page: a heading, a few sentences, its charts.
#[derive(Debug, Serialize)]
struct Finding {
    id: &'static str,
    heading: &'static str,
    commentary: Vec<String>,
    charts: Vec<ChartView>,
}

/// A key-statistic tile.
#[derive(Debug, Serialize)]
struct Tile {
    label: &'static str,
    value: String,
    detail: String,
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
    tiles: Vec<Tile>,
    findings: Vec<Finding>,
    communities: Vec<(String, String)>,
    revisions: Option<RevisionsView>,
    quality: Option<QualityView>,
    bootstrap_replicates: String,
}

/// The data-quality section: each agency's shares of records, as published.
#[derive(Debug, Serialize)]
struct QualityView {
    /// (agency, ethnicity not known, linked probabilistically, entered within 30 days), the
    /// shares as the table shows them (`[c]` where withheld).
    agencies: Vec<(String, String, String, String)>,
    /// The same for all agencies together.
    all: (String, String, String),
    /// Whether any extract carried the dates records were entered.
    lag_shown: bool,
    min_records: u64,
    table_id: String,
}

fn quality(t: &ProtectedTable) -> QualityView {
    let text = |v: &SafeValue| match v.symbol() {
        None => format!("{}%", v.display_text()),
        Some(_) => v.display_text(),
    };
    let agencies: Vec<(String, String, String, String)> = t
        .rows()
        .iter()
        .filter(|r| !r.is_total)
        .map(|r| (r.category.1.clone(), text(&r.values[0]), text(&r.values[1]), text(&r.values[2])))
        .collect();
    let all = t.rows().iter().find(|r| r.is_total);
    let at = |i: usize| all.map(|r| text(&r.values[i])).unwrap_or_default();
    QualityView {
        lag_shown: t.rows().iter().any(|r| r.values[2].symbol() != Some(Symbol::Z)),
        agencies,
        all: (at(0), at(1), at(2)),
        min_records: crate::disclosure::quality::MIN_RECORDS,
        table_id: t.name().replace('_', "-"),
    }
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
    let headline = headline(release);
    let page = ReleasePage {
        bootstrap_replicates: crate::domain::thousands(crate::estimate::prevalence::BOOTSTRAP_REPLICATES as u64),
        base: PageBase::new(about, coverage, release),
        from_year: coverage.from_year,
        to_year: coverage.to_year,
        child_population: thousands(child_population),
        tiles: tiles(&headline),
        headline,
        yearly: release.table(TableId::EstimatesByFinancialYear).and_then(year_headline),
        tables,
        findings: findings(release),
        communities: communities.to_vec(),
        revisions: release.table(TableId::Revisions).map(|t| revisions(t, release.last_release().unwrap_or_default())),
        quality: release.table(TableId::DataQualityByAgency).map(quality),
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

/// The key-statistic tiles: children identified, the estimate with its interval, the share
/// known to services with its interval.
fn tiles(h: &Headline) -> Vec<Tile> {
    vec![
        Tile {
            label: "Children identified",
            value: h.children.clone(),
            detail: "recorded by at least one agency".into(),
        },
        Tile {
            label: "Estimated children, including those no agency recorded",
            value: if h.estimate_shown { h.estimate.clone() } else { "[x]".into() },
            detail: if h.estimate_shown {
                format!("95% confidence interval {} to {}", h.estimate_lower, h.estimate_upper)
            } else {
                "not estimated".into()
            },
        },
        Tile {
            label: "Already known to services",
            value: if h.known_shown { format!("{}%", h.known_percent) } else { h.known_percent.clone() },
            detail: if h.known_shown {
                format!("95% confidence interval {}% to {}%", h.known_lower, h.known_upper)
            } else {
                "not shown".into()
            },
        },
    ]
}

/// The findings sections, each with its commentary and charts, drawn from protected values only.
fn findings(release: &ProtectedRelease) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(t) = release.table(TableId::ChildrenByYear) {
        let shown: Vec<(String, f64)> = t
            .rows()
            .iter()
            .filter(|r| !r.is_total)
            .filter_map(|r| Some((r.category.1.clone(), r.values[0].as_f64()?)))
            .collect();
        let mut commentary = Vec::new();
        if let (Some(low), Some(high)) =
            (shown.iter().min_by(|a, b| a.1.total_cmp(&b.1)), shown.iter().max_by(|a, b| a.1.total_cmp(&b.1)))
        {
            commentary.push(format!(
                "Of the years whose count is shown, the fewest children were first referred in {} ({}) and the most in {} ({}).",
                low.0,
                thousands(low.1 as u64),
                high.0,
                thousands(high.1 as u64)
            ));
        }
        commentary.push(
            "A child is counted once, in the year of their first referral in the period. Years whose count could identify a child are withheld."
                .into(),
        );
        out.push(Finding {
            id: "children-identified",
            heading: "Children identified each year",
            commentary,
            charts: vec![year_chart(t)],
        });
    }
    if let Some(t) = release.table(TableId::EstimatesByFinancialYear)
        && let Some(chart) = yearly_chart(t)
    {
        let commentary = vec![
            "Each financial year is estimated on its own, from the children referred in that year and the agencies that referred them, so a child referred in several years counts in each.".into(),
            "The whiskers are 95% confidence intervals that allow for the choice of model: where they overlap, the difference between two years may be chance.".into(),
        ];
        out.push(Finding {
            id: "estimates-each-year",
            heading: "Estimated children each year",
            commentary,
            charts: vec![chart],
        });
    }
    if let Some(t) = release.table(TableId::CommunityRates) {
        let mut charts = Vec::new();
        charts.extend(rate_chart(t, Level::High));
        charts.extend(rate_chart(t, Level::Detailed));
        charts.extend(funnel_chart(t));
        out.push(Finding {
            id: "communities",
            heading: "Children identified in each community",
            commentary: community_commentary(t),
            charts,
        });
    }
    out
}

/// What the community measures say, in plain words: which groups' reporting ratio lies wholly
/// below or above 1 (the area's rates by age), with the interval; nothing is ranked.
fn community_commentary(t: &ProtectedTable) -> Vec<String> {
    let mut out = vec![
        "These figures compare how many children of each ethnic group agencies recorded with the number expected from the whole area's rates by age. They describe recording, not how often exploitation happens: a group recorded less than expected may have children whom agencies are missing.".to_string(),
    ];
    let (Some(ratio), Some(lo), Some(hi)) =
        (column(t, "reporting_ratio"), column(t, "ratio_lower95"), column(t, "ratio_upper95"))
    else {
        return out;
    };
    let mut below = Vec::new();
    let mut above = Vec::new();
    for r in t.rows().iter().filter(|r| !r.is_total && high_level_label(&r.category.0).is_some()) {
        let (Some(_), Some(l), Some(h)) = (r.values[ratio].as_f64(), r.values[lo].as_f64(), r.values[hi].as_f64())
        else {
            continue;
        };
        let text = format!(
            "{} ({} times the expected number, 95% confidence interval {} to {})",
            r.category.1,
            r.values[ratio].display_text(),
            r.values[lo].display_text(),
            r.values[hi].display_text()
        );
        if h < 1.0 {
            below.push(text);
        } else if l > 1.0 {
            above.push(text);
        }
    }
    if below.is_empty() {
        out.push(
            "For no high-level ethnic group does the whole 95% confidence interval lie below the expected number."
                .into(),
        );
    } else {
        out.push(format!("Fewer children were recorded than expected in: {}.", below.join("; ")));
    }
    if !above.is_empty() {
        out.push(format!("More children were recorded than expected in: {}.", above.join("; ")));
    }
    out
}

/// The data table of a bar chart: label, value, and the interval when there is one.
fn bar_data(category: &str, value: &str, bars: &[(svg::Bar, Option<(String, String)>)]) -> ChartData {
    let with_interval = bars.iter().any(|(_, i)| i.is_some());
    let mut columns = vec![category.to_string(), value.to_string()];
    if with_interval {
        columns.extend(["Lower 95% limit".to_string(), "Upper 95% limit".to_string()]);
    }
    let rows = bars
        .iter()
        .map(|(b, interval)| {
            let mut row = vec![b.label.clone(), b.symbol.clone()];
            if with_interval {
                let (lo, hi) = interval.clone().unwrap_or_default();
                row.extend([lo, hi]);
            }
            row
        })
        .collect();
    ChartData { columns, rows }
}

/// A row's bar from its value column and interval columns, with the interval as shown.
fn interval_bar(
    r: &crate::disclosure::ProtectedRow,
    value: usize,
    lo: usize,
    hi: usize,
) -> (svg::Bar, Option<(String, String)>) {
    let bar = svg::Bar {
        label: r.category.1.clone(),
        value: r.values[value].as_f64(),
        symbol: r.values[value].display_text(),
        interval: r.values[lo].as_f64().zip(r.values[hi].as_f64()),
        marker: None,
    };
    (bar, Some((r.values[lo].display_text(), r.values[hi].display_text())))
}

/// Children identified per year, as bars.
fn year_chart(t: &ProtectedTable) -> ChartView {
    let bars: Vec<(svg::Bar, Option<(String, String)>)> = t
        .rows()
        .iter()
        .filter(|r| !r.is_total)
        .map(|r| {
            let bar = svg::Bar {
                label: r.category.1.clone(),
                value: r.values[0].as_f64(),
                symbol: r.values[0].display_text(),
                interval: None,
                marker: None,
            };
            (bar, None)
        })
        .collect();
    let drawn: Vec<svg::Bar> = bars.iter().map(|(b, _)| b.clone()).collect();
    ChartView {
        id: "chart-by-year".into(),
        title: "Children identified, by year of first referral".into(),
        caption: "Withheld years are marked [c], not drawn.".into(),
        table_id: "children-by-year".into(),
        svg: svg::bar_chart(
            "chart-by-year",
            "Children identified, by year of first referral",
            "Bar chart of the number of children first referred in each year; withheld values are marked, not drawn.",
            "Year of first referral",
            "Children",
            &drawn,
        ),
        data: bar_data("Year of first referral", "Children identified", &bars),
    }
}

/// Estimated children per financial year, as bars with interval whiskers.
fn yearly_chart(t: &ProtectedTable) -> Option<ChartView> {
    let (Some(estimate), Some(lo), Some(hi)) =
        (column(t, "estimated_children"), column(t, "estimate_lower95"), column(t, "estimate_upper95"))
    else {
        return None;
    };
    let bars: Vec<(svg::Bar, Option<(String, String)>)> =
        t.rows().iter().map(|r| interval_bar(r, estimate, lo, hi)).collect();
    let drawn: Vec<svg::Bar> = bars.iter().map(|(b, _)| b.clone()).collect();
    (!bars.is_empty()).then(|| ChartView {
        id: "chart-by-financial-year".into(),
        title: "Estimated children each financial year, with 95% confidence intervals".into(),
        caption: "Whiskers are 95% confidence intervals; years without an estimate are marked, not drawn.".into(),
        table_id: t.name().replace('_', "-"),
        svg: svg::bar_chart(
            "chart-by-financial-year",
            "Estimated children each financial year",
            "Bar chart of the estimated number of children each financial year, including those no agency recorded, with 95% confidence intervals as whiskers; years without an estimate are marked, not drawn.",
            "Financial year",
            "Estimated children",
            &drawn,
        ),
        data: bar_data("Financial year", "Estimated children", &bars),
    })
}

/// One level of the ethnic group classification per chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The ONS 2021 high-level groups.
    High,
    /// The detailed groups (where numbers allow a rate).
    Detailed,
}

/// Recorded rates by ethnic group at one level, as bars with interval whiskers.
fn rate_chart(t: &ProtectedTable, level: Level) -> Option<ChartView> {
    let (Some(rate), Some(lo), Some(hi)) =
        (column(t, "rate_per_10000"), column(t, "rate_lower95"), column(t, "rate_upper95"))
    else {
        return None;
    };
    let in_level = |code: &str| match level {
        Level::High => high_level_label(code).is_some(),
        Level::Detailed => ethnic_group(code).is_some(),
    };
    let bars: Vec<(svg::Bar, Option<(String, String)>)> = t
        .rows()
        .iter()
        .filter(|r| !r.is_total && in_level(&r.category.0) && r.values[rate].symbol() != Some(Symbol::Z))
        .map(|r| interval_bar(r, rate, lo, hi))
        .collect();
    if bars.is_empty() {
        return None;
    }
    let drawn: Vec<svg::Bar> = bars.iter().map(|(b, _)| b.clone()).collect();
    let (id, title, category) = match level {
        Level::High => {
            ("chart-rates", "Recorded rate per 10,000 children, by ethnic group (high-level groups)", "Ethnic group")
        }
        Level::Detailed => (
            "chart-rates-detailed",
            "Recorded rate per 10,000 children, by ethnic group (detailed groups)",
            "Ethnic group (detailed)",
        ),
    };
    Some(ChartView {
        id: id.into(),
        title: format!("{title}, with 95% confidence intervals"),
        caption: "Whiskers are 95% confidence intervals: where two groups' intervals overlap, the difference between them may be chance. Groups without a rate are marked.".into(),
        table_id: "community-rates".into(),
        svg: svg::bar_chart(
            id,
            title,
            "Bar chart of recorded rates with 95% confidence intervals as whiskers; groups without a rate are marked.",
            category,
            "Rate per 10,000 children",
            &drawn,
        ),
        data: bar_data(category, "Rate per 10,000 children", &bars),
    })
}

/// Standardised reporting ratios of the high-level groups against expected counts, with 95%
/// and 99.8% limits.
fn funnel_chart(t: &ProtectedTable) -> Option<ChartView> {
    let (n, ratio) = (column(t, "children")?, column(t, "reporting_ratio")?);
    let (lo, hi) = (column(t, "ratio_lower95")?, column(t, "ratio_upper95")?);
    let rows: Vec<&crate::disclosure::ProtectedRow> =
        t.rows().iter().filter(|r| !r.is_total && high_level_label(&r.category.0).is_some()).collect();
    let points: Vec<svg::FunnelPoint> = rows
        .iter()
        .filter_map(|r| {
            let (n, ratio) = (r.values[n].as_f64()?, r.values[ratio].as_f64()?);
            (ratio > 0.0).then(|| svg::FunnelPoint { label: r.category.1.clone(), x: n / ratio, y: ratio })
        })
        .collect();
    if points.is_empty() {
        return None;
    }
    let data = ChartData {
        columns: [
            "Ethnic group",
            "Expected children",
            "Standardised reporting ratio",
            "Lower 95% limit",
            "Upper 95% limit",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                let expected = match (r.values[n].as_f64(), r.values[ratio].as_f64()) {
                    (Some(n), Some(ratio)) if ratio > 0.0 => format!("{:.1}", n / ratio),
                    _ => r.values[ratio].display_text(),
                };
                vec![
                    r.category.1.clone(),
                    expected,
                    r.values[ratio].display_text(),
                    r.values[lo].display_text(),
                    r.values[hi].display_text(),
                ]
            })
            .collect(),
    };
    let limits = |e: f64| (rates::funnel_ratio_limits(e, 0.95), rates::funnel_ratio_limits(e, 0.998));
    Some(ChartView {
        id: "chart-funnel".into(),
        title: "Standardised reporting ratio by ethnic group: funnel plot".into(),
        caption: "Dashed lines: 95% limits; dotted lines: 99.8% limits. Only groups outside the 95% limits are labelled; every group is in the table.".into(),
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
        data,
    })
}
