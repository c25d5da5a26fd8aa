//! The linear regime of a {0,1} RBM trained from small weights, about the point where it starts
//! (Decelle–Fissore–Furtlehner; `theory/spectral.md`, "Linear learning ODEs"; derivation in
//! `notes/analytic-models.md`, "Linearised SVD ODEs against PCD training").
//!
//! # Model
//! {0,1} units, $E(v,h) = -v^\top W h - a^\top v - b^\top h$, gradient flow
//! $\dot\theta = \partial_\theta \mathcal L$ in learning time $t = \eta\times$updates. A run
//! starts at $W(0)$ small, $b = 0$ and $a = a^0$ (zero or the data logits): to zeroth order in
//! $W$ the units are independent, visible unit $i$ on with probability
//! $p_i = \mathrm{sigm}(a^0_i)$, hidden units with probability ½. To first order in $W$, with
//! $C = \mathrm{Cov}_{\rm data}(v)$, $D = \mathrm{diag}(p_i(1-p_i))$, $\delta a = a - a^0$ and
//! the visible mean error $e = D(\delta a + \tfrac12 W\mathbf 1)$:
//! $$\dot W = G\,W - \tfrac12\, e\,\mathbf 1^\top,\qquad \dot{\delta a} = -e,
//!   \qquad G = \tfrac14 (C - D),$$
//! and $\dot b = -b/4$ (b stays 0). The data mean $\mu$ drops out when $p = \mu$ (data-initialised
//! bias) and otherwise only enters through $e$.
//!
//! # Closed form
//! Split $W = W_\perp + \bar w\,\mathbf 1^\top/N_h$ with $\bar w = W\mathbf 1$. Then
//! $W_\perp(t) = e^{Gt}W_\perp(0)$ exactly (eigendecomposition of the symmetric $G$), and the
//! $2N_v$-dimensional block $(\bar w, \delta a)$, $\dot{\bar w} = G\bar w - \frac{N_h}2 e$,
//! $\dot{\delta a} = -e$, relaxes fast (rate $\approx (1 + N_h/4)D$) onto $e \approx 0$ (the
//! symmetric point of `spectral.md`) and then grows only $N_h/4$ times slower than $G$: it is
//! integrated by RK4. With $D = \tfrac14 I$ (planted data, $p = \frac12$) the modes grow at
//! $\dot\sigma_\alpha = \sigma_\alpha(4\lambda_\alpha - 1)/16$ (`spectral.md`).
//!
//! # Conventions
//! $\pm1$ language: $s = 2v - 1$, $C_\pm = 4C$, $W_\pm = W/4$; at the symmetric point
//! $\dot W_\pm = (C_\pm - I)W_\pm/16$, i.e. the ±1 ODEs of [`super::linear_regime`] run 16 times
//! faster than the {0,1} ones in the same $t$. The learning threshold is $\sigma_1 = 4$.
//! [`SvdFrame`] integrates the singular-value and rotation equations themselves (a cross-check
//! of the closed form, for small sizes).

use super::linear_regime::svd_rates;
use super::ode::rk4;
use super::AnalyticModel;
use crate::error::{Error, Result};
use crate::linalg::{matmul, singular_values, symmetric_eigen, Op};
use nalgebra::{DMatrix, DVector};

/// The learning threshold of {0,1} units: $\sigma_1 = 4$ (`theory/README.md`).
pub const BINARY_THRESHOLD: f64 = 4.0;

/// Largest $h\lambda$ of the RK4 steps of the uniform block: well inside RK4's stability
/// interval (2.78), with local error $(h\lambda)^5/120 < 10^{-5}$ on the fast, decaying part.
const RK4_STEP_SCALE: f64 = 0.25;
/// Largest RK4 step of the uniform block: on the slow part (rates ≲ 1.5) the global relative
/// error is then $\sim (h r)^4 r t/120 < 10^{-9}$ over $t \le 100$.
const RK4_MAX_STEP: f64 = 0.01;

/// The linear regime of a {0,1} RBM (module docs).
#[derive(Clone, Debug)]
pub struct BinaryLinearRegime {
    /// $G = \frac14(C - D)$.
    drift: DMatrix<f64>,
    /// $D_{ii} = p_i(1 - p_i)$.
    visible_variance: DVector<f64>,
    /// Eigenpairs of $G$.
    eigen: (Vec<f64>, DMatrix<f64>),
    /// $W(0)$, `Nv × Nh`.
    w0: DMatrix<f64>,
}

