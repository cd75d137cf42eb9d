//! Protection and audit of large systems with local LPs (issue #5): a release-sized model has
//! tens of thousands of atoms and hundreds of thousands of published cells, where one LP over
//! all of them per primary cell, and one repair per round, cannot finish.
//!
//! This path is no longer the default for large systems: it still cascades on many-dimensional
//! tables (a failed local audit is often false, and its repair spreads), and is slow. The
//! hypercube path ([`super::hypercube`]) replaced it; it stays selectable for comparison, and
//! its [`SparseVerifier`] checks the witnesses of every path.
//!
//! The starting pattern is the same as on the exact path: primaries, then Gaussian secondaries
//! over the whole system ([`super::gauss`]), so no primary is derivable. Then these reductions
//! keep every check sound and every LP small:
//!
//! 1. **Derivable atoms are substituted.** An exactly published cell with one unknown atom
//!    fixes that atom, and so on by propagation. This is exact: the attacker knows them too.
//! 2. **Local problems.** For a primary cell, only atoms near it stay variables: its own unknown
//!    atoms, the atoms of a few disjoint cycles through it (moves every published cell
//!    balances: hypercubes, in a table with all margins), then the unknown atoms of the
//!    published cells around it, smallest cells first, up to a budget. Every other atom is fixed
//!    at its true value. Fixing variables can only give the attacker *more* knowledge, so the
//!    local interval lies inside the true one: when the local interval meets the protection
//!    interval, the true one does too. A cell of a many-dimensional table needs many partners
//!    before it can move at all, so a failed audit is tried again on larger problems, up to
//!    [`ESCALATION_ATOMS`], and a primary that failed an earlier round starts one step larger
//!    (its freedom may run through cells withheld for other primaries, further away). (A cell
//!    that still fails gets one more repair, though the whole system might pass it: the method
//!    errs towards withholding.)
//! 3. **Batch repair.** Each round audits every primary not yet passed and withholds one cell for
//!    each that failed, all at once, except for a failing primary next to a cell already chosen
//!    that round: it is audited again next round first. Withholding only widens the true
//!    intervals, so a primary that passed stays protected and is not audited again.
//! 4. **Insiders.** The insider check first gives the attacker every insider's extra knowledge
//!    together (two LPs): stricter than any one insider, so a pass is sound. A cell that fails
//!    it is checked insider by insider: any table found so far that meets an insider's knowledge
//!    bounds their interval from inside, so only insiders no such table covers need an LP, and
//!    that LP is the one solved close to the truth with the insider's row added (re-solved from
//!    its basis).
//!
//! Witnesses are local solutions put into the true table: whole tables that agree with every
//! published figure. They are kept as changes against the true table, and checked by the
//! integer-only [`SparseVerifier`].

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use microlp::{ComparisonOp, OptimizationDirection, Problem, Solution, SolveOptions, SolveOutcome, Variable};

use super::audit::{Knowledge, NearEnd, Protection};
use super::hypercube::Placement;

/// Unknown atoms a local problem may hold beyond the primary cell's own.
pub const LOCAL_ATOMS: usize = 48;

/// The largest local problem (extra unknown atoms) an audit escalates to before the cell is
/// repaired. Measured on the benchmark's 5-dimensional tables: a local LP of about 200 atoms
/// solves in 0.03 s, one of about 800 in 0.5 s, and the integer witness on the larger one can
/// take minutes, so a cell still pinned at this size is repaired instead.
pub const ESCALATION_ATOMS: usize = 208;

/// Insiders checked one by one (an LP each) when all of them together narrow a cell too much:
/// at most this many, counting only those whose knowledge the outsider's optimum breaks.
const INSIDERS_ONE_BY_ONE: usize = 1_000;

/// Penalty per unit of distance from the truth, against 1 per unit of the target, in LPs that
/// look for an optimum close to the truth.
const ANCHOR: f64 = super::audit::NEAR_WEIGHT;

/// Cycles searched per local problem ([`LocalSystem::cycles`]), nodes per cycle search, and
/// candidates tried per node.
const MAX_CYCLES: usize = 8;
const CYCLE_NODES: usize = 400;
const CYCLE_BRANCHES: usize = 64;

/// Cycles are searched until the target can move this far along them, down and up together:
/// above the widest protection interval a policy asks for (7), since LP optima rarely add
/// cycles' capacities up in full.
const CYCLE_REACH: i64 = 10;

/// Atoms of a target cell a cycle search starts from (its largest unknown ones).
const CYCLE_STARTS: usize = 3;

/// Escalation steps a primary that failed earlier rounds may go beyond [`ESCALATION_ATOMS`]
/// (one: up to 848 atoms; the next step, 3,408 atoms, took over 30 minutes at 4 × 5).
const EXTRA_STEPS: u32 = 1;

/// Cells around a primary this small count as next to it in the batch repair.
const NEAR_ATOMS: usize = 32;

/// Branch-and-bound nodes an integer witness may take.
const WITNESS_NODES: u64 = 500;

