//! Counts, rates and standardised measures with the UK public-health interval methods
//! (METHODS.md §2): exact Poisson below 10 events and Byar from 10, directly standardised rates
//! (Dobson), indirectly standardised ratios, rate ratios, Newcombe differences of proportions,
//! and funnel-plot control limits (Spiegelhalter 2005) with optional over-dispersion.
//!
//! Owns: rate formulas. May not touch: publication rules.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::proportion::{wilson, z_value};

/// Events below which intervals are exact Poisson rather than Byar.
pub const EXACT_BELOW: f64 = 10.0;

/// An estimate with its interval. A limit that the method does not define is `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Point estimate.
    pub value: f64,
    /// Lower limit.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
}

/// Which count interval was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountMethod {
    /// Exact Poisson (chi-squared) limits.
    Exact,
    /// Byar's approximation.
    Byar,
}

fn chi_squared_quantile(df: f64, p: f64) -> f64 {
    ChiSquared::new(df).map_or(f64::NAN, |d| d.inverse_cdf(p))
}

/// Exact Poisson limits for a count: `χ²_{α/2}(2x)/2`, `χ²_{1−α/2}(2x+2)/2` (lower 0 at x = 0).
pub fn exact_poisson(x: f64, level: f64) -> (f64, f64) {
    let alpha = 1.0 - level;
    let lower = if x <= 0.0 { 0.0 } else { chi_squared_quantile(2.0 * x, alpha / 2.0) / 2.0 };
    let upper = chi_squared_quantile(2.0 * x + 2.0, 1.0 - alpha / 2.0) / 2.0;
    (lower, upper)
}

/// Byar's limits: `x(1 − 1/(9x) − z/(3√x))³` and `(x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³`. The lower
/// limit is undefined (`None`) where the bracket is negative.
pub fn byar(x: f64, level: f64) -> (Option<f64>, f64) {
    let z = z_value(level);
    let bracket = 1.0 - 1.0 / (9.0 * x) - z / (3.0 * x.sqrt());
    let lower = (x > 0.0 && bracket >= 0.0).then(|| x * bracket.powi(3));
    let x1 = x + 1.0;
    let upper = x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * x1.sqrt())).powi(3);
    (lower, upper)
}

/// Limits for a count: exact below 10 events, Byar from 10.
pub fn count_interval(x: f64, level: f64) -> (f64, f64, CountMethod) {
    if x < EXACT_BELOW {
        let (lo, hi) = exact_poisson(x, level);
        (lo, hi, CountMethod::Exact)
    } else {
        let (lo, hi) = byar(x, level);
        (lo.unwrap_or(0.0), hi, CountMethod::Byar)
    }
}

/// Crude rate `multiplier · x / population` with count limits divided by the population.
pub fn crude_rate(x: f64, population: f64, multiplier: f64, level: f64) -> Interval {
    let (lo, hi, _) = count_interval(x, level);
    Interval {
        value: multiplier * x / population,
        lower: Some(multiplier * lo / population),
        upper: Some(multiplier * hi / population),
    }
}

/// Directly standardised rate (Dobson): `Σwᵢxᵢ/nᵢ / Σwᵢ` with
/// `var = Σwᵢ²xᵢ/nᵢ² / (Σwᵢ)²` and limits `DSR + √(var/O)·(O_L − O)` and `… (O_U − O)`, O_L and O_U
/// Byar limits of `O = Σxᵢ`. Not calculated (`None`) when O < 10.
pub fn dsr(counts: &[f64], populations: &[f64], weights: &[f64], multiplier: f64, level: f64) -> Option<Interval> {
    let observed: f64 = counts.iter().sum();
    if observed < EXACT_BELOW {
        return None;
    }
    let total_weight: f64 = weights.iter().sum();
    let value: f64 =
        counts.iter().zip(populations).zip(weights).map(|((x, n), w)| w * x / n).sum::<f64>() / total_weight;
    let variance: f64 = counts.iter().zip(populations).zip(weights).map(|((x, n), w)| w * w * x / (n * n)).sum::<f64>()
        / (total_weight * total_weight);
    let (lo, hi) = byar(observed, level);
    let scale = (variance / observed).sqrt();
    Some(Interval {
        value: multiplier * value,
        lower: lo.map(|lo| multiplier * (value + scale * (lo - observed))),
        upper: Some(multiplier * (value + scale * (hi - observed))),
    })
}

/// Expected events `E = Σ (reference rate)ᵢ · nᵢ`.
pub fn expected(reference_counts: &[f64], reference_populations: &[f64], populations: &[f64]) -> f64 {
    reference_counts.iter().zip(reference_populations).zip(populations).map(|((r, rp), n)| r / rp * n).sum()
}

/// Indirectly standardised ratio `O/E` with limits `O_L/E`, `O_U/E` (exact below 10 events,
/// Byar from 10).
pub fn isr(observed: f64, expected: f64, level: f64) -> Interval {
    let (lo, hi, _) = count_interval(observed, level);
    Interval { value: observed / expected, lower: Some(lo / expected), upper: Some(hi / expected) }
}

/// Ratio of two rates `(x1/p1) / (x2/p2)` with the log-normal interval `exp(ln RR ± z√(1/x1 + 1/x2))`.
pub fn rate_ratio(x1: f64, p1: f64, x2: f64, p2: f64, level: f64) -> Option<Interval> {
    if x1 <= 0.0 || x2 <= 0.0 {
        return None;
    }
    let rr = (x1 / p1) / (x2 / p2);
    let se = (1.0 / x1 + 1.0 / x2).sqrt();
    let z = z_value(level);
    Some(Interval { value: rr, lower: Some(rr * (-z * se).exp()), upper: Some(rr * (z * se).exp()) })
}

