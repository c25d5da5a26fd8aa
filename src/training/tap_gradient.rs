//! EMF / TAP training (Gabrié, Tramel, Krzakala 2015): the negative phase from mean-field
//! magnetisations instead of Gibbs chains.

use super::{accumulate_phase, Gradient, GradientEstimator, PhaseWorkspace};
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::mean_field::{
    model_moments_into_rbm, IterativeSolver, Magnetizations, Order, SolverWorkspace, UpdateScheme,
};
use crate::rbm::Rbm;
use crate::sampling::ChainState;
use crate::units::UnitKind;
use nalgebra::{DMatrix, DMatrixView, DVector};
use rand::Rng;

/// Extended-mean-field gradient: persistent magnetisations ("fantasy particles", one row
/// each) advance `iterations` damped sequential TAP iterations with the current parameters at
/// each update; the model term is the derivative of $-F_k$ at those points (envelope theorem,
/// `rbm-basics.md`): $\langle v_i h_j\rangle \approx \overline{m^v_i m^h_j + W_{ij} d(m^v_i)
/// d(m^h_j) + 2W_{ij}^2 g(m^v_i) g(m^h_j)}$, $\langle v\rangle \approx \overline{m^v}$,
/// $\langle h\rangle \approx \overline{m^h}$ (terms up to the order).
///
/// # Conventions
/// Fissore's eq. (17) writes the model term as $-\partial F_{\rm TAP}/\partial W$; with
/// $F = -\ln Z$ the model term is $+\partial(-F)/\partial W$ as above, subtracted from the
/// positive phase.
#[derive(Clone, Debug)]
pub struct TapGradient<T: Float> {
    solver: IterativeSolver,
    iterations: usize,
    order: Order,
    particles: ChainState<T>,
    solver_workspace: SolverWorkspace<T>,
    phase: PhaseWorkspace<T>,
    moments: DMatrix<T>,
    scratch: DMatrix<T>,
    visible_moment: DVector<T>,
    hidden_moment: DVector<T>,
}

impl<T: Float> TapGradient<T> {
    /// EMF of order `order` with `iterations` iterations per update at damping `damping`,
    /// from the persistent magnetisations `start`.
    ///
    /// # Errors
    /// `iterations = 0`, damping outside `[0, 1)`, no particles.
    pub fn new(
        order: Order,
        iterations: usize,
        damping: f64,
        start: Magnetizations<T>,
    ) -> Result<Self> {
        if iterations == 0 {
            return Err(Error::invalid(
                "emf_iterations",
                0,
                "EMF needs at least one iteration per update",
            ));
        }
        if start.n_starts() == 0 {
            return Err(Error::invalid(
                "chains",
                0,
                "EMF needs at least one particle",
            ));
        }
        let solver =
            IterativeSolver::new(order, UpdateScheme::Sequential, damping, iterations, 1e-12)
                .map_err(|e| match e {
                    Error::InvalidParameter { value, reason, .. } => Error::InvalidParameter {
                        name: "emf_damping",
                        value,
                        reason,
                    },
                    other => other,
                })?;
        Ok(TapGradient {
            solver,
            iterations,
            order,
            particles: ChainState {
                visible: start.visible,
                hidden: start.hidden,
            },
            solver_workspace: SolverWorkspace::new(),
            phase: PhaseWorkspace::new(),
            moments: DMatrix::zeros(0, 0),
            scratch: DMatrix::zeros(0, 0),
            visible_moment: DVector::zeros(0),
            hidden_moment: DVector::zeros(0),
        })
    }

    /// The expansion order.
    pub fn order(&self) -> Order {
        self.order
    }

    /// The current persistent magnetisations.
    pub fn magnetizations(&self) -> Magnetizations<T> {
        Magnetizations {
            visible: self.particles.visible.clone(),
            hidden: self.particles.hidden.clone(),
        }
    }
}

impl<V: UnitKind, H: UnitKind, T: Float> GradientEstimator<V, H, T> for TapGradient<T> {
    fn name(&self) -> &'static str {
        match self.order {
            Order::Naive => "emf-naive",
            Order::Tap2 => "emf-tap2",
            Order::Tap3 => "emf-tap3",
        }
    }

    fn estimate<R: Rng + ?Sized>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        batch: DMatrixView<'_, T>,
        _rng: &mut R,
        gradient: &mut Gradient<T>,
    ) -> Result<()> {
        accumulate_phase(rbm, batch, T::one(), false, &mut self.phase, gradient);
        let mut m = Magnetizations {
            visible: std::mem::take(&mut self.particles.visible),
            hidden: std::mem::take(&mut self.particles.hidden),
        };
        let advanced =
            self.solver
                .advance(rbm, &mut m, self.iterations, &mut self.solver_workspace);
        let moments = advanced.and_then(|()| {
            model_moments_into_rbm(
                rbm,
                self.order,
                &m,
                &mut self.moments,
                &mut self.scratch,
                &mut self.visible_moment,
                &mut self.hidden_moment,
            )
        });
        self.particles.visible = m.visible;
        self.particles.hidden = m.hidden;
        moments?;
        gradient.weights -= &self.moments;
        gradient.visible_bias -= &self.visible_moment;
        gradient.hidden_bias -= &self.hidden_moment;
        Ok(())
    }

    /// The magnetisations, stored as chains so that checkpoints keep them.
    fn chains(&self) -> Option<&ChainState<T>> {
        Some(&self.particles)
    }

    fn set_chains(&mut self, chains: ChainState<T>) {
        self.particles = chains;
    }
}
