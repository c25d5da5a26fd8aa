//! The exact block-Gibbs kernel of the Gaussian-hidden RBM with $w = \sqrt q\,\xi$, as a Markov
//! chain on $M = \xi\cdot s \in \{-N, -N+2, \dots, N\}$ (`theory/finite-size-scaling.md`,
//! prediction 3).
//!
//! # Formula
//! One sweep: $\tau \mid s \sim \mathcal N(\sqrt q\,M/N, 1/N)$, then $s_i \mid \tau$ independent
//! with mean $\tanh(w_i\tau)$, so the number $k'$ of sites with $\xi_is_i = +1$ is
//! $\mathrm{Binomial}(N, p(\tau))$, $p = (1 + \tanh\sqrt q\tau)/2$, and $M' = 2k' - N$:
//! $$K(M \to M') = \int d\tau\,\mathcal N(\tau; \sqrt q M/N, 1/N)\,
//!   \binom{N}{k'}\frac{e^{\sqrt q\tau M'}}{(2\cosh\sqrt q\tau)^N}.$$
//! The chain is reversible for $\pi = P(M)$ (the Curie–Weiss law at $\beta = q$), and with the
//! joint $p(k,\tau) = \binom Nk e^{\sqrt q\tau M - N\tau^2/2}/Z_{\rm joint}$,
//! $Z_{\rm joint} = \sqrt{2\pi/N}\sum_k\binom Nk e^{qM^2/(2N)}$, the symmetrised kernel
//! $S = D^{1/2}KD^{-1/2}$ ($D = \mathrm{diag}\,\pi$) is
//! $$S_{kk'} = \int d\tau\,\frac{p(k,\tau)P(k'\mid\tau)}{\sqrt{\pi_k\pi_{k'}}} = (BB^\top)_{kk'},
//! \quad B_{kj} = \sqrt{h\,g_j}\,\frac{\binom Nk e^{\sqrt q\tau_jM_k}}{\sqrt{\pi_k}},
//! \quad g_j = \frac{e^{-N\tau_j^2/2}}{Z_{\rm joint}(2\cosh\sqrt q\tau_j)^N},$$
//! on a uniform $\tau$ grid $\tau_j$ of step $h$ (trapezoid rule on $\mathbb R$). $S$ is then
//! symmetric and positive semi-definite by construction; every factor is formed in logs, so the
//! whole $(N+1)$-state chain is kept even where $\pi_k$ underflows.
//!
//! # Quadrature error
//! For fixed $(k,k')$ the integrand is a bump in $\tau$ of width at least $1/\sqrt{N(1+q)}$;
//! the step is $h = 0.1/\sqrt N$, so the trapezoid error is of order
//! $e^{-2\pi^2(\text{width}/h)^2} < e^{-900}$, and the grid reaches $12/\sqrt N$ beyond
//! $|\tau| = \sqrt q$ (Gaussian tails $e^{-72}$). In practice round-off ($\sim10^{-14}$) dominates;
//! a unit test checks that halving $h$ changes $\lambda_2$ and $\tau_{\rm int}$ by less than
//! $10^{-12}$.

use crate::error::{Error, Result};
use crate::linalg::{matmul, symmetric_eigen, Op};
use nalgebra::DMatrix;
use statrs::function::factorial::ln_binomial;

/// $\tau$-grid step in units of $1/\sqrt N$ (see "Quadrature error").
pub const TAU_STEP: f64 = 0.1;
/// Grid margin beyond $|\tau| = \sqrt q$, in units of $1/\sqrt N$.
const TAU_MARGIN: f64 = 12.0;

/// The exact kernel on $M$, stored in symmetrised form $S = D^{1/2}KD^{-1/2}$.
#[derive(Clone, Debug)]
pub struct GibbsKernelOnM {
    n: usize,
    coupling: f64,
    /// $\ln\pi_k$, $k = 0..=N$ ($M = 2k - N$).
    log_law: Vec<f64>,
    symmetric: DMatrix<f64>,
}

impl GibbsKernelOnM {
    /// The kernel at size `n` and coupling `coupling` $= q$, with the default step [`TAU_STEP`].
    ///
    /// # Errors
    /// `n == 0`; `coupling` negative or not finite.
    pub fn new(n: usize, coupling: f64) -> Result<Self> {
        Self::with_step(n, coupling, TAU_STEP)
    }

