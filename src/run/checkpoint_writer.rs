//! Checkpoints as an observer: log-spaced snapshots of a run, the latest resumable state after
//! every epoch, and the final model.
//!
//! Files in the run directory, named by [`RunDir`] (all written atomically):
//! * [`RunDir::step_checkpoint`]: at log-spaced update steps ([`Cadence::LogSpaced`]);
//! * [`RunDir::checkpoint`]: the latest resumable state, rewritten at each epoch end and at the
//!   end;
//! * [`RunDir::model`]: the final model (a plain model file).
//!
//! Every checkpoint is also a valid model file and holds what resuming needs: optimiser state,
//! persistent chains, progress and the generator state (see [`crate::io::Checkpoint`]).

use super::checkpoint::{save_checkpoint, Checkpoint};
use super::dir::RunDir;
use crate::error::Result;
use crate::io::save_model;
use crate::linalg::Float;
use crate::training::observers::{Cadence, TrainingObserver, TrainingSnapshot};
use crate::units::UnitKind;

/// Writes checkpoints of a run into a run directory.
#[derive(Debug)]
pub struct CheckpointWriter {
    dir: RunDir,
    cadence: Cadence,
    metadata: serde_json::Value,
}

impl CheckpointWriter {
    /// Checkpoints into `dir` at `cadence` (plus every epoch end and the finish), each carrying
    /// `metadata` (descriptive only: dataset, version; the configuration is in `config.toml`).
    pub fn new(dir: RunDir, cadence: Cadence, metadata: serde_json::Value) -> Self {
        CheckpointWriter {
            dir,
            cadence,
            metadata,
        }
    }

    fn snapshot_checkpoint<V: UnitKind, H: UnitKind, T: Float>(
        &self,
        s: &TrainingSnapshot<'_, V, H, T>,
    ) -> Checkpoint<T> {
        Checkpoint {
            rbm: s.rbm.to_any(),
            optimizer: s.optimizer.clone(),
            progress: s.progress.clone(),
            chains: s.chains.cloned(),
            streams: s.streams.clone(),
            metadata: self.metadata.clone(),
        }
    }
}

impl<V: UnitKind, H: UnitKind, T: Float> TrainingObserver<V, H, T> for CheckpointWriter {
    fn cadence(&self) -> Cadence {
        self.cadence
    }

    fn on_step(&mut self, s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        let path = self.dir.step_checkpoint(s.progress.step);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| crate::Error::io(parent, e))?;
        }
        save_checkpoint(&path, &self.snapshot_checkpoint(s))
    }

    fn on_epoch_end(&mut self, s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        save_checkpoint(&self.dir.checkpoint(), &self.snapshot_checkpoint(s))
    }

    fn on_finish(&mut self, s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        save_checkpoint(&self.dir.checkpoint(), &self.snapshot_checkpoint(s))?;
        save_model(&self.dir.model(), &s.rbm.to_any())
    }
}
