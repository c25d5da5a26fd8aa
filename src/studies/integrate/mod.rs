//! `rbmdyn integrate MODEL [--param k=v ...] [--dataset SPEC] [--compare RUN_DIR] --out DIR`:
//! integrate a toy model and write its trajectory (`trajectory.csv`, `trajectory.json`) and a
//! plot (`trajectory.png`); with `--compare`, a training run is overlaid on the plot and the
//! overlay numbers go into `trajectory.json` (`compare`).
//!
//! Models and parameters (defaults in brackets):
//! * `cw-gaussian`: one Gaussian hidden unit learning a Curie–Weiss teacher, reduced ODE
//!   for $w$ ([`crate::analytic::curie_weiss::GaussianHiddenReduced`]): `beta` [1.5], `n` [0 = large-N
//!   limit], `w0` [0.1], `t_end` [10], `points` [201];
//! * `two-patterns`: the linear-regime student of the two-pattern teacher, projections on
//!   $\hat\eta^1$, $\hat\eta^2$ growing at $r^2(1+\kappa)/2$ and $p^2(1-\kappa)/2$
//!   ([`crate::analytic::two_patterns::growth_rates`]): `beta` [2.5], `kappa` [0.5], `u0` [0.01],
//!   `t_end` [10], `points` [201].
//! * `linear-svd`: the singular values of a {0,1} RBM's weights in the linear regime
//!   ([`crate::analytic::linear_svd::BinaryLinearRegime`]) on the data `--dataset SPEC`, from the $W(0)$
//!   a run with these settings draws: `hidden` [500], `weight_std` [0.01], `seed` [0],
//!   `zero_bias` [0: visible bias from the data], `modes` [10], `t_end` [10], `points` [101].
//!   With `--compare RUN_DIR` the run's own configuration, data and $W(0)$ are used instead
//!   (only `modes` applies) and the times are the run's spectrum saves.
//!
//! `--compare RUN_DIR` for `cw-gaussian`: a run with one hidden unit (as trained by the
//! `cw-gaussian-*-training` cases, $W = w/\sqrt N$), overlaid as $\|w\|/\sqrt N = \sigma_1$
//! against $t = N\eta\,\cdot$updates; unless `w0` is given, the ODE starts from the run's
//! $\sigma_1(0)$.

pub mod compare;
mod output;

use output::{time_grid, write_outputs};
pub use output::{IntegrateOptions, IntegrateSummary, LINEAR_REGIME_TOL};

use crate::analytic::curie_weiss::{magnetization, GaussianHiddenReduced};
use crate::analytic::ode::{dopri5, Dopri5Options};
use crate::analytic::AnalyticModel;
use crate::error::{Error, Result};
use crate::report::chart::{Axis, LineChart, Scale, Series};
use nalgebra::DVector;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The toy models `integrate` knows, with their parameters and defaults.
pub const MODELS: &[(&str, &[(&str, f64)])] = &[
    (
        "cw-gaussian",
        &[
            ("beta", 1.5),
            ("n", 0.0),
            ("w0", 0.1),
            ("t_end", 10.0),
            ("points", 201.0),
        ],
    ),
    (
        "two-patterns",
        &[
            ("beta", 2.5),
            ("kappa", 0.5),
            ("u0", 0.01),
            ("t_end", 10.0),
            ("points", 201.0),
        ],
    ),
    (
        "linear-svd",
        &[
            ("hidden", 500.0),
            ("weight_std", 0.01),
            ("seed", 0.0),
            ("zero_bias", 0.0),
            ("modes", 10.0),
            ("t_end", 10.0),
            ("points", 101.0),
        ],
    ),
];

