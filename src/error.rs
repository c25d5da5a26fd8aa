//! The crate's error type.
//!
//! One enum with context fields and a hand-written `Display` (STYLE R4). `Err` is only for
//! unusable input (bad parameters, bad files, sizes beyond a method's reach); a solver that stops
//! at its iteration limit is data, not an error.

use std::fmt;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in rbmdyn.
#[derive(Debug)]
pub enum Error {
    /// A configuration value outside its admissible range.
    InvalidParameter {
        /// Parameter name as the user spells it (e.g. `learning_rate`, `--batch-size`).
        name: &'static str,
        /// The offending value, printed.
        value: String,
        /// What the value must satisfy.
        reason: String,
    },
    /// Two arrays whose shapes do not fit together.
    ShapeMismatch {
        /// What was being checked.
        what: String,
        /// Expected shape.
        expected: String,
        /// Shape found.
        found: String,
    },
    /// An operating-system error while reading or writing a file.
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file that exists but whose content is wrong (truncated, bad magic, bad value, ...).
    Format {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it, as precisely as known (offset, line, key).
        fault: String,
    },
    /// A method asked of a model it cannot handle (e.g. exact enumeration of 2^40 states).
    Unsupported(String),
    /// A computation produced a non-finite number where a finite one is required.
    NonFinite(String),
}

/// `Result` with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(
        name: &'static str,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Format`].
    pub fn format(path: impl AsRef<Path>, fault: impl Into<String>) -> Self {
        Error::Format {
            path: path.as_ref().to_path_buf(),
            fault: fault.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// Shorthand for [`Error::ShapeMismatch`].
    pub fn shape(
        what: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        Error::ShapeMismatch {
            what: what.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidParameter {
                name,
                value,
                reason,
            } => {
                write!(f, "invalid parameter `{name}` = {value}: {reason}")
            }
            Error::ShapeMismatch {
                what,
                expected,
                found,
            } => {
                write!(
                    f,
                    "shape mismatch in {what}: expected {expected}, found {found}"
                )
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Format { path, fault } => write!(f, "{}: {fault}", path.display()),
            Error::Unsupported(msg) => write!(f, "unsupported: {msg}"),
            Error::NonFinite(msg) => write!(f, "non-finite value: {msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
