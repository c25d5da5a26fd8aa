//! Unit kinds: a unit is described entirely as a function of its local field.
//!
//! # Conventions
//! A unit with state $s$ and local field $x$ has conditional law
//! $p(s \mid x) \propto e^{x s - U(s)}$, where $U$ is the self-energy ($0$ for discrete units,
//! $c s^2/2$ for Gaussian units of precision $c$). Its log-partition is
//! $\phi(x) = \ln \sum_s e^{x s - U(s)}$ (an integral for continuous units), its mean
//! $\phi'(x)$ and its variance $\phi''(x)$.
//!
//! | kind | states | mean | $\phi(x)$ |
//! |---|---|---|---|
//! | [`Binary`] | {0,1} | $\mathrm{sigm}(x)$ | $\ln(1+e^x)$ |
//! | [`Ising`] | ±1 | $\tanh x$ | $\ln(2\cosh x)$ |
//! | [`Gaussian`] | ℝ | $x/c$ | $x^2/(2c) + \tfrac12\ln(2\pi/c)$ |

mod binary;
mod gaussian;
mod ising;

pub use binary::Binary;
pub use gaussian::Gaussian;
pub use ising::Ising;

use crate::error::{Error, Result};
use crate::linalg::simd::{self, Kernel};
use crate::linalg::Float;
use rand::Rng;
use std::fmt::Debug;

/// A kind of unit (binary, Ising, Gaussian), as a function of its local field.
pub trait UnitKind: Clone + Send + Sync + Debug + 'static {
    /// The name used in model files: `"binary"`, `"ising"` or `"gaussian"`.
    fn name(&self) -> &'static str;
    /// $\langle s\rangle = \phi'(x)$ at local field $x$.
    fn mean<T: Float>(&self, field: T) -> T;
    /// $\mathrm{Var}(s) = \phi''(x)$.
    fn variance<T: Float>(&self, field: T) -> T;
    /// $\phi(x) = \ln\sum_s e^{xs - U(s)}$, numerically stable for $|x|$ up to the float's range.
    fn log_partition<T: Float>(&self, field: T) -> T;
    /// A draw of $s \sim p(s \mid x)$, from one uniform (discrete) or one normal (Gaussian).
    fn sample<T: Float, R: Rng + ?Sized>(&self, field: T, rng: &mut R) -> T;
    /// `acc[k] += φ(fields[k])` for every k (sums of log-partitions in exact enumeration and free
    /// energies); [`AnyUnit`] dispatches once per slice, so the loop can vectorise.
    fn add_log_partitions<T: Float>(&self, fields: &[T], acc: &mut [T]) {
        for (a, &x) in acc.iter_mut().zip(fields) {
            *a += self.log_partition(x);
        }
    }
    /// Replaces each local field in `xs` by the unit's mean there. Implementations may use
    /// [`Float::fast_exp`] (2 ulp) so that the loop vectorises; [`AnyUnit`] dispatches once.
    fn mean_in_place<T: Float>(&self, xs: &mut [T]) {
        for x in xs.iter_mut() {
            *x = self.mean(*x);
        }
    }
    /// Draws `out[k]` $\sim p(s \mid x_k)$ for every `fields[k]`, in order (one uniform or
    /// normal draw each, as [`UnitKind::sample`]). Implementations may specialise the loop;
    /// [`AnyUnit`] dispatches once per slice instead of once per entry.
    fn sample_slice<T: Float, R: Rng + ?Sized>(&self, fields: &[T], out: &mut [T], rng: &mut R) {
        for (o, &x) in out.iter_mut().zip(fields) {
            *o = self.sample(x, rng);
        }
    }
    /// The self-energy $U(s)$ entering $E(v,h)$.
    fn self_energy(&self, state: f64) -> f64;
    /// The two states of a discrete unit (low, high), or `None` for a continuous one.
    fn discrete_states(&self) -> Option<[f64; 2]>;
    /// Whether `state` is a possible state of this unit.
    #[allow(clippy::float_cmp)] // states hold exactly the two unit values
    fn admits(&self, state: f64) -> bool {
        match self.discrete_states() {
            Some([lo, hi]) => state == lo || state == hi,
            None => state.is_finite(),
        }
    }
    /// The unit as the runtime enum [`AnyUnit`].
    fn to_any(&self) -> AnyUnit;
}

/// Entries whose uniforms are drawn together (stack buffer size).
const SAMPLE_BLOCK: usize = 64;

