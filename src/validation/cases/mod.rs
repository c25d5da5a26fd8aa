//! The validation cases, one file each, and the helpers they share.

mod exact_gradient_fd;
mod gibbs_chi2;
mod mnist_samples;
mod pcd_likelihood;

pub use exact_gradient_fd::ExactGradientFiniteDifferences;
pub use gibbs_chi2::GibbsChiSquare;
pub use mnist_samples::MnistPcdSamples;
pub use pcd_likelihood::PcdRaisesLikelihood;

use crate::error::Result;
use crate::rbm::Rbm;
use crate::sampling::exact::Enumeration;
use crate::units::UnitKind;
use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// A model with iid $\mathcal N(0, s_W^2)$ weights and $\mathcal N(0, s_b^2)$ biases.
pub(crate) fn random_model<V: UnitKind, H: UnitKind, R: Rng + ?Sized>(
    shape: (usize, usize),
    weight_std: f64,
    bias_std: f64,
    units: (V, H),
    rng: &mut R,
) -> Result<Rbm<V, H, f64>> {
    let (nv, nh) = shape;
    let mut g = |s: f64| -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        s * z
    };
    let w = DMatrix::from_fn(nv, nh, |_, _| g(weight_std));
    let a = DVector::from_fn(nv, |_, _| g(bias_std));
    let b = DVector::from_fn(nh, |_, _| g(bias_std));
    Rbm::new(w, a, b, units.0, units.1)
}

/// `n` exact samples of the visible layer of a small model (by enumeration).
pub(crate) fn exact_visible_samples<V: UnitKind, H: UnitKind, R: Rng + ?Sized>(
    teacher: &Rbm<V, H, f64>,
    n: usize,
    rng: &mut R,
) -> Result<DMatrix<f64>> {
    Ok(Enumeration::new(teacher)?.samples(teacher, n, rng).visible)
}
