//! One entry point for every estimate of $\ln Z$: exact enumeration, AIS, reverse AIS and the
//! mean-field free energies (used by `rbmdyn logz`, `bench-meanfield` and the observers).

use super::ais::{Ais, BaseRateModel, BetaSchedule};
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::mean_field::{IterativeSolver, Magnetizations, MeanFieldSolver, Order, UpdateScheme};
use crate::rbm::Rbm;
use crate::sampling::exact::Enumeration;
use crate::sampling::{ChainState, GibbsSampler, GibbsWorkspace};
use crate::units::UnitKind;
use nalgebra::DMatrix;
use rand::Rng;
use serde::Serialize;
use std::time::Instant;

/// How to estimate $\ln Z$.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LogZMethod {
    /// Enumeration of the smaller discrete layer (≤ 24 units).
    Exact,
    /// Forward AIS from the base-rate model (stochastic lower bound).
    Ais,
    /// Reverse AIS from samples of the model (stochastic upper bound).
    ReverseAis,
    /// -F_1 at the naive mean-field fixed point (a lower bound).
    Naive,
    /// -F_TAP2 at a TAP fixed point (no bound).
    Tap2,
    /// -F_TAP3 at a TAP fixed point (no bound).
    Tap3,
}

impl LogZMethod {
    /// All methods.
    pub const ALL: [LogZMethod; 6] = [
        LogZMethod::Exact,
        LogZMethod::Ais,
        LogZMethod::ReverseAis,
        LogZMethod::Naive,
        LogZMethod::Tap2,
        LogZMethod::Tap3,
    ];

    /// CLI spelling.
    pub fn name(self) -> &'static str {
        match self {
            LogZMethod::Exact => "exact",
            LogZMethod::Ais => "ais",
            LogZMethod::ReverseAis => "reverse-ais",
            LogZMethod::Naive => "naive",
            LogZMethod::Tap2 => "tap2",
            LogZMethod::Tap3 => "tap3",
        }
    }

    /// Parses a CLI spelling.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `--method`.
    pub fn parse(text: &str) -> Result<Self> {
        LogZMethod::ALL
            .into_iter()
            .find(|m| m.name() == text)
            .ok_or_else(|| {
                Error::invalid(
                    "--method",
                    format!("'{text}'"),
                    "expected one of exact, ais, reverse-ais, naive, tap2, tap3",
                )
            })
    }

    fn order(self) -> Option<Order> {
        match self {
            LogZMethod::Naive => Some(Order::Naive),
            LogZMethod::Tap2 => Some(Order::Tap2),
            LogZMethod::Tap3 => Some(Order::Tap3),
            _ => None,
        }
    }
}

/// Settings of the estimates (defaults: S&M schedule, 100 runs, 1000 burn-in sweeps for reverse
/// starts, sequential damped iteration with ρ = 0.5, 2000 iterations, tolerance 1e-10).
#[derive(Clone, Debug)]
pub struct LogZOptions {
    /// AIS temperatures.
    pub schedule: BetaSchedule,
    /// Independent AIS runs.
    pub runs: usize,
    /// Data (rows = samples): base-rate model for AIS, starts of reverse AIS and of the
    /// mean-field solvers. Without data: base with zero biases, reverse starts from exact
    /// samples (small models) or from random chains after `burn_in` sweeps.
    pub data: Option<DMatrix<f64>>,
    /// Gibbs sweeps from the starting configurations before reverse AIS.
    pub burn_in: usize,
    /// Mean-field damping.
    pub damping: f64,
    /// Mean-field iteration limit.
    pub max_iterations: usize,
    /// Mean-field tolerance on the max-norm residual.
    pub tolerance: f64,
    /// Mean-field starting points: the neutral point, plus this many data rows when data
    /// are given; the estimate is the largest $-F$ over converged starts.
    pub data_starts: usize,
}

impl Default for LogZOptions {
    fn default() -> Self {
        LogZOptions {
            schedule: BetaSchedule::SalakhutdinovMurray,
            runs: 100,
            data: None,
            burn_in: 1000,
            damping: 0.5,
            max_iterations: 2000,
            tolerance: 1e-10,
            data_starts: 0,
        }
    }
}

