//! The Curie–Weiss teacher learnt by a binary-binary (±1 × ±1) RBM with $N_h = \alpha N$ hidden
//! units, α ∈ {0.05, 0.1, 0.5} (issue 5 item 3, the talk's binary-binary case), against the
//! reduced dynamics of [`crate::analytic::ising_hidden`] (derived; `notes/analytic-models.md`).

use crate::analytic::curie_weiss::CurieWeiss;
use crate::analytic::ising_hidden::{log_crossing, saturating_projection, IsingHiddenRankOne};
use crate::analytic::ode::{dopri5, Dopri5Options};
use crate::data::{Dataset, Encoding};
use crate::error::Result;
use crate::run::{
    train_or_reuse, Estimator, HiddenType, OptimiserConfig, RunOptions, SpectrumConfig, TrainConfig,
};
use crate::spectral::fit::finite_size_margin;
use crate::stats::mean_and_standard_error;
use crate::validation::ValidationContext;
use nalgebra::DMatrix;
use rand::SeedableRng;

/// One size of the comparison.
pub(super) struct Setting {
    /// Case id (figure and run names derive from it).
    pub(super) id: &'static str,
    /// Visible units N.
    pub(super) n: usize,
    /// Learning time simulated.
    pub(super) t_end: f64,
    /// Spectrum saves per decade of updates.
    pub(super) saves_per_decade: u32,
}

/// Quick: N = 100 to t = 60 (the transition is at t ≈ 7–13; σ₁ relaxes slowly for small α,
/// the saturated units' restoring force being weak; by t = 60 the flows are ordered like the
/// fixed points, σ₁ larger for smaller α, though not yet at them).
pub(super) const QUICK: Setting = Setting {
    id: "cw-binary-hidden-alpha",
    n: 100,
    t_end: 60.0,
    saves_per_decade: 60,
};
/// Full: N = 200 (N_h = 10, 20, 100), same learning time: in the variables y = √N p and t the
/// dynamics has a large-N limit (derived), so t* should move only through g and m.
pub(super) const FULL: Setting = Setting {
    id: "cw-binary-hidden-alpha-full",
    n: 200,
    t_end: 60.0,
    saves_per_decade: 30,
};
/// The talk's ratios α = N_h/N.
pub(super) const ALPHAS: [f64; 3] = [0.05, 0.1, 0.5];
/// Teacher inverse temperature (the "same teacher" as the Gaussian-hidden cases).
pub(super) const BETA: f64 = 1.5;
/// Seeds per α (the issue asks for at least 5).
pub(super) const SEEDS: u64 = 5;
/// Teacher samples; PCD-5 minibatches of 500 with 100 chains, as `cw-gaussian-pcd-training`.
pub(super) const SAMPLES: usize = 10_000;
pub(super) const BATCH: usize = 500;
/// Learning time per update $\Delta t = N\eta$; Euler bias of the rate $\approx -g\Delta t/2 =
/// -1.4\,\%$.
pub(super) const DT: f64 = 0.04;
/// Initial weight std σ₀ = 0.01/√N (the Gaussian cases' $w$ entries of std 0.01).
const WEIGHT_STD_TIMES_SQRT_N: f64 = 0.01;
/// Growth-rate window (linear regime: √N|p_a| m ≲ 0.1 there).
pub(super) const WINDOW: (f64, f64) = (0.5, 2.5);
/// The tolerances: rate and final σ₁ within 5 %; mode overlap above 0.9.
pub(super) const RATE_TOL: f64 = 0.05;
pub(super) const FINAL_TOL: f64 = 0.05;
pub(super) const OVERLAP_MIN: f64 = 0.9;
/// A hidden unit must be aligned if its flow projection exceeds this many times its initial
/// transverse norm (≈ σ₀√N; then its predicted column overlap is ≥ 1/√(1 + 1/10²) > 0.99).
pub(super) const ALIGNED_FACTOR: f64 = 10.0;
/// The linear extrapolation fails if training lags it by more than this many seed sds.
pub(super) const LINEAR_FAIL_SDS: f64 = 2.0;

fn pattern(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i % 3 == 1 { -1.0 } else { 1.0 })
        .collect()
}

