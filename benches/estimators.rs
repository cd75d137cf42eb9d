//! Timings of the prevalence estimators (issue #4). Prints figures; asserts nothing about time.
//!
//! Run: `cargo bench --profile dev --bench estimators` (the dev profile reuses the test build;
//! dependencies are optimised, see Cargo.toml).

// A benchmark converts sizes and counts to floats for its figures.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]

use std::time::Instant;

use safestat::stats::mse::{CaptureTable, Procedure, Resampling, profile_likelihood, selection_interval, stepwise};
use safestat::stats::rng::Rng;

/// A population of `n` with list probabilities `p`, list 0 and 1 positively dependent.
fn simulate(n: u64, p: &[f64], seed: u64) -> CaptureTable {
    let mut rng = Rng::new(seed);
    let t = p.len();
    let mut counts = vec![0.0; 1 << t];
    for _ in 0..n {
        let visibility = (0.5 * rng.normal() - 0.125).exp();
        let mut mask = 0usize;
        for (j, &pj) in p.iter().enumerate() {
            let boost = if j == 1 && mask & 1 == 1 { 1.8 } else { 1.0 };
            if rng.bernoulli((pj * visibility * boost).min(0.95)) {
                mask |= 1 << j;
            }
        }
        if mask != 0 {
            counts[mask] += 1.0;
        }
    }
    CaptureTable::new((0..t).map(|j| format!("L{j}")).collect(), counts).expect("valid table")
}

fn main() {
    let six = simulate(5_000, &[0.3, 0.3, 0.15, 0.2, 0.12, 0.1], 1);
    let runs = 5;
    let start = Instant::now();
    let mut last = None;
    for _ in 0..runs {
        let fit = stepwise(&six, 0.02).expect("a model");
        let profile = profile_likelihood(&fit, 0.95).expect("an interval");
        last = Some((fit.terms().to_vec(), profile));
    }
    let per_run = start.elapsed().as_secs_f64() / f64::from(runs);
    let (terms, profile) = last.expect("ran");
    println!(
        "6 lists, n = {:.0}: stepwise selection + profile interval: {:.3} s per run (mean of {runs} runs); \
         model {:?}, N = {:.0} ({:.0} to {:.0})",
        six.n_observed(),
        per_run,
        terms,
        profile.point,
        profile.lower,
        profile.upper
    );

    let five = simulate(2_000, &[0.3, 0.3, 0.15, 0.2, 0.12], 2);
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let start = Instant::now();
    let resampling = Resampling { replicates: 1_000, seed: 2014, threads };
    let result = selection_interval(&five, &Procedure::Stepwise(0.02), resampling, 0.95).expect("an estimate");
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "5 lists, n = {:.0}: 1000 bootstrap replicates with stepwise selection and the jackknife on {threads} \
         threads: {elapsed:.2} s; {} failed; BCa 95% interval {:?}, percentile {:?}",
        five.n_observed(),
        result.failed,
        result.bca,
        result.percentile
    );
}
