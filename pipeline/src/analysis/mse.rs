//! `safestat mse`: prevalence estimates for an analyst's own capture-history table.
//!
//! Owns: the `mse` report. May not touch: releases.

use std::path::Path;

use std::fmt::Write as _;

use serde::Serialize;

use crate::analysis::capture_csv::{self, CaptureData};
use crate::error::{Error, Result};
use crate::stats::mse::{self, CaptureTable, Pair, Procedure, Resampling};

/// Which log-linear model to fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelChoice {
    /// Forward stepwise selection by the Poisson-overlap rule, from main effects or (with
    /// `heterogeneity`) from main effects and Darroch's heterogeneity term.
    Stepwise {
        /// Whether to start from the heterogeneity term.
        heterogeneity: bool,
    },
    /// Main effects plus the named pairs (none: main effects only), with the heterogeneity term
    /// when `heterogeneity`.
    Fixed {
        /// Pairs of lists, by name.
        pairs: Vec<(String, String)>,
        /// Whether the model has the heterogeneity term.
        heterogeneity: bool,
    },
}

impl ModelChoice {
    /// Parse `stepwise`, `stepwise+heterogeneity`, `main`, or terms like `A:B,B:C` and
    /// `heterogeneity` separated by commas (`heterogeneity` alone: main effects and that term).
    pub fn parse(text: &str) -> std::result::Result<ModelChoice, String> {
        match text {
            "stepwise" => Ok(ModelChoice::Stepwise { heterogeneity: false }),
            "stepwise+heterogeneity" => Ok(ModelChoice::Stepwise { heterogeneity: true }),
            "main" => Ok(ModelChoice::Fixed { pairs: Vec::new(), heterogeneity: false }),
            _ => {
                let mut pairs = Vec::new();
                let mut heterogeneity = false;
                for term in text.split(',').map(str::trim) {
                    if term == mse::HETEROGENEITY_TERM {
                        heterogeneity = true;
                        continue;
                    }
                    let (a, b) = term.split_once(':').ok_or_else(|| {
                        format!("`{term}` is not a pair of lists like A:B, nor `{}`", mse::HETEROGENEITY_TERM)
                    })?;
                    pairs.push((a.trim().to_string(), b.trim().to_string()));
                }
                Ok(ModelChoice::Fixed { pairs, heterogeneity })
            }
        }
    }
}

/// The result, with the JSON keys of the `mse` command.
#[derive(Debug, Serialize)]
pub struct MseReport {
    /// Distinct individuals observed.
    pub n_observed: f64,
    /// The lists used (empty lists removed).
    pub lists: Vec<String>,
    /// Interaction terms of the fitted model (`[]` = main effects).
    pub model: Vec<String>,
    /// n + exp(β0).
    pub n_poisson: Option<f64>,
    /// Profile-likelihood point estimate.
    pub n_profile: Option<f64>,
    /// Profile-likelihood interval.
    pub ci_profile: Option<[f64; 2]>,
    /// Log-normal interval on the dark figure.
    pub ci_lognormal: Option<[f64; 2]>,
    /// AIC of the fitted model.
    pub aic: Option<f64>,
    /// Chao lower bound with its interval `[point, lower, upper]`; `null` when nobody is on two
    /// lists or more (there is no overlap to bound the unrecorded from; a warning says so).
    pub chao_lower_bound: Option<[f64; 3]>,
    /// The bootstrap that allows for model selection (`--interval bca`), else `null`.
    pub bootstrap: Option<BootstrapReport>,
    /// Warnings (removed lists, refused models).
    pub warnings: Vec<String>,
}

/// The bootstrap interval and how it was made.
#[derive(Debug, Serialize)]
pub struct BootstrapReport {
    /// Resamples.
    pub replicates: usize,
    /// Seed.
    pub seed: u64,
    /// The estimate the resampled ones are compared with (n + exp(b0) of the chosen model).
    pub estimate: f64,
    /// Resamples with no finite estimate (counted as infinite, never dropped).
    pub failed: usize,
    /// Bias correction z0 (`null` when undefined).
    pub bias_correction: Option<f64>,
    /// Acceleration a from the jackknife (`null` when undefined).
    pub acceleration: Option<f64>,
    /// BCa interval (`null` when undefined; a warning says why). An infinite limit is `null`
    /// inside the pair.
    pub ci_bca: Option<[Option<f64>; 2]>,
    /// Percentile interval, for comparison.
    pub ci_percentile: [Option<f64>; 2],
}

