//! The hypercube path for release-sized systems (issue #5): protection built from certificates,
//! with no LP at all.
//!
//! A **cycle** through a primary cell is a set of atoms with signs (+1 or −1) such that every
//! figure the reader knows (published cells, earlier releases) holds as many + atoms as − atoms:
//! adding `t` times the cycle to the true table changes no known figure. In a table with all
//! margins the smallest cycles are hypercubes, one partner per dimension (the method of
//! Repsilber behind tau-Argus's GHMITER); on linked hierarchies and agency patterns they take
//! other shapes, and this search finds those too.
//!
//! For each primary, in a fixed order (cells with more atoms first, then smaller counts, then
//! index):
//! 1. **Free cycles.** A bounded depth-first search looks for cycles through cells already
//!    withheld. It balances the known cell with the fewest atoms left first.
//! 2. **Bought cycles.** While the cycles found cannot yet move the cell far enough, the search
//!    may also *withhold* a published cell instead of balancing it, at a cost (1 plus the log2
//!    of its atom count, so margins cost more than inner cells; zeros and figures an earlier
//!    release published are never bought). Cells no atom can balance any more are bought at
//!    once. Successive searches allow 1, 2, 4, …, 64 atoms; each keeps the cheapest cycle found
//!    within its node limit, which bounds the searches after it, and the cells of the cheapest
//!    are withheld.
//! 3. **Witnesses.** The two witness tables are the true table moved down and up along the
//!    cycles, as far as every atom stays ≥ 0, every withheld cell that is ≥ 1 and shares no
//!    inner cell with the primary stays ≥ 1, and the primary stays inside any bound an earlier
//!    release puts on it. The second condition makes both tables consistent with what *every*
//!    insider knows at once, so they certify the insider check as well as the outsider one.
//!
//! The witnesses prove the attacker's interval (LP or integer) holds the span they show: when
//! that span meets the protection interval, the cell is protected, and the integer-only
//! verifier checks the proof. Later purchases only withhold more, and a certificate never moves
//! a cell that was known when it was made, so certificates made earlier stay valid. The method
//! errs towards withholding: a cell whose cycles the search does not find within its limits is
//! protected with a more expensive cycle. A primary no search finds a certificate for is
//! searched again with ten and then a hundred times the nodes, more branches and more start
//! atoms, from the cells withheld so far, before the release is refused.
//!
//! Owns: the cycle search and its witnesses. May not touch: atoms or files.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use super::interval::Protection;
use super::witness::Changes;

/// Most atoms of a cycle in the successive searches that may withhold cells: small cycles
/// withhold every known cell they touch, large ones balance more of them. The cheapest found
/// so far bounds the searches after it. (A hypercube of d dimensions has 2^d atoms.)
const BUY_ATOMS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];
/// Most atoms of a cycle through cells already withheld.
const FREE_ATOMS: usize = 64;
/// Atoms of one cell looked at when choosing candidates (the largest cells are rarely chosen).
const SCAN: usize = 4_096;
/// Most cycles one certificate uses.
const MAX_CYCLES: usize = 16;

/// How hard the searches for one primary look. A primary is first searched at the first
/// effort, the cheap one that protects nearly every cell; when that finds no certificate the
/// search is run again at the next, from the cells withheld so far (in a series, a revision
/// whose children have few partners across the earlier releases may need a deeper search).
#[derive(Debug, Clone, Copy)]
struct Effort {
    /// Nodes of one search for a cycle through cells already withheld.
    free_nodes: usize,
    /// Nodes of one search that may withhold cells (branch and bound: the cheapest found is kept).
    buy_nodes: usize,
    /// Atoms tried at each node of the search.
    branches: usize,
    /// Start atoms tried: this many of the target's largest atoms, and as many of those fewest
    /// known figures hold.
    starts: usize,
}

/// The efforts tried in turn for each primary.
const EFFORTS: [Effort; 3] = [
    Effort { free_nodes: 300, buy_nodes: 500, branches: 12, starts: 3 },
    Effort { free_nodes: 3_000, buy_nodes: 5_000, branches: 24, starts: 12 },
    Effort { free_nodes: 30_000, buy_nodes: 50_000, branches: 48, starts: 48 },
];

