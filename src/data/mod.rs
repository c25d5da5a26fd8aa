//! Datasets: MNIST, the 1000-genomes SNP set, the 8×8 digits and user 0/1 text files.
//!
//! # Conventions
//! * **Rows are samples**: [`Dataset::samples`] is `n_samples × n_features`; image pixels are
//!   row-major, pixel `(r, c)` of a `rows × cols` image in column `r·cols + c`.
//! * Entries are in {0,1} ([`Encoding::Binary`]) or ±1 ([`Encoding::Ising`]), related by
//!   $s = 2v - 1$. Grey levels are binarised by a threshold $\theta$: on iff
//!   $\text{value}/\text{max} \ge \theta$ (MNIST: max 255, digits: max 16).
//! * Data lives under a *data root* ([`data_root`]: `--data DIR`, `$RBMDYN_DATA`, or
//!   `../shared/data`); a user's clone may have none, so callers check [`mnist_available`] or
//!   [`DatasetChoice::available`] and skip data-dependent work.
//! * Loaders never panic on bad files: they return [`Error::Io`] (missing or unreadable file,
//!   path named) or [`Error::Format`] (path plus line/column, offset or byte counts).
//!
//! Dataset formats are documented in `../shared/data/*/README.md` and in each loader.

mod choice;
mod files;
mod mnist;
mod planted;
mod text;

pub use choice::{load, mnist_available, DatasetChoice, DATASET_SPELLINGS};
pub use files::{
    data_root, data_search_paths, open_maybe_gz, DATA_ENV, DIGITS_FOLDER, GENOME_FOLDER,
    MNIST_FOLDER,
};
pub use mnist::{
    load_mnist, read_idx_images, read_idx_labels, MnistOptions, MnistSplit, MNIST_SIDE,
};
pub use planted::PlantedModes;
pub use text::{load_binary_text, load_digits, load_genome};

use crate::error::{Error, Result};
use crate::linalg::{cast_matrix, Float};
use crate::units::AnyUnit;
use nalgebra::DMatrix;
use rand::seq::SliceRandom;
use rand::Rng;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// How a two-state variable is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// {0,1}: off = 0, on = 1 (binary units).
    #[default]
    Binary,
    /// ±1: off = −1, on = +1 (Ising units), $s = 2v - 1$.
    Ising,
}

impl Encoding {
    /// The stored value of the off and on states: `(0, 1)` or `(−1, +1)`.
    pub fn levels(self) -> (f64, f64) {
        match self {
            Encoding::Binary => (0.0, 1.0),
            Encoding::Ising => (-1.0, 1.0),
        }
    }

    /// The stored value of a state.
    pub fn value(self, on: bool) -> f64 {
        let (off, on_value) = self.levels();
        if on {
            on_value
        } else {
            off
        }
    }

    /// The visible-unit kind that models data in this encoding.
    pub fn unit(self) -> AnyUnit {
        match self {
            Encoding::Binary => AnyUnit::Binary,
            Encoding::Ising => AnyUnit::Ising,
        }
    }

    /// `"binary"` or `"ising"`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Binary => "binary",
            Encoding::Ising => "ising",
        }
    }
}

impl FromStr for Encoding {
    type Err = Error;

