//! Spectral picture of the weights (`theory/spectral.md`): the Marchenko–Pastur bulk of a
//! random W and the outliers that leave it.

pub mod marchenko_pastur;
pub mod svd;

pub use marchenko_pastur::{singular_value_edges, spike_outlier, spike_threshold, MarchenkoPastur};
pub use svd::WeightSpectrum;
