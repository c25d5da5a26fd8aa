//! MNIST in its original IDX format (gzipped or plain).
//!
//! # Format (IDX, big-endian)
//! * images: magic `0x00000803` (unsigned bytes, 3 dimensions), then `u32` count `N`, rows,
//!   cols, then `N·rows·cols` bytes, image-major and row-major within an image: pixel `(r, c)`
//!   of image `i` is at offset `16 + i·rows·cols + r·cols + c`. 0 = background, 255 = ink.
//! * labels: magic `0x00000801`, `u32` count `N`, then `N` bytes (digits 0..9, same order).
//!
//! # Conventions
//! Sample `i` is row `i` of [`Dataset::samples`], pixel `(r, c)` is column `28 r + c`.
//! Binarisation: pixel `p` is *on* iff $p/255 \ge \theta$ (in `f64`); the default
//! $\theta = 0.5$ is `p ≥ 128`, the usual `p > 127`.

use super::files::{find_file, missing_file, open_input, read_error};
use super::{binarised_matrix, check_threshold, Dataset, Encoding};
use crate::error::{Error, Result};
use std::io::{self, Read};
use std::path::Path;

/// Image height and width that MNIST requires.
pub const MNIST_SIDE: usize = 28;
/// Magic number of an IDX file of unsigned bytes with 3 dimensions (images).
const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with 1 dimension (labels).
const LABELS_MAGIC: u32 = 0x0000_0801;
/// Largest up-front allocation for an IDX payload; larger files grow the buffer as they read.
const MAX_RESERVE: usize = 1 << 30;

/// File names tried for the training images, in order (LeCun's names, gzipped or not, and the
/// dotted names of some mirrors).
pub const TRAIN_IMAGE_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-images-idx3-ubyte",
    "train-images.idx3-ubyte.gz",
    "train-images.idx3-ubyte",
];
const TRAIN_LABEL_NAMES: [&str; 4] = [
    "train-labels-idx1-ubyte.gz",
    "train-labels-idx1-ubyte",
    "train-labels.idx1-ubyte.gz",
    "train-labels.idx1-ubyte",
];
/// File names tried for the test images, in order.
pub const TEST_IMAGE_NAMES: [&str; 4] = [
    "t10k-images-idx3-ubyte.gz",
    "t10k-images-idx3-ubyte",
    "t10k-images.idx3-ubyte.gz",
    "t10k-images.idx3-ubyte",
];
const TEST_LABEL_NAMES: [&str; 4] = [
    "t10k-labels-idx1-ubyte.gz",
    "t10k-labels-idx1-ubyte",
    "t10k-labels.idx1-ubyte.gz",
    "t10k-labels.idx1-ubyte",
];

/// Which MNIST file pair to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum MnistSplit {
    /// The 60000 training images.
    #[default]
    Train,
    /// The 10000 test images (`t10k`).
    Test,
}

impl MnistSplit {
    /// `"train"` or `"test"`.
    pub fn name(self) -> &'static str {
        match self {
            MnistSplit::Train => "train",
            MnistSplit::Test => "test",
        }
    }
}

/// How [`load_mnist`] reads and binarises MNIST. Checked when loading.
#[derive(Clone, Debug, PartialEq)]
pub struct MnistOptions {
    /// Train or test file pair.
    pub split: MnistSplit,
    /// Binarisation threshold $\theta \in (0, 1]$ on `pixel/255`: on iff `pixel/255 ≥ θ`.
    pub threshold: f64,
    /// Keep only these digits (each 0..9); `None` keeps all.
    pub digits: Option<Vec<u8>>,
    /// Keep at most this many samples (the first ones in file order, after the digit filter).
    pub limit: Option<usize>,
    /// Encoding of the samples.
    pub encoding: Encoding,
}

impl Default for MnistOptions {
    /// Training set, threshold 0.5, all digits, no limit, {0,1} encoding.
    fn default() -> Self {
        MnistOptions {
            split: MnistSplit::Train,
            threshold: 0.5,
            digits: None,
            limit: None,
            encoding: Encoding::Binary,
        }
    }
}

