//! A training run as a user configures it: dataset, model, estimator, optimiser, observers, and
//! a run directory. Shared by `rbmdyn train` and the validation cases.
//!
//! # Run directory
//! Its files are named by [`RunDir`] only (list there): `config.toml`, the tables
//! `metrics.csv` ([`EpochMetrics`]), `likelihood.csv`, `equilibrium.csv`, `spectrum/` (see
//! [`SpectrumTracker`]), and the checkpoints and final model (see [`CheckpointWriter`]).
//!
//! A run is reproducible from (configuration, seed, data); `resume` continues from
//! `checkpoint.npz` and gives parameters bit-identical to an uninterrupted run. On resume the
//! configuration is checked against `config.toml`, and every table drops its rows of steps
//! after the checkpoint's and is rewritten ([`crate::io::table::resume_table`]).

pub mod checkpoint;
pub mod checkpoint_writer;
pub mod config;
pub mod dir;

pub use checkpoint::{load_checkpoint, save_checkpoint, Checkpoint};
pub use checkpoint_writer::CheckpointWriter;
pub use config::{
    AisSchedule, CheckedConfig, CheckpointConfig, DataConfig, EquilibriumConfig, Estimator,
    EstimatorKind, HiddenType, LikelihoodConfig, ModelConfig, OptimiserConfig, Precision,
    SpectrumConfig, TrainConfig, VisibleType,
};
pub use dir::RunDir;

use crate::data::{self, Dataset, DatasetChoice, Encoding};
use crate::error::{Error, Result};
use crate::io::table::resume_table;
use crate::io::write_atomic;
use crate::linalg::Float;
use crate::rbm::init::{initialise, WeightInit};
use crate::rbm::AnyRbm;
use crate::sampling::ChainState;
use crate::training::{
    train_rng, Cadence, ContrastiveDivergence, EpochMetrics, ExactGradient, GradientEstimator,
    LikelihoodRecord, LogSink, MetricsMonitor, PersistentContrastiveDivergence,
    ProgressBarObserver, Sgd, SpectrumTracker, Trainer, TrainerConfig,
};
use crate::units::AnyUnit;
use nalgebra::DMatrix;
use std::path::{Path, PathBuf};

impl TrainConfig {
    /// Loads the configured dataset in the encoding of the visible units, cut to `limit`.
    ///
    /// # Errors
    /// Data not found or malformed.
    pub fn load_dataset(&self) -> Result<Dataset> {
        load_data(&self.data.dataset, &self.data, self.model.visible_type)
    }
}

/// Loads `choice` with the root, threshold and limit of `data`, encoded for `visible`.
fn load_data(choice: &DatasetChoice, data: &DataConfig, visible: VisibleType) -> Result<Dataset> {
    let encoding = match visible {
        VisibleType::Ising => Encoding::Ising,
        VisibleType::Binary => Encoding::Binary,
    };
    let mut ds = data::load(choice, data.root.as_deref(), data.threshold, encoding)?;
    if let Some(n) = data.limit {
        if n < ds.samples.nrows() {
            ds.samples = ds.samples.rows(0, n).clone_owned();
            if let Some(l) = ds.labels.as_mut() {
                l.truncate(n);
            }
        }
    }
    Ok(ds)
}

/// Options of a run that do not change its numbers.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Show a progress bar and one log line per epoch.
    pub progress: bool,
    /// Continue from `RUN_DIR/checkpoint.npz`.
    pub resume: bool,
}

/// What a finished run reports.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// The run directory.
    pub run_dir: PathBuf,
    /// Per-epoch metrics (including those of earlier parts of a resumed run).
    pub metrics: Vec<EpochMetrics>,
    /// The final model.
    pub model: AnyRbm<f64>,
    /// Number of training samples.
    pub n_samples: usize,
}

/// Trains as configured into `run_dir` (loads the dataset itself).
///
/// # Errors
/// Bad configuration, data not found or malformed, files that cannot be written, non-finite
/// parameters (learning rate too large).
pub fn train(config: &CheckedConfig, run_dir: &Path, options: &RunOptions) -> Result<RunSummary> {
    let dataset = config.load_dataset()?;
    train_on(config, &dataset, run_dir, options)
}

