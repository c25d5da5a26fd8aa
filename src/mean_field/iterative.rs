//! Damped fixed-point iteration of the mean-field / TAP equations, on many starts at once.

use super::{
    free_energy_of, layer_fields, residuals_into, Convergence, Couplings, FieldWorkspace, Layer,
    Magnetizations, MeanFieldSolution, MeanFieldSolver, Order, TwoState,
};
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::DMatrix;

/// Order in which the two layers are updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateScheme {
    /// Both layers from the old magnetisations (Jacobi): $m^h_{t+1} = f_h(m^v_t, m^h_t)$,
    /// $m^v_{t+1} = f_v(m^v_t, m^h_t)$.
    Parallel,
    /// Alternating layers (Gauss–Seidel, as Gabrié et al. and `clusterbm`): hidden from the
    /// current visible, then visible from the new hidden.
    Sequential,
}

impl UpdateScheme {
    /// `parallel` or `sequential`.
    pub fn name(self) -> &'static str {
        match self {
            UpdateScheme::Parallel => "parallel",
            UpdateScheme::Sequential => "sequential",
        }
    }
}

/// Damped iteration $m \leftarrow \rho\, m + (1-\rho)\, \mu(x(m))$ of the order-$k$
/// self-consistent equations (configuration only; see the module docs of
/// [`crate::mean_field`] for the fields $x$).
///
/// # Convergence record
/// Each iteration measures, per start, the largest change the undamped update would make.
/// When that falls below `tolerance` for every live start, the exact residual at the current
/// point is computed and the run stops if it is below `tolerance` too. A start is declared
/// [`Convergence::Diverged`] when a value becomes non-finite, or when its change stays above
/// [`IterativeSolver::DIVERGENCE_THRESHOLD`] for `stall_window` iterations without either
/// halving or doubling (period-2 oscillations at large weights without damping). Doubling
/// counts as progress: a start near an unstable fixed point (the paramagnetic point just above
/// the learning threshold) first moves *away*, its change growing geometrically, then
/// converges; without that rule such slow escapes were reported as divergent. The returned
/// residual is always recomputed at the returned magnetisations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IterativeSolver {
    order: Order,
    scheme: UpdateScheme,
    damping: f64,
    max_iterations: usize,
    tolerance: f64,
    stall_window: usize,
}

impl IterativeSolver {
    /// Residual above which a stalled iteration counts as divergent rather than as limited by
    /// round-off (magnetisations live in intervals of length 1 or 2).
    pub const DIVERGENCE_THRESHOLD: f64 = 1e-3;

    /// A solver of order `order` with `scheme`, damping $\rho$ = `damping`.
    ///
    /// # Errors
    /// `damping ∉ [0, 1)`, `max_iterations = 0`, or `tolerance` not positive and finite.
    pub fn new(
        order: Order,
        scheme: UpdateScheme,
        damping: f64,
        max_iterations: usize,
        tolerance: f64,
    ) -> Result<Self> {
        if !(0.0..1.0).contains(&damping) {
            return Err(Error::invalid("damping", damping, "must lie in [0, 1)"));
        }
        super::check_stopping(max_iterations as u64, tolerance)?;
        Ok(IterativeSolver {
            order,
            scheme,
            damping,
            max_iterations,
            tolerance,
            stall_window: 100,
        })
    }

    /// The sequential scheme with damping 0.5, 2000 iterations and tolerance $10^{-10}$
    /// (f64 defaults of the validation cases).
    pub fn default_for(order: Order) -> Self {
        IterativeSolver {
            order,
            scheme: UpdateScheme::Sequential,
            damping: 0.5,
            max_iterations: 2000,
            tolerance: 1e-10,
            stall_window: 100,
        }
    }

    /// Iterations without halving or doubling of the change after which a start is declared
    /// divergent (default 100).
    ///
    /// # Errors
    /// `window = 0`.
    pub fn with_stall_window(mut self, window: usize) -> Result<Self> {
        if window == 0 {
            return Err(Error::invalid("stall_window", 0, "must be at least 1"));
        }
        self.stall_window = window;
        Ok(self)
    }

