//! Benchmark of the mean-field estimates of $\ln Z$ (`rbmdyn bench-meanfield`): solvers ×
//! model sizes × coupling strength, against exact enumeration or forward AIS.
//!
//! # Models
//! Random {0,1} models of shape $N_v \times N_h$ at **coupling strength** $g$:
//! $$W = \frac{g}{\sqrt{N_v}}\, Z, \qquad Z_{ij} \sim \mathcal N(0, 1), \qquad
//!   a_i, b_j \sim \mathcal N(0, s_b^2)$$
//! ($s_b$ = [`BenchSettings::bias_std`], default 0.1: weak fields). One draw $(Z, a, b)$ per
//! shape (seed [`model_seed`]) serves every $g$, so a column of the table at fixed shape is the
//! scaling $W \to \varepsilon W$ at fixed fields of `theory/likelihood.md` ("Mean-field
//! estimates"), with $\varepsilon \propto g$. Scaling by $1/\sqrt{N_v}$ makes $g$ comparable
//! across sizes: the variance of a hidden unit's cavity field,
//! $\sum_i W_{ij}^2\, d(m^v_i) \approx g^2/4$ at $m = \tfrac12$, does not depend on $N_v$.
//!
//! Zero-field guides (in spin variables the couplings are $W/4$; the {0,1} gauge adds random
//! fields of order $g/4$ that smear these): the neutral naive-MF point loses linear stability
//! when the top singular value $\sigma(\sqrt{N_v}+\sqrt{N_h})$ of $W$ reaches 4, i.e. at
//! $g \approx 4/(1+\sqrt{N_h/N_v}) \approx 2.2$ for the default shapes; the paramagnetic TAP
//! solution at $\sigma^2\sqrt{N_v N_h}/16 = 1$, i.e. $g \approx 4\,(N_v/N_h)^{1/4} \approx 4.5$.
//!
//! Model files ([`FileModel`]) are run as they are; their $g$ is the effective
//! $\mathrm{std}(W)\sqrt{N_v}$.
//!
//! # Reference
//! $\ln Z$ by enumeration when $\min(N_v, N_h) \le$ [`BenchSettings::exact_max_units`];
//! otherwise forward AIS (a stochastic lower bound; its standard error is in the table) with
//! base rates from data when given, else the base model with the model's own visible biases
//! ($W = 0$, exact at $g = 0$).
//!
//! # Estimate
//! Every solver (parallel and sequential damped iteration, L-BFGS on $F_k$) at every order
//! $k \in \{1, 2, 3\}$ starts from the neutral point plus [`BenchSettings::random_starts`]
//! uniform random points (the same for all solvers of a model). The estimate is
//! [`MeanFieldSolution::log_partition`]: $\max(-F_k)$ over converged starts (over all starts if
//! none converged). The error is $\ln Z_{\rm ref} - \ln \hat Z_k$ (positive for naive MF against
//! an exact reference: $-F_1 \le \ln Z$).
//!
//! # Error exponents
//! For shapes with an exact reference, the least-squares slope of $\ln|\mathrm{error}|$ against
//! $\ln g$ over $g \le$ [`BenchSettings::fit_max_coupling`] (rows where every start converged),
//! per order and solver. Expected (Plefka expansion): 2 for naive MF; 3 for TAP2 in general
//! and 4 at weak fields (the $g^3$ term $\tfrac23\sum W^3 g(m_i)g(m_j)$ vanishes at
//! $m = \tfrac12$); 4 for TAP3.
//!
//! The defaults ($g \in \{1/16, 1/8, 1/4, 1/2, 1, 2, 4\}$, fit over $g \le 1/2$) include two
//! couplings below $1/4$ because on $[1/4, 1]$ the $g^5, g^6$ terms are not yet negligible for
//! TAP: on some draws the TAP3 error changes sign near $g = 1$ and a fit there gives any slope
//! from 2 to 6, while below $1/2$ the slopes settle at the asymptotic values.

use crate::error::{Error, Result};
use crate::likelihood::ais::{Ais, BaseRateModel, BetaSchedule};
use crate::mean_field::{
    IterativeSolver, Magnetizations, MeanFieldSolution, MeanFieldSolver, MinimizingSolver, Order,
    UpdateScheme,
};
use crate::rbm::{AnyRbm, Rbm};
use crate::sampling::exact::Enumeration;
use crate::units::{Binary, UnitKind};
use nalgebra::{DMatrix, DVector};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;
use std::time::Instant;

