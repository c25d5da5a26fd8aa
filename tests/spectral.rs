//! SVD invariants of the weight spectrum and the Marchenko–Pastur bulk at initialisation
//! (`theory/spectral.md`, predictions 1 and 2).

mod common;

use common::random_rbm;
use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rbmdyn::rbm::Rbm;
use rbmdyn::spectral::{singular_value_edges, spike_outlier, WeightSpectrum};
use rbmdyn::units::Binary;

#[test]
fn svd_is_ordered_orthonormal_and_reconstructs_w_over_many_seeds() {
    for seed in 0..20u64 {
        let (nv, nh) = [(12, 7), (7, 12), (30, 30), (50, 3)][seed as usize % 4];
        let rbm = random_rbm(nv, nh, 0.7, 0.1, seed, Binary, Binary);
        let s = WeightSpectrum::of(&rbm).unwrap();
        let k = nv.min(nh);
        assert_eq!(s.singular_values.len(), k);
        assert!(s.singular_values.windows(2).all(|w| w[0] >= w[1]));
        assert!(s.singular_values.iter().all(|&x| x >= 0.0));
        let eye = DMatrix::<f64>::identity(k, k);
        assert!((s.left.transpose() * &s.left - &eye).amax() < 1e-12);
        assert!((s.right.transpose() * &s.right - &eye).amax() < 1e-12);
        assert!((s.reconstruct(k) - rbm.weights()).amax() < 1e-12);
        // sign convention: the largest-magnitude entry of each u_α is positive
        for a in 0..k {
            let col = s.left.column(a);
            let i = col.iamax();
            assert!(col[i] > 0.0, "mode {a}: {}", col[i]);
        }
        // Σ σ² = ‖W‖_F²
        let sum: f64 = s.singular_values.iter().map(|x| x * x).sum();
        assert!((sum - rbm.weights().norm_squared()).abs() < 1e-10 * sum);
        let values = WeightSpectrum::values_of(&rbm).unwrap();
        for (a, b) in values.iter().zip(&s.singular_values) {
            assert!((a - b).abs() < 1e-12);
        }
        // the best rank-1 approximation leaves exactly the other values
        let rest = (s.reconstruct(1) - rbm.weights()).norm_squared();
        let tail: f64 = s.singular_values[1..].iter().map(|x| x * x).sum();
        assert!((rest - tail).abs() < 1e-10 * sum.max(1.0));
    }
}

fn gaussian(nv: usize, nh: usize, std: f64, seed: u64) -> DMatrix<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    DMatrix::from_fn(nv, nh, |_, _| {
        let z: f64 = StandardNormal.sample(&mut rng);
        std * z
    })
}

fn model(w: DMatrix<f64>) -> Rbm<Binary, Binary> {
    let (nv, nh) = w.shape();
    Rbm::new(w, DVector::zeros(nv), DVector::zeros(nh), Binary, Binary).unwrap()
}

#[test]
fn initial_spectrum_fills_the_marchenko_pastur_bulk() {
    // spectral.md prediction 1: max s = 0.503607 ± 3 %, min s = 0.056393 ± 12 %, mean s² = 0.0784 ± 0.5 %
    let (lo, hi) = singular_value_edges(784, 500, 0.01);
    for seed in 0..3 {
        let s = WeightSpectrum::values_of(&model(gaussian(784, 500, 0.01, seed))).unwrap();
        let max = s[0];
        let min = s[s.len() - 1];
        let mean_sq = s.iter().map(|x| x * x).sum::<f64>() / s.len() as f64;
        assert!((max / hi - 1.0).abs() < 0.03, "seed {seed}: max {max}");
        assert!((min / lo - 1.0).abs() < 0.12, "seed {seed}: min {min}");
        assert!(
            (mean_sq / 0.0784 - 1.0).abs() < 0.005,
            "seed {seed}: mean s² {mean_sq}"
        );
    }
}

