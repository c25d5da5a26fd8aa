//! Exponent fits for finite-size scaling (`../shared/theory/finite-size-scaling.md`, "Fitting
//! exponents with errors"): weighted least squares of $\ln y = c + a\ln N$, a bootstrap over runs,
//! and the fit with a correction to scaling $y = A N^a (1 + B N^{-1/2})$.

use super::fit_corrections::check_points;
use crate::error::{Error, Result};
use rand::Rng;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Result of a weighted linear fit $y = \beta_0 f_0(x) + \beta_1 f_1(x)$.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightedLinearFit {
    /// $(\beta_0, \beta_1)$.
    pub coefficients: [f64; 2],
    /// Covariance $(X^\top \Sigma^{-1} X)^{-1}$ (errors taken as known, not rescaled by χ²/dof).
    pub covariance: [[f64; 2]; 2],
    /// $\chi^2 = \sum_i (y_i - \hat y_i)^2/\sigma_i^2$.
    pub chi_square: f64,
}

/// Weighted least squares with two basis columns `f0`, `f1` and errors `sigma`. `None` for
/// mismatched lengths, fewer than two points, a non-positive σ or a singular normal matrix.
pub fn weighted_linear_fit(
    f0: &[f64],
    f1: &[f64],
    y: &[f64],
    sigma: &[f64],
) -> Option<WeightedLinearFit> {
    let n = y.len();
    if n < 2 || f0.len() != n || f1.len() != n || sigma.len() != n {
        return None;
    }
    if sigma.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return None;
    }
    let (mut a00, mut a01, mut a11, mut b0, mut b1) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for i in 0..n {
        let w = 1.0 / (sigma[i] * sigma[i]);
        a00 += w * f0[i] * f0[i];
        a01 += w * f0[i] * f1[i];
        a11 += w * f1[i] * f1[i];
        b0 += w * f0[i] * y[i];
        b1 += w * f1[i] * y[i];
    }
    let det = a00 * a11 - a01 * a01;
    if !(det.is_finite() && det.abs() > 1e-14 * (a00 * a11).abs()) {
        return None;
    }
    let cov = [[a11 / det, -a01 / det], [-a01 / det, a00 / det]];
    let beta = [
        cov[0][0] * b0 + cov[0][1] * b1,
        cov[1][0] * b0 + cov[1][1] * b1,
    ];
    let chi_square = (0..n)
        .map(|i| ((y[i] - beta[0] * f0[i] - beta[1] * f1[i]) / sigma[i]).powi(2))
        .sum();
    Some(WeightedLinearFit {
        coefficients: beta,
        covariance: cov,
        chi_square,
    })
}

/// Power law $\ln y = c + a\ln N$ fitted by weighted least squares.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerLawFit {
    /// Exponent $a$.
    pub exponent: f64,
    /// $\sqrt{\mathrm{Cov}_{aa}}$ from the fit covariance.
    pub exponent_standard_error: f64,
    /// $c = \ln A$.
    pub log_prefactor: f64,
    /// χ² of the fit.
    pub chi_square: f64,
    /// Number of points − 2.
    pub degrees_of_freedom: usize,
}

impl PowerLawFit {
    /// χ²/dof (NaN with no degree of freedom).
    pub fn chi_square_per_dof(&self) -> f64 {
        self.chi_square / self.degrees_of_freedom as f64
    }

    /// $P(\chi^2_{\rm dof} \ge \chi^2)$; NaN with no degree of freedom.
    pub fn chi_square_p_value(&self) -> f64 {
        ChiSquared::new(self.degrees_of_freedom as f64)
            .map(|d| d.sf(self.chi_square))
            .unwrap_or(f64::NAN)
    }

    /// $(a - a_{\rm expected})/\mathrm{SE}(a)$.
    pub fn z_score(&self, expected: f64) -> f64 {
        (self.exponent - expected) / self.exponent_standard_error
    }

    /// False ("flag") when the exponent is more than `standard_errors` SE from `expected`, or
    /// the power law itself is rejected (χ² p-value below `min_p_value`).
    pub fn is_consistent_with(
        &self,
        expected: f64,
        standard_errors: f64,
        min_p_value: f64,
    ) -> bool {
        self.z_score(expected).abs() <= standard_errors
            // NaN p-value (no degree of freedom) does not flag.
            && self.chi_square_p_value().partial_cmp(&min_p_value) != Some(std::cmp::Ordering::Less)
    }
}

