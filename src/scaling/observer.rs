//! Equilibrium measurements during training, as an observer writing a table of
//! [`EquilibriumRecord`] rows (in a run directory: `equilibrium.csv`, named by `run::RunDir`).
//!
//! The model is frozen and measured ([`measure_or_enumerate`]) at
//! * step 0 ([`EquilibriumObserver::record`], called before training),
//! * log-spaced steps ($\lceil 10^{k/d}\rceil$, $d$ = `per_decade`, as [`Cadence::LogSpaced`]),
//! * every step where the control parameter $g$ has moved by $\ge$ `control_step` since the last
//!   measurement while $g \in$ [`control_min`, `control_max`] (dense sampling across the
//!   transition $g_c = 1$),
//! * the final model.
//!
//! For the control trigger $\sigma_1$ is tracked after every update by [`POWER_STEPS`]
//! warm-started power-iteration steps $x \leftarrow W^\top W x/\|W^\top W x\|$,
//! $\hat\sigma_1 = \|Wx\|$ (a lower bound on $\sigma_1$, tight once the top mode stands out);
//! only a measurement takes the full SVD ([`TopMode::of`]). Chains are warm-started from the
//! previous measurement. The observer draws from its own generator (seeded at construction),
//! never from the trainer's.
//!
//! # Resume
//! [`EquilibriumObserver::resuming_at`] keeps the rows with `step ≤` the resumed step and
//! rewrites the table with them at once ([`crate::io::table::resume_table`]). The
//! observer's generator and chains are not checkpointed, so rows after a resume are new,
//! equally valid measurements, not bit-identical to those of an uninterrupted run.

use super::equilibrium::{measure_or_enumerate, EquilibriumSettings};
use super::{EquilibriumRecord, TopMode};
use crate::error::{Error, Result};
use crate::io::table::{read_table, resume_table, table_text, write_table, StepRow};
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::sampling::ChainState;
use crate::training::{Cadence, TrainingObserver, TrainingSnapshot};
use crate::units::UnitKind;
use nalgebra::DVector;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::{Path, PathBuf};

/// Power-iteration steps per update for tracking $\sigma_1$.
pub const POWER_STEPS: usize = 3;
/// Mixed into the run seed for the observer's generator.
pub const EQUILIBRIUM_SEED_MIX: u64 = 0x4551_5549_4c49_4252;
/// The columns of `equilibrium.csv` (the fields of [`EquilibriumRecord`], in order).
pub const COLUMNS: [&str; 19] = [
    "step",
    "learning_time",
    "singular_value",
    "control",
    "chi",
    "chi_se",
    "chi_connected",
    "chi_connected_se",
    "mean_abs_m",
    "tau_m",
    "tau_m_se",
    "tau_m2",
    "tau_m2_se",
    "trustworthy",
    "chains",
    "burn_in",
    "sweeps",
    "exact",
    "gelman_rubin",
];

/// The columns a table must have ([`COLUMNS`] but `gelman_rubin`, absent from older files).
const REQUIRED_COLUMNS: usize = 18;

/// Measures the equilibrium of the model during training (module docs).
#[derive(Debug)]
pub struct EquilibriumObserver<T: Float> {
    csv: PathBuf,
    per_decade: u32,
    control_step: f64,
    control_range: (f64, f64),
    learning_rate: f64,
    settings: EquilibriumSettings,
    rng: StdRng,
    chains: Option<ChainState<T>>,
    power: Option<DVector<T>>,
    records: Vec<EquilibriumRecord>,
}

impl<T: Float> EquilibriumObserver<T> {
    /// Measures into the table `csv` `per_decade` times per decade of steps
    /// (0: only step 0, the control trigger and the end), with `settings`, drawing from a
    /// generator seeded with `seed ^` [`EQUILIBRIUM_SEED_MIX`]. No control trigger until
    /// [`with_control`](Self::with_control); `learning_time` = step until
    /// [`with_learning_rate`](Self::with_learning_rate).
    pub fn new(csv: PathBuf, per_decade: u32, settings: EquilibriumSettings, seed: u64) -> Self {
        EquilibriumObserver {
            csv,
            per_decade,
            control_step: 0.0,
            control_range: (0.5, 2.0),
            learning_rate: 1.0,
            settings,
            rng: StdRng::seed_from_u64(seed ^ EQUILIBRIUM_SEED_MIX),
            chains: None,
            power: None,
            records: Vec::new(),
        }
    }

    /// Also measures whenever $g$ moved by ≥ `step` since the last measurement while
    /// $g \in$ [`min`, `max`] (`step = 0`: off).
    ///
    /// # Errors
    /// `step` negative or not finite; not `0 ≤ min < max < ∞`.
    pub fn with_control(mut self, step: f64, min: f64, max: f64) -> Result<Self> {
        if !(step.is_finite() && step >= 0.0) {
            return Err(Error::invalid(
                "equilibrium_control_step",
                step,
                "must be finite and >= 0",
            ));
        }
        if !(min.is_finite() && max.is_finite() && 0.0 <= min && min < max) {
            return Err(Error::invalid(
                "equilibrium_control_min",
                format!("[{min}, {max}]"),
                "need 0 <= min < max, both finite",
            ));
        }
        (self.control_step, self.control_range) = (step, (min, max));
        Ok(self)
    }

    /// `learning_time` = `learning_rate` × step.
    #[must_use]
    pub fn with_learning_rate(mut self, learning_rate: f64) -> Self {
        self.learning_rate = learning_rate;
        self
    }

