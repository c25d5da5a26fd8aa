//! Dataset loaders: synthetic good and broken files, and the real data in `../shared/data`.
//!
//! Real-data tests print `SKIPPED ...` and pass when the data are absent (a user's clone has no
//! `../shared/data`). Their expected values come from the datasets' READMEs, which were checked
//! there with independent tools (numpy).

// Tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![allow(clippy::float_cmp)]

#[macro_use]
mod common;

use flate2::{write::GzEncoder, Compression};
use rbmdyn::data::{
    data_root, data_search_paths, load, load_binary_text, load_digits, load_genome, load_mnist,
    mnist_available, read_idx_images, read_idx_labels, Dataset, DatasetChoice, Encoding,
    MnistOptions, MnistSplit,
};
use rbmdyn::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

// ---------------------------------------------------------------- synthetic files

/// An IDX file of unsigned bytes, written by hand: magic `0x0000_08nd`, big-endian `u32`
/// dimensions, payload.
fn idx(dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend_from_slice(payload);
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// `n` deterministic 28×28 images covering all grey levels 0..255, and labels `i mod 10`.
fn synthetic_mnist(n: usize) -> (Vec<u8>, Vec<u8>) {
    let pixels = (0..n * 784).map(|k| (k * 7 % 256) as u8).collect();
    let labels = (0..n).map(|i| (i % 10) as u8).collect();
    (pixels, labels)
}

/// A folder with a synthetic MNIST training pair (gzipped) of `n` images.
fn mnist_dir(n: usize) -> (tempfile::TempDir, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let (pixels, labels) = synthetic_mnist(n);
    let images = idx(&[n as u32, 28, 28], &pixels);
    write(dir.path(), "train-images-idx3-ubyte.gz", &gzip(&images));
    let label_file = idx(&[n as u32], &labels);
    write(dir.path(), "train-labels-idx1-ubyte.gz", &gzip(&label_file));
    (dir, pixels, labels)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Asserts that `result` is an [`Error::Format`] about `path` whose fault contains `needles`.
fn assert_fault<T: std::fmt::Debug>(result: Result<T, Error>, path: &Path, needles: &[&str]) {
    match result {
        Err(Error::Format { path: at, fault }) => {
            assert_eq!(at, path);
            for needle in needles {
                assert!(fault.contains(needle), "{fault:?} lacks {needle:?}");
            }
        }
        other => panic!(
            "expected a format error about {}, got {other:?}",
            path.display()
        ),
    }
}

#[test]
fn synthetic_idx_round_trips_plain_and_gzipped() {
    let dir = tempfile::tempdir().unwrap();
    let (pixels, labels) = synthetic_mnist(5);
    let images = idx(&[5, 28, 28], &pixels);
    for (name, bytes) in [("plain", images.clone()), ("packed.gz", gzip(&images))] {
        let path = write(dir.path(), name, &bytes);
        assert_eq!(read_idx_images(&path).unwrap(), (5, 28, 28, pixels.clone()));
    }
    let path = write(dir.path(), "labels", &idx(&[5], &labels));
    assert_eq!(read_idx_labels(&path).unwrap(), labels);
}

#[test]
fn synthetic_mnist_is_binarised_at_the_threshold() {
    let (dir, pixels, labels) = mnist_dir(25);
    let data = load_mnist(dir.path(), &MnistOptions::default()).unwrap();
    assert_eq!((data.n_samples(), data.n_features()), (25, 784));
    assert_eq!(data.image_shape, Some((28, 28)));
    assert_eq!(data.labels.as_deref(), Some(&labels[..]));
    assert_eq!(data.name, "mnist-train");
    // threshold 0.5 on p/255 ⇔ p ≥ 128 (127/255 < 0.5 < 128/255)
    for i in 0..25 {
        for j in 0..784 {
            let on = pixels[i * 784 + j] >= 128;
            assert_eq!(
                data.samples[(i, j)],
                if on { 1.0 } else { 0.0 },
                "({i}, {j})"
            );
        }
    }

    let options = MnistOptions {
        digits: Some(vec![3, 7]),
        limit: Some(3),
        encoding: Encoding::Ising,
        threshold: 1.0,
        ..MnistOptions::default()
    };
    let subset = load_mnist(dir.path(), &options).unwrap();
    assert_eq!(subset.name, "mnist-train[3,7][:3]");
    assert_eq!(subset.labels, Some(vec![3, 7, 3])); // samples 3, 7, 13
    for (row, sample) in [3, 7, 13].into_iter().enumerate() {
        for j in 0..784 {
            let on = pixels[sample * 784 + j] == 255;
            assert_eq!(subset.samples[(row, j)], if on { 1.0 } else { -1.0 });
        }
    }
    let none = MnistOptions {
        digits: Some(vec![9]),
        split: MnistSplit::Train,
        ..MnistOptions::default()
    };
    assert!(load_mnist(mnist_dir(5).0.path(), &none).is_err()); // labels 0..4 only
}

#[test]
fn missing_files_are_io_errors_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent-images");
    match read_idx_images(&absent) {
        Err(Error::Io { path, .. }) => assert_eq!(path, absent),
        other => panic!("expected Io error, got {other:?}"),
    }
    for result in [
        load_mnist(dir.path(), &MnistOptions::default()),
        load_genome(dir.path(), Encoding::Binary),
        load_digits(dir.path(), 0.5, Encoding::Binary),
        load_binary_text(&absent, Encoding::Binary),
    ] {
        let error = result.unwrap_err();
        assert!(matches!(error, Error::Io { .. }), "{error}");
        assert!(
            error.to_string().contains(&*dir.path().to_string_lossy()),
            "{error}"
        );
    }
    // Only the images present: the labels are reported missing.
    let (pixels, _) = synthetic_mnist(1);
    write(
        dir.path(),
        "train-images-idx3-ubyte",
        &idx(&[1, 28, 28], &pixels),
    );
    let message = load_mnist(dir.path(), &MnistOptions::default())
        .unwrap_err()
        .to_string();
    assert!(message.contains("train-labels-idx1-ubyte"), "{message}");
}

#[test]
fn truncated_files_report_expected_and_found_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (pixels, _) = synthetic_mnist(2);
    let mut images = idx(&[2, 28, 28], &pixels);
    images.truncate(16 + 784 + 100);
    let path = write(dir.path(), "short", &images);
    assert_fault(
        read_idx_images(&path),
        &path,
        &["implies 1584 bytes, found 900"],
    );

    let path = write(dir.path(), "short.gz", &gzip(&images));
    assert_fault(
        read_idx_images(&path),
        &path,
        &["found 900 after decompression"],
    );

    let path = write(dir.path(), "header", &images[..10]);
    assert_fault(
        read_idx_images(&path),
        &path,
        &["expected 16 bytes, found 10"],
    );

    // A gzip stream cut in half is a decoding error, not a panic.
    let packed = gzip(&idx(&[2, 28, 28], &pixels));
    let path = write(dir.path(), "cut.gz", &packed[..packed.len() / 2]);
    assert_fault(read_idx_images(&path), &path, &["gzip"]);

    let mut long = idx(&[1], &[4]);
    long.extend_from_slice(&[0, 0, 0]);
    let path = write(dir.path(), "long", &long);
    assert_fault(
        read_idx_labels(&path),
        &path,
        &["trailing data", "implies 9 bytes, found 12"],
    );
}

