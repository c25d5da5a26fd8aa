//! Mean-field solvers: naive mean field (order 1) and the TAP / Plefka expansion (orders 2, 3).
//!
//! # Conventions
//! Following `theory/rbm-basics.md`, for two-state units with magnetisations $m$ the
//! variational (Gibbs) free energy truncated at order $k$ is
//! $$-F_k(m^v, m^h) = S(m^v) + S(m^h) + a^\top m^v + b^\top m^h + \sum_{ij} W_{ij} m^v_i m^h_j +
//!   \tfrac12 \sum_{ij} W_{ij}^2 d(m^v_i) d(m^h_j) + \tfrac23 \sum_{ij} W_{ij}^3 g(m^v_i) g(m^h_j),$$
//! the order-2 term present for $k \ge 2$ and the order-3 term for $k = 3$, with
//!
//! | units | $S(m)$ | $d(m)$ | $g(m)$ | neutral $m$ |
//! |---|---|---|---|---|
//! | {0,1} | $-m\ln m-(1-m)\ln(1-m)$ | $m-m^2$ | $(m-m^2)(\tfrac12-m)$ | ½ |
//! | ±1 | $-\tfrac{1+m}2\ln\tfrac{1+m}2-\tfrac{1-m}2\ln\tfrac{1-m}2$ | $1-m^2$ | $m(1-m^2)$ | 0 |
//!
//! Stationarity of $F_k$ gives the self-consistent equations $m = \mu(x(m))$ with $\mu$ the
//! unit's mean (sigm or tanh) and the **TAP field**
//! $x^h_j = b_j + \sum_i W_{ij} m^v_i + \tfrac12 d'(m^h_j)\sum_i W_{ij}^2 d(m^v_i) +
//!   \tfrac23 g'(m^h_j) \sum_i W_{ij}^3 g(m^v_i)$ (and symmetrically for $x^v$); for {0,1}
//! units $\tfrac12 d' = \tfrac12 - m$ and $\tfrac23 g' = \tfrac13 - 2d$, the form of the theory file.
//!
//! Solvers return, for each starting point (one row of [`Magnetizations`]), the magnetisations,
//! the free energy $F_k$ there (so $\ln Z \approx -F_k$; a lower bound for order 1), and a
//! [`Convergence`] record whose residual is the max-norm $\max |m - \mu(x(m))|$ of the
//! fixed-point equations **at the returned point**.
//!
//! Gaussian units have no two-state expansion here; solvers reject them with
//! [`Error::Unsupported`].

mod iterative;
mod minimize;

pub use iterative::{IterativeSolver, SolverWorkspace, UpdateScheme};
pub use minimize::MinimizingSolver;

use crate::error::{Error, Result};
use crate::linalg::{gemm, Float, Op};
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::{DMatrix, DMatrixView};
use rand::Rng;
use serde::Serialize;

/// Order of the expansion of the Gibbs free energy in powers of $W$.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Order {
    /// Naive mean field (order 1): $-F_1 \le \ln Z$.
    Naive,
    /// TAP with the Onsager reaction term (order 2).
    Tap2,
    /// TAP with the order-3 single-edge term.
    Tap3,
}

impl Order {
    /// The order as a number (1, 2, 3).
    pub fn number(self) -> usize {
        match self {
            Order::Naive => 1,
            Order::Tap2 => 2,
            Order::Tap3 => 3,
        }
    }

    /// Name used on the command line and in reports: `naive`, `tap2`, `tap3`.
    pub fn name(self) -> &'static str {
        match self {
            Order::Naive => "naive",
            Order::Tap2 => "tap2",
            Order::Tap3 => "tap3",
        }
    }

    /// Parses `naive` (or `nmf`, `mf`, `1`), `tap2` (`2`), `tap3` (`3`).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `parameter` for anything else.
    pub fn parse(text: &str, parameter: &'static str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "naive" | "nmf" | "mf" | "1" => Ok(Order::Naive),
            "tap2" | "tap" | "2" => Ok(Order::Tap2),
            "tap3" | "3" => Ok(Order::Tap3),
            other => Err(Error::invalid(
                parameter,
                other,
                "expected one of naive, tap2, tap3",
            )),
        }
    }
}

