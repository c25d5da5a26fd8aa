//! Files: NPY/NPZ round trips, model files, checkpoints, atomic writes, malformed inputs, and
//! cross-checks against NumPy (`tests/python/numpy_model.py`; skipped without python3+numpy).

// Tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![allow(clippy::float_cmp)]

#[macro_use]
mod common;

use nalgebra::DMatrix;
use rand::{RngCore, SeedableRng};
use rbmdyn::io::{
    load_model, load_model_as, read_npy, read_npz, save_model, write_atomic, write_atomic_with,
    write_npy, write_npz, write_npz_compressed, MemoryOrder, NpyArray, NpyData,
};
use rbmdyn::linalg::Float;
use rbmdyn::rbm::AnyRbm;
use rbmdyn::run::{load_checkpoint, save_checkpoint, Checkpoint};
use rbmdyn::sampling::exact::Enumeration;
use rbmdyn::sampling::ChainState;
use rbmdyn::training::{
    train_rng, GradientEstimator, PersistentContrastiveDivergence, Progress, Sgd, TrainStreams,
    Trainer, TrainerConfig, TrainingObserver, TrainingSnapshot,
};
use rbmdyn::units::{AnyUnit, Gaussian};
use rbmdyn::Error;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// NumPy and rbmdyn both compute ln Z in f64 from the same stored values; numpy sums all
/// 2^(Nv+Nh) terms, rbmdyn sums one layer out analytically. Only round-off differs (≈ 1e-14
/// relative for ≤ 2^11 terms), so 1e-10 leaves a wide margin without hiding a wrong parameter.
const LOG_Z_REL_TOL: f64 = 1e-10;

fn kinds() -> [AnyUnit; 3] {
    [
        AnyUnit::Binary,
        AnyUnit::Ising,
        AnyUnit::Gaussian(Gaussian::new(2.5).unwrap()),
    ]
}

fn model<T: Float>(nv: usize, nh: usize, v: AnyUnit, h: AnyUnit, seed: u64) -> AnyRbm<T> {
    // Weights of std 0.3 keep ln Z finite for Gaussian layers of precision ≥ 0.7 at these sizes.
    common::random_rbm(nv, nh, 0.3, 0.3, seed, v, h).cast::<T>()
}

fn assert_format_error<X: std::fmt::Debug>(result: rbmdyn::Result<X>, needles: &[&str]) {
    let err = result.expect_err("malformed input must be rejected");
    let msg = err.to_string();
    assert!(
        matches!(err, Error::Format { .. }),
        "not a Format error: {msg}"
    );
    for needle in needles {
        assert!(msg.contains(needle), "'{needle}' missing from: {msg}");
    }
}

/// A valid 4×3 binary model file at `dir/name`, then edited array by array.
fn edited_model(
    dir: &Path,
    name: &str,
    edit: impl FnOnce(&mut BTreeMap<String, NpyArray>),
) -> PathBuf {
    let path = dir.join(name);
    save_model(
        &path,
        &model::<f64>(4, 3, AnyUnit::Binary, AnyUnit::Binary, 1),
    )
    .unwrap();
    let mut arrays = read_npz(&path).unwrap();
    edit(&mut arrays);
    let list: Vec<(&str, NpyArray)> = arrays
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    write_npz(&path, &list).unwrap();
    path
}