/// $\mathrm{Cov}(v) = X_c^\top X_c / M$ of `samples` (rows), and their means.
pub fn covariance(samples: &DMatrix<f64>) -> (DMatrix<f64>, DVector<f64>) {
    let m = samples.nrows().max(1) as f64;
    let mean = DVector::from_fn(samples.ncols(), |i, _| samples.column(i).sum() / m);
    let centred = DMatrix::from_fn(samples.nrows(), samples.ncols(), |r, i| {
        samples[(r, i)] - mean[i]
    });
    let c = matmul(centred.as_view(), Op::T, centred.as_view(), Op::N) / m;
    (c, mean)
}

impl BinaryLinearRegime {
    /// The model for data covariance `covariance` ($C$, `Nv × Nv`), model visible variances
    /// `visible_variance` ($p_i(1-p_i)$ at the initial visible bias) and `w0`.
    ///
    /// # Errors
    /// Shapes that do not fit; $C$ not symmetric; variances outside $[0, \frac14]$.
    pub fn new(
        covariance: &DMatrix<f64>,
        visible_variance: DVector<f64>,
        w0: DMatrix<f64>,
    ) -> Result<Self> {
        let n = w0.nrows();
        if covariance.shape() != (n, n) || visible_variance.len() != n || w0.ncols() == 0 {
            return Err(Error::shape(
                "BinaryLinearRegime",
                format!("C {n}×{n}, {n} variances, W {n}×Nh (Nh ≥ 1)"),
                format!(
                    "C {}×{}, {} variances, W {}×{}",
                    covariance.nrows(),
                    covariance.ncols(),
                    visible_variance.len(),
                    w0.nrows(),
                    w0.ncols()
                ),
            ));
        }
        let asym = (covariance - covariance.transpose()).amax();
        if asym > 1e-12 * covariance.amax().max(1.0) {
            return Err(Error::invalid("covariance", asym, "must be symmetric"));
        }
        if let Some(bad) = visible_variance.iter().find(|d| !(0.0..=0.25).contains(*d)) {
            return Err(Error::invalid(
                "visible_variance",
                bad,
                "a {0,1} unit's variance p(1−p) lies in [0, 1/4]",
            ));
        }
        let drift = (covariance - DMatrix::from_diagonal(&visible_variance)) * 0.25;
        let eigen = symmetric_eigen(&drift)?;
        Ok(BinaryLinearRegime {
            drift,
            visible_variance,
            eigen,
            w0,
        })
    }

    /// The symmetric point of `spectral.md`: all $p_i = \frac12$, $D = \frac14 I$.
    ///
    /// # Errors
    /// As [`BinaryLinearRegime::new`].
    pub fn symmetric_point(covariance: &DMatrix<f64>, w0: DMatrix<f64>) -> Result<Self> {
        let n = w0.nrows();
        Self::new(covariance, DVector::from_element(n, 0.25), w0)
    }

    /// From {0,1} `samples` (rows; their covariance, 1/M) and the initial visible bias
    /// $a^0$ ($p_i = \mathrm{sigm}(a^0_i)$).
    ///
    /// # Errors
    /// As [`BinaryLinearRegime::new`].
    pub fn from_data(
        samples: &DMatrix<f64>,
        visible_bias: &DVector<f64>,
        w0: DMatrix<f64>,
    ) -> Result<Self> {
        let (c, _) = covariance(samples);
        let d = visible_bias.map(|a| {
            let p = 1.0 / (1.0 + (-a).exp());
            p * (1.0 - p)
        });
        Self::new(&c, d, w0)
    }

    /// $G = \frac14(C - D)$.
    pub fn drift(&self) -> &DMatrix<f64> {
        &self.drift
    }

    /// Eigenvalues of $G$ (descending): the growth rates of the modes along its eigenvectors.
    pub fn growth_rates(&self) -> Vec<f64> {
        let mut r = self.eigen.0.clone();
        r.sort_by(|a, b| b.total_cmp(a));
        r
    }

    /// `(Nv, Nh)`.
    pub fn shape(&self) -> (usize, usize) {
        self.w0.shape()
    }

    /// $W(0)$.
    pub fn initial_weights(&self) -> &DMatrix<f64> {
        &self.w0
    }

