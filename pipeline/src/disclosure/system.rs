//! Protection of a whole release as one constraint system: every published cell (and every
//! hidden complement) is a set of inner cells. Primary cells are found by the policy's
//! threshold; secondary cells by Gaussian elimination; the LP interval audit (outsider and
//! insider) then checks every primary, and the repair loop withholds the cheapest published cell
//! next to any primary that fails, until all pass. Each primary gets two verified integer
//! witness tables. That is the exact path, used up to [`LARGE_SYSTEM_ATOMS`] atoms; above it the
//! hypercube path ([`super::hypercube`]) builds the witnesses first and withholds what they need.
//! The local path ([`super::local`]), local LP audits with batch repair, can be chosen for
//! comparison (the benchmark does).

use std::cmp::Reverse;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::Policy;
use super::audit::{self, Constraint, Knowledge, Protection};
use super::gauss;
use super::local::{Changes, LocalSystem};

/// Systems with more atoms than this are protected with local problems ([`super::local`]); the
/// exact path (Gaussian elimination over the whole system, one LP over every atom per primary,
/// one repair per round) is used below it.
pub const LARGE_SYSTEM_ATOMS: usize = 1_500;

/// How a system is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Exact up to [`LARGE_SYSTEM_ATOMS`] atoms, hypercube above.
    Auto,
    /// Gaussian elimination, whole-system LP audit, one repair per round.
    Exact,
    /// Local LP audits with this many extra unknown atoms each, batch repair.
    Local(usize),
    /// Cycles through each primary, withheld as needed; witnesses as certificates, no LP
    /// ([`super::hypercube`]).
    Hypercube,
}

impl Method {
    /// The name written to the private disclosure log: `exact`, `local` or `hypercube`. On the
    /// hypercube path a primary's `interval` there is the span its verified witnesses prove
    /// (inside the attacker's interval); on the others it is the LP interval.
    pub fn name(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Exact => "exact",
            Method::Local(_) => "local",
            Method::Hypercube => "hypercube",
        }
    }
}

/// One cell of the system.
#[derive(Debug, Clone)]
pub struct SystemCell {
    /// The inner cells it sums.
    pub inner: Vec<usize>,
    /// `false` for a hidden complement (never published, but protected if small) and for a
    /// figure only an earlier release published.
    pub publishable: bool,
    /// Bounds an earlier release of the same population put on it (exact, or a rounding
    /// interval): the reader knows them whether or not this release publishes the cell.
    pub earlier: Option<(i64, i64)>,
}

/// Why a cell is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Published.
    Published,
    /// A count 1..T.
    Primary,
    /// Withheld by Gaussian elimination, or for a cycle on the hypercube path.
    Secondary,
    /// Withheld by the interval repair loop.
    Repair,
    /// A hidden complement that is not small (never published; needs no protection).
    Hidden,
}

/// The audit of one primary cell.
#[derive(Debug, Clone, Serialize)]
pub struct PrimaryAudit {
    /// Cell index.
    pub cell: usize,
    /// True value.
    #[serde(skip)]
    pub value: i64,
    /// Outsider interval.
    pub interval: (i64, i64),
    /// Narrowest interval shown for an insider (each insider's own interval contains it).
    pub insider_interval: (i64, i64),
    /// Witness tables (low, high) as changes against the true table: private.
    #[serde(skip)]
    pub witnesses: (Changes, Changes),
}

impl PrimaryAudit {
    /// The record of a local audit that passed.
    fn from_local(cell: usize, value: i64, audit: super::local::LocalAudit) -> Self {
        PrimaryAudit {
            cell,
            value,
            interval: audit.interval,
            insider_interval: audit.insider_interval,
            witnesses: audit.witnesses,
        }
    }
}

/// The outcome of protecting a system.
#[derive(Debug, Clone)]
pub struct SystemOutcome {
    /// Status per cell.
    pub status: Vec<Status>,
    /// The attacker's knowledge after publication.
    pub knowledge: Knowledge,
    /// One audit per primary cell.
    pub audits: Vec<PrimaryAudit>,
    /// Cells withheld by the repair loop.
    pub repairs: usize,
    /// Audit rounds (the exact path repairs one cell per round, the local path a batch).
    pub rounds: usize,
    /// The true inner table (private: the base of the witnesses).
    pub truth: Vec<i64>,
    /// The method that ran.
    pub method: Method,
}

