//! NumPy `.npy` arrays, read and written without an external crate.
//!
//! # Format
//! `\x93NUMPY`, version bytes (major, minor), the header length (`u16` LE for v1.0, `u32` LE
//! for v2.0/v3.0), the header (a Python dict literal with `descr`, `fortran_order`, `shape`,
//! space-padded so that the data start at a multiple of 64 bytes, ended by `\n`), then the raw
//! elements.
//!
//! # Conventions
//! * Supported dtypes: `<f8` ([`NpyData::F64`]), `<f4` (`F32`), `<i8` (`I64`), `<u8`
//!   (`U64`), `|u1` (`U8`), `|b1` (`Bool`, bytes 0/1) and `<U{n}` (`Str`: `n` UTF-32LE code
//!   units per element, trailing NULs stripped, as NumPy does). Big-endian (`>`) variants are
//!   read as well; writing is always little-endian.
//! * [`NpyArray::data`] is always in **C order** (last index fastest); Fortran-order files are
//!   reordered on reading. A 0-d array has `shape == []` and one element.
//! * Writing uses v1.0, or v2.0 when the header exceeds 65535 bytes.

use super::header::{format_header, Header};
use super::npy_decode::decode;
use crate::error::{Error, Result};
use crate::linalg::Float;
use nalgebra::DMatrix;
use std::path::Path;

pub(super) const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Data start at a multiple of this many bytes (NumPy's `ARRAY_ALIGN`).
const ALIGN: usize = 64;

/// The elements of an array, flattened in C order.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyData {
    /// `<f8`.
    F64(Vec<f64>),
    /// `<f4`.
    F32(Vec<f32>),
    /// `<i8`.
    I64(Vec<i64>),
    /// `<u8` (uint64).
    U64(Vec<u64>),
    /// `|u1` (uint8).
    U8(Vec<u8>),
    /// `|b1`.
    Bool(Vec<bool>),
    /// `<U{n}`, `n` the longest element in chars (at least 1).
    Str(Vec<String>),
}

/// Memory order of the elements in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryOrder {
    /// Row-major: last index fastest (`fortran_order: False`).
    C,
    /// Column-major: first index fastest (`fortran_order: True`).
    Fortran,
}

/// An n-dimensional array: a shape and its elements in C order.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    /// Dimensions; empty for a 0-d (scalar) array.
    pub shape: Vec<usize>,
    /// Elements in C order; `data.len()` is the product of `shape` (1 for 0-d).
    pub data: NpyData,
}

impl NpyData {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            NpyData::F64(v) => v.len(),
            NpyData::F32(v) => v.len(),
            NpyData::I64(v) => v.len(),
            NpyData::U64(v) => v.len(),
            NpyData::U8(v) => v.len(),
            NpyData::Bool(v) => v.len(),
            NpyData::Str(v) => v.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The NumPy dtype string written for these data (`<f8`, `<U6`, ...).
    pub fn dtype(&self) -> String {
        match self {
            NpyData::F64(_) => "<f8".into(),
            NpyData::F32(_) => "<f4".into(),
            NpyData::I64(_) => "<i8".into(),
            NpyData::U64(_) => "<u8".into(),
            NpyData::U8(_) => "|u1".into(),
            NpyData::Bool(_) => "|b1".into(),
            NpyData::Str(v) => format!("<U{}", str_width(v)),
        }
    }

    /// The elements as `f64` if they are floats (`f32` widens exactly), else `None`.
    pub fn to_f64_vec(&self) -> Option<Vec<f64>> {
        match self {
            NpyData::F64(v) => Some(v.clone()),
            NpyData::F32(v) => Some(v.iter().map(|&x| x as f64).collect()),
            _ => None,
        }
    }
}

fn str_width(v: &[String]) -> usize {
    v.iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(1)
}

impl NpyArray {
    /// An array from its shape and C-order elements.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `data.len()` is not the product of `shape`.
    pub fn new(shape: Vec<usize>, data: NpyData) -> Result<Self> {
        check_count(&shape, data.len())?;
        Ok(NpyArray { shape, data })
    }

