//! NumPy `.npz` archives: a zip file of `<key>.npy` entries.
//!
//! # Format
//! `numpy.savez` writes stored (uncompressed) entries, `numpy.savez_compressed` deflated ones;
//! both are read here. [`write_npz`] writes stored entries and [`write_npz_compressed`]
//! deflated ones; `numpy.load` reads either. Keys are the entry names without `.npy`.

use super::npy::{MemoryOrder, NpyArray};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// Reads every array of an `.npz` file, by key (entry name without `.npy`).
///
/// # Errors
/// [`Error::Io`] naming `path` if it cannot be read. [`Error::Format`] naming `path` if it is
/// not a zip archive, an entry cannot be decompressed or fails its checksum, an entry is not
/// named `<key>.npy`, two entries share a key, or an entry is not a valid `.npy` array (the
/// fault then names the entry).
pub fn read_npz(path: &Path) -> Result<BTreeMap<String, NpyArray>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_npz(&bytes, path)
}

/// Parses the bytes of an `.npz` archive; `path` names the file in errors. See [`read_npz`].
///
/// # Errors
/// As [`read_npz`], without the I/O errors.
pub fn decode_npz(bytes: &[u8], path: &Path) -> Result<BTreeMap<String, NpyArray>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| Error::format(path, format!("not a valid npz (zip) archive: {e}")))?;
    let mut arrays = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| {
            Error::format(path, format!("cannot open zip entry number {index}: {e}"))
        })?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        let key = name.strip_suffix(".npy").ok_or_else(|| {
            Error::format(
                path,
                format!("entry '{name}' is not an array (npz entries are named <key>.npy)"),
            )
        })?;
        // The declared size only pre-sizes the buffer (capped: it may lie).
        let mut content = Vec::with_capacity(entry.size().min(1 << 26) as usize);
        entry.read_to_end(&mut content).map_err(|e| {
            Error::format(path, format!("entry '{name}' cannot be decompressed: {e}"))
        })?;
        let array = NpyArray::from_npy_bytes(&content, Path::new(&name)).map_err(|e| match e {
            Error::Format { fault, .. } => Error::format(path, format!("entry '{name}': {fault}")),
            other => other,
        })?;
        if arrays.insert(key.to_string(), array).is_some() {
            return Err(Error::format(path, format!("duplicate entry '{name}'")));
        }
    }
    Ok(arrays)
}

/// The bytes of an `.npz` archive holding `arrays` (each in C order) under their keys.
///
/// # Errors
/// [`Error::InvalidParameter`] for an empty or duplicate key, or a key containing `/`;
/// [`Error::ShapeMismatch`] for an array whose data do not fit its shape.
pub fn encode_npz(arrays: &[(&str, NpyArray)], compressed: bool) -> Result<Vec<u8>> {
    let mut seen = std::collections::BTreeSet::new();
    for (key, _) in arrays {
        if key.is_empty() || key.contains('/') || !seen.insert(*key) {
            return Err(Error::invalid(
                "npz key",
                format!("'{key}'"),
                "keys must be non-empty, unique and free of '/'",
            ));
        }
    }
    let method = if compressed {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    };
    let mut images = Vec::with_capacity(arrays.len());
    for (key, array) in arrays {
        images.push((format!("{key}.npy"), array.to_npy_bytes(MemoryOrder::C)?));
    }
    // Writing into memory can only fail on a bug in the zip writer; reported as an I/O error.
    let zip_bytes = || -> zip::result::ZipResult<Vec<u8>> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in &images {
            let options = SimpleFileOptions::default()
                .compression_method(method)
                .large_file(bytes.len() as u64 >= u32::MAX as u64);
            writer.start_file(name.as_str(), options)?;
            writer.write_all(bytes)?;
        }
        Ok(writer.finish()?.into_inner())
    };
    zip_bytes().map_err(|e| Error::io("<npz archive in memory>", std::io::Error::other(e)))
}

/// Writes `arrays` as an `.npz` archive of stored entries (as `numpy.savez`), atomically.
///
/// # Errors
/// [`Error::InvalidParameter`] for bad keys (see [`encode_npz`]); [`Error::Io`] naming `path`.
pub fn write_npz(path: &Path, arrays: &[(&str, NpyArray)]) -> Result<()> {
    super::write_atomic(path, &encode_npz(arrays, false)?)
}

/// Writes `arrays` as an `.npz` archive of deflated entries (as `numpy.savez_compressed`).
///
/// # Errors
/// As [`write_npz`].
pub fn write_npz_compressed(path: &Path, arrays: &[(&str, NpyArray)]) -> Result<()> {
    super::write_atomic(path, &encode_npz(arrays, true)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::npy::NpyData;

    fn sample() -> Vec<(&'static str, NpyArray)> {
        vec![
            (
                "w",
                NpyArray::new(vec![2, 2], NpyData::F64(vec![1.0, -2.0, 3.5, 0.0])).unwrap(),
            ),
            ("name", NpyArray::scalar_str("binary")),
            (
                "flags",
                NpyArray::new(vec![3], NpyData::Bool(vec![true, false, true])).unwrap(),
            ),
        ]
    }

    #[test]
    fn stored_and_deflated_round_trip() {
        for compressed in [false, true] {
            let bytes = encode_npz(&sample(), compressed).unwrap();
            let back = decode_npz(&bytes, Path::new("m.npz")).unwrap();
            assert_eq!(back.len(), 3);
            for (key, array) in sample() {
                assert_eq!(back[key], array, "{key}");
            }
        }
    }

    #[test]
    fn rejects_bad_keys_and_bad_archives() {
        let dup = vec![
            ("a", NpyArray::scalar_f64(1.0)),
            ("a", NpyArray::scalar_f64(2.0)),
        ];
        assert!(encode_npz(&dup, false).is_err());
        let err = decode_npz(b"not a zip at all", Path::new("m.npz")).unwrap_err();
        assert!(err.to_string().contains("m.npz") && err.to_string().contains("zip"));
        // An entry that is not an array.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("readme.txt", SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"hello").unwrap();
        let bytes = w.finish().unwrap().into_inner();
        let err = decode_npz(&bytes, Path::new("m.npz"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("readme.txt"), "{err}");
        // A corrupted stored entry: flip a byte of the array data (CRC check fails).
        let mut bytes = encode_npz(&sample()[..1], false).unwrap();
        let at = bytes
            .windows(8)
            .position(|w| w == 3.5f64.to_le_bytes())
            .unwrap();
        bytes[at] ^= 0xff;
        let err = decode_npz(&bytes, Path::new("m.npz"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("w.npy"), "{err}");
    }
}
