//! Fitting the Marchenko–Pastur law to the bulk of a weight spectrum, with the outliers above it,
//! and the Kolmogorov–Smirnov test used to judge the fit.
//!
//! # Conventions
//! As [`MarchenkoPastur`]: a `rows × cols` matrix, $N = \max$, $n = \min$ of the two, the $n$
//! eigenvalues $\lambda = s^2/N$ of $W^\top W/N$ and the law MP$(\sigma^2, q)$ with
//! $\lambda_\pm = \sigma^2(1\pm\sqrt q)^2$. Singular values come **descending** (as from
//! [`crate::linalg::singular_values`]); outlier indices refer to that order, so the outliers are
//! always the first [`MarchenkoPasturFit::outliers`]`.len()` values.
//!
//! # Method
//! 1. *Zeros.* Values $s \le N\,\varepsilon_{\rm mach}\, s_{\max}$ (the numerical-rank cut of
//!    LAPACK/numpy) are exact zeros of a rank-deficient `W`, e.g. after long training has
//!    collapsed directions. They are left out of the fit and counted in
//!    [`MarchenkoPasturFit::zero_count`]; the remaining $n_0$ values are the spectrum of the
//!    non-zero part, so the ratio starts at $q_0 = n_0/N$ (a `784 × 500` matrix with 250 zero
//!    columns is a `784 × 250` Gaussian: $q = 250/784$). A cluster of *small but resolved* values
//!    (directions shrunk, not removed) stays in: if it holds most values, the median start puts
//!    the bulk there and everything above becomes an outlier, which is right when the cluster is
//!    itself MP (for $W = [X_1 | \varepsilon X_2]$ the fit returns the law of $\varepsilon
//!    P^\perp X_2$, see `tests/spectral_fit.rs`); if it is a minority, the fitted law is pulled
//!    towards zero, the p-value is tiny and the outliers are not to be trusted.
//! 2. *Start.* A robust scale from the median, $\hat\sigma^2_0 = \mathrm{med}(\lambda)/
//!    \mathrm{med}\,\mathrm{MP}(1, q_0)$ (unaffected by fewer than $n_0/2$ outliers), gives a
//!    first outlier set.
//! 3. *Fit.* On the current bulk of $n_b = n_0 - k$ values, minimise the KS distance between their
//!    empirical CDF (normalised by $n_b$) and the MP CDF, by Nelder–Mead (argmin) in
//!    $(\ln\sigma^2, \operatorname{logit} q)$ from $\sigma^2 = $ mean $\lambda$ of the bulk and
//!    $q = q_0$, restarted from the best point until it stops improving. The $n_b$ values are
//!    compared with the full MP law, not a truncated one: a rank-$k$ spike moves the other
//!    singular values only within the interlacing bounds $s_{i+k}(X) \le s_i(X + P) \le
//!    s_{i-k}(X)$, so their empirical CDF normalised by $n_b$ stays within $O(k/n)$ of the noise
//!    spectrum's, which is MP$(\sigma^2, n/N)$.
//! 4. *Outliers.* $s_i > (1 + m)\,\hat s_+$ with $\hat s_+ = \hat\sigma\sqrt N(1+\sqrt{\hat q})$ and
//!    the margin $m$ of [`finite_size_margin`]. Refit on the rest; stop when the set is stable,
//!    after `max_iterations` fits, or when it would leave fewer than [`MIN_BULK`] values.
//!
//! The KS distance is flat where the model law misses the data entirely, which is why the start
//! must be robust; the closed-form MP CDF makes one evaluation $O(n_b)$.

use super::marchenko_pastur::MarchenkoPastur;
use crate::error::{Error, Result};
use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use std::f64::consts::PI;

