//! Two hidden units learning the two-correlated-pattern teacher
//! (`theory/two-correlated-patterns.md`, "Student"; `notes/analytic-models.md`, last section).
//!
//! # Conventions
//! Talk normalisation $W = w/\sqrt N$ (`Nv × 2`), ±1 visible units, zero fields. The hidden
//! units are either Gaussian of precision 1 (prior $e^{-\tau^2/2}$ in $W$ units, i.e.
//! $e^{-N\tau^2/2}$ in the talk's) or ±1. Learning time is the talk's clock:
//! $\dot W = \frac1N\big(\langle s h^\top\rangle_{\rm data} - \langle s h^\top\rangle_{\rm model}\big)$,
//! i.e. $t = N\eta\cdot$updates for SGD with learning rate $\eta$ on $W$.
//!
//! Unit block directions $\hat\eta^1 = (\eta^1, 0)/\sqrt{N_1}$, $\hat\eta^2 = (0,\eta^2)/\sqrt{N_2}$;
//! projections $U^k_b = \hat\eta^k\cdot W_b$ ($W_b$ = column $b$); block overlaps
//! $x_k = \hat\eta^k\cdot s = M_k/\sqrt{N_k}$, $M_k = \eta^k\cdot s$.
//!
//! # Reduced exact flow
//! On the ansatz $W = \hat\eta^1 (U^1)^\top + \hat\eta^2 (U^2)^\top$ the hidden fields are
//! $y_b = W_b\cdot s = U^1_b x_1 + U^2_b x_2$, functions of $(M_1, M_2)$ only. Every term of the
//! gradient is then a sum over the $(N_1+1)(N_2+1)$ values of $(M_1, M_2)$, exactly at finite N:
//! $$\dot U^k_b = \tfrac1N\big(E_{\rm data}[x_k\,\phi'(y_b)] - E_{\rm model}[x_k\,\phi'(y_b)]\big),$$
//! with $\phi(y) = y^2/2$ (Gaussian) or $\ln\cosh y$ (±1), the data law the product of the two
//! Curie–Weiss laws $P_1(M_1)P_2(M_2)$, and the model law
//! $p(M_1,M_2) \propto \binom{N_1}{\frac{N_1+M_1}2}\binom{N_2}{\frac{N_2+M_2}2}e^{\sum_b\phi(y_b)}$.
//! The ansatz is preserved: by exchangeability within a block (gauge $s_i\eta_i$) the data and
//! model gradients are $\propto\eta^k$ on block $k$ (tested against enumeration below).

use super::curie_weiss::CurieWeiss;
use super::two_patterns::TwoPatternTeacher;
use super::AnalyticModel;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use statrs::function::factorial::ln_binomial;

/// The kind of the two hidden units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StudentHidden {
    /// Gaussian of precision 1 ($\phi(y) = y^2/2$).
    Gaussian,
    /// ±1 ($\phi(y) = \ln\cosh y$).
    Ising,
}

impl StudentHidden {
    fn log_partition(self, y: f64) -> f64 {
        match self {
            StudentHidden::Gaussian => 0.5 * y * y,
            StudentHidden::Ising => {
                let a = y.abs();
                a + (-2.0 * a).exp().ln_1p()
            }
        }
    }
    fn mean(self, y: f64) -> f64 {
        match self {
            StudentHidden::Gaussian => y,
            StudentHidden::Ising => y.tanh(),
        }
    }
}

/// The finite-$N$ linear-regime growth rates along $\hat\eta^1$, $\hat\eta^2$:
/// $g_k = (\langle M_k^2\rangle/N_k - 1)/N = (N_k-1)c_{N_k}/N$, the eigenvalues of
/// $(C_{\rm data} - I)/N$ on $\hat\eta^k$ ($c_{N_k}$ the block's off-diagonal correlation). They
/// tend to `two_patterns::growth_rates`, $r^2(1+\kappa)/2$ and $p^2(1-\kappa)/2$, as $N\to\infty$.
pub fn finite_size_rates(teacher: &TwoPatternTeacher) -> (f64, f64) {
    let (b1, b2) = teacher.blocks();
    let n = (b1.n() + b2.n()) as f64;
    let rate = |b: &CurieWeiss| (b.mean_m_squared() / b.n() as f64 - 1.0) / n;
    (rate(b1), rate(b2))
}

