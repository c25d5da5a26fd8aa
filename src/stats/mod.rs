//! Statistics toolbox: stable log-sum-exp, means with standard errors, Pearson's χ² test,
//! autocorrelation times (`autocorrelation`) and exponent fits for finite-size scaling (`fit`).
//!
//! Tolerances of stochastic tests and validation cases come from these numbers (STYLE R8):
//! a mean is compared with its exact value in units of its standard error, and a sampled
//! histogram with exact probabilities by a χ² goodness-of-fit p-value.

pub mod autocorrelation;
pub mod fit;
pub mod fit_corrections;

pub use autocorrelation::{
    autocorrelation, autocovariance, ExponentialTime, IntegratedAutocorrelation, SokalWindow,
};
pub use fit::{
    bootstrap_power_law, fit_corrected_power_law, fit_power_law, weighted_linear_fit,
    BootstrapPowerLaw, CorrectedPowerLawFit, PowerLawFit, WeightedLinearFit,
};
pub use fit_corrections::{fit_second_order_corrected_power_law, SecondOrderPowerLawFit};

use crate::error::{Error, Result};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Stable $\ln\sum_i e^{x_i}$; empty or all $-\infty$ gives $-\infty$.
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    let m = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Stable $\ln\big(\frac1n\sum_i e^{x_i}\big)$.
pub fn log_mean_exp(xs: &[f64]) -> f64 {
    log_sum_exp(xs) - (xs.len().max(1) as f64).ln()
}

/// Sample mean and its standard error $s/\sqrt n$ (with the unbiased sample variance $s^2$),
/// for independent samples. Fewer than two samples give a standard error of $+\infty$.
pub fn mean_and_standard_error(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, f64::INFINITY);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::INFINITY);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, (var / n as f64).sqrt())
}

/// Result of Pearson's χ² goodness-of-fit test.
#[derive(Clone, Debug, PartialEq)]
pub struct ChiSquareTest {
    /// $X^2 = \sum_k (O_k - E_k)^2 / E_k$ over the (pooled) bins.
    pub statistic: f64,
    /// Degrees of freedom: number of pooled bins − 1.
    pub degrees_of_freedom: usize,
    /// $P(\chi^2_{\rm dof} \ge X^2)$.
    pub p_value: f64,
    /// Number of bins after pooling.
    pub bins: usize,
}

/// Smallest expected count of a bin in [`chi_square_test`]; rarer outcomes are pooled into one
/// bin (the usual validity rule of the χ² approximation).
pub const MIN_EXPECTED_COUNT: f64 = 5.0;

/// Pearson's χ² test of `observed` counts against exact `probabilities` (same order, summing
/// to 1). Bins whose expected count $n p_k$ is below [`MIN_EXPECTED_COUNT`] are pooled into one
/// bin (dropped if even the pool stays below it).
///
/// # Errors
/// Lengths differ, no counts, probabilities negative or not summing to 1 within 1e-9, or fewer
/// than two bins left after pooling.
pub fn chi_square_test(observed: &[u64], probabilities: &[f64]) -> Result<ChiSquareTest> {
    if observed.len() != probabilities.len() {
        return Err(Error::shape(
            "chi_square_test",
            format!("{} probabilities", observed.len()),
            format!("{}", probabilities.len()),
        ));
    }
    let n: u64 = observed.iter().sum();
    if n == 0 {
        return Err(Error::invalid("observed", 0, "no counts"));
    }
    let total_p: f64 = probabilities.iter().sum();
    if probabilities.iter().any(|&p| p.is_nan() || p < 0.0) || (total_p - 1.0).abs() > 1e-9 {
        return Err(Error::invalid(
            "probabilities",
            total_p,
            "must be >= 0 and sum to 1",
        ));
    }
    let n = n as f64;
    let mut bins: Vec<(f64, f64)> = Vec::new();
    let (mut pooled_o, mut pooled_e) = (0.0, 0.0);
    for (&o, &p) in observed.iter().zip(probabilities) {
        let e = n * p;
        if e >= MIN_EXPECTED_COUNT {
            bins.push((o as f64, e));
        } else {
            pooled_o += o as f64;
            pooled_e += e;
        }
    }
    if pooled_e >= MIN_EXPECTED_COUNT {
        bins.push((pooled_o, pooled_e));
    }
    if bins.len() < 2 {
        return Err(Error::invalid(
            "observed",
            bins.len(),
            "fewer than two bins with enough expected counts",
        ));
    }
    let statistic: f64 = bins.iter().map(|(o, e)| (o - e).powi(2) / e).sum();
    let dof = bins.len() - 1;
    let dist = ChiSquared::new(dof as f64)
        .map_err(|e| Error::invalid("degrees of freedom", dof, e.to_string()))?;
    Ok(ChiSquareTest {
        statistic,
        degrees_of_freedom: dof,
        p_value: dist.sf(statistic),
        bins: bins.len(),
    })
}

