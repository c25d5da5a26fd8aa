//! Validation: every claim of the theory is a [`ValidationCase`] with a source, a theory value,
//! a measured value, a tolerance and a machine-readable verdict (STYLE §1, R12).
//!
//! `rbmdyn validate [--quick|--full] [--case ID] [--out DIR]` runs the cases of the
//! [`registry`] and writes `DIR/report.md`, `DIR/summary.json` and `DIR/figures/*.png`
//! ([`report`]). A failing claim is a result, not a panic: a case returns `Ok` with
//! [`Verdict::Fail`]; `Err` only when the case could not run at all (then it is reported as
//! failing with the error as its measured value).

mod case;
pub mod cases;
pub mod check;
mod registry;
pub mod report;

pub use case::{CaseOutcome, Claim, Level, Tolerance, ValidationCase, ValidationContext, Verdict};
pub use check::{all_pass, labelled, verdict_of, Check, CheckRecord};
pub use registry::{registry, run_cases, CaseRecord};
