//! Exact finite-size-scaling references of the Curie–Weiss / Gaussian-hidden toy model
//! (`theory/finite-size-scaling.md` predictions 1, 2, 3, 5; `theory/curie-weiss-gaussian-hidden.md`).
//!
//! # Conventions
//! The student with one Gaussian hidden unit and $w = \sqrt q\,\xi$ has exactly the Curie–Weiss
//! law at $\beta = q$: $P(M) \propto \binom{N}{(N+M)/2} e^{qM^2/(2N)}$, $M = \xi\cdot s$,
//! $m = M/N$ ([`super::curie_weiss::CurieWeiss`]). Susceptibilities along $\xi$:
//! non-connected $\chi = N\langle m^2\rangle$, connected $\chi^c = N(\langle m^2\rangle -
//! \langle|m|\rangle^2)$. Critical point $q_c = 1$; scaling variables $x = N^{1/4}m$,
//! $u = (q-1)N^{1/2}$, scaling law $P(x) \propto e^{ux^2/2 - x^4/12}$ ([`ScalingFunction`]).
//!
//! * statics: [`OverlapMoments`], [`connected_peak`], [`ScalingFunction`] (this file);
//! * the exact block-Gibbs kernel on $M$ and its spectrum: [`kernel`];
//! * a fast simulator of that chain: [`chain`].

pub mod chain;
pub mod ising_hidden;
pub mod kernel;

use super::curie_weiss::CurieWeiss;
use crate::error::{Error, Result};
use argmin::core::{CostFunction, Executor, State};
use argmin::solver::brent::BrentOpt;

/// $\sqrt{12}\,\Gamma(3/4)/\Gamma(1/4)$: $\lim_N N\langle m^2\rangle/\sqrt N$ at $q = 1$
/// ($= \langle x^2\rangle_{u=0}$).
pub const CRITICAL_AMPLITUDE: f64 = 1.170_829_0;

/// Exact moments of $m = M/N$ at coupling $q$ and size $N$ (from the law of $M$).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OverlapMoments {
    /// $N$.
    pub n: usize,
    /// $q = \|w\|^2/N$ (the Curie–Weiss $\beta$).
    pub coupling: f64,
    /// $\langle m^2\rangle$.
    pub mean_square: f64,
    /// $\langle |m|\rangle$.
    pub mean_abs: f64,
}

impl OverlapMoments {
    /// The exact moments (sums over the $N+1$ values of $M$).
    ///
    /// # Errors
    /// As [`CurieWeiss::new`].
    pub fn new(n: usize, coupling: f64) -> Result<Self> {
        let cw = CurieWeiss::new(n, coupling)?;
        let nf = n as f64;
        Ok(OverlapMoments {
            n,
            coupling,
            mean_square: cw.expectation(|m| (m / nf).powi(2)),
            mean_abs: cw.expectation(|m| (m / nf).abs()),
        })
    }

    /// Non-connected $\chi = N\langle m^2\rangle = \langle M^2\rangle/N$.
    pub fn susceptibility(&self) -> f64 {
        self.n as f64 * self.mean_square
    }

    /// Connected $\chi^c = N(\langle m^2\rangle - \langle|m|\rangle^2)$.
    pub fn connected_susceptibility(&self) -> f64 {
        self.n as f64 * (self.mean_square - self.mean_abs * self.mean_abs)
    }
}

/// A maximum of a function of one variable: where and how high.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Peak {
    /// The maximiser.
    pub location: f64,
    /// The maximum.
    pub height: f64,
}

/// Relative tolerance of [`maximize`] on the abscissa: Brent's $\sqrt{\epsilon_{\rm mach}}$
/// (the value near a smooth maximum is then exact to $\epsilon_{\rm mach}$).
const BRENT_RELATIVE_TOL: f64 = 1.5e-8;
/// Absolute tolerance of [`maximize`] on the abscissa.
const BRENT_ABSOLUTE_TOL: f64 = 1e-12;

struct Negated<F: Fn(f64) -> f64>(F);

impl<F: Fn(f64) -> f64> CostFunction for Negated<F> {
    type Param = f64;
    type Output = f64;
    fn cost(&self, x: &f64) -> std::result::Result<f64, argmin::core::Error> {
        Ok(-(self.0)(*x))
    }
}

