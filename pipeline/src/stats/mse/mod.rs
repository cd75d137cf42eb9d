//! Prevalence from overlapping lists (METHODS.md §1): Lincoln-Petersen, Chapman with Seber
//! variance, the Chao lower bound, and multiple systems estimation by Poisson log-linear models
//! fitted by IRLS, with stepwise selection by the Poisson-overlap rule, existence and
//! identifiability checks (Fienberg-Rinaldo linear program; design rank), log-normal intervals
//! on the dark figure and multinomial profile-likelihood intervals.
//!
//! Pairs of lists in a model whose overlap is empty are handled as SparseMSE does: the pair's
//! term is left out of the fit, every capture history holding both lists is removed, and 2 is
//! added to the AIC per such pair.
//!
//! A model may also carry Darroch's heterogeneity term (Darroch, Fienberg, Glonek and Junker
//! 1993; Rcapture's `Mth Darroch`): one column `C(|ω|, 2)`, the number of pairs of lists a history
//! is on, i.e. one dependence shared by every pair of lists (Agresti 1994). It is the log-linear
//! form of individual capture probabilities that vary from child to child by a common factor (a
//! child hard to see for one agency is hard to see for all): with log-normal variation of
//! variance σ², the expected counts are log-linear in |ω|² with coefficient σ²/2.
//!
//! Owns: capture tables, model fitting and selection. May not touch: files or publication.

use statrs::function::gamma::ln_gamma;

use super::linalg::{Matrix, cholesky, cholesky_solve};
use super::proportion::z_value;

mod bootstrap;
mod intervals;
mod strata;

/// Counts per capture history over `t` lists; index = bitmask (bit j = on list j).
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureTable {
    lists: Vec<String>,
    counts: Vec<f64>,
}

/// A pair of lists (indices, first < second) whose interaction is in a model.
pub type Pair = (usize, usize);

/// Why a model has no estimate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// The maximum likelihood estimate does not exist (the dark figure is infinite).
    NoEstimate {
        /// The model's interaction terms, e.g. `A:B`.
        terms: Vec<String>,
    },
    /// The model's parameters cannot be identified from the observed histories.
    NotIdentifiable {
        /// The model's interaction terms.
        terms: Vec<String>,
    },
    /// Fewer than two lists with anyone on them.
    TooFewLists,
    /// The fitting algorithm did not converge.
    NotConverged,
}

impl ModelError {
    /// Whether the model cannot be fitted to these data (no finite estimate, not identifiable,
    /// or no convergence), as opposed to a table with too few lists: a simpler model may still be.
    pub fn is_unfittable(&self) -> bool {
        matches!(self, ModelError::NoEstimate { .. } | ModelError::NotIdentifiable { .. } | ModelError::NotConverged)
    }
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let model = |terms: &[String]| {
            if terms.is_empty() { "main effects".to_string() } else { format!("main effects + {}", terms.join(" + ")) }
        };
        match self {
            ModelError::NoEstimate { terms } => write!(
                f,
                "the model {} has no finite estimate with these data (the fit would make the unobserved \
                 population infinite); leave out those interactions",
                model(terms)
            ),
            ModelError::NotIdentifiable { terms } => write!(
                f,
                "the model {} is not identifiable with these data (more parameters than the observed \
                 histories can determine)",
                model(terms)
            ),
            ModelError::TooFewLists => {
                write!(f, "fewer than two lists have anyone on them: only the observed count can be given")
            }
            ModelError::NotConverged => write!(f, "the model fit did not converge"),
        }
    }
}

impl CaptureTable {
    /// A table from list names and counts indexed by bitmask (`counts.len() == 2^t`; index 0,
    /// the unobserved cell, must be 0).
    pub fn new(lists: Vec<String>, counts: Vec<f64>) -> Result<CaptureTable, String> {
        let t = lists.len();
        if t == 0 || t > 16 {
            return Err(format!("a capture table needs 1 to 16 lists, not {t}"));
        }
        if counts.len() != 1 << t {
            return Err("counts must have one entry per capture history".into());
        }
        if counts[0] != 0.0 {
            return Err("the all-zero history cannot be observed".into());
        }
        if counts.iter().any(|c| !c.is_finite() || *c < 0.0) {
            return Err("counts must be finite and not negative".into());
        }
        Ok(CaptureTable { lists, counts })
    }

