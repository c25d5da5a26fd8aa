//! Direct minimisation of the TAP free energy with argmin's L-BFGS.

use super::{
    fixed_point_residual, free_energy_of, layer_fields, Convergence, Couplings, FieldWorkspace,
    Layer, Magnetizations, MeanFieldSolution, MeanFieldSolver, Order, TwoState,
};
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::units::UnitKind;
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::core::{TerminationReason, TerminationStatus};
use argmin::solver::linesearch::{HagerZhangLineSearch, MoreThuenteLineSearch};
use argmin::solver::quasinewton::LBFGS;
use nalgebra::DMatrix;
use rayon::prelude::*;
use std::sync::{Arc, Mutex};

/// Minimises $\sum_{\rm starts} F_k(m)$ over magnetisations with L-BFGS (argmin), in the
/// unconstrained parametrisation $m = \mu(x)$ (sigm or tanh), in f64.
///
/// Since $\partial(-F_k)/\partial m = -\mu^{-1}(m) + x^{\rm TAP}(m)$ (the entropy's derivative is
/// minus the field that produces $m$), the gradient is
/// $\partial F_k/\partial x = (x - x^{\rm TAP}(m))\, d(m)$: zero exactly at the fixed points
/// of the iteration, so the two solvers find the same points, but this one follows the
/// free-energy landscape downhill (it cannot oscillate). All starts are stacked into one
/// vector; the sum is separable, so each start descends its own $F_k$.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MinimizingSolver {
    order: Order,
    max_iterations: u64,
    tolerance: f64,
    memory: usize,
}

impl MinimizingSolver {
    /// L-BFGS with `memory` = 10 correction pairs.
    ///
    /// # Errors
    /// `max_iterations = 0` or `tolerance` not positive and finite.
    pub fn new(order: Order, max_iterations: u64, tolerance: f64) -> Result<Self> {
        super::check_stopping(max_iterations, tolerance)?;
        Ok(MinimizingSolver {
            order,
            max_iterations,
            tolerance,
            memory: 10,
        })
    }
}

/// The stacked objective: `x` holds the visible fields (column-major `starts × Nv`), then the
/// hidden ones.
struct Objective<'a> {
    c: &'a Couplings<'a, f64>,
    starts: usize,
    /// Best point seen (argmin may stop with an error from the line search).
    best: Arc<Mutex<(f64, Vec<f64>)>>,
}

impl Objective<'_> {
    fn magnetizations(&self, x: &[f64]) -> Magnetizations<f64> {
        let nv = self.c.visible_bias.len();
        let nh = self.c.hidden_bias.len();
        let (xv, xh) = x.split_at(self.starts * nv);
        Magnetizations {
            visible: DMatrix::from_iterator(
                self.starts,
                nv,
                xv.iter().map(|&f| self.c.visible.mean(f)),
            ),
            hidden: DMatrix::from_iterator(
                self.starts,
                nh,
                xh.iter().map(|&f| self.c.hidden.mean(f)),
            ),
        }
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        let m = self.magnetizations(x);
        let total: f64 = free_energy_of(self.c, &m).iter().sum();
        if let Ok(mut best) = self.best.lock() {
            if total < best.0 {
                *best = (total, x.clone());
            }
        }
        Ok(total)
    }
}

impl Gradient for Objective<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, x: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        let m = self.magnetizations(x);
        let mut ws = FieldWorkspace::new();
        let (mut xh, mut xv) = (DMatrix::zeros(0, 0), DMatrix::zeros(0, 0));
        layer_fields(
            self.c,
            Layer::Hidden,
            &m.hidden,
            &m.visible,
            &mut xh,
            &mut ws,
        );
        layer_fields(
            self.c,
            Layer::Visible,
            &m.visible,
            &m.hidden,
            &mut xv,
            &mut ws,
        );
        let nv_len = m.visible.len();
        let grad = x
            .iter()
            .enumerate()
            .map(|(k, &xk)| {
                let (field, mk, kind) = if k < nv_len {
                    (xv[k], m.visible[k], self.c.visible)
                } else {
                    (xh[k - nv_len], m.hidden[k - nv_len], self.c.hidden)
                };
                (xk - field) * kind.d(mk)
            })
            .collect();
        Ok(grad)
    }
}

/// Field that produces `m`, with `m` clipped into the open interval so that it is finite.
fn clipped_inverse(kind: TwoState, m: f64) -> f64 {
    let (lo, hi) = match kind {
        TwoState::Binary => (0.0, 1.0),
        TwoState::Ising => (-1.0, 1.0),
    };
    let margin = 1e-12 * (hi - lo);
    kind.inverse_mean(m.clamp(lo + margin, hi - margin))
}

