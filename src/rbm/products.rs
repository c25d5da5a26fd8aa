//! Local fields of batches with a sparse path for {0,1} states.
//!
//! [`Fields`] borrows a model and a [`ProductWorkspace`] for as long as it is used: while it
//! lives the model cannot change (Rust borrows), so the copies of `W` it makes once, in the order
//! the sparse kernel reads them, stay exact. A batch of {0,1} states with at most
//! [`SPARSE_MAX_DENSITY`] ones takes the sparse path (sums of rows of `W`,
//! [`crate::linalg::binary`]); any other batch takes faer's GEMM, as
//! [`Rbm::hidden_fields_into`] does. Both give the same fields up to round-off (the order of the
//! additions differs).

use super::Rbm;
use crate::linalg::binary::{add_selected, BinaryRows, TiledSummands};
use crate::linalg::Float;
use crate::units::UnitKind;
use nalgebra::{DMatrix, DMatrixView};

/// Largest fraction of ones for which the sparse path is taken.
///
/// Measured crossover against GEMM at 100×784×500 f32 on the dev machine
/// (`cargo bench --bench products`, `notes/performance.md`): the sparse sums take less time
/// up to about 0.5 ones for `V W` and 0.35 for `H Wᵀ`. The hidden samples of MNIST training,
/// the left operand of `H Wᵀ`, have 42 % ones: above that crossover. A second direction would
/// also need a tiled copy of W at every update, so the threshold stays at 0.25.
pub const SPARSE_MAX_DENSITY: f64 = 0.25;

/// Reusable buffers of [`Fields`] (no allocation once they have the shapes of a run).
#[derive(Clone, Debug, Default)]
pub struct ProductWorkspace<T: Float> {
    /// W tiled for the sparse kernel, indexed by [`Layer`]: its rows (hidden fields `V W`) and
    /// its columns (visible fields `H Wᵀ`).
    tiled_w: [TiledSummands<T>; 2],
    ones: BinaryRows,
}

impl<T: Float> ProductWorkspace<T> {
    /// Empty buffers.
    pub fn new() -> Self {
        ProductWorkspace {
            tiled_w: [TiledSummands::new(), TiledSummands::new()],
            ones: BinaryRows::new(),
        }
    }
}

/// The layer whose fields a product gives.
#[derive(Clone, Copy)]
enum Layer {
    Hidden = 0,
    Visible = 1,
}

/// The field products of one (frozen) model.
pub struct Fields<'a, V: UnitKind, H: UnitKind, T: Float> {
    rbm: &'a Rbm<V, H, T>,
    workspace: &'a mut ProductWorkspace<T>,
    /// Whether `workspace.tiled_w[layer]` holds this model's W.
    ready: [bool; 2],
    max_density: f64,
}

impl<'a, V: UnitKind, H: UnitKind, T: Float> Fields<'a, V, H, T> {
    /// Products of `rbm`, with the sparse path where it applies.
    pub fn new(rbm: &'a Rbm<V, H, T>, workspace: &'a mut ProductWorkspace<T>) -> Self {
        Fields {
            rbm,
            workspace,
            ready: [false; 2],
            max_density: SPARSE_MAX_DENSITY,
        }
    }

    /// Products of `rbm` with the sparse path up to `max_density` ones (0 ≤ … ≤ 1; below 0:
    /// GEMM only), for benches and tests of the crossover.
    pub fn with_max_density(
        rbm: &'a Rbm<V, H, T>,
        workspace: &'a mut ProductWorkspace<T>,
        max_density: f64,
    ) -> Self {
        Fields {
            max_density,
            ..Fields::new(rbm, workspace)
        }
    }

