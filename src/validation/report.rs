//! Writes a validation run as Markdown (`report.md`) and JSON (`summary.json`).

use super::registry::CaseRecord;
use crate::error::{Error, Result};
use crate::io::write_atomic;
use std::fmt::Write as _;
use std::path::Path;

/// Counts of verdicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cases that passed.
    pub pass: usize,
    /// Cases that failed (including cases that could not run).
    pub fail: usize,
    /// Inconclusive cases (including skipped ones).
    pub inconclusive: usize,
}

/// Counts the verdicts of `records`.
pub fn tally(records: &[CaseRecord]) -> Tally {
    let mut t = Tally::default();
    for r in records {
        match r.verdict.as_str() {
            "pass" => t.pass += 1,
            "fail" => t.fail += 1,
            _ => t.inconclusive += 1,
        }
    }
    t
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown report: a summary table, then one section per case.
pub fn markdown(records: &[CaseRecord], header: &str) -> String {
    let t = tally(records);
    let mut md = String::new();
    let _ = writeln!(md, "# rbmdyn validation report\n\n{header}\n");
    let _ = writeln!(
        md,
        "**{} passed, {} failed, {} inconclusive** (of {}).\n",
        t.pass,
        t.fail,
        t.inconclusive,
        records.len()
    );
    let _ = writeln!(
        md,
        "| case | verdict | theory | measured | tolerance | source |\n|---|---|---|---|---|---|"
    );
    for r in records {
        let _ = writeln!(
            md,
            "| [`{}`](#{}) | **{}** | {} | {} | {} | {} |",
            r.id,
            r.id,
            r.verdict,
            cell(&r.theory),
            cell(&r.measured),
            cell(&r.tolerance),
            cell(&r.source)
        );
    }
    let skipped: Vec<&CaseRecord> = records
        .iter()
        .filter(|r| {
            r.reason
                .as_deref()
                .is_some_and(|s| s.starts_with("skipped"))
        })
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(
            md,
            "\n**Skipped (data-dependent checks that did not run):**\n"
        );
        for r in skipped {
            let _ = writeln!(md, "- `{}`: {}", r.id, r.reason.as_deref().unwrap_or(""));
        }
    }
    for r in records {
        let _ = writeln!(
            md,
            "\n<a id=\"{}\"></a>\n## `{}`: {}\n",
            r.id, r.id, r.verdict
        );
        let _ = writeln!(md, "*Claim.* {}  \n*Source.* {}\n", r.statement, r.source);
        let _ = writeln!(
            md,
            "| theory | measured | tolerance | seed | time |\n|---|---|---|---|---|\n| {} | {} | {} | {} | {:.1} s |\n",
            cell(&r.theory),
            cell(&r.measured),
            cell(&r.tolerance),
            r.seed.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            r.seconds
        );
        if !r.checks.is_empty() {
            let _ = writeln!(
                md,
                "| check | measured | condition | reference | verdict |\n|---|---|---|---|---|"
            );
            for c in &r.checks {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} |",
                    cell(&c.name),
                    super::check::short(c.measured),
                    cell(&c.condition),
                    cell(&c.reference),
                    c.verdict
                );
            }
            let _ = writeln!(md);
        }
        if let Some(reason) = &r.reason {
            let _ = writeln!(md, "*Note.* {reason}\n");
        }
        let _ = writeln!(md, "{}\n", r.details.trim());
        for f in &r.figures {
            let _ = writeln!(md, "![{}]({})\n", r.id, f.display());
        }
    }
    md
}

/// Writes `dir/report.md` and `dir/summary.json` (atomically).
///
/// # Errors
/// The directory or files cannot be written.
pub fn write_report(dir: &Path, records: &[CaseRecord], header: &str) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    write_atomic(&dir.join("report.md"), markdown(records, header).as_bytes())?;
    let json = serde_json::to_string_pretty(records)
        .map_err(|e| Error::format(dir.join("summary.json"), e.to_string()))?;
    write_atomic(&dir.join("summary.json"), json.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{Check, Level};

    #[test]
    fn each_check_is_listed_in_the_report_and_the_summary() {
        let checks = [
            Check::below("worst deviation", 2e-7, 1e-6),
            Check::above("L rises", f64::NAN, 1.0).against_measured("L before training"),
        ];
        let record = CaseRecord {
            id: "demo".into(),
            source: "s".into(),
            statement: "c".into(),
            theory: "t".into(),
            measured: "m".into(),
            tolerance: "x".into(),
            verdict: "fail".into(),
            checks: checks.iter().map(Check::record).collect(),
            reason: None,
            level: Level::Quick,
            seed: None,
            seconds: 0.0,
            figures: Vec::new(),
            details: String::new(),
            numbers: serde_json::Value::Null,
        };
        let md = markdown(std::slice::from_ref(&record), "h");
        assert!(md.contains("| worst deviation | 2.00000e-7 | m < 1.00000e-6 | theory | pass |"));
        assert!(md.contains("| L rises | NaN | m > 1 | measured: L before training | fail |"));
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["checks"][0]["verdict"], "pass");
        assert_eq!(json["checks"][1]["verdict"], "fail");
        assert!(json["checks"][1]["measured"].is_null());
    }
}