    /// As [`GibbsKernelOnM::new`] with the $\tau$ step `step`$/\sqrt N$.
    ///
    /// # Errors
    /// As [`GibbsKernelOnM::new`]; `step` not in $(0, 1]$.
    pub fn with_step(n: usize, coupling: f64, step: f64) -> Result<Self> {
        super::check_size_and_coupling(n, coupling)?;
        if !(step > 0.0 && step <= 1.0) {
            return Err(Error::invalid("step", step, "must be in (0, 1]"));
        }
        let nf = n as f64;
        let sq = coupling.sqrt();
        let overlaps: Vec<f64> = (0..=n).map(|k| 2.0 * k as f64 - nf).collect();
        let log_binom: Vec<f64> = (0..=n).map(|k| ln_binomial(n as u64, k as u64)).collect();
        let log_weights: Vec<f64> = overlaps
            .iter()
            .zip(&log_binom)
            .map(|(m, lb)| lb + coupling * m * m / (2.0 * nf))
            .collect();
        let log_z = crate::stats::log_sum_exp(&log_weights);
        let log_law: Vec<f64> = log_weights.iter().map(|l| l - log_z).collect();
        let log_z_joint = 0.5 * (2.0 * std::f64::consts::PI / nf).ln() + log_z;
        let h = step / nf.sqrt();
        let half = sq + TAU_MARGIN / nf.sqrt();
        let points = (2.0 * half / h).ceil() as usize + 1;
        let taus: Vec<f64> = (0..points).map(|j| -half + h * j as f64).collect();
        // ½ ln(h g_j), with ln 2cosh x = |x| + ln(1 + e^{-2|x|})
        let half_log_g: Vec<f64> = taus
            .iter()
            .map(|&t| {
                let x = (sq * t).abs();
                let ln2cosh = x + (-2.0 * x).exp().ln_1p();
                0.5 * (h.ln() - nf * t * t / 2.0 - log_z_joint - nf * ln2cosh)
            })
            .collect();
        let b = DMatrix::from_fn(n + 1, points, |k, j| {
            (half_log_g[j] + log_binom[k] + sq * taus[j] * overlaps[k] - 0.5 * log_law[k]).exp()
        });
        let mut symmetric = matmul(b.as_view(), Op::N, b.as_view(), Op::T);
        // exact symmetry (GEMM round-off may differ between the triangles)
        for i in 0..=n {
            for j in 0..i {
                let s = 0.5 * (symmetric[(i, j)] + symmetric[(j, i)]);
                symmetric[(i, j)] = s;
                symmetric[(j, i)] = s;
            }
        }
        if symmetric.iter().any(|x| !x.is_finite()) {
            return Err(Error::NonFinite(format!(
                "Gibbs kernel on M at N = {n}, q = {coupling}"
            )));
        }
        Ok(GibbsKernelOnM {
            n,
            coupling,
            log_law,
            symmetric,
        })
    }

    /// $N$.
    pub fn n(&self) -> usize {
        self.n
    }

    /// $q$.
    pub fn coupling(&self) -> f64 {
        self.coupling
    }

    /// The exact stationary law $\pi_k = P(M = 2k - N)$.
    pub fn stationary_law(&self) -> Vec<f64> {
        self.log_law.iter().map(|l| l.exp()).collect()
    }

    /// The symmetrised kernel $S = D^{1/2}KD^{-1/2}$.
    pub fn symmetric(&self) -> &DMatrix<f64> {
        &self.symmetric
    }

    /// $K(k \to k') = S_{kk'}\sqrt{\pi_{k'}/\pi_k}$, indices $k = (M + N)/2$.
    pub fn transition(&self, from: usize, to: usize) -> f64 {
        self.symmetric[(from, to)] * (0.5 * (self.log_law[to] - self.log_law[from])).exp()
    }

    /// The spectral decomposition of $S$ (faer, dense).
    ///
    /// # Errors
    /// The eigen-decomposition failing.
    pub fn spectrum(&self) -> Result<KernelSpectrum> {
        let (eigenvalues, eigenvectors) = symmetric_eigen(&self.symmetric)?;
        Ok(KernelSpectrum {
            n: self.n,
            sqrt_law: self.log_law.iter().map(|l| (0.5 * l).exp()).collect(),
            eigenvalues,
            eigenvectors,
        })
    }
}

/// Eigenvalues (descending) and orthonormal eigenvectors of the symmetrised kernel; the first is
/// $\lambda_1 = 1$ with eigenvector $\sqrt\pi$.
#[derive(Clone, Debug)]
pub struct KernelSpectrum {
    n: usize,
    sqrt_law: Vec<f64>,
    /// Eigenvalues of $S$ (= of $K$), descending.
    pub eigenvalues: Vec<f64>,
    /// Eigenvectors of $S$ as columns.
    pub eigenvectors: DMatrix<f64>,
}

