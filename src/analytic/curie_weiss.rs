//! The Curie–Weiss teacher and the one-Gaussian-hidden-unit student that learns it
//! (`theory/curie-weiss-gaussian-hidden.md`).
//!
//! # Conventions
//! Teacher $p_{CW}(s) = e^{\frac{\beta}{2N}(\xi\cdot s)^2}/Z$, $s_i = \pm1$, pattern
//! $\xi_i = \pm1$ (the theory file's $1/N$ normalisation; the talk omits it). The overlap
//! $M = \xi\cdot s \in \{-N, -N+2, \dots, N\}$ has the exact law
//! $P(M) \propto \binom{N}{(N+M)/2} e^{\beta M^2/(2N)}$; $m = M/N$.
//!
//! Student: one Gaussian hidden unit, $p(s,\tau) \propto e^{\tau w\cdot s - N\tau^2/2}$, so
//! $p(s) \propto e^{(w\cdot s)^2/(2N)}$: for $w = \sqrt q\,\xi$ it is the teacher at
//! $\beta = q$, and $\chi = \langle (\xi\cdot s)^2\rangle/N = \langle M^2\rangle_q / N$.

use super::AnalyticModel;
use crate::data::Encoding;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use rand::Rng;
use roots::{find_root_brent, SimpleConvergency};
use statrs::function::factorial::ln_binomial;

/// The spontaneous magnetisation $m(\beta)$: the largest root of $m = \tanh(\beta m)$, which
/// is 0 for $\beta \le 1$ (Brent's method from `roots`, to $10^{-15}$).
///
/// # Errors
/// `beta` negative or not finite; the root finder failing (it does not on a valid bracket).
pub fn magnetization(beta: f64) -> Result<f64> {
    if !(beta >= 0.0 && beta.is_finite()) {
        return Err(Error::invalid("beta", beta, "must be finite and >= 0"));
    }
    if beta <= 1.0 {
        return Ok(0.0);
    }
    // f(m) = m − tanh(βm) is negative just above 0 (slope 1 − β < 0) and f(1) > 0
    let f = |m: f64| m - (beta * m).tanh();
    let lo = (1e-300_f64).max(1e-9 * (beta - 1.0).sqrt());
    let mut conv = SimpleConvergency {
        eps: 1e-15,
        max_iter: 200,
    };
    let lo = if f(lo) < 0.0 { lo } else { f64::EPSILON };
    find_root_brent(lo, 1.0, f, &mut conv)
        .map_err(|e| Error::NonFinite(format!("m = tanh(βm) at β = {beta}: {e:?}")))
}

/// The exact finite-$N$ law of $M = \xi\cdot s$ under the Curie–Weiss teacher.
#[derive(Clone, Debug, PartialEq)]
pub struct CurieWeiss {
    n: usize,
    beta: f64,
    /// $P(M = 2k - N)$, $k = 0..=N$.
    probabilities: Vec<f64>,
}

impl CurieWeiss {
    /// The law at size `n` and inverse temperature `beta` (logs through `ln_binomial` and
    /// log-sum-exp).
    ///
    /// # Errors
    /// `n == 0`; `beta` negative or not finite.
    pub fn new(n: usize, beta: f64) -> Result<Self> {
        if n == 0 {
            return Err(Error::invalid("n", 0, "must be at least 1"));
        }
        if !(beta >= 0.0 && beta.is_finite()) {
            return Err(Error::invalid("beta", beta, "must be finite and >= 0"));
        }
        let nf = n as f64;
        let logs: Vec<f64> = (0..=n)
            .map(|k| {
                let m = 2.0 * k as f64 - nf;
                ln_binomial(n as u64, k as u64) + beta * m * m / (2.0 * nf)
            })
            .collect();
        let lse = crate::stats::log_sum_exp(&logs);
        Ok(CurieWeiss {
            n,
            beta,
            probabilities: logs.iter().map(|l| (l - lse).exp()).collect(),
        })
    }

