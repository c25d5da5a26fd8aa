//! The run directory as a type: the only code that names a run's files.
//!
//! | file | what | written by |
//! |---|---|---|
//! | `config.toml` | the full [`TrainConfig`] (defaults filled in); the only copy of it | [`super::train_on`] |
//! | `metrics.csv` | one [`EpochMetrics`] row per epoch | [`crate::training::MetricsMonitor`] |
//! | `likelihood.csv` | one [`LikelihoodRecord`] row per evaluation | [`crate::training::LikelihoodMonitor`] |
//! | `equilibrium.csv` | one [`EquilibriumRecord`] row per measurement | [`crate::scaling::EquilibriumObserver`] |
//! | `spectrum/singular_values.csv` | one [`SpectrumRecord`] row per save | [`crate::training::SpectrumTracker`] |
//! | `spectrum/step-NNNNNNNNN.npz` | top singular vectors of a save | [`crate::training::SpectrumTracker`] |
//! | `checkpoints/step-NNNNNNNNN.npz` | checkpoints at log-spaced steps | [`super::CheckpointWriter`] |
//! | `checkpoint.npz` | the latest resumable state | [`super::CheckpointWriter`] |
//! | `model.npz` | the final model | [`super::CheckpointWriter`] |
//!
//! The tables are read and written through [`crate::io::table`] (its rules for malformed lines
//! and for resume apply to all of them). Observers in the physics modules do not know this
//! layout: they are handed the paths below.

use super::TrainConfig;
use crate::error::{Error, Result};
use crate::io::table::read_table;
use crate::scaling::EquilibriumRecord;
use crate::spectral::dynamics::RunSpectrum;
use crate::training::{EpochMetrics, LikelihoodRecord, SpectrumFiles};
use std::path::{Path, PathBuf};

/// The name of the file of a step (`step-NNNNNNNNN.npz`), in `spectrum/` and `checkpoints/`.
fn step_file_name(step: u64) -> String {
    format!("step-{step:09}.npz")
}