/// The cell structure over atoms with the true values.
pub struct Structure<'a> {
    cells: &'a [Vec<usize>],
    truth: &'a [i64],
    cell_truth: Vec<i64>,
    cells_of_atom: Vec<Vec<usize>>,
}

/// A certificate: how far the primary moves down and up, and the two witness tables as changes
/// against the true table (over atoms).
#[derive(Debug, Clone)]
pub struct Certificate {
    /// The cell's value in the low and the high witness.
    pub span: (i64, i64),
    /// Witness tables (low, high).
    pub witnesses: (Changes, Changes),
}

/// The outcome of [`Structure::protect`].
pub struct Protected {
    /// One certificate per primary, in cell order.
    pub certificates: Vec<(usize, Certificate)>,
    /// Cells withheld to make cycles, in the order they were chosen.
    pub bought: Vec<usize>,
    /// Primaries the first effort found no certificate for, protected by a deeper search.
    pub deeper: usize,
}

impl<'a> Structure<'a> {
    /// `cells`: the atoms of each cell (sorted); `truth`: each atom's true value.
    pub fn new(cells: &'a [Vec<usize>], truth: &'a [i64]) -> Self {
        let mut cells_of_atom = vec![Vec::new(); truth.len()];
        for (c, cell) in cells.iter().enumerate() {
            for &a in cell {
                cells_of_atom[a].push(c);
            }
        }
        let cell_truth = cells.iter().map(|c| c.iter().map(|&a| truth[a]).sum()).collect();
        Structure { cells, truth, cell_truth, cells_of_atom }
    }

    /// True value of a cell.
    pub fn cell_truth(&self, cell: usize) -> i64 {
        self.cell_truth[cell]
    }

    /// What withholding a cell costs: inner cells least, large margins most.
    fn cost(&self, cell: usize) -> u32 {
        1 + self.cells[cell].len().max(1).ilog2()
    }

    /// Protect every primary. `known[c]`: what the reader knows of cell c (its published value,
    /// or an earlier release's figure), `None` when nothing; `buyable[c]`: c may be withheld.
    /// Both are updated as cells are bought.
    /// Fails with the first primary no cycle can protect.
    pub fn protect(
        &self,
        primaries: &[usize],
        known: &mut [Option<(i64, i64)>],
        buyable: &mut [bool],
        p: Protection,
    ) -> Result<Protected, usize> {
        let mut order: Vec<usize> = primaries.to_vec();
        order.sort_by_key(|&c| (Reverse(self.cells[c].len()), self.cell_truth[c], c));
        let mut certificates = Vec::with_capacity(order.len());
        let mut bought = Vec::new();
        let mut deeper = 0;
        for target in order {
            let (effort, certificate) = EFFORTS
                .iter()
                .enumerate()
                .find_map(|(k, &effort)| Some((k, self.certify(target, known, buyable, p, &mut bought, effort)?)))
                .ok_or(target)?;
            deeper += usize::from(effort > 0);
            certificates.push((target, certificate));
        }
        certificates.sort_by_key(|(c, _)| *c);
        Ok(Protected { certificates, bought, deeper })
    }

