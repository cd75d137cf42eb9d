//! The interval audit and its certificates (DISCLOSURE.md, "Protection interval").
//!
//! The attacker knows every published figure as a linear constraint on the inner cells (an
//! equation, or an interval for rounded figures) and that counts are whole numbers ≥ 0. For each
//! primary cell the audit computes the interval [L, U] the attacker can deduce (linear
//! programming), checks `L ≤ v − LPL`, `U ≥ v + UPL` and `U − L ≥ W`, and repeats the check for an
//! insider who knows that one other withheld cell sharing a constraint is at least 1.
//!
//! Certificates: for each primary, two integer witness tables that agree with everything
//! published and put the cell at or below v − LPL and at or above v + UPL, at least W apart. The
//! integer-only [`verify_witness`] checks them without any solver.
//!
//! Owns: the LP model of what a reader knows. May not touch: repair decisions.

// The LP works in floats over integer counts; results are rounded inwards on purpose.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use microlp::{ComparisonOp, OptimizationDirection, Problem, Solution, SolveOptions, SolveOutcome, Variable};
use serde::{Deserialize, Serialize};

/// A published figure as a constraint: `lo ≤ Σ inner[cells] ≤ hi`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    /// Inner cells summed.
    pub cells: Vec<usize>,
    /// Smallest possible value.
    pub lo: i64,
    /// Largest possible value.
    pub hi: i64,
}

/// What an attacker knows: the number of inner cells, the published constraints, and an upper
/// bound on any single inner cell (used only to keep integer programs bounded).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Knowledge {
    /// Number of inner cells.
    pub inner_cells: usize,
    /// Published constraints.
    pub constraints: Vec<Constraint>,
    /// Upper bound on any inner cell.
    pub cap: i64,
}

/// Protection parameters for one primary cell of true value `v`.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Protection {
    /// Upper protection level.
    pub upl: i64,
    /// Lower protection level (applied as min(v, lpl)).
    pub lpl: i64,
    /// Minimum width.
    pub width: i64,
}

fn solve(
    k: &Knowledge,
    target: &[usize],
    direction: OptimizationDirection,
    extra: &[Constraint],
    integer: bool,
) -> Option<(f64, Vec<f64>)> {
    let (s, vars) = solve_kept(k, target, direction, extra, integer.then(SolveOptions::default), None)?;
    Some((s.objective(), vars.iter().map(|v| s.var_value(*v)).collect()))
}

/// Branch-and-bound nodes a witness search spends looking for any integer table within its
/// bounds before it solves for the exact optimum (deterministic, unlike a time limit).
const WITNESS_NODES: u64 = 2_000;

/// [`solve`], keeping the solver's solution (rows can be added to it and solved again from
/// there) and the variables of the inner cells. `integer`: whole-number variables, solved with
/// these options (`None`: the LP relaxation). `near` = (a table, weight) adds weight times the
/// distance from that table (the sum of |x - table|) as a penalty to the objective.
fn solve_kept(
    k: &Knowledge,
    target: &[usize],
    direction: OptimizationDirection,
    extra: &[Constraint],
    integer: Option<SolveOptions>,
    near: Option<(&[i64], f64)>,
) -> Option<(Solution, Vec<Variable>)> {
    let mut lp = Problem::new(direction);
    let cap = i32::try_from(k.cap).unwrap_or(i32::MAX);
    let mut in_target = vec![false; k.inner_cells];
    for &i in target {
        in_target[i] = true;
    }
    let vars: Vec<_> = (0..k.inner_cells)
        .map(|i| {
            let c = if in_target[i] { 1.0 } else { 0.0 };
            if integer.is_some() { lp.add_integer_var(c, (0, cap)) } else { lp.add_var(c, (0.0, f64::from(cap))) }
        })
        .collect();
    if let Some((table, weight)) = near {
        // x = table + up - down, with the penalty on up + down.
        let penalty = if direction == OptimizationDirection::Maximize { -weight } else { weight };
        for (&x, &t) in vars.iter().zip(table) {
            let (up, down) = (lp.add_var(penalty, (0.0, f64::from(cap))), lp.add_var(penalty, (0.0, f64::from(cap))));
            lp.add_constraint([(x, 1.0), (up, -1.0), (down, 1.0)], ComparisonOp::Eq, t as f64);
        }
    }
    for c in k.constraints.iter().chain(extra) {
        let expr: Vec<_> = c.cells.iter().map(|&i| (vars[i], 1.0)).collect();
        if c.lo == c.hi {
            lp.add_constraint(expr, ComparisonOp::Eq, c.lo as f64);
        } else {
            lp.add_constraint(expr.clone(), ComparisonOp::Ge, c.lo as f64);
            lp.add_constraint(expr, ComparisonOp::Le, c.hi as f64);
        }
    }
    let solved = match integer {
        Some(options) => lp.solve_with(options),
        None => lp.solve(),
    };
    match solved {
        Ok(SolveOutcome::Solution(s)) => Some((s, vars)),
        _ => None,
    }
}

