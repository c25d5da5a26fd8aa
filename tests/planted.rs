//! Planted-mode data (`data::PlantedModes`): exact covariance against brute-force enumeration
//! and against 200 000 samples, planted directions as the top principal axes, the Walsh closed
//! form of their variances, determinism and rejected configurations.

// Tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![allow(clippy::float_cmp)]

use nalgebra::DMatrix;
use rand::{rngs::StdRng, SeedableRng};
use rbmdyn::data::{Encoding, PlantedModes};
use rbmdyn::Error;

/// Strengths of the standard example: distinct variances 3.61, 1.40, 0.64, all above ¼.
const STRENGTHS: [f64; 3] = [1.2, 0.8, 0.5];

/// Exact sums over at most 2^k states and N² entries: only round-off remains.
const ENUMERATION_TOL: f64 = 1e-13;

/// Standard errors allowed per entry when comparing M-sample moments with the exact ones. One
/// entry would get 4 (STYLE R8); 64·63/2 = 2016 covariances are compared at once, and the
/// Bonferroni bound 2016·P(|Z| > 5) = 2016·5.7e-7 = 1.2e-3 keeps the family-wise false alarm at
/// 0.1 %.
const STANDARD_ERRORS: f64 = 5.0;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// All $z \in \{\pm1\}^k$.
fn states(k: usize) -> Vec<Vec<f64>> {
    (0..1usize << k)
        .map(|y| {
            (0..k)
                .map(|a| if y >> a & 1 == 1 { 1.0 } else { -1.0 })
                .collect()
        })
        .collect()
}

/// $p_i(z) = \mathrm{sigm}(\sum_a \beta_a z_a \eta_{ai})$, straight from the definition.
fn on_probability(model: &PlantedModes, z: &[f64], i: usize) -> f64 {
    let field: f64 = (0..model.n_modes())
        .map(|a| model.strengths()[a] * z[a] * model.patterns()[(a, i)])
        .sum();
    sigmoid(field)
}

#[test]
fn patterns_are_balanced_and_orthogonal_when_n_is_a_multiple_of_two_to_the_k() {
    let model = PlantedModes::new(64, &STRENGTHS, &mut StdRng::seed_from_u64(1)).unwrap();
    let eta = model.patterns();
    assert_eq!(eta.shape(), (3, 64));
    assert!(eta.iter().all(|&x| x == 1.0 || x == -1.0));
    assert_eq!(eta * eta.transpose(), DMatrix::identity(3, 3) * 64.0);
    // the triple product is orthogonal to the patterns too (Walsh functions)
    let triple: Vec<f64> = (0..64).map(|i| eta.column(i).product()).collect();
    for a in 0..3 {
        assert_eq!(
            eta.row(a)
                .iter()
                .zip(&triple)
                .map(|(x, y)| x * y)
                .sum::<f64>(),
            0.0
        );
        assert_eq!(eta.row(a).sum(), 0.0);
    }
    let d = model.directions();
    assert!((d.transpose() * &d - DMatrix::identity(3, 3)).amax() < ENUMERATION_TOL);
}

#[test]
fn covariance_matches_brute_force_enumeration() {
    // 12 and 10 units (10 is not a multiple of 2^k: the Walsh structure is not needed)
    for (n, strengths) in [(12, vec![1.0, 0.4, 2.0]), (10, vec![0.7, 1.5])] {
        let model = PlantedModes::new(n, &strengths, &mut StdRng::seed_from_u64(2)).unwrap();
        let zs = states(strengths.len());
        let p: Vec<Vec<f64>> = zs
            .iter()
            .map(|z| (0..n).map(|i| on_probability(&model, z, i)).collect())
            .collect();
        let m = zs.len() as f64;
        let mean: Vec<f64> = (0..n)
            .map(|i| p.iter().map(|pz| pz[i]).sum::<f64>() / m)
            .collect();
        let exact = model.population_covariance();
        let exact_mean = model.population_mean();
        for i in 0..n {
            assert!((exact_mean[i] - mean[i]).abs() < ENUMERATION_TOL);
            assert!(
                (mean[i] - 0.5).abs() < ENUMERATION_TOL,
                "E[v] = ½ by z → −z"
            );
            for j in 0..n {
                let brute = if i == j {
                    mean[i] - mean[i] * mean[i]
                } else {
                    p.iter().map(|pz| pz[i] * pz[j]).sum::<f64>() / m - mean[i] * mean[j]
                };
                assert!((exact[(i, j)] - brute).abs() < ENUMERATION_TOL, "({i},{j})");
            }
        }
    }
}

