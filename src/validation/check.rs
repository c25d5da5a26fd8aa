//! Typed checks: one comparison of a measured value with a reference, whose verdict the check
//! computes itself; a case's verdict is [`verdict_of`] its checks.
//!
//! Every comparison is written so that a NaN measurement (or a NaN reference or bound) fails:
//! a check never passes on a value it cannot compare.

use serde::Serialize;
use std::fmt;

/// The verdict of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The measurement agrees with the claim within the tolerance.
    Pass,
    /// It does not.
    Fail,
    /// The case could not decide (e.g. skipped for lack of data); the reason is given.
    Inconclusive(String),
}

impl Verdict {
    /// `"pass"`, `"fail"` or `"inconclusive"` (the `verdict` field of `summary.json`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive(_) => "inconclusive",
        }
    }

    /// `Pass` if `ok`, else `Fail`.
    pub fn from_bool(ok: bool) -> Self {
        if ok {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }
}

/// How a check's measured value `m` must relate to its reference.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// $|m - r| \le \epsilon$.
    Absolute {
        /// The reference value $r$.
        reference: f64,
        /// The tolerance $\epsilon$.
        tolerance: f64,
    },
    /// $|m - r| \le \epsilon |r|$.
    Relative {
        /// The reference value $r$.
        reference: f64,
        /// The relative tolerance $\epsilon$.
        tolerance: f64,
    },
    /// $|m - r| \le k\,\mathrm{SE}$ with the measurement's standard error.
    StandardErrors {
        /// The reference value $r$.
        reference: f64,
        /// The measurement's standard error.
        standard_error: f64,
        /// How many standard errors are allowed.
        k: f64,
    },
    /// $lo \le m \le hi$.
    Interval {
        /// Lower end (included).
        lo: f64,
        /// Upper end (included).
        hi: f64,
    },
    /// $m \le x$.
    AtMost(f64),
    /// $m < x$ (strict).
    Below(f64),
    /// $m \ge x$.
    AtLeast(f64),
    /// $m > x$ (strict).
    Above(f64),
    /// The measured value is a test's p-value and must exceed the level: $m > \alpha$.
    PValueAbove(f64),
    /// The comparison could not be made (too few points, no data); the reason is given.
    Undecided(String),
}

/// A number for the report: six significant digits, in scientific notation when small or large.
pub fn short(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 || !x.is_finite() || (1e-3..1e5).contains(&a) {
        let text = format!("{x:.6}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    } else {
        format!("{x:.5e}")
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Absolute {
                reference,
                tolerance,
            } => write!(f, "|m − {}| ≤ {tolerance:e}", short(*reference)),
            Kind::Relative {
                reference,
                tolerance,
            } => {
                let r = short(*reference);
                write!(f, "|m − {r}| ≤ {tolerance:e} · |{r}|")
            }
            Kind::StandardErrors {
                reference,
                standard_error,
                k,
            } => write!(
                f,
                "|m − {}| ≤ {k} × SE ({})",
                short(*reference),
                short(*standard_error)
            ),
            Kind::Interval { lo, hi } => write!(f, "{} ≤ m ≤ {}", short(*lo), short(*hi)),
            Kind::AtMost(x) => write!(f, "m ≤ {}", short(*x)),
            Kind::Below(x) => write!(f, "m < {}", short(*x)),
            Kind::AtLeast(x) => write!(f, "m ≥ {}", short(*x)),
            Kind::Above(x) => write!(f, "m > {}", short(*x)),
            Kind::PValueAbove(a) => write!(f, "p-value > {a:e}"),
            Kind::Undecided(reason) => write!(f, "undecided: {reason}"),
        }
    }
}

/// Where the reference (or bound) of a check comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A theory value, a closed form or a fixed tolerance.
    Theory,
    /// Another measured quantity, named here (e.g. a baseline run).
    Measured(String),
}

/// One comparison of a case: a name, the measured value and how it must relate to its
/// reference.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// What is compared (e.g. `"seed 3: forward AIS"`).
    pub name: String,
    /// The measured value `m`.
    pub measured: f64,
    /// The comparison, with its reference value or bounds.
    pub kind: Kind,
    /// Where the reference comes from.
    pub source: Source,
}

impl Check {
    /// A check `name` of `measured` by `kind` against a theory reference.
    pub fn new(name: impl Into<String>, measured: f64, kind: Kind) -> Self {
        Check {
            name: name.into(),
            measured,
            kind,
            source: Source::Theory,
        }
    }

    /// $|m - r| \le \epsilon$.
    pub fn absolute(
        name: impl Into<String>,
        measured: f64,
        reference: f64,
        tolerance: f64,
    ) -> Self {
        Check::new(
            name,
            measured,
            Kind::Absolute {
                reference,
                tolerance,
            },
        )
    }

