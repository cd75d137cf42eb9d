//! Protection of a whole release as one constraint system: every published cell (and every
//! hidden complement) is a set of inner cells. Primary cells are found by the policy's
//! threshold; secondary cells by Gaussian elimination; the LP interval audit (outsider and
//! insider) then checks every primary, and the repair loop withholds the cheapest published cell
//! next to any primary that fails, until all pass. Each primary gets two verified integer
//! witness tables. That is the exact path ([`super::exact`]), used up to [`LARGE_SYSTEM_ATOMS`]
//! atoms; above it the hypercube path ([`super::hypercube`]) builds the witnesses first and
//! withholds what they need. [`super::protection`] chooses the path and verifies every witness.
//!
//! Owns: the system's cells, atoms, statuses and what a reader knows of them. May not touch:
//! tables, labels or files (callers turn cells into tables), or the paths that protect them.

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};

use super::Policy;
use super::gauss;
use super::interval::{Constraint, Knowledge, Protection};
use super::witness::Changes;

/// Systems with more atoms than this take the hypercube path ([`super::hypercube`]); the exact
/// path (Gaussian elimination over the whole system, one LP over every atom per primary, one
/// repair per round) is used up to it.
pub const LARGE_SYSTEM_ATOMS: usize = 1_500;

/// How a system is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Exact up to [`LARGE_SYSTEM_ATOMS`] atoms, hypercube above.
    Auto,
    /// Gaussian elimination, whole-system LP audit, one repair per round.
    Exact,
    /// Cycles through each primary, withheld as needed; witnesses as certificates, no LP
    /// ([`super::hypercube`]).
    Hypercube,
}

impl Method {
    /// The name written to the private disclosure log: `exact` or `hypercube`. On the
    /// hypercube path a primary's `interval` there is the span its verified witnesses prove
    /// (inside the attacker's interval); on the others it is the LP interval.
    pub fn name(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Exact => "exact",
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
    /// Protected as a primary whatever its own count: an earlier release published a figure of
    /// the same definition that differs from it by 1..T, so showing it would show that
    /// difference (see [`super::linked`]).
    pub protect_always: bool,
}

impl SystemCell {
    /// Whether the cell is a primary: a count in 1..`threshold`, or always protected.
    pub fn is_primary(&self, value: u64, threshold: u64) -> bool {
        self.protect_always || (1..=threshold).contains(&value)
    }
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
    /// Audit rounds (the exact path repairs one cell per round; the hypercube path has one).
    pub rounds: usize,
    /// Primaries the hypercube path protected only with a deeper search (0 on the exact path).
    pub deeper_searches: usize,
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
pub(super) fn constraint_for(policy: Policy, inner: &[usize], value: u64) -> Constraint {
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
pub(super) fn known_bounds(policy: Policy, cell: &SystemCell, value: u64, status: Status) -> Option<(i64, i64)> {
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
pub(super) fn published_knowledge(
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
            SystemCell { inner: set, publishable: true, earlier: None, protect_always: false }
        })
        .collect();
    (cells, coords)
}

/// The cells of a system being built: each distinct set of inner cells once. A set interned
/// as publishable and as hidden is publishable.
#[derive(Debug, Default)]
pub struct CellSet {
    cells: Vec<SystemCell>,
    index: std::collections::HashMap<Vec<usize>, usize>,
}

impl CellSet {
    /// The cell of the inner cells `inner` (sorted and deduplicated here), added if new.
    pub fn intern(&mut self, mut inner: Vec<usize>, publishable: bool) -> usize {
        inner.sort_unstable();
        inner.dedup();
        if let Some(&i) = self.index.get(&inner) {
            self.cells[i].publishable |= publishable;
            return i;
        }
        self.cells.push(SystemCell { inner: inner.clone(), publishable, earlier: None, protect_always: false });
        self.index.insert(inner, self.cells.len() - 1);
        self.cells.len() - 1
    }

    /// The cells so far.
    pub fn cells(&self) -> &[SystemCell] {
        &self.cells
    }

    /// Cell `i`, to record what an earlier release said about it.
    pub fn cell_mut(&mut self, i: usize) -> &mut SystemCell {
        &mut self.cells[i]
    }

