//! Training checkpoints: everything a run needs to resume bit-identically, in one `.npz`.
//!
//! # Format
//! A checkpoint is a valid model file (see [`crate::io::model`]) with these extra keys:
//!
//! | key | dtype | shape | content |
//! |---|---|---|---|
//! | `checkpoint_format` | `<U` | `()` | `rbmdyn-checkpoint-2` |
//! | `optimizer_updates` | `<u8` | `()` | [`OptimizerState::updates`] |
//! | `velocity_weight_matrix`, `velocity_vbias`, `velocity_hbias` | `T` | as the model | momentum buffer, if any |
//! | `chains_visible`, `chains_hidden` | `T` | `(chains, Nv)`, `(chains, Nh)` | persistent chains, if any |
//! | `streams` | `<U` | `()` | JSON of the [`TrainStreams`] (batch-order and sampler generators, serde) |
//! | `progress` | `<U` | `()` | JSON of [`Progress`] |
//! | `metadata` | `<U` | `()` | free-form JSON |
//!
//! # Conventions
//! All float arrays keep the training float type `T` exactly (`f32` stays `<f4`), so a run
//! resumed from a checkpoint continues bit-identically. Loading a checkpoint as another float
//! type is an error rather than a silent rounding. The generator state and progress are
//! integers, exact in JSON. `metadata` is descriptive only (never used to resume); its floats
//! are written in shortest round-trip form.
//!
//! Format 1 (one generator for batch order and sampling, key `rng_state`) cannot be continued
//! with two generators; loading it is an error that says so.

use crate::error::{Error, Result};
use crate::io::model::{float_dtype_name, float_values, get, model_arrays, model_from_arrays};
use crate::io::model::{scalar_string, WEIGHT_MATRIX};
use crate::io::npy::{NpyArray, NpyData};
use crate::io::npz::{read_npz, write_npz};
use crate::linalg::Float;
use crate::rbm::AnyRbm;
use crate::sampling::ChainState;
use crate::training::{Gradient, OptimizerState, Progress, TrainStreams};
use nalgebra::{DMatrix, DVector};
use std::collections::BTreeMap;
use std::path::Path;

/// Value of the `checkpoint_format` key written by this version.
pub const CHECKPOINT_FORMAT: &str = "rbmdyn-checkpoint-2";

const FORMAT_KEY: &str = "checkpoint_format";
const UPDATES: &str = "optimizer_updates";
const VELOCITY: [&str; 3] = ["velocity_weight_matrix", "velocity_vbias", "velocity_hbias"];
const CHAINS: [&str; 2] = ["chains_visible", "chains_hidden"];
const STREAMS: &str = "streams";
const PROGRESS: &str = "progress";
const METADATA: &str = "metadata";

/// The state of a training run at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint<T: Float> {
    /// The model.
    pub rbm: AnyRbm<T>,
    /// The optimiser's momentum buffer and update count.
    pub optimizer: OptimizerState<T>,
    /// Where the run stands (step, epoch, permutation).
    pub progress: Progress,
    /// Persistent chains, for estimators that keep them.
    pub chains: Option<ChainState<T>>,
    /// The trainer's generators.
    pub streams: TrainStreams,
    /// Free-form run description (configuration, seed, command line).
    pub metadata: serde_json::Value,
}