    /// The update scheme.
    pub fn scheme(&self) -> UpdateScheme {
        self.scheme
    }

    /// Damping $\rho$.
    pub fn damping(&self) -> f64 {
        self.damping
    }

    /// Iteration limit.
    pub fn max_iterations(&self) -> usize {
        self.max_iterations
    }

    /// Tolerance on the max-norm residual.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// Exactly `iterations` damped updates of `m` in place, without convergence checks (EMF
    /// training runs a few per parameter update from persistent magnetisations).
    ///
    /// # Errors
    /// Gaussian units, shape mismatches.
    pub fn advance<V: UnitKind, H: UnitKind, T: Float>(
        &self,
        rbm: &Rbm<V, H, T>,
        m: &mut Magnetizations<T>,
        iterations: usize,
        workspace: &mut SolverWorkspace<T>,
    ) -> Result<()> {
        m.check(rbm)?;
        let c = Couplings::new(rbm, self.order)?;
        let mut change = vec![0.0; m.n_starts()];
        for _ in 0..iterations {
            self.step(&c, m, workspace, &mut change);
        }
        Ok(())
    }

    /// One damped update; `change[r]` receives the largest undamped change of start `r`.
    fn step<T: Float>(
        &self,
        c: &Couplings<'_, T>,
        m: &mut Magnetizations<T>,
        ws: &mut SolverWorkspace<T>,
        change: &mut [f64],
    ) {
        change.iter_mut().for_each(|x| *x = 0.0);
        let rho = T::of(self.damping);
        match self.scheme {
            UpdateScheme::Parallel => {
                layer_fields(
                    c,
                    Layer::Hidden,
                    &m.hidden,
                    &m.visible,
                    &mut ws.hidden_fields,
                    &mut ws.fields,
                );
                layer_fields(
                    c,
                    Layer::Visible,
                    &m.visible,
                    &m.hidden,
                    &mut ws.visible_fields,
                    &mut ws.fields,
                );
                update(c.hidden, &mut m.hidden, &ws.hidden_fields, rho, change);
                update(c.visible, &mut m.visible, &ws.visible_fields, rho, change);
            }
            UpdateScheme::Sequential => {
                layer_fields(
                    c,
                    Layer::Hidden,
                    &m.hidden,
                    &m.visible,
                    &mut ws.hidden_fields,
                    &mut ws.fields,
                );
                update(c.hidden, &mut m.hidden, &ws.hidden_fields, rho, change);
                layer_fields(
                    c,
                    Layer::Visible,
                    &m.visible,
                    &m.hidden,
                    &mut ws.visible_fields,
                    &mut ws.fields,
                );
                update(c.visible, &mut m.visible, &ws.visible_fields, rho, change);
            }
        }
    }

    /// Runs the solver in place on `m` and returns each start's convergence record.
    ///
    /// # Errors
    /// Gaussian units, shape mismatches, no starts.
    pub fn solve_in_place<V: UnitKind, H: UnitKind, T: Float>(
        &self,
        rbm: &Rbm<V, H, T>,
        m: &mut Magnetizations<T>,
        ws: &mut SolverWorkspace<T>,
    ) -> Result<Vec<Convergence>> {
        m.check(rbm)?;
        let c = Couplings::new(rbm, self.order)?;
        Ok(self.run(&c, m, ws))
    }