    /// The list names.
    pub fn lists(&self) -> &[String] {
        &self.lists
    }

    /// Number of lists.
    pub fn t(&self) -> usize {
        self.lists.len()
    }

    /// Count of one history.
    pub fn count(&self, mask: usize) -> f64 {
        self.counts[mask]
    }

    /// Distinct individuals observed.
    pub fn n_observed(&self) -> f64 {
        self.counts.iter().sum()
    }

    /// Individuals on list j.
    pub fn list_total(&self, j: usize) -> f64 {
        self.sum_where(|m| m >> j & 1 == 1)
    }

    /// Individuals on both lists j and k (whatever their other lists).
    pub fn overlap(&self, j: usize, k: usize) -> f64 {
        self.sum_where(|m| m >> j & 1 == 1 && m >> k & 1 == 1)
    }

    fn sum_where(&self, keep: impl Fn(usize) -> bool) -> f64 {
        self.counts.iter().enumerate().filter(|(m, _)| keep(*m)).map(|(_, c)| c).sum()
    }

    /// `f[k]` = individuals on exactly k lists (`f[0]` = 0).
    pub fn frequencies(&self) -> Vec<f64> {
        let mut f = vec![0.0; self.t() + 1];
        for (mask, c) in self.counts.iter().enumerate() {
            f[mask.count_ones() as usize] += c;
        }
        f
    }

    /// The table without lists that have nobody on them, and the names of those removed.
    pub fn without_empty_lists(&self) -> (CaptureTable, Vec<String>) {
        let keep: Vec<usize> = (0..self.t()).filter(|&j| self.list_total(j) > 0.0).collect();
        let removed = (0..self.t()).filter(|j| !keep.contains(j)).map(|j| self.lists[j].clone()).collect();
        let mut counts = vec![0.0; 1 << keep.len()];
        for (mask, c) in self.counts.iter().enumerate() {
            let new_mask = keep.iter().enumerate().fold(0, |acc, (i, &j)| acc | ((mask >> j & 1) << i));
            counts[new_mask] += c;
        }
        let lists = keep.iter().map(|&j| self.lists[j].clone()).collect();
        (CaptureTable { lists, counts }, removed)
    }

    /// `A:B` for a pair.
    pub fn term_name(&self, pair: Pair) -> String {
        format!("{}:{}", self.lists[pair.0], self.lists[pair.1])
    }

    fn term_names(&self, pairs: &[Pair]) -> Vec<String> {
        pairs.iter().map(|p| self.term_name(*p)).collect()
    }
}

/// The design of a model on a table, after empty-overlap handling.
#[derive(Debug, Clone)]
struct Design {
    masks: Vec<usize>,
    x: Matrix,
    y: Vec<f64>,
    terms: Vec<String>,
    pairs: Vec<Pair>,
    empty_pairs: Vec<Pair>,
    heterogeneity: bool,
}

/// The name of Darroch's heterogeneity term among a model's terms.
pub const HETEROGENEITY_TERM: &str = "heterogeneity";

/// Darroch's heterogeneity column of a history: the number of pairs of lists it is on.
fn heterogeneity_column(mask: usize) -> f64 {
    let k = f64::from(mask.count_ones());
    k * (k - 1.0) / 2.0
}

fn design(table: &CaptureTable, pairs: &[Pair], heterogeneity: bool) -> Design {
    let t = table.t();
    let (empty_pairs, fitted_pairs): (Vec<Pair>, Vec<Pair>) =
        pairs.iter().copied().partition(|&(j, k)| table.overlap(j, k) == 0.0);
    let masks: Vec<usize> =
        (1..1usize << t).filter(|m| empty_pairs.iter().all(|&(j, k)| !(m >> j & 1 == 1 && m >> k & 1 == 1))).collect();
    let rows: Vec<Vec<f64>> = masks
        .iter()
        .map(|&m| {
            let mut row = design_row(m, t, &fitted_pairs);
            if heterogeneity {
                row.push(heterogeneity_column(m));
            }
            row
        })
        .collect();
    let mut terms = table.term_names(pairs);
    if heterogeneity {
        terms.push(HETEROGENEITY_TERM.to_string());
    }
    Design {
        y: masks.iter().map(|&m| table.count(m)).collect(),
        x: Matrix::from_rows(&rows),
        masks,
        terms,
        pairs: pairs.to_vec(),
        empty_pairs,
        heterogeneity,
    }
}

