//! `rbmdyn spectrum RUN_DIR_OR_MODEL_FILE --out DIR`: the analyses of [`crate::spectral::dynamics`] and
//! [`crate::spectral::alignment`] over a run (or of a single model file), written as figures and one JSON.
//!
//! Files written to `DIR`:
//! * `spectrum.json`: every number behind the figures ([`SpectrumSummary`]);
//! * `singular-values-vs-time.png` (log-log, top modes and the fitted bulk edge),
//!   `outliers-vs-time.png`, `cutoff-vs-time.png`, `bulk-vs-time.png`, `t-eff.png`;
//! * `mp-overlay-epoch-*.png`: histogram of $\lambda = s^2/N$ against the fitted
//!   Marchenko–Pastur density at initialisation and chosen times;
//! * `rank-plot.png`: log-log rank plots with their cutoffs;
//! * `modes.png`: the first 10 left singular vectors as images (image data only);
//! * `overlap-heatmap.png`, `overlap-vs-time.png`: $|u_\alpha\cdot e_k|$ with the data's principal
//!   axes (needs the data);
//! * `reconstruction.png` and the numbers of the rank-$k$ reconstructions (needs the data);
//! * `weight-histogram.png`.

mod figures;
mod summary;

use summary::LeftAt;
pub use summary::{AlignmentPoint, SpectrumSummary};

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::io::{load_model, write_atomic};
use crate::rbm::AnyRbm;
use crate::report::chart::ImageGrid;
use crate::run::TrainConfig;
use crate::spectral::alignment::{mean_overlap, overlap_matrix, subspace_overlap, PrincipalAxes};
use crate::spectral::dynamics::{
    analyse, fit_or_moments, hierarchy, point_of, stopping_signal, RunSpectrum, SpectrumPoint,
};
use crate::spectral::fit::FitOptions;
use crate::spectral::reconstruction::reconstruction_study;
use crate::training::SpectrumRecord;
use crate::units::UnitKind;
use nalgebra::{DMatrix, DVector};
use std::path::{Path, PathBuf};

/// Options of [`spectrum_report`].
#[derive(Clone, Debug)]
pub struct SpectrumOptions {
    /// Dataset spelling for the data-dependent analyses (default: the run's).
    pub dataset: Option<String>,
    /// Data root (default: the run's, else `RBMDYN_DATA`, else `../shared/data`).
    pub data: Option<PathBuf>,
    /// Threshold of the stopping signal on the cutoff's relative growth per epoch.
    pub stop_threshold: f64,
    /// Principal axes compared with W's modes.
    pub pca_axes: usize,
    /// Bulk fit options.
    pub fit: FitOptions,
}

impl Default for SpectrumOptions {
    fn default() -> Self {
        SpectrumOptions {
            dataset: None,
            data: None,
            stop_threshold: DEFAULT_STOP_THRESHOLD,
            pca_axes: 10,
            fit: FitOptions::default(),
        }
    }
}

/// Default threshold of the stopping signal: the cutoff grows by less than 2 % per epoch.
pub const DEFAULT_STOP_THRESHOLD: f64 = 0.02;

/// Spectra with vectors, from a run's files or from one model.
enum Source {
    Run(RunSpectrum),
    Model(Box<(SpectrumRecord, DMatrix<f64>)>),
}

impl Source {
    fn records(&self) -> Vec<SpectrumRecord> {
        match self {
            Source::Run(r) => r.records.clone(),
            Source::Model(m) => vec![m.0.clone()],
        }
    }
    fn left(&self, step: u64) -> Result<DMatrix<f64>> {
        match self {
            Source::Run(r) => Ok(r.vectors(step)?.0),
            Source::Model(m) => Ok(m.1.clone()),
        }
    }
}

