//! Autocorrelation of Markov-chain time series: $\hat C(t)$ by FFT, Sokal's automatic window for
//! the integrated autocorrelation time, and the exponential time from the tail of $\ln\hat\rho(t)$.
//!
//! # Conventions
//! Several chains $x^{(r)}_1..x^{(r)}_{n_r}$ of the same observable are pooled: their **common**
//! mean $\bar x$ (over all samples) is subtracted and
//! $\hat C(t) = \sum_r \sum_{k=1}^{n_r-t} (x^{(r)}_k-\bar x)(x^{(r)}_{k+t}-\bar x) / \sum_r (n_r-t)$,
//! which for equal lengths is the mean over chains of
//! $\frac1{n-t}\sum_k (x_k-\bar x)(x_{k+t}-\bar x)$. $\hat\rho(t)=\hat C(t)/\hat C(0)$.
//! Sokal's convention (`../shared/theory/README.md`): $\tau_{\rm int} = \tfrac12 + \sum_{t\ge1}\rho(t)$
//! (AR(1) with coefficient φ: $(1+φ)/(2(1-φ))$), effective sample size $n/(2\tau_{\rm int})$.

use crate::error::{Error, Result};
use rustfft::{num_complex::Complex, FftPlanner};

/// Autocovariance $\hat C(t)$, $t = 0..\min_r n_r - 1$, of one or several chains (common mean
/// subtracted, lag products pooled over chains; see the module docs), computed by FFT in
/// $O(n\ln n)$ per chain (zero-padded to $\ge 2n$, so no circular wrap-around).
///
/// # Errors
/// No chain, an empty chain, or a non-finite value.
pub fn autocovariance(chains: &[&[f64]]) -> Result<Vec<f64>> {
    let min_len = chains.iter().map(|c| c.len()).min().unwrap_or(0);
    if min_len == 0 {
        return Err(Error::invalid(
            "chains",
            chains.len(),
            "need chains with at least one sample each",
        ));
    }
    if chains.iter().any(|c| c.iter().any(|v| !v.is_finite())) {
        return Err(Error::NonFinite(
            "autocovariance: a chain value is not finite".into(),
        ));
    }
    let total: usize = chains.iter().map(|c| c.len()).sum();
    let mean = chains.iter().flat_map(|c| c.iter()).sum::<f64>() / total as f64;
    let mut planner = FftPlanner::<f64>::new();
    let mut sums = vec![0.0; min_len];
    for chain in chains {
        let n = chain.len();
        let len = (2 * n).next_power_of_two();
        let forward = planner.plan_fft_forward(len);
        let inverse = planner.plan_fft_inverse(len);
        let mut buffer: Vec<Complex<f64>> = chain
            .iter()
            .map(|&x| Complex::new(x - mean, 0.0))
            .chain(std::iter::repeat(Complex::new(0.0, 0.0)))
            .take(len)
            .collect();
        forward.process(&mut buffer);
        for z in &mut buffer {
            *z = Complex::new(z.norm_sqr(), 0.0);
        }
        inverse.process(&mut buffer);
        for (s, z) in sums.iter_mut().zip(&buffer) {
            *s += z.re / len as f64; // rustfft does not normalise the inverse
        }
    }
    Ok(sums
        .iter()
        .enumerate()
        .map(|(t, s)| s / chains.iter().map(|c| (c.len() - t) as f64).sum::<f64>())
        .collect())
}

/// Normalised autocorrelation $\hat\rho(t) = \hat C(t)/\hat C(0)$ (see [`autocovariance`]).
///
/// # Errors
/// As [`autocovariance`], and zero variance ($\hat C(0) = 0$: ρ is undefined).
pub fn autocorrelation(chains: &[&[f64]]) -> Result<Vec<f64>> {
    let c = autocovariance(chains)?;
    if c[0] <= 0.0 {
        return Err(Error::invalid(
            "chains",
            c[0],
            "zero variance: autocorrelation undefined",
        ));
    }
    Ok(c.iter().map(|v| v / c[0]).collect())
}

/// Configuration of Sokal's automatic windowing.
#[derive(Clone, Debug, PartialEq)]
pub struct SokalWindow {
    window_factor: f64,
    trust_factor: f64,
    tail_noise_multiple: f64,
}

impl Default for SokalWindow {
    /// $c = 5$, trust $n \ge 1000\,\hat\tau$, τ_exp tail cut at 5 noise levels.
    fn default() -> Self {
        SokalWindow {
            window_factor: 5.0,
            trust_factor: 1000.0,
            tail_noise_multiple: 5.0,
        }
    }
}

