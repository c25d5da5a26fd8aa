//! The exact gradient equals finite differences of the exact log-likelihood.

use super::{exact_visible_samples, random_model};
use crate::error::Result;
use crate::likelihood::exact_log_likelihood;
use crate::rbm::Rbm;
use crate::training::{ExactGradient, Gradient, GradientEstimator};
use crate::units::{AnyUnit, UnitKind};
use crate::validation::{CaseOutcome, Check, Claim, Tolerance, ValidationCase, ValidationContext};
use rand::SeedableRng;
use serde_json::json;

/// Exact gradient vs central finite differences of the exact $L$.
pub struct ExactGradientFiniteDifferences;

/// Step of the central differences.
const STEP: f64 = 1e-5;
/// Truncation error $h^2 |L'''|/6 \approx 10^{-11}$ plus round-off $\epsilon |L| / h \approx
/// 10^{-10}$ for $|L| \approx 5$: agreement to $10^{-7}$ leaves a wide margin for neither.
const FD_TOL: f64 = 1e-7;

fn perturbed<V: UnitKind, H: UnitKind>(
    rbm: &Rbm<V, H, f64>,
    which: usize,
    index: usize,
    h: f64,
) -> Rbm<V, H, f64> {
    let mut r = rbm.clone();
    let (w, a, b) = r.parameters_mut();
    match which {
        0 => w.as_mut_slice()[index] += h,
        1 => a[index] += h,
        _ => b[index] += h,
    }
    r
}

impl ValidationCase for ExactGradientFiniteDifferences {
    fn claim(&self) -> Claim {
        Claim {
            id: "exact-gradient-fd",
            source: "theory/rbm-basics.md, log-likelihood and gradient",
            statement: "the exact gradient <v h>_data - <v h>_model (by enumeration) equals central finite \
                        differences of the exact log-likelihood, for W, a and b, {0,1} and ±1 units",
        }
    }

    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        let seed = ctx.seed;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let (nv, nh) = (7, 4);
        let mut worst: f64 = 0.0;
        let mut checked = 0;
        let mut rows = String::new();
        for model in 0..3 {
            for unit in [AnyUnit::Binary, AnyUnit::Ising] {
                let teacher = random_model((nv, nh), 1.0, 0.5, (unit, unit), &mut rng)?;
                let data = exact_visible_samples(&teacher, 50, &mut rng)?;
                let rbm = random_model((nv, nh), 0.5, 0.3, (unit, unit), &mut rng)?;
                let mut g = Gradient::zeros(nv, nh);
                ExactGradient::new().estimate(&rbm, data.as_view(), &mut rng, &mut g)?;
                let mut model_worst: f64 = 0.0;
                let sizes = [nv * nh, nv, nh];
                for (which, &size) in sizes.iter().enumerate() {
                    for index in 0..size {
                        let lp = exact_log_likelihood(
                            &perturbed(&rbm, which, index, STEP),
                            data.as_view(),
                        )?;
                        let lm = exact_log_likelihood(
                            &perturbed(&rbm, which, index, -STEP),
                            data.as_view(),
                        )?;
                        let fd = (lp - lm) / (2.0 * STEP);
                        let exact = match which {
                            0 => g.weights.as_slice()[index],
                            1 => g.visible_bias[index],
                            _ => g.hidden_bias[index],
                        };
                        model_worst = model_worst.max((fd - exact).abs());
                        checked += 1;
                    }
                }
                rows += &format!("| {model} | {} | {model_worst:.2e} |\n", unit.name());
                worst = worst.max(model_worst);
            }
        }
        Ok(CaseOutcome {
            theory: "0 (identity)".into(),
            measured: format!("max |exact - FD| = {worst:.2e} over {checked} parameters"),
            tolerance: Tolerance::Absolute(FD_TOL),
            checks: vec![Check::below("max |exact − FD| over all parameters", worst, FD_TOL)],
            details: format!(
                "Six random {nv}×{nh} models (weights std 0.5, biases std 0.3), each with 50 exact samples \
                 of a random teacher as data. Central differences with step {STEP:e}; the tolerance \
                 {FD_TOL:e} covers truncation (~1e-11) and round-off (~1e-10).\n\n\
                 | model | units | max deviation |\n|---|---|---|\n{rows}"
            ),
            figures: Vec::new(),
            seed: Some(seed),
            numbers: json!({"max_abs_deviation": worst, "parameters_checked": checked, "step": STEP}),
        })
    }
}