    /// Continues an earlier part of the run: keeps the rows of the table with `step ≤ step`
    /// and rewrites it with them ([`resume_table`]).
    ///
    /// # Errors
    /// An existing table that cannot be parsed or rewritten.
    pub fn resuming_at(mut self, step: u64) -> Result<Self> {
        self.records = resume_table(&self.csv, &COLUMNS[..REQUIRED_COLUMNS], step)?;
        Ok(self)
    }

    /// The measurements so far, by step.
    pub fn records(&self) -> &[EquilibriumRecord] {
        &self.records
    }

    /// Measures `rbm` now as step `step` (a row of the same step is replaced) and rewrites the
    /// table.
    ///
    /// # Errors
    /// As [`measure_or_enumerate`]; the table cannot be written.
    pub fn record<V: UnitKind, H: UnitKind>(
        &mut self,
        rbm: &Rbm<V, H, T>,
        step: u64,
    ) -> Result<()> {
        let mode = TopMode::of(rbm)?;
        let start = self.chains.take();
        let eq = measure_or_enumerate(rbm, &mode, &self.settings, start, &mut self.rng)?;
        self.chains = Some(eq.chains);
        let mut record = eq.record;
        record.step = step;
        record.learning_time = self.learning_rate * step as f64;
        self.records.retain(|r| r.step != step);
        self.records.push(record);
        self.records.sort_by_key(|r| r.step);
        // restart the σ₁ tracker along the measured mode: x ∝ Wᵀu₁
        let u: DVector<T> = mode.direction.map(T::of);
        let x = rbm.weights().tr_mul(&u);
        let norm = x.norm();
        self.power = (norm > T::zero()).then(|| x / norm);
        if let Some(parent) = self.csv.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        write_table(&self.csv, None, &self.records)
    }

    /// $\hat\sigma_1$ after [`POWER_STEPS`] warm-started power-iteration steps, as $g$.
    fn tracked_control<V: UnitKind, H: UnitKind>(&mut self, rbm: &Rbm<V, H, T>) -> f64 {
        let w = rbm.weights();
        let mut x = match self.power.take() {
            Some(x) if x.len() == w.ncols() => x,
            _ => DVector::from_element(w.ncols(), T::one() / T::of((w.ncols() as f64).sqrt())),
        };
        let mut sigma = T::zero();
        for _ in 0..POWER_STEPS {
            let y = w * &x;
            sigma = y.norm();
            let z = w.tr_mul(&y);
            let norm = z.norm();
            if norm <= T::zero() {
                break;
            }
            x = z / norm;
        }
        self.power = Some(x);
        let gain = rbm.visible().variance(0.0f64) * rbm.hidden().variance(0.0f64);
        sigma.as_f64().powi(2) * gain
    }
}

impl<V: UnitKind, H: UnitKind, T: Float> TrainingObserver<V, H, T> for EquilibriumObserver<T> {
    fn cadence(&self) -> Cadence {
        if self.control_step > 0.0 {
            Cadence::EveryStep
        } else {
            Cadence::LogSpaced {
                per_decade: self.per_decade,
            }
        }
    }

    fn on_step(&mut self, s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        let step = s.progress.step;
        let log_due = Cadence::LogSpaced {
            per_decade: self.per_decade,
        }
        .is_due(step);
        let control_due = self.control_step > 0.0 && {
            let g = self.tracked_control(s.rbm);
            let (lo, hi) = self.control_range;
            let last = self.records.last().map(|r| r.control);
            (lo..=hi).contains(&g) && last.is_none_or(|l| (g - l).abs() >= self.control_step)
        };
        if log_due || control_due {
            self.record(s.rbm, step)?;
        }
        Ok(())
    }

    fn on_finish(&mut self, s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        if self.records.last().map(|r| r.step) != Some(s.progress.step) {
            self.record(s.rbm, s.progress.step)?;
        }
        Ok(())
    }

    fn take_records(&mut self) -> Option<Box<dyn std::any::Any + Send>> {
        Some(Box::new(std::mem::take(&mut self.records)))
    }
}

impl StepRow for EquilibriumRecord {
    fn step(&self) -> u64 {
        self.step
    }
}

/// The table text of `records` (header [`COLUMNS`]; floats in shortest round-trip form, so a
/// read gives the same numbers; through [`crate::io::table`]).
pub fn equilibrium_csv(records: &[EquilibriumRecord]) -> String {
    // rows of plain fields always serialise
    table_text(Path::new("equilibrium.csv"), None, records).unwrap_or_default()
}

/// Reads a table written by [`EquilibriumObserver`] (columns matched by name; files written
/// before `gelman_rubin` existed read it as NaN).
///
/// # Errors
/// [`Error::Io`] if unreadable; [`Error::Format`] naming the file and the line of a malformed
/// line.
pub fn read_equilibrium_csv(path: &Path) -> Result<Vec<EquilibriumRecord>> {
    read_table(path, &COLUMNS[..REQUIRED_COLUMNS])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rows_name_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("equilibrium.csv");
        let good = "1,1e-2,1,1,2,0.1,1,0.1,0.5,3,0.1,2,0.1,true,16,100,2000,false,1.01";
        std::fs::write(&path, format!("{}\n{good}\n", COLUMNS.join(","))).unwrap();
        let rows = read_equilibrium_csv(&path).unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].trustworthy && !rows[0].exact && rows[0].learning_time == 1e-2);
        let text = equilibrium_csv(&rows);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_equilibrium_csv(&path).unwrap(), rows);
        let bad = good.replace("true", "yes");
        std::fs::write(&path, format!("{}\n{bad}\n", COLUMNS.join(","))).unwrap();
        let err = read_equilibrium_csv(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("equilibrium.csv"),
            "{err}"
        );
        std::fs::write(&path, "step,chi\n").unwrap();
        assert!(read_equilibrium_csv(&path)
            .unwrap_err()
            .to_string()
            .contains("line 1"));
    }
}
