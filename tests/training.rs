//! Gradient estimators and the training loop against exact references.

// Tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![allow(clippy::float_cmp)]

mod common;

use common::*;
use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rbmdyn::likelihood::exact_log_likelihood;
use rbmdyn::rbm::Rbm;
use rbmdyn::sampling::exact::{exact_moments, Enumeration};
use rbmdyn::sampling::{ChainState, GibbsSampler, GibbsWorkspace};
use rbmdyn::training::{
    train_rng, ExactGradient, Gradient, GradientEstimator, PersistentContrastiveDivergence, Sgd,
    TrainStreams, Trainer, TrainerConfig,
};
use rbmdyn::units::{AnyUnit, Binary, Ising, UnitKind};

/// Exact samples of a seeded "teacher" RBM as a training set.
fn teacher_data<V: UnitKind, H: UnitKind>(
    teacher: &Rbm<V, H, f64>,
    n: usize,
    seed: u64,
) -> DMatrix<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    Enumeration::new(teacher)
        .unwrap()
        .samples(teacher, n, &mut rng)
        .visible
}

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

#[test]
fn exact_gradient_equals_finite_differences_of_exact_log_likelihood() {
    // Central differences, step 1e-5: truncation O(h²·L''') ≈ 1e-10, round-off ε·|L|/h ≈ 1e-10.
    const FD_TOL: f64 = 1e-7;
    let h = 1e-5;
    for seed in 0..6 {
        for any in [AnyUnit::Binary, AnyUnit::Ising] {
            let teacher = random_rbm(7, 4, 1.0, 0.5, 100 + seed, any, any);
            let data = teacher_data(&teacher, 50, seed);
            let rbm = random_rbm(7, 4, 0.5, 0.3, seed, any, any);
            let mut g = Gradient::zeros(7, 4);
            let mut rng = rand::rngs::StdRng::seed_from_u64(0);
            ExactGradient::new()
                .estimate(&rbm, data.as_view(), &mut rng, &mut g)
                .unwrap();
            let fd = |which, index| {
                let lp = exact_log_likelihood(&perturbed(&rbm, which, index, h), data.as_view())
                    .unwrap();
                let lm = exact_log_likelihood(&perturbed(&rbm, which, index, -h), data.as_view())
                    .unwrap();
                (lp - lm) / (2.0 * h)
            };
            for k in 0..28 {
                assert!(
                    (g.weights.as_slice()[k] - fd(0, k)).abs() < FD_TOL,
                    "W[{k}] seed {seed}"
                );
            }
            for i in 0..7 {
                assert!((g.visible_bias[i] - fd(1, i)).abs() < FD_TOL, "a[{i}]");
            }
            for j in 0..4 {
                assert!((g.hidden_bias[j] - fd(2, j)).abs() < FD_TOL, "b[{j}]");
            }
        }
    }
}

#[test]
fn long_gibbs_chains_give_the_exact_negative_phase() {
    // theory rbm-basics prediction 7: many independent chains, many sweeps → exact ⟨v hᵀ⟩ within
    // 4 standard errors (R8). Chains are independent, so the SE of the mean over chains is
    // sd/√chains, computed from the per-chain Rao–Blackwellised statistics v_i·E[h_j|v].
    let rbm = fixture_3x2_binary();
    let exact = exact_moments(&rbm).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let chains = 40_000;
    let mut state = ChainState::random(&rbm, chains, &mut rng);
    GibbsSampler::new(100)
        .unwrap()
        .run(&rbm, &mut state, &mut GibbsWorkspace::new(), &mut rng);
    let mh = rbm.hidden_means(state.visible.as_view());
    for i in 0..3 {
        for j in 0..2 {
            let xs: Vec<f64> = (0..chains)
                .map(|c| state.visible[(c, i)] * mh[(c, j)])
                .collect();
            let mean = xs.iter().sum::<f64>() / chains as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (chains - 1) as f64;
            let se = (var / chains as f64).sqrt();
            let e = exact.correlation[(i, j)];
            assert!(
                (mean - e).abs() < 4.0 * se,
                "<v{i} h{j}>: {mean} vs {e} ± {se}"
            );
        }
    }
}

fn pcd_trainer(
    rbm: Rbm<Binary, Binary, f64>,
    seed: u64,
    epochs: usize,
) -> Trainer<Binary, Binary, f64, PersistentContrastiveDivergence<f64>> {
    let mut rng = train_rng(seed);
    let chains = ChainState::random(&rbm, 20, &mut rng);
    let pcd = PersistentContrastiveDivergence::new(5, chains).unwrap();
    Trainer::new(
        rbm,
        pcd,
        Sgd::new(0.05).unwrap(),
        TrainerConfig {
            batch_size: 20,
            epochs,
        },
        TrainStreams::of_run(seed, rng),
    )
    .unwrap()
}