/// Runs every analysis on `input` (a run directory with `spectrum/`, or a model file) and
/// writes figures and `spectrum.json` into `out`.
///
/// # Errors
/// Unreadable input, or files that cannot be written. Missing data only skip the
/// data-dependent parts (said in [`SpectrumSummary::data_skipped`]).
pub fn spectrum_report(
    input: &Path,
    out: &Path,
    options: &SpectrumOptions,
) -> Result<SpectrumSummary> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let (source, model, config) = open_input(input)?;
    let records = source.records();
    let shape = (model.n_visible(), model.n_hidden());
    let steps_per_epoch = records
        .last()
        .filter(|r| r.epoch > 0)
        .map_or(1.0, |r| r.step as f64 / r.epoch as f64);
    let (points, fits) = match &source {
        Source::Run(run) => analyse(run, steps_per_epoch, &options.fit)?,
        Source::Model(m) => {
            let fit = fit_or_moments(&m.0.singular_values, shape.0, shape.1, &options.fit)?;
            (vec![point_of(&m.0, &fit, steps_per_epoch)], vec![fit])
        }
    };
    let stopping = stopping_signal(&points, options.stop_threshold);
    let hierarchy = match &source {
        Source::Run(run) => Some(hierarchy(run, &points)?),
        Source::Model(_) => None,
    };
    let dataset = load_data(config.as_ref(), options, &model);
    let mut figures = Vec::new();
    let mut summary = SpectrumSummary {
        input: input.display().to_string(),
        shape,
        steps_per_epoch,
        points,
        stopping,
        hierarchy,
        alignment: Vec::new(),
        data_variances: Vec::new(),
        reconstruction: None,
        data_skipped: None,
        figures: Vec::new(),
    };
    let image_shape = match &dataset {
        Ok(d) => d.image_shape,
        Err(_) => square_shape(shape.0),
    };
    match &dataset {
        Ok(data) => {
            let axes = PrincipalAxes::of(&data.samples, options.pca_axes)?;
            // the paramagnetic point of the visible units: E[v] at zero field
            let centre = model.visible().mean(0.0_f64);
            summary.data_variances = axes
                .variances
                .iter()
                .take(options.pca_axes)
                .copied()
                .collect();
            for p in &summary.points {
                let left = source.left(p.step)?;
                summary
                    .alignment
                    .push(alignment_point(p, &left, &axes, centre)?);
            }
            summary.reconstruction = Some(reconstruction_study(
                &model,
                &data.samples,
                summary.points.last().and_then(|p| p.cutoff).map(|c| c.rank),
                image_shape,
            )?);
            figures::alignment_figures(out, &summary, &source_left(&source), &axes, &mut figures)?;
            if let (Some(shape2), Some(study)) = (image_shape, &summary.reconstruction) {
                let path = out.join("reconstruction.png");
                ImageGrid::new(&study.images, shape2)
                    .columns(study.images_per_row)
                    .scale(3)
                    .write(&path)?;
                figures.push("reconstruction.png".into());
            }
        }
        Err(e) => summary.data_skipped = Some(e.to_string()),
    }
    figures::spectrum_figures(out, &summary, &fits, &records, &model, &mut figures)?;
    if let Some(shape2) = image_shape {
        let last = summary.points.last().map_or(0, |p| p.step);
        let left = source.left(last)?;
        let images: Vec<Vec<f64>> = (0..left.ncols().min(10))
            .map(|a| mode_image(left.column(a).iter().copied().collect()))
            .collect();
        ImageGrid::new(&images, shape2)
            .columns(5)
            .scale(4)
            .write(&out.join("modes.png"))?;
        figures.push("modes.png".into());
    }
    summary.figures = figures;
    let json = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::format(out, format!("cannot serialise the summary: {e}")))?;
    write_atomic(&out.join("spectrum.json"), json.as_bytes())?;
    Ok(summary)
}

fn source_left(source: &Source) -> LeftAt<'_> {
    Box::new(move |step| source.left(step))
}

