//! The minibatch training loop: estimator → optimiser → observers.

use super::observers::{TrainingObserver, TrainingSnapshot};
use super::{Gradient, GradientEstimator, OptimizerState, Sgd};
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::DMatrix;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The trainer's random generator: Xoshiro256++ (fast, 256-bit state that checkpoints save).
pub type TrainRng = rand_xoshiro::Xoshiro256PlusPlus;

/// A training generator from a seed.
pub fn train_rng(seed: u64) -> TrainRng {
    TrainRng::seed_from_u64(seed)
}

/// Run length and minibatching (immutable configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainerConfig {
    /// Samples per minibatch; each epoch uses `⌊n/batch_size⌋` minibatches of a fresh random
    /// permutation (the remainder of the permutation is not used in that epoch).
    pub batch_size: usize,
    /// Total number of epochs of the run (a resumed run continues up to this number).
    pub epochs: usize,
}

/// Where a run stands (saved in checkpoints; with the RNG it determines the rest of the run).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Parameter updates done so far.
    pub step: u64,
    /// Completed epochs.
    pub epoch: usize,
    /// Minibatches done in the current epoch.
    pub batch_in_epoch: usize,
    /// This epoch's permutation of the samples (empty between epochs).
    pub permutation: Vec<usize>,
}

/// The training loop. Generic over the estimator (R11: the CLI dispatches once).
pub struct Trainer<V: UnitKind, H: UnitKind, T: Float, E: GradientEstimator<V, H, T>> {
    rbm: Rbm<V, H, T>,
    estimator: E,
    optimizer: Sgd,
    optimizer_state: OptimizerState<T>,
    config: TrainerConfig,
    progress: Progress,
    rng: TrainRng,
    observers: Vec<Box<dyn TrainingObserver<V, H, T>>>,
    gradient: Gradient<T>,
    batch: DMatrix<T>,
}

impl<V: UnitKind, H: UnitKind, T: Float, E: GradientEstimator<V, H, T>> Trainer<V, H, T, E> {
    /// A trainer at the start of a run.
    ///
    /// # Errors
    /// `batch_size = 0`.
    pub fn new(
        rbm: Rbm<V, H, T>,
        estimator: E,
        optimizer: Sgd,
        config: TrainerConfig,
        rng: TrainRng,
    ) -> Result<Self> {
        if config.batch_size == 0 {
            return Err(Error::invalid("batch_size", 0, "must be at least 1"));
        }
        let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
        Ok(Trainer {
            rbm,
            estimator,
            optimizer,
            optimizer_state: OptimizerState::default(),
            config,
            progress: Progress::default(),
            rng,
            observers: Vec::new(),
            gradient: Gradient::zeros(nv, nh),
            batch: DMatrix::zeros(config.batch_size, nv),
        })
    }

    /// Restores the state of an interrupted run (from a checkpoint): optimiser state, progress
    /// and generator. Persistent chains are restored through the estimator.
    pub fn resume_from(
        mut self,
        optimizer_state: OptimizerState<T>,
        progress: Progress,
        rng: TrainRng,
    ) -> Self {
        self.optimizer_state = optimizer_state;
        self.progress = progress;
        self.rng = rng;
        self
    }

    /// Adds an observer.
    pub fn observe(mut self, observer: impl TrainingObserver<V, H, T> + 'static) -> Self {
        self.observers.push(Box::new(observer));
        self
    }

    /// Adds a boxed observer.
    pub fn observe_boxed(&mut self, observer: Box<dyn TrainingObserver<V, H, T>>) {
        self.observers.push(observer);
    }

    /// The current model.
    pub fn rbm(&self) -> &Rbm<V, H, T> {
        &self.rbm
    }

    /// The estimator (e.g. to read its chains).
    pub fn estimator(&self) -> &E {
        &self.estimator
    }

    /// Where the run stands.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// The optimiser state and generator (with `progress` and the estimator's chains, what a
    /// checkpoint must hold to resume bit-identically).
    pub fn optimizer_state_and_rng(&self) -> (OptimizerState<T>, TrainRng) {
        (self.optimizer_state.clone(), self.rng.clone())
    }

    /// The configuration.
    pub fn config(&self) -> &TrainerConfig {
        &self.config
    }

    /// Trains on `data` (one row per sample) until `config.epochs` epochs are complete.
    ///
    /// # Errors
    /// Data with the wrong number of columns or fewer rows than a minibatch; estimator or
    /// observer errors; non-finite parameters after an update (learning rate too large).
    pub fn run(&mut self, data: &DMatrix<T>) -> Result<()> {
        self.run_until(data, self.config.epochs)
    }

