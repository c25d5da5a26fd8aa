//! The spectrum of W over a training run (Fissore 2017 §II–III): outliers leaving the
//! Marchenko–Pastur bulk, bulk shrinkage, the hierarchy of modes, the log-log rank plot and its
//! cutoff, and a stopping signal from the cutoff's growth.
//!
//! Input is the files a [`crate::training::SpectrumTracker`] writes (in a run directory:
//! `spectrum/`, named by `run::RunDir::spectrum_files`); see [`RunSpectrum`].
//!
//! # Definitions
//! * **Outliers** at a time: the singular values above $(1 + m)\,s_+$, where $s_+$ is the upper
//!   bulk edge of the Marchenko–Pastur law fitted to the rest of the spectrum and $m$ the
//!   finite-size margin ([`super::fit`]).
//! * **Rank-plot cutoff** (Fissore Fig. 5: "the strongest σ are of comparable magnitude,
//!   followed by a tail of damped σ; a cutoff is highlighted by the onset of the linear
//!   behaviour" in log-log): over the outliers $\alpha = 1..n_{\rm out}$, the knot $\alpha_c$ of
//!   the continuous two-segment least-squares fit of $\ln\sigma_\alpha$ against $\ln\alpha$
//!   (a flat head, slope near 0, and a steep tail), searched over every rank with at least two
//!   points on each side ([`rank_cutoff`]). Undefined with fewer than
//!   [`MIN_OUTLIERS_FOR_CUTOFF`] outliers.
//! * **Stopping signal**: the cutoff's relative growth per epoch,
//!   $g = \Delta\ln\alpha_c / \Delta\,\text{epoch}$, over a sliding window of one epoch's worth
//!   of saves (at least two saves); the signal fires at the first time $g$ stays below the
//!   threshold until the end of the run ([`stopping_signal`]).
//! * **Hierarchy** (Fissore §II.C: "the first outliers are never overcome by the newly
//!   extracted σ"): modes are followed from save to save by their left singular vectors
//!   (greedy maximal $|u_\alpha(t)\cdot u_\beta(t')|$); each followed mode has an emergence time
//!   (first save at which it is an outlier). A mode entering the saved top K already as an
//!   outlier emerged at that save, unless the previous save had outliers beyond the top K (then
//!   its emergence is unknown and it is left out). The check counts pairs of modes that emerged
//!   at different times and whose singular values at the end are ordered like their emergence
//!   (earlier ⇒ larger) ([`hierarchy`]).

use super::fit::{fit_marchenko_pastur, FitOptions, MarchenkoPasturFit};
use crate::error::{Error, Result};
use crate::io::read_npz;
use crate::training::spectrum_tracker::{read_singular_values, SpectrumFiles, SpectrumRecord};
use nalgebra::DMatrix;
use serde::Serialize;

/// Fewest outliers for which a rank-plot cutoff is fitted (two points on each side of a knot
/// strictly inside, plus the knot).
pub const MIN_OUTLIERS_FOR_CUTOFF: usize = 5;

/// Overlap above which two unit vectors are taken as the same mode when following modes from
/// save to save: $1/\sqrt2$, i.e. closer to each other than to any orthogonal direction.
pub const SAME_MODE_OVERLAP: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// The spectrum records of a run.
#[derive(Clone, Debug)]
pub struct RunSpectrum {
    /// Where the records are.
    pub files: SpectrumFiles,
    /// `(Nv, Nh)`.
    pub shape: (usize, usize),
    /// One record per save, by step.
    pub records: Vec<SpectrumRecord>,
}

impl RunSpectrum {
    /// Reads the records `files` names.
    ///
    /// # Errors
    /// No table (the run was trained with `spectrum_per_decade = 0`), or unreadable files.
    pub fn load(files: &SpectrumFiles) -> Result<Self> {
        let table = &files.table;
        if !table.exists() {
            return Err(Error::invalid(
                "RUN_DIR",
                table.display(),
                "not found: train with --spectrum-per-decade N (N > 0), or pass a model file",
            ));
        }
        let records = read_singular_values(table)?;
        let first = records.first().ok_or_else(|| {
            Error::format(table, "no rows: the run recorded no spectrum".to_string())
        })?;
        let (left, right) = read_vectors(files, first.step)?;
        Ok(RunSpectrum {
            files: files.clone(),
            shape: (left.nrows(), right.nrows()),
            records,
        })
    }

