//! `rbmdyn integrate two-patterns`: the linear-regime student of the two-pattern teacher,
//! projections on $\hat\eta^1$, $\hat\eta^2$ growing at $r^2(1+\kappa)/2$ and
//! $p^2(1-\kappa)/2$ ([`crate::analytic::two_patterns::growth_rates`]).

use crate::analytic::two_patterns::growth_rates;
use crate::analytic::AnalyticModel;
use crate::error::Result;
use crate::studies::integrate::output::{time_grid, IntegrateOptions, IntegrateSummary};
use crate::studies::integrate::toy_model::{ode_summary, write_ode_files, ToyModel};
use nalgebra::DVector;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The linear-regime student of the two-pattern teacher (two exponential growths).
#[derive(Clone, Debug, clap::Args, Serialize)]
pub struct TwoPatterns {
    /// Inverse temperature β of the teacher.
    #[arg(long, default_value_t = 2.5)]
    pub beta: f64,
    /// Overlap κ = ξ¹·ξ²/N of the two patterns, in [0, 1).
    #[arg(long, default_value_t = 0.5)]
    pub kappa: f64,
    /// Initial projection U(0) on both directions.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub u0: f64,
    /// Learning time at which the integration ends.
    #[arg(long, default_value_t = 10.0)]
    pub t_end: f64,
    /// Output times, equally spaced on [0, t_end].
    #[arg(long, default_value_t = 201)]
    pub points: usize,
}

impl ToyModel for TwoPatterns {
    const NAME: &'static str = "two-patterns";

    fn integrate(&self, options: &IntegrateOptions, out: &Path) -> Result<IntegrateSummary> {
        options.refuse_dataset(Self::NAME)?;
        options.refuse_compare(Self::NAME)?;
        let times = time_grid(self.t_end, self.points)?;
        let (g1, g2) = growth_rates(self.beta, self.kappa)?;
        let theory = BTreeMap::from([
            ("rate_eta1".to_string(), g1),
            ("rate_eta2".to_string(), g2),
            ("T1".to_string(), 1.0 + self.kappa),
            ("T2".to_string(), 1.0 - self.kappa),
        ]);
        let ode = TwoRates {
            rates: [g1, g2],
            u0: self.u0,
        };
        let summary = ode_summary(self, &ode, &times, theory)?;
        write_ode_files(&summary, Vec::new(), true, out)?;
        Ok(summary)
    }
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
