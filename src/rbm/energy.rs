//! Energy, clamped free energy and local fields.
//!
//! # Conventions
//! Local fields $x^h_j(v) = b_j + \sum_i v_i W_{ij}$ and $x^v_i(h) = a_i + \sum_j W_{ij} h_j$,
//! computed for a batch (one row per configuration) with one GEMM. Clamped free energy
//! $F(v) = -a^\top v + \sum_i U_V(v_i) - \sum_j \phi_H(x^h_j(v))$, so that $p(v) = e^{-F(v)}/Z$.

use super::Rbm;
use crate::error::{Error, Result};
use crate::linalg::{gemm, Float, Op};
use crate::units::UnitKind;
use nalgebra::{DMatrix, DMatrixView, DVector, DVectorView};

/// Adds `bias[j]` to every entry of column `j` (the row-broadcast of a bias over a batch).
pub fn add_row_broadcast<T: Float>(m: &mut DMatrix<T>, bias: &DVector<T>) {
    let rows = m.nrows();
    if rows == 0 {
        return;
    }
    for (col, &b) in m.as_mut_slice().chunks_exact_mut(rows).zip(bias.iter()) {
        for x in col {
            *x += b;
        }
    }
}

impl<V: UnitKind, H: UnitKind, T: Float> Rbm<V, H, T> {
    /// Hidden local fields of a batch of visible rows: `out ← V W + 1 bᵀ` (`B × Nh`).
    ///
    /// `out` is resized if needed (no allocation when it already has the right shape).
    pub fn hidden_fields_into(&self, visible: DMatrixView<'_, T>, out: &mut DMatrix<T>) {
        let shape = (visible.nrows(), self.n_hidden());
        if out.shape() != shape {
            *out = DMatrix::zeros(shape.0, shape.1);
        }
        gemm(
            out,
            false,
            T::one(),
            visible,
            Op::N,
            self.weights.as_view(),
            Op::N,
        );
        add_row_broadcast(out, &self.hidden_bias);
    }

    /// Visible local fields of a batch of hidden rows: `out ← H Wᵀ + 1 aᵀ` (`B × Nv`).
    pub fn visible_fields_into(&self, hidden: DMatrixView<'_, T>, out: &mut DMatrix<T>) {
        let shape = (hidden.nrows(), self.n_visible());
        if out.shape() != shape {
            *out = DMatrix::zeros(shape.0, shape.1);
        }
        gemm(
            out,
            false,
            T::one(),
            hidden,
            Op::N,
            self.weights.as_view(),
            Op::T,
        );
        add_row_broadcast(out, &self.visible_bias);
    }

    /// Hidden local fields of a batch (allocating).
    pub fn hidden_fields(&self, visible: DMatrixView<'_, T>) -> DMatrix<T> {
        let mut out = DMatrix::zeros(0, 0);
        self.hidden_fields_into(visible, &mut out);
        out
    }

    /// Visible local fields of a batch (allocating).
    pub fn visible_fields(&self, hidden: DMatrixView<'_, T>) -> DMatrix<T> {
        let mut out = DMatrix::zeros(0, 0);
        self.visible_fields_into(hidden, &mut out);
        out
    }

    /// $E[h \mid v]$ for each row of `visible`: the hidden magnetisations.
    pub fn hidden_means(&self, visible: DMatrixView<'_, T>) -> DMatrix<T> {
        let mut x = self.hidden_fields(visible);
        let hidden = self.hidden.clone();
        x.apply(|f| *f = hidden.mean(*f));
        x
    }

    /// $E[v \mid h]$ for each row of `hidden`.
    pub fn visible_means(&self, hidden: DMatrixView<'_, T>) -> DMatrix<T> {
        let mut x = self.visible_fields(hidden);
        let visible = self.visible.clone();
        x.apply(|f| *f = visible.mean(*f));
        x
    }

    /// Energy $E(v,h)$ of one configuration, accumulated in `f64`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the lengths do not match the model.
    pub fn energy(&self, visible: DVectorView<'_, T>, hidden: DVectorView<'_, T>) -> Result<f64> {
        if visible.len() != self.n_visible() || hidden.len() != self.n_hidden() {
            return Err(Error::shape(
                "energy(v, h)",
                format!("({}, {})", self.n_visible(), self.n_hidden()),
                format!("({}, {})", visible.len(), hidden.len()),
            ));
        }
        let mut e = 0.0;
        for j in 0..self.n_hidden() {
            let hj = hidden[j].as_f64();
            let mut s = 0.0;
            for i in 0..self.n_visible() {
                s += visible[i].as_f64() * self.weights[(i, j)].as_f64();
            }
            e -= s * hj + self.hidden_bias[j].as_f64() * hj;
            e += self.hidden.self_energy(hj);
        }
        for i in 0..self.n_visible() {
            let vi = visible[i].as_f64();
            e -= self.visible_bias[i].as_f64() * vi;
            e += self.visible.self_energy(vi);
        }
        Ok(e)
    }

    /// Clamped free energy $F(v)$ of each row of `visible`, in `f64`.
    ///
    /// Stable at any local field (uses the units' stable log-partitions).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `visible` does not have `Nv` columns.
    pub fn free_energy(&self, visible: DMatrixView<'_, T>) -> Result<DVector<f64>> {
        if visible.ncols() != self.n_visible() {
            return Err(Error::shape(
                "free_energy: columns of the visible batch",
                format!("{}", self.n_visible()),
                format!("{}", visible.ncols()),
            ));
        }
        let x = self.hidden_fields(visible);
        let mut out = DVector::zeros(visible.nrows());
        for (r, f) in out.iter_mut().enumerate() {
            let mut acc = 0.0;
            for i in 0..self.n_visible() {
                let vi = visible[(r, i)].as_f64();
                acc += -self.visible_bias[i].as_f64() * vi + self.visible.self_energy(vi);
            }
            for j in 0..self.n_hidden() {
                acc -= self.hidden.log_partition(x[(r, j)]).as_f64();
            }
            *f = acc;
        }
        Ok(out)
    }
}
