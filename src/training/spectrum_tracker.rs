//! The spectrum of W along training, as an observer (`theory/spectral.md`, Fissore 2017 §II).
//!
//! At each due step (log-spaced by default) and once at initialisation (step 0), the tracker
//! takes the thin SVD $W = U\Sigma V^\top$ of the `Nv × Nh` weights (f64, singular values
//! descending) and writes, atomically, into `RUN_DIR/spectrum/`:
//! * `singular_values.csv`: one row per save, `step,epoch,weight_mean,weight_variance,
//!   svd_seconds,s1,…,sn` ($n = \min(N_v, N_h)$, all singular values, 17 significant digits);
//!   `weight_variance` is the population variance of the entries of W, so
//!   $T_{\rm eff} = 1/$`weight_variance` (Fissore's effective temperature);
//! * `step-NNNNNNNNN.npz`: `singular_values` ($n$), `left` (`Nv × K`, columns $u_\alpha$),
//!   `right` (`Nh × K`, columns $v_\alpha$) for the top $K$ modes, and `step`, `epoch`.
//!
//! Signs of singular vectors are arbitrary (the SVD fixes them only up to a common flip of
//! $u_\alpha, v_\alpha$); analyses compare absolute overlaps.
//!
//! A resumed run keeps the rows of an earlier part with `step ≤` the resumed step and writes
//! the rest again, so the files are the same as those of an uninterrupted run (up to
//! `svd_seconds`).

use super::observers::{Cadence, TrainingObserver, TrainingSnapshot};
use crate::error::{Error, Result};
use crate::io::{write_atomic, write_npz, NpyArray};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::DMatrix;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Name of the folder of a run directory that holds the spectrum records.
pub const SPECTRUM_FOLDER: &str = "spectrum";
/// Name of the table of all singular values in [`SPECTRUM_FOLDER`].
pub const SINGULAR_VALUES_FILE: &str = "singular_values.csv";
const FIXED_COLUMNS: [&str; 5] = [
    "step",
    "epoch",
    "weight_mean",
    "weight_variance",
    "svd_seconds",
];

/// One save of the tracker: all singular values (the vectors are in the `.npz` of the step).
#[derive(Clone, Debug, PartialEq)]
pub struct SpectrumRecord {
    /// Parameter updates done (0 = initialisation).
    pub step: u64,
    /// Completed epochs at that step.
    pub epoch: usize,
    /// Mean of the entries of W.
    pub weight_mean: f64,
    /// Population variance of the entries of W ($1/T_{\rm eff}$).
    pub weight_variance: f64,
    /// Wall-clock seconds of the SVD and the writes of this save.
    pub svd_seconds: f64,
    /// All singular values, descending.
    pub singular_values: Vec<f64>,
}

/// Records the SVD of W during training into `RUN_DIR/spectrum/` (see the module docs).
#[derive(Debug)]
pub struct SpectrumTracker {
    dir: PathBuf,
    cadence: Cadence,
    top_vectors: usize,
    records: Vec<SpectrumRecord>,
}

impl SpectrumTracker {
    /// Tracks into `run_dir/spectrum` at `cadence`, keeping the top `top_vectors` singular
    /// vectors of each save (all singular values are always kept).
    pub fn new(run_dir: &Path, cadence: Cadence, top_vectors: usize) -> Self {
        SpectrumTracker {
            dir: run_dir.join(SPECTRUM_FOLDER),
            cadence,
            top_vectors,
            records: Vec::new(),
        }
    }

    /// Continues the records of an earlier part of the run: keeps those with `step ≤ step`.
    ///
    /// # Errors
    /// An existing table that cannot be parsed.
    pub fn resuming_at(mut self, step: u64) -> Result<Self> {
        let path = self.dir.join(SINGULAR_VALUES_FILE);
        if path.exists() {
            self.records = read_singular_values(&path)?
                .into_iter()
                .filter(|r| r.step <= step)
                .collect();
        }
        Ok(self)
    }

    /// Path of the vectors file of `step`.
    pub fn step_path(run_dir: &Path, step: u64) -> PathBuf {
        run_dir
            .join(SPECTRUM_FOLDER)
            .join(format!("step-{step:09}.npz"))
    }

    /// The records so far.
    pub fn records(&self) -> &[SpectrumRecord] {
        &self.records
    }

