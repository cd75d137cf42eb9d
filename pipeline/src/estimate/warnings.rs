//! What an analyst must look at before signing off a release, decided in one place: models that
//! could not be fitted or do not fit the capture histories, published strata too small to estimate, estimates that depend on the model, published
//! intervals the bootstrap could not give or gave with failed resamples. The warnings go to
//! `private/estimates.json`, open the analyst report (each with the row to look at) and are
//! printed at the end of `safestat run`.
//!
//! A warning's message names windows, strata and models only, never a count of children, so it
//! may go to a log.
//!
//! Owns: the warning rules and their words. May not touch: counts (it reads model summaries).

use serde::Serialize;

use super::prevalence::{MIN_OBSERVED, ModelSummary, PrevalenceEstimate};
use crate::stats::mse::HETEROGENEITY_TERM;

/// One thing to look at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// Stable code: `model_failed`, `strata_too_small`, `model_dependence`, `poor_fit`,
    /// `heterogeneity_not_fitted`, `bootstrap_failed` or `bootstrap_resamples_failed`.
    pub code: &'static str,
    /// The window (`whole_period`, `fy2012`).
    pub window: String,
    /// The stratum (`all`, a group id), empty for a warning about the whole window.
    pub stratum: String,
    /// What to look at, in plain words.
    pub message: String,
    /// The analyst report's anchor of the row to look at.
    pub anchor: String,
}

/// A window in words: `Whole period`, `2012/13`.
pub fn window_label(window: &str) -> String {
    match window.strip_prefix("fy").and_then(|y| y.parse::<i32>().ok()) {
        Some(y) => format!("{y}/{:02}", (y + 1) % 100),
        None => "Whole period".into(),
    }
}

/// A stratum in words: `All children` or the high-level group's name.
pub fn stratum_label(stratum: &str) -> String {
    if stratum == "all" {
        "All children".into()
    } else {
        crate::domain::high_level_label(stratum).unwrap_or(stratum).into()
    }
}

/// The analyst report's anchor of an estimate's rows.
pub fn anchor(window: &str, stratum: &str) -> String {
    format!("model-{window}-{stratum}")
}

/// Whether a model was not fitted only because too few children were observed.
pub fn too_few(reason: &str) -> bool {
    reason == too_few_reason()
}

/// The reason given for a stratum with fewer than [`MIN_OBSERVED`] children.
pub fn too_few_reason() -> String {
    format!("fewer than {MIN_OBSERVED} children observed")
}

/// Goodness-of-fit p-value below which a published estimate's selected model is warned about
/// (`poor_fit`): strict, since sparse capture tables make the χ² reference approximate.
pub const POOR_FIT_P: f64 = 0.01;

/// Whether two models' profile intervals leave a gap between them.
fn apart(a: &ModelSummary, b: &ModelSummary) -> bool {
    a.profile[1] < b.profile[0] || b.profile[1] < a.profile[0]
}

