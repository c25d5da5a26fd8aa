//! `theory/spectral.md` predictions 3, 5 and 7: the singular-value rates of the linear regime
//! against the project's exact gradient (±1 and {0,1} units), and the rank-1 naive mean-field
//! fixed points on both sides of the threshold (σ = 1 for ±1, σ = 4 for {0,1}).
//!
//! Predictions 1, 2 are in `tests/spectral.rs`; 4 and 6 in `src/analytic/linear_regime.rs`.

// Tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![allow(clippy::float_cmp)]

use nalgebra::{DMatrix, DVector};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rbmdyn::mean_field::{
    IterativeSolver, Magnetizations, MeanFieldSolution, MeanFieldSolver, Order, UpdateScheme,
};
use rbmdyn::rbm::Rbm;
use rbmdyn::spectral::WeightSpectrum;
use rbmdyn::training::{ExactGradient, Gradient, GradientEstimator};
use rbmdyn::units::{Binary, Ising, UnitKind};
use roots::{find_root_brent, SimpleConvergency};

// ---------------------------------------------------------------------------------------------
// Predictions 3 and 5: exact gradient in the SVD frame
// ---------------------------------------------------------------------------------------------

/// Ratio tolerance of predictions 3 and 5. The linear-regime rate drops the non-linear terms of
/// the exact gradient: tanh(h) = h − h³/3 in the positive phase (h = Σ_i s_i W_ia, |h| ≈ √Nv·1e-3)
/// and the O(W²) correlations of the model (⟨s_i τ_a⟩ = W_ia (1 + O(Nv W², Nh W²))). Both are
/// O(W²) ≈ 1e-5 relative for entries of 1e-3, divided by |C_αα − 1| in the ratio; 1e-3 is the
/// theory file's bound (100× the expected size) and is not widened here.
const RATE_RATIO_TOL: f64 = 1e-3;

/// Modes with |C_αα − 1| (±1) or |4λ_α − 1| ({0,1}) below this have a linear rate of the order
/// of the O(W²) corrections, and their ratio is ill-defined (the theory's ratio assumes a rate
/// factor of order 1). Which modes fall below is decided by data and W alone, before any
/// gradient is computed. Those modes are checked on the absolute scale instead:
/// |rate − linear rate| < RATE_RATIO_TOL · MIN_RATE_FACTOR · σ_α(·scale), the error the ratio
/// bound allows at the margin. At 0.05 the expected ratio error is ≲ 2e-4.
const MIN_RATE_FACTOR: f64 = 0.05;

/// The {0,1} gradient equals ¼ of the ±1 gradient of the mapped model exactly (see
/// `binary_rates_match_exact_gradient_prediction_5`): only round-off of sums over 2⁶ states
/// and 2 to 6 data points, relative to gradients of size ~1e-3, remains.
const MAP_IDENTITY_TOL: f64 = 1e-10;

const NV: usize = 6;
const NH: usize = 3;
/// Standard deviation of the iid Gaussian weight entries ("W entries 1e-3").
const WEIGHT_STD: f64 = 1e-3;

/// ±1 patterns x of the data sets (visible units 1..6).
const PATTERNS: [[f64; NV]; 3] = [
    [1.0, 1.0, 1.0, 1.0, -1.0, -1.0],
    [1.0, -1.0, 1.0, -1.0, 1.0, 1.0],
    [-1.0, -1.0, 1.0, 1.0, 1.0, -1.0],
];

/// The symmetric ±1 data set {x_1, −x_1, …, x_k, −x_k} of the first `pairs` patterns (rows are
/// samples). Its mean is exactly 0 and C = ⟨s sᵀ⟩ = (1/k) Σ x_k x_kᵀ.
fn symmetric_data(pairs: usize) -> DMatrix<f64> {
    DMatrix::from_fn(2 * pairs, NV, |r, i| {
        let x = PATTERNS[r / 2][i];
        if r % 2 == 0 {
            x
        } else {
            -x
        }
    })
}

fn gaussian_weights(seed: u64) -> DMatrix<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    DMatrix::from_fn(NV, NH, |_, _| {
        let z: f64 = StandardNormal.sample(&mut rng);
        WEIGHT_STD * z
    })
}