#[test]
fn exact_covariance_matches_two_hundred_thousand_samples() {
    const SAMPLES: usize = 200_000;
    let mut rng = StdRng::seed_from_u64(3);
    let model = PlantedModes::new(64, &STRENGTHS, &mut rng).unwrap();
    let x = model.sample(SAMPLES, Encoding::Binary, &mut rng);
    assert!(x.iter().all(|&v| v == 0.0 || v == 1.0));
    let m = SAMPLES as f64;
    let mean = x.row_mean();
    let empirical = x.transpose() * &x / m - mean.transpose() * &mean;
    let exact = model.population_covariance();
    // v̄ − ½ has sd 1/(2√M)
    for (i, &v) in mean.iter().enumerate() {
        let z = (v - 0.5) * 2.0 * m.sqrt();
        assert!(z.abs() < STANDARD_ERRORS, "mean of unit {i}: {z:.2} SE");
    }
    let mut worst = 0.0f64;
    for i in 0..64 {
        for j in 0..64 {
            let (c, e) = (exact[(i, j)], empirical[(i, j)]);
            if i == j {
                // Ĉ_ii = v̄(1 − v̄) = ¼ − (v̄ − ½)²: below ¼ by (z/(2√M))², z the mean's SE count
                let bound = STANDARD_ERRORS * STANDARD_ERRORS / (4.0 * m);
                assert!(
                    c - e >= -ENUMERATION_TOL && c - e < bound,
                    "Var v_{i}: {e} vs {c}"
                );
            } else {
                // (x − ½)²(y − ½)² = 1/16 for {0,1} units of mean ½, so to leading order
                // Var Ĉ_ij = (E[(x−½)²(y−½)²] − C_ij²)/M = (1/16 − C_ij²)/M
                let se = ((1.0 / 16.0 - c * c) / m).sqrt();
                let z = (e - c) / se;
                assert!(
                    z.abs() < STANDARD_ERRORS,
                    "C_{i}{j}: {e} vs {c} ({z:.2} SE)"
                );
                worst = worst.max(z.abs());
            }
        }
    }
    println!("largest covariance deviation: {worst:.2} standard errors");
}

/// $E[p(1-p)] + N\hat g_S^2$ with $\hat g_S = 2^{-k}\sum_z \mathrm{sigm}(\sum_a\beta_a z_a)
/// \prod_{a\in S} z_a$, straight from the definition (module docs of `data::planted`).
fn walsh_eigenvalue(strengths: &[f64], subset: &[usize], n: usize) -> f64 {
    let zs = states(strengths.len());
    let m = zs.len() as f64;
    let g = |z: &Vec<f64>| sigmoid(strengths.iter().zip(z).map(|(b, z)| b * z).sum());
    let bernoulli = zs.iter().map(|z| g(z) * (1.0 - g(z))).sum::<f64>() / m;
    let coefficient = zs
        .iter()
        .map(|z| g(z) * subset.iter().map(|&a| z[a]).product::<f64>())
        .sum::<f64>()
        / m;
    bernoulli + n as f64 * coefficient * coefficient
}