    /// Cycles through `target` until its witnesses span the protection interval; cells bought on
    /// the way are withheld (`known` and `buyable` cleared) and listed in `bought`.
    fn certify(
        &self,
        target: usize,
        known: &mut [Option<(i64, i64)>],
        buyable: &mut [bool],
        p: Protection,
        bought: &mut Vec<usize>,
        effort: Effort,
    ) -> Option<Certificate> {
        let v = self.cell_truth[target];
        // A rounded figure of an earlier release may bound the primary itself.
        let limits = known[target].unwrap_or((0, i64::MAX));
        let mut moves = Moves::new(self, target, p, limits);
        let mut forbidden: HashSet<usize> = self.cells[target].iter().copied().collect();
        let mut starts: Vec<usize> = self.cells[target].iter().copied().filter(|&a| self.truth[a] > 0).collect();
        starts.sort_unstable_by_key(|&a| (Reverse(self.truth[a]), a));
        // Then the atoms fewest known figures hold (in a series, the children an earlier
        // release did not have are bound by this release's figures only), those with a partner
        // outside the cell that every figure no cycle may withhold also holds first (in a
        // series, a child with the same cell in every earlier release).
        let mut free = starts.clone();
        let fixed = |a: usize| self.cells_of_atom[a].iter().filter(|&&c| known[c].is_some() && !buyable[c]);
        let has_partner = |a: usize| {
            let mut common: Option<Vec<usize>> = None;
            for &c in fixed(a) {
                let atoms = &self.cells[c];
                common = Some(match common {
                    None => atoms.iter().copied().filter(|&b| b != a && !forbidden.contains(&b)).collect(),
                    Some(x) => x.into_iter().filter(|b| atoms.binary_search(b).is_ok()).collect(),
                });
                if common.as_ref().is_some_and(Vec::is_empty) {
                    return false;
                }
            }
            true
        };
        free.sort_by_cached_key(|&a| {
            (!has_partner(a), self.cells_of_atom[a].iter().filter(|&&c| known[c].is_some()).count(), a)
        });
        starts.truncate(effort.starts);
        for a in free {
            if starts.len() >= 2 * effort.starts {
                break;
            }
            if !starts.contains(&a) {
                starts.push(a);
            }
        }
        let mut buying = false;
        for _ in 0..MAX_CYCLES * 2 {
            let (down, up) = moves.reach();
            if up >= p.upl && down >= v.min(p.lpl) && up + down >= p.width {
                return Some(moves.certificate(v));
            }
            // Prefer atoms that allow the moves still needed in one cycle (a − atom goes down
            // when the cell goes up, and a withheld cell ≥ 1 must stay ≥ 1), then any.
            let need_up = (p.upl.max(p.width - v) - up).max(1);
            let plus = if down < v.min(p.lpl) { 2 } else { 0 };
            let tiers = [(need_up + 1, plus), (2, plus), (1, 0)];
            let ladder: &[usize] = if buying { &BUY_ATOMS } else { &[FREE_ATOMS] };
            let found = starts.iter().find_map(|&start| {
                tiers.iter().find_map(|&(minus, plus)| {
                    let mut best: Option<(u32, Cycle)> = None;
                    for &most in ladder {
                        let mut search =
                            Search::new(self, known, buyable, target, &forbidden, (minus, plus), buying, effort);
                        search.most = most;
                        if let Some((cost, _)) = &best {
                            search.best_cost = *cost;
                        }
                        search.place(start, 1);
                        search.run();
                        if let Some(found) = search.best.take() {
                            best = Some((search.best_cost, found));
                        }
                    }
                    best.map(|(_, found)| (start, found))
                })
            });
            let Some((start, (atoms, cells))) = found else {
                if buying || moves.cycles >= MAX_CYCLES {
                    return None;
                }
                buying = true;
                continue;
            };
            for &c in &cells {
                known[c] = None;
                buyable[c] = false;
                bought.push(c);
            }
            if !moves.add(&atoms, known) {
                // The cycle moves nothing (withheld cells at their floor): search on with its
                // atoms out of use, buying if that was not tried yet; a cycle of the start atom
                // alone will not move it again.
                buying = true;
                if atoms.len() == 1 {
                    starts.retain(|&a| a != start);
                }
            }
            forbidden.extend(atoms.iter().map(|(a, _)| *a).filter(|a| !self.cells[target].contains(a)));
        }
        None
    }
}

/// Atoms placed in a cycle being built: their signs, the signed sum of every cell that must
/// balance and does not yet, and how many atoms of each cell the cycle can no longer take
/// (placed, or out of use from the start).
struct Placement {
    placed: Vec<(usize, i8)>,
    imbalance: HashMap<usize, i32>,
    taken: HashMap<usize, usize>,
}

