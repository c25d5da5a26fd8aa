//! The [`ToyModel`] trait of `rbmdyn integrate` and the helpers a model file uses: parsing its
//! flags, its parameters as JSON, and the common path of the ODE models (integrate, then write
//! the files and the figure).

use super::output::{write_outputs, IntegrateOptions, IntegrateSummary};
use crate::analytic::ode::{dopri5, Dopri5Options};
use crate::analytic::AnalyticModel;
use crate::error::{Error, Result};
use crate::report::chart::{Axis, LineChart, Scale, Series};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A toy model `rbmdyn integrate` knows: its parameters are the fields of the implementing
/// struct (clap flags), its name is the subcommand.
pub trait ToyModel: clap::Args + Serialize {
    /// The subcommand (`rbmdyn integrate NAME`), also `model` in `trajectory.json`.
    const NAME: &'static str;

    /// Integrates the model and writes `trajectory.csv`, `trajectory.json` and
    /// `trajectory.png` into `out`.
    ///
    /// # Errors
    /// Bad parameters or options (the error names the flag); integration failure; a run to
    /// compare with that does not fit; files that cannot be written.
    fn integrate(&self, options: &IntegrateOptions, out: &Path) -> Result<IntegrateSummary>;
}

/// Parses a model's parameters from its command-line flags, e.g.
/// `parse_model::<CwGaussian>(&["--beta", "2"])`; `&[]` gives the defaults.
///
/// # Errors
/// An unknown flag or a value of the wrong type (the error holds clap's message).
pub fn parse_model<M: ToyModel>(flags: &[&str]) -> Result<M> {
    let command = M::augment_args(clap::Command::new(M::NAME).no_binary_name(true));
    command
        .try_get_matches_from(flags)
        .and_then(|matches| M::from_arg_matches(&matches))
        .map_err(|e| Error::invalid("MODEL", M::NAME, e.to_string()))
}

/// The parameters of `model` as JSON (`IntegrateSummary::parameters`).
///
/// # Errors
/// A parameter struct that does not serialise (not for plain numbers and flags).
pub fn parameters_json<M: ToyModel>(model: &M) -> Result<serde_json::Value> {
    serde_json::to_value(model).map_err(|e| {
        Error::invalid(
            "MODEL",
            M::NAME,
            format!("parameters cannot be serialised: {e}"),
        )
    })
}

/// Integrates `ode` at `times` (Dormand–Prince 5(4), default tolerances) into the summary of
/// `model`, with the model's `theory` numbers: the common path of the ODE toy models. Write it
/// with [`write_ode_files`].
///
/// # Errors
/// Integration failure.
pub fn ode_summary<M: ToyModel>(
    model: &M,
    ode: &dyn AnalyticModel,
    times: &[f64],
    theory: BTreeMap<String, f64>,
) -> Result<IntegrateSummary> {
    Ok(IntegrateSummary {
        model: M::NAME.to_string(),
        parameters: parameters_json(model)?,
        theory,
        trajectory: dopri5(ode, times, &Dopri5Options::default())?,
        state_names: ode.state_names(),
        compare: None,
    })
}

/// Writes an ODE model's `trajectory.csv`, `trajectory.json` and `trajectory.png` (one curve per
/// state component, then the `overlay` curves; log y-axis with `log_y`) into `out`.
///
/// # Errors
/// Files that cannot be written.
pub fn write_ode_files(
    summary: &IntegrateSummary,
    overlay: Vec<Series>,
    log_y: bool,
    out: &Path,
) -> Result<()> {
    write_outputs(summary, out)?;
    let mut series: Vec<Series> = summary
        .state_names
        .iter()
        .enumerate()
        .map(|(k, name)| Series {
            name: format!("ODE {name}"),
            points: summary.trajectory.component(k),
        })
        .collect();
    series.extend(overlay);
    LineChart::new(format!("{}: integrated trajectory", summary.model))
        .x(Axis::linear("t (learning time)"))
        .y(Axis::scaled(
            "state",
            if log_y { Scale::Log } else { Scale::Linear },
        ))
        .series(&series)
        .write(&out.join("trajectory.png"))
}
