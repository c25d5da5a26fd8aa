use super::*;
use crate::analytic::ode::{dopri5, Dopri5Options};

/// Sums over 2^N states in f64; only round-off remains.
const ENUMERATION_TOL: f64 = 1e-12;
/// Brent roots to 1e-13/1e-14 and the sums at N = 100: round-off of ~200-term sums.
const ROOT_TOL: f64 = 1e-9;
/// Values computed by an independent numpy implementation (bisection to 1e-15) and quoted
/// to 6 decimals.
const QUOTED_TOL: f64 = 1e-6;

fn pattern(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i % 3 == 1 { -1.0 } else { 1.0 })
        .collect()
}

#[test]
fn reduced_flow_is_the_exact_gradient_by_enumeration() {
    // N = 8, N_h = 3: the full gradient of the mean log-likelihood under the exact teacher
    // law, ⟨s_i tanh(W_a·s)⟩_β − ⟨s_i τ_a⟩_model, by enumerating the 2^8 visible states
    // (τ summed analytically: ⟨s_i τ_a⟩ = Σ_s p(s) s_i tanh(W_a·s), p(s) ∝ Π_a cosh(W_a·s)).
    let (n, beta) = (8usize, 1.5);
    let xi = pattern(n);
    let p = vec![0.3, -0.5, 0.8];
    let sq = (n as f64).sqrt();
    let w = |i: usize, a: usize| xi[i] / sq * p[a];
    let (mut zt, mut zm) = (0.0, 0.0);
    let mut grad = vec![vec![0.0; p.len()]; n];
    let mut model = vec![vec![0.0; p.len()]; n];
    for code in 0..(1u32 << n) {
        let s: Vec<f64> = (0..n)
            .map(|i| if code >> i & 1 == 1 { 1.0 } else { -1.0 })
            .collect();
        let m: f64 = s.iter().zip(&xi).map(|(a, b)| a * b).sum();
        let teacher = (beta * m * m / (2.0 * n as f64)).exp();
        let fields: Vec<f64> = (0..p.len())
            .map(|a| (0..n).map(|i| s[i] * w(i, a)).sum())
            .collect();
        let weight: f64 = fields.iter().map(|x| x.cosh()).product();
        zt += teacher;
        zm += weight;
        for i in 0..n {
            for a in 0..p.len() {
                grad[i][a] += teacher * s[i] * fields[a].tanh();
                model[i][a] += weight * s[i] * fields[a].tanh();
            }
        }
    }
    let flow = IsingHiddenRankOne::new(n, beta, p.clone()).unwrap();
    let mut dp = vec![0.0; p.len()];
    flow.velocity(&p, &mut dp);
    for a in 0..p.len() {
        let g: Vec<f64> = (0..n).map(|i| grad[i][a] / zt - model[i][a] / zm).collect();
        let proj: f64 = (0..n).map(|i| xi[i] / sq * g[i]).sum();
        // the gradient is parallel to ξ (the ansatz is preserved)
        for i in 0..n {
            assert!(
                (g[i] - xi[i] / sq * proj).abs() < ENUMERATION_TOL,
                "i {i} a {a}"
            );
        }
        // dp/dt = ξ̂·(gradient)/N on the clock t = Nη·updates
        assert!(
            (dp[a] - proj / n as f64).abs() < ENUMERATION_TOL,
            "a {a}: {} vs {}",
            dp[a],
            proj / n as f64
        );
    }
}

#[test]
fn linear_regime_grows_at_the_spectral_rate() {
    // small p: ṗ = g p with g = c_N (N − 1)/N; tanh x = x(1 − x²/3 …) and the model's
    // χ − 1 = O(‖p‖²): relative corrections ~ 1e-8 at p ~ 1e-5 (N = 100)
    let n = 100;
    let cw = CurieWeiss::new(n, 1.5).unwrap();
    let g = cw.pair_correlation() * (n as f64 - 1.0) / n as f64;
    let p = vec![1e-5, -2e-5, 3e-6];
    let flow = IsingHiddenRankOne::new(n, 1.5, p.clone()).unwrap();
    assert!((flow.linear_rate() - g).abs() < ROOT_TOL);
    assert!((g - 0.714520).abs() < QUOTED_TOL, "{g}");
    let mut dp = vec![0.0; 3];
    flow.velocity(&p, &mut dp);
    for (d, x) in dp.iter().zip(&p) {
        assert!((d / x / g - 1.0).abs() < 1e-6, "{}", d / x);
    }
    // at p = 0 the model is uniform: χ = 1
    assert!((flow.susceptibility(&[0.0, 0.0, 0.0]) - 1.0).abs() < ROOT_TOL);
}