impl Placement {
    /// Nothing placed; the atoms of `out_of_use` already taken from their cells.
    fn new<'c>(out_of_use: impl Iterator<Item = &'c usize>, cells_of_atom: &[Vec<usize>]) -> Self {
        let mut taken: HashMap<usize, usize> = HashMap::new();
        for &a in out_of_use {
            for &c in &cells_of_atom[a] {
                *taken.entry(c).or_insert(0) += 1;
            }
        }
        Placement { placed: Vec::new(), imbalance: HashMap::new(), taken }
    }

    /// Place atom `a` (in `cells`) with `sign`; `take`: it was not out of use already.
    fn push(&mut self, (a, sign): (usize, i8), cells: &[usize], take: bool, constrains: impl Fn(usize) -> bool) {
        self.placed.push((a, sign));
        self.shift(cells, i32::from(sign), isize::from(take), constrains);
    }

    /// Take the last atom out again (`cells_of_atom`, `take` and `constrains` as when placed).
    fn pop(
        &mut self,
        cells_of_atom: &[Vec<usize>],
        take: impl Fn(usize) -> bool,
        constrains: impl Fn(usize) -> bool,
    ) -> Option<(usize, i8)> {
        let (a, sign) = self.placed.pop()?;
        self.shift(&cells_of_atom[a], -i32::from(sign), -isize::from(take(a)), constrains);
        Some((a, sign))
    }

    /// Of `atoms`, the `branches` best placed next with `sign`: most cells balanced less cells
    /// unbalanced, then the largest true value, then index (the same everywhere).
    fn candidates(
        &self,
        atoms: impl Iterator<Item = usize>,
        sign: i8,
        (cells_of_atom, truth): (&[Vec<usize>], &[i64]),
        constrains: impl Fn(usize) -> bool,
        branches: usize,
    ) -> Vec<usize> {
        let mut scored: Vec<(i64, i64, usize)> = atoms
            .map(|a| {
                let score: i64 = cells_of_atom[a]
                    .iter()
                    .filter(|&&c| constrains(c))
                    .map(|c| match self.imbalance.get(c) {
                        Some(&e) if e.signum() == -i32::from(sign) => 1,
                        _ => -1,
                    })
                    .sum();
                (score, truth[a], a)
            })
            .collect();
        scored.sort_unstable_by_key(|&(score, truth, a)| (Reverse(score), Reverse(truth), a));
        scored.into_iter().take(branches).map(|(_, _, a)| a).collect()
    }

    fn shift(&mut self, cells: &[usize], sign: i32, taken: isize, constrains: impl Fn(usize) -> bool) {
        for &c in cells {
            if taken != 0 {
                let t = self.taken.entry(c).or_insert(0);
                *t = t.saturating_add_signed(taken);
            }
            if constrains(c) {
                let e = self.imbalance.entry(c).or_insert(0);
                *e += sign;
                if *e == 0 {
                    self.imbalance.remove(&c);
                }
            }
        }
    }
}

/// A cycle: atoms with their signs, and the known cells it withholds.
type Cycle = (Vec<(usize, i8)>, Vec<usize>);

/// The moves of one certificate so far: changes of atoms and cells in the low and the high
/// witness.
struct Moves<'s, 'a> {
    s: &'s Structure<'a>,
    target: usize,
    /// (atom changes, cell changes) in the low witness and in the high witness.
    low: (HashMap<usize, i64>, HashMap<usize, i64>),
    high: (HashMap<usize, i64>, HashMap<usize, i64>),
    /// Cells sharing an atom with the target: an insider of one of them learns nothing new
    /// about where the target's children are, so no floor applies to them.
    overlapping: HashSet<usize>,
    /// What the reader knows of the target (0 and no upper end when nothing).
    limits: (i64, i64),
    p: Protection,
    cycles: usize,
}

impl<'s, 'a> Moves<'s, 'a> {
    fn new(s: &'s Structure<'a>, target: usize, p: Protection, limits: (i64, i64)) -> Self {
        let overlapping = s.cells[target].iter().flat_map(|&a| s.cells_of_atom[a].iter().copied()).collect();
        Moves { s, target, low: Default::default(), high: Default::default(), overlapping, limits, p, cycles: 0 }
    }

    /// How far the target moves (down, up).
    fn reach(&self) -> (i64, i64) {
        let change = |w: &(HashMap<usize, i64>, HashMap<usize, i64>)| w.1.get(&self.target).copied().unwrap_or(0);
        (-change(&self.low), change(&self.high))
    }