/// Weighted fit of $\ln y = c + a\ln N$ with $\sigma(\ln y_i) = \mathrm{SE}_i/y_i$.
///
/// # Errors
/// Mismatched lengths, fewer than 2 points, a value, size or error not finite and positive, or
/// all sizes equal.
pub fn fit_power_law(
    sizes: &[f64],
    values: &[f64],
    standard_errors: &[f64],
) -> Result<PowerLawFit> {
    check_points(sizes, values, standard_errors, 2)?;
    let ones = vec![1.0; sizes.len()];
    let ln_n: Vec<f64> = sizes.iter().map(|n| n.ln()).collect();
    let ln_y: Vec<f64> = values.iter().map(|y| y.ln()).collect();
    let sigma: Vec<f64> = values
        .iter()
        .zip(standard_errors)
        .map(|(y, s)| s / y)
        .collect();
    let fit = weighted_linear_fit(&ones, &ln_n, &ln_y, &sigma)
        .ok_or_else(|| Error::invalid("sizes", "", "all sizes equal: slope undefined"))?;
    Ok(PowerLawFit {
        exponent: fit.coefficients[1],
        exponent_standard_error: fit.covariance[1][1].sqrt(),
        log_prefactor: fit.coefficients[0],
        chi_square: fit.chi_square,
        degrees_of_freedom: sizes.len() - 2,
    })
}

/// Per-size mean and standard error over runs (reuses [`super::mean_and_standard_error`]).
fn means_over_runs(runs: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    runs.iter()
        .map(|r| super::mean_and_standard_error(r))
        .unzip()
}

/// Power-law fit to per-size means over runs plus a bootstrap over runs.
#[derive(Clone, Debug, PartialEq)]
pub struct BootstrapPowerLaw {
    /// Fit to the per-size means with their standard errors.
    pub fit: PowerLawFit,
    /// Standard deviation of the exponent over the bootstrap resamples.
    pub bootstrap_standard_error: f64,
    /// Resamples whose fit succeeded.
    pub resamples: usize,
}

/// Runs per size below which the bootstrap is not attempted: with 2 runs every resample that
/// can be fitted has the original means (a resample of one run twice has zero SE), so the
/// bootstrap SE would be a spurious 0.
const MIN_BOOTSTRAP_RUNS: usize = 3;

/// Fits $\ln\bar y_N = c + a\ln N$ to the means over runs (errors: standard errors over runs) and
/// estimates SE(a) by a bootstrap: `resamples` times, for each N draw its runs with replacement,
/// recompute means and errors, refit. Resamples where a size's runs all coincide (zero error) are
/// skipped; the bootstrap SE is NaN if fewer than two resamples remain, and NaN with no
/// resamples when a size has fewer than 3 runs.
///
/// # Errors
/// `runs` and `sizes` of different lengths, fewer than 2 sizes, a size with fewer than 2 runs,
/// fewer than 2 resamples, or the fit to the data fails.
pub fn bootstrap_power_law<R: Rng + ?Sized>(
    sizes: &[f64],
    runs: &[Vec<f64>],
    resamples: usize,
    rng: &mut R,
) -> Result<BootstrapPowerLaw> {
    if runs.iter().any(|r| r.len() < 2) {
        return Err(Error::invalid(
            "runs",
            "",
            "each size needs at least 2 runs",
        ));
    }
    if resamples < 2 {
        return Err(Error::invalid("resamples", resamples, "need at least 2"));
    }
    let (means, ses) = means_over_runs(runs);
    let fit = fit_power_law(sizes, &means, &ses)?;
    if runs.iter().any(|r| r.len() < MIN_BOOTSTRAP_RUNS) {
        return Ok(BootstrapPowerLaw {
            fit,
            bootstrap_standard_error: f64::NAN,
            resamples: 0,
        });
    }
    let mut exponents = Vec::with_capacity(resamples);
    let mut drawn: Vec<Vec<f64>> = runs.iter().map(|r| vec![0.0; r.len()]).collect();
    for _ in 0..resamples {
        for (d, r) in drawn.iter_mut().zip(runs) {
            for v in d.iter_mut() {
                *v = r[rng.random_range(0..r.len())];
            }
        }
        let (m, s) = means_over_runs(&drawn);
        if let Ok(f) = fit_power_law(sizes, &m, &s) {
            exponents.push(f.exponent);
        }
    }
    let k = exponents.len();
    let mean = exponents.iter().sum::<f64>() / k as f64;
    let var = exponents.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (k as f64 - 1.0);
    Ok(BootstrapPowerLaw {
        fit,
        bootstrap_standard_error: var.sqrt(),
        resamples: k,
    })
}

