//! The restricted Boltzmann machine: weights, biases and unit kinds, with checked shapes.
//!
//! # Conventions
//! $E(v,h) = -v^\top W h - a^\top v - b^\top h + \sum_i U_V(v_i) + \sum_j U_H(h_j)$ with
//! `W` of shape `Nv × Nh`, visible bias `a` (length `Nv`) and hidden bias `b` (length `Nh`).

mod energy;
pub use energy::add_row_broadcast;
pub mod init;
pub mod products;
pub use products::{Fields, ProductWorkspace};

use crate::error::{Error, Result};
use crate::linalg::{cast_matrix, cast_vector, Float};
use crate::units::{AnyUnit, UnitKind};
use nalgebra::{DMatrix, DVector};

/// An RBM with visible units of kind `V`, hidden units of kind `H` and parameters in `T`.
///
/// Only an optimiser (or a constructor) changes the parameters; the fields are private so that
/// shapes and finiteness stay checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Rbm<V: UnitKind, H: UnitKind, T: Float = f64> {
    weights: DMatrix<T>,
    visible_bias: DVector<T>,
    hidden_bias: DVector<T>,
    visible: V,
    hidden: H,
}

/// An RBM whose unit kinds are chosen at run time (model files, CLI).
pub type AnyRbm<T = f64> = Rbm<AnyUnit, AnyUnit, T>;

impl<V: UnitKind, H: UnitKind, T: Float> Rbm<V, H, T> {
    /// Builds an RBM from its parts.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the biases do not fit `weights` (`Nv × Nh`), and
    /// [`Error::NonFinite`] if any parameter is NaN or infinite.
    pub fn new(
        weights: DMatrix<T>,
        visible_bias: DVector<T>,
        hidden_bias: DVector<T>,
        visible: V,
        hidden: H,
    ) -> Result<Self> {
        let (nv, nh) = weights.shape();
        if visible_bias.len() != nv {
            return Err(Error::shape(
                "visible bias",
                format!("{nv}"),
                format!("{}", visible_bias.len()),
            ));
        }
        if hidden_bias.len() != nh {
            return Err(Error::shape(
                "hidden bias",
                format!("{nh}"),
                format!("{}", hidden_bias.len()),
            ));
        }
        let rbm = Rbm {
            weights,
            visible_bias,
            hidden_bias,
            visible,
            hidden,
        };
        rbm.check_finite()?;
        Ok(rbm)
    }

    /// An RBM with all parameters zero.
    pub fn zeros(n_visible: usize, n_hidden: usize, visible: V, hidden: H) -> Self {
        Rbm {
            weights: DMatrix::zeros(n_visible, n_hidden),
            visible_bias: DVector::zeros(n_visible),
            hidden_bias: DVector::zeros(n_hidden),
            visible,
            hidden,
        }
    }

    /// Checks that every parameter is finite.
    ///
    /// # Errors
    /// [`Error::NonFinite`] naming the first non-finite parameter.
    pub fn check_finite(&self) -> Result<()> {
        let check = |name: &str, xs: &[T]| -> Result<()> {
            if let Some(i) = xs.iter().position(|x| !x.is_finite()) {
                return Err(Error::NonFinite(format!("{name}[{i}] = {}", xs[i])));
            }
            Ok(())
        };
        check(
            "weight_matrix (column-major index)",
            self.weights.as_slice(),
        )?;
        check("vbias", self.visible_bias.as_slice())?;
        check("hbias", self.hidden_bias.as_slice())
    }

    /// Number of visible units `Nv`.
    pub fn n_visible(&self) -> usize {
        self.weights.nrows()
    }
    /// Number of hidden units `Nh`.
    pub fn n_hidden(&self) -> usize {
        self.weights.ncols()
    }
    /// The weights `W` (`Nv × Nh`).
    pub fn weights(&self) -> &DMatrix<T> {
        &self.weights
    }
    /// The visible bias `a`.
    pub fn visible_bias(&self) -> &DVector<T> {
        &self.visible_bias
    }
    /// The hidden bias `b`.
    pub fn hidden_bias(&self) -> &DVector<T> {
        &self.hidden_bias
    }
    /// The visible unit kind.
    pub fn visible(&self) -> &V {
        &self.visible
    }
    /// The hidden unit kind.
    pub fn hidden(&self) -> &H {
        &self.hidden
    }

    /// Mutable access to all parameters at once, for optimisers: `(W, a, b)`.
    ///
    /// Callers keep shapes unchanged (nalgebra would let them resize; don't).
    pub fn parameters_mut(&mut self) -> (&mut DMatrix<T>, &mut DVector<T>, &mut DVector<T>) {
        (
            &mut self.weights,
            &mut self.visible_bias,
            &mut self.hidden_bias,
        )
    }

    /// The same model with parameters converted to another float type.
    pub fn cast<U: Float>(&self) -> Rbm<V, H, U> {
        Rbm {
            weights: cast_matrix(&self.weights),
            visible_bias: cast_vector(&self.visible_bias),
            hidden_bias: cast_vector(&self.hidden_bias),
            visible: self.visible.clone(),
            hidden: self.hidden.clone(),
        }
    }

    /// The same model with unit kinds erased to [`AnyUnit`].
    pub fn to_any(&self) -> AnyRbm<T> {
        Rbm {
            weights: self.weights.clone(),
            visible_bias: self.visible_bias.clone(),
            hidden_bias: self.hidden_bias.clone(),
            visible: self.visible.to_any(),
            hidden: self.hidden.to_any(),
        }
    }

    /// The same parameters with other unit kinds (e.g. to read a {0,1} model as ±1).
    pub fn with_units<V2: UnitKind, H2: UnitKind>(
        &self,
        visible: V2,
        hidden: H2,
    ) -> Rbm<V2, H2, T> {
        Rbm {
            weights: self.weights.clone(),
            visible_bias: self.visible_bias.clone(),
            hidden_bias: self.hidden_bias.clone(),
            visible,
            hidden,
        }
    }
}
