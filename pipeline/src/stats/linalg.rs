//! Small dense linear algebra for model fitting (at most a few hundred rows, tens of columns).
//!
//! Owns: dense linear algebra for the GLM. May not touch: anything else.

/// A dense row-major matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Matrix {
        Matrix { rows, cols, data: vec![0.0; rows * cols] }
    }

    /// Build from rows.
    pub fn from_rows(rows: &[Vec<f64>]) -> Matrix {
        let cols = rows.first().map_or(0, Vec::len);
        let mut m = Matrix::zeros(rows.len(), cols);
        for (i, row) in rows.iter().enumerate() {
            m.data[i * cols..(i + 1) * cols].copy_from_slice(row);
        }
        m
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Element (i, j).
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// Set element (i, j).
    pub fn set(&mut self, i: usize, j: usize, value: f64) {
        self.data[i * self.cols + j] = value;
    }

    /// Row i.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// The column rank, by Gaussian elimination with partial pivoting.
    pub fn rank(&self) -> usize {
        let mut a = self.clone();
        let scale = a.data.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
        let tolerance = 1e-9 * scale * (a.rows.max(a.cols) as f64);
        let mut rank = 0;
        for col in 0..a.cols {
            if rank == a.rows {
                break;
            }
            let pivot = (rank..a.rows).max_by(|&x, &y| a.get(x, col).abs().total_cmp(&a.get(y, col).abs()));
            let Some(pivot) = pivot else { break };
            if a.get(pivot, col).abs() <= tolerance {
                continue;
            }
            for j in 0..a.cols {
                let (p, r) = (a.get(pivot, j), a.get(rank, j));
                a.set(pivot, j, r);
                a.set(rank, j, p);
            }
            for i in rank + 1..a.rows {
                let factor = a.get(i, col) / a.get(rank, col);
                if factor != 0.0 {
                    for j in col..a.cols {
                        let v = a.get(i, j) - factor * a.get(rank, j);
                        a.set(i, j, v);
                    }
                }
            }
            rank += 1;
        }
        rank
    }
}

/// Cholesky factor L (lower triangular) of a symmetric positive definite matrix, or `None` when
/// the matrix is not numerically positive definite.
pub fn cholesky(a: &Matrix) -> Option<Matrix> {
    let n = a.rows();
    let mut l = Matrix::zeros(n, n);
    let scale = (0..n).map(|i| a.get(i, i).abs()).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
    for j in 0..n {
        let mut d = a.get(j, j);
        for k in 0..j {
            d -= l.get(j, k) * l.get(j, k);
        }
        if d <= 1e-13 * scale {
            return None;
        }
        let d = d.sqrt();
        l.set(j, j, d);
        for i in j + 1..n {
            let mut s = a.get(i, j);
            for k in 0..j {
                s -= l.get(i, k) * l.get(j, k);
            }
            l.set(i, j, s / d);
        }
    }
    Some(l)
}

/// Solve L Lᵀ x = b given the Cholesky factor L.
pub fn cholesky_solve(l: &Matrix, b: &[f64]) -> Vec<f64> {
    let n = l.rows();
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l.get(i, k) * y[k];
        }
        y[i] = s / l.get(i, i);
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= l.get(k, i) * x[k];
        }
        x[i] = s / l.get(i, i);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_and_rank() {
        let a = Matrix::from_rows(&[vec![4.0, 2.0], vec![2.0, 3.0]]);
        let l = cholesky(&a).unwrap();
        let x = cholesky_solve(&l, &[2.0, 1.0]);
        assert!((4.0 * x[0] + 2.0 * x[1] - 2.0).abs() < 1e-12);
        assert!((2.0 * x[0] + 3.0 * x[1] - 1.0).abs() < 1e-12);
        assert_eq!(a.rank(), 2);
        let singular = Matrix::from_rows(&[vec![1.0, 2.0, 3.0], vec![2.0, 4.0, 6.0]]);
        assert_eq!(singular.rank(), 1);
        assert!(cholesky(&Matrix::from_rows(&[vec![1.0, 1.0], vec![1.0, 1.0]])).is_none());
    }
}