/// The protection interval parameters of a policy.
pub fn protection(policy: Policy) -> Protection {
    Protection { upl: 1, lpl: 1, width: i64::try_from(policy.threshold()).unwrap_or(i64::MAX) }
}

/// What a published value tells an attacker: exact, or the rounding interval.
fn constraint_for(policy: Policy, inner: &[usize], value: u64) -> Constraint {
    let v = i64::try_from(value).unwrap_or(i64::MAX);
    match policy.rounding_base() {
        Some(b) if value > 0 => {
            let r = i64::try_from(policy.round(value)).unwrap_or(i64::MAX);
            let half = i64::try_from(b / 2).unwrap_or(0);
            Constraint { cells: inner.to_vec(), lo: (r - half).max(0), hi: r + half }
        }
        _ => Constraint { cells: inner.to_vec(), lo: v, hi: v },
    }
}

/// What a reader knows about cell `i`: its published value (or rounding interval), and what an
/// earlier release said about it; `None` when nothing.
fn known_bounds(policy: Policy, cell: &SystemCell, value: u64, status: Status) -> Option<(i64, i64)> {
    let published = (status == Status::Published).then(|| {
        let c = constraint_for(policy, &[], value);
        (c.lo, c.hi)
    });
    match (published, cell.earlier) {
        (Some((a, b)), Some((c, d))) => Some((a.max(c), b.min(d))),
        (one, other) => one.or(other),
    }
}

/// What the published cells (and earlier releases) tell an attacker: one constraint per cell
/// with [`known_bounds`], in cell order.
fn published_knowledge(
    policy: Policy,
    cells: &[SystemCell],
    values: &[u64],
    status: &[Status],
    inner_cells: usize,
    cap: i64,
) -> Knowledge {
    Knowledge {
        inner_cells,
        constraints: (0..cells.len())
            .filter_map(|i| {
                let (lo, hi) = known_bounds(policy, &cells[i], values[i], status[i])?;
                Some(Constraint { cells: cells[i].inner.clone(), lo, hi })
            })
            .collect(),
        cap,
    }
}

/// The cells of a full cross-classification with every margin, for benchmarks and tests: each
/// cell picks, per dimension, one leaf or the total (coordinate `leaves[d]`). Inner cells are
/// numbered in row-major order. Returns the cells and their coordinates.
pub fn full_cross(leaves: &[usize]) -> (Vec<SystemCell>, Vec<Vec<usize>>) {
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
            SystemCell { inner: set, publishable: true, earlier: None }
        })
        .collect();
    (cells, coords)
}

/// Inner cells merged by membership: inner cells that belong to exactly the same cells are
/// indistinguishable to any reader of those cells, so one variable ("atom") stands for them.
pub(crate) struct Atoms {
    /// The atom of each inner cell (`None` for an inner cell in no cell).
    pub of_inner: Vec<Option<usize>>,
    /// The first inner cell of each atom.
    pub first_inner: Vec<usize>,
}

impl Atoms {
    /// Atoms of `inner_cells` inner cells under the given cells (each a set of inner cells).
    pub fn new<'a>(inner_cells: usize, cells: impl Iterator<Item = &'a [usize]>) -> Atoms {
        let mut membership: Vec<Vec<usize>> = vec![Vec::new(); inner_cells];
        for (c, cell) in cells.enumerate() {
            for &i in cell {
                membership[i].push(c);
            }
        }
        let mut atom_of: std::collections::HashMap<&[usize], usize> = std::collections::HashMap::new();
        let mut first_inner = Vec::new();
        let mut of_inner = vec![None; inner_cells];
        for (i, m) in membership.iter().enumerate() {
            if m.is_empty() {
                continue;
            }
            let a = *atom_of.entry(m.as_slice()).or_insert_with(|| {
                first_inner.push(i);
                first_inner.len() - 1
            });
            of_inner[i] = Some(a);
        }
        Atoms { of_inner, first_inner }
    }

    /// Per atom, the sum of its inner cells' values.
    pub fn totals<T: Copy + Default + std::ops::AddAssign>(&self, inner_values: &[T]) -> Vec<T> {
        let mut totals = vec![T::default(); self.first_inner.len()];
        for (a, &v) in self.of_inner.iter().zip(inner_values) {
            if let Some(a) = a {
                totals[*a] += v;
            }
        }
        totals
    }

    /// The sorted atoms a set of inner cells covers.
    pub fn map(&self, inner: &[usize]) -> Vec<usize> {
        let mut a: Vec<usize> = inner.iter().filter_map(|&i| self.of_inner[i]).collect();
        a.sort_unstable();
        a.dedup();
        a
    }
}

