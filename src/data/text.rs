//! Text datasets: the 1000-genomes SNP matrix, the 8×8 digits and user 0/1 files.
//!
//! # Conventions
//! Rows are samples. Lines and columns in error messages count from 1. Empty lines and lines
//! starting with `#` are skipped. Files may be gzipped or plain (see [`open_maybe_gz`]).

use super::files::{find_file, missing_file, open_maybe_gz, read_error};
use super::{binarised_matrix, check_threshold, Dataset, Encoding};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// File names tried for the SNP matrix, in order.
pub const GENOME_NAMES: [&str; 2] = ["hgd_5008x805.txt.gz", "hgd_5008x805.txt"];
/// Annotation file of the SNP matrix, one row per haplotype (optional).
pub const GENOME_ANNOTATIONS: &str = "annotations.csv";
/// File names tried for the 8×8 digits, in order.
pub const DIGITS_NAMES: [&str; 2] = ["digits.csv.gz", "digits.csv"];
/// Side of the 8×8 digit images.
const DIGITS_SIDE: usize = 8;
/// Largest pixel value of the 8×8 digits (a count of on-pixels in a 4×4 block).
const DIGITS_MAX: u8 = 16;

/// A table of small integers read from text, row-major.
struct Table {
    n_cols: usize,
    values: Vec<u8>,
}

impl Table {
    fn rows(&self) -> Vec<&[u8]> {
        self.values.chunks_exact(self.n_cols.max(1)).collect()
    }
}