/// Saves a checkpoint atomically (see the module docs for the format).
///
/// # Errors
/// [`Error::Io`] naming `path`; [`Error::ShapeMismatch`] if the velocity or chains do not fit
/// the model (such a checkpoint could not be loaded back).
pub fn save_checkpoint<T: Float>(path: &Path, checkpoint: &Checkpoint<T>) -> Result<()> {
    let rbm = &checkpoint.rbm;
    let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
    let mut arrays = model_arrays(rbm);
    arrays.push((FORMAT_KEY, NpyArray::scalar_str(CHECKPOINT_FORMAT)));
    arrays.push((UPDATES, NpyArray::scalar_u64(checkpoint.optimizer.updates)));
    if let Some(v) = &checkpoint.optimizer.velocity {
        let shapes = (v.weights.shape(), v.visible_bias.len(), v.hidden_bias.len());
        if shapes != ((nv, nh), nv, nh) {
            return Err(Error::shape(
                "checkpoint velocity",
                format!("({nv}, {nh}), ({nv},), ({nh},)"),
                format!("{shapes:?}"),
            ));
        }
        arrays.push((VELOCITY[0], NpyArray::from_matrix(&v.weights)));
        arrays.push((
            VELOCITY[1],
            NpyArray::from_floats(v.visible_bias.as_slice()),
        ));
        arrays.push((VELOCITY[2], NpyArray::from_floats(v.hidden_bias.as_slice())));
    }
    if let Some(c) = &checkpoint.chains {
        if c.visible.ncols() != nv
            || c.hidden.ncols() != nh
            || c.visible.nrows() != c.hidden.nrows()
        {
            return Err(Error::shape(
                "checkpoint chains",
                format!("(chains, {nv}) and (chains, {nh})"),
                format!("{:?} and {:?}", c.visible.shape(), c.hidden.shape()),
            ));
        }
        arrays.push((CHAINS[0], NpyArray::from_matrix(&c.visible)));
        arrays.push((CHAINS[1], NpyArray::from_matrix(&c.hidden)));
    }
    let json = |what: &str, r: serde_json::Result<String>| {
        r.map_err(|e| Error::invalid("checkpoint", what.to_string(), e.to_string()))
    };
    let streams = json(STREAMS, serde_json::to_string(&checkpoint.streams))?;
    let progress = json(PROGRESS, serde_json::to_string(&checkpoint.progress))?;
    arrays.push((STREAMS, NpyArray::scalar_str(&streams)));
    arrays.push((PROGRESS, NpyArray::scalar_str(&progress)));
    arrays.push((
        METADATA,
        NpyArray::scalar_str(&checkpoint.metadata.to_string()),
    ));
    write_npz(path, &arrays)
}

/// Loads a checkpoint whose float arrays have `T`'s dtype.
///
/// # Errors
/// [`Error::Io`] naming `path`; [`Error::Format`] naming `path` and the key for: anything
/// [`crate::io::load_model`] rejects, a missing `checkpoint_format` (a plain model file) or an
/// unknown one, float arrays of another dtype than `T` (the message names both dtypes), a
/// partial velocity or chain set, shapes that do not fit the model, invalid JSON.
pub fn load_checkpoint<T: Float>(path: &Path) -> Result<Checkpoint<T>> {
    let arrays = read_npz(path)?;
    if !arrays.contains_key(FORMAT_KEY) {
        return Err(Error::format(
            path,
            format!("missing key '{FORMAT_KEY}': not a checkpoint (a plain model file?)"),
        ));
    }
    let format = scalar_string(&arrays, FORMAT_KEY, path)?;
    if format == "rbmdyn-checkpoint-1" {
        return Err(Error::format(
            path,
            "a format-1 checkpoint (one generator for batch order and sampling) cannot be \
             resumed by this version, which draws them from two; start the run afresh \
             (its model.npz is still a model file)",
        ));
    }
    if format != CHECKPOINT_FORMAT {
        return Err(Error::format(
            path,
            format!("key '{FORMAT_KEY}' is '{format}'; this version reads '{CHECKPOINT_FORMAT}'"),
        ));
    }
    let dtype = get(&arrays, WEIGHT_MATRIX, path)?.dtype();
    if dtype != T::DTYPE {
        return Err(Error::format(
            path,
            format!(
                "checkpoint parameters are {} (key '{WEIGHT_MATRIX}'), but it was loaded as {}",
                float_dtype_name(&dtype),
                float_dtype_name(T::DTYPE)
            ),
        ));
    }
    let rbm: AnyRbm<T> = model_from_arrays(&arrays, path, true)?;
    let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
    let updates = match &get(&arrays, UPDATES, path)?.data {
        NpyData::U64(v) if v.len() == 1 => v[0],
        _ => {
            return Err(Error::format(
                path,
                format!("key '{UPDATES}' must be a 0-d uint64 ('<u8') array"),
            ))
        }
    };
    let velocity = if present(&arrays, &VELOCITY, path)? {
        Some(Gradient {
            weights: matrix(&arrays, VELOCITY[0], path, nv, nh)?,
            visible_bias: DVector::from_vec(float_values(&arrays, VELOCITY[1], path, &[nv], true)?),
            hidden_bias: DVector::from_vec(float_values(&arrays, VELOCITY[2], path, &[nh], true)?),
        })
    } else {
        None
    };
    let chains = if present(&arrays, &CHAINS, path)? {
        let rows = get(&arrays, CHAINS[0], path)?
            .shape
            .first()
            .copied()
            .unwrap_or(0);
        Some(ChainState {
            visible: matrix(&arrays, CHAINS[0], path, rows, nv)?,
            hidden: matrix(&arrays, CHAINS[1], path, rows, nh)?,
        })
    } else {
        None
    };
    Ok(Checkpoint {
        rbm,
        optimizer: OptimizerState { velocity, updates },
        progress: from_json(&arrays, PROGRESS, path)?,
        chains,
        streams: from_json(&arrays, STREAMS, path)?,
        metadata: from_json(&arrays, METADATA, path)?,
    })
}