impl MseReport {
    /// A report with the observed count and the Chao lower bound only.
    fn observed_only(n: f64, lists: Vec<String>, frequencies: &[f64], level: f64) -> MseReport {
        let f = |k: usize| frequencies.get(k).copied().unwrap_or(0.0);
        let overlap = mse::chao_defined(frequencies);
        let chao = overlap
            .then(|| {
                let c = mse::chao_lower_bound(n, f(1), f(2), level);
                [c.point, c.lower, c.upper]
            })
            .filter(|c| c[2] <= BEYOND);
        let warnings = match (overlap, chao) {
            (false, _) => vec![NO_OVERLAP.to_string()],
            (true, None) => vec![format!("the Chao lower bound {TOO_LARGE}")],
            (true, Some(_)) => Vec::new(),
        };
        MseReport {
            n_observed: n,
            lists,
            model: Vec::new(),
            n_poisson: None,
            n_profile: None,
            ci_profile: None,
            ci_lognormal: None,
            aic: None,
            chao_lower_bound: chao,
            bootstrap: None,
            warnings,
        }
    }
}

/// Why a table where nobody is on two lists has no Chao lower bound.
const NO_OVERLAP: &str = "nobody is on two lists or more: without an overlap between lists there is no Chao lower \
     bound (the number no list recorded cannot be bounded)";

/// Estimates above this many are not given: far past any population, they say only that the
/// lists overlap too little (the largest count accepted, `domain::count::MAX_COUNT`).
#[allow(clippy::cast_precision_loss)] // 10^9 is exact
const BEYOND: f64 = crate::domain::count::MAX_COUNT as f64;

/// Why an estimate above [`BEYOND`] is not given.
const TOO_LARGE: &str = "is above 1,000,000,000 and is not given: the lists overlap too little to estimate from";

/// Why a table with nobody in it has no estimate.
const NOBODY: &str = "nobody is counted in the table: there is nothing to estimate from";

/// Run the estimates on a table file.
pub fn run(
    path: &Path,
    model: &ModelChoice,
    threshold: f64,
    level: f64,
    resampling: Option<Resampling>,
) -> Result<MseReport> {
    let fail = |message: String| Error::Analysis { path: path.to_path_buf(), message };
    let table = match capture_csv::read(path)? {
        CaptureData::Histories(t) => t,
        CaptureData::Frequencies(f) => {
            let n: f64 = f.iter().sum();
            if n <= 0.0 {
                return Err(fail(NOBODY.into()));
            }
            let mut report = MseReport::observed_only(n, Vec::new(), &f, level);
            report.warnings.push("frequency-of-capture data: only the Chao lower bound can be given".into());
            return Ok(report);
        }
    };
    let (table, removed) = table.without_empty_lists();
    if table.n_observed() <= 0.0 {
        return Err(fail(NOBODY.into()));
    }
    if table.t() < 2 {
        return Err(fail(format!(
            "only {} list has anyone on it{}: the Chao lower bound and every model need two lists or \
             more, since only the overlap between lists says how many no list recorded",
            table.t(),
            if removed.is_empty() { String::new() } else { format!(" ({} empty removed)", removed.len()) }
        )));
    }
    let mut report = MseReport::observed_only(table.n_observed(), table.lists().to_vec(), &table.frequencies(), level);
    let mut warnings: Vec<String> =
        removed.iter().map(|l| format!("list `{l}` has nobody on it and was removed")).collect();
    warnings.append(&mut report.warnings);
    let fitted = match model {
        ModelChoice::Stepwise { heterogeneity: false } => mse::stepwise(&table, threshold),
        ModelChoice::Stepwise { heterogeneity: true } => mse::stepwise_heterogeneous(&table, threshold),
        ModelChoice::Fixed { pairs: names, heterogeneity } => {
            let pairs = resolve_pairs(&table, names).map_err(fail)?;
            mse::fit_model(&table, &pairs, *heterogeneity)
        }
    };
    if *model == (ModelChoice::Stepwise { heterogeneity: true }) && fitted.as_ref().is_ok_and(|f| !f.heterogeneity) {
        warnings.push(format!(
            "the `{}` term cannot be fitted to this table (too few lists or histories, or no finite \
             estimate with it): the model is selected without it",
            mse::HETEROGENEITY_TERM
        ));
    }
    match fitted {
        Ok(fit) if fit.n_poisson() > BEYOND => warnings.push(format!("the model's estimate {TOO_LARGE}")),
        Ok(fit) => {
            let profile = mse::profile_likelihood(&fit, level).map_err(|e| fail(e.to_string()))?;
            let (lo, hi) = fit.lognormal_interval(level);
            report.model = fit.terms().to_vec();
            report.n_poisson = Some(fit.n_poisson());
            report.n_profile = Some(profile.point);
            report.ci_profile = Some([profile.lower, profile.upper]);
            report.ci_lognormal = Some([lo, hi]);
            report.aic = Some(fit.aic);
            if let Some(resampling) = resampling {
                let procedure = match model {
                    ModelChoice::Stepwise { heterogeneity: false } => Procedure::Stepwise(threshold),
                    ModelChoice::Stepwise { heterogeneity: true } => Procedure::StepwiseHeterogeneous(threshold),
                    ModelChoice::Fixed { pairs, heterogeneity } => {
                        Procedure::Fixed { pairs: pairs.clone(), heterogeneity: *heterogeneity }
                    }
                };
                let b =
                    mse::selection_interval(&table, &procedure, resampling, level).map_err(|e| fail(e.to_string()))?;
                let finite = |v: f64| v.is_finite().then_some(v);
                if let Err(why) = &b.bca {
                    warnings.push(format!("no bootstrap (BCa) interval: {why}"));
                }
                report.bootstrap = Some(BootstrapReport {
                    replicates: resampling.replicates,
                    seed: resampling.seed,
                    estimate: b.point,
                    failed: b.failed,
                    bias_correction: b.bias_correction,
                    acceleration: b.acceleration,
                    ci_bca: b.bca.ok().map(|(lo, hi)| [finite(lo), finite(hi)]),
                    ci_percentile: [finite(b.percentile.0), finite(b.percentile.1)],
                });
            }
            warnings.extend(fit.empty_pairs.iter().map(|p| {
                format!(
                    "lists {} share nobody: histories with both were left out of the fit (AIC + 2)",
                    table.term_name(*p)
                )
            }));
        }
        Err(e) => warnings.push(e.to_string()),
    }
    report.warnings = warnings;
    Ok(report)
}

