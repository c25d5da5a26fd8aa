//! Dataset loaders: synthetic good and broken files, and the real data in `../shared/data`.
//!
//! Real-data tests print `SKIPPED ...` and pass when the data are absent (a user's clone has no
//! `../shared/data`). Their expected values come from the datasets' READMEs, which were checked
//! there with independent tools (numpy).

use flate2::{write::GzEncoder, Compression};
use rbmdyn::data::{
    data_root, load, load_binary_text, load_digits, load_genome, load_mnist, mnist_available,
    read_idx_images, read_idx_labels, DatasetChoice, Encoding, MnistOptions, MnistSplit,
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
    std::fs::write(dir.path().join("train-images-idx3-ubyte.gz"), gzip(&images)).unwrap();
    let label_file = idx(&[n as u32], &labels);
    std::fs::write(
        dir.path().join("train-labels-idx1-ubyte.gz"),
        gzip(&label_file),
    )
    .unwrap();
    (dir, pixels, labels)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The error's message, asserting it is a [`Error::Format`] about `path`.
fn format_fault(result: Result<impl std::fmt::Debug, Error>, path: &Path) -> String {
    match result {
        Err(Error::Format { path: at, fault }) => {
            assert_eq!(at, path);
            fault
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
    let fault = format_fault(read_idx_images(&path), &path);
    assert!(fault.contains("implies 1584 bytes, found 900"), "{fault}");

    let path = write(dir.path(), "short.gz", &gzip(&images));
    let fault = format_fault(read_idx_images(&path), &path);
    assert!(fault.contains("found 900 after decompression"), "{fault}");

    let path = write(dir.path(), "header", &images[..10]);
    let fault = format_fault(read_idx_images(&path), &path);
    assert!(fault.contains("expected 16 bytes, found 10"), "{fault}");

    // A gzip stream cut in half is a decoding error, not a panic.
    let packed = gzip(&idx(&[2, 28, 28], &pixels));
    let path = write(dir.path(), "cut.gz", &packed[..packed.len() / 2]);
    let fault = format_fault(read_idx_images(&path), &path);
    assert!(fault.contains("gzip"), "{fault}");

    let mut long = idx(&[1], &[4]);
    long.extend_from_slice(&[0, 0, 0]);
    let path = write(dir.path(), "long", &long);
    let fault = format_fault(read_idx_labels(&path), &path);
    assert!(
        fault.contains("trailing data") && fault.contains("implies 9 bytes, found 12"),
        "{fault}"
    );
}

#[test]
fn wrong_magic_is_printed_in_hex() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = idx(&[1, 28, 28], &[0; 784]);
    bytes[2] = 0x0d; // float type
    let path = write(dir.path(), "floats", &bytes);
    let fault = format_fault(read_idx_images(&path), &path);
    assert!(
        fault.contains("found 0x00000d03, expected 0x00000803"),
        "{fault}"
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
    let fault = format_fault(load_mnist(dir.path(), &MnistOptions::default()), &images);
    assert!(fault.contains("28×28, found 27×28"), "{fault}");
}

#[test]
fn mnist_label_count_must_match_and_labels_be_digits() {
    let (dir, _, _) = mnist_dir(3);
    let labels = write(
        dir.path(),
        "train-labels-idx1-ubyte.gz",
        &gzip(&idx(&[2], &[0, 1])),
    );
    let fault = format_fault(load_mnist(dir.path(), &MnistOptions::default()), &labels);
    assert!(
        fault.contains("2 labels") && fault.contains("3 images"),
        "{fault}"
    );

    write(
        dir.path(),
        "train-labels-idx1-ubyte.gz",
        &gzip(&idx(&[3], &[0, 12, 1])),
    );
    let fault = format_fault(load_mnist(dir.path(), &MnistOptions::default()), &labels);
    assert!(fault.contains("label 12 of sample 1"), "{fault}");
}

#[test]
fn bad_options_are_rejected_before_reading() {
    let (dir, _, _) = mnist_dir(3);
    for options in [
        MnistOptions {
            threshold: 0.0,
            ..MnistOptions::default()
        },
        MnistOptions {
            threshold: 1.5,
            ..MnistOptions::default()
        },
        MnistOptions {
            digits: Some(vec![10]),
            ..MnistOptions::default()
        },
        MnistOptions {
            limit: Some(0),
            ..MnistOptions::default()
        },
    ] {
        let error = load_mnist(dir.path(), &options).unwrap_err();
        assert!(matches!(error, Error::InvalidParameter { .. }), "{error}");
    }
}

#[test]
fn ragged_text_rows_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "ragged.txt", b"0 1 1\n1 0 0\n\n1 1\n");
    let fault = format_fault(load_binary_text(&path, Encoding::Binary), &path);
    assert!(
        fault.contains("line 4 has 2 values, but line 1 has 3"),
        "{fault}"
    );
}

#[test]
fn non_binary_values_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "x.txt.gz", &gzip(b"0 1 1\n1 0 2\n"));
    let fault = format_fault(load_binary_text(&path, Encoding::Ising), &path);
    assert!(
        fault.contains("line 2, column 3: `2` is not 0 or 1"),
        "{fault}"
    );

    let path = write(dir.path(), "empty.txt", b"# nothing\n\n");
    let fault = format_fault(load_binary_text(&path, Encoding::Binary), &path);
    assert!(fault.contains("no data rows"), "{fault}");
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
fn digits_csv_is_checked_and_binarised() {
    let dir = tempfile::tempdir().unwrap();
    let row = |pixel: u8, label: u8| {
        let mut values: Vec<String> = (0..64)
            .map(|k| ((k + pixel as usize) % 17).to_string())
            .collect();
        values.push(label.to_string());
        values.join(",") + "\n"
    };
    let text = row(0, 3) + &row(5, 9);
    let path = write(dir.path(), "digits.csv.gz", &gzip(text.as_bytes()));
    let data = load_digits(dir.path(), 0.5, Encoding::Binary).unwrap();
    assert_eq!((data.n_samples(), data.n_features()), (2, 64));
    assert_eq!(data.labels, Some(vec![3, 9]));
    assert_eq!(data.image_shape, Some((8, 8)));
    for j in 0..64 {
        let on = (j + 5) % 17 >= 8; // value/16 ≥ 0.5 ⇔ value ≥ 8
        assert_eq!(data.samples[(1, j)], if on { 1.0 } else { 0.0 });
    }

    let bad_pixel = row(0, 3).replacen("0,", "17,", 1);
    write(dir.path(), "digits.csv.gz", &gzip(bad_pixel.as_bytes()));
    let fault = format_fault(load_digits(dir.path(), 0.5, Encoding::Binary), &path);
    assert!(
        fault.contains("line 1, column 1: `17` is not a pixel value 0..16"),
        "{fault}"
    );

    let bad_label = row(0, 3) + &row(0, 3).replace(",3\n", ",10\n");
    write(dir.path(), "digits.csv.gz", &gzip(bad_label.as_bytes()));
    let fault = format_fault(load_digits(dir.path(), 0.5, Encoding::Binary), &path);
    assert!(
        fault.contains("line 2, column 65: `10` is not a label 0..9"),
        "{fault}"
    );

    write(dir.path(), "digits.csv.gz", &gzip(b"1,2,3\n"));
    let fault = format_fault(load_digits(dir.path(), 0.5, Encoding::Binary), &path);
    assert!(fault.contains("rows have 3 values, expected 65"), "{fault}");
}