/// Reads `buf.len()` bytes unless the stream ends first; returns how many were read.
fn read_up_to(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Reads an IDX file of unsigned bytes with `magic`'s number of dimensions; returns the
/// dimensions and the payload (exactly their product in bytes).
fn read_idx(path: &Path, magic: u32) -> Result<(Vec<usize>, Vec<u8>)> {
    let n_dims = (magic & 0xff) as usize;
    let header_len = 4 + 4 * n_dims;
    let (mut reader, gzipped) = open_input(path)?;
    let mut header = vec![0u8; header_len];
    let got = read_up_to(&mut reader, &mut header).map_err(|e| read_error(path, e))?;
    if got >= 4 {
        let found = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        if found != magic {
            return Err(Error::format(
                path,
                format!(
                    "wrong IDX magic number: found {found:#010x}, expected {magic:#010x} \
                     (unsigned bytes, {n_dims} dimension(s))"
                ),
            ));
        }
    }
    if got < header_len {
        return Err(Error::format(
            path,
            format!("truncated IDX header: expected {header_len} bytes, found {got}"),
        ));
    }
    let dims: Vec<usize> = header[4..]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let shape = dims
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(" × ");
    let payload = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::format(path, format!("IDX dimensions {shape} overflow")))?;
    let mut data = Vec::with_capacity(payload.min(MAX_RESERVE));
    let got = (&mut reader)
        .take(payload as u64)
        .read_to_end(&mut data)
        .map_err(|e| read_error(path, e))?;
    let extra = io::copy(&mut reader, &mut io::sink()).map_err(|e| read_error(path, e))?;
    if got < payload || extra > 0 {
        let what = if extra > 0 {
            "trailing data"
        } else {
            "truncated"
        };
        let found = header_len as u64 + got as u64 + extra;
        return Err(Error::format(
            path,
            format!(
                "{what}: the IDX header ({shape}) implies {} bytes, found {found}{}",
                header_len + payload,
                if gzipped { " after decompression" } else { "" },
            ),
        ));
    }
    Ok((dims, data))
}

/// Reads an IDX image file (magic `0x00000803`, gzipped or plain).
///
/// Returns `(n, rows, cols, pixels)` with `pixels.len() == n·rows·cols`, image-major and
/// row-major within an image. Any image size is accepted; [`load_mnist`] requires 28×28.
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened; [`Error::Format`] on a wrong magic number
/// (found and expected printed in hex), a truncated header or payload, or trailing bytes
/// (expected and found byte counts printed).
pub fn read_idx_images(path: &Path) -> Result<(usize, usize, usize, Vec<u8>)> {
    let (dims, pixels) = read_idx(path, IMAGES_MAGIC)?;
    Ok((dims[0], dims[1], dims[2], pixels))
}

/// Reads an IDX label file (magic `0x00000801`, gzipped or plain): one byte per sample.
///
/// # Errors
/// As [`read_idx_images`].
pub fn read_idx_labels(path: &Path) -> Result<Vec<u8>> {
    Ok(read_idx(path, LABELS_MAGIC)?.1)
}