fn resolve_pairs(table: &CaptureTable, names: &[(String, String)]) -> std::result::Result<Vec<Pair>, String> {
    let index = |name: &str| {
        table
            .lists()
            .iter()
            .position(|l| l == name)
            .ok_or_else(|| format!("the model names list `{name}`, which the table lacks"))
    };
    names
        .iter()
        .map(|(a, b)| {
            let (i, j) = (index(a)?, index(b)?);
            if i == j {
                return Err(format!("`{a}:{b}` pairs a list with itself"));
            }
            Ok((i.min(j), i.max(j)))
        })
        .collect()
}

/// A readable text table of a report.
pub fn to_text(report: &MseReport, level: f64) -> String {
    let pct = level * 100.0;
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"));
    let range = |v: Option<[f64; 2]>| v.map_or_else(|| "-".to_string(), |[a, b]| format!("{a:.1} to {b:.1}"));
    let model = if report.n_poisson.is_none() {
        "none fitted".to_string()
    } else if report.model.is_empty() {
        "main effects".to_string()
    } else {
        format!("main effects + {}", report.model.join(" + "))
    };
    let mut out = String::new();
    let _ = writeln!(out, "lists                      {}", report.lists.join(", "));
    let _ = writeln!(out, "observed (distinct)        {:.0}", report.n_observed);
    match report.chao_lower_bound {
        Some([point, lower, upper]) => {
            let _ = writeln!(out, "Chao lower bound           {point:.1} ({pct:.0}% CI {lower:.1} to {upper:.1})");
        }
        None => {
            let _ = writeln!(out, "Chao lower bound           - (see the warning)");
        }
    }
    let _ = writeln!(out, "model                      {model}");
    let _ = writeln!(out, "AIC                        {}", opt(report.aic));
    let _ = writeln!(out, "N (Poisson, n + exp(b0))   {}", opt(report.n_poisson));
    let _ = writeln!(out, "  log-normal {pct:.0}% CI       {}", range(report.ci_lognormal));
    let _ = writeln!(out, "N (profile likelihood)     {}", opt(report.n_profile));
    let _ = writeln!(out, "  profile {pct:.0}% CI          {}", range(report.ci_profile));
    if let Some(b) = &report.bootstrap {
        let limit = |v: Option<f64>| v.map_or_else(|| "no limit".to_string(), |v| format!("{v:.1}"));
        let pair = |p: [Option<f64>; 2]| format!("{} to {}", limit(p[0]), limit(p[1]));
        let _ = writeln!(
            out,
            "  bootstrap BCa {pct:.0}% CI    {}  (allows for model selection: {} resamples, seed {}, {} without an estimate)",
            b.ci_bca.map_or_else(|| "-".to_string(), pair),
            b.replicates,
            b.seed,
            b.failed
        );
        let _ = writeln!(out, "  bootstrap percentile       {}", pair(b.ci_percentile));
    }
    for w in &report.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}