/// Result of [`SokalWindow::estimate`]. Non-convergence is reported in the flags, not as an error.
#[derive(Clone, Debug, PartialEq)]
pub struct IntegratedAutocorrelation {
    /// $\hat\tau_{\rm int}(W) = \tfrac12 + \sum_{t=1}^{W}\hat\rho(t)$.
    pub tau_int: f64,
    /// The window $W$: the smallest lag with $W \ge c\,\hat\tau(W)$ (the largest lag examined when
    /// none qualifies; then `window_found` is false).
    pub window: usize,
    /// Whether a lag with $W \ge c\,\hat\tau(W)$ was found below the largest lag examined.
    pub window_found: bool,
    /// Madras–Sokal error $\sigma(\hat\tau) \approx \hat\tau\sqrt{2(2W+1)/n}$.
    pub standard_error: f64,
    /// Total number of samples $n$ (over all chains).
    pub samples: usize,
    /// $n/(2\hat\tau)$.
    pub effective_sample_size: f64,
    /// $n \ge$ trust factor $\times\hat\tau$ and the window was found; false means "too short to trust".
    pub trustworthy: bool,
}

/// Exponential autocorrelation time from a weighted fit of $\ln\hat\rho(t) = b - t/\tau_{\rm exp}$
/// over the tail $[t_{\max}/2,\, t_{\max}]$, where $t_{\max}$ is the last lag before $\hat\rho$ first
/// drops below `tail_noise_multiple` × its noise level $\sigma_\rho = \sqrt{2\hat\tau_{\rm int}/n}$
/// (Bartlett's large-lag variance $(1+2\sum\rho^2)/n \le 2\tau_{\rm int}/n$ for $\rho \ge 0$).
/// The lower half of the usable range is dropped so that faster modes have died out.
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentialTime {
    /// $\hat\tau_{\rm exp} = -1/\text{slope}$.
    pub tau_exp: f64,
    /// Error propagated from the fit's slope error. The lags' errors are correlated, which the
    /// weighted fit ignores, so this is an indication, not a calibrated error.
    pub standard_error: f64,
    /// First and last lag of the fit.
    pub fit_lags: (usize, usize),
}

