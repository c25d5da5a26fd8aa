//! Block Gibbs sampling.

use super::rng::TrainRng;
use super::ChainState;
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::rbm::{Fields, ProductWorkspace, Rbm};
use crate::units::UnitKind;
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

/// Entries of a layer sampled with one random stream (and by one thread).
pub const SAMPLE_CHUNK: usize = 8192;

/// The random stream of chunk `chunk` of a layer whose draw took `base` from the caller.
fn chunk_rng(base: u64, chunk: u64) -> TrainRng {
    // seed_from_u64 expands the seed with SplitMix64: nearby seeds give unrelated streams.
    TrainRng::seed_from_u64(base ^ chunk.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Draws every entry of `out` from the unit's conditional at the matching entry of `fields`.
///
/// # Reproducibility
/// One `u64` is drawn from `rng`; it seeds an independent Xoshiro256++ stream for each chunk of
/// [`SAMPLE_CHUNK`] consecutive entries (column-major: unit by unit, chain by chain within a
/// unit). Chunks run in parallel (rayon), and the numbers depend on the seed only, not on the
/// number of threads.
pub fn sample_layer<U: UnitKind, T: Float, R: Rng + ?Sized>(
    unit: &U,
    fields: &DMatrix<T>,
    out: &mut DMatrix<T>,
    rng: &mut R,
) {
    debug_assert_eq!(fields.shape(), out.shape());
    let base = rng.next_u64();
    let (f, o) = (fields.as_slice(), out.as_mut_slice());
    if o.len() <= SAMPLE_CHUNK {
        unit.sample_slice(f, o, &mut chunk_rng(base, 0));
        return;
    }
    o.par_chunks_mut(SAMPLE_CHUNK)
        .zip(f.par_chunks(SAMPLE_CHUNK))
        .enumerate()
        .for_each(|(c, (o, f))| unit.sample_slice(f, o, &mut chunk_rng(base, c as u64)));
}

/// Reusable buffers for Gibbs sweeps (R10: the hot loop does not allocate).
#[derive(Clone, Debug, Default)]
pub struct GibbsWorkspace<T: Float> {
    hidden_fields: DMatrix<T>,
    visible_fields: DMatrix<T>,
    products: ProductWorkspace<T>,
}

impl<T: Float> GibbsWorkspace<T> {
    /// An empty workspace; buffers grow to the needed shapes on first use.
    pub fn new() -> Self {
        GibbsWorkspace {
            hidden_fields: DMatrix::zeros(0, 0),
            visible_fields: DMatrix::zeros(0, 0),
            products: ProductWorkspace::new(),
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
        let mut fields = Fields::new(rbm, &mut workspace.products);
        for _ in 0..self.gibbs_steps {
            sweep_fields(
                &mut fields,
                chains,
                &mut workspace.hidden_fields,
                &mut workspace.visible_fields,
                rng,
            );
        }
    }

    /// [`GibbsSampler::run`] with the field products of a caller (who may reuse them, and
    /// the transposed weights they hold, before and after).
    pub fn run_with<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
        &self,
        fields: &mut Fields<'_, V, H, T>,
        chains: &mut ChainState<T>,
        workspace: &mut GibbsWorkspace<T>,
        rng: &mut R,
    ) {
        for _ in 0..self.gibbs_steps {
            sweep_fields(
                fields,
                chains,
                &mut workspace.hidden_fields,
                &mut workspace.visible_fields,
                rng,
            );
        }
    }
}

/// One sweep $v \to h \sim p(h\mid v) \to v \sim p(v\mid h)$ with the given products and buffers.
fn sweep_fields<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
    fields: &mut Fields<'_, V, H, T>,
    chains: &mut ChainState<T>,
    hidden_fields: &mut DMatrix<T>,
    visible_fields: &mut DMatrix<T>,
    rng: &mut R,
) {
    let rbm = fields.rbm();
    fields.hidden_fields_into(chains.visible.as_view(), hidden_fields);
    if chains.hidden.shape() != hidden_fields.shape() {
        chains.hidden = DMatrix::zeros(chains.visible.nrows(), rbm.n_hidden());
    }
    sample_layer(rbm.hidden(), hidden_fields, &mut chains.hidden, rng);
    fields.visible_fields_into(chains.hidden.as_view(), visible_fields);
    sample_layer(rbm.visible(), visible_fields, &mut chains.visible, rng);
}
