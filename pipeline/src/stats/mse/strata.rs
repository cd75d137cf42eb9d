//! Models over strata: a stratified fit (strata share the lists' dependence), the communities'
//! procedure (selection on the pooled strata, then the stratified fit) and its bootstrap.
//!
//! Owns: stratified fits. May not touch: publication.

use super::bootstrap::{BootstrapInterval, Resampling, intervals};
use super::{
    CaptureTable, Design, HETEROGENEITY_TERM, Matrix, ModelError, Pair, check_design, heterogeneity_column, irls,
    stepwise, stepwise_heterogeneous, z_value,
};

/// Estimates per stratum from one model fitted to all strata together: each stratum has its own
/// intercept and list main effects (so capture probabilities may differ by stratum), and the
/// pairwise dependence between lists, and Darroch's heterogeneity term where the model has it,
/// are shared (estimated from all the data). Small strata thus borrow the dependence structure
/// that only the pooled data can reveal.
#[derive(Debug, Clone)]
pub struct StratifiedFit {
    /// Per stratum: (name, observed, dark figure, log-normal interval on N).
    pub strata: Vec<(String, f64, f64, (f64, f64))>,
    /// Shared interaction terms.
    pub terms: Vec<String>,
}

/// Fit the stratified model. All tables must have the same lists; `pairs` are the shared
/// interactions (typically those selected on the pooled table), and `heterogeneity` adds the
/// shared heterogeneity term.
pub fn fit_stratified(
    tables: &[(String, CaptureTable)],
    pairs: &[Pair],
    heterogeneity: bool,
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
    let p = offset + shared.len() + usize::from(heterogeneity);
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
            if heterogeneity {
                row[p - 1] = heterogeneity_column(m);
            }
            rows.push(row);
            y.push(table.count(m));
        }
    }
    let mut terms = pooled.term_names(pairs);
    if heterogeneity {
        terms.push(HETEROGENEITY_TERM.to_string());
    }
    let d = Design {
        masks: Vec::new(),
        x: Matrix::from_rows(&rows),
        y,
        terms,
        pairs: pairs.to_vec(),
        empty_pairs,
        heterogeneity,
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

/// The communities' estimates of a release: interactions selected by the stepwise rule on all
/// strata pooled (lists with nobody on them left out; with `heterogeneity`, from Darroch's term
/// as [`stepwise_heterogeneous`] does), then the stratified model with those terms over the
/// strata with at least `min_observed` individuals (at least two such strata, or `TooFewLists`).
pub fn select_and_stratify(
    strata: &[(String, CaptureTable)],
    min_observed: f64,
    (threshold, heterogeneity): (f64, bool),
    level: f64,
) -> Result<StratifiedFit, ModelError> {
    let Some((_, first)) = strata.first() else { return Err(ModelError::TooFewLists) };
    let mut pooled = vec![0.0; 1 << first.t()];
    for (_, table) in strata {
        for (m, c) in pooled.iter_mut().enumerate() {
            *c += table.count(m);
        }
    }
    let pooled = CaptureTable::new(first.lists.clone(), pooled).map_err(|_| ModelError::NotConverged)?;
    let (reduced, _) = pooled.without_empty_lists();
    let selected =
        if heterogeneity { stepwise_heterogeneous(&reduced, threshold)? } else { stepwise(&reduced, threshold)? };
    let index = |name: &str| first.lists.iter().position(|l| l == name);
    let pairs: Vec<Pair> = selected
        .pairs
        .iter()
        .filter_map(|&(a, b)| Some((index(&reduced.lists[a])?, index(&reduced.lists[b])?)))
        .collect();
    let included: Vec<(String, CaptureTable)> =
        strata.iter().filter(|(_, t)| t.n_observed() >= min_observed).cloned().collect();
    if included.len() < 2 {
        return Err(ModelError::TooFewLists);
    }
    match fit_stratified(&included, &pairs, selected.heterogeneity, level) {
        // The shared heterogeneity term may not be estimable stratum by stratum: then without it.
        Err(e) if e.is_unfittable() && selected.heterogeneity => fit_stratified(&included, &pairs, false, level),
        other => other,
    }
}

/// Bootstrap intervals of [`select_and_stratify`]'s estimates, allowing for the selection: each
/// stratum is resampled with its own total, and selection and the stratified fit re-run on
/// every resample. One interval per stratum of the fit, in its order.
pub fn stratified_intervals(
    strata: &[(String, CaptureTable)],
    min_observed: f64,
    selection: (f64, bool),
    resampling: Resampling,
    level: f64,
) -> Result<Vec<(String, BootstrapInterval)>, ModelError> {
    let fitted = select_and_stratify(strata, min_observed, selection, level)?;
    let names: Vec<String> = fitted.strata.iter().map(|s| s.0.clone()).collect();
    let points: Vec<f64> = fitted.strata.iter().map(|s| s.1 + s.2).collect();
    let lists = strata[0].1.lists.clone();
    let groups: Vec<Vec<f64>> = strata.iter().map(|(_, t)| t.counts.clone()).collect();
    let statistic = |groups: &[Vec<f64>]| -> Vec<Option<f64>> {
        let tables: Option<Vec<(String, CaptureTable)>> = strata
            .iter()
            .zip(groups)
            .map(|((name, _), counts)| CaptureTable::new(lists.clone(), counts.clone()).ok().map(|t| (name.clone(), t)))
            .collect();
        let fit = tables.and_then(|t| select_and_stratify(&t, min_observed, selection, level).ok());
        names
            .iter()
            .map(|name| {
                let (_, n, dark, _) = fit.as_ref()?.strata.iter().find(|s| &s.0 == name)?;
                Some(n + dark).filter(|v| v.is_finite())
            })
            .collect()
    };
    let out = intervals(&groups, &points, &statistic, resampling, level);
    Ok(names.into_iter().zip(out).collect())
}
