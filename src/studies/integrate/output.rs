//! What `rbmdyn integrate` reads besides a model's parameters, what it writes, and the helpers
//! shared by the toy models ([`super::models`]) and the run comparison ([`super::compare`]).
//! It imports nothing from its sibling files.

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

/// What `integrate` reads besides the model's parameters: the options every model shares,
/// declared once (each model refuses those it does not use).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct IntegrateOptions {
    /// Dataset for linear-svd (mnist, planted:N:M:SEED:B,..., file:PATH, ...).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Data root (default: the run's, else $RBMDYN_DATA, else ../shared/data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A training run directory to overlay (cw-gaussian: one Gaussian hidden unit; linear-svd:
    /// a {0,1} run with spectrum saves).
    #[arg(long)]
    pub compare: Option<PathBuf>,
}

impl IntegrateOptions {
    /// Refuses `--dataset` for a model that does not integrate on data.
    ///
    /// # Errors
    /// `--dataset` given (the error names the flag and the model).
    pub fn refuse_dataset(&self, model: &str) -> Result<()> {
        match &self.dataset {
            Some(_) => Err(Error::invalid(
                "--dataset",
                model,
                "only linear-svd integrates on a dataset",
            )),
            None => Ok(()),
        }
    }

    /// Refuses `--compare` for a model with no training run to overlay.
    ///
    /// # Errors
    /// `--compare` given (the error names the flag and the model).
    pub fn refuse_compare(&self, model: &str) -> Result<()> {
        match &self.compare {
            Some(_) => Err(Error::invalid(
                "--compare",
                model,
                format!(
                    "no training run type for {model}; --compare works with cw-gaussian and \
                     linear-svd"
                ),
            )),
            None => Ok(()),
        }
    }
}

/// What `integrate` wrote.
#[derive(Clone, Debug, Serialize)]
pub struct IntegrateSummary {
    /// The model (its subcommand name).
    pub model: String,
    /// The model's parameters as given (its parameter struct, defaults filled in).
    pub parameters: serde_json::Value,
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
///
/// # Errors
/// `t_end` not positive and finite; `points` outside 2..=10⁶ (the error names the flag).
pub fn time_grid(t_end: f64, points: usize) -> Result<Vec<f64>> {
    if !(t_end > 0.0 && t_end.is_finite()) {
        return Err(Error::invalid("--t-end", t_end, "must be positive"));
    }
    if !(2..=1_000_000).contains(&points) {
        return Err(Error::invalid("--points", points, "must be in 2..=1e6"));
    }
    Ok((0..points)
        .map(|k| t_end * k as f64 / (points - 1) as f64)
        .collect())
}

/// Writes `trajectory.csv` and `trajectory.json` into `out` (created if missing).
pub(super) fn write_outputs(summary: &IntegrateSummary, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let refs: Vec<&str> = summary.state_names.iter().map(String::as_str).collect();
    let (header, rows) = summary.trajectory.table(&refs);
    crate::io::table::write_table(&out.join("trajectory.csv"), Some(&header), &rows)?;
    let json = serde_json::to_string_pretty(summary)
        .map_err(|e| Error::format(out, format!("cannot serialise: {e}")))?;
    write_atomic(&out.join("trajectory.json"), json.as_bytes())
}
