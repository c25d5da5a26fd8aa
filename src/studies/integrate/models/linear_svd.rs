//! `rbmdyn integrate linear-svd`: the singular values of a {0,1} RBM's weights in the linear
//! regime ([`BinaryLinearRegime`]) on the data `--dataset SPEC`, from the $W(0)$ a run with
//! these settings draws. With `--compare RUN_DIR` the run's own configuration, data and $W(0)$
//! are used instead (only `--modes` applies), the times are the run's spectrum saves, and the
//! figure is the comparison's ([`compare`](crate::studies::integrate::compare)).

use crate::analytic::linear_svd::{BinaryLinearRegime, BINARY_THRESHOLD};
use crate::analytic::ode::Trajectory;
use crate::data::DatasetChoice;
use crate::error::{Error, Result};
use crate::rbm::init::VisibleBiasInit;
use crate::report::chart::{Axis, LineChart, Series};
use crate::run::{initial_model, DataConfig, ModelConfig, RunDir, TrainConfig};
use crate::studies::integrate::compare::{
    compare_linear_svd, comparison_figure, LinearSvdComparison,
};
use crate::studies::integrate::output::{
    time_grid, write_outputs, IntegrateOptions, IntegrateSummary, LINEAR_REGIME_TOL,
};
use crate::studies::integrate::toy_model::{parameters_json, ToyModel};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

/// Singular values of a {0,1} RBM's weights in the linear regime (on --dataset, or against a
/// run with --compare).
#[derive(Clone, Debug, clap::Args, Serialize)]
pub struct LinearSvd {
    /// Hidden units of the drawn W(0) (without --compare).
    #[arg(long, default_value_t = 500)]
    pub hidden: usize,
    /// Standard deviation of the drawn W(0)'s entries (without --compare).
    #[arg(long, default_value_t = 0.01)]
    pub weight_std: f64,
    /// Seed of the drawn W(0), as a training run's `seed` (without --compare).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Zero visible bias instead of the data's (without --compare).
    #[arg(long)]
    pub zero_bias: bool,
    /// Top singular values followed.
    #[arg(long, default_value_t = 10)]
    pub modes: usize,
    /// Learning time t = η·updates at which the integration ends (without --compare).
    #[arg(long, default_value_t = 10.0)]
    pub t_end: f64,
    /// Output times, equally spaced on [0, t_end] (without --compare).
    #[arg(long, default_value_t = 101)]
    pub points: usize,
}

impl ToyModel for LinearSvd {
    const NAME: &'static str = "linear-svd";

    fn integrate(&self, options: &IntegrateOptions, out: &Path) -> Result<IntegrateSummary> {
        if self.modes == 0 {
            return Err(Error::invalid("--modes", self.modes, "must be ≥ 1"));
        }
        let modes = self.modes;
        let (times, linear, comparison, theory_rates, label) =
            if let Some(run_dir) = &options.compare {
                let dataset = match &options.dataset {
                    Some(spec) => {
                        let mut c = RunDir::new(run_dir).read_config()?;
                        c.data.dataset = DatasetChoice::from_str(spec)?;
                        c.data.root = options.data.clone().or(c.data.root);
                        Some(c.check()?.load_dataset()?)
                    }
                    None => None,
                };
                let cmp = compare_linear_svd(run_dir, dataset.as_ref(), modes)?;
                let rates = cmp.growth_rates.clone();
                (
                    cmp.times.clone(),
                    cmp.linear.clone(),
                    Some(cmp),
                    rates,
                    format!("run {}", run_dir.display()),
                )
            } else {
                let spec = options.dataset.clone().ok_or_else(|| {
                    Error::invalid(
                        "--dataset",
                        "(none)",
                        "linear-svd needs the data (--dataset SPEC) or a run (--compare RUN_DIR)",
                    )
                })?;
                let defaults = TrainConfig::default();
                let config = TrainConfig {
                    data: DataConfig {
                        dataset: DatasetChoice::from_str(&spec)?,
                        root: options.data.clone(),
                        ..defaults.data
                    },
                    model: ModelConfig {
                        hidden: self.hidden,
                        weight_std: self.weight_std,
                        visible_bias_init: if self.zero_bias {
                            VisibleBiasInit::Zero
                        } else {
                            defaults.model.visible_bias_init
                        },
                        ..defaults.model
                    },
                    seed: self.seed,
                    ..defaults
                }
                .check()?;
                let dataset = config.load_dataset()?;
                let model = initial_model(&config, &dataset)?;
                let regime = BinaryLinearRegime::from_data(
                    &dataset.samples,
                    model.visible_bias(),
                    model.weights().clone(),
                )?;
                let times = time_grid(self.t_end, self.points)?;
                let k = modes.min(model.n_hidden().min(model.n_visible()));
                let linear: Vec<Vec<f64>> = regime
                    .singular_values_at(&times)?
                    .into_iter()
                    .map(|s| s[..k].to_vec())
                    .collect();
                let mut rates = regime.growth_rates();
                rates.truncate(k);
                (
                    times,
                    linear,
                    None,
                    rates,
                    format!("data {}", config.data.dataset),
                )
            };
        let k = linear.first().map_or(0, Vec::len);
        let mut theory = BTreeMap::new();
        theory.insert("threshold".into(), BINARY_THRESHOLD);
        for (a, r) in theory_rates.iter().enumerate() {
            theory.insert(format!("rate_{}", a + 1), *r);
        }
        let trajectory = Trajectory {
            times: times.clone(),
            states: linear,
            steps: 0,
            rejected: 0,
            evaluations: 0,
        };
        let summary = IntegrateSummary {
            model: Self::NAME.into(),
            parameters: parameters_json(self)?,
            theory,
            trajectory,
            state_names: (1..=k).map(|a| format!("sigma{a}")).collect(),
            compare: comparison.as_ref().map(|c| overlay_json(c, options)),
        };
        write_outputs(&summary, out)?;
        let png = out.join("trajectory.png");
        let title = format!("linear-svd: singular values of W, {label}");
        match &comparison {
            Some(c) => comparison_figure(c, &png, &title, LINEAR_REGIME_TOL)?,
            None => {
                let series: Vec<Series> = (0..k.min(5))
                    .map(|a| Series {
                        name: format!("linear ODE σ{}", a + 1),
                        points: summary.trajectory.component(a),
                    })
                    .collect();
                LineChart::new(&title)
                    .x(Axis::linear("learning time t = η · updates"))
                    .y(Axis::log("singular value σα (threshold 4)"))
                    .series(&series)
                    .write(&png)?;
            }
        }
        Ok(summary)
    }
}

/// The overlay numbers of a `linear-svd` comparison.
fn overlay_json(c: &LinearSvdComparison, options: &IntegrateOptions) -> serde_json::Value {
    let departure = c.departure(LINEAR_REGIME_TOL);
    serde_json::json!({
        "run_dir": options.compare,
        "time": "t = η·updates",
        "tolerance": LINEAR_REGIME_TOL,
        "end_of_linear_regime": departure.map(|k| serde_json::json!({
            "step": c.steps[k], "t": c.times[k], "epoch": c.epochs[k],
            "sigma1_training": c.training[k][0], "sigma1_linear": c.linear[k][0],
        })),
        "comparison": c,
    })
}
