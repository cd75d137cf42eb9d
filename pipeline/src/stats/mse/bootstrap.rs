//! Intervals that allow for model selection (Chan, Silverman and Vincent 2021, §3.3): the
//! observed individuals are resampled across capture histories (multinomial, the observed total
//! fixed; within each stratum when there are strata), the whole estimation procedure (stepwise
//! selection with its existence and identifiability checks, then the fit) is re-run on every
//! resample, and the limits are bias-corrected and accelerated (BCa; DiCiccio and Efron 1996):
//!
//! - bias correction z0 = Φ⁻¹(share of resampled estimates below the estimate);
//! - acceleration a from a delete-one jackknife over the distinct observed histories, each
//!   weighted by its count: with θ₍ᵢ₎ the estimate without one individual of history i and
//!   dᵢ = θ̄ − θ₍ᵢ₎ (θ̄ the count-weighted mean), a = Σ cᵢdᵢ³ / (6 (Σ cᵢdᵢ²)^{3/2});
//! - limits: the quantiles (R's type 8) of the resampled estimates at
//!   Φ(z0 + (z0 + z_α)/(1 − a(z0 + z_α))) for α = (1 − level)/2 and 1 − (1 − level)/2.
//!
//! A resample on which no finite estimate exists (the fit would make the unobserved population
//! infinite) counts as an infinite estimate: it is kept, never dropped, so the upper limit can
//! be infinite. Replicate i draws from its own generator, seeded from (seed, i), so the result
//! is the same on any number of threads.
//!
//! Owns: resampling, the jackknife and BCa limits. May not touch: publication.

use statrs::distribution::{ContinuousCDF, Normal};

use super::{CaptureTable, Fit, ModelError, Pair, stepwise, stepwise_heterogeneous};
use crate::stats::rng::Rng;

/// How many resamples, from which seed, on how many threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resampling {
    /// Bootstrap resamples.
    pub replicates: usize,
    /// Seed of the generator (replicate i uses its own stream derived from it).
    pub seed: u64,
    /// Threads to run on; the result does not depend on it.
    pub threads: usize,
}

/// The estimation procedure that is re-run on every resample.
#[derive(Debug, Clone, PartialEq)]
pub enum Procedure {
    /// Forward stepwise selection with this p-value threshold, then the fit.
    Stepwise(f64),
    /// The same from Darroch's heterogeneity term ([`stepwise_heterogeneous`], which falls back
    /// to [`Procedure::Stepwise`] where that term cannot be fitted).
    StepwiseHeterogeneous(f64),
    /// A fixed model: main effects plus these pairs of lists, by name, with Darroch's
    /// heterogeneity term when `heterogeneity`.
    Fixed {
        /// Pairs of lists, by name.
        pairs: Vec<(String, String)>,
        /// Whether the model has the heterogeneity term.
        heterogeneity: bool,
    },
    /// A model chosen on other data (a financial year borrows the whole period's selection),
    /// fitted as [`Procedure::Fixed`]; where it cannot be fitted to this table (no finite
    /// estimate, not identifiable, no convergence), this table's own
    /// [`Procedure::StepwiseHeterogeneous`] selection with the same threshold.
    Borrowed {
        /// Pairs of lists, by name.
        pairs: Vec<(String, String)>,
        /// Whether the model has the heterogeneity term.
        heterogeneity: bool,
        /// The stepwise threshold of the fallback.
        threshold: f64,
    },
}