/// Protect a system. Fails (nothing may be published) if no repair can protect a primary.
///
/// Inner cells that belong to exactly the same cells are indistinguishable to any reader, so they
/// are merged into one variable ("atom") for the elimination and the audit; witnesses are
/// expanded back to inner cells (each atom's value on its first inner cell).
pub fn protect_system(inner_values: &[u64], cells: &[SystemCell], policy: Policy) -> Result<SystemOutcome, String> {
    protect_system_with(inner_values, cells, policy, Method::Auto)
}

/// [`protect_system`] with the method chosen by the caller (benchmarks and tests).
pub fn protect_system_with(
    inner_values: &[u64],
    cells: &[SystemCell],
    policy: Policy,
    method: Method,
) -> Result<SystemOutcome, String> {
    let atoms = Atoms::new(inner_values.len(), cells.iter().map(|c| c.inner.as_slice()));
    let atom_values = atoms.totals(inner_values);
    let atom_cells: Vec<SystemCell> = cells
        .iter()
        .map(|c| SystemCell { inner: atoms.map(&c.inner), publishable: c.publishable, earlier: c.earlier })
        .collect();
    let method = match method {
        Method::Auto if atom_values.len() > LARGE_SYSTEM_ATOMS => Method::Hypercube,
        Method::Auto => Method::Exact,
        other => other,
    };
    let mut outcome = match method {
        Method::Local(budget) => protect_local(&atom_values, &atom_cells, policy, budget)?,
        Method::Hypercube => protect_hypercube(&atom_values, &atom_cells, policy)?,
        _ => protect_atoms(&atom_values, &atom_cells, policy)?,
    };
    outcome.method = method;
    // Witnesses over inner cells: an atom's value sits on its first inner cell, the others of
    // the atom are 0; listed where that differs from the truth.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); atoms.first_inner.len()];
    for (i, a) in atoms.of_inner.iter().enumerate() {
        if let Some(a) = a {
            members[*a].push(i);
        }
    }
    let truth: Vec<i64> = inner_values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)).collect();
    let expand = |changes: &Changes| -> Changes {
        let mut out: Changes = Vec::new();
        for &(a, value) in changes {
            for &i in &members[a] {
                let v = if i == atoms.first_inner[a] { value } else { 0 };
                if v != truth[i] {
                    out.push((i, v));
                }
            }
        }
        out.sort_unstable();
        out
    };
    for a in &mut outcome.audits {
        a.witnesses = (expand(&a.witnesses.0), expand(&a.witnesses.1));
    }
    outcome.truth = truth;
    outcome.knowledge = Knowledge {
        inner_cells: inner_values.len(),
        constraints: outcome
            .knowledge
            .constraints
            .iter()
            .zip((0..cells.len()).filter(|&i| outcome.status[i] == Status::Published || cells[i].earlier.is_some()))
            .map(|(c, i)| Constraint { cells: cells[i].inner.clone(), lo: c.lo, hi: c.hi })
            .collect(),
        cap: outcome.knowledge.cap,
    };
    // Every path's certificates, checked with integers only over the inner cells before anything
    // is written: both witnesses agree with every known figure and span the protection interval.
    let verifier = super::local::SparseVerifier::new(&outcome.knowledge, &outcome.truth)
        .ok_or("the true table disagrees with the published figures")?;
    let p = protection(policy);
    for a in &outcome.audits {
        let target = &cells[a.cell].inner;
        let span = (verifier.value_in(&a.witnesses.0, target), verifier.value_in(&a.witnesses.1, target));
        if !(verifier.verify(&a.witnesses.0) && verifier.verify(&a.witnesses.1) && audit::protected(a.value, span, p)) {
            return Err(format!("the witnesses of cell {} do not verify", a.cell));
        }
    }
    Ok(outcome)
}

/// The error for a primary no repair can protect.
fn cannot_protect(cells: &[SystemCell], i: usize) -> String {
    let why = if cells.iter().any(|c| c.earlier.is_some()) {
        "no published cell left to withhold (the figures of the earlier releases narrow it already)"
    } else {
        "no published cell left to withhold"
    };
    format!("cell {i} cannot be protected: {why}")
}