/// Draws two-state units: `out[k]` is 1 if $u_k < \mathrm{sigm}(c\,x_k)$, else `low`, with
/// $c$ = `scale` (1 for {0,1} units with `low` = 0; 2 for ±1 units with `low` = −1).
///
/// Uniforms come from [`Float::fill_uniform`] in blocks; probabilities use [`Float::fast_exp`]
/// and the outcome a select, so the arithmetic vectorises. On x86-64 CPUs with AVX2 the same
/// code runs compiled for AVX2 (chosen at run time; no fused multiply-adds are introduced, so
/// the numbers do not depend on the path).
pub(crate) fn sample_two_state<T: Float, R: Rng + ?Sized>(
    fields: &[T],
    out: &mut [T],
    rng: &mut R,
    scale: T,
    low: T,
) {
    let mut u = [T::zero(); SAMPLE_BLOCK];
    for (o, f) in out
        .chunks_mut(SAMPLE_BLOCK)
        .zip(fields.chunks(SAMPLE_BLOCK))
    {
        let u = &mut u[..o.len()];
        T::fill_uniform(rng, u);
        simd::run_avx2(TwoState {
            fields: f,
            u,
            out: o,
            scale,
            low,
        });
    }
}

/// The arguments of [`two_state_block`], to be compiled for AVX2 by `simd::run_avx2`.
struct TwoState<'a, T> {
    fields: &'a [T],
    u: &'a [T],
    out: &'a mut [T],
    scale: T,
    low: T,
}

impl<T: Float> Kernel for TwoState<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        two_state_block(self.fields, self.u, self.out, self.scale, self.low);
    }
}

#[inline(always)]
fn two_state_block<T: Float>(fields: &[T], u: &[T], out: &mut [T], scale: T, low: T) {
    for ((o, &x), &u) in out.iter_mut().zip(fields).zip(u) {
        let p = T::one() / (T::one() + (-(scale * x)).fast_exp());
        // A select, not a branch: the outcome is unpredictable by design.
        *o = T::choose(u < p, T::one(), low);
    }
}

/// `acc[k] += f(fields[k])` for a branch-free `f`, 4 independent entries per step (more
/// instruction-level parallelism for long polynomial chains), compiled for AVX2 when the CPU has
/// it (chosen at run time; no fused multiply-adds are introduced, so results do not depend on
/// the path).
#[inline(always)]
pub(crate) fn add_mapped<T: Float>(fields: &[T], acc: &mut [T], f: impl Fn(T) -> T + Copy) {
    #[inline(always)]
    fn kernel<T: Float>(fields: &[T], acc: &mut [T], f: impl Fn(T) -> T + Copy) {
        let mut a4 = acc.chunks_exact_mut(4);
        let mut f4 = fields.chunks_exact(4);
        for (a, x) in (&mut a4).zip(&mut f4) {
            a[0] += f(x[0]);
            a[1] += f(x[1]);
            a[2] += f(x[2]);
            a[3] += f(x[3]);
        }
        for (a, &x) in a4.into_remainder().iter_mut().zip(f4.remainder()) {
            *a += f(x);
        }
    }
    /// The arguments of `kernel`, to be compiled for AVX2 by `simd::run_avx2`.
    struct AddMapped<'a, T, F> {
        fields: &'a [T],
        acc: &'a mut [T],
        f: F,
    }
    impl<T: Float, F: Fn(T) -> T + Copy> Kernel for AddMapped<'_, T, F> {
        type Output = ();
        #[inline(always)]
        fn run(self) {
            kernel(self.fields, self.acc, self.f);
        }
    }
    simd::run_avx2(AddMapped { fields, acc, f });
}

/// Stable $\ln(1+e^x) = \max(x,0) + \ln(1+e^{-|x|})$, branch-free through
/// [`Float::fast_exp`] and [`Float::fast_ln_1p`] (a few ulp; loops over it vectorise).
#[inline(always)]
pub fn softplus<T: Float>(x: T) -> T {
    let zero = T::zero();
    let m = if x > zero { x } else { zero };
    m + (-x.abs()).fast_exp().fast_ln_1p()
}

/// Stable logistic function $1/(1+e^{-x})$: finite and in the closed unit interval for every finite $x$.
#[inline(always)]
pub fn sigmoid<T: Float>(x: T) -> T {
    T::one() / (T::one() + (-x).exp())
}

/// Stable $\ln(2\cosh x) = |x| + \ln(1+e^{-2|x|})$, through the fast branch-free functions
/// as [`softplus`].
#[inline(always)]
pub fn log_two_cosh<T: Float>(x: T) -> T {
    let a = x.abs();
    a + (-(a + a)).fast_exp().fast_ln_1p()
}

/// A unit kind chosen at run time (model files, CLI): dispatches to the concrete kinds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyUnit {
    /// {0,1} units.
    Binary,
    /// ±1 units.
    Ising,
    /// Gaussian units of the given precision.
    Gaussian(Gaussian),
}