/// The full-batch exact gradient ∂L/∂W of `rbm` on `data` (project estimator, enumeration).
fn exact_weight_gradient<V: UnitKind, H: UnitKind>(
    rbm: &Rbm<V, H>,
    data: &DMatrix<f64>,
) -> DMatrix<f64> {
    let mut gradient = Gradient::zeros(rbm.n_visible(), rbm.n_hidden());
    let mut rng = StdRng::seed_from_u64(0); // unused by the exact estimator
    ExactGradient::new()
        .estimate(rbm, data.as_view(), &mut rng, &mut gradient)
        .unwrap();
    gradient.weights
}

/// diag(Uᵀ G V): the rate dσ_α/dt that gradient flow along G gives to each singular value
/// (first-order perturbation of the SVD; invariant under the joint sign flip of u_α, v_α).
fn singular_value_rates(spectrum: &WeightSpectrum, gradient: &DMatrix<f64>) -> Vec<f64> {
    let projected = spectrum.left.transpose() * gradient * &spectrum.right;
    (0..spectrum.singular_values.len())
        .map(|a| projected[(a, a)])
        .collect()
}

/// C_αα = u_αᵀ M u_α for a symmetric matrix M.
fn diagonal_in_left_frame(spectrum: &WeightSpectrum, m: &DMatrix<f64>) -> Vec<f64> {
    let projected = spectrum.left.transpose() * m * &spectrum.left;
    (0..spectrum.singular_values.len())
        .map(|a| projected[(a, a)])
        .collect()
}

/// Worst |ratio − 1| and the number of ratio-checked modes, after asserting prediction 3/5 for
/// every mode: `rates` are diag(Uᵀ∇L V), the linear rate is σ_α · `scale` · `factor[α]` with
/// `factor` = C_αα − 1 (±1, scale 1) or 4λ_α − 1 ({0,1}, scale 1/16).
fn check_rates(
    rates: &[f64],
    singular_values: &[f64],
    factor: &[f64],
    scale: f64,
    label: &str,
) -> (f64, usize) {
    let mut worst: f64 = 0.0;
    let mut checked = 0;
    for a in 0..rates.len() {
        let predicted = singular_values[a] * scale * factor[a];
        if factor[a].abs() > MIN_RATE_FACTOR {
            let ratio = rates[a] / predicted;
            worst = worst.max((ratio - 1.0).abs());
            checked += 1;
            assert!(
                (ratio - 1.0).abs() < RATE_RATIO_TOL,
                "{label}, mode {a}: exact {} vs linear {predicted}, ratio {ratio}",
                rates[a]
            );
        } else {
            let bound = RATE_RATIO_TOL * MIN_RATE_FACTOR * singular_values[a] * scale;
            assert!(
                (rates[a] - predicted).abs() < bound,
                "{label}, mode {a} (rate factor {}): exact {} vs linear {predicted}",
                factor[a],
                rates[a]
            );
        }
    }
    (worst, checked)
}

/// Data sets × weight seeds of predictions 3 and 5: the single pair {x, −x} of the theory file
/// and the three-pair set.
const DATA_PAIRS: [usize; 2] = [1, 3];
const WEIGHT_SEEDS: std::ops::Range<u64> = 0..8;

#[test]
fn ising_rates_match_exact_gradient_prediction_3() {
    // spectral.md prediction 3: ±1 units, zero fields, Nv = 6, Nh = 3, W iid N(0, 1e-6), data
    // {x, −x} (and {x_k, −x_k}, k = 1..3): diag(Uᵀ ∇L V)_α / (σ_α (C_αα − 1)) = 1 within 1e-3.
    // x_1 = (+,+,+,+,−,−), x_2 = (+,−,+,−,+,+), x_3 = (−,−,+,+,+,−).
    let (mut worst, mut checked, mut modes): (f64, usize, usize) = (0.0, 0, 0);
    for pairs in DATA_PAIRS {
        let data = symmetric_data(pairs);
        let correlation = data.transpose() * &data / data.nrows() as f64;
        for seed in WEIGHT_SEEDS {
            let w = gaussian_weights(seed);
            let rbm = Rbm::new(w, DVector::zeros(NV), DVector::zeros(NH), Ising, Ising).unwrap();
            let spectrum = WeightSpectrum::of(&rbm).unwrap();
            let factor: Vec<f64> = diagonal_in_left_frame(&spectrum, &correlation)
                .iter()
                .map(|c| c - 1.0)
                .collect();
            let gradient = exact_weight_gradient(&rbm, &data);
            let rates = singular_value_rates(&spectrum, &gradient);
            let label = format!("pairs {pairs}, seed {seed}");
            let (err, n) = check_rates(&rates, &spectrum.singular_values, &factor, 1.0, &label);
            worst = worst.max(err);
            checked += n;
            modes += NH;
        }
    }
    println!("prediction 3: worst |ratio − 1| = {worst:.3e} over {checked} of {modes} modes");
}

