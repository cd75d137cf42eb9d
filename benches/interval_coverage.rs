//! Do the intervals cover the truth once model selection is allowed for (issue #25)? Two
//! designs, each a set of populations of known size:
//!
//! 1. **Sparse models**: the stepwise fit to real sparse lists taken as the truth (New Orleans,
//!    8 lists, `../shared/reference/mse/`; the UK 2013 modern-slavery assessment, 6 lists,
//!    `benches/data/`, the data of Chan, Silverman and Vincent's simulation); each dataset draws
//!    the fitted population across the histories with the fitted probabilities (the unobserved
//!    history included).
//! 2. **Heterogeneous capture** (the sample generator's design): 1,700 children, five agencies
//!    with base capture probabilities 0.31, 0.35, 0.15, 0.20, 0.12, social care 1.8 times as
//!    likely for children the police recorded, and each child's visibility log-normal (σ = 0.5)
//!    on every list: a dependence no pairwise log-linear model describes exactly.
//!
//! For each dataset: stepwise selection (threshold 0.02), its conditional intervals (profile
//! likelihood and log-normal) and the bootstrap BCa interval that re-runs the selection
//! (1,000 resamples unless told), each at 80% and 95%. Prints the share of datasets whose
//! interval covers the truth; asserts nothing.
//!
//! Run: `cargo bench --profile dev --bench interval_coverage [-- DATASETS [RESAMPLES]]`
//! (default 100 datasets per design, 1,000 resamples).

// A benchmark converts counts to floats for its figures.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use std::time::Instant;

use safestat::analysis::capture_csv::{CaptureData, read};
use safestat::stats::mse::{CaptureTable, Procedure, Resampling, profile_likelihood, selection_interval, stepwise};
use safestat::stats::rng::Rng;

const LEVELS: [f64; 2] = [0.80, 0.95];

/// Coverage counts per interval kind and level.
#[derive(Default)]
struct Tally {
    datasets: usize,
    /// `[kind][level]`: kind 0 profile, 1 log-normal, 2 BCa.
    covered: [[usize; 2]; 3],
    /// Datasets where the kind gave no interval at that level.
    missing: [[usize; 2]; 3],
    width: [[f64; 2]; 3],
}

impl Tally {
    fn add(&mut self, kind: usize, level: usize, truth: f64, interval: Option<(f64, f64)>) {
        match interval {
            Some((lo, hi)) => {
                if lo <= truth && truth <= hi {
                    self.covered[kind][level] += 1;
                }
                self.width[kind][level] += hi - lo;
            }
            None => self.missing[kind][level] += 1,
        }
    }

    fn print(&self, design: &str, elapsed: f64) {
        println!("{design}: {} datasets, {elapsed:.0} s", self.datasets);
        for (kind, name) in
            ["profile likelihood (conditional)", "log-normal (conditional)", "bootstrap BCa"].iter().enumerate()
        {
            let cells: Vec<String> = LEVELS
                .iter()
                .enumerate()
                .map(|(l, level)| {
                    let given = self.datasets - self.missing[kind][l];
                    format!(
                        "{:.0}%: {:.3} ({} of {given}; mean width {:.0}{})",
                        level * 100.0,
                        self.covered[kind][l] as f64 / given.max(1) as f64,
                        self.covered[kind][l],
                        self.width[kind][l] / given.max(1) as f64,
                        if self.missing[kind][l] > 0 {
                            format!("; {} without", self.missing[kind][l])
                        } else {
                            String::new()
                        }
                    )
                })
                .collect();
            println!("  {name:<34} {}", cells.join("   "));
        }
    }
}

