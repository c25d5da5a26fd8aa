//! Per-epoch metrics as an observer: reconstruction error, exact log-likelihood (small models),
//! weight statistics; one log line per epoch and a CSV in the run directory.

use super::observers::{Cadence, TrainingObserver, TrainingSnapshot};
use crate::error::Result;
use crate::io::table::{write_table, StepRow};
use crate::likelihood::exact_log_likelihood;
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::DMatrixView;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Largest enumeration work, $2^{n_L} \times n_O$ log-partition evaluations (enumerated layer
/// $L$, summed layer $O$), for which the exact log-likelihood is computed every epoch: $2^{27}$
/// evaluations take about 0.7 s on the 2-core dev machine (784 × 18 models: 1.0 s for $2^{27.6}$;
/// `notes/performance.md`).
pub const EXACT_LIKELIHOOD_MAX_WORK: f64 = 134_217_728.0; // 2^27

/// Rows of the training data used for the reconstruction error.
pub const RECONSTRUCTION_ROWS: usize = 1000;

/// Metrics at the end of one epoch (one row of `metrics.csv`; the columns are the field
/// names, in order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// Completed epochs.
    pub epoch: usize,
    /// Parameter updates so far.
    pub step: u64,
    /// Wall-clock seconds of this epoch.
    pub seconds: f64,
    /// Mean squared reconstruction error $\langle (v - E[v \mid E[h\mid v]])^2\rangle$ over the
    /// first [`RECONSTRUCTION_ROWS`] training rows (deterministic: conditional means, no draws).
    pub reconstruction_error: f64,
    /// Exact $L$ (nats per sample) of the training set, for models small enough to enumerate.
    pub log_likelihood: Option<f64>,
    /// Standard deviation of the entries of $W$ (Fissore's $T_{\rm eff} = 1/\mathrm{Var}(W)$).
    pub weight_std: f64,
}

impl EpochMetrics {
    /// The columns of its table (the field names, in order).
    pub const COLUMNS: [&'static str; 6] = [
        "epoch",
        "step",
        "seconds",
        "reconstruction_error",
        "log_likelihood",
        "weight_std",
    ];
}

impl StepRow for EpochMetrics {
    fn step(&self) -> u64 {
        self.step
    }
}

/// Deterministic mean-field reconstruction error of the rows of `data` (see [`EpochMetrics`]).
pub fn reconstruction_error<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
    data: DMatrixView<'_, T>,
) -> f64 {
    if data.nrows() == 0 {
        return f64::NAN;
    }
    let mh = rbm.hidden_means(data);
    let mv = rbm.visible_means(mh.as_view());
    let mut acc = 0.0;
    for (x, y) in data.iter().zip(mv.iter()) {
        let d = x.as_f64() - y.as_f64();
        acc += d * d;
    }
    acc / (data.nrows() * data.ncols()) as f64
}

