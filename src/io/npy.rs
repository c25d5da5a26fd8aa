//! NumPy `.npy` arrays, read and written through the `npyz` crate.
//!
//! # Format
//! `\x93NUMPY`, version bytes (major, minor), the header length (`u16` LE for v1.0, `u32` LE
//! for v2.0/v3.0), the header (a Python dict literal with `descr`, `fortran_order`, `shape`,
//! space-padded so that the data start at a multiple of 64 bytes, ended by `\n`), then the raw
//! elements. `npyz` parses and writes the preamble and header and converts the elements; this
//! module maps its dtypes onto [`NpyData`], checks the data length against the shape and
//! reorders Fortran-order data.
//!
//! # Conventions
//! * Supported dtypes: `<f8` ([`NpyData::F64`]), `<f4` (`F32`), `<i8` (`I64`), `<u8`
//!   (`U64`), `|u1` (`U8`), `|b1` (`Bool`, bytes 0/1) and `<U{n}` (`Str`: `n` UTF-32LE code
//!   units per element, trailing NULs stripped, as NumPy does). Big-endian (`>`) variants are
//!   read as well; writing is always little-endian.
//! * [`NpyArray::data`] is always in **C order** (last index fastest); Fortran-order files are
//!   reordered on reading. A 0-d array has `shape == []` and one element.
//! * Versions 1.0, 2.0 and 3.0 are read; writing uses v1.0, whose header holds any shape of at
//!   most [`MAX_RANK`] dimensions (NumPy's own limit).

use crate::error::{Error, Result};
use crate::linalg::Float;
use nalgebra::DMatrix;
use npyz::{DType, NpyFile, NpyHeader, Order, TypeChar, TypeStr, WriteOptions, WriterBuilder};
use std::io;
use std::path::Path;

/// The most dimensions an array may have when written (NumPy's `NPY_MAXDIMS`): the header of such
/// an array always fits the `u16` length of format v1.0, the only one `npyz` writes for
/// ASCII headers.
pub const MAX_RANK: usize = 64;

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
    /// (possible since the fields are public); [`Error::InvalidParameter`] for more than
    /// [`MAX_RANK`] dimensions.
    pub fn to_npy_bytes(&self, order: MemoryOrder) -> Result<Vec<u8>> {
        check_count(&self.shape, self.len())?;
        if self.shape.len() > MAX_RANK {
            return Err(Error::invalid(
                "npy array rank",
                self.shape.len(),
                format!("NumPy arrays have at most {MAX_RANK} dimensions"),
            ));
        }
        let fortran = order == MemoryOrder::Fortran && self.shape.len() > 1;
        // In Fortran order the element at Fortran position f is the C element c with
        // offsets[c] = f.
        let inverse = fortran.then(|| {
            let offsets = fortran_offsets(&self.shape);
            let mut inv = vec![0; offsets.len()];
            for (c, &f) in offsets.iter().enumerate() {
                inv[f] = c;
            }
            inv
        });
        let layout = Layout {
            dtype: self.dtype(),
            shape: self.shape.iter().map(|&d| d as u64).collect(),
            order: if fortran { Order::Fortran } else { Order::C },
        };
        let file_order: Vec<usize> = inverse.unwrap_or_else(|| (0..self.len()).collect());
        let written = match &self.data {
            NpyData::F64(v) => layout.write(file_order.iter().map(|&k| &v[k])),
            NpyData::F32(v) => layout.write(file_order.iter().map(|&k| &v[k])),
            NpyData::I64(v) => layout.write(file_order.iter().map(|&k| &v[k])),
            NpyData::U64(v) => layout.write(file_order.iter().map(|&k| &v[k])),
            NpyData::U8(v) => layout.write(file_order.iter().map(|&k| &v[k])),
            NpyData::Bool(v) => layout.write(file_order.iter().map(|&k| &v[k])),
            NpyData::Str(v) => layout.write(file_order.iter().map(|&k| v[k].as_str())),
        };
        // Writing into memory fails only on a bug (a dtype npyz refuses); reported as I/O.
        written.map_err(|e| Error::io("<npy array in memory>", e))
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
/// [`Error::Io`] naming `path`; [`Error::ShapeMismatch`] and [`Error::InvalidParameter`] as
/// [`NpyArray::to_npy_bytes`].
pub fn write_npy(path: &Path, array: &NpyArray) -> Result<()> {
    super::write_atomic(path, &array.to_npy_bytes(MemoryOrder::C)?)
}

/// The header fields of an array about to be written.
struct Layout {
    dtype: String,
    shape: Vec<u64>,
    order: Order,
}

impl Layout {
    /// The file image: `npyz`'s preamble and header, then `items` in file order.
    fn write<'a, T: npyz::Serialize + ?Sized + 'a>(
        &self,
        items: impl Iterator<Item = &'a T>,
    ) -> io::Result<Vec<u8>> {
        let type_str: TypeStr = self
            .dtype
            .parse()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let mut out = Vec::new();
        let mut writer = WriteOptions::<T>::new()
            .dtype(DType::Plain(type_str))
            .shape(&self.shape)
            .order(self.order)
            .writer(&mut out)
            .begin_nd()?;
        for item in items {
            writer.push(item)?;
        }
        writer.finish()?;
        Ok(out)
    }
}

/// The element types read, with their size in bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    F64,
    F32,
    I64,
    U64,
    U8,
    Bool,
    /// `<U{n}`: `n` code units of 4 bytes.
    Str(usize),
}