    /// Add a cycle (target atom +1) to both witnesses, each as far as it can go: atoms stay
    /// ≥ 0, withheld cells (other than the target) that are ≥ 1 stay ≥ 1. Returns whether it
    /// moved the target at all.
    fn add(&mut self, atoms: &[(usize, i8)], known: &[Option<(i64, i64)>]) -> bool {
        let mut net: HashMap<usize, i64> = HashMap::new();
        for &(a, sign) in atoms {
            for &c in &self.s.cells_of_atom[a] {
                *net.entry(c).or_insert(0) += i64::from(sign);
            }
        }
        net.retain(|_, e| *e != 0);
        let s = self.s;
        let target = self.target;
        let overlapping = &self.overlapping;
        // How far the witness can go in direction `dir` (+1 up, −1 down) along the cycle.
        let room = |w: &(HashMap<usize, i64>, HashMap<usize, i64>), dir: i64| -> i64 {
            let mut room = i64::MAX;
            for &(a, sign) in atoms {
                if i64::from(sign) * dir < 0 {
                    room = room.min(s.truth[a] + w.0.get(&a).copied().unwrap_or(0));
                }
            }
            for (&c, &e) in &net {
                if c == target || e * dir > 0 {
                    continue;
                }
                debug_assert!(known[c].is_none(), "a cycle moves a known cell");
                let now = s.cell_truth[c] + w.1.get(&c).copied().unwrap_or(0);
                let floor = i64::from(s.cell_truth[c] >= 1 && !overlapping.contains(&c));
                room = room.min((now - floor).max(0) / e.abs());
            }
            room
        };
        let target_net = net.get(&target).copied().unwrap_or(0);
        if target_net != 1 {
            return false;
        }
        let apply = |w: &mut (HashMap<usize, i64>, HashMap<usize, i64>), t: i64| {
            for &(a, sign) in atoms {
                *w.0.entry(a).or_insert(0) += t * i64::from(sign);
            }
            for (&c, &e) in &net {
                *w.1.entry(c).or_insert(0) += t * e;
            }
        };
        let v = s.cell_truth[target];
        let (down, up) = self.reach();
        // Down as far as the cell allows, up only as far as the protection interval needs.
        let (lo, hi) = self.limits;
        let t_down = room(&self.low, -1).min(v - down - lo).max(0);
        let wanted_up = self.p.upl.max(self.p.width - (down + t_down));
        let t_up = room(&self.high, 1).min(wanted_up - up).min(hi.saturating_sub(v + up)).max(0);
        apply(&mut self.high, t_up);
        apply(&mut self.low, -t_down);
        self.cycles += 1;
        t_up > 0 || t_down > 0
    }

    /// The certificate: the two witnesses as changed atoms, sorted.
    fn certificate(&self, v: i64) -> Certificate {
        let table = |w: &(HashMap<usize, i64>, HashMap<usize, i64>)| -> Changes {
            let mut out: Changes =
                w.0.iter().filter(|(_, d)| **d != 0).map(|(&a, &d)| (a, self.s.truth[a] + d)).collect();
            out.sort_unstable();
            out
        };
        let (down, up) = self.reach();
        Certificate { span: (v - down, v + up), witnesses: (table(&self.low), table(&self.high)) }
    }
}

/// A depth-first search (branch and bound when it may buy) for one cycle through the target.
struct Search<'s, 'a> {
    s: &'s Structure<'a>,
    known: &'s [Option<(i64, i64)>],
    buyable: &'s [bool],
    target: usize,
    /// Atoms the cycle may not use: the target's others, and earlier cycles'.
    forbidden: &'s HashSet<usize>,
    /// Least true value of a − atom and of a + atom.
    least: (i64, i64),
    may_buy: bool,
    /// The atoms placed; cells must balance when known and not bought.
    p: Placement,
    in_cycle: HashSet<usize>,
    bought: Vec<usize>,
    cost: u32,
    nodes: usize,
    limit: usize,
    /// Atoms tried at each node.
    branches: usize,
    /// Most atoms of the cycle.
    most: usize,
    /// The cheapest cycle found: atoms and the cells it withholds.
    best: Option<Cycle>,
    best_cost: u32,
}