#[test]
fn pcd_raises_exact_log_likelihood_of_10x6_model() {
    let teacher = random_rbm(10, 6, 1.5, 0.5, 3, Binary, Binary);
    let data = teacher_data(&teacher, 1000, 4);
    let start = random_rbm(10, 6, 0.01, 0.0, 5, Binary, Binary);
    let l0 = exact_log_likelihood(&start, data.as_view()).unwrap();
    let mut t = pcd_trainer(start, 6, 30);
    t.run(&data).unwrap();
    let l1 = exact_log_likelihood(t.rbm(), data.as_view()).unwrap();
    let lt = exact_log_likelihood(&teacher, data.as_view()).unwrap();
    // The teacher's likelihood bounds what a 10×6 model can reach (up to overfitting of 1000
    // samples); PCD must close a good part of the gap.
    assert!(
        l1 > l0 + 0.5 * (lt - l0),
        "L: start {l0:.4}, trained {l1:.4}, teacher {lt:.4}"
    );
}

#[test]
fn resumed_run_is_bit_identical_in_memory() {
    let teacher = random_rbm(10, 6, 1.5, 0.5, 3, Binary, Binary);
    let data = teacher_data(&teacher, 200, 4);
    let start = random_rbm(10, 6, 0.01, 0.0, 5, Binary, Binary);
    let mut full = pcd_trainer(start.clone(), 9, 5);
    full.run(&data).unwrap();
    // stop after 2 epochs plus 3 minibatches is not possible through run_until (epoch
    // granularity), so stop at 2 epochs, rebuild a fresh trainer from the saved parts.
    let mut part = pcd_trainer(start, 9, 5);
    part.run_until(&data, 2).unwrap();
    let rbm = part.rbm().clone();
    let chains = GradientEstimator::<Binary, Binary, f64>::chains(part.estimator())
        .unwrap()
        .clone();
    let progress = part.progress().clone();
    let (opt, streams) = part.optimizer_state_and_streams();
    let pcd = PersistentContrastiveDivergence::new(5, chains).unwrap();
    let mut resumed = Trainer::new(
        rbm,
        pcd,
        Sgd::new(0.05).unwrap(),
        TrainerConfig {
            batch_size: 20,
            epochs: 5,
        },
        TrainStreams::from_seed(0),
    )
    .unwrap()
    .resume_from(opt, progress, streams);
    resumed.run(&data).unwrap();
    assert_eq!(full.rbm(), resumed.rbm(), "parameters differ after resume");
}

#[test]
fn models_without_biases_keep_them_zero() {
    let teacher = random_rbm(6, 3, 1.0, 0.0, 1, Ising, Ising);
    let data = teacher_data(&teacher, 100, 2);
    let start: Rbm<Ising, Ising, f64> = Rbm::new(
        DMatrix::from_element(6, 3, 0.01),
        DVector::zeros(6),
        DVector::zeros(3),
        Ising,
        Ising,
    )
    .unwrap();
    let mut t = Trainer::new(
        start,
        ExactGradient::new(),
        Sgd::new(0.1).unwrap().with_biases(false),
        TrainerConfig {
            batch_size: 100,
            epochs: 5,
        },
        TrainStreams::from_seed(1),
    )
    .unwrap();
    t.run(&data).unwrap();
    assert!(t.rbm().visible_bias().iter().all(|&x| x == 0.0));
    assert!(t.rbm().hidden_bias().iter().all(|&x| x == 0.0));
    assert!(t.rbm().weights().iter().any(|&x| x != 0.01));
}

#[test]
fn f32_training_tracks_f64() {
    let teacher = random_rbm(10, 6, 1.5, 0.5, 3, Binary, Binary);
    let data = teacher_data(&teacher, 200, 4);
    let start = random_rbm(10, 6, 0.01, 0.0, 5, Binary, Binary);
    let data32: DMatrix<f32> = data.map(|x| x as f32);
    let mut rng = train_rng(1);
    let r32 = start.cast::<f32>();
    let chains = ChainState::random(&r32, 20, &mut rng);
    let pcd = PersistentContrastiveDivergence::new(5, chains).unwrap();
    let mut t = Trainer::new(
        r32,
        pcd,
        Sgd::new(0.05).unwrap(),
        TrainerConfig {
            batch_size: 20,
            epochs: 10,
        },
        TrainStreams::of_run(1, rng),
    )
    .unwrap();
    t.run(&data32).unwrap();
    let l0 = exact_log_likelihood(&start, data.as_view()).unwrap();
    let l1 = exact_log_likelihood(&t.rbm().cast::<f64>(), data.as_view()).unwrap();
    assert!(l1 > l0, "f32 PCD did not raise L: {l0} → {l1}");
}

