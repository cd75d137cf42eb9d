//! Prevalence estimates per window and stratum from the `capture_histories` query
//! (METHODS.md §1): observed children, the Chao lower bound, and multiple systems estimation
//! with stepwise model selection from main effects and Darroch's heterogeneity term (children
//! differ in how visible they are to every agency: a child hard to see for one agency is hard to
//! see for all, which pairwise interactions alone do not absorb and which biases estimates
//! downwards), its profile-likelihood interval, and two sensitivity models: the same selection
//! without the heterogeneity term, and main effects alone. A financial year borrows the model
//! selected on all children over the whole period (a year's few hundred children cannot choose
//! the interactions reliably); the year's own selection is kept as a third sensitivity model.
//! Every estimate a release publishes (all children over the whole period and each financial
//! year; each community over the whole period) also gets the bootstrap interval that allows for
//! model selection ([`BOOTSTRAP_REPLICATES`] resamples, seeded per estimate; for the years, the
//! whole period's selection is re-run on every resample), and that is the published one.
//!
//! Estimates are not computed (shown `x`) where fewer than [`MIN_OBSERVED`] children were
//! observed or fewer than two lists recorded anyone.
//!
//! Owns: windows, strata and model choice. May not touch: publication.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::Agency;
use crate::domain::RawCount;
use crate::engine::{RawColumn, RawTable};
use crate::error::{Error, Result};
use crate::stats::mse::{self, BootstrapInterval, CaptureTable, Estimate, Procedure, Resampling};

/// Smallest number of observed children for which a model estimate is computed.
pub const MIN_OBSERVED: f64 = 20.0;
/// Confidence level of published intervals.
pub const LEVEL: f64 = 0.95;
/// p-value threshold of the stepwise rule.
pub const STEPWISE_THRESHOLD: f64 = 0.02;
/// Bootstrap resamples behind every published interval.
pub const BOOTSTRAP_REPLICATES: usize = 1_000;
/// The release's bootstrap seed; each estimate draws from its own stream, derived from this and
/// its window and stratum codes, so a release is the same on every run and any thread count.
pub const BOOTSTRAP_SEED: u64 = 20_140_826;

/// A bootstrap interval that allows for model selection, as the release keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapSummary {
    /// The estimate the resampled ones are compared with: n + exp(β0) of the selected model
    /// (for a community, of the stratified model).
    pub point: f64,
    /// BCa limits.
    pub bca: [f64; 2],
    /// Percentile limits, for comparison.
    pub percentile: [f64; 2],
    /// Resamples.
    pub replicates: usize,
    /// Resamples with no finite estimate (counted as infinite).
    pub failed: usize,
    /// Bias correction z0.
    pub bias_correction: Option<f64>,
    /// Acceleration a.
    pub acceleration: Option<f64>,
}

impl BootstrapSummary {
    /// The published form: finite BCa limits, or why there are none.
    fn from_interval(b: &BootstrapInterval) -> std::result::Result<BootstrapSummary, String> {
        let (lo, hi) = b.bca.clone()?;
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(format!(
                "the bootstrap gives no upper limit ({} of {} resamples have no finite estimate)",
                b.failed,
                b.estimates.len()
            ));
        }
        Ok(BootstrapSummary {
            point: b.point,
            bca: [lo, hi],
            percentile: [b.percentile.0, b.percentile.1],
            replicates: b.estimates.len(),
            failed: b.failed,
            bias_correction: b.bias_correction,
            acceleration: b.acceleration,
        })
    }

    /// `[point, lower, upper]`.
    pub fn values(&self) -> [f64; 3] {
        [self.point, self.bca[0], self.bca[1]]
    }
}

