//! The singular value decomposition of the weight matrix.

use crate::error::Result;
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::DMatrix;

/// $W = U \Sigma V^\top$ of an RBM's `Nv × Nh` weights, in f64: singular values descending,
/// `left` (`Nv × k`) and `right` (`Nh × k`) with orthonormal columns, $k = \min(N_v, N_h)$.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightSpectrum {
    /// $\sigma_1 \ge \sigma_2 \ge \dots \ge 0$.
    pub singular_values: Vec<f64>,
    /// Left singular vectors $u_\alpha$ (visible space), one per column.
    pub left: DMatrix<f64>,
    /// Right singular vectors $v_\alpha$ (hidden space), one per column.
    pub right: DMatrix<f64>,
}

impl WeightSpectrum {
    /// The full thin SVD of `rbm`'s weights.
    ///
    /// # Errors
    /// The SVD does not converge (it cannot for finite weights, which `Rbm` guarantees).
    pub fn of<V: UnitKind, H: UnitKind, T: Float>(rbm: &Rbm<V, H, T>) -> Result<Self> {
        let w = rbm.weights().map(|x| x.as_f64());
        let (left, singular_values, right) = crate::linalg::thin_svd(&w)?;
        Ok(WeightSpectrum {
            singular_values,
            left,
            right,
        })
    }

    /// Singular values only (cheaper: no vectors).
    ///
    /// # Errors
    /// As [`WeightSpectrum::of`].
    pub fn values_of<V: UnitKind, H: UnitKind, T: Float>(rbm: &Rbm<V, H, T>) -> Result<Vec<f64>> {
        crate::linalg::singular_values(&rbm.weights().map(|x| x.as_f64()))
    }

    /// $U \Sigma V^\top$ restricted to the first `modes` modes.
    pub fn reconstruct(&self, modes: usize) -> DMatrix<f64> {
        let k = modes.min(self.singular_values.len());
        let mut out = DMatrix::zeros(self.left.nrows(), self.right.nrows());
        for a in 0..k {
            out += self.singular_values[a] * self.left.column(a) * self.right.column(a).transpose();
        }
        out
    }
}
