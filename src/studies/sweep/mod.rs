//! Sweeps over sizes and seeds: the Curie–Weiss teacher learnt by an RBM with one hidden unit,
//! with equilibrium measurements along each training run (`rbmdyn scale --config sweep.toml`).
//!
//! # What one point is
//! A point is (family, N, seed). Data: `samples` exact draws of the Curie–Weiss teacher
//! $p(s)\propto e^{\frac{\beta}{2N}(\xi\cdot s)^2}$, $\xi_i = -1$ for $i \equiv 1 \pmod 3$ and $+1$
//! otherwise (`theory/curie-weiss-gaussian-hidden.md`). Student: ±1 visible units, one hidden
//! unit of the family's type (`gaussian`: precision 1, so $W = w/\sqrt N$ and the control
//! parameter is $g = \|W\|^2 = q$; `ising`: ±1, $g = \sigma_1^2$), zero biases (not trained),
//! initial weights $\mathcal N(0, (0.01/\sqrt N)^2)$, trained by the family's estimator with
//! learning rate $\eta = \Delta t/N$, so that the toy model's clock is $t = N\eta\times$updates
//! $= \Delta t\times$updates. The run's [`crate::scaling::observer::EquilibriumObserver`] measures
//! $\chi$, $\chi^c$ and $\tau_{\rm int}$ at log-spaced updates and every `control_step` in $g$
//! inside the control window (the family's `[families.equilibrium]`, see [`BandScaling`]).
//!
//! # Files (all written atomically)
//! * `OUT/points/<family>-n<N>-s<seed>.json`: one [`PointResult`] per finished point. A point
//!   whose file exists (and parses, with the same settings) is skipped: a killed sweep loses
//!   at most the points that were running.
//! * `OUT/runs/<family>-n<N>-s<seed>/`: the training run (config.toml, equilibrium.csv, …).
//! * `OUT/table.csv`: every measurement of every point, one row each.
//! * `OUT/sweep.toml`: the configuration used.

pub mod plots;
pub mod report;

use crate::analytic::curie_weiss::CurieWeiss;
use crate::data::{Dataset, DatasetChoice, Encoding};
use crate::error::{Error, Result};
use crate::io::write_atomic;
use crate::run::{
    train_on, EquilibriumConfig, Estimator, HiddenType, OptimiserConfig, RunOptions,
    SpectrumConfig, TrainConfig,
};
use crate::scaling::EquilibriumRecord;
use rand::SeedableRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How a family's control window scales with the size N.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BandScaling {
    /// The window is given in $u = (g - 1)\sqrt N$, the critical window of the mean-field
    /// class: $g \in 1 + [\min, \max]/\sqrt N$, measured every `control_step`$/\sqrt N$.
    SqrtN,
    /// The window is given in $g$ and used as it is.
    None,
}

impl std::fmt::Display for BandScaling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BandScaling::SqrtN => "sqrt-n",
            BandScaling::None => "none",
        })
    }
}

/// One family of students (one hidden-unit type and its training and measurement settings).
/// The estimator and the measurements are a run's own `[estimator]` and `[equilibrium]`
/// tables ([`TrainConfig`]); only the control window is read in the units of
/// `band_scaling`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Family {
    /// Name used in file names and tables.
    pub name: String,
    /// Hidden unit type: `gaussian` (precision 1) or `ising` (±1).
    pub hidden_type: HiddenType,
    /// Minibatch size.
    pub batch_size: usize,
    /// Learning time per update $\Delta t = N\eta$.
    pub dt: f64,
    /// Learning time of a run: `t_end + t_end_sqrt_n·√N`.
    pub t_end: f64,
    /// See `t_end`.
    pub t_end_sqrt_n: f64,
    /// Units of the control window (`equilibrium.control_min`, `control_max`, `control_step`).
    pub band_scaling: BandScaling,
    /// Gradient estimator, as a run's `[estimator]` table (`pcd`, `cd`, or `exact` for small N).
    pub estimator: Estimator,
    /// Equilibrium measurements, as a run's `[equilibrium]` table (a key left out takes the
    /// run's default, not the family's), the control window in the units of `band_scaling`.
    pub equilibrium: EquilibriumConfig,
}