#[test]
fn equal_weights_fixed_points() {
    // finite N = 100, β = 1.5: an exact stationary point of the flow (every component)
    for (nh, sigma) in [(5, 5.588995), (10, 3.952015), (50, 1.815995)] {
        let s = equal_weights_fixed_point(100, nh, 1.5).unwrap();
        assert!((s - sigma).abs() < QUOTED_TOL, "N_h {nh}: {s}");
        let p = vec![s / (nh as f64).sqrt(); nh];
        let flow = IsingHiddenRankOne::new(100, 1.5, p.clone()).unwrap();
        let mut dp = vec![0.0; nh];
        flow.velocity(&p, &mut dp);
        assert!(dp.iter().all(|d| d.abs() < ROOT_TOL), "{dp:?}");
    }
    // large N: α y tanh(m y) = β m
    let m = magnetization(1.5).unwrap();
    for (alpha, sigma) in [(0.05, 5.759393), (0.1, 4.072506), (0.5, 1.861376)] {
        let s = equal_weights_fixed_point_large_n(alpha, 1.5).unwrap();
        assert!((s - sigma).abs() < QUOTED_TOL, "α {alpha}: {s}");
        let y = s / alpha.sqrt();
        assert!((alpha * y * (m * y).tanh() - 1.5 * m).abs() < ROOT_TOL);
    }
    // limits: σ* → √β (α → ∞, the Gaussian-hidden value) and β m/√α (α → 0); the
    // corrections are O(1/α) and O(e^{−2mβm/α}) respectively
    let big = equal_weights_fixed_point_large_n(1e4, 1.5).unwrap();
    assert!((big / 1.5f64.sqrt() - 1.0).abs() < 1e-3, "{big}");
    let small = equal_weights_fixed_point_large_n(1e-2, 1.5).unwrap();
    assert!((small * 0.1 / (1.5 * m) - 1.0).abs() < 1e-9, "{small}");
    assert!(equal_weights_fixed_point_large_n(0.1, 0.9).is_err());
    assert!(equal_weights_fixed_point_large_n(0.0, 1.5).is_err());
}

/// $\dot y = m\tanh(my)$, for the closed-form check.
struct Saturating {
    m: f64,
    y0: f64,
}

impl AnalyticModel for Saturating {
    fn name(&self) -> &'static str {
        "saturating"
    }
    fn initial_state(&self) -> DVector<f64> {
        DVector::from_element(1, self.y0)
    }
    fn rhs(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        dy[0] = self.m * (self.m * y[0]).tanh();
    }
}

#[test]
fn saturating_projection_solves_its_ode() {
    let m = magnetization(1.5).unwrap();
    let times: Vec<f64> = (0..=40).map(|k| 0.5 * k as f64).collect();
    for y0 in [0.01, -0.3, 2.0] {
        let traj = dopri5(&Saturating { m, y0 }, &times, &Dopri5Options::default()).unwrap();
        for (t, y) in times.iter().zip(&traj.states) {
            let c = saturating_projection(y0, m, *t);
            // RK45 at the default rtol (1e-10) over y up to ~20
            assert!(
                (c - y[0]).abs() < 1e-7 * y[0].abs().max(1.0),
                "t {t}: {c} vs {}",
                y[0]
            );
        }
    }
    // far in the linear-growth regime: y ≈ (m² t + ln(2 sinh(m y0)))/m, no overflow
    let y = saturating_projection(0.01, m, 1e4);
    let expect = (m * m * 1e4 + (2.0 * (m * 0.01).sinh()).ln()) / m;
    assert!((y / expect - 1.0).abs() < 1e-12, "{y} vs {expect}");
}

#[test]
fn finite_n_flow_approaches_the_large_n_paramagnetic_flow() {
    // N = 2000, paramagnetic (σ₁² = Σ y²/N ≈ 0.01): √N ṗ_a → m tanh(m y_a) up to the O(1/N)
    // model term and the O(1/N) spread of M/N around ±m_β; 1 % is ~10× those at this N
    let n = 2000;
    let nf = n as f64;
    let y = [0.5, -1.5, 3.0];
    let p: Vec<f64> = y.iter().map(|v| v / nf.sqrt()).collect();
    let flow = IsingHiddenRankOne::new(n, 1.5, p.clone()).unwrap();
    let mut dp = vec![0.0; 3];
    flow.velocity(&p, &mut dp);
    let m = magnetization(1.5).unwrap();
    for (d, v) in dp.iter().zip(&y) {
        let large = m * (m * v).tanh();
        assert!(
            (d * nf.sqrt() / large - 1.0).abs() < 1e-2,
            "{} vs {large}",
            d * nf.sqrt()
        );
    }
}

#[test]
fn crossing_interpolates_the_logarithm() {
    let t = [0.0, 1.0, 2.0];
    let v = [0.1, 0.5, 2.0];
    let c = log_crossing(&t, &v, 1.0).unwrap();
    assert!((c - (1.0 + 0.5f64.ln().abs() / 4.0f64.ln())).abs() < 1e-15);
    assert!(log_crossing(&t, &v, 3.0).is_none());
}