/// Fails when an earlier release published a primary exactly: no pattern can protect it.
fn refuse_published_primary(cells: &[SystemCell], primary: &[bool]) -> Result<(), String> {
    match (0..cells.len()).find(|&i| primary[i] && matches!(cells[i].earlier, Some((lo, hi)) if lo == hi)) {
        Some(i) => Err(format!("cell {i} is below the threshold and an earlier release published it")),
        None => Ok(()),
    }
}

/// Primaries, then Gaussian secondaries: the starting pattern of both paths. Fails when an
/// earlier release's exact figures alone determine a primary (no pattern can help then).
fn gauss_status(cells: &[SystemCell], values: &[u64], primary: &[bool]) -> Result<Vec<Status>, String> {
    let vectors: Vec<Vec<usize>> = cells.iter().map(|c| c.inner.clone()).collect();
    let exact_earlier = |i: usize| matches!(cells[i].earlier, Some((lo, hi)) if lo == hi);
    refuse_published_primary(cells, primary)?;
    // Priority: figures an earlier release published exactly (the reader has them already),
    // then zeros (never used as secondaries), then cells made of many inner cells (margins),
    // then large counts; ties by index. Deterministic.
    let mut order: Vec<usize> =
        (0..cells.len()).filter(|&i| (cells[i].publishable || exact_earlier(i)) && !primary[i]).collect();
    order.sort_by_key(|&i| (!exact_earlier(i), values[i] != 0, Reverse(cells[i].inner.len()), Reverse(values[i]), i));
    // Only primaries (small published cells and small hidden complements) must stay underivable;
    // hidden cells are never candidates, so they are never published.
    let published = gauss::secondary_suppression(&vectors, primary, &order);
    if let Some(i) = (0..cells.len()).find(|&i| exact_earlier(i) && !published[i]) {
        return Err(format!("earlier releases alone determine a cell below the threshold (through cell {i})"));
    }
    Ok((0..cells.len())
        .map(|i| {
            if primary[i] {
                Status::Primary
            } else if !cells[i].publishable {
                Status::Hidden
            } else if published[i] {
                Status::Published
            } else {
                Status::Secondary
            }
        })
        .collect())
}

