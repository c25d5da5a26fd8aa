//! Model files: an RBM as an `.npz` archive that `numpy.load` reads.
//!
//! # Format
//! | key | dtype | shape | meaning |
//! |---|---|---|---|
//! | `weight_matrix` | `<f4` or `<f8` | `(Nv, Nh)`, C order | $W$ |
//! | `vbias` | same | `(Nv,)` | visible bias $a$ |
//! | `hbias` | same | `(Nh,)` | hidden bias $b$ |
//! | `visible_type`, `hidden_type` | `<U{n}` | `()` | `binary` ({0,1}), `ising` (±1) or `gaussian` |
//! | `visible_precision`, `hidden_precision` | `<f8` (`<f4` read) | `()` | Gaussian precision $c$; only for Gaussian layers, default 1 |
//!
//! # Conventions
//! $E(v,h) = -v^\top W h - a^\top v - b^\top h + \sum_i U_V(v_i) + \sum_j U_H(h_j)$, as in the
//! crate docs. Parameters are written in the model's float type (`f32` → `<f4`, `f64` → `<f8`);
//! other keys in the archive are ignored on loading (checkpoints add theirs). Unit types are
//! parsed by [`AnyUnit::parse`], which also accepts the aliases `spin` and `bernoulli`.

use super::npy::{NpyArray, NpyData};
use super::npz::{read_npz, write_npz};
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::rbm::{AnyRbm, Rbm};
use crate::units::{AnyUnit, Gaussian, UnitKind};
use nalgebra::{DMatrix, DVector};
use std::collections::BTreeMap;
use std::path::Path;

/// Key of $W$ (`Nv × Nh`).
pub const WEIGHT_MATRIX: &str = "weight_matrix";
/// Key of the visible bias $a$.
pub const VISIBLE_BIAS: &str = "vbias";
/// Key of the hidden bias $b$.
pub const HIDDEN_BIAS: &str = "hbias";
/// Key of the visible unit type.
pub const VISIBLE_TYPE: &str = "visible_type";
/// Key of the hidden unit type.
pub const HIDDEN_TYPE: &str = "hidden_type";
/// Key of the visible Gaussian precision (Gaussian visible layers only).
pub const VISIBLE_PRECISION: &str = "visible_precision";
/// Key of the hidden Gaussian precision (Gaussian hidden layers only).
pub const HIDDEN_PRECISION: &str = "hidden_precision";

/// Saves `rbm` as a model file (see the module docs), atomically.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn save_model<T: Float>(path: &Path, rbm: &AnyRbm<T>) -> Result<()> {
    write_npz(path, &model_arrays(rbm))
}

/// Loads a model file as `f64` parameters (`<f4` files widen exactly).
///
/// # Errors
/// As [`load_model_as`].
pub fn load_model(path: &Path) -> Result<AnyRbm<f64>> {
    load_model_as::<f64>(path)
}

/// Loads a model file with parameters in `T` (a `<f8` file read as `f32` is rounded).
///
/// # Errors
/// [`Error::Io`] naming `path` if it cannot be read. [`Error::Format`] naming `path` and the
/// key at fault for: not an npz archive, a missing key, a non-float parameter dtype, a
/// `weight_matrix` that is not 2-d or has a zero dimension, a bias of the wrong length, a
/// non-finite value (with its index), a unit type that is not a 0-d string or is unknown, a
/// precision that is not a finite positive 0-d float or belongs to a non-Gaussian layer.
pub fn load_model_as<T: Float>(path: &Path) -> Result<AnyRbm<T>> {
    let arrays = read_npz(path)?;
    model_from_arrays(&arrays, path, false)
}

/// The arrays of a model file, in key order of the format table.
pub(crate) fn model_arrays<T: Float>(rbm: &AnyRbm<T>) -> Vec<(&'static str, NpyArray)> {
    let mut arrays = vec![
        (WEIGHT_MATRIX, NpyArray::from_matrix(rbm.weights())),
        (
            VISIBLE_BIAS,
            NpyArray::from_floats(rbm.visible_bias().as_slice()),
        ),
        (
            HIDDEN_BIAS,
            NpyArray::from_floats(rbm.hidden_bias().as_slice()),
        ),
        (VISIBLE_TYPE, NpyArray::scalar_str(rbm.visible().name())),
        (HIDDEN_TYPE, NpyArray::scalar_str(rbm.hidden().name())),
    ];
    if let AnyUnit::Gaussian(g) = rbm.visible() {
        arrays.push((VISIBLE_PRECISION, NpyArray::scalar_f64(g.precision())));
    }
    if let AnyUnit::Gaussian(g) = rbm.hidden() {
        arrays.push((HIDDEN_PRECISION, NpyArray::scalar_f64(g.precision())));
    }
    arrays
}