#[test]
fn genome_annotations_give_continent_labels() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hgd_5008x805.txt", b"0 1\n1 1\n0 0\n");
    let header = "index,sample,haplotype,population,super_population,continent,sex\n";
    let rows =
        "0,A,A,GBR,EUR,European,male\n1,A,B,GBR,EUR,European,male\n2,B,A,YRI,AFR,African,female\n";
    let annotations = write(
        dir.path(),
        "annotations.csv",
        (header.to_string() + rows).as_bytes(),
    );
    let data = load_genome(dir.path(), Encoding::Binary).unwrap();
    assert_eq!(data.labels, Some(vec![1, 1, 0]));
    assert_eq!(
        data.label_names,
        Some(vec!["African".into(), "European".into()])
    );

    std::fs::write(&annotations, header.to_string() + &rows[..rows.len() / 2]).unwrap();
    let fault = format_fault(load_genome(dir.path(), Encoding::Binary), &annotations);
    assert!(
        fault.contains("annotation rows, but the SNP matrix has 3 samples"),
        "{fault}"
    );
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

/// The data root if the dataset is there; else prints a SKIPPED line.
fn real(test: &str, choice: &str) -> Option<PathBuf> {
    let choice = DatasetChoice::parse(choice).unwrap();
    match data_root(None) {
        Some(root) if choice.available(Some(&root)) => Some(root),
        Some(root) => {
            println!("SKIPPED {test}: `{choice}` not in {}", root.display());
            None
        }
        None => {
            println!("SKIPPED {test}: ../shared/data not found (set RBMDYN_DATA to run it)");
            None
        }
    }
}

