//! Annealed importance sampling (AIS) and reverse AIS estimates of $\ln Z$
//! (Salakhutdinov & Murray 2008; Burda, Grosse & Salakhutdinov 2015; `theory/likelihood.md`).
//!
//! # Path
//! The base model $A$ has visible biases $a^A$ and no couplings; the target $B$ is the RBM
//! $(W, a, b)$. For $0 = \beta_0 < \beta_1 < \dots < \beta_K = 1$ the intermediate unnormalised
//! marginals are
//! $$\ln f_k(v) = (1-\beta_k)\,a^{A\top} v + \beta_k\, a^\top v - \sum_i U_V(v_i) +
//!   \sum_j \phi_H\big(\beta_k\, x^h_j(v)\big), \qquad x^h(v) = b + W^\top v,$$
//! with $\phi_H$ the hidden unit's log-partition ($\ln(1+e^x)$ for {0,1}, $\ln 2\cosh x$ for ±1,
//! $x^2/2c + \frac12\ln(2\pi/c)$ for Gaussian units). They are the marginals of
//! $p_k(v,h) \propto e^{(1-\beta_k) a^{A\top} v + \beta_k(a^\top v + v^\top W h + b^\top h) - U_V - U_H}$,
//! so the transition $T_k$ (which leaves $p_k$ invariant) is one block-Gibbs sweep
//! $h \sim p(h \mid \beta_k x^h(v))$, $v \sim p\big(v \mid (1-\beta_k) a^A + \beta_k (a + W h)\big)$.
//!
//! **Pitfall.** At $\beta = 0$ the hidden sum does not vanish:
//! $\ln Z_A = \sum_i \phi_V(a^A_i) + \sum_j \phi_H(0)$, which is
//! $\sum_i \ln(1+e^{a^A_i}) + N_h \ln 2$ for {0,1} units ([`BaseRateModel::log_partition`]).
//!
//! # Forward AIS (stochastic lower bound)
//! $M$ chains start from exact draws $v \sim p_A$; for $k = 1..K$:
//! $\ln w \mathrel{+}= \ln f_k(v) - \ln f_{k-1}(v)$, then $v \leftarrow T_k(v)$ (the last
//! transition is not needed and is skipped). $E[w] = Z_B / Z_A$ and
//! $$\ln \hat Z = \ln Z_A + \ln \tfrac1M \textstyle\sum_r w_r,$$
//! unbiased in $Z$ but $E[\ln\hat Z] \le \ln Z$. The per-chain mean
//! $\ln Z_A + \overline{\ln w} \le \ln Z$ in expectation ([`AisEstimate::bound`]).
//!
//! # Reverse AIS (stochastic upper bound)
//! $M$ chains start from samples of $p_B$ (exact samples for small models; equilibrated chains or
//! data in practice, where the bound is only approximate); for $k = K..1$:
//! $\ln w_r \mathrel{+}= \ln f_{k-1}(v) - \ln f_k(v)$, then $v \leftarrow T_{k-1}(v)$ (skipped
//! at $k = 1$). $E[w_r] = Z_A/Z_B$, so
//! $$\ln \hat Z_{\rm rev} = \ln Z_A - \ln \tfrac1M \textstyle\sum_r w_{r},$$
//! with $E[\ln \hat Z_{\rm rev}] \ge \ln Z$; the per-chain bound is
//! $\ln Z_A - \overline{\ln w_r} \ge \ln Z$ in expectation. The bracket
//! $[\ln Z_A + \overline{\ln w},\ \ln Z_A - \overline{\ln w_r}]$ shrinks as $K$ grows.
//!
//! # Standard error
//! With $\tilde w_r = e^{\ln w_r - \max_s \ln w_s}$ (delta method):
//! $\mathrm{SE}(\ln \hat Z) \approx \mathrm{sd}(\tilde w) / (\sqrt M\, \overline{\tilde w})$.
//!
//! # Numerics
//! Matrix products and draws run in the model's float `T`; the log-weight increments (the
//! hidden log-partitions at both temperatures and the visible term) are computed and
//! accumulated in `f64` even when `T = f32`. Each step costs two GEMMs
//! (`M×Nv·Nv×Nh` and `M×Nh·Nh×Nv`) and no allocation.