impl Kind {
    /// The kind of a dtype, or the fault.
    fn of(dtype: &DType) -> std::result::Result<Kind, String> {
        let plain = match dtype {
            DType::Plain(t) => t,
            DType::Record(_) => {
                return Err("unsupported dtype: structured arrays (descr is a list)".into())
            }
            DType::Array(..) => return Err("unsupported dtype: sub-array".into()),
        };
        let kind = match (plain.type_char(), plain.size_field()) {
            (TypeChar::Float, 8) => Kind::F64,
            (TypeChar::Float, 4) => Kind::F32,
            (TypeChar::Int, 8) => Kind::I64,
            (TypeChar::Uint, 8) => Kind::U64,
            (TypeChar::Uint, 1) => Kind::U8,
            (TypeChar::Bool, 1) => Kind::Bool,
            (TypeChar::UnicodeStr, n) => {
                Kind::Str(usize::try_from(n).map_err(|_| format!("dtype '{plain}' is too wide"))?)
            }
            _ => {
                return Err(format!(
                    "unsupported dtype '{plain}' (supported: <f8, <f4, <i8, <u8, |u1, |b1, <U{{n}})"
                ))
            }
        };
        Ok(kind)
    }

    fn item_size(self) -> Option<usize> {
        Some(match self {
            Kind::F64 | Kind::I64 | Kind::U64 => 8,
            Kind::F32 => 4,
            Kind::U8 | Kind::Bool => 1,
            Kind::Str(n) => n.checked_mul(4)?,
        })
    }
}

/// What went wrong reading the preamble and header of `bytes`.
fn header_fault(bytes: &[u8], e: &io::Error) -> String {
    const MAGIC: &[u8] = b"\x93NUMPY";
    if !bytes.starts_with(MAGIC) {
        return format!(
            "bad magic: not an NPY file (starts with {:02x?})",
            &bytes[..bytes.len().min(8)]
        );
    }
    if e.kind() == io::ErrorKind::UnexpectedEof {
        // Version 1.0 has a 2-byte header length, later versions 4 bytes.
        let preamble = if bytes.get(6) == Some(&1) { 10 } else { 12 };
        return if bytes.len() < preamble {
            format!(
                "truncated preamble: {} bytes, this NPY version has {preamble}",
                bytes.len()
            )
        } else {
            format!("truncated header: the file ends inside the header ({e})")
        };
    }
    format!("malformed NPY header: {e}")
}