/// The resampling of one estimate: its own seed from the release seed and its codes (FNV-1a,
/// stable across platforms and versions).
fn resampling(codes: &[&str]) -> Resampling {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in codes.join("/").bytes() {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    Resampling { replicates: BOOTSTRAP_REPLICATES, seed: BOOTSTRAP_SEED ^ h, threads }
}

/// A fitted model, for the release and the analyst diagnostics.
#[derive(Debug, Clone, Serialize)]
pub struct ModelSummary {
    /// Interaction terms beyond main effects.
    pub terms: Vec<String>,
    /// n + exp(β0).
    pub n_poisson: f64,
    /// Log-normal interval on the dark figure.
    pub lognormal: [f64; 2],
    /// Profile-likelihood point estimate.
    pub profile_point: f64,
    /// Profile-likelihood interval.
    pub profile: [f64; 2],
    /// AIC.
    pub aic: f64,
    /// Residual deviance.
    pub deviance: f64,
    /// Its degrees of freedom (capture histories fitted less coefficients).
    pub df: usize,
    /// P(χ² on `df` ≥ deviance), `None` for a saturated model: small means the model does not
    /// reproduce the observed capture histories.
    pub fit_p_value: Option<f64>,
    /// Each capture history's observed and fitted count (the selected model only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub histories: Vec<HistoryFit>,
}

/// One capture history under a fitted model.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryFit {
    /// The lists it is on, e.g. `Police + Health`.
    pub lists: String,
    /// Children observed with it.
    pub observed: f64,
    /// Children the model expects with it.
    pub fitted: f64,
}

/// Estimates for one window and stratum.
#[derive(Debug, Clone)]
pub struct PrevalenceEstimate {
    /// `whole_period` or `fy<year>`.
    pub window: String,
    /// `all` or a high-level ethnic group id.
    pub stratum: String,
    /// Distinct children observed.
    pub observed: RawCount,
    /// Lists with nobody on them (removed before fitting).
    pub removed_lists: Vec<String>,
    /// Chao lower bound `[point, lower, upper]`, when computed.
    pub chao: Option<[f64; 3]>,
    /// The stepwise-selected model (from main effects and the heterogeneity term), or why there
    /// is none. A financial year borrows the model selected on all children over the whole
    /// period ([`Procedure::Borrowed`]: fitted to the year, or the year's own selection where it
    /// cannot be).
    pub selected: std::result::Result<ModelSummary, String>,
    /// For a financial year, whose selected model is the whole period's (fitted to the year): the
    /// model stepwise selection chooses on the year alone (sensitivity).
    pub own_selection: Option<std::result::Result<ModelSummary, String>>,
    /// The stepwise-selected model without the heterogeneity term (sensitivity), or why there
    /// is none.
    pub without_heterogeneity: std::result::Result<ModelSummary, String>,
    /// The main-effects model (sensitivity), or why there is none.
    pub main_effects: std::result::Result<ModelSummary, String>,
    /// Main effects with each single interaction (sensitivity), for all children in every
    /// window and each community over the whole period: `(term, model)`.
    pub single_interactions: Vec<(String, std::result::Result<ModelSummary, String>)>,
    /// Children on each pair of lists (and on each list), for the analyst report: `(list, list,
    /// children)`, with equal names for a list's own total.
    pub overlaps: Vec<(String, String, u64)>,
    /// For a community over the whole period: `[point, lower, upper]` from the stratified model
    /// (all communities fitted together, agency dependence shared), with the log-normal interval.
    pub stratified: Option<[f64; 3]>,
    /// The stratified model's terms beyond each community's main effects (shared by all
    /// communities), where it was fitted.
    pub stratified_terms: Vec<String>,
    /// The published estimate and interval: the bootstrap that allows for model selection (of
    /// the selected model for all children; of the stratified model for a community). `None`
    /// where the release publishes no estimate for this window and stratum.
    pub bootstrap: Option<std::result::Result<BootstrapSummary, String>>,
}

fn summarise(fit: &mse::Fit) -> std::result::Result<ModelSummary, String> {
    let profile: Estimate = mse::profile_likelihood(fit, LEVEL).map_err(|e| e.to_string())?;
    let (lo, hi) = fit.lognormal_interval(LEVEL);
    Ok(ModelSummary {
        terms: fit.terms().to_vec(),
        n_poisson: fit.n_poisson(),
        lognormal: [lo, hi],
        profile_point: profile.point,
        profile: [profile.lower, profile.upper],
        aic: fit.aic,
        deviance: fit.deviance,
        df: fit.degrees_of_freedom(),
        fit_p_value: fit.fit_p_value(),
        histories: Vec::new(),
    })
}

