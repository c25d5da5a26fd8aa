//! The CLI's dataset choice and the one function that loads it.

use super::files::{data_search_paths, dataset_dir, DIGITS_FOLDER, GENOME_FOLDER, MNIST_FOLDER};
use super::mnist::{
    check_digits, digit_list, load_mnist, MnistOptions, MnistSplit, TEST_IMAGE_NAMES,
    TRAIN_IMAGE_NAMES,
};
use super::text::{load_binary_text, load_digits, load_genome, DIGITS_NAMES, GENOME_NAMES};
use super::{check_threshold, Dataset, Encoding};
use crate::error::{Error, Result};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The spellings [`DatasetChoice::from_str`] accepts.
pub const DATASET_SPELLINGS: &str = "mnist, mnist:D,D,... (a subset of the digits 0-9, e.g. \
     mnist:0,1), mnist-test, mnist-test:D,D,..., genome (alias hgd), digits, file:PATH \
     (whitespace-separated 0/1 text, one sample per line, gzipped or plain), \
     planted:N:M:SEED:B,B,... (M synthetic samples of N units with planted modes of strengths \
     B, see data::PlantedModes; e.g. planted:128:10000:7:0.4,0.29,0.18)";

/// A dataset named on the command line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DatasetChoice {
    /// MNIST training set (60000), optionally restricted to some digits.
    Mnist {
        /// Digits to keep (sorted, distinct, each 0..9); `None` keeps all.
        digits: Option<Vec<u8>>,
    },
    /// MNIST test set (10000), optionally restricted to some digits.
    MnistTest {
        /// Digits to keep (sorted, distinct, each 0..9); `None` keeps all.
        digits: Option<Vec<u8>>,
    },
    /// The 1000-genomes SNP set (5008 × 805).
    Genome,
    /// The scikit-learn 8×8 digits (1797 × 64).
    Digits,
    /// A user's 0/1 text file (see [`load_binary_text`]).
    File(PathBuf),
    /// Synthetic data with planted modes ([`super::PlantedModes`]), generated from a seed.
    Planted {
        /// Visible units $N$.
        n_visible: usize,
        /// Samples $M$.
        samples: usize,
        /// Seed of the patterns and the samples.
        seed: u64,
        /// Strengths $\beta_a$ as written (comma-separated numbers, checked when parsed).
        strengths: String,
    },
}

/// Parses `N:M:SEED:B,B,...` of a `planted:` spelling.
fn parse_planted(spelling: &str, tail: &str) -> Result<DatasetChoice> {
    let bad = |why: &str| {
        Error::invalid(
            "dataset",
            format!("'{spelling}'"),
            format!(
                "{why}; expected planted:N:M:SEED:B,B,... e.g. planted:128:10000:7:0.4,0.29,0.18"
            ),
        )
    };
    let parts: Vec<&str> = tail.split(':').collect();
    let [n, m, seed, strengths] = parts.as_slice() else {
        return Err(bad("four fields after 'planted:'"));
    };
    let n_visible = n
        .trim()
        .parse::<usize>()
        .map_err(|_| bad("N is not a whole number"))?;
    let samples = m
        .trim()
        .parse::<usize>()
        .map_err(|_| bad("M is not a whole number"))?;
    let seed = seed
        .trim()
        .parse::<u64>()
        .map_err(|_| bad("SEED is not a whole number"))?;
    let values: Vec<f64> = strengths
        .split(',')
        .map(|b| b.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad("a strength is not a number"))?;
    if n_visible == 0 || samples == 0 || values.is_empty() {
        return Err(bad("N, M and the number of strengths must be positive"));
    }
    Ok(DatasetChoice::Planted {
        n_visible,
        samples,
        seed,
        strengths: values
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(","),
    })
}

impl DatasetChoice {
    /// The planted-mode generator and its samples, for a [`DatasetChoice::Planted`].
    ///
    /// # Errors
    /// Not a planted choice, or bad strengths (see [`super::PlantedModes::new`]).
    pub fn planted(&self, encoding: Encoding) -> Result<(super::PlantedModes, Dataset)> {
        use rand::SeedableRng;
        let DatasetChoice::Planted {
            n_visible,
            samples,
            seed,
            strengths,
        } = self
        else {
            return Err(Error::invalid("dataset", self, "is not a planted: dataset"));
        };
        let values: Vec<f64> = strengths
            .split(',')
            .map(|b| b.parse::<f64>().unwrap_or(f64::NAN))
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(*seed);
        let modes = super::PlantedModes::new(*n_visible, &values, &mut rng)?;
        let x = modes.sample(*samples, encoding, &mut rng);
        let ds = Dataset::from_matrix(self.to_string(), x, encoding)?;
        Ok((modes, ds))
    }
}

