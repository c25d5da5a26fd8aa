//! f32 training matches f64 training statistically (issue 7, target 6).

use crate::error::Result;
use crate::report::plots::{atomic_png, plot_error, range_of, tick_label, PALETTE};
use crate::studies::precision::{
    LikelihoodCurves, PairedComparison, PrecisionSetup, MOVEMENT_IN_SPREADS,
};
use crate::validation::{CaseOutcome, Check, Claim, Tolerance, ValidationCase, ValidationContext};
use plotters::prelude::*;
use serde_json::json;
use std::path::Path;

/// Exact log-likelihood curves of f32 and f64 PCD-5 runs of a 12×6 model, paired by seed.
pub struct F32MatchesF64;

/// Seeds S: with 32 seeds claim (a) resolves a mean f32 − f64 difference of about 0.8 seed
/// spreads and claim (b) bounds the typical difference to ≈ 2.6 × √2 spreads (t and χ²
/// quantiles with 31 degrees of freedom), in a few seconds.
const SEEDS: u64 = 32;

/// Family-wise level α of each claim over the recorded updates (Bonferroni): a correct f32 path
/// fails (a) or (b) with probability at most 1 % each.
const FAMILY_LEVEL: f64 = 0.01;

/// Learning-rate factor of the negative control (f32 at 2η against f64 at η): claim (a) must
/// reject it, or the comparison cannot see a real difference.
const CONTROL_FACTOR: f64 = 2.0;

/// A smaller perturbation (f32 at 1.1η), reported only: how fine a difference the test
/// resolves with this S. Not part of the verdict.
const RESOLUTION_FACTOR: f64 = 1.1;

impl ValidationCase for F32MatchesF64 {
    fn claim(&self) -> Claim {
        Claim {
            id: "f32-matches-f64",
            source: "issue 7 target 6; statistics in notes/precision.md (src/studies/precision/)",
            statement: "PCD-5 training of a 12×6 {0,1} RBM in f32 gives exact log-likelihood curves that agree \
                        with f64 training from the same start, batches and sampler seed: at every recorded \
                        update the mean paired difference is zero within its error and the typical \
                        difference is within √2 × the spread across seeds",
        }
    }