/// The linear-regime estimate of a transition time: $\|U^k\|$ grows as $e^{g_k t}$ from
/// $\|U^k(0)\|$ and reaches the threshold 1 ($q = 1$ for Gaussian, $\sigma = 1$ for ±1 hidden
/// units) at $t_k = \ln(1/\|U^k(0)\|)/g_k$.
pub fn linear_transition_time(initial_norm: f64, rate: f64) -> f64 {
    (1.0 / initial_norm).ln() / rate
}

/// The projections $U^k_b = \hat\eta^k\cdot W_b$ of a weight matrix (`N × 2`, talk
/// normalisation), in the state order of [`TwoPatternStudent`]: $(U^1_1, U^1_2, U^2_1, U^2_2)$.
///
/// # Errors
/// `weights` not `N × 2` for the teacher's N.
pub fn projections(teacher: &TwoPatternTeacher, weights: &DMatrix<f64>) -> Result<[f64; 4]> {
    let (n1, n2) = (teacher.eta1.len(), teacher.eta2.len());
    if weights.shape() != (n1 + n2, 2) {
        return Err(Error::shape(
            "two-pattern student weights",
            format!("{}×2", n1 + n2),
            format!("{}×{}", weights.nrows(), weights.ncols()),
        ));
    }
    let proj = |eta: &[f64], off: usize, b: usize| -> f64 {
        eta.iter()
            .enumerate()
            .map(|(i, e)| e * weights[(off + i, b)])
            .sum::<f64>()
            / (eta.len() as f64).sqrt()
    };
    Ok([
        proj(&teacher.eta1, 0, 0),
        proj(&teacher.eta1, 0, 1),
        proj(&teacher.eta2, n1, 0),
        proj(&teacher.eta2, n1, 1),
    ])
}

/// The reduced exact gradient flow of two hidden units on the two-pattern teacher (module
/// docs). State $(U^1_1, U^1_2, U^2_1, U^2_2)$.
#[derive(Clone, Debug)]
pub struct TwoPatternStudent {
    /// Hidden-unit kind.
    pub hidden: StudentHidden,
    /// Initial projections.
    pub u0: [f64; 4],
    n: usize,
    x1: Vec<f64>,
    x2: Vec<f64>,
    log_binomial1: Vec<f64>,
    log_binomial2: Vec<f64>,
    data1: Vec<f64>,
    data2: Vec<f64>,
}

impl TwoPatternStudent {
    /// The flow for `teacher` from projections `u0` (see [`projections`]).
    ///
    /// # Errors
    /// Non-finite `u0`.
    pub fn new(teacher: &TwoPatternTeacher, hidden: StudentHidden, u0: [f64; 4]) -> Result<Self> {
        if u0.iter().any(|u| !u.is_finite()) {
            return Err(Error::invalid("u0", format!("{u0:?}"), "must be finite"));
        }
        let (b1, b2) = teacher.blocks();
        let grid = |b: &CurieWeiss| -> (Vec<f64>, Vec<f64>, Vec<f64>) {
            let nk = b.n();
            let law = b.law();
            (
                law.iter()
                    .map(|&(m, _)| m as f64 / (nk as f64).sqrt())
                    .collect(),
                (0..=nk).map(|k| ln_binomial(nk as u64, k as u64)).collect(),
                law.iter().map(|&(_, p)| p).collect(),
            )
        };
        let (x1, log_binomial1, data1) = grid(b1);
        let (x2, log_binomial2, data2) = grid(b2);
        Ok(TwoPatternStudent {
            hidden,
            u0,
            n: b1.n() + b2.n(),
            x1,
            x2,
            log_binomial1,
            log_binomial2,
            data1,
            data2,
        })
    }

