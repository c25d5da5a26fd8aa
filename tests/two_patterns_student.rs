//! `theory/two-correlated-patterns.md` prediction 6: a two-hidden-unit student trained by the
//! linear ODE $\dot w^a = \frac1N(C_{\rm data} - I)w^a$ (talk normalisation) grows along
//! $\eta^1$ and $\eta^2$ at the rates of predictions 1–2.

// Tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![allow(clippy::float_cmp)]

use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rbmdyn::analytic::linear_regime::LinearRegime;
use rbmdyn::analytic::two_patterns::{growth_rates, TwoPatternTeacher};
use rbmdyn::analytic::two_patterns_student::{finite_size_rates, projections};
use rbmdyn::stats::least_squares_slope;

/// The theory file's tolerance on the fitted rates (prediction 6). The fitted rates are the
/// finite-N eigenvalues $(N_k-1)c_{N_k}/N$ of $(C_{\rm data}-I)/N$ on $\hat\eta^k$; they differ
/// from $r^2(1+\kappa)/2$, $p^2(1-\kappa)/2$ because $c_{N_k}$ (the exact block correlation at
/// $N_k = N(1\pm\kappa)/2$ sites) is not $r^2$, $p^2$, and by the factor $(N_k-1)/N_k$. The
/// difference is largest for block 2 (250 sites at $\beta(1-\kappa) = 1.25$, closer to its
/// critical point) and falls like $1/N$: a finite-size effect, not a failure of the ODE.
const THEORY_TOL: f64 = 0.02;
/// The closed form $W(t) = e^{(C-I)t/N}W(0)$ is exponential along each eigenvector, so the fit
/// must return the finite-N eigenvalue up to round-off of the eigen-decomposition.
const EIGEN_TOL: f64 = 1e-8;

fn teacher(n: usize, beta: f64, seed: u64) -> TwoPatternTeacher {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut pm = |len: usize| -> Vec<f64> {
        (0..len)
            .map(|_| {
                if rand::Rng::random::<bool>(&mut rng) {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect()
    };
    let eta1 = pm(3 * n / 4);
    let eta2 = pm(n / 4);
    TwoPatternTeacher::new(beta, 0.5, eta1, eta2).unwrap()
}

/// $C_{ij} = \delta_{ij} + (1-\delta_{ij})\,c_{N_k}\eta_i\eta_j$ inside block k, 0 across.
fn data_correlation(t: &TwoPatternTeacher) -> DMatrix<f64> {
    let (b1, b2) = t.blocks();
    let (c1, c2) = (b1.pair_correlation(), b2.pair_correlation());
    let eta: Vec<f64> = t.eta1.iter().chain(&t.eta2).copied().collect();
    let n1 = t.eta1.len();
    let n = eta.len();
    DMatrix::from_fn(n, n, |i, j| {
        if i == j {
            1.0
        } else if i < n1 && j < n1 {
            c1 * eta[i] * eta[j]
        } else if i >= n1 && j >= n1 {
            c2 * eta[i] * eta[j]
        } else {
            0.0
        }
    })
}

/// Fitted slopes of $\ln\|\hat\eta^k{}^\top W(t)\|$ (norm over both hidden units) on
/// t ∈ [0, 10], 21 points.
fn fitted_rates(n: usize, beta: f64, seed: u64) -> ((f64, f64), TwoPatternTeacher) {
    let t = teacher(n, beta, seed);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed + 100);
    // w entries N(0, 0.01²), W = w/√N
    let w0 = DMatrix::from_fn(n, 2, |_, _| {
        let g: f64 = StandardNormal.sample(&mut rng);
        0.01 * g / (n as f64).sqrt()
    });
    let model = LinearRegime::new(data_correlation(&t), w0).unwrap();
    let times: Vec<f64> = (0..=20).map(|k| 0.5 * k as f64).collect();
    let (mut l1, mut l2) = (Vec::new(), Vec::new());
    for &tt in &times {
        // Ẇ = (C − I)W/N: the model's clock runs N times faster
        let u = projections(&t, &model.weights_at(tt / n as f64)).unwrap();
        l1.push(u[0].hypot(u[1]).ln());
        l2.push(u[2].hypot(u[3]).ln());
    }
    (
        (
            least_squares_slope(&times, &l1).0,
            least_squares_slope(&times, &l2).0,
        ),
        t,
    )
}

#[test]
fn linear_ode_rates_match_predictions_1_and_2() {
    // β = 2.5 (T < T₂): both directions grow, rates 0.748329 and 0.126171
    let (g1, g2) = growth_rates(2.5, 0.5).unwrap();
    let ((f1, f2), t) = fitted_rates(1000, 2.5, 1);
    let (e1, e2) = finite_size_rates(&t);
    assert!((f1 / e1 - 1.0).abs() < EIGEN_TOL, "{f1} vs eigenvalue {e1}");
    assert!((f2 / e2 - 1.0).abs() < EIGEN_TOL, "{f2} vs eigenvalue {e2}");
    assert!((f1 / g1 - 1.0).abs() < THEORY_TOL, "η¹ rate {f1} vs {g1}");
    // Correction to the theory file: at N = 1000 the η² rate is 0.121792, 3.5 % below
    // 0.126171 (the finite-size deviation of block 2 falls like 1/N: −1.65 % at N = 2000,
    // −0.81 % at 4000, −0.40 % at 8000), so "within 2 % (N ≥ 1000)" holds for η² only from
    // N = 2000 on. Asserted here so that the note stays true.
    assert!((f2 / g2 - 1.0) < -THEORY_TOL, "η² rate {f2} vs {g2}");
    let ((f1, f2), t) = fitted_rates(2000, 2.5, 3);
    let (e1, e2) = finite_size_rates(&t);
    assert!((f1 / e1 - 1.0).abs() < EIGEN_TOL && (f2 / e2 - 1.0).abs() < EIGEN_TOL);
    assert!((f1 / g1 - 1.0).abs() < THEORY_TOL, "η¹ rate {f1} vs {g1}");
    assert!((f2 / g2 - 1.0).abs() < THEORY_TOL, "η² rate {f2} vs {g2}");

    // β = 1.5 (T₂ < T < T₁): rate 0.713694 along η¹; p = 0, so along η² the rate is only
    // the paramagnetic block's O(1/N) value (χ₂ − 1)/N, χ₂ ≈ 1/(1 − β(1−κ)) = 4: compare it
    // with the leading rate, within the same 2 %
    let n = 1000;
    let ((f1, f2), t) = fitted_rates(n, 1.5, 2);
    let (g1, g2) = growth_rates(1.5, 0.5).unwrap();
    assert_eq!(g2, 0.0);
    let (e1, e2) = finite_size_rates(&t);
    assert!((f1 / e1 - 1.0).abs() < EIGEN_TOL, "{f1} vs eigenvalue {e1}");
    assert!((f2 - e2).abs() < EIGEN_TOL * e1, "{f2} vs eigenvalue {e2}");
    assert!((f1 / g1 - 1.0).abs() < THEORY_TOL, "η¹ rate {f1} vs {g1}");
    assert!(f2.abs() < THEORY_TOL * g1, "η² rate {f2} vs 0");
    eprintln!(
        "β = 1.5: η¹ rate {f1:.6}, η² rate {f2:.6} = (χ₂ − 1)/N, χ₂ = {:.4}",
        1.0 + n as f64 * f2
    );
}