/// Quotient of the ratio deviations at 10 W and W: (ratio − 1) = c₂W² + O(W⁴) gives 100; a
/// first-order (W) or third-order (W³) remainder would give 10 or 1000. The ±10 % band
/// identifies the power; the O(W⁴) term moves the quotient by ~99 (c₄/c₂) W², ≲ 1 % unless c₂
/// nearly cancels for a mode.
const SCALING_QUOTIENT: f64 = 100.0;
const SCALING_TOL: f64 = 0.1;

#[test]
fn ratio_deviation_of_prediction_3_is_second_order_in_w() {
    // The 1e-3 tolerance of predictions 3 and 5 rests on the deviation being O(W²): scaling W by
    // 10 (U, V and C_αα unchanged) must scale ratio − 1 by 100 for every mode.
    let mut extremes = (f64::INFINITY, f64::NEG_INFINITY);
    for pairs in DATA_PAIRS {
        let data = symmetric_data(pairs);
        let correlation = data.transpose() * &data / data.nrows() as f64;
        for seed in WEIGHT_SEEDS {
            let deviation = |scale: f64| -> Vec<f64> {
                let w = scale * gaussian_weights(seed);
                let rbm =
                    Rbm::new(w, DVector::zeros(NV), DVector::zeros(NH), Ising, Ising).unwrap();
                let spectrum = WeightSpectrum::of(&rbm).unwrap();
                let c = diagonal_in_left_frame(&spectrum, &correlation);
                let rates = singular_value_rates(&spectrum, &exact_weight_gradient(&rbm, &data));
                (0..NH)
                    .map(|a| rates[a] / (spectrum.singular_values[a] * (c[a] - 1.0)) - 1.0)
                    .collect()
            };
            let (small, large) = (deviation(1.0), deviation(10.0));
            for a in 0..NH {
                let q = large[a] / small[a];
                extremes = (extremes.0.min(q), extremes.1.max(q));
                assert!(
                    (q / SCALING_QUOTIENT - 1.0).abs() < SCALING_TOL,
                    "pairs {pairs}, seed {seed}, mode {a}: deviation {} at W, {} at 10 W",
                    small[a],
                    large[a]
                );
            }
        }
    }
    println!(
        "deviation quotient (10 W vs W): {:.2} to {:.2}",
        extremes.0, extremes.1
    );
}