/// The design of a heterogeneity model over the number of captures |ω| (Rcapture's M0 and
/// Mh Chao): columns 1, |ω|, and for each k in `etas` the column (|ω| − k + 1)₊.
fn capture_count_design(table: &CaptureTable, etas: &[usize]) -> Design {
    let masks: Vec<usize> = (1..1usize << table.t()).collect();
    let rows: Vec<Vec<f64>> = masks
        .iter()
        .map(|&m| {
            let k = f64::from(m.count_ones());
            let mut row = vec![1.0, k];
            row.extend(etas.iter().map(|&e| (k - e as f64 + 1.0).max(0.0)));
            row
        })
        .collect();
    let mut terms = vec!["nbcap".to_string()];
    terms.extend(etas.iter().map(|e| format!("eta{e}")));
    Design {
        y: masks.iter().map(|&m| table.count(m)).collect(),
        x: Matrix::from_rows(&rows),
        masks,
        terms,
        pairs: Vec::new(),
        empty_pairs: Vec::new(),
        heterogeneity: false,
    }
}

fn design_row(mask: usize, t: usize, pairs: &[Pair]) -> Vec<f64> {
    let bit = |j: usize| if mask >> j & 1 == 1 { 1.0 } else { 0.0 };
    let mut row = Vec::with_capacity(1 + t + pairs.len());
    row.push(1.0);
    row.extend((0..t).map(bit));
    row.extend(pairs.iter().map(|&(j, k)| bit(j) * bit(k)));
    row
}

/// Check existence (Fienberg-Rinaldo linear program) and identifiability (design rank).
pub fn check(table: &CaptureTable, pairs: &[Pair]) -> Result<(), ModelError> {
    check_model(table, pairs, false)
}

/// [`check`] for a model with or without Darroch's heterogeneity term.
pub fn check_model(table: &CaptureTable, pairs: &[Pair], heterogeneity: bool) -> Result<(), ModelError> {
    check_design(&design(table, pairs, heterogeneity))
}

fn check_design(d: &Design) -> Result<(), ModelError> {
    if d.x.rank() < d.x.cols() {
        return Err(ModelError::NotIdentifiable { terms: d.terms.clone() });
    }
    if !mle_exists(d) {
        return Err(ModelError::NoEstimate { terms: d.terms.clone() });
    }
    Ok(())
}

/// max s subject to Xᵀμ = Xᵀy, μᵢ ≥ s, μ ≥ 0: the MLE exists when s > 0. With every
/// history of the design observed (no zero count), μ = y is such a point, so no program is
/// solved. Written with μ = s + ν (ν ≥ 0), the program has one equality row per column of the
/// design, Xᵀν + s·Xᵀ1 = Xᵀy, and no row per history: the same optimum, a far smaller program.
fn mle_exists(d: &Design) -> bool {
    use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome};
    if d.y.iter().all(|&y| y > 0.0) {
        return true;
    }
    let scale = d.y.iter().sum::<f64>().max(1.0);
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    let nu: Vec<_> = d.y.iter().map(|_| lp.add_var(0.0, (0.0, f64::INFINITY))).collect();
    let s = lp.add_var(1.0, (0.0, f64::INFINITY));
    for c in 0..d.x.cols() {
        let target: f64 = (0..d.x.rows()).map(|i| d.x.get(i, c) * d.y[i]).sum::<f64>() / scale;
        let column_sum: f64 = (0..d.x.rows()).map(|i| d.x.get(i, c)).sum();
        let mut expr: Vec<_> =
            (0..d.x.rows()).filter(|&i| d.x.get(i, c) != 0.0).map(|i| (nu[i], d.x.get(i, c))).collect();
        if column_sum != 0.0 {
            expr.push((s, column_sum));
        }
        lp.add_constraint(expr, ComparisonOp::Eq, target);
    }
    match lp.solve() {
        Ok(SolveOutcome::Solution(solution)) => solution.objective() > 1e-9,
        _ => false,
    }
}

/// R's `glm.control()$epsilon`.
const GLM_EPSILON: f64 = 1e-8;

struct Irls {
    beta: Vec<f64>,
    mu: Vec<f64>,
    deviance: f64,
    /// Diagonal of (XᵀWX)⁻¹: the coefficients' variances.
    variances: Vec<f64>,
}

