//! The cases `cw-binary-hidden-alpha(-full)`: their verdict, figures and report (the settings
//! and the training runs are in [`super::cw_binary_hidden`]).

use super::cw_binary_hidden::{
    opt, run_seed, stats_of, AlphaStudy, SeedRun, Setting, ALIGNED_FACTOR, ALPHAS, BATCH, BETA, DT,
    FINAL_TOL, FULL, LINEAR_FAIL_SDS, OVERLAP_MIN, QUICK, RATE_TOL, SAMPLES, SEEDS, WINDOW,
};
use crate::analytic::curie_weiss::CurieWeiss;
use crate::analytic::ising_hidden::{equal_weights_fixed_point, equal_weights_fixed_point_large_n};
use crate::error::Result;
use crate::report::chart::{Axis, LineChart, Series};
use crate::validation::{
    all_pass, labelled, CaseOutcome, Check, Claim, Tolerance, ValidationCase, ValidationContext,
};
use serde_json::json;

/// Per-α summary and verdict parts.
struct Summary {
    line: String,
    checks: Vec<Check>,
    numbers: serde_json::Value,
}

#[allow(clippy::too_many_lines)] // one check per seed and per claim, listed in the order the report shows them
fn summarise(study: &AlphaStudy, g: f64) -> Summary {
    let runs = &study.runs;
    let rates: Vec<f64> = runs.iter().map(|r| r.rate).collect();
    let seed_label = |k: usize| format!("seed {}", runs[k].seed);
    let rate_checks: Vec<Check> = rates
        .iter()
        .enumerate()
        .map(|(k, r)| {
            Check::below(
                format!("{}: |rate/g − 1|", seed_label(k)),
                (r / g - 1.0).abs(),
                RATE_TOL,
            )
        })
        .collect();
    let rate_ok = all_pass(&rate_checks);
    let tt: Vec<f64> = runs.iter().map(|r| opt(r.t_train)).collect();
    let to: Vec<f64> = runs.iter().map(|r| opt(r.t_ode)).collect();
    let tl: Vec<f64> = runs.iter().map(|r| r.t_linear).collect();
    let ts: Vec<f64> = runs.iter().map(|r| opt(r.t_saturating)).collect();
    let (tt_mean, tt_sd) = stats_of(&tt);
    let diff: Vec<f64> = tt.iter().zip(&to).map(|(a, b)| a - b).collect();
    let (d_mean, _) = stats_of(&diff);
    let lag: Vec<f64> = tt.iter().zip(&tl).map(|(a, b)| a - b).collect();
    let (lag_mean, _) = stats_of(&lag);
    let time_checks = vec![
        Check::holds("mean(t*_train − t*_flow) is finite", d_mean.is_finite()),
        Check::at_most("|mean(t*_train − t*_flow)|", d_mean.abs(), tt_sd)
            .against_measured("sd of t*_train over seeds"),
    ];
    let time_ok = all_pass(&time_checks);
    let linear_check = Check::above(
        "mean(t*_train − t*_linear)",
        lag_mean,
        LINEAR_FAIL_SDS * tt_sd,
    )
    .against_measured("LINEAR_FAIL_SDS × sd of t*_train over seeds");
    let linear_fails = all_pass(std::slice::from_ref(&linear_check));
    let finals: Vec<f64> = runs.iter().map(|r| r.final_train).collect();
    let final_odes: Vec<f64> = runs.iter().map(|r| r.final_ode).collect();
    let final_checks: Vec<Check> = finals
        .iter()
        .zip(&final_odes)
        .enumerate()
        .map(|(k, (a, b))| {
            Check::below(
                format!("{}: |σ₁(t_end)/flow − 1|", seed_label(k)),
                (a / b - 1.0).abs(),
                FINAL_TOL,
            )
        })
        .collect();
    let final_ok = all_pass(&final_checks);
    let mode_checks: Vec<Check> = runs
        .iter()
        .enumerate()
        .flat_map(|(k, r)| {
            [
                Check::holds(
                    format!("{}: exactly one outlier at t_end", seed_label(k)),
                    r.outliers.last() == Some(&1),
                ),
                Check::above(
                    format!("{}: |ξ̂·u₁| at t_end", seed_label(k)),
                    r.xi_overlap.last().copied().unwrap_or(f64::NAN),
                    OVERLAP_MIN,
                ),
            ]
        })
        .collect();
    let mode_ok = all_pass(&mode_checks);
    let aligned_checks: Vec<Check> = runs
        .iter()
        .enumerate()
        .map(|(k, r)| {
            Check::holds(
                format!("{}: units predicted aligned are aligned", seed_label(k)),
                r.aligned_ok,
            )
        })
        .collect();
    let aligned_ok = all_pass(&aligned_checks);
    let units: Vec<(f64, f64, f64)> = runs.iter().flat_map(|r| r.units.clone()).collect();
    let aligned = units.iter().filter(|u| u.1 > OVERLAP_MIN).count();
    let predicted = units.iter().filter(|u| u.2 > OVERLAP_MIN).count();
    let mut checks = rate_checks;
    checks.extend(time_checks);
    checks.push(linear_check);
    checks.extend(final_checks);
    checks.extend(mode_checks);
    checks.extend(aligned_checks);
    let checks = labelled(format!("α = {}", study.alpha), checks);
    let ok = all_pass(&checks);
    let fmt = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let line = format!(
        "| {} | {} | {} | {:.2} ± {:.2} | {:.2} | {:.2} | {:.2} | {:+.2} | {} | {} | {:.3} / {:.3} \
         | {} | {aligned}/{} ({predicted} predicted) | {} |",
        study.alpha,
        study.hidden,
        fmt(&rates),
        tt_mean,
        tt_sd,
        stats_of(&to).0,
        stats_of(&tl).0,
        stats_of(&ts).0,
        d_mean,
        fmt(&finals),
        fmt(&final_odes),
        study.fixed_point,
        study.fixed_point_large_n,
        runs.iter()
            .map(|r| format!(
                "{}/{:.3}",
                r.outliers.last().copied().unwrap_or(0),
                r.xi_overlap.last().copied().unwrap_or(f64::NAN)
            ))
            .collect::<Vec<_>>()
            .join(", "),
        units.len(),
        if ok { "pass" } else { "fail" },
    );
    let numbers = json!({
        "alpha": study.alpha,
        "hidden": study.hidden,
        "fixed_point_equal_weights": study.fixed_point,
        "fixed_point_large_n": study.fixed_point_large_n,
        "transition_mean": tt_mean,
        "transition_sd": tt_sd,
        "train_minus_ode": d_mean,
        "train_minus_linear": lag_mean,
        "units_aligned": aligned,
        "units_predicted_aligned": predicted,
        "units": units.len(),
        "checks": { "rate": rate_ok, "transition": time_ok, "linear_fails": linear_fails,
                    "final_sigma1": final_ok, "one_mode": mode_ok, "units_aligned": aligned_ok },
        "seeds": runs.iter().map(|r| json!({
            "seed": r.seed, "rate": r.rate, "t_train": r.t_train, "t_ode": r.t_ode,
            "t_linear": r.t_linear, "t_saturating_large_n": r.t_saturating,
            "sigma1_end": r.final_train, "sigma1_end_ode": r.final_ode,
            "outliers_end": r.outliers.last(), "xi_overlap_end": r.xi_overlap.last(),
        })).collect::<Vec<_>>(),
    });
    Summary {
        line,
        checks,
        numbers,
    }
}

