//! The minibatch training loop: estimator → optimiser → observers.

use super::observers::{ObserverRecords, TrainingObserver, TrainingSnapshot};
use super::{Gradient, GradientEstimator, OptimizerState, Sgd};
use crate::error::{Error, Result};
use crate::linalg::{for_each_block, Float};
use crate::rbm::Rbm;
use crate::sampling::TrainStreams;
use crate::units::UnitKind;
use nalgebra::DMatrix;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Run length and minibatching (immutable configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainerConfig {
    /// Samples per minibatch; each epoch uses `⌊n/batch_size⌋` minibatches of a fresh random
    /// permutation (the remainder of the permutation is not used in that epoch).
    pub batch_size: usize,
    /// Total number of epochs of the run (a resumed run continues up to this number).
    pub epochs: usize,
}

/// Where a run stands (saved in checkpoints; with the generators it determines the rest of the
/// run).
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
    /// The training data the run has seen ([`data_fingerprint`]); `None` before the first
    /// update (and in checkpoints written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_fingerprint: Option<DataFingerprint>,
}

/// What identifies a training set: its shape and the CRC-32 of its values (in storage order,
/// i.e. column by column, each as the little-endian bytes of its f64 value). Kept in checkpoints so that a run is never
/// resumed on other data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFingerprint {
    /// Samples.
    pub rows: usize,
    /// Visible units.
    pub columns: usize,
    /// CRC-32 of the values.
    pub crc32: u32,
}

/// The fingerprint of `data` (one sample per row).
pub fn data_fingerprint<T: Float>(data: &DMatrix<T>) -> DataFingerprint {
    let mut h = crc32fast::Hasher::new();
    let mut bytes = [0u8; 8 * 64];
    for chunk in data.as_slice().chunks(64) {
        for (k, v) in chunk.iter().enumerate() {
            bytes[8 * k..8 * k + 8].copy_from_slice(&v.as_f64().to_le_bytes());
        }
        h.update(&bytes[..8 * chunk.len()]);
    }
    DataFingerprint {
        rows: data.nrows(),
        columns: data.ncols(),
        crc32: h.finalize(),
    }
}

impl Progress {
    /// Checks saved progress against the data a run continues on: the same data (fingerprint,
    /// when the progress has one), a position inside an epoch of `⌊n/batch_size⌋` minibatches,
    /// and a permutation of `0..n` (or none between epochs). Untrusted progress (a checkpoint
    /// file) must pass this before it indexes anything.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] saying what does not fit.
    pub fn check_fits(&self, data: &DataFingerprint, batch_size: usize) -> Result<()> {
        let n = data.rows;
        if let Some(saved) = &self.data_fingerprint {
            if saved != data {
                return Err(Error::invalid(
                    "checkpoint progress",
                    format!(
                        "data of {} × {} (CRC-32 {:08x})",
                        saved.rows, saved.columns, saved.crc32
                    ),
                    format!(
                        "the run continues on other data: {n} × {} (CRC-32 {:08x})",
                        data.columns, data.crc32
                    ),
                ));
            }
        }
        let batches = n / batch_size.max(1);
        if self.batch_in_epoch >= batches.max(1) {
            return Err(Error::invalid(
                "checkpoint progress",
                format!("batch {} of the epoch", self.batch_in_epoch),
                format!("an epoch has {batches} minibatches of {batch_size} ({n} samples)"),
            ));
        }
        if self.permutation.is_empty() {
            if self.batch_in_epoch != 0 {
                return Err(Error::invalid(
                    "checkpoint progress",
                    format!("batch {} of the epoch", self.batch_in_epoch),
                    "no permutation saved for a run inside an epoch",
                ));
            }
            return Ok(());
        }
        let mut seen = vec![false; n];
        let is_permutation = self.permutation.len() == n
            && self
                .permutation
                .iter()
                .all(|&i| i < n && !std::mem::replace(&mut seen[i], true));
        if !is_permutation {
            return Err(Error::invalid(
                "checkpoint progress",
                format!("a permutation of {} entries", self.permutation.len()),
                format!("not a permutation of the {n} samples"),
            ));
        }
        Ok(())
    }
}

