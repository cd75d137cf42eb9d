//! Proportions with Wilson score intervals (METHODS.md §2).
//!
//! Owns: proportion formulas. May not touch: publication rules.

use statrs::distribution::{ContinuousCDF, Normal};

/// A proportion with its confidence interval, all as fractions of 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The point estimate x / n.
    pub estimate: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
}

/// z = Φ⁻¹(1 − α/2) for a two-sided interval at `level` (e.g. 0.95).
pub fn z_value(level: f64) -> f64 {
    let standard = Normal::standard();
    standard.inverse_cdf(1.0 - (1.0 - level) / 2.0)
}

/// Wilson score interval for `x` successes out of `n` (x may be a weighted, non-integer count):
/// `(2x + z² ∓ z√(z² + 4x(1 − x/n))) / (2(n + z²))`.
pub fn wilson(x: f64, n: f64, level: f64) -> Interval {
    let z = z_value(level);
    let z2 = z * z;
    let root = z * (z2 + 4.0 * x * (1.0 - x / n)).sqrt();
    let denominator = 2.0 * (n + z2);
    Interval {
        estimate: x / n,
        lower: ((2.0 * x + z2 - root) / denominator).max(0.0),
        upper: ((2.0 * x + z2 + root) / denominator).min(1.0),
    }
}
