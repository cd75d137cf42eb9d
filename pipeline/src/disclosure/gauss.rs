//! Secondary suppression by Gaussian elimination (Langsrud 2024; SSB GaussSuppression), in exact
//! integer arithmetic.
//!
//! Published cells are sparse 0/1 combinations of inner cells. Candidates are visited in a fixed
//! priority order; each is reduced against the basis of cells already published. A candidate
//! that would bring any primary cell into the span of the published cells is suppressed
//! (secondary); otherwise it is published and joins the basis. Vectors are kept fraction-free
//! (integer, divided by their gcd, first entry positive), so every test is exact.
//!
//! The basis is kept in row-echelon form: each row's pivot is its smallest index. Reduction
//! eliminates pivots in increasing order, and a row only brings in indices above its own pivot,
//! so one pass over a heap of indices suffices and rows are never rewritten when later rows
//! join. The residual of every primary cell is kept reduced against the basis; it is zero exactly when
//! the primary is derivable, and, being normalised, a new basis row exposes a primary exactly
//! when it equals that primary's residual. Column indexes find the residuals a new pivot
//! touches, so a release-sized system (hundreds of thousands of cells) is not scanned per
//! candidate.
//!
//! Owns: exact elimination. May not touch: statuses beyond published or not.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A sparse integer vector: (index, coefficient), sorted by index, no zeros.
type Sparse = Vec<(usize, i128)>;

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Divide by the gcd and make the first coefficient positive.
fn normalise(v: &mut Sparse) {
    let g = v.iter().fold(0, |g, (_, x)| gcd(g, *x));
    let sign = if v.first().is_some_and(|(_, x)| *x < 0) { -1 } else { 1 };
    if g > 1 || sign < 0 {
        for (_, x) in v.iter_mut() {
            *x = *x / g.max(1) * sign;
        }
    }
}

/// Exact elimination left the range of `i128`. Tables of 0/1 sums rarely get there, but a
/// spec can be built that does; then the run stops with an error instead of a wrong pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "exact elimination overflowed 128-bit integers: the tables are too entangled for the exact \
             path; choose the hypercube method",
        )
    }
}

fn mul(a: i128, b: i128) -> Result<i128, Overflow> {
    a.checked_mul(b).ok_or(Overflow)
}

fn sub(a: i128, b: i128) -> Result<i128, Overflow> {
    a.checked_sub(b).ok_or(Overflow)
}

/// `a·v − b·w`, normalised (a sorted merge).
fn combine(v: &Sparse, a: i128, w: &Sparse, b: i128) -> Result<Sparse, Overflow> {
    let g = gcd(a, b).max(1);
    let (a, b) = (a / g, b / g);
    let mut out = Vec::with_capacity(v.len() + w.len());
    let (mut i, mut j) = (0, 0);
    while i < v.len() || j < w.len() {
        let next = match (v.get(i), w.get(j)) {
            (Some(&(k, x)), Some(&(l, _))) if k < l => {
                i += 1;
                (k, mul(x, a)?)
            }
            (Some(&(k, x)), Some(&(l, y))) if k == l => {
                i += 1;
                j += 1;
                (k, sub(mul(x, a)?, mul(y, b)?)?)
            }
            (_, Some(&(l, y))) => {
                j += 1;
                (l, sub(0, mul(y, b)?)?)
            }
            (Some(&(k, x)), None) => {
                i += 1;
                (k, mul(x, a)?)
            }
            (None, None) => break,
        };
        if next.1 != 0 {
            out.push(next);
        }
    }
    normalise(&mut out);
    Ok(out)
}

/// Coefficient of index `k` in `v` (0 when absent).
fn coefficient(v: &Sparse, k: usize) -> i128 {
    v.binary_search_by_key(&k, |&(i, _)| i).map_or(0, |p| v[p].1)
}

/// A basis of published cells in row-echelon form, with a dense workspace for reduction.
struct Basis {
    rows: Vec<Sparse>,
    /// Row whose pivot is each index (`usize::MAX`: none).
    pivot_row: Vec<usize>,
    dense: Vec<i128>,
    touched: Vec<bool>,
}

impl Basis {
    fn new(dimension: usize) -> Self {
        Basis {
            rows: Vec::new(),
            pivot_row: vec![usize::MAX; dimension],
            dense: vec![0; dimension],
            touched: vec![false; dimension],
        }
    }