/// Difference of two proportions `x1/n1 − x2/n2` with Newcombe's hybrid Wilson score interval
/// (method 10).
pub fn newcombe_difference(x1: f64, n1: f64, x2: f64, n2: f64, level: f64) -> Interval {
    let (a, b) = (wilson(x1, n1, level), wilson(x2, n2, level));
    let (p1, p2) = (x1 / n1, x2 / n2);
    let d = p1 - p2;
    let lower = d - ((p1 - a.lower).powi(2) + (b.upper - p2).powi(2)).sqrt();
    let upper = d + ((a.upper - p1).powi(2) + (p2 - b.lower).powi(2)).sqrt();
    Interval { value: d, lower: Some(lower), upper: Some(upper) }
}

/// Funnel-plot control limits for a proportion with denominator `n` around the overall
/// proportion `p0`: the Wilson score limits of `p0·n` events out of `n`.
pub fn funnel_proportion_limits(p0: f64, n: f64, level: f64) -> (f64, f64) {
    let w = wilson(p0 * n, n, level);
    (w.lower, w.upper)
}

/// Funnel-plot control limits for a ratio `O/E` at expected count `E`: exact Poisson limits of a
/// count equal to `E`, divided by `E`.
pub fn funnel_ratio_limits(expected: f64, level: f64) -> (f64, f64) {
    let (lo, hi) = exact_poisson(expected, level);
    (lo / expected, hi / expected)
}

/// Spiegelhalter's additive over-dispersion for proportions: from z-scores winsorised at the
/// 10th and 90th percentiles, φ = Σz²/k and τ² = max(0, (kφ − (k − 1)) / (Σw − Σw²/Σw)) with
/// wᵢ = 1/sᵢ², sᵢ² = p0(1 − p0)/nᵢ. Returns τ² (0 when there is no over-dispersion).
pub fn overdispersion_tau2(numerators: &[f64], denominators: &[f64]) -> f64 {
    let k = numerators.len();
    if k < 3 {
        return 0.0;
    }
    let p0 = numerators.iter().sum::<f64>() / denominators.iter().sum::<f64>();
    let variances: Vec<f64> = denominators.iter().map(|n| p0 * (1.0 - p0) / n).collect();
    let mut z: Vec<f64> =
        numerators.iter().zip(denominators).zip(&variances).map(|((x, n), v)| (x / n - p0) / v.sqrt()).collect();
    let mut sorted = z.clone();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = (k - 1) as f64 * p;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
    };
    let (lo, hi) = (q(0.1), q(0.9));
    for v in &mut z {
        *v = v.clamp(lo, hi);
    }
    let phi = z.iter().map(|v| v * v).sum::<f64>() / k as f64;
    let w: Vec<f64> = variances.iter().map(|v| 1.0 / v).collect();
    let (sw, sw2) = (w.iter().sum::<f64>(), w.iter().map(|v| v * v).sum::<f64>());
    ((k as f64 * phi - (k as f64 - 1.0)) / (sw - sw2 / sw)).max(0.0)
}

/// The UK public-health significance label of a point against its limits at 95% and 99.8%:
/// `High (0.001)`, `High (0.025)`, `Low (0.025)`, `Low (0.001)` or `Not significant`.
pub fn significance(value: f64, limits95: (f64, f64), limits998: (f64, f64)) -> &'static str {
    if value > limits998.1 {
        "High (0.001)"
    } else if value > limits95.1 {
        "High (0.025)"
    } else if value < limits998.0 {
        "Low (0.001)"
    } else if value < limits95.0 {
        "Low (0.025)"
    } else {
        "Not significant"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newcombe_reference_example() {
        // Newcombe (1998), example (56/70 vs 48/80): difference 0.2, 95% CI 0.0524 to 0.3339.
        let d = newcombe_difference(56.0, 70.0, 48.0, 80.0, 0.95);
        assert!((d.value - 0.2).abs() < 1e-12);
        assert!((d.lower.unwrap() - 0.0524).abs() < 1e-4, "{d:?}");
        assert!((d.upper.unwrap() - 0.3339).abs() < 1e-4, "{d:?}");
    }

    #[test]
    fn rate_ratio_of_equal_rates_is_one() {
        let rr = rate_ratio(50.0, 1000.0, 100.0, 2000.0, 0.95).unwrap();
        assert!((rr.value - 1.0).abs() < 1e-12);
        assert!(rr.lower.unwrap() < 1.0 && rr.upper.unwrap() > 1.0);
        assert!(rate_ratio(0.0, 1.0, 1.0, 1.0, 0.95).is_none());
    }

    #[test]
    fn funnel_limits_narrow_with_size() {
        let (a, b) = (funnel_proportion_limits(0.3, 50.0, 0.95), funnel_proportion_limits(0.3, 5000.0, 0.95));
        assert!(a.0 < b.0 && b.1 < a.1);
        let (c, d) = (funnel_ratio_limits(5.0, 0.998), funnel_ratio_limits(500.0, 0.998));
        assert!(c.0 < d.0 && d.1 < c.1);
        assert_eq!(significance(0.5, (0.8, 1.2), (0.6, 1.4)), "Low (0.001)");
        assert_eq!(significance(1.3, (0.8, 1.2), (0.6, 1.4)), "High (0.025)");
        assert_eq!(significance(1.0, (0.8, 1.2), (0.6, 1.4)), "Not significant");
    }

    #[test]
    fn overdispersion_is_zero_for_identical_units() {
        assert!(overdispersion_tau2(&[10.0, 10.0, 10.0, 10.0], &[100.0; 4]).abs() < 1e-12);
        assert!(overdispersion_tau2(&[5.0, 40.0, 10.0, 60.0, 20.0], &[100.0; 5]) > 0.0);
    }
}
