//! Decoding of `.npy` file images (see [`super::npy`] for the format): preamble, header,
//! dtype, element bytes, and reordering of Fortran-order data into C order.

use super::header::parse_header;
use super::npy::{fortran_offsets, NpyArray, NpyData, MAGIC};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    F64,
    F32,
    I64,
    U64,
    U8,
    Bool,
    Str(usize),
}

impl Kind {
    fn item_size(self) -> Option<usize> {
        Some(match self {
            Kind::F64 | Kind::I64 | Kind::U64 => 8,
            Kind::F32 => 4,
            Kind::U8 | Kind::Bool => 1,
            Kind::Str(n) => n.checked_mul(4)?,
        })
    }
}

/// Parses a dtype string into (kind, big-endian).
fn parse_descr(descr: &str) -> std::result::Result<(Kind, bool), String> {
    let unsupported = || {
        format!("unsupported dtype '{descr}' (supported: <f8, <f4, <i8, <u8, |u1, |b1, <U{{n}})")
    };
    let mut chars = descr.chars();
    let big = match chars.next() {
        Some('<') | Some('|') => false,
        Some('>') => true,
        Some('=') => cfg!(target_endian = "big"),
        _ => return Err(unsupported()),
    };
    let rest = chars.as_str();
    let kind = match rest {
        "f8" => Kind::F64,
        "f4" => Kind::F32,
        "i8" => Kind::I64,
        "u8" => Kind::U64,
        "u1" => Kind::U8,
        "b1" => Kind::Bool,
        _ => match rest.strip_prefix('U').map(str::parse::<usize>) {
            Some(Ok(n)) => Kind::Str(n),
            _ => return Err(unsupported()),
        },
    };
    Ok((kind, big))
}

fn words<const N: usize>(data: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
    data.chunks_exact(N).map(|c| {
        let mut word = [0u8; N];
        word.copy_from_slice(c);
        word
    })
}

/// Parses an NPY file image; the error is a description of the fault.
pub(super) fn decode(bytes: &[u8]) -> std::result::Result<NpyArray, String> {
    let head = &bytes[..bytes.len().min(MAGIC.len())];
    if head != &MAGIC[..head.len()] || bytes.is_empty() {
        return Err(format!(
            "bad magic: not an NPY file (starts with {:02x?})",
            &bytes[..bytes.len().min(8)]
        ));
    }
    if bytes.len() < 10 {
        return Err(format!(
            "truncated preamble: {} bytes, an NPY file has at least 10",
            bytes.len()
        ));
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (header_len, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => {
            let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (
                usize::try_from(len).map_err(|_| "header length overflows")?,
                12,
            )
        }
        2 | 3 => return Err(format!("truncated preamble: {} bytes", bytes.len())),
        _ => return Err(format!("unsupported NPY version {major}.{minor}")),
    };
    let available = bytes.len() - start;
    if header_len > available {
        return Err(format!(
            "truncated header: it declares {header_len} bytes, only {available} follow the preamble"
        ));
    }
    let header_bytes = &bytes[start..start + header_len];
    let text = std::str::from_utf8(header_bytes).map_err(|_| "header is not valid text")?;
    let header = parse_header(text)?;
    let (kind, big) = parse_descr(&header.descr)?;
    let count = header
        .shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| format!("shape {:?} overflows", header.shape))?;
    let needed = kind
        .item_size()
        .and_then(|s| s.checked_mul(count))
        .ok_or_else(|| format!("shape {:?} overflows", header.shape))?;
    let data = &bytes[start + header_len..];
    if data.len() != needed {
        let what = if data.len() < needed {
            "truncated data"
        } else {
            "trailing bytes"
        };
        return Err(format!(
            "{what}: {} data bytes, but shape {:?} of dtype '{}' needs {needed}",
            data.len(),
            header.shape,
            header.descr
        ));
    }
    macro_rules! numbers {
        ($t:ty, $n:literal) => {
            words::<$n>(data)
                .map(|w| {
                    if big {
                        <$t>::from_be_bytes(w)
                    } else {
                        <$t>::from_le_bytes(w)
                    }
                })
                .collect::<Vec<$t>>()
        };
    }
    let mut values = match kind {
        Kind::F64 => NpyData::F64(numbers!(f64, 8)),
        Kind::F32 => NpyData::F32(numbers!(f32, 4)),
        Kind::I64 => NpyData::I64(numbers!(i64, 8)),
        Kind::U64 => NpyData::U64(numbers!(u64, 8)),
        Kind::U8 => NpyData::U8(data.to_vec()),
        Kind::Bool => NpyData::Bool(
            data.iter()
                .enumerate()
                .map(|(i, &b)| match b {
                    0 | 1 => Ok(b == 1),
                    _ => Err(format!("boolean element {i} is byte {b}, not 0 or 1")),
                })
                .collect::<std::result::Result<_, String>>()?,
        ),
        Kind::Str(width) => {
            let units = numbers!(u32, 4);
            let mut strings = Vec::with_capacity(count);
            for (i, element) in units.chunks(width.max(1)).take(count).enumerate() {
                let end = element.iter().rposition(|&u| u != 0).map_or(0, |p| p + 1);
                let s = element[..end]
                    .iter()
                    .map(|&u| char::from_u32(u))
                    .collect::<Option<String>>()
                    .ok_or_else(|| format!("string element {i} holds an invalid code point"))?;
                strings.push(s);
            }
            strings.resize(count, String::new()); // <U0: every element is ""
            NpyData::Str(strings)
        }
    };
    if header.fortran_order && header.shape.len() > 1 {
        let offsets = fortran_offsets(&header.shape);
        values = match values {
            NpyData::F64(v) => NpyData::F64(gather(&v, &offsets)),
            NpyData::F32(v) => NpyData::F32(gather(&v, &offsets)),
            NpyData::I64(v) => NpyData::I64(gather(&v, &offsets)),
            NpyData::U64(v) => NpyData::U64(gather(&v, &offsets)),
            NpyData::U8(v) => NpyData::U8(gather(&v, &offsets)),
            NpyData::Bool(v) => NpyData::Bool(gather(&v, &offsets)),
            NpyData::Str(v) => NpyData::Str(gather(&v, &offsets)),
        };
    }
    Ok(NpyArray {
        shape: header.shape,
        data: values,
    })
}

fn gather<X: Clone>(values: &[X], offsets: &[usize]) -> Vec<X> {
    offsets.iter().map(|&f| values[f].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtype_strings() {
        assert_eq!(parse_descr("<f8"), Ok((Kind::F64, false)));
        assert_eq!(parse_descr(">f4"), Ok((Kind::F32, true)));
        assert_eq!(parse_descr("|b1"), Ok((Kind::Bool, false)));
        assert_eq!(parse_descr("<U12"), Ok((Kind::Str(12), false)));
        for bad in ["", "f8", "<f2", "<i4", "<U", "<Ux", "|S6", "<c16"] {
            assert!(
                parse_descr(bad).unwrap_err().contains("unsupported dtype"),
                "{bad}"
            );
        }
    }

    #[test]
    fn big_endian_data_are_read() {
        let header = "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }";
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[1, 0]);
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&1.5f64.to_be_bytes());
        bytes.extend_from_slice(&(-2.0f64).to_be_bytes());
        let a = decode(&bytes).unwrap();
        assert_eq!(a.data, NpyData::F64(vec![1.5, -2.0]));
    }
}