/// Fit of $y = A N^a (1 + B N^{-1/2})$.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrectedPowerLawFit {
    /// Exponent $a$ at the minimum of the profile χ²(a).
    pub exponent: f64,
    /// $\sqrt{2/\chi''(a)}$ from the curvature of the profile χ² (Δχ² = 1).
    pub exponent_standard_error: f64,
    /// Amplitude $A$.
    pub amplitude: f64,
    /// Correction coefficient $B$.
    pub correction: f64,
    /// χ² at the minimum.
    pub chi_square: f64,
    /// Number of points − 3.
    pub degrees_of_freedom: usize,
    /// False when the minimum sits at an end of the exponent range searched or at the edge of
    /// the admissible region ($A > 0$, $|B| < \sqrt{N_{\min}}$); the curvature SE is then
    /// meaningless (infinite or NaN).
    pub minimum_inside_range: bool,
}

/// Fits $y = A N^a (1 + B N^{-1/2})$ with errors $\mathrm{SE}_i$ on $y_i$: a coarse scan of the
/// profile χ²(a) over `exponent_range`, then Brent's method (argmin) in the best cell. SE(a) from
/// the curvature of the profile, $\sqrt{2/\partial_a^2\chi^2}$. Only $A > 0$ and
/// $|B| < \sqrt{N_{\min}}$ are admitted (a correction smaller than the leading term).
///
/// # Errors
/// Fewer than 3 points, bad values (as [`fit_power_law`]), an empty or non-finite range.
pub fn fit_corrected_power_law(
    sizes: &[f64],
    values: &[f64],
    standard_errors: &[f64],
    exponent_range: (f64, f64),
) -> Result<CorrectedPowerLawFit> {
    check_points(sizes, values, standard_errors, 3)?;
    let f = super::fit_corrections::fit_with_corrections(
        sizes,
        values,
        standard_errors,
        exponent_range,
        1,
    )?;
    Ok(CorrectedPowerLawFit {
        exponent: f.exponent,
        exponent_standard_error: f.standard_error,
        amplitude: f.amplitude,
        correction: f.corrections[0],
        chi_square: f.chi_square,
        degrees_of_freedom: sizes.len() - 3,
        minimum_inside_range: f.minimum_inside_range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact data: only round-off of a 2×2 solve remains.
    const EXACT_TOL: f64 = 1e-10;

    #[test]
    fn exact_power_laws_are_recovered() {
        let sizes = [100.0, 400.0, 1600.0, 6400.0];
        let y: Vec<f64> = sizes.iter().map(|n: &f64| 3.0 * n.powf(0.7)).collect();
        let se: Vec<f64> = y.iter().map(|v| 0.01 * v).collect();
        let f = fit_power_law(&sizes, &y, &se).unwrap();
        assert!(
            (f.exponent - 0.7).abs() < EXACT_TOL && (f.log_prefactor - 3f64.ln()).abs() < EXACT_TOL
        );
        assert!(f.chi_square < EXACT_TOL);
        // σ(ln y) = 0.01 everywhere: SE(a) = 0.01/sqrt(Sxx) with Sxx over ln N.
        let ln: Vec<f64> = sizes.iter().map(|n| n.ln()).collect();
        let m = ln.iter().sum::<f64>() / 4.0;
        let sxx: f64 = ln.iter().map(|v| (v - m).powi(2)).sum();
        assert!((f.exponent_standard_error - 0.01 / sxx.sqrt()).abs() < EXACT_TOL);
        let yc: Vec<f64> = sizes
            .iter()
            .map(|n: &f64| 2.0 * n.powf(0.5) * (1.0 - 1.5 / n.sqrt()))
            .collect();
        let c = fit_corrected_power_law(&sizes, &yc, &se, (-2.0, 2.0)).unwrap();
        assert!((c.exponent - 0.5).abs() < 1e-6, "{c:?}");
        assert!(
            (c.amplitude - 2.0).abs() < 1e-5 && (c.correction + 1.5).abs() < 1e-4,
            "{c:?}"
        );
        assert!(c.minimum_inside_range);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(fit_power_law(&[1.0], &[1.0], &[1.0]).is_err());
        assert!(fit_power_law(&[1.0, 2.0], &[1.0, -1.0], &[1.0, 1.0]).is_err());
        assert!(fit_power_law(&[2.0, 2.0], &[1.0, 3.0], &[1.0, 1.0]).is_err());
        assert!(
            fit_corrected_power_law(&[1.0, 2.0, 3.0], &[1.0; 3], &[1.0; 3], (1.0, 0.0)).is_err()
        );
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
        assert!(
            bootstrap_power_law(&[1.0, 2.0], &[vec![1.0], vec![2.0, 3.0]], 10, &mut rng).is_err()
        );
    }
}
