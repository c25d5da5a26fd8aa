//! A training run's singular values against the linear regime
//! ([`crate::analytic::linear_svd::BinaryLinearRegime`]) started from the run's own $W(0)$.
//!
//! # The run's $W(0)$
//! A run is reproducible from (configuration, seed, data): [`crate::run::initial_model`]
//! draws the initial model exactly as training does (same generator, same float type). The
//! comparison checks it against the run's step-0 spectrum record (all singular values) and
//! refuses a run whose record differs ([`W0_MATCH_TOL`]).
//!
//! # Clock
//! Learning time $t = \eta\times$updates (`theory/README.md`); plain SGD only (momentum and
//! weight decay change the flow).

use crate::analytic::linear_svd::BinaryLinearRegime;
use crate::data::{Dataset, Encoding};
use crate::error::{Error, Result};
use crate::linalg::{singular_values, symmetric_eigen};
use crate::report::chart::{Axis, LineChart, Series};
use crate::run::{initial_model, HiddenType, VisibleType};
use crate::spectral::dynamics::analyse;
use crate::spectral::FitOptions;
use serde::Serialize;
use std::path::Path;

/// Largest relative difference allowed between the singular values of the re-drawn $W(0)$ and
/// the run's step-0 record: both are the SVD of the same matrix (the record's table
/// round-trips f64 exactly), so only round-off remains.
pub const W0_MATCH_TOL: f64 = 1e-9;

/// A mode is compared only while the linear prediction is this many times above the bulk edge
/// (the larger of the initial Marchenko–Pastur edge and the training spectrum's fitted edge):
/// a spike θ = 3 s₊ is pushed up by sampling noise in the bulk by at most ~3 % (BBP,
/// `spectral.md`; 2.9 % at 128 × 32, 2.6 % at 784 × 500).
pub const OUTLIER_FACTOR: f64 = 3.0;

/// The run and the linear prediction, save by save.
#[derive(Clone, Debug, Serialize)]
pub struct LinearSvdComparison {
    /// Update step of each save.
    pub steps: Vec<u64>,
    /// Learning time $t = \eta\,\cdot$ step.
    pub times: Vec<f64>,
    /// Epochs (step / updates per epoch).
    pub epochs: Vec<f64>,
    /// The run's top singular values at each save.
    pub training: Vec<Vec<f64>>,
    /// The linear prediction's top singular values at each save.
    pub linear: Vec<Vec<f64>>,
    /// Fitted Marchenko–Pastur upper edge of the run's spectrum at each save.
    pub bulk_edge: Vec<f64>,
    /// Initial edge $\sigma_W(\sqrt{N_v} + \sqrt{N_h})$.
    pub initial_edge: f64,
    /// Top eigenvalues of $G = \frac14(C - D)$: the linear growth rates.
    pub growth_rates: Vec<f64>,
    /// Top eigenvalues of the data covariance $C$.
    pub data_variances: Vec<f64>,
    /// Largest relative difference between the re-drawn $W(0)$'s singular values and the
    /// run's step-0 record.
    pub w0_mismatch: f64,
    /// η.
    pub learning_rate: f64,
    /// Updates per epoch.
    pub steps_per_epoch: f64,
}

impl LinearSvdComparison {
    /// Number of modes compared per save.
    pub fn modes(&self) -> usize {
        self.training.first().map_or(0, Vec::len)
    }

    /// $\ln(\sigma^{\rm train}_\alpha/\sigma^{\rm lin}_\alpha)$ at save `k` (α 0-based).
    pub fn log_gap(&self, k: usize, alpha: usize) -> f64 {
        (self.training[k][alpha] / self.linear[k][alpha]).ln()
    }

    /// Whether mode α is compared at save `k`: its prediction is at least [`OUTLIER_FACTOR`]
    /// times the bulk edge.
    pub fn is_outlier(&self, k: usize, alpha: usize) -> bool {
        let edge = self.initial_edge.max(self.bulk_edge[k]);
        self.linear[k][alpha] >= OUTLIER_FACTOR * edge
    }

    /// The first save at which mode 1 is compared and $|\ln(\sigma_1^{\rm train}/
    /// \sigma_1^{\rm lin})|$ exceeds `tolerance`: where the linear regime ends.
    pub fn departure(&self, tolerance: f64) -> Option<usize> {
        (0..self.times.len())
            .find(|&k| self.is_outlier(k, 0) && self.log_gap(k, 0).abs() > tolerance)
    }
}