/// A witness as changes against the true table: (inner cell or atom, value).
pub type Changes = Vec<(usize, i64)>;

/// The cell structure over atoms with the true values.
pub struct LocalSystem<'a> {
    cells: &'a [Vec<usize>],
    truth: &'a [i64],
    cell_truth: Vec<i64>,
    cells_of_atom: Vec<Vec<usize>>,
    cap: i64,
    budget: usize,
}

/// What is published in one round, and what it lets an attacker derive exactly.
pub struct Round {
    /// Published bounds per cell (`None`: withheld or hidden).
    pub bounds: Vec<Option<(i64, i64)>>,
    known: Vec<bool>,
    /// Atoms of each cell that are not derivable.
    unknown_in: Vec<usize>,
}

/// The outcome of one local audit.
#[derive(Debug, Clone)]
pub struct LocalAudit {
    /// Outsider interval (inside the true one).
    pub interval: (i64, i64),
    /// Narrowest interval shown for an insider (each insider's own interval contains it).
    pub insider_interval: (i64, i64),
    /// Whether both meet the protection interval.
    pub protected: bool,
    /// Witness tables (changes against the truth, over atoms) at the low and the high end;
    /// empty when not protected.
    pub witnesses: (Changes, Changes),
}

impl Round {
    /// Whether every atom of `atoms` is derivable exactly from the published figures by
    /// substitution alone.
    pub fn derivable(&self, atoms: &[usize]) -> bool {
        atoms.iter().all(|&a| self.known[a])
    }
}

struct LocalProblem {
    /// Local variable -> atom.
    atoms: Vec<usize>,
    /// Atom -> local variable.
    local: HashMap<usize, usize>,
    /// (local variables, lo, hi) per published cell holding a variable.
    rows: Vec<(Vec<usize>, i64, i64)>,
    /// Every cell holding a variable, with its variables (sorted by cell).
    members: Vec<(usize, Vec<usize>)>,
}

impl<'a> LocalSystem<'a> {
    /// `cells`: the atoms of each cell (sorted); `truth`: each atom's true value.
    pub fn new(cells: &'a [Vec<usize>], truth: &'a [i64], cap: i64) -> Self {
        let mut cells_of_atom = vec![Vec::new(); truth.len()];
        for (c, cell) in cells.iter().enumerate() {
            for &a in cell {
                cells_of_atom[a].push(c);
            }
        }
        let cell_truth = cells.iter().map(|c| c.iter().map(|&a| truth[a]).sum()).collect();
        LocalSystem { cells, truth, cell_truth, cells_of_atom, cap, budget: LOCAL_ATOMS }
    }

    /// A different budget of extra unknown atoms per local problem (tests use small ones to
    /// make the problems as local as possible).
    #[must_use]
    pub fn with_budget(mut self, budget: usize) -> Self {
        self.budget = budget;
        self
    }

    /// True value of a cell.
    pub fn cell_truth(&self, cell: usize) -> i64 {
        self.cell_truth[cell]
    }

    /// The atoms an attacker derives exactly from the published figures.
    pub fn round(&self, bounds: Vec<Option<(i64, i64)>>) -> Round {
        let mut known = vec![false; self.truth.len()];
        let exact = |c: usize| matches!(bounds[c], Some((lo, hi)) if lo == hi);
        let mut unknown_in: Vec<usize> = self.cells.iter().map(Vec::len).collect();
        let mut queue: Vec<usize> = (0..self.cells.len()).filter(|&c| exact(c) && unknown_in[c] == 1).collect();
        while let Some(c) = queue.pop() {
            if unknown_in[c] != 1 {
                continue;
            }
            let Some(&a) = self.cells[c].iter().find(|&&a| !known[a]) else { continue };
            known[a] = true;
            for &d in &self.cells_of_atom[a] {
                unknown_in[d] -= 1;
                if unknown_in[d] == 1 && exact(d) {
                    queue.push(d);
                }
            }
        }
        Round { bounds, known, unknown_in }
    }

