//! Point estimates and intervals: the multinomial profile likelihood of a fitted model, the
//! Chao lower bound, log-normal intervals, Lincoln-Petersen and Chapman.
//!
//! Owns: interval formulas. May not touch: model selection.

use statrs::function::gamma::ln_gamma;

use super::{Fit, Matrix, ModelError, irls, z_value};

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

/// Whether a Chao lower bound says anything: someone is on two lists or more (`frequencies[k]`
/// individuals on exactly k lists). Without any overlap the bias-corrected form is only
/// `f1(f1 - 1)/2`, a number with no bearing on the population, so callers give none.
pub fn chao_defined(frequencies: &[f64]) -> bool {
    frequencies.iter().skip(2).any(|&x| x > 0.0)
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
