//! The private analyst report (`private/analyst.html`): first what needs a decision (the
//! published estimates and every warning, each linked to its row), then charts (yearly
//! estimates, model dependence), the model diagnostics (compact: strata too small to estimate
//! in one line per window, one row where selection chose main effects), the records' data
//! quality per agency and year, ingest reconciliation and the disclosure summary (counts per
//! rule, never suppressed values).
//!
//! Owns: the analyst page. May not touch: files or raw counts.

use serde::Serialize;

use super::{About, Page, PageBase, engine, svg};
use crate::disclosure::ProtectedRelease;
use crate::domain::thousands;
use crate::error::Result;
use crate::estimate::prevalence::{self, ModelSummary, PrevalenceEstimate};
use crate::estimate::quality::{self, AgencyYear, DataQuality};
use crate::estimate::warnings::{Warning, anchor, stratum_label, too_few, window_label};
use crate::ingest::SourceReport;
use crate::tables::{Coverage, TableId};

#[derive(Debug, Serialize)]
struct ModelRowView {
    /// Anchor of the estimate's first row (warnings link to it), empty on its second.
    id: String,
    window: String,
    stratum: String,
    model: String,
    chao: String,
    profile_point: String,
    profile: String,
    poisson: String,
    lognormal: String,
    bootstrap: String,
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

/// The strata of one window that were not estimated (too few children), in one line.
#[derive(Debug, Serialize)]
struct NotEstimated {
    id: String,
    window: String,
    strata: String,
}

/// A published estimate at a glance: the first thing an analyst signs off.
#[derive(Debug, Serialize)]
struct HeadlineView {
    window: String,
    stratum: String,
    estimate: String,
    interval: String,
    anchor: String,
}

#[derive(Debug, Serialize)]
struct ChartView {
    id: &'static str,
    title: &'static str,
    svg: String,
}

#[derive(Debug, Serialize)]
struct AnalystPage {
    #[serde(flatten)]
    base: PageBase,
    threshold_p: f64,
    bootstrap_replicates: String,
    level: String,
    headline: Vec<HeadlineView>,
    warnings: Vec<Warning>,
    charts: Vec<ChartView>,
    models: Vec<ModelRowView>,
    not_estimated: Vec<NotEstimated>,
    overlaps: Vec<(String, String, String)>,
    quality: Vec<QualityView>,
    not_known_threshold: String,
    sources: Vec<SourceView>,
    disclosure: Vec<DisclosureView>,
}

fn model_rows(e: &PrevalenceEstimate) -> Vec<ModelRowView> {
    let whole = |v: f64| thousands(v.round().max(0.0) as u64);
    let pair = |p: [f64; 2]| format!("{} to {}", whole(p[0]), whole(p[1]));
    let chao =
        e.chao.map_or_else(|| "-".to_string(), |c| format!("{} ({} to {})", whole(c[0]), whole(c[1]), whole(c[2])));
    // The published interval (bootstrap BCa, allowing for model selection) sits on the
    // selected model's row; the conditional intervals beside it are for comparison.
    let published = match &e.bootstrap {
        None => "not published".to_string(),
        Some(Ok(b)) => format!(
            "{} ({} to {}); percentile {}; {} resamples, {} without an estimate",
            whole(b.point),
            whole(b.bca[0]),
            whole(b.bca[1]),
            pair(b.percentile),
            b.replicates,
            b.failed
        ),
        Some(Err(reason)) => format!("none: {reason}"),
    };
    let row = |label: &str, model: &Result<ModelSummary, String>, bootstrap: String| match model {
        Ok(m) => ModelRowView {
            id: String::new(),
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
            bootstrap,
            aic: format!("{:.1}", m.aic),
        },
        Err(reason) => ModelRowView {
            id: String::new(),
            window: window_label(&e.window),
            stratum: stratum_label(&e.stratum),
            model: format!("{label}: not estimated ({reason})"),
            chao: chao.clone(),
            profile_point: "-".into(),
            profile: "-".into(),
            poisson: "-".into(),
            lognormal: "-".into(),
            bootstrap,
            aic: "-".into(),
        },
    };
    // A sensitivity model with the selected model's terms would repeat its row: one row says both.
    let mut rows: Vec<ModelRowView> = Vec::new();
    let mut shown: Vec<(String, &Result<ModelSummary, String>)> = Vec::new();
    // A year's selected model is the whole period's; the year's own choice is a sensitivity.
    let mut models = vec![("selected", &e.selected)];
    models.extend(e.own_selection.iter().map(|m| ("sensitivity, the year's own selection", m)));
    models.push(("sensitivity, without heterogeneity", &e.without_heterogeneity));
    models.push(("sensitivity, main effects", &e.main_effects));
    for (label, model) in models {
        let terms = |m: &Result<ModelSummary, String>| m.as_ref().ok().map(|m| m.terms.clone());
        match shown.iter_mut().find(|(_, m)| terms(m).is_some() && terms(m) == terms(model)) {
            Some((first, _)) => {
                first.push_str(", also ");
                first.push_str(label.trim_start_matches("sensitivity, "));
            }
            None => shown.push((label.to_string(), model)),
        }
    }
    for (i, (label, model)) in shown.into_iter().enumerate() {
        rows.push(row(&label, model, if i == 0 { published.clone() } else { "-".into() }));
    }
    rows[0].id = anchor(&e.window, &e.stratum);
    rows
}

/// Whether an estimate says nothing beyond "too few children": summarised in one line per window.
fn not_estimated(e: &PrevalenceEstimate) -> bool {
    e.selected.as_ref().err().is_some_and(|r| too_few(r)) && e.bootstrap.is_none()
}

/// The published estimates: all children over the whole period and each financial year, each
/// community over the whole period, with the published (bootstrap BCa) interval.
fn headline(estimates: &[PrevalenceEstimate], published: &[String]) -> Vec<HeadlineView> {
    let whole = |v: f64| thousands(v.round().max(0.0) as u64);
    estimates
        .iter()
        .filter(|e| published.contains(&e.window))
        .filter_map(|e| {
            let Some(Ok(b)) = &e.bootstrap else { return None };
            Some(HeadlineView {
                window: window_label(&e.window),
                stratum: stratum_label(&e.stratum),
                estimate: whole(b.point),
                interval: format!("{} to {}", whole(b.bca[0]), whole(b.bca[1])),
                anchor: anchor(&e.window, &e.stratum),
            })
        })
        .collect()
}

/// The charts: the published yearly estimates with their intervals, and each estimate under the
/// selected model, the same selection without the heterogeneity term and main effects alone
/// (profile intervals), so model dependence shows at once.
fn charts(estimates: &[PrevalenceEstimate], published: &[String]) -> Vec<ChartView> {
    let mut out = Vec::new();
    let yearly: Vec<svg::Bar> = estimates
        .iter()
        .filter(|e| e.window.starts_with("fy") && e.stratum == "all" && published.contains(&e.window))
        .map(|e| match &e.bootstrap {
            Some(Ok(b)) => svg::Bar {
                label: window_label(&e.window).replace('/', "-"),
                value: Some(b.point.round()),
                symbol: String::new(),
                interval: Some((b.bca[0].round(), b.bca[1].round())),
            },
            _ => svg::Bar {
                label: window_label(&e.window).replace('/', "-"),
                value: None,
                symbol: "[x]".into(),
                interval: None,
            },
        })
        .collect();
    if !yearly.is_empty() {
        out.push(ChartView {
            id: "chart-yearly-estimates",
            title: "Published estimate each financial year, all children, with the bootstrap interval",
            svg: svg::bar_chart(
                "chart-yearly-estimates",
                "Published estimate each financial year",
                "Bar chart of the published estimate of all children each financial year with its bootstrap (BCa) 95% interval as whiskers; years without an estimate are marked.",
                "Financial year",
                "Estimated children",
                &yearly,
            ),
        });
    }
    let models: Vec<svg::Bar> = estimates
        .iter()
        .filter(|e| e.bootstrap.is_some() && published.contains(&e.window))
        .filter_map(|e| Some((e, e.selected.as_ref().ok()?)))
        .filter(|(_, s)| !s.terms.is_empty())
        .flat_map(|(e, s)| {
            let name = format!("{}, {}", window_label(&e.window), stratum_label(&e.stratum));
            let bar = |model: &str, summary: &ModelSummary| svg::Bar {
                label: format!("{name}: {model}"),
                value: Some(summary.profile_point.round()),
                symbol: String::new(),
                interval: Some((summary.profile[0].round(), summary.profile[1].round())),
            };
            let mut bars = vec![bar("selected", s)];
            let mut seen = vec![s.terms.clone()];
            let mut others: Vec<(&str, &Result<ModelSummary, String>)> =
                e.own_selection.iter().map(|m| ("own selection", m)).collect();
            others.push(("no heterogeneity", &e.without_heterogeneity));
            others.push(("main effects", &e.main_effects));
            for (label, model) in others {
                if let Ok(m) = model
                    && !seen.contains(&m.terms)
                {
                    seen.push(m.terms.clone());
                    bars.push(bar(label, m));
                }
            }
            bars
        })
        .collect();
    if !models.is_empty() {
        out.push(ChartView {
            id: "chart-model-dependence",
            title: "Each published estimate under the selected model, without the heterogeneity term, and under main effects alone",
            svg: svg::bar_chart(
                "chart-model-dependence",
                "Estimates under the selected model, without heterogeneity, and main effects alone",
                "For every published estimate whose selected model has terms beyond main effects: the profile-likelihood estimate and interval under the selected model, under the same selection without the heterogeneity term, and under main effects alone, one bar each where they differ; intervals that do not overlap mean the estimate depends on the model.",
                "Estimate and model",
                "Estimated children (profile likelihood)",
                &models,
            ),
        });
    }
    out
}

/// What the analyst report shows beside the protected release: every estimate, the warnings
/// (of the estimates and of the data quality), the data quality per agency and year, and the
/// ingest of each source.
pub struct Analysis<'a> {
    /// Every window and stratum's estimates.
    pub estimates: &'a [PrevalenceEstimate],
    /// What needs a decision ([`crate::estimate::warnings`], [`crate::estimate::quality`]).
    pub warnings: &'a [Warning],
    /// The records' data quality.
    pub quality: &'a DataQuality,
    /// Each source's ingest.
    pub sources: &'a [SourceReport],
}