#[test]
fn real_mnist_train_raw_bytes_match_the_readme() {
    let Some(root) = real("real_mnist_train_raw_bytes_match_the_readme", "mnist") else {
        return;
    };
    let dir = root.join("mnist");
    let start = Instant::now();
    let (n, rows, cols, pixels) = read_idx_images(&dir.join("train-images-idx3-ubyte.gz")).unwrap();
    println!(
        "decompressed + parsed train images in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    assert_eq!((n, rows, cols), (60000, 28, 28));
    let mean = pixels.iter().map(|&p| p as u64).sum::<u64>() as f64 / pixels.len() as f64 / 255.0;
    assert!(
        (mean - 0.1307).abs() <= README_4_DECIMALS,
        "mean pixel/255 = {mean}"
    );
    let labels = read_idx_labels(&dir.join("train-labels-idx1-ubyte.gz")).unwrap();
    assert_eq!(labels[..10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    let mut histogram = [0usize; 10];
    labels.iter().for_each(|&l| histogram[l as usize] += 1);
    assert_eq!(
        histogram,
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
}

/// Number of train pixels > 127 (numpy: `(pixels > 127).sum()`, an exact count).
const MNIST_TRAIN_PIXELS_ABOVE_127: usize = 6_221_431;

#[test]
fn real_mnist_train_binarised_at_one_half() {
    let Some(root) = real("real_mnist_train_binarised_at_one_half", "mnist") else {
        return;
    };
    let start = Instant::now();
    let data = load(
        &DatasetChoice::parse("mnist").unwrap(),
        Some(&root),
        0.5,
        Encoding::Binary,
    )
    .unwrap();
    println!(
        "load_mnist(train, 60000×784 f64) in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    assert_eq!((data.n_samples(), data.n_features()), (60000, 784));
    let ones = data.samples.iter().filter(|&&x| x == 1.0).count();
    println!(
        "fraction of ones at threshold 0.5: {:.6} ({ones} of {})",
        data.fraction_on(),
        data.samples.len()
    );
    // threshold 0.5 on p/255 is p ≥ 128, i.e. p > 127: an exact count, no tolerance
    assert_eq!(ones, MNIST_TRAIN_PIXELS_ABOVE_127);
    assert_eq!(data.labels.as_ref().unwrap()[..3], [5, 0, 4]);
}

#[test]
fn real_mnist_digit_subset_and_test_set() {
    let Some(root) = real("real_mnist_digit_subset_and_test_set", "mnist") else {
        return;
    };
    let data = load(
        &DatasetChoice::parse("mnist:0,1").unwrap(),
        Some(&root),
        0.5,
        Encoding::Ising,
    )
    .unwrap();
    assert_eq!(data.name, "mnist-train[0,1]");
    assert_eq!(data.n_samples(), 5923 + 6742);
    assert_eq!(data.label_histogram(), Some(vec![5923, 6742]));
    assert!(data.samples.iter().all(|&x| x == 1.0 || x == -1.0));

    let test = load(
        &DatasetChoice::parse("mnist-test").unwrap(),
        Some(&root),
        0.5,
        Encoding::Binary,
    )
    .unwrap();
    assert_eq!((test.n_samples(), test.n_features()), (10000, 784));
    assert_eq!(
        test.label_histogram(),
        Some(vec![980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    );
    assert_eq!(
        test.labels.as_ref().unwrap()[..10],
        [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    );
}

#[test]
fn real_genome_matches_the_readme() {
    let Some(_root) = real("real_genome_matches_the_readme", "genome") else {
        return;
    };
    let data = load(
        &DatasetChoice::parse("hgd").unwrap(),
        None,
        0.5,
        Encoding::Binary,
    )
    .unwrap();
    assert_eq!((data.n_samples(), data.n_features()), (5008, 805));
    let mean = data.samples.mean();
    assert!((mean - 0.4677).abs() <= README_4_DECIMALS, "mean {mean}");
    let constant: Vec<f64> = data
        .samples
        .column_iter()
        .filter(|c| c.min() == c.max())
        .map(|c| c[0])
        .collect();
    assert_eq!(
        constant,
        vec![1.0; 3],
        "README: 3 SNPs are constant (always 1)"
    );
    let names = data.label_names.as_ref().unwrap();
    assert_eq!(
        names,
        &[
            "African",
            "American",
            "East Asian",
            "European",
            "South Asian"
        ]
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
    let data = load(&DatasetChoice::Digits, Some(&root), 0.5, Encoding::Binary).unwrap();
    assert_eq!((data.n_samples(), data.n_features()), (1797, 64));
    assert_eq!(data.image_shape, Some((8, 8)));
    assert_eq!(
        data.label_histogram(),
        Some(vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    );
    assert_eq!(
        data.labels.as_ref().unwrap()[..10],
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    );
    println!(
        "digits: fraction of ones at threshold 0.5 (value ≥ 8): {:.4}",
        data.fraction_on()
    );
}