impl MinimizingSolver {
    /// L-BFGS for one start from fields `init`: (final fields, iterations).
    fn minimise_one(
        &self,
        c: &Couplings<'_, f64>,
        rbm64: &Rbm<impl UnitKind, impl UnitKind, f64>,
        init: Vec<f64>,
    ) -> Result<(Vec<f64>, usize)> {
        let best = Arc::new(Mutex::new((f64::INFINITY, init.clone())));
        let unpack = Objective {
            c,
            starts: 1,
            best: Arc::clone(&best),
        };
        // L-BFGS stops when the summed free energy no longer changes in floating point
        // (near a minimum F moves by ~residual², below its round-off long before the residual
        // reaches a tight tolerance). Restart from the best point while restarts still halve
        // the residual; the residual, not the cost, decides convergence. Hager–Zhang's line
        // search uses the gradient when F has lost its precision, so it goes further; when it
        // gives up (argmin 0.10 reports an internal error on some problems), More–Thuente
        // takes over.
        let mut x = init;
        let mut iterations = 0usize;
        let mut previous = f64::INFINITY;
        let mut use_hager_zhang = true;
        loop {
            let remaining = self.max_iterations.saturating_sub(iterations as u64);
            if remaining == 0 {
                break;
            }
            let problem = Objective {
                c,
                starts: 1,
                best: Arc::clone(&best),
            };
            // One L-BFGS run from `x`: (best point, iterations used, whether it ended normally).
            macro_rules! round {
                ($linesearch:expr) => {{
                    let solver = LBFGS::new($linesearch, self.memory)
                        .with_tolerance_grad(self.tolerance)
                        .and_then(|s| s.with_tolerance_cost(0.0))
                        .map_err(|e| Error::invalid("tolerance", self.tolerance, e.to_string()))?;
                    match Executor::new(problem, solver)
                        .configure(|state| state.param(x.clone()).max_iters(remaining))
                        .run()
                    {
                        Ok(result) => {
                            let state = result.state();
                            let normal = matches!(
                                state.get_termination_status(),
                                TerminationStatus::Terminated(
                                    TerminationReason::SolverConverged
                                        | TerminationReason::MaxItersReached
                                )
                            );
                            (
                                state.get_best_param().cloned(),
                                (state.get_iter() as usize).max(1),
                                normal,
                            )
                        }
                        Err(_) => (None, 1, false),
                    }
                }};
            }
            let (next, used, finished) = if use_hager_zhang {
                round!(HagerZhangLineSearch::new())
            } else {
                round!(MoreThuenteLineSearch::new())
            };
            iterations += used;
            x = match next {
                Some(p) => p,
                None => best.lock().map(|b| b.1.clone()).unwrap_or(x),
            };
            let m = unpack.magnetizations(&x);
            let worst = fixed_point_residual(rbm64, self.order, &m)?
                .into_iter()
                .fold(
                    0.0,
                    |a: f64, r| if r.is_nan() { f64::NAN } else { a.max(r) },
                );
            if worst.is_nan() || worst <= self.tolerance {
                break;
            }
            if worst >= 0.5 * previous || !finished {
                if use_hager_zhang {
                    use_hager_zhang = false;
                } else {
                    break;
                }
            }
            previous = previous.min(worst);
        }
        Ok((x, iterations))
    }
}

impl MeanFieldSolver for MinimizingSolver {
    fn name(&self) -> &'static str {
        "lbfgs"
    }

    fn order(&self) -> Order {
        self.order
    }

    fn solve<V: UnitKind, H: UnitKind, T: Float>(
        &self,
        rbm: &Rbm<V, H, T>,
        start: &Magnetizations<T>,
    ) -> Result<MeanFieldSolution<T>> {
        start.check(rbm)?;
        let rbm64 = rbm.cast::<f64>();
        let c = Couplings::new(&rbm64, self.order)?;
        let starts = start.n_starts();
        let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
        // Each start descends its own F_k (independent line searches, and a cost of one
        // start's size, whose round-off floor is lower than that of a sum over starts).
        let rows: Vec<(Vec<f64>, usize)> = (0..starts)
            .into_par_iter()
            .map(|r| {
                let init: Vec<f64> = (0..nv)
                    .map(|i| clipped_inverse(c.visible, start.visible[(r, i)].as_f64()))
                    .chain(
                        (0..nh).map(|j| clipped_inverse(c.hidden, start.hidden[(r, j)].as_f64())),
                    )
                    .collect();
                self.minimise_one(&c, &rbm64, init)
            })
            .collect::<Result<_>>()?;
        let iterations: Vec<usize> = rows.iter().map(|r| r.1).collect();
        let mut m64 = Magnetizations {
            visible: DMatrix::zeros(starts, nv),
            hidden: DMatrix::zeros(starts, nh),
        };
        for (r, (x, _)) in rows.iter().enumerate() {
            for (i, &xi) in x[..nv].iter().enumerate() {
                m64.visible[(r, i)] = c.visible.mean(xi);
            }
            for (j, &xj) in x[nv..].iter().enumerate() {
                m64.hidden[(r, j)] = c.hidden.mean(xj);
            }
        }
        let residual = fixed_point_residual(&rbm64, self.order, &m64)?;
        let free_energy = free_energy_of(&c, &m64);
        let convergence = residual
            .iter()
            .zip(&free_energy)
            .zip(&iterations)
            .map(|((&r, f), &iterations)| {
                if r.is_nan() || !f.is_finite() {
                    Convergence::Diverged {
                        iteration: iterations,
                        residual: r,
                    }
                } else if r <= self.tolerance {
                    Convergence::Converged {
                        iterations,
                        residual: r,
                    }
                } else {
                    Convergence::HitIterationLimit {
                        iterations,
                        residual: r,
                    }
                }
            })
            .collect();
        let magnetizations = Magnetizations {
            visible: crate::linalg::cast_matrix(&m64.visible),
            hidden: crate::linalg::cast_matrix(&m64.hidden),
        };
        // Report F at the returned (possibly rounded) magnetisations.
        let free_energy = if T::NAME == "f64" {
            free_energy
        } else {
            super::free_energy(rbm, self.order, &magnetizations)?
        };
        Ok(MeanFieldSolution {
            order: self.order,
            magnetizations,
            free_energy,
            convergence,
        })
    }
}