use crate::error::{Error, Result};
use crate::linalg::{gemm, Float, Op};
use crate::rbm::Rbm;
use crate::sampling::sample_layer;
use crate::stats::log_mean_exp;
use crate::units::{AnyUnit, UnitKind};
use nalgebra::{DMatrix, DMatrixView, DVector};
use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::fmt;

/// Clip of the data frequencies used by [`BaseRateModel::from_data`]: $p \in [10^{-3}, 1-10^{-3}]$.
pub const BASE_RATE_CLIP: f64 = 1e-3;

/// Inverse-temperature schedule $0 = \beta_0 < \dots < \beta_K = 1$ of an AIS path.
///
/// Variants with public data are checked when they reach [`Ais::new`] (or use
/// [`BetaSchedule::uniform`], [`BetaSchedule::custom`], [`BetaSchedule::parse`]).
#[derive(Clone, Debug, PartialEq)]
pub enum BetaSchedule {
    /// $K$ = `steps` equal steps: $\beta_k = k/K$.
    Uniform {
        /// Number of steps $K \ge 1$.
        steps: usize,
    },
    /// Salakhutdinov & Murray (2008): steps of $10^{-3}$ on $[0, 0.5]$ (500), $10^{-4}$ on
    /// $[0.5, 0.9]$ (4 000) and $10^{-5}$ on $[0.9, 1]$ (10 000): $K$ = 14 500 steps, 14 501
    /// values of $\beta$ including 0 and 1.
    SalakhutdinovMurray,
    /// Explicit values, including $\beta_0 = 0$ and $\beta_K = 1$; finite and strictly increasing.
    Custom(Vec<f64>),
}

impl BetaSchedule {
    /// $K$ equal steps.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`schedule`) if `steps == 0`.
    pub fn uniform(steps: usize) -> Result<Self> {
        let s = BetaSchedule::Uniform { steps };
        s.validate()?;
        Ok(s)
    }

    /// An explicit schedule.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`schedule`) unless the values are finite, strictly
    /// increasing, start at exactly 0 and end at exactly 1 (at least two values).
    pub fn custom(betas: Vec<f64>) -> Result<Self> {
        let s = BetaSchedule::Custom(betas);
        s.validate()?;
        Ok(s)
    }