/// Arrays of every dtype and ranks 0–3, with edge values (−0, subnormals, extremes, non-ASCII).
fn array_suite() -> Vec<(String, NpyArray)> {
    // f64::MAX times k > 1 overflows to inf: non-finite values must round-trip as well.
    let f64s = [
        0.0,
        -0.0,
        1.5,
        -2.25e-300,
        5e-324,
        f64::MAX,
        0.1,
        std::f64::consts::PI,
    ];
    let f32s = [
        0.0f32,
        -0.0,
        1.5,
        f32::MIN_POSITIVE,
        1e-45,
        f32::MAX,
        0.1,
        -7.25,
    ];
    let i64s = [i64::MIN, -1, 0, 1, i64::MAX, 12345];
    let u64s = [0, 1, u64::MAX, 1 << 63, 99];
    let strs = ["", "binary", "αβγ", "ising", "gaussian"];
    let mut out = Vec::new();
    for shape in [vec![], vec![5], vec![2, 3], vec![2, 3, 4]] {
        let n: usize = shape.iter().product();
        let r = shape.len();
        let datas = [
            (
                "f8",
                NpyData::F64((0..n).map(|i| f64s[i % 8] * (i + 1) as f64).collect()),
            ),
            (
                "f4",
                NpyData::F32((0..n).map(|i| f32s[(i + 3) % 8]).collect()),
            ),
            ("i8", NpyData::I64((0..n).map(|i| i64s[i % 6]).collect())),
            (
                "u8",
                NpyData::U64((0..n).map(|i| u64s[i % 5] ^ i as u64).collect()),
            ),
            (
                "u1",
                NpyData::U8((0..n).map(|i| (i * 37 % 256) as u8).collect()),
            ),
            ("b1", NpyData::Bool((0..n).map(|i| i % 3 == 1).collect())),
            (
                "U",
                NpyData::Str((0..n).map(|i| strs[(i + 1) % 5].to_string()).collect()),
            ),
        ];
        for (code, data) in datas {
            out.push((
                format!("{code}_rank{r}"),
                NpyArray::new(shape.clone(), data).unwrap(),
            ));
        }
    }
    out
}

#[test]
fn npy_round_trip_every_dtype_rank_and_order() {
    let dir = tempfile::tempdir().unwrap();
    for (key, array) in array_suite() {
        let c = dir.path().join(format!("{key}_C.npy"));
        write_npy(&c, &array).unwrap();
        assert_eq!(read_npy(&c).unwrap(), array, "{key} C order");
        let f = dir.path().join(format!("{key}_F.npy"));
        let bytes = array.to_npy_bytes(MemoryOrder::Fortran).unwrap();
        write_atomic(&f, &bytes).unwrap();
        assert_eq!(read_npy(&f).unwrap(), array, "{key} Fortran order");
    }
}

#[test]
fn npz_stored_and_deflated_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let suite = array_suite();
    let list: Vec<(&str, NpyArray)> = suite.iter().map(|(k, a)| (k.as_str(), a.clone())).collect();
    let (stored, deflated) = (dir.path().join("s.npz"), dir.path().join("d.npz"));
    write_npz(&stored, &list).unwrap();
    write_npz_compressed(&deflated, &list).unwrap();
    for path in [&stored, &deflated] {
        let back = read_npz(path).unwrap();
        assert_eq!(back.len(), suite.len());
        for (key, array) in &suite {
            assert_eq!(&back[key], array, "{key} in {}", path.display());
        }
    }
    // Deflate must actually compress a long run of zeros.
    let zeros = [("z", NpyArray::from_floats(&vec![0.0f64; 4096]))];
    write_npz(&stored, &zeros).unwrap();
    write_npz_compressed(&deflated, &zeros).unwrap();
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(size(&deflated) * 10 < size(&stored));
}

fn model_round_trip<T: Float>() {
    let dir = tempfile::tempdir().unwrap();
    for (i, v) in kinds().into_iter().enumerate() {
        for (j, h) in kinds().into_iter().enumerate() {
            let rbm = model::<T>(5, 3, v, h, (10 * i + j) as u64);
            let path = dir.path().join(format!("m{i}{j}.npz"));
            save_model(&path, &rbm).unwrap();
            assert_eq!(load_model_as::<T>(&path).unwrap(), rbm, "{v:?}/{h:?}");
            // Widening f32 → f64 is exact, so load_model equals the cast model.
            assert_eq!(load_model(&path).unwrap(), rbm.cast::<f64>());
            let arrays = read_npz(&path).unwrap();
            assert_eq!(arrays["weight_matrix"].dtype(), T::DTYPE);
            assert_eq!(arrays["weight_matrix"].shape, vec![5, 3]);
            let gaussian = |u: AnyUnit| matches!(u, AnyUnit::Gaussian(_));
            assert_eq!(arrays.contains_key("visible_precision"), gaussian(v));
            assert_eq!(arrays.contains_key("hidden_precision"), gaussian(h));
        }
    }
}

#[test]
fn model_round_trip_is_bit_exact_f64() {
    model_round_trip::<f64>();
}

#[test]
fn model_round_trip_is_bit_exact_f32() {
    model_round_trip::<f32>();
}