    /// Parses `binary` (aliases `01`, `bernoulli`) or `ising` (aliases `spin`, `pm1`).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (parameter `encoding`) for any other name.
    fn from_str(name: &str) -> Result<Self> {
        match name.trim() {
            "binary" | "01" | "bernoulli" => Ok(Encoding::Binary),
            "ising" | "spin" | "pm1" => Ok(Encoding::Ising),
            other => Err(Error::invalid(
                "encoding",
                format!("'{other}'"),
                "expected binary (values 0/1) or ising (values ±1)",
            )),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A data matrix with its provenance. Rows are samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Short name, e.g. `mnist-train[0,1]`, `genome`, `digits[:100]`.
    pub name: String,
    /// `n_samples × n_features`, entries in the two levels of `encoding`.
    pub samples: DMatrix<f64>,
    /// One label per sample (MNIST and digits: the digit; genome: index into `label_names`).
    pub labels: Option<Vec<u8>>,
    /// Names of the label values when they are not the numbers themselves (genome continents).
    pub label_names: Option<Vec<String>>,
    /// `(rows, cols)` of image data; pixels are row-major in a sample.
    pub image_shape: Option<(usize, usize)>,
    /// How the two states are stored.
    pub encoding: Encoding,
    /// The file holding the samples (empty for data built in memory).
    pub source: PathBuf,
}

impl Dataset {
    /// A dataset built in memory (synthetic data), checked to hold only `encoding`'s levels.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first entry that is not one of the two levels.
    #[allow(clippy::float_cmp)] // unit values are exact (0, 1, ±1): exact comparison intended
    pub fn from_matrix(
        name: impl Into<String>,
        samples: DMatrix<f64>,
        encoding: Encoding,
    ) -> Result<Self> {
        let (off, on) = encoding.levels();
        for (j, column) in samples.column_iter().enumerate() {
            if let Some((i, x)) = column
                .iter()
                .enumerate()
                .find(|(_, &x)| x != off && x != on)
            {
                return Err(Error::invalid(
                    "samples",
                    format!("{x} at ({i}, {j})"),
                    format!("{encoding} data must be {off} or {on}"),
                ));
            }
        }
        Ok(Dataset {
            name: name.into(),
            samples,
            labels: None,
            label_names: None,
            image_shape: None,
            encoding,
            source: PathBuf::new(),
        })
    }

    /// Number of samples (rows).
    pub fn n_samples(&self) -> usize {
        self.samples.nrows()
    }

    /// Number of features (columns, e.g. pixels or SNPs).
    pub fn n_features(&self) -> usize {
        self.samples.ncols()
    }

    /// The samples in the training float type.
    pub fn to_float<T: Float>(&self) -> DMatrix<T> {
        cast_matrix(&self.samples)
    }

    /// The same data in `encoding`: $s = 2v - 1$ from {0,1} to ±1, $v = (s + 1)/2$ back.
    #[must_use]
    pub fn with_encoding(mut self, encoding: Encoding) -> Self {
        match (self.encoding, encoding) {
            (Encoding::Binary, Encoding::Ising) => self.samples.apply(|x| *x = 2.0 * *x - 1.0),
            (Encoding::Ising, Encoding::Binary) => self.samples.apply(|x| *x = 0.5 * (*x + 1.0)),
            _ => {}
        }
        self.encoding = encoding;
        self
    }

    /// The samples at `indices` (in that order, repeats allowed), with their labels.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if an index is out of range.
    pub fn select(&self, name: impl Into<String>, indices: &[usize]) -> Result<Self> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.n_samples()) {
            return Err(Error::invalid(
                "sample index",
                bad,
                format!("{} has {} samples", self.name, self.n_samples()),
            ));
        }
        Ok(self.subset(name.into(), indices))
    }

    /// The first `min(n, n_samples)` samples, named `<name>[:n]`.
    #[must_use]
    pub fn take(&self, n: usize) -> Self {
        let n = n.min(self.n_samples());
        let indices: Vec<usize> = (0..n).collect();
        self.subset(format!("{}[:{n}]", self.name), &indices)
    }

    /// The first `n_train` samples and the rest, named `<name>[:n]` and `<name>[n:]`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `n_train > n_samples`.
    pub fn split(&self, n_train: usize) -> Result<(Self, Self)> {
        let n = self.n_samples();
        if n_train > n {
            return Err(Error::invalid(
                "n_train",
                n_train,
                format!("{} has only {n} samples", self.name),
            ));
        }
        let train: Vec<usize> = (0..n_train).collect();
        let test: Vec<usize> = (n_train..n).collect();
        Ok((
            self.subset(format!("{}[:{n_train}]", self.name), &train),
            self.subset(format!("{}[{n_train}:]", self.name), &test),
        ))
    }