impl Procedure {
    /// Run the procedure on a table. Lists with nobody on them are left out first (on a
    /// resample as on the data), and so are a fixed model's pairs that name them.
    pub fn fit(&self, table: &CaptureTable) -> Result<Fit, ModelError> {
        let (table, _) = table.without_empty_lists();
        match self {
            Procedure::Stepwise(threshold) => stepwise(&table, *threshold),
            Procedure::StepwiseHeterogeneous(threshold) => stepwise_heterogeneous(&table, *threshold),
            Procedure::Fixed { pairs: names, heterogeneity } => {
                let index = |name: &str| table.lists().iter().position(|l| l == name);
                let pairs: Vec<Pair> = names
                    .iter()
                    .filter_map(|(a, b)| Some((index(a)?, index(b)?)))
                    .map(|(i, j)| (i.min(j), i.max(j)))
                    .collect();
                super::fit_model(&table, &pairs, *heterogeneity)
            }
            Procedure::Borrowed { pairs, heterogeneity, threshold } => {
                let fixed = Procedure::Fixed { pairs: pairs.clone(), heterogeneity: *heterogeneity };
                match fixed.fit(&table) {
                    Err(e) if e.is_unfittable() => stepwise_heterogeneous(&table, *threshold),
                    other => other,
                }
            }
        }
    }

    /// The model this procedure arrives at on `table`, to be fitted to other tables of the same
    /// lists: [`Procedure::Borrowed`] with its pairs by name (the fallback threshold is
    /// `threshold`).
    pub fn chosen_model(&self, table: &CaptureTable, threshold: f64) -> Result<Procedure, ModelError> {
        let (table, _) = table.without_empty_lists();
        let fit = self.fit(&table)?;
        let name = |j: usize| table.lists()[j].clone();
        Ok(Procedure::Borrowed {
            pairs: fit.pairs.iter().map(|&(a, b)| (name(a), name(b))).collect(),
            heterogeneity: fit.heterogeneity,
            threshold,
        })
    }

    /// The estimate n + exp(β0), when finite.
    fn estimate(&self, table: &CaptureTable) -> Option<f64> {
        self.fit(table).ok().map(|f| f.n_poisson()).filter(|v| v.is_finite())
    }
}

/// A bootstrap interval of one estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapInterval {
    /// The estimate from the data.
    pub point: f64,
    /// The resampled estimates in replicate order (infinite where none exists).
    pub estimates: Vec<f64>,
    /// Resamples with no finite estimate.
    pub failed: usize,
    /// Bias correction z0.
    pub bias_correction: Option<f64>,
    /// Acceleration a.
    pub acceleration: Option<f64>,
    /// BCa limits, or why there are none.
    pub bca: Result<(f64, f64), String>,
    /// Plain percentile limits, for comparison.
    pub percentile: (f64, f64),
}

/// The bootstrap interval of one table's estimate under `procedure`.
pub fn selection_interval(
    table: &CaptureTable,
    procedure: &Procedure,
    resampling: Resampling,
    level: f64,
) -> Result<BootstrapInterval, ModelError> {
    let point = procedure.fit(table)?.n_poisson();
    let lists = table.lists().to_vec();
    let statistic = |groups: &[Vec<f64>]| -> Vec<Option<f64>> {
        vec![CaptureTable::new(lists.clone(), groups[0].clone()).ok().and_then(|t| procedure.estimate(&t))]
    };
    let groups = vec![(0..1usize << table.t()).map(|m| table.count(m)).collect::<Vec<f64>>()];
    let mut out = intervals(&groups, &[point], &statistic, resampling, level);
    Ok(out.remove(0))
}