/// The TW$_1$ quantile $x$ with $P(\mathrm{TW}_1 > x) = 10^{-4}$. Computed from the
/// Ferrari–Spohn determinant $F_1(s) = \det(I - A_s)$, $A_s(x,y) = \mathrm{Ai}(x+y+s)$ on
/// $L^2(0,\infty)$ (Bornemann 2010's Gauss–Legendre quadrature, 60 nodes), which reproduces the
/// tabulated 0.95 and 0.99 quantiles 0.9793 and 2.0234 (Tracy–Widom 1996; Bejan 2005) to 1e-6.
/// For comparison $P(\mathrm{TW}_1 > 4.0) = 2.2\times10^{-4}$, $P(> 5.34) = 10^{-5}$.
pub const TRACY_WIDOM_QUANTILE: f64 = 4.3594;

/// Fewest values the fit runs on: two parameters need more than two points, and a KS statistic
/// of fewer than four values says nothing.
pub const MIN_BULK: usize = 4;

/// Below $\lambda = 1.18$ the alternating series of $Q_{KS}$ converges slowly; its Jacobi-theta
/// dual converges fast there (Numerical Recipes §6.14 uses the same switch).
const KOLMOGOROV_SWITCH: f64 = 1.18;

/// Relative size below which a further series term cannot change a probability in f64.
const SERIES_EPSILON: f64 = 1e-17;

/// Initial Nelder–Mead steps in $\ln\sigma^2$ (5 % in $\sigma^2$) and in
/// $\operatorname{logit} q$: a few times the expected error of the start, so the first simplex
/// brackets the minimum.
const SIMPLEX_STEP_LOG_VARIANCE: f64 = 0.05;
const SIMPLEX_STEP_LOGIT_RATIO: f64 = 0.2;

/// Nelder–Mead stops when the costs of its vertices agree to this (KS distances are $\ge 1/2n_b$,
/// so this is far below any meaningful change) or after [`NELDER_MEAD_ITERATIONS`].
const NELDER_MEAD_SD_TOLERANCE: f64 = 1e-12;
const NELDER_MEAD_ITERATIONS: u64 = 500;

/// Restarts of Nelder–Mead from its best point (a simplex can collapse on a kink of the KS
/// distance); each restart uses steps shrunk by [`RESTART_SHRINK`].
const NELDER_MEAD_RESTARTS: usize = 6;
const RESTART_SHRINK: f64 = 0.3;

/// Bisection steps for the MP median: $2^{-60}$ of the bulk width is below f64 resolution.
const BISECTION_STEPS: usize = 60;

/// The Kolmogorov–Smirnov statistic $D = \sup_x |F_n(x) - F(x)|$ of `samples` (any order)
/// against the continuous CDF `cdf`: with the order statistics $x_{(1)} \le \dots \le x_{(n)}$,
/// $D = \max_i \max\big(i/n - F(x_{(i)}),\ F(x_{(i)}) - (i-1)/n\big)$.
///
/// # Conventions
/// Returns NaN for no samples or a NaN sample.
pub fn kolmogorov_smirnov(samples: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    if samples.is_empty() || samples.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    ks_sorted(&sorted, cdf)
}

/// [`kolmogorov_smirnov`] of ascending, non-empty `sorted`.
fn ks_sorted(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted.iter().enumerate().fold(0.0, |d, (i, &x)| {
        let f = cdf(x);
        d.max((i as f64 + 1.0) / n - f).max(f - i as f64 / n)
    })
}

/// Asymptotic p-value of the KS statistic `d` of `n` samples: $Q_{KS}(\lambda)$ with Stephens'
/// (1970) finite-$n$ correction $\lambda = (\sqrt n + 0.12 + 0.11/\sqrt n)\,D$, where
/// $$Q_{KS}(\lambda) = 2\sum_{k\ge1} (-1)^{k-1} e^{-2k^2\lambda^2}
///   = 1 - \frac{\sqrt{2\pi}}{\lambda}\sum_{k\ge1} e^{-(2k-1)^2\pi^2/(8\lambda^2)}$$
/// (Kolmogorov 1933; Numerical Recipes §14.3.3). statrs has no Kolmogorov distribution, hence
/// this function.
///
/// # Conventions
/// The p-value assumes independent samples. **Eigenvalues of a random matrix are not
/// independent**: they repel, their counting function fluctuates only $O(\sqrt{\log n})$
/// instead of $O(\sqrt n)$, so the KS statistic of a true MP spectrum is typically far smaller
/// than that of $n$ iid draws and this p-value is **conservative** (too large) as a test of MP.
/// With parameters fitted to the same values (as in [`fit_marchenko_pastur`]) it is a
/// Lilliefors-type p-value, again conservative. NaN for `n = 0` or a negative or NaN `d`.
pub fn kolmogorov_p_value(d: f64, n: usize) -> f64 {
    if n == 0 || d.is_nan() || d < 0.0 {
        return f64::NAN;
    }
    let root = (n as f64).sqrt();
    kolmogorov_survival((root + 0.12 + 0.11 / root) * d)
}