    /// `v` reduced to have no pivot index, normalised (empty: `v` is in the span).
    fn reduce(&mut self, v: &[usize]) -> Result<Sparse, Overflow> {
        let mut heap: BinaryHeap<Reverse<usize>> = BinaryHeap::new();
        let mut support: Vec<usize> = Vec::with_capacity(v.len());
        for &k in v {
            if !self.touched[k] {
                self.touched[k] = true;
                support.push(k);
                if self.pivot_row[k] != usize::MAX {
                    heap.push(Reverse(k));
                }
            }
            self.dense[k] += 1;
        }
        while let Some(Reverse(k)) = heap.pop() {
            let x = self.dense[k];
            if x == 0 {
                continue;
            }
            let row = &self.rows[self.pivot_row[k]];
            // v := (a/g)·v − (x/g)·row with g = gcd(a, x): fraction-free with the least scaling
            // (pivots are usually 1, so v is rarely scaled at all).
            let g = gcd(row[0].1, x);
            let (a, x) = (row[0].1 / g, x / g);
            if a != 1 {
                for &i in &support {
                    self.dense[i] = mul(self.dense[i], a)?;
                }
            }
            for &(i, y) in row {
                self.dense[i] = sub(self.dense[i], mul(x, y)?)?;
                if !self.touched[i] {
                    self.touched[i] = true;
                    support.push(i);
                    if self.pivot_row[i] != usize::MAX {
                        heap.push(Reverse(i));
                    }
                }
            }
            // Keep intermediate values small: the normal form is defined up to a scalar.
            if a != 1 && support.iter().any(|&i| self.dense[i].abs() > 1 << 60) {
                let g = support.iter().fold(0, |g, &i| gcd(g, self.dense[i]));
                if g > 1 {
                    for &i in &support {
                        self.dense[i] /= g;
                    }
                }
            }
        }
        support.sort_unstable();
        let mut out: Sparse = Vec::new();
        for k in support {
            let x = std::mem::take(&mut self.dense[k]);
            self.touched[k] = false;
            if x != 0 {
                out.push((k, x));
            }
        }
        normalise(&mut out);
        Ok(out)
    }

    /// Add a reduced, non-empty vector.
    fn insert(&mut self, w: Sparse) {
        self.pivot_row[w[0].0] = self.rows.len();
        self.rows.push(w);
    }
}

/// Decide which candidates to publish. `cells[i]` is the set of inner cells summed by cell i;
/// `primary[i]` marks cells that must never be derivable; `order` is the priority order of the
/// candidates (non-primary cells that may be published). Returns `published[i]`.
pub fn secondary_suppression(cells: &[Vec<usize>], primary: &[bool], order: &[usize]) -> Result<Vec<bool>, Overflow> {
    let mut published = vec![false; cells.len()];
    let primaries: Vec<usize> = (0..cells.len()).filter(|&i| primary[i]).collect();
    if primaries.is_empty() {
        // Nothing to protect (large releases often have no small cell): publish every candidate
        // without building the basis.
        for &c in order {
            published[c] = true;
        }
        return Ok(published);
    }
    let dimension = cells.iter().flatten().max().map_or(0, |m| m + 1);
    let mut basis = Basis::new(dimension);
    // Residuals of the primary cells against the basis, and per index the residuals that
    // (may) hold it; entries go stale when a coefficient cancels and are checked on use.
    let mut residuals: Vec<Sparse> = primaries
        .iter()
        .map(|&i| {
            let mut v: Sparse = cells[i].iter().map(|&k| (k, 1)).collect();
            v.sort_unstable();
            v.dedup_by_key(|e| e.0);
            v
        })
        .collect();
    let mut holding: Vec<Vec<usize>> = vec![Vec::new(); dimension];
    for (r, v) in residuals.iter().enumerate() {
        for &(k, _) in v {
            holding[k].push(r);
        }
    }
    for &c in order {
        if primary[c] {
            continue;
        }
        let w = basis.reduce(&cells[c])?;
        if w.is_empty() {
            // Already implied by what is published: publishing it reveals nothing new.
            published[c] = true;
            continue;
        }
        let p = w[0].0;
        let mut touched = std::mem::take(&mut holding[p]);
        touched.sort_unstable();
        touched.dedup();
        touched.retain(|&r| coefficient(&residuals[r], p) != 0);
        if touched.iter().any(|&r| residuals[r] == w) {
            holding[p] = touched;
            continue;
        }
        for &r in &touched {
            let x = coefficient(&residuals[r], p);
            let reduced = combine(&residuals[r], w[0].1, &w, x)?;
            for &(k, _) in &reduced {
                if coefficient(&residuals[r], k) == 0 {
                    holding[k].push(r);
                }
            }
            residuals[r] = reduced;
        }
        // No residual holds the new pivot any more.
        basis.insert(w);
        published[c] = true;
    }
    Ok(published)
}

