//! A small, fully specified random generator (used by the sample generator and the bootstrap) (xoshiro256**, seeded by SplitMix64), so a seed
//! gives the same sample on every platform and with every dependency version.
//!
//! Owns: the seeded random generator. May not touch: anything else.

/// xoshiro256** generator.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// Seed the generator (SplitMix64 expansion of the seed).
    pub fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng { s: [next(), next(), next(), next()] }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// true with probability p.
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Poisson with a small mean (Knuth's method).
    pub fn poisson(&mut self, mean: f64) -> u64 {
        let limit = (-mean).exp();
        let mut k = 0;
        let mut p = self.uniform();
        while p > limit {
            k += 1;
            p *= self.uniform();
        }
        k
    }

    /// Gamma with shape `shape` ≥ 1 and scale 1 (Marsaglia and Tsang 2000).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = 1.0 - self.uniform();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }

    /// Binomial with `n` trials of probability `p`, exactly, in O(log n) steps: while n is large,
    /// the middle order statistic X of n uniforms is drawn as a beta variate (two gammas); the
    /// uniforms below p are then those below X counted among the smaller half, or all of the
    /// smaller half and those below p among the larger (Knuth, TAOCP 3.4.1).
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        let (mut n, mut p, mut count) = (n, p, 0);
        while n > 64 {
            if p <= 0.0 {
                return count;
            }
            if p >= 1.0 {
                return count + n;
            }
            let a = n / 2 + 1;
            let b = n + 1 - a;
            let ga = self.gamma(a as f64);
            let x = ga / (ga + self.gamma(b as f64));
            if x >= p {
                n = a - 1;
                p /= x;
            } else {
                count += a;
                n = b - 1;
                p = (p - x) / (1.0 - x);
            }
        }
        count + (0..n).filter(|_| self.bernoulli(p)).count() as u64
    }

    /// Multinomial counts of `n` draws over cells with probabilities proportional to `weights`
    /// (conditional binomials, cell by cell).
    pub fn multinomial(&mut self, n: u64, weights: &[f64]) -> Vec<u64> {
        let mut left_weight: f64 = weights.iter().sum();
        let mut left = n;
        let mut out = Vec::with_capacity(weights.len());
        // The last cell with weight takes what is left, whatever rounding did to the sums.
        let last = weights.iter().rposition(|&w| w > 0.0);
        for (i, &w) in weights.iter().enumerate() {
            let k = if left == 0 || w <= 0.0 {
                0
            } else if Some(i) == last || w >= left_weight {
                left
            } else {
                self.binomial(left, w / left_weight)
            };
            out.push(k);
            left -= k;
            left_weight -= w;
        }
        out
    }

    /// Index drawn with probability proportional to `weights`.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut target = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            if target < *w {
                return i;
            }
            target -= w;
        }
        weights.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_and_seed_sensitive() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(1);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(1);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(2);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn moments_are_plausible() {
        let mut r = Rng::new(7);
        let n = 200_000;
        let mean_u: f64 = (0..n).map(|_| r.uniform()).sum::<f64>() / f64::from(n);
        let mean_p: f64 = (0..n).map(|_| r.poisson(1.5) as f64).sum::<f64>() / f64::from(n);
        let mean_z: f64 = (0..n).map(|_| r.normal()).sum::<f64>() / f64::from(n);
        assert!((mean_u - 0.5).abs() < 0.005, "{mean_u}");
        assert!((mean_p - 1.5).abs() < 0.02, "{mean_p}");
        assert!(mean_z.abs() < 0.01, "{mean_z}");
    }

    #[test]
    fn binomial_has_the_binomial_mean_and_variance_small_and_large() {
        let mut r = Rng::new(11);
        for (n, p) in [(10u64, 0.3), (1_000, 0.02), (1_000_000, 0.37)] {
            let draws: Vec<f64> = (0..20_000).map(|_| r.binomial(n, p) as f64).collect();
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (draws.len() - 1) as f64;
            let (m, v) = (n as f64 * p, n as f64 * p * (1.0 - p));
            // Standard errors of the mean and variance over 20,000 draws are below 1% and 2%.
            assert!((mean - m).abs() < 4.0 * (v / 20_000.0).sqrt(), "n={n} p={p}: mean {mean} vs {m}");
            assert!((var / v - 1.0).abs() < 0.05, "n={n} p={p}: variance {var} vs {v}");
        }
    }

    #[test]
    fn multinomial_keeps_the_total_and_empty_cells() {
        let mut r = Rng::new(3);
        let w = [5.0, 0.0, 3.0, 2.0];
        for _ in 0..100 {
            let k = r.multinomial(1_000, &w);
            assert_eq!(k.iter().sum::<u64>(), 1_000);
            assert_eq!(k[1], 0);
        }
        // Fractional weights whose running sums round: every draw still lands somewhere.
        let w = [0.1, 0.2, 0.3, 1e-17, 0.0];
        for _ in 0..100 {
            let k = r.multinomial(777, &w);
            assert_eq!(k.iter().sum::<u64>(), 777);
            assert_eq!(k[4], 0);
        }
    }
}