    /// The Salakhutdinov–Murray schedule with each segment's step count multiplied by `scale`
    /// (rounded, at least 1 step per segment): `scale = 1` is
    /// [`BetaSchedule::SalakhutdinovMurray`], `scale = 0.1` has 50 + 400 + 1 000 steps.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`schedule`) unless `scale` is finite and > 0.
    pub fn salakhutdinov_murray_scaled(scale: f64) -> Result<Self> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(Error::invalid(
                "schedule",
                format!("sm:{scale}"),
                "the Salakhutdinov-Murray scale must be finite and > 0",
            ));
        }
        Ok(BetaSchedule::Custom(piecewise_uniform(&SM_SEGMENTS, scale)))
    }

    /// Parses a CLI spelling: `uniform:K` ($K$ equal steps), `sm` (Salakhutdinov–Murray,
    /// 14 500 steps) or `sm:SCALE` (its segments' step counts times `SCALE`, e.g. `sm:0.1`).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `schedule` for any other text or a bad number.
    pub fn parse(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        let bad = |reason: &str| Error::invalid("schedule", format!("'{spec}'"), reason);
        let (kind, arg) = match spec.split_once(':') {
            Some((k, a)) => (k.trim(), Some(a.trim())),
            None => (spec, None),
        };
        match (kind, arg) {
            ("uniform", Some(a)) => {
                let steps = a
                    .parse::<usize>()
                    .map_err(|_| bad("uniform:K needs an integer number of steps K >= 1"))?;
                BetaSchedule::uniform(steps)
            }
            ("sm", None) => Ok(BetaSchedule::SalakhutdinovMurray),
            ("sm", Some(a)) => {
                let scale = a
                    .parse::<f64>()
                    .map_err(|_| bad("sm:SCALE needs a number SCALE > 0"))?;
                BetaSchedule::salakhutdinov_murray_scaled(scale)
            }
            _ => Err(bad("expected uniform:K, sm or sm:SCALE")),
        }
    }

    /// The values $\beta_0 = 0, \dots, \beta_K = 1$ (length $K + 1$).
    pub fn betas(&self) -> Vec<f64> {
        match self {
            BetaSchedule::Uniform { steps } => {
                let k = (*steps).max(1);
                (0..=k).map(|i| i as f64 / k as f64).collect()
            }
            BetaSchedule::SalakhutdinovMurray => piecewise_uniform(&SM_SEGMENTS, 1.0),
            BetaSchedule::Custom(b) => b.clone(),
        }
    }

    /// Number of steps $K$ (one less than the number of temperatures).
    pub fn steps(&self) -> usize {
        match self {
            BetaSchedule::Uniform { steps } => *steps,
            BetaSchedule::SalakhutdinovMurray => SM_SEGMENTS.iter().map(|s| s.1).sum(),
            BetaSchedule::Custom(b) => b.len().saturating_sub(1),
        }
    }

    /// Checks the schedule (see [`BetaSchedule::custom`]).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `schedule`.
    #[allow(clippy::float_cmp)] // the schedule must end at exactly β = 1
    pub fn validate(&self) -> Result<()> {
        let bad = |v: String, reason: &str| Err(Error::invalid("schedule", v, reason));
        match self {
            BetaSchedule::Uniform { steps: 0 } => bad("uniform:0".into(), "needs at least 1 step"),
            BetaSchedule::Uniform { .. } | BetaSchedule::SalakhutdinovMurray => Ok(()),
            BetaSchedule::Custom(b) => {
                let show = || format!("{} values starting {:?}", b.len(), &b[..b.len().min(3)]);
                if b.len() < 2 {
                    return bad(show(), "needs at least two values (0 and 1)");
                }
                if b.iter().any(|x| !x.is_finite()) {
                    return bad(show(), "values must be finite");
                }
                if b[0] != 0.0 {
                    return bad(show(), "must start at beta = 0");
                }
                if b[b.len() - 1] != 1.0 {
                    return bad(show(), "must end at beta = 1");
                }
                if let Some(k) = b.windows(2).position(|p| p[1] <= p[0]) {
                    return bad(
                        format!("beta[{k}] = {}, beta[{}] = {}", b[k], k + 1, b[k + 1]),
                        "must be strictly increasing",
                    );
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for BetaSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BetaSchedule::Uniform { steps } => write!(f, "uniform:{steps}"),
            BetaSchedule::SalakhutdinovMurray => write!(f, "sm"),
            BetaSchedule::Custom(b) => write!(f, "custom({} steps)", b.len().saturating_sub(1)),
        }
    }
}

/// Segments (end value, steps) of the Salakhutdinov–Murray schedule, starting at 0.
const SM_SEGMENTS: [(f64, usize); 3] = [(0.5, 500), (0.9, 4000), (1.0, 10_000)];

/// Uniform steps on consecutive segments, each step count scaled (≥ 1); segment ends exact.
fn piecewise_uniform(segments: &[(f64, usize)], scale: f64) -> Vec<f64> {
    let mut betas = vec![0.0];
    let mut start = 0.0;
    for &(end, steps) in segments {
        let n = ((steps as f64 * scale).round() as usize).max(1);
        for i in 1..n {
            betas.push(start + (end - start) * (i as f64 / n as f64));
        }
        betas.push(end);
        start = end;
    }
    betas
}

/// The AIS base model $A$: visible biases $a^A$, $W = 0$, $b = 0$ (hidden units free).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BaseRateModel {
    visible_bias: DVector<f64>,
}

