//! Equilibrium measurements along the top mode (`src/scaling/equilibrium.rs`, `observer.rs`)
//! against brute force, exact toy references and a closed form; the observer in a short training.

// Tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![allow(clippy::float_cmp)]

use nalgebra::{DMatrix, DVector};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rbmdyn::analytic::curie_weiss::CurieWeiss;
use rbmdyn::analytic::cw_scaling::kernel::GibbsKernelOnM;
use rbmdyn::analytic::cw_scaling::OverlapMoments;
use rbmdyn::data::{Dataset, Encoding};
use rbmdyn::rbm::Rbm;
use rbmdyn::run::{
    train_on, EquilibriumConfig, Estimator, HiddenType, OptimiserConfig, RunDir, RunOptions,
    SpectrumConfig, TrainConfig,
};
use rbmdyn::scaling::observer::equilibrium_csv;
use rbmdyn::scaling::{
    exact_equilibrium, measure_equilibrium, measure_or_enumerate, read_equilibrium_csv,
    EquilibriumRecord, EquilibriumSettings, TopMode,
};
use rbmdyn::training::Cadence;
use rbmdyn::units::{Binary, Gaussian, Ising, UnitKind};

/// Exact sums over 2^(Nv+Nh) states in f64: only round-off remains.
const ENUMERATION_TOL: f64 = 1e-12;
/// Statistical comparisons: within 4 standard errors (STYLE R8).
const STANDARD_ERRORS: f64 = 4.0;
/// The jackknife SE must be a useful error bar: below 5 % of the value with the default
/// 16 chains × ≥ 2000 sweeps on these fast-mixing models.
const MAX_RELATIVE_SE: f64 = 0.05;

/// A 10 × 3 model with a clear top mode $\sigma\,\xi\eta^\top/\sqrt{N_v}$ plus small noise and
/// nonzero biases; `scale` multiplies W (4 for {0,1} units, whose gain is (σ/4)²).
fn model<V: UnitKind, H: UnitKind>(v: V, h: H, scale: f64, seed: u64) -> Rbm<V, H> {
    let (nv, nh) = (10, 3);
    let mut rng = StdRng::seed_from_u64(seed);
    let xi: Vec<f64> = (0..nv)
        .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
        .collect();
    let eta: Vec<f64> = (0..nh)
        .map(|_| rng.sample::<f64, _>(StandardNormal))
        .collect();
    let eta_norm = eta.iter().map(|x| x * x).sum::<f64>().sqrt();
    let w = DMatrix::from_fn(nv, nh, |i, j| {
        scale * (1.1 * xi[i] * eta[j] / eta_norm + 0.15 * rng.sample::<f64, _>(StandardNormal))
            / (nv as f64).sqrt()
    });
    let a = DVector::from_fn(nv, |_, _| 0.2 * rng.sample::<f64, _>(StandardNormal));
    let b = DVector::from_fn(nh, |_, _| 0.2 * rng.sample::<f64, _>(StandardNormal));
    Rbm::new(w, a, b, v, h).unwrap()
}

/// χ, χ^c, ⟨|m|⟩ by summing $e^{-E(v,h)}$ over every visible and hidden state.
fn brute_force<V: UnitKind, H: UnitKind>(rbm: &Rbm<V, H>, u: &DVector<f64>) -> (f64, f64, f64) {
    let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
    let [vl, vh] = rbm.visible().discrete_states().unwrap();
    let [hl, hh] = rbm.hidden().discrete_states().unwrap();
    let (w, a, b) = (rbm.weights(), rbm.visible_bias(), rbm.hidden_bias());
    let (mut z, mut sq, mut ab) = (0.0, 0.0, 0.0);
    let (mut terms, mut ms) = (Vec::new(), Vec::new());
    for sv in 0..1usize << nv {
        let v: Vec<f64> = (0..nv)
            .map(|i| if sv >> i & 1 == 1 { vh } else { vl })
            .collect();
        let m: f64 = (0..nv)
            .map(|i| u[i] * (2.0 * v[i] - vl - vh) / (vh - vl))
            .sum::<f64>()
            / (nv as f64).sqrt();
        for sh in 0..1usize << nh {
            let h: Vec<f64> = (0..nh)
                .map(|j| if sh >> j & 1 == 1 { hh } else { hl })
                .collect();
            let mut minus_e = 0.0;
            for i in 0..nv {
                minus_e += a[i] * v[i];
                for j in 0..nh {
                    minus_e += v[i] * w[(i, j)] * h[j];
                }
            }
            for j in 0..nh {
                minus_e += b[j] * h[j];
            }
            terms.push(minus_e);
            ms.push(m);
        }
    }
    let max = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    for (t, m) in terms.iter().zip(&ms) {
        let p = (t - max).exp();
        z += p;
        sq += p * m * m;
        ab += p * m.abs();
    }
    let (sq, ab) = (sq / z, ab / z);
    let n = nv as f64;
    (n * sq, n * (sq - ab * ab), ab)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= ENUMERATION_TOL * b.abs().max(1.0)
}