/// Compares the run in `run_dir` with the linear regime of its data (`dataset`, or the run's
/// own when `None`), `modes` top singular values per save.
///
/// # Errors
/// A missing or unreadable `config.toml` or `spectrum/` (the error names the file); units
/// that are not {0,1}; momentum or weight decay; data of another width; a re-drawn $W(0)$
/// that differs from the run's step-0 record.
#[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
pub fn compare_linear_svd(
    run_dir: &Path,
    dataset: Option<&Dataset>,
    modes: usize,
) -> Result<LinearSvdComparison> {
    let files = crate::run::RunDir::existing(run_dir, "--compare")?;
    let config_path = files.config_toml();
    let config = files.read_config()?.check()?;
    let m = &config.model;
    if m.visible_type != VisibleType::Binary || m.hidden_type != HiddenType::Binary {
        return Err(Error::invalid(
            "--compare",
            config_path.display(),
            format!(
                "linear-svd is the {{0,1}} theory; this run has {} visible and {} hidden units",
                m.visible_type, m.hidden_type
            ),
        ));
    }
    if config.optimiser.momentum != 0.0 || config.optimiser.weight_decay != 0.0 {
        return Err(Error::invalid(
            "--compare",
            config_path.display(),
            "momentum and weight decay change the flow; linear-svd compares plain SGD runs",
        ));
    }
    let loaded;
    let dataset = match dataset {
        Some(d) => d,
        None => {
            loaded = config.load_dataset()?;
            &loaded
        }
    };
    if dataset.encoding != Encoding::Binary {
        return Err(Error::invalid(
            "--dataset",
            &dataset.name,
            "needs {0,1} data",
        ));
    }
    let run = files.spectrum()?;
    if dataset.samples.ncols() != run.shape.0 || config.model.hidden != run.shape.1 {
        return Err(Error::shape(
            "--compare",
            format!("W {}×{} (the run's)", run.shape.0, run.shape.1),
            format!(
                "data with {} columns, config.toml hidden = {}",
                dataset.samples.ncols(),
                config.model.hidden
            ),
        ));
    }
    let first = &run.records[0];
    if first.step != 0 {
        return Err(Error::invalid(
            "--compare",
            run.files.dir.display(),
            "has no step-0 record (the run's initial spectrum); cannot check W(0)",
        ));
    }
    let model = initial_model(&config, dataset)?;
    let w0 = model.weights().clone();
    let s0 = singular_values(&w0)?;
    let scale = first.singular_values[0].max(f64::MIN_POSITIVE);
    let w0_mismatch = s0
        .iter()
        .zip(&first.singular_values)
        .map(|(a, b)| (a - b).abs() / scale)
        .fold(0.0, f64::max);
    if w0_mismatch > W0_MATCH_TOL || s0.len() != first.singular_values.len() {
        return Err(Error::invalid(
            "--compare",
            run.files.step_file(0).display(),
            format!(
                "W(0) re-drawn from the run's seed and configuration differs from this record \
                 (relative {w0_mismatch:.2e}); the dataset or the code differ from the run's"
            ),
        ));
    }
    let regime = BinaryLinearRegime::from_data(&dataset.samples, model.visible_bias(), w0)?;
    let eta = config.optimiser.learning_rate;
    let steps: Vec<u64> = run.records.iter().map(|r| r.step).collect();
    let times: Vec<f64> = steps.iter().map(|&s| s as f64 * eta).collect();
    let steps_per_epoch =
        (dataset.samples.nrows() / config.optimiser.batch_size.max(1)).max(1) as f64;
    let k = modes.max(1).min(s0.len());
    let linear: Vec<Vec<f64>> = regime
        .singular_values_at(&times)?
        .into_iter()
        .map(|s| s[..k].to_vec())
        .collect();
    let training: Vec<Vec<f64>> = run
        .records
        .iter()
        .map(|r| r.singular_values[..k].to_vec())
        .collect();
    let (points, _) = analyse(&run, steps_per_epoch, &FitOptions::default())?;
    let (c, _) = crate::analytic::linear_svd::covariance(&dataset.samples);
    let mut variances = symmetric_eigen(&c)?.0;
    variances.sort_by(|a, b| b.total_cmp(a));
    variances.truncate(k);
    let mut rates = regime.growth_rates();
    rates.truncate(k);
    let (nv, nh) = run.shape;
    Ok(LinearSvdComparison {
        epochs: steps.iter().map(|&s| s as f64 / steps_per_epoch).collect(),
        steps,
        times,
        training,
        linear,
        bulk_edge: points.iter().map(|p| p.bulk_upper_edge).collect(),
        initial_edge: config.model.weight_std * ((nv as f64).sqrt() + (nh as f64).sqrt()),
        growth_rates: rates,
        data_variances: variances,
        w0_mismatch,
        learning_rate: eta,
        steps_per_epoch,
    })
}