fn checkpoint<T: Float>(with_state: bool) -> Checkpoint<T> {
    let rbm = model::<T>(6, 4, AnyUnit::Ising, AnyUnit::Binary, 7);
    let mut rng = train_rng(42);
    let chains = ChainState::random(&rbm, 5, &mut rng);
    let mut velocity = rbmdyn::training::Gradient::zeros(6, 4);
    velocity.weights = DMatrix::from_fn(6, 4, |i, j| T::of((i as f64 - j as f64) / 3.0));
    velocity.hidden_bias[2] = T::of(-1e-7);
    Checkpoint {
        optimizer: rbmdyn::training::OptimizerState {
            velocity: with_state.then_some(velocity),
            updates: 1234,
        },
        progress: Progress {
            step: 1234,
            epoch: 6,
            batch_in_epoch: 3,
            permutation: if with_state {
                (0..50).rev().collect()
            } else {
                vec![]
            },
            data_fingerprint: with_state.then_some(rbmdyn::training::DataFingerprint {
                rows: 50,
                columns: 6,
                crc32: 0xdead_beef,
            }),
        },
        chains: with_state.then_some(chains),
        streams: TrainStreams::of_run(42, rng),
        metadata: json!({"seed": 42, "estimator": "pcd", "learning_rate": 0.05, "k": [1, 2]}),
        rbm,
    }
}

fn checkpoint_round_trip<T: Float>() {
    let dir = tempfile::tempdir().unwrap();
    for with_state in [true, false] {
        let c = checkpoint::<T>(with_state);
        let path = dir.path().join("c.npz");
        save_checkpoint(&path, &c).unwrap();
        let back: Checkpoint<T> = load_checkpoint(&path).unwrap();
        assert_eq!(back.rbm, c.rbm);
        assert_eq!(back.optimizer, c.optimizer);
        assert_eq!(back.progress, c.progress);
        assert_eq!(back.chains, c.chains);
        assert_eq!(back.streams, c.streams);
        assert_eq!(back.metadata, c.metadata);
        let (mut r1, mut r2) = (back.streams.sampling.clone(), c.streams.sampling.clone());
        assert_eq!(
            r1.next_u64(),
            r2.next_u64(),
            "generators continue identically"
        );
        // A checkpoint is also a model file.
        assert_eq!(load_model_as::<T>(&path).unwrap(), c.rbm);
    }
}

#[test]
fn checkpoint_round_trip_f64() {
    checkpoint_round_trip::<f64>();
}

#[test]
fn checkpoint_round_trip_f32() {
    checkpoint_round_trip::<f32>();
}

#[test]
fn checkpoint_of_wrong_float_type_or_plain_model_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c32.npz");
    save_checkpoint(&path, &checkpoint::<f32>(true)).unwrap();
    assert_format_error(
        load_checkpoint::<f64>(&path),
        &["c32.npz", "float32", "'<f4'", "float64"],
    );
    let plain = dir.path().join("plain.npz");
    save_model(
        &plain,
        &model::<f64>(3, 2, AnyUnit::Binary, AnyUnit::Binary, 0),
    )
    .unwrap();
    assert_format_error(
        load_checkpoint::<f64>(&plain),
        &["plain.npz", "checkpoint_format"],
    );
}

/// Saves a checkpoint at one update step (mid-epoch) and nothing else.
struct SaveAt {
    step: u64,
    path: PathBuf,
}

impl TrainingObserver<AnyUnit, AnyUnit, f32> for SaveAt {
    fn cadence(&self) -> rbmdyn::training::Cadence {
        rbmdyn::training::Cadence::EveryStep
    }
    fn on_step(&mut self, s: &TrainingSnapshot<'_, AnyUnit, AnyUnit, f32>) -> rbmdyn::Result<()> {
        if s.progress.step != self.step {
            return Ok(());
        }
        let c = Checkpoint {
            rbm: s.rbm.clone(),
            optimizer: s.optimizer.clone(),
            progress: s.progress.clone(),
            chains: s.chains.cloned(),
            streams: s.streams.clone(),
            metadata: Value::Null,
        };
        save_checkpoint(&self.path, &c)
    }
}