fn check_exact<V: UnitKind, H: UnitKind>(rbm: &Rbm<V, H>) {
    let mode = TopMode::of(rbm).unwrap();
    let exact = exact_equilibrium(rbm, &mode).unwrap();
    let (chi, chi_c, abs_m) = brute_force(rbm, &mode.direction);
    assert!(exact.exact && exact.tau_m.is_nan() && exact.chi_se == 0.0);
    assert!(close(exact.chi, chi), "{} vs {chi}", exact.chi);
    assert!(
        close(exact.chi_connected, chi_c),
        "{} vs {chi_c}",
        exact.chi_connected
    );
    assert!(
        close(exact.mean_abs_m, abs_m),
        "{} vs {abs_m}",
        exact.mean_abs_m
    );
}

#[test]
fn exact_equilibrium_equals_brute_force() {
    for seed in 0..3 {
        check_exact(&model(Ising, Ising, 1.0, seed));
        check_exact(&model(Binary, Binary, 4.0, seed));
    }
}

fn check_mcmc<V: UnitKind, H: UnitKind>(rbm: &Rbm<V, H>, seed: u64) -> EquilibriumRecord {
    let mode = TopMode::of(rbm).unwrap();
    let exact = exact_equilibrium(rbm, &mode).unwrap();
    let settings = EquilibriumSettings::default();
    let mut rng = StdRng::seed_from_u64(seed);
    let eq = measure_equilibrium(rbm, &mode, &settings, None, &mut rng).unwrap();
    let r = &eq.record;
    eprintln!(
        "exact chi {} chi_c {}; measured {r:?}",
        exact.chi, exact.chi_connected
    );
    assert!(r.trustworthy && !r.exact && r.chains == 16, "{r:?}");
    for (name, value, se, truth) in [
        ("chi", r.chi, r.chi_se, exact.chi),
        (
            "chi_c",
            r.chi_connected,
            r.chi_connected_se,
            exact.chi_connected,
        ),
    ] {
        assert!(
            (value - truth).abs() < STANDARD_ERRORS * se,
            "{name}: {value} ± {se} vs exact {truth}"
        );
        assert!(se / value < MAX_RELATIVE_SE, "{name}: SE {se} of {value}");
    }
    // the warm start continues from the returned chains
    let again = measure_equilibrium(rbm, &mode, &settings, Some(eq.chains), &mut rng).unwrap();
    assert!((again.record.chi - exact.chi).abs() < STANDARD_ERRORS * again.record.chi_se);
    eq.record
}

#[test]
fn mcmc_matches_exact_within_jackknife_errors() {
    check_mcmc(&model(Ising, Ising, 1.0, 1), 11);
    check_mcmc(&model(Binary, Binary, 4.0, 1), 12);
    // measure_or_enumerate enumerates at Nv = 10 ≤ 16
    let rbm = model(Ising, Ising, 1.0, 1);
    let mode = TopMode::of(&rbm).unwrap();
    let settings = EquilibriumSettings::default();
    let e = measure_or_enumerate(&rbm, &mode, &settings, None, &mut StdRng::seed_from_u64(1));
    assert!(e.unwrap().record.exact);
}

/// The pattern ξ of the toy models (±1, fixed).
fn pattern(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i % 3 == 1 { -1.0 } else { 1.0 })
        .collect()
}