/// Whether `path` is a checkpoint in the format this version writes. A finished run whose
/// checkpoint has an older format drew its random numbers differently and is not reused.
pub fn is_current_checkpoint(path: &Path) -> bool {
    read_npz(path).is_ok_and(|arrays| {
        scalar_string(&arrays, FORMAT_KEY, path).is_ok_and(|f| f == CHECKPOINT_FORMAT)
    })
}

/// Whether all of `keys` are present; an error if only some are.
fn present(arrays: &BTreeMap<String, NpyArray>, keys: &[&str], path: &Path) -> Result<bool> {
    let found: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| arrays.contains_key(*k))
        .collect();
    match found.len() {
        0 => Ok(false),
        n if n == keys.len() => Ok(true),
        _ => {
            let missing: Vec<&str> = keys
                .iter()
                .copied()
                .filter(|k| !found.contains(k))
                .collect();
            Err(Error::format(
                path,
                format!(
                    "incomplete checkpoint: has '{}' but lacks '{}'",
                    found.join("', '"),
                    missing.join("', '")
                ),
            ))
        }
    }
}

fn matrix<T: Float>(
    arrays: &BTreeMap<String, NpyArray>,
    key: &str,
    path: &Path,
    rows: usize,
    cols: usize,
) -> Result<DMatrix<T>> {
    let values = float_values(arrays, key, path, &[rows, cols], true)?;
    Ok(DMatrix::from_row_slice(rows, cols, &values))
}

fn from_json<X: serde::de::DeserializeOwned>(
    arrays: &BTreeMap<String, NpyArray>,
    key: &str,
    path: &Path,
) -> Result<X> {
    let text = scalar_string(arrays, key, path)?;
    serde_json::from_str(text)
        .map_err(|e| Error::format(path, format!("key '{key}' holds invalid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::AnyUnit;
    use rand::RngCore;

    #[test]
    fn partial_velocity_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.npz");
        let rbm = AnyRbm::<f64>::zeros(2, 3, AnyUnit::Binary, AnyUnit::Ising);
        let mut streams = crate::training::TrainStreams::from_seed(3);
        streams.sampling.next_u64();
        let c = Checkpoint {
            rbm,
            optimizer: OptimizerState {
                velocity: Some(Gradient::zeros(2, 3)),
                updates: 4,
            },
            progress: Progress::default(),
            chains: None,
            streams,
            metadata: serde_json::json!({"seed": 3}),
        };
        save_checkpoint(&path, &c).unwrap();
        assert_eq!(load_checkpoint::<f64>(&path).unwrap(), c);
        let mut arrays = read_npz(&path).unwrap();
        arrays.remove(VELOCITY[1]);
        let list: Vec<(&str, NpyArray)> = arrays
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        write_npz(&path, &list).unwrap();
        let err = load_checkpoint::<f64>(&path).unwrap_err().to_string();
        assert!(
            err.contains("velocity_vbias") && err.contains("c.npz"),
            "{err}"
        );
    }

    #[test]
    fn mismatched_chains_are_refused_on_save() {
        let rbm = AnyRbm::<f32>::zeros(2, 3, AnyUnit::Binary, AnyUnit::Binary);
        let c = Checkpoint {
            rbm,
            optimizer: OptimizerState::default(),
            progress: Progress::default(),
            chains: Some(ChainState {
                visible: DMatrix::zeros(4, 2),
                hidden: DMatrix::zeros(4, 2),
            }),
            streams: crate::training::TrainStreams::from_seed(1),
            metadata: serde_json::Value::Null,
        };
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            save_checkpoint(&dir.path().join("c.npz"), &c),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}