/// [`summarise`], with each capture history's observed and fitted count (named by `table`'s lists).
fn summarise_with_histories(fit: &mse::Fit, table: &CaptureTable) -> std::result::Result<ModelSummary, String> {
    let mut summary = summarise(fit)?;
    summary.histories = fit
        .histories()
        .map(|(mask, observed, fitted)| HistoryFit {
            lists: (0..table.t())
                .filter(|j| mask >> j & 1 == 1)
                .map(|j| table.lists()[j].as_str())
                .collect::<Vec<_>>()
                .join(" + "),
            observed,
            fitted,
        })
        .collect();
    Ok(summary)
}

/// Main effects with each single interaction in turn (sensitivity: how far one pair of agencies'
/// dependence alone moves the estimate), labelled by the pair.
fn single_interactions(table: &CaptureTable) -> Vec<(String, std::result::Result<ModelSummary, String>)> {
    (0..table.t())
        .flat_map(|j| (j + 1..table.t()).map(move |k| (j, k)))
        .map(|pair| {
            let model = mse::fit(table, &[pair]).map_err(|e| e.to_string()).and_then(|f| summarise(&f));
            (table.term_name(pair), model)
        })
        .collect()
}

/// Estimate every window and stratum of the `capture_histories` result.
pub fn estimate(table: &RawTable) -> Result<Vec<PrevalenceEstimate>> {
    let fail = |message: &str| Error::Query { query: table.name().to_string(), message: message.to_string() };
    let (
        Some(RawColumn::Text(windows)),
        Some(RawColumn::Text(strata)),
        Some(RawColumn::Int(masks)),
        Some(RawColumn::Int(counts)),
    ) = (table.column("time_window"), table.column("stratum"), table.column("agency_mask"), table.column("children"))
    else {
        return Err(fail("expected columns time_window, stratum, agency_mask, children"));
    };
    let mut cells: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for i in 0..table.rows() {
        let mask = usize::try_from(masks[i])
            .ok()
            .filter(|m| (1..32).contains(m))
            .ok_or_else(|| fail("agency_mask out of range"))?;
        let entry = cells.entry((windows[i].clone(), strata[i].clone())).or_insert_with(|| vec![0.0; 32]);
        let children = RawCount::from_i64(counts[i]).ok_or_else(|| fail("children out of range"))?;
        entry[mask] += children.get() as f64;
    }
    let lists: Vec<String> = Agency::ALL.iter().map(|a| a.label().to_string()).collect();
    // Each financial year borrows the model selected on all children over the whole period: a
    // year has too few children to choose its interactions reliably, and the dependence between
    // agencies is a property of how they work together, which changes slowly.
    let whole_period = cells
        .get(&("whole_period".to_string(), "all".to_string()))
        .map(|counts| CaptureTable::new(lists.clone(), counts.clone()))
        .transpose()
        .map_err(|e| fail(&e))?;
    let selection = Procedure::StepwiseHeterogeneous(STEPWISE_THRESHOLD);
    let borrowed = whole_period.as_ref().and_then(|t| selection.chosen_model(t, STEPWISE_THRESHOLD).ok());
    let mut out = Vec::with_capacity(cells.len());
    let mut whole_period_strata: Vec<(String, CaptureTable)> = Vec::new();
    let mut yearly: Vec<(usize, CaptureTable)> = Vec::new();
    for ((window, stratum), counts) in cells {
        let table = CaptureTable::new(lists.clone(), counts).map_err(|e| fail(&e))?;
        let overlaps: Vec<(String, String, u64)> = (0..table.t())
            .flat_map(|j| (j..table.t()).map(move |k| (j, k)))
            .map(|(j, k)| {
                let n = if j == k { table.list_total(j) } else { table.overlap(j, k) };
                (lists[j].clone(), lists[k].clone(), n as u64)
            })
            .collect();
        if window == "whole_period" && stratum != "all" {
            whole_period_strata.push((stratum.clone(), table.clone()));
        }
        let year = window.starts_with("fy");
        let (reduced, removed_lists) = table.without_empty_lists();
        let n = reduced.n_observed();
        let f = reduced.frequencies();
        let too_few = super::warnings::too_few_reason();
        let mut own_selection = None;
        let mut singles = Vec::new();
        let (chao, selected, without_heterogeneity, main_effects) = if n < MIN_OBSERVED {
            (None, Err(too_few.clone()), Err(too_few.clone()), Err(too_few))
        } else if reduced.t() < 2 {
            let reason = mse::ModelError::TooFewLists.to_string();
            (None, Err(reason.clone()), Err(reason.clone()), Err(reason))
        } else {
            // Without anyone on two lists or more there is no overlap to bound from: no bound.
            let overlap = mse::chao_defined(&f);
            let c = mse::chao_lower_bound(n, f[1], f.get(2).copied().unwrap_or(0.0), LEVEL);
            let model = |fit: std::result::Result<mse::Fit, mse::ModelError>| {
                fit.map_err(|e| e.to_string()).and_then(|f| summarise(&f))
            };
            let own = mse::stepwise_heterogeneous(&reduced, STEPWISE_THRESHOLD);
            let selected = match (&borrowed, year) {
                (Some(b), true) => {
                    own_selection = Some(model(own));
                    b.fit(&reduced)
                }
                _ => own,
            }
            .map_err(|e| e.to_string())
            .and_then(|f| summarise_with_histories(&f, &reduced));
            if stratum == "all" || !year {
                singles = single_interactions(&reduced);
            }
            let without = model(mse::stepwise(&reduced, STEPWISE_THRESHOLD));
            let main = model(mse::fit(&reduced, &[]));
            (overlap.then_some([c.point, c.lower, c.upper]), selected, without, main)
        };
        // Published: all children, over the whole period and each year (the years' intervals
        // come together below).
        let published = stratum == "all" && selected.is_ok();
        if published && year && borrowed.is_some() {
            yearly.push((out.len(), table.clone()));
        }
        let bootstrap = (published && !(year && borrowed.is_some())).then(|| {
            mse::selection_interval(&reduced, &selection, resampling(&[&window, &stratum]), LEVEL)
                .map_err(|e| e.to_string())
                .and_then(|b| BootstrapSummary::from_interval(&b))
        });
        out.push(PrevalenceEstimate {
            window,
            stratum,
            observed: RawCount::new(n as u64),
            removed_lists,
            chao,
            selected,
            own_selection,
            without_heterogeneity,
            main_effects,
            single_interactions: singles,
            overlaps,
            stratified: None,
            stratified_terms: Vec::new(),
            bootstrap,
        });
    }
    if let Some(whole_period) = &whole_period
        && !yearly.is_empty()
    {
        let tables: Vec<CaptureTable> = yearly.iter().map(|(_, t)| t.clone()).collect();
        let intervals = mse::borrowed_intervals(
            whole_period,
            &selection,
            STEPWISE_THRESHOLD,
            &tables,
            resampling(&["financial_years", "all"]),
            LEVEL,
        );
        for (k, (i, _)) in yearly.iter().enumerate() {
            out[*i].bootstrap = Some(match &intervals {
                Ok(all) => BootstrapSummary::from_interval(&all[k]),
                Err(e) => Err(e.to_string()),
            });
        }
    }
    stratify(&mut out, &whole_period_strata);
    Ok(out)
}