/// A run directory (see the module docs for its files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// The run directory at `path` (nothing is read or created).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        RunDir { root: path.into() }
    }

    /// The run directory at `path`, which must hold a `config.toml` (a run written by
    /// `rbmdyn train`); `flag` names the option that gave the path in the error.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `flag` and the missing `config.toml`.
    pub fn existing(path: impl Into<PathBuf>, flag: &'static str) -> Result<Self> {
        let dir = RunDir::new(path);
        let config = dir.config_toml();
        if !config.exists() {
            return Err(Error::invalid(
                flag,
                config.display(),
                "not found: RUN_DIR must be a run directory written by `rbmdyn train`",
            ));
        }
        Ok(dir)
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// `config.toml`: the run's configuration.
    pub fn config_toml(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// `metrics.csv`: one [`EpochMetrics`] row per epoch.
    pub fn metrics_csv(&self) -> PathBuf {
        self.root.join("metrics.csv")
    }

    /// `likelihood.csv`: one [`LikelihoodRecord`] row per evaluation.
    pub fn likelihood_csv(&self) -> PathBuf {
        self.root.join("likelihood.csv")
    }

    /// `equilibrium.csv`: one [`EquilibriumRecord`] row per measurement.
    pub fn equilibrium_csv(&self) -> PathBuf {
        self.root.join("equilibrium.csv")
    }

    /// `spectrum/`: the spectrum records.
    pub fn spectrum_dir(&self) -> PathBuf {
        self.root.join("spectrum")
    }

    /// `spectrum/singular_values.csv`: one [`SpectrumRecord`](crate::training::SpectrumRecord)
    /// row per save.
    pub fn singular_values_csv(&self) -> PathBuf {
        self.spectrum_dir().join("singular_values.csv")
    }

    /// `spectrum/step-NNNNNNNNN.npz`: the top singular vectors saved at `step`.
    pub fn spectrum_step(&self, step: u64) -> PathBuf {
        self.spectrum_dir().join(step_file_name(step))
    }

    /// The spectrum files, as [`crate::training::SpectrumTracker`] and [`RunSpectrum`] take
    /// them.
    pub fn spectrum_files(&self) -> SpectrumFiles {
        SpectrumFiles {
            dir: self.spectrum_dir(),
            table: self.singular_values_csv(),
            step_name: step_file_name,
        }
    }

    /// `checkpoints/`: the log-spaced checkpoints.
    pub fn checkpoints_dir(&self) -> PathBuf {
        self.root.join("checkpoints")
    }

    /// `checkpoints/step-NNNNNNNNN.npz`: the checkpoint at `step`.
    pub fn step_checkpoint(&self, step: u64) -> PathBuf {
        self.checkpoints_dir().join(step_file_name(step))
    }

    /// `checkpoint.npz`: the latest resumable state.
    pub fn checkpoint(&self) -> PathBuf {
        self.root.join("checkpoint.npz")
    }

    /// `model.npz`: the final model.
    pub fn model(&self) -> PathBuf {
        self.root.join("model.npz")
    }

    /// Reads `config.toml`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the file when it is missing (not a run directory); parse
    /// errors naming the file.
    pub fn read_config(&self) -> Result<TrainConfig> {
        let path = self.config_toml();
        if !path.exists() {
            return Err(Error::invalid(
                "RUN_DIR",
                path.display(),
                "not found: not a run directory written by `rbmdyn train`",
            ));
        }
        TrainConfig::from_toml_file(&path)
    }

    /// Reads `metrics.csv`.
    ///
    /// # Errors
    /// As [`read_table`]: the file and line of a malformed line.
    pub fn read_metrics(&self) -> Result<Vec<EpochMetrics>> {
        read_table(&self.metrics_csv(), &EpochMetrics::COLUMNS)
    }

    /// Reads `likelihood.csv`.
    ///
    /// # Errors
    /// As [`read_table`].
    pub fn read_likelihood(&self) -> Result<Vec<LikelihoodRecord>> {
        read_table(&self.likelihood_csv(), &LikelihoodRecord::COLUMNS)
    }

    /// Reads `equilibrium.csv`.
    ///
    /// # Errors
    /// As [`crate::scaling::read_equilibrium_csv`].
    pub fn read_equilibrium(&self) -> Result<Vec<EquilibriumRecord>> {
        crate::scaling::read_equilibrium_csv(&self.equilibrium_csv())
    }

    /// Reads the spectrum records.
    ///
    /// # Errors
    /// As [`RunSpectrum::load`].
    pub fn spectrum(&self) -> Result<RunSpectrum> {
        RunSpectrum::load(&self.spectrum_files())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_files_of_a_run() {
        let d = RunDir::new("/r");
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(d.config_toml(), p("/r/config.toml"));
        assert_eq!(d.metrics_csv(), p("/r/metrics.csv"));
        assert_eq!(d.likelihood_csv(), p("/r/likelihood.csv"));
        assert_eq!(d.equilibrium_csv(), p("/r/equilibrium.csv"));
        assert_eq!(
            d.singular_values_csv(),
            p("/r/spectrum/singular_values.csv")
        );
        assert_eq!(d.spectrum_step(7), p("/r/spectrum/step-000000007.npz"));
        assert_eq!(d.spectrum_files().step_file(7), d.spectrum_step(7));
        assert_eq!(
            d.step_checkpoint(12),
            p("/r/checkpoints/step-000000012.npz")
        );
        assert_eq!(d.checkpoint(), p("/r/checkpoint.npz"));
        assert_eq!(d.model(), p("/r/model.npz"));
    }

    #[test]
    fn a_malformed_metrics_line_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::new(dir.path());
        std::fs::write(
            run.metrics_csv(),
            "epoch,step,seconds,reconstruction_error,log_likelihood,weight_std\n\
             1,10,0.5,0.25,,0.01\n\
             2,20,0.5,x,,0.01\n",
        )
        .unwrap();
        let err = run.read_metrics().unwrap_err().to_string();
        assert!(
            err.contains("metrics.csv") && err.contains("line 3"),
            "{err}"
        );
    }
}