#[test]
fn training_resumed_from_a_checkpoint_file_is_bit_identical() {
    let teacher = common::random_rbm(8, 4, 1.5, 0.5, 3, AnyUnit::Binary, AnyUnit::Binary);
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let data = Enumeration::new(&teacher)
        .unwrap()
        .samples(&teacher, 120, &mut rng)
        .visible;
    let data = data.map(|x| x as f32);
    let config = TrainerConfig {
        batch_size: 20,
        epochs: 4,
    };
    let sgd = Sgd::new(0.05).unwrap().with_momentum(0.5).unwrap();
    let trainer = |rbm: AnyRbm<f32>, chains: ChainState<f32>, rng| {
        let pcd = PersistentContrastiveDivergence::new(3, chains).unwrap();
        Trainer::new(rbm, pcd, sgd, config, rng).unwrap()
    };
    let start = model::<f32>(8, 4, AnyUnit::Binary, AnyUnit::Binary, 5);
    let mut rng = train_rng(9);
    let chains = ChainState::random(&start, 10, &mut rng);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mid.npz");
    // 6 minibatches per epoch; step 14 is the 2nd minibatch of epoch 3.
    let mut full = trainer(start, chains, TrainStreams::of_run(9, rng)).observe(SaveAt {
        step: 14,
        path: path.clone(),
    });
    full.run(&data).unwrap();
    let c: Checkpoint<f32> = load_checkpoint(&path).unwrap();
    assert_eq!((c.progress.epoch, c.progress.batch_in_epoch), (2, 2));
    assert!(c.optimizer.velocity.is_some() && c.chains.is_some());
    let mut resumed = trainer(c.rbm, c.chains.unwrap(), TrainStreams::from_seed(0)).resume_from(
        c.optimizer,
        c.progress,
        c.streams,
    );
    resumed.run(&data).unwrap();
    assert_eq!(resumed.rbm(), full.rbm(), "parameters differ after resume");
    let chains = |t: &Trainer<_, _, _, PersistentContrastiveDivergence<f32>>| {
        GradientEstimator::<AnyUnit, AnyUnit, f32>::chains(t.estimator()).cloned()
    };
    assert_eq!(
        chains(&resumed),
        chains(&full),
        "chains differ after resume"
    );
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no_such_model.npz");
    let err = load_model(&path).unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().contains("no_such_model.npz"), "{err}");
}

#[test]
fn not_a_zip_is_a_format_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.npz");
    std::fs::write(&path, b"this is a text file, not an archive").unwrap();
    assert_format_error(load_model(&path), &["garbage.npz", "zip"]);
}

#[test]
fn truncated_npy_is_a_format_error() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = NpyArray::from_floats(&[1.0f64, 2.0, 3.0])
        .to_npy_bytes(MemoryOrder::C)
        .unwrap();
    let npy = dir.path().join("short.npy");
    std::fs::write(&npy, &bytes[..bytes.len() - 5]).unwrap();
    assert_format_error(read_npy(&npy), &["short.npy", "truncated data"]);
    std::fs::write(&npy, &bytes[..30]).unwrap();
    assert_format_error(read_npy(&npy), &["short.npy", "truncated header"]);
    // The same inside an archive: the fault names the entry.
    let path = dir.path().join("trunc.npz");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    zip.start_file("vbias.npy", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, &bytes[..bytes.len() - 5]).unwrap();
    zip.finish().unwrap();
    assert_format_error(
        load_model(&path),
        &["trunc.npz", "vbias.npy", "truncated data"],
    );
}

#[test]
fn missing_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = edited_model(dir.path(), "nohbias.npz", |a| {
        a.remove("hbias");
    });
    assert_format_error(load_model(&path), &["nohbias.npz", "missing key 'hbias'"]);
}

#[test]
fn wrong_shapes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = edited_model(dir.path(), "shortv.npz", |a| {
        a.insert("vbias".into(), NpyArray::from_floats(&[0.0f64; 3]));
    });
    assert_format_error(
        load_model(&path),
        &["shortv.npz", "'vbias'", "(3,)", "(4,)"],
    );
    let path = edited_model(dir.path(), "flatw.npz", |a| {
        a.insert("weight_matrix".into(), NpyArray::from_floats(&[0.0f64; 12]));
    });
    assert_format_error(
        load_model(&path),
        &["flatw.npz", "'weight_matrix'", "2-d", "(12,)"],
    );
    let path = edited_model(dir.path(), "vtype.npz", |a| {
        a.insert(
            "visible_type".into(),
            NpyArray::new(vec![1], NpyData::Str(vec!["binary".into()])).unwrap(),
        );
    });
    assert_format_error(
        load_model(&path),
        &["vtype.npz", "'visible_type'", "0-d string"],
    );
}

