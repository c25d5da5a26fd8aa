//! Train and test log-likelihood during training, with $\ln Z$ exact when enumeration is cheap
//! and by AIS otherwise.

use super::metrics::exact_likelihood_affordable;
use super::observers::{Cadence, TrainingObserver, TrainingSnapshot};
use crate::error::Result;
use crate::io::table::{write_table, StepRow};
use crate::likelihood::{estimate_log_z, mean_free_energy, LogZMethod, LogZOptions};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::DMatrix;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// One evaluation of the log-likelihood (one row of `likelihood.csv`; the columns are the
/// field names, in order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LikelihoodRecord {
    /// Completed epochs.
    pub epoch: usize,
    /// Updates so far.
    pub step: u64,
    /// How $\ln Z$ was obtained (`exact` or `ais`).
    pub method: LogZMethod,
    /// $\ln \hat Z$.
    pub log_z: f64,
    /// Its standard error (AIS), which is also the standard error of both $L$ values.
    pub log_z_std_error: Option<f64>,
    /// $L_{\rm train} = -\langle F\rangle_{\rm train} - \ln Z$ (nats per sample).
    pub train: f64,
    /// $L_{\rm test}$, when a test set is given.
    pub test: Option<f64>,
    /// Seconds spent on this evaluation.
    pub seconds: f64,
}

impl LikelihoodRecord {
    /// The columns of its table (the field names, in order).
    pub const COLUMNS: [&'static str; 8] = [
        "epoch",
        "step",
        "method",
        "log_z",
        "log_z_std_error",
        "train",
        "test",
        "seconds",
    ];
}

impl StepRow for LikelihoodRecord {
    fn step(&self) -> u64 {
        self.step
    }
}

/// Evaluates $L$ on a training subset (and a test set) at the end of every `every`-th epoch.
///
/// $\ln Z$ is exact when the smaller layer is cheap to enumerate
/// ([`exact_likelihood_affordable`]) and a forward-AIS estimate otherwise, with the base-rate
/// model fitted to the training subset; the monitor draws from its own generator (seeded at
/// construction) so that it never changes the training run's random numbers. Forward AIS is a
/// stochastic lower bound on $\ln Z$, so AIS-based $L$ values lean high when the schedule is short.
pub struct LikelihoodMonitor {
    every: usize,
    train: DMatrix<f64>,
    test: Option<DMatrix<f64>>,
    options: LogZOptions,
    rng: StdRng,
    csv: Option<PathBuf>,
    /// Rows of an earlier part of a resumed run, then those of this part.
    records: Vec<LikelihoodRecord>,
}

impl LikelihoodMonitor {
    /// Evaluates every `every` epochs (≥ 1) on `train` (rows = samples) and `test`, with AIS
    /// settings `options` (its `data` is replaced by `train`), drawing from a generator seeded
    /// with `seed`; rewrites the table `csv` (atomically) after each evaluation when given.
    ///
    /// # Errors
    /// `every = 0`, an empty training subset.
    pub fn new(
        every: usize,
        train: DMatrix<f64>,
        test: Option<DMatrix<f64>>,
        options: LogZOptions,
        seed: u64,
        csv: Option<PathBuf>,
    ) -> Result<Self> {
        if every == 0 {
            return Err(crate::Error::invalid(
                "likelihood_every",
                0,
                "must be at least 1",
            ));
        }
        if train.nrows() == 0 {
            return Err(crate::Error::invalid(
                "likelihood_samples",
                0,
                "the training subset is empty",
            ));
        }
        let options = LogZOptions {
            data: Some(train.clone()),
            ..options
        };
        Ok(LikelihoodMonitor {
            every,
            train,
            test,
            options,
            rng: StdRng::seed_from_u64(seed),
            csv,
            records: Vec::new(),
        })
    }

    /// Starts from the rows of an earlier part of a resumed run (read by the caller, and cut
    /// at the resumed step: see [`crate::io::table::resume_table`]); they stay at the top of
    /// the table.
    #[must_use]
    pub fn with_previous(mut self, records: Vec<LikelihoodRecord>) -> Self {
        self.records = records;
        self
    }

    /// The evaluations so far (those of an earlier part of a resumed run first).
    pub fn records(&self) -> &[LikelihoodRecord] {
        &self.records
    }

    /// Evaluates the model now and records the result.
    ///
    /// # Errors
    /// Estimation errors (shape mismatch, units AIS cannot handle).
    pub fn evaluate<V: UnitKind, H: UnitKind, T: Float>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        epoch: usize,
        step: u64,
    ) -> Result<LikelihoodRecord> {
        let clock = Instant::now();
        let method = if exact_likelihood_affordable(rbm) {
            LogZMethod::Exact
        } else {
            LogZMethod::Ais
        };
        let report = estimate_log_z(rbm, method, &self.options, &mut self.rng)?;
        let mean_f = |d: &DMatrix<f64>| mean_free_energy(rbm, d.map(T::of).as_view());
        let train = -mean_f(&self.train)? - report.log_z;
        let test = match &self.test {
            Some(t) => Some(-mean_f(t)? - report.log_z),
            None => None,
        };
        let record = LikelihoodRecord {
            epoch,
            step,
            method,
            log_z: report.log_z,
            log_z_std_error: report.std_error,
            train,
            test,
            seconds: clock.elapsed().as_secs_f64(),
        };
        self.records.push(record.clone());
        if let Some(path) = &self.csv {
            write_table(path, None, &self.records)?;
        }
        Ok(record)
    }
}

impl<V: UnitKind, H: UnitKind, T: Float> TrainingObserver<V, H, T> for LikelihoodMonitor {
    fn cadence(&self) -> Cadence {
        Cadence::Never
    }

    fn on_epoch_end(&mut self, s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        if s.progress.epoch.is_multiple_of(self.every) {
            self.evaluate(s.rbm, s.progress.epoch, s.progress.step)?;
        }
        Ok(())
    }

    fn take_records(&mut self) -> Option<Box<dyn std::any::Any + Send>> {
        Some(Box::new(std::mem::take(&mut self.records)))
    }
}
