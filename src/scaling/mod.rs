//! Learning phase transitions (issue 6): equilibrium measurements of a frozen RBM along its top
//! mode, during training, and finite-size scaling of those measurements across sizes.
//!
//! # Conventions (`theory/finite-size-scaling.md`)
//! * Top mode: $u_1$, the left singular vector of $W$ for the largest singular value
//!   $\sigma_1$, sign-fixed so that its largest-magnitude entry is positive.
//! * Order parameter: $m_1 = u_1\cdot\tilde s/\sqrt{N_v}$ with $\tilde s = 2v-1$ for {0,1}
//!   visible units and $\tilde s = v$ for ±1 (and Gaussian) units.
//! * Susceptibilities: $\chi = N_v\langle m_1^2\rangle$ (non-connected) and
//!   $\chi^c = N_v(\langle m_1^2\rangle - \langle|m_1|\rangle^2)$ (connected).
//! * Control parameter: $g = \sigma_1^2\,\mathrm{Var}_V(0)\,\mathrm{Var}_H(0)$, the squared gain of
//!   the top mode through one linearised sweep at zero field: $(\sigma_1/4)^2$ for {0,1}×{0,1}
//!   units, $\sigma_1^2$ for ±1 units and for ±1 visible × Gaussian (precision 1) hidden units
//!   ($= q = \sum_i w_i^2/N$ of the toy model). The paramagnet loses stability at $g_c = 1$.
//! * Times: block-Gibbs sweeps for MCMC; training `step` = parameter updates, learning time
//!   $t = \eta\times$ updates.

pub mod collapse;
pub mod equilibrium;
pub mod exponents;
pub mod finite_size;
pub mod observer;

pub use equilibrium::{
    exact_equilibrium, measure_equilibrium, measure_or_enumerate, Equilibrium, EquilibriumSettings,
};
pub use observer::{read_equilibrium_csv, EquilibriumObserver};

use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::spectral::svd::WeightSpectrum;
use crate::units::UnitKind;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

/// The top mode of an RBM's weights and the control parameter it defines.
#[derive(Clone, Debug, PartialEq)]
pub struct TopMode {
    /// $\sigma_1$, the largest singular value of $W$.
    pub singular_value: f64,
    /// $u_1$ (unit norm, length $N_v$), largest-magnitude entry positive.
    pub direction: DVector<f64>,
    /// $g = \sigma_1^2\,\mathrm{Var}_V(0)\,\mathrm{Var}_H(0)$ (module docs); $g_c = 1$.
    pub control: f64,
}

impl TopMode {
    /// The top mode of `rbm`'s weights.
    ///
    /// # Errors
    /// A model without hidden units; the SVD fails (it cannot for finite weights).
    pub fn of<V: UnitKind, H: UnitKind, T: Float>(rbm: &Rbm<V, H, T>) -> Result<Self> {
        if rbm.n_hidden() == 0 || rbm.n_visible() == 0 {
            return Err(Error::invalid(
                "model",
                format!("{}x{}", rbm.n_visible(), rbm.n_hidden()),
                "the top mode needs at least one visible and one hidden unit",
            ));
        }
        let spectrum = WeightSpectrum::of(rbm)?;
        let singular_value = spectrum.singular_values[0];
        let mut direction: DVector<f64> = spectrum.left.column(0).into_owned();
        let (mut imax, mut amax) = (0, 0.0);
        for (i, x) in direction.iter().enumerate() {
            if x.abs() > amax {
                (imax, amax) = (i, x.abs());
            }
        }
        if direction[imax] < 0.0 {
            direction.neg_mut();
        }
        let gain = rbm.visible().variance(0.0f64) * rbm.hidden().variance(0.0f64);
        Ok(TopMode {
            singular_value,
            direction,
            control: singular_value * singular_value * gain,
        })
    }
}