/// One seed's measurements.
pub(super) struct SeedRun {
    pub(super) seed: u64,
    pub(super) times: Vec<f64>,
    pub(super) sigma1: Vec<f64>,
    pub(super) proj_norm: Vec<f64>,
    pub(super) xi_overlap: Vec<f64>,
    pub(super) outliers: Vec<usize>,
    pub(super) ode_times: Vec<f64>,
    pub(super) ode_sigma1: Vec<f64>,
    pub(super) rate: f64,
    pub(super) t_train: Option<f64>,
    pub(super) t_ode: Option<f64>,
    pub(super) t_linear: f64,
    pub(super) t_saturating: Option<f64>,
    pub(super) final_train: f64,
    pub(super) final_ode: f64,
    /// (flow |y_a(t_end)| = √N|p_a|, measured column overlap, overlap predicted from the flow
    /// and the column's initial transverse norm) per hidden unit.
    pub(super) units: Vec<(f64, f64, f64)>,
    pub(super) aligned_ok: bool,
}

/// W from the saved singular triplets (all of them are saved).
fn weights(sigma: &[f64], left: &DMatrix<f64>, right: &DMatrix<f64>) -> DMatrix<f64> {
    let k = left.ncols().min(right.ncols()).min(sigma.len());
    let mut w = DMatrix::zeros(left.nrows(), right.nrows());
    for (a, &s) in sigma.iter().enumerate().take(k) {
        w += s * left.column(a) * right.column(a).transpose();
    }
    w
}

