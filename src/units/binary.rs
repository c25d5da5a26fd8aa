//! {0,1} ("binary", Bernoulli) units.

use super::{sample_two_state, sigmoid, softplus, AnyUnit, UnitKind};
use crate::linalg::Float;
use rand::Rng;

/// {0,1} unit: $p(s=1\mid x) = \mathrm{sigm}(x)$, $\phi(x) = \ln(1+e^x)$, variance $m(1-m)$.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Binary;

impl UnitKind for Binary {
    fn name(&self) -> &'static str {
        "binary"
    }
    #[inline(always)]
    fn mean<T: Float>(&self, field: T) -> T {
        sigmoid(field)
    }
    #[inline(always)]
    fn variance<T: Float>(&self, field: T) -> T {
        let m = sigmoid(field);
        m * (T::one() - m)
    }
    #[inline(always)]
    fn log_partition<T: Float>(&self, field: T) -> T {
        softplus(field)
    }
    #[inline(always)]
    fn sample<T: Float, R: Rng + ?Sized>(&self, field: T, rng: &mut R) -> T {
        if T::uniform(rng) < sigmoid(field) {
            T::one()
        } else {
            T::zero()
        }
    }
    fn add_log_partitions<T: Float>(&self, fields: &[T], acc: &mut [T]) {
        super::add_mapped(fields, acc, softplus);
    }
    fn mean_in_place<T: Float>(&self, xs: &mut [T]) {
        for x in xs.iter_mut() {
            *x = T::one() / (T::one() + (-*x).fast_exp());
        }
    }
    /// $s = 1$ iff $u < \mathrm{sigm}(x)$, vectorised (blocks of uniforms, a branch-free `fast_exp` and a select; AVX2 when the CPU has it).
    fn sample_slice<T: Float, R: Rng + ?Sized>(&self, fields: &[T], out: &mut [T], rng: &mut R) {
        sample_two_state(fields, out, rng, T::one(), T::zero());
    }
    fn self_energy(&self, _state: f64) -> f64 {
        0.0
    }
    fn discrete_states(&self) -> Option<[f64; 2]> {
        Some([0.0, 1.0])
    }
    fn to_any(&self) -> AnyUnit {
        AnyUnit::Binary
    }
}