    /// $|m - r| \le \epsilon |r|$.
    pub fn relative(
        name: impl Into<String>,
        measured: f64,
        reference: f64,
        tolerance: f64,
    ) -> Self {
        Check::new(
            name,
            measured,
            Kind::Relative {
                reference,
                tolerance,
            },
        )
    }

    /// $|m - r| \le k\,\mathrm{SE}$.
    pub fn standard_errors(
        name: impl Into<String>,
        measured: f64,
        reference: f64,
        standard_error: f64,
        k: f64,
    ) -> Self {
        Check::new(
            name,
            measured,
            Kind::StandardErrors {
                reference,
                standard_error,
                k,
            },
        )
    }

    /// $lo \le m \le hi$.
    pub fn interval(name: impl Into<String>, measured: f64, lo: f64, hi: f64) -> Self {
        Check::new(name, measured, Kind::Interval { lo, hi })
    }

    /// $m \le x$.
    pub fn at_most(name: impl Into<String>, measured: f64, x: f64) -> Self {
        Check::new(name, measured, Kind::AtMost(x))
    }

    /// $m < x$.
    pub fn below(name: impl Into<String>, measured: f64, x: f64) -> Self {
        Check::new(name, measured, Kind::Below(x))
    }

    /// $m \ge x$.
    pub fn at_least(name: impl Into<String>, measured: f64, x: f64) -> Self {
        Check::new(name, measured, Kind::AtLeast(x))
    }

    /// $m > x$.
    pub fn above(name: impl Into<String>, measured: f64, x: f64) -> Self {
        Check::new(name, measured, Kind::Above(x))
    }

    /// A p-value `p` that must exceed `level`.
    pub fn p_value_above(name: impl Into<String>, p: f64, level: f64) -> Self {
        Check::new(name, p, Kind::PValueAbove(level))
    }

    /// A true/false condition as a check: measured 1 (holds) or 0 (does not), which must be
    /// at least 1. For conditions that are not a comparison of two numbers (e.g. "every start
    /// reported as diverged" with per-start flags).
    pub fn holds(name: impl Into<String>, ok: bool) -> Self {
        Check::at_least(name, if ok { 1.0 } else { 0.0 }, 1.0)
    }

    /// A comparison that could not be made, for `reason`.
    pub fn undecided(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Check::new(name, f64::NAN, Kind::Undecided(reason.into()))
    }

    /// The same check with its reference taken from the measured quantity `what`.
    #[must_use]
    pub fn against_measured(mut self, what: impl Into<String>) -> Self {
        self.source = Source::Measured(what.into());
        self
    }

    /// Whether the check passes: `Some(true)` or `Some(false)`, `None` when undecided. A NaN
    /// measurement, reference or bound never passes.
    pub fn passes(&self) -> Option<bool> {
        let m = self.measured;
        Some(match &self.kind {
            Kind::Absolute {
                reference,
                tolerance,
            } => (m - reference).abs() <= *tolerance,
            Kind::Relative {
                reference,
                tolerance,
            } => (m - reference).abs() <= tolerance * reference.abs(),
            Kind::StandardErrors {
                reference,
                standard_error,
                k,
            } => (m - reference).abs() <= k * standard_error,
            Kind::Interval { lo, hi } => *lo <= m && m <= *hi,
            Kind::AtMost(x) => m <= *x,
            Kind::Below(x) => m < *x,
            Kind::AtLeast(x) => m >= *x,
            Kind::Above(x) | Kind::PValueAbove(x) => m > *x,
            Kind::Undecided(_) => return None,
        })
    }

    /// The check's verdict: `Pass`, `Fail`, or `Inconclusive` with the reason when undecided.
    pub fn verdict(&self) -> Verdict {
        match (self.passes(), &self.kind) {
            (Some(ok), _) => Verdict::from_bool(ok),
            (None, Kind::Undecided(reason)) => Verdict::Inconclusive(reason.clone()),
            (None, _) => Verdict::Inconclusive(format!("{}: undecided", self.name)),
        }
    }

    /// The machine-readable form written to `summary.json`.
    pub fn record(&self) -> CheckRecord {
        CheckRecord {
            name: self.name.clone(),
            measured: self.measured,
            condition: self.kind.to_string(),
            reference: match &self.source {
                Source::Theory => "theory".into(),
                Source::Measured(what) => format!("measured: {what}"),
            },
            verdict: self.verdict().as_str(),
        }
    }
}