mod markdown;
pub use markdown::render_markdown;

/// The three expansion orders, in table order.
pub const ORDERS: [Order; 3] = [Order::Naive, Order::Tap2, Order::Tap3];
/// The solvers, in table order.
pub const SOLVERS: [SolverChoice; 3] = [
    SolverChoice::Parallel,
    SolverChoice::Sequential,
    SolverChoice::Lbfgs,
];

/// A mean-field solver of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SolverChoice {
    /// [`IterativeSolver`] with [`UpdateScheme::Parallel`], damped.
    Parallel,
    /// [`IterativeSolver`] with [`UpdateScheme::Sequential`], damped.
    Sequential,
    /// [`MinimizingSolver`] (L-BFGS on $F_k$).
    Lbfgs,
}

impl SolverChoice {
    /// `parallel`, `sequential` or `lbfgs` (as [`MeanFieldSolver::name`]).
    pub fn name(self) -> &'static str {
        match self {
            SolverChoice::Parallel => "parallel",
            SolverChoice::Sequential => "sequential",
            SolverChoice::Lbfgs => "lbfgs",
        }
    }
}

/// Settings of the benchmark (configuration; checked by [`MeanFieldBench::new`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BenchSettings {
    /// Shapes $(N_v, N_h)$ of the random models.
    pub sizes: Vec<(usize, usize)>,
    /// Coupling strengths $g$: weight std $g/\sqrt{N_v}$ (module docs).
    pub couplings: Vec<f64>,
    /// Std of the random biases $a$, $b$.
    pub bias_std: f64,
    /// Damping $\rho$ of the iterative solvers, in $[0, 1)$.
    pub damping: f64,
    /// Iteration limit of every solver.
    pub max_iterations: usize,
    /// Tolerance on the max-norm residual of the iterative solvers.
    pub tolerance: f64,
    /// Tolerance of L-BFGS (its residual floor is about $10^{-8}$: `notes/`, minimize.rs).
    pub lbfgs_tolerance: f64,
    /// Random starts added to the neutral one.
    pub random_starts: usize,
    /// AIS schedule spelling (`uniform:K`, `sm`, `sm:SCALE`).
    pub ais_schedule: String,
    /// AIS chains.
    pub ais_runs: usize,
    /// Enumerate when the smaller layer has at most this many units (≤ 24).
    pub exact_max_units: usize,
    /// Largest $g$ used in the error-exponent fits.
    pub fit_max_coupling: f64,
    /// Drop the shapes that cannot be enumerated (the quick, exact-only table).
    pub quick: bool,
    /// Base seed: models, starts and AIS chains use seeds derived from it.
    pub seed: u64,
}

impl Default for BenchSettings {
    fn default() -> Self {
        BenchSettings {
            sizes: vec![(10, 8), (20, 12), (784, 500)],
            couplings: vec![0.0625, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0],
            bias_std: 0.1,
            damping: 0.5,
            max_iterations: 2000,
            tolerance: 1e-10,
            lbfgs_tolerance: 1e-8,
            random_starts: 0,
            ais_schedule: "uniform:2000".into(),
            ais_runs: 100,
            exact_max_units: 20,
            fit_max_coupling: 0.5,
            quick: false,
            seed: 2017,
        }
    }
}

/// A model file to benchmark, with optional data for the AIS base rates (rows = samples).
#[derive(Clone, Debug)]
pub struct FileModel {
    /// Name shown in the table (the path).
    pub name: String,
    /// The model.
    pub rbm: AnyRbm<f64>,
    /// Data for the base rates.
    pub data: Option<DMatrix<f64>>,
}

/// The reference $\ln Z$ of one model.
#[derive(Clone, Debug, Serialize)]
pub struct ModelReference {
    /// `random` or the file name.
    pub model: String,
    /// $N_v$.
    pub n_visible: usize,
    /// $N_h$.
    pub n_hidden: usize,
    /// $g$ (nominal for random models, $\mathrm{std}(W)\sqrt{N_v}$ for files).
    pub coupling: f64,
    /// Measured std of the entries of $W$.
    pub weight_std: f64,
    /// Seed of the random draw (random models).
    pub model_seed: Option<u64>,
    /// `exact` or `ais`.
    pub method: &'static str,
    /// AIS base model: `data` or `visible-bias`.
    pub ais_base: Option<&'static str>,
    /// Reference $\ln Z$.
    pub log_z: f64,
    /// AIS standard error.
    pub std_error: Option<f64>,
    /// AIS per-chain-mean lower bound.
    pub ais_bound: Option<f64>,
    /// Wall time of the reference, seconds.
    pub seconds: f64,
}

