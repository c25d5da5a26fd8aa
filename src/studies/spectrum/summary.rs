//! The numbers of `rbmdyn spectrum` (written as `spectrum.json`), shared by the analysis
//! ([`super::spectrum_report`]) and its figures.

use crate::error::Result;
use crate::spectral::dynamics::{Hierarchy, SpectrumPoint, StoppingSignal};
use crate::spectral::reconstruction::ReconstructionStudy;
use nalgebra::DMatrix;
use serde::Serialize;

/// Overlaps with the data's principal axes at one save.
#[derive(Clone, Debug, Serialize)]
pub struct AlignmentPoint {
    /// Update step.
    pub step: u64,
    /// Training time in epochs.
    pub epoch: f64,
    /// $\|U_5^\top E_5\|_F^2/5$ (1: same subspace; random: 5/N).
    pub subspace_overlap_5: f64,
    /// $\|U_{10}^\top E_{10}\|_F^2/10$.
    pub subspace_overlap_10: f64,
    /// $|u_\alpha\cdot e_\alpha|$, $\alpha = 1..5$.
    pub diagonal_overlaps: Vec<f64>,
    /// $|u_1\cdot\widehat{(\bar x - c)}|$: the first mode against the mean image measured from
    /// the paramagnetic point $c$ ($c = 1/2$ for {0,1} units, $0$ for ±1), i.e. the mean
    /// magnetisation in ±1 language, the direction the first-order gradient of a model with zero
    /// fields pushes W along (see `notes/spectral.md`).
    pub first_mode_mean_overlap: f64,
    /// $|u_1\cdot\hat{\bar x}|$ against the raw mean image (for {0,1} data it differs from the
    /// above by the constant image).
    pub first_mode_raw_mean_overlap: f64,
}

/// Everything `rbmdyn spectrum` measured (written as `spectrum.json`).
#[derive(Clone, Debug, Serialize)]
pub struct SpectrumSummary {
    /// The run directory or model file analysed.
    pub input: String,
    /// `(Nv, Nh)`.
    pub shape: (usize, usize),
    /// Update steps per epoch used to convert steps to epochs.
    pub steps_per_epoch: f64,
    /// Per save: outliers, fitted bulk, KS, cutoff, T_eff, top values.
    pub points: Vec<SpectrumPoint>,
    /// The cutoff's growth and the stopping signal.
    pub stopping: StoppingSignal,
    /// The hierarchy check (runs only).
    pub hierarchy: Option<Hierarchy>,
    /// Overlaps with the data's principal axes per save (when the data are available).
    pub alignment: Vec<AlignmentPoint>,
    /// Variances of the data along its first principal axes.
    pub data_variances: Vec<f64>,
    /// Reconstructions from the top modes (when the data are available).
    pub reconstruction: Option<ReconstructionStudy>,
    /// Why the data-dependent parts were skipped, if they were.
    pub data_skipped: Option<String>,
    /// Figures written, relative to the output directory.
    pub figures: Vec<String>,
}

/// For the heat map: a closure-free accessor of the left vectors at a step.
pub(crate) type LeftAt<'a> = Box<dyn Fn(u64) -> Result<DMatrix<f64>> + 'a>;