impl SokalWindow {
    /// Window factor $c$ (5 by default; 6–8 for slow tails), trust factor (chains shorter than
    /// trust × τ̂ are flagged; 1000 by default) and the noise multiple that ends the τ_exp tail.
    ///
    /// # Errors
    /// Any factor not finite and positive; `window_factor` below 1 (the window must cover τ̂).
    pub fn new(window_factor: f64, trust_factor: f64, tail_noise_multiple: f64) -> Result<Self> {
        if !(window_factor.is_finite() && window_factor >= 1.0) {
            return Err(Error::invalid(
                "window_factor",
                window_factor,
                "must be finite and >= 1",
            ));
        }
        for (name, v) in [
            ("trust_factor", trust_factor),
            ("tail_noise_multiple", tail_noise_multiple),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::invalid(name, v, "must be finite and > 0"));
            }
        }
        Ok(SokalWindow {
            window_factor,
            trust_factor,
            tail_noise_multiple,
        })
    }

    /// The window factor $c$.
    pub fn window_factor(&self) -> f64 {
        self.window_factor
    }

    /// Sokal's estimate of $\tau_{\rm int}$ for one or several chains (see [`autocovariance`]).
    /// Lags up to half the shortest chain are examined.
    ///
    /// # Errors
    /// As [`autocorrelation`].
    pub fn estimate(&self, chains: &[&[f64]]) -> Result<IntegratedAutocorrelation> {
        let rho = autocorrelation(chains)?;
        Ok(self.estimate_from_rho(&rho, chains.iter().map(|c| c.len()).sum()))
    }

    /// As [`estimate`](Self::estimate), from a precomputed $\hat\rho$ and total sample count.
    pub fn estimate_from_rho(&self, rho: &[f64], samples: usize) -> IntegratedAutocorrelation {
        let max_lag = (rho.len() / 2).max(1).min(rho.len().saturating_sub(1));
        let mut tau = 0.5;
        let mut window = 0;
        let mut window_found = false;
        for (w, r) in rho.iter().enumerate().take(max_lag + 1).skip(1) {
            tau += r;
            window = w;
            if w as f64 >= self.window_factor * tau {
                window_found = true;
                break;
            }
        }
        let n = samples as f64;
        let standard_error = tau.abs() * (2.0 * (2 * window + 1) as f64 / n).sqrt();
        IntegratedAutocorrelation {
            tau_int: tau,
            window,
            window_found,
            standard_error,
            samples,
            effective_sample_size: n / (2.0 * tau),
            trustworthy: window_found && n >= self.trust_factor * tau,
        }
    }

    /// $\tau_{\rm exp}$ from the linear tail of $\ln\hat\rho$ (see [`ExponentialTime`] for how the
    /// tail is chosen). `None` when fewer than 3 lags qualify or the fitted slope is not negative.
    ///
    /// # Errors
    /// As [`autocorrelation`].
    pub fn exponential_time(&self, chains: &[&[f64]]) -> Result<Option<ExponentialTime>> {
        let rho = autocorrelation(chains)?;
        let samples: usize = chains.iter().map(|c| c.len()).sum();
        let tau = self.estimate_from_rho(&rho, samples).tau_int.max(0.5);
        let noise = (2.0 * tau / samples as f64).sqrt();
        let threshold = self.tail_noise_multiple * noise;
        let end = rho
            .iter()
            .skip(1)
            .position(|&r| r < threshold)
            .unwrap_or(rho.len() - 1);
        // `end` counts lags 1..: the last lag above the threshold is `end` itself.
        let t_max = end;
        let t_min = (t_max / 2).max(1);
        if t_max < t_min + 2 {
            return Ok(None);
        }
        let lags: Vec<f64> = (t_min..=t_max).map(|t| t as f64).collect();
        let logs: Vec<f64> = (t_min..=t_max).map(|t| rho[t].ln()).collect();
        let sigmas: Vec<f64> = (t_min..=t_max).map(|t| noise / rho[t]).collect();
        let ones = vec![1.0; lags.len()];
        let Some(fit) = super::fit::weighted_linear_fit(&ones, &lags, &logs, &sigmas) else {
            return Ok(None);
        };
        let (slope, slope_se) = (fit.coefficients[1], fit.covariance[1][1].sqrt());
        if slope >= 0.0 {
            return Ok(None);
        }
        Ok(Some(ExponentialTime {
            tau_exp: -1.0 / slope,
            standard_error: slope_se / (slope * slope),
            fit_lags: (t_min, t_max),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// FFT against the direct sum: only round-off of a length-2n transform remains.
    const FFT_TOL: f64 = 1e-10;

    fn direct(chains: &[&[f64]], t: usize) -> f64 {
        let total: usize = chains.iter().map(|c| c.len()).sum();
        let mean = chains.iter().flat_map(|c| c.iter()).sum::<f64>() / total as f64;
        let mut s = 0.0;
        let mut pairs = 0.0;
        for c in chains {
            for k in 0..c.len() - t {
                s += (c[k] - mean) * (c[k + t] - mean);
                pairs += 1.0;
            }
        }
        s / pairs
    }

    #[test]
    fn fft_autocovariance_equals_direct_sum() {
        let mut rng = StdRng::seed_from_u64(3);
        for seed_len in [1usize, 2, 7, 64, 333] {
            let a: Vec<f64> = (0..seed_len).map(|_| rng.random::<f64>()).collect();
            let b: Vec<f64> = (0..seed_len + 5)
                .map(|_| rng.random::<f64>() + 0.3)
                .collect();
            for chains in [vec![a.as_slice()], vec![a.as_slice(), b.as_slice()]] {
                let c = autocovariance(&chains).unwrap();
                assert_eq!(c.len(), seed_len);
                for (t, v) in c.iter().enumerate() {
                    assert!((v - direct(&chains, t)).abs() < FFT_TOL, "t {t}: {v}");
                }
            }
        }
    }

    #[test]
    fn bad_input_and_bad_configuration_are_errors() {
        assert!(autocovariance(&[]).is_err());
        assert!(autocovariance(&[&[]]).is_err());
        assert!(autocovariance(&[&[1.0, f64::NAN]]).is_err());
        assert!(autocorrelation(&[&[2.0, 2.0, 2.0]]).is_err());
        assert!(SokalWindow::new(0.5, 1000.0, 5.0).is_err());
        assert!(SokalWindow::new(5.0, -1.0, 5.0).is_err());
        assert!(SokalWindow::new(5.0, 1000.0, f64::NAN).is_err());
        assert!(SokalWindow::new(6.0, 1000.0, 5.0).is_ok());
    }

    #[test]
    fn short_slow_chain_is_flagged_not_an_error() {
        // A straight ramp: ρ̂ stays near 1 up to n/2, so no window qualifies.
        let ramp: Vec<f64> = (0..200).map(|k| k as f64).collect();
        let est = SokalWindow::default().estimate(&[&ramp]).unwrap();
        assert!(!est.window_found && !est.trustworthy, "{est:?}");
    }
}