/// Whether cell `target` is a linear combination of the published cells (exact test).
pub fn derivable(cells: &[Vec<usize>], published: &[bool], target: usize) -> Result<bool, Overflow> {
    let dimension = cells.iter().flatten().max().map_or(0, |m| m + 1);
    let mut basis = Basis::new(dimension);
    for (i, cell) in cells.iter().enumerate() {
        if published[i] {
            let w = basis.reduce(cell)?;
            if !w.is_empty() {
                basis.insert(w);
            }
        }
    }
    Ok(basis.reduce(&cells[target])?.is_empty())
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let big: Sparse = vec![(0, i128::MAX / 2 + 1), (1, 1)];
        let one: Sparse = vec![(0, 1), (2, 1)];
        assert_eq!(combine(&big, 2, &one, 1), Err(Overflow));
        assert_eq!(combine(&one, 1, &one, 1), Ok(Vec::new()));
        assert!(Overflow.to_string().contains("hypercube"));
    }

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
        let published = secondary_suppression(&cells, &primary, &order).unwrap();
        assert!(published[4] && published[5] && published[6] && published[7] && published[8]);
        assert_eq!(published[..4], [false, false, false, false]);
        assert!(!derivable(&cells, &published, 0).unwrap());
    }

    #[test]
    fn never_publishes_a_derivable_primary() {
        let cells = two_by_two();
        for p in 0..9 {
            let mut primary = vec![false; 9];
            primary[p] = true;
            let order: Vec<usize> = (0..9).rev().collect();
            let published = secondary_suppression(&cells, &primary, &order).unwrap();
            assert!(!derivable(&cells, &published, p).unwrap(), "primary {p}");
        }
    }

    /// Rank of a set of 0/1 rows by dense elimination over the rationals (fraction-free, i128),
    /// written independently of the sparse elimination above.
    fn rank(rows: &[Vec<usize>], dimension: usize) -> usize {
        let mut m: Vec<Vec<i128>> = rows
            .iter()
            .map(|r| {
                let mut v = vec![0i128; dimension];
                for &k in r {
                    v[k] = 1;
                }
                v
            })
            .collect();
        let mut rank = 0;
        for col in 0..dimension {
            let Some(p) = (rank..m.len()).find(|&i| m[i][col] != 0) else { continue };
            m.swap(rank, p);
            for i in 0..m.len() {
                if i != rank && m[i][col] != 0 {
                    let (a, b) = (m[rank][col], m[i][col]);
                    for k in 0..dimension {
                        m[i][k] = a * m[i][k] - b * m[rank][k];
                    }
                    let g = m[i].iter().fold(0, |g, x| gcd(g, *x));
                    if g > 1 {
                        m[i].iter_mut().for_each(|x| *x /= g);
                    }
                }
            }
            rank += 1;
        }
        rank
    }

    #[test]
    fn random_tables_are_safe_and_maximal_by_an_independent_rank_test() {
        let mut rng = crate::stats::rng::Rng::new(5);
        for case in 0..60 {
            // A rows x cols table with margins and a few random groups of inner cells.
            let (rows, cols) = (2 + rng.below(3) as usize, 2 + rng.below(4) as usize);
            let n = rows * cols;
            let mut cells: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
            cells.extend((0..rows).map(|r| (0..cols).map(|c| r * cols + c).collect()));
            cells.extend((0..cols).map(|c| (0..rows).map(|r| r * cols + c).collect()));
            cells.push((0..n).collect());
            for _ in 0..2 {
                let mut group: Vec<usize> = (0..n).filter(|_| rng.bernoulli(0.4)).collect();
                group.dedup();
                if group.len() > 1 {
                    cells.push(group);
                }
            }
            let primary: Vec<bool> = (0..cells.len()).map(|i| i < n && rng.bernoulli(0.25)).collect();
            let mut order: Vec<usize> = (0..cells.len()).filter(|&i| !primary[i]).collect();
            let ties: Vec<u64> = (0..cells.len()).map(|_| rng.below(1000)).collect();
            order.sort_by_key(|&i| (std::cmp::Reverse(cells[i].len()), ties[i], i));
            let published = secondary_suppression(&cells, &primary, &order).unwrap();
            let open: Vec<Vec<usize>> = (0..cells.len()).filter(|&i| published[i]).map(|i| cells[i].clone()).collect();
            let base = rank(&open, n);
            let in_span = |extra: &[Vec<usize>], target: &Vec<usize>| {
                let mut with: Vec<Vec<usize>> = open.iter().chain(extra).cloned().collect();
                let r = rank(&with, n);
                with.push(target.clone());
                rank(&with, n) == r
            };
            for p in (0..cells.len()).filter(|&i| primary[i]) {
                assert!(!in_span(&[], &cells[p]), "case {case}: primary {p} is derivable");
            }
            // Maximal: every withheld candidate would expose some primary if published.
            for c in order.iter().copied().filter(|&c| !published[c]) {
                let exposes = (0..cells.len()).filter(|&i| primary[i]).any(|p| in_span(&[cells[c].clone()], &cells[p]));
                assert!(exposes, "case {case}: candidate {c} was withheld needlessly");
            }
            assert_eq!(base, rank(&open, n));
        }
    }
}