/// `checks` with each name prefixed by `label: ` (one group of checks per seed, size or model).
pub fn labelled(label: impl fmt::Display, checks: impl IntoIterator<Item = Check>) -> Vec<Check> {
    checks
        .into_iter()
        .map(|mut c| {
            c.name = format!("{label}: {}", c.name);
            c
        })
        .collect()
}

/// Whether every check of `checks` passes (an empty list passes: for one group of a case's
/// checks, e.g. a table row; the case's verdict is [`verdict_of`]).
pub fn all_pass(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.passes() == Some(true))
}

/// The verdict of a case from its checks: `Fail` if any check fails; otherwise `Inconclusive`
/// if there are no checks or one is undecided (the first such reason is given); otherwise
/// `Pass`.
pub fn verdict_of(checks: &[Check]) -> Verdict {
    if checks.is_empty() {
        return Verdict::Inconclusive("no checks".into());
    }
    let verdicts: Vec<Verdict> = checks.iter().map(Check::verdict).collect();
    if verdicts.contains(&Verdict::Fail) {
        return Verdict::Fail;
    }
    verdicts
        .into_iter()
        .find(|v| matches!(v, Verdict::Inconclusive(_)))
        .unwrap_or(Verdict::Pass)
}

/// One check as written to `summary.json` and listed in `report.md`.
#[derive(Clone, Debug, Serialize)]
pub struct CheckRecord {
    /// What is compared.
    pub name: String,
    /// The measured value (`null` when NaN).
    pub measured: f64,
    /// The condition, e.g. `"m ≤ 0.05"` or `"|m − 12.18| ≤ 4 × SE (1.2e-3)"`.
    pub condition: String,
    /// `"theory"` or `"measured: <what>"`.
    pub reference: String,
    /// `"pass"`, `"fail"` or `"inconclusive"`.
    pub verdict: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    #[test]
    fn absolute_includes_its_boundary_and_rejects_nan() {
        assert_eq!(Check::absolute("a", 1.5, 1.0, 0.5).passes(), Some(true));
        assert_eq!(Check::absolute("a", 0.5, 1.0, 0.5).passes(), Some(true));
        assert_eq!(
            Check::absolute("a", 1.5000001, 1.0, 0.5).passes(),
            Some(false)
        );
        assert_eq!(Check::absolute("a", NAN, 1.0, 0.5).passes(), Some(false));
        assert_eq!(Check::absolute("a", 1.0, NAN, 0.5).passes(), Some(false));
        assert_eq!(Check::absolute("a", 1.0, 1.0, NAN).passes(), Some(false));
        // ∞ − ∞ is NaN: an infinite measurement of an infinite reference is not comparable
        assert_eq!(
            Check::absolute("a", f64::INFINITY, f64::INFINITY, 1.0).passes(),
            Some(false)
        );
    }

    #[test]
    fn relative_scales_with_the_reference() {
        assert_eq!(Check::relative("r", 110.0, 100.0, 0.1).passes(), Some(true));
        assert_eq!(
            Check::relative("r", -90.0, -100.0, 0.1).passes(),
            Some(true)
        );
        assert_eq!(
            Check::relative("r", 111.0, 100.0, 0.1).passes(),
            Some(false)
        );
        assert_eq!(Check::relative("r", 0.0, 0.0, 0.1).passes(), Some(true));
        assert_eq!(Check::relative("r", 1e-300, 0.0, 0.1).passes(), Some(false));
        assert_eq!(Check::relative("r", NAN, 100.0, 0.1).passes(), Some(false));
    }

    #[test]
    fn standard_errors_allow_k_times_the_error() {
        assert_eq!(
            Check::standard_errors("s", 12.0, 10.0, 0.5, 4.0).passes(),
            Some(true)
        );
        assert_eq!(
            Check::standard_errors("s", 8.0, 10.0, 0.5, 4.0).passes(),
            Some(true)
        );
        assert_eq!(
            Check::standard_errors("s", 12.01, 10.0, 0.5, 4.0).passes(),
            Some(false)
        );
        assert_eq!(
            Check::standard_errors("s", 10.0, 10.0, NAN, 4.0).passes(),
            Some(false)
        );
        assert_eq!(
            Check::standard_errors("s", NAN, 10.0, 0.5, 4.0).passes(),
            Some(false)
        );
    }

