//! The validation cases, one file each, and the helpers they share.

mod ais;
mod cw_binary_hidden;
mod cw_binary_hidden_report;
mod cw_gaussian;
mod exact_gradient_fd;
mod fss_cw;
mod fss_data;
mod gibbs_chi2;
mod linear_svd_ode;
mod mean_field;
mod mnist_emf;
mod mnist_samples;
mod mnist_spectrum;
mod pcd_likelihood;
mod precision;
mod spectrum_init;
mod spectrum_planted;
mod two_patterns;
mod two_patterns_training;

pub use ais::{AisBracketRandomModels, AisFixtureB};
pub use cw_binary_hidden_report::{CwBinaryHiddenAlpha, CwBinaryHiddenAlphaFull};
pub use cw_gaussian::{CwGaussianExactTraining, CwGaussianPcdTraining};
pub use exact_gradient_fd::ExactGradientFiniteDifferences;
pub use fss_cw::{FssCwGaussian, FssCwGaussianFull, FssCwIsingHidden, FssCwIsingHiddenFull};
pub use fss_data::{
    GenomeLearningTransition, GenomeLearningTransitionSymmetric, MnistLearningTransition,
    MnistLearningTransitionSymmetric,
};
pub use gibbs_chi2::GibbsChiSquare;
pub use linear_svd_ode::{LinearSvdOdeMnist, LinearSvdOdePlanted};
pub use mean_field::{MeanFieldErrorOrders, TapDivergenceReported, TapFixedPoints};
pub use mnist_emf::MnistPcdVersusEmf;
pub use mnist_samples::MnistPcdSamples;
pub use mnist_spectrum::{
    MnistBulkShrinks, MnistCutoffSlows, MnistModesFollowPca, MnistOutlierHierarchy,
    MnistReconstructionTopModes, MnistZeroBiasMeanMode,
};
pub use pcd_likelihood::PcdRaisesLikelihood;
pub use precision::F32MatchesF64;
pub use spectrum_init::SpectrumInitMarchenkoPastur;
pub use spectrum_planted::PlantedModesLearnt;
pub use two_patterns::TwoPatternsPhaseDiagram;
pub use two_patterns_training::{TwoPatternsTraining, TwoPatternsTrainingFull};

/// Every validation case, in report order: a new case is its file, its `mod` line above and one
/// line here (`Box::new(<case>::<Type>)`).
pub fn all() -> Vec<Box<dyn ValidationCase>> {
    vec![
        Box::new(GibbsChiSquare),
        Box::new(ExactGradientFiniteDifferences),
        Box::new(PcdRaisesLikelihood),
        Box::new(TapFixedPoints),
        Box::new(MeanFieldErrorOrders),
        Box::new(TapDivergenceReported),
        Box::new(AisFixtureB),
        Box::new(AisBracketRandomModels),
        Box::new(SpectrumInitMarchenkoPastur),
        Box::new(PlantedModesLearnt),
        Box::new(TwoPatternsPhaseDiagram),
        Box::new(CwGaussianExactTraining),
        Box::new(CwGaussianPcdTraining),
        Box::new(F32MatchesF64),
        Box::new(CwBinaryHiddenAlpha),
        Box::new(CwBinaryHiddenAlphaFull),
        Box::new(FssCwGaussian),
        Box::new(FssCwGaussianFull),
        Box::new(FssCwIsingHidden),
        Box::new(FssCwIsingHiddenFull),
        Box::new(LinearSvdOdePlanted),
        Box::new(LinearSvdOdeMnist),
        Box::new(TwoPatternsTraining),
        Box::new(TwoPatternsTrainingFull),
        Box::new(MnistPcdSamples),
        Box::new(MnistPcdVersusEmf),
        Box::new(MnistModesFollowPca),
        Box::new(MnistOutlierHierarchy),
        Box::new(MnistBulkShrinks),
        Box::new(MnistCutoffSlows),
        Box::new(MnistReconstructionTopModes),
        Box::new(MnistZeroBiasMeanMode),
        Box::new(MnistLearningTransition),
        Box::new(GenomeLearningTransition),
        Box::new(MnistLearningTransitionSymmetric),
        Box::new(GenomeLearningTransitionSymmetric),
    ]
}

use crate::error::Result;
use crate::rbm::Rbm;
use crate::sampling::exact::Enumeration;
use crate::units::UnitKind;
use crate::validation::ValidationCase;
use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// The data root holding MNIST, or the skipped outcome that says why there is none.
pub(crate) fn mnist_root(
    ctx: &crate::validation::ValidationContext,
) -> std::result::Result<std::path::PathBuf, Box<crate::validation::CaseOutcome>> {
    use crate::validation::CaseOutcome;
    let Some(root) = ctx.data_root.clone() else {
        return Err(Box::new(CaseOutcome::skipped(
            "MNIST not found (no --data, RBMDYN_DATA or ../shared/data)",
        )));
    };
    if !crate::data::mnist_available(Some(&root)) {
        return Err(Box::new(CaseOutcome::skipped(format!(
            "MNIST not found under {}",
            root.display()
        ))));
    }
    Ok(root)
}

/// The 3×2 fixture of `theory/rbm-basics.md`.
pub(crate) fn fixture_3x2<V: UnitKind, H: UnitKind>(v: V, h: H) -> Result<Rbm<V, H, f64>> {
    Rbm::new(
        DMatrix::from_row_slice(3, 2, &[0.5, -0.3, 0.2, 0.8, -0.6, 0.1]),
        DVector::from_vec(vec![0.1, -0.2, 0.3]),
        DVector::from_vec(vec![-0.1, 0.2]),
        v,
        h,
    )
}

/// Fixture B of `theory/likelihood.md` (8×5): $W_{ij} = \varepsilon \sin(1+3i+7j)$,
/// $a_i = 0.3\cos(1+i)$, $b_j = 0.2\sin(2+j)$.
pub(crate) fn fixture_b<V: UnitKind, H: UnitKind>(eps: f64, v: V, h: H) -> Result<Rbm<V, H, f64>> {
    Rbm::new(
        DMatrix::from_fn(8, 5, |i, j| {
            eps * (1.0 + 3.0 * i as f64 + 7.0 * j as f64).sin()
        }),
        DVector::from_fn(8, |i, _| 0.3 * (1.0 + i as f64).cos()),
        DVector::from_fn(5, |j, _| 0.2 * (2.0 + j as f64).sin()),
        v,
        h,
    )
}

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
