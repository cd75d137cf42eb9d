//! Models over strata: a stratified fit (strata share the lists' dependence) and the seeded
//! bootstrap over resampled cells.
//!
//! Owns: stratified fits and the bootstrap. May not touch: publication.

use super::{CaptureTable, Design, Matrix, ModelError, Pair, check_design, irls, stepwise, z_value};

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
        let mut rng = crate::stats::rng::Rng::new(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
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