/// Trains as configured on an already loaded dataset (`config.dataset` is only recorded).
///
/// # Errors
/// As [`train`].
pub fn train_on(
    config: &CheckedConfig,
    dataset: &Dataset,
    run_dir: &Path,
    options: &RunOptions,
) -> Result<RunSummary> {
    std::fs::create_dir_all(run_dir).map_err(|e| Error::io(run_dir, e))?;
    match config.precision {
        Precision::F64 => train_typed::<f64>(config, dataset, run_dir, options),
        Precision::F32 => train_typed::<f32>(config, dataset, run_dir, options),
    }
}

fn train_typed<T: Float>(
    config: &CheckedConfig,
    dataset: &Dataset,
    run_dir: &Path,
    options: &RunOptions,
) -> Result<RunSummary> {
    let data: DMatrix<T> = dataset.samples.map(T::of);
    let files = RunDir::new(run_dir);
    // A fresh run draws its initial weights (and below, its chains) from the run's generator;
    // a resumed run replaces that generator by the saved one.
    let mut rng = train_rng(config.seed);
    let (rbm, chains, resume_state, history) = if options.resume {
        let c = load_checkpoint::<T>(&files.checkpoint())?;
        // the saved progress must fit the data the run continues on (no index arithmetic on a
        // checkpoint's values before this)
        c.progress
            .check_fits(
                &crate::training::data_fingerprint(&data),
                config.optimiser.batch_size,
            )
            .map_err(|e| Error::format(files.checkpoint(), e.to_string()))?;
        // the run's config.toml (a directory without one is resumed unchecked)
        let saved: Option<TrainConfig> = if files.config_toml().exists() {
            Some(files.read_config()?)
        } else {
            None
        };
        if let Some(mut saved) = saved {
            // A resumed run may be extended: only the number of epochs may change.
            saved.optimiser.epochs = config.optimiser.epochs;
            if &saved != config.config() {
                return Err(Error::invalid(
                    "--resume",
                    run_dir.display(),
                    "the configuration differs from the run's config.toml; resume with the \
                     run's own config.toml",
                ));
            }
        }
        let history = resume_table(
            &files.metrics_csv(),
            &EpochMetrics::COLUMNS,
            c.progress.step,
        )?;
        (
            c.rbm,
            c.chains,
            Some((c.optimizer, c.progress, c.streams)),
            history,
        )
    } else {
        let rbm = initial_rbm::<T>(config, dataset, &mut rng)?;
        (rbm, None, None, Vec::new())
    };
    write_atomic(&files.config_toml(), config.to_toml().as_bytes())?;
    let metadata = serde_json::json!({
        "dataset": dataset.name,
        "n_samples": dataset.samples.nrows(),
        "rbmdyn_version": env!("CARGO_PKG_VERSION"),
    });
    let trainer_config = TrainerConfig {
        batch_size: config.optimiser.batch_size,
        epochs: config.optimiser.epochs,
    };
    let sgd = config.sgd();
    let ctx = RunContext {
        config,
        run_dir,
        options,
        metadata,
        history,
        n_samples: data.nrows(),
    };
    match config.estimator {
        Estimator::Pcd {
            gibbs_steps,
            chains: n_chains,
        } => {
            let chains = match chains {
                Some(c) => c,
                None => ChainState::random(&rbm, n_chains, &mut rng),
            };
            let est = PersistentContrastiveDivergence::new(gibbs_steps, chains)?
                .with_dense_products(config.dense_products);
            run_with(ctx, rbm, est, sgd, trainer_config, rng, resume_state, &data)
        }
        Estimator::Emf {
            order,
            iterations,
            damping,
            chains: n_chains,
        } => {
            let chains = match chains {
                Some(c) => c,
                None => ChainState::random(&rbm, n_chains, &mut rng),
            };
            // the particles start at random visible states with E[h | v]
            let start =
                crate::mean_field::Magnetizations::from_visible(&rbm, chains.visible.as_view())?;
            let est = crate::training::TapGradient::new(order, iterations, damping, start)?;
            let est = if options.resume {
                let mut est = est;
                crate::training::GradientEstimator::<AnyUnit, AnyUnit, T>::set_chains(
                    &mut est, chains,
                );
                est
            } else {
                est
            };
            run_with(ctx, rbm, est, sgd, trainer_config, rng, resume_state, &data)
        }
        Estimator::Cd { gibbs_steps } => {
            let est =
                ContrastiveDivergence::new(gibbs_steps)?.with_dense_products(config.dense_products);
            run_with(ctx, rbm, est, sgd, trainer_config, rng, resume_state, &data)
        }
        Estimator::Exact => run_with(
            ctx,
            rbm,
            ExactGradient::new(),
            sgd,
            trainer_config,
            rng,
            resume_state,
            &data,
        ),
    }
}