    /// $N$.
    pub fn n(&self) -> usize {
        self.n
    }

    /// $\beta$.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// `(M, P(M))` for $M = -N, -N+2, \dots, N$.
    pub fn law(&self) -> Vec<(i64, f64)> {
        self.probabilities
            .iter()
            .enumerate()
            .map(|(k, &p)| (2 * k as i64 - self.n as i64, p))
            .collect()
    }

    /// $E[g(M)]$.
    pub fn expectation(&self, g: impl Fn(f64) -> f64) -> f64 {
        self.law().iter().map(|&(m, p)| p * g(m as f64)).sum()
    }

    /// $\langle M^2\rangle$.
    pub fn mean_m_squared(&self) -> f64 {
        self.expectation(|m| m * m)
    }

    /// $\chi = \langle M^2\rangle/N$ (the susceptibility along $\xi$; for the Gaussian-hidden
    /// student with $w = \sqrt q\,\xi$ use `CurieWeiss::new(n, q)`).
    pub fn susceptibility(&self) -> f64 {
        self.mean_m_squared() / self.n as f64
    }

    /// Off-diagonal data correlation $c_N = \xi_i\xi_j\langle s_i s_j\rangle =
    /// (\langle M^2\rangle - N)/(N(N-1))$ ($N \ge 2$).
    pub fn pair_correlation(&self) -> f64 {
        let nf = self.n as f64;
        (self.mean_m_squared() - nf) / (nf * (nf - 1.0))
    }

    /// Draws $M$ by inverse CDF.
    pub fn sample_overlap<R: Rng + ?Sized>(&self, rng: &mut R) -> i64 {
        let u: f64 = rng.random();
        let mut acc = 0.0;
        for (k, &p) in self.probabilities.iter().enumerate() {
            acc += p;
            if u < acc {
                return 2 * k as i64 - self.n as i64;
            }
        }
        self.n as i64
    }

    /// `samples` exact configurations along `pattern` ($\pm1$ entries, length $N$): draw $M$,
    /// then a uniformly random set of $(N+M)/2$ sites with $\xi_i s_i = +1$ (partial
    /// Fisher–Yates). Rows are samples, in `encoding` ($v = (1+s)/2$ for {0,1}).
    ///
    /// # Errors
    /// `pattern` of the wrong length or with entries other than ±1.
    #[allow(clippy::float_cmp)] // patterns must hold exactly ±1
    pub fn sample<R: Rng + ?Sized>(
        &self,
        pattern: &[f64],
        samples: usize,
        encoding: Encoding,
        rng: &mut R,
    ) -> Result<DMatrix<f64>> {
        let n = self.n;
        if pattern.len() != n || pattern.iter().any(|&x| x != 1.0 && x != -1.0) {
            return Err(Error::invalid(
                "pattern",
                format!("{} entries", pattern.len()),
                format!("must be {n} entries of ±1"),
            ));
        }
        let (off, on) = encoding.levels();
        let mut out = DMatrix::zeros(samples, n);
        let mut sites: Vec<usize> = (0..n).collect();
        for r in 0..samples {
            let m = self.sample_overlap(rng);
            let up = ((n as i64 + m) / 2) as usize;
            for k in 0..up {
                let j = rng.random_range(k..n);
                sites.swap(k, j);
            }
            for (k, &i) in sites.iter().enumerate() {
                let aligned = if k < up { 1.0 } else { -1.0 };
                let s = aligned * pattern[i];
                out[(r, i)] = if s > 0.0 { on } else { off };
            }
        }
        Ok(out)
    }
}