/// Least-squares slope of $\ln|y|$ against $\ln x$; `None` for fewer than two points, or when
/// a value is not positive and finite or all $x$ coincide.
pub fn log_log_slope(x: &[f64], y: &[f64]) -> Option<f64> {
    let ok = |v: &f64| v.is_finite() && *v > 0.0;
    if x.len() != y.len()
        || x.len() < 2
        || !x.iter().all(ok)
        || !y.iter().map(|v| v.abs()).all(|v| ok(&v))
    {
        return None;
    }
    let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let ly: Vec<f64> = y.iter().map(|v| v.abs().ln()).collect();
    let n = lx.len() as f64;
    let (mx, my) = (lx.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let sxy: f64 = lx.iter().zip(&ly).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = lx.iter().map(|a| (a - mx).powi(2)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Least-squares slope $b$ of $y = a + bx$ and its standard error
/// $\sqrt{\mathrm{RSS}/((n-2)S_{xx})}$ (NaN with fewer than 3 points).
pub fn least_squares_slope(x: &[f64], y: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let b = sxy / sxx;
    let rss: f64 = x
        .iter()
        .zip(y)
        .map(|(a, c)| (c - my - b * (a - mx)).powi(2))
        .sum();
    (b, (rss / (n - 2.0) / sxx).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    #[test]
    fn log_sum_exp_is_stable() {
        // Exact identities up to round-off.
        const TOL: f64 = 1e-12;
        assert!((log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < TOL);
        assert!((log_mean_exp(&[-1000.0, -1000.0]) + 1000.0).abs() < TOL);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
    }

    #[test]
    fn standard_error_of_known_sample() {
        let (m, se) = mean_and_standard_error(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        // s² = 5/3, se = sqrt(5/12)
        assert!((se - (5.0f64 / 12.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn chi_square_p_value_matches_closed_form_and_is_uniform_under_the_null() {
        // dof = 2: sf(x) = e^{-x/2} exactly.
        let t = chi_square_test(&[30, 30, 40], &[0.3, 0.3, 0.4]).unwrap();
        assert_eq!(t.statistic, 0.0);
        assert!((t.p_value - 1.0).abs() < 1e-12);
        let t = chi_square_test(&[20, 40, 40], &[0.3, 0.3, 0.4]).unwrap();
        let x2: f64 = 100.0 / 30.0 + 100.0 / 30.0;
        assert!((t.statistic - x2).abs() < 1e-12);
        assert!((t.p_value - (-x2 / 2.0).exp()).abs() < 1e-10);
        // Under the null, P(p < 0.05) = 0.05: 400 seeded tests, count ~ Binomial(400, 0.05),
        // mean 20, sd 4.36; accept within 4 sd.
        let probs = [0.1, 0.2, 0.3, 0.4];
        let mut rng = StdRng::seed_from_u64(7);
        let mut small = 0;
        for _ in 0..400 {
            let mut counts = [0u64; 4];
            for _ in 0..500 {
                let u: f64 = rng.random();
                let k = if u < 0.1 {
                    0
                } else if u < 0.3 {
                    1
                } else if u < 0.6 {
                    2
                } else {
                    3
                };
                counts[k] += 1;
            }
            if chi_square_test(&counts, &probs).unwrap().p_value < 0.05 {
                small += 1;
            }
        }
        assert!((small as f64 - 20.0).abs() < 4.0 * 4.36, "{small}");
    }

    #[test]
    fn rare_bins_are_pooled() {
        let t = chi_square_test(&[50, 48, 1, 1], &[0.5, 0.48, 0.01, 0.01]).unwrap();
        assert_eq!(t.bins, 2); // 100·0.02 = 2 < 5: the pool is dropped too
        assert!(chi_square_test(&[1, 2], &[0.5, 0.4]).is_err());
    }

    #[test]
    fn least_squares_slope_of_a_line_and_of_known_residuals() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let (b, se) = super::least_squares_slope(&x, &[1.0, 3.0, 5.0, 7.0]);
        assert!((b - 2.0).abs() < 1e-15 && se.abs() < 1e-15);
        // residuals +1, −1, −1, +1 around y = 2x: slope still 2, RSS = 4, Sxx = 5,
        // se = sqrt(4 / (2 · 5))
        let (b, se) = super::least_squares_slope(&x, &[1.0, 1.0, 3.0, 7.0]);
        assert!((b - 2.0).abs() < 1e-12, "{b}");
        assert!((se - (0.4f64).sqrt()).abs() < 1e-12, "{se}");
    }
}