/// The model a fresh run starts from, drawn from `rng` (the run's generator
/// [`train_rng`]`(config.seed)` right after its creation): weights
/// $\mathcal N(0, \texttt{weight\_std}^2)$ in the training float type, visible bias per
/// `visible_bias_init`, hidden bias zero.
///
/// # Errors
/// A dataset that does not fit.
pub fn initial_rbm<T: Float>(
    config: &CheckedConfig,
    dataset: &Dataset,
    rng: &mut crate::training::TrainRng,
) -> Result<AnyRbm<T>> {
    let m = &config.model;
    initialise(
        dataset.samples.ncols(),
        m.hidden,
        m.visible_type.unit(),
        m.hidden_type.unit(),
        WeightInit::Gaussian { std: m.weight_std },
        m.visible_bias_init,
        Some(dataset.samples.as_view()),
        rng,
    )
}

/// The initial model of the run `config` on `dataset`, exactly as [`train_on`] draws it
/// (same generator, same float type, then widened to f64): the $W(0)$ and biases a linear
/// theory of the run must start from.
///
/// # Errors
/// As [`initial_rbm`].
pub fn initial_model(config: &CheckedConfig, dataset: &Dataset) -> Result<AnyRbm<f64>> {
    let mut rng = train_rng(config.seed);
    match config.precision {
        Precision::F64 => initial_rbm::<f64>(config, dataset, &mut rng),
        Precision::F32 => Ok(initial_rbm::<f32>(config, dataset, &mut rng)?.cast::<f64>()),
    }
}

/// [`train_on`], unless `run_dir` already holds a finished run of exactly this configuration
/// (its `config.toml` equals `config`, `model.npz` exists, `checkpoint.npz` has this
/// version's format and `metrics.csv` reaches `config.epochs`): then that run is loaded instead of trained again. Returns the summary and
/// whether it was reused. Runs are reproducible from (configuration, seed, data), so a reused
/// run has the numbers a new one would have.
///
/// # Errors
/// As [`train_on`], or a finished run's files that cannot be read.
pub fn train_or_reuse(
    config: &CheckedConfig,
    dataset: &Dataset,
    run_dir: &Path,
    options: &RunOptions,
) -> Result<(RunSummary, bool)> {
    let files = RunDir::new(run_dir);
    let model_path = files.model();
    let saved = TrainConfig::from_toml_file(&files.config_toml()).ok();
    if saved.as_ref() == Some(config.config())
        && model_path.exists()
        && checkpoint::is_current_checkpoint(&files.checkpoint())
    {
        // a table that cannot be read means the run is not reused (it is trained again)
        let metrics = files.read_metrics().unwrap_or_default();
        if metrics.last().map(|m| m.epoch) == Some(config.optimiser.epochs) {
            let model = crate::io::load_model(&model_path)?;
            return Ok((
                RunSummary {
                    run_dir: run_dir.to_path_buf(),
                    metrics,
                    model,
                    n_samples: dataset.samples.nrows(),
                },
                true,
            ));
        }
    }
    if files.checkpoint().exists() {
        // an unfinished or different run: start afresh (its files are overwritten)
        let _ = std::fs::remove_file(files.checkpoint());
    }
    Ok((train_on(config, dataset, run_dir, options)?, false))
}

/// The train/test log-likelihood observer of a run (`likelihood_every > 0`); `resumed_at`: the
/// step of the checkpoint a resumed run continues from.
fn likelihood_monitor<T: Float>(
    ctx: &RunContext<'_>,
    data: &DMatrix<T>,
    resumed_at: Option<u64>,
) -> Result<crate::training::LikelihoodMonitor> {
    let c = ctx.config;
    let l = &c.likelihood;
    let n = l.samples.max(1);
    let train = data.rows(0, n.min(data.nrows())).map(|x| x.as_f64());
    let test = match &l.test_dataset {
        Some(choice) => {
            let data = DataConfig {
                limit: Some(n),
                ..c.data.clone()
            };
            Some(load_data(choice, &data, c.model.visible_type)?.samples)
        }
        None => None,
    };
    let options = crate::likelihood::LogZOptions {
        schedule: l.schedule.schedule().clone(),
        runs: l.runs,
        ..Default::default()
    };
    let csv = RunDir::new(ctx.run_dir).likelihood_csv();
    let monitor = crate::training::LikelihoodMonitor::new(
        l.every,
        train,
        test,
        options,
        c.seed ^ 0x4c49_4b45,
        Some(csv.clone()),
    )?;
    Ok(match resumed_at {
        Some(step) => monitor.with_previous(resume_table(&csv, &LikelihoodRecord::COLUMNS, step)?),
        None => monitor,
    })
}

