//! Reconstruction of data from the top modes of W (Fissore 2017 §III, Fig. 6: "just the 100
//! strongest modes are retained … the remaining modes encode boundary corrections").
//!
//! # Definitions
//! The rank-$k$ model keeps the biases and replaces $W$ by $W_k = \sum_{\alpha\le k}
//! \sigma_\alpha u_\alpha v_\alpha^\top$. The reconstruction of a sample $v$ is one mean-field
//! pass $r_k(v) = E[v \mid h = E[h\mid v]]$ under the rank-$k$ model; $r(v)$ is that of the
//! full model. For each $k$ the study reports the mean $|r_k - r|$ per unit over the samples,
//! and, for image data, the share of that difference carried by **boundary pixels**: pixels of
//! the sample whose state differs from at least one of their 4 neighbours. If the discarded
//! modes encode boundary corrections, that share exceeds the fraction of boundary pixels.

use crate::error::Result;
use crate::rbm::{AnyRbm, Rbm};
use crate::units::UnitKind;
use nalgebra::DMatrix;
use serde::Serialize;

/// Samples used for the averages of [`reconstruction_study`].
pub const RECONSTRUCTION_SAMPLES: usize = 500;
/// Samples drawn in the figure.
pub const FIGURE_SAMPLES: usize = 8;

/// The numbers (and images) of the reconstruction study.
#[derive(Clone, Debug, Serialize)]
pub struct ReconstructionStudy {
    /// The ranks $k$ studied.
    pub ranks: Vec<usize>,
    /// Mean $|r_k(v) - r(v)|$ per unit, per rank.
    pub mean_abs_difference: Vec<f64>,
    /// Mean $|r_k(v) - v|$ per unit, per rank (reconstruction error against the data).
    pub mean_abs_error: Vec<f64>,
    /// Mean $|r(v) - v|$ of the full model.
    pub full_mean_abs_error: f64,
    /// Share of $\sum|r_k - r|$ on boundary pixels, per rank (image data; else empty).
    pub boundary_share: Vec<f64>,
    /// Fraction of pixels that are boundary pixels (image data).
    pub boundary_pixel_fraction: Option<f64>,
    /// Figure rows: the samples, the full reconstruction, then the `figure_ranks`.
    #[serde(skip)]
    pub images: Vec<Vec<f64>>,
    /// Images per row of the figure.
    #[serde(skip)]
    pub images_per_row: usize,
    /// Ranks drawn in the figure (after the samples and the full reconstruction).
    pub figure_ranks: Vec<usize>,
}

