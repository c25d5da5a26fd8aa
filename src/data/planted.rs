//! Binary data with $k$ planted modes of chosen strengths: the covariance has $k$ known strong
//! directions, so the outliers an RBM should grow, and their order, are known in advance.
//!
//! # Model
//! Each visible unit $i$ carries a code $c_i \in \{0, \dots, 2^k - 1\}$ and the patterns are
//! $\eta_{ia} = +1$ if bit $a$ of $c_i$ is 1, else $-1$. A sample draws $z_a = \pm1$ uniformly
//! and independently, then sets, independently over units,
//! $$v_i \sim \mathrm{Bernoulli}\big(p_i(z)\big),\qquad
//!   p_i(z) = \mathrm{sigm}\Big(\sum_a \beta_a z_a \eta_{ia}\Big)$$
//! ({0,1} encoding; ±1 data are $s = 2v - 1$). Codes are dealt round-robin over the $2^k$ codes
//! and the units then randomly permuted: when $N$ is a multiple of $2^k$ every code occurs
//! $N/2^k$ times, so the patterns are balanced ($\sum_i \eta_{ia} = 0$) and exactly orthogonal, as
//! are all their products $\eta_S = \prod_{a\in S}\eta_a$ (Walsh functions). Otherwise they are
//! only nearly so.
//!
//! # Covariance (exact)
//! $p_i(z)$ depends on $z$ and $c_i$ only through $x = y \oplus c_i$ ($y$ the bits of $z$), as
//! $g(x) = \mathrm{sigm}(\sum_a \beta_a (1 - 2x_a))$. With the Walsh coefficients
//! $\hat g_S = 2^{-k}\sum_x g(x)\chi_S(x)$, $\chi_S(x) = \prod_{a\in S}(1 - 2x_a)$:
//! $$\mathrm{Cov}(v_i, v_j) = \sum_{S\ne\emptyset} \hat g_S^2\, \eta_{iS}\eta_{jS}\ (i \ne j),\qquad
//!   \mathrm{Var}\, v_i = E[p] - E[p]^2 = \tfrac14 .$$
//! Under $z \to -z$, $g \to 1 - g$, so $\hat g_S = 0$ for even $|S| > 0$ and $E[p] = \hat g_\emptyset
//! = \frac12$ exactly (no mean mode). Hence, for $N$ a multiple of $2^k$,
//! $$C = E[p(1-p)]\,I + \sum_{|S|\ \rm odd} \hat g_S^2\, \eta_S\eta_S^\top,$$
//! with eigenvectors $\eta_S/\sqrt N$ and eigenvalues $E[p(1-p)] + N\hat g_S^2$. For small
//! $\beta$, $\hat g_a \approx \beta_a/4$ while $\hat g_{abc} \approx -\beta_a\beta_b\beta_c/8$, so
//! the leading directions are the patterns $\eta_a/\sqrt N$ with variance growing with $\beta_a$;
//! triple products come with much smaller eigenvalues. [`PlantedModes::population_covariance`]
//! computes $C$ by enumerating the $2^k$ states, without assuming any of this.
//!
//! # Linear RBM theory
//! A {0,1} RBM at the symmetric point grows mode $a$ iff the data variance along it exceeds
//! $\frac14$, at rate $(4\lambda_a - 1)/16$ (`theory/spectral.md`):
//! [`PlantedModes::mode_variances`] and [`PlantedModes::linear_growth_rates`] help to choose
//! strengths. Example: $N = 64$, $\beta = (1.2, 0.8, 0.5)$ gives $\lambda = (3.61, 1.40, 0.64)$,
//! the triple product 0.235 and the rest $E[p(1-p)] = 0.169$.

use crate::data::Encoding;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector, SymmetricEigen};
use rand::seq::SliceRandom;
use rand::Rng;

/// Planted-mode data: patterns $\eta$ (`k × N`, ±1) and strengths $\beta_a$ (module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct PlantedModes {
    /// $\eta_{ai}$, `k × N`.
    patterns: DMatrix<f64>,
    /// $\beta_a \ge 0$, in the order given.
    strengths: Vec<f64>,
    /// $c_i$: bit $a$ is 1 iff $\eta_{ai} = +1$.
    codes: Vec<usize>,
}

impl PlantedModes {
    /// Most modes: the enumeration covers $2^k$ states.
    pub const MAX_MODES: usize = 16;