/// Loads MNIST from `dir` (the folder holding the IDX files) as a binarised [`Dataset`].
///
/// Named `mnist-<split>`, followed by `[d,d,…]` for a digit subset and `[:n]` for a limit.
/// Labels are the digits; `image_shape` is `(28, 28)`; `source` is the image file.
///
/// # Errors
/// [`Error::InvalidParameter`] for a threshold outside `(0, 1]`, a digit above 9, an empty
/// digit list, a zero limit, or a digit subset that matches no sample; [`Error::Io`] if a file is
/// missing; [`Error::Format`] if a file is malformed (see [`read_idx_images`]), the images are
/// not 28×28, a label exceeds 9, or the label and image counts differ.
pub fn load_mnist(dir: &Path, options: &MnistOptions) -> Result<Dataset> {
    check_threshold(options.threshold)?;
    if let Some(digits) = &options.digits {
        check_digits(digits)?;
    }
    if options.limit == Some(0) {
        return Err(Error::invalid("limit", 0, "must be at least 1"));
    }
    let (image_names, label_names) = match options.split {
        MnistSplit::Train => (&TRAIN_IMAGE_NAMES, &TRAIN_LABEL_NAMES),
        MnistSplit::Test => (&TEST_IMAGE_NAMES, &TEST_LABEL_NAMES),
    };
    let split = options.split.name();
    let image_path = find_file(dir, image_names)
        .ok_or_else(|| missing_file(dir, &format!("MNIST {split} images"), image_names))?;
    let label_path = find_file(dir, label_names)
        .ok_or_else(|| missing_file(dir, &format!("MNIST {split} labels"), label_names))?;

    let (n, rows, cols, pixels) = read_idx_images(&image_path)?;
    if (rows, cols) != (MNIST_SIDE, MNIST_SIDE) {
        return Err(Error::format(
            &image_path,
            format!("MNIST images must be {MNIST_SIDE}×{MNIST_SIDE}, found {rows}×{cols}"),
        ));
    }
    let labels = read_idx_labels(&label_path)?;
    if labels.len() != n {
        return Err(Error::format(
            &label_path,
            format!(
                "{} labels, but {} holds {n} images",
                labels.len(),
                image_path.display()
            ),
        ));
    }
    if let Some((index, label)) = labels.iter().enumerate().find(|(_, &l)| l > 9) {
        return Err(Error::format(
            &label_path,
            format!("label {label} of sample {index} is not a digit 0..9"),
        ));
    }

    let keep = |label: u8| options.digits.as_ref().is_none_or(|d| d.contains(&label));
    let selected: Vec<usize> = (0..n)
        .filter(|&i| keep(labels[i]))
        .take(options.limit.unwrap_or(usize::MAX))
        .collect();
    let mut name = format!("mnist-{split}");
    if let Some(digits) = &options.digits {
        if selected.is_empty() {
            return Err(Error::invalid(
                "digits",
                format!("{digits:?}"),
                format!("no MNIST {split} sample has one of these labels"),
            ));
        }
        name.push_str(&digit_list(digits));
    }
    if let Some(limit) = options.limit {
        name.push_str(&format!("[:{limit}]"));
    }

    let size = rows * cols;
    let images: Vec<&[u8]> = selected
        .iter()
        .map(|&i| &pixels[i * size..(i + 1) * size])
        .collect();
    let on = |p: u8| f64::from(p) / 255.0 >= options.threshold;
    Ok(Dataset {
        name,
        samples: binarised_matrix(size, &images, options.encoding, on),
        labels: Some(selected.iter().map(|&i| labels[i]).collect()),
        label_names: None,
        image_shape: Some((rows, cols)),
        encoding: options.encoding,
        source: image_path,
    })
}

/// Checks a digit subset: non-empty, each digit 0..9.
pub(crate) fn check_digits(digits: &[u8]) -> Result<()> {
    if digits.is_empty() {
        return Err(Error::invalid(
            "digits",
            "[]",
            "give at least one digit 0..9",
        ));
    }
    if let Some(bad) = digits.iter().find(|&&d| d > 9) {
        return Err(Error::invalid(
            "digits",
            format!("{digits:?}"),
            format!("{bad} is not a digit 0..9"),
        ));
    }
    Ok(())
}

/// `[0,1]` for the digits 0 and 1.
pub(crate) fn digit_list(digits: &[u8]) -> String {
    let list: Vec<String> = digits.iter().map(|d| d.to_string()).collect();
    format!("[{}]", list.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny IDX image file: 3 images of 2×2 pixels, written by hand (big-endian).
    fn tiny_images() -> Vec<u8> {
        let mut bytes = vec![0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2];
        bytes.extend(0u8..12);
        bytes
    }

    #[test]
    fn reads_hand_written_idx() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images");
        std::fs::write(&path, tiny_images()).unwrap();
        let (n, rows, cols, pixels) = read_idx_images(&path).unwrap();
        assert_eq!((n, rows, cols), (3, 2, 2));
        assert_eq!(pixels, (0u8..12).collect::<Vec<_>>());
    }

    #[test]
    fn labels_file_is_not_an_image_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images");
        std::fs::write(&path, tiny_images()).unwrap();
        let message = read_idx_labels(&path).unwrap_err().to_string();
        assert!(
            message.contains("found 0x00000803, expected 0x00000801"),
            "{message}"
        );
    }

    #[test]
    fn digit_checks() {
        assert!(check_digits(&[0, 9]).is_ok());
        assert!(check_digits(&[]).is_err());
        assert!(check_digits(&[10]).is_err());
        assert_eq!(digit_list(&[0, 1]), "[0,1]");
    }
}