/// Maximises `f` on `[lo, hi]` (which must bracket a single maximum) by Brent's method
/// (argmin's `BrentOpt`).
///
/// # Errors
/// The solver failing or returning no point; a non-finite maximum.
pub fn maximize(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> Result<Peak> {
    let solver = BrentOpt::new(lo, hi).set_tolerance(BRENT_RELATIVE_TOL, BRENT_ABSOLUTE_TOL);
    let res = Executor::new(Negated(f), solver)
        .configure(|s| s.max_iters(500))
        .run()
        .map_err(|e| Error::NonFinite(format!("Brent maximisation on [{lo}, {hi}]: {e}")))?;
    let state = res.state();
    let location = state
        .get_best_param()
        .copied()
        .ok_or_else(|| Error::NonFinite("Brent maximisation returned no point".into()))?;
    let height = -state.get_best_cost();
    if !height.is_finite() {
        return Err(Error::NonFinite(format!("maximum {height} at {location}")));
    }
    Ok(Peak { location, height })
}

/// The exact finite-$N$ peak of the connected susceptibility $\chi^c(q, N)$ over $q$
/// (continuous maximisation, Brent on $q \in [1 - 1/\sqrt N, 1 + 4/\sqrt N]$, which holds the
/// scaling peak $u^* \approx 1.245$ and its finite-$N$ shift).
///
/// # Errors
/// `n < 2`; as [`maximize`].
pub fn connected_peak(n: usize) -> Result<Peak> {
    if n < 2 {
        return Err(Error::invalid("n", n, "must be at least 2"));
    }
    let s = (n as f64).sqrt();
    maximize(
        |q| {
            OverlapMoments::new(n, q)
                .map(|m| m.connected_susceptibility())
                .unwrap_or(f64::NAN)
        },
        (1.0 - 1.0 / s).max(0.0),
        1.0 + 4.0 / s,
    )
}

/// Points of the composite Simpson rule on $[0, L]$ in [`ScalingFunction`]; with the integrand
/// of width $O(1)$ the error is $O(h^4) \approx 10^{-13}$ relative.
const SCALING_INTERVALS: usize = 20_000;

/// The Curie–Weiss finite-size scaling function: $P_u(x) \propto e^{ux^2/2 - x^4/12}$, the
/// $N \to \infty$ law of $x = N^{1/4}m$ at $u = (q-1)\sqrt N$. Then
/// $N\langle m^2\rangle \to \sqrt N\langle x^2\rangle_u$ and
/// $\chi^c \to \sqrt N(\langle x^2\rangle_u - \langle|x|\rangle_u^2)$.
///
/// Moments by composite Simpson quadrature on $[0, L]$ (the law is even),
/// $L = \sqrt{3\max(u,0)} + 8$: beyond the mode $\sqrt{3u}$ the exponent falls by more than
/// $8^4/12 \approx 341$.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScalingFunction;

impl ScalingFunction {
    /// $(\langle x^2\rangle_u, \langle|x|\rangle_u)$.
    pub fn moments(&self, u: f64) -> (f64, f64) {
        let top = if u > 0.0 { 3.0 * u * u / 4.0 } else { 0.0 };
        let upper = (3.0 * u.max(0.0)).sqrt() + 8.0;
        let h = upper / SCALING_INTERVALS as f64;
        let (mut z, mut a1, mut a2) = (0.0, 0.0, 0.0);
        for k in 0..=SCALING_INTERVALS {
            let x = h * k as f64;
            let w = if k == 0 || k == SCALING_INTERVALS {
                1.0
            } else if k % 2 == 1 {
                4.0
            } else {
                2.0
            };
            let p = w * (u * x * x / 2.0 - x.powi(4) / 12.0 - top).exp();
            z += p;
            a1 += p * x;
            a2 += p * x * x;
        }
        (a2 / z, a1 / z)
    }

    /// $\langle x^2\rangle_u$ (the scaling form of $N\langle m^2\rangle/\sqrt N$).
    pub fn susceptibility(&self, u: f64) -> f64 {
        self.moments(u).0
    }

    /// $\langle x^2\rangle_u - \langle|x|\rangle_u^2$ (the scaling form of $\chi^c/\sqrt N$).
    pub fn connected_susceptibility(&self, u: f64) -> f64 {
        let (x2, x1) = self.moments(u);
        x2 - x1 * x1
    }

    /// The peak $(u^*, \max_u)$ of the connected scaling function (Brent on $u \in [0, 4]$).
    ///
    /// # Errors
    /// As [`maximize`].
    pub fn connected_peak(&self) -> Result<Peak> {
        maximize(|u| self.connected_susceptibility(u), 0.0, 4.0)
    }
}

/// The toy model's size and coupling: `n ≥ 1`, `coupling` (q) finite and ≥ 0.
fn check_size_and_coupling(n: usize, coupling: f64) -> Result<()> {
    if n == 0 {
        return Err(Error::invalid("n", 0, "must be at least 1"));
    }
    if !(coupling >= 0.0 && coupling.is_finite()) {
        return Err(Error::invalid(
            "coupling",
            coupling,
            "must be finite and >= 0",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The theory file's values carry 6 decimals: rounding is 5e-7; quadrature and Brent add
    /// below 1e-9.
    const SIX_DIGIT_TOL: f64 = 1e-6;

    #[test]
    fn scaling_function_at_criticality_is_the_gamma_ratio() {
        let f = ScalingFunction;
        // ⟨x²⟩_0 = √12 Γ(3/4)/Γ(1/4) exactly
        let g = statrs::function::gamma::gamma;
        let exact = 12f64.sqrt() * g(0.75) / g(0.25);
        assert!((f.susceptibility(0.0) - exact).abs() < 1e-12);
        assert!((exact - CRITICAL_AMPLITUDE).abs() < SIX_DIGIT_TOL);
        // ⟨|x|⟩_0 = 12^{1/4} Γ(1/2)/Γ(1/4) (substitute y = x⁴/12)
        let abs = 12f64.powf(0.25) * g(0.5) / g(0.25);
        assert!((f.moments(0.0).1 - abs).abs() < 1e-12);
    }

    #[test]
    fn overlap_moments_are_consistent_with_the_law() {
        let m = OverlapMoments::new(100, 1.0).unwrap();
        let cw = CurieWeiss::new(100, 1.0).unwrap();
        assert!((m.susceptibility() - cw.susceptibility()).abs() < 1e-12);
        assert!(m.connected_susceptibility() < m.susceptibility());
        assert!(connected_peak(1).is_err());
    }
}