impl BaseRateModel {
    /// Base model with the given visible biases $a^A$.
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a bias is not finite.
    pub fn new(visible_bias: DVector<f64>) -> Result<Self> {
        if let Some(i) = visible_bias.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite(format!(
                "base-rate visible_bias[{i}] = {}",
                visible_bias[i]
            )));
        }
        Ok(BaseRateModel { visible_bias })
    }

    /// $a^A = 0$: uniform over {0,1} or ±1 visible states.
    pub fn zero(n_visible: usize) -> Self {
        BaseRateModel {
            visible_bias: DVector::zeros(n_visible),
        }
    }

    /// Base rates matching the data marginals (rows = samples). Two-state units with states
    /// $(s_-, s_+)$: $p_i = (\bar v_i - s_-)/(s_+ - s_-)$ clipped to
    /// $[\epsilon, 1-\epsilon]$, $\epsilon$ = [`BASE_RATE_CLIP`], and
    /// $a^A_i = \ln\frac{p_i}{1-p_i} / (s_+ - s_-)$ (the logit for {0,1},
    /// $\operatorname{atanh}\bar v_i$ for ±1). Gaussian units of precision $c$: $a^A_i = c\,\bar v_i$.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`data`) for an empty or non-finite data matrix.
    pub fn from_data<V: UnitKind, T: Float>(data: DMatrixView<'_, T>, visible: &V) -> Result<Self> {
        if data.nrows() == 0 || data.ncols() == 0 {
            return Err(Error::invalid(
                "data",
                format!("{}x{}", data.nrows(), data.ncols()),
                "base rates need at least one sample and one unit",
            ));
        }
        if data.iter().any(|x| !x.as_f64().is_finite()) {
            return Err(Error::invalid("data", "non-finite entry", "must be finite"));
        }
        let n = data.nrows() as f64;
        let bias = DVector::from_fn(data.ncols(), |i, _| {
            let mean = data.column(i).iter().map(|x| x.as_f64()).sum::<f64>() / n;
            match (visible.discrete_states(), visible.to_any()) {
                (Some([lo, hi]), _) => {
                    let p = ((mean - lo) / (hi - lo)).clamp(BASE_RATE_CLIP, 1.0 - BASE_RATE_CLIP);
                    (p / (1.0 - p)).ln() / (hi - lo)
                }
                (None, AnyUnit::Gaussian(g)) => g.precision() * mean,
                (None, _) => 0.0,
            }
        });
        BaseRateModel::new(bias)
    }

    /// The visible biases $a^A$.
    pub fn visible_bias(&self) -> &DVector<f64> {
        &self.visible_bias
    }

    /// $\ln Z_A = \sum_i \phi_V(a^A_i) + N_h\,\phi_H(0)$: the hidden units stay in the base
    /// model, uncoupled ($\phi_H(0) = \ln 2$ for {0,1} and ±1 units).
    pub fn log_partition<V: UnitKind, H: UnitKind>(
        &self,
        visible: &V,
        hidden: &H,
        n_hidden: usize,
    ) -> f64 {
        let v: f64 = self
            .visible_bias
            .iter()
            .map(|&a| visible.log_partition(a))
            .sum();
        v + n_hidden as f64 * hidden.log_partition(0.0f64)
    }
}

/// Direction of an AIS run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AisDirection {
    /// From the base model to the RBM (lower bound).
    Forward,
    /// From RBM samples back to the base model (upper bound).
    Reverse,
}

/// Result of an AIS run (see the module docs for the formulas).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AisEstimate {
    /// $\ln\hat Z$ (forward) or $\ln\hat Z_{\rm rev}$ (reverse).
    pub log_z: f64,
    /// $\mathrm{SE}(\ln\hat Z) \approx \mathrm{sd}(\tilde w)/(\sqrt M\,\overline{\tilde w})$.
    pub std_error: f64,
    /// $\ln Z_A$ of the base model.
    pub log_z_base: f64,
    /// Per-chain-mean bound: $\ln Z_A + \overline{\ln w}$ (forward, lower) or
    /// $\ln Z_A - \overline{\ln w_r}$ (reverse, upper).
    pub bound: f64,
    /// Number of chains $M$.
    pub runs: usize,
    /// Number of steps $K$.
    pub steps: usize,
    /// Forward or reverse.
    pub direction: AisDirection,
    /// $\ln w$ (forward) or $\ln w_r$ (reverse) of each chain.
    pub log_weights: Vec<f64>,
}