/// An estimate of $\ln Z$ with what it rests on.
#[derive(Clone, Debug, Serialize)]
pub struct LogZReport {
    /// The method.
    pub method: LogZMethod,
    /// $\ln \hat Z$.
    pub log_z: f64,
    /// Standard error (AIS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub std_error: Option<f64>,
    /// Per-chain-mean bound (AIS: lower for forward, upper for reverse).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound: Option<f64>,
    /// AIS: effective sample size of the importance weights, $(\sum w)^2/\sum w^2$. Far below
    /// `runs`, the weights are dominated by a few chains and the standard error is not to be
    /// trusted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_sample_size: Option<f64>,
    /// AIS temperatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// AIS runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<usize>,
    /// Mean-field iterations (largest over starts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iterations: Option<usize>,
    /// Whether the mean-field start that gave the estimate converged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converged: Option<bool>,
    /// Mean-field outcome: `converged` if any start converged, else the first start's
    /// `iteration-limit` or `diverged`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// Mean-field residual (largest over starts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residual: Option<f64>,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Estimates $\ln Z$ of `rbm` by `method`.
///
/// # Errors
/// Exact enumeration of a model too large, mean field on Gaussian units, bad options, data of
/// the wrong width.
pub fn estimate_log_z<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
    rbm: &Rbm<V, H, T>,
    method: LogZMethod,
    options: &LogZOptions,
    rng: &mut R,
) -> Result<LogZReport> {
    if let Some(d) = &options.data {
        if d.ncols() != rbm.n_visible() {
            return Err(Error::shape(
                "data for the log Z estimate",
                format!("{} columns (the model's visible units)", rbm.n_visible()),
                format!("{}", d.ncols()),
            ));
        }
    }
    let clock = Instant::now();
    let mut report = LogZReport {
        method,
        log_z: f64::NAN,
        std_error: None,
        bound: None,
        effective_sample_size: None,
        steps: None,
        runs: None,
        iterations: None,
        converged: None,
        status: None,
        residual: None,
        seconds: 0.0,
    };
    match method {
        LogZMethod::Exact => {
            report.log_z = Enumeration::new(rbm)?.log_z();
        }
        LogZMethod::Ais | LogZMethod::ReverseAis => {
            let ais = Ais::new(options.schedule.clone(), options.runs)?;
            let base = match &options.data {
                Some(d) => BaseRateModel::from_data(d.as_view(), rbm.visible())?,
                None => BaseRateModel::zero(rbm.n_visible()),
            };
            let estimate = if method == LogZMethod::Ais {
                ais.forward(rbm, &base, rng)?
            } else {
                let start = model_samples(rbm, options, rng)?;
                ais.reverse(rbm, &base, start.as_view(), rng)?
            };
            report.log_z = estimate.log_z;
            report.std_error = Some(estimate.std_error);
            report.bound = Some(estimate.bound);
            report.effective_sample_size = Some(estimate.effective_sample_size());
            report.steps = Some(estimate.steps);
            report.runs = Some(estimate.runs);
        }
        LogZMethod::Naive | LogZMethod::Tap2 | LogZMethod::Tap3 => {
            let order = method.order().unwrap_or(Order::Tap2);
            let solver = IterativeSolver::new(
                order,
                UpdateScheme::Sequential,
                options.damping,
                options.max_iterations,
                options.tolerance,
            )?;
            let mut start = Magnetizations::neutral(rbm, 1)?;
            if let (Some(d), n) = (&options.data, options.data_starts) {
                if n > 0 {
                    let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..d.nrows())).collect();
                    let picked = d.select_rows(&rows).map(|x| T::of(x));
                    let from_data = Magnetizations::from_visible(rbm, picked.as_view())?;
                    start = start.stacked(&from_data)?;
                }
            }
            let sol = solver.solve(rbm, &start)?;
            report.log_z = sol.log_partition();
            report.iterations = Some(sol.max_iterations());
            report.residual = Some(sol.max_residual());
            let any = sol.convergence.iter().any(|c| c.is_converged());
            report.converged = Some(any);
            report.status = Some(if any {
                "converged"
            } else {
                sol.convergence[0].label()
            });
        }
    }
    report.seconds = clock.elapsed().as_secs_f64();
    Ok(report)
}

/// `options.runs` visible configurations approximately from the model: exact samples when the
/// smaller layer can be enumerated cheaply (≤ 20 units) and no data are given; otherwise
/// chains started at data rows (or at random) after `burn_in` Gibbs sweeps.
///
/// # Errors
/// As [`ChainState::from_visible`] for data rows that do not fit the model, and as
/// [`GibbsSampler::new`] for a bad `burn_in`.
pub fn model_samples<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
    rbm: &Rbm<V, H, T>,
    options: &LogZOptions,
    rng: &mut R,
) -> Result<DMatrix<T>> {
    let small = rbm.n_visible().min(rbm.n_hidden()) <= 20;
    if options.data.is_none() && small {
        if let Ok(e) = Enumeration::new(rbm) {
            return Ok(e.samples(rbm, options.runs, rng).visible.map(T::of));
        }
    }
    let mut chains = match &options.data {
        Some(d) => {
            let rows: Vec<usize> = (0..options.runs)
                .map(|_| rng.random_range(0..d.nrows()))
                .collect();
            let v = d.select_rows(&rows).map(T::of);
            ChainState::from_visible(rbm, v, rng)?
        }
        None => ChainState::random(rbm, options.runs, rng),
    };
    if options.burn_in > 0 {
        GibbsSampler::new(options.burn_in)?.run(rbm, &mut chains, &mut GibbsWorkspace::new(), rng);
    }
    Ok(chains.visible)
}