fn assess(table: &CaptureTable, truth: f64, resamples: usize, seed: u64, tally: &mut Tally) {
    tally.datasets += 1;
    let Ok(fit) = stepwise(&table.without_empty_lists().0, 0.02) else {
        for kind in 0..3 {
            for level in 0..2 {
                tally.add(kind, level, truth, None);
            }
        }
        return;
    };
    for (l, &level) in LEVELS.iter().enumerate() {
        tally.add(0, l, truth, profile_likelihood(&fit, level).ok().map(|e| (e.lower, e.upper)));
        tally.add(1, l, truth, Some(fit.lognormal_interval(level)));
    }
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let resampling = Resampling { replicates: resamples, seed, threads };
    let boot = selection_interval(table, &Procedure::Stepwise(0.02), resampling, 0.95).ok();
    for (l, &level) in LEVELS.iter().enumerate() {
        let limits =
            boot.as_ref().and_then(|b| b.bca_at(level).ok()).filter(|(lo, hi)| lo.is_finite() && hi.is_finite());
        tally.add(2, l, truth, limits);
    }
}

/// Draw `n` individuals over the histories with probabilities `weights` (index = mask; 0 is
/// the unobserved history, dropped from the table).
fn draw(rng: &mut Rng, lists: &[String], n: u64, weights: &[f64]) -> CaptureTable {
    let mut counts: Vec<f64> = rng.multinomial(n, weights).into_iter().map(|k| k as f64).collect();
    counts[0] = 0.0;
    CaptureTable::new(lists.to_vec(), counts).expect("a valid table")
}

fn sparse_model(name: &str, path: &std::path::Path, datasets: usize, resamples: usize) {
    let Ok(CaptureData::Histories(data)) = read(path) else {
        println!("sparse model: {} not found, skipped", path.display());
        return;
    };
    let fit = stepwise(&data, 0.02).expect("a stepwise fit");
    let mut weights: Vec<f64> = (0..1usize << data.t()).map(|m| fit.fitted(m)).collect();
    weights[0] = fit.dark_figure();
    let truth = fit.n_poisson().round();
    let mut rng = Rng::new(25);
    let mut tally = Tally::default();
    let start = Instant::now();
    for d in 0..datasets {
        let table = draw(&mut rng, data.lists(), truth as u64, &weights);
        assess(&table, truth, resamples, 1_000 + d as u64, &mut tally);
    }
    tally.print(
        &format!(
            "sparse model ({name} stepwise fit, main effects + {:?}, {} lists, N = {truth:.0})",
            fit.terms(),
            data.t()
        ),
        start.elapsed().as_secs_f64(),
    );
}

fn heterogeneous(datasets: usize, resamples: usize) {
    const BASE: [f64; 5] = [0.31, 0.35, 0.15, 0.20, 0.12];
    const SIGMA: f64 = 0.5;
    let lists: Vec<String> = ["police", "social care", "health", "voluntary", "education"].map(String::from).to_vec();
    let truth = 1_700u64;
    let mut rng = Rng::new(26);
    let mut tally = Tally::default();
    let start = Instant::now();
    for d in 0..datasets {
        let mut counts = vec![0.0; 32];
        for _ in 0..truth {
            let visibility = (SIGMA * rng.normal() - SIGMA * SIGMA / 2.0).exp();
            let mut mask = 0usize;
            for (a, base) in BASE.iter().enumerate() {
                let boost = if a == 1 && mask & 1 == 1 { 1.8 } else { 1.0 };
                if rng.bernoulli((base * visibility * boost).min(0.95)) {
                    mask |= 1 << a;
                }
            }
            counts[mask] += 1.0;
        }
        counts[0] = 0.0;
        let table = CaptureTable::new(lists.clone(), counts).expect("a valid table");
        assess(&table, truth as f64, resamples, 2_000 + d as u64, &mut tally);
    }
    tally.print(
        &format!("heterogeneous capture (the generator's design, 5 lists, N = {truth})"),
        start.elapsed().as_secs_f64(),
    );
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let datasets = args.first().copied().unwrap_or(100);
    let resamples = args.get(1).copied().unwrap_or(1_000);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    sparse_model("New Orleans", &root.join("../shared/reference/mse/new_orleans_8lists.csv"), datasets, resamples);
    sparse_model("UK 2013", &root.join("benches/data/uk_modern_slavery_2013.csv"), datasets, resamples);
    heterogeneous(datasets, resamples);
}
