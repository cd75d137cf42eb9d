//! The private analyst report (`private/analyst.html`): first what needs a decision (the
//! published estimates and every warning, each linked to its row), then charts (yearly
//! estimates; the selected model's capture-history fit, observed against fitted, with its
//! deviance read in plain words; each published estimate under every candidate model: the
//! selections, main effects, and main effects with each single interaction), the model
//! diagnostics (compact: strata too small to estimate in one line per window, one row where
//! selection chose main effects), the list overlaps as a matrix, the records' data
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
use crate::estimate::warnings::{POOR_FIT_P, Warning, anchor, stratum_label, too_few, window_label};
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
    /// Deviance on its degrees of freedom, with the goodness-of-fit p-value.
    fit: String,
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
    id: String,
    title: String,
    svg: String,
    /// Models that could not be fitted, in words (model dependence charts).
    #[serde(skip_serializing_if = "String::is_empty")]
    not_fitted: String,
}

/// The capture-history fit of the selected model for all children over the whole period.
#[derive(Debug, Serialize)]
struct FitView {
    model: String,
    deviance: String,
    df: usize,
    p: String,
    reading: String,
    chart: ChartView,
    /// (lists, observed, fitted, Pearson residual).
    histories: Vec<(String, String, String, String)>,
}

/// Children on each list (the diagonal) and on each pair of lists, as a matrix.
#[derive(Debug, Default, Serialize)]
struct OverlapMatrix {
    lists: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    /// The same as a shaded matrix (SVG).
    chart: String,
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
    fit: Option<FitView>,
    dependence: Vec<ChartView>,
    models: Vec<ModelRowView>,
    not_estimated: Vec<NotEstimated>,
    overlaps: OverlapMatrix,
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
            fit: fit_words(m),
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
            fit: "-".into(),
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

/// The charts: the published yearly estimates with their intervals.
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
                marker: Some((e.observed.get() as f64, "children observed")),
            },
            _ => svg::Bar {
                label: window_label(&e.window).replace('/', "-"),
                value: None,
                symbol: "[x]".into(),
                interval: None,
                marker: None,
            },
        })
        .collect();
    if !yearly.is_empty() {
        out.push(ChartView {
            id: "chart-yearly-estimates".into(),
            title: "Children observed (orange mark) and the published estimate (bar) each financial year, all children, with the bootstrap interval".into(),
            svg: svg::bar_chart(
                "chart-yearly-estimates",
                "Children observed and the published estimate each financial year",
                "Bar chart of the published estimate of all children each financial year with its bootstrap (BCa) 95% interval as whiskers, and the number of children observed that year as an orange mark across the bar; years without an estimate are marked.",
                "Financial year",
                "Estimated children",
                &yearly,
            ),
            not_fitted: String::new(),
        });
    }
    out
}

/// Deviance on its degrees of freedom and the p-value, e.g. `13.0 on 10 (p = 0.222)`.
fn fit_words(m: &ModelSummary) -> String {
    match m.fit_p_value {
        Some(p) => format!("{:.1} on {} (p = {})", m.deviance, m.df, p_words(p)),
        None => format!("{:.1} on 0 (saturated)", m.deviance),
    }
}

fn p_words(p: f64) -> String {
    if p < 0.001 { "< 0.001".into() } else { format!("{p:.3}") }
}

/// What the goodness of fit says, in plain words.
fn fit_reading(m: &ModelSummary) -> String {
    let caveat = "A good fit does not show that the estimate is right: children no agency could record, or                   dependence between the lists that every child shares, leave no trace in the observed                   histories.";
    match m.fit_p_value {
        None => format!(
            "The model is saturated (as many coefficients as capture histories), so the observed histories              cannot test it. {caveat}"
        ),
        Some(p) if p < POOR_FIT_P => format!(
            "The model does not reproduce the observed capture histories: a deviance this large would              happen by chance less than once in {:.0} tables if the model were right. The labelled histories              are the ones it misses most; the estimate rests on an interaction pattern the data do not              support, so compare it with the other models below before signing it off. {caveat}",
            1.0 / POOR_FIT_P
        ),
        Some(p) if p < 0.05 => format!(
            "The fit is borderline (p below 0.05, above {POOR_FIT_P}): some histories are further from the              model than chance alone would usually put them. Look at the labelled histories and at how far              the other models move the estimate. {caveat}"
        ),
        Some(_) => format!(
            "The observed capture histories are within what the model expects by chance (p of 0.05 or              more): no sign that it misses a pattern in the data. {caveat}"
        ),
    }
}

/// The selected model's capture-history fit, for all children over the whole period.
fn fit_view(estimates: &[PrevalenceEstimate]) -> Option<FitView> {
    let e = estimates.iter().find(|e| e.window == "whole_period" && e.stratum == "all")?;
    let m = e.selected.as_ref().ok()?;
    let points: Vec<svg::FitPoint> = m
        .histories
        .iter()
        .map(|h| svg::FitPoint { label: h.lists.clone(), fitted: h.fitted, observed: h.observed })
        .collect();
    let model =
        if m.terms.is_empty() { "main effects".to_string() } else { format!("main effects + {}", m.terms.join(" + ")) };
    Some(FitView {
        model: model.clone(),
        deviance: format!("{:.1}", m.deviance),
        df: m.df,
        p: m.fit_p_value.map_or_else(|| "none (saturated)".into(), p_words),
        reading: fit_reading(m),
        chart: ChartView {
            id: "chart-history-fit".into(),
            title: format!(
                "Observed against fitted children per capture history, whole period, all children ({model})"
            ),
            svg: svg::fit_chart(
                "chart-history-fit",
                "Observed against fitted children per capture history",
                "Scatter plot of each capture history (the lists a child is on): the number of children the selected model expects against the number observed.",
                ("Fitted children (log scale)", "Observed children (log scale)"),
                &points,
            ),
            not_fitted: String::new(),
        },
        histories: points
            .iter()
            .map(|p| {
                (
                    p.label.clone(),
                    thousands(p.observed.round().max(0.0) as u64),
                    format!("{:.1}", p.fitted),
                    format!("{:+.2}", svg::pearson_residual(p)),
                )
            })
            .collect(),
    })
}

