//! The private analyst report (`private/analyst.html`): model diagnostics, ingest
//! reconciliation and the disclosure summary (counts per rule, never suppressed values).
//!
//! Owns: the analyst page. May not touch: files or raw counts.

use serde::Serialize;

use super::{About, Page, PageBase, engine};
use crate::disclosure::ProtectedRelease;
use crate::domain::thousands;
use crate::error::Result;
use crate::estimate::prevalence::{self, ModelSummary, PrevalenceEstimate};
use crate::ingest::SourceReport;
use crate::tables::Coverage;

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

#[derive(Debug, Serialize)]
struct AnalystPage {
    #[serde(flatten)]
    base: PageBase,
    threshold_p: f64,
    bootstrap_replicates: String,
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
    vec![row("selected", &e.selected, published), row("sensitivity", &e.main_effects, "-".into())]
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
    let page = AnalystPage {
        base: PageBase::new(about, coverage, release),
        threshold_p: prevalence::STEPWISE_THRESHOLD,
        bootstrap_replicates: thousands(prevalence::BOOTSTRAP_REPLICATES as u64),
        level: format!("{:.0}%", prevalence::LEVEL * 100.0),
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