/// Parses `k=v` pairs against the model's parameters (unknown keys are errors naming the key).
///
/// # Errors
/// Unknown model or key; a value that is not a number.
pub fn parameters(model: &str, pairs: &[String]) -> Result<BTreeMap<String, f64>> {
    let (_, defaults) = MODELS.iter().find(|(m, _)| *m == model).ok_or_else(|| {
        Error::invalid(
            "MODEL",
            format!("'{model}'"),
            format!(
                "unknown toy model; known: {}",
                MODELS.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let mut out: BTreeMap<String, f64> =
        defaults.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    for pair in pairs {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| Error::invalid("--param", format!("'{pair}'"), "expected KEY=VALUE"))?;
        let k = k.trim();
        if !out.contains_key(k) {
            return Err(Error::invalid(
                "--param",
                format!("'{k}'"),
                format!(
                    "not a parameter of {model}; its parameters: {}",
                    defaults.iter().map(|d| d.0).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let value: f64 = v
            .trim()
            .parse()
            .map_err(|_| Error::invalid("--param", format!("'{pair}'"), "value is not a number"))?;
        out.insert(k.to_string(), value);
    }
    Ok(out)
}

/// Exponential growth along two directions at fixed rates (the two-pattern linear student).
struct TwoRates {
    rates: [f64; 2],
    u0: f64,
}

impl AnalyticModel for TwoRates {
    fn name(&self) -> &'static str {
        "two-patterns"
    }
    fn initial_state(&self) -> DVector<f64> {
        DVector::from_element(2, self.u0)
    }
    fn rhs(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        dy[0] = self.rates[0] * y[0];
        dy[1] = self.rates[1] * y[1];
    }
    fn closed_form(&self, t: f64) -> Option<DVector<f64>> {
        Some(DVector::from_fn(2, |k, _| {
            self.u0 * (self.rates[k] * t).exp()
        }))
    }
    fn state_names(&self) -> Vec<String> {
        vec!["U_eta1".into(), "U_eta2".into()]
    }
}

/// Integrates `model` with `pairs` (`k=v`) and writes the files into `out`.
///
/// # Errors
/// Bad model or parameters; integration failure; files that cannot be written.
pub fn integrate(model: &str, pairs: &[String], out: &Path) -> Result<IntegrateSummary> {
    integrate_with(model, pairs, &IntegrateOptions::default(), out)
}

/// [`integrate`] with a dataset and a run to overlay.
///
/// # Errors
/// As [`integrate`]; `--dataset` or `--compare` given to a model that does not use them; a
/// run directory that does not fit (the error names the file or parameter).
#[allow(clippy::float_cmp)] // looks up a time taken from the same grid: exact match intended
#[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
pub fn integrate_with(
    model: &str,
    pairs: &[String],
    options: &IntegrateOptions,
    out: &Path,
) -> Result<IntegrateSummary> {
    let p = parameters(model, pairs)?;
    if model != "linear-svd" && options.dataset.is_some() {
        return Err(Error::invalid(
            "--dataset",
            model,
            "only linear-svd integrates on a dataset",
        ));
    }
    if model == "two-patterns" && options.compare.is_some() {
        return Err(Error::invalid(
            "--compare",
            model,
            "no training run type for two-patterns; --compare works with cw-gaussian and \
             linear-svd",
        ));
    }
    if model == "linear-svd" {
        return compare::integrate_linear_svd(&p, options, out);
    }
    let t_end = p["t_end"];
    let points = p["points"];
    let times = time_grid(t_end, points)?;
    let mut theory = BTreeMap::new();
    let mut compare = None;
    let boxed: Box<dyn AnalyticModel> = match model {
        "cw-gaussian" => {
            let n = p["n"];
            let n = if n >= 1.0 { Some(n as usize) } else { None };
            let mut w0 = p["w0"];
            if let Some(run_dir) = &options.compare {
                let run = CwRun::load(run_dir, n)?;
                if !pairs.iter().any(|x| x.trim_start().starts_with("w0")) {
                    w0 = run.norms[0];
                    theory.insert("w0_from_run".into(), w0);
                }
                compare = Some(run);
            }
            let m = GaussianHiddenReduced::new(p["beta"], n, w0)?;
            let mb = magnetization(p["beta"])?;
            theory.insert("m_beta".into(), mb);
            theory.insert("initial_rate".into(), m.initial_rate()?);
            theory.insert("fixed_point_w".into(), p["beta"].sqrt());
            if mb > 0.0 && w0 > 0.0 && w0 < 1.0 {
                theory.insert("time_to_w_1_large_n".into(), -w0.ln() / (mb * mb));
            }
            Box::new(m)
        }
        _ => {
            let (g1, g2) = crate::analytic::two_patterns::growth_rates(p["beta"], p["kappa"])?;
            theory.insert("rate_eta1".into(), g1);
            theory.insert("rate_eta2".into(), g2);
            theory.insert("T1".into(), 1.0 + p["kappa"]);
            theory.insert("T2".into(), 1.0 - p["kappa"]);
            Box::new(TwoRates {
                rates: [g1, g2],
                u0: p["u0"],
            })
        }
    };
    let trajectory = dopri5(boxed.as_ref(), &times, &Dopri5Options::default())?;
    let names = boxed.state_names();
    // the ODE at the run's save times, for the overlay numbers
    let overlay = match &compare {
        Some(run) => {
            let mut t: Vec<f64> = vec![0.0];
            t.extend(run.times.iter().copied().filter(|&x| x > 0.0));
            t.dedup();
            let at = dopri5(boxed.as_ref(), &t, &Dopri5Options::default())?;
            let ode: Vec<f64> = run
                .times
                .iter()
                .map(|&x| {
                    let k = t.iter().position(|&y| y == x).unwrap_or(0);
                    at.states[k][0]
                })
                .collect();
            Some((run, ode))
        }
        None => None,
    };
    let summary = IntegrateSummary {
        model: model.to_string(),
        parameters: p,
        theory,
        trajectory,
        state_names: names.clone(),
        compare: overlay.as_ref().map(|(run, ode)| {
            serde_json::json!({
                "run_dir": run.dir, "quantity": "‖w‖/√N = σ1(W)",
                "time": "t = N·η·updates", "n_visible": run.n,
                "times": run.times, "training": run.norms, "ode": ode,
            })
        }),
    };
    write_outputs(&summary, out)?;
    let mut series: Vec<Series> = names
        .iter()
        .enumerate()
        .map(|(k, name)| Series {
            name: format!("ODE {name}"),
            points: summary.trajectory.component(k),
        })
        .collect();
    if let Some((run, _)) = &overlay {
        series.push(Series {
            name: format!("training ‖w‖/√N ({})", run.dir.display()),
            points: run
                .times
                .iter()
                .copied()
                .zip(run.norms.iter().copied())
                .collect(),
        });
    }
    LineChart::new(format!("{model}: integrated trajectory"))
        .x(Axis::linear("t (learning time)"))
        .y(Axis::scaled(
            "state",
            if model == "two-patterns" {
                Scale::Log
            } else {
                Scale::Linear
            },
        ))
        .series(&series)
        .write(&out.join("trajectory.png"))?;
    Ok(summary)
}

/// A one-hidden-unit run: $\|w\|/\sqrt N = \sigma_1(W)$ against $t = N\eta\cdot$step.
struct CwRun {
    dir: PathBuf,
    n: usize,
    times: Vec<f64>,
    norms: Vec<f64>,
}

impl CwRun {
    fn load(dir: &Path, n: Option<usize>) -> Result<Self> {
        let files = crate::run::RunDir::new(dir);
        let config_path = files.config_toml();
        if !config_path.exists() {
            return Err(Error::invalid(
                "--compare",
                config_path.display(),
                "not found: RUN_DIR must be a run directory written by `rbmdyn train`",
            ));
        }
        let config = files.read_config()?;
        if config.model.hidden != 1 || config.model.hidden_type != crate::run::HiddenType::Gaussian
        {
            return Err(Error::invalid(
                "--compare",
                config_path.display(),
                format!(
                    "cw-gaussian needs one gaussian hidden unit; the run has hidden = {} ({})",
                    config.model.hidden, config.model.hidden_type
                ),
            ));
        }
        let run = files.spectrum()?;
        let nv = run.shape.0;
        if let Some(n) = n.filter(|&n| n != nv) {
            return Err(Error::invalid(
                "--param",
                format!("n = {n}"),
                format!("the run in {} has N = {nv} visible units", dir.display()),
            ));
        }
        Ok(CwRun {
            dir: dir.to_path_buf(),
            n: nv,
            times: run
                .records
                .iter()
                .map(|r| r.step as f64 * nv as f64 * config.optimiser.learning_rate)
                .collect(),
            norms: run.records.iter().map(|r| r.singular_values[0]).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrate_writes_files_and_matches_the_theory() {
        let dir = tempfile::tempdir().unwrap();
        let s = integrate(
            "cw-gaussian",
            &["t_end=10".into(), "points=11".into()],
            dir.path(),
        )
        .unwrap();
        // prediction 4 endpoint: √1.5 to 1e-5
        let last = s.trajectory.states.last().unwrap()[0];
        assert!((last - 1.224745).abs() < 1e-5);
        assert!((s.theory["time_to_w_1_large_n"] - 3.123739).abs() < 1e-6);
        for f in ["trajectory.csv", "trajectory.json", "trajectory.png"] {
            assert!(dir.path().join(f).exists(), "{f}");
        }
        let s = integrate("two-patterns", &["beta=2.5".into()], dir.path()).unwrap();
        assert!((s.theory["rate_eta1"] - 0.748329).abs() < 1e-6);
        assert!(integrate("nope", &[], dir.path()).is_err());
        let err = integrate("cw-gaussian", &["betta=2".into()], dir.path()).unwrap_err();
        assert!(err.to_string().contains("betta"), "{err}");
    }
}