impl KernelSpectrum {
    /// $\lambda_2$: the eigenvalue of largest modulus after $\lambda_1 = 1$ (all are $\ge 0$ up
    /// to round-off: $S = BB^\top$).
    pub fn second_eigenvalue(&self) -> f64 {
        let tail = &self.eigenvalues[1..];
        tail.iter()
            .copied()
            .fold(0.0, |a: f64, b| if b.abs() > a.abs() { b } else { a })
    }

    /// $\tau_{\rm exp} = -1/\ln|\lambda_2|$ (sweeps).
    pub fn exponential_time(&self) -> f64 {
        -1.0 / self.second_eigenvalue().abs().ln()
    }

    /// Spectral weights $c_\alpha^2$ ($\alpha \ge 2$) of the observable $f(M)$:
    /// $c_\alpha = \sum_k u_{k\alpha}\sqrt{\pi_k}(f(M_k) - \bar f)$.
    fn weights(&self, f: &impl Fn(f64) -> f64) -> Vec<f64> {
        let n = self.n as f64;
        let vals: Vec<f64> = (0..=self.n).map(|k| f(2.0 * k as f64 - n)).collect();
        let mean: f64 = vals
            .iter()
            .zip(&self.sqrt_law)
            .map(|(v, s)| v * s * s)
            .sum();
        let v: Vec<f64> = vals
            .iter()
            .zip(&self.sqrt_law)
            .map(|(x, s)| s * (x - mean))
            .collect();
        (1..=self.n)
            .map(|a| {
                let c: f64 = self
                    .eigenvectors
                    .column(a)
                    .iter()
                    .zip(&v)
                    .map(|(u, x)| u * x)
                    .sum();
                c * c
            })
            .collect()
    }

    /// Normalised autocorrelation $\rho_f(t) = \sum_\alpha c_\alpha^2\lambda_\alpha^t /
    /// \sum_\alpha c_\alpha^2$ of $f(M)$ at lag `t` sweeps, in equilibrium.
    pub fn autocorrelation(&self, f: impl Fn(f64) -> f64, t: u32) -> f64 {
        let w = self.weights(&f);
        let total: f64 = w.iter().sum();
        w.iter()
            .zip(&self.eigenvalues[1..])
            .map(|(c, l)| c * l.powi(t as i32))
            .sum::<f64>()
            / total
    }

    /// Integrated autocorrelation time (Sokal) $\tau_{\rm int}(f) = \frac12 + \sum_{t\ge1}
    /// \rho_f(t) = \sum_\alpha c_\alpha^2\frac{1+\lambda_\alpha}{2(1-\lambda_\alpha)} /
    /// \sum_\alpha c_\alpha^2$.
    pub fn integrated_time(&self, f: impl Fn(f64) -> f64) -> f64 {
        let w = self.weights(&f);
        let total: f64 = w.iter().sum();
        w.iter()
            .zip(&self.eigenvalues[1..])
            .map(|(c, l)| c * (1.0 + l) / (2.0 * (1.0 - l)))
            .sum::<f64>()
            / total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Halving the τ step must leave the spectrum unchanged to round-off (the trapezoid error is
    /// below e^{-900}; eigen-solver round-off on a 257-state matrix ~1e-14).
    const QUADRATURE_TOL: f64 = 1e-12;

    #[test]
    fn halving_the_tau_step_changes_nothing() {
        let a = GibbsKernelOnM::new(256, 1.0).unwrap().spectrum().unwrap();
        let b = GibbsKernelOnM::with_step(256, 1.0, TAU_STEP / 2.0)
            .unwrap()
            .spectrum()
            .unwrap();
        assert!((a.second_eigenvalue() - b.second_eigenvalue()).abs() < QUADRATURE_TOL);
        let (ta, tb) = (a.integrated_time(|m| m), b.integrated_time(|m| m));
        assert!((ta - tb).abs() < QUADRATURE_TOL * ta, "{ta} {tb}");
    }

    #[test]
    fn kernel_rows_are_stochastic_and_q_zero_mixes_in_one_sweep() {
        let k = GibbsKernelOnM::new(20, 0.7).unwrap();
        for i in 0..=20 {
            let row: f64 = (0..=20).map(|j| k.transition(i, j)).sum();
            assert!((row - 1.0).abs() < 1e-12, "row {i}: {row}");
        }
        // q = 0: s' independent of s, K(M → ·) = binomial law, λ₂ = 0
        let s = GibbsKernelOnM::new(20, 0.0).unwrap().spectrum().unwrap();
        assert!(s.second_eigenvalue().abs() < 1e-12);
        assert!(GibbsKernelOnM::new(0, 1.0).is_err());
        assert!(GibbsKernelOnM::with_step(4, 1.0, 0.0).is_err());
    }
}
