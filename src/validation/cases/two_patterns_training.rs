//! Two hidden units (Gaussian, and ±1) trained on the two-correlated-pattern teacher: growth
//! rates along $\hat\eta^1$, $\hat\eta^2$ and the two successive transitions, against the linear
//! regime and the reduced exact gradient flow (`theory/two-correlated-patterns.md`, issue 5
//! item 4; derivation in `notes/analytic-models.md`, last section).

use crate::analytic::ode::{dopri5, Dopri5Options};
use crate::analytic::two_patterns::{growth_rates, TwoPatternTeacher};
use crate::analytic::two_patterns_student::{
    finite_size_rates, linear_transition_time, projections, StudentHidden, TwoPatternStudent,
};
use crate::data::{Dataset, Encoding};
use crate::error::Result;
use crate::report::chart::{Axis, LineChart, Series};
use crate::run::{
    train_on, Estimator, HiddenType, OptimiserConfig, RunOptions, SpectrumConfig, TrainConfig,
};
use crate::stats::{least_squares_slope, mean_and_standard_error};
use crate::validation::check::{labelled, Check};
use crate::validation::{CaseOutcome, Claim, Tolerance, ValidationCase, ValidationContext};
use nalgebra::DMatrix;
use rand::SeedableRng;
use serde_json::json;

/// Teacher inverse temperature (T = 0.4 < T₂ = 0.5: both directions are learnt) and overlap.
const BETA: f64 = 2.5;
const KAPPA: f64 = 0.5;
/// Seeds per hidden-unit kind (the issue asks for at least 5).
const SEEDS: u64 = 5;
/// Issue 5 item 3's tolerance on growth rates. Expected deviations: the Euler bias
/// $-g\Delta t/2$ (−1.5 % for η¹, −0.2 % for η²) and the sampling error of
/// $\langle M_2^2\rangle$ from 10⁴ teacher samples (≈ 1.6 % for η², one sd).
const RATE_TOL: f64 = 0.05;
/// $\|U^k\|$ at which the student orders along $\hat\eta^k$ ($q = 1$ for Gaussian hidden units,
/// top singular value 1 for ±1 hidden units).
const THRESHOLD: f64 = 1.0;
/// Rate windows start at `WINDOW_START` (after the transverse transient).
const WINDOW_START: f64 = 0.5;
/// Gaussian hidden units: the window ends when $\|U^1\|$ first reaches `WINDOW_END_U1`. Both
/// directions are still linear there: the data term $E[x\,E[\tau|x]]$ is exactly linear for
/// Gaussian hidden units, and the model's correction to the rates is $O(\|U^1\|^2)$ relative
/// to data terms $\langle x_k^2\rangle - 1 \gg 1$.
const WINDOW_END_U1: f64 = 0.3;
/// ±1 hidden units: the window ends when the hidden-field scale
/// $\|U^1\|\sqrt{\langle x_1^2\rangle}$ reaches `FIELD_WINDOW`, because their data term
/// $E[x_1\tanh(U x_1)]$ is linear only while that is small (tanh(0.2)/0.2 − 1 = −1.3 %).
/// **Changed after the first run** (notes/analytic-models.md): the first run judged ±1 units
/// on the Gaussian window above, which reaches fields ≈ 0.6 at N = 100, where tanh is no
/// longer linear, and failed; those rates are still reported (`*_rates_gaussian_window`).
const FIELD_WINDOW: f64 = 0.2;
/// Initial weights: $w$ entries $\mathcal N(0, 0.01^2)$, $W = w/\sqrt N$.
const W_STD: f64 = 0.01;

/// One training setting.
struct Setting {
    hidden: StudentHidden,
    n: usize,
    /// The exact gradient, or PCD-5 with its chains.
    estimator: Estimator,
    /// Teacher samples before the symmetrisation (×4, see `symmetrised`).
    samples: usize,
    batch: usize,
    /// Learning time per update $\Delta t = N\eta$.
    dt: f64,
    t_end: f64,
}

impl Setting {
    fn label(&self) -> &'static str {
        match self.hidden {
            StudentHidden::Gaussian => "Gaussian",
            StudentHidden::Ising => "±1",
        }
    }
}