/// Builds the model from the arrays of a file. With `exact_dtype`, every parameter array must
/// have `T`'s dtype (checkpoints: no rounding); otherwise `<f4` and `<f8` are both accepted.
pub(crate) fn model_from_arrays<T: Float>(
    arrays: &BTreeMap<String, NpyArray>,
    path: &Path,
    exact_dtype: bool,
) -> Result<AnyRbm<T>> {
    let weights = get(arrays, WEIGHT_MATRIX, path)?;
    let (nv, nh) = match weights.shape[..] {
        [nv, nh] if nv > 0 && nh > 0 => (nv, nh),
        [_, _] => {
            return Err(Error::format(
                path,
                format!(
                    "key '{WEIGHT_MATRIX}' has shape {}; a model needs Nv ≥ 1 and Nh ≥ 1",
                    shape_str(&weights.shape)
                ),
            ))
        }
        _ => {
            return Err(Error::format(
                path,
                format!(
                    "key '{WEIGHT_MATRIX}' must be 2-d (Nv × Nh), found shape {}",
                    shape_str(&weights.shape)
                ),
            ))
        }
    };
    let w: Vec<T> = float_values(arrays, WEIGHT_MATRIX, path, &[nv, nh], exact_dtype)?;
    let a: Vec<T> = float_values(arrays, VISIBLE_BIAS, path, &[nv], exact_dtype)?;
    let b: Vec<T> = float_values(arrays, HIDDEN_BIAS, path, &[nh], exact_dtype)?;
    let visible = unit_type(arrays, VISIBLE_TYPE, VISIBLE_PRECISION, path)?;
    let hidden = unit_type(arrays, HIDDEN_TYPE, HIDDEN_PRECISION, path)?;
    Rbm::new(
        DMatrix::from_row_slice(nv, nh, &w),
        DVector::from_vec(a),
        DVector::from_vec(b),
        visible,
        hidden,
    )
    .map_err(|e| Error::format(path, e.to_string()))
}

/// The array under `key`, or a format error naming the missing key.
pub(crate) fn get<'a>(
    arrays: &'a BTreeMap<String, NpyArray>,
    key: &str,
    path: &Path,
) -> Result<&'a NpyArray> {
    arrays.get(key).ok_or_else(|| {
        let present: Vec<&str> = arrays.keys().map(String::as_str).collect();
        Error::format(
            path,
            format!("missing key '{key}' (keys present: {})", present.join(", ")),
        )
    })
}

/// A shape written as NumPy prints it: `()`, `(5,)`, `(2, 3)`.
pub(crate) fn shape_str(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Names a float dtype for messages: `float32 ('<f4')`.
pub(crate) fn float_dtype_name(dtype: &str) -> String {
    match dtype {
        "<f4" => "float32 ('<f4')".into(),
        "<f8" => "float64 ('<f8')".into(),
        other => format!("'{other}'"),
    }
}

/// The finite float values (C order) of `key`, which must have exactly `shape`; with
/// `exact_dtype` the dtype must be `T::DTYPE`.
pub(crate) fn float_values<T: Float>(
    arrays: &BTreeMap<String, NpyArray>,
    key: &str,
    path: &Path,
    shape: &[usize],
    exact_dtype: bool,
) -> Result<Vec<T>> {
    let array = get(arrays, key, path)?;
    let fault = |msg: String| Error::format(path, format!("key '{key}' {msg}"));
    let dtype = array.dtype();
    let values = array.data.to_f64_vec().ok_or_else(|| {
        fault(format!(
            "has dtype '{dtype}'; expected float32 ('<f4') or float64 ('<f8')"
        ))
    })?;
    if exact_dtype && dtype != T::DTYPE {
        return Err(fault(format!(
            "has dtype {}, but it was loaded as {}",
            float_dtype_name(&dtype),
            float_dtype_name(T::DTYPE)
        )));
    }
    if array.shape != shape {
        return Err(fault(format!(
            "has shape {}; expected {}",
            shape_str(&array.shape),
            shape_str(shape)
        )));
    }
    let index = |k: usize| match shape {
        [_, cols] => format!("[{}, {}]", k / cols, k % cols),
        _ => format!("[{k}]"),
    };
    let mut out = Vec::with_capacity(values.len());
    for (k, &x) in values.iter().enumerate() {
        if !x.is_finite() {
            return Err(fault(format!(
                "has a non-finite value {x} at index {}",
                index(k)
            )));
        }
        let y = T::of(x);
        if !y.is_finite() {
            return Err(fault(format!(
                "value {x} at index {} overflows {}",
                index(k),
                T::NAME
            )));
        }
        out.push(y);
    }
    Ok(out)
}

/// The single string of a 0-d string array under `key`.
pub(crate) fn scalar_string<'a>(
    arrays: &'a BTreeMap<String, NpyArray>,
    key: &str,
    path: &Path,
) -> Result<&'a str> {
    let array = get(arrays, key, path)?;
    match (&array.data, array.shape.is_empty()) {
        (NpyData::Str(s), true) => Ok(&s[0]),
        _ => Err(Error::format(
            path,
            format!(
                "key '{key}' must be a 0-d string array, found dtype '{}' shape {}",
                array.dtype(),
                shape_str(&array.shape)
            ),
        )),
    }
}