impl<'s, 'a> Search<'s, 'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        s: &'s Structure<'a>,
        known: &'s [Option<(i64, i64)>],
        buyable: &'s [bool],
        target: usize,
        forbidden: &'s HashSet<usize>,
        least: (i64, i64),
        may_buy: bool,
        effort: Effort,
    ) -> Self {
        Search {
            s,
            known,
            buyable,
            target,
            forbidden,
            least,
            may_buy,
            p: Placement::new(forbidden.iter(), &s.cells_of_atom),
            in_cycle: HashSet::new(),
            bought: Vec::new(),
            cost: 0,
            nodes: 0,
            limit: if may_buy { effort.buy_nodes } else { effort.free_nodes },
            branches: effort.branches,
            most: FREE_ATOMS,
            best: None,
            best_cost: u32::MAX,
        }
    }

    /// Whether the cycle must balance cell `c`.
    fn constrains(&self, c: usize) -> bool {
        must_balance(self.target, self.known, &self.bought, c)
    }

    fn available(&self, c: usize) -> usize {
        self.s.cells[c].len().saturating_sub(self.p.taken.get(&c).copied().unwrap_or(0))
    }

    fn place(&mut self, a: usize, sign: i8) {
        self.in_cycle.insert(a);
        let (target, known, bought) = (self.target, self.known, &self.bought);
        let constrains = |c: usize| must_balance(target, known, bought, c);
        self.p.push((a, sign), &self.s.cells_of_atom[a], !self.forbidden.contains(&a), constrains);
    }

    fn unplace(&mut self) {
        let (target, known, bought, forbidden) = (self.target, self.known, &self.bought, self.forbidden);
        let constrains = |c: usize| must_balance(target, known, bought, c);
        if let Some((a, _)) = self.p.pop(&self.s.cells_of_atom, |a| !forbidden.contains(&a), constrains) {
            self.in_cycle.remove(&a);
        }
    }

    /// Search on from the atoms placed; records complete cycles cheaper than the best so far.
    fn run(&mut self) {
        if self.nodes >= self.limit || self.cost >= self.best_cost || (self.best.is_some() && !self.may_buy) {
            return;
        }
        self.nodes += 1;
        if self.p.imbalance.is_empty() {
            self.best = Some((self.p.placed.clone(), self.bought.clone()));
            self.best_cost = self.cost;
            return;
        }
        // Cells atoms can no longer balance must be bought, all at once (one node, whatever the
        // order); otherwise the cell with the fewest atoms left is balanced or bought. Ties by
        // index, so the search is the same everywhere.
        let full = self.p.placed.len() >= self.most;
        let mut stuck: Vec<usize> = Vec::new();
        let mut chosen: Option<(usize, usize, i32)> = None;
        let mut bound = self.cost;
        for (&c, &need) in &self.p.imbalance {
            let available = self.available(c);
            if full || available < need.unsigned_abs() as usize {
                if !(self.may_buy && self.buyable[c]) {
                    return;
                }
                bound += self.s.cost(c);
                if bound >= self.best_cost {
                    return;
                }
                stuck.push(c);
            } else if chosen.is_none_or(|(best, cell, _)| (available, c) < (best, cell)) {
                chosen = Some((available, c, need));
            }
        }
        if !stuck.is_empty() {
            stuck.sort_unstable();
            self.buy_then_run(&stuck);
            return;
        }
        let Some((_, cell, need)) = chosen else { return };
        let sign: i8 = if need > 0 { -1 } else { 1 };
        let least = if sign < 0 { self.least.0 } else { self.least.1 };
        let atoms = self.s.cells[cell]
            .iter()
            .copied()
            .filter(|&a| self.s.truth[a] >= least && !self.forbidden.contains(&a) && !self.in_cycle.contains(&a))
            .take(SCAN);
        let structure = (self.s.cells_of_atom.as_slice(), self.s.truth);
        let candidates = self.p.candidates(atoms, sign, structure, |c| self.constrains(c), self.branches);
        for a in candidates {
            self.place(a, sign);
            self.run();
            self.unplace();
        }
        if self.may_buy && self.buyable[cell] {
            self.buy_then_run(&[cell]);
        }
    }

    /// Withhold `cells` (unbalanced, buyable), search on, and put them back.
    fn buy_then_run(&mut self, cells: &[usize]) {
        let mut saved = Vec::with_capacity(cells.len());
        for &c in cells {
            if let Some(e) = self.p.imbalance.remove(&c) {
                saved.push((c, e));
                self.bought.push(c);
                self.cost += self.s.cost(c);
            }
        }
        self.run();
        for &(c, e) in saved.iter().rev() {
            self.cost -= self.s.cost(c);
            self.bought.pop();
            self.p.imbalance.insert(c, e);
        }
    }
}

