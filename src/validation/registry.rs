//! The list of validation cases and the loop that runs them.

use super::case::{Level, ValidationCase, ValidationContext, Verdict};
use super::cases;
use super::check::CheckRecord;
use crate::error::{Error, Result};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// Every validation case, in report order (the list is [`cases::all`]).
pub fn registry() -> Vec<Box<dyn ValidationCase>> {
    cases::all()
}

/// One line of `summary.json`: a case's claim, numbers and verdict.
#[derive(Clone, Debug, Serialize)]
pub struct CaseRecord {
    /// Case identifier.
    pub id: String,
    /// Where the claim comes from.
    pub source: String,
    /// The claim.
    pub statement: String,
    /// Theory value (text).
    pub theory: String,
    /// Measured value (text).
    pub measured: String,
    /// Tolerance (text).
    pub tolerance: String,
    /// `"pass"`, `"fail"` or `"inconclusive"`.
    pub verdict: String,
    /// The case's checks, each with its own verdict (empty for a case with a hand-written verdict).
    pub checks: Vec<CheckRecord>,
    /// Why a case is inconclusive (skipped, undecided), or the error of a case that could not run.
    pub reason: Option<String>,
    /// Run level of the case.
    pub level: Level,
    /// Seed used, if any.
    pub seed: Option<u64>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Figures, relative to the report directory.
    pub figures: Vec<PathBuf>,
    /// Markdown details for the report.
    #[serde(skip)]
    pub details: String,
    /// The numbers behind the verdict.
    pub numbers: serde_json::Value,
}

/// Runs the cases selected by `ctx.level` (Quick: quick cases; Full: all), or only the case
/// `only` (at any level).
///
/// A case that returns `Err` is recorded as failing with the error as its measured value.
///
/// # Errors
/// `only` names no case (the message lists the known ids).
pub fn run_cases(ctx: &mut ValidationContext, only: Option<&str>) -> Result<Vec<CaseRecord>> {
    let all = registry();
    let selected: Vec<&Box<dyn ValidationCase>> = match only {
        Some(id) => {
            let found: Vec<_> = all.iter().filter(|c| c.claim().id == id).collect();
            if found.is_empty() {
                let ids: Vec<&str> = all.iter().map(|c| c.claim().id).collect();
                return Err(Error::invalid(
                    "--case",
                    id,
                    format!("no such case; known cases: {}", ids.join(", ")),
                ));
            }
            found
        }
        None => all.iter().filter(|c| c.level() <= ctx.level).collect(),
    };
    let mut records = Vec::new();
    for case in selected {
        let claim = case.claim();
        eprintln!("[validate] {} ...", claim.id);
        let start = Instant::now();
        let outcome = case.run(ctx);
        let seconds = start.elapsed().as_secs_f64();
        let record = match outcome {
            Ok(o) => {
                let verdict = o.verdict();
                CaseRecord {
                    id: claim.id.into(),
                    source: claim.source.into(),
                    statement: claim.statement.into(),
                    theory: o.theory,
                    measured: o.measured,
                    tolerance: o.tolerance.to_string(),
                    verdict: verdict.as_str().into(),
                    checks: o.checks.iter().map(|c| c.record()).collect(),
                    reason: match verdict {
                        Verdict::Inconclusive(r) => Some(r),
                        _ => None,
                    },
                    level: case.level(),
                    seed: o.seed,
                    seconds,
                    figures: o.figures,
                    details: o.details,
                    numbers: o.numbers,
                }
            }
            Err(e) => CaseRecord {
                id: claim.id.into(),
                source: claim.source.into(),
                statement: claim.statement.into(),
                theory: "-".into(),
                measured: format!("error: {e}"),
                tolerance: "-".into(),
                verdict: Verdict::Fail.as_str().into(),
                checks: Vec::new(),
                reason: Some(format!("the case could not run: {e}")),
                level: case.level(),
                seed: None,
                seconds,
                figures: Vec::new(),
                details: format!("The case stopped with an error: `{e}`"),
                numbers: serde_json::Value::Null,
            },
        };
        eprintln!(
            "[validate] {} {} ({:.1} s){}",
            record.id,
            record.verdict.to_uppercase(),
            seconds,
            record
                .reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        );
        records.push(record);
    }
    Ok(records)
}