/// $Q_{KS}(\lambda) = P(K > \lambda)$ of the Kolmogorov distribution, by whichever of its two
/// series converges fast at $\lambda$ (see [`kolmogorov_p_value`]).
fn kolmogorov_survival(lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 1.0;
    }
    if lambda < KOLMOGOROV_SWITCH {
        let mut sum = 0.0;
        for k in 1.. {
            let odd = (2 * k - 1) as f64;
            let term = (-odd * odd * PI * PI / (8.0 * lambda * lambda)).exp();
            sum += term;
            if term <= SERIES_EPSILON * sum {
                break;
            }
        }
        (1.0 - (2.0 * PI).sqrt() / lambda * sum).clamp(0.0, 1.0)
    } else {
        let mut sum = 0.0;
        for k in 1.. {
            let term = (-2.0 * (k * k) as f64 * lambda * lambda).exp();
            sum += if k % 2 == 1 { term } else { -term };
            if term <= SERIES_EPSILON * sum.abs() {
                break;
            }
        }
        (2.0 * sum).clamp(0.0, 1.0)
    }
}

/// Relative margin $m$ above the bulk edge $s_+ = \sigma(\sqrt{N_v} + \sqrt{N_h})$ beyond which a
/// singular value of pure noise occurs with probability $10^{-4}$:
/// $$1 + m = \frac{\sqrt{\mu + x\,\varsigma}}{\sqrt N + \sqrt n},\quad
///   \mu = (\sqrt{N-1} + \sqrt n)^2,\quad
///   \varsigma = (\sqrt{N-1} + \sqrt n)\Big(\frac1{\sqrt{N-1}} + \frac1{\sqrt n}\Big)^{1/3},$$
/// with $x$ = [`TRACY_WIDOM_QUANTILE`]. Johnstone (2001, Thm 1.1): the largest eigenvalue of
/// $X^\top X$ ($X$ with unit-variance Gaussian entries) is $\mu + \varsigma\,\mathrm{TW}_1$; the
/// singular value is its square root times $\sigma$. The scale shrinks like $N^{-2/3}$ relative
/// to $s_+$.
///
/// At `784 × 500`: $\mu = 2534.4$, $\varsigma = 21.74$, so TW$_1$'s mean $-1.21$ puts the top value
/// at $0.9944\,s_+$ with sd $0.0055\,s_+$ (`theory/spectral.md` observed $0.994 \pm 0.006$), and
/// $m = 0.0182$: below the 2 % the theory file calls safe. At `400 × 250`, $m = 0.0283$; at
/// `100 × 60`, $m = 0.0697$. A $10^{-6}$ quantile (5.34 → 6.26) would give 2.5 % at `784 × 500`.
///
/// [`fit_marchenko_pastur`] applies the margin to the *fitted* edge. The tests find it within
/// 0.9 TW scales of the true edge (60 noise matrices, three sizes), which lowers the effective
/// quantile to about 3.46: a false outlier per noise matrix with probability $\lesssim 7\times
/// 10^{-4}$, and $10^{-4}$ when the edge is right.
///
/// # Conventions
/// Infinite for an empty or `1 × 1` shape (no edge to speak of).
pub fn finite_size_margin(rows: usize, cols: usize) -> f64 {
    let (small, big) = (rows.min(cols) as f64, rows.max(cols) as f64);
    if small < 1.0 || big < 2.0 {
        return f64::INFINITY;
    }
    let (a, b) = ((big - 1.0).sqrt(), small.sqrt());
    let mu = (a + b).powi(2);
    let scale = (a + b) * (1.0 / a + 1.0 / b).cbrt();
    (mu + TRACY_WIDOM_QUANTILE * scale).sqrt() / (big.sqrt() + b) - 1.0
}