/// One row of the data-quality table.
#[derive(Debug, Serialize)]
struct QualityView {
    id: String,
    agency: &'static str,
    year: String,
    records: String,
    not_known: String,
    not_known_flagged: bool,
    probabilistic: String,
    no_link_quality: String,
    lag: String,
}

fn quality_rows(quality: &DataQuality) -> Vec<QualityView> {
    let percent = quality::percent;
    let view = |y: &AgencyYear, id: String| {
        let lag = if y.with_recorded_date == 0 {
            "not in the extract".to_string()
        } else {
            let of = |n: u64| percent(n as f64 / y.with_recorded_date as f64);
            let later = y.with_recorded_date - y.recorded_within_30_days - y.recorded_within_a_year;
            format!(
                "{} within 30 days, {} within a year, {} later",
                of(y.recorded_within_30_days),
                of(y.recorded_within_a_year),
                of(later)
            )
        };
        QualityView {
            id,
            agency: y.agency.label(),
            year: y.financial_year.map_or_else(|| "Whole period".into(), |fy| window_label(&format!("fy{fy}"))),
            records: thousands(y.records),
            not_known: percent(y.not_known_share()),
            not_known_flagged: y.not_known_share() > quality::ETHNICITY_NOT_KNOWN_SHARE,
            probabilistic: percent(y.share(y.probabilistic_links)),
            no_link_quality: percent(y.share(y.link_quality_missing)),
            lag,
        }
    };
    let mut rows = Vec::new();
    for total in quality.agencies() {
        rows.push(view(&total, quality::quality_anchor(total.agency)));
        rows.extend(quality.years.iter().filter(|y| y.agency == total.agency).map(|y| view(y, String::new())));
    }
    rows
}

