//! Gaussian units of fixed precision.

use super::{AnyUnit, UnitKind};
use crate::error::{Error, Result};
use crate::linalg::Float;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Gaussian unit with prior $e^{-c s^2/2}$ (precision $c$): $s \mid x \sim \mathcal N(x/c, 1/c)$,
/// $\phi(x) = x^2/(2c) + \tfrac12\ln(2\pi/c)$, self-energy $U(s) = c s^2/2$.
///
/// The Curie–Weiss toy model of the talk uses precision $c = N$ (prior $e^{-N\tau^2/2}$).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gaussian {
    precision: f64,
}

impl Gaussian {
    /// A Gaussian unit of precision `precision` (inverse variance).
    ///
    /// # Errors
    /// `precision` must be finite and > 0.
    pub fn new(precision: f64) -> Result<Self> {
        if !(precision.is_finite() && precision > 0.0) {
            return Err(Error::invalid(
                "precision",
                precision,
                "must be finite and > 0",
            ));
        }
        Ok(Gaussian { precision })
    }

    /// Precision 1 (unit variance).
    pub fn unit() -> Self {
        Gaussian { precision: 1.0 }
    }

    /// The precision $c$.
    pub fn precision(&self) -> f64 {
        self.precision
    }
}

impl UnitKind for Gaussian {
    fn name(&self) -> &'static str {
        "gaussian"
    }
    #[inline(always)]
    fn mean<T: Float>(&self, field: T) -> T {
        field / T::of(self.precision)
    }
    #[inline(always)]
    fn variance<T: Float>(&self, _field: T) -> T {
        T::of(1.0 / self.precision)
    }
    #[inline(always)]
    fn log_partition<T: Float>(&self, field: T) -> T {
        let c = T::of(self.precision);
        field * field / (c + c) + T::of(0.5 * (2.0 * std::f64::consts::PI / self.precision).ln())
    }
    #[inline(always)]
    fn sample<T: Float, R: Rng + ?Sized>(&self, field: T, rng: &mut R) -> T {
        let z: f64 = StandardNormal.sample(rng);
        field / T::of(self.precision) + T::of(z / self.precision.sqrt())
    }
    fn self_energy(&self, state: f64) -> f64 {
        0.5 * self.precision * state * state
    }
    fn discrete_states(&self) -> Option<[f64; 2]> {
        None
    }
    fn to_any(&self) -> AnyUnit {
        AnyUnit::Gaussian(*self)
    }
}