/// A singular vector as an image: stretched to [0, 1] between its extremes, with its sign
/// (arbitrary in an SVD) chosen so that the median pixel lies in the lighter half: the
/// background is light, as in Fissore's figures (and $\bar x - \frac12$ looks like $\bar x$).
fn mode_image(mut u: Vec<f64>) -> Vec<f64> {
    let mut sorted = u.clone();
    sorted.sort_by(f64::total_cmp);
    let (lo, hi) = (sorted[0], sorted[sorted.len() - 1]);
    let median = sorted[sorted.len() / 2];
    if median > 0.5 * (lo + hi) {
        u.iter_mut().for_each(|x| *x = -*x);
    }
    let (lo, hi) = u
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let width = (hi - lo).max(1e-300);
    u.iter().map(|x| (x - lo) / width).collect()
}

fn square_shape(n: usize) -> Option<(usize, usize)> {
    let side = (n as f64).sqrt().round() as usize;
    (side * side == n && side > 1).then_some((side, side))
}

fn alignment_point(
    p: &SpectrumPoint,
    left: &DMatrix<f64>,
    axes: &PrincipalAxes,
    centre: f64,
) -> Result<AlignmentPoint> {
    let k = left.ncols().min(axes.axes.ncols());
    let sub = |k2: usize| {
        if k >= k2 {
            subspace_overlap(left, &axes.axes, k2)
        } else {
            Ok(f64::NAN)
        }
    };
    let o = overlap_matrix(&left.columns(0, k).clone_owned(), &axes.axes)?;
    let first: DVector<f64> = left.column(0).clone_owned();
    Ok(AlignmentPoint {
        step: p.step,
        epoch: p.epoch,
        subspace_overlap_5: sub(5)?,
        subspace_overlap_10: sub(10)?,
        diagonal_overlaps: (0..k.min(5)).map(|a| o[(a, a)]).collect(),
        first_mode_mean_overlap: mean_overlap(&first, &axes.mean.add_scalar(-centre)),
        first_mode_raw_mean_overlap: mean_overlap(&first, &axes.mean),
    })
}

fn open_input(input: &Path) -> Result<(Source, AnyRbm<f64>, Option<TrainConfig>)> {
    if input.is_dir() {
        let files = crate::run::RunDir::new(input);
        let run = files.spectrum()?;
        let model_path = [files.model(), files.checkpoint()]
            .into_iter()
            .find(|p| p.exists())
            .ok_or_else(|| {
                Error::invalid(
                    "RUN_DIR",
                    input.display(),
                    "has neither model.npz nor checkpoint.npz",
                )
            })?;
        let model = load_model(&model_path)?;
        let config = if files.config_toml().exists() {
            Some(files.read_config()?)
        } else {
            None
        };
        Ok((Source::Run(run), model, config))
    } else {
        let model = load_model(input)?;
        let w = model.weights().clone();
        let (left, values, _) = crate::linalg::thin_svd(&w)?;
        let n = w.len() as f64;
        let mean = w.iter().sum::<f64>() / n;
        let variance = w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        let record = SpectrumRecord {
            step: 0,
            epoch: 0,
            weight_mean: mean,
            weight_variance: variance,
            svd_seconds: 0.0,
            singular_values: values,
        };
        let k = left.ncols().min(20);
        let left = left.columns(0, k).clone_owned();
        Ok((Source::Model(Box::new((record, left))), model, None))
    }
}

fn load_data(
    config: Option<&TrainConfig>,
    options: &SpectrumOptions,
    model: &AnyRbm<f64>,
) -> Result<Dataset> {
    let mut c = config.cloned().unwrap_or_default();
    match (&options.dataset, config) {
        (Some(d), _) => c.data.dataset = d.parse()?,
        (None, Some(_)) => {}
        (None, None) => {
            return Err(Error::invalid(
                "--dataset",
                "",
                "a model file has no run configuration: pass --dataset to compare with data",
            ))
        }
    }
    if options.data.is_some() {
        c.data.root = options.data.clone();
    }
    c.model.visible_type = model.visible().name().parse()?;
    let d = c.load_dataset()?;
    if d.samples.ncols() != model.n_visible() {
        return Err(Error::shape(
            "dataset",
            format!("{} features (the model's visible units)", model.n_visible()),
            format!("{}", d.samples.ncols()),
        ));
    }
    Ok(d)
}