/// How a solver's run ended for one starting point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum Convergence {
    /// The residual at the returned point is at most the tolerance.
    Converged {
        /// Iterations until the residual first fell below the tolerance.
        iterations: usize,
        /// Max-norm residual of the fixed-point equations at the returned point.
        residual: f64,
    },
    /// The iteration limit was reached while the residual was still decreasing (or below
    /// the divergence threshold).
    HitIterationLimit {
        /// Iterations run.
        iterations: usize,
        /// Residual at the returned point.
        residual: f64,
    },
    /// The iteration stopped approaching a fixed point: a non-finite value, or a residual
    /// above the divergence threshold that did not halve within the stall window (a period-2
    /// oscillation is the typical case at large weights without damping).
    Diverged {
        /// Iteration at which divergence was detected.
        iteration: usize,
        /// Residual at the returned point (NaN if non-finite).
        residual: f64,
    },
}

impl Convergence {
    /// Residual at the returned point.
    pub fn residual(&self) -> f64 {
        match *self {
            Convergence::Converged { residual, .. }
            | Convergence::HitIterationLimit { residual, .. }
            | Convergence::Diverged { residual, .. } => residual,
        }
    }

    /// Iterations run (or the iteration of divergence).
    pub fn iterations(&self) -> usize {
        match *self {
            Convergence::Converged { iterations, .. }
            | Convergence::HitIterationLimit { iterations, .. } => iterations,
            Convergence::Diverged { iteration, .. } => iteration,
        }
    }

    /// Whether the fixed point was reached to tolerance.
    pub fn is_converged(&self) -> bool {
        matches!(self, Convergence::Converged { .. })
    }

    /// Whether the run was declared divergent.
    pub fn is_diverged(&self) -> bool {
        matches!(self, Convergence::Diverged { .. })
    }

    /// `converged`, `iteration-limit` or `diverged`.
    pub fn label(&self) -> &'static str {
        match self {
            Convergence::Converged { .. } => "converged",
            Convergence::HitIterationLimit { .. } => "iteration-limit",
            Convergence::Diverged { .. } => "diverged",
        }
    }
}

/// Magnetisations of both layers for several starting points: one row per start.
#[derive(Clone, Debug, PartialEq)]
pub struct Magnetizations<T: Float = f64> {
    /// `starts × Nv`.
    pub visible: DMatrix<T>,
    /// `starts × Nh`.
    pub hidden: DMatrix<T>,
}

impl<T: Float> Magnetizations<T> {
    /// `starts` copies of the neutral point ($m = ½$ for {0,1}, $0$ for ±1 units).
    ///
    /// # Errors
    /// Gaussian units ([`Error::Unsupported`]).
    pub fn neutral<V: UnitKind, H: UnitKind>(rbm: &Rbm<V, H, T>, starts: usize) -> Result<Self> {
        let (v, h) = (
            TwoState::of(rbm.visible(), "visible")?,
            TwoState::of(rbm.hidden(), "hidden")?,
        );
        Ok(Magnetizations {
            visible: DMatrix::from_element(starts, rbm.n_visible(), T::of(v.neutral())),
            hidden: DMatrix::from_element(starts, rbm.n_hidden(), T::of(h.neutral())),
        })
    }

    /// Uniformly random magnetisations inside the admissible interval (strictly inside, so that
    /// entropies are finite).
    ///
    /// # Errors
    /// Gaussian units.
    pub fn random<V: UnitKind, H: UnitKind, R: Rng + ?Sized>(
        rbm: &Rbm<V, H, T>,
        starts: usize,
        rng: &mut R,
    ) -> Result<Self> {
        let (v, h) = (
            TwoState::of(rbm.visible(), "visible")?,
            TwoState::of(rbm.hidden(), "hidden")?,
        );
        let mut draw = |kind: TwoState, n: usize| {
            DMatrix::from_fn(starts, n, |_, _| {
                let u = rng.random_range(0.02..0.98);
                T::of(kind.low() + (kind.high() - kind.low()) * u)
            })
        };
        let visible = draw(v, rbm.n_visible());
        let hidden = draw(h, rbm.n_hidden());
        Ok(Magnetizations { visible, hidden })
    }