impl AisEstimate {
    /// Effective sample size of the importance weights, $(\sum_r w_r)^2 / \sum_r w_r^2 \in [1, M]$.
    pub fn effective_sample_size(&self) -> f64 {
        let m = self
            .log_weights
            .iter()
            .cloned()
            .fold(f64::NEG_INFINITY, f64::max);
        let (s1, s2) = self.log_weights.iter().fold((0.0, 0.0), |(s1, s2), &lw| {
            let w = (lw - m).exp();
            (s1 + w, s2 + w * w)
        });
        s1 * s1 / s2
    }
}

/// AIS configuration: a schedule and a number of independent chains (immutable).
#[derive(Clone, Debug, PartialEq)]
pub struct Ais {
    schedule: BetaSchedule,
    betas: Vec<f64>,
    runs: usize,
}

impl Ais {
    /// `runs` chains annealed along `schedule`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `schedule` (see [`BetaSchedule::validate`]) or
    /// `runs` (must be ≥ 2, so that a standard error exists).
    pub fn new(schedule: BetaSchedule, runs: usize) -> Result<Self> {
        schedule.validate()?;
        if runs < 2 {
            return Err(Error::invalid(
                "runs",
                runs,
                "AIS needs at least 2 chains (for a standard error)",
            ));
        }
        let betas = schedule.betas();
        Ok(Ais {
            schedule,
            betas,
            runs,
        })
    }

    /// The schedule.
    pub fn schedule(&self) -> &BetaSchedule {
        &self.schedule
    }

    /// Number of chains $M$.
    pub fn runs(&self) -> usize {
        self.runs
    }

    /// Number of steps $K$.
    pub fn steps(&self) -> usize {
        self.betas.len() - 1
    }

    /// Forward AIS from `base` to `rbm`: $\ln\hat Z = \ln Z_A + \ln\frac1M\sum_r w_r$, a
    /// stochastic lower bound (module docs).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `base` does not have `Nv` biases; [`Error::NonFinite`] for
    /// non-finite parameters or log-weights.
    pub fn forward<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
        &self,
        rbm: &Rbm<V, H, T>,
        base: &BaseRateModel,
        rng: &mut R,
    ) -> Result<AisEstimate> {
        check_model(rbm, base)?;
        let mut ws = Workspace::new(rbm, base, self.runs);
        // Exact draws from p_A: each visible unit at field a^A.
        for (i, &a) in base.visible_bias.iter().enumerate() {
            ws.visible_fields.column_mut(i).fill(T::of(a));
        }
        sample_layer(rbm.visible(), &ws.visible_fields, &mut ws.visible, rng);
        ws.anneal(rbm, self.betas.iter().copied(), rng);
        self.estimate(rbm, base, ws.log_weights, AisDirection::Forward)
    }

    /// Reverse AIS from samples of the RBM back to `base`:
    /// $\ln\hat Z_{\rm rev} = \ln Z_A - \ln\frac1M\sum_r w_{r}$, a stochastic upper bound when
    /// the rows of `start_visible` are samples of the RBM (module docs).
    ///
    /// `start_visible` has one row per chain (`runs × Nv`).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] (`start_visible`, `base`) for wrong shapes;
    /// [`Error::InvalidParameter`] (`start_visible`) for an entry that is not a state of the
    /// visible unit; [`Error::NonFinite`] for non-finite parameters or log-weights.
    pub fn reverse<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
        &self,
        rbm: &Rbm<V, H, T>,
        base: &BaseRateModel,
        start_visible: DMatrixView<'_, T>,
        rng: &mut R,
    ) -> Result<AisEstimate> {
        check_model(rbm, base)?;
        let expected = (self.runs, rbm.n_visible());
        if start_visible.shape() != expected {
            return Err(Error::shape(
                "start_visible (runs x Nv)",
                format!("{}x{}", expected.0, expected.1),
                format!("{}x{}", start_visible.nrows(), start_visible.ncols()),
            ));
        }
        if let Some(x) = start_visible
            .iter()
            .find(|x| !rbm.visible().admits(x.as_f64()))
        {
            return Err(Error::invalid(
                "start_visible",
                x,
                format!("not a state of the {} visible unit", rbm.visible().name()),
            ));
        }
        let mut ws = Workspace::new(rbm, base, self.runs);
        ws.visible.copy_from(&start_visible);
        ws.anneal(rbm, self.betas.iter().rev().copied(), rng);
        self.estimate(rbm, base, ws.log_weights, AisDirection::Reverse)
    }

    fn estimate<V: UnitKind, H: UnitKind, T: Float>(
        &self,
        rbm: &Rbm<V, H, T>,
        base: &BaseRateModel,
        log_weights: Vec<f64>,
        direction: AisDirection,
    ) -> Result<AisEstimate> {
        if let Some(r) = log_weights.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite(format!(
                "AIS log-weight of chain {r} = {}",
                log_weights[r]
            )));
        }
        let log_z_base = base.log_partition(rbm.visible(), rbm.hidden(), rbm.n_hidden());
        let m = log_weights.len() as f64;
        let lme = log_mean_exp(&log_weights);
        let mean_lw = log_weights.iter().sum::<f64>() / m;
        let max = log_weights
            .iter()
            .cloned()
            .fold(f64::NEG_INFINITY, f64::max);
        let (s1, s2) = log_weights.iter().fold((0.0, 0.0), |(s1, s2), &lw| {
            let w = (lw - max).exp();
            (s1 + w, s2 + w * w)
        });
        let mean_w = s1 / m;
        let var_w = ((s2 - m * mean_w * mean_w) / (m - 1.0)).max(0.0);
        let std_error = var_w.sqrt() / (m.sqrt() * mean_w);
        let (log_z, bound) = match direction {
            AisDirection::Forward => (log_z_base + lme, log_z_base + mean_lw),
            AisDirection::Reverse => (log_z_base - lme, log_z_base - mean_lw),
        };
        Ok(AisEstimate {
            log_z,
            std_error,
            log_z_base,
            bound,
            runs: self.runs,
            steps: self.steps(),
            direction,
            log_weights,
        })
    }
}

