//! Disclosure control at release size (issue #5): a year × community × age band × sex × agency
//! pattern table with all its margins, protected as one system (primaries, Gaussian secondaries,
//! LP audit with insider check and repair, witnesses), next to the simple rule "suppress 1..5 and
//! the next smallest in each row", whose safety the same LP audit then checks.
//!
//! Run: `cargo bench --profile dev --bench disclosure [-- YEARS COMMUNITIES [BUDGET_SECONDS]]`.
//! Without arguments it walks a ladder of sizes up to the release size 17 × 20 × 4 × 2 × 31 and
//! stops before a size whose predicted time exceeds the budget (default 600 s). Prints figures;
//! asserts nothing about time.

use std::time::Instant;

use safestat::disclosure::Policy;
use safestat::disclosure::audit::{self, Constraint, Knowledge};
use safestat::disclosure::system::{self, Status, SystemCell};
use safestat::rng::Rng;

/// A full cross-classification with every margin: each published cell picks, per dimension,
/// one leaf or the total.
struct Model {
    inner: Vec<u64>,
    cells: Vec<SystemCell>,
    /// For each published cell, its node per dimension (`leaves[d]` = total).
    coords: Vec<Vec<usize>>,
    leaves: Vec<usize>,
}

fn build(leaves: &[usize], children: u64, seed: u64) -> Model {
    let mut rng = Rng::new(seed);
    let inner_count: usize = leaves.iter().product();
    // Skewed category weights (a few large communities, single-agency patterns most common).
    let weights: Vec<Vec<f64>> = leaves
        .iter()
        .enumerate()
        .map(|(d, &n)| {
            (0..n).map(|i| if d == 0 { 1.0 + i as f64 * 0.05 } else { 1.0 / (1.0 + i as f64).powf(1.3) }).collect()
        })
        .collect();
    let mut inner = vec![0u64; inner_count];
    for _ in 0..children {
        let index = weights.iter().zip(leaves).fold(0, |acc, (w, &n)| acc * n + rng.weighted(w));
        inner[index] += 1;
    }
    let mut coords: Vec<Vec<usize>> = vec![Vec::new()];
    for &n in leaves {
        coords = coords.iter().flat_map(|c| (0..=n).map(move |k| [c.clone(), vec![k]].concat())).collect();
    }
    let cells = coords
        .iter()
        .map(|coord| {
            let mut set = vec![0usize];
            for (d, &n) in leaves.iter().enumerate() {
                let allowed: Vec<usize> = if coord[d] == n { (0..n).collect() } else { vec![coord[d]] };
                set = set.iter().flat_map(|&b| allowed.iter().map(move |&l| b * n + l)).collect();
            }
            set.sort_unstable();
            SystemCell { inner: set, publishable: true }
        })
        .collect();
    Model { inner, cells, coords, leaves: leaves.to_vec() }
}

fn value(m: &Model, cell: usize) -> u64 {
    m.cells[cell].inner.iter().map(|&i| m.inner[i]).sum()
}

/// The simple rule: counts 1..T withheld; then, in every row (the leaves of one dimension at
/// fixed other nodes) with exactly one withheld cell, the next smallest non-zero cell too.
fn simple_rule(m: &Model, threshold: u64) -> Vec<bool> {
    let values: Vec<u64> = (0..m.cells.len()).map(|c| value(m, c)).collect();
    let mut withheld: Vec<bool> = values.iter().map(|v| (1..=threshold).contains(v)).collect();
    let index: std::collections::HashMap<&[usize], usize> =
        m.coords.iter().enumerate().map(|(i, c)| (c.as_slice(), i)).collect();
    for (d, &n) in m.leaves.iter().enumerate() {
        for (parent, coord) in m.coords.iter().enumerate() {
            if coord[d] != n {
                continue;
            }
            let _ = parent;
            let row: Vec<usize> = (0..n)
                .map(|k| {
                    let mut c = coord.clone();
                    c[d] = k;
                    index[c.as_slice()]
                })
                .collect();
            if row.iter().filter(|&&c| withheld[c]).count() == 1
                && let Some(&next) = row.iter().filter(|&&c| !withheld[c] && values[c] > 0).min_by_key(|&&c| values[c])
            {
                withheld[next] = true;
            }
        }
    }
    withheld
}

