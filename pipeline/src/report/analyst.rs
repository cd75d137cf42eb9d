//! The private analyst report (`private/analyst.html`): first what needs a decision (the
//! published estimates and every warning, each linked to its row), then charts (yearly
//! estimates, model dependence), the model diagnostics (compact: strata too small to estimate
//! in one line per window, one row where selection chose main effects), ingest reconciliation
//! and the disclosure summary (counts per rule, never suppressed values).
//!
//! Owns: the analyst page. May not touch: files or raw counts.

use serde::Serialize;

use super::{About, Page, PageBase, engine, svg};
use crate::disclosure::ProtectedRelease;
use crate::domain::thousands;
use crate::error::Result;
use crate::estimate::prevalence::{self, ModelSummary, PrevalenceEstimate};
use crate::estimate::warnings::{self, Warning, anchor, stratum_label, too_few, window_label};
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
    // Stepwise chose main effects: the sensitivity row would repeat it, so there is one row.
    let same = matches!((&e.selected, &e.main_effects), (Ok(s), Ok(_)) if s.terms.is_empty());
    let mut rows = if same {
        vec![row("selected, also the sensitivity model", &e.selected, published)]
    } else {
        vec![row("selected", &e.selected, published), row("sensitivity", &e.main_effects, "-".into())]
    };
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
/// selected model and main effects alone (profile intervals), so model dependence shows at once.
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
        .filter_map(|e| Some((e, e.selected.as_ref().ok()?, e.main_effects.as_ref().ok()?)))
        .filter(|(_, s, _)| !s.terms.is_empty())
        .flat_map(|(e, s, m)| {
            let name = format!("{}, {}", window_label(&e.window), stratum_label(&e.stratum));
            let bar = |model: &str, summary: &ModelSummary| svg::Bar {
                label: format!("{name}: {model}"),
                value: Some(summary.profile_point.round()),
                symbol: String::new(),
                interval: Some((summary.profile[0].round(), summary.profile[1].round())),
            };
            [bar("selected", s), bar("main effects", m)]
        })
        .collect();
    if !models.is_empty() {
        out.push(ChartView {
            id: "chart-model-dependence",
            title: "Each published estimate under the selected model and under main effects alone",
            svg: svg::bar_chart(
                "chart-model-dependence",
                "Estimates under the selected model and main effects alone",
                "For every published estimate whose selected model has interactions: the profile-likelihood estimate and interval under the selected model and under main effects alone, one pair of bars each; intervals that do not overlap mean the estimate depends on the model.",
                "Estimate and model",
                "Estimated children (profile likelihood)",
                &models,
            ),
        });
    }
    out
}

/// Render the private analyst report (`private/analyst.html`): model diagnostics, ingest
/// reconciliation and the disclosure summary (counts per rule, never suppressed values).
pub fn render(
    about: &About,
    coverage: &Coverage,
    release: &ProtectedRelease,
    estimates: &[PrevalenceEstimate],
    sources: &[SourceReport],
) -> Result<Page> {
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
        warnings: warnings::warnings(estimates),
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
