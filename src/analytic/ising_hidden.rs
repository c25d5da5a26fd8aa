//! The Curie–Weiss teacher learnt by an RBM with $N_h = \alpha N$ binary (±1) hidden units
//! (the talk's "binary-binary" case; derivation in `notes/analytic-models.md`, all **derived**).
//!
//! # Conventions
//! ±1 visible $s$ and hidden $\tau$, $E(s,\tau) = -s^\top W\tau$, zero fields. Teacher as in
//! [`super::curie_weiss`]: $p_{CW}(s) \propto e^{\frac{\beta}{2N}(\xi\cdot s)^2}$, $M = \xi\cdot s$.
//! Learning time $t = N\eta\times$updates (the clock of the Gaussian-hidden comparison). The
//! state is the vector of projections $p_a = \hat\xi\cdot W_{\cdot a}$, $\hat\xi = \xi/\sqrt N$,
//! of the hidden units' weight vectors on the pattern; for a rank-one $W = \hat\xi p^\top$ the top
//! singular value is $\sigma_1 = \|p\|$ and the ±1 learning threshold is $\|p\| = 1$.
//!
//! # Reduced exact dynamics
//! The marginal of a rank-one model, $p(s) \propto \prod_a \cosh(p_a M/\sqrt N)$, depends on $s$
//! only through $M$, like the teacher; given $M$ both put a uniformly random set of
//! $(N+M)/2$ sites on $\xi_i s_i = +1$, so $E[s_i\mid M] = \xi_i M/N$. Hence the gradient
//! $\langle s_i\tanh(W_{\cdot a}\cdot s)\rangle_{\rm data} - \langle s_i\tau_a\rangle_{\rm model}$
//! is parallel to $\xi$: the ansatz $W = \hat\xi p^\top$ is preserved, and exactly at finite $N$
//! $$\dot p_a = \frac{1}{\sqrt N}\Big(E_\beta\big[\tfrac MN\tanh\tfrac{p_aM}{\sqrt N}\big] -
//!   E_p\big[\tfrac MN\tanh\tfrac{p_aM}{\sqrt N}\big]\Big),$$
//! with $P_p(M) \propto \binom{N}{(N+M)/2}\prod_b\cosh(p_bM/\sqrt N)$.
//! Linearised: $\dot p = g\,p$, $g = c_N(N-1)/N$ (the rate of `theory/spectral.md`).
//! Large $N$, paramagnetic model ($\|p\| < 1$): with $y_a = \sqrt N p_a$ the data term is
//! $m_\beta\tanh(m_\beta y_a)$ and the model term is $O(1/N)$, so $\dot y_a = m\tanh(m y_a)$:
//! $\sinh(m y_a(t)) = \sinh(m y_a(0))\,e^{m^2 t}$ ([`saturating_projection`]): exponential
//! growth while $m|y_a| \ll 1$, then linear ($\dot y_a = \pm m$). Every hidden unit saturates
//! at $|p_a| \approx 1/(m\sqrt N)$, i.e. at $\sigma_1 \approx \sqrt\alpha/m$, before the threshold
//! when $\alpha < m^2$.
//!
//! # Fixed point
//! Large $N$, ordered model of magnetisation $\mu$: $\mathrm{atanh}\,\mu = \alpha\langle y
//! \tanh(y\mu)\rangle_a$; stationarity $m_\beta\tanh(m_\beta y_a) = \mu\tanh(\mu y_a)$ for every
//! $a$ gives $\mu = m_\beta$, i.e. one condition $\alpha\langle y\tanh(m_\beta y)\rangle_a =
//! \beta m_\beta$ on all $y_a$ (a manifold of fixed points). With equal weights
//! $y_a = y^*$: $\sigma_1^* = \sqrt\alpha\,y^*$ ([`equal_weights_fixed_point_large_n`]);
//! $\sigma_1^* \to \beta m_\beta/\sqrt\alpha$ for $\alpha \to 0$ and $\to\sqrt\beta$ for
//! $\alpha \to \infty$. At finite $N$ equal weights are an exact stationary point of the
//! reduced flow ([`equal_weights_fixed_point`]).