    /// $(W(t), \delta a(t))$ at each of `times` (increasing, ≥ 0).
    ///
    /// # Errors
    /// Times not increasing or negative.
    #[allow(clippy::float_cmp)] // `t` is one of the grid's own values: exact match intended
    pub fn trajectory(&self, times: &[f64]) -> Result<Vec<(DMatrix<f64>, DVector<f64>)>> {
        if times.iter().any(|t| !(t.is_finite() && *t >= 0.0))
            || times.windows(2).any(|w| w[1] < w[0])
        {
            return Err(Error::invalid(
                "times",
                format!("{times:?}"),
                "must be finite, ≥ 0 and increasing",
            ));
        }
        let (nv, nh) = self.shape();
        let ones = DVector::from_element(nh, 1.0);
        let wbar0 = &self.w0 * &ones;
        let perp0 = &self.w0 - &wbar0 * ones.transpose() / nh as f64;
        let (mu, q) = &self.eigen;
        let q_perp0 = q.transpose() * perp0;
        let block = UniformBlock {
            drift: &self.drift,
            variance: &self.visible_variance,
            n_hidden: nh as f64,
            start: wbar0,
        };
        let fast = (1.0 + nh as f64 / 4.0) * self.visible_variance.amax()
            + mu.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        let h = (RK4_STEP_SCALE / fast.max(1e-12)).min(RK4_MAX_STEP);
        let mut grid = vec![0.0];
        grid.extend(times.iter().copied().filter(|&t| t > 0.0));
        grid.dedup();
        let traj = rk4(&block, &grid, h)?;
        let mut out = Vec::with_capacity(times.len());
        for &t in times {
            let k = if t > 0.0 {
                grid.iter().position(|&g| g == t).unwrap_or(0)
            } else {
                0
            };
            let y = &traj.states[k];
            let scaled = DMatrix::from_fn(nv, nv, |i, j| q[(i, j)] * (mu[j] * t).exp());
            let mut w = matmul(scaled.as_view(), Op::N, q_perp0.as_view(), Op::N);
            for i in 0..nv {
                let add = y[i] / nh as f64;
                for j in 0..nh {
                    w[(i, j)] += add;
                }
            }
            let da = DVector::from_fn(nv, |i, _| y[nv + i]);
            out.push((w, da));
        }
        Ok(out)
    }

    /// $W(t)$.
    ///
    /// # Errors
    /// `t` negative or not finite.
    pub fn weights_at(&self, t: f64) -> Result<DMatrix<f64>> {
        let mut v = self.trajectory(&[t])?;
        Ok(v.remove(0).0)
    }

    /// The singular values of $W(t)$ (descending) at each of `times`.
    ///
    /// # Errors
    /// As [`BinaryLinearRegime::trajectory`]; an SVD that fails.
    pub fn singular_values_at(&self, times: &[f64]) -> Result<Vec<Vec<f64>>> {
        self.trajectory(times)?
            .iter()
            .map(|(w, _)| singular_values(w))
            .collect()
    }
}

/// The $(\bar w, \delta a)$ block (module docs), state $[\bar w; \delta a]$.
struct UniformBlock<'a> {
    drift: &'a DMatrix<f64>,
    variance: &'a DVector<f64>,
    n_hidden: f64,
    start: DVector<f64>,
}

impl AnalyticModel for UniformBlock<'_> {
    fn name(&self) -> &'static str {
        "linear-svd-uniform-block"
    }
    fn initial_state(&self) -> DVector<f64> {
        let n = self.start.len();
        DVector::from_fn(2 * n, |i, _| if i < n { self.start[i] } else { 0.0 })
    }
    fn rhs(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        let n = self.start.len();
        let wbar = y.rows(0, n);
        let gw = self.drift * wbar;
        for i in 0..n {
            let e = self.variance[i] * (y[n + i] + 0.5 * y[i]);
            dy[i] = gw[i] - 0.5 * self.n_hidden * e;
            dy[n + i] = -e;
        }
    }
}

impl AnalyticModel for BinaryLinearRegime {
    fn name(&self) -> &'static str {
        "linear-svd"
    }
    /// $[\mathrm{vec}(W)$ (column-major)$;\ \delta a]$.
    fn initial_state(&self) -> DVector<f64> {
        let (nv, nh) = self.shape();
        let mut y = DVector::zeros(nv * nh + nv);
        y.rows_mut(0, nv * nh).copy_from_slice(self.w0.as_slice());
        y
    }
    fn rhs(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        let (nv, nh) = self.shape();
        let w = DMatrix::from_column_slice(nv, nh, &y.as_slice()[..nv * nh]);
        let wbar = w.column_sum();
        let e = DVector::from_fn(nv, |i, _| {
            self.visible_variance[i] * (y[nv * nh + i] + 0.5 * wbar[i])
        });
        let mut dw = &self.drift * w;
        for j in 0..nh {
            for i in 0..nv {
                dw[(i, j)] -= 0.5 * e[i];
            }
        }
        dy.rows_mut(0, nv * nh).copy_from_slice(dw.as_slice());
        for i in 0..nv {
            dy[nv * nh + i] = -e[i];
        }
    }
    fn closed_form(&self, t: f64) -> Option<DVector<f64>> {
        let (w, da) = self.trajectory(&[t]).ok()?.remove(0);
        Some(DVector::from_iterator(
            w.len() + da.len(),
            w.iter().copied().chain(da.iter().copied()),
        ))
    }
}