fn deviance(y: &[f64], mu: &[f64]) -> f64 {
    2.0 * y.iter().zip(mu).map(|(&y, &m)| if y > 0.0 { y * (y / m).ln() - (y - m) } else { m }).sum::<f64>()
}

/// Poisson log-linear fit by iteratively reweighted least squares, following R's `glm.fit`,
/// the software behind the published reference values: start μ = y + 0.1, stop when
/// |ΔD| / (|D| + 0.1) < 1e-8, and take the intercept's variance from the last weighted
/// least-squares step, as `summary.glm` does. (METHODS.md asks for 1e-10; with it the
/// log-normal limits move by up to 0.005, enough to miss the rounded reference values.)
fn irls(x: &Matrix, y: &[f64], start: Option<&[f64]>) -> Option<Irls> {
    let (n, p) = (x.rows(), x.cols());
    let mut mu: Vec<f64> = start.map_or_else(|| y.iter().map(|v| v + 0.1).collect(), <[f64]>::to_vec);
    let mut dev_old = deviance(y, &mu);
    let mut beta = vec![0.0; p];
    for _ in 0..500 {
        let mut xtwx = Matrix::zeros(p, p);
        let mut xtwz = vec![0.0; p];
        for i in 0..n {
            let w = mu[i];
            let z = mu[i].ln() + (y[i] - mu[i]) / mu[i];
            let row = x.row(i);
            for a in 0..p {
                if row[a] == 0.0 {
                    continue;
                }
                xtwz[a] += row[a] * w * z;
                for b in 0..=a {
                    xtwx.set(a, b, xtwx.get(a, b) + row[a] * w * row[b]);
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                xtwx.set(b, a, xtwx.get(a, b));
            }
        }
        let l = cholesky(&xtwx)?;
        beta = cholesky_solve(&l, &xtwz);
        for i in 0..n {
            let eta: f64 = x.row(i).iter().zip(&beta).map(|(a, b)| a * b).sum();
            if eta > 700.0 {
                return None;
            }
            mu[i] = eta.exp().max(1e-300);
        }
        let dev = deviance(y, &mu);
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < GLM_EPSILON {
            let variances = (0..p)
                .map(|j| {
                    let mut e = vec![0.0; p];
                    e[j] = 1.0;
                    cholesky_solve(&l, &e)[j]
                })
                .collect();
            return Some(Irls { beta, mu, deviance: dev, variances });
        }
        dev_old = dev;
    }
    None
}

/// A fitted log-linear model.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Interaction terms in the model (fitted ones and empty-overlap ones).
    pub pairs: Vec<Pair>,
    /// Pairs whose overlap is empty (left out of the fit; their histories removed).
    pub empty_pairs: Vec<Pair>,
    /// Whether the model has Darroch's heterogeneity term (its coefficient is the last).
    pub heterogeneity: bool,
    /// Coefficients: intercept, one per list, one per fitted pair, then the heterogeneity term's.
    pub beta: Vec<f64>,
    /// Standard error of the intercept.
    pub se_intercept: f64,
    /// Residual deviance.
    pub deviance: f64,
    /// Poisson log-likelihood (with the log y! terms).
    pub log_likelihood: f64,
    /// AIC, with 2 added per empty-overlap pair.
    pub aic: f64,
    /// Individuals observed.
    pub n_observed: f64,
    design: Design,
    mu: Vec<f64>,
}

impl Fit {
    /// The estimated number never observed, exp(β0).
    pub fn dark_figure(&self) -> f64 {
        self.beta[0].exp()
    }

    /// n + exp(β0).
    pub fn n_poisson(&self) -> f64 {
        self.n_observed + self.dark_figure()
    }

    /// Log-normal interval on the dark figure: `[n + exp(β0 − z·se), n + exp(β0 + z·se)]`.
    pub fn lognormal_interval(&self, level: f64) -> (f64, f64) {
        let z = z_value(level);
        (
            self.n_observed + (self.beta[0] - z * self.se_intercept).exp(),
            self.n_observed + (self.beta[0] + z * self.se_intercept).exp(),
        )
    }

    /// Fitted expected count of a capture history (0 for removed histories).
    pub fn fitted(&self, mask: usize) -> f64 {
        self.design.masks.iter().position(|&m| m == mask).map_or(0.0, |i| self.mu[i])
    }