    /// The local problem around a target cell: its unknown atoms, then unknown atoms of the
    /// published cells around them (fewest unknowns first), up to the budget.
    fn local_problem(&self, round: &Round, target: usize, budget: usize) -> LocalProblem {
        let free = |a: usize| !round.known[a];
        let mut atoms: Vec<usize> = self.cells[target].iter().copied().filter(|&a| free(a)).collect();
        let budget = atoms.len() + budget;
        let mut local: HashMap<usize, usize> = atoms.iter().enumerate().map(|(i, &a)| (a, i)).collect();
        let mut heap: BinaryHeap<Reverse<(bool, usize, usize)>> = BinaryHeap::new();
        let mut queued: HashSet<usize> = HashSet::new();
        // Published cells first (they carry the attacker's equations), then withheld ones (an
        // insider's extra knowledge); fewest unknown atoms first.
        let mut push_cells_of = |a: usize, heap: &mut BinaryHeap<Reverse<(bool, usize, usize)>>| {
            for &c in &self.cells_of_atom[a] {
                if c != target && queued.insert(c) {
                    heap.push(Reverse((round.bounds[c].is_none(), round.unknown_in[c], c)));
                }
            }
        };
        for &a in &atoms.clone() {
            push_cells_of(a, &mut heap);
        }
        let mut add = |a: usize, atoms: &mut Vec<usize>, heap: &mut BinaryHeap<Reverse<(bool, usize, usize)>>| {
            if free(a) && !local.contains_key(&a) {
                local.insert(a, atoms.len());
                atoms.push(a);
                push_cells_of(a, heap);
            }
        };
        // Cycles through the target first: the moves that can shift it at all.
        for a in self.cycles(round, target, budget - atoms.len()) {
            if atoms.len() >= budget {
                break;
            }
            add(a, &mut atoms, &mut heap);
        }
        while atoms.len() < budget {
            let Some(Reverse((_, _, c))) = heap.pop() else { break };
            for &a in &self.cells[c] {
                if atoms.len() >= budget {
                    break;
                }
                add(a, &mut atoms, &mut heap);
            }
        }
        // Every cell that holds a variable, built from the variables' side (a margin may hold
        // tens of thousands of atoms; it is never scanned).
        let mut by_cell: HashMap<usize, Vec<usize>> = HashMap::new();
        for (v, &a) in atoms.iter().enumerate() {
            for &c in &self.cells_of_atom[a] {
                by_cell.entry(c).or_default().push(v);
            }
        }
        let mut members: Vec<(usize, Vec<usize>)> = by_cell.into_iter().collect();
        members.sort_unstable_by_key(|(c, _)| *c);
        // One row per distinct set of variables (many margins hold the same local atoms), with
        // the intersection of their bounds.
        let mut by_vars: HashMap<&[usize], (i64, i64)> = HashMap::new();
        let mut order: Vec<&[usize]> = Vec::new();
        for (c, vars) in &members {
            let Some((lo, hi)) = round.bounds[*c] else { continue };
            let fixed = self.cell_truth[*c] - vars.iter().map(|&v| self.truth[atoms[v]]).sum::<i64>();
            let bounds = by_vars.entry(vars.as_slice()).or_insert_with(|| {
                order.push(vars.as_slice());
                (i64::MIN, i64::MAX)
            });
            *bounds = (bounds.0.max(lo - fixed), bounds.1.min(hi - fixed));
        }
        let rows = order
            .into_iter()
            .map(|vars| {
                let (lo, hi) = by_vars[vars];
                (vars.to_vec(), lo, hi)
            })
            .collect();
        LocalProblem { atoms, local, rows, members }
    }

    /// Unknown atoms of disjoint cycles through the target, at most `budget` of them: each cycle
    /// is a set of atoms with signs, the target's atom among them with +1, whose signed sum is 0
    /// in every published cell except the target, so the target can move along it while every
    /// published figure stays. In a table with all margins, that is a hypercube of 2^d cells
    /// (one partner per dimension); a local problem grown breadth-first rarely holds one whole.
    /// Found by a depth-first search that balances the most constrained cell first, preferring
    /// atoms that balance most cells; limited in nodes, so the result is the same everywhere.
    /// Cycles are searched until their capacities (how far the target can move along them down
    /// and up) add up to [`CYCLE_REACH`], with some room each way.
    fn cycles(&self, round: &Round, target: usize, budget: usize) -> Vec<usize> {
        let target_atoms = &self.cells[target];
        let mut starts: Vec<usize> = target_atoms.iter().copied().filter(|&a| !round.known[a]).collect();
        starts.sort_unstable_by_key(|&a| (Reverse(self.truth[a]), a));
        let mut forbidden: HashSet<usize> = target_atoms.iter().copied().collect();
        let mut out: Vec<usize> = Vec::new();
        let (mut down, mut up) = (0i64, 0i64);
        for _ in 0..MAX_CYCLES {
            if down + up >= CYCLE_REACH && down > 0 && up > 0 {
                break;
            }
            let found = starts.iter().take(CYCLE_STARTS).find_map(|&start| {
                let mut search = CycleSearch::new(self, round, target, &forbidden, budget.saturating_sub(out.len()));
                search.place(start, 1);
                search.run().then_some(search.p.placed)
            });
            let Some(cycle) = found else { break };
            let capacity = |sign: i8| cycle.iter().filter(|(_, s)| *s == sign).map(|(a, _)| self.truth[*a]).min();
            down += capacity(1).unwrap_or(0);
            up += capacity(-1).unwrap_or(0);
            for (a, _) in cycle {
                if forbidden.insert(a) {
                    out.push(a);
                }
            }
        }
        out
    }