#[test]
fn binary_rates_match_exact_gradient_prediction_5() {
    // spectral.md prediction 5: {0,1} units at the symmetric point a = −½ W₀₁ 1, b = −½ W₀₁ᵀ 1,
    // W₀₁ = 4W (W as in prediction 3), data v = (1 + s)/2 for the same symmetric sets:
    // diag(Uᵀ ∇L V)_α / (σ_α (4λ_α − 1)/16) = 1 within 1e-3, λ_α = u_αᵀ Cov_data(v) u_α.
    //
    // Where the 1/16 comes from (README.md map, v = (1+s)/2, h = (1+τ)/2): the model is the ±1
    // RBM with W' = W₀₁/4 and fields a' = a/2 + W₀₁1/4 = 0, b' = 0. Then
    // ⟨v_i h_j⟩ = ¼(1 + ⟨s_i⟩ + ⟨τ_j⟩ + ⟨s_i τ_j⟩), and ⟨s⟩, ⟨τ⟩ vanish in the data (symmetric
    // set, zero fields: ⟨tanh(W'ᵀs)⟩ over {s, −s} is 0) and in the model (global flip symmetry),
    // so ∂L/∂W₀₁ = ¼ ∂L/∂W' exactly. To first order ∂L/∂W' = (C − I)W' with C = ⟨s sᵀ⟩ =
    // 4 Cov(v) (the data mean of v is ½), hence ∂L/∂W₀₁ = ¼ (4Cov − I) W₀₁/4 = (4Cov − I)W₀₁/16:
    // one ¼ from the chain rule (W' = W₀₁/4), one from ⟨v h⟩ = ¼⟨s τ⟩ + const.
    // Clock: t is gradient-flow time of W₀₁ (dW₀₁/dt = ∂L/∂W₀₁); written for W' that flow is
    // dW'/dt = (1/16) ∂L/∂W', 16× slower than ±1 training of W' (prediction 3's clock).
    let (mut worst, mut checked, mut modes): (f64, usize, usize) = (0.0, 0, 0);
    for pairs in DATA_PAIRS {
        let spins = symmetric_data(pairs);
        let data = spins.map(|s| 0.5 * (1.0 + s));
        let m = data.nrows() as f64;
        let mean = data.row_sum() / m;
        let centred = DMatrix::from_fn(data.nrows(), NV, |r, i| data[(r, i)] - mean[i]);
        let covariance = centred.transpose() * &centred / m;
        for seed in WEIGHT_SEEDS {
            let w01 = 4.0 * gaussian_weights(seed);
            let a = -0.5 * &w01 * DVector::from_element(NH, 1.0);
            let b = -0.5 * w01.transpose() * DVector::from_element(NV, 1.0);
            let rbm = Rbm::new(w01.clone(), a, b, Binary, Binary).unwrap();
            let spectrum = WeightSpectrum::of(&rbm).unwrap();
            let factor: Vec<f64> = diagonal_in_left_frame(&spectrum, &covariance)
                .iter()
                .map(|lambda| 4.0 * lambda - 1.0)
                .collect();
            let gradient = exact_weight_gradient(&rbm, &data);

            // the exact identity ∂L/∂W₀₁ = ¼ ∂L/∂W' behind the 1/16
            let mapped = Rbm::new(
                &w01 / 4.0,
                DVector::zeros(NV),
                DVector::zeros(NH),
                Ising,
                Ising,
            )
            .unwrap();
            let ising_gradient = exact_weight_gradient(&mapped, &spins);
            let gap = (&gradient - 0.25 * &ising_gradient).amax();
            assert!(
                gap < MAP_IDENTITY_TOL * gradient.amax(),
                "pairs {pairs}, seed {seed}: ∂L/∂W₀₁ − ¼ ∂L/∂W' = {gap:e}"
            );

            let rates = singular_value_rates(&spectrum, &gradient);
            let label = format!("pairs {pairs}, seed {seed}");
            let (err, n) = check_rates(
                &rates,
                &spectrum.singular_values,
                &factor,
                1.0 / 16.0,
                &label,
            );
            worst = worst.max(err);
            checked += n;
            modes += NH;
        }
    }
    println!("prediction 5: worst |ratio − 1| = {worst:.3e} over {checked} of {modes} modes");
}

// ---------------------------------------------------------------------------------------------
// Prediction 7: rank-1 naive mean field
// ---------------------------------------------------------------------------------------------

/// Solver tolerance on the max-norm fixed-point residual.
const SOLVER_TOL: f64 = 1e-12;
/// Iteration limit: from a start of amplitude 1e-2 the σ = 1.1 mode needs ~10² iterations to
/// grow to O(1), and the contraction near either fixed point is ~0.9 per damped iteration
/// (runs converge in 200–450 iterations); 20 000 is far from binding.
const SOLVER_ITERATIONS: usize = 20_000;
/// Damping ρ of the iteration (the project's default).
const SOLVER_DAMPING: f64 = 0.5;
/// Amplitude of the small random start about the paramagnetic point.
const START_AMPLITUDE: f64 = 1e-2;
/// |m| (±1) or |m − ½| ({0,1}) at the paramagnetic fixed point: the residual 1e-12 divided by
/// the contraction gap 1 − (0.9)² ≈ 0.2 is ~5e-12 per unit; 1e-9 leaves a wide margin.
const PARAMAGNETIC_TOL: f64 = 1e-9;
/// Relative error of (X, Y) against the scalar pair. The distance of the iterate to the fixed
/// point is ≲ residual / (1 − Jacobian radius) ≈ 1e-12 / 0.2 per unit; X sums N such terms
/// times 1/√N, against X = O(√N · 0.3): ~1e-11 relative. Brent is run to 1e-15.
const FIXED_POINT_TOL: f64 = 1e-8;

const SIZES: [(usize, usize); 3] = [(20, 12), (200, 120), (12, 30)];
const START_SEEDS: [u64; 4] = [0, 1, 2, 3];

/// Unit vector with entries ±1/√n, random signs from `seed`.
fn sign_vector(n: usize, seed: u64) -> DVector<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let scale = 1.0 / (n as f64).sqrt();
    DVector::from_fn(n, |_, _| if rng.random_bool(0.5) { scale } else { -scale })
}