/// Options of [`fit_marchenko_pastur`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitOptions {
    /// Relative margin above the fitted edge for an outlier; `None`: [`finite_size_margin`] of
    /// the shape.
    pub margin: Option<f64>,
    /// Fit the ratio $q$ too; if false, $q = n_0/N$ is kept and only $\sigma^2$ is fitted.
    pub fit_ratio: bool,
    /// Most fits in the outlier iteration (at least 1).
    pub max_iterations: usize,
}

impl Default for FitOptions {
    /// Finite-size margin, $q$ fitted, at most 20 fits.
    fn default() -> Self {
        FitOptions {
            margin: None,
            fit_ratio: true,
            max_iterations: 20,
        }
    }
}

/// The Marchenko–Pastur law fitted to the bulk of a spectrum, and what lies outside it.
#[derive(Clone, Debug, PartialEq)]
pub struct MarchenkoPasturFit {
    /// The fitted law MP$(\hat\sigma^2, \hat q)$ of $\lambda = s^2/N$.
    pub law: MarchenkoPastur,
    /// KS distance between the bulk's empirical CDF and `law` (the minimised value).
    pub ks_statistic: f64,
    /// [`kolmogorov_p_value`] of `ks_statistic` with `bulk_count` values: conservative twice over
    /// (repelling eigenvalues, fitted parameters).
    pub p_value: f64,
    /// Number of values the law was fitted to.
    pub bulk_count: usize,
    /// Indices (into the descending singular values) of the outliers above the bulk: `0..k`.
    pub outliers: Vec<usize>,
    /// Number of numerical zeros left out (see the module docs); they are the last values.
    pub zero_count: usize,
    /// The relative margin used.
    pub margin: f64,
    /// $\hat s_+ = \sqrt{N\hat\lambda_+} = \hat\sigma\sqrt N(1+\sqrt{\hat q})$.
    pub upper_singular_edge: f64,
    /// Fits made in the outlier iteration.
    pub iterations: usize,
    /// Whether the outlier set was stable (false: iteration cap, a cycle, or the bulk would have
    /// dropped below [`MIN_BULK`]).
    pub converged: bool,
}

/// Fits MP$(\sigma^2, q)$ to the bulk of `singular_values` of a `rows × cols` matrix and finds the
/// outliers above it (method in the module docs).
///
/// # Errors
/// [`Error::InvalidParameter`] naming `singular_values` (empty, a value NaN, infinite or negative,
/// not descending, fewer than [`MIN_BULK`] non-zero values), `shape` (empty), `margin` (negative
/// or not finite) or `max_iterations` (zero); [`Error::ShapeMismatch`] if the number of values is
/// not $\min(\text{rows}, \text{cols})$.
pub fn fit_marchenko_pastur(
    singular_values: &[f64],
    rows: usize,
    cols: usize,
    options: &FitOptions,
) -> Result<MarchenkoPasturFit> {
    let (n, big) = check_input(singular_values, rows, cols, options)?;
    let margin = options
        .margin
        .unwrap_or_else(|| finite_size_margin(rows, cols));
    let big_f = big as f64;
    let s_max = singular_values[0];
    let zero_cut = s_max * big_f * f64::EPSILON;
    let nonzero = singular_values.iter().filter(|&&s| s > zero_cut).count();
    if nonzero < MIN_BULK {
        return Err(Error::invalid(
            "singular_values",
            format!("{nonzero} non-zero of {n}"),
            format!("the fit needs at least {MIN_BULK} values above N·ε·s_max"),
        ));
    }
    // ascending eigenvalues of the non-zero part
    let lambdas: Vec<f64> = singular_values[..nonzero]
        .iter()
        .rev()
        .map(|s| s * s / big_f)
        .collect();
    let ratio0 = nonzero as f64 / big_f;
    let count_above = |law: &MarchenkoPastur| {
        let cut = (1.0 + margin) * (big_f * law.edges().1).sqrt();
        singular_values[..nonzero - MIN_BULK]
            .iter()
            .take_while(|&&s| s > cut)
            .count()
    };
    let median = lambdas[nonzero / 2];
    let robust = MarchenkoPastur::new(median / mp_median(ratio0)?, ratio0)?;
    let mut k = count_above(&robust);
    let mut seen = vec![k];
    let mut iterations = 0;
    let mut converged = false;
    let (law, ks) = loop {
        let bulk = &lambdas[..nonzero - k];
        let (law, ks) = fit_bulk(bulk, ratio0, options.fit_ratio)?;
        iterations += 1;
        let next = count_above(&law);
        if next == k {
            converged = next < nonzero - MIN_BULK || next == 0;
            break (law, ks);
        }
        if iterations >= options.max_iterations || seen.contains(&next) {
            break (law, ks);
        }
        seen.push(next);
        k = next;
    };
    let bulk_count = nonzero - k;
    Ok(MarchenkoPasturFit {
        law,
        ks_statistic: ks,
        p_value: kolmogorov_p_value(ks, bulk_count),
        bulk_count,
        outliers: (0..k).collect(),
        zero_count: n - nonzero,
        margin,
        upper_singular_edge: (big_f * law.edges().1).sqrt(),
        iterations,
        converged,
    })
}