#[test]
fn gaussian_hidden_toy_matches_exact_statics_and_kernel_time() {
    let n = 64;
    let xi = pattern(n);
    let w = DMatrix::from_fn(n, 1, |i, _| xi[i] / (n as f64).sqrt());
    let rbm = Rbm::new(
        w,
        DVector::zeros(n),
        DVector::zeros(1),
        Ising,
        Gaussian::new(1.0).unwrap(),
    )
    .unwrap();
    let mode = TopMode::of(&rbm).unwrap();
    assert!(
        (mode.control - 1.0).abs() < ENUMERATION_TOL,
        "q = {}",
        mode.control
    );
    let settings = EquilibriumSettings::default();
    let eq =
        measure_equilibrium(&rbm, &mode, &settings, None, &mut StdRng::seed_from_u64(5)).unwrap();
    let r = eq.record;
    let moments = OverlapMoments::new(n, 1.0).unwrap();
    let tau = GibbsKernelOnM::new(n, 1.0)
        .unwrap()
        .spectrum()
        .unwrap()
        .integrated_time(|m| m);
    eprintln!(
        "chi exact {} chi_c exact {} tau exact {tau}; measured {r:?}",
        moments.susceptibility(),
        moments.connected_susceptibility()
    );
    assert!(r.trustworthy, "{r:?}");
    assert!(
        (r.chi - moments.susceptibility()).abs() < STANDARD_ERRORS * r.chi_se,
        "chi {} ± {} vs {}",
        r.chi,
        r.chi_se,
        moments.susceptibility()
    );
    assert!(
        (r.chi_connected - moments.connected_susceptibility()).abs()
            < STANDARD_ERRORS * r.chi_connected_se
    );
    assert!(
        (r.tau_m - tau).abs() < STANDARD_ERRORS * r.tau_m_se,
        "tau {} ± {} vs kernel {tau}",
        r.tau_m,
        r.tau_m_se
    );
}

#[test]
fn one_ising_hidden_unit_closed_form() {
    // Given τ the spins are independent with E[ξ_i s_i] = tanh(σ/√N), so
    // χ = N⟨m²⟩ = E[(ξ·s)²]/N = 1 + (N − 1) tanh²(σ/√N) (notes/finite-size-scaling.md).
    let (n, sigma) = (64, 1.5);
    let xi = pattern(n);
    let w = DMatrix::from_fn(n, 1, |i, _| sigma * xi[i] / (n as f64).sqrt());
    let rbm = Rbm::new(w, DVector::zeros(n), DVector::zeros(1), Ising, Ising).unwrap();
    let mode = TopMode::of(&rbm).unwrap();
    let settings = EquilibriumSettings::default();
    let eq =
        measure_equilibrium(&rbm, &mode, &settings, None, &mut StdRng::seed_from_u64(9)).unwrap();
    let t = (sigma / (n as f64).sqrt()).tanh();
    let chi = 1.0 + (n as f64 - 1.0) * t * t;
    let r = eq.record;
    eprintln!("chi exact {chi}; measured {r:?}");
    assert!(r.trustworthy, "{r:?}");
    assert!(
        (r.chi - chi).abs() < STANDARD_ERRORS * r.chi_se,
        "chi {} ± {} vs {chi}",
        r.chi,
        r.chi_se
    );
}

/// Control-trigger spacing: the trigger fires at the first update where g moved by
/// ≥ `CONTROL_STEP`; one update of this run (η = 0.002, N = 20) moves g by less than half of
/// it, so consecutive rows inside the window are at most 1.5 × apart.
const CONTROL_STEP: f64 = 0.1;
const CONTROL_SLACK: f64 = 0.5 * CONTROL_STEP;
/// Training samples: 60 updates per epoch, few epochs (the per-epoch metrics enumerate 2^20
/// visible states for the exact likelihood).
const SAMPLES: usize = 3000;

fn observer_run(dir: &std::path::Path) -> (TrainConfig, Vec<EquilibriumRecord>, String) {
    let n = 20;
    let cw = CurieWeiss::new(n, 2.0).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let data = cw
        .sample(&pattern(n), SAMPLES, Encoding::Ising, &mut rng)
        .unwrap();
    let dataset = Dataset::from_matrix("curie-weiss", data, Encoding::Ising).unwrap();
    let toy = TrainConfig::toy_student(
        "file:curie-weiss".parse().unwrap(),
        HiddenType::Gaussian,
        1,
        0.01,
        7,
    );
    let config = TrainConfig {
        estimator: Estimator::Pcd {
            gibbs_steps: 1,
            chains: 50,
        },
        optimiser: OptimiserConfig {
            batch_size: 50,
            learning_rate: 0.002,
            epochs: 10,
            ..toy.optimiser.clone()
        },
        spectrum: SpectrumConfig {
            per_decade: 0,
            ..toy.spectrum.clone()
        },
        equilibrium: EquilibriumConfig {
            per_decade: 4,
            control_step: CONTROL_STEP,
            control_min: 0.5,
            control_max: 1.4,
            max_sweeps: 16_000,
            ..toy.equilibrium.clone()
        },
        ..toy
    }
    .check()
    .unwrap();
    train_on(&config, &dataset, dir, &RunOptions::default()).unwrap();
    let config = config.into_inner();
    let path = RunDir::new(dir).equilibrium_csv();
    let text = std::fs::read_to_string(&path).unwrap();
    (config, read_equilibrium_csv(&path).unwrap(), text)
}