/// The study on the first [`RECONSTRUCTION_SAMPLES`] rows of `data` ({0,1} or ±1 samples of
/// the model's visible units); `cutoff` (the rank-plot cutoff) is added to the ranks.
///
/// # Errors
/// The SVD fails (non-finite weights).
pub fn reconstruction_study(
    model: &AnyRbm<f64>,
    data: &DMatrix<f64>,
    cutoff: Option<usize>,
    image_shape: Option<(usize, usize)>,
) -> Result<ReconstructionStudy> {
    let n = model.n_visible().min(model.n_hidden());
    let mut ranks: Vec<usize> = [1, 2, 5, 10, 20, 50, 100, 200]
        .into_iter()
        .filter(|&k| k < n)
        .collect();
    if let Some(c) = cutoff.filter(|&c| c < n) {
        ranks.push(c);
    }
    ranks.sort_unstable();
    ranks.dedup();
    let m = data.nrows().min(RECONSTRUCTION_SAMPLES);
    let v = data.rows(0, m).clone_owned();
    let (left, values, right) = crate::linalg::thin_svd(model.weights())?;
    let reconstruct = |w: DMatrix<f64>| -> Result<DMatrix<f64>> {
        let r = Rbm::new(
            w,
            model.visible_bias().clone(),
            model.hidden_bias().clone(),
            *model.visible(),
            *model.hidden(),
        )?;
        let h = r.hidden_means(v.as_view());
        Ok(r.visible_means(h.as_view()))
    };
    let full = reconstruct(model.weights().clone())?;
    let boundary = image_shape.map(|shape| boundary_mask(&v, shape));
    let mean_abs = |a: &DMatrix<f64>, b: &DMatrix<f64>| (a - b).abs().mean();
    let mut study = ReconstructionStudy {
        ranks: ranks.clone(),
        mean_abs_difference: Vec::new(),
        mean_abs_error: Vec::new(),
        full_mean_abs_error: mean_abs(&full, &v),
        boundary_share: Vec::new(),
        boundary_pixel_fraction: boundary
            .as_ref()
            .map(|b| b.iter().filter(|&&x| x).count() as f64 / b.len().max(1) as f64),
        images: Vec::new(),
        images_per_row: FIGURE_SAMPLES.min(m),
        figure_ranks: Vec::new(),
    };
    let figure_ranks: Vec<usize> = ranks
        .iter()
        .copied()
        .filter(|&k| [10, 20, 100].contains(&k) || Some(k) == cutoff)
        .collect();
    let shown = FIGURE_SAMPLES.min(m);
    let level = |x: f64| {
        if model.visible().name() == "ising" {
            0.5 * (x + 1.0)
        } else {
            x
        }
    };
    let row_images = |mat: &DMatrix<f64>| -> Vec<Vec<f64>> {
        (0..shown)
            .map(|r| mat.row(r).iter().map(|&x| level(x)).collect())
            .collect()
    };
    study.images.extend(row_images(&v));
    study.images.extend(row_images(&full));
    for &k in &ranks {
        let mut w = DMatrix::zeros(model.n_visible(), model.n_hidden());
        for (a, &value) in values.iter().enumerate().take(k) {
            w += value * left.column(a) * right.column(a).transpose();
        }
        let rk = reconstruct(w)?;
        study.mean_abs_difference.push(mean_abs(&rk, &full));
        study.mean_abs_error.push(mean_abs(&rk, &v));
        if let Some(mask) = &boundary {
            let diff = (&rk - &full).abs();
            let total: f64 = diff.iter().sum();
            let on: f64 = diff
                .iter()
                .zip(mask.iter())
                .filter(|(_, &b)| b)
                .map(|(d, _)| d)
                .sum();
            study
                .boundary_share
                .push(if total > 0.0 { on / total } else { f64::NAN });
        }
        if figure_ranks.contains(&k) {
            study.images.extend(row_images(&rk));
        }
    }
    study.figure_ranks = figure_ranks;
    Ok(study)
}

/// `mask[(r, i)]`: pixel `i` of sample `r` differs from one of its 4 neighbours.
#[allow(clippy::float_cmp)] // compares exact unit states
fn boundary_mask(v: &DMatrix<f64>, (rows, cols): (usize, usize)) -> DMatrix<bool> {
    DMatrix::from_fn(v.nrows(), v.ncols(), |r, i| {
        let (y, x) = (i / cols, i % cols);
        let me = v[(r, i)];
        let mut neighbours = Vec::with_capacity(4);
        if y > 0 {
            neighbours.push(i - cols);
        }
        if y + 1 < rows {
            neighbours.push(i + cols);
        }
        if x > 0 {
            neighbours.push(i - 1);
        }
        if x + 1 < cols {
            neighbours.push(i + 1);
        }
        neighbours.into_iter().any(|j| v[(r, j)] != me)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::AnyUnit;
    use nalgebra::DVector;

    #[test]
    fn rank_one_model_is_rebuilt_by_its_first_mode_and_boundaries_are_found() {
        // W = 2 x yᵀ is rank one: the rank-1 model is the full model
        let w = DMatrix::from_fn(9, 4, |i, j| {
            2.0 * (0.3 + i as f64).sin() * (1.0 + j as f64).cos()
        });
        let model = Rbm::new(
            w,
            DVector::from_element(9, -0.1),
            DVector::from_element(4, 0.2),
            AnyUnit::Binary,
            AnyUnit::Binary,
        )
        .unwrap();
        // a 3×3 image with one lit centre pixel: the centre and its 4 neighbours are boundary
        let mut v = DMatrix::zeros(2, 9);
        v[(0, 4)] = 1.0;
        let mask = boundary_mask(&v, (3, 3));
        let lit: Vec<usize> = (0..9).filter(|&i| mask[(0, i)]).collect();
        assert_eq!(lit, vec![1, 3, 4, 5, 7]);
        assert!((0..9).all(|i| !mask[(1, i)]));
        let s = reconstruction_study(&model, &v, None, Some((3, 3))).unwrap();
        assert_eq!(s.ranks, vec![1, 2]);
        // round-off of the SVD only
        assert!(
            s.mean_abs_difference[0] < 1e-12,
            "{:?}",
            s.mean_abs_difference
        );
        assert!((s.boundary_pixel_fraction.unwrap() - 5.0 / 18.0).abs() < 1e-15);
        assert_eq!(s.images.len(), 2 * 2);
    }
}
