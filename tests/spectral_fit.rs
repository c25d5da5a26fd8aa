//! The Marchenko–Pastur fit (`spectral::fit`): recovery of $(\sigma^2, q)$ from Gaussian matrices
//! at three sizes, no outliers from pure noise, exactly the planted outliers of a rank-3 spike,
//! KS p-values at initialisation, zeros, and rejected input.
//!
//! Tolerances come from the finite-size theory of the edges (Tracy–Widom), see [`EDGE_TW_SCALES`].

// Tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![allow(clippy::float_cmp)]

use nalgebra::DMatrix;
use rand::{rngs::StdRng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rbmdyn::linalg::singular_values;
use rbmdyn::spectral::{
    finite_size_margin, fit_marchenko_pastur, kolmogorov_p_value, kolmogorov_smirnov,
    singular_value_edges, spike_outlier, spike_threshold, FitOptions, MarchenkoPastur,
    MarchenkoPasturFit,
};
use rbmdyn::Error;

/// `(rows, cols, entry std)`: three sizes, three scales.
const SIZES: [(usize, usize, f64); 3] = [(100, 60, 1.0), (400, 250, 0.3), (784, 500, 0.01)];

/// Seeds per size for the pure-noise checks (STYLE R9: 20–50).
const SEEDS: u64 = 20;

/// The fitted edges $\hat\lambda_\pm$ must lie within this many Tracy–Widom scales
/// $\varsigma_\pm\sigma^2/N$ of $\lambda_\pm$. The extreme eigenvalue itself is $\mu_\pm \pm
/// \varsigma_\pm \mathrm{TW}_1$ and $P(\mathrm{TW}_1 \notin [-4, 4]) = 0.0078 + 0.0002$ (from the
/// Ferrari–Spohn determinant, `fit::TRACY_WIDOM_QUANTILE`'s docs); a fit that uses the whole
/// rigid bulk must locate the edges at least as well as the extreme eigenvalue alone. It is also
/// what the outlier margin needs: an edge error of one scale moves the margin's quantile by one.
const EDGE_TW_SCALES: f64 = 4.0;

/// The issue's validation criterion at 784×500: fitted singular-value edges within 2 %. Asserted
/// for the upper edge, where one TW scale is 0.43 % of $s_+$. At the lower edge one TW scale is
/// already 1.85 % of $s_-$ ($\varsigma_-/2\mu_- = 1.17/63.7$), so 2 % there is about one scale and
/// not a sound per-seed criterion; the lower edge is held to [`EDGE_TW_SCALES`] and reported.
const ISSUE_EDGE_TOL: f64 = 0.02;

/// The issue's criterion: KS p-value at initialisation above 1 %.
const ISSUE_P_VALUE: f64 = 0.01;

fn gaussian(rows: usize, cols: usize, std: f64, rng: &mut StdRng) -> DMatrix<f64> {
    DMatrix::from_fn(rows, cols, |_, _| {
        let z: f64 = StandardNormal.sample(rng);
        std * z
    })
}

/// `count` orthonormal columns of length `dim` (QR of a Gaussian matrix).
fn orthonormal(dim: usize, count: usize, rng: &mut StdRng) -> DMatrix<f64> {
    gaussian(dim, count, 1.0, rng).qr().q()
}

/// Tracy–Widom scales of the edges in units of $\lambda = s^2/N$ at $\sigma = 1$. Upper:
/// Johnstone (2001) $\varsigma_+ = (\sqrt{N-1}+\sqrt n)(1/\sqrt{N-1}+1/\sqrt n)^{1/3}$; lower
/// ($q < 1$): Feldheim–Sodin (2010), Ma (2012) $\varsigma_- = (\sqrt{N-\frac12}-\sqrt{n-\frac12})
/// (1/\sqrt{n-\frac12}-1/\sqrt{N-\frac12})^{1/3}$; both divided by $N$.
fn edge_scales(rows: usize, cols: usize) -> (f64, f64) {
    let (n, big) = (rows.min(cols) as f64, rows.max(cols) as f64);
    let (a, b) = ((big - 1.0).sqrt(), n.sqrt());
    let upper = (a + b) * (1.0 / a + 1.0 / b).cbrt() / big;
    let (c, d) = ((big - 0.5).sqrt(), (n - 0.5).sqrt());
    let lower = (c - d) * (1.0 / d - 1.0 / c).cbrt() / big;
    (upper, lower)
}

/// Tolerances on $\sigma^2$ (relative) and $q$ (absolute) implied by edges within
/// [`EDGE_TW_SCALES`]: the worst case over the four corners $\lambda_\pm \pm K\varsigma_\pm\sigma^2$,
/// through $\sigma = (\sqrt{\lambda_+} + \sqrt{\lambda_-})/2$, $\sqrt q = (\sqrt{\lambda_+} -
/// \sqrt{\lambda_-})/(\sqrt{\lambda_+} + \sqrt{\lambda_-})$.
fn parameter_tolerances(rows: usize, cols: usize, variance: f64) -> (f64, f64) {
    let law = MarchenkoPastur::for_shape(rows, cols, variance.sqrt()).unwrap();
    let (lo, hi) = law.edges();
    let (up, down) = edge_scales(rows, cols);
    let (mut dv, mut dq) = (0.0f64, 0.0f64);
    for su in [-1.0, 1.0] {
        for sl in [-1.0, 1.0] {
            let h = (hi + su * EDGE_TW_SCALES * up * variance).sqrt();
            let l = (lo + sl * EDGE_TW_SCALES * down * variance).max(0.0).sqrt();
            let v = 0.25 * (h + l).powi(2);
            let q = ((h - l) / (h + l)).powi(2);
            dv = dv.max((v / variance - 1.0).abs());
            dq = dq.max((q - law.ratio()).abs());
        }
    }
    (dv, dq)
}

/// Checks the fitted law against the true one: edges within [`EDGE_TW_SCALES`], and the
/// parameters within [`parameter_tolerances`]. Returns the errors (σ² relative, q absolute, and
/// the edge errors in TW scales) for the report.
fn check_law(fit: &MarchenkoPasturFit, rows: usize, cols: usize, std: f64, what: &str) -> [f64; 4] {
    let variance = std * std;
    let truth = MarchenkoPastur::for_shape(rows, cols, std).unwrap();
    let (lo, hi) = truth.edges();
    let (flo, fhi) = fit.law.edges();
    let (up, down) = edge_scales(rows, cols);
    let upper_scales = (fhi - hi) / (up * variance);
    let lower_scales = (flo - lo) / (down * variance);
    assert!(
        upper_scales.abs() <= EDGE_TW_SCALES && lower_scales.abs() <= EDGE_TW_SCALES,
        "{what}: edges off by {upper_scales:.2} (upper) and {lower_scales:.2} (lower) TW scales"
    );
    let (tol_v, tol_q) = parameter_tolerances(rows, cols, variance);
    let dv = fit.law.variance() / variance - 1.0;
    let dq = fit.law.ratio() - truth.ratio();
    assert!(
        dv.abs() <= tol_v,
        "{what}: σ² off by {dv:.4}, tolerance {tol_v:.4}"
    );
    assert!(
        dq.abs() <= tol_q,
        "{what}: q off by {dq:.4}, tolerance {tol_q:.4}"
    );
    [dv, dq, upper_scales, lower_scales]
}

fn max_abs(rows: &[[f64; 4]], k: usize) -> f64 {
    rows.iter().map(|r| r[k].abs()).fold(0.0, f64::max)
}

#[test]
fn pure_noise_recovers_the_law_with_no_outliers_and_high_p_values() {
    for (size, &(rows, cols, std)) in SIZES.iter().enumerate() {
        let mut errors = Vec::new();
        let mut worst_p = 1.0f64;
        let mut worst_edge = [0.0f64; 2];
        let mut worst_p_true = 1.0f64;
        for seed in 0..SEEDS {
            let mut rng = StdRng::seed_from_u64(1000 * size as u64 + seed);
            let s = singular_values(&gaussian(rows, cols, std, &mut rng)).unwrap();
            let fit = fit_marchenko_pastur(&s, rows, cols, &FitOptions::default()).unwrap();
            let what = format!("{rows}x{cols} seed {seed}");
            assert!(
                fit.outliers.is_empty(),
                "{what}: outliers {:?}",
                fit.outliers
            );
            assert!(fit.converged && fit.zero_count == 0, "{what}: {fit:?}");
            assert_eq!(fit.bulk_count, rows.min(cols));
            assert!(fit.p_value > ISSUE_P_VALUE, "{what}: p = {}", fit.p_value);
            worst_p = worst_p.min(fit.p_value);
            errors.push(check_law(&fit, rows, cols, std, &what));
            // against the true law too: the spectrum itself, not only the fit, matches MP
            let truth = MarchenkoPastur::for_shape(rows, cols, std).unwrap();
            let big = rows.max(cols) as f64;
            let lambdas: Vec<f64> = s.iter().map(|x| x * x / big).collect();
            let d_true = kolmogorov_smirnov(&lambdas, |x| truth.cdf(x));
            let p_true = kolmogorov_p_value(d_true, lambdas.len());
            assert!(
                p_true > ISSUE_P_VALUE,
                "{what}: p against the true law {p_true}"
            );
            worst_p_true = worst_p_true.min(p_true);
            let (lo, hi) = singular_value_edges(rows, cols, std);
            let (flo, _) = fit.law.edges();
            let upper = fit.upper_singular_edge / hi - 1.0;
            if (rows, cols) == (784, 500) {
                assert!(
                    upper.abs() < ISSUE_EDGE_TOL,
                    "{what}: upper edge off by {upper:.4}"
                );
            }
            worst_edge[0] = worst_edge[0].max(upper.abs());
            worst_edge[1] = worst_edge[1].max(((big * flo).sqrt() / lo - 1.0).abs());
        }
        let (tol_v, tol_q) = parameter_tolerances(rows, cols, std * std);
        println!(
            "{rows}x{cols} σ={std}: max |Δσ²/σ²| {:.4} (tol {tol_v:.4}), max |Δq| {:.4} (tol {tol_q:.4}), \
             max edge error {:.2} / {:.2} TW scales (upper/lower), min p {worst_p:.3}, \
             min p vs true law {worst_p_true:.3}, max singular-edge error {:.4} / {:.4}, margin {:.4}",
            max_abs(&errors, 0),
            max_abs(&errors, 1),
            max_abs(&errors, 2),
            max_abs(&errors, 3),
            worst_edge[0],
            worst_edge[1],
            finite_size_margin(rows, cols),
        );
    }
}

#[test]
fn square_matrices_fit_at_the_hard_edge() {
    // q = 1: λ₋ = 0 is a hard edge (no TW scale there), so only the upper edge is held to
    // EDGE_TW_SCALES; logit q runs towards +∞ and must not leave the domain
    let (n, std) = (200, 0.5);
    let (up, _) = edge_scales(n, n);
    let mut worst = 0.0f64;
    for seed in 0..5 {
        let mut rng = StdRng::seed_from_u64(9000 + seed);
        let s = singular_values(&gaussian(n, n, std, &mut rng)).unwrap();
        let fit = fit_marchenko_pastur(&s, n, n, &FitOptions::default()).unwrap();
        let (_, hi) = MarchenkoPastur::for_shape(n, n, std).unwrap().edges();
        let scales = (fit.law.edges().1 - hi) / (up * std * std);
        assert!(
            fit.outliers.is_empty() && scales.abs() <= EDGE_TW_SCALES,
            "{seed}: {fit:?}"
        );
        assert!(fit.p_value > ISSUE_P_VALUE);
        worst = worst.max(scales.abs());
    }
    println!("200x200: upper edge within {worst:.2} TW scales");
}

#[test]
fn fixed_ratio_fits_the_variance_alone() {
    // q = n/N exactly: only σ² moves, so the upper edge alone bounds it (K ς₊ / λ₊ relative)
    for (size, &(rows, cols, std)) in SIZES.iter().enumerate() {
        let options = FitOptions {
            fit_ratio: false,
            ..FitOptions::default()
        };
        let (up, _) = edge_scales(rows, cols);
        let truth = MarchenkoPastur::for_shape(rows, cols, std).unwrap();
        let tol = EDGE_TW_SCALES * up / (truth.edges().1 / truth.variance());
        let mut worst = 0.0f64;
        for seed in 0..SEEDS {
            let mut rng = StdRng::seed_from_u64(1000 * size as u64 + seed);
            let s = singular_values(&gaussian(rows, cols, std, &mut rng)).unwrap();
            let fit = fit_marchenko_pastur(&s, rows, cols, &options).unwrap();
            assert_eq!(fit.law.ratio(), truth.ratio());
            let dv = fit.law.variance() / (std * std) - 1.0;
            assert!(
                dv.abs() <= tol,
                "{rows}x{cols} seed {seed}: σ² off by {dv}, tol {tol}"
            );
            assert!(fit.outliers.is_empty());
            worst = worst.max(dv.abs());
        }
        println!("{rows}x{cols} fixed q: max |Δσ²/σ²| {worst:.4} (tol {tol:.4})");
    }
}

#[test]
fn rank_three_spike_gives_exactly_three_outliers() {
    // strengths 3, 5, 8 θ_c: far above the threshold θ_c = σ(NvNh)^{1/4} (spectral.md); the
    // outliers then sit at s_out(θ) > 1.6 s₊, beyond any margin
    const SPIKE_SEEDS: u64 = 5;
    const STRENGTHS: [f64; 3] = [8.0, 5.0, 3.0];
    for (size, &(rows, cols, std)) in SIZES.iter().enumerate() {
        let theta_c = spike_threshold(rows, cols, std);
        let mut errors = Vec::new();
        for seed in 0..SPIKE_SEEDS {
            let mut rng = StdRng::seed_from_u64(5000 + 1000 * size as u64 + seed);
            let u = orthonormal(rows, 3, &mut rng);
            let v = orthonormal(cols, 3, &mut rng);
            let mut w = gaussian(rows, cols, std, &mut rng);
            for (a, t) in STRENGTHS.iter().enumerate() {
                w += t * theta_c * u.column(a) * v.column(a).transpose();
            }
            let s = singular_values(&w).unwrap();
            let fit = fit_marchenko_pastur(&s, rows, cols, &FitOptions::default()).unwrap();
            let what = format!("{rows}x{cols} spiked seed {seed}");
            assert_eq!(fit.outliers, vec![0, 1, 2], "{what}: {fit:?}");
            assert!(fit.converged, "{what}");
            assert_eq!(fit.bulk_count, rows.min(cols) - 3);
            let weakest = spike_outlier(3.0 * theta_c, rows, cols, std).unwrap();
            assert!(weakest > (1.0 + fit.margin) * fit.upper_singular_edge);
            errors.push(check_law(&fit, rows, cols, std, &what));
        }
        println!(
            "{rows}x{cols} rank-3 spike: max |Δσ²/σ²| {:.4}, max |Δq| {:.4}",
            max_abs(&errors, 0),
            max_abs(&errors, 1)
        );
    }
}

#[test]
fn exact_zeros_are_left_out_and_the_rest_is_fitted() {
    // 784×500 with its last 250 columns zero is a 784×250 Gaussian plus 250 zero values:
    // the fit sees MP(σ², 250/784)
    let (rows, cols, kept, std) = (784, 500, 250, 0.3);
    let mut rng = StdRng::seed_from_u64(77);
    let mut w = gaussian(rows, cols, std, &mut rng);
    w.columns_mut(kept, cols - kept).fill(0.0);
    let s = singular_values(&w).unwrap();
    let fit = fit_marchenko_pastur(&s, rows, cols, &FitOptions::default()).unwrap();
    assert_eq!(fit.zero_count, cols - kept);
    assert_eq!(fit.bulk_count, kept);
    assert!(fit.outliers.is_empty());
    check_law(&fit, rows, kept, std, "zero columns");
}

#[test]
fn a_collapsed_majority_becomes_the_bulk_and_the_rest_outliers() {
    // W = [X₁ | εX₂], X₁ 784×k₁, X₂ 784×k₂, ε = 1e-4 (directions shrunk by training). To O(ε²)
    // the k₂ small values are ε·s(P⊥X₂), P⊥ the projector on the N − k₁ directions X₁ misses:
    // an (N−k₁)×k₂ Gaussian. In λ = s²/N: MP(ε²σ²(N−k₁)/N, k₂/(N−k₁)), and the k₁ large values
    // are outliers of that bulk. Tolerances as for an (N−k₁)×k₂ matrix.
    let (rows, k1, k2, std, epsilon) = (784, 250, 250, 0.3, 1e-4);
    let mut rng = StdRng::seed_from_u64(78);
    let mut w = gaussian(rows, k1 + k2, std, &mut rng);
    w.columns_mut(k1, k2).scale_mut(epsilon);
    let s = singular_values(&w).unwrap();
    let fit = fit_marchenko_pastur(&s, rows, k1 + k2, &FitOptions::default()).unwrap();
    assert_eq!(fit.zero_count, 0);
    assert_eq!(fit.outliers, (0..k1).collect::<Vec<_>>());
    assert!(fit.converged);
    let effective = (rows - k1) as f64;
    let variance = (std * epsilon).powi(2);
    let (tol_v, tol_q) = parameter_tolerances(rows - k1, k2, variance);
    let dv = fit.law.variance() * rows as f64 / effective / variance - 1.0;
    let dq = fit.law.ratio() - k2 as f64 / effective;
    assert!(
        dv.abs() <= tol_v && dq.abs() <= tol_q,
        "Δσ² {dv} (tol {tol_v}), Δq {dq} (tol {tol_q})"
    );
    println!("collapsed majority: Δσ²/σ² {dv:.4} (tol {tol_v:.4}), Δq {dq:.4} (tol {tol_q:.4})");
}

#[test]
fn a_collapsed_minority_stays_in_the_bulk_and_fails_the_test() {
    // 100 of 500 directions shrunk 1e4-fold: the median lies in the large values, so the small
    // ones stay in the bulk; 20 % of the mass near λ = 0 is not MP and the p-value says so
    let (rows, cols, std) = (784, 500, 0.3);
    let mut rng = StdRng::seed_from_u64(79);
    let mut w = gaussian(rows, cols, std, &mut rng);
    w.columns_mut(400, 100).scale_mut(1e-4);
    let s = singular_values(&w).unwrap();
    let fit = fit_marchenko_pastur(&s, rows, cols, &FitOptions::default()).unwrap();
    assert_eq!(fit.zero_count, 0);
    assert!(fit.law.variance().is_finite() && fit.ks_statistic.is_finite());
    assert!(fit.p_value < ISSUE_P_VALUE, "p = {}", fit.p_value);
    println!(
        "collapsed minority: KS {:.3}, p {:.2e}, outliers {}",
        fit.ks_statistic,
        fit.p_value,
        fit.outliers.len()
    );
    // a spectrum nothing like MP (geometric decay) still gives an answer
    let geometric: Vec<f64> = (0..60).map(|i| (-(i as f64) / 5.0).exp()).collect();
    let fit = fit_marchenko_pastur(&geometric, 100, 60, &FitOptions::default()).unwrap();
    assert!(fit.ks_statistic.is_finite() && fit.bulk_count >= rbmdyn::spectral::fit::MIN_BULK);
    // all zero but one value: nothing to fit
    let mut lonely = vec![0.0; 60];
    lonely[0] = 1.0;
    let error = fit_marchenko_pastur(&lonely, 100, 60, &FitOptions::default()).unwrap_err();
    assert_eq!(parameter_name(error), "singular_values");
}

#[test]
fn kolmogorov_smirnov_statistic_by_hand() {
    const ROUND_OFF: f64 = 1e-15; // a few subtractions of numbers ≤ 1
                                  // uniform CDF at {0.1, 0.4, 0.7}: i/n − x = 0.2333, 0.2667, 0.3; x − (i−1)/n ≤ 0.1 → D = 0.3
    let uniform = |x: f64| x.clamp(0.0, 1.0);
    let d = kolmogorov_smirnov(&[0.7, 0.1, 0.4], uniform);
    assert!((d - 0.3).abs() < ROUND_OFF, "{d}");
    // one point at 0.9: max(1 − 0.9, 0.9 − 0) = 0.9
    assert!((kolmogorov_smirnov(&[0.9], uniform) - 0.9).abs() < ROUND_OFF);
    assert!(kolmogorov_smirnov(&[], uniform).is_nan());
    assert!(kolmogorov_smirnov(&[0.2, f64::NAN], uniform).is_nan());
    // p-values through Stephens' λ = (√n + 0.12 + 0.11/√n) D at n = 100 (λ = 10.131 D):
    // Q(1.36) = 0.0494, Q(1.63) = 0.0098, Q(0.5) = 0.9639 (Smirnov 1948; Numerical Recipes)
    const TABLE_TOL: f64 = 5e-4; // the tables give 3–4 digits
    for (lambda, q) in [(1.36, 0.0494), (1.63, 0.0098), (0.5, 0.9639)] {
        let p = kolmogorov_p_value(lambda / 10.131, 100);
        assert!((p - q).abs() < TABLE_TOL, "Q({lambda}) = {p}, table {q}");
    }
}

#[test]
fn margin_follows_tracy_widom() {
    // by hand: μ = (√(N−1) + √n)², ς = (√(N−1) + √n)(1/√(N−1) + 1/√n)^{1/3},
    // m = √(μ + 4.3594 ς)/(√N + √n) − 1; 784×500: μ = 2534.40, ς = 21.733
    const HAND_TOL: f64 = 1e-6; // the hand values are given to 7 digits
    for (rows, cols, m) in [
        (784, 500, 0.0181590),
        (400, 250, 0.0283327),
        (100, 60, 0.0697470),
    ] {
        let got = finite_size_margin(rows, cols);
        assert!((got - m).abs() < HAND_TOL, "{rows}x{cols}: {got}");
        assert_eq!(got, finite_size_margin(cols, rows));
    }
    assert!(finite_size_margin(0, 5).is_infinite() && finite_size_margin(1, 1).is_infinite());
}

fn parameter_name(error: Error) -> &'static str {
    match error {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("expected an invalid parameter, got {other}"),
    }
}