/// The PCD negative phase is built from the chains' final visible state and E[h | v_final]
/// (not from the hidden sample that preceded v_final): the gradient must equal the positive
/// phase minus those statistics, recomputed here from the chains the estimator kept.
#[test]
fn pcd_negative_phase_uses_final_visible_state_and_its_magnetisations() {
    // Sums of ≤ 40 products of O(1) numbers in f64: round-off only.
    const PHASE_TOL: f64 = 1e-12;
    let rbm = random_rbm(7, 4, 0.8, 0.3, 21, Binary, Binary);
    let teacher = random_rbm(7, 4, 1.0, 0.5, 22, Binary, Binary);
    let batch = teacher_data(&teacher, 30, 23);
    let mut rng = rand::rngs::StdRng::seed_from_u64(24);
    let chains = ChainState::random(&rbm, 40, &mut rng);
    let mut pcd = PersistentContrastiveDivergence::new(3, chains).unwrap();
    let mut g = Gradient::zeros(7, 4);
    GradientEstimator::<Binary, Binary, f64>::estimate(
        &mut pcd,
        &rbm,
        batch.as_view(),
        &mut rng,
        &mut g,
    )
    .unwrap();
    let chains = GradientEstimator::<Binary, Binary, f64>::chains(&pcd)
        .unwrap()
        .clone();
    let pos_h = rbm.hidden_means(batch.as_view());
    let neg_h = rbm.hidden_means(chains.visible.as_view());
    let expected_w = batch.transpose() * &pos_h / 30.0 - chains.visible.transpose() * &neg_h / 40.0;
    assert!((&g.weights - &expected_w).amax() < PHASE_TOL);
    for i in 0..7 {
        let e = batch.column(i).mean() - chains.visible.column(i).mean();
        assert!((g.visible_bias[i] - e).abs() < PHASE_TOL);
    }
    for j in 0..4 {
        let e = pos_h.column(j).mean() - neg_h.column(j).mean();
        assert!((g.hidden_bias[j] - e).abs() < PHASE_TOL);
    }
    // Pairing v_final with the stored hidden *sample* instead would give a different W-gradient.
    let wrong =
        batch.transpose() * &pos_h / 30.0 - chains.visible.transpose() * &chains.hidden / 40.0;
    assert!((&g.weights - &wrong).amax() > 1e-3);
}

#[test]
fn initialisers_follow_their_definitions() {
    use rbmdyn::rbm::init::{initialise, visible_bias_from_data, VisibleBiasInit, WeightInit};
    // Gaussian weights: sample mean and variance of 200×100 entries against N(0, 0.01²),
    // within 4 standard errors (SE of the mean σ/√n, of the variance σ²√(2/n)).
    let mut rng = rand::rngs::StdRng::seed_from_u64(31);
    let data = DMatrix::from_fn(400, 200, |i, j| {
        if (i * 7 + j * 13) % 10 < 2 + j % 5 {
            1.0
        } else {
            0.0
        }
    });
    let rbm: Rbm<Binary, Binary, f64> = initialise(
        200,
        100,
        Binary,
        Binary,
        WeightInit::Gaussian { std: 0.01 },
        VisibleBiasInit::FromData { clip: 1e-3 },
        Some(data.as_view()),
        &mut rng,
    )
    .unwrap();
    let w = rbm.weights();
    let n = w.len() as f64;
    let mean = w.mean();
    let var = w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    assert!(mean.abs() < 4.0 * 0.01 / n.sqrt(), "mean {mean}");
    assert!(
        (var - 1e-4).abs() < 4.0 * 1e-4 * (2.0 / n).sqrt(),
        "var {var}"
    );
    // Visible bias = logit of the column frequency (Fissore eq. 19); hidden bias zero.
    for i in 0..200 {
        let p = data.column(i).mean();
        assert!((rbm.visible_bias()[i] - (p / (1.0 - p)).ln()).abs() < 1e-12);
    }
    assert!(rbm.hidden_bias().iter().all(|&b| b == 0.0));
    // Clipping: an always-off and an always-on pixel get logit(1e-3) and logit(1 − 1e-3).
    let extreme = DMatrix::from_fn(10, 2, |_, j| j as f64);
    let a = visible_bias_from_data(extreme.as_view(), false, 1e-3).unwrap();
    let logit = (1e-3f64 / (1.0 - 1e-3)).ln();
    assert!((a[0] - logit).abs() < 1e-12 && (a[1] + logit).abs() < 1e-12);
    // ±1 data: ⟨s⟩ = tanh(a) ⇒ a = atanh(⟨s⟩).
    let spins = DMatrix::from_fn(4, 1, |i, _| if i == 0 { -1.0 } else { 1.0 });
    let a = visible_bias_from_data(spins.as_view(), true, 1e-3).unwrap();
    assert!((a[0] - 0.5f64.atanh()).abs() < 1e-12);
    assert!(visible_bias_from_data(spins.as_view(), true, 0.7).is_err());
}