fn unit_type(
    arrays: &BTreeMap<String, NpyArray>,
    key: &str,
    precision_key: &str,
    path: &Path,
) -> Result<AnyUnit> {
    let name = scalar_string(arrays, key, path)?;
    let unit = AnyUnit::parse(name, "unit type").map_err(|_| {
        Error::format(
            path,
            format!(
                "key '{key}' has unknown unit type '{name}'; expected binary, ising or gaussian"
            ),
        )
    })?;
    let Some(array) = arrays.get(precision_key) else {
        return Ok(unit);
    };
    let fault = |msg: String| Error::format(path, format!("key '{precision_key}' {msg}"));
    if !matches!(unit, AnyUnit::Gaussian(_)) {
        return Err(fault(format!(
            "is given, but '{key}' is '{name}' (only gaussian units have a precision)"
        )));
    }
    let value = match (array.data.to_f64_vec(), array.shape.is_empty()) {
        (Some(v), true) => v[0],
        _ => {
            return Err(fault(format!(
                "must be a 0-d float array, found dtype '{}' shape {}",
                array.dtype(),
                shape_str(&array.shape)
            )))
        }
    };
    Gaussian::new(value)
        .map(AnyUnit::Gaussian)
        .map_err(|_| fault(format!("is {value}; a precision must be finite and > 0")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::npz::{decode_npz, encode_npz};

    fn model() -> AnyRbm<f32> {
        let w = DMatrix::from_row_slice(3, 2, &[0.5f32, -0.25, 1.5, 2.0, -3.0, 0.125]);
        let a = DVector::from_vec(vec![0.1f32, 0.2, -0.3]);
        let b = DVector::from_vec(vec![1e-3f32, -7.0]);
        let g = AnyUnit::Gaussian(Gaussian::new(2.5).unwrap());
        Rbm::new(w, a, b, AnyUnit::Ising, g).unwrap()
    }

    fn through_memory(arrays: &[(&str, NpyArray)]) -> Result<AnyRbm<f32>> {
        let bytes = encode_npz(arrays, false).unwrap();
        let map = decode_npz(&bytes, Path::new("m.npz")).unwrap();
        model_from_arrays(&map, Path::new("m.npz"), true)
    }

    #[test]
    fn arrays_round_trip_exactly_and_weights_are_row_major() {
        let arrays = model_arrays(&model());
        assert_eq!(
            arrays[0].1.data,
            NpyData::F32(vec![0.5, -0.25, 1.5, 2.0, -3.0, 0.125])
        );
        let keys: Vec<&str> = arrays.iter().map(|(k, _)| *k).collect();
        assert!(keys.contains(&HIDDEN_PRECISION) && !keys.contains(&VISIBLE_PRECISION));
        assert_eq!(through_memory(&arrays).unwrap(), model());
    }

    #[test]
    fn precision_on_a_binary_layer_is_rejected() {
        let mut arrays = model_arrays(&model());
        arrays.push((VISIBLE_PRECISION, NpyArray::scalar_f64(3.0)));
        let err = through_memory(&arrays).unwrap_err().to_string();
        assert!(
            err.contains("visible_precision") && err.contains("ising"),
            "{err}"
        );
        let mut arrays = model_arrays(&model());
        arrays[5].1 = NpyArray::scalar_f64(-1.0);
        let err = through_memory(&arrays).unwrap_err().to_string();
        assert!(
            err.contains("hidden_precision") && err.contains("-1"),
            "{err}"
        );
    }

    #[test]
    fn shape_strings_look_like_numpy() {
        assert_eq!(shape_str(&[]), "()");
        assert_eq!(shape_str(&[5]), "(5,)");
        assert_eq!(shape_str(&[2, 3]), "(2, 3)");
    }
}