    /// $(E_{\rm data}[x_k\phi'(y_b)], E_{\rm model}[x_k\phi'(y_b)])$ at projections `u`, as
    /// 4-vectors in the state order.
    pub fn phases(&self, u: &[f64]) -> ([f64; 4], [f64; 4]) {
        let h = self.hidden;
        let (n1, n2) = (self.x1.len(), self.x2.len());
        let fields = |i: usize, j: usize| -> (f64, f64) {
            let (a, b) = (self.x1[i], self.x2[j]);
            (u[0] * a + u[2] * b, u[1] * a + u[3] * b)
        };
        let mut log_model = vec![0.0; n1 * n2];
        let mut top = f64::NEG_INFINITY;
        for i in 0..n1 {
            for j in 0..n2 {
                let (y1, y2) = fields(i, j);
                let l = self.log_binomial1[i]
                    + self.log_binomial2[j]
                    + h.log_partition(y1)
                    + h.log_partition(y2);
                log_model[i * n2 + j] = l;
                top = top.max(l);
            }
        }
        let (mut data, mut model, mut norm) = ([0.0; 4], [0.0; 4], 0.0);
        for i in 0..n1 {
            for j in 0..n2 {
                let (y1, y2) = fields(i, j);
                let (m1, m2) = (h.mean(y1), h.mean(y2));
                let (a, b) = (self.x1[i], self.x2[j]);
                let terms = [a * m1, a * m2, b * m1, b * m2];
                let pd = self.data1[i] * self.data2[j];
                let pm = (log_model[i * n2 + j] - top).exp();
                norm += pm;
                for k in 0..4 {
                    data[k] += pd * terms[k];
                    model[k] += pm * terms[k];
                }
            }
        }
        for m in &mut model {
            *m /= norm;
        }
        (data, model)
    }
}