impl Default for Family {
    fn default() -> Self {
        Family {
            name: "gaussian".into(),
            hidden_type: HiddenType::Gaussian,
            batch_size: 500,
            dt: 0.005,
            t_end: 25.0,
            t_end_sqrt_n: 0.0,
            band_scaling: BandScaling::SqrtN,
            estimator: Estimator::Pcd {
                gibbs_steps: 5,
                chains: 100,
            },
            equilibrium: EquilibriumConfig {
                per_decade: 10,
                control_min: -3.0,
                control_max: 6.0,
                control_step: 0.25,
                chains: 16,
                sweeps: 2000,
                max_sweeps: 16_000,
            },
        }
    }
}

/// A sweep: sizes × seeds × families (the `sweep.toml` of `rbmdyn scale`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepConfig {
    /// Teacher inverse temperature β (> 1: ordered teacher).
    pub beta: f64,
    /// Visible sizes N.
    pub sizes: Vec<usize>,
    /// Seeds per (family, N): `seed_base`, `seed_base + 1`, ….
    pub seeds: usize,
    /// First seed.
    pub seed_base: u64,
    /// Teacher samples per run.
    pub samples: usize,
    /// Points run at once (0: one per core).
    pub jobs: usize,
    /// The students.
    pub families: Vec<Family>,
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig {
            beta: 1.5,
            sizes: vec![32, 64, 128, 256, 512, 1024],
            seeds: 5,
            seed_base: 2024,
            samples: 10_000,
            jobs: 0,
            families: vec![Family::default()],
        }
    }
}