#[test]
fn observer_measures_at_log_steps_across_the_window_and_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let (config, rows, text) = observer_run(&dir.path().join("a"));
    let total = (SAMPLES / config.optimiser.batch_size * config.optimiser.epochs) as u64;
    for r in &rows {
        eprintln!(
            "step {} g {:.4} chi {:.3} ± {:.3} chi_c {:.3} tau {:.2} trust {} sweeps {}",
            r.step, r.control, r.chi, r.chi_se, r.chi_connected, r.tau_m, r.trustworthy, r.sweeps
        );
    }
    let steps: Vec<u64> = rows.iter().map(|r| r.step).collect();
    assert_eq!(steps.first(), Some(&0));
    assert_eq!(steps.last(), Some(&total));
    let log = Cadence::LogSpaced { per_decade: 4 };
    for s in (1..=total).filter(|&s| log.is_due(s)) {
        assert!(steps.contains(&s), "log-spaced step {s} missing: {steps:?}");
    }
    // g must cross the window for the test to mean anything
    assert!(
        rows[0].control < 0.5 && rows.last().unwrap().control > 1.4,
        "{rows:?}"
    );
    let inside: Vec<&EquilibriumRecord> = rows
        .iter()
        .filter(|r| (0.5..=1.4).contains(&r.control))
        .collect();
    // gaps ≤ CONTROL_STEP + CONTROL_SLACK = 0.15 across a window 0.9 wide: at least 5 rows
    assert!(
        inside.len() >= 5,
        "only {} rows in the window",
        inside.len()
    );
    for pair in inside.windows(2) {
        let gap = (pair[1].control - pair[0].control).abs();
        assert!(gap <= CONTROL_STEP + CONTROL_SLACK, "gap {gap}: {pair:?}");
    }
    for r in &rows {
        assert!((r.learning_time - config.optimiser.learning_rate * r.step as f64).abs() < 1e-12);
    }
    // the CSV round-trips, and the same seed gives the same numbers
    assert_eq!(equilibrium_csv(&rows), text);
    let (_, _, again) = observer_run(&dir.path().join("b"));
    assert_eq!(again, text);
}

/// Cost of the equilibrium measurement (for the notes): one sweep of 16 chains, with and
/// without the m₁ recording and τ analysis. Run:
/// `cargo test --release --test scaling_equilibrium sweep_cost -- --ignored --nocapture`.
#[test]
#[ignore = "timing for the notes, not a check"]
fn sweep_cost() {
    use rbmdyn::sampling::{ChainState, GibbsSampler, GibbsWorkspace};
    use std::time::Instant;
    fn time<V: UnitKind, H: UnitKind>(rbm: Rbm<V, H, f32>, sweeps: usize) {
        let mut rng = StdRng::seed_from_u64(1);
        let mut chains = ChainState::random(&rbm, 16, &mut rng);
        let mut ws = GibbsWorkspace::new();
        let sampler = GibbsSampler::new(sweeps).unwrap();
        let t = Instant::now();
        sampler.run(&rbm, &mut chains, &mut ws, &mut rng);
        let bare = t.elapsed().as_secs_f64() / sweeps as f64;
        let mode = TopMode::of(&rbm).unwrap();
        let settings = EquilibriumSettings::new(16, sweeps - 100, sweeps).unwrap();
        let t = Instant::now();
        let eq = measure_equilibrium(&rbm, &mode, &settings, None, &mut rng).unwrap();
        let full = t.elapsed().as_secs_f64() / sweeps as f64;
        eprintln!(
            "{}x{} {}: bare sweep {:.1} us, measured sweep {:.1} us ({} sweeps, tau {:.2})",
            rbm.n_visible(),
            rbm.n_hidden(),
            rbm.visible().name(),
            bare * 1e6,
            full * 1e6,
            sweeps,
            eq.record.tau_m
        );
    }
    let mut rng = StdRng::seed_from_u64(2);
    for (nv, nh, sweeps) in [(20, 1, 20_000), (1024, 1, 4000), (784, 500, 400)] {
        let w = DMatrix::from_fn(nv, nh, |_, _| {
            0.5 * rng.sample::<f32, _>(StandardNormal) / (nv as f32).sqrt()
        });
        let rbm = Rbm::new(
            w.clone(),
            DVector::zeros(nv),
            DVector::zeros(nh),
            Ising,
            Ising,
        );
        time(rbm.unwrap(), sweeps);
        let rbm = Rbm::new(
            w * 4.0,
            DVector::zeros(nv),
            DVector::zeros(nh),
            Binary,
            Binary,
        );
        time(rbm.unwrap(), sweeps);
    }
}