    #[test]
    fn interval_is_closed() {
        assert_eq!(Check::interval("i", 1.0, 1.0, 2.0).passes(), Some(true));
        assert_eq!(Check::interval("i", 2.0, 1.0, 2.0).passes(), Some(true));
        assert_eq!(Check::interval("i", 0.999, 1.0, 2.0).passes(), Some(false));
        assert_eq!(Check::interval("i", 2.001, 1.0, 2.0).passes(), Some(false));
        assert_eq!(Check::interval("i", NAN, 1.0, 2.0).passes(), Some(false));
        assert_eq!(Check::interval("i", 1.5, NAN, 2.0).passes(), Some(false));
        // an empty interval holds nothing
        assert_eq!(Check::interval("i", 1.5, 2.0, 1.0).passes(), Some(false));
    }

    #[test]
    fn one_sided_bounds_differ_only_at_the_boundary() {
        assert_eq!(Check::at_most("b", 1.0, 1.0).passes(), Some(true));
        assert_eq!(Check::below("b", 1.0, 1.0).passes(), Some(false));
        assert_eq!(Check::below("b", 0.99, 1.0).passes(), Some(true));
        assert_eq!(Check::at_least("b", 1.0, 1.0).passes(), Some(true));
        assert_eq!(Check::above("b", 1.0, 1.0).passes(), Some(false));
        assert_eq!(Check::above("b", 1.01, 1.0).passes(), Some(true));
        for c in [
            Check::at_most("n", NAN, 1.0),
            Check::below("n", NAN, 1.0),
            Check::at_least("n", NAN, 1.0),
            Check::above("n", NAN, 1.0),
            Check::at_most("n", 0.0, NAN),
            Check::at_least("n", 0.0, NAN),
        ] {
            assert_eq!(c.passes(), Some(false), "{c:?}");
        }
    }

    #[test]
    fn p_value_must_exceed_the_level() {
        assert_eq!(Check::p_value_above("p", 0.002, 1e-3).passes(), Some(true));
        assert_eq!(Check::p_value_above("p", 1e-3, 1e-3).passes(), Some(false));
        assert_eq!(Check::p_value_above("p", NAN, 1e-3).passes(), Some(false));
    }

    #[test]
    fn holds_and_undecided() {
        assert_eq!(Check::holds("h", true).passes(), Some(true));
        assert_eq!(Check::holds("h", false).passes(), Some(false));
        let u = Check::undecided("u", "too few points");
        assert_eq!(u.passes(), None);
        assert_eq!(u.verdict(), Verdict::Inconclusive("too few points".into()));
    }

    #[test]
    fn a_case_passes_only_when_every_check_passes() {
        let pass = Check::at_most("ok", 0.0, 1.0);
        let fail = Check::at_most("bad", 2.0, 1.0);
        let nan = Check::at_most("nan", NAN, 1.0);
        let undecided = Check::undecided("u", "no data");
        assert_eq!(verdict_of(&[pass.clone(), pass.clone()]), Verdict::Pass);
        assert_eq!(verdict_of(&[pass.clone(), fail.clone()]), Verdict::Fail);
        assert_eq!(verdict_of(&[pass.clone(), nan]), Verdict::Fail);
        assert_eq!(
            verdict_of(&[pass.clone(), undecided.clone()]),
            Verdict::Inconclusive("no data".into())
        );
        assert_eq!(verdict_of(&[undecided, fail]), Verdict::Fail);
        assert_eq!(verdict_of(&[]), Verdict::Inconclusive("no checks".into()));
    }

    #[test]
    fn labels_prefix_names_and_groups_pass_only_together() {
        let group = labelled(
            "seed 3",
            [Check::at_most("a", 0.0, 1.0), Check::above("b", 2.0, 1.0)],
        );
        assert_eq!(group[0].name, "seed 3: a");
        assert_eq!(group[1].name, "seed 3: b");
        assert!(all_pass(&group));
        assert!(!all_pass(&[
            group[0].clone(),
            Check::above("c", f64::NAN, 0.0)
        ]));
        assert!(!all_pass(&[Check::undecided("u", "no data")]));
    }

    #[test]
    fn short_numbers_keep_six_digits() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(16.0), "16");
        assert_eq!(short(12.182864), "12.182864");
        assert_eq!(short(0.0385), "0.0385");
        assert_eq!(short(4.8725e-7), "4.87250e-7");
        assert_eq!(short(-2.5e6), "-2.50000e6");
        assert_eq!(short(f64::NAN), "NaN");
    }

    #[test]
    fn records_name_the_condition_and_the_source() {
        let r = Check::above("L rises", 2.0, 1.0)
            .against_measured("L before training")
            .record();
        assert_eq!(r.condition, "m > 1");
        assert_eq!(r.reference, "measured: L before training");
        assert_eq!(r.verdict, "pass");
        let j = serde_json::to_value(Check::at_most("n", NAN, 1.0).record()).unwrap();
        assert!(j["measured"].is_null());
        assert_eq!(j["verdict"], "fail");
    }
}