/// Bootstrap intervals of estimates that borrow their model from a reference table (each
/// financial year from the whole period), honest about the selection made on the reference: on
/// every resample the reference is resampled and `selection` re-run on it, and the model it
/// chooses ([`Procedure::chosen_model`]) is fitted to a resample of each table. The reference and
/// the tables are resampled independently of each other (a year's children are among the whole
/// period's, so this leaves out their correlation, which moves only the selection: the year's own
/// sampling error, the larger part, is in full). `points` are the estimates on the data; all
/// tables have the reference's lists.
pub fn borrowed_intervals(
    reference: &CaptureTable,
    selection: &Procedure,
    threshold: f64,
    tables: &[CaptureTable],
    resampling: Resampling,
    level: f64,
) -> Result<Vec<BootstrapInterval>, ModelError> {
    let chosen = selection.chosen_model(reference, threshold)?;
    let points: Vec<f64> = tables.iter().map(|t| chosen.fit(t).map(|f| f.n_poisson())).collect::<Result<_, _>>()?;
    let lists = reference.lists().to_vec();
    let counts = |t: &CaptureTable| (0..1usize << t.t()).map(|m| t.count(m)).collect::<Vec<f64>>();
    let mut groups = vec![counts(reference)];
    groups.extend(tables.iter().map(counts));
    let statistic = |groups: &[Vec<f64>]| -> Vec<Option<f64>> {
        let table = |g: &Vec<f64>| CaptureTable::new(lists.clone(), g.clone()).ok();
        let Some(model) = table(&groups[0]).and_then(|r| selection.chosen_model(&r, threshold).ok()) else {
            return vec![None; groups.len() - 1];
        };
        groups[1..].iter().map(|g| table(g).and_then(|t| model.estimate(&t))).collect()
    };
    Ok(intervals(&groups, &points, &statistic, resampling, level))
}

/// Bootstrap intervals of several estimates made together from strata of individuals:
/// `groups[g][cell]` are the observed counts of stratum g, each stratum resampled with its own
/// total; `statistic` maps counts to one estimate per output (`None` where none exists) and
/// `points` are its values on the data.
pub fn intervals<S>(
    groups: &[Vec<f64>],
    points: &[f64],
    statistic: &S,
    resampling: Resampling,
    level: f64,
) -> Vec<BootstrapInterval>
where
    S: Fn(&[Vec<f64>]) -> Vec<Option<f64>> + Sync,
{
    let outputs = points.len();
    let values = |v: Vec<Option<f64>>| -> Vec<f64> {
        (0..outputs).map(|o| v.get(o).copied().flatten().unwrap_or(f64::INFINITY)).collect()
    };
    let replicates = resampling.replicates;
    let replicate = |i: usize| -> Vec<f64> {
        let mut rng = Rng::new(resampling.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let resampled: Vec<Vec<f64>> = groups
            .iter()
            .map(|counts| {
                let n = counts.iter().sum::<f64>().round() as u64;
                rng.multinomial(n, counts).into_iter().map(|k| k as f64).collect()
            })
            .collect();
        values(statistic(&resampled))
    };
    let draws = parallel_map(replicates, resampling.threads, &replicate);
    // Delete-one jackknife over the distinct observed histories of every stratum.
    let cells: Vec<(usize, usize, f64)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, counts)| counts.iter().enumerate().filter(|(_, c)| **c > 0.0).map(move |(m, &c)| (g, m, c)))
        .collect();
    let jackknife = |i: usize| -> Vec<f64> {
        let (g, m, _) = cells[i];
        let mut less = groups.to_vec();
        less[g][m] -= 1.0;
        values(statistic(&less))
    };
    let jack = parallel_map(cells.len(), resampling.threads, &jackknife);
    (0..outputs)
        .map(|o| {
            let estimates: Vec<f64> = draws.iter().map(|d| d[o]).collect();
            let weighted: Vec<(f64, f64)> = cells.iter().zip(&jack).map(|(c, j)| (c.2, j[o])).collect();
            interval(points[o], estimates, &weighted, level)
        })
        .collect()
}

/// `f(0..n)` in index order, on up to `threads` threads.
fn parallel_map<T: Send + Clone + Default>(n: usize, threads: usize, f: &(dyn Fn(usize) -> T + Sync)) -> Vec<T> {
    let mut out = vec![T::default(); n];
    let chunk = n.div_ceil(threads.clamp(1, n.max(1))).max(1);
    std::thread::scope(|scope| {
        for (t, slots) in out.chunks_mut(chunk).enumerate() {
            scope.spawn(move || {
                for (j, slot) in slots.iter_mut().enumerate() {
                    *slot = f(t * chunk + j);
                }
            });
        }
    });
    out
}