    /// Minimise or maximise the target over the local problem with `extra` rows (sum ≥ value);
    /// `anchor` > 0 adds `anchor` times the distance from the truth (the sum of |x - truth| over
    /// the local variables) as a penalty to the objective. Returns the solver's solution (rows can
    /// be added to it and solved again from there) and the local variables; [`read`] gives the
    /// objective and the values.
    fn solve(
        &self,
        problem: &LocalProblem,
        target: &[usize],
        maximise: bool,
        extra: &[(Vec<usize>, i64)],
        integer: bool,
        anchor: f64,
    ) -> Option<(Solution, Vec<Variable>)> {
        let direction = if maximise { OptimizationDirection::Maximize } else { OptimizationDirection::Minimize };
        let mut lp = Problem::new(direction);
        let cap = i32::try_from(self.cap).unwrap_or(i32::MAX);
        let mut objective = vec![0.0; problem.atoms.len()];
        for &v in target {
            objective[v] = 1.0;
        }
        let vars: Vec<_> = objective
            .iter()
            .map(|&c| if integer { lp.add_integer_var(c, (0, cap)) } else { lp.add_var(c, (0.0, f64::from(cap))) })
            .collect();
        if anchor > 0.0 {
            // x = truth + up - down, with the penalty on up + down.
            let penalty = if maximise { -anchor } else { anchor };
            for (&x, &a) in vars.iter().zip(&problem.atoms) {
                let (up, down) =
                    (lp.add_var(penalty, (0.0, f64::from(cap))), lp.add_var(penalty, (0.0, f64::from(cap))));
                lp.add_constraint([(x, 1.0), (up, -1.0), (down, 1.0)], ComparisonOp::Eq, self.truth[a] as f64);
            }
        }
        for (cells, lo, hi) in &problem.rows {
            let expr: Vec<_> = cells.iter().map(|&v| (vars[v], 1.0)).collect();
            if lo == hi {
                lp.add_constraint(expr, ComparisonOp::Eq, *lo as f64);
            } else {
                lp.add_constraint(expr.clone(), ComparisonOp::Ge, *lo as f64);
                lp.add_constraint(expr, ComparisonOp::Le, *hi as f64);
            }
        }
        for (cells, at_least) in extra {
            let expr: Vec<_> = cells.iter().map(|&v| (vars[v], 1.0)).collect();
            lp.add_constraint(expr, ComparisonOp::Ge, *at_least as f64);
        }
        // An integer program stops after a fixed number of branch-and-bound nodes (not a time
        // limit, so the outcome is the same on every machine); an incumbent found by then is
        // still checked like any witness, and none counts as a failed audit (a repair).
        let mut options = SolveOptions::default();
        options.node_limit = integer.then_some(WITNESS_NODES);
        match lp.solve_with(options) {
            Ok(SolveOutcome::Solution(s)) => Some((s, vars)),
            _ => None,
        }
    }

    /// An integer solution at one end: the LP vertex when it is integral, else an integer
    /// program over the same local problem. Returned as changes against the truth.
    fn witness(&self, problem: &LocalProblem, target: &[usize], maximise: bool, lp: &[f64]) -> Option<Changes> {
        let integral = lp.iter().all(|v| (v - v.round()).abs() < 1e-6);
        let values: Vec<i64> = if integral {
            lp.iter().map(|v| v.round() as i64).collect()
        } else {
            let (_, values) = self.solve(problem, target, maximise, &[], true, 0.0).map(read)?;
            values.iter().map(|v| v.round() as i64).collect()
        };
        // Integer check of the local rows (the rest of the table is the truth).
        let rows_hold = problem.rows.iter().all(|(cells, lo, hi)| {
            let sum: i64 = cells.iter().map(|&v| values[v]).sum();
            *lo <= sum && sum <= *hi
        });
        if !rows_hold || values.iter().any(|v| *v < 0) {
            return None;
        }
        Some(problem.atoms.iter().zip(&values).filter(|&(&a, &v)| v != self.truth[a]).map(|(&a, &v)| (a, v)).collect())
    }

    /// Audit one primary cell (outsider, then insiders who know that another withheld non-zero
    /// cell is at least 1) on its local problem; on failure again on larger local problems
    /// (four times the budget each time) up to [`ESCALATION_ATOMS`] extra atoms, since a cell
    /// of a many-dimensional table needs many partners before it can move at all.
    pub fn audit(&self, round: &Round, target: usize, p: Protection, insiders: bool) -> LocalAudit {
        self.audit_up_to(round, target, p, insiders, ESCALATION_ATOMS.max(self.budget))
    }

    /// [`Self::audit`] for a primary that already failed `failures` rounds: each failure moves
    /// the audit one escalation step up (four times the budget), so a primary whose freedom lies
    /// further away than the usual local problem reaches is seen on a larger one, up to the whole
    /// system, before it is repaired again.
    pub fn audit_after(
        &self,
        round: &Round,
        target: usize,
        p: Protection,
        insiders: bool,
        failures: u32,
    ) -> LocalAudit {
        let step = |b: usize| b * 4 + 16;
        let (mut start, mut most) = (self.budget, ESCALATION_ATOMS.max(self.budget));
        for _ in 0..failures.min(EXTRA_STEPS) {
            if start >= self.truth.len() {
                break;
            }
            (start, most) = (most, step(most));
        }
        self.audit_between(round, target, p, insiders, start.min(self.truth.len()), most.min(self.truth.len()))
    }

    fn audit_up_to(&self, round: &Round, target: usize, p: Protection, insiders: bool, most: usize) -> LocalAudit {
        self.audit_between(round, target, p, insiders, self.budget, most)
    }

