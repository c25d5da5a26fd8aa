//! The spectrum of W along training, as an observer (`theory/spectral.md`, Fissore 2017 §II).
//!
//! At each due step (log-spaced by default) and once at initialisation (step 0), the tracker
//! takes the thin SVD $W = U\Sigma V^\top$ of the `Nv × Nh` weights (f64, singular values
//! descending) and writes, atomically, into the files a [`SpectrumFiles`] names (in a run
//! directory: `spectrum/`, named by `run::RunDir`):
//! * the table (`singular_values.csv`): one [`SpectrumRecord`] per save, columns
//!   `step,epoch,weight_mean,weight_variance,svd_seconds,s1,…,sn` ($n = \min(N_v, N_h)$, all
//!   singular values, shortest round-trip form); `weight_variance` is the population variance of
//!   the entries of W, so $T_{\rm eff} = 1/$`weight_variance` (Fissore's effective temperature);
//! * one vectors file per save ([`SpectrumFiles::step_file`], `step-NNNNNNNNN.npz`):
//!   `singular_values` ($n$), `left` (`Nv × K`, columns $u_\alpha$), `right` (`Nh × K`,
//!   columns $v_\alpha$) for the top $K$ modes, and `step`, `epoch`.
//!
//! Signs of singular vectors are arbitrary (the SVD fixes them only up to a common flip of
//! $u_\alpha, v_\alpha$); analyses compare absolute overlaps.
//!
//! A resumed run keeps the rows of an earlier part with `step ≤` the resumed step (the table is
//! rewritten with them at once, [`crate::io::table::resume_table`]) and writes the rest again, so the files are the same as those of an uninterrupted run (up to
//! `svd_seconds`).

use super::observers::{Cadence, TrainingObserver, TrainingSnapshot};
use crate::error::{Error, Result};
use crate::io::table::{read_table_positional, write_table, StepRow};
use crate::io::{write_npz, NpyArray};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

const FIXED_COLUMNS: [&str; 5] = [
    "step",
    "epoch",
    "weight_mean",
    "weight_variance",
    "svd_seconds",
];

/// Where the spectrum records go: the table of all singular values and one vectors file per
/// save. A run directory names them (`run::RunDir::spectrum_files`).
#[derive(Clone, Debug)]
pub struct SpectrumFiles {
    /// The folder of the vectors files (created when missing).
    pub dir: PathBuf,
    /// The table of all singular values.
    pub table: PathBuf,
    /// The name, inside `dir`, of the vectors file of a step.
    pub step_name: fn(u64) -> String,
}

impl SpectrumFiles {
    /// Path of the vectors file of `step`.
    pub fn step_file(&self, step: u64) -> PathBuf {
        self.dir.join((self.step_name)(step))
    }
}

/// One save of the tracker: all singular values (the vectors are in the `.npz` of the step).
/// One row of the table, fields in column order, `singular_values` taking the rest of the line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

impl StepRow for SpectrumRecord {
    fn step(&self) -> u64 {
        self.step
    }
}

/// Records the SVD of W during training into its [`SpectrumFiles`] (see the module docs).
#[derive(Debug)]
pub struct SpectrumTracker {
    files: SpectrumFiles,
    cadence: Cadence,
    top_vectors: usize,
    records: Vec<SpectrumRecord>,
}

impl SpectrumTracker {
    /// Tracks into `files` at `cadence`, keeping the top `top_vectors` singular vectors of
    /// each save (all singular values are always kept).
    pub fn new(files: SpectrumFiles, cadence: Cadence, top_vectors: usize) -> Self {
        SpectrumTracker {
            files,
            cadence,
            top_vectors,
            records: Vec::new(),
        }
    }

    /// Continues the records of an earlier part of the run: keeps those with `step ≤ step`
    /// and rewrites the table with them at once (the resume rule of
    /// [`crate::io::table::resume_table`]).
    ///
    /// # Errors
    /// An existing table that cannot be parsed or rewritten.
    pub fn resuming_at(mut self, step: u64) -> Result<Self> {
        if self.files.table.exists() {
            self.records = read_singular_values(&self.files.table)?
                .into_iter()
                .filter(|r| r.step <= step)
                .collect();
            write_singular_values(&self.files.table, &self.records)?;
        }
        Ok(self)
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
        let dir = &self.files.dir;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = self.files.step_file(step);
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
        write_singular_values(&self.files.table, &self.records)
    }
}

/// The header of a table of `records`: the fixed columns, then `s1…sn` for the longest
/// spectrum.
fn singular_values_header(records: &[SpectrumRecord]) -> Vec<String> {
    let n = records
        .iter()
        .map(|r| r.singular_values.len())
        .max()
        .unwrap_or(0);
    FIXED_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain((1..=n).map(|a| format!("s{a}")))
        .collect()
}

/// The `singular_values.csv` text of `records` (through [`crate::io::table`]).
///
/// # Errors
/// As [`crate::io::table::table_text`] (`path` names the table in errors).
pub fn singular_values_csv(path: &Path, records: &[SpectrumRecord]) -> Result<String> {
    crate::io::table::table_text(path, Some(&singular_values_header(records)), records)
}

/// Writes `records` as the table `path`, atomically.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn write_singular_values(path: &Path, records: &[SpectrumRecord]) -> Result<()> {
    write_table(path, Some(&singular_values_header(records)), records)
}

/// Reads a `singular_values.csv` written by [`SpectrumTracker`].
///
/// # Errors
/// [`Error::Io`] if unreadable; [`Error::Format`] naming the file and the line of a malformed
/// line, or a header that is not that of the table.
pub fn read_singular_values(path: &Path) -> Result<Vec<SpectrumRecord>> {
    let (header, records) = read_table_positional::<SpectrumRecord>(path)?;
    if header.len() < FIXED_COLUMNS.len() || header[..FIXED_COLUMNS.len()] != FIXED_COLUMNS {
        return Err(Error::format(
            path,
            format!("line 1: expected the header '{}…'", FIXED_COLUMNS.join(",")),
        ));
    }
    Ok(records)
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

    fn take_records(&mut self) -> Option<Box<dyn std::any::Any + Send>> {
        Some(Box::new(std::mem::take(&mut self.records)))
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
        std::fs::write(&path, singular_values_csv(&path, &records).unwrap()).unwrap();
        assert_eq!(read_singular_values(&path).unwrap(), records);
        std::fs::write(
            &path,
            "step,epoch,weight_mean,weight_variance,svd_seconds,s1\n1,0,0,1,0,x\n",
        )
        .unwrap();
        let err = read_singular_values(&path).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("s.csv"), "{err}");
    }
}