/// BCa limits from the resampled estimates and the count-weighted jackknife `(count, θ₍ᵢ₎)`.
fn interval(point: f64, estimates: Vec<f64>, jackknife: &[(f64, f64)], level: f64) -> BootstrapInterval {
    let mut sorted = estimates.clone();
    sorted.sort_by(f64::total_cmp);
    let failed = sorted.iter().filter(|v| !v.is_finite()).count();
    let tail = (1.0 - level) / 2.0;
    let percentile = (quantile_type8(&sorted, tail), quantile_type8(&sorted, 1.0 - tail));
    let standard = Normal::standard();
    let below = sorted.iter().filter(|&&v| v < point).count() as f64 / sorted.len().max(1) as f64;
    let bias_correction = (below > 0.0 && below < 1.0).then(|| standard.inverse_cdf(below));
    let acceleration = acceleration(jackknife);
    let bca = bca_limits(&sorted, bias_correction, acceleration, level);
    BootstrapInterval { point, estimates, failed, bias_correction, acceleration, bca, percentile }
}

impl BootstrapInterval {
    /// The BCa limits at another level, from the same resamples.
    pub fn bca_at(&self, level: f64) -> Result<(f64, f64), String> {
        let mut sorted = self.estimates.clone();
        sorted.sort_by(f64::total_cmp);
        bca_limits(&sorted, self.bias_correction, self.acceleration, level)
    }
}

/// The BCa limits at `level` from the sorted resampled estimates, z0 and a.
fn bca_limits(
    sorted: &[f64],
    bias_correction: Option<f64>,
    acceleration: Option<f64>,
    level: f64,
) -> Result<(f64, f64), String> {
    let standard = Normal::standard();
    let tail = (1.0 - level) / 2.0;
    match (bias_correction, acceleration) {
        (None, _) => Err("every resampled estimate lies on one side of the estimate, so the bias correction is \
                          undefined"
            .to_string()),
        (_, None) => Err("without one individual of some history no finite estimate exists, so the \
                          acceleration is undefined"
            .to_string()),
        (Some(z0), Some(a)) => {
            let limit = |alpha: f64| -> Option<f64> {
                let w = z0 + standard.inverse_cdf(alpha);
                let denominator = 1.0 - a * w;
                (denominator > 0.0).then(|| quantile_type8(sorted, standard.cdf(z0 + w / denominator)))
            };
            match (limit(tail), limit(1.0 - tail)) {
                (Some(lo), Some(hi)) => Ok((lo, hi)),
                _ => Err("the acceleration is too large for BCa limits at this level".to_string()),
            }
        }
    }
}

/// a = Σ cᵢdᵢ³ / (6 (Σ cᵢdᵢ²)^{3/2}), dᵢ = θ̄ − θ₍ᵢ₎; `None` when a jackknife estimate is missing.
fn acceleration(jackknife: &[(f64, f64)]) -> Option<f64> {
    if jackknife.iter().any(|(_, v)| !v.is_finite()) {
        return None;
    }
    let total: f64 = jackknife.iter().map(|(c, _)| c).sum();
    if total <= 0.0 {
        return None;
    }
    let mean = jackknife.iter().map(|(c, v)| c * v).sum::<f64>() / total;
    let (s2, s3) = jackknife.iter().fold((0.0, 0.0), |(s2, s3), (c, v)| {
        let d = mean - v;
        (s2 + c * d * d, s3 + c * d * d * d)
    });
    Some(if s2 > 0.0 { s3 / (6.0 * s2.powf(1.5)) } else { 0.0 })
}