    /// The model.
    pub fn rbm(&self) -> &'a Rbm<V, H, T> {
        self.rbm
    }

    /// `out ← V W + 1 bᵀ` (`B × Nh`), as [`Rbm::hidden_fields_into`].
    pub fn hidden_fields_into(&mut self, visible: DMatrixView<'_, T>, out: &mut DMatrix<T>) {
        if !self.sparse_product(Layer::Hidden, visible, out) {
            self.rbm.hidden_fields_into(visible, out);
        }
    }

    /// `out ← H Wᵀ + 1 aᵀ` (`B × Nv`), as [`Rbm::visible_fields_into`].
    pub fn visible_fields_into(&mut self, hidden: DMatrixView<'_, T>, out: &mut DMatrix<T>) {
        if !self.sparse_product(Layer::Visible, hidden, out) {
            self.rbm.visible_fields_into(hidden, out);
        }
    }

    /// The fields of layer `to` from the states of the other layer by the sparse path, when it
    /// applies (`false`: nothing done, GEMM's turn).
    fn sparse_product(
        &mut self,
        to: Layer,
        states: DMatrixView<'_, T>,
        out: &mut DMatrix<T>,
    ) -> bool {
        let rbm = self.rbm;
        let (units_of_states, bias) = match to {
            Layer::Hidden => (rbm.visible().discrete_states(), rbm.hidden_bias()),
            Layer::Visible => (rbm.hidden().discrete_states(), rbm.visible_bias()),
        };
        if !self.sparse_rows(units_of_states, states) {
            return false;
        }
        let i = to as usize;
        if !self.ready[i] {
            self.reserve_both();
            let tiled = &mut self.workspace.tiled_w[i];
            match to {
                Layer::Hidden => tiled.load_rows(rbm.weights()),
                Layer::Visible => tiled.load_columns(rbm.weights()),
            }
            self.ready[i] = true;
        }
        let ws = &*self.workspace;
        add_selected(&ws.ones, &ws.tiled_w[i], bias.as_slice(), out);
        true
    }

    /// Room for both copies of `W` at the first sparse product, so that a layer that takes the
    /// sparse path for the first time late in a run does not allocate then.
    fn reserve_both(&mut self) {
        let (nv, nh) = (self.rbm.n_visible(), self.rbm.n_hidden());
        self.workspace.tiled_w[Layer::Hidden as usize].reserve(nh, nv);
        self.workspace.tiled_w[Layer::Visible as usize].reserve(nv, nh);
    }

    /// Scans `states` when its units are {0,1}; whether the sparse path applies.
    fn sparse_rows(
        &mut self,
        states_of_unit: Option<[f64; 2]>,
        states: DMatrixView<'_, T>,
    ) -> bool {
        self.max_density >= 0.0
            && states_of_unit == Some([0.0, 1.0])
            && self
                .workspace
                .ones
                .scan_at_most(states, self.max_density)
                .is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Binary;
    use rand::{Rng, SeedableRng};

    fn model<V: UnitKind, H: UnitKind>(nv: usize, nh: usize, v: V, h: H) -> Rbm<V, H, f64> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let w = DMatrix::from_fn(nv, nh, |_, _| rng.random::<f64>() - 0.5);
        let a = nalgebra::DVector::from_fn(nv, |i, _| 0.01 * i as f64);
        let b = nalgebra::DVector::from_fn(nh, |j, _| -0.02 * j as f64);
        Rbm::new(w, a, b, v, h).unwrap()
    }

    #[test]
    fn sparse_and_dense_fields_agree_and_dense_data_falls_back() {
        // Sums of ≤ 60 terms of size ≤ 0.5 in f64: round-off only.
        const TOL: f64 = 1e-12;
        let rbm = model(60, 40, Binary, Binary);
        let mut rng = rand::rngs::StdRng::seed_from_u64(8);
        let mut ws = ProductWorkspace::new();
        for &p in &[0.05, 0.13, 0.9] {
            let v = DMatrix::from_fn(25, 60, |_, _| (rng.random::<f64>() < p) as u8 as f64);
            let h = DMatrix::from_fn(25, 40, |_, _| (rng.random::<f64>() < p) as u8 as f64);
            let mut f = Fields::new(&rbm, &mut ws);
            let (mut hf, mut vf) = (DMatrix::zeros(0, 0), DMatrix::zeros(0, 0));
            f.hidden_fields_into(v.as_view(), &mut hf);
            f.visible_fields_into(h.as_view(), &mut vf);
            assert!((hf - rbm.hidden_fields(v.as_view())).amax() < TOL);
            assert!((vf - rbm.visible_fields(h.as_view())).amax() < TOL);
        }
        // Grey levels are not {0,1}: GEMM, identical to the reference.
        let grey = DMatrix::from_fn(5, 60, |i, j| ((i + j) % 3) as f64 / 2.0);
        let mut out = DMatrix::zeros(0, 0);
        Fields::new(&rbm, &mut ws).hidden_fields_into(grey.as_view(), &mut out);
        assert_eq!(out, rbm.hidden_fields(grey.as_view()));
    }
}
