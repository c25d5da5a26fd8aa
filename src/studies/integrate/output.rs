//! What `rbmdyn integrate` reads besides a model's parameters, what it writes, and the helpers
//! shared by the toy models and the run comparison ([`super::compare`]).

use crate::analytic::ode::Trajectory;
use crate::error::{Error, Result};
use crate::io::write_atomic;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Tolerance on $|\ln(\sigma_1^{\rm train}/\sigma_1^{\rm lin})|$ that marks the end of the
/// linear regime in the `linear-svd` overlay (the validation cases' criterion, see
/// `crate::validation::cases::linear_svd_ode`).
pub const LINEAR_REGIME_TOL: f64 = 0.1;

/// What `integrate` reads besides the parameters.
#[derive(Clone, Debug, Default)]
pub struct IntegrateOptions {
    /// Dataset spelling (`linear-svd`).
    pub dataset: Option<String>,
    /// Data root.
    pub data: Option<PathBuf>,
    /// A training run to overlay.
    pub compare: Option<PathBuf>,
}

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
    /// The overlaid training run (with `--compare`): its directory and numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<serde_json::Value>,
}

/// `points` equally spaced times on [0, `t_end`].
pub(super) fn time_grid(t_end: f64, points: f64) -> Result<Vec<f64>> {
    if !(t_end > 0.0 && t_end.is_finite() && (2.0..=1e6).contains(&points)) {
        return Err(Error::invalid(
            "--param",
            format!("t_end = {t_end}, points = {points}"),
            "t_end must be positive and points in 2..=1e6",
        ));
    }
    let n = points as usize;
    Ok((0..n).map(|k| t_end * k as f64 / (n - 1) as f64).collect())
}

pub(super) fn write_outputs(summary: &IntegrateSummary, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let refs: Vec<&str> = summary.state_names.iter().map(String::as_str).collect();
    write_atomic(
        &out.join("trajectory.csv"),
        summary.trajectory.to_csv(&refs).as_bytes(),
    )?;
    let json = serde_json::to_string_pretty(summary)
        .map_err(|e| Error::format(out, format!("cannot serialise: {e}")))?;
    write_atomic(&out.join("trajectory.json"), json.as_bytes())
}