/// The interval [L, U] of `Σ inner[target]` an attacker can deduce (LP relaxation, rounded
/// inwards to whole numbers). `None` when the constraints are infeasible.
pub fn feasible(k: &Knowledge, target: &[usize], extra: &[Constraint]) -> Option<(i64, i64)> {
    let (lo, _) = solve(k, target, OptimizationDirection::Minimize, extra, false)?;
    let (hi, _) = solve(k, target, OptimizationDirection::Maximize, extra, false)?;
    Some(((lo - 1e-6).ceil() as i64, (hi + 1e-6).floor() as i64))
}

/// An interval with the (LP) tables attaining its lower and upper ends.
pub type IntervalWithSolutions = ((i64, i64), Vec<f64>, Vec<f64>);

/// Like [`interval`], with the optimal tables attaining the lower and the upper end.
pub fn feasible_with_solutions(k: &Knowledge, target: &[usize], extra: &[Constraint]) -> Option<IntervalWithSolutions> {
    let (lo, low) = solve(k, target, OptimizationDirection::Minimize, extra, false)?;
    let (hi, high) = solve(k, target, OptimizationDirection::Maximize, extra, false)?;
    Some((((lo - 1e-6).ceil() as i64, (hi + 1e-6).floor() as i64), low, high))
}

/// One end of the interval under extra constraints (`high`: the maximum).
pub fn bound(k: &Knowledge, target: &[usize], high: bool, extra: &[Constraint]) -> Option<i64> {
    let direction = if high { OptimizationDirection::Maximize } else { OptimizationDirection::Minimize };
    let (v, _) = solve(k, target, direction, extra, false)?;
    Some(if high { (v + 1e-6).floor() as i64 } else { (v - 1e-6).ceil() as i64 })
}

/// One end of a cell's interval (LP relaxation), solved so that the other cells move as little as
/// they can from a given table; rows added with [`NearEnd::with_row`] are solved again from this
/// solution (dual simplex from its basis), far cheaper than solving anew.
pub struct NearEnd {
    solution: Solution,
    vars: Vec<Variable>,
}

/// Penalty per unit of distance from the table a [`NearEnd`] stays near, against 1 per unit of
/// the target.
pub const NEAR_WEIGHT: f64 = 1e-4;

impl NearEnd {
    /// The end (`high`: the maximum) of `Σ inner[target]` under the knowledge, moving the other
    /// cells as little as possible from `table`. `None` when infeasible.
    pub fn new(k: &Knowledge, target: &[usize], high: bool, table: &[i64]) -> Option<Self> {
        let direction = if high { OptimizationDirection::Maximize } else { OptimizationDirection::Minimize };
        let (solution, vars) = solve_kept(k, target, direction, &[], None, Some((table, NEAR_WEIGHT)))?;
        Some(NearEnd { solution, vars })
    }

    /// The solution's table.
    pub fn values(&self) -> Vec<f64> {
        self.vars.iter().map(|v| self.solution.var_value(*v)).collect()
    }

