//! The exact path, for systems up to [`super::system::LARGE_SYSTEM_ATOMS`] atoms: primaries and
//! Gaussian secondaries, then the LP interval audit over the whole system for every primary
//! (outsider and insider), one repair per failing round, and two integer witnesses per primary.
//! A witness is the first whole-number table within the protection interval that a bounded
//! branch and bound finds; a primary with none (its LP interval is wider than any whole-number
//! table shows, or the search ran out of nodes) fails its round like one the LP narrows.
//!
//! Owns: the audit-and-repair loop. May not touch: atoms, the verification of witnesses (both
//! done by [`super::system`] for every path), tables or files.

use std::cmp::Reverse;

use super::Policy;
use super::interval::{self, Constraint, Knowledge, Protection};
use super::system::{
    Method, PrimaryAudit, Status, SystemCell, SystemOutcome, cannot_protect, gauss_status, protection,
    published_knowledge,
};
use super::witness::Changes;

/// Protect a system of atoms on the exact path.
pub(super) fn protect(inner_values: &[u64], cells: &[SystemCell], policy: Policy) -> Result<SystemOutcome, String> {
    let threshold = policy.threshold();
    let p = protection(policy);
    let values: Vec<u64> = cells.iter().map(|c| c.inner.iter().map(|&i| inner_values[i]).sum()).collect();
    let primary: Vec<bool> = values.iter().zip(cells).map(|(&v, c)| c.is_primary(v, threshold)).collect();
    let cap = i64::try_from(inner_values.iter().sum::<u64>().max(1) * 2).unwrap_or(i64::MAX);
    let mut status = gauss_status(cells, &values, &primary)?;
    let truth: Vec<i64> = inner_values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)).collect();
    // The repair loop only ever withholds more, so intervals only widen: a primary that passed
    // stays passed and is not audited again.
    let mut passed: Vec<Option<PrimaryAudit>> = vec![None; cells.len()];
    let mut witnessed = vec![false; cells.len()];
    let mut repairs = 0;
    loop {
        let knowledge = published_knowledge(policy, cells, &values, &status, inner_values.len(), cap);
        let mut failing: Option<usize> = None;
        let pending: Vec<usize> = (0..cells.len()).filter(|&i| primary[i] && passed[i].is_none()).collect();
        let audit = Audit { cells, values: &values, status: &status, knowledge: &knowledge, truth: &truth, p };
        for i in pending {
            if let Some(record) = audit.primary(i)? {
                passed[i] = Some(record);
            } else {
                failing = Some(i);
                break;
            }
        }
        // Every primary passed the LP audit: its integer witnesses. A primary with none within the
        // search's budget (its LP interval is wider than any whole-number table shows) fails too.
        // Withholding more only drops constraints, so witnesses found in earlier rounds stay valid.
        if failing.is_none() {
            for i in 0..cells.len() {
                let Some(a) = passed[i].as_mut().filter(|_| !witnessed[i]) else {
                    continue;
                };
                if let Some(w) = certificate(&knowledge, &cells[i].inner, a.value, inner_values, p) {
                    a.witnesses = w;
                    witnessed[i] = true;
                } else {
                    passed[i] = None;
                    failing = Some(i);
                    break;
                }
            }
        }
        if let Some(i) = failing {
            let j = repair_candidate(cells, &values, &status, &knowledge, i).ok_or_else(|| cannot_protect(cells, i))?;
            status[j] = Status::Repair;
            repairs += 1;
            continue;
        }
        let audits: Vec<PrimaryAudit> = passed.into_iter().flatten().collect();
        return Ok(SystemOutcome {
            status,
            knowledge,
            audits,
            repairs,
            rounds: repairs + 1,
            deeper_searches: 0,
            truth: Vec::new(),
            method: Method::Exact,
        });
    }
}

/// One round's published knowledge, for auditing primaries one by one.
struct Audit<'a> {
    cells: &'a [SystemCell],
    values: &'a [u64],
    status: &'a [Status],
    knowledge: &'a Knowledge,
    truth: &'a [i64],
    p: Protection,
}