#[test]
fn unknown_unit_type_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = edited_model(dir.path(), "potts.npz", |a| {
        a.insert("hidden_type".into(), NpyArray::scalar_str("potts"));
    });
    assert_format_error(
        load_model(&path),
        &["potts.npz", "'hidden_type'", "'potts'"],
    );
}

#[test]
fn non_finite_values_are_named_with_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = edited_model(dir.path(), "nan.npz", |a| {
        let mut w = vec![0.5f32; 12];
        w[5] = f32::NAN; // row 1, column 2 of a 4×3 matrix in C order
        a.insert(
            "weight_matrix".into(),
            NpyArray::new(vec![4, 3], NpyData::F32(w)).unwrap(),
        );
    });
    assert_format_error(
        load_model(&path),
        &["nan.npz", "'weight_matrix'", "NaN", "[1, 2]"],
    );
    let path = edited_model(dir.path(), "inf.npz", |a| {
        a.insert(
            "hbias".into(),
            NpyArray::from_floats(&[0.0, f64::NEG_INFINITY, 1.0]),
        );
    });
    assert_format_error(load_model(&path), &["inf.npz", "'hbias'", "inf", "[1]"]);
}

#[test]
fn integer_weights_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = edited_model(dir.path(), "intw.npz", |a| {
        a.insert(
            "weight_matrix".into(),
            NpyArray::new(vec![4, 3], NpyData::I64(vec![1; 12])).unwrap(),
        );
    });
    assert_format_error(
        load_model(&path),
        &["intw.npz", "'weight_matrix'", "'<i8'", "float"],
    );
}

fn temp_files(dir: &Path) -> Vec<String> {
    let names = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name());
    names
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| Path::new(n).extension().is_some_and(|e| e == "tmp"))
        .collect()
}

#[test]
fn atomic_write_replaces_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.npz");
    save_model(
        &path,
        &model::<f64>(4, 3, AnyUnit::Binary, AnyUnit::Binary, 1),
    )
    .unwrap();
    let replacement = model::<f64>(2, 5, AnyUnit::Ising, AnyUnit::Binary, 2);
    save_model(&path, &replacement).unwrap();
    assert_eq!(load_model(&path).unwrap(), replacement);
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn failed_atomic_writes_leave_the_old_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.npz");
    save_model(
        &path,
        &model::<f64>(4, 3, AnyUnit::Binary, AnyUnit::Binary, 1),
    )
    .unwrap();
    let before = std::fs::read(&path).unwrap();
    // A writer failing halfway through.
    let err = write_atomic_with(&path, |w| {
        w.write_all(&before[..before.len() / 2])?;
        Err(std::io::Error::other("disk on fire"))
    })
    .unwrap_err();
    assert!(
        matches!(err, Error::Io { .. }) && err.to_string().contains("model.npz"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "old file must be byte-identical"
    );
    assert!(
        temp_files(dir.path()).is_empty(),
        "temporary file left behind"
    );
    // A rename that fails: the target is a non-empty directory.
    let blocker = dir.path().join("blocked.npz");
    std::fs::create_dir(&blocker).unwrap();
    std::fs::write(blocker.join("inside"), b"x").unwrap();
    let err = save_model(
        &blocker,
        &model::<f64>(2, 2, AnyUnit::Binary, AnyUnit::Binary, 1),
    )
    .unwrap_err();
    assert!(err.to_string().contains("blocked.npz"), "{err}");
    assert!(
        temp_files(dir.path()).is_empty(),
        "temporary file left behind"
    );
    // A directory that does not exist.
    let err = save_model(
        &dir.path().join("nowhere/m.npz"),
        &model::<f32>(2, 2, AnyUnit::Binary, AnyUnit::Binary, 1),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Io { .. }) && err.to_string().contains("nowhere/m.npz"),
        "{err}"
    );
}

/// NumPy cross-checks (`tests/python/mod.rs`, driving `tests/python/numpy_model.py`).
mod python;