    /// The samples in a uniformly random order (labels follow), e.g. before [`Dataset::split`].
    #[must_use]
    pub fn shuffled<R: Rng + ?Sized>(&self, rng: &mut R) -> Self {
        let mut indices: Vec<usize> = (0..self.n_samples()).collect();
        indices.shuffle(rng);
        self.subset(format!("{}(shuffled)", self.name), &indices)
    }

    /// The samples whose label is in `keep`, named `<name>[l,l,…]`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the dataset has no labels.
    pub fn with_labels_in(&self, keep: &[u8]) -> Result<Self> {
        let labels = self.labels.as_ref().ok_or_else(|| {
            Error::invalid(
                "labels",
                format!("{keep:?}"),
                format!("{} has no labels", self.name),
            )
        })?;
        let indices: Vec<usize> = (0..labels.len())
            .filter(|&i| keep.contains(&labels[i]))
            .collect();
        let list: Vec<String> = keep.iter().map(|l| l.to_string()).collect();
        Ok(self.subset(format!("{}[{}]", self.name, list.join(",")), &indices))
    }

    /// `counts[l]` = number of samples with label `l`, for `l` up to the largest label.
    pub fn label_histogram(&self) -> Option<Vec<usize>> {
        let labels = self.labels.as_ref()?;
        let len = labels.iter().max().map_or(0, |&m| usize::from(m) + 1);
        let mut counts = vec![0; len];
        for &l in labels {
            counts[usize::from(l)] += 1;
        }
        Some(counts)
    }

    /// Fraction of entries in the on state (1 in either encoding); 0 for an empty dataset.
    #[allow(clippy::float_cmp)] // unit values are exact (0, 1, ±1): exact comparison intended
    pub fn fraction_on(&self) -> f64 {
        let on = self.samples.iter().filter(|&&x| x == 1.0).count();
        on as f64 / self.samples.len().max(1) as f64
    }

    /// [`Dataset::select`] with indices known to be in range.
    fn subset(&self, name: String, indices: &[usize]) -> Self {
        Dataset {
            name,
            samples: self.samples.select_rows(indices),
            labels: self
                .labels
                .as_ref()
                .map(|labels| indices.iter().map(|&i| labels[i]).collect()),
            label_names: self.label_names.clone(),
            image_shape: self.image_shape,
            encoding: self.encoding,
            source: self.source.clone(),
        }
    }
}

impl fmt::Display for Dataset {
    /// One line: name, shape, encoding, labels, image shape, source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} samples × {} features, {}",
            self.name,
            self.n_samples(),
            self.n_features(),
            self.encoding
        )?;
        if let Some((rows, cols)) = self.image_shape {
            write!(f, ", {rows}×{cols} images")?;
        }
        if self.labels.is_some() {
            write!(f, ", labelled")?;
        }
        if !self.source.as_os_str().is_empty() {
            write!(f, ", from {}", self.source.display())?;
        }
        Ok(())
    }
}

/// Checks a binarisation threshold $\theta \in (0, 1]$.
pub(crate) fn check_threshold(threshold: f64) -> Result<()> {
    if threshold > 0.0 && threshold <= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            "threshold",
            threshold,
            "must be in (0, 1]: a grey level is on iff value/max ≥ threshold",
        ))
    }
}