    /// Starts at visible configurations (e.g. data rows) with hidden magnetisations
    /// $E[h \mid v]$.
    ///
    /// # Errors
    /// Gaussian units, or rows of the wrong width.
    pub fn from_visible<V: UnitKind, H: UnitKind>(
        rbm: &Rbm<V, H, T>,
        visible: DMatrixView<'_, T>,
    ) -> Result<Self> {
        TwoState::of(rbm.visible(), "visible")?;
        TwoState::of(rbm.hidden(), "hidden")?;
        if visible.ncols() != rbm.n_visible() {
            return Err(Error::shape(
                "starting visible magnetisations",
                format!("{} columns", rbm.n_visible()),
                format!("{}", visible.ncols()),
            ));
        }
        Ok(Magnetizations {
            visible: visible.into_owned(),
            hidden: rbm.hidden_means(visible),
        })
    }

    /// These starts followed by those of `other` (rows appended).
    ///
    /// # Errors
    /// Layers of different widths.
    pub fn stacked(&self, other: &Self) -> Result<Self> {
        if self.visible.ncols() != other.visible.ncols()
            || self.hidden.ncols() != other.hidden.ncols()
        {
            return Err(Error::shape(
                "stacked magnetisations",
                format!(
                    "({}, {}) columns",
                    self.visible.ncols(),
                    self.hidden.ncols()
                ),
                format!("({}, {})", other.visible.ncols(), other.hidden.ncols()),
            ));
        }
        let stack = |top: &DMatrix<T>, bottom: &DMatrix<T>| {
            let mut out = DMatrix::zeros(top.nrows() + bottom.nrows(), top.ncols());
            out.rows_mut(0, top.nrows()).copy_from(top);
            out.rows_mut(top.nrows(), bottom.nrows()).copy_from(bottom);
            out
        };
        Ok(Magnetizations {
            visible: stack(&self.visible, &other.visible),
            hidden: stack(&self.hidden, &other.hidden),
        })
    }

    /// Number of starting points (rows).
    pub fn n_starts(&self) -> usize {
        self.visible.nrows()
    }

    fn check<V: UnitKind, H: UnitKind>(&self, rbm: &Rbm<V, H, T>) -> Result<()> {
        if self.visible.ncols() != rbm.n_visible()
            || self.hidden.ncols() != rbm.n_hidden()
            || self.visible.nrows() != self.hidden.nrows()
        {
            return Err(Error::shape(
                "magnetisations",
                format!("rows × ({}, {})", rbm.n_visible(), rbm.n_hidden()),
                format!(
                    "{}×{} and {}×{}",
                    self.visible.nrows(),
                    self.visible.ncols(),
                    self.hidden.nrows(),
                    self.hidden.ncols()
                ),
            ));
        }
        if self.n_starts() == 0 {
            return Err(Error::invalid(
                "starts",
                0,
                "a mean-field solver needs at least one starting point",
            ));
        }
        Ok(())
    }
}

/// Result of a mean-field solver.
#[derive(Clone, Debug)]
pub struct MeanFieldSolution<T: Float = f64> {
    /// Expansion order solved.
    pub order: Order,
    /// The magnetisations returned, one row per start.
    pub magnetizations: Magnetizations<T>,
    /// $F_k$ at each returned point ($\ln Z \approx -F_k$).
    pub free_energy: Vec<f64>,
    /// How each start ended.
    pub convergence: Vec<Convergence>,
}

impl<T: Float> MeanFieldSolution<T> {
    /// The estimate of $\ln Z$ from the best start: $\max(-F_k)$ over converged starts (over all
    /// starts if none converged). For order 1 this is the tightest of the variational lower
    /// bounds found; for TAP it picks the dominant fixed point.
    pub fn log_partition(&self) -> f64 {
        let pick = |converged_only: bool| {
            self.free_energy
                .iter()
                .zip(&self.convergence)
                .filter(|(_, c)| !converged_only || c.is_converged())
                .map(|(f, _)| -f)
                .filter(|x| x.is_finite())
                .fold(f64::NEG_INFINITY, f64::max)
        };
        let best = pick(true);
        if best.is_finite() {
            best
        } else {
            pick(false)
        }
    }