#[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
fn figures(
    ctx: &ValidationContext,
    set: &Setting,
    g: f64,
    studies: &[AlphaStudy],
) -> Result<Vec<String>> {
    let (id, n, t_end) = (set.id, set.n, set.t_end);
    let mut rels = Vec::new();
    // σ₁(t), seed 0 of each α: flows and linear extrapolations as lines, training as
    // markers (every few saves) in the colours of their flows
    let mut lines = Vec::new();
    let mut marks = Vec::new();
    for st in studies {
        let r = &st.runs[0];
        lines.push(Series {
            name: format!("reduced flow α = {} (N_h = {})", st.alpha, st.hidden),
            points: r
                .ode_times
                .iter()
                .copied()
                .zip(r.ode_sigma1.iter().copied())
                .collect(),
        });
    }
    for st in studies {
        let p0 = st.runs[0].proj_norm[0];
        lines.push(Series {
            name: format!("linear ‖ξ̂ᵀW(0)‖e^(gt), α = {}", st.alpha),
            points: (0..=80)
                .map(|k| 0.25 * k as f64)
                .map(|t| (t, p0 * (g * t).exp()))
                .filter(|p| p.1 < 8.0)
                .collect(),
        });
    }
    for st in studies {
        let r = &st.runs[0];
        let stride = (r.times.len() / 40).max(1);
        marks.push(Series {
            name: format!("training α = {}", st.alpha),
            points: r
                .times
                .iter()
                .copied()
                .zip(r.sigma1.iter().copied())
                .step_by(stride)
                .collect(),
        });
    }
    marks.push(Series {
        name: "threshold σ₁ = 1".into(),
        points: (0..=20).map(|k| (t_end * k as f64 / 20.0, 1.0)).collect(),
    });
    let (abs, rel) = ctx.figure_path(id)?;
    LineChart::new(format!(
        "±1 × ±1 RBM on Curie–Weiss data (N = {n}, β = 1.5): top singular value, seed 0"
    ))
    .x(Axis::linear("learning time t = N·η·updates"))
    .y(Axis::log("σ₁(W)"))
    .series(&lines)
    .markers(&marks)
    .write(&abs)?;
    rels.push(rel.display().to_string());
    // t* against α
    let curve = |f: &dyn Fn(&SeedRun) -> f64, name: &str| Series {
        name: name.into(),
        points: studies
            .iter()
            .map(|st| {
                let xs: Vec<f64> = st.runs.iter().map(f).collect();
                (st.alpha, stats_of(&xs).0)
            })
            .collect(),
    };
    let lines = vec![
        curve(&|r| opt(r.t_ode), "reduced flow (mean over seeds)"),
        curve(&|r| r.t_linear, "linear: ln(1/‖ξ̂ᵀW(0)‖)/g"),
        curve(&|r| opt(r.t_saturating), "large-N saturating closed form"),
    ];
    let marks = vec![Series {
        name: "training, each seed".into(),
        points: studies
            .iter()
            .flat_map(|st| st.runs.iter().map(move |r| (st.alpha, opt(r.t_train))))
            .collect(),
    }];
    let (abs, rel) = ctx.figure_path(&format!("{id}-tstar"))?;
    LineChart::new("Transition time (σ₁ = 1) against α = N_h/N")
        .x(Axis::log("α"))
        .y(Axis::linear("t*"))
        .series(&lines)
        .markers(&marks)
        .write(&abs)?;
    rels.push(rel.display().to_string());
    // hidden units: measured column overlap against the flow's projection
    let marks: Vec<Series> = studies
        .iter()
        .map(|st| Series {
            name: format!("α = {} (all seeds)", st.alpha),
            points: st
                .runs
                .iter()
                .flat_map(|r| r.units.iter().map(|u| (u.0, u.1)))
                .collect(),
        })
        .collect();
    let lines = vec![Series {
        name: format!("overlap {OVERLAP_MIN}"),
        points: vec![(1e-3, OVERLAP_MIN), (100.0, OVERLAP_MIN)],
    }];
    let (abs, rel) = ctx.figure_path(&format!("{id}-units"))?;
    LineChart::new(format!(
        "Hidden units at t = {t_end}: alignment with ξ against the reduced flow"
    ))
    .x(Axis::log("reduced flow √N·|p_a(t_end)| (p_a = ξ̂·W_a)"))
    .y(Axis::linear("|ξ̂·W_a| / ‖W_a‖ (training)"))
    .series(&lines)
    .markers(&marks)
    .write(&abs)?;
    rels.push(rel.display().to_string());
    // modes: |ξ̂·u₁| and number of outliers, seed 0
    let mut lines = Vec::new();
    for st in studies {
        let r = &st.runs[0];
        lines.push(Series {
            name: format!("|ξ̂·u₁|, α = {}", st.alpha),
            points: r
                .times
                .iter()
                .copied()
                .zip(r.xi_overlap.iter().copied())
                .collect(),
        });
    }
    for st in studies {
        let r = &st.runs[0];
        lines.push(Series {
            name: format!("outliers above the initial MP edge, α = {}", st.alpha),
            points: r
                .times
                .iter()
                .zip(&r.outliers)
                .map(|(&t, &o)| (t, o as f64))
                .collect(),
        });
    }
    let (abs, rel) = ctx.figure_path(&format!("{id}-modes"))?;
    LineChart::new("One learnt mode: overlap of u₁ with ξ and number of outliers (seed 0)")
        .x(Axis::log("learning time t (log)"))
        .y(Axis::linear("overlap / count"))
        .series(&lines)
        .markers(&[])
        .write(&abs)?;
    rels.push(rel.display().to_string());
    Ok(rels)
}