fn emf_trainer(
    rbm: Rbm<Binary, Binary, f64>,
    order: rbmdyn::mean_field::Order,
    seed: u64,
    epochs: usize,
) -> Trainer<Binary, Binary, f64, rbmdyn::training::TapGradient<f64>> {
    let mut rng = train_rng(seed);
    let chains = ChainState::random(&rbm, 20, &mut rng);
    let start =
        rbmdyn::mean_field::Magnetizations::from_visible(&rbm, chains.visible.as_view()).unwrap();
    let emf = rbmdyn::training::TapGradient::new(order, 3, 0.5, start).unwrap();
    Trainer::new(
        rbm,
        emf,
        Sgd::new(0.05).unwrap(),
        TrainerConfig {
            batch_size: 20,
            epochs,
        },
        TrainStreams::of_run(seed, rng),
    )
    .unwrap()
}

#[test]
fn emf_negative_phase_at_convergence_is_the_tap_estimate_of_the_moments() {
    // rbm-basics prediction 6 through the estimator: with enough iterations the persistent
    // magnetisations reach the fixed point and the weight gradient differs from the exact one
    // by the TAP error of ⟨v h⟩ (6.45e-4 at order 2, 9.06e-4 at order 3, 0.0385 naive).
    use rbmdyn::mean_field::{Magnetizations, Order};
    let rbm = fixture_3x2_binary();
    let batch = DMatrix::from_row_slice(2, 3, &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0]);
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut exact = Gradient::zeros(3, 2);
    ExactGradient::new()
        .estimate(&rbm, batch.as_view(), &mut rng, &mut exact)
        .unwrap();
    for (order, expected) in [
        (Order::Naive, 0.0385),
        (Order::Tap2, 6.45e-4),
        (Order::Tap3, 9.06e-4),
    ] {
        let start = Magnetizations::neutral(&rbm, 3).unwrap();
        let mut emf = rbmdyn::training::TapGradient::new(order, 400, 0.5, start).unwrap();
        let mut g = Gradient::zeros(3, 2);
        emf.estimate(&rbm, batch.as_view(), &mut rng, &mut g)
            .unwrap();
        let worst = (&g.weights - &exact.weights).abs().max();
        assert!(
            (worst - expected).abs() < 5e-3 * expected + 1e-6,
            "{order:?}: {worst} vs {expected}"
        );
    }
}

#[test]
fn emf_raises_exact_log_likelihood_of_10x6_model() {
    use rbmdyn::mean_field::Order;
    let teacher = random_rbm(10, 6, 1.5, 0.5, 3, Binary, Binary);
    let data = teacher_data(&teacher, 1000, 4);
    let lt = exact_log_likelihood(&teacher, data.as_view()).unwrap();
    for order in [Order::Tap2, Order::Tap3] {
        let start = random_rbm(10, 6, 0.01, 0.0, 5, Binary, Binary);
        let l0 = exact_log_likelihood(&start, data.as_view()).unwrap();
        let mut t = emf_trainer(start, order, 6, 30);
        t.run(&data).unwrap();
        let l1 = exact_log_likelihood(t.rbm(), data.as_view()).unwrap();
        assert!(
            l1 > l0 + 0.5 * (lt - l0),
            "{order:?} L: start {l0:.4}, trained {l1:.4}, teacher {lt:.4}"
        );
    }
}

