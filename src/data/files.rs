//! Where the data lives, and opening files that may or may not be gzipped.
//!
//! # Conventions
//! * A **data root** is a folder holding one sub-folder per dataset ([`MNIST_FOLDER`],
//!   [`GENOME_FOLDER`], [`DIGITS_FOLDER`]); a root that *is* a dataset folder (holds the files
//!   directly) is accepted too.
//! * A file is decompressed when its first two bytes are the gzip magic `1f 8b`, whatever its
//!   name, so `x.gz` and a plain `x` read the same.

use crate::error::{Error, Result};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, ErrorKind};
use std::path::{Path, PathBuf};

/// Environment variable naming the data root (used when no explicit `--data DIR` is given).
pub const DATA_ENV: &str = "RBMDYN_DATA";
/// Sub-folder of the data root holding MNIST.
pub const MNIST_FOLDER: &str = "mnist";
/// Sub-folder of the data root holding the 1000-genomes SNP set.
pub const GENOME_FOLDER: &str = "hgd-1000genomes";
/// Sub-folder of the data root holding the scikit-learn 8×8 digits.
pub const DIGITS_FOLDER: &str = "sklearn-digits";
/// The data root's path relative to the crate (or the current directory) in a project checkout.
const SHARED_DATA: &str = "../shared/data";
/// Read-buffer size: large enough that gzip decompression is not call-bound.
const BUFFER_BYTES: usize = 1 << 16;

/// The places [`data_root`] considers, in order, each with where it came from.
///
/// An explicit path (the CLI's `--data DIR`) is the only candidate when given; otherwise
/// `$RBMDYN_DATA` is the only candidate when set and non-empty. Only without both does the
/// search fall back to `../shared/data` relative to the current directory, then relative to
/// the crate's source folder (`CARGO_MANIFEST_DIR` at build time). A mistyped `--data` is thus
/// never silently replaced by other data.
pub fn data_search_paths(explicit: Option<&Path>) -> Vec<(PathBuf, &'static str)> {
    if let Some(path) = explicit {
        return vec![(path.to_path_buf(), "--data")];
    }
    if let Some(env) = std::env::var_os(DATA_ENV).filter(|v| !v.is_empty()) {
        return vec![(PathBuf::from(env), DATA_ENV)];
    }
    let from_cwd = std::env::current_dir()
        .map(|cwd| cwd.join(SHARED_DATA))
        .unwrap_or_else(|_| PathBuf::from(SHARED_DATA));
    let from_crate = Path::new(env!("CARGO_MANIFEST_DIR")).join(SHARED_DATA);
    vec![
        (from_cwd, "current directory"),
        (from_crate, "crate source folder"),
    ]
}

/// The data root: the first existing folder among [`data_search_paths`], canonicalised.
///
/// Returns `None` when none exists (a user's clone has no `../shared/data`): callers then skip
/// data-dependent work and say so. This is a cheap check (a few `stat` calls).
pub fn data_root(explicit: Option<&Path>) -> Option<PathBuf> {
    data_search_paths(explicit)
        .into_iter()
        .map(|(path, _)| path)
        .find(|path| path.is_dir())
        .map(|path| path.canonicalize().unwrap_or(path))
}

/// The first of `names` that exists as a file in `dir`.
pub(crate) fn find_file(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    names
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// The dataset folder under `root`: `root/folder` if it holds one of `markers`, else `root`
/// itself if it does.
pub(crate) fn dataset_dir(root: &Path, folder: &str, markers: &[&str]) -> Option<PathBuf> {
    let sub = root.join(folder);
    if find_file(&sub, markers).is_some() {
        Some(sub)
    } else if find_file(root, markers).is_some() {
        Some(root.to_path_buf())
    } else {
        None
    }
}

/// Error for a file that is absent from a dataset folder, naming the names tried.
pub(crate) fn missing_file(dir: &Path, what: &str, names: &[&str]) -> Error {
    let first = names.first().copied().unwrap_or("");
    Error::io(
        dir.join(first),
        io::Error::new(
            ErrorKind::NotFound,
            format!("no {what} in {}: tried {}", dir.display(), names.join(", ")),
        ),
    )
}

/// Opens `path` for buffered reading, through a gzip decoder if the file starts with `1f 8b`.
///
/// # Errors
/// [`Error::Io`] naming the path if it cannot be opened or read.
pub fn open_maybe_gz(path: &Path) -> Result<Box<dyn BufRead>> {
    Ok(open_input(path)?.0)
}

/// [`open_maybe_gz`], also saying whether the file is gzipped.
pub(crate) fn open_input(path: &Path) -> Result<(Box<dyn BufRead>, bool)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = BufReader::with_capacity(BUFFER_BYTES, file);
    let head = reader.fill_buf().map_err(|e| Error::io(path, e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let decoder = MultiGzDecoder::new(reader);
        Ok((
            Box::new(BufReader::with_capacity(BUFFER_BYTES, decoder)),
            true,
        ))
    } else {
        Ok((Box::new(reader), false))
    }
}

/// Maps an error met while reading an opened file: decoding failures (corrupt or truncated
/// gzip streams) become [`Error::Format`], operating-system failures [`Error::Io`].
pub(crate) fn read_error(path: &Path, error: io::Error) -> Error {
    match error.kind() {
        ErrorKind::InvalidData | ErrorKind::InvalidInput | ErrorKind::UnexpectedEof => {
            Error::format(
                path,
                format!("cannot decode the file (corrupt or truncated gzip stream?): {error}"),
            )
        }
        _ => Error::io(path, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression};
    use std::io::{Read, Write};

    #[test]
    fn explicit_root_is_the_only_candidate() {
        let dir = tempfile::tempdir().unwrap();
        let paths = data_search_paths(Some(dir.path()));
        assert_eq!(paths, vec![(dir.path().to_path_buf(), "--data")]);
        assert!(data_root(Some(dir.path())).is_some());
        assert!(data_root(Some(&dir.path().join("absent"))).is_none());
    }

    #[test]
    fn dataset_dir_accepts_root_or_sub_folder() {
        let root = tempfile::tempdir().unwrap();
        assert!(dataset_dir(root.path(), "set", &["a.txt"]).is_none());
        std::fs::write(root.path().join("a.txt"), "1").unwrap();
        assert_eq!(
            dataset_dir(root.path(), "set", &["a.txt"]),
            Some(root.path().to_path_buf())
        );
        std::fs::create_dir(root.path().join("set")).unwrap();
        std::fs::write(root.path().join("set/a.txt"), "1").unwrap();
        assert_eq!(
            dataset_dir(root.path(), "set", &["a.txt"]),
            Some(root.path().join("set"))
        );
    }

    #[test]
    fn gzip_is_detected_by_content_not_name() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.gz");
        let packed = dir.path().join("packed.txt");
        std::fs::write(&plain, b"0 1\n").unwrap();
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(b"0 1\n").unwrap();
        std::fs::write(&packed, encoder.finish().unwrap()).unwrap();
        for path in [plain, packed] {
            let mut text = String::new();
            open_maybe_gz(&path)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            assert_eq!(text, "0 1\n");
        }
    }
}