#[test]
fn wrong_magic_is_printed_in_hex() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = idx(&[1, 28, 28], &[0; 784]);
    bytes[2] = 0x0d; // float type
    let path = write(dir.path(), "floats", &bytes);
    assert_fault(
        read_idx_images(&path),
        &path,
        &["found 0x00000d03, expected 0x00000803"],
    );
}

#[test]
fn mnist_requires_28_by_28_images() {
    let dir = tempfile::tempdir().unwrap();
    let images = write(
        dir.path(),
        "train-images-idx3-ubyte",
        &idx(&[2, 27, 28], &[0; 2 * 27 * 28]),
    );
    write(dir.path(), "train-labels-idx1-ubyte", &idx(&[2], &[0, 1]));
    assert_fault(
        load_mnist(dir.path(), &MnistOptions::default()),
        &images,
        &["28×28, found 27×28"],
    );
}

#[test]
fn mnist_label_count_must_match_and_labels_be_digits() {
    let (dir, _, _) = mnist_dir(3);
    let labels = write(
        dir.path(),
        "train-labels-idx1-ubyte.gz",
        &gzip(&idx(&[2], &[0, 1])),
    );
    assert_fault(
        load_mnist(dir.path(), &MnistOptions::default()),
        &labels,
        &["2 labels", "3 images"],
    );

    write(
        dir.path(),
        "train-labels-idx1-ubyte.gz",
        &gzip(&idx(&[3], &[0, 12, 1])),
    );
    assert_fault(
        load_mnist(dir.path(), &MnistOptions::default()),
        &labels,
        &["label 12 of sample 1"],
    );
}

