//! CD-k (Hinton 2002).

use super::{accumulate_phase_with, Gradient, GradientEstimator, PhaseWorkspace};
use crate::error::Result;
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::sampling::{ChainState, GibbsSampler, GibbsWorkspace};
use crate::units::UnitKind;
use nalgebra::DMatrixView;
use rand::Rng;

/// CD-k: chains start at the minibatch, run `k` sweeps; the negative phase is
/// $\langle v_i\,E[h_j\mid v]\rangle$ over the final visible states (Rao–Blackwellised in $h$).
/// Biased: the bias does not vanish at the maximum-likelihood point.
#[derive(Clone, Debug)]
pub struct ContrastiveDivergence<T: Float> {
    sampler: GibbsSampler,
    chains: ChainState<T>,
    gibbs: GibbsWorkspace<T>,
    phase: PhaseWorkspace<T>,
}

impl<T: Float> ContrastiveDivergence<T> {
    /// CD with `gibbs_steps ≥ 1` sweeps.
    ///
    /// # Errors
    /// `gibbs_steps = 0`.
    pub fn new(gibbs_steps: usize) -> Result<Self> {
        Ok(ContrastiveDivergence {
            sampler: GibbsSampler::new(gibbs_steps)?,
            chains: ChainState {
                visible: nalgebra::DMatrix::zeros(0, 0),
                hidden: nalgebra::DMatrix::zeros(0, 0),
            },
            gibbs: GibbsWorkspace::new(),
            phase: PhaseWorkspace::new(),
        })
    }

    /// Every field product by GEMM (`true`), or the sparse path for {0,1} states with few ones
    /// (`false`, the default; `rbm::products`).
    #[must_use]
    pub fn with_dense_products(mut self, dense: bool) -> Self {
        self.phase.set_dense_products(dense);
        self
    }
}

impl<V: UnitKind, H: UnitKind, T: Float> GradientEstimator<V, H, T> for ContrastiveDivergence<T> {
    fn name(&self) -> &'static str {
        "cd"
    }

    fn estimate<R: Rng + ?Sized>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        batch: DMatrixView<'_, T>,
        rng: &mut R,
        gradient: &mut Gradient<T>,
    ) -> Result<()> {
        // One set of products (and one transposed copy of W) for the whole update.
        let (mut fields, hidden_means) = self.phase.fields(rbm);
        accumulate_phase_with(&mut fields, batch, T::one(), false, hidden_means, gradient);
        if self.chains.visible.shape() != batch.shape() {
            self.chains.visible = batch.clone_owned();
        } else {
            self.chains.visible.copy_from(&batch);
        }
        self.sampler
            .run_with(&mut fields, &mut self.chains, &mut self.gibbs, rng);
        accumulate_phase_with(
            &mut fields,
            self.chains.visible.as_view(),
            -T::one(),
            true,
            hidden_means,
            gradient,
        );
        Ok(())
    }
}