#[test]
fn bad_input_is_rejected_with_the_parameter_named() {
    let good: Vec<f64> = (0..6).map(|i| 6.0 - i as f64).collect();
    let fit = |s: &[f64], options: &FitOptions| fit_marchenko_pastur(s, 10, 6, options);
    let default = FitOptions::default();
    assert!(fit(&good, &default).is_ok());
    assert_eq!(
        parameter_name(fit(&[], &default).unwrap_err()),
        "singular_values"
    );
    let mut nan = good.clone();
    nan[2] = f64::NAN;
    let error = fit(&nan, &default).unwrap_err();
    assert!(error.to_string().contains("NaN at index 2"), "{error}");
    assert_eq!(parameter_name(error), "singular_values");
    let mut negative = good.clone();
    negative[5] = -1.0;
    assert_eq!(
        parameter_name(fit(&negative, &default).unwrap_err()),
        "singular_values"
    );
    let ascending: Vec<f64> = good.iter().rev().copied().collect();
    assert_eq!(
        parameter_name(fit(&ascending, &default).unwrap_err()),
        "singular_values"
    );
    assert!(matches!(
        fit(&good[..5], &default),
        Err(Error::ShapeMismatch { .. })
    ));
    let bad_margin = FitOptions {
        margin: Some(-0.1),
        ..default
    };
    assert_eq!(
        parameter_name(fit(&good, &bad_margin).unwrap_err()),
        "margin"
    );
    let no_iterations = FitOptions {
        max_iterations: 0,
        ..default
    };
    assert_eq!(
        parameter_name(fit(&good, &no_iterations).unwrap_err()),
        "max_iterations"
    );
    assert_eq!(
        parameter_name(fit_marchenko_pastur(&good, 0, 6, &default).unwrap_err()),
        "shape"
    );
}