    fn audit_between(
        &self,
        round: &Round,
        target: usize,
        p: Protection,
        insiders: bool,
        start: usize,
        most: usize,
    ) -> LocalAudit {
        let mut budget = start;
        loop {
            let audit = self.audit_with_budget(round, target, p, insiders, budget);
            if audit.protected || budget >= most {
                return audit;
            }
            budget = (budget * 4 + 16).min(most);
        }
    }

    /// [`Self::audit`], and on failure again with four times the budget, and so on until the
    /// local problem holds every unknown atom (then it is the whole-system audit). For a cell
    /// that no repair can help: a small local problem may be too strict to pass.
    pub fn audit_escalating(&self, round: &Round, target: usize, p: Protection, insiders: bool) -> LocalAudit {
        self.audit_up_to(round, target, p, insiders, self.truth.len())
    }

    fn audit_with_budget(
        &self,
        round: &Round,
        target: usize,
        p: Protection,
        insiders: bool,
        budget: usize,
    ) -> LocalAudit {
        let v = self.cell_truth[target];
        let fixed_in_target: i64 = self.cells[target].iter().filter(|&&a| round.known[a]).map(|&a| self.truth[a]).sum();
        let failed = |interval| LocalAudit {
            interval,
            insider_interval: interval,
            protected: false,
            witnesses: (Vec::new(), Vec::new()),
        };
        let problem = self.local_problem(round, target, budget);
        let target_vars: Vec<usize> = self.cells[target].iter().filter_map(|a| problem.local.get(a).copied()).collect();
        if target_vars.is_empty() {
            return failed((v, v));
        }
        let (Some((lo, low)), Some((hi, high))) = (
            self.solve(&problem, &target_vars, false, &[], false, 0.0).map(read),
            self.solve(&problem, &target_vars, true, &[], false, 0.0).map(read),
        ) else {
            return failed((v, v));
        };
        let interval = ((lo - 1e-6).ceil() as i64 + fixed_in_target, (hi + 1e-6).floor() as i64 + fixed_in_target);
        if !super::audit::protected(v, interval, p) {
            return failed(interval);
        }
        let insider = if insiders {
            match self.insiders(round, target, &problem, &target_vars, (&low, &high), interval, p) {
                Ok(insider) => insider,
                Err(insider) => return LocalAudit { insider_interval: insider, ..failed(interval) },
            }
        } else {
            interval
        };
        let (Some(w_low), Some(w_high)) =
            (self.witness(&problem, &target_vars, false, &low), self.witness(&problem, &target_vars, true, &high))
        else {
            return failed(interval);
        };
        let value_of = |changes: &Changes| -> i64 {
            let changed: HashMap<usize, i64> = changes.iter().copied().collect();
            self.cells[target].iter().map(|a| changed.get(a).copied().unwrap_or(self.truth[*a])).sum()
        };
        let span = (value_of(&w_low), value_of(&w_high));
        if !super::audit::protected(v, span, p) {
            return failed(interval);
        }
        LocalAudit { interval, insider_interval: insider, protected: true, witnesses: (w_low, w_high) }
    }