impl AnalyticModel for TwoPatternStudent {
    fn name(&self) -> &'static str {
        "two-patterns-student"
    }
    fn initial_state(&self) -> DVector<f64> {
        DVector::from_column_slice(&self.u0)
    }
    fn rhs(&self, _t: f64, u: &DVector<f64>, du: &mut DVector<f64>) {
        let (data, model) = self.phases(u.as_slice());
        for k in 0..4 {
            du[k] = (data[k] - model[k]) / self.n as f64;
        }
    }
    fn state_names(&self) -> Vec<String> {
        ["U1_1", "U1_2", "U2_1", "U2_2"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rbm::Rbm;
    use crate::sampling::exact::exact_moments;
    use crate::units::{Gaussian, Ising, UnitKind};

    /// Exact sums over ≤ 2⁸ states on both sides; only round-off remains.
    const ENUMERATION_TOL: f64 = 1e-10;

    fn brute_force_check<H: UnitKind>(hidden: H, kind: StudentHidden) {
        let (beta, kappa) = (2.5, 0.5);
        let (eta1, eta2) = (vec![1.0, -1.0, 1.0, 1.0, -1.0, 1.0], vec![-1.0, 1.0]);
        let teacher = TwoPatternTeacher::new(beta, kappa, eta1.clone(), eta2.clone()).unwrap();
        let n = 8;
        let u = [0.7, -0.4, 0.3, 0.9];
        let mut w = DMatrix::zeros(n, 2);
        for b in 0..2 {
            for (i, e) in eta1.iter().enumerate() {
                w[(i, b)] = u[b] * e / 6f64.sqrt();
            }
            for (i, e) in eta2.iter().enumerate() {
                w[(6 + i, b)] = u[2 + b] * e / 2f64.sqrt();
            }
        }
        assert_eq!(
            projections(&teacher, &w).unwrap().map(|x| x as f32),
            u.map(|x| x as f32)
        );
        // teacher by enumeration: p(s) ∝ exp(β/(2N) Σ_a (ξ^a·s)²)
        let (xi1, xi2) = teacher.patterns();
        let states: Vec<Vec<f64>> = (0..1u32 << n)
            .map(|c| {
                (0..n)
                    .map(|i| if c >> i & 1 == 1 { 1.0 } else { -1.0 })
                    .collect()
            })
            .collect();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let weights: Vec<f64> = states
            .iter()
            .map(|s| {
                (beta / (2.0 * n as f64) * (dot(&xi1, s).powi(2) + dot(&xi2, s).powi(2))).exp()
            })
            .collect();
        let z: f64 = weights.iter().sum();
        let mut data = DMatrix::zeros(n, 2);
        for (s, p) in states.iter().zip(&weights) {
            for b in 0..2 {
                let y: f64 = (0..n).map(|i| w[(i, b)] * s[i]).sum();
                for i in 0..n {
                    data[(i, b)] += p / z * s[i] * hidden.mean(y);
                }
            }
        }
        let rbm = Rbm::new(
            w.clone(),
            DVector::zeros(n),
            DVector::zeros(2),
            Ising,
            hidden,
        )
        .unwrap();
        let model = exact_moments(&rbm).unwrap().correlation;
        let grad = (&data - &model) / n as f64;
        let flow = TwoPatternStudent::new(&teacher, kind, u).unwrap();
        let mut du = DVector::zeros(4);
        flow.rhs(0.0, &DVector::from_column_slice(&u), &mut du);
        let projected = projections(&teacher, &grad).unwrap();
        for k in 0..4 {
            assert!(
                (projected[k] - du[k]).abs() < ENUMERATION_TOL,
                "{kind:?} component {k}: enumeration {} vs reduced {}",
                projected[k],
                du[k]
            );
        }
        // the ansatz is preserved: the gradient has no component outside span{η̂¹, η̂²}
        let mut back = DMatrix::zeros(n, 2);
        for b in 0..2 {
            for (i, e) in eta1.iter().enumerate() {
                back[(i, b)] = projected[b] * e / 6f64.sqrt();
            }
            for (i, e) in eta2.iter().enumerate() {
                back[(6 + i, b)] = projected[2 + b] * e / 2f64.sqrt();
            }
        }
        assert!((&grad - back).amax() < ENUMERATION_TOL);
    }

    #[test]
    fn reduced_flow_equals_the_enumerated_gradient() {
        brute_force_check(Gaussian::unit(), StudentHidden::Gaussian);
        brute_force_check(Ising, StudentHidden::Ising);
    }

    #[test]
    fn linear_rates_are_the_initial_slopes_and_tend_to_the_large_n_rates() {
        // at U → 0 the flow is U̇ᵏ = gₖ Uᵏ, gₖ = (⟨Mₖ²⟩/Nₖ − 1)/N
        let mk = |n: usize| {
            let eta = |len| vec![1.0; len];
            TwoPatternTeacher::new(2.5, 0.5, eta(3 * n / 4), eta(n / 4)).unwrap()
        };
        let teacher = mk(100);
        let (g1, g2) = finite_size_rates(&teacher);
        for kind in [StudentHidden::Gaussian, StudentHidden::Ising] {
            let u = [1e-6, -2e-6, 3e-6, 1e-6];
            let flow = TwoPatternStudent::new(&teacher, kind, u).unwrap();
            let mut du = DVector::zeros(4);
            flow.rhs(0.0, &DVector::from_column_slice(&u), &mut du);
            for k in 0..4 {
                let g = if k < 2 { g1 } else { g2 };
                // O(U²) corrections: relative 1e-10 or so
                assert!((du[k] / u[k] / g - 1.0).abs() < 1e-8, "{kind:?} {k}");
            }
        }
        // large N: the finite-N rates approach r²(1+κ)/2 = 0.748329 and p²(1−κ)/2 = 0.126171
        let (g1, g2) = finite_size_rates(&mk(20_000));
        assert!((g1 / 0.748329 - 1.0).abs() < 1e-3, "{g1}");
        assert!((g2 / 0.126171 - 1.0).abs() < 0.01, "{g2}");
    }
}