impl SweepConfig {
    /// Reads a TOML file; unknown keys are errors.
    ///
    /// # Errors
    /// [`Error::Io`] if unreadable; [`Error::Format`] naming the file and the TOML fault; bad
    /// values (see [`SweepConfig::check`]).
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let config: SweepConfig = toml::from_str(&text)
            .map_err(|e| Error::format(path.display().to_string(), e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// The configuration as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Checks every value, naming the parameter at fault.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`].
    pub fn check(&self) -> Result<()> {
        if !(self.beta > 0.0 && self.beta.is_finite()) {
            return Err(Error::invalid("beta", self.beta, "must be positive"));
        }
        if self.sizes.is_empty() || self.sizes.iter().any(|&n| n < 2) {
            return Err(Error::invalid(
                "sizes",
                format!("{:?}", self.sizes),
                "need at least one size, each ≥ 2",
            ));
        }
        if self.seeds == 0 || self.samples == 0 {
            return Err(Error::invalid(
                "seeds/samples",
                format!("{}/{}", self.seeds, self.samples),
                "must be at least 1",
            ));
        }
        if self.families.is_empty() {
            return Err(Error::invalid(
                "families",
                0,
                "need at least one [[families]]",
            ));
        }
        let mut names: Vec<&str> = self.families.iter().map(|f| f.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        if names.len() != self.families.len() {
            return Err(Error::invalid(
                "families.name",
                format!("{names:?}"),
                "family names must be distinct",
            ));
        }
        for f in &self.families {
            if !matches!(f.hidden_type, HiddenType::Gaussian | HiddenType::Ising) {
                return Err(Error::invalid(
                    "families.hidden_type",
                    format!("'{}'", f.hidden_type),
                    "expected gaussian or ising",
                ));
            }
            if f.dt.is_nan()
                || f.dt <= 0.0
                || (f.t_end + f.t_end_sqrt_n).is_nan()
                || f.t_end + f.t_end_sqrt_n <= 0.0
            {
                return Err(Error::invalid(
                    "families.dt/t_end",
                    format!("{}/{}", f.dt, f.t_end),
                    "must give a positive learning time per update and run length",
                ));
            }
            let e = &f.equilibrium;
            if e.control_min >= e.control_max || e.control_step.is_nan() || e.control_step <= 0.0 {
                return Err(Error::invalid(
                    "families.equilibrium.control_min/control_max/control_step",
                    format!("{}/{}/{}", e.control_min, e.control_max, e.control_step),
                    "need min < max and a positive step",
                ));
            }
            if matches!(f.estimator, Estimator::Emf { .. }) {
                return Err(Error::invalid(
                    "families.estimator.kind",
                    "emf",
                    "expected pcd, cd or exact",
                ));
            }
        }
        Ok(())
    }

    /// All points, in order (family, size, seed).
    pub fn points(&self) -> Vec<Point> {
        let mut out = Vec::new();
        for (k, f) in self.families.iter().enumerate() {
            for &n in &self.sizes {
                for s in 0..self.seeds as u64 {
                    out.push(Point {
                        family: k,
                        family_name: f.name.clone(),
                        n,
                        seed: self.seed_base + s,
                    });
                }
            }
        }
        out
    }

    /// The training configuration of a point.
    pub fn train_config(&self, point: &Point) -> TrainConfig {
        let f = &self.families[point.family];
        let n = point.n as f64;
        let t_end = f.t_end + f.t_end_sqrt_n * n.sqrt();
        let updates = (t_end / f.dt).ceil() as usize;
        let per_epoch = (self.samples / f.batch_size.max(1)).max(1);
        let e = &f.equilibrium;
        let (lo, hi, step) = match f.band_scaling {
            BandScaling::SqrtN => (
                1.0 + e.control_min / n.sqrt(),
                1.0 + e.control_max / n.sqrt(),
                e.control_step / n.sqrt(),
            ),
            BandScaling::None => (e.control_min, e.control_max, e.control_step),
        };
        let toy = TrainConfig::toy_student(
            DatasetChoice::File(
                format!(
                    "curie-weiss-n{}-beta{}-seed{}",
                    point.n, self.beta, point.seed
                )
                .into(),
            ),
            f.hidden_type,
            1,
            0.01 / n.sqrt(),
            point.seed,
        );
        TrainConfig {
            estimator: f.estimator,
            optimiser: OptimiserConfig {
                batch_size: f.batch_size.min(self.samples),
                learning_rate: f.dt / n,
                epochs: updates.div_ceil(per_epoch),
                ..toy.optimiser
            },
            spectrum: SpectrumConfig {
                per_decade: 0,
                ..toy.spectrum
            },
            equilibrium: EquilibriumConfig {
                control_step: step,
                control_min: lo.max(0.0),
                control_max: hi,
                ..e.clone()
            },
            ..toy
        }
    }
}

/// One point of a sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    /// Index into `families`.
    pub family: usize,
    /// The family's name.
    pub family_name: String,
    /// Visible units N.
    pub n: usize,
    /// Seed (data and training).
    pub seed: u64,
}

impl Point {
    /// `<family>-n<N>-s<seed>`.
    pub fn label(&self) -> String {
        format!("{}-n{}-s{}", self.family_name, self.n, self.seed)
    }
}

/// What one finished point gives (`points/<label>.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    /// Family name.
    pub family: String,
    /// Hidden unit type.
    pub hidden_type: String,
    /// Visible units.
    pub n: usize,
    /// Seed.
    pub seed: u64,
    /// Teacher β.
    pub beta: f64,
    /// Learning time per update (the toy clock: $t = \Delta t\times$`step`).
    pub dt: f64,
    /// The training configuration (to detect a changed sweep on resume).
    pub train_config: TrainConfig,
    /// The checkpoint format of the code that trained the point: points of an older format
    /// drew their random numbers differently and are redone.
    #[serde(default)]
    pub checkpoint_format: String,
    /// The measurements, in step order.
    pub records: Vec<EquilibriumRecord>,
    /// Wall-clock seconds of the point.
    pub seconds: f64,
}

impl PointResult {
    /// Toy-clock learning time of each record ($\Delta t\times$ step).
    pub fn times(&self) -> Vec<f64> {
        self.records
            .iter()
            .map(|r| r.step as f64 * self.dt)
            .collect()
    }
}

/// Options of a sweep that do not change its numbers.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    /// Print one line per finished point.
    pub progress: bool,
}

/// Runs every point of `config` not already finished under `out`, in parallel, and returns
/// all points' results (finished earlier or now), in [`SweepConfig::points`] order.
///
/// # Errors
/// Bad configuration; files that cannot be written; a training run that fails (the error
/// names the point; points finished before it keep their files).
pub fn run_sweep(
    config: &SweepConfig,
    out: &Path,
    options: &SweepOptions,
) -> Result<Vec<PointResult>> {
    config.check()?;
    let points_dir = out.join("points");
    std::fs::create_dir_all(&points_dir).map_err(|e| Error::io(&points_dir, e))?;
    write_atomic(&out.join("sweep.toml"), config.to_toml().as_bytes())?;
    let points = config.points();
    let todo: Vec<&Point> = points
        .iter()
        .filter(|p| load_point(config, out, p).is_none())
        .collect();
    let jobs = if config.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        config.jobs
    };
    let done = AtomicUsize::new(points.len() - todo.len());
    let total = points.len();
    if options.progress && done.load(Ordering::Relaxed) > 0 {
        eprintln!(
            "scale: {} of {total} points already finished under {} (skipped)",
            done.load(Ordering::Relaxed),
            out.display()
        );
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Error::invalid("jobs", jobs, e.to_string()))?;
    pool.install(|| {
        todo.par_iter().try_for_each(|p| -> Result<()> {
            let started = std::time::Instant::now();
            let result = run_point(config, out, p)?;
            let path = point_path(out, p);
            let json = serde_json::to_vec_pretty(&result)
                .map_err(|e| Error::format(path.display().to_string(), e.to_string()))?;
            write_atomic(&path, &json)?;
            let k = done.fetch_add(1, Ordering::Relaxed) + 1;
            if options.progress {
                eprintln!(
                    "scale: [{k}/{total}] {} done in {:.1} s ({} measurements)",
                    p.label(),
                    started.elapsed().as_secs_f64(),
                    result.records.len()
                );
            }
            Ok(())
        })
    })?;
    let results: Vec<PointResult> = points
        .iter()
        .map(|p| {
            load_point(config, out, p).ok_or_else(|| {
                Error::invalid(
                    "point",
                    p.label(),
                    "finished but its file cannot be read back",
                )
            })
        })
        .collect::<Result<_>>()?;
    write_table(&out.join("table.csv"), &results)?;
    Ok(results)
}