mod common;

/// `rbmdyn train --equilibrium-per-decade/--equilibrium-control-step` writes equilibrium.csv
/// (12 visible units: exact enumeration, so the rows are deterministic functions of the
/// model); a resumed run keeps the earlier rows and continues with the same ones.
#[test]
fn cli_flags_write_the_table_and_resume_keeps_earlier_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::new();
    for r in 0..200 {
        for c in 0..12 {
            let bit = ((c < 6) == (r % 2 == 0)) ^ ((r * 7 + c * 13) % 10 == 0);
            s.push_str(if bit { "1" } else { "0" });
            s.push(if c == 11 { '\n' } else { ' ' });
        }
    }
    std::fs::write(dir.path().join("data.txt"), s).unwrap();
    let spec = format!("file:{}", dir.path().join("data.txt").display());
    let args = |out: &'static str, epochs: &'static str| -> Vec<String> {
        [
            "train",
            "--dataset",
            &spec,
            "--hidden",
            "5",
            "--batch-size",
            "20",
            "--learning-rate",
            "0.05",
            "--epochs",
            epochs,
            "--seed",
            "4",
            "--out",
            out,
            "--precision",
            "f64",
            "--quiet",
            "--equilibrium-per-decade",
            "2",
            "--equilibrium-control-step",
            "0.2",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = common::rbmdyn(&a, dir.path());
        assert!(o.status.success(), "{}", common::text(&o));
    };
    run(args("full", "4"));
    run(args("part", "2"));
    run([
        "train", "--out", "part", "--resume", "--epochs", "4", "--quiet",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect());
    let read = |run: &str| RunDir::new(dir.path().join(run)).read_equilibrium();
    let (full, part) = (read("full").unwrap(), read("part").unwrap());
    let half = 2 * 200 / 20;
    eprintln!(
        "full steps {:?}",
        full.iter().map(|r| r.step).collect::<Vec<_>>()
    );
    eprintln!(
        "part steps {:?}",
        part.iter().map(|r| r.step).collect::<Vec<_>>()
    );
    assert!(full.iter().all(|r| r.exact) && full[0].step == 0 && full.len() > 5);
    // the resumed run = the uninterrupted one plus the final row of its first part (step
    // `half`, kept: ≤ the resumed step); g stays far below the control window here, so no
    // control-triggered rows (whose σ₁ tracker restarts on resume) can differ.
    assert!(full.iter().all(|r| r.control < 0.5), "{full:?}");
    let part_without: Vec<EquilibriumRecord> = part
        .iter()
        .filter(|r| r.step != half || full.iter().any(|f| f.step == half))
        .cloned()
        .collect();
    assert!(part.iter().any(|r| r.step == half));
    let saved = TrainConfig::from_toml_file(&dir.path().join("full/config.toml")).unwrap();
    assert_eq!(
        (saved.equilibrium.per_decade, saved.equilibrium.control_step),
        (2, 0.2)
    );
    // exact rows have NaN τ: compare the text
    assert_eq!(equilibrium_csv(&part_without), equilibrium_csv(&full));
}

#[test]
fn configurations_without_equilibrium_keys_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[data]\ndataset = \"mnist\"\n[model]\nhidden = 20\n[spectrum]\nper_decade = 5\n",
    )
    .unwrap();
    let c = TrainConfig::from_toml_file(&path).unwrap();
    assert_eq!(c.equilibrium.per_decade, 0);
    assert_eq!(c.equilibrium.control_step, 0.0);
    assert_eq!((c.equilibrium.chains, c.equilibrium.sweeps), (16, 2000));
    let checked = c.clone().check().unwrap();
    assert!(checked
        .equilibrium_observer::<f64>(dir.path())
        .unwrap()
        .is_none());
    let bad = TrainConfig {
        equilibrium: EquilibriumConfig {
            per_decade: 3,
            chains: 1,
            ..c.equilibrium.clone()
        },
        ..c.clone()
    };
    assert!(bad.check().unwrap_err().to_string().contains("chains"));
    let bad = TrainConfig {
        equilibrium: EquilibriumConfig {
            control_min: 2.0,
            control_max: 1.0,
            ..c.equilibrium.clone()
        },
        ..c
    };
    assert!(bad.check().is_err());
}