/// The positive root X, Y of X = √Nv tanh(σY/√Nv), Y = √Nh tanh(σX/√Nh) (σ > 1), solved
/// independently of the solver: with x = X/√Nv, y = Y/√Nh, r = √(Nh/Nv) the pair is
/// x = tanh(σ r y), y = tanh(σ x / r), i.e. the root in (0, 1) of f(x) = tanh(σ r tanh(σx/r)) − x
/// (f'(0) = σ² − 1 > 0, f(1) < 0), by Brent's method.
fn scalar_pair(sigma: f64, nv: usize, nh: usize) -> (f64, f64) {
    let r = (nh as f64 / nv as f64).sqrt();
    let f = |x: f64| (sigma * r * (sigma * x / r).tanh()).tanh() - x;
    let mut conv = SimpleConvergency {
        eps: 1e-15,
        max_iter: 200,
    };
    let x = find_root_brent(1e-6, 1.0, f, &mut conv).unwrap();
    let y = (sigma * x / r).tanh();
    (x * (nv as f64).sqrt(), y * (nh as f64).sqrt())
}

/// A small random start about the neutral point: `neutral + amplitude·U(−1, 1)` per unit.
fn small_start(nv: usize, nh: usize, neutral: f64, seed: u64) -> Magnetizations {
    let mut rng = StdRng::seed_from_u64(1000 + seed);
    let mut draw = |n: usize| {
        DMatrix::from_fn(1, n, |_, _| {
            neutral + START_AMPLITUDE * rng.random_range(-1.0..1.0)
        })
    };
    let visible = draw(nv);
    let hidden = draw(nh);
    Magnetizations { visible, hidden }
}

fn solvers() -> Vec<IterativeSolver> {
    [UpdateScheme::Sequential, UpdateScheme::Parallel]
        .into_iter()
        .map(|scheme| {
            IterativeSolver::new(
                Order::Naive,
                scheme,
                SOLVER_DAMPING,
                SOLVER_ITERATIONS,
                SOLVER_TOL,
            )
            // the default divergence heuristic: the σ = 1.1 runs escape the unstable
            // paramagnetic point slowly (the change grows ~10 % per damped iteration) before
            // converging, which must not be reported as `Diverged` (it was, before the
            // heuristic counted doubling as progress; notes/analytic-models.md)
            .unwrap()
        })
        .collect()
}

/// Projections X = u·μ^v, Y = v·μ^h of ±1-equivalent magnetisations μ (theory normalisation:
/// unit singular vectors, X = O(√Nv) when condensed). This is the normalisation in which the
/// theory's pair holds: at a fixed point μ^v_i = tanh(σ u_i Y) = sign(u_i) tanh(σY/√Nv), so
/// X = Σ_i |u_i| tanh(σY/√Nv) = √Nv tanh(σY/√Nv), and likewise for Y. (With X̃ = √Nv u·μ^v,
/// Ỹ = √Nh v·μ^h the pair would read X̃ = Nv tanh(σỸ/√(Nv Nh)) instead.)
fn projections(
    mu_v: &DVector<f64>,
    mu_h: &DVector<f64>,
    u: &DVector<f64>,
    v: &DVector<f64>,
) -> (f64, f64) {
    (u.dot(mu_v), v.dot(mu_h))
}

/// Checks one solution (±1-equivalent magnetisations μ = m or 2m − 1) against prediction 7 at
/// the ±1 coupling `sigma`; returns the relative error of (X, Y) (0 below threshold).
fn check_rank_one(
    solution: &MeanFieldSolution,
    to_spin: impl Fn(f64) -> f64,
    sigma: f64,
    u: &DVector<f64>,
    v: &DVector<f64>,
    label: &str,
) -> f64 {
    let (nv, nh) = (u.len(), v.len());
    assert!(
        solution.all_converged(),
        "{label}: {:?}",
        solution.convergence
    );
    let mu_v = DVector::from_fn(nv, |i, _| to_spin(solution.magnetizations.visible[(0, i)]));
    let mu_h = DVector::from_fn(nh, |j, _| to_spin(solution.magnetizations.hidden[(0, j)]));
    if sigma < 1.0 {
        let largest = mu_v.amax().max(mu_h.amax());
        assert!(largest < PARAMAGNETIC_TOL, "{label}: max |μ| = {largest:e}");
        return 0.0;
    }
    let (x, y) = projections(&mu_v, &mu_h, u, v);
    let (x_star, y_star) = scalar_pair(sigma, nv, nh);
    // the start picks one of the two mirror fixed points ±(X*, Y*)
    let sign = x.signum();
    assert_eq!(sign, y.signum(), "{label}: X = {x}, Y = {y}");
    let err = ((sign * x - x_star) / x_star)
        .abs()
        .max(((sign * y - y_star) / y_star).abs());
    assert!(
        err < FIXED_POINT_TOL,
        "{label}: (X, Y) = ({x}, {y}) vs ±({x_star}, {y_star})"
    );
    // and the fixed point is rank-1: μ^v_i = sign(u_i) X/√Nv, μ^h_j = sign(v_j) Y/√Nh
    let per_unit_v = (&mu_v - u * x).amax();
    let per_unit_h = (&mu_h - v * y).amax();
    assert!(
        per_unit_v < FIXED_POINT_TOL && per_unit_h < FIXED_POINT_TOL,
        "{label}: not along (u, v): {per_unit_v:e}, {per_unit_h:e}"
    );
    err
}