    /// The insider check of a primary that passed as outsider: a reader who knows that one
    /// other withheld non-zero cell (no atom in common with the primary) sharing a published
    /// figure is at least 1. All such cells
    /// are first added at once: more knowledge than any one insider has, so a cell that passes
    /// this passes every insider. One that fails is checked insider by insider, counting only
    /// the insiders that the outsider's optima break (cells an optimum has at 1 or more cannot
    /// move it), when there are at most [`INSIDERS_ONE_BY_ONE`] of them, and otherwise
    /// repaired. Returns the narrowest interval found, as `Err` when it is too narrow.
    #[allow(clippy::too_many_arguments)]
    fn insiders(
        &self,
        round: &Round,
        target: usize,
        problem: &LocalProblem,
        target_vars: &[usize],
        (low, high): (&[f64], &[f64]),
        interval: (i64, i64),
        p: Protection,
    ) -> Result<(i64, i64), (i64, i64)> {
        let v = self.cell_truth[target];
        let fixed_in_target: i64 = self.cells[target].iter().filter(|&&a| round.known[a]).map(|&a| self.truth[a]).sum();
        // Published cells around the primary: an insider's cell counts if it shares one.
        let around: HashSet<usize> = self.cells[target]
            .iter()
            .flat_map(|&a| self.cells_of_atom[a].iter().copied())
            .filter(|&c| round.bounds[c].is_some())
            .collect();
        let mut known: Vec<(Vec<usize>, i64)> = Vec::new();
        for (j, vars) in &problem.members {
            let j = *j;
            if j == target || round.bounds[j].is_some() || self.cell_truth[j] == 0 {
                continue;
            }
            // Another cell: one over the primary itself tells a family only where their own
            // child is.
            if self.cells[j].iter().any(|a| self.cells[target].binary_search(a).is_ok()) {
                continue;
            }
            let outside = self.cell_truth[j] - vars.iter().map(|&x| self.truth[problem.atoms[x]]).sum::<i64>();
            // Known to be ≥ 1 already through its fixed part: nothing new for the insider.
            if 1 - outside <= 0 {
                continue;
            }
            if self.cells[j].iter().any(|&a| self.cells_of_atom[a].iter().any(|c| around.contains(c))) {
                known.push((vars.clone(), 1 - outside));
            }
        }
        let holds = |solution: &[f64], e: &(Vec<usize>, i64)| {
            e.0.iter().map(|&x| solution[x]).sum::<f64>() >= e.1 as f64 - 1e-9
        };
        let end = |maximise: bool, solution: &[f64], extra: &[(Vec<usize>, i64)]| -> Option<i64> {
            let needed: Vec<(Vec<usize>, i64)> = extra.iter().filter(|e| !holds(solution, e)).cloned().collect();
            if needed.is_empty() {
                return Some(if maximise { interval.1 } else { interval.0 });
            }
            let (x, _) = self.solve(problem, target_vars, maximise, &needed, false, 0.0).map(read)?;
            Some(if maximise { (x + 1e-6).floor() as i64 } else { (x - 1e-6).ceil() as i64 } + fixed_in_target)
        };
        let combined = match (end(false, low, &known), end(true, high, &known)) {
            (Some(lo), Some(hi)) => (lo, hi),
            // The truth meets every insider's knowledge, so this is not reached.
            _ => return Err(interval),
        };
        if super::audit::protected(v, combined, p) {
            return Ok(combined);
        }
        // One by one. An insider whose knowledge both optima already meet has the outsider's
        // interval (the optima are feasible for them, and their problem is narrower), so only
        // insiders that one of the two optima breaks are checked.
        // LP optima are vertices that often empty many cells the target does not need to move.
        // Among the optima, take one closest to the truth (a small penalty on the distance in
        // the objective): fewer insiders are broken and need an LP. Any optimum will do for the
        // argument above, so a solution that lost the optimum is not used.
        let ((low, low_lp), (high, high_lp)) =
            (self.closest(problem, target_vars, false, low), self.closest(problem, target_vars, true, high));
        let (low, high) = (low.as_slice(), high.as_slice());
        let moved: Vec<&(Vec<usize>, i64)> = known.iter().filter(|e| !holds(low, e) || !holds(high, e)).collect();
        if moved.len() > INSIDERS_ONE_BY_ONE {
            return Err(combined);
        }
        // Every solution found so far that meets an insider's knowledge bounds that insider's
        // interval from inside (their LP optimum is at least as far out), so an LP is solved
        // only for an insider no known solution already shows to be protected; its solution,
        // close to the truth, then covers many of the insiders after it.
        let (mut lows, mut highs): (Vec<Vec<f64>>, Vec<Vec<f64>>) = (vec![low.to_vec()], vec![high.to_vec()]);
        let reach = |pool: &[Vec<f64>], e: &(Vec<usize>, i64), maximise: bool| {
            super::audit::pool_end(pool, target_vars, (&e.0, e.1), maximise).map(|end| end + fixed_in_target)
        };
        let mut insider = interval;
        for e in moved {
            let mut ends = [reach(&lows, e, false), reach(&highs, e, true)];
            let shown = |ends: &[Option<i64>; 2]| match ends {
                [Some(lo), Some(hi)] => super::audit::protected(v, (*lo, *hi), p),
                _ => false,
            };
            if !shown(&ends) {
                for (side, maximise, lp) in [(0, false, &low_lp), (1, true, &high_lp)] {
                    let x = match lp {
                        Some(lp) => lp.with_row(&e.0, e.1),
                        None => self
                            .solve(problem, target_vars, maximise, std::slice::from_ref(e), false, ANCHOR)
                            .map(|s| read(s).1),
                    };
                    let Some(x) = x else { continue };
                    let pool = if maximise { &mut highs } else { &mut lows };
                    pool.push(x);
                    ends[side] = reach(pool, e, maximise);
                }
            }
            let (Some(lo), Some(hi)) = (ends[0], ends[1]) else {
                // The truth meets every insider's knowledge, so this is not reached.
                return Err(interval);
            };
            if !super::audit::protected(v, (lo, hi), p) {
                return Err((lo, hi));
            }
            if hi - lo < insider.1 - insider.0 {
                insider = (lo, hi);
            }
        }
        Ok(insider)
    }

    /// An optimum of the target's end that moves the other cells as little as it can (see
    /// [`Self::insiders`]; `optimum` itself when the anchored solution is not optimal), and the
    /// anchored LP, to which an insider's row is added ([`NearEnd::with_row`]).
    fn closest(
        &self,
        problem: &LocalProblem,
        target: &[usize],
        maximise: bool,
        optimum: &[f64],
    ) -> (Vec<f64>, Option<NearEnd>) {
        let value = |x: &[f64]| target.iter().map(|&v| x[v]).sum::<f64>();
        let Some((s, vars)) = self.solve(problem, target, maximise, &[], false, ANCHOR) else {
            return (optimum.to_vec(), None);
        };
        let near = NearEnd::from_solved(s, vars);
        let x = near.values();
        let x = if (value(&x) - value(optimum)).abs() < 1e-6 { x } else { optimum.to_vec() };
        (x, Some(near))
    }

