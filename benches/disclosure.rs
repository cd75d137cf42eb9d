//! Disclosure control at release size (issue #5): a year × community × age band × sex × agency
//! pattern table with all its margins, protected as one system (primaries, Gaussian secondaries,
//! LP audit with insider check and repair, witnesses), next to the simple rule "suppress 1..5 and
//! the next smallest in each row", whose safety the same LP audit then checks.
//!
//! Run: `cargo bench --profile dev --bench disclosure [-- YEARS COMMUNITIES]`. Without arguments
//! it runs the two smallest sizes with every method (exact, hypercube), then a ladder of
//! sizes up to the release size 17 × 20 × 4 × 2 × 31 on the hypercube path, skipping a size
//! whose predicted time exceeds `SAFESTAT_BENCH_BUDGET` seconds (default 900).
//! `SAFESTAT_BENCH_METHOD=exact|auto|hypercube` sets the method of the ladder and of a
//! single size (default hypercube). The re-audit verifies every witness with the integer checker
//! and, up to the exact path's size, solves every primary's whole-system LP interval. Prints
//! figures; asserts nothing about time.

// A benchmark converts sizes and counts to floats for its figures.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]

use std::time::Instant;

use safestat::disclosure::Policy;
use safestat::disclosure::interval::{self, Constraint, Knowledge};
use safestat::disclosure::system::{self, Status, SystemCell};
use safestat::stats::rng::Rng;

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
    let (cells, coords) = system::full_cross(leaves);
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
        let interval = interval::feasible(&knowledge, &m.cells[c].inner, &[]).expect("feasible");
        if !interval::protected(values[c] as i64, interval, p) {
            narrowed += 1;
        }
        if interval.0 == interval.1 {
            exact += 1;
        }
    }
    (checked, narrowed, exact)
}

/// Primaries an attacker recovers exactly by substitution alone (published cells with one
/// unknown inner cell, repeatedly): a lower bound on what the LP finds, cheap at any size.
fn recovered_by_substitution(m: &Model, withheld: &[bool], policy: Policy) -> (usize, usize) {
    let mut known = vec![false; m.inner.len()];
    let mut cells_of: Vec<Vec<usize>> = vec![Vec::new(); m.inner.len()];
    for (c, cell) in m.cells.iter().enumerate() {
        for &i in &cell.inner {
            cells_of[i].push(c);
        }
    }
    // Unknown inner cells per published cell; a cell with one left fixes it, which may leave
    // another published cell with one.
    let mut unknown: Vec<usize> = m.cells.iter().map(|c| c.inner.len()).collect();
    let mut queue: Vec<usize> = (0..m.cells.len()).filter(|&c| !withheld[c] && unknown[c] == 1).collect();
    while let Some(c) = queue.pop() {
        let Some(&i) = m.cells[c].inner.iter().find(|&&i| !known[i]) else { continue };
        known[i] = true;
        for &d in &cells_of[i] {
            unknown[d] -= 1;
            if !withheld[d] && unknown[d] == 1 {
                queue.push(d);
            }
        }
    }
    let value = |c: usize| m.cells[c].inner.iter().map(|&i| m.inner[i]).sum::<u64>();
    let primaries: Vec<usize> = (0..m.cells.len()).filter(|&c| (1..=policy.threshold()).contains(&value(c))).collect();
    let exact = primaries.iter().filter(|&&c| m.cells[c].inner.iter().all(|&i| known[i])).count();
    (exact, primaries.len())
}

/// The re-audit `safestat audit` makes, from the published cells and the model alone: every
/// witness with the integer checker, then (small systems) every primary's LP interval. Returns
/// seconds.
fn reaudit(m: &Model, outcome: &system::SystemOutcome, policy: Policy) -> f64 {
    let start = Instant::now();
    let values: Vec<u64> = (0..m.cells.len()).map(|c| value(m, c)).collect();
    let knowledge = Knowledge {
        inner_cells: m.inner.len(),
        constraints: (0..m.cells.len())
            .filter(|&c| outcome.status[c] == Status::Published)
            .map(|c| Constraint { cells: m.cells[c].inner.clone(), lo: values[c] as i64, hi: values[c] as i64 })
            .collect(),
        cap: outcome.knowledge.cap,
    };
    let verifier =
        safestat::disclosure::witness::SparseVerifier::new(&knowledge, &outcome.truth).expect("base verifies");
    let p = system::protection(policy);
    for a in &outcome.audits {
        assert!(verifier.verify(&a.witnesses.0) && verifier.verify(&a.witnesses.1), "witness of {}", a.cell);
        let target = &m.cells[a.cell].inner;
        let span = (verifier.value_in(&a.witnesses.0, target), verifier.value_in(&a.witnesses.1, target));
        assert!(interval::protected(a.value, span, p), "witness span of {}", a.cell);
    }
    // Above the exact path's size the verified witnesses are the proof (the attacker's interval
    // holds their span), as in `safestat audit`; below it, the whole-system LP as well.
    if m.inner.len() <= system::LARGE_SYSTEM_ATOMS {
        for a in &outcome.audits {
            let interval = interval::feasible(&knowledge, &m.cells[a.cell].inner, &[]).expect("feasible");
            assert!(interval::protected(a.value, interval, p), "interval of {}", a.cell);
        }
    }
    start.elapsed().as_secs_f64()
}