    /// Whether every start converged.
    pub fn all_converged(&self) -> bool {
        self.convergence.iter().all(Convergence::is_converged)
    }

    /// Largest residual over starts.
    pub fn max_residual(&self) -> f64 {
        self.convergence
            .iter()
            .map(Convergence::residual)
            .fold(0.0, |m, r| if r.is_nan() { f64::NAN } else { m.max(r) })
    }

    /// Largest iteration count over starts.
    pub fn max_iterations(&self) -> usize {
        self.convergence
            .iter()
            .map(Convergence::iterations)
            .max()
            .unwrap_or(0)
    }
}

/// A mean-field solver: from starting magnetisations (one row per start) to fixed points of
/// the order-$k$ self-consistent equations.
pub trait MeanFieldSolver {
    /// Short name for tables (`parallel`, `sequential`, `lbfgs`).
    fn name(&self) -> &'static str;

    /// The expansion order solved.
    fn order(&self) -> Order;

    /// Solves from `start`.
    ///
    /// # Errors
    /// Gaussian units, shape mismatches, no starts. Non-convergence is not an error: it is
    /// reported in [`MeanFieldSolution::convergence`].
    fn solve<V: UnitKind, H: UnitKind, T: Float>(
        &self,
        rbm: &Rbm<V, H, T>,
        start: &Magnetizations<T>,
    ) -> Result<MeanFieldSolution<T>>;
}

/// The two-state unit kinds the expansion supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TwoState {
    /// {0,1}.
    Binary,
    /// ±1.
    Ising,
}

impl TwoState {
    #[allow(clippy::float_cmp)] // unit values are exact ({0,1} or {−1,1}): exact comparison intended
    pub(crate) fn of<U: UnitKind>(unit: &U, layer: &str) -> Result<Self> {
        match unit.discrete_states() {
            Some([lo, hi]) if lo == 0.0 && hi == 1.0 => Ok(TwoState::Binary),
            Some([lo, hi]) if lo == -1.0 && hi == 1.0 => Ok(TwoState::Ising),
            _ => Err(Error::Unsupported(format!(
                "mean-field solvers need {{0,1}} or ±1 units; the {layer} layer has {} units",
                unit.name()
            ))),
        }
    }

    fn neutral(self) -> f64 {
        match self {
            TwoState::Binary => 0.5,
            TwoState::Ising => 0.0,
        }
    }

    fn low(self) -> f64 {
        match self {
            TwoState::Binary => 0.0,
            TwoState::Ising => -1.0,
        }
    }

    #[allow(clippy::unused_self)] // the counterpart of `low`, which depends on the unit
    fn high(self) -> f64 {
        1.0
    }

    /// $\mu(x)$: sigm or tanh.
    #[inline]
    pub(crate) fn mean<T: Float>(self, x: T) -> T {
        match self {
            TwoState::Binary => T::one() / (T::one() + (-x).exp()),
            TwoState::Ising => x.tanh(),
        }
    }

    /// $\mu^{-1}(m)$: logit or atanh (the field that produces `m`).
    #[inline]
    pub(crate) fn inverse_mean(self, m: f64) -> f64 {
        match self {
            TwoState::Binary => (m / (1.0 - m)).ln(),
            TwoState::Ising => m.atanh(),
        }
    }

    /// Entropy of one unit with magnetisation `m` ($0\ln 0 = 0$).
    #[inline]
    pub(crate) fn entropy(self, m: f64) -> f64 {
        let xlnx = |p: f64| if p > 0.0 { p * p.ln() } else { 0.0 };
        match self {
            TwoState::Binary => -(xlnx(m) + xlnx(1.0 - m)),
            TwoState::Ising => -(xlnx(0.5 * (1.0 + m)) + xlnx(0.5 * (1.0 - m))),
        }
    }

    /// $d(m)$ (the variance at magnetisation $m$).
    #[inline]
    pub(crate) fn d<T: Float>(self, m: T) -> T {
        match self {
            TwoState::Binary => m - m * m,
            TwoState::Ising => T::one() - m * m,
        }
    }