/// The singular-value and rotation equations of $\dot W = GW$ ($G$ symmetric), `Nv ≥ Nh`,
/// all $N_h$ modes: state $[\mathrm{vec}(U);\ \sigma;\ \mathrm{vec}(V)]$ with
/// $\dot\sigma_\alpha = \sigma_\alpha G_{\alpha\alpha}$,
/// $\dot U = U\Omega^u + (I - UU^\top)GU$, $\dot V = V\Omega^v$ and the rotation rates of
/// [`svd_rates`] (with $C = G + I$). Valid while the singular values stay distinct.
#[derive(Clone, Debug)]
pub struct SvdFrame {
    drift: DMatrix<f64>,
    left: DMatrix<f64>,
    values: Vec<f64>,
    right: DMatrix<f64>,
}

impl SvdFrame {
    /// From $G$ and the thin SVD of $W(0)$.
    ///
    /// # Errors
    /// Shapes that do not fit; fewer visible than hidden units.
    pub fn new(drift: DMatrix<f64>, w0: &DMatrix<f64>) -> Result<Self> {
        let (nv, nh) = w0.shape();
        if nv < nh || drift.shape() != (nv, nv) {
            return Err(Error::shape(
                "SvdFrame",
                format!("G {nv}×{nv}, Nv ≥ Nh"),
                format!("G {}×{}, W {nv}×{nh}", drift.nrows(), drift.ncols()),
            ));
        }
        let (left, values, right) = crate::linalg::thin_svd(w0)?;
        Ok(SvdFrame {
            drift,
            left,
            values,
            right,
        })
    }

    /// $\sigma(t)$ from a state of this model.
    pub fn singular_values_of(&self, state: &[f64]) -> Vec<f64> {
        let (nv, k) = self.left.shape();
        state[nv * k..nv * k + k].to_vec()
    }
}

