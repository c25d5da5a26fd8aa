//! The mean-field phase diagram of the two-correlated-pattern teacher
//! (`theory/two-correlated-patterns.md`, predictions 1–4).

use crate::analytic::two_patterns::{block_magnetizations, growth_rates, mean_field};
use crate::error::Result;
use crate::report::chart::{Axis, LineChart, Series};
use crate::validation::{CaseOutcome, Check, Claim, Tolerance, ValidationCase, ValidationContext};
use serde_json::json;

/// The theory file's tolerance on fixed points and rates.
const TOL: f64 = 1e-6;
/// Temperatures closer than this to a transition are skipped (the order parameter vanishes
/// continuously there and the iteration slows down critically).
const MARGIN: f64 = 0.02;
/// An order parameter above this is "ordered" (away from the transitions it is ≥ 0.2).
const ORDERED: f64 = 1e-3;

/// Mean-field transitions at T₁ = 1 + κ and T₂ = 1 − κ, and the predicted values.
pub struct TwoPatternsPhaseDiagram;

impl ValidationCase for TwoPatternsPhaseDiagram {
    fn claim(&self) -> Claim {
        Claim {
            id: "two-patterns-phase-diagram",
            source: "theory/two-correlated-patterns.md predictions 1–4 (Decelle talk: two correlated \
                     patterns)",
            statement: "for two patterns with overlap κ the mean-field magnetisations order in two \
                        steps: m₁ = m₂ ≠ 0 below T₁ = 1 + κ, m₁ ≠ m₂ below T₂ = 1 − κ; fixed points, \
                        block magnetisations and growth rates match the theory file",
        }
    }

    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        let mut wrong = Vec::new();
        let mut series = Vec::new();
        for kappa in [0.2, 0.5] {
            let (mut s1, mut s2) = (Vec::new(), Vec::new());
            for k in 1..=160 {
                let t = 0.0125 * k as f64;
                let (t1, t2) = (1.0 + kappa, 1.0 - kappa);
                if (t - t1).abs() <= MARGIN || (t - t2).abs() <= MARGIN {
                    // critical slowing down: the iteration needs ~1/|T − T_c| times longer
                    continue;
                }
                let ((m1, m2), _) = mean_field(1.0 / t, kappa, (0.9, 0.3), 0.5)?;
                s1.push((t, m1));
                s2.push((t, m2));
                let x_ord = (m1 + m2).abs() > ORDERED;
                let y_ord = (m1 - m2).abs() > ORDERED;
                if x_ord != (t < t1) {
                    wrong.push(format!("κ {kappa}, T {t:.4}: m₁ + m₂ = {:.2e}", m1 + m2));
                }
                if y_ord != (t < t2) {
                    wrong.push(format!("κ {kappa}, T {t:.4}: m₁ − m₂ = {:.2e}", m1 - m2));
                }
            }
            series.push(Series {
                name: format!("m₁, κ = {kappa}"),
                points: s1,
            });
            series.push(Series {
                name: format!("m₂, κ = {kappa}"),
                points: s2,
            });
        }
        // predictions 1–3 at κ = 0.5
        let mut worst: f64 = 0.0;
        let mut check = |got: f64, want: f64| worst = worst.max((got - want).abs());
        let checks = [
            (1.5, 0.731622, 0.731622, 0.975496, 0.0, 0.713694, 0.0),
            (
                2.5, 0.926767, 0.571561, 0.998885, 0.710412, 0.748329, 0.126171,
            ),
            (1.0, 0.643920, 0.643920, 0.858560, 0.0, 0.552843, 0.0),
            (1.8, 0.742904, 0.742904, 0.990538, 0.0, 0.735875, 0.0),
        ];
        for (beta, m1, m2, r, p, g1, g2) in checks {
            let ((a, b), _) = mean_field(beta, 0.5, (0.9, 0.3), 0.5)?;
            let (rr, pp) = block_magnetizations(beta, 0.5)?;
            let (h1, h2) = growth_rates(beta, 0.5)?;
            for (got, want) in [(a, m1), (b, m2), (rr, r), (pp, p), (h1, g1), (h2, g2)] {
                check(got, want);
            }
        }
        let (abs, rel) = ctx.figure_path("two-patterns-phase-diagram")?;
        LineChart::new(
            "Two correlated patterns: mean-field m₁, m₂ against T (transitions at 1 ± κ)",
        )
        .x(Axis::linear("T = 1/β"))
        .y(Axis::linear("magnetisation"))
        .series(&series)
        .write(&abs)?;
        Ok(CaseOutcome {
            theory: format!("transitions at 1 ± κ; predicted values within {TOL:e}"),
            measured: format!(
                "{} misclassified temperatures (grid of 160 per κ, two order parameters); worst \
                 deviation {worst:.1e}",
                wrong.len()
            ),
            tolerance: Tolerance::Criterion(format!(
                "every grid temperature more than {MARGIN} from a transition on the right side \
                 (order parameter above/below {ORDERED}); all 24 predicted numbers within {TOL:e}"
            )),
            checks: vec![
                Check::at_most("misclassified grid temperatures", wrong.len() as f64, 0.0),
                Check::below("worst deviation of the 24 predicted numbers", worst, TOL),
            ],
            details: format!(
                "Damped (0.5) iteration of the (m₁, m₂) equations from (0.9, 0.3) on T = \
                 0.0125…2, κ = 0.2 and 0.5. x = m₁ + m₂ and y = m₁ − m₂ decouple exactly, so the \
                 transitions are those of two Curie–Weiss blocks. {}",
                if wrong.is_empty() {
                    String::new()
                } else {
                    format!("Misclassified: {}", wrong.join("; "))
                }
            ),
            figures: vec![rel],
            seed: None,
            numbers: json!({ "worst_deviation": worst, "misclassified": wrong }),
        })
    }
}