/// R's `quantile(type = 8)` (median-unbiased) of sorted values; infinite where it touches an
/// infinite value.
fn quantile_type8(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n as f64 + 1.0 / 3.0) * p + 1.0 / 3.0;
    let j = h.floor();
    let g = h - j;
    let at = |k: f64| sorted[(k.max(1.0).min(n as f64) as usize) - 1];
    let (lo, hi) = (at(j), at(j + 1.0));
    // Equal neighbours (infinite ones included) need no interpolation (∞ − ∞ is not a number).
    if g <= 0.0 || lo.total_cmp(&hi).is_eq() || lo.is_infinite() { lo } else { lo + g * (hi - lo) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type8_quantiles_match_r() {
        // R 4.2: quantile(c(1, 2, 3, 4, 10), c(0.1, 0.5, 0.75, 0.9), type = 8) = 1 3 6 10
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        for (p, r) in [(0.1, 1.0), (0.5, 3.0), (0.75, 6.0), (0.9, 10.0)] {
            assert!((quantile_type8(&x, p) - r).abs() < 1e-9, "p = {p}: {}", quantile_type8(&x, p));
        }
        assert!(quantile_type8(&[1.0, f64::INFINITY], 0.9).is_infinite());
    }

    #[test]
    fn acceleration_of_a_symmetric_jackknife_is_zero_and_skew_has_its_sign() {
        assert!(acceleration(&[(1.0, 1.0), (2.0, 2.0), (1.0, 3.0)]).unwrap().abs() < 1e-12);
        // One low delete-one value: d is large and positive there, so a > 0.
        assert!(acceleration(&[(5.0, 10.0), (1.0, 4.0)]).unwrap() > 0.0);
        assert_eq!(acceleration(&[(1.0, f64::INFINITY)]), None);
    }

    #[test]
    fn a_year_borrows_the_reference_model_and_its_interval_re_runs_the_selection() {
        let table = |cells: &[(usize, f64)]| {
            let mut counts = vec![0.0; 8];
            for &(m, c) in cells {
                counts[m] = c;
            }
            CaptureTable::new(vec!["A".into(), "B".into(), "C".into()], counts).unwrap()
        };
        // A and B share far more children than independence allows, over the whole period.
        let whole = table(&[(1, 100.0), (2, 100.0), (4, 100.0), (3, 60.0), (5, 10.0), (6, 10.0), (7, 5.0)]);
        let year = table(&[(1, 21.0), (2, 19.0), (4, 20.0), (3, 11.0), (5, 3.0), (6, 2.0), (7, 1.0)]);
        let selection = Procedure::StepwiseHeterogeneous(0.02);
        let Procedure::Borrowed { pairs, heterogeneity, .. } = selection.chosen_model(&whole, 0.02).unwrap() else {
            panic!("a borrowed model");
        };
        assert!(pairs.contains(&("A".to_string(), "B".to_string())), "{pairs:?}");
        let fixed = Procedure::Fixed { pairs, heterogeneity }.fit(&year).unwrap().n_poisson();
        let run = |threads| {
            let resampling = Resampling { replicates: 60, seed: 11, threads };
            borrowed_intervals(&whole, &selection, 0.02, std::slice::from_ref(&year), resampling, 0.95).unwrap()
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one.len(), 1);
        assert!((one[0].point - fixed).abs() < 1e-9, "{} {fixed}", one[0].point);
        let (lo, hi) = one[0].bca.clone().unwrap();
        assert!(lo >= year.n_observed() && lo < one[0].point && one[0].point < hi, "{lo} {} {hi}", one[0].point);
    }

    #[test]
    fn the_interval_is_reproducible_and_does_not_depend_on_threads() {
        let mut counts = vec![0.0; 8];
        for (m, c) in [(1, 40.0), (2, 30.0), (4, 20.0), (3, 6.0), (5, 4.0), (6, 3.0)] {
            counts[m] = c;
        }
        let t = CaptureTable::new(vec!["A".into(), "B".into(), "C".into()], counts).unwrap();
        let run = |seed, threads| {
            selection_interval(&t, &Procedure::Stepwise(0.02), Resampling { replicates: 60, seed, threads }, 0.95)
                .unwrap()
        };
        let one = run(7, 1);
        assert_eq!(one, run(7, 2));
        assert_eq!(one.estimates.len(), 60);
        assert_ne!(run(8, 2).estimates, one.estimates);
        let (lo, hi) = one.bca.clone().unwrap();
        assert!(lo >= t.n_observed() && lo < one.point && one.point < hi, "{lo} {} {hi}", one.point);
    }
}