    /// The top left and right singular vectors saved at `step` (`Nv × K`, `Nh × K`).
    ///
    /// # Errors
    /// The file of that step is missing or malformed.
    pub fn vectors(&self, step: u64) -> Result<(DMatrix<f64>, DMatrix<f64>)> {
        read_vectors(&self.files, step)
    }
}

fn read_vectors(files: &SpectrumFiles, step: u64) -> Result<(DMatrix<f64>, DMatrix<f64>)> {
    let path = files.step_file(step);
    let arrays = read_npz(&path)?;
    let get = |key: &str| -> Result<DMatrix<f64>> {
        let a = arrays
            .get(key)
            .ok_or_else(|| Error::format(&path, format!("no array '{key}'")))?;
        let shape = a.shape.clone();
        let values = a
            .data
            .to_f64_vec()
            .ok_or_else(|| Error::format(&path, format!("'{key}' is not numeric")))?;
        match shape.as_slice() {
            [r, c] => Ok(DMatrix::from_row_slice(*r, *c, &values)),
            _ => Err(Error::format(
                &path,
                format!("'{key}' has shape {shape:?}, expected 2-d"),
            )),
        }
    };
    Ok((get("left")?, get("right")?))
}

/// The knot of the two-segment fit of a log-log rank plot (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RankCutoff {
    /// $\alpha_c$ (1-based rank).
    pub rank: usize,
    /// Slope $d\ln\sigma/d\ln\alpha$ before the knot.
    pub head_slope: f64,
    /// Slope after the knot.
    pub tail_slope: f64,
    /// Number of ranks fitted (the outliers).
    pub fitted_ranks: usize,
}