/// Fit the stratified model over the whole period's communities (interactions selected on all
/// children, each community with at least [`MIN_OBSERVED`] children) and attach each
/// community's estimate with its log-normal interval and its bootstrap interval, which re-runs
/// the selection and the stratified fit on every resample.
fn stratify(out: &mut [PrevalenceEstimate], strata: &[(String, CaptureTable)]) {
    // A stratified model that cannot be fitted leaves the communities without estimates (`x`).
    let selection = (STEPWISE_THRESHOLD, true);
    let Ok(fit) = mse::select_and_stratify(strata, MIN_OBSERVED, selection, LEVEL) else { return };
    let intervals =
        mse::stratified_intervals(strata, MIN_OBSERVED, selection, resampling(&["whole_period", "strata"]), LEVEL)
            .map_err(|e| e.to_string());
    for (name, n, dark, (lower, upper)) in fit.strata {
        if let Some(e) = out.iter_mut().find(|e| e.window == "whole_period" && e.stratum == name) {
            e.stratified = Some([n + dark, lower, upper]);
            e.stratified_terms.clone_from(&fit.terms);
            e.bootstrap = Some(match &intervals {
                Ok(all) => all
                    .iter()
                    .find(|(s, _)| *s == name)
                    .ok_or_else(|| "no bootstrap interval".to_string())
                    .and_then(|(_, b)| BootstrapSummary::from_interval(b)),
                Err(e) => Err(e.clone()),
            });
        }
    }
}