    /// Takes and writes the spectrum of `rbm` at (`step`, `epoch`); a record of the same step
    /// is replaced.
    ///
    /// # Errors
    /// The SVD fails (non-finite weights) or a file cannot be written.
    pub fn record<V: UnitKind, H: UnitKind, T: Float>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        step: u64,
        epoch: usize,
    ) -> Result<()> {
        let start = Instant::now();
        let w = rbm.weights().map(|x| x.as_f64());
        let (left, values, right) = crate::linalg::thin_svd(&w)?;
        let k = self.top_vectors.min(values.len());
        let n = w.len() as f64;
        let mean = w.iter().sum::<f64>() / n;
        let variance = w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let path = self.dir.join(format!("step-{step:09}.npz"));
        let top = |m: &DMatrix<f64>| m.columns(0, k).clone_owned();
        write_npz(
            &path,
            &[
                ("singular_values", NpyArray::from_floats(&values)),
                ("left", NpyArray::from_matrix(&top(&left))),
                ("right", NpyArray::from_matrix(&top(&right))),
                ("step", NpyArray::scalar_u64(step)),
                ("epoch", NpyArray::scalar_u64(epoch as u64)),
            ],
        )?;
        self.records.retain(|r| r.step != step);
        self.records.push(SpectrumRecord {
            step,
            epoch,
            weight_mean: mean,
            weight_variance: variance,
            svd_seconds: 0.0,
            singular_values: values,
        });
        self.records.sort_by_key(|r| r.step);
        let seconds = start.elapsed().as_secs_f64();
        if let Some(r) = self.records.iter_mut().find(|r| r.step == step) {
            r.svd_seconds = seconds;
        }
        write_atomic(
            &self.dir.join(SINGULAR_VALUES_FILE),
            singular_values_csv(&self.records).as_bytes(),
        )
    }
}

/// The `singular_values.csv` text of `records`.
pub fn singular_values_csv(records: &[SpectrumRecord]) -> String {
    let n = records
        .iter()
        .map(|r| r.singular_values.len())
        .max()
        .unwrap_or(0);
    let mut out = FIXED_COLUMNS.join(",");
    for a in 1..=n {
        let _ = write!(out, ",s{a}");
    }
    out.push('\n');
    for r in records {
        let _ = write!(
            out,
            "{},{},{:e},{:e},{:.6}",
            r.step, r.epoch, r.weight_mean, r.weight_variance, r.svd_seconds
        );
        for s in &r.singular_values {
            let _ = write!(out, ",{s:e}");
        }
        out.push('\n');
    }
    out
}

/// Reads a `singular_values.csv` written by [`SpectrumTracker`].
///
/// # Errors
/// [`Error::Io`] if unreadable; [`Error::Format`] naming the line and column of a bad entry.
pub fn read_singular_values(path: &Path) -> Result<Vec<SpectrumRecord>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.starts_with("step,epoch,") => {}
        _ => {
            return Err(Error::format(
                path,
                format!("line 1: expected the header '{}…'", FIXED_COLUMNS.join(",")),
            ))
        }
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |col: usize, field: &str| {
            Error::format(
                path,
                format!("line {}, column {}: cannot parse '{field}'", i + 1, col + 1),
            )
        };
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() < FIXED_COLUMNS.len() {
            return Err(Error::format(
                path,
                format!(
                    "line {}: {} fields, expected at least {}",
                    i + 1,
                    fields.len(),
                    FIXED_COLUMNS.len()
                ),
            ));
        }
        let num = |col: usize| -> Result<f64> {
            fields[col]
                .trim()
                .parse::<f64>()
                .map_err(|_| bad(col, fields[col]))
        };
        let step = fields[0]
            .trim()
            .parse::<u64>()
            .map_err(|_| bad(0, fields[0]))?;
        let epoch = fields[1]
            .trim()
            .parse::<usize>()
            .map_err(|_| bad(1, fields[1]))?;
        let singular_values = (FIXED_COLUMNS.len()..fields.len())
            .map(num)
            .collect::<Result<Vec<f64>>>()?;
        out.push(SpectrumRecord {
            step,
            epoch,
            weight_mean: num(2)?,
            weight_variance: num(3)?,
            svd_seconds: num(4)?,
            singular_values,
        });
    }
    Ok(out)
}

impl<V: UnitKind, H: UnitKind, T: Float> TrainingObserver<V, H, T> for SpectrumTracker {
    fn cadence(&self) -> Cadence {
        self.cadence
    }

    fn on_step(&mut self, s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        self.record(s.rbm, s.progress.step, s.progress.epoch)
    }

    fn on_finish(&mut self, s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        // the final model is always recorded, whatever the cadence
        if self.records.last().map(|r| r.step) != Some(s.progress.step) {
            self.record(s.rbm, s.progress.step, s.progress.epoch)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips_exactly() {
        let records = vec![
            SpectrumRecord {
                step: 0,
                epoch: 0,
                weight_mean: -1.25e-5,
                weight_variance: 1e-4,
                svd_seconds: 0.5,
                singular_values: vec![0.503, 0.1 + 0.2, 1e-300],
            },
            SpectrumRecord {
                step: 17,
                epoch: 1,
                weight_mean: 0.0,
                weight_variance: 2.0 / 3.0,
                svd_seconds: 0.25,
                singular_values: vec![3.0, std::f64::consts::PI, 0.0],
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(&path, singular_values_csv(&records)).unwrap();
        assert_eq!(read_singular_values(&path).unwrap(), records);
        std::fs::write(
            &path,
            "step,epoch,weight_mean,weight_variance,svd_seconds,s1\n1,0,0,1,0,x\n",
        )
        .unwrap();
        let err = read_singular_values(&path).unwrap_err().to_string();
        assert!(err.contains("line 2, column 6"), "{err}");
    }
}
