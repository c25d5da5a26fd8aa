//! `rbmdyn integrate cw-gaussian`: one Gaussian hidden unit learning a Curie–Weiss teacher,
//! the reduced ODE for $w$ ([`GaussianHiddenReduced`]).
//!
//! `--compare RUN_DIR`: a run with one hidden unit (as trained by the
//! `cw-gaussian-*-training` cases, $W = w/\sqrt N$), overlaid as $\|w\|/\sqrt N = \sigma_1$
//! against $t = N\eta\,\cdot$updates; unless `--w0` is given, the ODE starts from the run's
//! $\sigma_1(0)$.

use crate::analytic::curie_weiss::{magnetization, GaussianHiddenReduced};
use crate::analytic::ode::{dopri5, Dopri5Options};
use crate::error::{Error, Result};
use crate::report::chart::Series;
use crate::studies::integrate::output::{time_grid, IntegrateOptions, IntegrateSummary};
use crate::studies::integrate::toy_model::{ode_summary, write_ode_files, ToyModel};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// $w(0)$ when neither `--w0` nor a run gives it.
pub const DEFAULT_W0: f64 = 0.1;

/// One Gaussian hidden unit learning a Curie–Weiss teacher (reduced ODE for w).
#[derive(Clone, Debug, clap::Args, Serialize)]
pub struct CwGaussian {
    /// Inverse temperature β of the Curie–Weiss teacher.
    #[arg(long, default_value_t = 1.5)]
    pub beta: f64,
    /// Visible units N (finite-N moments); absent: the large-N limit.
    #[arg(long)]
    pub n: Option<usize>,
    /// Initial w = ‖w(0)‖/√N [default: 0.1; with --compare: the run's σ1(0)].
    #[arg(long, allow_negative_numbers = true)]
    pub w0: Option<f64>,
    /// Learning time at which the integration ends.
    #[arg(long, default_value_t = 10.0)]
    pub t_end: f64,
    /// Output times, equally spaced on [0, t_end].
    #[arg(long, default_value_t = 201)]
    pub points: usize,
}

impl ToyModel for CwGaussian {
    const NAME: &'static str = "cw-gaussian";

    fn integrate(&self, options: &IntegrateOptions, out: &Path) -> Result<IntegrateSummary> {
        options.refuse_dataset(Self::NAME)?;
        let times = time_grid(self.t_end, self.points)?;
        let mut theory = BTreeMap::new();
        let mut w0 = self.w0.unwrap_or(DEFAULT_W0);
        let run = match &options.compare {
            Some(run_dir) => {
                let run = CwRun::load(run_dir, self.n)?;
                if self.w0.is_none() {
                    w0 = run.norms[0];
                    theory.insert("w0_from_run".into(), w0);
                }
                Some(run)
            }
            None => None,
        };
        let m = GaussianHiddenReduced::new(self.beta, self.n, w0)?;
        let mb = magnetization(self.beta)?;
        theory.insert("m_beta".into(), mb);
        theory.insert("initial_rate".into(), m.initial_rate()?);
        theory.insert("fixed_point_w".into(), self.beta.sqrt());
        if mb > 0.0 && w0 > 0.0 && w0 < 1.0 {
            theory.insert("time_to_w_1_large_n".into(), -w0.ln() / (mb * mb));
        }
        let mut summary = ode_summary(self, &m, &times, theory)?;
        let mut overlay = Vec::new();
        if let Some(run) = run {
            // the ODE at the run's save times, for the overlay numbers
            let mut t: Vec<f64> = vec![0.0];
            t.extend(run.times.iter().copied().filter(|&x| x > 0.0));
            t.dedup();
            let at = dopri5(&m, &t, &Dopri5Options::default())?;
            let ode: Vec<f64> = run
                .times
                .iter()
                .map(|&x| {
                    #[allow(clippy::float_cmp)] // a time taken from the same grid: exact match intended
                    let k = t.iter().position(|&y| y == x).unwrap_or(0);
                    at.states[k][0]
                })
                .collect();
            summary.compare = Some(serde_json::json!({
                "run_dir": run.dir, "quantity": "‖w‖/√N = σ1(W)",
                "time": "t = N·η·updates", "n_visible": run.n,
                "times": run.times, "training": run.norms, "ode": ode,
            }));
            overlay.push(Series {
                name: format!("training ‖w‖/√N ({})", run.dir.display()),
                points: run
                    .times
                    .iter()
                    .copied()
                    .zip(run.norms.iter().copied())
                    .collect(),
            });
        }
        write_ode_files(&summary, overlay, false, out)?;
        Ok(summary)
    }
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
        let files = crate::run::RunDir::existing(dir, "--compare")?;
        let config_path = files.config_toml();
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
                "--n",
                n,
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