/// ±1 hidden units: the exact gradient (4 hidden configurations enumerated) at N = 100; the
/// quick variant stops at t = 40 (after the first transition; the flow has no second one).
const ISING_QUICK: Setting = Setting {
    t_end: 40.0,
    ..ISING
};
/// ±1 hidden units of the full variant, to t = 150.
const ISING: Setting = Setting {
    hidden: StudentHidden::Ising,
    n: 100,
    estimator: Estimator::Exact,
    samples: 10_000,
    batch: 1_000,
    dt: 0.04,
    t_end: 150.0,
};
/// Gaussian hidden units: PCD-5 with 1000 chains at N = 100 (the exact estimator would
/// enumerate 2^N visible states).
const GAUSSIAN: Setting = Setting {
    hidden: StudentHidden::Gaussian,
    n: 100,
    estimator: Estimator::Pcd {
        gibbs_steps: 5,
        chains: 1_000,
    },
    samples: 10_000,
    batch: 1_000,
    dt: 0.04,
    t_end: 150.0,
};

/// The teacher's samples and their images under the teacher's symmetries $s \mapsto
/// (\pm s^{(1)}, \pm s^{(2)})$ (flip of either block). Each image is an exact teacher sample;
/// the set has no odd moments across blocks, e.g. $\langle x_1x_2\rangle = 0$ exactly, which
/// the population has and which a plain sample has only up to $O(M^{-1/2})$. That sampling
/// error would feed the fast η¹ growth into the slow η² direction.
fn symmetrised(x: &DMatrix<f64>, n1: usize) -> DMatrix<f64> {
    let m = x.nrows();
    DMatrix::from_fn(4 * m, x.ncols(), |r, c| {
        let (copy, row) = (r / m, r % m);
        let flip = if c < n1 { copy & 1 == 1 } else { copy & 2 == 2 };
        if flip {
            -x[(row, c)]
        } else {
            x[(row, c)]
        }
    })
}

/// First time $u(t)$ reaches $1$, interpolating $\ln u$ linearly between samples.
fn crossing(times: &[f64], u: &[f64]) -> Option<f64> {
    (1..times.len()).find_map(|k| {
        (u[k - 1] < THRESHOLD && u[k] >= THRESHOLD).then(|| {
            let (a, b) = (u[k - 1].ln(), u[k].ln());
            times[k - 1] + (times[k] - times[k - 1]) * (THRESHOLD.ln() - a) / (b - a)
        })
    })
}

/// Slope of $\ln u$ from `WINDOW_START` until `u1` first reaches `end_u1`.
fn window_rate(times: &[f64], u1: &[f64], u: &[f64], end_u1: f64) -> f64 {
    let end = times
        .iter()
        .zip(u1)
        .find(|(_, &v)| v >= end_u1)
        .map_or(f64::INFINITY, |p| *p.0);
    let idx: Vec<usize> = (0..times.len())
        .filter(|&k| times[k] >= WINDOW_START && times[k] <= end)
        .collect();
    least_squares_slope(
        &idx.iter().map(|&k| times[k]).collect::<Vec<_>>(),
        &idx.iter().map(|&k| u[k].ln()).collect::<Vec<_>>(),
    )
    .0
}

/// What one hidden-unit kind gave.
struct Study {
    rows: Vec<serde_json::Value>,
    series: Vec<Series>,
    markers: Vec<Series>,
    summary: String,
    checks: Vec<Check>,
}

fn norms(u: &[f64]) -> (f64, f64) {
    (u[0].hypot(u[1]), u[2].hypot(u[3]))
}

