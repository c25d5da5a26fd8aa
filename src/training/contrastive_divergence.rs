//! CD-k (Hinton 2002).

use super::{accumulate_phase_with, Gradient, GradientEstimator};
use crate::error::Result;
use crate::linalg::Float;
use crate::rbm::products::SPARSE_MAX_DENSITY;
use crate::rbm::{Fields, ProductWorkspace, Rbm};
use crate::sampling::{ChainState, GibbsSampler, GibbsWorkspace};
use crate::units::UnitKind;
use nalgebra::{DMatrix, DMatrixView};
use rand::Rng;

/// CD-k: chains start at the minibatch, run `k` sweeps; the negative phase is
/// $\langle v_i\,E[h_j\mid v]\rangle$ over the final visible states (Rao–Blackwellised in $h$).
/// Biased: the bias does not vanish at the maximum-likelihood point.
#[derive(Clone, Debug)]
pub struct ContrastiveDivergence<T: Float> {
    sampler: GibbsSampler,
    chains: ChainState<T>,
    gibbs: GibbsWorkspace<T>,
    hidden_means: DMatrix<T>,
    products: ProductWorkspace<T>,
    max_density: f64,
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
            hidden_means: DMatrix::zeros(0, 0),
            products: ProductWorkspace::new(),
            max_density: SPARSE_MAX_DENSITY,
        })
    }

    /// Every field product by GEMM (`true`), or the sparse path for {0,1} states with few ones
    /// (`false`, the default; `rbm::products`).
    pub fn with_dense_products(mut self, dense: bool) -> Self {
        self.max_density = if dense { -1.0 } else { SPARSE_MAX_DENSITY };
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
        let mut fields = Fields::with_max_density(rbm, &mut self.products, self.max_density);
        accumulate_phase_with(
            &mut fields,
            batch,
            T::one(),
            false,
            &mut self.hidden_means,
            gradient,
        );
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
            &mut self.hidden_means,
            gradient,
        );
        Ok(())
    }
}
