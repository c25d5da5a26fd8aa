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
//! configuration is checked against `config.toml` (or, for a run directory without one, the
//! copy older checkpoints carry in their metadata), and every table drops its rows of steps
//! after the checkpoint's and is rewritten ([`crate::io::table::resume_table`]).

pub mod checkpoint;
pub mod checkpoint_writer;
pub mod dir;

pub use checkpoint::{load_checkpoint, save_checkpoint, Checkpoint};
pub use checkpoint_writer::CheckpointWriter;
pub use dir::RunDir;

use crate::data::{self, Dataset, DatasetChoice, Encoding};
use crate::error::{Error, Result};
use crate::io::table::resume_table;
use crate::io::write_atomic;
use crate::linalg::Float;
use crate::rbm::init::{initialise, VisibleBiasInit, WeightInit, DEFAULT_FREQUENCY_CLIP};
use crate::rbm::AnyRbm;
use crate::sampling::ChainState;
use crate::training::{
    train_rng, Cadence, ContrastiveDivergence, EpochMetrics, ExactGradient, GradientEstimator,
    LikelihoodRecord, LogSink, MetricsMonitor, PersistentContrastiveDivergence,
    ProgressBarObserver, Sgd, SpectrumTracker, Trainer, TrainerConfig,
};
use crate::units::AnyUnit;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Everything that defines a training run (the `config.toml` of a run directory).
///
/// Defaults are Fissore 2017's MNIST settings: 784 × 500 {0,1} units, batch 100, learning rate
/// 0.01, PCD-5 with 100 persistent chains, weights $\mathcal N(0, 0.01^2)$, visible bias from
/// the data frequencies (eq. 19), hidden bias zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Dataset: `mnist`, `mnist:0,1` (digit subset), `mnist-test`, `genome`, `digits`,
    /// `file:PATH` (whitespace-separated 0/1 rows).
    pub dataset: String,
    /// Data root (else `RBMDYN_DATA`, else `../shared/data`).
    pub data: Option<PathBuf>,
    /// Binarisation threshold on the normalised pixel value (value ≥ threshold → 1).
    pub threshold: f64,
    /// Use only the first `limit` samples.
    pub limit: Option<usize>,
    /// Visible unit type: `binary` ({0,1}), `ising` (±1).
    pub visible_type: String,
    /// Hidden unit type: `binary`, `ising`, `gaussian` (precision 1).
    pub hidden_type: String,
    /// Number of hidden units.
    pub hidden: usize,
    /// Gradient estimator: `pcd`, `cd`, `exact`, `emf` (TAP / extended mean field).
    pub estimator: String,
    /// EMF expansion order: `naive`, `tap2`, `tap3`.
    pub emf_order: String,
    /// EMF: damped TAP iterations per update from the persistent magnetisations.
    pub emf_iterations: usize,
    /// EMF: damping ρ of the TAP iteration, in [0, 1).
    pub emf_damping: f64,
    /// Gibbs sweeps per update (CD-k, PCD-k).
    pub gibbs_steps: usize,
    /// Persistent chains (PCD) or persistent magnetisations ("fantasy particles", EMF).
    pub chains: usize,
    /// Samples per minibatch.
    pub batch_size: usize,
    /// Learning rate.
    pub learning_rate: f64,
    /// Momentum in [0, 1).
    pub momentum: f64,
    /// L2 weight decay on W.
    pub weight_decay: f64,
    /// Train the biases (false: they stay at their initial values).
    pub train_biases: bool,
    /// Epochs.
    pub epochs: usize,
    /// Seed of the run's generator.
    pub seed: u64,
    /// Standard deviation of the initial weights.
    pub weight_std: f64,
    /// Initial visible bias: `data` (Fissore eq. 19) or `zero`.
    pub visible_bias_init: String,
    /// Float type of the training path: `f32` or `f64`.
    pub precision: String,
    /// Log-spaced checkpoints per decade of update steps (0: none besides epoch ends).
    pub checkpoints_per_decade: u32,
    /// Evaluate the train (and test) log-likelihood every this many epochs (0: never), with
    /// ln Z exact when enumeration is cheap and by AIS otherwise; written to `likelihood.csv`.
    pub likelihood_every: usize,
    /// Training rows (and test rows) the log-likelihood is averaged over.
    pub likelihood_samples: usize,
    /// AIS temperatures for the log-likelihood (`uniform:K`, `sm`, `sm:SCALE`).
    pub likelihood_schedule: String,
    /// AIS runs for the log-likelihood.
    pub likelihood_runs: usize,
    /// Test set for the log-likelihood (a dataset spelling, e.g. `mnist-test`).
    pub test_dataset: Option<String>,
    /// Log-spaced SVDs of W per decade of update steps, written to `spectrum/` (0: none).
    /// Step 0 (initialisation) and the final model are always included when this is > 0.
    pub spectrum_per_decade: u32,
    /// Singular vectors (left and right) kept per spectrum save; all singular values are kept.
    pub spectrum_vectors: usize,
    /// Equilibrium measurements of the frozen model along its top mode per decade of update
    /// steps, into `equilibrium.csv` (0: off unless `equilibrium_control_step > 0`; step 0 and
    /// the final model are included whenever the observer is on).
    pub equilibrium_per_decade: u32,
    /// Also measure whenever the control parameter g moved by at least this much since the
    /// last measurement while g ∈ [`equilibrium_control_min`, `equilibrium_control_max`]
    /// (0: off). Costs a few power-iteration steps per update.
    pub equilibrium_control_step: f64,
    /// Compute every field product by GEMM, even for sparse {0,1} states (the reference path
    /// for benchmarks; by default {0,1} states with few ones take the sparse path,
    /// `rbm::products`).
    pub dense_products: bool,
    /// Lower end of the g window of the control trigger.
    pub equilibrium_control_min: f64,
    /// Upper end of the g window of the control trigger.
    pub equilibrium_control_max: f64,
    /// Independent Gibbs chains per equilibrium measurement (≥ 2).
    pub equilibrium_chains: usize,
    /// Production sweeps per chain of a measurement's first attempt (doubled until the τ
    /// estimates are trustworthy).
    pub equilibrium_sweeps: usize,
    /// Cap on the sweeps per chain of one measurement (burn-in included).
    pub equilibrium_max_sweeps: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            dataset: "mnist".into(),
            data: None,
            threshold: 0.5,
            limit: None,
            visible_type: "binary".into(),
            hidden_type: "binary".into(),
            hidden: 500,
            estimator: "pcd".into(),
            emf_order: "tap2".into(),
            emf_iterations: 3,
            emf_damping: 0.5,
            gibbs_steps: 5,
            chains: 100,
            batch_size: 100,
            learning_rate: 0.01,
            momentum: 0.0,
            weight_decay: 0.0,
            train_biases: true,
            epochs: 10,
            seed: 0,
            weight_std: 0.01,
            visible_bias_init: "data".into(),
            precision: "f32".into(),
            checkpoints_per_decade: 10,
            likelihood_every: 0,
            likelihood_samples: 1000,
            likelihood_schedule: "uniform:1000".into(),
            likelihood_runs: 100,
            test_dataset: None,
            spectrum_per_decade: 10,
            spectrum_vectors: 20,
            equilibrium_per_decade: 0,
            equilibrium_control_step: 0.0,
            dense_products: false,
            equilibrium_control_min: 0.5,
            equilibrium_control_max: 2.0,
            equilibrium_chains: 16,
            equilibrium_sweeps: 2000,
            equilibrium_max_sweeps: 64_000,
        }
    }
}

