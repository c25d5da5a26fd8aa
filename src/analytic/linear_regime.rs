//! The linear regime of learning (`theory/spectral.md`, "Linear learning ODEs"):
//! ±1 units, zero fields, centred data with $C = \langle s s^\top\rangle$; to first order in W,
//! $$\dot W = (C - I)\,W \quad\Rightarrow\quad W(t) = e^{(C-I)t}\,W(0).$$
//! In the SVD frame $W = U\Sigma V^\top$, with $C_{\alpha\beta} = u_\alpha^\top C u_\beta$:
//! $\dot\sigma_\alpha = \sigma_\alpha(C_{\alpha\alpha} - 1)$,
//! $u_\alpha\cdot\dot u_\beta = C_{\alpha\beta}\frac{\sigma_\alpha^2+\sigma_\beta^2}{\sigma_\beta^2-\sigma_\alpha^2}$,
//! $v_\alpha\cdot\dot v_\beta = \frac{2C_{\alpha\beta}\sigma_\alpha\sigma_\beta}{\sigma_\beta^2-\sigma_\alpha^2}$
//! ($\alpha\ne\beta$). For {0,1} units at the symmetric point the rates are
//! $(4\lambda_\alpha - 1)/16$ with $\lambda_\alpha$ the data variance along $u_\alpha$.
//!
//! [`LinearRegime`] integrates $\dot W$ itself (state: W column-major), which contains the
//! singular-value and rotation equations; [`svd_rates`] gives them in closed form.

use super::AnalyticModel;
use crate::error::{Error, Result};
use crate::linalg::symmetric_eigen;
use nalgebra::{DMatrix, DVector};

/// $\dot W = (C - I)W$ from $W(0)$ (`Nv × Nh`), $C$ symmetric `Nv × Nv`.
#[derive(Clone, Debug)]
pub struct LinearRegime {
    drift: DMatrix<f64>,
    w0: DMatrix<f64>,
    eigen: (Vec<f64>, DMatrix<f64>),
}

impl LinearRegime {
    /// The model for data correlations `correlation` ($C$) and initial weights `w0`.
    ///
    /// # Errors
    /// $C$ not square, not symmetric (to 1e-12 relative), or of another size than W's rows.
    pub fn new(correlation: DMatrix<f64>, w0: DMatrix<f64>) -> Result<Self> {
        let n = correlation.nrows();
        if correlation.ncols() != n || w0.nrows() != n {
            return Err(Error::shape(
                "LinearRegime",
                format!("C {n}×{n} and W with {n} rows"),
                format!(
                    "C {}×{}, W {}×{}",
                    correlation.nrows(),
                    correlation.ncols(),
                    w0.nrows(),
                    w0.ncols()
                ),
            ));
        }
        let asym = (&correlation - correlation.transpose()).amax();
        if asym > 1e-12 * correlation.amax().max(1.0) {
            return Err(Error::invalid("correlation", asym, "must be symmetric"));
        }
        let drift = &correlation - DMatrix::identity(n, n);
        let eigen = symmetric_eigen(&drift)?;
        Ok(LinearRegime { drift, w0, eigen })
    }

    /// $W(t) = Q\,\mathrm{diag}(e^{\mu_k t})\,Q^\top W(0)$ with $C - I = Q\,\mathrm{diag}(\mu)Q^\top$.
    pub fn weights_at(&self, t: f64) -> DMatrix<f64> {
        let (mu, q) = &self.eigen;
        let scaled = DMatrix::from_fn(q.nrows(), q.ncols(), |i, k| q[(i, k)] * (mu[k] * t).exp());
        scaled * (q.transpose() * &self.w0)
    }

    /// `Nv × Nh`.
    pub fn shape(&self) -> (usize, usize) {
        self.w0.shape()
    }
}

impl AnalyticModel for LinearRegime {
    fn name(&self) -> &'static str {
        "linear-regime"
    }
    fn initial_state(&self) -> DVector<f64> {
        DVector::from_column_slice(self.w0.as_slice())
    }
    fn rhs(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        let (nv, nh) = self.w0.shape();
        let w = DMatrix::from_column_slice(nv, nh, y.as_slice());
        dy.copy_from_slice((&self.drift * w).as_slice());
    }
    fn closed_form(&self, t: f64) -> Option<DVector<f64>> {
        Some(DVector::from_column_slice(self.weights_at(t).as_slice()))
    }
}