    /// Term names of the model beyond main effects, e.g. `["D:E"]`.
    pub fn terms(&self) -> &[String] {
        &self.design.terms
    }

    /// Residual degrees of freedom: the capture histories fitted (all observable ones but those
    /// an empty pair rules out) less the coefficients.
    pub fn degrees_of_freedom(&self) -> usize {
        self.design.masks.len().saturating_sub(self.beta.len())
    }

    /// The goodness-of-fit p-value, P(χ² on the residual degrees of freedom ≥ the deviance);
    /// `None` for a saturated model (no degrees of freedom left).
    pub fn fit_p_value(&self) -> Option<f64> {
        let df = self.degrees_of_freedom();
        (df > 0).then(|| statrs::function::gamma::gamma_ur(df as f64 / 2.0, (self.deviance / 2.0).max(0.0)))
    }

    /// Each capture history fitted: its mask, observed count and fitted count.
    pub fn histories(&self) -> impl Iterator<Item = (usize, f64, f64)> + '_ {
        self.design.masks.iter().zip(&self.design.y).zip(&self.mu).map(|((&m, &y), &mu)| (m, y, mu))
    }
}

/// Fit a model (main effects plus `pairs`), after checking existence and identifiability.
pub fn fit(table: &CaptureTable, pairs: &[Pair]) -> Result<Fit, ModelError> {
    fit_model(table, pairs, false)
}

/// Fit main effects plus `pairs`, with Darroch's heterogeneity term when `heterogeneity`, after
/// checking existence and identifiability.
pub fn fit_model(table: &CaptureTable, pairs: &[Pair], heterogeneity: bool) -> Result<Fit, ModelError> {
    if (0..table.t()).filter(|&j| table.list_total(j) > 0.0).count() < 2 {
        return Err(ModelError::TooFewLists);
    }
    check_model(table, pairs, heterogeneity)?;
    fit_unchecked(table, pairs, heterogeneity)
}

fn fit_unchecked(table: &CaptureTable, pairs: &[Pair], heterogeneity: bool) -> Result<Fit, ModelError> {
    fit_design(table, design(table, pairs, heterogeneity))
}

/// Fit Rcapture's heterogeneity models on the number of captures: `etas` empty is M0; `[3]`
/// (or `[3, 4, …]`) is Mh Chao's lower-bound model with those η terms.
pub fn fit_capture_count_model(table: &CaptureTable, etas: &[usize]) -> Result<Fit, ModelError> {
    let d = capture_count_design(table, etas);
    check_design(&d)?;
    fit_design(table, d)
}

fn fit_design(table: &CaptureTable, d: Design) -> Result<Fit, ModelError> {
    let r = irls(&d.x, &d.y, None).ok_or(ModelError::NotConverged)?;
    let log_likelihood: f64 =
        d.y.iter().zip(&r.mu).map(|(&y, &m)| if y > 0.0 { y * m.ln() } else { 0.0 } - m - ln_gamma(y + 1.0)).sum();
    let p = d.x.cols() as f64;
    Ok(Fit {
        pairs: d.pairs.clone(),
        empty_pairs: d.empty_pairs.clone(),
        heterogeneity: d.heterogeneity,
        beta: r.beta,
        se_intercept: r.variances[0].sqrt(),
        deviance: r.deviance,
        log_likelihood,
        aic: -2.0 * log_likelihood + 2.0 * p + 2.0 * d.empty_pairs.len() as f64,
        n_observed: table.n_observed(),
        design: d,
        mu: r.mu,
    })
}

/// Poisson cumulative probability P(X ≤ k) for mean λ.
fn poisson_cdf(k: f64, lambda: f64) -> f64 {
    if k < 0.0 {
        return 0.0;
    }
    // P(X ≤ k) = Q(k + 1, λ), the regularised upper incomplete gamma function.
    statrs::function::gamma::gamma_ur(k + 1.0, lambda)
}

/// Forward stepwise selection by the Poisson-overlap rule (SparseMSE): from main effects, add
/// the pair with the smallest one-sided Poisson p-value below `threshold`, skipping pairs that
/// would make the model non-existent or non-identifiable; ties go to the first pair.
///
/// Only pairs that could be added are checked: those below the threshold, in order of p-value,
/// until one passes. A pair refused once stays refused: a model without a finite estimate, or
/// not identifiable, stays so when terms are added (a direction along which the likelihood rises
/// for ever, or a combination of columns that vanishes, is still one with more columns). The
/// result is the same as checking every pair at every step, at a fraction of the cost.
pub fn stepwise(table: &CaptureTable, threshold: f64) -> Result<Fit, ModelError> {
    stepwise_from(table, threshold, false)
}