    #[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        let clock = std::time::Instant::now();
        let setup = PrecisionSetup::standard();
        let data = setup.teacher_data()?;
        let seeds: Vec<u64> = (0..SEEDS).map(|s| ctx.seed.wrapping_add(s)).collect();
        let eta = setup.optimiser.learning_rate;
        let (gibbs_steps, chains) = match setup.estimator {
            crate::run::Estimator::Pcd {
                gibbs_steps,
                chains,
            } => (gibbs_steps, chains),
            _ => (0, 0),
        };
        let l64 = LikelihoodCurves::train::<f64>(&setup, &data, &seeds, eta)?;
        let l32 = LikelihoodCurves::train::<f32>(&setup, &data, &seeds, eta)?;
        let control = LikelihoodCurves::train::<f32>(&setup, &data, &seeds, CONTROL_FACTOR * eta)?;
        let near = LikelihoodCurves::train::<f32>(&setup, &data, &seeds, RESOLUTION_FACTOR * eta)?;
        let c = PairedComparison::new(&l64, &l32, FAMILY_LEVEL)?;
        let cc = PairedComparison::new(&l64, &control, FAMILY_LEVEL)?;
        let cn = PairedComparison::new(&l64, &near, FAMILY_LEVEL)?;
        let seconds = clock.elapsed().as_secs_f64();
        let (ta, ta_at) = c.worst_mean();
        let (rb, rb_at) = c.worst_rms();
        let (tc, tc_at) = cc.worst_mean();
        let (tn, tn_at) = cn.worst_mean();
        let (a, b, v) = (c.mean_claim_holds(), c.rms_claim_holds(), c.not_vacuous());
        let control_rejected = !cc.mean_claim_holds();
        let (abs, rel) = ctx.figure_path("f32-matches-f64")?;
        figure(&abs, &l64, &l32, &control, &c, &cc)?;
        // (a) and (b) at every compared update, (v) once, and the control must fail (a)
        let update = |i: usize| c.steps.get(i).map_or(format!("#{i}"), |s| s.to_string());
        let mut checks: Vec<Check> = c
            .mean_t_statistic
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                Check::at_most(
                    format!("(a) |mean d|/SE at update {}", update(i)),
                    t,
                    c.t_quantile,
                )
            })
            .collect();
        checks.extend(c.rms_ratio.iter().enumerate().map(|(i, &r)| {
            Check::at_most(
                format!("(b) RMS d/(√2 s) at update {}", update(i)),
                r,
                c.rms_factor,
            )
        }));
        checks.push(Check::at_least(
            "(v) movement of the mean reference L, in spreads",
            c.movement_in_spreads,
            MOVEMENT_IN_SPREADS,
        ));
        checks.push(Check::holds(
            format!("control (f32 at {CONTROL_FACTOR}η) rejected by claim (a)"),
            control_rejected,
        ));
        debug_assert_eq!(
            crate::validation::all_pass(&checks),
            a && b && v && control_rejected
        );
        Ok(CaseOutcome {
            theory: format!(
                "(a) |mean d|/SE <= t_{{S-1}}(1-α/2T) = {:.3}; (b) RMS d/(√2 s) <= c = {:.3}; \
                 L rises by >= {MOVEMENT_IN_SPREADS} max s; f32 at {CONTROL_FACTOR}η rejected by (a)",
                c.t_quantile, c.rms_factor
            ),
            measured: format!(
                "(a) max {ta:.3} (t = {ta_at}); (b) max {rb:.3} (t = {rb_at}); L rises by {:.3} = \
                 {:.1} max s; control: max |mean d|/SE = {tc:.1} (t = {tc_at})",
                c.movement, c.movement_in_spreads
            ),
            tolerance: Tolerance::Criterion(format!(
                "family-wise level α = {FAMILY_LEVEL} per claim over T = {} updates (Bonferroni), \
                 S = {SEEDS} seeds",
                c.steps.len()
            )),
            checks,
            details: format!(
                "Teacher: random 12×6 {{0,1}} RBM (weights std {}, biases std {}, seed {}); data: {} exact \
                 samples. Student: weights N(0, {}²), zero biases; PCD-{} with {} persistent chains, batch {}, \
                 plain SGD η = {eta}, {} updates. For each of S = {SEEDS} seeds ({}..={}) the f64 and the f32 run \
                 start from the same f64 model and chains (cast), see the same minibatches (own generator) and \
                 seed their sampler alike; the f32 and f64 uniforms differ by construction, so the runs separate \
                 like two sampler seeds. Exact L (f64 enumeration of the cast model) at {} log-spaced updates \
                 (10 per decade, t ≥ 1).\n\n\
                 Statistics (fixed before the runs, `notes/precision.md`): s(t) = across-seed sd of the f64 \
                 curves, d_s(t) = L32 − L64. (a) |mean d| ≤ t_{{S−1}}(1 − α/2T)·sd(d)/√S, Student t with \
                 Bonferroni over the T times; (b) RMS d ≤ √2 s(t)·c, c² = [χ²_S(1 − α/2T)/S]/[χ²_{{S−1}}(α/2T)/(S−1)] \
                 (union bound over the two tails and the T times). Under exchangeability of the f32 and f64 runs \
                 E d = 0 and E d² ≤ 2σ² (the shared start and batches only make the runs closer).\n\n\
                 Results: claim (a) {} (largest |mean d|/SE {ta:.3} at t = {ta_at}, bound {:.3}); claim (b) {} \
                 (largest RMS d/(√2 s) {rb:.3} at t = {rb_at}, bound {:.3}); L(0) → L(end) of the mean f64 curve \
                 rises by {:.4} nats, {:.1} × the largest s(t) = {:.4} (required ≥ {MOVEMENT_IN_SPREADS}). \
                 Negative control, f32 at {CONTROL_FACTOR}η: claim (a) {} (largest |mean d|/SE {tc:.1} at \
                 t = {tc_at}). Resolution, f32 at {RESOLUTION_FACTOR}η (reported, not in the verdict): largest \
                 |mean d|/SE {tn:.2} at t = {tn_at}, claim (a) {}. Runtime {seconds:.1} s for {} runs.\n\n\
                 Figure: (1) mean ± s of L(t) for f64, f32 and the control; (2) d_s(t) of each seed against \
                 ±√2 s(t) (dashed: ±c√2 s(t)); (3) the same divided by √2 s(t); (4) |mean d|/SE against the \
                 bound of claim (a), f32 and control.",
                setup.teacher.weight_std,
                setup.teacher.bias_std,
                setup.teacher.seed,
                setup.teacher.samples,
                setup.model.weight_std,
                gibbs_steps,
                chains,
                setup.optimiser.batch_size,
                setup.updates(),
                seeds[0],
                seeds[seeds.len() - 1],
                c.steps.len(),
                holds(a),
                c.t_quantile,
                holds(b),
                c.rms_factor,
                c.movement,
                c.movement_in_spreads,
                c.spread.iter().cloned().fold(0.0, f64::max),
                if control_rejected { "rejected" } else { "NOT rejected" },
                if cn.mean_claim_holds() { "not rejected" } else { "rejected" },
                4 * seeds.len(),
            ),
            figures: vec![rel],
            seed: Some(ctx.seed),
            numbers: json!({
                "setup": setup, "seeds": seeds, "family_level": FAMILY_LEVEL,
                "learning_rate": eta, "control_learning_rate": CONTROL_FACTOR * eta,
                "claim_a_holds": a, "claim_b_holds": b, "not_vacuous": v, "control_rejected": control_rejected,
                "f32_vs_f64": c, "control_vs_f64": cc, "resolution_vs_f64": cn,
                "curves_f64": l64, "curves_f32": l32, "runtime_s": seconds,
            }),
        })
    }
}

