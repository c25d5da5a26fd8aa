//! Core types of a validation case.

pub use super::check::Verdict;
use super::check::{verdict_of, Check, Kind};
use crate::error::Result;
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// What a case claims, and where the claim comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// Stable identifier (`--case ID`, file names), kebab-case.
    pub id: &'static str,
    /// Paper and equation/figure, or theory file and prediction number.
    pub source: &'static str,
    /// The claim in one sentence.
    pub statement: &'static str,
}

/// How a measured value is compared with the theory value.
#[derive(Clone, Debug, PartialEq)]
pub enum Tolerance {
    /// $|m - t| \le \epsilon$.
    Absolute(f64),
    /// $|m - t| \le \epsilon |t|$.
    Relative(f64),
    /// $|m - t| \le k\,\mathrm{SE}$ with the measurement's standard error.
    StandardErrors(f64),
    /// A test's p-value must exceed this level.
    PValueAbove(f64),
    /// A one-sided or composite criterion, stated in words (the exact comparisons are the
    /// outcome's [`Check`]s).
    Criterion(String),
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tolerance::Absolute(e) => write!(f, "absolute {e:e}"),
            Tolerance::Relative(e) => write!(f, "relative {e:e}"),
            Tolerance::StandardErrors(k) => write!(f, "{k} standard errors"),
            Tolerance::PValueAbove(p) => write!(f, "p-value > {p:e}"),
            Tolerance::Criterion(s) => f.write_str(s),
        }
    }
}

/// Which runs include a case: `validate --quick` runs `Quick` cases; `--full` runs all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Seconds to a minute on synthetic or small data.
    Quick,
    /// Long runs (e.g. MNIST training).
    Full,
}

/// What a case found.
#[derive(Clone, Debug)]
pub struct CaseOutcome {
    /// The theory value, as text with units/conventions (e.g. `"p-value > 1e-3"`, `"3.8866"`).
    pub theory: String,
    /// The measured value, as text.
    pub measured: String,
    /// The tolerance used, as a summary for the report's table (the checks hold the exact
    /// comparisons).
    pub tolerance: Tolerance,
    /// The comparisons behind the verdict, one per compared quantity.
    pub checks: Vec<Check>,
    /// Markdown paragraphs: method, numbers, what to look at in the figures.
    pub details: String,
    /// Figures written (paths relative to the output directory, e.g. `figures/<id>.png`).
    pub figures: Vec<PathBuf>,
    /// Seed of the case's random generator, if it used one.
    pub seed: Option<u64>,
    /// The numbers behind the verdict, machine-readable.
    pub numbers: serde_json::Value,
}

impl CaseOutcome {
    /// An inconclusive outcome for a case that could not run (e.g. data not found).
    pub fn skipped(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        CaseOutcome {
            theory: "-".into(),
            measured: "not run".into(),
            tolerance: Tolerance::Criterion("-".into()),
            checks: vec![Check::new(
                "case run",
                f64::NAN,
                Kind::Undecided(format!("skipped: {reason}")),
            )],
            details: format!("Skipped: {reason}"),
            figures: Vec::new(),
            seed: None,
            numbers: serde_json::Value::Null,
        }
    }
}

impl CaseOutcome {
    /// The case's verdict: [`verdict_of`] its checks (a skipped case has one undecided check).
    pub fn verdict(&self) -> Verdict {
        verdict_of(&self.checks)
    }
}

/// What a case may use while it runs.
#[derive(Clone, Debug)]
pub struct ValidationContext {
    /// The report directory (`--out`).
    pub out_dir: PathBuf,
    /// Root of the real datasets (`--data`, `RBMDYN_DATA`, `../shared/data`), if found.
    pub data_root: Option<PathBuf>,
    /// The level of this run.
    pub level: Level,
    /// Base seed; each case derives its generator from it (and records the seed it used).
    pub seed: u64,
    /// Show progress bars.
    pub progress: bool,
}

impl ValidationContext {
    /// Directory for figures (`out_dir/figures`), created on demand.
    ///
    /// # Errors
    /// The directory cannot be created.
    pub fn figures_dir(&self) -> Result<PathBuf> {
        let dir = self.out_dir.join("figures");
        std::fs::create_dir_all(&dir).map_err(|e| crate::Error::io(&dir, e))?;
        Ok(dir)
    }

    /// Path of a figure `figures/<name>.png` (absolute) and its path relative to `out_dir`.
    ///
    /// # Errors
    /// As [`ValidationContext::figures_dir`].
    pub fn figure_path(&self, name: &str) -> Result<(PathBuf, PathBuf)> {
        let file = format!("{name}.png");
        Ok((
            self.figures_dir()?.join(&file),
            Path::new("figures").join(file),
        ))
    }
}

/// A checkable claim (STYLE §3): builds its data, runs, compares, and returns a [`CaseOutcome`].
pub trait ValidationCase {
    /// The claim.
    fn claim(&self) -> Claim;
    /// The run level that includes this case.
    fn level(&self) -> Level {
        Level::Quick
    }
    /// Runs the case.
    ///
    /// # Errors
    /// Only when the case cannot run at all; a failed claim is `Ok` with [`Verdict::Fail`].
    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome>;
}