fn protect_atoms(inner_values: &[u64], cells: &[SystemCell], policy: Policy) -> Result<SystemOutcome, String> {
    let threshold = policy.threshold();
    let p = protection(policy);
    let values: Vec<u64> = cells.iter().map(|c| c.inner.iter().map(|&i| inner_values[i]).sum()).collect();
    let primary: Vec<bool> = values.iter().map(|v| (1..=threshold).contains(v)).collect();
    let cap = i64::try_from(inner_values.iter().sum::<u64>().max(1) * 2).unwrap_or(i64::MAX);
    let mut status = gauss_status(cells, &values, &primary)?;
    let truth: Vec<i64> = inner_values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)).collect();
    // The repair loop only ever withholds more, so intervals only widen: a primary that passed
    // stays passed and is not audited again.
    let mut passed: Vec<Option<PrimaryAudit>> = vec![None; cells.len()];
    let mut repairs = 0;
    loop {
        let knowledge = published_knowledge(policy, cells, &values, &status, inner_values.len(), cap);
        let mut failing: Option<usize> = None;
        let pending: Vec<usize> = (0..cells.len()).filter(|&i| primary[i] && passed[i].is_none()).collect();
        for i in pending {
            let v = i64::try_from(values[i]).unwrap_or(i64::MAX);
            let (outsider, low, high) = audit::interval_with_solutions(&knowledge, &cells[i].inner, &[])
                .ok_or("the published figures are inconsistent")?;
            let mut insider = outsider;
            let mut ok = audit::protected(v, outsider, p);
            // Insider: knows another withheld, non-zero cell that shares a published figure is
            // >= 1 (another: no inner cell in common; a cell over the primary itself tells a
            // family only where their own child is). Every table found so far that agrees with
            // the published figures and has that cell >= 1 bounds the insider's interval from
            // inside (their optimum is at least as far out), so an LP is solved only for an
            // insider that no such table already shows to be protected; its solution, close to
            // the truth, then covers many of the insiders after it.
            let other = |j: usize| {
                cells[j].earlier.is_none() && !cells[j].inner.iter().any(|x| cells[i].inner.binary_search(x).is_ok())
            };
            // Inner cells of the published figures that hold part of the primary: an insider's
            // cell shares a figure with it when it holds one of them.
            let mut around = vec![false; inner_values.len()];
            for c in
                knowledge.constraints.iter().filter(|c| c.cells.iter().any(|x| cells[i].inner.binary_search(x).is_ok()))
            {
                for &x in &c.cells {
                    around[x] = true;
                }
            }
            let (mut lows, mut highs) = (vec![low], vec![high]);
            // The two ends solved close to the truth, once, when the first insider needs them.
            let mut near: [Option<Option<audit::NearEnd>>; 2] = [None, None];
            let reach = |pool: &[Vec<f64>], j: usize, high: bool| {
                audit::pool_end(pool, &cells[i].inner, (&cells[j].inner, 1), high)
            };
            for j in (0..cells.len()).filter(|&j| status[j] != Status::Published && values[j] > 0 && other(j)) {
                if !ok {
                    break;
                }
                if !cells[j].inner.iter().any(|&x| around[x]) {
                    continue;
                }
                let mut ends = [reach(&lows, j, false), reach(&highs, j, true)];
                if !matches!(ends, [Some(lo), Some(hi)] if audit::protected(v, (lo, hi), p)) {
                    for (side, high) in [(0, false), (1, true)] {
                        let base = &mut near[side];
                        let pool = if high { &mut highs } else { &mut lows };
                        if base.is_none() {
                            let b = audit::NearEnd::new(&knowledge, &cells[i].inner, high, &truth);
                            pool.extend(b.as_ref().map(audit::NearEnd::values));
                            *base = Some(b);
                        }
                        if let Some(x) = base.as_ref().and_then(|b| b.as_ref()?.with_row(&cells[j].inner, 1)) {
                            pool.push(x);
                        }
                        ends[side] = reach(pool, j, high);
                    }
                }
                if let [Some(lo), Some(hi)] = ends {
                    if hi - lo < insider.1 - insider.0 {
                        insider = (lo, hi);
                    }
                    ok = audit::protected(v, (lo, hi), p);
                }
            }
            if !ok {
                failing = Some(i);
                break;
            }
            passed[i] = Some(PrimaryAudit {
                cell: i,
                value: v,
                interval: outsider,
                insider_interval: insider,
                witnesses: (Vec::new(), Vec::new()),
            });
        }
        if let Some(i) = failing {
            // Repair: withhold the smallest published non-zero cell sharing a published figure
            // with the failing primary.
            let mut touching = vec![false; inner_values.len()];
            for c in
                knowledge.constraints.iter().filter(|c| c.cells.iter().any(|x| cells[i].inner.binary_search(x).is_ok()))
            {
                for &x in &c.cells {
                    touching[x] = true;
                }
            }
            // Preference: a non-zero neighbour, then a zero neighbour (zeros are not used as
            // secondaries unless nothing else helps), then the smallest other published cell.
            // A figure an earlier release published is known whether or not it is withheld.
            let published_cells =
                || (0..cells.len()).filter(|&j| status[j] == Status::Published && cells[j].earlier.is_none());
            let touches = |j: usize| cells[j].inner.iter().any(|&x| touching[x]);
            let key = |&j: &usize| (values[j], Reverse(cells[j].inner.len()), j);
            let candidate = published_cells()
                .filter(|&j| values[j] > 0 && touches(j))
                .min_by_key(key)
                .or_else(|| published_cells().filter(|&j| touches(j)).min_by_key(key))
                .or_else(|| published_cells().min_by_key(key));
            let Some(j) = candidate else {
                return Err(cannot_protect(cells, i));
            };
            status[j] = Status::Repair;
            repairs += 1;
            continue;
        }
        let mut audits: Vec<PrimaryAudit> = passed.into_iter().flatten().collect();
        // Certificates.
        for a in &mut audits {
            let target = &cells[a.cell].inner;
            let bound = [Constraint { cells: target.clone(), lo: 0, hi: a.value + p.width + p.upl }];
            let low = audit::witness(&knowledge, target, false, &[]).ok_or("no low witness")?;
            let high = audit::witness(&knowledge, target, true, &bound).ok_or("no high witness")?;
            // Verified with every other path's, in `protect_system_with`.
            let changes = |w: &[i64]| -> Changes {
                w.iter()
                    .enumerate()
                    .filter(|&(i, &x)| Some(x) != i64::try_from(inner_values[i]).ok())
                    .map(|(i, &x)| (i, x))
                    .collect()
            };
            a.witnesses = (changes(&low), changes(&high));
        }
        return Ok(SystemOutcome {
            status,
            knowledge,
            audits,
            repairs,
            rounds: repairs + 1,
            truth: Vec::new(),
            method: Method::Exact,
        });
    }
}