    /// $\tfrac12 d'(m)$: $\tfrac12 - m$ or $-m$.
    #[inline]
    fn half_d_prime<T: Float>(self, m: T) -> T {
        match self {
            TwoState::Binary => T::of(0.5) - m,
            TwoState::Ising => -m,
        }
    }

    /// $g(m)$.
    #[inline]
    pub(crate) fn g<T: Float>(self, m: T) -> T {
        match self {
            TwoState::Binary => (m - m * m) * (T::of(0.5) - m),
            TwoState::Ising => m * (T::one() - m * m),
        }
    }

    /// $\tfrac23 g'(m)$: $\tfrac13 - 2(m - m^2)$ or $\tfrac23(1 - 3m^2)$.
    #[inline]
    fn two_thirds_g_prime<T: Float>(self, m: T) -> T {
        match self {
            TwoState::Binary => T::of(1.0 / 3.0) - T::of(2.0) * (m - m * m),
            TwoState::Ising => T::of(2.0 / 3.0) * (T::one() - T::of(3.0) * m * m),
        }
    }
}

/// Powers of the weights and the unit kinds, computed once per solve.
pub(crate) struct Couplings<'a, T: Float> {
    pub(crate) weights: &'a DMatrix<T>,
    pub(crate) visible_bias: &'a nalgebra::DVector<T>,
    pub(crate) hidden_bias: &'a nalgebra::DVector<T>,
    /// $W^{\circ 2}$ (empty for order 1).
    pub(crate) squared: DMatrix<T>,
    /// $W^{\circ 3}$ (empty below order 3).
    pub(crate) cubed: DMatrix<T>,
    pub(crate) visible: TwoState,
    pub(crate) hidden: TwoState,
    pub(crate) order: Order,
}

impl<'a, T: Float> Couplings<'a, T> {
    pub(crate) fn new<V: UnitKind, H: UnitKind>(
        rbm: &'a Rbm<V, H, T>,
        order: Order,
    ) -> Result<Self> {
        let w = rbm.weights();
        let squared = if order.number() >= 2 {
            w.map(|x| x * x)
        } else {
            DMatrix::zeros(0, 0)
        };
        let cubed = if order.number() >= 3 {
            w.map(|x| x * x * x)
        } else {
            DMatrix::zeros(0, 0)
        };
        Ok(Couplings {
            weights: w,
            visible_bias: rbm.visible_bias(),
            hidden_bias: rbm.hidden_bias(),
            squared,
            cubed,
            visible: TwoState::of(rbm.visible(), "visible")?,
            hidden: TwoState::of(rbm.hidden(), "hidden")?,
            order,
        })
    }
}

/// Checks the stopping rule shared by the solvers (R3).
pub(crate) fn check_stopping(max_iterations: u64, tolerance: f64) -> Result<()> {
    if max_iterations == 0 {
        return Err(Error::invalid("max_iterations", 0, "must be at least 1"));
    }
    if !(tolerance > 0.0 && tolerance.is_finite()) {
        return Err(Error::invalid(
            "tolerance",
            tolerance,
            "must be positive and finite",
        ));
    }
    Ok(())
}

/// Which layer a field computation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layer {
    Visible,
    Hidden,
}

/// Scratch buffers for [`layer_fields`] (grown on first use, reused afterwards).
#[derive(Clone, Debug, Default)]
pub(crate) struct FieldWorkspace<T: Float> {
    transformed: DMatrix<T>,
    reaction: DMatrix<T>,
}

impl<T: Float> FieldWorkspace<T> {
    pub(crate) fn new() -> Self {
        FieldWorkspace {
            transformed: DMatrix::zeros(0, 0),
            reaction: DMatrix::zeros(0, 0),
        }
    }
}