fn check_model<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
    base: &BaseRateModel,
) -> Result<()> {
    if base.visible_bias.len() != rbm.n_visible() {
        return Err(Error::shape(
            "base model visible_bias (Nv)",
            rbm.n_visible().to_string(),
            base.visible_bias.len().to_string(),
        ));
    }
    rbm.check_finite()
}

/// Entries of the hidden log-partition difference evaluated by one rayon task.
const LOG_PARTITION_CHUNK: usize = 2048;

/// Chains and preallocated buffers of one AIS run (R10: the step loop does not allocate).
struct Workspace<T: Float> {
    /// Visible states, `M × Nv`.
    visible: DMatrix<T>,
    /// Hidden states, `M × Nh`.
    hidden: DMatrix<T>,
    /// $x^h = b + W^\top v$ per chain, `M × Nh`.
    hidden_fields: DMatrix<T>,
    /// $\beta\,x^h$ for the hidden draw, `M × Nh`.
    scaled_hidden_fields: DMatrix<T>,
    /// Visible fields for the visible draw, `M × Nv`.
    visible_fields: DMatrix<T>,
    /// $\beta\,x^h$ in f64 (column-major, `M × Nh`).
    scaled_f64: Vec<f64>,
    /// $\phi_H(\beta' x) - \phi_H(\beta x)$ per entry (column-major, `M × Nh`).
    log_partition_diff: Vec<f64>,
    /// $(a - a^A)^\top v$ per chain.
    visible_term: Vec<f64>,
    /// $a - a^A$ in f64.
    bias_difference: Vec<f64>,
    /// $a^A$ and $a$ in f64.
    base_bias: Vec<f64>,
    model_bias: Vec<f64>,
    /// Log-weights per chain.
    log_weights: Vec<f64>,
}

