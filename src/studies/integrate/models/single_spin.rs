//! `rbmdyn integrate single-spin`: Glauber relaxation of one unit in a field.
//!
//! One unit $s$ in the field $h$ at inverse temperature $\beta$, redrawn from its equilibrium
//! law at rate 1 (continuous-time heat bath). Its mean $m(t) = \langle s\rangle_t$ obeys
//! $\dot m = m_{\rm eq} - m$, so $m(t) = m_{\rm eq} + (m(0) - m_{\rm eq})\,e^{-t}$, with
//! $m_{\rm eq} = \tanh(\beta h)$ for $s = \pm1$ and $m_{\rm eq} = 1/(1 + e^{-\beta h})$ for
//! $s \in \{0,1\}$. The worked example of `notes/adding-a-toy-model.md`.

use crate::analytic::AnalyticModel;
use crate::error::{Error, Result};
use crate::studies::integrate::output::{time_grid, IntegrateOptions, IntegrateSummary};
use crate::studies::integrate::toy_model::{ode_summary, write_ode_files, ToyModel};
use nalgebra::DVector;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The values a unit takes.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// s = ±1: m_eq = tanh(βh).
    Ising,
    /// s ∈ {0,1}: m_eq = 1/(1 + exp(−βh)).
    Binary,
}

/// One unit in a field relaxing to equilibrium under Glauber dynamics (rate 1).
#[derive(Clone, Debug, clap::Args, Serialize)]
pub struct SingleSpin {
    /// The values the unit takes.
    #[arg(long, value_enum, default_value_t = Unit::Ising)]
    pub unit: Unit,
    /// Inverse temperature β.
    #[arg(long, default_value_t = 1.0)]
    pub beta: f64,
    /// Field h on the unit.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub h: f64,
    /// Mean of the unit at t = 0.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub m0: f64,
    /// Time (in units of 1/rate) at which the integration ends.
    #[arg(long, default_value_t = 5.0)]
    pub t_end: f64,
    /// Output times, equally spaced on [0, t_end].
    #[arg(long, default_value_t = 101)]
    pub points: usize,
}

impl SingleSpin {
    /// The equilibrium mean $m_{\rm eq}$.
    pub fn equilibrium(&self) -> f64 {
        let x = self.beta * self.h;
        match self.unit {
            Unit::Ising => x.tanh(),
            Unit::Binary => 1.0 / (1.0 + (-x).exp()),
        }
    }
}

/// $\dot m = m_{\rm eq} - m$ from $m(0) = m_0$.
struct Relaxation {
    m_eq: f64,
    m0: f64,
}

impl AnalyticModel for Relaxation {
    fn name(&self) -> &'static str {
        "single-spin"
    }
    fn initial_state(&self) -> DVector<f64> {
        DVector::from_element(1, self.m0)
    }
    fn rhs(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        dy[0] = self.m_eq - y[0];
    }
    fn closed_form(&self, t: f64) -> Option<DVector<f64>> {
        Some(DVector::from_element(
            1,
            self.m_eq + (self.m0 - self.m_eq) * (-t).exp(),
        ))
    }
    fn state_names(&self) -> Vec<String> {
        vec!["m".into()]
    }
}

impl ToyModel for SingleSpin {
    const NAME: &'static str = "single-spin";

    fn integrate(&self, options: &IntegrateOptions, out: &Path) -> Result<IntegrateSummary> {
        options.refuse_dataset(Self::NAME)?;
        options.refuse_compare(Self::NAME)?;
        if !(self.beta * self.h).is_finite() {
            return Err(Error::invalid("--h", self.h, "β·h must be finite"));
        }
        let lowest = if self.unit == Unit::Ising { -1.0 } else { 0.0 };
        if !(lowest..=1.0).contains(&self.m0) {
            return Err(Error::invalid("--m0", self.m0, "outside the unit's values"));
        }
        let times = time_grid(self.t_end, self.points)?;
        let ode = Relaxation {
            m_eq: self.equilibrium(),
            m0: self.m0,
        };
        let theory = BTreeMap::from([("m_eq".to_string(), ode.m_eq)]);
        let summary = ode_summary(self, &ode, &times, theory)?;
        write_ode_files(&summary, Vec::new(), false, out)?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::studies::integrate::toy_model::parse_model;

    #[test]
    fn equilibrium_and_bad_parameters() {
        // tanh(0.5) and 1/(1 + e^{-0.5})
        let ising: SingleSpin = parse_model(&[]).unwrap();
        assert!((ising.equilibrium() - 0.462_117_157_260_009_7).abs() < 1e-15);
        let binary: SingleSpin = parse_model(&["--unit", "binary"]).unwrap();
        assert!((binary.equilibrium() - 0.622_459_331_201_854_6).abs() < 1e-15);
        let bad: SingleSpin = parse_model(&["--unit", "binary", "--m0", "-0.5"]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let err = bad
            .integrate(&IntegrateOptions::default(), dir.path())
            .unwrap_err();
        assert!(err.to_string().contains("--m0"), "{err}");
    }
}
