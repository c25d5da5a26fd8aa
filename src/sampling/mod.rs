//! Sampling: block Gibbs chains and exact enumeration for small models.
//!
//! # Conventions
//! A **sweep** is $v \to h \sim p(h\mid v) \to v' \sim p(v\mid h)$; $k$ sweeps are $k$ such pairs.
//! Chains are rows of [`ChainState`]. Random draws are made in a fixed order (layer by layer,
//! column-major within a layer), so a seed fixes every number.

pub mod exact;
mod gibbs;
mod rng;

pub use gibbs::{sample_layer, GibbsSampler, GibbsWorkspace, SAMPLE_CHUNK};
pub use rng::{batch_rng, train_rng, TrainRng, TrainStreams};

use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::DMatrix;
use rand::Rng;

/// The state of a set of Markov chains, one row per chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainState<T: Float = f64> {
    /// Visible configurations (`chains × Nv`).
    pub visible: DMatrix<T>,
    /// Hidden configurations (`chains × Nh`): the last hidden sample drawn.
    pub hidden: DMatrix<T>,
}

impl<T: Float> ChainState<T> {
    /// Chains whose visible layer is drawn from the model's conditional at zero field
    /// (uniform over {0,1} or ±1 states; N(0, 1/c) for Gaussian units); hidden layer then drawn
    /// given the visible one.
    pub fn random<V: UnitKind, H: UnitKind, R: Rng + ?Sized>(
        rbm: &Rbm<V, H, T>,
        chains: usize,
        rng: &mut R,
    ) -> Self {
        let mut visible = DMatrix::zeros(chains, rbm.n_visible());
        let unit = rbm.visible().clone();
        for x in visible.iter_mut() {
            *x = unit.sample(T::zero(), rng);
        }
        let mut hidden = DMatrix::zeros(chains, rbm.n_hidden());
        let mut fields = DMatrix::zeros(0, 0);
        rbm.hidden_fields_into(visible.as_view(), &mut fields);
        sample_layer(rbm.hidden(), &fields, &mut hidden, rng);
        ChainState { visible, hidden }
    }

    /// Chains started at the given visible rows (e.g. data), hidden drawn given them.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `visible` does not have `Nv` columns.
    pub fn from_visible<V: UnitKind, H: UnitKind, R: Rng + ?Sized>(
        rbm: &Rbm<V, H, T>,
        visible: DMatrix<T>,
        rng: &mut R,
    ) -> Result<Self> {
        if visible.ncols() != rbm.n_visible() {
            return Err(Error::shape(
                "chain visible state",
                format!("{} columns", rbm.n_visible()),
                format!("{}", visible.ncols()),
            ));
        }
        let mut hidden = DMatrix::zeros(visible.nrows(), rbm.n_hidden());
        let fields = rbm.hidden_fields(visible.as_view());
        sample_layer(rbm.hidden(), &fields, &mut hidden, rng);
        Ok(ChainState { visible, hidden })
    }

    /// Number of chains.
    pub fn n_chains(&self) -> usize {
        self.visible.nrows()
    }
}

/// Runs `sweeps` block-Gibbs sweeps on `chains` and returns the visible conditional means
/// $E[v \mid h]$ of the last hidden sample (a less noisy picture of each chain's state than
/// the visible sample itself).
///
/// # Errors
/// `sweeps = 0`; chains whose width does not match the model.
pub fn run_chains<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
    rbm: &Rbm<V, H, T>,
    chains: &mut ChainState<T>,
    sweeps: usize,
    rng: &mut R,
) -> Result<DMatrix<T>> {
    if chains.visible.ncols() != rbm.n_visible() {
        return Err(Error::shape(
            "chains",
            format!("{} visible columns", rbm.n_visible()),
            format!("{}", chains.visible.ncols()),
        ));
    }
    let sampler = GibbsSampler::new(sweeps)?;
    sampler.run(rbm, chains, &mut GibbsWorkspace::new(), rng);
    Ok(rbm.visible_means(chains.hidden.as_view()))
}