/// Reads a text table; `parse(token, column)` maps a token (column from 0) to a value or to a
/// complaint, which is reported with its line and column.
///
/// With `comma` the separator is `,` (tokens trimmed), else any ASCII whitespace.
fn read_table(
    path: &Path,
    comma: bool,
    mut parse: impl FnMut(&[u8], usize) -> std::result::Result<u8, String>,
) -> Result<Table> {
    let mut reader = open_maybe_gz(path)?;
    let mut line = Vec::new();
    let mut values = Vec::new();
    let mut first_width: Option<(usize, usize)> = None; // (line number, columns)
    let mut line_no = 0;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| read_error(path, e))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            continue;
        }
        let before = values.len();
        let tokens: Box<dyn Iterator<Item = &[u8]>> = if comma {
            Box::new(trimmed.split(|&b| b == b',').map(|t| t.trim_ascii()))
        } else {
            Box::new(
                trimmed
                    .split(u8::is_ascii_whitespace)
                    .filter(|t| !t.is_empty()),
            )
        };
        for (column, token) in tokens.enumerate() {
            let value = parse(token, column).map_err(|complaint| {
                Error::format(
                    path,
                    format!(
                        "line {line_no}, column {}: `{}` {complaint}",
                        column + 1,
                        String::from_utf8_lossy(&token[..token.len().min(40)])
                    ),
                )
            })?;
            values.push(value);
        }
        let width = values.len() - before;
        match first_width {
            None => first_width = Some((line_no, width)),
            Some((first_line, expected)) if expected != width => {
                return Err(Error::format(
                    path,
                    format!(
                        "line {line_no} has {width} values, but line {first_line} has {expected}"
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    match first_width {
        Some((_, n_cols)) => Ok(Table { n_cols, values }),
        None => Err(Error::format(path, "no data rows")),
    }
}

/// Parses a 0/1 token: `0`, `1`, or any number equal to 0 or 1 (`1.0`, `0.000e+00`).
fn parse_bit(token: &[u8]) -> std::result::Result<u8, String> {
    match token {
        b"0" => Ok(0),
        b"1" => Ok(1),
        _ => match std::str::from_utf8(token)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
        {
            Some(0.0) => Ok(0),
            Some(1.0) => Ok(1),
            _ => Err("is not 0 or 1".to_string()),
        },
    }
}

/// Parses an unsigned integer token no larger than `max`.
fn parse_small(token: &[u8], max: u8, what: &str) -> std::result::Result<u8, String> {
    std::str::from_utf8(token)
        .ok()
        .and_then(|t| t.parse::<u8>().ok())
        .filter(|&v| v <= max)
        .ok_or_else(|| format!("is not {what} 0..{max}"))
}

/// Reads a 0/1 matrix from text: one sample per line, values separated by whitespace.
///
/// Values are `0`/`1` (or numbers equal to them, e.g. `1.0`); empty and `#` lines are skipped.
/// The dataset is named after the file stem, with no labels.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Format`] naming line and column for a
/// value other than 0/1, naming the line for a row whose length differs from the first row's,
/// and for a file without data rows.
pub fn load_binary_text(path: &Path, encoding: Encoding) -> Result<Dataset> {
    let table = read_table(path, false, |token, _| parse_bit(token))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".gz").to_string())
        .unwrap_or_else(|| path.display().to_string());
    Ok(Dataset {
        name,
        samples: binarised_matrix(table.n_cols, &table.rows(), encoding, |v| v == 1),
        labels: None,
        label_names: None,
        image_shape: None,
        encoding,
        source: path.to_path_buf(),
    })
}

/// Loads the 1000-genomes SNP set from `dir`: `hgd_5008x805.txt(.gz)`, 5008 haplotypes × 805
/// SNPs, 1 = the allele coded 1 in the source (`encoding` maps it to 1 or +1).
///
/// If `annotations.csv` is present, each sample's label indexes its `continent` in
/// `label_names`, sorted alphabetically (African, American, East Asian, European, South Asian).
/// Named `genome`; `source` is the SNP file.
///
/// # Errors
/// As [`load_binary_text`]; [`Error::Format`] if `annotations.csv` lacks a `continent` column,
/// has a short row, or has a row count different from the SNP matrix's.
pub fn load_genome(dir: &Path, encoding: Encoding) -> Result<Dataset> {
    let path = find_file(dir, &GENOME_NAMES)
        .ok_or_else(|| missing_file(dir, "1000-genomes SNP matrix", &GENOME_NAMES))?;
    let mut data = load_binary_text(&path, encoding)?;
    data.name = "genome".to_string();
    let annotations = dir.join(GENOME_ANNOTATIONS);
    if annotations.is_file() {
        let (labels, names) = read_continents(&annotations, data.n_samples())?;
        data.labels = Some(labels);
        data.label_names = Some(names);
    }
    Ok(data)
}

/// Reads the `continent` column of the genome annotations: label indices and sorted names.
fn read_continents(path: &Path, n_samples: usize) -> Result<(Vec<u8>, Vec<String>)> {
    let mut lines = open_maybe_gz(path)?.lines();
    let header = lines
        .next()
        .transpose()
        .map_err(|e| read_error(path, e))?
        .unwrap_or_default();
    let column = header
        .split(',')
        .position(|h| h.trim() == "continent")
        .ok_or_else(|| Error::format(path, "line 1: no `continent` column in the header"))?;
    let mut continents = Vec::with_capacity(n_samples);
    for (index, line) in lines.enumerate() {
        let line = line.map_err(|e| read_error(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let value = line.split(',').nth(column).ok_or_else(|| {
            Error::format(
                path,
                format!("line {}: no column {}", index + 2, column + 1),
            )
        })?;
        continents.push(value.trim().to_string());
    }
    if continents.len() != n_samples {
        return Err(Error::format(
            path,
            format!(
                "{} annotation rows, but the SNP matrix has {n_samples} samples",
                continents.len()
            ),
        ));
    }
    let mut index: BTreeMap<&str, u8> = continents.iter().map(|c| (c.as_str(), 0)).collect();
    if index.len() > usize::from(u8::MAX) + 1 {
        return Err(Error::format(path, "more than 256 distinct continents"));
    }
    for (i, value) in index.values_mut().enumerate() {
        *value = i as u8;
    }
    let labels = continents.iter().map(|c| index[c.as_str()]).collect();
    let names = index.keys().map(|k| k.to_string()).collect();
    Ok((labels, names))
}

/// Loads the scikit-learn 8×8 digits from `dir`: `digits.csv(.gz)`, 1797 lines of 65
/// comma-separated integers, 64 pixel values 0..16 (row-major 8×8) then the label 0..9.
///
/// Pixel value `p` is on iff $p/16 \ge \theta$ (`threshold`; 0.5 gives `p ≥ 8`). Named `digits`;
/// `image_shape` is `(8, 8)`; `source` is the CSV file.
///
/// # Errors
/// [`Error::InvalidParameter`] for a threshold outside `(0, 1]`; [`Error::Io`] if the file is
/// missing; [`Error::Format`] naming line and column for a pixel outside 0..16 or a label outside
/// 0..9, and naming the line for a row without exactly 65 values.
pub fn load_digits(dir: &Path, threshold: f64, encoding: Encoding) -> Result<Dataset> {
    check_threshold(threshold)?;
    let path = find_file(dir, &DIGITS_NAMES)
        .ok_or_else(|| missing_file(dir, "8×8 digits", &DIGITS_NAMES))?;
    let pixels = DIGITS_SIDE * DIGITS_SIDE;
    let table = read_table(&path, true, |token, column| {
        if column < pixels {
            parse_small(token, DIGITS_MAX, "a pixel value")
        } else {
            parse_small(token, 9, "a label")
        }
    })?;
    if table.n_cols != pixels + 1 {
        return Err(Error::format(
            &path,
            format!(
                "rows have {} values, expected {} ({pixels} pixels + label)",
                table.n_cols,
                pixels + 1
            ),
        ));
    }
    let rows = table.rows();
    let images: Vec<&[u8]> = rows.iter().map(|row| &row[..pixels]).collect();
    let on = |p: u8| f64::from(p) / f64::from(DIGITS_MAX) >= threshold;
    Ok(Dataset {
        name: "digits".to_string(),
        samples: binarised_matrix(pixels, &images, encoding, on),
        labels: Some(rows.iter().map(|row| row[pixels]).collect()),
        label_names: None,
        image_shape: Some((DIGITS_SIDE, DIGITS_SIDE)),
        encoding,
        source: path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;
    use std::path::PathBuf;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Asserts that `result` is an [`Error::Format`] about `path` whose fault contains `needle`.
    fn assert_fault(result: Result<Dataset>, path: &Path, needle: &str) {
        match result {
            Err(Error::Format { path: at, fault }) => {
                assert_eq!(at, path);
                assert!(fault.contains(needle), "{fault:?} lacks {needle:?}");
            }
            other => panic!(
                "expected a format error about {}, got {other:?}",
                path.display()
            ),
        }
    }

    #[test]
    fn bits_accept_numeric_spellings() {
        assert_eq!(parse_bit(b"1"), Ok(1));
        assert_eq!(parse_bit(b"0.000e+00"), Ok(0));
        assert_eq!(parse_bit(b"1.0"), Ok(1));
        assert!(parse_bit(b"2").is_err());
        assert!(parse_bit(b"-1").is_err());
        assert!(parse_bit(b"x").is_err());
    }

    #[test]
    fn small_integers_are_bounded() {
        assert_eq!(parse_small(b"16", 16, "a pixel value"), Ok(16));
        assert!(parse_small(b"17", 16, "a pixel value").is_err());
        assert!(parse_small(b"-1", 16, "a pixel value").is_err());
    }

    #[test]
    fn comments_blank_lines_and_crlf_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.txt");
        std::fs::write(&path, "# header\r\n0 1 1\r\n\r\n1\t0 0\r\n").unwrap();
        let data = load_binary_text(&path, Encoding::Ising).unwrap();
        assert_eq!((data.n_samples(), data.n_features()), (2, 3));
        assert_eq!(data.samples[(0, 0)], -1.0);
        assert_eq!(data.samples[(1, 0)], 1.0);
        assert_eq!(data.name, "x.txt");
    }

    #[test]
    fn ragged_text_rows_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "ragged.txt", b"0 1 1\n1 0 0\n\n1 1\n");
        assert_fault(
            load_binary_text(&path, Encoding::Binary),
            &path,
            "line 4 has 2 values, but line 1 has 3",
        );
    }

    #[test]
    fn non_binary_values_name_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "x.txt.gz", &gzip(b"0 1 1\n1 0 2\n"));
        assert_fault(
            load_binary_text(&path, Encoding::Ising),
            &path,
            "line 2, column 3: `2` is not 0 or 1",
        );

        let path = write(dir.path(), "empty.txt", b"# nothing\n\n");
        assert_fault(
            load_binary_text(&path, Encoding::Binary),
            &path,
            "no data rows",
        );
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
        assert_fault(
            load_digits(dir.path(), 0.5, Encoding::Binary),
            &path,
            "line 1, column 1: `17` is not a pixel value 0..16",
        );

        let bad_label = row(0, 3) + &row(0, 3).replace(",3\n", ",10\n");
        write(dir.path(), "digits.csv.gz", &gzip(bad_label.as_bytes()));
        assert_fault(
            load_digits(dir.path(), 0.5, Encoding::Binary),
            &path,
            "line 2, column 65: `10` is not a label 0..9",
        );

        write(dir.path(), "digits.csv.gz", &gzip(b"1,2,3\n"));
        assert_fault(
            load_digits(dir.path(), 0.5, Encoding::Binary),
            &path,
            "rows have 3 values, expected 65",
        );
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
        assert_fault(
            load_genome(dir.path(), Encoding::Binary),
            &annotations,
            "annotation rows, but the SNP matrix has 3 samples",
        );
        std::fs::write(&annotations, "index,sample\n0,A\n1,A\n2,B\n").unwrap();
        assert_fault(
            load_genome(dir.path(), Encoding::Binary),
            &annotations,
            "no `continent` column",
        );
    }
}
