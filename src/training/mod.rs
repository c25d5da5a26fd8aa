//! Training: gradient estimators, optimisers, the trainer loop and its observers.
//!
//! # Conventions
//! The log-likelihood gradient (ascent direction) is
//! $\partial L/\partial W_{ij} = \langle v_i E[h_j\mid v]\rangle_{\rm data} - \langle v_i h_j\rangle_{\rm model}$,
//! $\partial L/\partial a_i = \langle v_i\rangle_{\rm data} - \langle v_i\rangle_{\rm model}$,
//! $\partial L/\partial b_j = \langle E[h_j\mid v]\rangle_{\rm data} - \langle h_j\rangle_{\rm model}$.
//! The positive phase uses the conditional mean of $h$ (not a sample); estimators differ in the
//! negative (model) phase.

mod contrastive_divergence;
mod exact_gradient;
pub mod likelihood_monitor;
pub mod metrics;
pub mod observers;
mod optimizer;
mod persistent_cd;
pub mod spectrum_tracker;
mod tap_gradient;
mod trainer;

pub use crate::sampling::{batch_rng, train_rng, TrainRng, TrainStreams};
pub use contrastive_divergence::ContrastiveDivergence;
pub use exact_gradient::ExactGradient;
pub use likelihood_monitor::{LikelihoodMonitor, LikelihoodRecord};
pub use metrics::{EpochMetrics, LogSink, MetricsMonitor, ProgressBarObserver};
pub use observers::{Cadence, ObserverRecords, TrainingObserver, TrainingSnapshot};
pub use optimizer::{OptimizerState, Sgd};
pub use persistent_cd::PersistentContrastiveDivergence;
pub use spectrum_tracker::{SpectrumFiles, SpectrumRecord, SpectrumTracker};
pub use tap_gradient::TapGradient;
pub use trainer::{data_fingerprint, DataFingerprint, Finished, Progress, Trainer, TrainerConfig};

use crate::error::Result;
use crate::linalg::{for_each_block, gemm, Float, Op};
use crate::rbm::products::SPARSE_MAX_DENSITY;
use crate::rbm::{Fields, ProductWorkspace, Rbm};
use crate::sampling::ChainState;
use crate::units::UnitKind;
use nalgebra::{DMatrix, DMatrixView, DVector};
use rand::Rng;

/// A log-likelihood gradient (or an estimate of it): ascent direction, same shapes as the model.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradient<T: Float = f64> {
    /// $\partial L/\partial W$ (`Nv × Nh`).
    pub weights: DMatrix<T>,
    /// $\partial L/\partial a$.
    pub visible_bias: DVector<T>,
    /// $\partial L/\partial b$.
    pub hidden_bias: DVector<T>,
}

impl<T: Float> Gradient<T> {
    /// A zero gradient for an `Nv × Nh` model.
    pub fn zeros(n_visible: usize, n_hidden: usize) -> Self {
        Gradient {
            weights: DMatrix::zeros(n_visible, n_hidden),
            visible_bias: DVector::zeros(n_visible),
            hidden_bias: DVector::zeros(n_hidden),
        }
    }

    /// Largest absolute entry over all parts.
    pub fn max_abs(&self) -> f64 {
        self.weights
            .iter()
            .chain(self.visible_bias.iter())
            .chain(self.hidden_bias.iter())
            .fold(0.0, |m, x| m.max(x.as_f64().abs()))
    }
}

/// An estimator of the log-likelihood gradient from a minibatch.
pub trait GradientEstimator<V: UnitKind, H: UnitKind, T: Float>: Send {
    /// Short name (`"cd"`, `"pcd"`, `"exact"`).
    fn name(&self) -> &'static str;

    /// Writes the gradient estimate for `batch` (one row per sample) into `gradient`.
    ///
    /// # Errors
    /// Shape mismatches, or models the estimator cannot handle (exact enumeration).
    fn estimate<R: Rng + ?Sized>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        batch: DMatrixView<'_, T>,
        rng: &mut R,
        gradient: &mut Gradient<T>,
    ) -> Result<()>;

    /// The persistent chains, if the estimator keeps any (checkpoints save them).
    fn chains(&self) -> Option<&ChainState<T>> {
        None
    }

    /// Replaces the persistent chains (resuming from a checkpoint). Estimators without chains
    /// ignore it.
    fn set_chains(&mut self, _chains: ChainState<T>) {}
}