/// One solver × order on one model.
#[derive(Clone, Debug, Serialize)]
pub struct BenchRow {
    /// `random` or the file name.
    pub model: String,
    /// $N_v$.
    pub n_visible: usize,
    /// $N_h$.
    pub n_hidden: usize,
    /// $g$ (as in [`ModelReference::coupling`]).
    pub coupling: f64,
    /// Measured std of $W$.
    pub weight_std: f64,
    /// Seed of the random draw (random models).
    pub model_seed: Option<u64>,
    /// `parallel`, `sequential` or `lbfgs`.
    pub solver: &'static str,
    /// `naive`, `tap2` or `tap3`.
    pub order: &'static str,
    /// Starting points.
    pub starts: usize,
    /// Iterations, largest over starts.
    pub iterations: usize,
    /// Wall time of the solve, seconds.
    pub seconds: f64,
    /// Residual at the returned points, largest over starts.
    pub residual: f64,
    /// Starts that converged.
    pub converged: usize,
    /// Starts declared divergent.
    pub diverged: usize,
    /// $\ln\hat Z_k = \max(-F_k)$ (module docs).
    pub log_z: f64,
    /// `exact` or `ais`.
    pub reference: &'static str,
    /// Reference $\ln Z$.
    pub reference_log_z: f64,
    /// AIS standard error of the reference.
    pub reference_std_error: Option<f64>,
    /// $\ln Z_{\rm ref} - \ln\hat Z_k$.
    pub error: f64,
    /// $|\ln Z_{\rm ref} - \ln\hat Z_k|$.
    pub abs_error: f64,
}

/// Fitted exponent of $|\mathrm{error}|$ in $g$ for one shape, order and solver.
#[derive(Clone, Debug, Serialize)]
pub struct SlopeRow {
    /// $N_v$.
    pub n_visible: usize,
    /// $N_h$.
    pub n_hidden: usize,
    /// `naive`, `tap2` or `tap3`.
    pub order: &'static str,
    /// Solver name.
    pub solver: &'static str,
    /// Couplings used (converged rows with $g \le$ `fit_max_coupling`).
    pub couplings: Vec<f64>,
    /// Signed errors $\ln Z - \ln\hat Z_k$ at those couplings.
    pub errors: Vec<f64>,
    /// $|\mathrm{error}|$ at those couplings.
    pub abs_errors: Vec<f64>,
    /// Least-squares slope of $\ln|\mathrm{error}|$ on $\ln g$ (`None` below two points).
    pub slope: Option<f64>,
    /// Slopes between consecutive couplings, $\ln(|e_{k+1}|/|e_k|)/\ln(g_{k+1}/g_k)$ (NaN
    /// where an error is zero): how the local exponent approaches its asymptotic value.
    pub local_slopes: Vec<f64>,
    /// The theory's exponent.
    pub expected: &'static str,
}

/// Everything the benchmark measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// The settings used.
    pub settings: BenchSettings,
    /// One reference per model.
    pub references: Vec<ModelReference>,
    /// One row per model × solver × order.
    pub rows: Vec<BenchRow>,
    /// Error exponents.
    pub slopes: Vec<SlopeRow>,
    /// Wall time of the whole benchmark, seconds.
    pub seconds: f64,
}

/// The benchmark (checked configuration).
#[derive(Clone, Debug)]
pub struct MeanFieldBench {
    settings: BenchSettings,
    schedule: BetaSchedule,
}

/// The theory's exponent of the error in $g$ at weak coupling.
pub fn expected_exponent(order: Order) -> &'static str {
    match order {
        Order::Naive => "2",
        Order::Tap2 => "3 (4 at weak fields)",
        Order::Tap3 => "4",
    }
}

/// Seed of the random model of shape `(nv, nh)`: `seed` and the shape mixed by SplitMix64.
pub fn model_seed(seed: u64, shape: (usize, usize)) -> u64 {
    split_mix(split_mix(seed ^ 0x6d66_6265_6e63_6800) ^ ((shape.0 as u64) << 32 | shape.1 as u64))
}

