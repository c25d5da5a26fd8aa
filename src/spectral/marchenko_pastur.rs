//! The Marchenko–Pastur law of the singular values of a random weight matrix.
//!
//! # Conventions
//! `W` is `Nv × Nh` with iid entries of variance $\sigma^2$. Let $N = \max(N_v, N_h)$,
//! $n = \min(N_v, N_h)$ and the aspect ratio $q = n/N \le 1$. The $n$ **eigenvalues of
//! $W^\top W / N$** (or $W W^\top/N$, whichever is $n \times n$), $\lambda = s^2/N$ with $s$ a
//! singular value of `W`, follow for large $N$ the density
//! $$\rho(\lambda) = \frac{\sqrt{(\lambda_+-\lambda)(\lambda-\lambda_-)}}{2\pi\sigma^2 q \lambda},
//! \qquad \lambda_\pm = \sigma^2 (1 \pm \sqrt q)^2,$$
//! with no atom at zero (only the $n$ non-trivial eigenvalues are counted). In singular values
//! the bulk is $[\sigma|\sqrt{N_v} - \sqrt{N_h}|,\ \sigma(\sqrt{N_v} + \sqrt{N_h})]$
//! (`theory/spectral.md`). The mean of $\lambda$ is $\sigma^2$.

use crate::error::{Error, Result};

/// The Marchenko–Pastur law for eigenvalues $\lambda = s^2/N$ (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MarchenkoPastur {
    variance: f64,
    ratio: f64,
}

/// Intervals of the composite Simpson rule of [`MarchenkoPastur::cdf`], in the angle variable
/// where the integrand is smooth.
const SIMPSON_INTERVALS: usize = 2048;

impl MarchenkoPastur {
    /// The law with entry variance $\sigma^2$ = `variance` and aspect ratio $q$ = `ratio`.
    ///
    /// # Errors
    /// `variance` not positive and finite, or `ratio ∉ (0, 1]`.
    pub fn new(variance: f64, ratio: f64) -> Result<Self> {
        if !(variance > 0.0 && variance.is_finite()) {
            return Err(Error::invalid(
                "variance",
                variance,
                "must be positive and finite",
            ));
        }
        if !(ratio > 0.0 && ratio <= 1.0) {
            return Err(Error::invalid("ratio", ratio, "must lie in (0, 1]"));
        }
        Ok(MarchenkoPastur { variance, ratio })
    }

    /// The law of a `rows × cols` matrix with iid entries of standard deviation `std`.
    ///
    /// # Errors
    /// An empty shape or a `std` that is not positive and finite.
    pub fn for_shape(rows: usize, cols: usize, std: f64) -> Result<Self> {
        if rows == 0 || cols == 0 {
            return Err(Error::invalid(
                "shape",
                format!("{rows}x{cols}"),
                "needs at least one row and one column",
            ));
        }
        let (n, big) = (rows.min(cols) as f64, rows.max(cols) as f64);
        Self::new(std * std, n / big)
    }

    /// $\sigma^2$.
    pub fn variance(&self) -> f64 {
        self.variance
    }

    /// $q = n/N$.
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// $(\lambda_-, \lambda_+) = \sigma^2 (1 \mp \sqrt q)^2$.
    pub fn edges(&self) -> (f64, f64) {
        let r = self.ratio.sqrt();
        (
            self.variance * (1.0 - r).powi(2),
            self.variance * (1.0 + r).powi(2),
        )
    }

    /// $\rho(\lambda)$; zero outside $[\lambda_-, \lambda_+]$.
    pub fn density(&self, lambda: f64) -> f64 {
        let (a, b) = self.edges();
        if lambda <= a || lambda >= b || lambda <= 0.0 {
            return 0.0;
        }
        ((b - lambda) * (lambda - a)).sqrt()
            / (2.0 * std::f64::consts::PI * self.variance * self.ratio * lambda)
    }

    /// $F(\lambda) = \int_{\lambda_-}^{\lambda} \rho$, by Simpson's rule in the angle $\varphi$
    /// with $\lambda = \lambda_- + (\lambda_+ - \lambda_-)\sin^2\varphi$, where the square-root
    /// edges become smooth: $\rho\,d\lambda = \frac{(\lambda_+-\lambda_-)^2 \sin^2 2\varphi}
    /// {4\pi\sigma^2 q \lambda(\varphi)}\,d\varphi$.
    pub fn cdf(&self, lambda: f64) -> f64 {
        let (a, b) = self.edges();
        if lambda <= a {
            return 0.0;
        }
        if lambda >= b {
            return 1.0;
        }
        let width = b - a;
        let phi_end = ((lambda - a) / width).sqrt().asin();
        let integrand = |phi: f64| {
            let l = a + width * phi.sin().powi(2);
            if l <= 0.0 {
                // q = 1 and φ = 0: the limit of sin²2φ / λ(φ) is 4/width
                return width * width * 4.0
                    / width
                    / (4.0 * std::f64::consts::PI * self.variance * self.ratio);
            }
            width * width * (2.0 * phi).sin().powi(2)
                / (4.0 * std::f64::consts::PI * self.variance * self.ratio * l)
        };
        let h = phi_end / SIMPSON_INTERVALS as f64;
        let mut sum = integrand(0.0) + integrand(phi_end);
        for k in 1..SIMPSON_INTERVALS {
            let w = if k % 2 == 1 { 4.0 } else { 2.0 };
            sum += w * integrand(k as f64 * h);
        }
        (sum * h / 3.0).clamp(0.0, 1.0)
    }
}

