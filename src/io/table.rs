//! CSV tables of serde rows, through the `csv` crate: the tables of a run directory
//! (`metrics.csv`, `likelihood.csv`, `equilibrium.csv`, `spectrum/singular_values.csv`).
//!
//! # Rules
//! * **Writing**: a header line (the row type's field names, or the header given), then one
//!   line per row; floats in shortest round-trip form (a read gives the same `f64` bit for
//!   bit), `None` as an empty field. Every write replaces the whole file atomically
//!   ([`super::write_atomic`]).
//! * **Reading**: columns are matched by header name ([`read_table`]) or by position
//!   ([`read_table_positional`]); blank lines are skipped. A malformed line (wrong number of
//!   fields, a field that does not parse, a missing column) is an [`Error::Format`] naming the
//!   file and the line number; nothing is skipped silently.
//! * **Resume** ([`resume_table`]): the rows of steps after the resumed step (written by a run
//!   that did not reach its next checkpoint) are dropped, and the table is rewritten at once
//!   with the rows kept, so the file never holds rows the resumed run will write again.

use super::write_atomic;
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

/// A row of a table recorded along training: it knows the update step it belongs to.
pub trait StepRow {
    /// The parameter updates done when the row was recorded.
    fn step(&self) -> u64;
}

/// The line number (from 1) of the record starting at byte offset `byte` of `text` (the
/// reader's offset is where it began, before any blank lines it skipped).
fn line_of(text: &[u8], byte: u64) -> u64 {
    let mut end = (byte as usize).min(text.len());
    while end < text.len() && (text[end] == b'\n' || text[end] == b'\r') {
        end += 1;
    }
    #[allow(clippy::naive_bytecount)] // once per malformed line: not worth a dependency
    let newlines = text[..end].iter().filter(|&&b| b == b'\n').count() as u64;
    1 + newlines
}

/// An [`Error::Format`] naming `path` and the line of `e` (counted in `text`, blank lines
/// included), with `header` naming a field that does not parse.
fn csv_error(
    path: &Path,
    text: &[u8],
    header: Option<&csv::StringRecord>,
    e: &csv::Error,
) -> Error {
    let pos = match e.kind() {
        csv::ErrorKind::Deserialize { pos, .. }
        | csv::ErrorKind::Utf8 { pos, .. }
        | csv::ErrorKind::UnequalLengths { pos, .. } => pos.clone(),
        _ => e.position().cloned(),
    };
    let what = match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => {
                let name = header
                    .and_then(|h| h.get(i as usize))
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                format!("column {}{name}: {}", i + 1, err.kind())
            }
            None => err.kind().to_string(),
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields, expected {expected_len}"),
        _ => e.to_string(),
    };
    match pos {
        Some(p) => Error::format(path, format!("line {}: {what}", line_of(text, p.byte()))),
        None => Error::format(path, what),
    }
}

/// The bytes of `path` and a CSV reader over them (header on the first line).
fn open(path: &Path) -> Result<(Vec<u8>, csv::StringRecord)> {
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let header = csv::ReaderBuilder::new()
        .from_reader(text.as_slice())
        .headers()
        .map_err(|e| csv_error(path, &text, None, &e))?
        .clone();
    Ok((text, header))
}

/// The CSV text of `rows`: a header of the field names of `R` (or `header`, when given), then
/// one line per row. With no rows and no `header`, the text is empty.
///
/// # Errors
/// [`Error::Format`] naming `path` if a row cannot be written as CSV (nested containers).
pub fn table_text<R: Serialize>(
    path: &Path,
    header: Option<&[String]>,
    rows: &[R],
) -> Result<String> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(header.is_none())
        .from_writer(Vec::new());
    if let Some(h) = header {
        w.write_record(h)
            .map_err(|e| csv_error(path, b"", None, &e))?;
    }
    for r in rows {
        w.serialize(r).map_err(|e| csv_error(path, b"", None, &e))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::format(path, e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::format(path, e.to_string()))
}

/// Writes `rows` to `path` atomically ([`table_text`]).
///
/// # Errors
/// As [`table_text`]; [`Error::Io`] naming `path` if it cannot be written.
pub fn write_table<R: Serialize>(path: &Path, header: Option<&[String]>, rows: &[R]) -> Result<()> {
    write_atomic(path, table_text(path, header, rows)?.as_bytes())
}