/// Reads a float that JSON may hold as `null` (serde_json writes NaN and ±∞ as `null`).
fn float_or_nan<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// One equilibrium measurement of a frozen model (one row of `equilibrium.csv`).
///
/// Statistical errors are standard errors; `tau_*` are integrated autocorrelation times in
/// block-Gibbs sweeps (Sokal convention, automatic window) with their Madras–Sokal errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EquilibriumRecord {
    /// Parameter updates done when the model was frozen (0: initial model).
    pub step: u64,
    /// Learning time $\eta\times$ `step`.
    #[serde(deserialize_with = "float_or_nan")]
    pub learning_time: f64,
    /// $\sigma_1$.
    #[serde(deserialize_with = "float_or_nan")]
    pub singular_value: f64,
    /// Control parameter $g$ (module docs).
    #[serde(deserialize_with = "float_or_nan")]
    pub control: f64,
    /// $\chi = N_v\langle m_1^2\rangle$.
    #[serde(deserialize_with = "float_or_nan")]
    pub chi: f64,
    /// Standard error of `chi` (0 when exact).
    #[serde(deserialize_with = "float_or_nan")]
    pub chi_se: f64,
    /// $\chi^c = N_v(\langle m_1^2\rangle - \langle|m_1|\rangle^2)$.
    #[serde(deserialize_with = "float_or_nan")]
    pub chi_connected: f64,
    /// Standard error of `chi_connected` (0 when exact).
    #[serde(deserialize_with = "float_or_nan")]
    pub chi_connected_se: f64,
    /// $\langle|m_1|\rangle$.
    #[serde(deserialize_with = "float_or_nan")]
    pub mean_abs_m: f64,
    /// $\tau_{\rm int}(m_1)$ in sweeps (NaN when exact: no chain was run).
    #[serde(deserialize_with = "float_or_nan")]
    pub tau_m: f64,
    /// Madras–Sokal error of `tau_m`.
    #[serde(deserialize_with = "float_or_nan")]
    pub tau_m_se: f64,
    /// $\tau_{\rm int}(m_1^2)$ in sweeps.
    #[serde(deserialize_with = "float_or_nan")]
    pub tau_m2: f64,
    /// Madras–Sokal error of `tau_m2`.
    #[serde(deserialize_with = "float_or_nan")]
    pub tau_m2_se: f64,
    /// Both τ estimates found their window, the run had ≥ 1000 τ samples and a burn-in
    /// ≥ 20 τ (`theory/finite-size-scaling.md`); false: treat `tau_*` as lower bounds.
    pub trustworthy: bool,
    /// Independent chains.
    pub chains: usize,
    /// Burn-in sweeps discarded per chain.
    pub burn_in: usize,
    /// Sweeps kept per chain after burn-in.
    pub sweeps: usize,
    /// Computed by exact enumeration (no chains; τ are NaN).
    pub exact: bool,
    /// Gelman–Rubin $\hat R$ of $m_1^2$ over the chains (kept samples):
    /// $\sqrt{((n-1)W/n + B/n)/W}$, $W$ the mean within-chain variance, $B/n$ the variance of
    /// the chain means. Near 1 when the chains sample one law; $\hat R > 1.1$ means they sit
    /// in different modes (Sokal's τ, computed within chains, cannot see that), and then
    /// `trustworthy` is false. NaN when exact (or in files written before it existed).
    #[serde(default = "nan", deserialize_with = "float_or_nan")]
    pub gelman_rubin: f64,
}

fn nan() -> f64 {
    f64::NAN
}

/// $\hat R$ above which chains are taken to disagree (the usual threshold of Gelman & Rubin's
/// diagnostic).
pub const GELMAN_RUBIN_MAX: f64 = 1.1;

impl EquilibriumRecord {
    /// Whether the chains agreed ($\hat R \le$ [`GELMAN_RUBIN_MAX`]); true when $\hat R$ is
    /// NaN (exact records, older files).
    pub fn chains_agree(&self) -> bool {
        self.gelman_rubin.is_nan() || self.gelman_rubin <= GELMAN_RUBIN_MAX
    }
}
