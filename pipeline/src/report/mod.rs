//! HTML reports rendered with Tera from protected values only.
//!
//! Numbers are formatted here (thousands separators, decimals, symbols) and passed to the
//! templates as strings: templates only lay out. Templates live in `report-templates/` and are
//! embedded at build time; names end in `.html`, so Tera escapes every value.

pub mod svg;

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
    estimate_shown: bool,
    estimate: String,
    estimate_lower: String,
    estimate_upper: String,
    chao: String,
}

#[derive(Debug, Serialize)]
struct ChartView {
    id: String,
    title: String,
    table_id: String,
    svg: String,
}

#[derive(Debug, Serialize)]
struct ReleasePage {
    #[serde(flatten)]
    base: PageBase,
    from_year: i32,
    to_year: i32,
    child_population: String,
    headline: Headline,
    tables: Vec<TableView>,
    charts: Vec<ChartView>,
    communities: Vec<(String, String)>,
}

/// What every page shows in its header and footer.
#[derive(Debug, Serialize)]
struct PageBase {
    title: String,
    area_name: String,
    area_code: String,
    period: String,
    policy: &'static str,
    threshold: u64,
    version: &'static str,
}

impl PageBase {
    fn new(config: &Config, coverage: &Coverage, release: &ProtectedRelease) -> PageBase {
        PageBase {
            title: config.title.clone(),
            area_name: config.area_name.clone(),
            area_code: config.area_code.clone(),
            period: coverage.period_label(),
            policy: release.policy.name(),
            threshold: release.policy.threshold(),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
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
    let known = release.table("known_to_services_by_community").and_then(|t| t.rows().iter().find(|r| r.is_total));
    let pct = |i: usize| known.and_then(|r| r.values.get(i)).map(SafeValue::display_text).unwrap_or_default();
    let prevalence = release.table("prevalence").and_then(|t| t.rows().iter().find(|r| r.is_total));
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

/// Render the public release page (`release/index.html`).
pub fn render_release(
    config: &Config,
    coverage: &Coverage,
    release: &ProtectedRelease,
    downloads: &[(String, String, String)],
    child_population: u64,
    communities: &[(String, String)],
) -> Result<String> {
    let tables = release.tables.iter().zip(downloads).map(|(t, (_, csv, meta))| table_view(t, csv, meta)).collect();
    let page = ReleasePage {
        base: PageBase::new(config, coverage, release),
        from_year: coverage.from_year,
        to_year: coverage.to_year,
        child_population: thousands(child_population),
        headline: headline(release),
        tables,
        charts: charts(release),
        communities: communities.to_vec(),
    };
    render(&engine()?, "release/index.html", &page)
}

fn column(table: &ProtectedTable, name: &str) -> Option<usize> {
    table.indicators().iter().position(|i| i.col_name == name)
}

/// The release's charts, drawn from protected values only.
fn charts(release: &ProtectedRelease) -> Vec<ChartView> {
    let mut out = Vec::new();
    if let Some(t) = release.table("children_by_year") {
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
        out.push(ChartView {
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
        });
    }
    if let Some(t) = release.table("community_rates") {
        let (Some(rate), Some(lo), Some(hi)) =
            (column(t, "rate_per_10000"), column(t, "rate_lower95"), column(t, "rate_upper95"))
        else {
            return out;
        };
        let bars: Vec<svg::Bar> = t
            .rows()
            .iter()
            .filter(|r| !r.is_total && r.values[rate].symbol() != Some(crate::disclosure::Symbol::Z))
            .map(|r| svg::Bar {
                label: r.category.1.split(',').next().unwrap_or_default().to_string(),
                value: r.values[rate].as_f64(),
                symbol: r.values[rate].display_text(),
                interval: r.values[lo].as_f64().zip(r.values[hi].as_f64()),
            })
            .collect();
        out.push(ChartView {
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
        });
        if let (Some(n), Some(ratio)) = (column(t, "children"), column(t, "reporting_ratio")) {
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
            if !points.is_empty() {
                let limits = |e: f64| {
                    (
                        crate::stats::rates::funnel_ratio_limits(e, 0.95),
                        crate::stats::rates::funnel_ratio_limits(e, 0.998),
                    )
                };
                out.push(ChartView {
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
                });
            }
        }
    }
    out
}

fn render<T: Serialize>(tera: &Tera, template: &str, page: &T) -> Result<String> {
    let fail = |message: String| Error::Template { template: template.to_string(), message };
    let context = Context::from_serialize(page).map_err(|e| fail(e.to_string()))?;
    tera.render(template, &context).map_err(|e| fail(e.to_string()))
}

#[derive(Debug, Serialize)]
struct ModelRowView {
    window: String,
    stratum: String,
    model: String,
    chao: String,
    profile_point: String,
    profile: String,
    poisson: String,
    lognormal: String,
    aic: String,
}

#[derive(Debug, Serialize)]
struct SourceView {
    agency: &'static str,
    file: String,
    read: String,
    accepted: String,
    quarantined: String,
    reasons: String,
}

#[derive(Debug, Serialize)]
struct DisclosureView {
    table: String,
    primary: usize,
    secondary: usize,
    repair: usize,
    audit: &'static str,
}

#[derive(Debug, Serialize)]
struct AnalystPage {
    #[serde(flatten)]
    base: PageBase,
    threshold_p: f64,
    level: String,
    models: Vec<ModelRowView>,
    overlaps: Vec<(String, String, String)>,
    sources: Vec<SourceView>,
    disclosure: Vec<DisclosureView>,
}

fn window_label(window: &str) -> String {
    match window.strip_prefix("fy").and_then(|y| y.parse::<i32>().ok()) {
        Some(y) => format!("{y}/{:02}", (y + 1) % 100),
        None => "Whole period".into(),
    }
}

fn stratum_label(stratum: &str) -> String {
    if stratum == "all" {
        "All children".into()
    } else {
        crate::domain::high_level_label(stratum).unwrap_or(stratum).into()
    }
}

fn model_rows(e: &crate::prevalence::PrevalenceEstimate) -> Vec<ModelRowView> {
    let whole = |v: f64| thousands(v.round().max(0.0) as u64);
    let pair = |p: [f64; 2]| format!("{} to {}", whole(p[0]), whole(p[1]));
    let chao =
        e.chao.map_or_else(|| "-".to_string(), |c| format!("{} ({} to {})", whole(c[0]), whole(c[1]), whole(c[2])));
    let row = |label: &str, model: &Result<crate::prevalence::ModelSummary, String>| match model {
        Ok(m) => ModelRowView {
            window: window_label(&e.window),
            stratum: stratum_label(&e.stratum),
            model: if m.terms.is_empty() {
                format!("{label}: main effects")
            } else {
                format!("{label}: main effects + {}", m.terms.join(" + "))
            },
            chao: chao.clone(),
            profile_point: whole(m.profile_point),
            profile: pair(m.profile),
            poisson: whole(m.n_poisson),
            lognormal: pair(m.lognormal),
            aic: format!("{:.1}", m.aic),
        },
        Err(reason) => ModelRowView {
            window: window_label(&e.window),
            stratum: stratum_label(&e.stratum),
            model: format!("{label}: not estimated ({reason})"),
            chao: chao.clone(),
            profile_point: "-".into(),
            profile: "-".into(),
            poisson: "-".into(),
            lognormal: "-".into(),
            aic: "-".into(),
        },
    };
    vec![row("selected", &e.selected), row("sensitivity", &e.main_effects)]
}

/// Render the private analyst report (`private/analyst.html`): model diagnostics, ingest
/// reconciliation and the disclosure summary (counts per rule, never suppressed values).
pub fn render_analyst(
    config: &Config,
    coverage: &Coverage,
    release: &ProtectedRelease,
    estimates: &[crate::prevalence::PrevalenceEstimate],
    sources: &[crate::ingest::SourceReport],
) -> Result<String> {
    let page = AnalystPage {
        base: PageBase::new(config, coverage, release),
        threshold_p: crate::prevalence::STEPWISE_THRESHOLD,
        level: format!("{:.0}%", crate::prevalence::LEVEL * 100.0),
        models: estimates.iter().flat_map(model_rows).collect(),
        overlaps: estimates
            .iter()
            .find(|e| e.window == "whole_period" && e.stratum == "all")
            .map(|e| e.overlaps.iter().map(|(a, b, n)| (a.clone(), b.clone(), thousands(*n))).collect())
            .unwrap_or_default(),
        sources: sources
            .iter()
            .map(|s| SourceView {
                agency: s.agency.label(),
                file: s.file.clone(),
                read: thousands(s.rows_read),
                accepted: thousands(s.accepted),
                quarantined: thousands(s.quarantined),
                reasons: if s.quarantined_by_reason.is_empty() {
                    "none".into()
                } else {
                    s.quarantined_by_reason.iter().map(|(r, n)| format!("{r}: {n}")).collect::<Vec<_>>().join(", ")
                },
            })
            .collect(),
        disclosure: release
            .log
            .tables
            .iter()
            .map(|t| DisclosureView {
                table: t.table.clone(),
                primary: t.primary,
                secondary: t.secondary,
                repair: t.repair,
                audit: if t.pass { "passed" } else { "failed" },
            })
            .collect(),
    };
    render(&engine()?, "private/analyst.html", &page)
}

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
pub fn render_communities(
    config: &Config,
    coverage: &Coverage,
    release: &ProtectedRelease,
) -> Result<Vec<(String, String, String)>> {
    let (Some(rates), Some(known)) =
        (release.table("community_rates"), release.table("known_to_services_by_community"))
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
        let reliability =
            column(rates, "reliability").map(|i| row.values[i].symbol() == Some(crate::disclosure::Symbol::U));
        let page = CommunityPage {
            base: PageBase::new(config, coverage, release),
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
            contact: config.contact.clone().unwrap_or_else(|| "the team that published this release".into()),
        };
        pages.push((code.replace('_', "-"), row.category.1.clone(), render(&tera, "release/community.html", &page)?));
    }
    Ok(pages)
}

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
pub fn render_guidance(config: &Config, coverage: &Coverage, release: &ProtectedRelease) -> Result<String> {
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
        .tables
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
    let page = GuidancePage { base: PageBase::new(config, coverage, release), files };
    render(&engine()?, "release/data-guidance.html", &page)
}