/// Whether a cycle must balance cell `c`: a known cell other than the target, not bought.
fn must_balance(target: usize, known: &[Option<(i64, i64)>], bought: &[usize], c: usize) -> bool {
    c != target && known[c].is_some() && !bought.contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::system;

    const P: Protection = Protection { upl: 1, lpl: 1, width: 5 };

    /// The cells (over atoms) of a 3 × 3 table with all margins, and the index of inner cell 0's.
    fn three_by_three() -> (Vec<Vec<usize>>, usize) {
        let (cells, _) = system::full_cross(&[3, 3]);
        let atoms: Vec<Vec<usize>> = cells.iter().map(|c| c.inner.clone()).collect();
        let target = (0..atoms.len()).find(|&c| atoms[c] == [0]).expect("cell of inner 0");
        (atoms, target)
    }

    /// A 3 × 3 table with all margins and one small inner cell: the certificate withholds a
    /// 2 × 2 rectangle through it, and its witnesses move it 1 down and 4 up with every margin
    /// unchanged.
    #[test]
    fn a_small_cell_gets_a_rectangle_and_witnesses() {
        let (atoms, target) = three_by_three();
        let truth: Vec<i64> = vec![1, 20, 30, 25, 40, 35, 50, 60, 70];
        let s = Structure::new(&atoms, &truth);
        let mut known: Vec<Option<(i64, i64)>> =
            (0..atoms.len()).map(|c| (c != target).then(|| (s.cell_truth(c), s.cell_truth(c)))).collect();
        let mut buyable: Vec<bool> = known.iter().map(Option::is_some).collect();
        let out = s.protect(&[target], &mut known, &mut buyable, P).expect("protectable");
        assert_eq!(out.bought.len(), 3, "{:?}", out.bought);
        let bought_atoms: Vec<usize> = out.bought.iter().map(|&c| atoms[c][0]).collect();
        assert!(bought_atoms.iter().all(|&a| a != 0 && atoms.iter().any(|c| c == &[a])), "{bought_atoms:?}");
        let (_, certificate) = &out.certificates[0];
        assert_eq!(certificate.span, (0, 5));
        // Every known cell keeps its value in both witnesses.
        for w in [&certificate.witnesses.0, &certificate.witnesses.1] {
            let changed: HashMap<usize, i64> = w.iter().copied().collect();
            for (c, cell) in atoms.iter().enumerate().filter(|(c, _)| known[*c].is_some()) {
                let value: i64 = cell.iter().map(|a| changed.get(a).copied().unwrap_or(truth[*a])).sum();
                assert_eq!(value, s.cell_truth(c), "cell {c}");
            }
            assert!(w.iter().all(|(_, v)| *v >= 0));
        }
    }

    /// A rounded figure of an earlier release that bounds the primary itself bounds its
    /// witnesses too: within 0..=8 the cell still moves 5 apart; within 2..=6 it cannot, and
    /// the primary is refused rather than certified with a witness the reader can rule out.
    #[test]
    fn a_known_bound_on_the_primary_limits_its_witnesses() {
        let (atoms, target) = three_by_three();
        let truth: Vec<i64> = vec![3, 20, 30, 25, 40, 35, 50, 60, 70];
        let s = Structure::new(&atoms, &truth);
        for (limits, protectable) in [((0, 8), true), ((2, 6), false)] {
            let mut known: Vec<Option<(i64, i64)>> = (0..atoms.len())
                .map(|c| Some(if c == target { limits } else { (s.cell_truth(c), s.cell_truth(c)) }))
                .collect();
            let mut buyable: Vec<bool> = (0..atoms.len()).map(|c| c != target).collect();
            match s.protect(&[target], &mut known, &mut buyable, P) {
                Ok(out) => {
                    assert!(protectable, "{limits:?}");
                    let (low, high) = out.certificates[0].1.span;
                    assert!(limits.0 <= low && high <= limits.1 && high - low >= 5, "{limits:?}: {low}..{high}");
                }
                Err(cell) => assert!(!protectable && cell == target, "{limits:?}"),
            }
        }
    }
}