/// The cutoff of the rank plot of the first `n_outliers` of `singular_values` (descending);
/// `None` with fewer than [`MIN_OUTLIERS_FOR_CUTOFF`] outliers or non-positive values.
pub fn rank_cutoff(singular_values: &[f64], n_outliers: usize) -> Option<RankCutoff> {
    let n = n_outliers.min(singular_values.len());
    if n < MIN_OUTLIERS_FOR_CUTOFF || singular_values[..n].iter().any(|&s| s <= 0.0) {
        return None;
    }
    let x: Vec<f64> = (1..=n).map(|a| (a as f64).ln()).collect();
    let y: Vec<f64> = singular_values[..n].iter().map(|s| s.ln()).collect();
    let mut best: Option<(f64, RankCutoff)> = None;
    // knot at rank k+1 (index k), with at least two points strictly on each side
    for k in 2..n - 2 {
        let x0 = x[k];
        if let Some((b, c, rss)) = hinge_fit(&x, &y, x0) {
            if best.as_ref().is_none_or(|(r, _)| rss < *r) {
                best = Some((
                    rss,
                    RankCutoff {
                        rank: k + 1,
                        head_slope: b,
                        tail_slope: c,
                        fitted_ranks: n,
                    },
                ));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// Least squares of $y = a + b\min(x - x_0, 0) + c\max(x - x_0, 0)$: `(b, c, residual sum)`.
fn hinge_fit(x: &[f64], y: &[f64], x0: f64) -> Option<(f64, f64, f64)> {
    // normal equations of the 3-parameter linear model
    let mut ata = nalgebra::Matrix3::<f64>::zeros();
    let mut aty = nalgebra::Vector3::<f64>::zeros();
    for (&xi, &yi) in x.iter().zip(y) {
        let row = nalgebra::Vector3::new(1.0, (xi - x0).min(0.0), (xi - x0).max(0.0));
        ata += row * row.transpose();
        aty += row * yi;
    }
    let coef = ata.lu().solve(&aty)?;
    let rss = x
        .iter()
        .zip(y)
        .map(|(&xi, &yi)| {
            let f = coef[0] + coef[1] * (xi - x0).min(0.0) + coef[2] * (xi - x0).max(0.0);
            (f - yi).powi(2)
        })
        .sum();
    Some((coef[1], coef[2], rss))
}

/// The analysis of one save.
#[derive(Clone, Debug, Serialize)]
pub struct SpectrumPoint {
    /// Update step (0 = initialisation).
    pub step: u64,
    /// Training time in epochs (`step / steps_per_epoch`).
    pub epoch: f64,
    /// Number of outliers.
    pub outliers: usize,
    /// Fitted bulk variance $\hat\sigma^2$ of the entries (MP fit).
    pub bulk_variance: f64,
    /// Fitted aspect ratio $\hat q$.
    pub bulk_ratio: f64,
    /// Fitted upper bulk edge in singular values.
    pub bulk_upper_edge: f64,
    /// Median singular value of the bulk (the non-outliers).
    pub bulk_median: f64,
    /// KS distance between the bulk and the fitted law.
    pub ks_statistic: f64,
    /// Its p-value (see [`super::fit`]).
    pub ks_p_value: f64,
    /// The rank-plot cutoff, if defined.
    pub cutoff: Option<RankCutoff>,
    /// $T_{\rm eff} = 1/\mathrm{Var}(W_{ij})$.
    pub t_eff: f64,
    /// The ten largest singular values.
    pub top: Vec<f64>,
}

/// Fits the bulk and the cutoff at every save of `run`; `steps_per_epoch` converts steps to
/// epochs.
///
/// # Errors
/// A fit that fails on malformed values (none for a tracker's output).
pub fn analyse(
    run: &RunSpectrum,
    steps_per_epoch: f64,
    options: &FitOptions,
) -> Result<(Vec<SpectrumPoint>, Vec<MarchenkoPasturFit>)> {
    let (nv, nh) = run.shape;
    let mut points = Vec::with_capacity(run.records.len());
    let mut fits = Vec::with_capacity(run.records.len());
    for r in &run.records {
        let fit = fit_or_moments(&r.singular_values, nv, nh, options)?;
        points.push(point_of(r, &fit, steps_per_epoch));
        fits.push(fit);
    }
    Ok((points, fits))
}

/// [`fit_marchenko_pastur`], or, for spectra it cannot fit (fewer than
/// [`super::fit::MIN_BULK`] non-zero values: very small models), the law with the moment
/// estimate $\hat\sigma^2 = \overline{s^2}/N$ and $q = n/N$, no outliers and a NaN KS statistic.
///
/// # Errors
/// Malformed values (non-finite, negative, not descending, wrong count).
pub fn fit_or_moments(
    singular_values: &[f64],
    rows: usize,
    cols: usize,
    options: &FitOptions,
) -> Result<MarchenkoPasturFit> {
    match fit_marchenko_pastur(singular_values, rows, cols, options) {
        Ok(fit) => Ok(fit),
        Err(e) => {
            let n = singular_values.len();
            let big = rows.max(cols) as f64;
            let mean = singular_values.iter().map(|s| s * s).sum::<f64>() / (n as f64 * big);
            if n == 0 || n != rows.min(cols) || !(mean > 0.0 && mean.is_finite()) {
                return Err(e);
            }
            let law = super::MarchenkoPastur::new(mean, n as f64 / big)?;
            let (_, hi) = law.edges();
            Ok(MarchenkoPasturFit {
                law,
                ks_statistic: f64::NAN,
                p_value: f64::NAN,
                bulk_count: n,
                outliers: Vec::new(),
                zero_count: 0,
                margin: f64::NAN,
                upper_singular_edge: (hi * big).sqrt(),
                iterations: 0,
                converged: false,
            })
        }
    }
}

/// The analysis of one spectrum given its fit.
pub fn point_of(
    r: &SpectrumRecord,
    fit: &MarchenkoPasturFit,
    steps_per_epoch: f64,
) -> SpectrumPoint {
    let s = &r.singular_values;
    let n_out = fit.outliers.len();
    let mut bulk: Vec<f64> = s
        .iter()
        .enumerate()
        .filter(|(i, _)| !fit.outliers.contains(i))
        .map(|(_, &v)| v)
        .collect();
    bulk.sort_by(|a, b| a.total_cmp(b));
    let bulk_median = if bulk.is_empty() {
        f64::NAN
    } else {
        bulk[bulk.len() / 2]
    };
    SpectrumPoint {
        step: r.step,
        epoch: r.step as f64 / steps_per_epoch.max(1.0),
        outliers: n_out,
        bulk_variance: fit.law.variance(),
        bulk_ratio: fit.law.ratio(),
        bulk_upper_edge: fit.upper_singular_edge,
        bulk_median,
        ks_statistic: fit.ks_statistic,
        ks_p_value: fit.p_value,
        cutoff: rank_cutoff(s, n_out),
        t_eff: 1.0 / r.weight_variance,
        top: s.iter().take(10).copied().collect(),
    }
}

/// The stopping signal of the cutoff (see the module docs).
#[derive(Clone, Debug, Serialize)]
pub struct StoppingSignal {
    /// Threshold on the relative growth per epoch.
    pub threshold: f64,
    /// `(epoch, growth per epoch)` at each save with a defined window.
    pub growth: Vec<(f64, f64)>,
    /// The first epoch from which the growth stays below the threshold, if any.
    pub stop_epoch: Option<f64>,
}

/// The cutoff's relative growth per epoch over a one-epoch window, and when it falls below
/// `threshold` for good.
pub fn stopping_signal(points: &[SpectrumPoint], threshold: f64) -> StoppingSignal {
    let with_cut: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.cutoff.map(|c| (p.epoch, (c.rank as f64).ln())))
        .collect();
    let mut growth = Vec::new();
    for (i, &(e, lc)) in with_cut.iter().enumerate() {
        // the latest earlier save at least one epoch before
        if let Some(&(e0, lc0)) = with_cut[..i].iter().rev().find(|(e0, _)| e - e0 >= 1.0) {
            growth.push((e, (lc - lc0) / (e - e0)));
        }
    }
    let mut stop_epoch = None;
    for &(e, g) in growth.iter().rev() {
        if g < threshold {
            stop_epoch = Some(e);
        } else {
            break;
        }
    }
    StoppingSignal {
        threshold,
        growth,
        stop_epoch,
    }
}

/// Outcome of the hierarchy check (see the module docs).
#[derive(Clone, Debug, Serialize)]
pub struct Hierarchy {
    /// For each followed mode (by final rank, 1-based): the epoch it first was an outlier.
    /// Modes that entered the saved top K already as outliers (emergence unknown) are left
    /// out.
    pub emergence: Vec<(usize, f64)>,
    /// Pairs that emerged at different saves.
    pub pairs: usize,
    /// Of those, pairs whose final singular values are ordered like their emergence.
    pub concordant: usize,
    /// Modes lost while following (no vector at the next save overlapped them by
    /// [`SAME_MODE_OVERLAP`]).
    pub lost: usize,
}

/// Follows the top saved modes from the first save to the last (see the module docs).
///
/// # Errors
/// Vector files that cannot be read.
#[allow(clippy::float_cmp)] // exact ties of equal values are what is detected
pub fn hierarchy(run: &RunSpectrum, points: &[SpectrumPoint]) -> Result<Hierarchy> {
    // tracks: index of the mode at the current save, emergence epoch (if any)
    struct Track {
        index: usize,
        emerged: Option<f64>,
        alive: bool,
        // entered the saved top K already above the bulk: its emergence time is unknown
        unknown_emergence: bool,
    }
    let mut tracks: Vec<Track> = Vec::new();
    let mut previous: Option<DMatrix<f64>> = None;
    let mut previous_outliers = 0;
    let mut lost = 0;
    for p in points {
        let (left, _) = run.vectors(p.step)?;
        let k = left.ncols();
        match &previous {
            None => {
                tracks = (0..k)
                    .map(|index| Track {
                        index,
                        emerged: None,
                        alive: true,
                        unknown_emergence: index < p.outliers,
                    })
                    .collect();
            }
            Some(prev) => {
                let overlap = super::overlap_matrix(prev, &left)?;
                let mut taken = vec![false; k];
                // greedy: strongest overlaps first
                let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
                for (t, track) in tracks.iter().enumerate().filter(|(_, t)| t.alive) {
                    for b in 0..k {
                        pairs.push((t, b, overlap[(track.index, b)]));
                    }
                }
                pairs.sort_by(|x, y| y.2.total_cmp(&x.2));
                let mut matched = vec![false; tracks.len()];
                for (t, b, o) in pairs {
                    if matched[t] || taken[b] || o < SAME_MODE_OVERLAP {
                        continue;
                    }
                    matched[t] = true;
                    taken[b] = true;
                    tracks[t].index = b;
                }
                for (t, track) in tracks.iter_mut().enumerate() {
                    if track.alive && !matched[t] {
                        track.alive = false;
                        lost += 1;
                    }
                }
                // vectors not matched start new tracks (modes entering the top K). One that is
                // already an outlier emerged now, unless the previous save had outliers beyond
                // the saved top K (it may have been one of them)
                let hidden_outliers = previous_outliers >= k;
                for (b, _) in taken.iter().enumerate().filter(|(_, &t)| !t) {
                    tracks.push(Track {
                        index: b,
                        emerged: None,
                        alive: true,
                        unknown_emergence: b < p.outliers && hidden_outliers,
                    });
                }
            }
        }
        for track in tracks.iter_mut().filter(|t| t.alive) {
            if track.emerged.is_none() && track.index < p.outliers {
                track.emerged = Some(p.epoch);
            }
        }
        previous = Some(left);
        previous_outliers = p.outliers;
    }
    let mut emergence: Vec<(usize, f64)> = tracks
        .iter()
        .filter(|t| t.alive && !t.unknown_emergence)
        .filter_map(|t| t.emerged.map(|e| (t.index + 1, e)))
        .collect();
    emergence.sort_by_key(|&(rank, _)| rank);
    let (mut pairs, mut concordant) = (0, 0);
    for (i, &(ra, ea)) in emergence.iter().enumerate() {
        for &(rb, eb) in &emergence[i + 1..] {
            if ea == eb {
                continue;
            }
            pairs += 1;
            // ra < rb: mode a ends larger; concordant if it also emerged earlier
            if (ra < rb) == (ea < eb) {
                concordant += 1;
            }
        }
    }
    Ok(Hierarchy {
        emergence,
        pairs,
        concordant,
        lost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_of_a_synthetic_broken_power_law() {
        // σ_α = 10 α^{-0.2} for α ≤ 12, then 10·12^{-0.2} (α/12)^{-2}: knot at 12
        let s: Vec<f64> = (1..=60)
            .map(|a| {
                let a = a as f64;
                if a <= 12.0 {
                    10.0 * a.powf(-0.2)
                } else {
                    10.0 * 12f64.powf(-0.2) * (a / 12.0).powf(-2.0)
                }
            })
            .collect();
        let c = rank_cutoff(&s, 60).unwrap();
        assert_eq!(c.rank, 12);
        assert!((c.head_slope + 0.2).abs() < 1e-9 && (c.tail_slope + 2.0).abs() < 1e-9);
        assert!(rank_cutoff(&s, 4).is_none());
    }

    #[test]
    fn spectra_too_small_to_fit_fall_back_to_moments() {
        // 12×3: three singular values, fewer than the fit needs
        let s = [3.0, 2.0, 1.0];
        let fit = fit_or_moments(&s, 12, 3, &FitOptions::default()).unwrap();
        assert!((fit.law.variance() - 14.0 / 36.0).abs() < 1e-15);
        assert!((fit.law.ratio() - 0.25).abs() < 1e-15 && fit.outliers.is_empty());
        assert!(fit.p_value.is_nan());
        assert!(fit_or_moments(&[1.0, f64::NAN, 0.5], 12, 3, &FitOptions::default()).is_err());
    }

    #[test]
    fn stopping_signal_fires_when_growth_stays_low() {
        let point = |epoch: f64, rank: usize| SpectrumPoint {
            step: (epoch * 100.0) as u64,
            epoch,
            outliers: rank * 3,
            bulk_variance: 1.0,
            bulk_ratio: 0.5,
            bulk_upper_edge: 1.0,
            bulk_median: 0.5,
            ks_statistic: 0.0,
            ks_p_value: 1.0,
            cutoff: Some(RankCutoff {
                rank,
                head_slope: 0.0,
                tail_slope: -2.0,
                fitted_ranks: rank * 3,
            }),
            t_eff: 1.0,
            top: vec![],
        };
        // cutoff 5, 10, 20, 30, 31, 31, 32 at epochs 0..6
        let pts: Vec<SpectrumPoint> = [5, 10, 20, 30, 31, 31, 32]
            .iter()
            .enumerate()
            .map(|(e, &r)| point(e as f64, r))
            .collect();
        let sig = stopping_signal(&pts, 0.05);
        assert_eq!(sig.growth.len(), 6);
        assert!((sig.growth[0].1 - 2f64.ln()).abs() < 1e-12);
        // growth from epoch 3→4 is ln(31/30) = 0.033 < 0.05, and stays below
        assert_eq!(sig.stop_epoch, Some(4.0));
    }
}