/// Validates the input of [`fit_marchenko_pastur`]; returns $(n, N)$.
fn check_input(
    values: &[f64],
    rows: usize,
    cols: usize,
    options: &FitOptions,
) -> Result<(usize, usize)> {
    if rows == 0 || cols == 0 {
        return Err(Error::invalid(
            "shape",
            format!("{rows}x{cols}"),
            "needs at least one row and one column",
        ));
    }
    if values.is_empty() {
        return Err(Error::invalid("singular_values", "[]", "no values to fit"));
    }
    let n = rows.min(cols);
    if values.len() != n {
        return Err(Error::shape(
            format!("singular values of a {rows}x{cols} matrix"),
            n.to_string(),
            values.len().to_string(),
        ));
    }
    let bad = |s: &&f64| !(s.is_finite() && **s >= 0.0);
    if let Some((i, s)) = values.iter().enumerate().find(|(_, s)| bad(s)) {
        return Err(Error::invalid(
            "singular_values",
            format!("{s} at index {i}"),
            "must be finite and non-negative",
        ));
    }
    if let Some(i) = values.windows(2).position(|w| w[1] > w[0]) {
        return Err(Error::invalid(
            "singular_values",
            format!("{} < {} at index {}", values[i], values[i + 1], i),
            "must be in descending order",
        ));
    }
    if let Some(m) = options.margin {
        if !(m.is_finite() && m >= 0.0) {
            return Err(Error::invalid("margin", m, "must be finite and ≥ 0"));
        }
    }
    if options.max_iterations == 0 {
        return Err(Error::invalid("max_iterations", 0, "must be at least 1"));
    }
    Ok((n, rows.max(cols)))
}

/// The MP CDF in closed form, $F(x) = I(x)/(2\pi\sigma^2 q)$ with
/// $$I(x) = \sqrt{(b-x)(x-a)} + \tfrac{a+b}2\big(\arcsin u + \tfrac\pi2\big) -
///   \sqrt{ab}\,\big(\arcsin v + \tfrac\pi2\big),$$
/// $u = \frac{2x-a-b}{b-a}$, $v = \frac{(a+b)x - 2ab}{x(b-a)}$, $a, b = \lambda_\mp$
/// (an antiderivative of $\sqrt{(b-x)(x-a)}/x$; $I(b) - I(a) = \tfrac\pi2(\sqrt b-\sqrt a)^2$,
/// which is $2\pi\sigma^2 q$). $O(1)$ per point, against [`MarchenkoPastur::cdf`]'s quadrature.
#[derive(Clone, Copy, Debug)]
struct ClosedFormCdf {
    lower: f64,
    upper: f64,
    geometric: f64,
    normalisation: f64,
}