/// Audit a pattern: how many primaries can be narrowed inside their protection interval, and
/// how many recovered exactly.
fn audit_pattern(m: &Model, withheld: &[bool], policy: Policy) -> (usize, usize, usize) {
    let values: Vec<u64> = (0..m.cells.len()).map(|c| value(m, c)).collect();
    let cap = i64::try_from(m.inner.iter().sum::<u64>() * 2).unwrap_or(i64::MAX);
    let knowledge = Knowledge {
        inner_cells: m.inner.len(),
        constraints: (0..m.cells.len())
            .filter(|&c| !withheld[c])
            .map(|c| Constraint { cells: m.cells[c].inner.clone(), lo: values[c] as i64, hi: values[c] as i64 })
            .collect(),
        cap,
    };
    let p = system::protection(policy);
    let (mut checked, mut narrowed, mut exact) = (0, 0, 0);
    for c in (0..m.cells.len()).filter(|&c| (1..=policy.threshold()).contains(&values[c])) {
        checked += 1;
        let interval = audit::interval(&knowledge, &m.cells[c].inner, &[]).expect("feasible");
        if !audit::protected(values[c] as i64, interval, p) {
            narrowed += 1;
        }
        if interval.0 == interval.1 {
            exact += 1;
        }
    }
    (checked, narrowed, exact)
}

fn run(years: usize, communities: usize) -> f64 {
    let leaves = [years, communities, 4, 2, 31];
    let children = 110 * (years * communities) as u64;
    let m = build(&leaves, children, 2014);
    let published_cells = m.cells.len();
    let policy = Policy::UkChildren;
    let start = Instant::now();
    let outcome = system::protect_system(&m.inner, &m.cells, policy).expect("protectable");
    let ours = start.elapsed().as_secs_f64();
    let withheld_ours = outcome.status.iter().filter(|s| **s != Status::Published).count();
    let primaries = outcome.status.iter().filter(|s| **s == Status::Primary).count();
    let simple = simple_rule(&m, policy.threshold());
    let withheld_simple = simple.iter().filter(|w| **w).count();
    let start = Instant::now();
    let (checked, narrowed, exact) = audit_pattern(&m, &simple, policy);
    let simple_audit = start.elapsed().as_secs_f64();
    println!(
        "| {} | {} | {} | {} | {:.1} s | {:.1}% | {} | {:.1}% | {} of {} narrowed, {} exact ({:.1} s) |",
        leaves.map(|l| l.to_string()).join("×"),
        m.inner.len(),
        published_cells,
        children,
        ours,
        100.0 * withheld_ours as f64 / published_cells as f64,
        outcome.repairs,
        100.0 * withheld_simple as f64 / published_cells as f64,
        narrowed,
        checked,
        exact,
        simple_audit,
    );
    let _ = primaries;
    ours + simple_audit
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    println!(
        "| size (years×communities×ages×sexes×patterns) | inner cells | published cells | children | safestat protect + audit | withheld (safestat) | repair rounds | withheld (simple rule) | simple rule under the LP audit |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    if let [years, communities, rest @ ..] = args.as_slice() {
        let _ = rest;
        run(years.parse().expect("YEARS"), communities.parse().expect("COMMUNITIES"));
        return;
    }
    let budget: f64 = std::env::var("SAFESTAT_BENCH_BUDGET").ok().and_then(|b| b.parse().ok()).unwrap_or(600.0);
    let ladder = [(1, 1), (1, 2), (2, 3), (3, 4), (4, 5), (6, 8), (8, 10), (12, 15), (17, 20)];
    let mut previous: Option<(usize, f64)> = None;
    for (years, communities) in ladder {
        let size = years * communities * 248;
        if let Some((previous_size, seconds)) = previous {
            // The LP audit grows at least quadratically with the size.
            let predicted = seconds * (size as f64 / previous_size as f64).powi(2);
            if predicted > budget {
                println!(
                    "| {years}×{communities}×4×2×31 | {size} | | | not run: predicted {predicted:.0} s > budget {budget:.0} s | | | | |"
                );
                continue;
            }
        }
        let seconds = run(years, communities);
        previous = Some((size, seconds));
    }
}
