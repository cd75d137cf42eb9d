//! Witness tables: the proof that a withheld cell is protected.
//!
//! A witness is a whole table of counts ≥ 0 that agrees with every figure a reader knows and puts
//! a primary cell at one end of its protection interval. Two of them (low and high) prove the
//! attacker's interval at least that wide, since every consistent table is in it. They are kept
//! as [`Changes`] against the true table, and checked with integers only by [`SparseVerifier`]:
//! no LP is trusted for the proof.
//!
//! Owns: the witness representation and its checker. May not touch: how witnesses are found
//! (the exact and hypercube paths), or any file.

use std::collections::{HashMap, HashSet};

use super::interval::Knowledge;

/// A witness as changes against the true table: (inner cell or atom, value).
pub type Changes = Vec<(usize, i64)>;

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
    use crate::disclosure::interval::Constraint;

    #[test]
    fn a_witness_must_meet_every_figure_and_stay_whole() {
        // a + b = 10 is published; the truth is (3, 7).
        let k =
            Knowledge { inner_cells: 2, constraints: vec![Constraint { cells: vec![0, 1], lo: 10, hi: 10 }], cap: 20 };
        let base = [3, 7];
        let v = SparseVerifier::new(&k, &base).unwrap();
        assert!(v.verify(&[(0, 0), (1, 10)]));
        assert_eq!(v.value_in(&[(0, 0), (1, 10)], &[0]), 0);
        assert!(!v.verify(&[(0, 4)]), "breaks a + b = 10");
        assert!(!v.verify(&[(0, -1), (1, 11)]), "a negative count");
        assert!(!v.verify(&[(0, 2), (0, 3)]), "a cell changed twice");
        assert!(SparseVerifier::new(&k, &[3, 6]).is_none(), "the base must meet the figures");
    }
}