/// Builds a rows-are-samples matrix from byte rows of length `n_cols`: entry `(i, j)` is
/// `encoding.value(on(rows[i][j]))`.
///
/// The row-major → column-major transpose goes in blocks of rows so that reads stay in cache.
pub(crate) fn binarised_matrix(
    n_cols: usize,
    rows: &[&[u8]],
    encoding: Encoding,
    on: impl Fn(u8) -> bool,
) -> DMatrix<f64> {
    const BLOCK: usize = 64;
    let table: Vec<f64> = (0..=u8::MAX).map(|b| encoding.value(on(b))).collect();
    let n = rows.len();
    let mut data = vec![0.0; n * n_cols];
    for start in (0..n).step_by(BLOCK) {
        let block = &rows[start..(start + BLOCK).min(n)];
        for (j, column) in data.chunks_exact_mut(n.max(1)).enumerate() {
            for (out, row) in column[start..start + block.len()].iter_mut().zip(block) {
                *out = table[usize::from(row[j])];
            }
        }
    }
    DMatrix::from_vec(n, n_cols, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    fn small() -> Dataset {
        let samples = DMatrix::from_row_slice(4, 2, &[0., 1., 1., 1., 0., 0., 1., 0.]);
        let mut data = Dataset::from_matrix("small", samples, Encoding::Binary).unwrap();
        data.labels = Some(vec![3, 1, 3, 0]);
        data
    }

    #[test]
    fn encoding_round_trip_is_exact() {
        let data = small();
        let ising = data.clone().with_encoding(Encoding::Ising);
        assert_eq!(ising.samples[(0, 0)], -1.0);
        assert_eq!(ising.samples[(0, 1)], 1.0);
        assert!(Dataset::from_matrix("x", ising.samples.clone(), Encoding::Ising).is_ok());
        assert_eq!(ising.with_encoding(Encoding::Binary), data);
        assert_eq!("spin".parse::<Encoding>().unwrap(), Encoding::Ising);
        assert!("gauss".parse::<Encoding>().is_err());
    }

    #[test]
    fn from_matrix_rejects_other_values() {
        let bad = DMatrix::from_row_slice(1, 2, &[0.0, 0.5]);
        let message = Dataset::from_matrix("x", bad, Encoding::Binary)
            .unwrap_err()
            .to_string();
        assert!(message.contains("0.5 at (0, 1)"), "{message}");
    }

    #[test]
    fn subsets_keep_labels_aligned() {
        let data = small();
        let (train, test) = data.split(3).unwrap();
        assert_eq!((train.n_samples(), test.n_samples()), (3, 1));
        assert_eq!(test.labels, Some(vec![0]));
        assert_eq!(test.samples.row(0), data.samples.row(3));
        assert!(data.split(5).is_err());
        assert_eq!(data.take(10).n_samples(), 4);
        let threes = data.with_labels_in(&[3]).unwrap();
        assert_eq!(threes.samples.row(1), data.samples.row(2));
        assert_eq!(data.label_histogram(), Some(vec![1, 1, 0, 2]));
        assert_eq!(data.fraction_on(), 0.5);
        let shuffled = data.shuffled(&mut StdRng::seed_from_u64(7));
        assert_eq!(shuffled.label_histogram(), data.label_histogram());
        for i in 0..4 {
            let label = shuffled.labels.as_ref().unwrap()[i];
            let original = (0..4)
                .find(|&k| data.samples.row(k) == shuffled.samples.row(i))
                .unwrap();
            assert_eq!(data.labels.as_ref().unwrap()[original], label);
        }
    }

    #[test]
    fn blocked_transpose_matches_direct_indexing() {
        // More rows than one block, and a ragged last block.
        let (n, cols) = (150, 7);
        let bytes: Vec<u8> = (0..n * cols).map(|k| (k * 37 % 256) as u8).collect();
        let rows: Vec<&[u8]> = bytes.chunks_exact(cols).collect();
        let m = binarised_matrix(cols, &rows, Encoding::Ising, |b| b >= 128);
        for i in 0..n {
            for j in 0..cols {
                let expected = if bytes[i * cols + j] >= 128 {
                    1.0
                } else {
                    -1.0
                };
                assert_eq!(m[(i, j)], expected);
            }
        }
    }

    #[test]
    fn thresholds_are_checked() {
        assert!(check_threshold(0.5).is_ok());
        assert!(check_threshold(1.0).is_ok());
        assert!(check_threshold(0.0).is_err());
        assert!(check_threshold(f64::NAN).is_err());
    }
}