/// Parses `D,D,...` into sorted distinct digits.
fn parse_digits(spelling: &str, list: &str) -> Result<Vec<u8>> {
    let mut digits = Vec::new();
    for item in list.split(',') {
        let digit = item.trim().parse::<u8>().map_err(|_| {
            Error::invalid(
                "dataset",
                spelling,
                format!(
                    "`{}` is not a digit 0-9; valid spellings: {DATASET_SPELLINGS}",
                    item.trim()
                ),
            )
        })?;
        digits.push(digit);
    }
    digits.sort_unstable();
    digits.dedup();
    check_digits(&digits)?;
    Ok(digits)
}

impl FromStr for DatasetChoice {
    type Err = Error;

    /// Parses one of [`DATASET_SPELLINGS`].
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (parameter `dataset`) listing the valid spellings.
    fn from_str(spelling: &str) -> Result<Self> {
        let trimmed = spelling.trim();
        let (head, tail) = match trimmed.split_once(':') {
            Some((head, tail)) => (head, Some(tail)),
            None => (trimmed, None),
        };
        let digits = || tail.map(|list| parse_digits(spelling, list)).transpose();
        match (head, tail) {
            ("mnist" | "mnist-train", _) => Ok(DatasetChoice::Mnist { digits: digits()? }),
            ("mnist-test", _) => Ok(DatasetChoice::MnistTest { digits: digits()? }),
            ("genome" | "hgd", None) => Ok(DatasetChoice::Genome),
            ("digits", None) => Ok(DatasetChoice::Digits),
            ("file", Some(path)) if !path.is_empty() => Ok(DatasetChoice::File(path.into())),
            ("planted", Some(rest)) => parse_planted(spelling, rest),
            _ => Err(Error::invalid(
                "dataset",
                format!("'{spelling}'"),
                format!("unknown dataset; valid spellings: {DATASET_SPELLINGS}"),
            )),
        }
    }
}

impl fmt::Display for DatasetChoice {
    /// The canonical spelling, which parses back to the same choice.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subset = |digits: &Option<Vec<u8>>| match digits {
            Some(d) => format!(":{}", digit_list(d).trim_matches(['[', ']'])),
            None => String::new(),
        };
        match self {
            DatasetChoice::Mnist { digits } => write!(f, "mnist{}", subset(digits)),
            DatasetChoice::MnistTest { digits } => write!(f, "mnist-test{}", subset(digits)),
            DatasetChoice::Genome => write!(f, "genome"),
            DatasetChoice::Digits => write!(f, "digits"),
            DatasetChoice::File(path) => write!(f, "file:{}", path.display()),
            DatasetChoice::Planted {
                n_visible,
                samples,
                seed,
                strengths,
            } => write!(f, "planted:{n_visible}:{samples}:{seed}:{strengths}"),
        }
    }
}

impl DatasetChoice {
    /// Parses one of [`DATASET_SPELLINGS`] (same as [`str::parse`]).
    ///
    /// # Errors
    /// As [`DatasetChoice::from_str`].
    pub fn parse(spelling: &str) -> Result<Self> {
        spelling.parse()
    }

    /// The dataset folder (or, for [`DatasetChoice::File`], the file) this choice reads.
    ///
    /// `root` is an explicit data root (`--data DIR`); without it the search of
    /// [`data_search_paths`] applies. Each root is tried as `root/<folder>` and as the dataset
    /// folder itself.
    ///
    /// # Errors
    /// [`Error::Io`] (not found) saying where it looked and how to point at the data.
    pub fn locate(&self, root: Option<&Path>) -> Result<PathBuf> {
        // Folder name under the data root, and the files whose presence marks that folder.
        let (folder, markers): (&str, &[&str]) = match self {
            DatasetChoice::Mnist { .. } => (MNIST_FOLDER, &TRAIN_IMAGE_NAMES),
            DatasetChoice::MnistTest { .. } => (MNIST_FOLDER, &TEST_IMAGE_NAMES),
            DatasetChoice::Genome => (GENOME_FOLDER, &GENOME_NAMES),
            DatasetChoice::Digits => (DIGITS_FOLDER, &DIGITS_NAMES),
            DatasetChoice::File(path) if path.is_file() => return Ok(path.clone()),
            // generated, not read: nothing to locate
            DatasetChoice::Planted { .. } => return Ok(PathBuf::new()),
            DatasetChoice::File(path) => {
                return Err(Error::io(
                    path,
                    io::Error::new(io::ErrorKind::NotFound, "data file not found"),
                ))
            }
        };
        let candidates = data_search_paths(root);
        if let Some(dir) = candidates
            .iter()
            .find_map(|(root, _)| dataset_dir(root, folder, markers))
        {
            return Ok(dir);
        }
        let looked: Vec<String> = candidates
            .iter()
            .map(|(root, origin)| {
                format!(
                    "{} and {} (from {origin})",
                    root.join(folder).display(),
                    root.display()
                )
            })
            .collect();
        let first = candidates
            .first()
            .map(|(root, _)| root.join(folder))
            .unwrap_or_else(|| PathBuf::from(folder));
        Err(Error::io(
            first,
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "dataset `{self}` not found: looked for {} in {}. Point at the data with \
                     `--data DIR` or the environment variable RBMDYN_DATA=DIR, where DIR holds \
                     `{folder}/` or the dataset files themselves (a clone without \
                     ../shared/data has no bundled datasets)",
                    markers.join(" or "),
                    looked.join("; "),
                ),
            ),
        ))
    }

    /// Whether [`DatasetChoice::locate`] succeeds: a cheap check for skipping data-dependent
    /// work.
    pub fn available(&self, root: Option<&Path>) -> bool {
        self.locate(root).is_ok()
    }
}