impl<T: Float> Workspace<T> {
    fn new<V: UnitKind, H: UnitKind>(
        rbm: &Rbm<V, H, T>,
        base: &BaseRateModel,
        runs: usize,
    ) -> Self {
        let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
        let base_bias: Vec<f64> = base.visible_bias.iter().copied().collect();
        let model_bias: Vec<f64> = rbm.visible_bias().iter().map(|x| x.as_f64()).collect();
        let bias_difference = model_bias
            .iter()
            .zip(&base_bias)
            .map(|(a, b)| a - b)
            .collect();
        Workspace {
            visible: DMatrix::zeros(runs, nv),
            hidden: DMatrix::zeros(runs, nh),
            hidden_fields: DMatrix::zeros(runs, nh),
            scaled_hidden_fields: DMatrix::zeros(runs, nh),
            visible_fields: DMatrix::zeros(runs, nv),
            scaled_f64: vec![0.0; runs * nh],
            log_partition_diff: vec![0.0; runs * nh],
            visible_term: vec![0.0; runs],
            bias_difference,
            base_bias,
            model_bias,
            log_weights: vec![0.0; runs],
        }
    }

    /// Runs the chains along `path` (the betas in order of travel): for each consecutive pair
    /// $(\beta, \beta')$, $\ln w \mathrel{+}= \ln f_{\beta'}(v) - \ln f_{\beta}(v)$, then
    /// $v \leftarrow T_{\beta'}(v)$ except after the last pair.
    fn anneal<V: UnitKind, H: UnitKind, R: Rng + ?Sized>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        path: impl ExactSizeIterator<Item = f64>,
        rng: &mut R,
    ) {
        let transitions = path.len().saturating_sub(2);
        let mut path = path;
        let Some(mut from) = path.next() else {
            return;
        };
        for (k, to) in path.enumerate() {
            self.add_log_weight_increment(rbm, from, to);
            if k < transitions {
                self.transition(rbm, to, rng);
            }
            from = to;
        }
    }

    /// $\ln w \mathrel{+}= (\beta' - \beta)(a - a^A)^\top v +
    /// \sum_j [\phi_H(\beta' x^h_j) - \phi_H(\beta x^h_j)]$, leaving $x^h(v)$ in `hidden_fields`.
    fn add_log_weight_increment<V: UnitKind, H: UnitKind>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        from: f64,
        to: f64,
    ) {
        let m = self.visible.nrows();
        gemm(
            &mut self.hidden_fields,
            false,
            T::one(),
            self.visible.as_view(),
            Op::N,
            rbm.weights().as_view(),
            Op::N,
        );
        add_to_columns(&mut self.hidden_fields, rbm.hidden_bias().iter().copied());
        // Visible term (β' − β)(a − a^A)ᵀv, in f64.
        self.visible_term.fill(0.0);
        for (col, &d) in self
            .visible
            .as_slice()
            .chunks_exact(m)
            .zip(&self.bias_difference)
        {
            for (acc, &v) in self.visible_term.iter_mut().zip(col) {
                *acc += d * v.as_f64();
            }
        }
        // Hidden term Σ_j φ_H(β' x_j) − φ_H(β x_j), entry by entry in f64; the entries are
        // independent, so chunks run in parallel (same numbers for any thread count).
        let unit = rbm.hidden();
        let difference = |((d, s), x): ((&mut [f64], &mut [f64]), &[T])| {
            for (s, &xi) in s.iter_mut().zip(x) {
                *s = from * xi.as_f64();
            }
            d.fill(0.0);
            unit.add_log_partitions(s, d);
            for e in d.iter_mut() {
                *e = -*e;
            }
            for (s, &xi) in s.iter_mut().zip(x) {
                *s = to * xi.as_f64();
            }
            unit.add_log_partitions(s, d);
        };
        let x = self.hidden_fields.as_slice();
        if x.len() <= LOG_PARTITION_CHUNK {
            difference(((&mut self.log_partition_diff, &mut self.scaled_f64), x));
        } else {
            self.log_partition_diff
                .par_chunks_mut(LOG_PARTITION_CHUNK)
                .zip(self.scaled_f64.par_chunks_mut(LOG_PARTITION_CHUNK))
                .zip(x.par_chunks(LOG_PARTITION_CHUNK))
                .for_each(difference);
        }
        let step = to - from;
        for (lw, &v) in self.log_weights.iter_mut().zip(&self.visible_term) {
            *lw += step * v;
        }
        if m > 0 {
            for col in self.log_partition_diff.chunks_exact(m) {
                for (lw, &d) in self.log_weights.iter_mut().zip(col) {
                    *lw += d;
                }
            }
        }
    }

    /// $T_\beta$: $h \sim p(h \mid \beta x^h)$ (from `hidden_fields`, already computed for the
    /// current $v$), then $v \sim p(v \mid (1-\beta) a^A + \beta (a + W h))$.
    fn transition<V: UnitKind, H: UnitKind, R: Rng + ?Sized>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        beta: f64,
        rng: &mut R,
    ) {
        let b = T::of(beta);
        for (s, &x) in self
            .scaled_hidden_fields
            .as_mut_slice()
            .iter_mut()
            .zip(self.hidden_fields.as_slice())
        {
            *s = b * x;
        }
        sample_layer(
            rbm.hidden(),
            &self.scaled_hidden_fields,
            &mut self.hidden,
            rng,
        );
        gemm(
            &mut self.visible_fields,
            false,
            b,
            self.hidden.as_view(),
            Op::N,
            rbm.weights().as_view(),
            Op::T,
        );
        let bias = self
            .base_bias
            .iter()
            .zip(&self.model_bias)
            .map(|(&a0, &a)| T::of((1.0 - beta) * a0 + beta * a));
        add_to_columns(&mut self.visible_fields, bias);
        sample_layer(rbm.visible(), &self.visible_fields, &mut self.visible, rng);
    }
}