impl ClosedFormCdf {
    fn new(law: &MarchenkoPastur) -> Self {
        let (lower, upper) = law.edges();
        ClosedFormCdf {
            lower,
            upper,
            geometric: (lower * upper).sqrt(),
            normalisation: 2.0 * PI * law.variance() * law.ratio(),
        }
    }

    fn at(&self, x: f64) -> f64 {
        let (a, b) = (self.lower, self.upper);
        if x <= a || x <= 0.0 {
            return 0.0;
        }
        if x >= b {
            return 1.0;
        }
        let u = ((2.0 * x - a - b) / (b - a)).clamp(-1.0, 1.0);
        let v = (((a + b) * x - 2.0 * a * b) / (x * (b - a))).clamp(-1.0, 1.0);
        let integral = ((b - x) * (x - a)).sqrt() + 0.5 * (a + b) * (u.asin() + 0.5 * PI)
            - self.geometric * (v.asin() + 0.5 * PI);
        (integral / self.normalisation).clamp(0.0, 1.0)
    }
}

/// Median of MP$(1, q)$, by bisection of the closed-form CDF.
fn mp_median(ratio: f64) -> Result<f64> {
    let law = MarchenkoPastur::new(1.0, ratio)?;
    let cdf = ClosedFormCdf::new(&law);
    let (mut lo, mut hi) = law.edges();
    for _ in 0..BISECTION_STEPS {
        let mid = 0.5 * (lo + hi);
        if cdf.at(mid) < 0.5 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// KS distance of an ascending bulk to MP at $(\ln\sigma^2, \operatorname{logit} q)$, or at
/// $\ln\sigma^2$ with $q$ fixed.
struct KsCost<'a> {
    bulk: &'a [f64],
    fixed_ratio: Option<f64>,
}

impl KsCost<'_> {
    fn law(&self, p: &[f64]) -> Option<MarchenkoPastur> {
        let ratio = match self.fixed_ratio {
            Some(q) => q,
            None => 1.0 / (1.0 + (-p.get(1)?).exp()),
        };
        MarchenkoPastur::new(p.first()?.exp(), ratio).ok()
    }
}

impl CostFunction for KsCost<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    /// Parameters that give no law (overflow, $q \to 0$) cost 2, more than any KS distance.
    fn cost(&self, p: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(match self.law(p) {
            Some(law) => {
                let cdf = ClosedFormCdf::new(&law);
                ks_sorted(self.bulk, |x| cdf.at(x))
            }
            None => 2.0,
        })
    }
}