/// Reads the rows of the table at `path`, matching columns to the fields of `R` by header name;
/// the header must hold every column of `required`.
///
/// # Errors
/// [`Error::Io`] if unreadable; [`Error::Format`] naming the file and line of a malformed line
/// (line 1: a required column missing from the header).
pub fn read_table<R: DeserializeOwned>(path: &Path, required: &[&str]) -> Result<Vec<R>> {
    let (text, header) = open(path)?;
    if let Some(missing) = required.iter().find(|c| !header.iter().any(|h| h == **c)) {
        return Err(Error::format(
            path,
            format!("line 1: the header has no column '{missing}'"),
        ));
    }
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_slice());
    let mut out = Vec::new();
    for row in reader.deserialize() {
        out.push(row.map_err(|e| csv_error(path, &text, Some(&header), &e))?);
    }
    Ok(out)
}

/// Reads the header and the rows of the table at `path`, matching fields to `R` by position
/// (for rows of a variable number of columns: a trailing `Vec` takes the rest of the line).
///
/// # Errors
/// As [`read_table`].
pub fn read_table_positional<R: DeserializeOwned>(path: &Path) -> Result<(Vec<String>, Vec<R>)> {
    let (text, header) = open(path)?;
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_slice());
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(path, &text, Some(&header), &e))?;
        out.push(
            row.deserialize(None)
                .map_err(|e| csv_error(path, &text, Some(&header), &e))?,
        );
    }
    Ok((header.iter().map(str::to_string).collect(), out))
}

/// The resume rule of a run's tables: reads `path` ([`read_table`]; no file: no rows), keeps the rows with
/// `step ≤ step`, rewrites the file atomically with them (when it existed) and returns them.
///
/// # Errors
/// As [`read_table`] and [`write_table`].
pub fn resume_table<R: Serialize + DeserializeOwned + StepRow>(
    path: &Path,
    required: &[&str],
    step: u64,
) -> Result<Vec<R>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<R> = read_table(path, required)?;
    rows.retain(|r| r.step() <= step);
    write_table(path, None, &rows)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Row {
        step: u64,
        x: f64,
        y: Option<f64>,
    }
    const COLS: [&str; 3] = ["step", "x", "y"];
    impl StepRow for Row {
        fn step(&self) -> u64 {
            self.step
        }
    }

    #[test]
    fn rows_round_trip_bit_for_bit_and_bad_lines_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let rows = vec![
            Row {
                step: 1,
                x: 0.1 + 0.2,
                y: None,
            },
            Row {
                step: 5,
                x: 1e-300,
                y: Some(-2.0 / 3.0),
            },
            Row {
                step: 9,
                x: f64::NAN,
                y: Some(f64::INFINITY),
            },
        ];
        write_table(&path, None, &rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("step,x,y\n1,0.30000000000000004,\n"),
            "{text}"
        );
        let back: Vec<Row> = read_table(&path, &COLS).unwrap();
        std::fs::write(&path, "step,x\n1,2\n").unwrap();
        let err = read_table::<Row>(&path, &COLS).unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("'y'"), "{err}");
        assert_eq!(back[..2], rows[..2]);
        assert!(back[2].x.is_nan() && back[2].y == Some(f64::INFINITY));
        std::fs::write(&path, "step,x,y\n1,2,3\n\n2,oops,3\n").unwrap();
        let err = read_table::<Row>(&path, &COLS).unwrap_err().to_string();
        assert!(
            err.contains("t.csv") && err.contains("line 4") && err.contains("column 2 (x)"),
            "{err}"
        );
        std::fs::write(&path, "step,x,y\n1,2,3\n2,3\n").unwrap();
        let err = read_table::<Row>(&path, &COLS).unwrap_err().to_string();
        assert!(err.contains("t.csv") && err.contains("line 3"), "{err}");
    }

    #[test]
    fn resume_drops_later_rows_and_rewrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        assert!(resume_table::<Row>(&path, &COLS, 3).unwrap().is_empty());
        assert!(!path.exists());
        std::fs::write(&path, "step,x,y\n1,1,\n3,2,\n4,3,\n").unwrap();
        let kept: Vec<Row> = resume_table(&path, &COLS, 3).unwrap();
        assert_eq!(kept.iter().map(|r| r.step).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "step,x,y\n1,1.0,\n3,2.0,\n"
        );
    }

    #[test]
    fn a_trailing_vec_takes_the_rest_of_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.csv");
        let header: Vec<String> = ["step", "a", "s1", "s2"].map(String::from).to_vec();
        let rows = vec![(3u64, 0.5f64, vec![2.0f64, 1.0])];
        write_table(&path, Some(&header), &rows).unwrap();
        let (h, back): (_, Vec<(u64, f64, Vec<f64>)>) = read_table_positional(&path).unwrap();
        assert_eq!((h, back), (header, rows));
    }
}