/// [`stepwise`] from main effects and Darroch's heterogeneity term, the pairs added by the same
/// rule on top of it. Where the heterogeneity model has no finite estimate or cannot be
/// identified (two lists, or too few histories observed), the result is [`stepwise`]'s: the
/// returned fit's `heterogeneity` says which it is.
pub fn stepwise_heterogeneous(table: &CaptureTable, threshold: f64) -> Result<Fit, ModelError> {
    match stepwise_from(table, threshold, true) {
        Err(e) if e.is_unfittable() => stepwise(table, threshold),
        other => other,
    }
}

fn stepwise_from(table: &CaptureTable, threshold: f64, heterogeneity: bool) -> Result<Fit, ModelError> {
    let mut current = fit_model(table, &[], heterogeneity)?;
    let t = table.t();
    let candidates: Vec<Pair> = (0..t).flat_map(|j| (j + 1..t).map(move |k| (j, k))).collect();
    let mut open = vec![true; candidates.len()];
    loop {
        let mut below: Vec<(f64, usize)> = candidates
            .iter()
            .enumerate()
            .filter(|(c, _)| open[*c])
            .map(|(c, &(j, k))| (overlap_p_value(table, &current, j, k), c))
            .filter(|(p, _)| *p < threshold)
            .collect();
        below.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut chosen = None;
        for (_, c) in below {
            let mut trial = current.pairs.clone();
            trial.push(candidates[c]);
            open[c] = false;
            if check_model(table, &trial, heterogeneity).is_ok() {
                chosen = Some(trial);
                break;
            }
        }
        match chosen {
            Some(pairs) => current = fit_unchecked(table, &pairs, heterogeneity)?,
            None => return Ok(current),
        }
    }
}

/// The one-sided Poisson p-value of the overlap of lists j and k under the current model:
/// n* = individuals on both, λ* = the fitted count of histories with both.
fn overlap_p_value(table: &CaptureTable, current: &Fit, j: usize, k: usize) -> f64 {
    let n_star = table.overlap(j, k);
    let lambda: f64 = current
        .design
        .masks
        .iter()
        .zip(&current.mu)
        .filter(|(m, _)| *m >> j & 1 == 1 && *m >> k & 1 == 1)
        .map(|(_, mu)| mu)
        .sum();
    let lower = poisson_cdf(n_star, lambda);
    let upper = 1.0 - poisson_cdf(n_star - 1.0, lambda);
    lower.min(upper)
}

pub use bootstrap::{
    BootstrapInterval, Procedure, Resampling, borrowed_intervals, intervals as bootstrap_intervals, selection_interval,
};
pub use intervals::{
    Estimate, chao_defined, chao_lower_bound, chapman, lincoln_petersen, lognormal_around, profile_likelihood,
};
pub use strata::{StratifiedFit, fit_stratified, select_and_stratify, stratified_intervals};

#[cfg(test)]
mod tests {
    use super::*;

    fn table(lists: &[&str], rows: &[(usize, f64)]) -> CaptureTable {
        let mut counts = vec![0.0; 1 << lists.len()];
        for &(m, c) in rows {
            counts[m] = c;
        }
        CaptureTable::new(lists.iter().map(|s| (*s).to_string()).collect(), counts).unwrap()
    }

    #[test]
    fn two_lists_main_effects_is_lincoln_petersen() {
        let t = table(&["A", "B"], &[(1, 5.0), (2, 10.0), (3, 5.0)]);
        let f = fit(&t, &[]).unwrap();
        assert!((f.n_poisson() - lincoln_petersen(10.0, 15.0, 5.0).unwrap()).abs() < 1e-8);
    }

    #[test]
    fn empty_list_is_not_a_list() {
        let t = table(&["A", "B", "C"], &[(1, 5.0), (2, 10.0), (3, 5.0)]);
        let (reduced, removed) = t.without_empty_lists();
        assert_eq!(removed, vec!["C".to_string()]);
        assert_eq!(reduced.t(), 2);
        assert!((reduced.n_observed() - 20.0).abs() < 1e-12);
    }
}
