//! Analytic toy models of RBM learning, integrated numerically (`theory/curie-weiss-gaussian-hidden.md`,
//! `theory/two-correlated-patterns.md`, `theory/spectral.md`).
//!
//! A toy model is one [`AnalyticModel`]: an initial state and a right-hand side
//! $\dot y = f(t, y)$, optionally a closed form. [`ode`] integrates it (RK4, adaptive
//! Dormand–Prince 5(4)) into a [`ode::Trajectory`]. A new toy model is one new file
//! (`notes/adding-a-toy-model.md`).

pub mod curie_weiss;
pub mod cw_scaling;
pub mod ising_hidden;
pub mod linear_regime;
pub mod linear_svd;
pub mod ode;
pub mod two_patterns;
pub mod two_patterns_student;

use nalgebra::DVector;

/// A toy model of learning dynamics as an ODE $\dot y = f(t, y)$.
pub trait AnalyticModel {
    /// Short identifier (file names, the CLI).
    fn name(&self) -> &'static str;
    /// $y(t_0)$.
    fn initial_state(&self) -> DVector<f64>;
    /// Writes $f(t, y)$ into `derivative` (same length as `state`).
    fn rhs(&self, t: f64, state: &DVector<f64>, derivative: &mut DVector<f64>);
    /// $y(t)$ in closed form, where one exists.
    fn closed_form(&self, _t: f64) -> Option<DVector<f64>> {
        None
    }
    /// Names of the state components (CSV columns); by default `y0, y1, …`.
    fn state_names(&self) -> Vec<String> {
        (0..self.initial_state().len())
            .map(|k| format!("y{k}"))
            .collect()
    }
}