/// The TAP fields of `layer` at (`own`, `other`) into `out` (`starts × n_layer`): bias +
/// mean-field term + (order ≥ 2) $\tfrac12 d'(m)\, [d(m^{\rm other}) W^{\circ2}]$ + (order 3)
/// $\tfrac23 g'(m)\, [g(m^{\rm other}) W^{\circ 3}]$.
pub(crate) fn layer_fields<T: Float>(
    c: &Couplings<'_, T>,
    layer: Layer,
    own: &DMatrix<T>,
    other: &DMatrix<T>,
    out: &mut DMatrix<T>,
    ws: &mut FieldWorkspace<T>,
) {
    let (op, bias, own_kind, other_kind) = match layer {
        Layer::Hidden => (Op::N, c.hidden_bias, c.hidden, c.visible),
        Layer::Visible => (Op::T, c.visible_bias, c.visible, c.hidden),
    };
    let rows = other.nrows();
    let n = bias.len();
    if out.shape() != (rows, n) {
        *out = DMatrix::zeros(rows, n);
    }
    gemm(
        out,
        false,
        T::one(),
        other.as_view(),
        Op::N,
        c.weights.as_view(),
        op,
    );
    crate::rbm::add_row_broadcast(out, bias);
    let order = c.order.number();
    if order >= 2 {
        add_reaction(
            out,
            own,
            other,
            &c.squared,
            op,
            ws,
            |m| other_kind.d(m),
            |m| own_kind.half_d_prime(m),
        );
    }
    if order >= 3 {
        add_reaction(
            out,
            own,
            other,
            &c.cubed,
            op,
            ws,
            |m| other_kind.g(m),
            |m| own_kind.two_thirds_g_prime(m),
        );
    }
}

/// One reaction term of the TAP field:
/// `out += coefficient(own) ⊙ [transform(other) · op(power)]`, `power` a Hadamard power of W.
#[allow(clippy::too_many_arguments)]
fn add_reaction<T: Float>(
    out: &mut DMatrix<T>,
    own: &DMatrix<T>,
    other: &DMatrix<T>,
    power: &DMatrix<T>,
    op: Op,
    ws: &mut FieldWorkspace<T>,
    transform: impl Fn(T) -> T,
    coefficient: impl Fn(T) -> T,
) {
    ws.reaction.resize_mut(out.nrows(), out.ncols(), T::zero());
    map_into(&mut ws.transformed, other, transform);
    gemm(
        &mut ws.reaction,
        false,
        T::one(),
        ws.transformed.as_view(),
        Op::N,
        power.as_view(),
        op,
    );
    for ((x, &r), &m) in out.iter_mut().zip(ws.reaction.iter()).zip(own.iter()) {
        *x += coefficient(m) * r;
    }
}

/// `out ← f(src)` entrywise, reusing `out`'s storage when the shape already fits.
pub(crate) fn map_into<T: Float>(out: &mut DMatrix<T>, src: &DMatrix<T>, f: impl Fn(T) -> T) {
    if out.shape() != src.shape() {
        *out = DMatrix::zeros(src.nrows(), src.ncols());
    }
    for (o, &x) in out.iter_mut().zip(src.iter()) {
        *o = f(x);
    }
}

/// Max-norm residual per row, $\max_k |m_k - \mu(x_k)|$, given fields `x` of the layer whose
/// magnetisations are `m`; combined into `acc` by maximum.
pub(crate) fn residual_into<T: Float>(
    kind: TwoState,
    m: &DMatrix<T>,
    x: &DMatrix<T>,
    acc: &mut [f64],
) {
    let rows = m.nrows();
    for col in 0..m.ncols() {
        for (r, a) in acc.iter_mut().enumerate().take(rows) {
            let diff = (m[(r, col)] - kind.mean(x[(r, col)])).as_f64().abs();
            *a = if diff.is_nan() || a.is_nan() {
                f64::NAN
            } else {
                a.max(diff)
            };
        }
    }
}

/// Max-norm residual of the order-`order` fixed-point equations at each row of `m`:
/// $\max(\max_i |m^v_i - \mu(x^v_i)|, \max_j |m^h_j - \mu(x^h_j)|)$.
///
/// # Errors
/// Gaussian units, shape mismatches.
pub fn fixed_point_residual<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
    order: Order,
    m: &Magnetizations<T>,
) -> Result<Vec<f64>> {
    m.check(rbm)?;
    let c = Couplings::new(rbm, order)?;
    let mut residual = vec![0.0; m.n_starts()];
    residuals_into(
        &c,
        m,
        &mut DMatrix::zeros(0, 0),
        &mut FieldWorkspace::new(),
        &mut residual,
    );
    Ok(residual)
}