impl Audit<'_> {
    /// The audit record of primary `i`, or `None` when an outsider or an insider can narrow it.
    fn primary(&self, i: usize) -> Result<Option<PrimaryAudit>, String> {
        let (cells, knowledge, p) = (self.cells, self.knowledge, self.p);
        let v = i64::try_from(self.values[i]).unwrap_or(i64::MAX);
        let (outsider, low, high) = interval::feasible_with_solutions(knowledge, &cells[i].inner, &[])
            .ok_or("the published figures are inconsistent")?;
        if !interval::protected(v, outsider, p) {
            return Ok(None);
        }
        Ok(self.insider(i, v, outsider, low, high).map(|insider| PrimaryAudit {
            cell: i,
            value: v,
            interval: outsider,
            insider_interval: insider,
            witnesses: (Vec::new(), Vec::new()),
        }))
    }

    /// The narrowest insider interval of primary `i` (value `v`), or `None` when an insider
    /// narrows it below its protection interval.
    ///
    /// An insider knows another withheld, non-zero cell that shares a published figure is >= 1
    /// (another: no inner cell in common; a cell over the primary itself tells a family only
    /// where their own child is). Every table found so far that agrees with the published
    /// figures and has that cell >= 1 bounds the insider's interval from inside (their optimum
    /// is at least as far out), so an LP is solved only for an insider that no such table
    /// already shows to be protected; its solution, close to the truth, then covers many of the
    /// insiders after it.
    fn insider(&self, i: usize, v: i64, outsider: (i64, i64), low: Vec<f64>, high: Vec<f64>) -> Option<(i64, i64)> {
        let (cells, knowledge, p) = (self.cells, self.knowledge, self.p);
        let other = |j: usize| {
            cells[j].earlier.is_none() && !cells[j].inner.iter().any(|x| cells[i].inner.binary_search(x).is_ok())
        };
        // Inner cells of the published figures that hold part of the primary: an insider's cell
        // shares a figure with it when it holds one of them.
        let around = sharing_a_figure(knowledge, &cells[i].inner);
        let mut insider = outsider;
        let (mut lows, mut highs) = (vec![low], vec![high]);
        // The two ends solved close to the truth, once, when the first insider needs them.
        let mut near: [Option<Option<interval::NearEnd>>; 2] = [None, None];
        let reach = |pool: &[Vec<f64>], j: usize, high: bool| {
            interval::pool_end(pool, &cells[i].inner, (&cells[j].inner, 1), high)
        };
        for j in (0..cells.len()).filter(|&j| self.status[j] != Status::Published && self.values[j] > 0 && other(j)) {
            if !cells[j].inner.iter().any(|&x| around[x]) {
                continue;
            }
            let mut ends = [reach(&lows, j, false), reach(&highs, j, true)];
            if !matches!(ends, [Some(lo), Some(hi)] if interval::protected(v, (lo, hi), p)) {
                for (side, high) in [(0, false), (1, true)] {
                    let base = &mut near[side];
                    let pool = if high { &mut highs } else { &mut lows };
                    if base.is_none() {
                        let b = interval::NearEnd::new(knowledge, &cells[i].inner, high, self.truth);
                        pool.extend(b.as_ref().map(interval::NearEnd::values));
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
                if !interval::protected(v, (lo, hi), p) {
                    return None;
                }
            }
        }
        Some(insider)
    }
}

/// Per inner cell: whether it is in a published figure that holds part of `target`.
fn sharing_a_figure(knowledge: &Knowledge, target: &[usize]) -> Vec<bool> {
    let mut touching = vec![false; knowledge.inner_cells];
    for c in knowledge.constraints.iter().filter(|c| c.cells.iter().any(|x| target.binary_search(x).is_ok())) {
        for &x in &c.cells {
            touching[x] = true;
        }
    }
    touching
}

/// The cell to withhold for failing primary `i`: the smallest published non-zero cell sharing a
/// published figure with it, then a zero neighbour (zeros are not used as secondaries unless
/// nothing else helps), then the smallest other published cell. A figure an earlier release
/// published is known whether or not it is withheld, so it is never chosen.
fn repair_candidate(
    cells: &[SystemCell],
    values: &[u64],
    status: &[Status],
    knowledge: &Knowledge,
    i: usize,
) -> Option<usize> {
    let touching = sharing_a_figure(knowledge, &cells[i].inner);
    let published_cells = || (0..cells.len()).filter(|&j| status[j] == Status::Published && cells[j].earlier.is_none());
    let touches = |j: usize| cells[j].inner.iter().any(|&x| touching[x]);
    let key = |&j: &usize| (values[j], Reverse(cells[j].inner.len()), j);
    published_cells()
        .filter(|&j| values[j] > 0 && touches(j))
        .min_by_key(key)
        .or_else(|| published_cells().filter(|&j| touches(j)).min_by_key(key))
        .or_else(|| published_cells().min_by_key(key))
}

/// The two witness tables of a protected primary (value `value` over `target`), as changes
/// against the true table. Verified with every other path's in [`super::system`].
fn certificate(
    knowledge: &Knowledge,
    target: &[usize],
    value: i64,
    inner_values: &[u64],
    p: Protection,
) -> Option<(Changes, Changes)> {
    let bound = [Constraint { cells: target.to_vec(), lo: 0, hi: value + p.width + p.upl }];
    let low = interval::witness(knowledge, target, false, &[], Some(value - value.min(p.lpl)))?;
    let low_value = interval::value_in(&low, target);
    let enough = (value + p.upl).max(low_value + p.width);
    let high = interval::witness(knowledge, target, true, &bound, Some(enough))?;
    let changes = |w: &[i64]| -> Changes {
        w.iter()
            .enumerate()
            .filter(|&(i, &x)| Some(x) != i64::try_from(inner_values[i]).ok())
            .map(|(i, &x)| (i, x))
            .collect()
    };
    Some((changes(&low), changes(&high)))
}
