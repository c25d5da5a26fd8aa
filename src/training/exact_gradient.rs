//! The exact gradient by enumeration (reference estimator for small models).

use super::{accumulate_phase, Gradient, GradientEstimator, PhaseWorkspace};
use crate::error::Result;
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::sampling::exact::exact_moments;
use crate::units::UnitKind;
use nalgebra::DMatrixView;
use rand::Rng;

/// Negative phase $\langle v h^\top\rangle$, $\langle v\rangle$, $\langle h\rangle$ computed
/// exactly by enumerating the smaller discrete layer (see [`crate::sampling::exact`]).
/// The positive phase is the minibatch's (full batch gives the exact gradient of $L$).
#[derive(Clone, Debug, Default)]
pub struct ExactGradient<T: Float> {
    phase: PhaseWorkspace<T>,
}

impl<T: Float> ExactGradient<T> {
    /// The exact estimator.
    pub fn new() -> Self {
        ExactGradient {
            phase: PhaseWorkspace::new(),
        }
    }
}

impl<V: UnitKind, H: UnitKind, T: Float> GradientEstimator<V, H, T> for ExactGradient<T> {
    fn name(&self) -> &'static str {
        "exact"
    }

    fn estimate<R: Rng + ?Sized>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        batch: DMatrixView<'_, T>,
        _rng: &mut R,
        gradient: &mut Gradient<T>,
    ) -> Result<()> {
        let moments = exact_moments(rbm)?;
        accumulate_phase(rbm, batch, T::one(), false, &mut self.phase, gradient);
        for (g, m) in gradient.weights.iter_mut().zip(moments.correlation.iter()) {
            *g -= T::of(*m);
        }
        for (g, m) in gradient
            .visible_bias
            .iter_mut()
            .zip(moments.visible_mean.iter())
        {
            *g -= T::of(*m);
        }
        for (g, m) in gradient
            .hidden_bias
            .iter_mut()
            .zip(moments.hidden_mean.iter())
        {
            *g -= T::of(*m);
        }
        Ok(())
    }
}