impl AnyUnit {
    /// Parses a model-file name: `binary`, `ising` (alias `spin`) or `gaussian` (precision 1).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `parameter` for any other name.
    pub fn parse(name: &str, parameter: &'static str) -> Result<Self> {
        match name.trim() {
            "binary" | "bernoulli" => Ok(AnyUnit::Binary),
            "ising" | "spin" => Ok(AnyUnit::Ising),
            "gaussian" => Ok(AnyUnit::Gaussian(Gaussian::unit())),
            other => Err(Error::invalid(
                parameter,
                format!("'{other}'"),
                "unknown unit type; expected one of binary, ising, gaussian",
            )),
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $u:ident => $e:expr) => {
        match $self {
            AnyUnit::Binary => {
                let $u = Binary;
                $e
            }
            AnyUnit::Ising => {
                let $u = Ising;
                $e
            }
            AnyUnit::Gaussian(g) => {
                let $u = *g;
                $e
            }
        }
    };
}

impl UnitKind for AnyUnit {
    fn name(&self) -> &'static str {
        dispatch!(self, u => u.name())
    }
    #[inline]
    fn mean<T: Float>(&self, field: T) -> T {
        dispatch!(self, u => u.mean(field))
    }
    #[inline]
    fn variance<T: Float>(&self, field: T) -> T {
        dispatch!(self, u => u.variance(field))
    }
    #[inline]
    fn log_partition<T: Float>(&self, field: T) -> T {
        dispatch!(self, u => u.log_partition(field))
    }
    #[inline]
    fn sample<T: Float, R: Rng + ?Sized>(&self, field: T, rng: &mut R) -> T {
        dispatch!(self, u => u.sample(field, rng))
    }
    fn sample_slice<T: Float, R: Rng + ?Sized>(&self, fields: &[T], out: &mut [T], rng: &mut R) {
        dispatch!(self, u => u.sample_slice(fields, out, rng))
    }
    fn mean_in_place<T: Float>(&self, xs: &mut [T]) {
        dispatch!(self, u => u.mean_in_place(xs))
    }
    fn add_log_partitions<T: Float>(&self, fields: &[T], acc: &mut [T]) {
        dispatch!(self, u => u.add_log_partitions(fields, acc))
    }
    fn self_energy(&self, state: f64) -> f64 {
        dispatch!(self, u => u.self_energy(state))
    }
    fn discrete_states(&self) -> Option<[f64; 2]> {
        dispatch!(self, u => u.discrete_states())
    }
    fn to_any(&self) -> AnyUnit {
        *self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Closed forms evaluated directly in f64 at moderate x: only round-off differs.
    const CLOSED_FORM_TOL: f64 = 1e-12;

    #[test]
    fn log_partitions_match_naive_formulas_and_stay_finite() {
        for i in -200..=200 {
            let x = i as f64 * 0.1;
            assert!((Binary.log_partition(x) - (1.0 + x.exp()).ln()).abs() < CLOSED_FORM_TOL);
            assert!((Ising.log_partition(x) - (2.0 * x.cosh()).ln()).abs() < CLOSED_FORM_TOL);
        }
        for x in [-800.0, 800.0, -1e4, 1e4, -1e300, 1e300] {
            for u in [
                AnyUnit::Binary,
                AnyUnit::Ising,
                AnyUnit::Gaussian(Gaussian::unit()),
            ] {
                let lp: f64 = u.log_partition(x);
                let m: f64 = u.mean(x);
                let v: f64 = u.variance(x);
                if u == AnyUnit::Gaussian(Gaussian::unit()) && x.abs() > 1e100 {
                    continue; // x²/2 overflows: a Gaussian unit at such a field has no finite φ.
                }
                assert!(
                    lp.is_finite() && m.is_finite() && v.is_finite(),
                    "{u:?} at {x}"
                );
            }
        }
        // |x| = 800: φ(x) = max(x,0) exactly (the correction e^{-800} underflows).
        assert_eq!(Binary.log_partition(800.0f64), 800.0);
        assert_eq!(Binary.log_partition(-800.0f64), 0.0);
        assert_eq!(Ising.log_partition(-800.0f64), 800.0);
    }

    #[test]
    fn mean_and_variance_are_derivatives_of_log_partition() {
        // Central differences with h = 1e-4: truncation error h²·φ'''/6 ≲ 1e-9, round-off
        // ε/h ≈ 1e-12.
        const FD_TOL: f64 = 1e-7;
        let h = 1e-4;
        for u in [
            AnyUnit::Binary,
            AnyUnit::Ising,
            AnyUnit::Gaussian(Gaussian::new(2.5).unwrap()),
        ] {
            for i in -30..=30 {
                let x = i as f64 * 0.2;
                let d1 = (u.log_partition(x + h) - u.log_partition(x - h)) / (2.0 * h);
                let d2 = (u.log_partition(x + h) - 2.0 * u.log_partition(x)
                    + u.log_partition(x - h))
                    / (h * h);
                assert!((d1 - u.mean(x)).abs() < FD_TOL, "{u:?} mean at {x}");
                assert!((d2 - u.variance(x)).abs() < 1e-4, "{u:?} variance at {x}");
            }
        }
    }

    #[test]
    fn parse_names() {
        assert_eq!(AnyUnit::parse("binary", "t").unwrap(), AnyUnit::Binary);
        assert_eq!(AnyUnit::parse("ising", "t").unwrap(), AnyUnit::Ising);
        assert!(matches!(
            AnyUnit::parse("gaussian", "t").unwrap(),
            AnyUnit::Gaussian(_)
        ));
        let err = AnyUnit::parse("potts", "visible_type")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("visible_type") && err.contains("potts"),
            "{err}"
        );
    }
}