    /// Most visible units for [`PlantedModes::expected_modes`] (a dense symmetric
    /// eigendecomposition, $O(N^3)$).
    pub const MAX_EIGEN_VISIBLE: usize = 4096;

    /// $k$ = `strengths.len()` patterns over `n_visible` units, codes dealt round-robin then
    /// shuffled with `rng`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `n_visible = 0` (`n_visible`), no strengths or more than
    /// [`PlantedModes::MAX_MODES`] (`strengths`), or a strength that is negative or not finite
    /// (`strength`; $\beta_a < 0$ is the same model as $-\beta_a$ by $z_a \to -z_a$).
    pub fn new<R: Rng + ?Sized>(n_visible: usize, strengths: &[f64], rng: &mut R) -> Result<Self> {
        if n_visible == 0 {
            return Err(Error::invalid("n_visible", 0, "must be at least 1"));
        }
        let k = strengths.len();
        if k == 0 || k > Self::MAX_MODES {
            return Err(Error::invalid(
                "strengths",
                format!("{k} values"),
                format!("need 1 to {} modes", Self::MAX_MODES),
            ));
        }
        if let Some(&bad) = strengths.iter().find(|b| !(b.is_finite() && **b >= 0.0)) {
            return Err(Error::invalid(
                "strength",
                bad,
                "must be finite and ≥ 0 (−β is the same model as β)",
            ));
        }
        let states = 1usize << k;
        let mut codes: Vec<usize> = (0..n_visible).map(|i| i % states).collect();
        codes.shuffle(rng);
        let patterns = DMatrix::from_fn(k, n_visible, |a, i| {
            if codes[i] >> a & 1 == 1 {
                1.0
            } else {
                -1.0
            }
        });
        Ok(PlantedModes {
            patterns,
            strengths: strengths.to_vec(),
            codes,
        })
    }

    /// $N$.
    pub fn n_visible(&self) -> usize {
        self.codes.len()
    }

    /// $k$.
    pub fn n_modes(&self) -> usize {
        self.strengths.len()
    }

    /// $\beta_a$, in the order given.
    pub fn strengths(&self) -> &[f64] {
        &self.strengths
    }

    /// $\eta$, `k × N`, entries ±1.
    pub fn patterns(&self) -> &DMatrix<f64> {
        &self.patterns
    }

    /// The unit directions $\eta_a/\sqrt N$ as columns, `N × k`.
    pub fn directions(&self) -> DMatrix<f64> {
        self.patterns.transpose() / (self.n_visible() as f64).sqrt()
    }

    /// $g(x) = \mathrm{sigm}(\sum_a \beta_a(1 - 2x_a))$ for $x = 0, \dots, 2^k - 1$: the on
    /// probability of a unit whose code differs from the state $y$ by $x = y \oplus c$.
    fn on_probabilities(&self) -> Vec<f64> {
        (0..1usize << self.n_modes())
            .map(|x| {
                let field: f64 = self
                    .strengths
                    .iter()
                    .enumerate()
                    .map(|(a, b)| if x >> a & 1 == 1 { -b } else { *b })
                    .sum();
                1.0 / (1.0 + (-field).exp())
            })
            .collect()
    }

    /// `m` samples, one per row (`m × N`), in `encoding` (module docs for the model).
    pub fn sample<R: Rng + ?Sized>(
        &self,
        m: usize,
        encoding: Encoding,
        rng: &mut R,
    ) -> DMatrix<f64> {
        let g = self.on_probabilities();
        let (off, on) = encoding.levels();
        let mut out = DMatrix::from_element(m, self.n_visible(), off);
        for r in 0..m {
            let y = rng.random_range(0..g.len());
            for (i, &c) in self.codes.iter().enumerate() {
                if rng.random::<f64>() < g[y ^ c] {
                    out[(r, i)] = on;
                }
            }
        }
        out
    }

    /// $\langle v_i\rangle = 2^{-k}\sum_z p_i(z)$ ({0,1}; ±1: $2\langle v\rangle - 1$). It is $\frac12$ for every unit
    /// (module docs); computed by enumeration.
    pub fn population_mean(&self) -> DVector<f64> {
        let g = self.on_probabilities();
        let mean = g.iter().sum::<f64>() / g.len() as f64;
        DVector::from_element(self.n_visible(), mean)
    }