/// Large-N closed-form transition time: Σ_a y_a(t)²/N = 1 with $y_a(t)$ from
/// [`saturating_projection`] at $m = \sqrt g$ (bisection on [0, 200]).
fn saturating_transition(p0: &[f64], g: f64, n: usize) -> Option<f64> {
    let sq = (n as f64).sqrt();
    let m = g.sqrt();
    let s2 = |t: f64| -> f64 {
        p0.iter()
            .map(|&p| saturating_projection(sq * p, m, t).powi(2))
            .sum::<f64>()
            / n as f64
    };
    let (mut lo, mut hi) = (0.0, 200.0);
    if s2(lo) >= 1.0 || s2(hi) < 1.0 {
        return None;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if s2(mid) < 1.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

#[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
pub(super) fn run_seed(
    ctx: &ValidationContext,
    set: &Setting,
    hidden: usize,
    s: u64,
    g: f64,
) -> Result<SeedRun> {
    let n = set.n;
    let xi = pattern(n);
    let sq = (n as f64).sqrt();
    let cw = CurieWeiss::new(n, BETA)?;
    let seed = ctx.seed + s;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let data = cw.sample(&xi, SAMPLES, Encoding::Ising, &mut rng)?;
    let dataset = Dataset::from_matrix("curie-weiss", data, Encoding::Ising)?;
    let steps = (set.t_end / DT).round() as usize;
    let sigma0 = WEIGHT_STD_TIMES_SQRT_N / sq;
    let toy = TrainConfig::toy_student(
        format!("file:curie-weiss-n{n}-beta{BETA}-seed{seed}").parse()?,
        HiddenType::Ising,
        hidden,
        sigma0,
        seed,
    );
    let config = TrainConfig {
        estimator: Estimator::FISSORE_PCD,
        optimiser: OptimiserConfig {
            batch_size: BATCH,
            learning_rate: DT / n as f64,
            epochs: steps.div_ceil(SAMPLES / BATCH),
            ..toy.optimiser
        },
        spectrum: SpectrumConfig {
            per_decade: set.saves_per_decade,
            vectors: hidden,
        },
        ..toy
    }
    .check()?;
    let run_dir = ctx
        .out_dir
        .join("runs")
        .join(format!("{}-nh{hidden}-{s}", set.id));
    train_or_reuse(&config, &dataset, &run_dir, &RunOptions::default())?;
    let run = crate::run::RunDir::new(&run_dir).spectrum()?;
    let edge = sigma0 * (sq + (hidden as f64).sqrt());
    let outlier_level = (1.0 + finite_size_margin(n, hidden)) * edge;
    let (mut times, mut sigma1, mut proj_norm, mut xi_overlap, mut outliers) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut first_p = Vec::new();
    let mut first_w = None;
    let mut last_w = DMatrix::zeros(n, hidden);
    for r in &run.records {
        let (left, right) = run.vectors(r.step)?;
        let w = weights(&r.singular_values, &left, &right);
        let p: Vec<f64> = (0..hidden)
            .map(|a| (0..n).map(|i| xi[i] * w[(i, a)]).sum::<f64>() / sq)
            .collect();
        if first_p.is_empty() {
            first_p = p.clone();
        }
        times.push(r.step as f64 * DT);
        sigma1.push(r.singular_values[0]);
        proj_norm.push(p.iter().map(|x| x * x).sum::<f64>().sqrt());
        xi_overlap.push((0..n).map(|i| xi[i] * left[(i, 0)]).sum::<f64>().abs() / sq);
        outliers.push(
            r.singular_values
                .iter()
                .filter(|&&v| v > outlier_level)
                .count(),
        );
        if first_w.is_none() {
            first_w = Some(w.clone());
        }
        last_w = w;
    }
    let ode_times: Vec<f64> = (0..=1000).map(|k| set.t_end * k as f64 / 1000.0).collect();
    let flow = IsingHiddenRankOne::new(n, BETA, first_p.clone())?;
    let options = Dopri5Options {
        rtol: 1e-8,
        atol: 1e-10,
        ..Dopri5Options::default()
    };
    let traj = dopri5(&flow, &ode_times, &options)?;
    let norm = |p: &[f64]| p.iter().map(|x| x * x).sum::<f64>().sqrt();
    let ode_sigma1: Vec<f64> = traj.states.iter().map(|p| norm(p)).collect();
    let window: Vec<usize> = (0..times.len())
        .filter(|&k| times[k] >= WINDOW.0 && times[k] <= WINDOW.1)
        .collect();
    let (rate, _) = crate::stats::least_squares_slope(
        &window.iter().map(|&k| times[k]).collect::<Vec<_>>(),
        &window
            .iter()
            .map(|&k| proj_norm[k].ln())
            .collect::<Vec<_>>(),
    );
    let p_end = traj.states.last().cloned().unwrap_or_default();
    let first_w = first_w.unwrap_or_else(|| DMatrix::zeros(n, hidden));
    let mut aligned_ok = true;
    let units: Vec<(f64, f64, f64)> = (0..hidden)
        .map(|a| {
            let col = last_w.column(a);
            let overlap = (0..n).map(|i| xi[i] * col[i]).sum::<f64>().abs() / (sq * col.norm());
            let pa = p_end.get(a).copied().unwrap_or(f64::NAN).abs();
            // the transverse part of the column at t = 0 (it only decays in the linear regime)
            let perp = (first_w.column(a).norm_squared() - first_p[a].powi(2))
                .max(0.0)
                .sqrt();
            // a NaN overlap (zero column) counts as not aligned
            let aligned = overlap > OVERLAP_MIN;
            if pa > ALIGNED_FACTOR * perp && !aligned {
                aligned_ok = false;
            }
            (sq * pa, overlap, pa / pa.hypot(perp))
        })
        .collect();
    Ok(SeedRun {
        seed,
        t_train: log_crossing(&times, &sigma1, 1.0),
        t_ode: log_crossing(&ode_times, &ode_sigma1, 1.0),
        t_linear: (1.0 / norm(&first_p)).ln() / g,
        t_saturating: saturating_transition(&first_p, g, n),
        final_train: sigma1.last().copied().unwrap_or(f64::NAN),
        final_ode: ode_sigma1.last().copied().unwrap_or(f64::NAN),
        times,
        sigma1,
        proj_norm,
        xi_overlap,
        outliers,
        ode_times,
        ode_sigma1,
        rate,
        units,
        aligned_ok,
    })
}

/// What one α gave.
pub(super) struct AlphaStudy {
    pub(super) alpha: f64,
    pub(super) hidden: usize,
    pub(super) runs: Vec<SeedRun>,
    pub(super) fixed_point: f64,
    pub(super) fixed_point_large_n: f64,
}

pub(super) fn stats_of(xs: &[f64]) -> (f64, f64) {
    let (mean, se) = mean_and_standard_error(xs);
    (mean, se * (xs.len() as f64).sqrt())
}

pub(super) fn opt(x: Option<f64>) -> f64 {
    x.unwrap_or(f64::NAN)
}