#[test]
fn ising_rank_one_mean_field_fixed_points_prediction_7() {
    // spectral.md prediction 7, ±1: W = σ u vᵀ, u_i = ±1/√Nv, v_j = ±1/√Nh, zero fields. Naive
    // MF from a small random start goes to m = 0 at σ = 0.9 and to (X*, Y*) of the scalar pair
    // at σ = 1.1, with X = u·m^v, Y = v·m^h.
    let mut worst: f64 = 0.0;
    for (k, &(nv, nh)) in SIZES.iter().enumerate() {
        let u = sign_vector(nv, 10 + k as u64);
        let v = sign_vector(nh, 20 + k as u64);
        for sigma in [0.9, 1.1] {
            let w = sigma * &u * v.transpose();
            let rbm = Rbm::new(w, DVector::zeros(nv), DVector::zeros(nh), Ising, Ising).unwrap();
            for solver in solvers() {
                for seed in START_SEEDS {
                    let start = small_start(nv, nh, 0.0, seed);
                    let solution = solver.solve(&rbm, &start).unwrap();
                    let label = format!("±1 {nv}×{nh} σ = {sigma} {} seed {seed}", solver.name());
                    worst = worst.max(check_rank_one(&solution, |m| m, sigma, &u, &v, &label));
                }
            }
        }
    }
    println!("prediction 7 (±1): worst relative error of (X, Y) = {worst:.3e}");
}

#[test]
fn binary_rank_one_mean_field_fixed_points_prediction_7() {
    // spectral.md prediction 7, {0,1}: W₀₁ = σ₀₁ u vᵀ at the symmetric point a = −½W₀₁1,
    // b = −½W₀₁ᵀ1; the map v = (1+s)/2 gives the ±1 model W' = W₀₁/4 with zero fields, and the
    // naive-MF equations map exactly (sigm(x) = (1 + tanh(x/2))/2), with μ = 2m − 1. Thresholds
    // at σ₀₁ = 4: m = ½ at 3.6, the scalar pair at σ₀₁/4 = 1.1 for 4.4.
    let mut worst: f64 = 0.0;
    for (k, &(nv, nh)) in SIZES.iter().enumerate() {
        let u = sign_vector(nv, 10 + k as u64);
        let v = sign_vector(nh, 20 + k as u64);
        for sigma01 in [3.6, 4.4] {
            let w = sigma01 * &u * v.transpose();
            let a = -0.5 * &w * DVector::from_element(nh, 1.0);
            let b = -0.5 * w.transpose() * DVector::from_element(nv, 1.0);
            let rbm = Rbm::new(w, a, b, Binary, Binary).unwrap();
            for solver in solvers() {
                for seed in START_SEEDS {
                    let start = small_start(nv, nh, 0.5, seed);
                    let solution = solver.solve(&rbm, &start).unwrap();
                    let label = format!(
                        "{{0,1}} {nv}×{nh} σ = {sigma01} {} seed {seed}",
                        solver.name()
                    );
                    let to_spin = |m: f64| 2.0 * m - 1.0;
                    worst = worst.max(check_rank_one(
                        &solution,
                        to_spin,
                        sigma01 / 4.0,
                        &u,
                        &v,
                        &label,
                    ));
                }
            }
        }
    }
    println!("prediction 7 ({{0,1}}): worst relative error of (X, Y) = {worst:.3e}");
}