use super::curie_weiss::{magnetization, CurieWeiss};
use super::AnalyticModel;
use crate::error::{Error, Result};
use nalgebra::DVector;
use roots::{find_root_brent, SimpleConvergency};

/// $\ln\cosh x$ without overflow.
fn ln_cosh(x: f64) -> f64 {
    let a = x.abs();
    a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2
}

/// The exact finite-$N$ reduced flow of the projections $p_a$ (module docs).
#[derive(Clone, Debug)]
pub struct IsingHiddenRankOne {
    n: usize,
    beta: f64,
    /// $p(0)$.
    pub p0: Vec<f64>,
    /// $(M, \ln\binom{N}{(N+M)/2}, P_\beta(M))$.
    table: Vec<(f64, f64, f64)>,
}

impl IsingHiddenRankOne {
    /// The flow for a teacher of size `n` at `beta`, from projections `p0` ($N_h$ = its length).
    ///
    /// # Errors
    /// `n < 2`, empty or non-finite `p0`, bad `beta`.
    pub fn new(n: usize, beta: f64, p0: Vec<f64>) -> Result<Self> {
        if n < 2 {
            return Err(Error::invalid("n", n, "must be at least 2"));
        }
        if p0.is_empty() || p0.iter().any(|x| !x.is_finite()) {
            return Err(Error::invalid(
                "p0",
                format!("{} entries", p0.len()),
                "must be non-empty and finite",
            ));
        }
        let cw = CurieWeiss::new(n, beta)?;
        let table = cw
            .law()
            .iter()
            .map(|&(m, p)| {
                let k = ((m + n as i64) / 2) as u64;
                (
                    m as f64,
                    statrs::function::factorial::ln_binomial(n as u64, k),
                    p,
                )
            })
            .collect();
        Ok(IsingHiddenRankOne { n, beta, p0, table })
    }

    /// Visible units $N$.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Teacher inverse temperature.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The linear-regime growth rate $g = c_N(N-1)/N$ of every $p_a$.
    pub fn linear_rate(&self) -> f64 {
        let nf = self.n as f64;
        let m2: f64 = self.table.iter().map(|&(m, _, p)| p * m * m).sum();
        (m2 - nf) / (nf * nf)
    }

    /// The model's law of $M$ at projections `p`, as probabilities aligned with the table.
    fn model_law(&self, p: &[f64]) -> Vec<f64> {
        let sq = (self.n as f64).sqrt();
        let logs: Vec<f64> = self
            .table
            .iter()
            .map(|&(m, lb, _)| lb + p.iter().map(|&pa| ln_cosh(pa * m / sq)).sum::<f64>())
            .collect();
        let lse = crate::stats::log_sum_exp(&logs);
        logs.iter().map(|l| (l - lse).exp()).collect()
    }

    /// $\dot p$ at `p` (module docs), written into `dp`.
    pub fn velocity(&self, p: &[f64], dp: &mut [f64]) {
        let nf = self.n as f64;
        let sq = nf.sqrt();
        let model = self.model_law(p);
        for (d, &pa) in dp.iter_mut().zip(p) {
            let mut acc = 0.0;
            for (&(m, _, pb), &pm) in self.table.iter().zip(&model) {
                acc += (pb - pm) * (m / nf) * (pa * m / sq).tanh();
            }
            *d = acc / sq;
        }
    }

    /// The model's $\chi = \langle M^2\rangle_p/N$ (susceptibility along $\xi$).
    pub fn susceptibility(&self, p: &[f64]) -> f64 {
        let model = self.model_law(p);
        self.table
            .iter()
            .zip(&model)
            .map(|(&(m, _, _), &pm)| pm * m * m)
            .sum::<f64>()
            / self.n as f64
    }
}

impl AnalyticModel for IsingHiddenRankOne {
    fn name(&self) -> &'static str {
        "cw-ising-hidden-rank-one"
    }
    fn initial_state(&self) -> DVector<f64> {
        DVector::from_column_slice(&self.p0)
    }
    fn rhs(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        self.velocity(y.as_slice(), dy.as_mut_slice());
    }
}