/// The max-norm residual of both layers' equations at `m`, per row, into `out` (`fields` and
/// `ws` are scratch).
pub(crate) fn residuals_into<T: Float>(
    c: &Couplings<'_, T>,
    m: &Magnetizations<T>,
    fields: &mut DMatrix<T>,
    ws: &mut FieldWorkspace<T>,
    out: &mut [f64],
) {
    out.iter_mut().for_each(|x| *x = 0.0);
    layer_fields(c, Layer::Hidden, &m.hidden, &m.visible, fields, ws);
    residual_into(c.hidden, &m.hidden, fields, out);
    layer_fields(c, Layer::Visible, &m.visible, &m.hidden, fields, ws);
    residual_into(c.visible, &m.visible, fields, out);
}

/// $F_k(m)$ for each row of `m` (f64 sums), $k$ = `order`. $-F_1 \le \ln Z$ for every $m$.
///
/// # Errors
/// Gaussian units, shape mismatches.
pub fn free_energy<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
    order: Order,
    m: &Magnetizations<T>,
) -> Result<Vec<f64>> {
    m.check(rbm)?;
    let c = Couplings::new(rbm, order)?;
    Ok(free_energy_of(&c, m))
}

pub(crate) fn free_energy_of<T: Float>(c: &Couplings<'_, T>, m: &Magnetizations<T>) -> Vec<f64> {
    let rows = m.n_starts();
    let mut neg_f = vec![0.0f64; rows];
    // entropies and biases
    for (mat, bias, kind) in [
        (&m.visible, c.visible_bias, c.visible),
        (&m.hidden, c.hidden_bias, c.hidden),
    ] {
        for col in 0..mat.ncols() {
            let b = bias[col].as_f64();
            for (r, acc) in neg_f.iter_mut().enumerate() {
                let x = mat[(r, col)].as_f64();
                *acc += kind.entropy(x) + b * x;
            }
        }
    }
    // coupling terms: Σ_j (A W^p)_{rj} B_{rj}
    let mut product = DMatrix::zeros(rows, c.weights.ncols());
    let mut add_bilinear = |left: DMatrix<T>, w: &DMatrix<T>, right: DMatrix<T>, scale: f64| {
        gemm(
            &mut product,
            false,
            T::one(),
            left.as_view(),
            Op::N,
            w.as_view(),
            Op::N,
        );
        for col in 0..product.ncols() {
            for (r, acc) in neg_f.iter_mut().enumerate() {
                *acc += scale * product[(r, col)].as_f64() * right[(r, col)].as_f64();
            }
        }
    };
    add_bilinear(m.visible.clone(), c.weights, m.hidden.clone(), 1.0);
    if c.order.number() >= 2 {
        let dv = m.visible.map(|x| c.visible.d(x));
        let dh = m.hidden.map(|x| c.hidden.d(x));
        add_bilinear(dv, &c.squared, dh, 0.5);
    }
    if c.order.number() >= 3 {
        let gv = m.visible.map(|x| c.visible.g(x));
        let gh = m.hidden.map(|x| c.hidden.g(x));
        add_bilinear(gv, &c.cubed, gh, 2.0 / 3.0);
    }
    neg_f.iter().map(|x| -x).collect()
}