/// The case outcome from the three studies.
pub(super) fn outcome(
    ctx: &ValidationContext,
    set: &Setting,
    g: f64,
    studies: &[AlphaStudy],
) -> Result<CaseOutcome> {
    let summaries: Vec<Summary> = studies.iter().map(|s| summarise(s, g)).collect();
    let figures = figures(ctx, set, g, studies)?;
    let (n, t_end) = (set.n, set.t_end);
    let mean_t = |k: usize, f: &dyn Fn(&SeedRun) -> f64| {
        stats_of(&studies[k].runs.iter().map(f).collect::<Vec<_>>()).0
    };
    let last = studies.len() - 1;
    let shift = |f: &dyn Fn(&SeedRun) -> f64| mean_t(0, f) - mean_t(last, f);
    let shifts = format!(
        "t*(α = {}) − t*(α = {}): training {:.2}, reduced flow {:.2}, linear {:.2} \
         (½ln(α₂/α₁)/g = {:.2}), large-N closed form {:.2}",
        studies[0].alpha,
        studies[last].alpha,
        shift(&|r| opt(r.t_train)),
        shift(&|r| opt(r.t_ode)),
        shift(&|r| r.t_linear),
        0.5 * (studies[last].alpha / studies[0].alpha).ln() / g,
        shift(&|r| opt(r.t_saturating)),
    );
    let table = summaries
        .iter()
        .map(|s| s.line.clone())
        .collect::<Vec<_>>()
        .join("\n");
    let details = format!(
        "Each seed draws {SAMPLES} exact Curie–Weiss samples (N = {n}, β = {BETA}) and trains an \
         N × N_h RBM with ±1 visible and ±1 hidden units, zero fields (not trained), weights \
         N(0, (0.01/√N)²), by PCD-5 (100 chains), minibatch {BATCH}, learning rate η = Δt/N with \
         Δt = {DT}, to t = N·η·updates = {t_end}, f64, {SEEDS} seeds per α. W is rebuilt from \
         all saved singular triplets ({} saves per decade of updates). The reduced flow is the \
         exact finite-N rank-one dynamics (`analytic::ising_hidden`) started from each run's own \
         projections p_a(0) = ξ̂·W_a(0). g = c_N(N−1)/N = {g:.6}; rate = slope of ln‖ξ̂ᵀW‖ on \
         t ∈ [{}, {}]. Outliers: singular values above the initial MP edge σ₀(√N + √N_h) times \
         (1 + finite-size margin); the other directions decay in the linear regime (rate c_N/N, derived). A hidden unit \
         counts as aligned if |ξ̂·W_a|/‖W_a‖ > {OVERLAP_MIN}; predicted aligned if \
         |p_a(t_end)|/√(p_a(t_end)² + ‖W_a(0) − p_a(0)ξ̂‖²) > {OVERLAP_MIN} (flow projection, \
         initial transverse norm); the check requires alignment of every unit whose flow \
         projection exceeds {ALIGNED_FACTOR} × its initial transverse norm.\n\n\
         | α | N_h | rates | t* training | t* flow | t* linear | t* large-N sat. | train − flow \
         | σ₁(t_end) training | σ₁(t_end) flow | equal-weights σ₁* (N = {n} / ∞) | outliers / overlap ξ̂·u₁ \
         at t_end | units aligned | verdict |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n{table}\n\n{shifts}.",
        set.saves_per_decade, WINDOW.0, WINDOW.1
    );
    Ok(CaseOutcome {
        theory: format!(
            "rate g = {g:.4}; t* and σ₁(t_end) of the reduced rank-one flow from each run's \
             p(0); one outlier along ξ; equal-weights fixed points σ₁* = {}",
            studies
                .iter()
                .map(|s| format!("{:.3}", s.fixed_point))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        measured: shifts,
        tolerance: Tolerance::Criterion(format!(
            "per α: every seed's rate within {}% of g; |mean(t*_train − t*_flow)| ≤ sd of t*_train \
             over seeds; mean(t*_train − t*_linear) > {LINEAR_FAIL_SDS} sd; every seed's \
             σ₁(t_end) within {}% of its flow; exactly one outlier with |ξ̂·u₁| > {OVERLAP_MIN} \
             at t_end; every unit predicted aligned has overlap > {OVERLAP_MIN}",
            100.0 * RATE_TOL,
            100.0 * FINAL_TOL
        )),
        checks: summaries.iter().flat_map(|s| s.checks.clone()).collect(),
        details,
        figures: figures.into_iter().map(std::path::PathBuf::from).collect(),
        seed: Some(ctx.seed),
        numbers: json!({ "g": g, "alphas": summaries.iter().map(|s| s.numbers.clone()).collect::<Vec<_>>() }),
    })
}

/// The source shared by both sizes.
const SOURCE: &str =
    "Decelle talk (binary-binary case, α = N_h/N); theory/spectral.md (linear ODE, \
                      ±1 threshold σ₁ = 1); reduced dynamics and fixed point derived in \
                      notes/analytic-models.md";

/// The claim after the size.
macro_rules! statement_tail {
    () => {
        "N_h = αN, α ∈ {0.05, 0.1, 0.5}, zero fields) trained by PCD-5 on Curie–Weiss samples \
         (β = 1.5) learn one mode along ξ: its projection grows at c_N(N−1)/N (5 %), then every \
         hidden unit saturates (data term tanh), so the transition σ₁ = 1 comes later than the \
         exponential extrapolation and at the time of the reduced rank-one flow (within the \
         seed spread), σ₁(t_end) follows that flow (5 %), exactly one singular value leaves the \
         bulk with |ξ̂·u₁| > 0.9, and every hidden unit the flow predicts large is aligned with ±ξ"
    };
}

/// Trains every α of `set` and compares.
fn study_all(ctx: &ValidationContext, set: &Setting) -> Result<CaseOutcome> {
    let n = set.n;
    let cw = CurieWeiss::new(n, BETA)?;
    let g = cw.pair_correlation() * (n as f64 - 1.0) / n as f64;
    let mut studies = Vec::new();
    for &alpha in &ALPHAS {
        let hidden = (alpha * n as f64).round() as usize;
        let runs = (0..SEEDS)
            .map(|s| run_seed(ctx, set, hidden, s, g))
            .collect::<Result<Vec<_>>>()?;
        studies.push(AlphaStudy {
            alpha,
            hidden,
            runs,
            fixed_point: equal_weights_fixed_point(n, hidden, BETA)?,
            fixed_point_large_n: equal_weights_fixed_point_large_n(alpha, BETA)?,
        });
    }
    outcome(ctx, set, g, &studies)
}

/// The Curie–Weiss teacher learnt by ±1 × ±1 RBMs at α = 0.05, 0.1, 0.5, N = 100.
pub struct CwBinaryHiddenAlpha;

impl ValidationCase for CwBinaryHiddenAlpha {
    fn claim(&self) -> Claim {
        Claim {
            id: QUICK.id,
            source: SOURCE,
            statement: concat!("±1 × ±1 RBMs (N = 100, ", statement_tail!()),
        }
    }

    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        study_all(ctx, &QUICK)
    }
}

/// The same at N = 200 (full level).
pub struct CwBinaryHiddenAlphaFull;

impl ValidationCase for CwBinaryHiddenAlphaFull {
    fn claim(&self) -> Claim {
        Claim {
            id: FULL.id,
            source: SOURCE,
            statement: concat!("±1 × ±1 RBMs (N = 200, ", statement_tail!()),
        }
    }

    fn level(&self) -> crate::validation::Level {
        crate::validation::Level::Full
    }

    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        study_all(ctx, &FULL)
    }
}