/// Adds `bias[j]` to every entry of column `j` of `m`.
fn add_to_columns<T: Float>(m: &mut DMatrix<T>, bias: impl Iterator<Item = T>) {
    let rows = m.nrows();
    if rows == 0 {
        return;
    }
    for (col, b) in m.as_mut_slice().chunks_exact_mut(rows).zip(bias) {
        for x in col {
            *x += b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate_of(log_weights: Vec<f64>) -> AisEstimate {
        let ais = Ais::new(BetaSchedule::Uniform { steps: 3 }, log_weights.len()).unwrap();
        let rbm: Rbm<crate::units::Binary, crate::units::Binary, f64> =
            Rbm::zeros(2, 1, crate::units::Binary, crate::units::Binary);
        let base = BaseRateModel::zero(2);
        ais.estimate(&rbm, &base, log_weights, AisDirection::Forward)
            .unwrap()
    }

    #[test]
    fn standard_error_and_bound_from_known_weights() {
        // Closed forms evaluated in f64: only round-off differs.
        const TOL: f64 = 1e-12;
        let ln2 = 2f64.ln();
        // Equal weights: no spread, ESS = M.
        let e = estimate_of(vec![0.5; 4]);
        assert!((e.log_z - (3.0 * ln2 + 0.5)).abs() < TOL && e.std_error == 0.0);
        assert!((e.effective_sample_size() - 4.0).abs() < TOL);
        // w = (1, 3): mean 2, sd √2; SE = √2 / (√2 · 2) = 1/2; mean ln w = ln3/2.
        let e = estimate_of(vec![0.0, 3f64.ln()]);
        assert!((e.std_error - 0.5).abs() < TOL);
        assert!((e.log_z - (3.0 * ln2 + 2f64.ln())).abs() < TOL);
        assert!((e.bound - (3.0 * ln2 + 0.5 * 3f64.ln())).abs() < TOL);
        assert!((e.effective_sample_size() - 1.6).abs() < TOL);
    }

    #[test]
    fn piecewise_schedule_hits_segment_ends() {
        // scale 0.01: 5 + 40 + 100 steps.
        let b = piecewise_uniform(&SM_SEGMENTS, 0.01);
        assert_eq!(b.len(), 146);
        assert_eq!((b[0], b[5], b[45], b[145]), (0.0, 0.5, 0.9, 1.0));
        assert!(b.windows(2).all(|p| p[1] > p[0]));
        assert!((b[1] - 0.1).abs() < 1e-15 && (b[46] - 0.901).abs() < 1e-15);
    }
}