/// Mean-field estimate of the model's second moments at magnetisations `m` (averaged over
/// rows), the envelope-theorem derivatives of $-F_k$ used by EMF training:
/// $\langle v_i h_j\rangle \approx \overline{m^v_i m^h_j + W_{ij} d(m^v_i) d(m^h_j) +
///   2 W_{ij}^2 g(m^v_i) g(m^h_j)}$ (terms up to `order`), $\langle v\rangle \approx \overline{m^v}$,
/// $\langle h\rangle \approx \overline{m^h}$. Written into `(weights, visible, hidden)`.
pub(crate) fn model_moments_into<T: Float>(
    c: &Couplings<'_, T>,
    m: &Magnetizations<T>,
    weights: &mut DMatrix<T>,
    scratch: &mut DMatrix<T>,
    visible: &mut nalgebra::DVector<T>,
    hidden: &mut nalgebra::DVector<T>,
) {
    let rows = m.n_starts();
    let inv = T::one() / T::of(rows as f64);
    gemm(
        weights,
        false,
        inv,
        m.visible.as_view(),
        Op::T,
        m.hidden.as_view(),
        Op::N,
    );
    if c.order.number() >= 2 {
        let dv = m.visible.map(|x| c.visible.d(x));
        let dh = m.hidden.map(|x| c.hidden.d(x));
        scratch.resize_mut(weights.nrows(), weights.ncols(), T::zero());
        gemm(
            scratch,
            false,
            inv,
            dv.as_view(),
            Op::T,
            dh.as_view(),
            Op::N,
        );
        for ((w, s), &x) in weights.iter_mut().zip(scratch.iter()).zip(c.weights.iter()) {
            *w += x * *s;
        }
    }
    if c.order.number() >= 3 {
        let gv = m.visible.map(|x| c.visible.g(x));
        let gh = m.hidden.map(|x| c.hidden.g(x));
        gemm(
            scratch,
            false,
            inv,
            gv.as_view(),
            Op::T,
            gh.as_view(),
            Op::N,
        );
        for ((w, s), &x2) in weights.iter_mut().zip(scratch.iter()).zip(c.squared.iter()) {
            *w += T::of(2.0) * x2 * *s;
        }
    }
    for (i, v) in visible.iter_mut().enumerate() {
        *v = m.visible.column(i).sum() * inv;
    }
    for (j, h) in hidden.iter_mut().enumerate() {
        *h = m.hidden.column(j).sum() * inv;
    }
}

/// [`model_moments_into`] for an RBM: checks shapes and units, resizes the outputs.
pub(crate) fn model_moments_into_rbm<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
    order: Order,
    m: &Magnetizations<T>,
    weights: &mut DMatrix<T>,
    scratch: &mut DMatrix<T>,
    visible: &mut nalgebra::DVector<T>,
    hidden: &mut nalgebra::DVector<T>,
) -> Result<()> {
    m.check(rbm)?;
    let c = Couplings::new(rbm, order)?;
    let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
    if weights.shape() != (nv, nh) {
        *weights = DMatrix::zeros(nv, nh);
    }
    if visible.len() != nv {
        *visible = nalgebra::DVector::zeros(nv);
    }
    if hidden.len() != nh {
        *hidden = nalgebra::DVector::zeros(nh);
    }
    model_moments_into(&c, m, weights, scratch, visible, hidden);
    Ok(())
}

/// Mean-field estimate of the model moments $(\langle v h^\top\rangle, \langle v\rangle,
/// \langle h\rangle)$ at magnetisations `m`, averaged over rows (see `rbm-basics.md`, EMF
/// training).
///
/// # Errors
/// Gaussian units, shape mismatches.
pub fn model_moments<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
    order: Order,
    m: &Magnetizations<T>,
) -> Result<(DMatrix<T>, nalgebra::DVector<T>, nalgebra::DVector<T>)> {
    m.check(rbm)?;
    let c = Couplings::new(rbm, order)?;
    let mut w = DMatrix::zeros(rbm.n_visible(), rbm.n_hidden());
    let mut scratch = DMatrix::zeros(0, 0);
    let mut a = nalgebra::DVector::zeros(rbm.n_visible());
    let mut b = nalgebra::DVector::zeros(rbm.n_hidden());
    model_moments_into(&c, m, &mut w, &mut scratch, &mut a, &mut b);
    Ok((w, a, b))
}

/// Mean-field estimate of $\ln Z$: solve from the neutral point with `solver` and return
/// $-F_k$ at the solution, with the solution for its convergence record.
///
/// # Errors
/// As [`MeanFieldSolver::solve`].
pub fn log_partition_estimate<S: MeanFieldSolver, V: UnitKind, H: UnitKind, T: Float>(
    solver: &S,
    rbm: &Rbm<V, H, T>,
) -> Result<(f64, MeanFieldSolution<T>)> {
    let start = Magnetizations::neutral(rbm, 1)?;
    let solution = solver.solve(rbm, &start)?;
    Ok((solution.log_partition(), solution))
}