/// Large-$N$ paramagnetic-phase solution $y(t)$ of $\dot y = m\tanh(my)$:
/// $y(t) = \operatorname{asinh}(\sinh(m y_0)\,e^{m^2t})/m$ ($y = \sqrt N p$; module docs).
pub fn saturating_projection(y0: f64, m: f64, t: f64) -> f64 {
    if m == 0.0 {
        return y0;
    }
    // asinh(sinh(x) e^{s}) without overflow for large s: ln(2 sinh|x|) + s when that is large
    let x = m * y0;
    let s = m * m * t;
    let log_arg = x.abs().sinh().ln() + s;
    let out = if log_arg > 30.0 {
        log_arg + std::f64::consts::LN_2
    } else {
        log_arg.exp().asinh()
    };
    out.copysign(y0) / m
}

/// The equal-weights fixed point at large $N$: $\sigma_1^* = \sqrt\alpha\,y^*$ with
/// $\alpha y^*\tanh(m_\beta y^*) = \beta m_\beta$ (Brent, to $10^{-14}$).
///
/// # Errors
/// `alpha` not positive, `beta` ≤ 1 (no ordered teacher).
pub fn equal_weights_fixed_point_large_n(alpha: f64, beta: f64) -> Result<f64> {
    if !(alpha > 0.0 && alpha.is_finite()) {
        return Err(Error::invalid("alpha", alpha, "must be positive"));
    }
    let m = magnetization(beta)?;
    if m == 0.0 {
        return Err(Error::invalid(
            "beta",
            beta,
            "must exceed 1 (ordered teacher)",
        ));
    }
    let target = beta * m / alpha;
    // y tanh(m y) increases from 0 and exceeds `target` at y = target / tanh(m target) + 1
    let f = |y: f64| y * (m * y).tanh() - target;
    let hi = target / (m * target).tanh() + 1.0;
    let mut conv = SimpleConvergency {
        eps: 1e-14,
        max_iter: 200,
    };
    let y = find_root_brent(0.0, hi, f, &mut conv)
        .map_err(|e| Error::NonFinite(format!("equal-weights fixed point: {e:?}")))?;
    Ok(alpha.sqrt() * y)
}

/// The equal-weights stationary point of the finite-$N$ flow with `hidden` units: the root
/// $p^* > 1/\sqrt{N_h}$ of $\dot p_a(p, \dots, p) = 0$; returns $\sigma_1^* = \sqrt{N_h}\,p^*$.
///
/// # Errors
/// Bad sizes or `beta`; no sign change on the bracket $(1/\sqrt{N_h}, 20]$ (teacher not
/// ordered at this $N$).
pub fn equal_weights_fixed_point(n: usize, hidden: usize, beta: f64) -> Result<f64> {
    if hidden == 0 {
        return Err(Error::invalid("hidden", 0, "must be at least 1"));
    }
    let flow = IsingHiddenRankOne::new(n, beta, vec![0.0; hidden])?;
    let mut dp = vec![0.0; hidden];
    let mut f = |p: f64| {
        flow.velocity(&vec![p; hidden], &mut dp);
        dp[0]
    };
    let lo = 1.0 / (hidden as f64).sqrt();
    let hi = 20.0;
    if !(f(lo) > 0.0 && f(hi) < 0.0) {
        return Err(Error::invalid(
            "beta",
            beta,
            "no equal-weights fixed point above the threshold at this N",
        ));
    }
    let mut conv = SimpleConvergency {
        eps: 1e-13,
        max_iter: 200,
    };
    let p = find_root_brent(lo, hi, &mut f, &mut conv)
        .map_err(|e| Error::NonFinite(format!("equal-weights fixed point: {e:?}")))?;
    Ok((hidden as f64).sqrt() * p)
}

/// First time a sampled curve `values` (at `times`) reaches `level` from below, by linear
/// interpolation of the logarithm between samples; `None` if it never does.
pub fn log_crossing(times: &[f64], values: &[f64], level: f64) -> Option<f64> {
    (1..times.len().min(values.len())).find_map(|k| {
        (values[k - 1] < level && values[k] >= level && values[k - 1] > 0.0).then(|| {
            let (a, b) = (values[k - 1].ln(), values[k].ln());
            times[k - 1] + (times[k] - times[k - 1]) * (level.ln() - a) / (b - a)
        })
    })
}

#[cfg(test)]
mod tests;