struct RunContext<'a> {
    config: &'a CheckedConfig,
    run_dir: &'a Path,
    options: &'a RunOptions,
    metadata: serde_json::Value,
    history: Vec<EpochMetrics>,
    n_samples: usize,
}

type ResumeState<T> = (
    crate::training::OptimizerState<T>,
    crate::training::Progress,
    crate::training::TrainStreams,
);

#[allow(clippy::too_many_arguments)]
fn run_with<T: Float, E: GradientEstimator<AnyUnit, AnyUnit, T> + 'static>(
    ctx: RunContext<'_>,
    rbm: AnyRbm<T>,
    estimator: E,
    sgd: Sgd,
    trainer_config: TrainerConfig,
    rng: crate::training::TrainRng,
    resume: Option<ResumeState<T>>,
    data: &DMatrix<T>,
) -> Result<RunSummary> {
    // the run's generator, after the initial model and chains, feeds the sampler; the batch
    // order has a stream of its own
    let streams = crate::training::TrainStreams::of_run(ctx.config.seed, rng);
    let mut trainer = Trainer::new(rbm, estimator, sgd, trainer_config, streams)?;
    if let Some((opt, progress, streams)) = resume {
        trainer = trainer.resume_from(opt, progress, streams);
    }
    let batches = (ctx.n_samples / ctx.config.optimiser.batch_size.max(1)) as u64;
    let total = batches * ctx.config.optimiser.epochs as u64;
    let sink = if ctx.options.progress {
        let bar = ProgressBarObserver::training_bar(total, trainer.progress().step);
        trainer.observe_boxed(Box::new(ProgressBarObserver::new(bar.clone())));
        LogSink::Bar(bar)
    } else {
        LogSink::Silent
    };
    let spectrum = &ctx.config.spectrum;
    if spectrum.per_decade > 0 {
        let cadence = Cadence::LogSpaced {
            per_decade: spectrum.per_decade,
        };
        let mut tracker = SpectrumTracker::new(
            RunDir::new(ctx.run_dir).spectrum_files(),
            cadence,
            spectrum.vectors,
        );
        let step = trainer.progress().step;
        if ctx.options.resume {
            tracker = tracker.resuming_at(step)?;
        } else {
            tracker.record(trainer.rbm(), 0, 0)?;
        }
        trainer.observe_boxed(Box::new(tracker));
    }
    if let Some(mut observer) = ctx.config.equilibrium_observer::<T>(ctx.run_dir)? {
        if ctx.options.resume {
            observer = observer.resuming_at(trainer.progress().step)?;
        } else {
            observer.record(trainer.rbm(), 0)?;
        }
        trainer.observe_boxed(Box::new(observer));
    }
    if ctx.config.likelihood.every > 0 {
        let resumed_at = ctx.options.resume.then(|| trainer.progress().step);
        trainer.observe_boxed(Box::new(likelihood_monitor(&ctx, data, resumed_at)?));
    }
    let files = RunDir::new(ctx.run_dir);
    trainer.observe_boxed(Box::new(
        MetricsMonitor::new(Some(files.metrics_csv()), sink).with_history(ctx.history),
    ));
    let cadence = if ctx.config.checkpoints.per_decade > 0 {
        Cadence::LogSpaced {
            per_decade: ctx.config.checkpoints.per_decade,
        }
    } else {
        Cadence::Never
    };
    trainer.observe_boxed(Box::new(CheckpointWriter::new(
        files,
        cadence,
        ctx.metadata,
    )));
    trainer.run(data)?;
    let mut finished = trainer.finish(data)?;
    // the metrics monitor's records: the rows of an earlier part of a resumed run (read from
    // metrics.csv at the start) and this part's
    let metrics = finished
        .records
        .take::<Vec<EpochMetrics>>()
        .unwrap_or_default();
    Ok(RunSummary {
        run_dir: ctx.run_dir.to_path_buf(),
        metrics,
        model: finished.rbm.cast::<f64>(),
        n_samples: ctx.n_samples,
    })
}
