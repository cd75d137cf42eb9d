//! Secondary suppression by Gaussian elimination (Langsrud 2024; SSB GaussSuppression), in exact
//! integer arithmetic.
//!
//! Published cells are sparse 0/1 combinations of inner cells. Candidates are visited in a fixed
//! priority order; each is reduced against the basis of cells already published. A candidate
//! that would bring any primary cell into the span of the published cells is suppressed
//! (secondary); otherwise it is published and joins the basis. Vectors are kept fraction-free
//! (integer, divided by their gcd) in reduced row-echelon form, so every test is exact.

use std::collections::{BTreeMap, HashMap};

/// A sparse integer vector over inner cells.
type Sparse = BTreeMap<usize, i128>;

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn normalise(v: &mut Sparse) {
    v.retain(|_, x| *x != 0);
    let g = v.values().fold(0, |g, x| gcd(g, *x));
    if g > 1 {
        for x in v.values_mut() {
            *x /= g;
        }
    }
    if v.values().next().is_some_and(|x| *x < 0) {
        for x in v.values_mut() {
            *x = -*x;
        }
    }
}

/// `a·v − b·w`, normalised. Panics only on i128 overflow, which 0/1 table structures never reach.
fn combine(v: &Sparse, a: i128, w: &Sparse, b: i128) -> Sparse {
    let mut out = Sparse::new();
    for (k, x) in v {
        out.insert(*k, x.checked_mul(a).expect("exact elimination overflowed i128"));
    }
    for (k, y) in w {
        let e = out.entry(*k).or_insert(0);
        *e = e.checked_sub(y.checked_mul(b).expect("exact elimination overflowed i128")).expect("overflow");
    }
    normalise(&mut out);
    out
}

/// A basis of published cells in reduced row-echelon form (pivot = smallest index).
#[derive(Debug, Default)]
pub struct Basis {
    rows: Vec<Sparse>,
    pivot_of: HashMap<usize, usize>,
}

impl Basis {
    fn reduce(&self, v: &Sparse) -> Sparse {
        let mut v = v.clone();
        let pivots: Vec<(usize, usize)> = v.keys().filter_map(|k| self.pivot_of.get(k).map(|r| (*k, *r))).collect();
        for (p, r) in pivots {
            let Some(&x) = v.get(&p) else { continue };
            let b = &self.rows[r];
            v = combine(&v, b[&p], b, x);
        }
        v
    }

    fn insert(&mut self, w: Sparse) -> usize {
        let pivot = *w.keys().next().expect("non-zero vector");
        let a = w[&pivot];
        for row in &mut self.rows {
            if let Some(&x) = row.get(&pivot) {
                *row = combine(row, a, &w, x);
            }
        }
        self.rows.push(w);
        self.pivot_of.insert(pivot, self.rows.len() - 1);
        pivot
    }
}

/// Reduce `r` by the new basis vector `w` with pivot `p` (keeps `r` zero at all pivots).
fn reduce_by(r: &Sparse, w: &Sparse, p: usize) -> Sparse {
    match r.get(&p) {
        Some(&x) => combine(r, w[&p], w, x),
        None => r.clone(),
    }
}

/// Decide which candidates to publish. `cells[i]` is the set of inner cells summed by cell i;
/// `primary[i]` marks cells that must never be derivable; `order` is the priority order of the
/// candidates (non-primary cells that may be published). Returns `published[i]`.
pub fn secondary_suppression(cells: &[Vec<usize>], primary: &[bool], order: &[usize]) -> Vec<bool> {
    let vector = |i: usize| -> Sparse { cells[i].iter().map(|&k| (k, 1)).collect() };
    let mut basis = Basis::default();
    // Residuals of the primary cells against the basis; a zero residual means derivable.
    let mut residuals: Vec<Sparse> = (0..cells.len()).filter(|&i| primary[i]).map(vector).collect();
    let mut published = vec![false; cells.len()];
    if residuals.is_empty() {
        // Nothing to protect (large releases often have no small cell): publish every candidate
        // without building the basis.
        for &c in order {
            published[c] = true;
        }
        return published;
    }
    for &c in order {
        if primary[c] {
            continue;
        }
        let w = basis.reduce(&vector(c));
        if w.is_empty() {
            // Already implied by what is published: publishing it reveals nothing new.
            published[c] = true;
            continue;
        }
        let p = *w.keys().next().expect("non-empty");
        let exposes = residuals.iter().any(|r| r.contains_key(&p) && reduce_by(r, &w, p).is_empty());
        if exposes {
            continue;
        }
        for r in &mut residuals {
            *r = reduce_by(r, &w, p);
        }
        basis.insert(w);
        published[c] = true;
    }
    published
}

/// Whether cell `target` is a linear combination of the published cells (exact test).
pub fn derivable(cells: &[Vec<usize>], published: &[bool], target: usize) -> bool {
    let mut basis = Basis::default();
    for (i, cell) in cells.iter().enumerate() {
        if published[i] {
            let w = basis.reduce(&cell.iter().map(|&k| (k, 1)).collect());
            if !w.is_empty() {
                basis.insert(w);
            }
        }
    }
    basis.reduce(&cells[target].iter().map(|&k| (k, 1)).collect()).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x2 table with margins: inner 0..4 = (r1c1, r1c2, r2c1, r2c2).
    fn two_by_two() -> Vec<Vec<usize>> {
        vec![
            vec![0],
            vec![1],
            vec![2],
            vec![3],
            vec![0, 1],       // row 1
            vec![2, 3],       // row 2
            vec![0, 2],       // col 1
            vec![1, 3],       // col 2
            vec![0, 1, 2, 3], // total
        ]
    }

    #[test]
    fn one_primary_in_a_two_by_two_takes_three_partners() {
        let cells = two_by_two();
        let mut primary = vec![false; 9];
        primary[0] = true;
        // Margins first, then inner cells.
        let order = [8, 4, 5, 6, 7, 1, 2, 3];
        let published = secondary_suppression(&cells, &primary, &order);
        assert!(published[4] && published[5] && published[6] && published[7] && published[8]);
        assert_eq!(published[..4], [false, false, false, false]);
        assert!(!derivable(&cells, &published, 0));
    }

    #[test]
    fn never_publishes_a_derivable_primary() {
        let cells = two_by_two();
        for p in 0..9 {
            let mut primary = vec![false; 9];
            primary[p] = true;
            let order: Vec<usize> = (0..9).rev().collect();
            let published = secondary_suppression(&cells, &primary, &order);
            assert!(!derivable(&cells, &published, p), "primary {p}");
        }
    }
}