#[test]
fn bad_options_are_rejected_before_reading() {
    let (dir, _, _) = mnist_dir(3);
    let with = |change: fn(&mut MnistOptions)| {
        let mut options = MnistOptions::default();
        change(&mut options);
        options
    };
    for options in [
        with(|o| o.threshold = 0.0),
        with(|o| o.threshold = 1.5),
        with(|o| o.digits = Some(vec![10])),
        with(|o| o.digits = Some(vec![])),
        with(|o| o.limit = Some(0)),
    ] {
        let error = load_mnist(dir.path(), &options).unwrap_err();
        assert!(matches!(error, Error::InvalidParameter { .. }), "{error}");
    }
}

#[test]
fn user_text_file_loads_in_both_encodings() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "user.txt.gz", &gzip(b"0 1 1\n1 0 0\n"));
    let binary = load_binary_text(&path, Encoding::Binary).unwrap();
    assert_eq!(binary.name, "user.txt");
    assert_eq!(
        binary.samples.row(0).iter().copied().collect::<Vec<_>>(),
        [0.0, 1.0, 1.0]
    );
    let choice = DatasetChoice::parse(&format!("file:{}", path.display())).unwrap();
    let ising = load(&choice, None, 0.5, Encoding::Ising).unwrap();
    assert_eq!(ising, binary.with_encoding(Encoding::Ising));
}

#[test]
fn explicit_root_may_be_the_dataset_folder_itself() {
    let (dir, _, _) = mnist_dir(4);
    assert!(mnist_available(Some(dir.path())));
    let choice = DatasetChoice::parse("mnist:1,2").unwrap();
    let data = load(&choice, Some(dir.path()), 0.5, Encoding::Binary).unwrap();
    assert_eq!(data.labels, Some(vec![1, 2]));

    let message = load(
        &DatasetChoice::Digits,
        Some(dir.path()),
        0.5,
        Encoding::Binary,
    )
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("--data DIR") && message.contains("sklearn-digits"),
        "{message}"
    );
}

// ---------------------------------------------------------------- real data

/// README figures are quoted to 4 decimals, so they are exact up to rounding: ±5e-5.
const README_4_DECIMALS: f64 = 5e-5;
/// Number of MNIST train pixels > 127 (numpy: `(pixels > 127).sum()`, an exact count).
const MNIST_TRAIN_PIXELS_ABOVE_127: usize = 6_221_431;
/// Number of 8×8-digit pixel values ≥ 8 (numpy: `(pixels >= 8).sum()`, an exact count).
const DIGITS_VALUES_AT_LEAST_8: usize = 37_151;

/// The data root if `spelling`'s dataset is there; else prints a SKIPPED line.
fn real(test: &str, spelling: &str) -> Option<PathBuf> {
    let choice = DatasetChoice::parse(spelling).unwrap();
    match data_root(None) {
        Some(root) if choice.available(Some(&root)) => Some(root),
        Some(root) => {
            skipped!("SKIPPED {test}: `{choice}` not in {}", root.display());
            None
        }
        None => {
            let looked: Vec<_> = data_search_paths(None).into_iter().map(|p| p.0).collect();
            skipped!("SKIPPED {test}: ../shared/data not found (looked in {looked:?})");
            None
        }
    }
}

/// Loads a dataset by its CLI spelling at threshold 0.5.
fn load_real(spelling: &str, root: Option<&Path>, encoding: Encoding) -> Dataset {
    load(
        &DatasetChoice::parse(spelling).unwrap(),
        root,
        0.5,
        encoding,
    )
    .unwrap()
}

/// Number of entries equal to 1.
fn ones(data: &Dataset) -> usize {
    data.samples.iter().filter(|&&x| x == 1.0).count()
}