/// Parses an NPY file image; the error is a description of the fault.
fn decode(bytes: &[u8]) -> std::result::Result<NpyArray, String> {
    let mut data = bytes;
    let header = NpyHeader::from_reader(&mut data).map_err(|e| header_fault(bytes, &e))?;
    let shape = header
        .shape()
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<std::result::Result<Vec<usize>, _>>()
        .map_err(|_| format!("shape {:?} overflows", header.shape()))?;
    let dtype = header.dtype();
    let kind = Kind::of(&dtype)?;
    let count = shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| format!("shape {shape:?} overflows"))?;
    let needed = kind
        .item_size()
        .and_then(|s| s.checked_mul(count))
        .ok_or_else(|| format!("shape {shape:?} overflows"))?;
    if data.len() != needed {
        let what = if data.len() < needed {
            "truncated data"
        } else {
            "trailing bytes"
        };
        return Err(format!(
            "{what}: {} data bytes, but shape {shape:?} of dtype {} needs {needed}",
            data.len(),
            dtype.descr(),
        ));
    }
    if kind == Kind::Bool {
        if let Some((i, &b)) = data.iter().enumerate().find(|(_, &b)| b > 1) {
            return Err(format!("boolean element {i} is byte {b}, not 0 or 1"));
        }
    }
    let fortran = header.order() == Order::Fortran && shape.len() > 1;
    let file = NpyFile::with_header(header, data);
    let element_fault = |e: io::Error| format!("element data: {e}");
    let values = match kind {
        Kind::F64 => NpyData::F64(file.into_vec().map_err(element_fault)?),
        Kind::F32 => NpyData::F32(file.into_vec().map_err(element_fault)?),
        Kind::I64 => NpyData::I64(file.into_vec().map_err(element_fault)?),
        Kind::U64 => NpyData::U64(file.into_vec().map_err(element_fault)?),
        Kind::U8 => NpyData::U8(file.into_vec().map_err(element_fault)?),
        Kind::Bool => NpyData::Bool(file.into_vec().map_err(element_fault)?),
        Kind::Str(_) => NpyData::Str(
            file.into_vec()
                .map_err(|e| format!("string element holds an invalid code point ({e})"))?,
        ),
    };
    let values = if fortran {
        let offsets = fortran_offsets(&shape);
        match values {
            NpyData::F64(v) => NpyData::F64(gather(&v, &offsets)),
            NpyData::F32(v) => NpyData::F32(gather(&v, &offsets)),
            NpyData::I64(v) => NpyData::I64(gather(&v, &offsets)),
            NpyData::U64(v) => NpyData::U64(gather(&v, &offsets)),
            NpyData::U8(v) => NpyData::U8(gather(&v, &offsets)),
            NpyData::Bool(v) => NpyData::Bool(gather(&v, &offsets)),
            NpyData::Str(v) => NpyData::Str(gather(&v, &offsets)),
        }
    } else {
        values
    };
    Ok(NpyArray {
        shape,
        data: values,
    })
}