#[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
fn study(ctx: &ValidationContext, set: &Setting, tag: &str) -> Result<Study> {
    let n = set.n;
    let (n1, n2) = (3 * n / 4, n / 4);
    // fixed patterns (the teacher is gauge-invariant; any ±1 patterns give the same law)
    let eta1: Vec<f64> = (0..n1)
        .map(|i| if i % 3 == 1 { -1.0 } else { 1.0 })
        .collect();
    let eta2: Vec<f64> = (0..n2)
        .map(|i| if i % 2 == 1 { -1.0 } else { 1.0 })
        .collect();
    let teacher = TwoPatternTeacher::new(BETA, KAPPA, eta1, eta2)?;
    let (g1, g2) = finite_size_rates(&teacher);
    // ⟨x₁²⟩ = 1 + N g₁ (data); the field window ends at ‖U¹‖ = 0.2/√⟨x₁²⟩
    let field_end = FIELD_WINDOW / (1.0 + n as f64 * g1).sqrt();
    // the judged window for this hidden-unit kind (see the constants)
    let judged_end = match set.hidden {
        StudentHidden::Gaussian => WINDOW_END_U1,
        StudentHidden::Ising => field_end,
    };
    let eta = set.dt / n as f64;
    let steps = (set.t_end / set.dt).round() as usize;
    let per_epoch = (4 * set.samples / set.batch).max(1);
    let epochs = steps.div_ceil(per_epoch);
    let hidden_type = match set.hidden {
        StudentHidden::Gaussian => HiddenType::Gaussian,
        StudentHidden::Ising => HiddenType::Ising,
    };
    let (mut rows, mut series, mut markers) = (Vec::new(), Vec::new(), Vec::new());
    for s in 0..SEEDS {
        let seed = ctx.seed + s;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let x = teacher.sample(set.samples, Encoding::Ising, &mut rng)?;
        let dataset = Dataset::from_matrix("two-patterns", symmetrised(&x, n1), Encoding::Ising)?;
        let toy = TrainConfig::toy_student(
            format!("file:two-patterns-n{n}-beta{BETA}-kappa{KAPPA}-seed{seed}").parse()?,
            hidden_type,
            2,
            W_STD / (n as f64).sqrt(),
            seed,
        );
        let config = TrainConfig {
            estimator: set.estimator,
            optimiser: OptimiserConfig {
                batch_size: set.batch,
                learning_rate: eta,
                epochs,
                ..toy.optimiser
            },
            spectrum: SpectrumConfig {
                per_decade: 100,
                vectors: 2,
            },
            ..toy
        }
        .check()?;
        let run_dir = ctx.out_dir.join("runs").join(format!("{tag}-{s}"));
        train_on(&config, &dataset, &run_dir, &RunOptions::default())?;
        // ‖η̂ᵏᵀW‖ = ‖η̂ᵏᵀ L Σ‖ from the saved singular values and left vectors
        let run = crate::run::RunDir::new(&run_dir).spectrum()?;
        let (mut t, mut u1, mut u2) = (Vec::new(), Vec::new(), Vec::new());
        let mut w0 = None;
        for r in &run.records {
            let (left, right) = run.vectors(r.step)?;
            let k = left.ncols().min(r.singular_values.len());
            let sigma =
                DMatrix::from_fn(k, k, |a, b| if a == b { r.singular_values[a] } else { 0.0 });
            let w = left.columns(0, k) * sigma * right.columns(0, k).transpose();
            let (a, b) = norms(&projections(&teacher, &w)?);
            t.push(r.step as f64 * set.dt);
            u1.push(a);
            u2.push(b);
            if r.step == 0 {
                w0 = Some(w);
            }
        }
        let w0 = w0.ok_or_else(|| {
            crate::error::Error::format(&run_dir, "no spectrum record at step 0".to_string())
        })?;
        // the reduced exact flow from the run's own projections
        let p0 = projections(&teacher, &w0)?;
        let flow = TwoPatternStudent::new(&teacher, set.hidden, p0)?;
        let times: Vec<f64> = (0..=1000).map(|k| set.t_end * k as f64 / 1000.0).collect();
        let traj = dopri5(
            &flow,
            &times,
            &Dopri5Options {
                rtol: 1e-9,
                atol: 1e-14,
                ..Dopri5Options::default()
            },
        )?;
        let (f1, f2): (Vec<f64>, Vec<f64>) = traj.states.iter().map(|y| norms(y)).unzip();
        let (n10, n20) = norms(&p0);
        let row = json!({
            "seed": seed,
            "u0": [n10, n20],
            "window_end_u1": judged_end,
            "train_rates": [
                window_rate(&t, &u1, &u1, judged_end),
                window_rate(&t, &u1, &u2, judged_end)
            ],
            "flow_rates": [
                window_rate(&times, &f1, &f1, judged_end),
                window_rate(&times, &f1, &f2, judged_end)
            ],
            // reported, not judged: the Gaussian window (until ‖U¹‖ = 0.3), which the first
            // run also used for ±1 hidden units (notes)
            "train_rates_gaussian_window": [
                window_rate(&t, &u1, &u1, WINDOW_END_U1),
                window_rate(&t, &u1, &u2, WINDOW_END_U1)
            ],
            "flow_rates_gaussian_window": [
                window_rate(&times, &f1, &f1, WINDOW_END_U1),
                window_rate(&times, &f1, &f2, WINDOW_END_U1)
            ],
            "train_transitions": [crossing(&t, &u1), crossing(&t, &u2)],
            "flow_transitions": [crossing(&times, &f1), crossing(&times, &f2)],
            "linear_transitions": [linear_transition_time(n10, g1), linear_transition_time(n20, g2)],
            "train_final": [u1.last(), u2.last()],
            "flow_final": [f1.last(), f2.last()],
        });
        rows.push(row);
        if s < 3 {
            for (k, u) in [&u1, &u2].into_iter().enumerate() {
                series.push(Series {
                    name: format!("training, seed {s}, η̂{}", ["¹", "²"][k]),
                    points: t.iter().copied().zip(u.iter().copied()).collect(),
                });
            }
            for (k, f) in [&f1, &f2].into_iter().enumerate() {
                markers.push(Series {
                    name: format!("flow, seed {s}, η̂{}", ["¹", "²"][k]),
                    points: times
                        .iter()
                        .copied()
                        .zip(f.iter().copied())
                        .step_by(40)
                        .collect(),
                });
            }
        }
    }
    // every seed: rates within RATE_TOL of g₁, g₂; per direction, a transition before t_end
    // in training exactly where the flow has one, and the mean of (training − flow)
    // transition times within one sd of the training times across seeds; η¹ first
    let pair = |key: &str, k: usize| -> Vec<f64> {
        rows.iter()
            .map(|r| r[key][k].as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    let mut checks = Vec::new();
    let mut text = Vec::new();
    for (k, g) in [g1, g2].into_iter().enumerate() {
        let dir = ["η̂¹", "η̂²"][k];
        let rates = pair("train_rates", k);
        let fmt = |v: &[f64]| {
            v.iter()
                .map(|r| format!("{r:.4}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let extra = format!(
            "flow in the same window {}; to ‖U¹‖ = {WINDOW_END_U1}: training {}, flow {}",
            fmt(&pair("flow_rates", k)),
            fmt(&pair("train_rates_gaussian_window", k)),
            fmt(&pair("flow_rates_gaussian_window", k))
        );
        let rate_ok = rates.iter().all(|r| (r / g - 1.0).abs() < RATE_TOL);
        for (seed, &r) in rates.iter().enumerate() {
            checks.push(Check::relative(
                format!("{dir} rate, seed {seed}"),
                r,
                g,
                RATE_TOL,
            ));
        }
        let (tt, tf, tl) = (
            pair("train_transitions", k),
            pair("flow_transitions", k),
            pair("linear_transitions", k),
        );
        let finite: Vec<f64> = tt.iter().copied().filter(|x| x.is_finite()).collect();
        let (tt_mean, tt_se) = mean_and_standard_error(&finite);
        let sd = tt_se * (finite.len() as f64).sqrt();
        let both = |other: &[f64]| -> Vec<f64> {
            tt.iter()
                .zip(other)
                .map(|(a, b)| a - b)
                .filter(|d| d.is_finite())
                .collect()
        };
        let (d_flow, d_lin) = (both(&tf), both(&tl));
        let (df, _) = mean_and_standard_error(&d_flow);
        let (dl, _) = mean_and_standard_error(&d_lin);
        // the flow decides whether a transition happens before t_end; training must agree
        // in every seed, and where both happen the mean difference must be within one sd
        let agree = tt
            .iter()
            .zip(&tf)
            .all(|(a, b)| a.is_finite() == b.is_finite());
        let any = tf.iter().any(|b| b.is_finite());
        let time_ok = agree && (!any || (df.is_finite() && df.abs() <= sd));
        checks.push(Check::holds(
            format!("{dir}: a transition in training exactly where the flow has one"),
            agree,
        ));
        if any {
            checks.push(Check::at_most(
                format!("{dir}: |mean transition time training − flow| (sd of training times)"),
                df.abs(),
                sd,
            ));
        }
        let times = if finite.is_empty() {
            "no transition".to_string()
        } else {
            format!(
                "time {tt_mean:.2} ± {sd:.2}, training − flow {df:+.3}{}, training − linear \
                 estimate {dl:+.3}",
                if time_ok { "" } else { " FAIL" }
            )
        };
        text.push(format!(
            "η̂{}: rates {} (g = {g:.4}){} [{extra}]; transitions before t = {}: training \
             {}/{SEEDS}, flow {}/{SEEDS}{}; {times}",
            ["¹", "²"][k],
            fmt(&rates),
            if rate_ok { "" } else { " FAIL" },
            set.t_end,
            tt.iter().filter(|x| x.is_finite()).count(),
            tf.iter().filter(|x| x.is_finite()).count(),
            if agree { "" } else { " FAIL" },
        ));
    }
    let (t1, t2) = (pair("train_transitions", 0), pair("train_transitions", 1));
    // η¹ orders first: wherever η² orders, η¹ has already done so
    let order_ok = t1.iter().zip(&t2).all(|(a, b)| !b.is_finite() || a < b);
    checks.push(Check::holds("η¹ orders before η² in every seed", order_ok));
    Ok(Study {
        rows,
        series,
        markers,
        summary: format!(
            "{} hidden (N = {n}, {}): {}; η¹ before η² in every seed: {order_ok}",
            set.label(),
            set.estimator.kind(),
            text.join("; ")
        ),
        checks: labelled(
            format!("{} hidden, {}", set.label(), set.estimator.kind()),
            checks,
        ),
    })
}

/// The outcome of the comparison over `settings` (one study and figure each).
fn outcome(
    ctx: &ValidationContext,
    id: &str,
    settings: &[(&Setting, &str)],
) -> Result<CaseOutcome> {
    let (g1, g2) = growth_rates(BETA, KAPPA)?;
    let mut studies = Vec::new();
    let mut figures = Vec::new();
    let mut numbers = serde_json::Map::new();
    for &(set, tag) in settings {
        let fig = format!("{id}-{tag}");
        let s = study(ctx, set, &fig)?;
        let (abs, rel) = ctx.figure_path(&fig)?;
        LineChart::new(format!(
            "2 {} hidden units, two patterns (N = {}, β = {BETA}, κ = {KAPPA}, {}): training \
                 (lines) vs flow (▲)",
            set.label(),
            set.n,
            set.estimator.kind()
        ))
        .x(Axis::linear("learning time t = N·η·updates"))
        .y(Axis::log(
            "‖η̂_k·W‖ over both hidden units (W = w/√N; orders at 1)",
        ))
        .series(&s.series)
        .markers(&s.markers)
        .write(&abs)?;
        figures.push(rel);
        numbers.insert(tag.to_string(), json!(s.rows));
        studies.push((set, s));
    }
    let n = settings.first().map_or(100, |s| s.0.n);
    let teacher = TwoPatternTeacher::new(BETA, KAPPA, vec![1.0; 3 * n / 4], vec![1.0; n / 4])?;
    let (e1, e2) = finite_size_rates(&teacher);
    numbers.insert("rates_finite_n".into(), json!([e1, e2]));
    numbers.insert("rates_large_n".into(), json!([g1, g2]));
    let runs = studies
        .iter()
        .map(|(set, _)| {
            format!(
                "{} hidden units by {} (to t = {})",
                set.label(),
                if matches!(set.estimator, Estimator::Pcd { .. }) {
                    "PCD-5 with 1000 chains"
                } else {
                    "the exact gradient (4 hidden configurations)"
                },
                set.t_end
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Ok(CaseOutcome {
        theory: format!(
            "finite-N rates g₁ = {e1:.4}, g₂ = {e2:.4} at N = {n} (N → ∞: {g1:.4}, {g2:.4}); \
             transition times of the reduced exact flow from each run's W(0)"
        ),
        measured: studies
            .iter()
            .map(|(_, s)| s.summary.clone())
            .collect::<Vec<_>>()
            .join(". "),
        tolerance: Tolerance::Criterion(format!(
            "every seed: both rates within {}% of g₁, g₂ (slope of ln‖η̂ᵏᵀW‖ from t = \
             {WINDOW_START} until ‖η̂¹ᵀW‖ = {WINDOW_END_U1} for Gaussian hidden units, until the \
             hidden field ‖η̂¹ᵀW‖√⟨x₁²⟩ = {FIELD_WINDOW} for ±1 ones); per direction, a transition \
             (‖η̂ᵏᵀW‖ = 1) before the end in training exactly where the flow has one, mean \
             transition-time difference training − flow within one sd across seeds; η¹ first",
            100.0 * RATE_TOL
        )),
        checks: studies.iter().flat_map(|(_, s)| s.checks.clone()).collect(),
        details: format!(
            "Each seed draws {} exact teacher samples (two Curie–Weiss blocks, N₁ = {}, N₂ = \
             {}) and adds their images under the teacher's block flips (×4, so that the data \
             have no cross-block odd moments, as the population). RBM N×2, ±1 visible, zero \
             fields not trained, W = w/√N with w entries N(0, 0.01²), learning rate η = Δt/N, \
             Δt = 0.04, minibatch 1000; {runs}. W is rebuilt from the run's spectrum records \
             (both singular triplets, 100 per decade). The reference is the reduced exact \
             gradient flow on W = η̂¹U¹ᵀ + η̂²U²ᵀ (a sum over the (N₁+1)(N₂+1) block overlaps, \
             population data term), from the projections of each run's W(0); the linear \
             estimate is ln(1/‖Uᵏ(0)‖)/gₖ. Triangles: the flow from the same W(0) as the line \
             of the same colour. For ±1 hidden units the rate window was shortened after the first run \
             to where their data term is linear (notes/analytic-models.md); the rates to \
             ‖U¹‖ = 0.3 are still reported in brackets.",
            ISING.samples,
            3 * n / 4,
            n / 4
        ),
        figures,
        seed: Some(ctx.seed),
        numbers: serde_json::Value::Object(numbers),
    })
}

/// ±1 hidden units by the exact gradient to t = 40 (quick).
pub struct TwoPatternsTraining;

impl ValidationCase for TwoPatternsTraining {
    fn claim(&self) -> Claim {
        Claim {
            id: "two-patterns-training",
            source: "theory/two-correlated-patterns.md (student, growth rates; issue 5 item 4); \
                     Decelle talk; reference flow derived in notes/analytic-models.md",
            statement: "an RBM with ±1 visible units and 2 ±1 hidden units trained by the exact \
                        gradient on exact two-pattern samples (N = 100, β = 2.5, κ = 0.5) grows \
                        along η̂¹ and η̂² at the finite-N linear rates (within 5 %) and orders \
                        along η̂¹ at the time of the reduced exact gradient flow started from its \
                        own W(0) (within the spread across 5 seeds); like the flow, it does not \
                        order along η̂² by t = 40",
        }
    }

    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        outcome(ctx, "two-patterns-training", &[(&ISING_QUICK, "ising")])
    }
}

/// Gaussian (PCD) and ±1 (exact gradient) hidden units to t = 150 (full).
pub struct TwoPatternsTrainingFull;

impl ValidationCase for TwoPatternsTrainingFull {
    fn claim(&self) -> Claim {
        Claim {
            id: "two-patterns-training-full",
            source: "theory/two-correlated-patterns.md (student, growth rates; issue 5 item 4); \
                     Decelle talk; reference flow derived in notes/analytic-models.md",
            statement:
                "an RBM with ±1 visible units and 2 hidden units (Gaussian, PCD-5; ±1, exact \
                        gradient) trained on exact two-pattern samples (N = 100, β = 2.5, κ = 0.5) \
                        grows along η̂¹ and η̂² at the finite-N linear rates (within 5 %) and \
                        orders along η̂¹, then (where the flow does) along η̂², at the times of the \
                        reduced exact gradient flow started from its own W(0) (within the spread \
                        across 5 seeds), to t = 150",
        }
    }

    fn level(&self) -> crate::validation::Level {
        crate::validation::Level::Full
    }

    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        outcome(
            ctx,
            "two-patterns-training-full",
            &[(&GAUSSIAN, "gaussian"), (&ISING, "ising")],
        )
    }
}