/// One chart per published estimate: its profile estimate and interval under the selected model,
/// the other selections, main effects and main effects with each single interaction, one bar
/// per distinct model, so model dependence shows at once.
fn dependence(estimates: &[PrevalenceEstimate], published: &[String]) -> Vec<ChartView> {
    // The whole period first (all children, then each community), then the years in order.
    let mut shown: Vec<&PrevalenceEstimate> =
        estimates.iter().filter(|e| e.bootstrap.is_some() && published.contains(&e.window)).collect();
    shown.sort_by_key(|e| (e.window != "whole_period", e.window.clone(), e.stratum != "all", e.stratum.clone()));
    shown
        .into_iter()
        .filter_map(|e| Some((e, e.selected.as_ref().ok()?)))
        .map(|(e, s)| {
            let name = format!("{}, {}", window_label(&e.window), stratum_label(&e.stratum));
            let bar = |model: String, summary: &ModelSummary| svg::Bar {
                label: model,
                value: Some(summary.profile_point.round()),
                symbol: String::new(),
                interval: Some((summary.profile[0].round(), summary.profile[1].round())),
                marker: None,
            };
            let described = |m: &ModelSummary| {
                if m.terms.is_empty() { "main effects".to_string() } else { format!("+ {}", m.terms.join(" + ")) }
            };
            let mut candidates: Vec<(String, &std::result::Result<ModelSummary, String>)> =
                vec![(format!("selected ({})", described(s)), &e.selected)];
            candidates.extend(e.own_selection.iter().map(|m| ("own selection".to_string(), m)));
            candidates.push(("no heterogeneity".into(), &e.without_heterogeneity));
            candidates.push(("main effects".into(), &e.main_effects));
            candidates.extend(e.single_interactions.iter().map(|(term, m)| (format!("+ {term} alone"), m)));
            // One bar per distinct model; a candidate with the terms of one shown already is
            // named on that bar.
            let mut bars: Vec<svg::Bar> = Vec::new();
            let mut seen: Vec<Vec<String>> = Vec::new();
            let mut not_fitted = Vec::new();
            for (label, model) in candidates {
                match model {
                    Ok(m) => {
                        if let Some(i) = seen.iter().position(|t| *t == m.terms) {
                            bars[i].label.push_str(", also ");
                            bars[i].label.push_str(&label);
                        } else {
                            seen.push(m.terms.clone());
                            let plain = label.starts_with("selected") || label == "main effects" || label.starts_with('+');
                            bars.push(bar(if plain { label } else { format!("{label} ({})", described(m)) }, m));
                        }
                    }
                    Err(reason) => not_fitted.push(format!("{label}: {reason}")),
                }
            }
            let id = format!("chart-models-{}-{}", e.window, e.stratum);
            ChartView {
                svg: svg::bar_chart(
                    &id,
                    &format!("{name}: the estimate under each candidate model"),
                    &format!("For {name}: the profile-likelihood estimate and 95% interval under the selected model, the other selections, main effects alone and main effects with each single interaction, one bar per distinct model; intervals that do not overlap mean the estimate depends on the model."),
                    "Model",
                    "Estimated children (profile likelihood)",
                    &bars,
                ),
                id,
                title: format!("{name}: the estimate under each candidate model"),
                not_fitted: not_fitted.join("; "),
            }
        })
        .collect()
}

/// Children on each list and each pair of lists (whole period, all children), as a matrix.
fn overlap_matrix(estimates: &[PrevalenceEstimate]) -> OverlapMatrix {
    let Some(e) = estimates.iter().find(|e| e.window == "whole_period" && e.stratum == "all") else {
        return OverlapMatrix::default();
    };
    let mut lists: Vec<String> = Vec::new();
    for (a, _, _) in &e.overlaps {
        if !lists.contains(a) {
            lists.push(a.clone());
        }
    }
    let cell = |a: &str, b: &str| {
        e.overlaps.iter().find(|(x, y, _)| (x == a && y == b) || (x == b && y == a)).map_or(0, |(_, _, n)| *n)
    };
    let counts: Vec<Vec<u64>> = lists.iter().map(|a| lists.iter().map(|b| cell(a, b)).collect()).collect();
    let rows = lists.iter().zip(&counts).map(|(a, r)| (a.clone(), r.iter().map(|&n| thousands(n)).collect())).collect();
    let chart = svg::matrix_chart(
        "chart-overlaps",
        "Children on each list and on each pair of lists",
        "Matrix of the agencies' lists, whole period, all children: on the diagonal the children each list records, elsewhere the children both lists record.",
        &lists,
        &counts,
    );
    OverlapMatrix { lists, rows, chart }
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
        fit: fit_view(estimates),
        dependence: dependence(estimates, &published),
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
        overlaps: overlap_matrix(estimates),
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