    /// The finished cells.
    pub fn into_cells(self) -> Vec<SystemCell> {
        self.cells
    }
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

/// The error for a primary no repair can protect.
/// The cell a protection failure names (messages start `cell N `) and the rest of the message,
/// so the caller can say which figure it is instead of an internal index.
pub(super) fn failing_cell(message: &str) -> Option<(usize, &str)> {
    let (n, rest) = message.strip_prefix("cell ")?.split_once(' ')?;
    Some((n.parse().ok()?, rest))
}

/// A failure's cell in words, when it is not a figure the caller names: a figure of an earlier
/// release, or a count no table shows (a difference between published figures).
pub(super) fn hidden_cell_words(cell: &SystemCell) -> &'static str {
    if cell.earlier.is_some() {
        "a figure of an earlier release"
    } else {
        "a difference between published figures that no table shows"
    }
}

pub(super) fn cannot_protect(cells: &[SystemCell], i: usize) -> String {
    let why = if cells.iter().any(|c| c.earlier.is_some()) {
        "no published cell left to withhold (the figures of the earlier releases narrow it already)"
    } else {
        "no published cell left to withhold"
    };
    format!("cell {i} cannot be protected: {why}")
}

/// Fails when an earlier release published a primary exactly: no pattern can protect it.
pub(super) fn refuse_published_primary(cells: &[SystemCell], primary: &[bool]) -> Result<(), String> {
    match (0..cells.len()).find(|&i| primary[i] && matches!(cells[i].earlier, Some((lo, hi)) if lo == hi)) {
        Some(i) => Err(format!("cell {i} is below the threshold and an earlier release published it")),
        None => Ok(()),
    }
}

/// Primaries, then Gaussian secondaries: the starting pattern of both paths. Fails when an
/// earlier release's exact figures alone determine a primary (no pattern can help then).
pub(super) fn gauss_status(cells: &[SystemCell], values: &[u64], primary: &[bool]) -> Result<Vec<Status>, String> {
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
    let published = gauss::secondary_suppression(&vectors, primary, &order).map_err(|e| e.to_string())?;
    if let Some(i) = (0..cells.len()).find(|&i| exact_earlier(i) && !published[i]) {
        // Starts `cell N `, so the caller names the figure (see `failing_cell`).
        return Err(format!(
            "cell {i} must be withheld to protect a count below the threshold, but an earlier release published it: \
             the earlier releases' figures alone determine that count"
        ));
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

/// The hidden complements between each earlier figure (`earlier`, sorted and deduplicated here)
/// and the cells that nest with it (inside it, or around it) among those `holder` accepts, for
/// the pairs `pair` accepts (earlier figure, other cell). Found through the cells holding each
/// inner cell (no scan of every pair).
pub(super) fn nested_complements(
    cells: &[SystemCell],
    earlier: &mut Vec<usize>,
    inner_count: usize,
    holder: &dyn Fn(usize) -> bool,
    pair: &dyn Fn(usize, usize) -> bool,
) -> Vec<Vec<usize>> {
    earlier.sort_unstable();
    earlier.dedup();
    let mut holding: Vec<Vec<usize>> = vec![Vec::new(); inner_count];
    for (c, cell) in cells.iter().enumerate().filter(|&(c, _)| holder(c)) {
        for &i in &cell.inner {
            holding[i].push(c);
        }
    }
    let mut complements = Vec::new();
    for &e in earlier.iter() {
        let inner = &cells[e].inner;
        // Inside the earlier figure: every inner cell of c is in e.
        let mut hits: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for &i in inner {
            for &c in &holding[i] {
                *hits.entry(c).or_insert(0) += 1;
            }
        }
        let mut nested: Vec<(usize, usize)> = hits
            .into_iter()
            .filter(|&(c, n)| c != e && n == cells[c].inner.len() && n < inner.len() && pair(e, c))
            .map(|(c, _)| (c, e))
            .collect();
        // Around it: c holds the first inner cell of e, and all of them.
        if let Some(&first) = inner.first() {
            nested.extend(
                holding[first]
                    .iter()
                    .filter(|&&c| {
                        c != e
                            && pair(e, c)
                            && cells[c].inner.len() > inner.len()
                            && inner.iter().all(|i| cells[c].inner.binary_search(i).is_ok())
                    })
                    .map(|&c| (e, c)),
            );
        }
        nested.sort_unstable();
        for (small, large) in nested {
            let (small, large) = (&cells[small].inner, &cells[large].inner);
            complements.push(large.iter().copied().filter(|i| small.binary_search(i).is_err()).collect());
        }
    }
    complements
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(inner: &[usize], earlier: Option<(i64, i64)>) -> SystemCell {
        SystemCell { inner: inner.to_vec(), publishable: true, earlier, protect_always: false }
    }

    /// A total and one of its two parts, both published exactly by an earlier release, give away
    /// the other part, a primary: the failure names the earlier figure that would have to go, in
    /// the form the caller turns into a table and row.
    #[test]
    fn earlier_figures_that_determine_a_primary_are_named() {
        let cells = [cell(&[0, 1], Some((10, 10))), cell(&[0], None), cell(&[1], Some((7, 7)))];
        let err = gauss_status(&cells, &[10, 3, 7], &[false, true, false]).unwrap_err();
        let (failing, rest) = failing_cell(&err).expect("the message names its cell");
        assert!(failing == 0 || failing == 2, "{err}");
        assert!(rest.starts_with("must be withheld") && rest.contains("an earlier release published it"), "{err}");
        assert_eq!(hidden_cell_words(&cells[failing]), "a figure of an earlier release");
    }
}
