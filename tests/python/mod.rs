//! NumPy cross-checks of model and array files (a module of `tests/model_files.rs`).
//!
//! `numpy_model.py` (next to this file) writes files with `numpy.savez` and checks files written
//! by rbmdyn with `numpy.load`; see its docstring. Each test prints
//! `SKIPPED numpy cross-check: ...` and passes when python3 with numpy is missing.

use super::{array_suite, model, LOG_Z_REL_TOL};
use rbmdyn::io::{
    load_model, read_npy, read_npz, save_model, write_atomic, write_npy, write_npz,
    write_npz_compressed, MemoryOrder, NpyArray, NpyData,
};
use rbmdyn::linalg::Float;
use rbmdyn::rbm::AnyRbm;
use rbmdyn::sampling::exact::log_partition_exact;
use rbmdyn::units::{AnyUnit, Gaussian, UnitKind};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn numpy_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skipped!("SKIPPED numpy cross-check: python3 with numpy not found (run scripts/setup.sh)");
    }
    ok
}

fn run_python(args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/numpy_model.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "numpy_model.py {args:?} failed: {stderr}"
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The description `numpy_model.py` uses: dtype, shape, C-order values (floats as IEEE bits).
fn describe(a: &NpyArray, fortran: bool) -> Value {
    let (field, values): (&str, Value) = match &a.data {
        NpyData::F64(v) => ("bits", v.iter().map(|x| x.to_bits()).collect()),
        NpyData::F32(v) => ("bits", v.iter().map(|x| x.to_bits()).collect()),
        NpyData::I64(v) => ("values", v.clone().into()),
        NpyData::U64(v) => ("values", v.clone().into()),
        NpyData::U8(v) => ("values", v.clone().into()),
        NpyData::Bool(v) => ("values", v.clone().into()),
        NpyData::Str(v) => ("values", v.clone().into()),
    };
    json!({"dtype": a.dtype(), "shape": a.shape, "fortran": fortran, field: values})
}

fn assert_described(a: &NpyArray, expected: &Value, what: &str) {
    let mut got = describe(a, false);
    let dtype = expected["dtype"].as_str().unwrap();
    if dtype.starts_with("<U") {
        got["dtype"] = dtype.into(); // numpy's width may exceed the longest element
    }
    got["fortran"] = expected["fortran"].clone(); // data are C order after reading, always
    assert_eq!(&got, expected, "{what}");
}

#[test]
fn numpy_written_models_match_brute_force_log_z() {
    if !numpy_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run_python(&[dir.path().to_str().unwrap()]);
    let models = out["models"].as_array().unwrap();
    assert_eq!(models.len(), 8);
    for m in models {
        let file = m["file"].as_str().unwrap();
        let path = dir.path().join(file);
        let rbm = load_model(&path).unwrap();
        assert_eq!(
            rbm.visible().name(),
            m["visible_type"].as_str().unwrap(),
            "{file}"
        );
        assert_eq!(
            rbm.hidden().name(),
            m["hidden_type"].as_str().unwrap(),
            "{file}"
        );
        if let AnyUnit::Gaussian(g) = rbm.visible() {
            assert_eq!(g.precision(), 2.0, "{file}");
        }
        let arrays = read_npz(&path).unwrap();
        for (key, expected) in m["arrays"].as_object().unwrap() {
            assert_described(&arrays[key], expected, &format!("{file}:{key}"));
        }
        let ours = log_partition_exact(&rbm).unwrap();
        let theirs = m["log_z"].as_f64().unwrap();
        let rel = (ours - theirs).abs() / theirs.abs();
        assert!(
            rel < LOG_Z_REL_TOL,
            "{file}: ln Z {ours} vs numpy {theirs} (rel {rel:e})"
        );
        // The same through the command line: `rbmdyn logz --model FILE --method exact`.
        let cli = std::process::Command::new(env!("CARGO_BIN_EXE_rbmdyn"))
            .args([
                "logz",
                "--model",
                path.to_str().unwrap(),
                "--method",
                "exact",
            ])
            .output()
            .unwrap();
        assert!(
            cli.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&cli.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
        let from_cli = json["log_z"].as_f64().unwrap();
        let rel = (from_cli - theirs).abs() / theirs.abs();
        assert!(
            rel < LOG_Z_REL_TOL,
            "{file}: rbmdyn logz {from_cli} vs numpy {theirs} (rel {rel:e})"
        );
    }
}

#[test]
fn numpy_written_arrays_are_read_exactly() {
    if !numpy_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run_python(&["--arrays", dir.path().to_str().unwrap()]);
    for f in out["files"].as_array().unwrap() {
        let file = f["file"].as_str().unwrap();
        let path = dir.path().join(file);
        let expected = f["arrays"].as_object().unwrap();
        if f["kind"] == "npy" {
            assert_described(&read_npy(&path).unwrap(), &expected[""], file);
        } else {
            let arrays = read_npz(&path).unwrap();
            assert_eq!(arrays.len(), expected.len(), "{file}");
            for (key, e) in expected {
                assert_described(&arrays[key], e, &format!("{file}:{key}"));
            }
        }
    }
}

/// Description of a float array in `T`'s dtype (IEEE bits of the values, C order).
fn floats<T: Float>(shape: Vec<usize>, xs: Vec<T>) -> Value {
    let bits: Vec<u64> = xs
        .iter()
        .map(|x| match T::DTYPE {
            "<f4" => (x.as_f64() as f32).to_bits() as u64,
            _ => x.as_f64().to_bits(),
        })
        .collect();
    json!({"dtype": T::DTYPE, "shape": shape, "fortran": false, "bits": bits})
}

/// Description of a 0-d string array as numpy writes it (`<U{len}`).
fn string(s: &str) -> Value {
    json!({"dtype": format!("<U{}", s.len()), "shape": [], "fortran": false, "values": [s]})
}

/// The arrays a model file must hold, described independently of the writer.
fn model_description<T: Float>(rbm: &AnyRbm<T>) -> Value {
    let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
    let row_major: Vec<T> = (0..nv)
        .flat_map(|i| (0..nh).map(move |j| rbm.weights()[(i, j)]))
        .collect();
    let mut d = json!({
        "weight_matrix": floats(vec![nv, nh], row_major),
        "vbias": floats(vec![nv], rbm.visible_bias().iter().copied().collect()),
        "hbias": floats(vec![nh], rbm.hidden_bias().iter().copied().collect()),
        "visible_type": string(rbm.visible().name()),
        "hidden_type": string(rbm.hidden().name()),
    });
    for (key, unit) in [
        ("visible_precision", rbm.visible()),
        ("hidden_precision", rbm.hidden()),
    ] {
        if let AnyUnit::Gaussian(g) = unit {
            let bits = [g.precision().to_bits()];
            d[key] = json!({"dtype": "<f8", "shape": [], "fortran": false, "bits": bits});
        }
    }
    d
}

#[test]
fn rust_written_files_load_in_numpy() {
    if !numpy_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut log_z = BTreeMap::new();
    let g = |c: f64| AnyUnit::Gaussian(Gaussian::new(c).unwrap());
    let models: Vec<(&str, AnyRbm<f64>, bool)> = vec![
        (
            "binary.npz",
            model(6, 4, AnyUnit::Binary, AnyUnit::Binary, 11),
            false,
        ),
        (
            "ising32.npz",
            model(5, 3, AnyUnit::Ising, AnyUnit::Ising, 12),
            true,
        ),
        (
            "gauss_v.npz",
            model(3, 5, g(2.5), AnyUnit::Binary, 13),
            false,
        ),
        (
            "gauss_h32.npz",
            model(4, 3, AnyUnit::Ising, g(0.7), 14),
            true,
        ),
    ];
    for (name, rbm, single) in models {
        let path = dir.path().join(name);
        let (description, lz) = if single {
            let rbm32 = rbm.cast::<f32>();
            save_model(&path, &rbm32).unwrap();
            (
                model_description(&rbm32),
                log_partition_exact(&rbm32).unwrap(),
            )
        } else {
            save_model(&path, &rbm).unwrap();
            (model_description(&rbm), log_partition_exact(&rbm).unwrap())
        };
        files.push(json!({"file": name, "kind": "npz", "model": true, "arrays": description}));
        log_z.insert(name.to_string(), lz);
    }
    let suite = array_suite();
    for (key, array) in &suite {
        write_npy(&dir.path().join(format!("{key}_C.npy")), array).unwrap();
        let description = json!({ "": describe(array, false) });
        files.push(json!({"file": format!("{key}_C.npy"), "kind": "npy", "arrays": description}));
        if array.shape.len() > 1 {
            let name = format!("{key}_F.npy");
            write_atomic(
                &dir.path().join(&name),
                &array.to_npy_bytes(MemoryOrder::Fortran).unwrap(),
            )
            .unwrap();
            files.push(json!({"file": name, "kind": "npy", "arrays": {"": describe(array, true)}}));
        }
    }
    let list: Vec<(&str, NpyArray)> = suite.iter().map(|(k, a)| (k.as_str(), a.clone())).collect();
    write_npz(&dir.path().join("stored.npz"), &list).unwrap();
    write_npz_compressed(&dir.path().join("deflated.npz"), &list).unwrap();
    let all: serde_json::Map<String, Value> = suite
        .iter()
        .map(|(k, a)| (k.clone(), describe(a, false)))
        .collect();
    files.push(json!({"file": "stored.npz", "kind": "npz", "arrays": all}));
    files.push(json!({"file": "deflated.npz", "kind": "npz", "arrays": all}));
    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        serde_json::to_vec(&json!({ "files": files })).unwrap(),
    )
    .unwrap();
    let out = run_python(&["--check", spec.to_str().unwrap()]);
    for (name, ours) in log_z {
        let theirs = out["log_z"][&name].as_f64().unwrap();
        let rel = (ours - theirs).abs() / theirs.abs();
        assert!(
            rel < LOG_Z_REL_TOL,
            "{name}: ln Z {ours} vs numpy {theirs} (rel {rel:e})"
        );
    }
}