/// `OUT/points/<label>.json`.
pub fn point_path(out: &Path, point: &Point) -> PathBuf {
    out.join("points").join(format!("{}.json", point.label()))
}

/// A finished point's result, if its file exists, parses and was made with the same settings.
#[allow(clippy::float_cmp)] // resumes only runs with bit-identical parameters
pub fn load_point(config: &SweepConfig, out: &Path, point: &Point) -> Option<PointResult> {
    let text = std::fs::read_to_string(point_path(out, point)).ok()?;
    let r: PointResult = serde_json::from_str(&text).ok()?;
    (r.train_config == config.train_config(point)
        && r.beta == config.beta
        && r.checkpoint_format == crate::run::checkpoint::CHECKPOINT_FORMAT)
        .then_some(r)
}

/// Trains one point (fresh: a half-done run directory is overwritten) and reads its
/// measurements back.
fn run_point(config: &SweepConfig, out: &Path, point: &Point) -> Result<PointResult> {
    let started = std::time::Instant::now();
    let family = &config.families[point.family];
    let n = point.n;
    let teacher = CurieWeiss::new(n, config.beta)?;
    let pattern: Vec<f64> = (0..n)
        .map(|i| if i % 3 == 1 { -1.0 } else { 1.0 })
        .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(point.seed);
    let data = teacher.sample(&pattern, config.samples, Encoding::Ising, &mut rng)?;
    let dataset = Dataset::from_matrix("curie-weiss", data, Encoding::Ising)?;
    let train_config = config.train_config(point);
    let run_dir = out.join("runs").join(point.label());
    if run_dir.exists() {
        std::fs::remove_dir_all(&run_dir).map_err(|e| Error::io(&run_dir, e))?;
    }
    let checked = train_config.clone().check()?;
    train_on(&checked, &dataset, &run_dir, &RunOptions::default()).map_err(|e| {
        Error::invalid(
            "sweep point",
            point.label(),
            format!("training failed: {e}"),
        )
    })?;
    let records = crate::run::RunDir::new(&run_dir).read_equilibrium()?;
    Ok(PointResult {
        family: family.name.clone(),
        hidden_type: family.hidden_type.to_string(),
        n,
        seed: point.seed,
        beta: config.beta,
        dt: family.dt,
        train_config,
        checkpoint_format: crate::run::checkpoint::CHECKPOINT_FORMAT.to_string(),
        records,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The point a row of `table.csv` belongs to, and the toy clock of the row.
#[derive(Serialize)]
struct TableKey<'a> {
    family: &'a str,
    n: usize,
    seed: u64,
    /// Learning time of the toy clock, $\Delta t\times$`step`.
    time: f64,
}

/// Writes every measurement of every point as one CSV table (`io::table`): the point's family,
/// N, seed and toy time, then the columns of [`EquilibriumRecord`].
///
/// # Errors
/// [`Error::Io`].
pub fn write_table(path: &Path, results: &[PointResult]) -> Result<()> {
    let mut rows = Vec::new();
    for r in results {
        for (e, time) in r.records.iter().zip(r.times()) {
            let key = TableKey {
                family: &r.family,
                n: r.n,
                seed: r.seed,
                time,
            };
            rows.push((key, e));
        }
    }
    crate::io::table::write_table(path, None, &rows)
}