fn split_mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The random model of the benchmark (module docs): $W = g Z/\sqrt{N_v}$, biases of std
/// `bias_std`, from `StdRng::seed_from_u64(seed)` (draw order: $Z$ column-major, $a$, $b$).
///
/// # Errors
/// [`Error::InvalidParameter`] for a zero dimension or a negative / non-finite `coupling` or
/// `bias_std`.
pub fn random_model(
    shape: (usize, usize),
    coupling: f64,
    bias_std: f64,
    seed: u64,
) -> Result<Rbm<Binary, Binary, f64>> {
    let (nv, nh) = shape;
    if nv == 0 || nh == 0 {
        return Err(Error::invalid(
            "sizes",
            format!("{nv}x{nh}"),
            "dimensions must be ≥ 1",
        ));
    }
    for (name, x) in [("couplings", coupling), ("bias_std", bias_std)] {
        if !(x >= 0.0 && x.is_finite()) {
            return Err(Error::invalid(name, x, "must be non-negative and finite"));
        }
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let std = coupling / (nv as f64).sqrt();
    let w = DMatrix::from_fn(nv, nh, |_, _| std * normal());
    let a = DVector::from_fn(nv, |_, _| bias_std * normal());
    let b = DVector::from_fn(nh, |_, _| bias_std * normal());
    Rbm::new(w, a, b, Binary, Binary)
}

pub use crate::stats::log_log_slope;

/// Runs `solver` at order `order` from `start`, configured by `settings`.
///
/// # Errors
/// Bad settings, as [`MeanFieldSolver::solve`].
pub fn run_solver<V: UnitKind, H: UnitKind>(
    solver: SolverChoice,
    order: Order,
    settings: &BenchSettings,
    rbm: &Rbm<V, H, f64>,
    start: &Magnetizations<f64>,
) -> Result<MeanFieldSolution<f64>> {
    let iterative = |scheme| {
        IterativeSolver::new(
            order,
            scheme,
            settings.damping,
            settings.max_iterations,
            settings.tolerance,
        )
    };
    match solver {
        SolverChoice::Parallel => iterative(UpdateScheme::Parallel)?.solve(rbm, start),
        SolverChoice::Sequential => iterative(UpdateScheme::Sequential)?.solve(rbm, start),
        SolverChoice::Lbfgs => MinimizingSolver::new(
            order,
            settings.max_iterations as u64,
            settings.lbfgs_tolerance,
        )?
        .solve(rbm, start),
    }
}

/// Description of one model for its rows.
struct ModelInfo {
    name: String,
    coupling: f64,
    weight_std: f64,
    model_seed: Option<u64>,
}

impl MeanFieldBench {
    /// Checks `settings`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the setting: no sizes or a zero dimension (`sizes`),
    /// no couplings or one not positive and finite (`couplings`), a negative `bias_std`,
    /// `damping ∉ [0, 1)`, `max_iterations = 0`, tolerances not positive, a bad
    /// `ais_schedule`, `ais_runs < 2`, `exact_max_units > 24`, `fit_max_coupling ≤ 0`.
    pub fn new(settings: BenchSettings) -> Result<Self> {
        let s = &settings;
        if s.sizes.is_empty() {
            return Err(Error::invalid("sizes", "[]", "give at least one NvxNh"));
        }
        if let Some(&(nv, nh)) = s.sizes.iter().find(|(nv, nh)| *nv == 0 || *nh == 0) {
            return Err(Error::invalid(
                "sizes",
                format!("{nv}x{nh}"),
                "dimensions must be ≥ 1",
            ));
        }
        if s.couplings.is_empty() {
            return Err(Error::invalid("couplings", "[]", "give at least one g > 0"));
        }
        if let Some(g) = s.couplings.iter().find(|g| !(**g > 0.0 && g.is_finite())) {
            return Err(Error::invalid(
                "couplings",
                g,
                "must be positive and finite",
            ));
        }
        if !(s.bias_std >= 0.0 && s.bias_std.is_finite()) {
            return Err(Error::invalid(
                "bias_std",
                s.bias_std,
                "must be non-negative and finite",
            ));
        }
        IterativeSolver::new(
            Order::Naive,
            UpdateScheme::Parallel,
            s.damping,
            s.max_iterations,
            s.tolerance,
        )?;
        MinimizingSolver::new(Order::Naive, s.max_iterations as u64, s.lbfgs_tolerance).map_err(
            |e| match e {
                Error::InvalidParameter { value, reason, .. } => {
                    Error::invalid("lbfgs_tolerance", value, reason)
                }
                other => other,
            },
        )?;
        let schedule = BetaSchedule::parse(&s.ais_schedule).map_err(|e| match e {
            Error::InvalidParameter { value, reason, .. } => {
                Error::invalid("ais_schedule", value, reason)
            }
            other => other,
        })?;
        if s.ais_runs < 2 {
            return Err(Error::invalid(
                "ais_runs",
                s.ais_runs,
                "AIS needs at least 2 chains",
            ));
        }
        if s.exact_max_units > 24 {
            return Err(Error::invalid(
                "exact_max_units",
                s.exact_max_units,
                "enumeration is limited to 24 units",
            ));
        }
        if s.fit_max_coupling.is_nan() || s.fit_max_coupling <= 0.0 {
            return Err(Error::invalid(
                "fit_max_coupling",
                s.fit_max_coupling,
                "must be positive",
            ));
        }
        Ok(MeanFieldBench { settings, schedule })
    }

    /// The settings.
    pub fn settings(&self) -> &BenchSettings {
        &self.settings
    }

    /// Whether shape `(nv, nh)` gets an exact reference.
    pub fn is_exact(&self, shape: (usize, usize)) -> bool {
        shape.0.min(shape.1) <= self.settings.exact_max_units
    }

    /// Runs the benchmark on the random models of the settings and on `files`; `progress`
    /// receives one line per model.
    ///
    /// # Errors
    /// A model with Gaussian units, data of the wrong width, non-finite AIS weights.
    pub fn run(&self, files: &[FileModel], progress: &mut dyn FnMut(&str)) -> Result<BenchReport> {
        let clock = Instant::now();
        let s = &self.settings;
        let mut references = Vec::new();
        let mut rows = Vec::new();
        for &shape in s.sizes.iter().filter(|&&sh| !s.quick || self.is_exact(sh)) {
            let seed = model_seed(s.seed, shape);
            for &g in &s.couplings {
                let rbm = random_model(shape, g, s.bias_std, seed)?;
                let info = ModelInfo {
                    name: "random".into(),
                    coupling: g,
                    weight_std: weight_std(rbm.weights()),
                    model_seed: Some(seed),
                };
                let base = BaseRateModel::new(rbm.visible_bias().clone())?;
                let tag = seed ^ g.to_bits();
                self.bench_model(
                    &rbm,
                    &info,
                    base,
                    "visible-bias",
                    tag,
                    &mut references,
                    &mut rows,
                    progress,
                )?;
            }
        }
        for (k, file) in files.iter().enumerate() {
            let rbm = &file.rbm;
            let std = weight_std(rbm.weights());
            let info = ModelInfo {
                name: file.name.clone(),
                coupling: std * (rbm.n_visible() as f64).sqrt(),
                weight_std: std,
                model_seed: None,
            };
            let (base, kind) = match &file.data {
                Some(d) => {
                    if d.ncols() != rbm.n_visible() {
                        return Err(Error::shape(
                            format!("data for {}", file.name),
                            format!("{} columns", rbm.n_visible()),
                            format!("{}", d.ncols()),
                        ));
                    }
                    (
                        BaseRateModel::from_data(d.as_view(), rbm.visible())?,
                        "data",
                    )
                }
                None => (
                    BaseRateModel::new(rbm.visible_bias().clone())?,
                    "visible-bias",
                ),
            };
            let tag = split_mix(s.seed ^ 0xf11e ^ k as u64);
            self.bench_model(
                rbm,
                &info,
                base,
                kind,
                tag,
                &mut references,
                &mut rows,
                progress,
            )?;
        }
        let slopes = self.slopes(&references, &rows);
        Ok(BenchReport {
            settings: s.clone(),
            references,
            rows,
            slopes,
            seconds: clock.elapsed().as_secs_f64(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn bench_model<V: UnitKind, H: UnitKind>(
        &self,
        rbm: &Rbm<V, H, f64>,
        info: &ModelInfo,
        base: BaseRateModel,
        base_kind: &'static str,
        tag: u64,
        references: &mut Vec<ModelReference>,
        rows: &mut Vec<BenchRow>,
        progress: &mut dyn FnMut(&str),
    ) -> Result<()> {
        let s = &self.settings;
        let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
        let mut rng = StdRng::seed_from_u64(split_mix(tag));
        let clock = Instant::now();
        let reference = if self.is_exact((nv, nh)) {
            let log_z = Enumeration::new(rbm)?.log_z();
            (log_z, "exact", None, None, None)
        } else {
            let ais = Ais::new(self.schedule.clone(), s.ais_runs)?;
            let e = ais.forward(rbm, &base, &mut rng)?;
            (
                e.log_z,
                "ais",
                Some(e.std_error),
                Some(e.bound),
                Some(base_kind),
            )
        };
        let (ref_log_z, method, std_error, bound, ais_base) = reference;
        references.push(ModelReference {
            model: info.name.clone(),
            n_visible: nv,
            n_hidden: nh,
            coupling: info.coupling,
            weight_std: info.weight_std,
            model_seed: info.model_seed,
            method,
            ais_base,
            log_z: ref_log_z,
            std_error,
            ais_bound: bound,
            seconds: clock.elapsed().as_secs_f64(),
        });
        let mut start = Magnetizations::neutral(rbm, 1)?;
        if s.random_starts > 0 {
            let extra = Magnetizations::random(rbm, s.random_starts, &mut rng)?;
            start = start.stacked(&extra)?;
        }
        for order in ORDERS {
            for solver in SOLVERS {
                let clock = Instant::now();
                let sol = run_solver(solver, order, s, rbm, &start)?;
                let seconds = clock.elapsed().as_secs_f64();
                let log_z = sol.log_partition();
                let error = ref_log_z - log_z;
                rows.push(BenchRow {
                    model: info.name.clone(),
                    n_visible: nv,
                    n_hidden: nh,
                    coupling: info.coupling,
                    weight_std: info.weight_std,
                    model_seed: info.model_seed,
                    solver: solver.name(),
                    order: order.name(),
                    starts: start.n_starts(),
                    iterations: sol.max_iterations(),
                    seconds,
                    residual: sol.max_residual(),
                    converged: sol.convergence.iter().filter(|c| c.is_converged()).count(),
                    diverged: sol.convergence.iter().filter(|c| c.is_diverged()).count(),
                    log_z,
                    reference: method,
                    reference_log_z: ref_log_z,
                    reference_std_error: std_error,
                    error,
                    abs_error: error.abs(),
                });
            }
        }
        progress(&format!(
            "[bench-meanfield] {} {nv}x{nh} g={:.3}: {method} ln Z = {ref_log_z:.6}, {:.1} s",
            info.name,
            info.coupling,
            clock.elapsed().as_secs_f64()
        ));
        Ok(())
    }

    /// Error exponents for the random shapes with an exact reference (module docs).
    fn slopes(&self, references: &[ModelReference], rows: &[BenchRow]) -> Vec<SlopeRow> {
        let mut shapes: Vec<(usize, usize)> = Vec::new();
        for r in references
            .iter()
            .filter(|r| r.model == "random" && r.method == "exact")
        {
            if !shapes.contains(&(r.n_visible, r.n_hidden)) {
                shapes.push((r.n_visible, r.n_hidden));
            }
        }
        let mut out = Vec::new();
        for (nv, nh) in shapes {
            for order in ORDERS {
                for solver in SOLVERS {
                    let (couplings, errors): (Vec<f64>, Vec<f64>) = rows
                        .iter()
                        .filter(|r| {
                            r.model == "random"
                                && r.reference == "exact"
                                && (r.n_visible, r.n_hidden) == (nv, nh)
                                && r.order == order.name()
                                && r.solver == solver.name()
                                && r.coupling <= self.settings.fit_max_coupling
                                && r.converged == r.starts
                        })
                        .map(|r| (r.coupling, r.error))
                        .unzip();
                    let abs_errors: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
                    let local_slopes = (1..couplings.len())
                        .map(|k| {
                            log_log_slope(&couplings[k - 1..=k], &abs_errors[k - 1..=k])
                                .unwrap_or(f64::NAN)
                        })
                        .collect();
                    out.push(SlopeRow {
                        n_visible: nv,
                        n_hidden: nh,
                        order: order.name(),
                        solver: solver.name(),
                        slope: log_log_slope(&couplings, &abs_errors),
                        local_slopes,
                        errors,
                        couplings,
                        abs_errors,
                        expected: expected_exponent(order),
                    });
                }
            }
        }
        out
    }
}

/// Std of the entries of `w` (population form).
fn weight_std(w: &DMatrix<f64>) -> f64 {
    let n = w.len() as f64;
    let mean = w.sum() / n;
    (w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt()
}
