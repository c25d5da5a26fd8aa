//! Initialisers for RBM parameters.

use super::Rbm;
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::units::UnitKind;
use nalgebra::{DMatrix, DMatrixView, DVector};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Default clipping of data frequencies before taking logits (keeps biases finite when a
/// pixel is always 0 or always 1).
pub const DEFAULT_FREQUENCY_CLIP: f64 = 1e-3;

/// How to initialise the weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WeightInit {
    /// All zero.
    Zero,
    /// iid $\mathcal N(0, \mathrm{std}^2)$ entries (Fissore 2017: std = 0.01).
    Gaussian {
        /// Standard deviation of each entry.
        std: f64,
    },
}

/// How to initialise the visible bias.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VisibleBiasInit {
    /// All zero.
    Zero,
    /// From data frequencies (Fissore 2017 eq. 19): $a_i = \ln(p_i/(1-p_i))$ for {0,1} units
    /// and $a_i = \operatorname{atanh}(\langle s_i\rangle)$ for ±1 units, with the frequency
    /// $p_i$ clipped to $[\epsilon, 1-\epsilon]$.
    FromData {
        /// The clip $\epsilon$.
        clip: f64,
    },
}

/// Draws `Nv × Nh` iid normal weights of standard deviation `std`.
///
/// # Errors
/// `std` must be finite and ≥ 0.
pub fn gaussian_weights<T: Float, R: Rng + ?Sized>(
    n_visible: usize,
    n_hidden: usize,
    std: f64,
    rng: &mut R,
) -> Result<DMatrix<T>> {
    if !(std.is_finite() && std >= 0.0) {
        return Err(Error::invalid("weight std", std, "must be finite and >= 0"));
    }
    // Column-major fill order: reproducible for a given seed.
    Ok(DMatrix::from_fn(n_visible, n_hidden, |_, _| {
        let z: f64 = StandardNormal.sample(rng);
        T::of(std * z)
    }))
}

/// Visible bias from data frequencies (see [`VisibleBiasInit::FromData`]).
///
/// `data` has one row per sample, entries in {0,1} (`ising = false`) or ±1 (`ising = true`).
///
/// # Errors
/// `clip` must lie in (0, 0.5).
pub fn visible_bias_from_data(
    data: DMatrixView<'_, f64>,
    ising: bool,
    clip: f64,
) -> Result<DVector<f64>> {
    if !(clip > 0.0 && clip < 0.5) {
        return Err(Error::invalid(
            "frequency clip",
            clip,
            "must lie in (0, 0.5)",
        ));
    }
    let n = data.nrows().max(1) as f64;
    Ok(DVector::from_fn(data.ncols(), |i, _| {
        let mean = data.column(i).sum() / n;
        let p = if ising { (1.0 + mean) / 2.0 } else { mean };
        let p = p.clamp(clip, 1.0 - clip);
        let logit = (p / (1.0 - p)).ln();
        // ±1 units: <s> = tanh(a) = 2p − 1 ⇒ a = atanh(2p − 1) = logit/2.
        if ising {
            0.5 * logit
        } else {
            logit
        }
    }))
}

/// Builds an RBM: weights per `weights`, visible bias per `visible_bias` (needs `data` for
/// [`VisibleBiasInit::FromData`]), hidden bias zero.
///
/// # Errors
/// Invalid std or clip; `FromData` without data; data with the wrong number of columns.
#[allow(clippy::too_many_arguments)]
pub fn initialise<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
    n_visible: usize,
    n_hidden: usize,
    visible: V,
    hidden: H,
    weights: WeightInit,
    visible_bias: VisibleBiasInit,
    data: Option<DMatrixView<'_, f64>>,
    rng: &mut R,
) -> Result<Rbm<V, H, T>> {
    if n_visible == 0 || n_hidden == 0 {
        return Err(Error::invalid(
            "model size",
            format!("{n_visible}x{n_hidden}"),
            "both layers need at least one unit",
        ));
    }
    let w = match weights {
        WeightInit::Zero => DMatrix::zeros(n_visible, n_hidden),
        WeightInit::Gaussian { std } => gaussian_weights(n_visible, n_hidden, std, rng)?,
    };
    let a = match visible_bias {
        VisibleBiasInit::Zero => DVector::zeros(n_visible),
        VisibleBiasInit::FromData { clip } => {
            let data = data.ok_or_else(|| {
                Error::invalid("visible bias init", "from-data", "needs a dataset")
            })?;
            if data.ncols() != n_visible {
                return Err(Error::shape(
                    "data for the visible bias",
                    format!("{n_visible} columns"),
                    format!("{}", data.ncols()),
                ));
            }
            let ising = visible.discrete_states() == Some([-1.0, 1.0]);
            visible_bias_from_data(data, ising, clip)?.map(T::of)
        }
    };
    Rbm::new(w, a, DVector::zeros(n_hidden), visible, hidden)
}