/// Edges of the singular-value bulk of a `rows × cols` matrix with iid entries of standard
/// deviation `std`: $(\sigma|\sqrt{N_v} - \sqrt{N_h}|, \sigma(\sqrt{N_v} + \sqrt{N_h}))$.
pub fn singular_value_edges(rows: usize, cols: usize, std: f64) -> (f64, f64) {
    let (r, c) = ((rows as f64).sqrt(), (cols as f64).sqrt());
    (std * (r - c).abs(), std * (r + c))
}

/// Threshold of a rank-one spike $\theta u v^\top$ added to iid noise of standard deviation
/// `std` (Benaych-Georges–Nadakuditi): $\theta_c = \sigma (N_v N_h)^{1/4}$.
pub fn spike_threshold(rows: usize, cols: usize, std: f64) -> f64 {
    std * ((rows as f64) * (cols as f64)).powf(0.25)
}

/// Limit of the top singular value of $\theta u v^\top + X$: $\sqrt{(\theta^2 + \sigma^2 N_v)
/// (\theta^2 + \sigma^2 N_h)}/\theta$ above [`spike_threshold`]; `None` below it (the value
/// then sticks to the bulk edge).
pub fn spike_outlier(theta: f64, rows: usize, cols: usize, std: f64) -> Option<f64> {
    if theta <= spike_threshold(rows, cols, std) {
        return None;
    }
    let s2 = std * std;
    Some(((theta * theta + s2 * rows as f64) * (theta * theta + s2 * cols as f64)).sqrt() / theta)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simpson on a fine grid of λ, independent of the angle substitution.
    fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
        let h = (b - a) / n as f64;
        (0..n)
            .map(|k| {
                let x0 = a + k as f64 * h;
                (f(x0) + 4.0 * f(x0 + 0.5 * h) + f(x0 + h)) * h / 6.0
            })
            .sum()
    }

    #[test]
    fn density_integrates_to_one_and_has_mean_variance() {
        for &q in &[0.05, 0.3, 500.0 / 784.0, 0.9, 1.0] {
            for &v in &[1e-4, 1.0, 3.0] {
                let mp = MarchenkoPastur::new(v, q).unwrap();
                let (a, b) = mp.edges();
                // plain midpoint-Simpson in λ converges slowly at the √ edges: 2e5 panels
                let mass = integrate(|l| mp.density(l), a, b, 200_000);
                let mean = integrate(|l| l * mp.density(l), a, b, 200_000);
                let tol = if q == 1.0 { 2e-3 } else { 1e-4 };
                assert!((mass - 1.0).abs() < tol, "q {q} v {v}: mass {mass}");
                assert!((mean / v - 1.0).abs() < tol, "q {q} v {v}: mean {mean}");
                assert!((mp.cdf(b) - 1.0).abs() < 1e-12 && mp.cdf(a) == 0.0);
                assert!(
                    (mp.cdf(b - 1e-12 * b) - 1.0).abs() < 1e-6,
                    "q {q}: {}",
                    mp.cdf(b * (1.0 - 1e-12))
                );
            }
        }
    }

    #[test]
    fn cdf_matches_integrated_density_and_is_monotone() {
        let mp = MarchenkoPastur::new(2.0, 0.4).unwrap();
        let (a, b) = mp.edges();
        let mut last = 0.0;
        for k in 1..50 {
            let x = a + (b - a) * k as f64 / 50.0;
            let c = mp.cdf(x);
            let direct = integrate(|l| mp.density(l), a, x, 100_000);
            assert!((c - direct).abs() < 1e-4, "{x}: {c} vs {direct}");
            assert!(c > last);
            last = c;
        }
    }

    #[test]
    fn edges_and_spikes_match_spectral_predictions() {
        // theory/spectral.md, predictions 1 and 2: 784×500, std 0.01
        let (lo, hi) = singular_value_edges(784, 500, 0.01);
        assert!((hi - 0.503607).abs() < 1e-6 && (lo - 0.056393).abs() < 1e-6);
        let mp = MarchenkoPastur::for_shape(784, 500, 0.01).unwrap();
        let (la, lb) = mp.edges();
        assert!(
            ((la * 784.0).sqrt() - lo).abs() < 1e-12 && ((lb * 784.0).sqrt() - hi).abs() < 1e-12
        );
        assert!((spike_threshold(784, 500, 0.01) - 0.250220).abs() < 1e-6);
        for (theta, s) in [(0.5, 0.627758), (1.0, 1.064105), (2.0, 2.032088)] {
            let got = spike_outlier(theta, 784, 500, 0.01).unwrap();
            assert!((got - s).abs() < 1e-6, "θ = {theta}: {got}");
        }
        assert!(spike_outlier(0.15, 784, 500, 0.01).is_none());
        // at the threshold the outlier formula meets the edge
        let tc = spike_threshold(784, 500, 0.01);
        let at = spike_outlier(tc * (1.0 + 1e-9), 784, 500, 0.01).unwrap();
        assert!((at - hi).abs() < 1e-6);
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert!(MarchenkoPastur::new(0.0, 0.5).is_err());
        assert!(MarchenkoPastur::new(1.0, 1.5).is_err());
        assert!(MarchenkoPastur::new(1.0, 0.0).is_err());
        assert!(MarchenkoPastur::for_shape(0, 3, 1.0).is_err());
    }
}