fn run(years: usize, communities: usize, method: system::Method) -> f64 {
    let leaves = [years, communities, 4, 2, 31];
    let children = 110 * (years * communities) as u64;
    let m = build(&leaves, children, 2014);
    let published_cells = m.cells.len();
    let policy = Policy::UkChildren;
    let start = Instant::now();
    let outcome =
        safestat::disclosure::protection::protect_system_with(&m.inner, &m.cells, policy, method).expect("protectable");
    let ours = start.elapsed().as_secs_f64();
    let reaudit_seconds = reaudit(&m, &outcome, policy);
    let withheld_ours = outcome.status.iter().filter(|s| **s != Status::Published).count();
    let primaries = outcome.status.iter().filter(|s| **s == Status::Primary).count();
    let simple = simple_rule(&m, policy.threshold());
    let withheld_simple = simple.iter().filter(|w| **w).count();
    let start = Instant::now();
    // The whole-system LP audit of the simple rule where it is affordable; above that, exact
    // recovery by substitution alone (which already proves the rule unsafe when it finds any).
    let simple_verdict = if m.inner.len() <= 500 {
        let (checked, narrowed, exact) = audit_pattern(&m, &simple, policy);
        format!("LP: {narrowed} of {checked} narrowed, {exact} exact")
    } else {
        let (exact, checked) = recovered_by_substitution(&m, &simple, policy);
        format!("{exact} of {checked} recovered exactly by substitution alone")
    };
    let simple_audit = start.elapsed().as_secs_f64();
    let method_name = match outcome.method {
        system::Method::Exact => "exact".to_string(),
        system::Method::Hypercube => "hypercube".to_string(),
        system::Method::Auto => "auto".to_string(),
    };
    println!(
        "| {} | {} | {} | {} | {} | {} | {:.1} s | {:.1} s | {:.1}% | {} / {} | {:.1}% | {} ({:.1} s) |",
        leaves.map(|l| l.to_string()).join("×"),
        m.inner.len(),
        published_cells,
        children,
        primaries,
        method_name,
        ours,
        reaudit_seconds,
        100.0 * withheld_ours as f64 / published_cells as f64,
        outcome.rounds,
        outcome.repairs,
        100.0 * withheld_simple as f64 / published_cells as f64,
        simple_verdict,
        simple_audit,
    );
    ours + reaudit_seconds + simple_audit
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    println!(
        "| size (years×communities×ages×sexes×patterns) | inner cells | published cells | children | primaries | method | protect (audit, repair, witnesses) | re-audit | withheld (safestat) | rounds / cells withheld by repair or cycles | withheld (simple rule) | simple rule audited |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let method = match std::env::var("SAFESTAT_BENCH_METHOD").as_deref() {
        Ok("exact") => system::Method::Exact,
        Ok("auto") => system::Method::Auto,
        _ => system::Method::Hypercube,
    };
    if let [years, communities, ..] = args.as_slice() {
        run(years.parse().expect("YEARS"), communities.parse().expect("COMMUNITIES"), method);
        return;
    }
    let budget: f64 = std::env::var("SAFESTAT_BENCH_BUDGET").ok().and_then(|b| b.parse().ok()).unwrap_or(900.0);
    // The small sizes with every method, to compare them; then the ladder to the release size.
    for (years, communities) in [(1, 1), (1, 2)] {
        run(years, communities, system::Method::Exact);
        run(years, communities, system::Method::Hypercube);
    }
    let ladder = [(2, 3), (4, 5), (8, 10), (17, 20)];
    let mut previous: Option<(usize, f64)> = None;
    for (years, communities) in ladder {
        let size = years * communities * 248;
        if let Some((previous_size, seconds)) = previous {
            // Allow for growth a little faster than the number of primaries.
            let predicted = seconds * (size as f64 / previous_size as f64).powf(1.3);
            if predicted > budget {
                println!(
                    "| {years}×{communities}×4×2×31 | {size} | | | | | not run: predicted {predicted:.0} s > budget {budget:.0} s | | | | | |"
                );
                continue;
            }
        }
        let seconds = run(years, communities, method);
        previous = Some((size, seconds));
    }
}