/// Every warning of a release's estimates, in window order (whole period first, then the
/// financial years), then by rule.
pub fn warnings(estimates: &[PrevalenceEstimate]) -> Vec<Warning> {
    let mut windows: Vec<&str> = Vec::new();
    for e in estimates {
        if !windows.contains(&e.window.as_str()) {
            windows.push(&e.window);
        }
    }
    windows.sort_by_key(|w| (*w != "whole_period", w.to_string()));
    let mut out = Vec::new();
    for window in windows {
        let here: Vec<&PrevalenceEstimate> = estimates.iter().filter(|e| e.window == window).collect();
        let w = window_label(window);
        // Only strata a release publishes: every stratum of the whole period, all children each
        // year (the yearly communities are diagnostics, too small by design).
        let small: Vec<String> = here
            .iter()
            .filter(|e| window == "whole_period" || e.stratum == "all")
            .filter(|e| e.selected.as_ref().err().is_some_and(|r| too_few(r)))
            .map(|e| stratum_label(&e.stratum))
            .collect();
        if !small.is_empty() {
            out.push(Warning {
                code: "strata_too_small",
                window: window.to_string(),
                stratum: String::new(),
                message: format!(
                    "{w}: not estimated, fewer than {MIN_OBSERVED} children observed: {}",
                    small.join("; ")
                ),
                anchor: format!("not-estimated-{window}"),
            });
        }
        for e in &here {
            let (s, at) = (stratum_label(&e.stratum), anchor(window, &e.stratum));
            let warn = |code: &'static str, message: String| Warning {
                code,
                window: window.to_string(),
                stratum: e.stratum.clone(),
                message,
                anchor: at.clone(),
            };
            match (&e.selected, &e.main_effects) {
                (Err(reason), _) if !too_few(reason) => {
                    out.push(warn("model_failed", format!("{w}, {s}: no model could be fitted ({reason})")));
                }
                (Ok(selected), Ok(main)) if !selected.terms.is_empty() && apart(selected, main) => out.push(warn(
                    "model_dependence",
                    format!(
                        "{w}, {s}: the estimate depends on the model: the intervals of the selected model (main effects + {}) and of main effects alone do not overlap",
                        selected.terms.join(" + ")
                    ),
                )),
                _ => {}
            }
            if let (Some(_), "all", Ok(selected)) = (&e.bootstrap, e.stratum.as_str(), &e.selected)
                && let Some(p) = selected.fit_p_value.filter(|&p| p < POOR_FIT_P)
            {
                out.push(warn(
                    "poor_fit",
                    format!(
                        "{w}, {s}: the selected model does not reproduce the observed capture histories (deviance {:.1} on {} degrees of freedom, p = {p:.3}); the estimate rests on an interaction pattern the data do not support, look at the fit of each history",
                        selected.deviance, selected.df
                    ),
                ));
            }
            // The published model: the selected one for all children, the stratified one for a
            // community.
            let published_terms = match (&e.bootstrap, e.stratum.as_str(), &e.selected) {
                (Some(_), "all", Ok(selected)) => Some(&selected.terms),
                (Some(_), stratum, _) if stratum != "all" => e.stratified.is_some().then_some(&e.stratified_terms),
                _ => None,
            };
            if published_terms.is_some_and(|terms| !terms.iter().any(|t| t == HETEROGENEITY_TERM)) {
                out.push(warn(
                    "heterogeneity_not_fitted",
                    format!(
                        "{w}, {s}: the heterogeneity term could not be fitted (too few lists or histories), so the estimate takes every child as equally visible to the agencies beyond the model's interactions; it is likely too low"
                    ),
                ));
            }
            match &e.bootstrap {
                Some(Err(reason)) => out.push(warn(
                    "bootstrap_failed",
                    format!("{w}, {s}: no published interval ({reason}); the release shows x"),
                )),
                Some(Ok(b)) if b.failed > 0 => out.push(warn(
                    "bootstrap_resamples_failed",
                    format!(
                        "{w}, {s}: {} of {} bootstrap resamples gave no estimate (counted as infinite, which widens the interval)",
                        b.failed, b.replicates
                    ),
                )),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RawCount;
    use crate::estimate::prevalence::BootstrapSummary;

    fn model(terms: &[&str], profile: [f64; 2]) -> ModelSummary {
        ModelSummary {
            terms: terms.iter().map(|t| (*t).to_string()).collect(),
            n_poisson: profile[0],
            lognormal: profile,
            profile_point: f64::midpoint(profile[0], profile[1]),
            profile,
            aic: 0.0,
            deviance: 0.0,
            df: 1,
            fit_p_value: Some(1.0),
            histories: Vec::new(),
        }
    }

    fn estimate(
        window: &str,
        stratum: &str,
        selected: Result<ModelSummary, String>,
        main: Result<ModelSummary, String>,
    ) -> PrevalenceEstimate {
        PrevalenceEstimate {
            window: window.into(),
            stratum: stratum.into(),
            observed: RawCount::new(100),
            removed_lists: Vec::new(),
            chao: None,
            selected,
            own_selection: None,
            without_heterogeneity: main.clone(),
            main_effects: main,
            single_interactions: Vec::new(),
            overlaps: Vec::new(),
            stratified: None,
            stratified_terms: Vec::new(),
            bootstrap: None,
        }
    }

    #[test]
    fn each_rule_warns_once_in_window_order() {
        let small = || Err(too_few_reason());
        let h = HETEROGENEITY_TERM;
        let mut failed_bootstrap =
            estimate("fy2012", "all", Ok(model(&[h], [80.0, 120.0])), Ok(model(&[], [90.0, 110.0])));
        failed_bootstrap.bootstrap = Some(Err("the interval has no upper limit".into()));
        let interval = |failed| BootstrapSummary {
            point: 1.5,
            bca: [1.0, 2.0],
            percentile: [1.0, 2.0],
            replicates: 1000,
            failed,
            bias_correction: None,
            acceleration: None,
        };
        let mut some_failed =
            estimate("whole_period", "white", Ok(model(&[h], [1.0, 2.0])), Ok(model(&[], [1.0, 2.0])));
        some_failed.bootstrap = Some(Ok(interval(3)));
        // Published without the heterogeneity term.
        let mut homogeneous = estimate("fy2011", "all", Ok(model(&[], [1.0, 2.0])), Ok(model(&[], [1.0, 2.0])));
        homogeneous.bootstrap = Some(Ok(interval(0)));
        // A published model the capture histories reject, and one they only just do not.
        let fitted = |window: &str, p: f64| {
            let mut selected = model(&[h], [1.0, 2.0]);
            (selected.deviance, selected.df, selected.fit_p_value) = (30.5, 9, Some(p));
            let mut e = estimate(window, "all", Ok(selected), Ok(model(&[], [1.0, 2.0])));
            e.bootstrap = Some(Ok(interval(0)));
            e
        };
        let (poor, fair) = (fitted("fy2013", 0.004), fitted("fy2014", POOR_FIT_P));
        // Not published: the same model, no warning.
        let unpublished = estimate("fy2011", "asian", Ok(model(&[], [1.0, 2.0])), Ok(model(&[], [1.0, 2.0])));
        let estimates = vec![
            failed_bootstrap,
            homogeneous,
            unpublished,
            estimate("whole_period", "black", small(), small()),
            // A yearly community is never published: too small, but no warning.
            estimate("fy2012", "black", small(), small()),
            estimate("whole_period", "other", small(), small()),
            // The selected model's interval (1,287 to 1,455) and main effects' (1,133 to 1,207).
            estimate(
                "whole_period",
                "all",
                Ok(model(&["Police:Health"], [1287.0, 1455.0])),
                Ok(model(&[], [1133.0, 1207.0])),
            ),
            // Overlapping intervals: no warning.
            estimate(
                "whole_period",
                "asian",
                Ok(model(&["Police:Health"], [100.0, 150.0])),
                Ok(model(&[], [140.0, 160.0])),
            ),
            estimate(
                "whole_period",
                "mixed",
                Err("the model has no finite maximum".into()),
                Ok(model(&[], [1.0, 2.0])),
            ),
            some_failed,
            poor,
            fair,
        ];
        let found = warnings(&estimates);
        let codes: Vec<(&str, &str, &str)> =
            found.iter().map(|w| (w.code, w.window.as_str(), w.stratum.as_str())).collect();
        assert_eq!(
            codes,
            [
                ("strata_too_small", "whole_period", ""),
                ("model_dependence", "whole_period", "all"),
                ("model_failed", "whole_period", "mixed"),
                ("bootstrap_resamples_failed", "whole_period", "white"),
                ("heterogeneity_not_fitted", "fy2011", "all"),
                ("bootstrap_failed", "fy2012", "all"),
                ("poor_fit", "fy2013", "all"),
            ]
        );
        assert_eq!(
            found[0].message,
            "Whole period: not estimated, fewer than 20 children observed: Black, Black British, Black Welsh, Caribbean or African; Other ethnic group"
        );
        assert!(
            found[1].message.contains("main effects + Police:Health") && found[1].anchor == "model-whole_period-all"
        );
        assert!(found[3].message.contains("3 of 1000"));
        assert!(found[4].message.starts_with("2011/12, All children: the heterogeneity term could not be fitted"));
        assert!(found[5].message.starts_with("2012/13, All children: no published interval"));
        assert!(found[6].message.contains("deviance 30.5 on 9 degrees of freedom, p = 0.004"), "{}", found[6].message);
    }
}