/// The training loop. Generic over the estimator (R11: the CLI dispatches once).
pub struct Trainer<V: UnitKind, H: UnitKind, T: Float, E: GradientEstimator<V, H, T>> {
    rbm: Rbm<V, H, T>,
    estimator: E,
    optimizer: Sgd,
    optimizer_state: OptimizerState<T>,
    config: TrainerConfig,
    progress: Progress,
    streams: TrainStreams,
    observers: Vec<Box<dyn TrainingObserver<V, H, T>>>,
    gradient: Gradient<T>,
    batch: DMatrix<T>,
    /// The minibatch's samples one after the other, before they are transposed into `batch`.
    staging: Vec<T>,
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
        streams: TrainStreams,
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
            streams,
            observers: Vec::new(),
            gradient: Gradient::zeros(nv, nh),
            batch: DMatrix::zeros(config.batch_size, nv),
            staging: Vec::new(),
        })
    }

    /// Restores the state of an interrupted run (from a checkpoint): optimiser state, progress
    /// and generators. Persistent chains are restored through the estimator.
    #[must_use]
    pub fn resume_from(
        mut self,
        optimizer_state: OptimizerState<T>,
        progress: Progress,
        streams: TrainStreams,
    ) -> Self {
        self.optimizer_state = optimizer_state;
        self.progress = progress;
        self.streams = streams;
        self
    }

    /// Adds an observer.
    #[must_use]
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

    /// The optimiser state and generators (with `progress` and the estimator's chains, what a
    /// checkpoint must hold to resume bit-identically).
    pub fn optimizer_state_and_streams(&self) -> (OptimizerState<T>, TrainStreams) {
        (self.optimizer_state.clone(), self.streams.clone())
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
        // saved progress (a checkpoint) must fit these data before it indexes them
        let fingerprint = data_fingerprint(data);
        self.progress.check_fits(&fingerprint, bs)?;
        self.progress.data_fingerprint = Some(fingerprint);
        let epochs = epochs.min(self.config.epochs);
        let samples = Samples::of(data);
        let mut epoch_start = Instant::now();
        while self.progress.epoch < epochs {
            if self.progress.batch_in_epoch == 0 && self.progress.permutation.is_empty() {
                let mut perm: Vec<usize> = (0..n).collect();
                perm.shuffle(&mut self.streams.batches);
                self.progress.permutation = perm;
                epoch_start = Instant::now();
            }
            let first = self.progress.batch_in_epoch * bs;
            samples.gather(
                &self.progress.permutation[first..first + bs],
                &mut self.staging,
                &mut self.batch,
            );
            self.estimator.estimate(
                &self.rbm,
                self.batch.as_view(),
                &mut self.streams.sampling,
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
                streams: &self.streams,
                data: data.as_view(),
                epoch_seconds: epoch_start.elapsed().as_secs_f64(),
            };
            for obs in &mut self.observers {
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

    /// Ends the run: calls each observer's `on_finish`, then collects their records
    /// ([`TrainingObserver::take_records`]); returns the model and those records.
    ///
    /// # Errors
    /// Observer errors.
    pub fn finish(mut self, data: &DMatrix<T>) -> Result<Finished<V, H, T>> {
        let snapshot = TrainingSnapshot {
            progress: &self.progress,
            rbm: &self.rbm,
            gradient: &self.gradient,
            chains: self.estimator.chains(),
            optimizer: &self.optimizer_state,
            streams: &self.streams,
            data: data.as_view(),
            epoch_seconds: 0.0,
        };
        for obs in &mut self.observers {
            obs.on_finish(&snapshot)?;
        }
        let mut records = ObserverRecords::default();
        for obs in &mut self.observers {
            if let Some(r) = obs.take_records() {
                records.push(r);
            }
        }
        Ok(Finished {
            rbm: self.rbm,
            records,
        })
    }
}

/// What [`Trainer::finish`] hands back.
#[derive(Debug)]
pub struct Finished<V: UnitKind, H: UnitKind, T: Float> {
    /// The trained model.
    pub rbm: Rbm<V, H, T>,
    /// The observers' records.
    pub records: ObserverRecords,
}

/// The training samples in the form minibatches are gathered from.
enum Samples<T: Float> {
    /// One sample per column (a random row of the column-major data matrix is scattered over
    /// the whole matrix; a column is contiguous).
    Dense(DMatrix<T>),
    /// {0,1} data: the positions of each sample's ones, sample `r`'s at
    /// `ones[offsets[r]..offsets[r + 1]]` (binarised MNIST: 12 MB instead of 188 MB of f32,
    /// so that a minibatch is built from cache instead of main memory).
    Binary {
        n_visible: usize,
        offsets: Vec<usize>,
        ones: Vec<u32>,
    },
}

impl<T: Float> Samples<T> {
    fn of(data: &DMatrix<T>) -> Self {
        let (n, nv) = data.shape();
        let (zero, one) = (T::zero(), T::one());
        let mut counts = vec![0usize; n];
        for column in data.as_slice().chunks_exact(n.max(1)) {
            for (c, &x) in counts.iter_mut().zip(column) {
                if x == one {
                    *c += 1;
                } else if x != zero {
                    return Samples::Dense(data.transpose());
                }
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for c in &counts {
            offsets.push(offsets.last().copied().unwrap_or(0) + c);
        }
        let mut ones = vec![0u32; offsets[n]];
        let mut next = offsets[..n].to_vec();
        for (j, column) in data.as_slice().chunks_exact(n.max(1)).enumerate() {
            for (r, &x) in column.iter().enumerate() {
                if x == one {
                    ones[next[r]] = j as u32;
                    next[r] += 1;
                }
            }
        }
        Samples::Binary {
            n_visible: nv,
            offsets,
            ones,
        }
    }

    /// `out` (`rows.len() × Nv`) ← the samples `rows`, in order.
    fn gather(&self, rows: &[usize], staging: &mut Vec<T>, out: &mut DMatrix<T>) {
        match self {
            Samples::Dense(samples) => gather_rows(samples, rows, staging, out),
            Samples::Binary {
                n_visible,
                offsets,
                ones,
            } => {
                let b = rows.len();
                debug_assert_eq!(out.shape(), (b, *n_visible));
                // The lists are in main memory and each is only a few cache lines: ask for all
                // of them first, so that their loads overlap instead of waiting one by one.
                for &r in rows {
                    for line in ones[offsets[r]..offsets[r + 1]].chunks(16) {
                        crate::linalg::simd::prefetch(line.as_ptr());
                    }
                }
                let dst = out.as_mut_slice();
                dst.fill(T::zero());
                for (k, &r) in rows.iter().enumerate() {
                    for &i in &ones[offsets[r]..offsets[r + 1]] {
                        dst[k + i as usize * b] = T::one();
                    }
                }
            }
        }
    }
}

/// Copies the samples `rows` into the rows of `out` (`rows.len() × Nv`), from `samples`, the
/// data stored one sample per column (`Nv × n`), so that each sample is read contiguously.
///
/// Two parallel passes, each entry a copy (the same result on any thread count): the samples
/// are copied whole into `staging` (the data are mostly in main memory; whole sequential
/// reads let the prefetcher hide the latency), then transposed from there (now in cache) in
/// blocks of 16 samples, so that each column of `out` gets 16 contiguous entries at a time.
fn gather_rows<T: Float>(
    samples: &DMatrix<T>,
    rows: &[usize],
    staging: &mut Vec<T>,
    out: &mut DMatrix<T>,
) {
    const BLOCK: usize = 16;
    const COLUMNS: usize = 64;
    let nv = samples.nrows();
    let b = rows.len();
    if b == 0 || nv == 0 {
        return;
    }
    let src = samples.as_slice();
    staging.resize(b * nv, T::zero());
    let parallel = b * nv >= 1 << 15;
    let copy = |(k, dst): (usize, &mut [T])| {
        dst.copy_from_slice(&src[rows[k] * nv..(rows[k] + 1) * nv]);
    };
    for_each_block(staging, nv, parallel, copy);
    let staged = &staging[..];
    let transpose = |(j, dst): (usize, &mut [T])| {
        let c0 = j * COLUMNS;
        for k0 in (0..b).step_by(BLOCK) {
            let width = (b - k0).min(BLOCK);
            for (c, column) in dst.chunks_exact_mut(b).enumerate() {
                for (t, x) in column[k0..k0 + width].iter_mut().enumerate() {
                    *x = staged[(k0 + t) * nv + c0 + c];
                }
            }
        }
    };
    let dst = out.as_mut_slice();
    for_each_block(dst, COLUMNS * b, parallel, transpose);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathered_rows_are_the_chosen_samples() {
        // 37 samples: two full blocks of 16 and a partial one; repeated and unordered rows.
        let samples = DMatrix::from_fn(30, 50, |i, j| (i * 1000 + j) as f32);
        let rows: Vec<usize> = (0..37).map(|k| (k * 17 + 3) % 50).collect();
        let mut out = DMatrix::zeros(37, 30);
        gather_rows(&samples, &rows, &mut Vec::new(), &mut out);
        for (k, &r) in rows.iter().enumerate() {
            for c in 0..30 {
                assert_eq!(out[(k, c)], samples[(c, r)], "sample {k}, unit {c}");
            }
        }
    }

    #[test]
    fn binary_and_dense_samples_give_the_same_minibatches() {
        // Data stored one sample per row, as the trainer gets it; {0,1} data take the compact
        // form, data with one grey entry the dense one.
        let binary = DMatrix::from_fn(50, 30, |i, j| ((i * 7 + j * 3) % 5 == 0) as u8 as f32);
        let mut grey = binary.clone();
        grey[(4, 4)] = 0.5;
        assert!(matches!(Samples::of(&binary), Samples::Binary { .. }));
        assert!(matches!(Samples::of(&grey), Samples::Dense(_)));
        let rows: Vec<usize> = (0..37).map(|k| (k * 17 + 3) % 50).collect();
        for data in [&binary, &grey] {
            let mut out = DMatrix::zeros(37, 30);
            out.fill(9.0);
            Samples::of(data).gather(&rows, &mut Vec::new(), &mut out);
            for (k, &r) in rows.iter().enumerate() {
                for c in 0..30 {
                    assert_eq!(out[(k, c)], data[(r, c)], "sample {k}, unit {c}");
                }
            }
        }
    }
}