impl AnalyticModel for SvdFrame {
    fn name(&self) -> &'static str {
        "svd-frame"
    }
    fn initial_state(&self) -> DVector<f64> {
        DVector::from_iterator(
            self.left.len() + self.values.len() + self.right.len(),
            self.left
                .iter()
                .chain(&self.values)
                .chain(self.right.iter())
                .copied(),
        )
    }
    fn rhs(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        let (nv, k) = self.left.shape();
        let u = DMatrix::from_column_slice(nv, k, &y.as_slice()[..nv * k]);
        let s = &y.as_slice()[nv * k..nv * k + k];
        let v = DMatrix::from_column_slice(k, k, &y.as_slice()[nv * k + k..]);
        let c = &self.drift + DMatrix::identity(nv, nv);
        let Ok((rates, ou, ov)) = svd_rates(&c, &u, s) else {
            dy.fill(f64::NAN);
            return;
        };
        let gu = &self.drift * &u;
        let du = &u * ou + &gu - &u * (u.transpose() * &gu);
        let dv = &v * ov;
        let out = dy.as_mut_slice();
        out[..nv * k].copy_from_slice(du.as_slice());
        out[nv * k..nv * k + k].copy_from_slice(&rates);
        out[nv * k + k..].copy_from_slice(dv.as_slice());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::linear_regime::LinearRegime;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    /// {0,1}-like covariance (λ_max = 1.2, above the ¼ threshold), non-uniform variances, W(0).
    fn problem(nv: usize, nh: usize, seed: u64) -> (DMatrix<f64>, DVector<f64>, DMatrix<f64>) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
        let x = DMatrix::from_fn(nv, 3 * nv, |_, _| g());
        let mut c = &x * x.transpose() / (3 * nv) as f64;
        let top = symmetric_eigen(&c).unwrap().0[0];
        c *= 1.2 / top;
        let d = DVector::from_fn(nv, |i, _| 0.1 + 0.15 * (i as f64) / nv as f64);
        let w0 = DMatrix::from_fn(nv, nh, |_, _| 0.01 * g());
        (c, d, w0)
    }

    /// RK4 at h = 1e-3 on rates ≤ ~3: global error ~ (3h)^4 ≈ 1e-10; the block's own RK4 steps
    /// (h λ ≤ 0.25) add ~1e-9.
    const ODE_TOL: f64 = 1e-7;
    /// RK4 at h = 1e-3 of the frame equations (rates ≤ ~0.1, rotations ≤ ~10 for these gaps):
    /// global error far below 1e-6 relative.
    const SVD_FRAME_TOL: f64 = 1e-6;

    #[test]
    fn closed_form_matches_rk4_of_the_full_linear_system() {
        for seed in 0..3 {
            let (c, d, w0) = problem(9, 6, seed);
            let model = BinaryLinearRegime::new(&c, d, w0).unwrap();
            let traj = rk4(&model, &[0.0, 3.0], 1e-3).unwrap();
            let exact = model.closed_form(3.0).unwrap();
            let got = DVector::from_vec(traj.states[1].clone());
            let rel = (&got - &exact).norm() / exact.norm();
            assert!(rel < ODE_TOL, "seed {seed}: relative error {rel}");
        }
    }

    #[test]
    fn symmetric_point_is_the_spectral_md_flow() {
        // D = ¼I and W(0)1 = 0: W(t) = exp((4C − I)t/16) W(0) = LinearRegime with C' = I + G
        let (c, _, mut w0) = problem(8, 5, 7);
        for i in 0..8 {
            let m = w0.row(i).sum() / 5.0;
            for j in 0..5 {
                w0[(i, j)] -= m;
            }
        }
        let model = BinaryLinearRegime::symmetric_point(&c, w0.clone()).unwrap();
        let reference = LinearRegime::new(model.drift() + DMatrix::identity(8, 8), w0).unwrap();
        let a = model.weights_at(4.0).unwrap();
        let b = reference.weights_at(4.0);
        assert!((&a - &b).norm() < 1e-12 * b.norm());
        // rates (4λ − 1)/16 along the eigenvectors of C
        let lambda = symmetric_eigen(&c).unwrap().0;
        let mut expect: Vec<f64> = lambda.iter().map(|l| (4.0 * l - 1.0) / 16.0).collect();
        expect.sort_by(|x, y| y.total_cmp(x));
        for (r, e) in model.growth_rates().iter().zip(&expect) {
            assert!((r - e).abs() < 1e-12);
        }
    }

    #[test]
    fn fast_block_relaxes_to_the_symmetric_point() {
        // after the transient, e = D(δa + ½W1) is small: a tracks −½ΣW (the symmetric point)
        let (c, d, w0) = problem(8, 40, 3);
        let model = BinaryLinearRegime::new(&c, d.clone(), w0.clone()).unwrap();
        let (w, da) = model.trajectory(&[5.0]).unwrap().remove(0);
        let e0 = d.component_mul(&(0.5 * w0.column_sum())).norm();
        let e = d.component_mul(&(&da + 0.5 * w.column_sum())).norm();
        assert!(e < 0.05 * e0, "e(5) = {e}, e(0) = {e0}");
    }

    #[test]
    fn svd_frame_odes_agree_with_the_closed_form() {
        // the singular-value and rotation ODEs (spectral.md) integrated by RK4 give the
        // singular values of exp(Gt)W(0)
        for seed in 0..3 {
            let (c, _, w0) = problem(7, 4, 20 + seed);
            let model = BinaryLinearRegime::symmetric_point(&c, w0.clone()).unwrap();
            let frame = SvdFrame::new(model.drift().clone(), &w0).unwrap();
            let traj = rk4(&frame, &[0.0, 4.0], 1e-3).unwrap();
            let got = frame.singular_values_of(&traj.states[1]);
            let reference = LinearRegime::new(model.drift() + DMatrix::identity(7, 7), w0).unwrap();
            let exact = singular_values(&reference.weights_at(4.0)).unwrap();
            for (a, b) in got.iter().zip(&exact) {
                assert!(
                    (a - b).abs() < SVD_FRAME_TOL * b,
                    "seed {seed}: {got:?} vs {exact:?}"
                );
            }
        }
    }

    #[test]
    fn bad_input_is_rejected() {
        let (c, d, w0) = problem(5, 3, 1);
        let mut bad = d.clone();
        bad[0] = 0.3;
        assert!(BinaryLinearRegime::new(&c, bad, w0.clone()).is_err());
        assert!(BinaryLinearRegime::new(&c, d.rows(0, 4).into_owned(), w0.clone()).is_err());
        let m = BinaryLinearRegime::new(&c, d, w0).unwrap();
        assert!(m.trajectory(&[1.0, 0.5]).is_err());
        assert!(m.weights_at(-1.0).is_err());
    }
}