/// Minimises the KS distance of the ascending `bulk` from $\sigma^2$ = its mean and $q$ =
/// `ratio`; returns the law and its KS distance.
fn fit_bulk(bulk: &[f64], ratio: f64, fit_ratio: bool) -> Result<(MarchenkoPastur, f64)> {
    let mean = bulk.iter().sum::<f64>() / bulk.len() as f64;
    let cost = KsCost {
        bulk,
        fixed_ratio: (!fit_ratio).then_some(ratio),
    };
    let mut best = if fit_ratio {
        vec![mean.ln(), (ratio / (1.0 - ratio)).ln()]
    } else {
        vec![mean.ln()]
    };
    let mut best_cost = cost.cost(&best).unwrap_or(2.0);
    let mut scale = 1.0;
    for _ in 0..NELDER_MEAD_RESTARTS {
        // logit(1) = ∞: start a square matrix just inside
        best.iter_mut().for_each(|x| *x = x.clamp(-700.0, 700.0));
        let steps = [SIMPLEX_STEP_LOG_VARIANCE, SIMPLEX_STEP_LOGIT_RATIO];
        let mut simplex = vec![best.clone()];
        for (i, step) in steps.iter().take(best.len()).enumerate() {
            let mut vertex = best.clone();
            vertex[i] += step * scale;
            simplex.push(vertex);
        }
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(NELDER_MEAD_SD_TOLERANCE)
            .map_err(|e| Error::invalid("sd_tolerance", NELDER_MEAD_SD_TOLERANCE, e.to_string()))?;
        let problem = KsCost {
            bulk,
            fixed_ratio: cost.fixed_ratio,
        };
        let found = Executor::new(problem, solver)
            .configure(|state| state.max_iters(NELDER_MEAD_ITERATIONS))
            .run()
            .ok()
            .and_then(|r| {
                Some((
                    r.state().get_best_param()?.clone(),
                    r.state().get_best_cost(),
                ))
            });
        match found {
            Some((p, c)) if c < best_cost => {
                best = p;
                best_cost = c;
            }
            _ => break,
        }
        scale *= RESTART_SHRINK;
    }
    let law = cost.law(&best).ok_or_else(|| {
        Error::NonFinite(format!("Marchenko–Pastur fit left the domain at {best:?}"))
    })?;
    Ok((law, best_cost))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kolmogorov_series_agree_and_stephens_correction_applies() {
        // tables: tests/spectral_fit.rs; here Q(1) = 2(e⁻² − e⁻⁸ + e⁻¹⁸ − …) = 0.2700 by hand
        const HAND_TOL: f64 = 1e-4;
        assert!((kolmogorov_survival(1.0) - 0.2700).abs() < HAND_TOL);
        // the two series agree where they switch
        const SERIES_TOL: f64 = 1e-14; // both converged to round-off
        let below = {
            let l: f64 = KOLMOGOROV_SWITCH;
            1.0 - (2.0 * PI).sqrt() / l
                * (1..20)
                    .map(|k| (-((2 * k - 1) as f64).powi(2) * PI * PI / (8.0 * l * l)).exp())
                    .sum::<f64>()
        };
        assert!((below - kolmogorov_survival(KOLMOGOROV_SWITCH)).abs() < SERIES_TOL);
        // Stephens' λ: n = 100, D = 0.136 → λ = (10 + 0.12 + 0.011)·0.136 = 1.3778
        let p = kolmogorov_p_value(0.136, 100);
        assert!((p - kolmogorov_survival(10.131 * 0.136)).abs() < SERIES_TOL);
        assert_eq!(kolmogorov_p_value(0.0, 10), 1.0);
        assert!(kolmogorov_p_value(1.0, 100) < 1e-80); // 2e^{-2·10.13²} ≈ 1e-89
        assert!(kolmogorov_p_value(0.1, 0).is_nan());
    }

    #[test]
    fn closed_form_cdf_matches_quadrature() {
        // MarchenkoPastur::cdf: Simpson in the angle, ~1e-14 for q ≤ 0.95 and at q = 1 (its
        // integrand has a feature of width √λ₋ that 2048 panels stop resolving as q → 1: the
        // error is 1e-7 at q = 0.99, 3e-5 at q = 0.999)
        const QUADRATURE_TOL: f64 = 1e-12;
        for (v, q) in [
            (2.0, 0.4),
            (1e-4, 0.05),
            (0.3, 1.0),
            (1.0, 0.9),
            (1.0, 500.0 / 784.0),
        ] {
            let law = MarchenkoPastur::new(v, q).unwrap();
            let cdf = ClosedFormCdf::new(&law);
            let (a, b) = law.edges();
            for k in 0..=40 {
                let x = a + (b - a) * k as f64 / 40.0;
                let diff = (cdf.at(x) - law.cdf(x)).abs();
                assert!(diff < QUADRATURE_TOL, "σ² {v} q {q} λ {x}: {diff}");
            }
        }
        // q = 0.99, reference by mpmath.quad at 30 digits
        const REFERENCE_TOL: f64 = 1e-14; // arcsin/sqrt round-off only
        let law = MarchenkoPastur::new(1.0, 0.99).unwrap();
        let got = ClosedFormCdf::new(&law).at(3.0844861808172817);
        assert!(
            (got - 0.950_968_043_094_832_4).abs() < REFERENCE_TOL,
            "{got}"
        );
        let median = mp_median(0.5).unwrap();
        let half = MarchenkoPastur::new(1.0, 0.5).unwrap().cdf(median);
        assert!((half - 0.5).abs() < QUADRATURE_TOL);
    }
}