#[test]
fn likelihood_monitor_uses_exact_ln_z_when_cheap_and_ais_otherwise() {
    use rbmdyn::likelihood::{LogZMethod, LogZOptions};
    use rbmdyn::training::LikelihoodMonitor;
    // small: exact
    let teacher = random_rbm(10, 6, 1.5, 0.5, 3, Binary, Binary);
    let data = teacher_data(&teacher, 300, 4);
    let test = teacher_data(&teacher, 200, 5);
    let mut monitor = LikelihoodMonitor::new(
        1,
        data.clone(),
        Some(test.clone()),
        LogZOptions::default(),
        1,
        None,
    )
    .unwrap();
    let r = monitor.evaluate(&teacher, 1, 10).unwrap();
    assert_eq!(r.method, LogZMethod::Exact);
    assert!((r.train - exact_log_likelihood(&teacher, data.as_view()).unwrap()).abs() < 1e-10);
    assert!(
        (r.test.unwrap() - exact_log_likelihood(&teacher, test.as_view()).unwrap()).abs() < 1e-10
    );
    // 200×20: enumeration costs 2^20·200 > 2^27, so the monitor uses AIS; compare with exact
    let rbm = random_rbm(200, 20, 0.05, 0.3, 9, Binary, Binary);
    let data = teacher_data(&rbm, 500, 10);
    let options = LogZOptions {
        schedule: rbmdyn::likelihood::ais::BetaSchedule::uniform(500).unwrap(),
        runs: 200,
        ..LogZOptions::default()
    };
    let mut monitor = LikelihoodMonitor::new(1, data.clone(), None, options, 2, None).unwrap();
    let r = monitor.evaluate(&rbm, 1, 10).unwrap();
    assert_eq!(r.method, LogZMethod::Ais);
    let exact = exact_log_likelihood(&rbm, data.as_view()).unwrap();
    let se = r.log_z_std_error.unwrap();
    assert!(
        (r.train - exact).abs() < 4.0 * se + 1e-9,
        "{} vs {exact} ± {se}",
        r.train
    );
    assert!(LikelihoodMonitor::new(0, data, None, LogZOptions::default(), 0, None).is_err());
}

/// Samples of a fixed 10×6 teacher and the configuration of a small PCD run on them.
fn small_run(samples: usize) -> (rbmdyn::data::Dataset, rbmdyn::run::TrainConfig) {
    use rbmdyn::data::{Dataset, Encoding};
    let teacher = random_rbm(10, 6, 1.5, 0.5, 3, Binary, Binary);
    let ds = Dataset::from_matrix(
        "teacher",
        teacher_data(&teacher, samples, 4),
        Encoding::Binary,
    )
    .unwrap();
    let d = rbmdyn::run::TrainConfig::default();
    let cfg = rbmdyn::run::TrainConfig {
        data: rbmdyn::run::DataConfig {
            dataset: "file:synthetic".parse().unwrap(),
            ..d.data
        },
        model: rbmdyn::run::ModelConfig {
            hidden: 6,
            ..d.model
        },
        estimator: rbmdyn::run::Estimator::Pcd {
            gibbs_steps: 5,
            chains: 20,
        },
        optimiser: rbmdyn::run::OptimiserConfig {
            batch_size: 20,
            learning_rate: 0.05,
            ..d.optimiser
        },
        ..d
    };
    (ds, cfg)
}

#[test]
fn training_run_writes_likelihood_csv() {
    use rbmdyn::rbm::init::VisibleBiasInit;
    use rbmdyn::run::{
        train_on, CheckpointConfig, LikelihoodConfig, ModelConfig, OptimiserConfig, Precision,
        RunOptions, TrainConfig,
    };
    let (ds, base) = small_run(400);
    let cfg = TrainConfig {
        precision: Precision::F64,
        optimiser: OptimiserConfig {
            epochs: 3,
            ..base.optimiser.clone()
        },
        model: ModelConfig {
            visible_bias_init: VisibleBiasInit::Zero,
            ..base.model.clone()
        },
        checkpoints: CheckpointConfig { per_decade: 0 },
        likelihood: LikelihoodConfig {
            every: 1,
            samples: 400,
            ..base.likelihood.clone()
        },
        ..base
    }
    .check()
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = train_on(&cfg, &ds, dir.path(), &RunOptions::default()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("likelihood.csv")).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{text}");
    for (row, m) in rows.iter().zip(&summary.metrics) {
        let train: f64 = row.split(',').nth(5).unwrap().parse().unwrap();
        // the metrics monitor's exact L on the same 400 rows
        assert!(
            (train - m.log_likelihood.unwrap()).abs() < 1e-8,
            "{row} vs {:?}",
            m.log_likelihood
        );
    }
    // the summary's metrics are the in-process records, and the tables read back bit for bit
    let run = rbmdyn::run::RunDir::new(dir.path());
    assert_eq!(run.read_metrics().unwrap(), summary.metrics);
    assert_eq!(summary.metrics.len(), 3);
    let likelihood = run.read_likelihood().unwrap();
    assert_eq!(likelihood.len(), 3);
    assert_eq!(
        likelihood[2].train.to_string(),
        rows[2].split(',').nth(5).unwrap()
    );
}