/// The local path ([`super::local`]): primaries and Gaussian secondaries, then rounds of local
/// audits and batch repair.
fn protect_local(
    atom_values: &[u64],
    cells: &[SystemCell],
    policy: Policy,
    budget: usize,
) -> Result<SystemOutcome, String> {
    let threshold = policy.threshold();
    let p = protection(policy);
    let truth: Vec<i64> = atom_values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)).collect();
    let atom_cells: Vec<Vec<usize>> = cells.iter().map(|c| c.inner.clone()).collect();
    let cap = i64::try_from(atom_values.iter().sum::<u64>().max(1) * 2).unwrap_or(i64::MAX);
    let local = LocalSystem::new(&atom_cells, &truth, cap).with_budget(budget);
    let values: Vec<u64> = (0..cells.len()).map(|c| u64::try_from(local.cell_truth(c)).unwrap_or(0)).collect();
    let primary: Vec<bool> = values.iter().map(|v| (1..=threshold).contains(v)).collect();
    let mut status = gauss_status(cells, &values, &primary)?;
    let mut passed: Vec<Option<PrimaryAudit>> = vec![None; cells.len()];
    let mut failures: Vec<u32> = vec![0; cells.len()];
    let (mut repairs, mut rounds) = (0, 0);
    // A primary that passed is not audited again: later repairs only withhold more, so its
    // witnesses still agree with every published figure, and its recorded intervals (proved on
    // an earlier publication) lie inside the final ones.
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).min(8);
    loop {
        rounds += 1;
        let bounds: Vec<Option<(i64, i64)>> =
            (0..cells.len()).map(|c| known_bounds(policy, &cells[c], values[c], status[c])).collect();
        let round = local.round(bounds);
        let pending: Vec<usize> = (0..cells.len()).filter(|&i| primary[i] && passed[i].is_none()).collect();
        // Audits are independent within a round: split over threads, merged in cell order.
        let results: Vec<(usize, super::local::LocalAudit)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (local, round, pending, failures) = (&local, &round, &pending, &failures);
                    scope.spawn(move || {
                        pending
                            .iter()
                            .skip(t)
                            .step_by(threads)
                            .map(|&i| (i, local.audit_after(round, i, p, true, failures[i])))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut all: Vec<(usize, super::local::LocalAudit)> =
                handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect();
            all.sort_by_key(|(i, _)| *i);
            all
        });
        if results.len() != pending.len() {
            return Err("an audit thread failed".into());
        }
        let mut failing = Vec::new();
        for (i, audit) in results {
            if audit.protected {
                passed[i] = Some(PrimaryAudit::from_local(i, local.cell_truth(i), audit));
            } else {
                passed[i] = None;
                failures[i] += 1;
                failing.push(i);
            }
        }
        if failing.is_empty() {
            break;
        }
        let mut chosen: Vec<usize> = Vec::new();
        // Atoms of the cells chosen so far this round: a failing primary next to one of them
        // may pass without a repair of its own, so it is audited again first.
        let mut touched: HashSet<usize> = HashSet::new();
        for &i in &failing {
            if local.near(i, &touched) {
                continue;
            }
            if let Some(j) = local.repair_candidate(&round, i, &|j| cells[j].earlier.is_none()) {
                chosen.push(j);
                touched.extend(atom_cells[j].iter().copied());
                continue;
            }
            // Nothing left to withhold around it: its local problem may be too strict.
            let audit = local.audit_escalating(&round, i, p, true);
            if !audit.protected {
                return Err(cannot_protect(cells, i));
            }
            passed[i] = Some(PrimaryAudit::from_local(i, local.cell_truth(i), audit));
        }
        if chosen.is_empty() {
            // Every failure passed on a larger problem: nothing is left to audit.
            break;
        }
        chosen.sort_unstable();
        chosen.dedup();
        for j in chosen {
            status[j] = Status::Repair;
            repairs += 1;
        }
    }
    let knowledge = published_knowledge(policy, cells, &values, &status, atom_values.len(), cap);
    let audits = passed.into_iter().flatten().collect();
    Ok(SystemOutcome { status, knowledge, audits, repairs, rounds, truth: Vec::new(), method: Method::Local(budget) })
}