/// Whether the MNIST training files can be found (explicit `root`, else the default search).
pub fn mnist_available(root: Option<&Path>) -> bool {
    DatasetChoice::Mnist { digits: None }.available(root)
}

/// Loads a dataset choice, binarised at `threshold` (ignored by the genome set and user files,
/// which are 0/1 already) and in `encoding`.
///
/// # Errors
/// [`Error::InvalidParameter`] for a threshold outside `(0, 1]`; the not-found error of
/// [`DatasetChoice::locate`]; and the loaders' errors ([`load_mnist`], [`load_genome`],
/// [`load_digits`], [`load_binary_text`]).
pub fn load(
    choice: &DatasetChoice,
    root: Option<&Path>,
    threshold: f64,
    encoding: Encoding,
) -> Result<Dataset> {
    check_threshold(threshold)?;
    let location = choice.locate(root)?;
    let mnist = |split, digits: &Option<Vec<u8>>| MnistOptions {
        split,
        threshold,
        digits: digits.clone(),
        limit: None,
        encoding,
    };
    match choice {
        DatasetChoice::Mnist { digits } => load_mnist(&location, &mnist(MnistSplit::Train, digits)),
        DatasetChoice::MnistTest { digits } => {
            load_mnist(&location, &mnist(MnistSplit::Test, digits))
        }
        DatasetChoice::Genome => load_genome(&location, encoding),
        DatasetChoice::Digits => load_digits(&location, threshold, encoding),
        DatasetChoice::File(_) => load_binary_text(&location, encoding),
        DatasetChoice::Planted { .. } => Ok(choice.planted(encoding)?.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for spelling in [
            "mnist",
            "mnist:0,1",
            "mnist-test",
            "mnist-test:3,5,8",
            "genome",
            "digits",
            "file:data/x.txt",
            "planted:128:10000:7:0.4,0.29,0.18",
        ] {
            let choice: DatasetChoice = spelling.parse().unwrap();
            assert_eq!(choice.to_string(), spelling);
        }
        assert_eq!(DatasetChoice::parse("hgd").unwrap(), DatasetChoice::Genome);
        assert_eq!(
            DatasetChoice::parse("mnist:1, 0,1").unwrap(),
            DatasetChoice::Mnist {
                digits: Some(vec![0, 1])
            }
        );
    }

    #[test]
    fn bad_spellings_list_the_valid_ones() {
        for spelling in [
            "cifar",
            "mnist:",
            "mnist:0,10",
            "mnist:a",
            "genome:1",
            "file:",
        ] {
            let message = DatasetChoice::parse(spelling).unwrap_err().to_string();
            assert!(
                message.contains("valid spellings") || message.contains("digit"),
                "{spelling}: {message}"
            );
        }
        let message = DatasetChoice::parse("cifar").unwrap_err().to_string();
        assert!(
            message.contains("mnist:0,1") && message.contains("file:PATH"),
            "{message}"
        );
    }

    #[test]
    fn not_found_says_where_and_how() {
        let empty = tempfile::tempdir().unwrap();
        let message = DatasetChoice::Genome
            .locate(Some(empty.path()))
            .unwrap_err()
            .to_string();
        assert!(message.contains("hgd-1000genomes"), "{message}");
        assert!(
            message.contains("--data DIR") && message.contains("RBMDYN_DATA"),
            "{message}"
        );
        assert!(!mnist_available(Some(empty.path())));
    }
}