/// The reduced learning dynamics of one Gaussian hidden unit on Curie–Weiss data, with the
/// ansatz $w = w\,\xi$ (exact, it is preserved; theory file "Reduced exact dynamics"):
/// * large $N$ (`n = None`): $\dot w = w\,(m_\beta^2 - \mu(w^2)^2)$, $\mu(x)$ = [`magnetization`];
/// * finite $N$: $\dot w = \frac{w}{N^2}(\langle M^2\rangle_\beta - \langle M^2\rangle_{q=w^2})$.
///
/// Growth is exponential at rate $m_\beta^2$ until $w = 1$, then $w \to \sqrt\beta$.
#[derive(Clone, Debug)]
pub struct GaussianHiddenReduced {
    /// Teacher inverse temperature.
    pub beta: f64,
    /// `None`: large-N limit; `Some(N)`: exact finite-N averages.
    pub n: Option<usize>,
    /// $w(0)$.
    pub w0: f64,
    data_m2: f64,
}

impl GaussianHiddenReduced {
    /// The model; precomputes the data term.
    ///
    /// # Errors
    /// Bad `beta`, `n` or `w0` (not finite).
    pub fn new(beta: f64, n: Option<usize>, w0: f64) -> Result<Self> {
        if !w0.is_finite() {
            return Err(Error::invalid("w0", w0, "must be finite"));
        }
        let data_m2 = match n {
            None => magnetization(beta)?.powi(2),
            Some(n) => CurieWeiss::new(n, beta)?.mean_m_squared() / (n as f64).powi(2),
        };
        Ok(GaussianHiddenReduced {
            beta,
            n,
            w0,
            data_m2,
        })
    }

    /// The growth rate of the linear regime: $m_\beta^2$ (large $N$) or
    /// $(\langle M^2\rangle_\beta - \langle M^2\rangle_{q\to0})/N^2$ at $w(0)$.
    ///
    /// # Errors
    /// As [`CurieWeiss::new`].
    pub fn initial_rate(&self) -> Result<f64> {
        Ok(self.data_m2 - self.model_m2(self.w0 * self.w0)?)
    }

    fn model_m2(&self, q: f64) -> Result<f64> {
        match self.n {
            None => Ok(magnetization(q)?.powi(2)),
            Some(n) => Ok(CurieWeiss::new(n, q)?.mean_m_squared() / (n as f64).powi(2)),
        }
    }
}

impl AnalyticModel for GaussianHiddenReduced {
    fn name(&self) -> &'static str {
        "cw-gaussian-reduced"
    }
    fn initial_state(&self) -> DVector<f64> {
        DVector::from_element(1, self.w0)
    }
    fn rhs(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        let w = y[0];
        dy[0] = w * (self.data_m2 - self.model_m2(w * w).unwrap_or(f64::NAN));
    }
    fn state_names(&self) -> Vec<String> {
        vec!["w".into()]
    }
}

/// Quadrature points of the τ integral in [`GaussianHiddenFull`]: trapezoid on a uniform grid,
/// exponentially accurate for this smooth, fast-decaying integrand.
const TAU_POINTS: usize = 1201;

/// The full $N$-vector gradient flow of one Gaussian hidden unit on Curie–Weiss data
/// (theory file prediction 6), exact at finite $N$:
/// $\dot w_i = \frac1N\sum_j(\langle s_is_j\rangle_{\rm data} - \langle s_is_j\rangle_{\rm model})w_j$
/// with $\langle s_is_j\rangle_{\rm data} = \delta_{ij} + (1-\delta_{ij})\xi_i\xi_j c_N$ and
/// $\langle s_is_j\rangle_{\rm model} = E_\tau[\tanh(w_i\tau)\tanh(w_j\tau)]$ ($i \ne j$), the
/// $\tau$-density being $\propto e^{-N\tau^2/2 + \sum_k \ln\cosh(w_k\tau)}$ (a 1-D integral, by
/// the trapezoid rule on $|\tau| \le 4$).
#[derive(Clone, Debug)]
pub struct GaussianHiddenFull {
    /// The teacher's pattern ($\pm1$).
    pub pattern: Vec<f64>,
    /// $w(0)$.
    pub w0: Vec<f64>,
    c_n: f64,
}

