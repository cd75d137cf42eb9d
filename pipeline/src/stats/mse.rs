//! Prevalence from overlapping lists (METHODS.md §1): Lincoln-Petersen, Chapman with Seber
//! variance, the Chao lower bound, and multiple systems estimation by Poisson log-linear models
//! fitted by IRLS, with stepwise selection by the Poisson-overlap rule, existence and
//! identifiability checks (Fienberg-Rinaldo linear program; design rank), log-normal intervals
//! on the dark figure and multinomial profile-likelihood intervals.
//!
//! Pairs of lists in a model whose overlap is empty are handled as SparseMSE does: the pair's
//! term is left out of the fit, every capture history holding both lists is removed, and 2 is
//! added to the AIC per such pair.

use statrs::function::gamma::ln_gamma;

use super::linalg::{Matrix, cholesky, cholesky_solve};
use super::proportion::z_value;

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
}

fn design(table: &CaptureTable, pairs: &[Pair]) -> Design {
    let t = table.t();
    let (empty_pairs, fitted_pairs): (Vec<Pair>, Vec<Pair>) =
        pairs.iter().copied().partition(|&(j, k)| table.overlap(j, k) == 0.0);
    let masks: Vec<usize> =
        (1..1usize << t).filter(|m| empty_pairs.iter().all(|&(j, k)| !(m >> j & 1 == 1 && m >> k & 1 == 1))).collect();
    let rows: Vec<Vec<f64>> = masks.iter().map(|&m| design_row(m, t, &fitted_pairs)).collect();
    Design {
        y: masks.iter().map(|&m| table.count(m)).collect(),
        x: Matrix::from_rows(&rows),
        masks,
        terms: table.term_names(pairs),
        pairs: pairs.to_vec(),
        empty_pairs,
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
    check_design(&design(table, pairs))
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

/// max s subject to Xᵀμ = Xᵀy, μᵢ ≥ s, μ ≥ 0: the MLE exists when s > 0.
fn mle_exists(d: &Design) -> bool {
    use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome};
    let scale = d.y.iter().sum::<f64>().max(1.0);
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    let mu: Vec<_> = d.y.iter().map(|_| lp.add_var(0.0, (0.0, f64::INFINITY))).collect();
    let s = lp.add_var(1.0, (0.0, f64::INFINITY));
    for c in 0..d.x.cols() {
        let target: f64 = (0..d.x.rows()).map(|i| d.x.get(i, c) * d.y[i]).sum::<f64>() / scale;
        let expr: Vec<_> = (0..d.x.rows()).filter(|&i| d.x.get(i, c) != 0.0).map(|i| (mu[i], d.x.get(i, c))).collect();
        lp.add_constraint(expr, ComparisonOp::Eq, target);
    }
    for &m in &mu {
        lp.add_constraint(vec![(m, 1.0), (s, -1.0)], ComparisonOp::Ge, 0.0);
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
    /// Coefficients: intercept, one per list, one per fitted pair.
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
}

/// Fit a model (main effects plus `pairs`), after checking existence and identifiability.
pub fn fit(table: &CaptureTable, pairs: &[Pair]) -> Result<Fit, ModelError> {
    if (0..table.t()).filter(|&j| table.list_total(j) > 0.0).count() < 2 {
        return Err(ModelError::TooFewLists);
    }
    check(table, pairs)?;
    fit_unchecked(table, pairs)
}

fn fit_unchecked(table: &CaptureTable, pairs: &[Pair]) -> Result<Fit, ModelError> {
    fit_design(table, design(table, pairs))
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
pub fn stepwise(table: &CaptureTable, threshold: f64) -> Result<Fit, ModelError> {
    let mut current = fit(table, &[])?;
    let t = table.t();
    let candidates: Vec<Pair> = (0..t).flat_map(|j| (j + 1..t).map(move |k| (j, k))).collect();
    let mut included = vec![false; candidates.len()];
    loop {
        let mut best: Option<(usize, f64)> = None;
        for (c, &(j, k)) in candidates.iter().enumerate() {
            if included[c] {
                continue;
            }
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
            let mut p = lower.min(upper);
            let mut trial = current.pairs.clone();
            trial.push((j, k));
            if check(table, &trial).is_err() {
                p = 1.0;
            }
            if best.is_none_or(|(_, bp)| p < bp) {
                best = Some((c, p));
            }
        }
        match best {
            Some((c, p)) if p < threshold => {
                included[c] = true;
                let mut pairs = current.pairs.clone();
                pairs.push(candidates[c]);
                current = fit_unchecked(table, &pairs)?;
            }
            _ => return Ok(current),
        }
    }
}

/// A point estimate with an interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Point estimate.
    pub point: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

/// Multinomial profile likelihood (Cormack): for candidate N add the unobserved history with
/// count N − n and an intercept-only design row, refit, and take ℓ(N) = c(N) − D(N)/2 with
/// c(N) = ln(n0^n0 · N! / (N^N · n0!)). The point maximises ℓ over [n, 1.5·N_Poisson]; the
/// interval is {N : ℓ(N) ≥ ℓmax − χ²₁(level)/2} (lower end n when ℓ stays above it).
pub fn profile_likelihood(model: &Fit, level: f64) -> Result<Estimate, ModelError> {
    let d = &model.design;
    let n = model.n_observed;
    let p = d.x.cols();
    let mut rows: Vec<Vec<f64>> = (0..d.x.rows()).map(|i| d.x.row(i).to_vec()).collect();
    let mut zero_row = vec![0.0; p];
    zero_row[0] = 1.0;
    rows.push(zero_row);
    let x = Matrix::from_rows(&rows);
    let mut warm: Vec<f64> = model.mu.clone();
    warm.push(model.dark_figure().max(1e-6));
    let profile = |big_n: f64, warm: &mut Vec<f64>| -> Result<f64, ModelError> {
        let n0 = (big_n - n).max(1e-9);
        let mut y = d.y.clone();
        y.push(n0);
        let r = irls(&x, &y, Some(warm)).or_else(|| irls(&x, &y, None)).ok_or(ModelError::NotConverged)?;
        warm.clone_from(&r.mu);
        let big_n = n + n0;
        let c = n0 * n0.ln() + ln_gamma(big_n + 1.0) - big_n * big_n.ln() - ln_gamma(n0 + 1.0);
        Ok(c - r.deviance / 2.0)
    };
    // Golden-section search for the maximum.
    let (mut a, mut b) = (n, 1.5 * model.n_poisson().max(n + 1.0));
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - ratio * (b - a);
    let mut e = a + ratio * (b - a);
    let mut fc = profile(c, &mut warm)?;
    let mut fe = profile(e, &mut warm)?;
    while b - a > 1e-7 * b.max(1.0) {
        if fc > fe {
            b = e;
            e = c;
            fe = fc;
            c = b - ratio * (b - a);
            fc = profile(c, &mut warm)?;
        } else {
            a = c;
            c = e;
            fc = fe;
            e = a + ratio * (b - a);
            fe = profile(e, &mut warm)?;
        }
    }
    let point = f64::midpoint(a, b);
    let l_max = profile(point, &mut warm)?;
    let chi = statrs::distribution::ChiSquared::new(1.0).map_err(|_| ModelError::NotConverged)?;
    let cut = l_max - statrs::distribution::ContinuousCDF::inverse_cdf(&chi, level) / 2.0;
    let root = |lo: f64, hi: f64, warm: &mut Vec<f64>| -> Result<f64, ModelError> {
        // ℓ(lo) and ℓ(hi) straddle the cut; bisection.
        let (mut lo, mut hi) = (lo, hi);
        let above_at_lo = profile(lo, warm)? >= cut;
        for _ in 0..200 {
            let mid = f64::midpoint(lo, hi);
            if (profile(mid, warm)? >= cut) == above_at_lo {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo < 1e-7 * hi.max(1.0) {
                break;
            }
        }
        Ok(f64::midpoint(lo, hi))
    };
    let lower = if profile(n, &mut warm)? >= cut { n } else { root(n, point, &mut warm)? };
    let mut hi = point.max(n + 1.0) * 1.5;
    while profile(hi, &mut warm)? >= cut {
        hi *= 2.0;
        if hi > 1e12 {
            return Ok(Estimate { point, lower, upper: f64::INFINITY });
        }
    }
    let upper = root(point, hi, &mut warm)?;
    Ok(Estimate { point, lower, upper })
}

/// The Chao (1987) lower bound from f1, f2 (individuals seen on exactly one and two lists), with
/// the log-normal interval. When f2 = 0 the bias-corrected form is used.
pub fn chao_lower_bound(n: f64, f1: f64, f2: f64, level: f64) -> Estimate {
    let (extra, variance) = if f2 > 0.0 {
        let r = f1 / f2;
        (f1 * f1 / (2.0 * f2), f2 * (r.powi(4) / 4.0 + r.powi(3) + r.powi(2) / 2.0))
    } else {
        let extra = f1 * (f1 - 1.0) / (2.0 * (f2 + 1.0));
        let v = f1 * (f1 - 1.0) / (2.0 * (f2 + 1.0))
            + f1 * (2.0 * f1 - 1.0).powi(2) / (4.0 * (f2 + 1.0).powi(2))
            + f1 * f1 * f2 * (f1 - 1.0).powi(2) / (4.0 * (f2 + 1.0).powi(4));
        (extra, v)
    };
    lognormal_around(n, n + extra, variance, level)
}

/// The log-normal interval of Chao (1987) for an estimate N of which n were observed:
/// C = exp(z·√ln(1 + Var/(N−n)²)), interval [n + (N−n)/C, n + (N−n)·C].
pub fn lognormal_around(n: f64, big_n: f64, variance: f64, level: f64) -> Estimate {
    let unseen = big_n - n;
    if unseen <= 0.0 {
        return Estimate { point: big_n, lower: n, upper: n };
    }
    let c = (z_value(level) * (1.0 + variance / (unseen * unseen)).ln().sqrt()).exp();
    Estimate { point: big_n, lower: n + unseen / c, upper: n + unseen * c }
}

/// Lincoln-Petersen n1·n2/m (`None` when m = 0).
pub fn lincoln_petersen(n1: f64, n2: f64, m: f64) -> Option<f64> {
    (m > 0.0).then(|| n1 * n2 / m)
}

/// Chapman's estimator (n1+1)(n2+1)/(m+1) − 1 with Seber's variance and the log-normal interval.
pub fn chapman(n1: f64, n2: f64, m: f64, level: f64) -> Estimate {
    let point = (n1 + 1.0) * (n2 + 1.0) / (m + 1.0) - 1.0;
    let variance = (n1 + 1.0) * (n2 + 1.0) * (n1 - m) * (n2 - m) / ((m + 1.0).powi(2) * (m + 2.0));
    lognormal_around(n1 + n2 - m, point, variance, level)
}

/// Estimates per stratum from one model fitted to all strata together: each stratum has its own
/// intercept and list main effects (so capture probabilities may differ by stratum), and the
/// pairwise dependence between lists is shared (estimated from all the data). Small strata thus
/// borrow the dependence structure that only the pooled data can reveal.
#[derive(Debug, Clone)]
pub struct StratifiedFit {
    /// Per stratum: (name, observed, dark figure, log-normal interval on N).
    pub strata: Vec<(String, f64, f64, (f64, f64))>,
    /// Shared interaction terms.
    pub terms: Vec<String>,
}

/// Fit the stratified model. All tables must have the same lists; `pairs` are the shared
/// interactions (typically those selected on the pooled table).
pub fn fit_stratified(
    tables: &[(String, CaptureTable)],
    pairs: &[Pair],
    level: f64,
) -> Result<StratifiedFit, ModelError> {
    let Some((_, first)) = tables.first() else { return Err(ModelError::TooFewLists) };
    let t = first.t();
    let mut pooled = vec![0.0; 1 << t];
    for (_, table) in tables {
        for (m, c) in pooled.iter_mut().enumerate() {
            *c += table.count(m);
        }
    }
    let pooled = CaptureTable::new(first.lists.clone(), pooled).map_err(|_| ModelError::NotConverged)?;
    let (empty_pairs, shared): (Vec<Pair>, Vec<Pair>) =
        pairs.iter().copied().partition(|&(j, k)| pooled.overlap(j, k) == 0.0);
    let blocked = |m: usize| empty_pairs.iter().any(|&(j, k)| m >> j & 1 == 1 && m >> k & 1 == 1);
    // Columns: per stratum an intercept and its non-empty lists' main effects; then shared pairs.
    let mut columns_per_stratum: Vec<Vec<usize>> = Vec::new();
    let mut offset = 0;
    let mut offsets = Vec::new();
    for (_, table) in tables {
        let lists: Vec<usize> = (0..t).filter(|&j| table.list_total(j) > 0.0).collect();
        offsets.push(offset);
        offset += 1 + lists.len();
        columns_per_stratum.push(lists);
    }
    let p = offset + shared.len();
    let (mut rows, mut y) = (Vec::new(), Vec::new());
    for (s, (_, table)) in tables.iter().enumerate() {
        let lists = &columns_per_stratum[s];
        for m in 1..1usize << t {
            if blocked(m) || (0..t).any(|j| m >> j & 1 == 1 && !lists.contains(&j)) {
                continue;
            }
            let mut row = vec![0.0; p];
            row[offsets[s]] = 1.0;
            for (i, &j) in lists.iter().enumerate() {
                if m >> j & 1 == 1 {
                    row[offsets[s] + 1 + i] = 1.0;
                }
            }
            for (i, &(j, k)) in shared.iter().enumerate() {
                if m >> j & 1 == 1 && m >> k & 1 == 1 {
                    row[offset + i] = 1.0;
                }
            }
            rows.push(row);
            y.push(table.count(m));
        }
    }
    let d = Design {
        masks: Vec::new(),
        x: Matrix::from_rows(&rows),
        y,
        terms: pooled.term_names(pairs),
        pairs: pairs.to_vec(),
        empty_pairs,
    };
    check_design(&d)?;
    let r = irls(&d.x, &d.y, None).ok_or(ModelError::NotConverged)?;
    let z = z_value(level);
    let strata = tables
        .iter()
        .zip(&offsets)
        .map(|((name, table), &o)| {
            let (beta, se) = (r.beta[o], r.variances[o].sqrt());
            let n = table.n_observed();
            (name.clone(), n, beta.exp(), (n + (beta - z * se).exp(), n + (beta + z * se).exp()))
        })
        .collect();
    Ok(StratifiedFit { strata, terms: d.terms })
}

/// Bootstrap of the whole estimation: resample the observed individuals across capture
/// histories (multinomial, n draws), re-run stepwise selection and refit, and take percentile
/// limits of N. Replicate i uses its own generator seeded from (`seed`, i), so the result does
/// not depend on the number of threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    /// Replicates that gave an estimate.
    pub estimates: Vec<f64>,
    /// Replicates where no model could be fitted.
    pub failed: usize,
    /// Percentile interval `[lower, upper]` at the requested level.
    pub interval: Option<(f64, f64)>,
}

/// Run `replicates` bootstrap replicates of stepwise selection on `threads` threads.
pub fn bootstrap(
    table: &CaptureTable,
    threshold: f64,
    replicates: usize,
    seed: u64,
    level: f64,
    threads: usize,
) -> Bootstrap {
    let n = table.n_observed().round() as u64;
    let cumulative: Vec<(usize, f64)> = (1..1usize << table.t())
        .scan(0.0, |acc, m| {
            *acc += table.count(m);
            Some((m, *acc))
        })
        .collect();
    let total = cumulative.last().map_or(0.0, |c| c.1);
    let replicate = |i: usize| -> Option<f64> {
        let mut rng = crate::rng::Rng::new(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut counts = vec![0.0; 1 << table.t()];
        for _ in 0..n {
            let u = rng.uniform() * total;
            let k = cumulative.partition_point(|c| c.1 <= u).min(cumulative.len() - 1);
            counts[cumulative[k].0] += 1.0;
        }
        let resampled = CaptureTable::new(table.lists.clone(), counts).ok()?;
        stepwise(&resampled, threshold).ok().map(|f| f.n_poisson()).filter(|v| v.is_finite())
    };
    let threads = threads.clamp(1, replicates.max(1));
    let mut results: Vec<Option<f64>> = vec![None; replicates];
    std::thread::scope(|scope| {
        for (t, chunk) in results.chunks_mut(replicates.div_ceil(threads).max(1)).enumerate() {
            let replicate = &replicate;
            let start = t * replicates.div_ceil(threads).max(1);
            scope.spawn(move || {
                for (j, slot) in chunk.iter_mut().enumerate() {
                    *slot = replicate(start + j);
                }
            });
        }
    });
    let mut estimates: Vec<f64> = results.iter().flatten().copied().collect();
    let failed = replicates - estimates.len();
    let mut sorted = estimates.clone();
    sorted.sort_by(f64::total_cmp);
    let interval = (!sorted.is_empty()).then(|| {
        let q = |p: f64| {
            // Type 7 quantile (R's default).
            let h = (sorted.len() - 1) as f64 * p;
            let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        };
        (q((1.0 - level) / 2.0), q(1.0 - (1.0 - level) / 2.0))
    });
    estimates.shrink_to_fit();
    Bootstrap { estimates, failed, interval }
}

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
    fn bootstrap_is_reproducible_and_thread_independent() {
        let t = table(&["A", "B", "C"], &[(1, 40.0), (2, 30.0), (4, 20.0), (3, 6.0), (5, 4.0), (6, 3.0)]);
        let one = bootstrap(&t, 0.02, 40, 7, 0.95, 1);
        let two = bootstrap(&t, 0.02, 40, 7, 0.95, 2);
        assert_eq!(one, two);
        assert_eq!(one.estimates.len() + one.failed, 40);
        let (lo, hi) = one.interval.unwrap();
        assert!(lo >= t.n_observed() && lo < hi);
        assert_ne!(bootstrap(&t, 0.02, 40, 8, 0.95, 2).estimates, one.estimates);
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