    fn run<T: Float>(
        &self,
        c: &Couplings<'_, T>,
        m: &mut Magnetizations<T>,
        ws: &mut SolverWorkspace<T>,
    ) -> Vec<Convergence> {
        let rows = m.n_starts();
        let mut change = vec![0.0; rows];
        let mut residual = vec![f64::INFINITY; rows];
        let mut best = vec![f64::INFINITY; rows];
        let mut best_at = vec![0usize; rows];
        let mut first_converged: Vec<Option<usize>> = vec![None; rows];
        let mut diverged_at: Vec<Option<usize>> = vec![None; rows];
        let mut iterations = 0;
        let mut residual_current = false;
        for t in 1..=self.max_iterations {
            iterations = t;
            self.step(c, m, ws, &mut change);
            residual_current = false;
            for r in 0..rows {
                let x = change[r];
                if x.is_nan() || !x.is_finite() {
                    diverged_at[r].get_or_insert(t);
                    continue;
                }
                // the reference moves when the change halves (converging) or doubles
                // (escaping an unstable point); a change that does neither is stalled
                if x < 0.5 * best[r] || (best[r].is_finite() && x > 2.0 * best[r]) {
                    best[r] = x;
                    best_at[r] = t;
                } else if t - best_at[r] >= self.stall_window
                    && x > Self::DIVERGENCE_THRESHOLD
                    && diverged_at[r].is_none()
                {
                    diverged_at[r] = Some(t);
                }
            }
            let live = |r: usize| diverged_at[r].is_none();
            if (0..rows)
                .filter(|&r| live(r))
                .all(|r| change[r] <= self.tolerance)
            {
                residuals_into(c, m, &mut ws.hidden_fields, &mut ws.fields, &mut residual);
                residual_current = true;
                for r in 0..rows {
                    if residual[r] <= self.tolerance && first_converged[r].is_none() {
                        first_converged[r] = Some(t);
                    }
                }
                if (0..rows)
                    .filter(|&r| live(r))
                    .all(|r| residual[r] <= self.tolerance)
                {
                    break;
                }
            }
            if diverged_at.iter().all(Option::is_some) {
                break;
            }
        }
        if !residual_current {
            residuals_into(c, m, &mut ws.hidden_fields, &mut ws.fields, &mut residual);
        }
        (0..rows)
            .map(|r| {
                let res = residual[r];
                if res <= self.tolerance {
                    Convergence::Converged {
                        iterations: first_converged[r].unwrap_or(iterations),
                        residual: res,
                    }
                } else if let Some(iteration) = diverged_at[r] {
                    Convergence::Diverged {
                        iteration,
                        residual: res,
                    }
                } else if res.is_nan() {
                    Convergence::Diverged {
                        iteration: iterations,
                        residual: res,
                    }
                } else {
                    Convergence::HitIterationLimit {
                        iterations,
                        residual: res,
                    }
                }
            })
            .collect()
    }
}

/// `m ← ρ m + (1−ρ) μ(x)` entrywise; `change[r] = max(change[r], |μ(x) − m|)`.
fn update<T: Float>(
    kind: TwoState,
    m: &mut DMatrix<T>,
    x: &DMatrix<T>,
    rho: T,
    change: &mut [f64],
) {
    let rows = m.nrows();
    let keep = T::one() - rho;
    for col in 0..m.ncols() {
        for (r, ch) in change.iter_mut().enumerate().take(rows) {
            let old = m[(r, col)];
            let new = kind.mean(x[(r, col)]);
            let diff = (new - old).as_f64().abs();
            *ch = if diff.is_nan() || ch.is_nan() {
                f64::NAN
            } else {
                ch.max(diff)
            };
            m[(r, col)] = rho * old + keep * new;
        }
    }
}

/// Reusable buffers of the iterative solver.
#[derive(Clone, Debug, Default)]
pub struct SolverWorkspace<T: Float> {
    hidden_fields: DMatrix<T>,
    visible_fields: DMatrix<T>,
    fields: FieldWorkspace<T>,
}

impl<T: Float> SolverWorkspace<T> {
    /// Empty buffers (grown on first use).
    pub fn new() -> Self {
        SolverWorkspace {
            hidden_fields: DMatrix::zeros(0, 0),
            visible_fields: DMatrix::zeros(0, 0),
            fields: FieldWorkspace::new(),
        }
    }
}

impl MeanFieldSolver for IterativeSolver {
    fn name(&self) -> &'static str {
        self.scheme.name()
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
        let c = Couplings::new(rbm, self.order)?;
        let mut m = start.clone();
        let convergence = self.run(&c, &mut m, &mut SolverWorkspace::new());
        let free_energy = free_energy_of(&c, &m);
        Ok(MeanFieldSolution {
            order: self.order,
            magnetizations: m,
            free_energy,
            convergence,
        })
    }
}