/// Render the private analyst report (`private/analyst.html`): model diagnostics, data quality,
/// ingest reconciliation and the disclosure summary (counts per rule, never suppressed values).
pub fn render(about: &About, coverage: &Coverage, release: &ProtectedRelease, analysis: &Analysis<'_>) -> Result<Page> {
    let Analysis { estimates, warnings, quality, sources } = *analysis;
    // The windows the release publishes: the whole period, and the financial years its yearly
    // table has (those the period covers whole).
    let mut published = vec!["whole_period".to_string()];
    if let Some(t) = release.table(TableId::EstimatesByFinancialYear) {
        published.extend(t.rows().iter().filter_map(|r| r.category.0.get(..4)).map(|y| format!("fy{y}")));
    }
    let page = AnalystPage {
        base: PageBase::new(about, coverage, release),
        threshold_p: prevalence::STEPWISE_THRESHOLD,
        bootstrap_replicates: thousands(prevalence::BOOTSTRAP_REPLICATES as u64),
        level: format!("{:.0}%", prevalence::LEVEL * 100.0),
        headline: headline(estimates, &published),
        warnings: warnings.to_vec(),
        quality: quality_rows(quality),
        not_known_threshold: format!("{:.0}%", 100.0 * quality::ETHNICITY_NOT_KNOWN_SHARE),
        charts: charts(estimates, &published),
        models: estimates.iter().filter(|e| !not_estimated(e)).flat_map(model_rows).collect(),
        not_estimated: {
            let mut lines: Vec<NotEstimated> = Vec::new();
            for e in estimates.iter().filter(|e| not_estimated(e)) {
                let id = format!("not-estimated-{}", e.window);
                match lines.iter_mut().find(|l| l.id == id) {
                    Some(line) => {
                        line.strata.push_str("; ");
                        line.strata.push_str(&stratum_label(&e.stratum));
                    }
                    None => lines.push(NotEstimated {
                        id,
                        window: window_label(&e.window),
                        strata: stratum_label(&e.stratum),
                    }),
                }
            }
            lines
        },
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
            .private()
            .log
            .tables
            .iter()
            .map(|t| DisclosureView {
                table: t.table.to_string(),
                primary: t.primary,
                secondary: t.secondary,
                repair: t.repair,
                audit: if t.pass { "passed" } else { "failed" },
            })
            .collect(),
    };
    super::render(&engine()?, "private/analyst.html", &page)
}