/// Buffers for the positive phase and for statistics of chains, and the choice between the
/// sparse and the GEMM field products.
#[derive(Clone, Debug)]
pub struct PhaseWorkspace<T: Float> {
    hidden_means: DMatrix<T>,
    products: ProductWorkspace<T>,
    max_density: f64,
}

impl<T: Float> Default for PhaseWorkspace<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float> PhaseWorkspace<T> {
    /// Empty buffers (grown on first use); the sparse path for {0,1} states with few ones.
    pub fn new() -> Self {
        PhaseWorkspace {
            hidden_means: DMatrix::zeros(0, 0),
            products: ProductWorkspace::new(),
            max_density: SPARSE_MAX_DENSITY,
        }
    }

    /// Every field product by GEMM (`true`), or the sparse path for {0,1} states with few ones
    /// (`false`, the default; `rbm::products`).
    pub fn set_dense_products(&mut self, dense: bool) {
        self.max_density = if dense { -1.0 } else { SPARSE_MAX_DENSITY };
    }

    /// The field products of `rbm` (one set, and one tiled copy of W, for a whole update) and
    /// the buffer of hidden means, for [`accumulate_phase_with`].
    pub fn fields<'a, V: UnitKind, H: UnitKind>(
        &'a mut self,
        rbm: &'a Rbm<V, H, T>,
    ) -> (Fields<'a, V, H, T>, &'a mut DMatrix<T>) {
        (
            Fields::with_max_density(rbm, &mut self.products, self.max_density),
            &mut self.hidden_means,
        )
    }
}

/// Adds `sign / B · (Vᵀ M, Σ rows of V, Σ rows of M)` to `gradient`, with `M = E[h | V]`.
///
/// With `sign = +1` and `V` the data this is the positive phase; with `sign = −1` and `V` the
/// final visible states of chains, the Rao–Blackwellised negative phase.
pub fn accumulate_phase<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
    visible: DMatrixView<'_, T>,
    sign: T,
    accumulate: bool,
    workspace: &mut PhaseWorkspace<T>,
    gradient: &mut Gradient<T>,
) {
    let (mut fields, hidden_means) = workspace.fields(rbm);
    accumulate_phase_with(
        &mut fields,
        visible,
        sign,
        accumulate,
        hidden_means,
        gradient,
    );
}

/// [`accumulate_phase`] with the field products of a caller; `hidden_means` is a buffer.
pub fn accumulate_phase_with<V: UnitKind, H: UnitKind, T: Float>(
    fields: &mut Fields<'_, V, H, T>,
    visible: DMatrixView<'_, T>,
    sign: T,
    accumulate: bool,
    hidden_means: &mut DMatrix<T>,
    gradient: &mut Gradient<T>,
) {
    let rbm = fields.rbm();
    let rows = visible.nrows();
    let scale = sign / T::of(rows.max(1) as f64);
    fields.hidden_fields_into(visible, hidden_means);
    let unit = rbm.hidden();
    let means = hidden_means.as_mut_slice();
    let parallel = means.len() >= PARALLEL_ENTRIES;
    for_each_block(means, PARALLEL_ENTRIES, parallel, |(_, c)| {
        unit.mean_in_place(c)
    });
    gemm(
        &mut gradient.weights,
        accumulate,
        scale,
        visible,
        Op::T,
        hidden_means.as_view(),
        Op::N,
    );
    column_sums_into(
        visible,
        scale,
        accumulate,
        gradient.visible_bias.as_mut_slice(),
    );
    column_sums_into(
        hidden_means.as_view(),
        scale,
        accumulate,
        gradient.hidden_bias.as_mut_slice(),
    );
}

/// Entries per parallel block of the element-wise and column-wise steps of a phase (smaller
/// matrices are done on the calling thread).
const PARALLEL_ENTRIES: usize = 1 << 14;

/// `out[j] ← scale · Σ column j of m (+ out[j] when accumulate)`; blocks of columns in parallel
/// (each column summed by one thread: the same result on any thread count).
fn column_sums_into<T: Float>(m: DMatrixView<'_, T>, scale: T, accumulate: bool, out: &mut [T]) {
    let rows = m.nrows().max(1);
    let columns = (PARALLEL_ENTRIES / rows).max(1);
    let block = |(c, out): (usize, &mut [T])| {
        for (k, g) in out.iter_mut().enumerate() {
            let s = m.column(c * columns + k).sum() * scale;
            *g = if accumulate { *g + s } else { s };
        }
    };
    for_each_block(
        out,
        columns,
        m.nrows() * m.ncols() >= PARALLEL_ENTRIES,
        block,
    );
}