#[test]
fn top_eigenvectors_are_the_planted_directions_in_order_of_strength() {
    // exact when N is a multiple of 2^k: eigenvectors η_a/√N, eigenvalues from the Walsh form;
    // eigenvalue gaps ≥ 0.4, so the eigenvectors carry only round-off
    const EIGEN_TOL: f64 = 1e-10;
    // the brief's criterion when N is not a multiple of 2^k (patterns only nearly orthogonal)
    const OVERLAP_MIN: f64 = 0.99;
    for (n, order) in [(64, [0, 1, 2]), (64, [2, 0, 1]), (70, [0, 1, 2])] {
        let strengths: Vec<f64> = order.iter().map(|&a| STRENGTHS[a]).collect();
        let model = PlantedModes::new(n, &strengths, &mut StdRng::seed_from_u64(4)).unwrap();
        let (values, vectors) = model.expected_modes().unwrap();
        let directions = model.directions();
        let variances = model.mode_variances();
        let rates = model.linear_growth_rates();
        assert!(values.windows(2).all(|w| w[0] > w[1]));
        for (rank, value) in values.iter().enumerate() {
            // the mode of rank r is the pattern with the r-th largest strength (STRENGTHS[r])
            let a = order.iter().position(|&o| o == rank).unwrap();
            let overlap = vectors.column(rank).dot(&directions.column(a)).abs();
            let exact_value = walsh_eigenvalue(&STRENGTHS, &[rank], n);
            assert!(variances[a] > 0.25 && rates[a] > 0.0);
            assert!((rates[a] - (4.0 * variances[a] - 1.0) / 16.0).abs() < ENUMERATION_TOL);
            if n == 64 {
                assert!(
                    overlap > 1.0 - EIGEN_TOL,
                    "N {n} rank {rank}: overlap {overlap}"
                );
                assert!((value - exact_value).abs() < EIGEN_TOL);
                assert!((variances[a] - exact_value).abs() < EIGEN_TOL);
            } else {
                assert!(
                    overlap > OVERLAP_MIN,
                    "N {n} rank {rank}: overlap {overlap}"
                );
            }
        }
        println!("N {n}, strengths {strengths:?}: eigenvalues {values:.4?}, λ_a {variances:.4?}");
    }
    // the triple product η₁η₂η₃ has the Walsh eigenvalue E[p(1−p)] + N ĝ₁₂₃², below the patterns
    let triple = walsh_eigenvalue(&STRENGTHS, &[0, 1, 2], 64);
    let weakest = walsh_eigenvalue(&STRENGTHS, &[2], 64);
    assert!(triple < weakest && triple < 0.25, "{triple} vs {weakest}");
}

#[test]
fn sampling_is_deterministic_given_the_seed_and_encodings_agree() {
    let draw = |seed: u64, encoding: Encoding| {
        let mut rng = StdRng::seed_from_u64(seed);
        let model = PlantedModes::new(40, &STRENGTHS, &mut rng).unwrap();
        let samples = model.sample(50, encoding, &mut rng);
        (model, samples)
    };
    let (first, binary) = draw(5, Encoding::Binary);
    let (second, again) = draw(5, Encoding::Binary);
    assert_eq!(first, second);
    assert_eq!(binary, again);
    let (_, ising) = draw(5, Encoding::Ising);
    assert_eq!(ising, binary.map(|v| 2.0 * v - 1.0));
    let (other, different) = draw(6, Encoding::Binary);
    assert!(other.patterns() != first.patterns() && different != binary);
}

fn parameter_name(error: Error) -> &'static str {
    match error {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("expected an invalid parameter, got {other}"),
    }
}

#[test]
fn bad_configuration_is_rejected() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut build = |n: usize, strengths: &[f64]| PlantedModes::new(n, strengths, &mut rng);
    assert_eq!(parameter_name(build(0, &[1.0]).unwrap_err()), "n_visible");
    assert_eq!(parameter_name(build(8, &[]).unwrap_err()), "strengths");
    assert_eq!(
        parameter_name(build(8, &[0.1; 17]).unwrap_err()),
        "strengths"
    );
    assert_eq!(
        parameter_name(build(8, &[1.0, f64::NAN]).unwrap_err()),
        "strength"
    );
    assert_eq!(parameter_name(build(8, &[-1.0]).unwrap_err()), "strength");
    assert!(build(8, &[0.1; 16]).is_ok());
    let big = build(PlantedModes::MAX_EIGEN_VISIBLE + 1, &[1.0]).unwrap();
    assert!(matches!(big.expected_modes(), Err(Error::Unsupported(_))));
}