/// How the user chose the estimator (R11: mapped once to a concrete estimator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EstimatorChoice {
    /// CD-k.
    Cd,
    /// PCD-k.
    Pcd,
    /// Exact negative phase by enumeration.
    Exact,
    /// Extended mean field (TAP) with persistent magnetisations.
    Emf,
}

impl FromStr for EstimatorChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cd" => Ok(EstimatorChoice::Cd),
            "pcd" => Ok(EstimatorChoice::Pcd),
            "exact" => Ok(EstimatorChoice::Exact),
            "emf" | "tap" => Ok(EstimatorChoice::Emf),
            other => Err(Error::invalid(
                "estimator",
                format!("'{other}'"),
                "expected one of pcd, cd, exact, emf",
            )),
        }
    }
}

impl TrainConfig {
    /// Reads a TOML file; unknown keys are errors (a typo must not pass silently).
    ///
    /// # Errors
    /// [`Error::Io`] if unreadable, [`Error::Format`] naming the file and the TOML fault.
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text).map_err(|e| Error::format(path, e.to_string()))
    }

    /// The configuration as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot serialise: {e}\n"))
    }

    /// Checks every value (R3: bad configuration fails before any work).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad key.
    pub fn check(&self) -> Result<()> {
        DatasetChoice::from_str(&self.dataset)?;
        self.estimator_choice()?;
        self.units()?;
        let positive = [
            ("hidden", self.hidden),
            ("batch_size", self.batch_size),
            ("gibbs_steps", self.gibbs_steps),
            ("chains", self.chains),
            ("emf_iterations", self.emf_iterations),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(Error::invalid(name, 0, "must be at least 1"));
            }
        }
        Sgd::new(self.learning_rate)?
            .with_momentum(self.momentum)?
            .with_weight_decay(self.weight_decay)?;
        if !(self.weight_std.is_finite() && self.weight_std >= 0.0) {
            return Err(Error::invalid(
                "weight_std",
                self.weight_std,
                "must be finite and >= 0",
            ));
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(Error::invalid(
                "threshold",
                self.threshold,
                "must lie in (0, 1]",
            ));
        }
        crate::mean_field::Order::parse(&self.emf_order, "emf_order")?;
        crate::likelihood::ais::BetaSchedule::parse(&self.likelihood_schedule).map_err(
            |e| match e {
                Error::InvalidParameter { value, reason, .. } => Error::InvalidParameter {
                    name: "likelihood_schedule",
                    value,
                    reason,
                },
                other => other,
            },
        )?;
        if let Some(t) = &self.test_dataset {
            DatasetChoice::from_str(t)?;
        }
        self.equilibrium_observer::<f64>(Path::new("."))?;
        if !(0.0..1.0).contains(&self.emf_damping) {
            return Err(Error::invalid(
                "emf_damping",
                self.emf_damping,
                "must lie in [0, 1)",
            ));
        }
        match self.visible_bias_init.as_str() {
            "data" | "zero" => {}
            other => {
                return Err(Error::invalid(
                    "visible_bias_init",
                    format!("'{other}'"),
                    "expected data or zero",
                ))
            }
        }
        match self.precision.as_str() {
            "f32" | "f64" => Ok(()),
            other => Err(Error::invalid(
                "precision",
                format!("'{other}'"),
                "expected f32 or f64",
            )),
        }
    }

    /// The equilibrium observer of a run in `run_dir`, or `None` when it is off
    /// (`equilibrium_per_decade = 0` and `equilibrium_control_step = 0`).
    ///
    /// # Errors
    /// Bad `equilibrium_*` values.
    pub fn equilibrium_observer<T: Float>(
        &self,
        run_dir: &Path,
    ) -> Result<Option<crate::scaling::EquilibriumObserver<T>>> {
        let settings = crate::scaling::EquilibriumSettings::new(
            self.equilibrium_chains,
            self.equilibrium_sweeps,
            self.equilibrium_max_sweeps,
        )?;
        let observer = crate::scaling::EquilibriumObserver::new(
            RunDir::new(run_dir).equilibrium_csv(),
            self.equilibrium_per_decade,
            settings,
            self.seed,
        )
        .with_control(
            self.equilibrium_control_step,
            self.equilibrium_control_min,
            self.equilibrium_control_max,
        )?
        .with_learning_rate(self.learning_rate);
        let on = self.equilibrium_per_decade > 0 || self.equilibrium_control_step > 0.0;
        Ok(on.then_some(observer))
    }

    /// The estimator choice.
    ///
    /// # Errors
    /// Unknown estimator name.
    pub fn estimator_choice(&self) -> Result<EstimatorChoice> {
        self.estimator.parse()
    }

    /// The unit kinds (visible, hidden).
    ///
    /// # Errors
    /// Unknown unit names; Gaussian visible units (the data loaders give binary data).
    pub fn units(&self) -> Result<(AnyUnit, AnyUnit)> {
        let v = AnyUnit::parse(&self.visible_type, "visible_type")?;
        if matches!(v, AnyUnit::Gaussian(_)) {
            return Err(Error::invalid(
                "visible_type",
                "gaussian",
                "training data are binary; use binary or ising visible units",
            ));
        }
        Ok((v, AnyUnit::parse(&self.hidden_type, "hidden_type")?))
    }

    /// Loads the configured dataset in the encoding of the visible units, cut to `limit`.
    ///
    /// # Errors
    /// Data not found or malformed.
    pub fn load_dataset(&self) -> Result<Dataset> {
        let choice = DatasetChoice::from_str(&self.dataset)?;
        let (v, _) = self.units()?;
        let encoding = if v == AnyUnit::Ising {
            Encoding::Ising
        } else {
            Encoding::Binary
        };
        let mut ds = data::load(&choice, self.data.as_deref(), self.threshold, encoding)?;
        if let Some(n) = self.limit {
            if n < ds.samples.nrows() {
                ds.samples = ds.samples.rows(0, n).clone_owned();
                if let Some(l) = ds.labels.as_mut() {
                    l.truncate(n);
                }
            }
        }
        Ok(ds)
    }
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
pub fn train(config: &TrainConfig, run_dir: &Path, options: &RunOptions) -> Result<RunSummary> {
    config.check()?;
    let dataset = config.load_dataset()?;
    train_on(config, &dataset, run_dir, options)
}