#[test]
fn real_mnist_train_raw_bytes_match_the_readme() {
    let Some(root) = real("real_mnist_train_raw_bytes_match_the_readme", "mnist") else {
        return;
    };
    let dir = root.join("mnist");
    let start = Instant::now();
    let (n, rows, cols, pixels) = read_idx_images(&dir.join("train-images-idx3-ubyte.gz")).unwrap();
    let seconds = start.elapsed().as_secs_f64();
    println!("read_idx_images (gunzip + parse, 47 MB): {seconds:.3} s");
    assert_eq!((n, rows, cols), (60000, 28, 28));
    let sum: u64 = pixels.iter().map(|&p| u64::from(p)).sum();
    let mean = sum as f64 / pixels.len() as f64 / 255.0;
    assert!(
        (mean - 0.1307).abs() <= README_4_DECIMALS,
        "mean pixel/255 = {mean}"
    );
    let labels = read_idx_labels(&dir.join("train-labels-idx1-ubyte.gz")).unwrap();
    assert_eq!(labels[..10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    let mut histogram = [0usize; 10];
    labels.iter().for_each(|&l| histogram[l as usize] += 1);
    let readme = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
    assert_eq!(histogram, readme);
}

#[test]
fn real_mnist_train_binarised_at_one_half() {
    let Some(root) = real("real_mnist_train_binarised_at_one_half", "mnist") else {
        return;
    };
    let start = Instant::now();
    let data = load_real("mnist", Some(&root), Encoding::Binary);
    let seconds = start.elapsed().as_secs_f64();
    println!("load(mnist): {seconds:.3} s for {data}");
    assert_eq!((data.n_samples(), data.n_features()), (60000, 784));
    let fraction = data.fraction_on();
    println!(
        "fraction of ones at threshold 0.5: {fraction:.6} ({} entries)",
        ones(&data)
    );
    // threshold 0.5 on p/255 is p ≥ 128, i.e. p > 127: an exact count, no tolerance
    assert_eq!(ones(&data), MNIST_TRAIN_PIXELS_ABOVE_127);
    assert_eq!(data.labels.as_ref().unwrap()[..3], [5, 0, 4]);
}

#[test]
fn real_mnist_digit_subset_and_test_set() {
    let Some(root) = real("real_mnist_digit_subset_and_test_set", "mnist") else {
        return;
    };
    let data = load_real("mnist:0,1", Some(&root), Encoding::Ising);
    assert_eq!(data.name, "mnist-train[0,1]");
    assert_eq!(data.n_samples(), 5923 + 6742);
    assert_eq!(data.label_histogram(), Some(vec![5923, 6742]));
    assert!(data.samples.iter().all(|&x| x == 1.0 || x == -1.0));

    let test = load_real("mnist-test", Some(&root), Encoding::Binary);
    assert_eq!((test.n_samples(), test.n_features()), (10000, 784));
    let readme = vec![980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
    assert_eq!(test.label_histogram(), Some(readme));
    assert_eq!(test.labels.unwrap()[..10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
}

#[test]
fn real_genome_matches_the_readme() {
    if real("real_genome_matches_the_readme", "genome").is_none() {
        return;
    }
    let data = load_real("hgd", None, Encoding::Binary); // the default search
    assert_eq!((data.n_samples(), data.n_features()), (5008, 805));
    let mean = data.samples.mean();
    assert!((mean - 0.4677).abs() <= README_4_DECIMALS, "mean {mean}");
    let constant: Vec<f64> = (data.samples.column_iter())
        .filter(|c| c.min() == c.max())
        .map(|c| c[0])
        .collect();
    assert_eq!(constant, [1.0; 3], "README: 3 SNPs are constant (always 1)");
    let names = [
        "African",
        "American",
        "East Asian",
        "European",
        "South Asian",
    ];
    assert_eq!(
        data.label_names.as_deref(),
        Some(&names.map(String::from)[..])
    );
    assert_eq!(
        data.label_histogram(),
        Some(vec![1322, 694, 1008, 1006, 978])
    );
}

#[test]
fn real_digits_match_the_readme() {
    let Some(root) = real("real_digits_match_the_readme", "digits") else {
        return;
    };
    let data = load_real("digits", Some(&root), Encoding::Binary);
    assert_eq!((data.n_samples(), data.n_features()), (1797, 64));
    assert_eq!(data.image_shape, Some((8, 8)));
    let readme = vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180];
    assert_eq!(data.label_histogram(), Some(readme));
    assert_eq!(
        data.labels.as_ref().unwrap()[..10],
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    );
    println!(
        "digits: fraction of ones at threshold 0.5: {:.4}",
        data.fraction_on()
    );
    // threshold 0.5 on value/16 is value ≥ 8: an exact count, no tolerance
    assert_eq!(ones(&data), DIGITS_VALUES_AT_LEAST_8);
}