    /// A table that agrees with the knowledge and `Σ inner[cells] ≥ at_least`, with the target
    /// at (or very near) its end there: its value of the target bounds that end from inside.
    pub fn with_row(&self, cells: &[usize], at_least: i64) -> Option<Vec<f64>> {
        let expr: Vec<(Variable, f64)> = cells.iter().map(|&i| (self.vars[i], 1.0)).collect();
        match self.solution.clone().add_constraint(expr, ComparisonOp::Ge, at_least as f64) {
            Ok(SolveOutcome::Solution(s)) => Some(self.vars.iter().map(|v| s.var_value(*v)).collect()),
            _ => None,
        }
    }
}

/// The end of `Σ x[target]` that a pool of tables shows (`high`: the largest, else the
/// smallest), over the tables that meet a reader's extra knowledge `Σ x[cells] ≥ at_least`,
/// rounded inwards. Each table agrees with the published figures, so this bounds that reader's
/// end from inside. `None` when no table of the pool meets the knowledge.
pub fn pool_end(pool: &[Vec<f64>], target: &[usize], (cells, at_least): (&[usize], i64), high: bool) -> Option<i64> {
    let sum = |x: &Vec<f64>, over: &[usize]| over.iter().map(|&i| x[i]).sum::<f64>();
    let ends = pool.iter().filter(|x| sum(x, cells) >= at_least as f64 - 1e-9).map(|x| sum(x, target));
    let best = if high { ends.reduce(f64::max) } else { ends.reduce(f64::min) }?;
    Some(if high { (best + 1e-6).floor() as i64 } else { (best - 1e-6).ceil() as i64 })
}

/// Whether an interval meets the protection interval of a cell of value `v`.
pub fn protected(v: i64, (lo, hi): (i64, i64), p: Protection) -> bool {
    lo <= v - v.min(p.lpl) && hi >= v + p.upl && hi - lo >= p.width
}

/// An integer table that satisfies every constraint, with the target as low (or high) as possible,
/// or, when `enough` is given, one with the target at most (`high`: at least) `enough`.
///
/// The LP optimum is tried first: on table structures its vertex is usually integral, and a
/// rounded vertex that the integer checker accepts is a valid witness. Otherwise an integer
/// program is solved: with `enough`, the first integer table within that bound found in
/// [`WITNESS_NODES`] nodes, or `None` (any such table is a witness; proving the optimum can take
/// far longer on a system with many small hidden cells); without, the exact optimum.
pub fn witness(
    k: &Knowledge,
    target: &[usize],
    high: bool,
    extra: &[Constraint],
    enough: Option<i64>,
) -> Option<Vec<i64>> {
    let direction = if high { OptimizationDirection::Maximize } else { OptimizationDirection::Minimize };
    if let Some((objective, values)) = solve(k, target, direction, extra, false) {
        let rounded: Vec<i64> = values.iter().map(|v| v.round() as i64).collect();
        let integral = values.iter().all(|v| (v - v.round()).abs() < 1e-6);
        let meets_extra = extra.iter().all(|c| {
            let sum: i64 = c.cells.iter().map(|&i| rounded[i]).sum();
            c.lo <= sum && sum <= c.hi
        });
        if integral
            && meets_extra
            && verify_witness(k, &rounded)
            && (value_in(&rounded, target) as f64 - objective).abs() < 1e-6
        {
            return Some(rounded);
        }
    }
    let table = |(s, vars): (Solution, Vec<Variable>)| -> Vec<i64> {
        vars.iter().map(|v| s.var_value(*v).round() as i64).collect()
    };
    if let Some(enough) = enough {
        let bound = Constraint {
            cells: target.to_vec(),
            lo: if high { enough } else { 0 },
            hi: if high {
                k.cap.saturating_mul(i64::try_from(target.len().max(1)).unwrap_or(i64::MAX))
            } else {
                enough
            },
        };
        let bounded: Vec<Constraint> = extra.iter().cloned().chain([bound]).collect();
        // Stop at the first integer table found: any within the bound will do.
        let mut options = SolveOptions::default();
        options.node_limit = Some(WITNESS_NODES);
        options.mip_gap = 1e12;
        let found = solve_kept(k, target, direction, &bounded, Some(options), None).map(table)?;
        let within = bounded.iter().all(|c| (c.lo..=c.hi).contains(&value_in(&found, &c.cells)));
        return (verify_witness(k, &found) && within).then_some(found);
    }
    solve_kept(k, target, direction, extra, Some(SolveOptions::default()), None).map(table)
}