fn holds(ok: bool) -> &'static str {
    if ok {
        "holds"
    } else {
        "FAILS"
    }
}

/// Mean and sample sd over seeds of curves at recorded index `i`.
fn mean_spread(curves: &LikelihoodCurves, i: usize) -> (f64, f64) {
    let xs = curves.at(i);
    let (m, se) = crate::stats::mean_and_standard_error(&xs);
    (m, se * (xs.len() as f64).sqrt())
}

type Chart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<
        plotters::coord::combinators::LogCoord<f64>,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// One panel: logarithmic update axis, linear y axis.
fn panel<'a, 'b>(
    path: &Path,
    area: &'a DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    x_range: &std::ops::Range<f64>,
    title: &str,
    y_label: &str,
    y: (f64, f64),
) -> Result<Chart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range.clone().log_scale(), y.0..y.1)
        .map_err(|e| plot_error(path, e))?;
    chart
        .configure_mesh()
        .x_desc("update t")
        .y_desc(y_label)
        .x_label_formatter(&|v| tick_label(*v))
        .y_label_formatter(&|v| tick_label(if v.abs() < 1e-12 { 0.0 } else { *v }))
        .draw()
        .map_err(|e| plot_error(path, e))?;
    Ok(chart)
}

/// The legend of a panel.
fn legend<'a, 'b: 'a>(
    path: &Path,
    chart: &mut Chart<'a, 'b>,
    position: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(position)
        .draw()
        .map_err(|e| plot_error(path, e))
}

