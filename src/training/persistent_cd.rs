//! PCD-k (Tieleman 2008).

use super::{accumulate_phase_with, Gradient, GradientEstimator, PhaseWorkspace};
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::sampling::{ChainState, GibbsSampler, GibbsWorkspace};
use crate::units::UnitKind;
use nalgebra::DMatrixView;
use rand::Rng;

/// PCD-k: persistent chains (never reset to data) advance `k` sweeps with the current
/// parameters at each update.
///
/// The negative phase uses the chains' **final visible state** and its hidden magnetisations
/// $E[h\mid v_{\rm final}]$ — not the hidden sample drawn before the last visible update, a
/// known bug in other codes that pairs $h$ with a $v$ it did not generate.
#[derive(Clone, Debug)]
pub struct PersistentContrastiveDivergence<T: Float> {
    sampler: GibbsSampler,
    chains: ChainState<T>,
    gibbs: GibbsWorkspace<T>,
    phase: PhaseWorkspace<T>,
}

impl<T: Float> PersistentContrastiveDivergence<T> {
    /// PCD with `gibbs_steps` sweeps per update on the given initial chains.
    ///
    /// # Errors
    /// `gibbs_steps = 0`, or no chains.
    pub fn new(gibbs_steps: usize, chains: ChainState<T>) -> Result<Self> {
        if chains.n_chains() == 0 {
            return Err(Error::invalid(
                "chains",
                0,
                "PCD needs at least one persistent chain",
            ));
        }
        Ok(PersistentContrastiveDivergence {
            sampler: GibbsSampler::new(gibbs_steps)?,
            chains,
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

impl<V: UnitKind, H: UnitKind, T: Float> GradientEstimator<V, H, T>
    for PersistentContrastiveDivergence<T>
{
    fn name(&self) -> &'static str {
        "pcd"
    }

    fn estimate<R: Rng + ?Sized>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        batch: DMatrixView<'_, T>,
        rng: &mut R,
        gradient: &mut Gradient<T>,
    ) -> Result<()> {
        if self.chains.visible.ncols() != rbm.n_visible() {
            return Err(Error::shape(
                "PCD chains",
                format!("{} visible columns", rbm.n_visible()),
                format!("{}", self.chains.visible.ncols()),
            ));
        }
        // One set of products (and one transposed copy of W) for the whole update.
        let (mut fields, hidden_means) = self.phase.fields(rbm);
        accumulate_phase_with(&mut fields, batch, T::one(), false, hidden_means, gradient);
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

    fn chains(&self) -> Option<&ChainState<T>> {
        Some(&self.chains)
    }

    fn set_chains(&mut self, chains: ChainState<T>) {
        self.chains = chains;
    }
}