/// Standard deviation of the entries of $W$.
pub fn weight_std<V: UnitKind, H: UnitKind, T: Float>(rbm: &Rbm<V, H, T>) -> f64 {
    let w = rbm.weights();
    let n = w.len().max(1) as f64;
    let mean = w.iter().map(|x| x.as_f64()).sum::<f64>() / n;
    (w.iter().map(|x| (x.as_f64() - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// Whether the exact log-likelihood is cheap enough to compute every epoch.
pub fn exact_likelihood_affordable<V: UnitKind, H: UnitKind, T: Float>(rbm: &Rbm<V, H, T>) -> bool {
    let work = |n_enumerated: usize, n_other: usize| {
        2f64.powi(n_enumerated.min(1000) as i32) * n_other as f64
    };
    let v = rbm.visible().discrete_states().is_some()
        && work(rbm.n_visible(), rbm.n_hidden()) <= EXACT_LIKELIHOOD_MAX_WORK;
    let h = rbm.hidden().discrete_states().is_some()
        && work(rbm.n_hidden(), rbm.n_visible()) <= EXACT_LIKELIHOOD_MAX_WORK;
    v || h
}

/// Where the epoch log lines go.
#[derive(Clone, Debug, Default)]
pub enum LogSink {
    /// Nowhere.
    #[default]
    Silent,
    /// Standard error.
    Stderr,
    /// Above a progress bar (so the bar is not broken).
    Bar(indicatif::ProgressBar),
}

/// Records [`EpochMetrics`] after each epoch, prints one line per epoch, and rewrites its
/// table (atomically, through [`crate::io::table`]) when given a path. Its records
/// (`Vec<EpochMetrics>`, history included) come back from [`super::Trainer::finish`].
#[derive(Debug)]
pub struct MetricsMonitor {
    records: Vec<EpochMetrics>,
    csv: Option<PathBuf>,
    sink: LogSink,
}

impl MetricsMonitor {
    /// A monitor writing to `csv` (if any) and logging to `sink`.
    pub fn new(csv: Option<PathBuf>, sink: LogSink) -> Self {
        MetricsMonitor {
            records: Vec::new(),
            csv,
            sink,
        }
    }

    /// Starts from earlier records (a resumed run keeps its history).
    #[must_use]
    pub fn with_history(mut self, records: Vec<EpochMetrics>) -> Self {
        self.records = records;
        self
    }

    /// The records so far.
    pub fn records(&self) -> &[EpochMetrics] {
        &self.records
    }
}

impl<V: UnitKind, H: UnitKind, T: Float> TrainingObserver<V, H, T> for MetricsMonitor {
    fn cadence(&self) -> Cadence {
        Cadence::Never
    }

    fn on_epoch_end(&mut self, s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        let rows = s.data.nrows().min(RECONSTRUCTION_ROWS);
        let reconstruction_error = reconstruction_error(s.rbm, s.data.rows(0, rows));
        let log_likelihood = if exact_likelihood_affordable(s.rbm) {
            Some(exact_log_likelihood(s.rbm, s.data)?)
        } else {
            None
        };
        let m = EpochMetrics {
            epoch: s.progress.epoch,
            step: s.progress.step,
            seconds: s.epoch_seconds,
            reconstruction_error,
            log_likelihood,
            weight_std: weight_std(s.rbm),
        };
        let line = format!(
            "epoch {:>4}  step {:>8}  {:>7.2} s  recon {:.5}{}  std(W) {:.4e}",
            m.epoch,
            m.step,
            m.seconds,
            m.reconstruction_error,
            m.log_likelihood
                .map(|l| format!("  L {l:.5}"))
                .unwrap_or_default(),
            m.weight_std
        );
        match &self.sink {
            LogSink::Silent => {}
            LogSink::Stderr => eprintln!("{line}"),
            // A hidden bar (output not a terminal) drops println: log to stderr instead.
            LogSink::Bar(pb) if pb.is_hidden() => eprintln!("{line}"),
            LogSink::Bar(pb) => pb.println(line),
        }
        self.records.push(m);
        if let Some(path) = &self.csv {
            write_table(path, None, &self.records)?;
        }
        Ok(())
    }

    fn take_records(&mut self) -> Option<Box<dyn std::any::Any + Send>> {
        Some(Box::new(std::mem::take(&mut self.records)))
    }
}

/// A progress bar over the minibatches of a run.
#[derive(Debug)]
pub struct ProgressBarObserver {
    bar: indicatif::ProgressBar,
}

impl ProgressBarObserver {
    /// Wraps `bar` (its length should be the total number of updates of the run).
    pub fn new(bar: indicatif::ProgressBar) -> Self {
        ProgressBarObserver { bar }
    }

    /// A bar styled for training runs, of `total` updates, starting at `done`.
    pub fn training_bar(total: u64, done: u64) -> indicatif::ProgressBar {
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} updates ({per_sec}, eta {eta})",
        ) {
            bar.set_style(style);
        }
        bar.set_position(done);
        bar
    }
}

impl<V: UnitKind, H: UnitKind, T: Float> TrainingObserver<V, H, T> for ProgressBarObserver {
    fn cadence(&self) -> Cadence {
        Cadence::EveryStep
    }
    fn on_step(&mut self, _s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        self.bar.inc(1);
        Ok(())
    }
    fn on_finish(&mut self, _s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        self.bar.finish_and_clear();
        Ok(())
    }
}