/// Modes drawn in the comparison figures.
const FIGURE_MODES: usize = 3;
/// The linear prediction is drawn up to this many times the threshold 4.
const FIGURE_CAP: f64 = 10.0;

/// σ_α(t) of the run and of the linear prediction (log-lin) for the top modes, with the end of
/// the linear regime (first save where $|\ln(\sigma_1^{\rm train}/\sigma_1^{\rm lin})|$ >
/// `tolerance`) marked.
///
/// # Errors
/// The file cannot be written.
pub fn comparison_figure(
    cmp: &LinearSvdComparison,
    path: &Path,
    title: &str,
    tolerance: f64,
) -> Result<()> {
    let m = FIGURE_MODES.min(cmp.modes());
    let curve = |rows: &Vec<Vec<f64>>, a: usize| -> Vec<(f64, f64)> {
        cmp.times
            .iter()
            .zip(rows)
            .filter(|(t, _)| **t > 0.0)
            .map(|(&t, s)| (t, s[a]))
            .collect()
    };
    let mut series: Vec<Series> = (0..m)
        .map(|a| Series {
            name: format!("training σ{}", a + 1),
            points: curve(&cmp.training, a),
        })
        .collect();
    // the linear prediction grows without bound: drawn up to FIGURE_CAP × the threshold
    let cap = FIGURE_CAP * crate::analytic::linear_svd::BINARY_THRESHOLD;
    series.extend((0..m).map(|a| {
        Series {
            name: format!("linear ODE σ{} (drawn up to {cap})", a + 1),
            points: curve(&cmp.linear, a)
                .into_iter()
                .filter(|p| p.1 <= cap)
                .collect(),
        }
    }));
    let markers: Vec<Series> = cmp
        .departure(tolerance)
        .map(|k| Series {
            name: format!(
                "end of linear regime (|Δ ln σ1| > {tolerance}): t = {:.2}, σ1 = {:.2}",
                cmp.times[k], cmp.training[k][0]
            ),
            points: vec![(cmp.times[k], cmp.training[k][0])],
        })
        .into_iter()
        .collect();
    LineChart::new(title)
        .x(Axis::linear("learning time t = η · updates"))
        .y(Axis::log("singular value σα (threshold 4)"))
        .series(&series)
        .markers(&markers)
        .write(path)
}

/// $\ln(\sigma_\alpha^{\rm train}/\sigma_\alpha^{\rm lin})$ against the predicted
/// $\sigma_1^{\rm lin}$ (log x, up to `FIGURE_CAP` × 4), at the saves where mode α is compared, with the band
/// ±`tolerance`: where the linear regime ends relative to the threshold 4.
///
/// # Errors
/// The file cannot be written.
pub fn gap_figure(
    cmp: &LinearSvdComparison,
    path: &Path,
    title: &str,
    tolerance: f64,
) -> Result<()> {
    let m = FIGURE_MODES.min(cmp.modes());
    let cap = FIGURE_CAP * crate::analytic::linear_svd::BINARY_THRESHOLD;
    let mut series: Vec<Series> = (0..m)
        .map(|a| Series {
            name: format!("mode {}", a + 1),
            points: (0..cmp.times.len())
                .filter(|&k| cmp.is_outlier(k, a) && cmp.linear[k][0] <= cap)
                .map(|k| (cmp.linear[k][0], cmp.log_gap(k, a)))
                .collect(),
        })
        .collect();
    let xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::INFINITY, 0.0_f64), |(a, b), &x| (a.min(x), b.max(x)));
    if lo.is_finite() {
        for sign in [1.0, -1.0] {
            series.push(Series {
                name: format!("{}{tolerance}", if sign > 0.0 { "+" } else { "−" }),
                points: vec![(lo, sign * tolerance), (hi, sign * tolerance)],
            });
        }
    }
    LineChart::new(title)
        .x(Axis::log("linear prediction σ1(t) (threshold 4)"))
        .y(Axis::linear("ln(σα training / σα linear)"))
        .series(&series)
        .write(path)
}