    /// The exact covariance of $v$ ({0,1}; ±1 data: $4C$), `N × N`, by enumerating the $2^k$
    /// states: $C_{ij} = \langle p_i p_j\rangle_z - \langle p_i\rangle\langle p_j\rangle$ for
    /// $i \ne j$, $C_{ii} = \langle p_i\rangle - \langle p_i\rangle^2$. Since
    /// $p_i(z) = g(y \oplus c_i)$, $\langle p_ip_j\rangle_z = A(c_i \oplus c_j)$ with the
    /// autocorrelation $A(d) = 2^{-k}\sum_x g(x) g(x \oplus d) = 4^{-k}\,H\big((Hg)^2\big)(d)$,
    /// $H$ the Walsh–Hadamard transform ($O(k2^k)$ instead of $4^k$ products; same sum).
    pub fn population_covariance(&self) -> DMatrix<f64> {
        let g = self.on_probabilities();
        let states = g.len() as f64;
        let mean = g.iter().sum::<f64>() / states;
        let mut correlation = g;
        walsh_hadamard(&mut correlation);
        correlation.iter_mut().for_each(|x| *x *= *x);
        walsh_hadamard(&mut correlation);
        correlation.iter_mut().for_each(|x| *x /= states * states);
        let c = &self.codes;
        DMatrix::from_fn(self.n_visible(), self.n_visible(), |i, j| {
            if i == j {
                mean - mean * mean
            } else {
                correlation[c[i] ^ c[j]] - mean * mean
            }
        })
    }

    /// The top $k$ eigenvalues (descending) of [`PlantedModes::population_covariance`] and their
    /// unit eigenvectors as columns (`N × k`), each signed so that its largest-magnitude entry
    /// is positive. For $N$ a multiple of $2^k$ these are $\pm\eta_a/\sqrt N$ with eigenvalues
    /// $E[p(1-p)] + N\hat g_a^2$, provided no triple product outranks a pattern (module docs).
    ///
    /// # Errors
    /// [`Error::Unsupported`] above [`PlantedModes::MAX_EIGEN_VISIBLE`] units.
    pub fn expected_modes(&self) -> Result<(Vec<f64>, DMatrix<f64>)> {
        let n = self.n_visible();
        if n > Self::MAX_EIGEN_VISIBLE {
            return Err(Error::Unsupported(format!(
                "dense eigendecomposition of a {n}×{n} covariance (at most {})",
                Self::MAX_EIGEN_VISIBLE
            )));
        }
        let eigen = SymmetricEigen::new(self.population_covariance());
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let top: Vec<usize> = order.into_iter().take(self.n_modes().min(n)).collect();
        let values = top.iter().map(|&t| eigen.eigenvalues[t]).collect();
        let mut vectors = eigen.eigenvectors.select_columns(&top);
        for mut column in vectors.column_iter_mut() {
            let peak = column.iamax();
            if column[peak] < 0.0 {
                column.neg_mut();
            }
        }
        Ok((values, vectors))
    }

    /// $\lambda_a = d_a^\top C d_a$, the {0,1} data variance along $d_a = \eta_a/\sqrt N$
    /// (exact). A {0,1} RBM grows mode $a$ in the linear regime iff $\lambda_a > \frac14$.
    pub fn mode_variances(&self) -> Vec<f64> {
        let d = self.directions();
        let cd = self.population_covariance() * &d;
        (0..self.n_modes())
            .map(|a| d.column(a).dot(&cd.column(a)))
            .collect()
    }

    /// $(4\lambda_a - 1)/16$: the linear-regime growth rate $\dot\sigma_a/\sigma_a$ of a {0,1} RBM
    /// at the symmetric point (`theory/spectral.md`); negative means the mode decays.
    pub fn linear_growth_rates(&self) -> Vec<f64> {
        self.mode_variances()
            .into_iter()
            .map(|l| (4.0 * l - 1.0) / 16.0)
            .collect()
    }
}

/// In-place unnormalised Walsh–Hadamard transform, $(Hv)(w) = \sum_x v(x)(-1)^{w\cdot x}$, of a
/// vector of length $2^k$ (butterflies over each bit).
fn walsh_hadamard(values: &mut [f64]) {
    let mut half = 1;
    while half < values.len() {
        for block in values.chunks_mut(2 * half) {
            let (left, right) = block.split_at_mut(half);
            for (x, y) in left.iter_mut().zip(right.iter_mut()) {
                let (a, b) = (*x, *y);
                *x = a + b;
                *y = a - b;
            }
        }
        half *= 2;
    }
}