    /// Whether a small cell around the target (at most [`NEAR_ATOMS`] atoms: its lines and
    /// small planes) holds one of `atoms`.
    pub fn near(&self, target: usize, atoms: &HashSet<usize>) -> bool {
        !atoms.is_empty()
            && self.cells[target].iter().any(|&a| {
                self.cells_of_atom[a]
                    .iter()
                    .any(|&c| self.cells[c].len() <= NEAR_ATOMS && self.cells[c].iter().any(|b| atoms.contains(b)))
            })
    }

    /// The published cell to withhold for a primary that failed: in the published cell around
    /// it with the fewest other unknown atoms (the one that pins it), the smallest non-zero
    /// published cell inside it that does not overlap the primary; failing that, that
    /// surrounding cell itself. Only cells `withholdable` accepts are chosen (a figure an earlier
    /// release published stays known). Deterministic.
    pub fn repair_candidate(
        &self,
        round: &Round,
        target: usize,
        withholdable: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        /// Above this many atoms a surrounding cell is not searched for smaller cells inside it.
        const SEARCHED: usize = 2_000;
        let target_atoms = &self.cells[target];
        let in_target = |a: &usize| target_atoms.binary_search(a).is_ok();
        let mut around: Vec<usize> = target_atoms
            .iter()
            .flat_map(|&a| self.cells_of_atom[a].iter().copied())
            .filter(|&c| c != target && round.bounds[c].is_some())
            .collect();
        around.sort_unstable();
        around.dedup();
        // Unknown atoms of the surrounding cell outside the primary: 0 means it pins it.
        let mut keyed: Vec<(usize, usize, usize)> = around
            .into_iter()
            .map(|c| {
                let shared_unknown = target_atoms
                    .iter()
                    .filter(|&&a| !round.known[a] && self.cells[c].binary_search(&a).is_ok())
                    .count();
                (round.unknown_in[c] - shared_unknown, self.cells[c].len(), c)
            })
            .collect();
        keyed.sort_unstable();
        // The first surrounding cell (most pinning first) with anything withholdable in it.
        keyed.into_iter().find_map(|(_, size, c)| {
            let mut candidates = vec![c];
            if size <= SEARCHED {
                let members = &self.cells[c];
                candidates.extend(
                    members
                        .iter()
                        .filter(|a| !in_target(a))
                        .flat_map(|&a| self.cells_of_atom[a].iter().copied())
                        .filter(|&d| {
                            d != c
                                && round.bounds[d].is_some()
                                && self.cells[d].iter().all(|a| members.binary_search(a).is_ok() && !in_target(a))
                        }),
                );
            }
            candidates.retain(|&d| withholdable(d));
            candidates.sort_unstable();
            candidates.dedup();
            candidates
                .into_iter()
                .min_by_key(|&d| (self.cell_truth[d] == 0, self.cell_truth[d], self.cells[d].len(), d))
        })
    }
}

/// A depth-first search for one cycle through the target ([`LocalSystem::cycles`]).
struct CycleSearch<'s, 'a> {
    system: &'s LocalSystem<'a>,
    round: &'s Round,
    target: usize,
    /// Atoms the cycle may not use: the target's others, and earlier cycles'.
    forbidden: &'s HashSet<usize>,
    /// The atoms placed; published cells must balance. Taken atoms count only unknown ones.
    p: Placement,
    nodes: usize,
    /// Most atoms the cycle may hold.
    most: usize,
}

impl<'s, 'a> CycleSearch<'s, 'a> {
    fn constrains(&self, c: usize) -> bool {
        c != self.target && self.round.bounds[c].is_some()
    }

    fn new(
        system: &'s LocalSystem<'a>,
        round: &'s Round,
        target: usize,
        forbidden: &'s HashSet<usize>,
        most: usize,
    ) -> Self {
        CycleSearch {
            system,
            round,
            target,
            forbidden,
            p: Placement::new(forbidden.iter().filter(|&&a| !round.known[a]), &system.cells_of_atom),
            nodes: 0,
            most,
        }
    }

    /// Unknown atoms of a cell the cycle may still take.
    fn available(&self, c: usize) -> usize {
        self.round.unknown_in[c] - self.p.taken.get(&c).copied().unwrap_or(0)
    }

    fn place(&mut self, a: usize, sign: i8) {
        let (target, bounds) = (self.target, &self.round.bounds);
        let take = !self.forbidden.contains(&a);
        self.p.push((a, sign), &self.system.cells_of_atom[a], take, |c| c != target && bounds[c].is_some());
    }

    fn unplace(&mut self) {
        let (target, bounds, forbidden) = (self.target, &self.round.bounds, self.forbidden);
        self.p.pop(&self.system.cells_of_atom, |a| !forbidden.contains(&a), |c| c != target && bounds[c].is_some());
    }