    /// Trains until `epochs` epochs are complete (≤ `config.epochs`): a run can be done in parts.
    ///
    /// # Errors
    /// As [`Trainer::run`].
    pub fn run_until(&mut self, data: &DMatrix<T>, epochs: usize) -> Result<()> {
        if rayon::current_thread_index().is_none() {
            // The loop runs on a thread of rayon's pool: the parallel kernels then queue their
            // tasks on that thread's own deque. Queued from outside the pool, every 63 tasks
            // would allocate a block of the pool's shared queue (tests/allocations.rs).
            return rayon::scope(|_| self.run_loop(data, epochs));
        }
        self.run_loop(data, epochs)
    }

    fn run_loop(&mut self, data: &DMatrix<T>, epochs: usize) -> Result<()> {
        if data.ncols() != self.rbm.n_visible() {
            return Err(Error::shape(
                "training data",
                format!("{} columns (visible units)", self.rbm.n_visible()),
                format!("{}", data.ncols()),
            ));
        }
        let n = data.nrows();
        let bs = self.config.batch_size;
        if n < bs {
            return Err(Error::invalid(
                "batch_size",
                bs,
                format!("larger than the number of samples ({n})"),
            ));
        }
        let batches_per_epoch = n / bs;
        let epochs = epochs.min(self.config.epochs);
        // One sample per column: minibatches gather contiguous columns (a random row of a
        // column-major data matrix is scattered over the whole matrix).
        let samples = data.transpose();
        let mut epoch_start = Instant::now();
        while self.progress.epoch < epochs {
            if self.progress.batch_in_epoch == 0 && self.progress.permutation.is_empty() {
                let mut perm: Vec<usize> = (0..n).collect();
                perm.shuffle(&mut self.rng);
                self.progress.permutation = perm;
                epoch_start = Instant::now();
            }
            let first = self.progress.batch_in_epoch * bs;
            gather_rows(
                &samples,
                &self.progress.permutation[first..first + bs],
                &mut self.batch,
            );
            self.estimator.estimate(
                &self.rbm,
                self.batch.as_view(),
                &mut self.rng,
                &mut self.gradient,
            )?;
            self.optimizer
                .apply(&mut self.rbm, &mut self.gradient, &mut self.optimizer_state);
            self.progress.step += 1;
            self.progress.batch_in_epoch += 1;
            let end_of_epoch = self.progress.batch_in_epoch == batches_per_epoch;
            if end_of_epoch {
                self.rbm.check_finite().map_err(|e| {
                    Error::NonFinite(format!(
                        "after epoch {}: {e} (learning rate too large?)",
                        self.progress.epoch + 1
                    ))
                })?;
                self.progress.epoch += 1;
                self.progress.batch_in_epoch = 0;
                self.progress.permutation.clear();
            }
            let step = self.progress.step;
            let snapshot = TrainingSnapshot {
                progress: &self.progress,
                rbm: &self.rbm,
                gradient: &self.gradient,
                chains: self.estimator.chains(),
                optimizer: &self.optimizer_state,
                rng: &self.rng,
                data: data.as_view(),
                epoch_seconds: epoch_start.elapsed().as_secs_f64(),
            };
            for obs in self.observers.iter_mut() {
                if obs.cadence().is_due(step) {
                    obs.on_step(&snapshot)?;
                }
                if end_of_epoch {
                    obs.on_epoch_end(&snapshot)?;
                }
            }
        }
        Ok(())
    }

    /// Ends the run: calls each observer's `on_finish` and returns the model.
    ///
    /// # Errors
    /// Observer errors.
    pub fn finish(mut self, data: &DMatrix<T>) -> Result<Rbm<V, H, T>> {
        let snapshot = TrainingSnapshot {
            progress: &self.progress,
            rbm: &self.rbm,
            gradient: &self.gradient,
            chains: self.estimator.chains(),
            optimizer: &self.optimizer_state,
            rng: &self.rng,
            data: data.as_view(),
            epoch_seconds: 0.0,
        };
        for obs in self.observers.iter_mut() {
            obs.on_finish(&snapshot)?;
        }
        Ok(self.rbm)
    }
}

/// Copies the samples `rows` into the rows of `out` (`rows.len() × Nv`), from `samples`, the
/// data stored one sample per column (`Nv × n`), so that each sample is read contiguously.
fn gather_rows<T: Float>(samples: &DMatrix<T>, rows: &[usize], out: &mut DMatrix<T>) {
    let nv = samples.nrows();
    let b = rows.len();
    let src = samples.as_slice();
    let dst = out.as_mut_slice();
    for (k, &r) in rows.iter().enumerate() {
        for (c, &x) in src[r * nv..(r + 1) * nv].iter().enumerate() {
            dst[c * b + k] = x;
        }
    }
}