/// Trains as configured on an already loaded dataset (`config.dataset` is only recorded).
///
/// # Errors
/// As [`train`].
pub fn train_on(
    config: &TrainConfig,
    dataset: &Dataset,
    run_dir: &Path,
    options: &RunOptions,
) -> Result<RunSummary> {
    config.check()?;
    std::fs::create_dir_all(run_dir).map_err(|e| Error::io(run_dir, e))?;
    match config.precision.as_str() {
        "f64" => train_typed::<f64>(config, dataset, run_dir, options),
        _ => train_typed::<f32>(config, dataset, run_dir, options),
    }
}

fn train_typed<T: Float>(
    config: &TrainConfig,
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
        // the run's config.toml; a directory without one may still hold an older checkpoint
        // that carries the configuration as JSON in its metadata
        let saved: Option<TrainConfig> = if files.config_toml().exists() {
            Some(files.read_config()?)
        } else {
            c.metadata
                .get("config")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
        };
        if let Some(mut saved) = saved {
            // A resumed run may be extended: only the number of epochs may change.
            saved.epochs = config.epochs;
            if &saved != config {
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
            Some((c.optimizer, c.progress, c.rng)),
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
        batch_size: config.batch_size,
        epochs: config.epochs,
    };
    let sgd = Sgd::new(config.learning_rate)?
        .with_momentum(config.momentum)?
        .with_weight_decay(config.weight_decay)?
        .with_biases(config.train_biases);
    let ctx = RunContext {
        config,
        run_dir,
        options,
        metadata,
        history,
        n_samples: data.nrows(),
    };
    match config.estimator_choice()? {
        EstimatorChoice::Pcd => {
            let chains = match chains {
                Some(c) => c,
                None => ChainState::random(&rbm, config.chains, &mut rng),
            };
            let est = PersistentContrastiveDivergence::new(config.gibbs_steps, chains)?
                .with_dense_products(config.dense_products);
            run_with(ctx, rbm, est, sgd, trainer_config, rng, resume_state, &data)
        }
        EstimatorChoice::Emf => {
            let chains = match chains {
                Some(c) => c,
                None => ChainState::random(&rbm, config.chains, &mut rng),
            };
            // the particles start at random visible states with E[h | v]
            let start =
                crate::mean_field::Magnetizations::from_visible(&rbm, chains.visible.as_view())?;
            let est = crate::training::TapGradient::new(
                crate::mean_field::Order::parse(&config.emf_order, "emf_order")?,
                config.emf_iterations,
                config.emf_damping,
                start,
            )?;
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
        EstimatorChoice::Cd => {
            let est = ContrastiveDivergence::new(config.gibbs_steps)?
                .with_dense_products(config.dense_products);
            run_with(ctx, rbm, est, sgd, trainer_config, rng, resume_state, &data)
        }
        EstimatorChoice::Exact => run_with(
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
/// Bad unit names; a dataset that does not fit.
pub fn initial_rbm<T: Float>(
    config: &TrainConfig,
    dataset: &Dataset,
    rng: &mut crate::training::TrainRng,
) -> Result<AnyRbm<T>> {
    let (visible, hidden) = config.units()?;
    let bias = match config.visible_bias_init.as_str() {
        "zero" => VisibleBiasInit::Zero,
        _ => VisibleBiasInit::FromData {
            clip: DEFAULT_FREQUENCY_CLIP,
        },
    };
    initialise(
        dataset.samples.ncols(),
        config.hidden,
        visible,
        hidden,
        WeightInit::Gaussian {
            std: config.weight_std,
        },
        bias,
        Some(dataset.samples.as_view()),
        rng,
    )
}

/// The initial model of the run `config` on `dataset`, exactly as [`train_on`] draws it
/// (same generator, same float type, then widened to f64): the $W(0)$ and biases a linear
/// theory of the run must start from.
///
/// # Errors
/// As [`initial_rbm`]; an unknown `precision`.
pub fn initial_model(config: &TrainConfig, dataset: &Dataset) -> Result<AnyRbm<f64>> {
    config.check()?;
    let mut rng = train_rng(config.seed);
    match config.precision.as_str() {
        "f64" => initial_rbm::<f64>(config, dataset, &mut rng),
        _ => Ok(initial_rbm::<f32>(config, dataset, &mut rng)?.cast::<f64>()),
    }
}

/// [`train_on`], unless `run_dir` already holds a finished run of exactly this configuration
/// (its `config.toml` equals `config`, `model.npz` exists and `metrics.csv` reaches
/// `config.epochs`): then that run is loaded instead of trained again. Returns the summary and
/// whether it was reused. Runs are reproducible from (configuration, seed, data), so a reused
/// run has the numbers a new one would have.
///
/// # Errors
/// As [`train_on`], or a finished run's files that cannot be read.
pub fn train_or_reuse(
    config: &TrainConfig,
    dataset: &Dataset,
    run_dir: &Path,
    options: &RunOptions,
) -> Result<(RunSummary, bool)> {
    let files = RunDir::new(run_dir);
    let model_path = files.model();
    let saved = TrainConfig::from_toml_file(&files.config_toml()).ok();
    if saved.as_ref() == Some(config) && model_path.exists() {
        // a table that cannot be read means the run is not reused (it is trained again)
        let metrics = files.read_metrics().unwrap_or_default();
        if metrics.last().map(|m| m.epoch) == Some(config.epochs) {
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
    let n = c.likelihood_samples.max(1);
    let train = data.rows(0, n.min(data.nrows())).map(|x| x.as_f64());
    let test = match &c.test_dataset {
        Some(spelling) => {
            let test_cfg = TrainConfig {
                dataset: spelling.clone(),
                limit: Some(n),
                ..c.clone()
            };
            Some(test_cfg.load_dataset()?.samples)
        }
        None => None,
    };
    let options = crate::likelihood::LogZOptions {
        schedule: crate::likelihood::ais::BetaSchedule::parse(&c.likelihood_schedule)?,
        runs: c.likelihood_runs,
        ..Default::default()
    };
    let csv = RunDir::new(ctx.run_dir).likelihood_csv();
    let monitor = crate::training::LikelihoodMonitor::new(
        c.likelihood_every,
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
    config: &'a TrainConfig,
    run_dir: &'a Path,
    options: &'a RunOptions,
    metadata: serde_json::Value,
    history: Vec<EpochMetrics>,
    n_samples: usize,
}

type ResumeState<T> = (
    crate::training::OptimizerState<T>,
    crate::training::Progress,
    crate::training::TrainRng,
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
    let mut trainer = Trainer::new(rbm, estimator, sgd, trainer_config, rng)?;
    if let Some((opt, progress, rng)) = resume {
        trainer = trainer.resume_from(opt, progress, rng);
    }
    let batches = (ctx.n_samples / ctx.config.batch_size.max(1)) as u64;
    let total = batches * ctx.config.epochs as u64;
    let sink = if ctx.options.progress {
        let bar = ProgressBarObserver::training_bar(total, trainer.progress().step);
        trainer.observe_boxed(Box::new(ProgressBarObserver::new(bar.clone())));
        LogSink::Bar(bar)
    } else {
        LogSink::Silent
    };
    if ctx.config.spectrum_per_decade > 0 {
        let cadence = Cadence::LogSpaced {
            per_decade: ctx.config.spectrum_per_decade,
        };
        let mut tracker = SpectrumTracker::new(
            RunDir::new(ctx.run_dir).spectrum_files(),
            cadence,
            ctx.config.spectrum_vectors,
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
    if ctx.config.likelihood_every > 0 {
        let resumed_at = ctx.options.resume.then(|| trainer.progress().step);
        trainer.observe_boxed(Box::new(likelihood_monitor(&ctx, data, resumed_at)?));
    }
    let files = RunDir::new(ctx.run_dir);
    trainer.observe_boxed(Box::new(
        MetricsMonitor::new(Some(files.metrics_csv()), sink).with_history(ctx.history),
    ));
    let cadence = if ctx.config.checkpoints_per_decade > 0 {
        Cadence::LogSpaced {
            per_decade: ctx.config.checkpoints_per_decade,
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