/// Integer-only check that a witness is a valid table: whole numbers ≥ 0 meeting every constraint.
pub fn verify_witness(k: &Knowledge, witness: &[i64]) -> bool {
    witness.len() == k.inner_cells
        && witness.iter().all(|v| *v >= 0)
        && k.constraints.iter().all(|c| {
            let sum: i64 = c.cells.iter().map(|&i| witness[i]).sum();
            c.lo <= sum && sum <= c.hi
        })
}

/// The existence interval of a true value behind a figure `a` published with rounding base `b`
/// allowing up to `k` extra steps (tau-Argus): `[max(0, a − (k+1)·b + 1), a + (k+1)·b − 1]`.
pub fn rounding_existence_interval(a: i64, b: i64, k: i64) -> (i64, i64) {
    ((a - (k + 1) * b + 1).max(0), a + (k + 1) * b - 1)
}

/// Value of the target cell in a witness.
pub fn value_in(witness: &[i64], target: &[usize]) -> i64 {
    target.iter().map(|&i| witness[i]).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tau-Argus manual §2.15: 3x2 table, all margins published, four cells suppressed.
    fn tau_argus() -> (Knowledge, [[usize; 2]; 3]) {
        let inner = [[0, 1], [2, 3], [4, 5]];
        let values = [[5, 2], [1, 2], [3, 3]];
        let mut constraints = Vec::new();
        for (r, row) in inner.iter().enumerate() {
            constraints.push(Constraint {
                cells: row.to_vec(),
                lo: values[r][0] + values[r][1],
                hi: values[r][0] + values[r][1],
            });
        }
        for c in 0..2 {
            let total: i64 = (0..3).map(|r| values[r][c]).sum();
            constraints.push(Constraint { cells: (0..3).map(|r| inner[r][c]).collect(), lo: total, hi: total });
        }
        constraints.push(Constraint { cells: (0..6).collect(), lo: 16, hi: 16 });
        // Row 3 published.
        constraints.push(Constraint { cells: vec![4], lo: 3, hi: 3 });
        constraints.push(Constraint { cells: vec![5], lo: 3, hi: 3 });
        (Knowledge { inner_cells: 6, constraints, cap: 16 }, inner)
    }

    #[test]
    fn reproduces_the_tau_argus_audit_intervals() {
        let (k, inner) = tau_argus();
        assert_eq!(feasible(&k, &[inner[0][0]], &[]), Some((3, 6)));
        assert_eq!(feasible(&k, &[inner[0][1]], &[]), Some((1, 4)));
        assert_eq!(feasible(&k, &[inner[1][0]], &[]), Some((0, 3)));
        assert_eq!(feasible(&k, &[inner[1][1]], &[]), Some((0, 3)));
    }

    #[test]
    fn witnesses_verify_and_span_the_interval() {
        let (k, inner) = tau_argus();
        let low = witness(&k, &[inner[1][0]], false, &[], None).unwrap();
        let high = witness(&k, &[inner[1][0]], true, &[], None).unwrap();
        assert!(verify_witness(&k, &low) && verify_witness(&k, &high));
        assert_eq!((value_in(&low, &[inner[1][0]]), value_in(&high, &[inner[1][0]])), (0, 3));
        let mut broken = high.clone();
        broken[0] += 1;
        assert!(!verify_witness(&k, &broken));
    }
}
