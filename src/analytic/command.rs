//! `rbmdyn integrate MODEL [--param k=v ...] --out DIR`: integrate a toy model and write its
//! trajectory (`trajectory.csv`, `trajectory.json`) and a plot (`trajectory.png`).
//!
//! Models and parameters (defaults in brackets):
//! * `cw-gaussian`: one Gaussian hidden unit learning a Curie–Weiss teacher, reduced ODE
//!   for $w$ ([`super::curie_weiss::GaussianHiddenReduced`]): `beta` [1.5], `n` [0 = large-N
//!   limit], `w0` [0.1], `t_end` [10], `points` [201];
//! * `two-patterns`: the linear-regime student of the two-pattern teacher, projections on
//!   $\hat\eta^1$, $\hat\eta^2$ growing at $r^2(1+\kappa)/2$ and $p^2(1-\kappa)/2$
//!   ([`super::two_patterns::growth_rates`]): `beta` [2.5], `kappa` [0.5], `u0` [0.01],
//!   `t_end` [10], `points` [201].

use super::curie_weiss::{magnetization, GaussianHiddenReduced};
use super::ode::{dopri5, Dopri5Options, Trajectory};
use super::AnalyticModel;
use crate::error::{Error, Result};
use crate::io::write_atomic;
use crate::validation::plots::{line_chart_scaled, Series};
use nalgebra::DVector;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

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
];

/// What `integrate` wrote.
#[derive(Clone, Debug, Serialize)]
pub struct IntegrateSummary {
    /// The model.
    pub model: String,
    /// Parameters used (defaults filled in).
    pub parameters: BTreeMap<String, f64>,
    /// Theory numbers of the model (rates, fixed points).
    pub theory: BTreeMap<String, f64>,
    /// The trajectory.
    pub trajectory: Trajectory,
    /// Column names of the state.
    pub state_names: Vec<String>,
}

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
    let p = parameters(model, pairs)?;
    let t_end = p["t_end"];
    let points = p["points"];
    if !(t_end > 0.0 && t_end.is_finite() && (2.0..=1e6).contains(&points)) {
        return Err(Error::invalid(
            "--param",
            format!("t_end = {t_end}, points = {points}"),
            "t_end must be positive and points in 2..=1e6",
        ));
    }
    let n_points = points as usize;
    let times: Vec<f64> = (0..n_points)
        .map(|k| t_end * k as f64 / (n_points - 1) as f64)
        .collect();
    let mut theory = BTreeMap::new();
    let boxed: Box<dyn AnalyticModel> = match model {
        "cw-gaussian" => {
            let n = p["n"];
            let n = if n >= 1.0 { Some(n as usize) } else { None };
            let m = GaussianHiddenReduced::new(p["beta"], n, p["w0"])?;
            let mb = magnetization(p["beta"])?;
            theory.insert("m_beta".into(), mb);
            theory.insert("initial_rate".into(), m.initial_rate()?);
            theory.insert("fixed_point_w".into(), p["beta"].sqrt());
            if mb > 0.0 && p["w0"] > 0.0 && p["w0"] < 1.0 {
                theory.insert("time_to_w_1_large_n".into(), -p["w0"].ln() / (mb * mb));
            }
            Box::new(m)
        }
        _ => {
            let (g1, g2) = super::two_patterns::growth_rates(p["beta"], p["kappa"])?;
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
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    write_atomic(
        &out.join("trajectory.csv"),
        trajectory.to_csv(&refs).as_bytes(),
    )?;
    let summary = IntegrateSummary {
        model: model.to_string(),
        parameters: p,
        theory,
        trajectory,
        state_names: names.clone(),
    };
    let json = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::format(out, format!("cannot serialise: {e}")))?;
    write_atomic(&out.join("trajectory.json"), json.as_bytes())?;
    let series: Vec<Series> = names
        .iter()
        .enumerate()
        .map(|(k, name)| Series {
            name: name.clone(),
            points: summary.trajectory.component(k),
        })
        .collect();
    line_chart_scaled(
        &out.join("trajectory.png"),
        &format!("{model}: integrated trajectory"),
        "t (learning time)",
        "state",
        &series,
        false,
        model == "two-patterns",
    )?;
    Ok(summary)
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