fn gather<X: Clone>(values: &[X], offsets: &[usize]) -> Vec<X> {
    offsets.iter().map(|&f| values[f].clone()).collect()
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

fn floats_to_data<T: Float>(values: impl Iterator<Item = T>) -> NpyData {
    if T::DTYPE == "<f4" {
        NpyData::F32(values.map(|x| x.as_f64() as f32).collect())
    } else {
        NpyData::F64(values.map(|x| x.as_f64()).collect())
    }
}

/// For each C-order position `c` of an array of `shape`, its position in Fortran order.
fn fortran_offsets(shape: &[usize]) -> Vec<usize> {
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

    /// Data start at a multiple of this many bytes (NumPy's `ARRAY_ALIGN`).
    const ALIGN: usize = 64;

    fn round_trip(a: &NpyArray, order: MemoryOrder) -> NpyArray {
        let bytes = a.to_npy_bytes(order).unwrap();
        let header_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        assert_eq!(header_end % ALIGN, 0, "data start aligned");
        NpyArray::from_npy_bytes(&bytes, Path::new("mem.npy")).unwrap()
    }

    /// An NPY file image built by hand: magic, version `major.0`, header length (`u16` for
    /// v1, `u32` for v2/v3), `header` unpadded, then `data`.
    fn npy_file(major: u8, header: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = b"\x93NUMPY".to_vec();
        bytes.extend_from_slice(&[major, 0]);
        if major == 1 {
            bytes.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
        } else {
            bytes.extend_from_slice(&u32::try_from(header.len()).unwrap().to_le_bytes());
        }
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    fn decode_err(bytes: &[u8]) -> String {
        let err = NpyArray::from_npy_bytes(bytes, Path::new("x.npy")).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::Format { .. }), "{msg}");
        assert!(msg.contains("x.npy"), "{msg}");
        msg
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
    fn floats_round_trip_bit_exact() {
        // Signed zeros, subnormals, extremes, infinities and NaNs with payloads: every bit kept,
        // stored little-endian after the header.
        let f64s = [
            0.0,
            -0.0,
            5e-324,
            -2.2e-308,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::from_bits(0x7ff8_0000_0000_0001),
            f64::from_bits(0xfff4_0000_dead_beef),
            0.1,
        ];
        let f32s = [
            0.0f32,
            -0.0,
            1e-45,
            f32::MIN_POSITIVE,
            f32::MAX,
            f32::NEG_INFINITY,
            f32::from_bits(0x7fc0_0001),
            f32::from_bits(0xffa0_beef),
            0.1,
        ];
        let a = NpyArray::from_floats(&f64s);
        let bytes = a.to_npy_bytes(MemoryOrder::C).unwrap();
        let expected: Vec<u8> = f64s.iter().flat_map(|x| x.to_le_bytes()).collect();
        assert!(bytes.ends_with(&expected));
        match NpyArray::from_npy_bytes(&bytes, Path::new("f8.npy"))
            .unwrap()
            .data
        {
            NpyData::F64(v) => assert_eq!(
                v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                f64s.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            ),
            other => panic!("{other:?}"),
        }
        let a = NpyArray::from_floats(&f32s);
        let bytes = a.to_npy_bytes(MemoryOrder::C).unwrap();
        let expected: Vec<u8> = f32s.iter().flat_map(|x| x.to_le_bytes()).collect();
        assert!(bytes.ends_with(&expected));
        assert!(String::from_utf8_lossy(&bytes).contains("'<f4'"));
        match NpyArray::from_npy_bytes(&bytes, Path::new("f4.npy"))
            .unwrap()
            .data
        {
            NpyData::F32(v) => assert_eq!(
                v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                f32s.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hand_built_fortran_big_endian_and_later_versions_are_read() {
        // A 2×3 array 0..6 in C order, stored column by column.
        let fortran: Vec<u8> = [0.0f64, 3.0, 1.0, 4.0, 2.0, 5.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
        let c_order = NpyData::F64(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        for major in [1, 2, 3] {
            let a = NpyArray::from_npy_bytes(&npy_file(major, header, &fortran), Path::new("f"))
                .unwrap();
            assert_eq!(a.shape, vec![2, 3], "v{major}");
            assert_eq!(a.data, c_order, "v{major}");
        }
        // Big-endian floats, integers and strings.
        let be: Vec<u8> = [1.5f64, -2.0]
            .iter()
            .flat_map(|x| x.to_be_bytes())
            .collect();
        let a = NpyArray::from_npy_bytes(
            &npy_file(
                1,
                "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }",
                &be,
            ),
            Path::new("be"),
        )
        .unwrap();
        assert_eq!(a.data, NpyData::F64(vec![1.5, -2.0]));
        let be: Vec<u8> = [0.25f32, -3.0]
            .iter()
            .flat_map(|x| x.to_be_bytes())
            .collect();
        let a = NpyArray::from_npy_bytes(
            &npy_file(
                1,
                "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                &be,
            ),
            Path::new("be"),
        )
        .unwrap();
        assert_eq!(a.data, NpyData::F32(vec![0.25, -3.0]));
        let be: Vec<u8> = [-5i64, 7].iter().flat_map(|x| x.to_be_bytes()).collect();
        let a = NpyArray::from_npy_bytes(
            &npy_file(
                1,
                "{'descr': '>i8', 'fortran_order': False, 'shape': (2,), }",
                &be,
            ),
            Path::new("be"),
        )
        .unwrap();
        assert_eq!(a.data, NpyData::I64(vec![-5, 7]));
        let be: Vec<u8> = ['h', 'é', '\0']
            .iter()
            .flat_map(|&c| (c as u32).to_be_bytes())
            .collect();
        let a = NpyArray::from_npy_bytes(
            &npy_file(
                1,
                "{'descr': '>U3', 'fortran_order': False, 'shape': (), }",
                &be,
            ),
            Path::new("be"),
        )
        .unwrap();
        assert_eq!(a.data, NpyData::Str(vec!["hé".into()]));
        // Version 3.0 (a UTF-8 header; key order and quotes as another writer may use them).
        let header = "{\"shape\": (1, 2), \"fortran_order\": False, \"descr\": \"|u1\"}      \n";
        let a = NpyArray::from_npy_bytes(&npy_file(3, header, &[7, 9]), Path::new("v3")).unwrap();
        assert_eq!((a.shape, a.data), (vec![1, 2], NpyData::U8(vec![7, 9])));
    }

    #[test]
    fn rank_beyond_numpys_limit_is_refused_and_the_limit_is_written() {
        let a = NpyArray::new(vec![1; MAX_RANK], NpyData::U8(vec![9])).unwrap();
        assert_eq!(round_trip(&a, MemoryOrder::C), a);
        let too_many = NpyArray::new(vec![1; MAX_RANK + 1], NpyData::U8(vec![9])).unwrap();
        let err = too_many.to_npy_bytes(MemoryOrder::C).unwrap_err();
        assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
        // Reading is not limited: a v2.0 file whose header exceeds 65535 bytes.
        let dims = vec!["1"; 30_000].join(", ");
        let header = format!("{{'descr': '|u1', 'fortran_order': False, 'shape': ({dims}), }}");
        let a = NpyArray::from_npy_bytes(&npy_file(2, &header, &[9]), Path::new("v2")).unwrap();
        assert_eq!((a.shape.len(), a.data), (30_000, NpyData::U8(vec![9])));
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
        let surrogate = npy_file(
            1,
            "{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }",
            &0xd800u32.to_le_bytes(),
        );
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "bad magic"),
            (b"PK\x03\x04 not npy".to_vec(), "bad magic"),
            (good[..8].to_vec(), "truncated preamble"),
            (good[..40].to_vec(), "truncated header"),
            (good[..good.len() - 3].to_vec(), "truncated data"),
            ([&good[..], &[0u8]].concat(), "trailing bytes"),
            (bad_version, "unsupported version: (9, 0)"),
            (bad_bool, "boolean element 1 is byte 7, not 0 or 1"),
            (i4, "unsupported dtype '<i4'"),
            (surrogate, "invalid code point"),
        ];
        for (bytes, fault) in cases {
            let msg = decode_err(&bytes);
            assert!(msg.contains(fault), "{fault}: {msg}");
        }
    }

    #[test]
    fn malformed_headers_and_dtypes_are_format_errors() {
        let nested = format!("{{'a': {}1{}}}", "(".repeat(40), ")".repeat(40));
        let huge = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}";
        for (header, fault) in [
            (
                "{'descr': '<f8', 'fortran_order': False}",
                "missing key 'shape'",
            ),
            (
                "{'descr': '<f8', 'fortran_order': 0, 'shape': ()}",
                "fortran_order",
            ),
            (
                "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': ()}",
                "structured",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 'x')}",
                "integer",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (-3,)}",
                "negative",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,",
                "header",
            ),
            ("['descr']", "dict"),
            ("{'descr': '<f8'} junk", "header"),
            (nested.as_str(), "header"),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
                "larger than u64",
            ),
            (huge, "overflows"),
            (
                "{'descr': 'f8', 'fortran_order': False, 'shape': ()}",
                "type string",
            ),
            (
                "{'descr': '<U', 'fortran_order': False, 'shape': ()}",
                "type string",
            ),
            (
                "{'descr': '<f2', 'fortran_order': False, 'shape': ()}",
                "unsupported dtype '<f2'",
            ),
            (
                "{'descr': '|S6', 'fortran_order': False, 'shape': ()}",
                "unsupported dtype '|S6'",
            ),
            (
                "{'descr': '<c16', 'fortran_order': False, 'shape': ()}",
                "unsupported dtype '<c16'",
            ),
        ] {
            let msg = decode_err(&npy_file(1, header, &[0; 8]));
            assert!(msg.contains(fault), "{header}: {msg}");
        }
    }

    #[test]
    fn deeply_nested_header_is_an_error_not_a_crash() {
        // A v2.0 header may be up to 4 GiB; 100 000 nested tuples must not overflow the stack.
        let depth = 100_000;
        let header = format!(
            "{{'descr': '<f8', 'fortran_order': False, 'shape': {}1{}}}",
            "(".repeat(depth),
            ",)".repeat(depth)
        );
        let msg = decode_err(&npy_file(2, &header, &[0; 8]));
        assert!(msg.contains("header"), "{msg}");
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
