//! Files: atomic writes, NumPy `.npy`/`.npz` arrays, model files and training checkpoints.
//!
//! # Formats
//! * [`npy`]: NumPy's array format v1.0 (v2.0/v3.0 read) through the `npyz` crate, dtypes `<f8`, `<f4`, `<i8`, `<u8`,
//!   `|u1`, `|b1` and `<U{n}`, C or Fortran order, any rank including 0-d. Read arrays are
//!   always held in **C (row-major) order** ([`NpyArray`]).
//! * [`npz`]: a zip archive of `<key>.npy` entries, as `numpy.savez` (stored) or
//!   `numpy.savez_compressed` (deflated) write it; both are read, stored is written.
//! * [`model`]: a model file is an `.npz` with `weight_matrix` (`Nv × Nh`, C order), `vbias`
//!   (`Nv`), `hbias` (`Nh`), 0-d strings `visible_type`/`hidden_type` (`binary`, `ising`,
//!   `gaussian`) and, for Gaussian layers only, 0-d `visible_precision`/`hidden_precision`.
//! * [`checkpoint`]: a model file plus the optimiser state, progress, persistent chains,
//!   generator state and metadata, such that a resumed run is bit-identical.
//!
//! Every write goes through [`write_atomic`]/[`write_atomic_with`], so a crash mid-write leaves
//! the previous file intact.
//!
//! # Errors
//! Operating-system failures are [`Error::Io`] naming the file; readable files with wrong
//! content are [`Error::Format`] naming the file and, where known, the key and index at fault.
//! No input makes these functions panic.

pub mod model;
pub mod npy;
pub mod npz;
pub mod table;

pub use model::{load_model, load_model_as, save_model};
pub use npy::{read_npy, write_npy, MemoryOrder, NpyArray, NpyData};
pub use npz::{decode_npz, encode_npz, read_npz, write_npz, write_npz_compressed};

use crate::error::{Error, Result};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically: see [`write_atomic_with`].
///
/// # Errors
/// [`Error::Io`] naming `path` if the directory is missing or not writable, or the disk is full.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes a file atomically: `write` fills a temporary file `.<name>.<random>.tmp` in the same
/// directory as `path`, which is then flushed, fsynced and renamed over `path`.
///
/// A crash, or an error returned by `write`, at any point before the rename leaves the previous
/// content of `path` (if any) untouched, and the temporary file is removed on error. The new
/// file gets the permissions of the file it replaces (new files: `0o666` minus the umask, as
/// `File::create`). A symbolic link at `path` is replaced by a regular file.
///
/// # Errors
/// [`Error::Io`] naming `path` for any failure: creating the temporary file, an error from
/// `write`, flushing, syncing or renaming.
pub fn write_atomic_with<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let io_err = |e: std::io::Error| Error::io(path, e);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file path",
        ))
    })?;
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(io_err)?;
    if let Some(perms) = existing {
        std::fs::set_permissions(tmp.path(), perms).map_err(io_err)?;
    }
    {
        let mut buffered = BufWriter::new(tmp.as_file_mut());
        write(&mut buffered).map_err(io_err)?;
        buffered.flush().map_err(io_err)?;
    }
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    // Make the rename itself durable. Some filesystems refuse to fsync a directory; the rename
    // has happened either way, so a failure here is not reported.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftover_temp_files(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| Path::new(n).extension().is_some_and(|e| e == "tmp"))
            .collect()
    }

    #[test]
    fn replaces_existing_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        write_atomic(&path, b"old content").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert!(leftover_temp_files(dir.path()).is_empty());
    }

    #[test]
    fn failing_writer_keeps_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keep.bin");
        write_atomic(&path, b"precious").unwrap();
        let err = write_atomic_with(&path, |w| {
            w.write_all(b"half of the new cont")?;
            Err(std::io::Error::other("simulated crash"))
        })
        .unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        let msg = err.to_string();
        assert!(
            msg.contains("keep.bin") && msg.contains("simulated crash"),
            "{msg}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
        assert!(leftover_temp_files(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions_of_replaced_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bin");
        std::fs::write(&path, b"x").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"y").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