impl GaussianHiddenFull {
    /// The flow for a teacher at `beta` with `pattern`, from `w0` (same length).
    ///
    /// # Errors
    /// Lengths differ or are below 2; bad `beta`.
    pub fn new(beta: f64, pattern: Vec<f64>, w0: Vec<f64>) -> Result<Self> {
        if pattern.len() != w0.len() || pattern.len() < 2 {
            return Err(Error::invalid(
                "w0",
                format!("{} entries", w0.len()),
                format!(
                    "must match the pattern's {} entries (at least 2)",
                    pattern.len()
                ),
            ));
        }
        let c_n = CurieWeiss::new(pattern.len(), beta)?.pair_correlation();
        Ok(GaussianHiddenFull { pattern, w0, c_n })
    }

    /// The finite-$N$ data correlation $c_N$.
    pub fn pair_correlation(&self) -> f64 {
        self.c_n
    }
}

impl AnalyticModel for GaussianHiddenFull {
    fn name(&self) -> &'static str {
        "cw-gaussian-full"
    }
    fn initial_state(&self) -> DVector<f64> {
        DVector::from_column_slice(&self.w0)
    }
    fn rhs(&self, _t: f64, w: &DVector<f64>, dw: &mut DVector<f64>) {
        let n = w.len();
        let nf = n as f64;
        let xi = &self.pattern;
        let xw: f64 = xi.iter().zip(w.iter()).map(|(a, b)| a * b).sum();
        // model: (1/N)[w_i + E_τ[tanh(w_iτ)(S(τ) − tanh(w_iτ)w_i)]], S(τ) = Σ_j tanh(w_jτ)w_j
        let limit = 4.0;
        let h = 2.0 * limit / (TAU_POINTS - 1) as f64;
        let log_weights: Vec<f64> = (0..TAU_POINTS)
            .map(|k| {
                let tau = -limit + h * k as f64;
                -nf * tau * tau / 2.0
                    + w.iter()
                        .map(|&wk| {
                            let x = (wk * tau).abs();
                            x + (-2.0 * x).exp().ln_1p() - std::f64::consts::LN_2
                        })
                        .sum::<f64>()
            })
            .collect();
        let top = log_weights
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = log_weights.iter().map(|l| (l - top).exp()).collect();
        let norm: f64 = weights.iter().sum();
        let mut model = vec![0.0; n];
        let mut th = vec![0.0; n];
        for (k, &pk) in weights.iter().enumerate() {
            if pk < 1e-300 {
                continue;
            }
            let tau = -limit + h * k as f64;
            let mut sum = 0.0;
            for (t, &wi) in th.iter_mut().zip(w.iter()) {
                *t = (wi * tau).tanh();
                sum += *t * wi;
            }
            let pk = pk / norm;
            for i in 0..n {
                model[i] += pk * th[i] * (sum - th[i] * w[i]);
            }
        }
        for i in 0..n {
            let data = w[i] + self.c_n * xi[i] * (xw - xi[i] * w[i]);
            dw[i] = (data - (w[i] + model[i])) / nf;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::ode::{dopri5, Dopri5Options};

    #[test]
    fn magnetization_matches_prediction_1() {
        // theory/curie-weiss-gaussian-hidden.md prediction 1, tol 1e-9
        for (beta, m) in [
            (1.2, 0.6585696604),
            (1.5, 0.8585596366),
            (2.0, 0.9575040241),
        ] {
            let got = magnetization(beta).unwrap();
            assert!((got - m).abs() < 1e-9, "β {beta}: {got}");
        }
        assert_eq!(magnetization(0.8).unwrap(), 0.0);
        assert!((magnetization(1.05).unwrap() - 0.370706).abs() < 1e-6);
        assert!(magnetization(-1.0).is_err());
    }

    #[test]
    fn exact_law_matches_prediction_2_and_susceptibility_prediction_3() {
        // prediction 2: exact-formula values to 1e-6 (the file's 6 digits)
        let cw = CurieWeiss::new(100, 1.2).unwrap();
        let abs_m = cw.expectation(|m| (m / 100.0).abs());
        let m2 = cw.expectation(|m| (m / 100.0).powi(2));
        assert!((abs_m - 0.592198).abs() < 1e-6, "{abs_m}");
        assert!((m2 - 0.382230).abs() < 1e-6, "{m2}");
        assert!((cw.pair_correlation() - 0.375990).abs() < 1e-6);
        let cw = CurieWeiss::new(1000, 1.2).unwrap();
        assert!((cw.expectation(|m| (m / 1000.0).abs()) - 0.654019).abs() < 1e-6);
        assert!((cw.expectation(|m| (m / 1000.0).powi(2)) - 0.429599).abs() < 1e-6);
        // prediction 3: χ_N(q), tol 1e-6
        for (n, q, chi) in [
            (100, 0.5, 1.961745),
            (1000, 0.5, 1.996019),
            (100, 0.9, 6.571054),
            (1000, 0.9, 9.257918),
            (100, 1.0, 11.448105),
            (1000, 1.0, 36.755208),
            (10_000, 1.0, 116.810138),
        ] {
            let got = CurieWeiss::new(n, q).unwrap().susceptibility();
            assert!((got - chi).abs() < 1e-6, "N {n} q {q}: {got}");
        }
    }

    #[test]
    fn reduced_ode_matches_predictions_4_and_5() {
        let times = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0];
        let model = GaussianHiddenReduced::new(1.5, None, 0.1).unwrap();
        let traj = dopri5(&model, &times, &Dopri5Options::default()).unwrap();
        let expected = [
            0.1, 0.208992, 0.436776, 0.912825, 1.196297, 1.220780, 1.224745,
        ];
        for (y, e) in traj.states.iter().zip(expected) {
            assert!((y[0] - e).abs() < 1e-5, "{} vs {e}", y[0]);
        }
        // prediction 5: finite N
        let m100 = GaussianHiddenReduced::new(1.5, Some(100), 0.1).unwrap();
        assert!((m100.initial_rate().unwrap() - 0.714421).abs() < 1e-5);
        let traj = dopri5(&m100, &[0.0, 10.0], &Dopri5Options::default()).unwrap();
        assert!(
            (traj.states[1][0] - 1.224745).abs() < 1e-5,
            "{:?}",
            traj.states[1]
        );
        let m1000 = GaussianHiddenReduced::new(1.5, Some(1000), 0.1).unwrap();
        assert!((m1000.initial_rate().unwrap() - 0.734955).abs() < 1e-5);
    }

    #[test]
    fn sampler_follows_the_exact_law() {
        use rand::SeedableRng;
        // N = 10, β = 1.5: χ² of the sampled M against P(M), and the configurations: M
        // recomputed from the rows, ξ-gauge symmetry (each site aligned with ξ equally often)
        let cw = CurieWeiss::new(10, 1.5).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let pattern: Vec<f64> = (0..10)
            .map(|i| if i % 3 == 0 { -1.0 } else { 1.0 })
            .collect();
        let samples = 100_000;
        let x = cw
            .sample(&pattern, samples, Encoding::Ising, &mut rng)
            .unwrap();
        let mut counts = vec![0u64; 11];
        for r in 0..samples {
            let m: f64 = (0..10).map(|i| x[(r, i)] * pattern[i]).sum();
            counts[((m + 10.0) / 2.0) as usize] += 1;
        }
        let probs: Vec<f64> = cw.law().iter().map(|p| p.1).collect();
        let test = crate::stats::chi_square_test(&counts, &probs).unwrap();
        // significance level 1e-3, as the other χ² checks of the suite
        assert!(test.p_value > 1e-3, "{test:?}");
        // P(s_i = ξ_i) is the same for every site: E[(1 + M/N)/2]; 4 SE of a proportion
        let expect = cw.expectation(|m| 0.5 * (1.0 + m / 10.0));
        let se = (expect * (1.0 - expect) / samples as f64).sqrt();
        for i in 0..10 {
            let aligned = (0..samples).filter(|&r| x[(r, i)] == pattern[i]).count() as f64;
            assert!(
                (aligned / samples as f64 - expect).abs() < 4.0 * se,
                "site {i}"
            );
        }
        // {0,1} encoding is (1 + s)/2 of the same draws
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let v = cw
            .sample(&pattern, 100, Encoding::Binary, &mut rng)
            .unwrap();
        assert_eq!(v, x.rows(0, 100).map(|s| 0.5 * (1.0 + s)));
        assert!(cw
            .sample(&pattern[..9], 1, Encoding::Ising, &mut rng)
            .is_err());

        // prediction 2: N = 100, β = 1.2, 10⁵ samples: ⟨|m|⟩ and ⟨m²⟩ within 4 SE of the exact
        // 0.592198 and 0.382230
        let cw = CurieWeiss::new(100, 1.2).unwrap();
        let xi = vec![1.0; 100];
        let x = cw.sample(&xi, samples, Encoding::Ising, &mut rng).unwrap();
        let ms: Vec<f64> = (0..samples).map(|r| x.row(r).sum() / 100.0).collect();
        for (g, exact) in [
            (&(|m: f64| m.abs()) as &dyn Fn(f64) -> f64, 0.592198),
            (&|m: f64| m * m, 0.382230),
        ] {
            let vals: Vec<f64> = ms.iter().map(|&m| g(m)).collect();
            let (mean, se) = crate::stats::mean_and_standard_error(&vals);
            assert!((mean - exact).abs() < 4.0 * se, "{mean} ± {se} vs {exact}");
        }
    }

    #[test]
    fn full_flow_grows_at_the_finite_n_rate_and_orders_prediction_6() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Normal};
        let n = 100;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let xi: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let normal = Normal::new(0.0, 0.01).unwrap();
        let w0: Vec<f64> = (0..n).map(|_| normal.sample(&mut rng)).collect();
        let model = GaussianHiddenFull::new(1.5, xi.clone(), w0).unwrap();
        assert!((model.pair_correlation() - 0.721738).abs() < 1e-6);
        let mut times: Vec<f64> = (0..=20).map(|k| 0.5 + 0.1 * k as f64).collect();
        times.insert(0, 0.0);
        times.push(30.0);
        let traj = dopri5(&model, &times, &Dopri5Options::default()).unwrap();
        let u_of = |y: &[f64]| -> f64 {
            y.iter().zip(&xi).map(|(a, b)| a * b).sum::<f64>() / (n as f64).sqrt()
        };
        // slope of ln|U_ξ| on [0.5, 2.5]: 0.714520 within 0.5 % (the theory file's tolerance)
        let xs: Vec<f64> = times[1..22].to_vec();
        let ys: Vec<f64> = traj.states[1..22]
            .iter()
            .map(|y| u_of(y).abs().ln())
            .collect();
        let (mx, my) = (xs.iter().sum::<f64>() / 21.0, ys.iter().sum::<f64>() / 21.0);
        let slope = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (x - mx) * (y - my))
            .sum::<f64>()
            / xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>();
        assert!((slope / 0.714520 - 1.0).abs() < 0.005, "slope {slope}");
        // ordered at t = 30: |u·ŵ| > 0.999 and ‖w‖/√N = √1.5 within 1e-5
        let w = traj.states.last().unwrap();
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        let overlap = u_of(w).abs() / norm;
        assert!(overlap > 0.999, "overlap {overlap}");
        assert!(
            (norm / (n as f64).sqrt() - 1.224745).abs() < 1e-5,
            "{}",
            norm / 10.0
        );
    }
}