    /// A 0-d string array (NumPy's `np.array('binary')`).
    pub fn scalar_str(value: &str) -> Self {
        NpyArray {
            shape: vec![],
            data: NpyData::Str(vec![value.to_string()]),
        }
    }

    /// A 0-d `<f8` array.
    pub fn scalar_f64(value: f64) -> Self {
        NpyArray {
            shape: vec![],
            data: NpyData::F64(vec![value]),
        }
    }

    /// A 0-d `<u8` array.
    pub fn scalar_u64(value: u64) -> Self {
        NpyArray {
            shape: vec![],
            data: NpyData::U64(vec![value]),
        }
    }

    /// A 1-d float array in `T`'s dtype (`<f4` or `<f8`), values exact.
    pub fn from_floats<T: Float>(values: &[T]) -> Self {
        NpyArray {
            shape: vec![values.len()],
            data: floats_to_data(values.iter().copied()),
        }
    }

    /// A 2-d float array of `matrix` (`rows × cols`) in `T`'s dtype, stored in C order (nalgebra
    /// is column-major; the elements are transposed into row-major order here).
    pub fn from_matrix<T: Float>(matrix: &DMatrix<T>) -> Self {
        let (rows, cols) = matrix.shape();
        let row_major = (0..rows).flat_map(|i| (0..cols).map(move |j| matrix[(i, j)]));
        NpyArray {
            shape: vec![rows, cols],
            data: floats_to_data(row_major),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The NumPy dtype string (`<f8`, `<U6`, ...).
    pub fn dtype(&self) -> String {
        self.data.dtype()
    }

    /// The file image of the array in the given element order.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `data` does not hold the number of elements of `shape`
    /// (possible since the fields are public).
    pub fn to_npy_bytes(&self, order: MemoryOrder) -> Result<Vec<u8>> {
        check_count(&self.shape, self.len())?;
        let fortran = order == MemoryOrder::Fortran && self.shape.len() > 1;
        let header = format_header(&Header {
            descr: self.dtype(),
            fortran_order: fortran,
            shape: self.shape.clone(),
        });
        // Preamble + header + '\n' padded to a multiple of ALIGN; v2.0 if it does not fit u16.
        let mut preamble = 10;
        let mut padded = round_up(preamble + header.len() + 1, ALIGN) - preamble;
        let major = if padded > u16::MAX as usize {
            preamble = 12;
            padded = round_up(preamble + header.len() + 1, ALIGN) - preamble;
            2u8
        } else {
            1u8
        };
        let mut out = Vec::with_capacity(preamble + padded + self.len() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[major, 0]);
        if major == 1 {
            out.extend_from_slice(&(padded as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(padded as u32).to_le_bytes());
        }
        out.extend_from_slice(header.as_bytes());
        out.resize(preamble + padded - 1, b' ');
        out.push(b'\n');
        let perm = fortran.then(|| fortran_offsets(&self.shape));
        // In Fortran order the element at Fortran position f is the C element c with perm[c] = f.
        let inverse = perm.map(|p| {
            let mut inv = vec![0; p.len()];
            for (c, &f) in p.iter().enumerate() {
                inv[f] = c;
            }
            inv
        });
        let index = |k: usize| inverse.as_ref().map_or(k, |inv| inv[k]);
        let n = self.len();
        match &self.data {
            NpyData::F64(v) => {
                (0..n).for_each(|k| out.extend_from_slice(&v[index(k)].to_le_bytes()))
            }
            NpyData::F32(v) => {
                (0..n).for_each(|k| out.extend_from_slice(&v[index(k)].to_le_bytes()))
            }
            NpyData::I64(v) => {
                (0..n).for_each(|k| out.extend_from_slice(&v[index(k)].to_le_bytes()))
            }
            NpyData::U64(v) => {
                (0..n).for_each(|k| out.extend_from_slice(&v[index(k)].to_le_bytes()))
            }
            NpyData::U8(v) => (0..n).for_each(|k| out.push(v[index(k)])),
            NpyData::Bool(v) => (0..n).for_each(|k| out.push(v[index(k)] as u8)),
            NpyData::Str(v) => {
                let width = str_width(v);
                for k in 0..n {
                    let s = &v[index(k)];
                    let chars = s.chars().map(|c| c as u32).chain(std::iter::repeat(0));
                    for c in chars.take(width) {
                        out.extend_from_slice(&c.to_le_bytes());
                    }
                }
            }
        }
        Ok(out)
    }

    /// Parses the file image of an array; `path` names the file in errors.
    ///
    /// # Errors
    /// [`Error::Format`] naming `path` and the fault: bad magic, unsupported version, truncated
    /// preamble/header/data, malformed header, unsupported dtype, a data length not matching
    /// the shape, a boolean byte other than 0/1, an invalid code point.
    pub fn from_npy_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        decode(bytes).map_err(|fault| Error::format(path, fault))
    }
}

/// Reads an `.npy` file.
///
/// # Errors
/// [`Error::Io`] naming `path` if it cannot be read; [`Error::Format`] as
/// [`NpyArray::from_npy_bytes`].
pub fn read_npy(path: &Path) -> Result<NpyArray> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    NpyArray::from_npy_bytes(&bytes, path)
}

/// Writes an `.npy` file (C order, atomically).
///
/// # Errors
/// [`Error::Io`] naming `path`; [`Error::ShapeMismatch`] as [`NpyArray::to_npy_bytes`].
pub fn write_npy(path: &Path, array: &NpyArray) -> Result<()> {
    super::write_atomic(path, &array.to_npy_bytes(MemoryOrder::C)?)
}

/// Errors unless `len` is the number of elements of `shape`.
fn check_count(shape: &[usize], len: usize) -> Result<()> {
    let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if count != Some(len) {
        let expected = count.map_or("more than usize::MAX".to_string(), |c| c.to_string());
        return Err(Error::shape(
            "npy array",
            format!("{expected} elements for shape {shape:?}"),
            format!("{len}"),
        ));
    }
    Ok(())
}

fn round_up(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

fn floats_to_data<T: Float>(values: impl Iterator<Item = T>) -> NpyData {
    if T::DTYPE == "<f4" {
        NpyData::F32(values.map(|x| x.as_f64() as f32).collect())
    } else {
        NpyData::F64(values.map(|x| x.as_f64()).collect())
    }
}

/// For each C-order position `c` of an array of `shape`, its position in Fortran order.
pub(super) fn fortran_offsets(shape: &[usize]) -> Vec<usize> {
    let count: usize = shape.iter().product();
    let mut strides = vec![1usize; shape.len()];
    for k in 1..shape.len() {
        strides[k] = strides[k - 1] * shape[k - 1];
    }
    let mut index = vec![0usize; shape.len()];
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        out.push(index.iter().zip(&strides).map(|(i, s)| i * s).sum());
        for k in (0..shape.len()).rev() {
            index[k] += 1;
            if index[k] < shape[k] {
                break;
            }
            index[k] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(a: &NpyArray, order: MemoryOrder) -> NpyArray {
        let bytes = a.to_npy_bytes(order).unwrap();
        let header_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        assert_eq!(header_end % ALIGN, 0, "data start aligned");
        NpyArray::from_npy_bytes(&bytes, Path::new("mem.npy")).unwrap()
    }

    #[test]
    fn fortran_offsets_of_a_2x3() {
        // C order (0,0) (0,1) (0,2) (1,0) (1,1) (1,2) → Fortran positions 0 2 4 1 3 5.
        assert_eq!(fortran_offsets(&[2, 3]), vec![0, 2, 4, 1, 3, 5]);
        assert_eq!(fortran_offsets(&[]), vec![0]);
        assert!(fortran_offsets(&[3, 0]).is_empty());
    }

    #[test]
    fn every_dtype_rank_and_order_round_trips() {
        for shape in [vec![], vec![5], vec![2, 3], vec![2, 3, 4], vec![0, 3]] {
            let n: usize = shape.iter().product();
            let datas = [
                NpyData::F64((0..n).map(|i| i as f64 * 0.1 - 1.0).collect()),
                NpyData::F32((0..n).map(|i| i as f32 * 0.3).collect()),
                NpyData::I64((0..n).map(|i| i as i64 - 7).collect()),
                NpyData::U64((0..n).map(|i| u64::MAX - i as u64).collect()),
                NpyData::U8((0..n).map(|i| i as u8).collect()),
                NpyData::Bool((0..n).map(|i| i % 3 == 0).collect()),
                NpyData::Str((0..n).map(|i| "αβ".repeat(i % 3)).collect()),
            ];
            for data in datas {
                let a = NpyArray::new(shape.clone(), data).unwrap();
                assert_eq!(round_trip(&a, MemoryOrder::C), a);
                assert_eq!(round_trip(&a, MemoryOrder::Fortran), a);
            }
        }
    }

    #[test]
    fn large_header_uses_version_2() {
        let shape = vec![1; 30_000]; // header ≈ 90 kB > 65535
        let a = NpyArray::new(shape, NpyData::U8(vec![9])).unwrap();
        let bytes = a.to_npy_bytes(MemoryOrder::C).unwrap();
        assert_eq!(bytes[6], 2);
        assert_eq!(round_trip(&a, MemoryOrder::C), a);
    }

    #[test]
    fn malformed_inputs_are_format_errors() {
        let good = NpyArray::from_floats(&[1.0f64, 2.0])
            .to_npy_bytes(MemoryOrder::C)
            .unwrap();
        let mut bad_version = good.clone();
        bad_version[6] = 9;
        let mut bad_bool = NpyArray::new(vec![2], NpyData::Bool(vec![true, false]))
            .unwrap()
            .to_npy_bytes(MemoryOrder::C)
            .unwrap();
        *bad_bool.last_mut().unwrap() = 7;
        let mut i4 = good.clone();
        let at = i4.windows(3).position(|w| w == b"<f8").unwrap();
        i4[at..at + 3].copy_from_slice(b"<i4");
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "bad magic"),
            (b"PK\x03\x04 not npy".to_vec(), "bad magic"),
            (good[..8].to_vec(), "truncated preamble"),
            (good[..40].to_vec(), "truncated header"),
            (good[..good.len() - 3].to_vec(), "truncated data"),
            ([&good[..], &[0u8]].concat(), "trailing bytes"),
            (bad_version, "unsupported NPY version 9"),
            (bad_bool, "not 0 or 1"),
            (i4, "unsupported dtype '<i4'"),
        ];
        for (bytes, fault) in cases {
            let err = NpyArray::from_npy_bytes(&bytes, Path::new("x.npy")).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, Error::Format { .. }), "{msg}");
            assert!(
                msg.contains("x.npy") && msg.contains(fault),
                "{fault}: {msg}"
            );
        }
    }

    #[test]
    fn matrix_is_written_row_major() {
        let m = DMatrix::from_row_slice(2, 3, &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let a = NpyArray::from_matrix(&m);
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.data, NpyData::F32(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    }

    #[test]
    fn new_checks_element_count() {
        assert!(NpyArray::new(vec![2, 2], NpyData::U8(vec![1, 2, 3])).is_err());
        assert!(NpyArray::new(vec![], NpyData::U8(vec![])).is_err());
        let inconsistent = NpyArray {
            shape: vec![2, 2],
            data: NpyData::F64(vec![1.0; 5]),
        };
        for order in [MemoryOrder::C, MemoryOrder::Fortran] {
            assert!(matches!(
                inconsistent.to_npy_bytes(order),
                Err(Error::ShapeMismatch { .. })
            ));
        }
    }
}