#[test]
fn finished_runs_are_reused_only_for_the_same_configuration() {
    use rbmdyn::run::{train_or_reuse, CheckpointConfig, OptimiserConfig, RunOptions, TrainConfig};
    let (ds, base) = small_run(200);
    let cfg = TrainConfig {
        optimiser: OptimiserConfig {
            epochs: 2,
            ..base.optimiser.clone()
        },
        checkpoints: CheckpointConfig { per_decade: 0 },
        ..base
    };
    let checked = cfg.clone().check().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (first, reused) =
        train_or_reuse(&checked, &ds, dir.path(), &RunOptions::default()).unwrap();
    assert!(!reused);
    let (again, reused) =
        train_or_reuse(&checked, &ds, dir.path(), &RunOptions::default()).unwrap();
    assert!(reused);
    assert_eq!(first.model, again.model);
    assert_eq!(first.metrics.len(), again.metrics.len());
    // another seed: trained again, different numbers
    let other = TrainConfig { seed: 9, ..cfg }.check().unwrap();
    let (third, reused) = train_or_reuse(&other, &ds, dir.path(), &RunOptions::default()).unwrap();
    assert!(!reused);
    assert_ne!(third.model, first.model);
}

/// A trainer resumed from `progress` (the rest of its state fresh), run on `data`.
fn resume_with(progress: rbmdyn::training::Progress, data: &DMatrix<f64>) -> rbmdyn::Result<()> {
    let start = random_rbm(10, 6, 0.01, 0.0, 5, Binary, Binary);
    let (opt, streams) = pcd_trainer(start.clone(), 9, 5).optimizer_state_and_streams();
    let mut t = pcd_trainer(start, 9, 5).resume_from(opt, progress, streams);
    t.run(data)
}

/// Saved progress that does not fit the data (a shrunk or changed data set, a damaged
/// checkpoint) is an error that says what differs, never a panic or a run on other data.
#[test]
fn resume_refuses_progress_that_does_not_fit_the_data() {
    let teacher = random_rbm(10, 6, 1.5, 0.5, 3, Binary, Binary);
    let data = teacher_data(&teacher, 200, 4);
    let start = random_rbm(10, 6, 0.01, 0.0, 5, Binary, Binary);
    let mut part = pcd_trainer(start, 9, 5);
    part.run_until(&data, 2).unwrap();
    let saved = part.progress().clone();
    assert!(saved.data_fingerprint.is_some());
    // the same data: resumes
    resume_with(saved.clone(), &data).unwrap();
    let err = |p: rbmdyn::training::Progress, d: &DMatrix<f64>| {
        resume_with(p, d).unwrap_err().to_string()
    };
    // a data set that shrank since the checkpoint
    let shrunk = data.rows(0, 100).clone_owned();
    let e = err(saved.clone(), &shrunk);
    assert!(e.contains("other data") && e.contains("100 × 10"), "{e}");
    // the same size, one value changed
    let mut changed = data.clone();
    changed[(7, 3)] = 1.0 - changed[(7, 3)];
    assert!(err(saved.clone(), &changed).contains("other data"));
    // damaged progress without a fingerprint (as a hand-made checkpoint would be)
    let bare = rbmdyn::training::Progress {
        data_fingerprint: None,
        ..saved
    };
    let mut p = bare.clone();
    p.batch_in_epoch = 3;
    p.permutation = (0..200).map(|i| i % 100).collect();
    assert!(err(p, &data).contains("not a permutation"));
    let mut p = bare.clone();
    p.batch_in_epoch = 3;
    p.permutation = vec![0, 1, 2];
    assert!(err(p, &data).contains("not a permutation"));
    let mut p = bare.clone();
    p.batch_in_epoch = 10;
    p.permutation = (0..200).collect();
    assert!(err(p, &data).contains("minibatches"));
    let mut p = bare;
    p.batch_in_epoch = 4;
    p.permutation.clear();
    assert!(err(p, &data).contains("no permutation"));
}