#[test]
fn rank_one_spike_leaves_the_bulk_where_predicted() {
    // spectral.md prediction 2. The outlier's seed-to-seed spread is O(N^-1/2): about 1.4 % at
    // θ = 0.5 (measured here and with numpy), not the "0.1–0.2 %" of the theory file, so a
    // single draw can miss the file's 1.5 % (see notes/spectral.md). The test compares the
    // mean over 8 noise draws with the BBP limit within 3 standard errors of that mean.
    let (_, edge) = singular_value_edges(784, 500, 0.01);
    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    let mut unit = |n: usize| {
        let v = DVector::from_fn(n, |_, _| {
            let z: f64 = StandardNormal.sample(&mut rng);
            z
        });
        v.normalize()
    };
    let (u, v) = (unit(784), unit(500));
    let spike = &u * v.transpose();
    for theta in [0.5, 1.0, 2.0] {
        let s = spike_outlier(theta, 784, 500, 0.01).unwrap();
        let ratios: Vec<f64> = (0..8u64)
            .map(|seed| {
                let w = gaussian(784, 500, 0.01, 100 + seed) + theta * &spike;
                WeightSpectrum::values_of(&model(w)).unwrap()[0] / s
            })
            .collect();
        let n = ratios.len() as f64;
        let mean = ratios.iter().sum::<f64>() / n;
        let sd = (ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let se = sd / n.sqrt();
        assert!(
            (mean - 1.0).abs() <= 3.0 * se,
            "θ = {theta}: mean ratio {mean} ± {se}"
        );
    }
    // below θ_c = 0.2502 no value leaves the bulk (file: none beyond 1.02 s_+)
    for seed in 0..4u64 {
        let w = gaussian(784, 500, 0.01, 200 + seed) + 0.15 * &spike;
        let top = WeightSpectrum::values_of(&model(w)).unwrap()[0];
        assert!(top < 1.02 * edge, "θ = 0.15: {top} vs edge {edge}");
    }
}

/// A run of planted spikes on fixed noise: W(t) = X + Σ_a θ_a(t) u_a v_aᵀ, recorded by the
/// tracker at steps 0..=steps; `theta(a, t)` gives the spike strengths.
fn synthetic_run(
    dir: &std::path::Path,
    steps: u64,
    theta: impl Fn(usize, u64) -> f64,
) -> rbmdyn::spectral::dynamics::RunSpectrum {
    use rbmdyn::training::{Cadence, SpectrumTracker};
    let (nv, nh, std) = (200, 120, 0.05);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
    let noise = DMatrix::from_fn(nv, nh, |_, _| std * g());
    let mut unit = |n: usize| {
        let v = DVector::from_fn(n, |_, _| g());
        v.normalize()
    };
    let modes: Vec<(DVector<f64>, DVector<f64>)> = (0..3).map(|_| (unit(nv), unit(nh))).collect();
    let files = rbmdyn::run::RunDir::new(dir).spectrum_files();
    let mut tracker = SpectrumTracker::new(files.clone(), Cadence::Never, 10);
    for t in 0..=steps {
        let mut w = noise.clone();
        for (a, (u, v)) in modes.iter().enumerate() {
            w += theta(a, t) * u * v.transpose();
        }
        let rbm = Rbm::new(w, DVector::zeros(nv), DVector::zeros(nh), Binary, Binary).unwrap();
        // one "epoch" per step, so epochs are steps
        tracker.record(&rbm, t, t as usize).unwrap();
    }
    rbmdyn::spectral::dynamics::RunSpectrum::load(&files).unwrap()
}

#[test]
fn outliers_hierarchy_and_cutoff_of_a_synthetic_run() {
    use rbmdyn::spectral::dynamics::{analyse, hierarchy};
    use rbmdyn::spectral::FitOptions;
    // the bulk edge is 0.05(√200 + √120) = 1.25; the spike threshold σ(NvNh)^{1/4} = 0.62
    let threshold = 0.05 * (200.0f64 * 120.0).powf(0.25);
    // mode a switches on at step 2 + 3a and grows: spikes of 0 below, then 3θ_c·(1 + 0.5·age)
    let growing = |a: usize, t: u64| {
        let start = 2 + 3 * a as u64;
        if t < start {
            0.0
        } else {
            threshold * (3.0 + 1.5 * (t - start) as f64) * (1.0 - 0.1 * a as f64)
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let run = synthetic_run(dir.path(), 12, growing);
    let (points, _) = analyse(&run, 1.0, &FitOptions::default()).unwrap();
    let counts: Vec<usize> = points.iter().map(|p| p.outliers).collect();
    // 0 outliers before step 2, then one more at steps 2, 5 and 8
    assert_eq!(
        counts,
        vec![0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
        "{counts:?}"
    );
    let h = hierarchy(&run, &points).unwrap();
    let emerged: Vec<(usize, f64)> = h.emergence.clone();
    assert_eq!(emerged, vec![(1, 2.0), (2, 5.0), (3, 8.0)], "{h:?}");
    assert_eq!((h.pairs, h.concordant), (3, 3));

    // the same spikes, but mode 3 (last to emerge) grows fast and ends on top: discordant
    let overtaking = |a: usize, t: u64| {
        let base = growing(a, t);
        if a == 2 && base > 0.0 {
            base * 4.0
        } else {
            base
        }
    };
    let dir2 = tempfile::tempdir().unwrap();
    let run2 = synthetic_run(dir2.path(), 12, overtaking);
    let (points2, _) = analyse(&run2, 1.0, &FitOptions::default()).unwrap();
    let h2 = hierarchy(&run2, &points2).unwrap();
    assert_eq!(h2.pairs, 3, "{h2:?}");
    assert_eq!(h2.concordant, 1, "{h2:?}");
}