    /// Whether the placed atoms can be completed to a cycle (they are, when it returns true).
    fn run(&mut self) -> bool {
        if self.p.imbalance.is_empty() {
            return true;
        }
        if self.nodes >= CYCLE_NODES || self.p.placed.len() >= self.most {
            return false;
        }
        self.nodes += 1;
        // The unbalanced cell with the fewest atoms left to balance it; none if one cannot be
        // balanced any more.
        let mut most_constrained: Option<(usize, usize, i32)> = None;
        for (&c, &need) in &self.p.imbalance {
            let available = self.available(c);
            if available < need.unsigned_abs() as usize {
                return false;
            }
            if most_constrained.is_none_or(|(best, cell, _)| (available, c) < (best, cell)) {
                most_constrained = Some((available, c, need));
            }
        }
        let Some((_, cell, need)) = most_constrained else { return true };
        let sign: i8 = if need > 0 { -1 } else { 1 };
        let atoms = self.system.cells[cell].iter().copied().filter(|&a| {
            !self.round.known[a] && !self.forbidden.contains(&a) && self.p.placed.iter().all(|(p, _)| *p != a)
        });
        let structure = (self.system.cells_of_atom.as_slice(), self.system.truth);
        let candidates = self.p.candidates(atoms, sign, structure, |c| self.constrains(c), CYCLE_BRANCHES);
        for a in candidates {
            self.place(a, sign);
            if self.run() {
                return true;
            }
            self.unplace();
        }
        false
    }
}

/// The objective and the local variables' values of a solution.
fn read((solution, vars): (Solution, Vec<Variable>)) -> (f64, Vec<f64>) {
    (solution.objective(), vars.iter().map(|v| solution.var_value(*v)).collect())
}

/// Integer-only check of sparse witnesses: the true table is checked against every constraint
/// once; a witness (changes against it) then only re-checks the constraints it touches.
pub struct SparseVerifier<'a> {
    knowledge: &'a Knowledge,
    base: &'a [i64],
    sums: Vec<i64>,
    constraints_of: Vec<Vec<usize>>,
}

impl<'a> SparseVerifier<'a> {
    /// `None` if the base table itself breaks a constraint (or has a negative cell).
    pub fn new(knowledge: &'a Knowledge, base: &'a [i64]) -> Option<Self> {
        if base.len() != knowledge.inner_cells || base.iter().any(|v| *v < 0) {
            return None;
        }
        let mut constraints_of = vec![Vec::new(); knowledge.inner_cells];
        let mut sums = Vec::with_capacity(knowledge.constraints.len());
        for (k, c) in knowledge.constraints.iter().enumerate() {
            let sum: i64 = c.cells.iter().map(|&i| base[i]).sum();
            if sum < c.lo || sum > c.hi {
                return None;
            }
            sums.push(sum);
            for &i in &c.cells {
                constraints_of[i].push(k);
            }
        }
        Some(SparseVerifier { knowledge, base, sums, constraints_of })
    }

    /// Whether base + changes is a table of whole numbers ≥ 0 meeting every constraint.
    pub fn verify(&self, changes: &[(usize, i64)]) -> bool {
        let mut delta: HashMap<usize, i64> = HashMap::new();
        let mut seen: HashSet<usize> = HashSet::new();
        for &(i, v) in changes {
            if i >= self.base.len() || v < 0 || !seen.insert(i) {
                return false;
            }
            for &k in &self.constraints_of[i] {
                *delta.entry(k).or_insert(0) += v - self.base[i];
            }
        }
        delta.iter().all(|(&k, &d)| {
            let c = &self.knowledge.constraints[k];
            let sum = self.sums[k] + d;
            c.lo <= sum && sum <= c.hi
        })
    }

    /// A cell's value in base + changes.
    pub fn value_in(&self, changes: &[(usize, i64)], cells: &[usize]) -> i64 {
        let changed: HashMap<usize, i64> = changes.iter().copied().collect();
        cells.iter().map(|i| changed.get(i).copied().unwrap_or(self.base[*i])).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_through_a_withheld_cell_is_found() {
        // 3 x 3 x 3 with all margins; the inner cells of the cube {0,1}^3 withheld.
        let leaves = [3, 3, 3];
        let (cells, coords) = crate::disclosure::system::full_cross(&leaves);
        let cells: Vec<Vec<usize>> = cells.into_iter().map(|c| c.inner).collect();
        let truth: Vec<i64> = (0..27).map(|i| 2 + (i % 4)).collect();
        let system = LocalSystem::new(&cells, &truth, 1000);
        let withheld = |c: usize| coords[c].iter().all(|&k| k < 2);
        let bounds =
            (0..cells.len()).map(|c| (!withheld(c)).then(|| (system.cell_truth(c), system.cell_truth(c)))).collect();
        let round = system.round(bounds);
        let target = (0..cells.len()).find(|&c| coords[c] == vec![0, 0, 0]).unwrap();
        let atoms = system.cycles(&round, target, 100);
        assert_eq!(atoms.len(), 7, "{atoms:?}");
    }
}
