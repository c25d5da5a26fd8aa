//! Observers of a training run (STYLE R6): analysis plugs in here, not into the loop.

use super::{Gradient, OptimizerState, Progress, TrainStreams};
use crate::error::Result;
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::sampling::ChainState;
use crate::units::UnitKind;
use nalgebra::DMatrixView;
use std::any::Any;

/// When an observer's [`TrainingObserver::on_step`] runs. Steps count parameter updates from 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cadence {
    /// After every update.
    EveryStep,
    /// After updates `n, 2n, 3n, …`.
    Every(u64),
    /// At log-spaced updates: the distinct integers $\lceil 10^{k/d}\rceil$, $k = 0, 1, …$
    /// ($d$ = `per_decade`), i.e. about $d$ times per decade of training time.
    LogSpaced {
        /// Points per decade.
        per_decade: u32,
    },
    /// Never (the observer only uses epoch ends / finish).
    Never,
}

impl Cadence {
    /// Whether `step` (≥ 1) is due.
    pub fn is_due(&self, step: u64) -> bool {
        match *self {
            Cadence::EveryStep => true,
            Cadence::Every(n) => n > 0 && step.is_multiple_of(n),
            Cadence::Never => false,
            Cadence::LogSpaced { per_decade } => {
                if step == 0 || per_decade == 0 {
                    return false;
                }
                // step is due iff some k has ceil(10^{k/d}) == step; such k lie near d·log10(step).
                let d = per_decade as f64;
                let k = ((step as f64).log10() * d).floor();
                // candidates k and k+1 (floating-point safety)
                [k - 1.0, k, k + 1.0, k + 2.0]
                    .iter()
                    .filter(|&&k| k >= 0.0)
                    .any(|&k| log_point(k, d) == step)
            }
        }
    }
}

fn log_point(k: f64, per_decade: f64) -> u64 {
    let x = 10f64.powf(k / per_decade);
    // guard against 10^{k/d} landing a hair above an integer
    let r = x.round();
    if (x - r).abs() < 1e-9 * r.max(1.0) {
        r as u64
    } else {
        x.ceil() as u64
    }
}

/// What an observer sees after an update (or at an epoch end).
pub struct TrainingSnapshot<'a, V: UnitKind, H: UnitKind, T: Float> {
    /// Position in the run.
    pub progress: &'a Progress,
    /// The model after the update.
    pub rbm: &'a Rbm<V, H, T>,
    /// The gradient estimate of the last update.
    pub gradient: &'a Gradient<T>,
    /// Persistent chains, if the estimator has any.
    pub chains: Option<&'a ChainState<T>>,
    /// Optimiser state.
    pub optimizer: &'a OptimizerState<T>,
    /// The trainer's random generators (observers must not draw from them; checkpoints save
    /// them).
    pub streams: &'a TrainStreams,
    /// The training data (rows = samples).
    pub data: DMatrixView<'a, T>,
    /// Wall-clock seconds since the start of this epoch.
    pub epoch_seconds: f64,
}

/// Something that watches a training run: metrics, spectra, checkpoints, logging.
pub trait TrainingObserver<V: UnitKind, H: UnitKind, T: Float>: Send {
    /// When [`TrainingObserver::on_step`] is called.
    fn cadence(&self) -> Cadence;
    /// Called after each due update.
    ///
    /// # Errors
    /// An error stops the run (e.g. a checkpoint that cannot be written).
    fn on_step(&mut self, _snapshot: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        Ok(())
    }
    /// Called after each completed epoch (`progress.epoch` is the number completed).
    ///
    /// # Errors
    /// As `on_step`.
    fn on_epoch_end(&mut self, _snapshot: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        Ok(())
    }
    /// Called once when the run ends.
    ///
    /// # Errors
    /// As `on_step`.
    fn on_finish(&mut self, _snapshot: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        Ok(())
    }
    /// Hands over what the observer recorded (called once, by [`super::Trainer::finish`],
    /// after `on_finish`): e.g. a `Vec` of its rows. Default: nothing.
    fn take_records(&mut self) -> Option<Box<dyn Any + Send>> {
        None
    }
}

/// The records of a run's observers, as handed back by [`super::Trainer::finish`]: each
/// observer's [`TrainingObserver::take_records`], in the order the observers were added.
#[derive(Default)]
pub struct ObserverRecords {
    items: Vec<Box<dyn Any + Send>>,
}

impl std::fmt::Debug for ObserverRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ObserverRecords({} sets)", self.items.len())
    }
}

impl ObserverRecords {
    /// Adds one observer's records.
    pub fn push(&mut self, records: Box<dyn Any + Send>) {
        self.items.push(records);
    }

    /// Takes the first records of type `R` (e.g. `Vec<EpochMetrics>`), if any observer
    /// handed back such records.
    pub fn take<R: Any>(&mut self) -> Option<R> {
        let i = self.items.iter().position(|r| r.is::<R>())?;
        self.items.remove(i).downcast::<R>().ok().map(|r| *r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_spaced_cadence_hits_expected_steps() {
        let c = Cadence::LogSpaced { per_decade: 4 };
        let due: Vec<u64> = (1..=200).filter(|&s| c.is_due(s)).collect();
        // ceil(10^{k/4}) for k = 0..9: 1, 2 (1.778), 4 (3.162), 6 (5.623), 10, 18, 32, 57, 100, 178
        assert_eq!(due, vec![1, 2, 4, 6, 10, 18, 32, 57, 100, 178]);
        let c = Cadence::LogSpaced { per_decade: 20 };
        let n = (1..=100_000).filter(|&s| c.is_due(s)).count();
        // 5 decades × 20 points, minus collisions among the first small integers
        assert!((85..=101).contains(&n), "{n}");
        assert!(Cadence::Every(3).is_due(9) && !Cadence::Every(3).is_due(10));
    }
}
