//! Block Gibbs sampling.

use super::ChainState;
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::DMatrix;
use rand::Rng;

/// Draws every entry of `out` from the unit's conditional at the matching entry of `fields`.
///
/// Draw order: column-major (unit by unit, chain by chain within a unit).
#[inline]
pub fn sample_layer<U: UnitKind, T: Float, R: Rng + ?Sized>(
    unit: &U,
    fields: &DMatrix<T>,
    out: &mut DMatrix<T>,
    rng: &mut R,
) {
    debug_assert_eq!(fields.shape(), out.shape());
    for (o, &x) in out.as_mut_slice().iter_mut().zip(fields.as_slice()) {
        *o = unit.sample(x, rng);
    }
}

/// Reusable buffers for Gibbs sweeps (R10: the hot loop does not allocate).
#[derive(Clone, Debug, Default)]
pub struct GibbsWorkspace<T: Float> {
    hidden_fields: DMatrix<T>,
    visible_fields: DMatrix<T>,
}

impl<T: Float> GibbsWorkspace<T> {
    /// An empty workspace; buffers grow to the needed shapes on first use.
    pub fn new() -> Self {
        GibbsWorkspace {
            hidden_fields: DMatrix::zeros(0, 0),
            visible_fields: DMatrix::zeros(0, 0),
        }
    }
}

/// Block Gibbs sampler: `gibbs_steps` sweeps $v\to h\to v$ per call (immutable configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GibbsSampler {
    gibbs_steps: usize,
}

impl GibbsSampler {
    /// A sampler doing `gibbs_steps ≥ 1` sweeps per call.
    ///
    /// # Errors
    /// `gibbs_steps` must be at least 1.
    pub fn new(gibbs_steps: usize) -> Result<Self> {
        if gibbs_steps == 0 {
            return Err(Error::invalid("gibbs_steps", 0, "must be at least 1"));
        }
        Ok(GibbsSampler { gibbs_steps })
    }

    /// Sweeps per call.
    pub fn gibbs_steps(&self) -> usize {
        self.gibbs_steps
    }

    /// Advances every chain by `gibbs_steps` sweeps. Afterwards `chains.visible` is the last
    /// visible sample and `chains.hidden` the hidden sample that produced it.
    pub fn run<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
        &self,
        rbm: &Rbm<V, H, T>,
        chains: &mut ChainState<T>,
        workspace: &mut GibbsWorkspace<T>,
        rng: &mut R,
    ) {
        for _ in 0..self.gibbs_steps {
            sweep(rbm, chains, workspace, rng);
        }
    }
}

/// One sweep $v \to h \sim p(h\mid v) \to v \sim p(v\mid h)$.
pub fn sweep<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
    rbm: &Rbm<V, H, T>,
    chains: &mut ChainState<T>,
    workspace: &mut GibbsWorkspace<T>,
    rng: &mut R,
) {
    rbm.hidden_fields_into(chains.visible.as_view(), &mut workspace.hidden_fields);
    if chains.hidden.shape() != workspace.hidden_fields.shape() {
        chains.hidden = DMatrix::zeros(chains.visible.nrows(), rbm.n_hidden());
    }
    sample_layer(
        rbm.hidden(),
        &workspace.hidden_fields,
        &mut chains.hidden,
        rng,
    );
    rbm.visible_fields_into(chains.hidden.as_view(), &mut workspace.visible_fields);
    sample_layer(
        rbm.visible(),
        &workspace.visible_fields,
        &mut chains.visible,
        rng,
    );
}