/// The four panels described in the case's details.
#[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
fn figure(
    path: &Path,
    l64: &LikelihoodCurves,
    l32: &LikelihoodCurves,
    control: &LikelihoodCurves,
    c: &PairedComparison,
    cc: &PairedComparison,
) -> Result<()> {
    let steps: Vec<f64> = c.steps.iter().map(|&t| t as f64).collect();
    let offset = l64.steps.len() - c.steps.len(); // index of the first compared update
    let x_range = (steps[0] / 1.2)..(steps[steps.len() - 1] * 1.2);
    atomic_png(path, |tmp| {
        let root = BitMapBackend::new(tmp, (1400, 1000)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
        let root = root
            .titled(
                "f32 vs f64 PCD-5 training, 12x6 RBM: exact log-likelihood, paired by seed",
                ("sans-serif", 24),
            )
            .map_err(|e| plot_error(path, e))?;
        let areas = root.split_evenly((2, 2));
        // (1) L(t): mean ± s
        // f64 drawn wide under f32: where they agree, f32 runs inside the f64 line
        let bands: Vec<(&str, &LikelihoodCurves, RGBColor, u32)> = vec![
            ("f64", l64, PALETTE[0], 6),
            ("f32", l32, PALETTE[1], 2),
            ("f32 at 2η (control)", control, PALETTE[2], 2),
        ];
        let ms: Vec<Vec<(f64, f64)>> = bands
            .iter()
            .map(|(_, cu, _, _)| {
                (offset..cu.steps.len())
                    .map(|i| mean_spread(cu, i))
                    .collect()
            })
            .collect();
        let y = range_of(
            ms.iter().flatten().flat_map(|&(m, s)| [m - s, m + s]),
            false,
        );
        let mut ch = panel(
            path,
            &areas[0],
            &x_range,
            "L(t): mean ± spread s over seeds",
            "L (nats/sample)",
            y,
        )?;
        for ((name, _, color, width), m) in bands.iter().zip(&ms) {
            let (color, width) = (*color, *width);
            let lo: Vec<(f64, f64)> = steps
                .iter()
                .zip(m)
                .map(|(&t, &(a, s))| (t, a - s))
                .collect();
            let hi: Vec<(f64, f64)> = steps
                .iter()
                .zip(m)
                .map(|(&t, &(a, s))| (t, a + s))
                .collect();
            let mut poly = lo.clone();
            poly.extend(hi.iter().rev());
            ch.draw_series(std::iter::once(Polygon::new(poly, color.mix(0.2).filled())))
                .map_err(|e| plot_error(path, e))?;
            let mean: Vec<(f64, f64)> = steps.iter().zip(m).map(|(&t, &(a, _))| (t, a)).collect();
            ch.draw_series(LineSeries::new(mean, color.stroke_width(width)))
                .map_err(|e| plot_error(path, e))?
                .label(*name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
                });
        }
        legend(path, &mut ch, SeriesLabelPosition::LowerRight)?;
        // (2) d_s(t) against ±√2 s(t), and (3) normalised
        let r2 = std::f64::consts::SQRT_2;
        for (k, normalise) in [(1usize, false), (2, true)] {
            let scale = |i: usize| if normalise { r2 * c.spread[i] } else { 1.0 };
            let per_seed: Vec<Vec<(f64, f64)>> = (0..l64.seeds.len())
                .map(|s| {
                    (0..steps.len())
                        .map(|i| {
                            let d = l32.log_likelihood[s][offset + i]
                                - l64.log_likelihood[s][offset + i];
                            (steps[i], d / scale(i))
                        })
                        .collect()
                })
                .collect();
            let bound = |i: usize, f: f64| f * r2 * c.spread[i] / scale(i);
            let y = range_of(
                per_seed.iter().flatten().map(|p| p.1).chain(
                    (0..steps.len())
                        .flat_map(|i| [bound(i, c.rms_factor), -bound(i, c.rms_factor)]),
                ),
                false,
            );
            let (title, y_label) = if normalise {
                ("d_s(t) / (√2 s(t)), each seed", "d / (√2 s)")
            } else {
                (
                    "d_s(t) = L32 − L64, each seed, against ±√2 s(t)",
                    "d (nats/sample)",
                )
            };
            let mut ch = panel(path, &areas[k], &x_range, title, y_label, y)?;
            for pts in &per_seed {
                ch.draw_series(LineSeries::new(
                    pts.clone(),
                    RGBColor(120, 120, 120).mix(0.5),
                ))
                .map_err(|e| plot_error(path, e))?;
            }
            let mean: Vec<(f64, f64)> = (0..steps.len())
                .map(|i| (steps[i], c.mean_difference[i] / scale(i)))
                .collect();
            ch.draw_series(LineSeries::new(mean, BLACK.stroke_width(3)))
                .map_err(|e| plot_error(path, e))?
                .label("mean over seeds")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(3))
                });
            for (f, name, dashed) in [
                (1.0, "±√2 s(t)", false),
                (c.rms_factor, "±c·√2 s(t), claim (b)", true),
            ] {
                let color = if dashed { PALETTE[3] } else { PALETTE[1] };
                for sign in [1.0, -1.0] {
                    let pts: Vec<(f64, f64)> = (0..steps.len())
                        .map(|i| (steps[i], sign * bound(i, f)))
                        .collect();
                    let style = color.stroke_width(2);
                    let series = if dashed {
                        ch.draw_series(DashedLineSeries::new(pts, 8, 6, style))
                            .map_err(|e| plot_error(path, e))?
                    } else {
                        ch.draw_series(LineSeries::new(pts, style))
                            .map_err(|e| plot_error(path, e))?
                    };
                    if sign > 0.0 {
                        series.label(name).legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                        });
                    }
                }
            }
            legend(path, &mut ch, SeriesLabelPosition::UpperLeft)?;
        }
        // (4) |mean d| / SE against the bound of claim (a)
        let y_max = cc
            .mean_t_statistic
            .iter()
            .chain(&c.mean_t_statistic)
            .cloned()
            .filter(|x| x.is_finite())
            .fold(c.t_quantile, f64::max);
        let mut ch = ChartBuilder::on(&areas[3])
            .caption("claim (a): |mean d| / SE", ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x_range.clone().log_scale(), (0.01..y_max * 1.5).log_scale())
            .map_err(|e| plot_error(path, e))?;
        ch.configure_mesh()
            .x_desc("update t")
            .y_desc("|mean d| / (sd(d)/√S)")
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&|v| tick_label(*v))
            .draw()
            .map_err(|e| plot_error(path, e))?;
        for (name, cmp, color) in [
            ("f32 vs f64", c, PALETTE[1]),
            ("f32 at 2η vs f64 (control)", cc, PALETTE[2]),
        ] {
            let pts: Vec<(f64, f64)> = steps
                .iter()
                .zip(&cmp.mean_t_statistic)
                .map(|(&t, &x)| (t, x.max(0.011)))
                .collect();
            ch.draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(|e| plot_error(path, e))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            ch.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| plot_error(path, e))?;
        }
        let q = c.t_quantile;
        ch.draw_series(DashedLineSeries::new(
            vec![(steps[0], q), (steps[steps.len() - 1], q)],
            8,
            6,
            BLACK.stroke_width(2),
        ))
        .map_err(|e| plot_error(path, e))?
        .label(format!("bound t_(S-1)(1-α/2T) = {q:.2}"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        ch.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(|e| plot_error(path, e))?;
        root.present().map_err(|e| plot_error(path, e))
    })
}