/// The SVD-frame rates of the linear regime at $W = U\Sigma V^\top$ (thin SVD, $k$ modes):
/// returns $(\dot\sigma_\alpha)$, $\Omega^u_{\alpha\beta} = u_\alpha\cdot\dot u_\beta$ and
/// $\Omega^v_{\alpha\beta} = v_\alpha\cdot\dot v_\beta$ (zero diagonals), see the module docs.
///
/// # Errors
/// Shapes that do not fit; degenerate singular values (the rotations diverge).
pub fn svd_rates(
    correlation: &DMatrix<f64>,
    left: &DMatrix<f64>,
    singular_values: &[f64],
) -> Result<(Vec<f64>, DMatrix<f64>, DMatrix<f64>)> {
    let k = singular_values.len();
    if left.ncols() != k || correlation.nrows() != left.nrows() {
        return Err(Error::shape(
            "svd_rates",
            format!("U with {k} columns and {} rows", correlation.nrows()),
            format!("{}×{}", left.nrows(), left.ncols()),
        ));
    }
    let c = left.transpose() * correlation * left;
    let s = singular_values;
    let rates = (0..k).map(|a| s[a] * (c[(a, a)] - 1.0)).collect();
    let mut omega_u = DMatrix::zeros(k, k);
    let mut omega_v = DMatrix::zeros(k, k);
    for a in 0..k {
        for b in 0..k {
            if a == b {
                continue;
            }
            let gap = s[b] * s[b] - s[a] * s[a];
            if gap == 0.0 {
                return Err(Error::invalid(
                    "singular_values",
                    format!("σ{} = σ{}", a + 1, b + 1),
                    "rotation rates need distinct singular values",
                ));
            }
            omega_u[(a, b)] = c[(a, b)] * (s[a] * s[a] + s[b] * s[b]) / gap;
            omega_v[(a, b)] = 2.0 * c[(a, b)] * s[a] * s[b] / gap;
        }
    }
    Ok((rates, omega_u, omega_v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::ode::rk4;
    use crate::linalg::thin_svd;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    fn random_problem(nv: usize, nh: usize, seed: u64) -> (DMatrix<f64>, DMatrix<f64>) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
        // C = data correlation of ±1-like data: positive definite, unit-ish diagonal, λ_max ≤ 3
        let x = DMatrix::from_fn(nv, 3 * nv, |_, _| g());
        let mut c = &x * x.transpose() / (3 * nv) as f64;
        let top = symmetric_eigen(&c).unwrap().0[0];
        c *= 2.5 / top;
        let w0 = DMatrix::from_fn(nv, nh, |_, _| 0.01 * g());
        (c, w0)
    }

    #[test]
    fn closed_form_matches_rk4_prediction_6() {
        // spectral.md prediction 6: expm vs RK4 at t = 5, 1e-9 relative (λ_max ≤ 3)
        let (c, w0) = random_problem(12, 5, 1);
        let model = LinearRegime::new(c, w0).unwrap();
        let traj = rk4(&model, &[0.0, 5.0], 1e-3).unwrap();
        let exact = model.closed_form(5.0).unwrap();
        let got = DVector::from_vec(traj.states[1].clone());
        let rel = (&got - &exact).norm() / exact.norm();
        assert!(rel < 1e-9, "relative error {rel}");
    }

    #[test]
    fn rotation_formulas_match_finite_differences_prediction_4() {
        // spectral.md prediction 4: finite-difference SVD of W + dt (C − I) W, dt = 1e-7,
        // agrees with the formulas to 1e-5 relative after sign alignment
        let dt = 1e-7;
        for seed in 0..3 {
            let (c, w) = random_problem(8, 5, 10 + seed);
            let (u, s, v) = thin_svd(&w).unwrap();
            let (rates, ou, ov) = svd_rates(&c, &u, &s).unwrap();
            let w2 = &w + dt * (&c - DMatrix::identity(8, 8)) * &w;
            let (mut u2, s2, mut v2) = thin_svd(&w2).unwrap();
            for a in 0..s.len() {
                if u2.column(a).dot(&u.column(a)) < 0.0 {
                    u2.column_mut(a).neg_mut();
                    v2.column_mut(a).neg_mut();
                }
                let fd = (s2[a] - s[a]) / dt;
                assert!(
                    (fd - rates[a]).abs() < 1e-5 * rates[a].abs().max(1e-3),
                    "σ{a}: {fd} vs {}",
                    rates[a]
                );
            }
            let du = (&u2 - &u) / dt;
            let dv = (&v2 - &v) / dt;
            let fu = u.transpose() * du;
            let fv = v.transpose() * dv;
            for a in 0..s.len() {
                for b in 0..s.len() {
                    if a == b {
                        continue;
                    }
                    let scale = ou.amax();
                    assert!(
                        (fu[(a, b)] - ou[(a, b)]).abs() < 1e-5 * scale,
                        "Ωu {a}{b}: {} vs {}",
                        fu[(a, b)],
                        ou[(a, b)]
                    );
                    let scale = ov.amax();
                    assert!(
                        (fv[(a, b)] - ov[(a, b)]).abs() < 1e-5 * scale,
                        "Ωv {a}{b}: {} vs {}",
                        fv[(a, b)],
                        ov[(a, b)]
                    );
                }
            }
        }
    }
}