/// The hypercube path ([`super::hypercube`]): primaries, then cycles through each, withholding
/// cells where the cycles need them. No Gaussian step: a certificate already rules out exact
/// recovery, and the cycles choose their own partners.
fn protect_hypercube(atom_values: &[u64], cells: &[SystemCell], policy: Policy) -> Result<SystemOutcome, String> {
    let threshold = policy.threshold();
    let p = protection(policy);
    let truth: Vec<i64> = atom_values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)).collect();
    let atom_cells: Vec<Vec<usize>> = cells.iter().map(|c| c.inner.clone()).collect();
    let cap = i64::try_from(atom_values.iter().sum::<u64>().max(1) * 2).unwrap_or(i64::MAX);
    let structure = super::hypercube::Structure::new(&atom_cells, &truth);
    let values: Vec<u64> = (0..cells.len()).map(|c| u64::try_from(structure.cell_truth(c)).unwrap_or(0)).collect();
    let primary: Vec<bool> = values.iter().map(|v| (1..=threshold).contains(v)).collect();
    refuse_published_primary(cells, &primary)?;
    let mut status: Vec<Status> = (0..cells.len())
        .map(|i| {
            if primary[i] {
                Status::Primary
            } else if cells[i].publishable {
                Status::Published
            } else {
                Status::Hidden
            }
        })
        .collect();
    let mut known: Vec<Option<(i64, i64)>> =
        (0..cells.len()).map(|i| known_bounds(policy, &cells[i], values[i], status[i])).collect();
    // Zeros are not used as secondaries, nor figures an earlier release published.
    let mut buyable: Vec<bool> = (0..cells.len())
        .map(|i| status[i] == Status::Published && values[i] > 0 && cells[i].earlier.is_none())
        .collect();
    let primaries: Vec<usize> = (0..cells.len()).filter(|&i| primary[i]).collect();
    let protected = structure.protect(&primaries, &mut known, &mut buyable, p).map_err(|i| cannot_protect(cells, i))?;
    for &c in &protected.bought {
        status[c] = Status::Secondary;
    }
    let audits = protected
        .certificates
        .into_iter()
        .map(|(cell, certificate)| PrimaryAudit {
            cell,
            value: structure.cell_truth(cell),
            interval: certificate.span,
            insider_interval: certificate.span,
            witnesses: certificate.witnesses,
        })
        .collect();
    let knowledge = published_knowledge(policy, cells, &values, &status, atom_values.len(), cap);
    Ok(SystemOutcome {
        status,
        knowledge,
        audits,
        repairs: protected.bought.len(),
        rounds: 1,
        truth: Vec::new(),
        method: Method::Hypercube,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cells of an r x c table with all margins; inner index = row * c + col.
    fn table(rows: usize, cols: usize) -> Vec<SystemCell> {
        let mut cells: Vec<SystemCell> =
            (0..rows * cols).map(|i| SystemCell { inner: vec![i], publishable: true, earlier: None }).collect();
        for r in 0..rows {
            cells.push(SystemCell {
                inner: (0..cols).map(|c| r * cols + c).collect(),
                publishable: true,
                earlier: None,
            });
        }
        for c in 0..cols {
            cells.push(SystemCell {
                inner: (0..rows).map(|r| r * cols + c).collect(),
                publishable: true,
                earlier: None,
            });
        }
        cells.push(SystemCell { inner: (0..rows * cols).collect(), publishable: true, earlier: None });
        cells
    }

    #[test]
    fn sdctable_four_by_four_is_made_safe() {
        // ../shared/reference/sdc/audit_cases.json, sdctable_simpleheuristic_4x4.
        let inner: Vec<u64> = vec![30, 47, 64, 89, 90, 124, 5, 31, 92, 100, 59, 85, 800, 991, 651, 685];
        let cells = table(4, 4);
        let out = protect_system(&inner, &cells, Policy::UkChildren).unwrap();
        assert_eq!(out.status[6], Status::Primary); // (x, c) = 5
        for a in &out.audits {
            assert!(audit::protected(a.value, a.interval, protection(Policy::UkChildren)));
        }
        let published: Vec<bool> = out.status.iter().map(|s| *s == Status::Published).collect();
        let vectors: Vec<Vec<usize>> = cells.iter().map(|c| c.inner.clone()).collect();
        assert!(!gauss::derivable(&vectors, &published, 6));
    }
}
