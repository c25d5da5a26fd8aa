//! ±1 ("Ising", spin) units.

use super::{log_two_cosh, sample_two_state, AnyUnit, UnitKind};
use crate::linalg::Float;
use rand::Rng;

/// ±1 unit: $p(s=\pm1\mid x) = e^{\pm x}/(2\cosh x)$, mean $\tanh x$, $\phi(x)=\ln(2\cosh x)$,
/// variance $1-\tanh^2 x$.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ising;

impl UnitKind for Ising {
    fn name(&self) -> &'static str {
        "ising"
    }
    #[inline(always)]
    fn mean<T: Float>(&self, field: T) -> T {
        field.tanh()
    }
    #[inline(always)]
    fn variance<T: Float>(&self, field: T) -> T {
        let m = field.tanh();
        T::one() - m * m
    }
    #[inline(always)]
    fn log_partition<T: Float>(&self, field: T) -> T {
        log_two_cosh(field)
    }
    #[inline(always)]
    fn sample<T: Float, R: Rng + ?Sized>(&self, field: T, rng: &mut R) -> T {
        // p(s = +1) = (1 + tanh x)/2 = sigm(2x)
        let p_up = (T::one() + field.tanh()) * T::of(0.5);
        if T::uniform(rng) < p_up {
            T::one()
        } else {
            -T::one()
        }
    }
    fn add_log_partitions<T: Float>(&self, fields: &[T], acc: &mut [T]) {
        super::add_mapped(fields, acc, log_two_cosh);
    }
    /// $\tanh x = 1 - 2/(1 + e^{2x})$ with [`Float::fast_exp`].
    fn mean_in_place<T: Float>(&self, xs: &mut [T]) {
        let two = T::one() + T::one();
        for x in xs.iter_mut() {
            *x = T::one() - two / (T::one() + (*x + *x).fast_exp());
        }
    }
    /// $s = +1$ iff $u < \mathrm{sigm}(2x)$, vectorised (blocks of uniforms, a branch-free `fast_exp` and a select; AVX2 when the CPU has it).
    fn sample_slice<T: Float, R: Rng + ?Sized>(&self, fields: &[T], out: &mut [T], rng: &mut R) {
        sample_two_state(fields, out, rng, T::one() + T::one(), -T::one());
    }
    fn self_energy(&self, _state: f64) -> f64 {
        0.0
    }
    fn discrete_states(&self) -> Option<[f64; 2]> {
        Some([-1.0, 1.0])
    }
    fn to_any(&self) -> AnyUnit {
        AnyUnit::Ising
    }
}
