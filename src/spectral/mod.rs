//! Spectral picture of the weights (`theory/spectral.md`): the Marchenko–Pastur bulk of a
//! random W, the outliers that leave it, their alignment with the data's principal axes, and
//! the analysis of a run's spectrum over time.

pub mod alignment;
pub mod dynamics;
pub mod fit;
pub mod marchenko_pastur;
pub mod reconstruction;
pub mod svd;

pub use alignment::{mean_overlap, overlap_matrix, subspace_overlap, PrincipalAxes};
pub use fit::{
    finite_size_margin, fit_marchenko_pastur, kolmogorov_p_value, kolmogorov_smirnov, FitOptions,
    MarchenkoPasturFit,
};
pub use marchenko_pastur::{singular_value_edges, spike_outlier, spike_threshold, MarchenkoPastur};
pub use svd::WeightSpectrum;