/// The analysts' view of every estimate (`private/estimates.json`): never published.
#[derive(Debug, Serialize)]
pub struct Diagnostics<'a> {
    /// Confidence level.
    pub level: f64,
    /// Stepwise threshold.
    pub stepwise_threshold: f64,
    /// Bootstrap resamples behind each published interval.
    pub bootstrap_replicates: usize,
    /// What an analyst must look at ([`super::warnings`]).
    pub warnings: &'a [super::warnings::Warning],
    /// One entry per window and stratum.
    pub estimates: Vec<DiagnosticRow<'a>>,
}

/// One window and stratum in the diagnostics.
#[derive(Debug, Serialize)]
pub struct DiagnosticRow<'a> {
    /// Window.
    pub window: &'a str,
    /// Stratum.
    pub stratum: &'a str,
    /// Lists removed as empty.
    pub removed_lists: &'a [String],
    /// Chao lower bound.
    pub chao_lower_bound: Option<[f64; 3]>,
    /// Stepwise-selected model (from main effects and the heterogeneity term).
    pub selected_model: std::result::Result<&'a ModelSummary, &'a str>,
    /// A financial year's own stepwise selection (sensitivity; the selected model is the whole
    /// period's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_selection: Option<std::result::Result<&'a ModelSummary, &'a str>>,
    /// Stepwise-selected model without the heterogeneity term (sensitivity).
    pub without_heterogeneity: std::result::Result<&'a ModelSummary, &'a str>,
    /// Main effects (sensitivity).
    pub main_effects: std::result::Result<&'a ModelSummary, &'a str>,
    /// Main effects with each single interaction (sensitivity).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub single_interactions: Vec<SingleInteraction<'a>>,
    /// Stratified model estimate `[point, lower, upper]` (communities, whole period).
    pub stratified: Option<[f64; 3]>,
    /// The stratified model's shared terms.
    pub stratified_terms: &'a [String],
    /// The published bootstrap interval, or why there is none.
    pub bootstrap: Option<std::result::Result<&'a BootstrapSummary, &'a str>>,
}

/// Main effects with one interaction, in the diagnostics.
#[derive(Debug, Serialize)]
pub struct SingleInteraction<'a> {
    /// The pair, e.g. `Police:Health`.
    pub term: &'a str,
    /// The model, or why there is none.
    pub model: std::result::Result<&'a ModelSummary, &'a str>,
}

/// Diagnostics for the private folder, with the estimates' warnings.
pub fn diagnostics<'a>(
    estimates: &'a [PrevalenceEstimate],
    warnings: &'a [super::warnings::Warning],
) -> Diagnostics<'a> {
    Diagnostics {
        level: LEVEL,
        stepwise_threshold: STEPWISE_THRESHOLD,
        bootstrap_replicates: BOOTSTRAP_REPLICATES,
        warnings,
        estimates: estimates
            .iter()
            .map(|e| DiagnosticRow {
                window: &e.window,
                stratum: &e.stratum,
                removed_lists: &e.removed_lists,
                chao_lower_bound: e.chao,
                selected_model: e.selected.as_ref().map_err(String::as_str),
                own_selection: e.own_selection.as_ref().map(|m| m.as_ref().map_err(String::as_str)),
                without_heterogeneity: e.without_heterogeneity.as_ref().map_err(String::as_str),
                main_effects: e.main_effects.as_ref().map_err(String::as_str),
                single_interactions: e
                    .single_interactions
                    .iter()
                    .map(|(term, m)| SingleInteraction { term, model: m.as_ref().map_err(String::as_str) })
                    .collect(),
                stratified: e.stratified,
                stratified_terms: &e.stratified_terms,
                bootstrap: e.bootstrap.as_ref().map(|b| b.as_ref().map_err(String::as_str)),
            })
            .collect(),
    }
}
