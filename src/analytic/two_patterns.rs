//! Two correlated patterns: a two-step cascade (`theory/two-correlated-patterns.md`).
//!
//! # Conventions
//! Teacher $p(s) \propto \exp\big(\frac{\beta}{2N}\sum_{a=1,2}(\xi^a\cdot s)^2\big)$ with
//! $\xi^1 = \eta^1 + \eta^2$, $\xi^2 = \eta^1 - \eta^2$, where $\eta^1$ (±1) lives on the first
//! $N_1 = N(1+\kappa)/2$ sites and $\eta^2$ on the other $N_2 = N(1-\kappa)/2$, so
//! $\xi^1\cdot\xi^2/N = \kappa$. Since $(\xi^1\cdot s)^2 + (\xi^2\cdot s)^2 = 2(\eta^1\cdot s)^2 +
//! 2(\eta^2\cdot s)^2$, the teacher is two independent Curie–Weiss blocks at inverse
//! temperatures $\beta(1+\kappa)$ and $\beta(1-\kappa)$, each in its own $1/(2N_k)$
//! normalisation: transitions at $T_1 = 1+\kappa$ and $T_2 = 1-\kappa$.

use super::curie_weiss::{magnetization, CurieWeiss};
use crate::data::Encoding;
use crate::error::{Error, Result};
use nalgebra::DMatrix;
use rand::Rng;

/// The mean-field fixed point $(m_1, m_2)$ of the two-pattern teacher, by damped iteration of
/// $m_{1,2} = \frac{1+\kappa}2\tanh(\beta(m_1+m_2)) \pm \frac{1-\kappa}2\tanh(\beta(m_1-m_2))$
/// from `start`; returns the point and the iterations used.
///
/// # Errors
/// `kappa ∉ [0, 1)`, bad `beta` or `damping ∉ [0, 1)`, or no convergence to 1e-13 in 10⁵
/// iterations.
pub fn mean_field(
    beta: f64,
    kappa: f64,
    start: (f64, f64),
    damping: f64,
) -> Result<((f64, f64), usize)> {
    check(beta, kappa)?;
    if !(0.0..1.0).contains(&damping) {
        return Err(Error::invalid("damping", damping, "must lie in [0, 1)"));
    }
    let (mut m1, mut m2) = start;
    for it in 1..=100_000 {
        let a = 0.5 * (1.0 + kappa) * (beta * (m1 + m2)).tanh();
        let b = 0.5 * (1.0 - kappa) * (beta * (m1 - m2)).tanh();
        let (n1, n2) = (
            damping * m1 + (1.0 - damping) * (a + b),
            damping * m2 + (1.0 - damping) * (a - b),
        );
        let change = (n1 - m1).abs().max((n2 - m2).abs());
        (m1, m2) = (n1, n2);
        if change < 1e-13 {
            return Ok(((m1, m2), it));
        }
    }
    Err(Error::NonFinite(format!(
        "two-pattern mean field at β = {beta}, κ = {kappa} did not converge"
    )))
}

fn check(beta: f64, kappa: f64) -> Result<()> {
    if !(beta >= 0.0 && beta.is_finite()) {
        return Err(Error::invalid("beta", beta, "must be finite and >= 0"));
    }
    if !(0.0..1.0).contains(&kappa) {
        return Err(Error::invalid("kappa", kappa, "must lie in [0, 1)"));
    }
    Ok(())
}

/// The block magnetisations $(r, p)$: $r = \tanh(\beta(1+\kappa)r)$,
/// $p = \tanh(\beta(1-\kappa)p)$ (largest roots), which set the data correlations
/// $\langle s_is_j\rangle = r^2\eta^1_i\eta^1_j + p^2\eta^2_i\eta^2_j$.
///
/// # Errors
/// As [`mean_field`].
pub fn block_magnetizations(beta: f64, kappa: f64) -> Result<(f64, f64)> {
    check(beta, kappa)?;
    Ok((
        magnetization(beta * (1.0 + kappa))?,
        magnetization(beta * (1.0 - kappa))?,
    ))
}

/// Linear-regime growth rates of a Gaussian student along $\eta^1$ and $\eta^2$:
/// $r^2(1+\kappa)/2$ and $p^2(1-\kappa)/2$.
///
/// # Errors
/// As [`mean_field`].
pub fn growth_rates(beta: f64, kappa: f64) -> Result<(f64, f64)> {
    let (r, p) = block_magnetizations(beta, kappa)?;
    Ok((r * r * (1.0 + kappa) / 2.0, p * p * (1.0 - kappa) / 2.0))
}

/// The exact teacher at finite $N$: two Curie–Weiss blocks.
#[derive(Clone, Debug)]
pub struct TwoPatternTeacher {
    /// $\eta^1$ on the first block (±1), $\eta^2$ on the second.
    pub eta1: Vec<f64>,
    /// $\eta^2$ on the second block.
    pub eta2: Vec<f64>,
    block1: CurieWeiss,
    block2: CurieWeiss,
}

impl TwoPatternTeacher {
    /// The teacher with $N$ sites, correlation $\kappa$ (so that $N(1\pm\kappa)/2$ are whole
    /// numbers) and block patterns `eta1`, `eta2` of lengths $N_1$, $N_2$.
    ///
    /// # Errors
    /// Bad `beta` or `kappa`; block sizes that are not whole; patterns of the wrong length or
    /// with entries other than ±1.
    #[allow(clippy::float_cmp)] // patterns must hold exactly ±1
    pub fn new(beta: f64, kappa: f64, eta1: Vec<f64>, eta2: Vec<f64>) -> Result<Self> {
        check(beta, kappa)?;
        let (n1, n2) = (eta1.len(), eta2.len());
        let n = (n1 + n2) as f64;
        if n1 == 0 || n2 == 0 || ((n1 as f64) - n * (1.0 + kappa) / 2.0).abs() > 1e-9 {
            return Err(Error::invalid(
                "eta1, eta2",
                format!("{n1} + {n2} sites"),
                format!("block sizes must be N(1 ± κ)/2 with κ = {kappa}"),
            ));
        }
        for (name, eta) in [("eta1", &eta1), ("eta2", &eta2)] {
            if eta.iter().any(|&x| x != 1.0 && x != -1.0) {
                return Err(Error::invalid(name, "entries", "must be ±1"));
            }
        }
        Ok(TwoPatternTeacher {
            block1: CurieWeiss::new(n1, beta * (1.0 + kappa))?,
            block2: CurieWeiss::new(n2, beta * (1.0 - kappa))?,
            eta1,
            eta2,
        })
    }

    /// The two blocks' exact laws.
    pub fn blocks(&self) -> (&CurieWeiss, &CurieWeiss) {
        (&self.block1, &self.block2)
    }

    /// $\xi^1 = \eta^1 + \eta^2$ and $\xi^2 = \eta^1 - \eta^2$ on all $N$ sites.
    pub fn patterns(&self) -> (Vec<f64>, Vec<f64>) {
        let xi1 = self.eta1.iter().chain(&self.eta2).copied().collect();
        let xi2 = self
            .eta1
            .iter()
            .copied()
            .chain(self.eta2.iter().map(|x| -x))
            .collect();
        (xi1, xi2)
    }

    /// `samples` exact configurations (rows), block 1 then block 2, in `encoding`.
    ///
    /// # Errors
    /// None for a valid teacher (the block samplers check their patterns).
    pub fn sample<R: Rng + ?Sized>(
        &self,
        samples: usize,
        encoding: Encoding,
        rng: &mut R,
    ) -> Result<DMatrix<f64>> {
        let a = self.block1.sample(&self.eta1, samples, encoding, rng)?;
        let b = self.block2.sample(&self.eta2, samples, encoding, rng)?;
        let (n1, n2) = (a.ncols(), b.ncols());
        Ok(DMatrix::from_fn(samples, n1 + n2, |r, c| {
            if c < n1 {
                a[(r, c)]
            } else {
                b[(r, c - n1)]
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// theory/two-correlated-patterns.md predictions 1–3, tol 1e-6.
    const TOL: f64 = 1e-6;

    #[test]
    fn fixed_points_block_magnetisations_and_rates_match_predictions_1_to_3() {
        let k = 0.5;
        let ((m1, m2), _) = mean_field(1.5, k, (0.9, 0.3), 0.5).unwrap();
        assert!(
            (m1 - 0.731622).abs() < TOL && (m2 - 0.731622).abs() < TOL,
            "{m1} {m2}"
        );
        let (r, p) = block_magnetizations(1.5, k).unwrap();
        assert!((r - 0.975496).abs() < TOL && p.abs() < 1e-10);
        let (g1, g2) = growth_rates(1.5, k).unwrap();
        assert!((g1 - 0.713694).abs() < TOL && g2 == 0.0);

        let ((m1, m2), _) = mean_field(2.5, k, (0.9, 0.3), 0.5).unwrap();
        assert!(
            (m1 - 0.926767).abs() < TOL && (m2 - 0.571561).abs() < TOL,
            "{m1} {m2}"
        );
        let (r, p) = block_magnetizations(2.5, k).unwrap();
        assert!((r - 0.998885).abs() < TOL && (p - 0.710412).abs() < TOL);
        let (g1, g2) = growth_rates(2.5, k).unwrap();
        assert!((g1 - 0.748329).abs() < TOL && (g2 - 0.126171).abs() < TOL);

        for (beta, m, r, g) in [
            (1.0, 0.643920, 0.858560, 0.552843),
            (1.8, 0.742904, 0.990538, 0.735875),
        ] {
            let ((m1, m2), _) = mean_field(beta, k, (0.9, 0.3), 0.5).unwrap();
            assert!(
                (m1 - m).abs() < TOL && (m2 - m).abs() < TOL,
                "β {beta}: {m1} {m2}"
            );
            let (rr, pp) = block_magnetizations(beta, k).unwrap();
            assert!((rr - r).abs() < TOL && pp == 0.0);
            assert!((growth_rates(beta, k).unwrap().0 - g).abs() < TOL);
        }
    }

    #[test]
    fn transitions_sit_at_t1_and_t2_prediction_4() {
        // x = m1 + m2 orders iff β(1+κ) > 1; y = m1 − m2 iff β(1−κ) > 1
        let k = 0.5;
        for (beta, x_ordered, y_ordered) in [
            (1.0 / 1.5 - 0.01, false, false),
            (1.0 / 1.5 + 0.01, true, false),
            (1.0 / 0.5 - 0.01, true, false),
            (1.0 / 0.5 + 0.01, true, true),
        ] {
            let ((m1, m2), _) = mean_field(beta, k, (0.9, 0.3), 0.0).unwrap();
            // near a transition the order parameter is small but O(√(β − β_c)) > 1e-3
            assert_eq!(
                (m1 + m2).abs() > 1e-3,
                x_ordered,
                "β {beta}: x = {}",
                m1 + m2
            );
            assert_eq!(
                (m1 - m2).abs() > 1e-3,
                y_ordered,
                "β {beta}: y = {}",
                m1 - m2
            );
        }
    }

    #[test]
    fn exact_sampler_gives_block_correlations_prediction_5() {
        let (beta, k, n) = (2.5, 0.5, 2000);
        let (n1, n2) = (1500, 500);
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let eta = |len: usize, rng: &mut rand::rngs::StdRng| -> Vec<f64> {
            (0..len)
                .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
                .collect()
        };
        let (e1, e2) = (eta(n1, &mut rng), eta(n2, &mut rng));
        let teacher = TwoPatternTeacher::new(beta, k, e1.clone(), e2.clone()).unwrap();
        let samples = 5000;
        let x = teacher.sample(samples, Encoding::Ising, &mut rng).unwrap();
        assert_eq!(x.ncols(), n);
        // per sample: mean of η_iη_j s_is_j over pairs inside a block = (M² − N_k)/(N_k(N_k−1)),
        // and across blocks M1·M2/(N1·N2)
        let (mut within1, mut within2, mut cross) = (Vec::new(), Vec::new(), Vec::new());
        for r in 0..samples {
            let m1: f64 = (0..n1).map(|i| e1[i] * x[(r, i)]).sum();
            let m2: f64 = (0..n2).map(|i| e2[i] * x[(r, n1 + i)]).sum();
            within1.push((m1 * m1 - n1 as f64) / (n1 as f64 * (n1 as f64 - 1.0)));
            within2.push((m2 * m2 - n2 as f64) / (n2 as f64 * (n2 as f64 - 1.0)));
            cross.push(m1 * m2 / (n1 * n2) as f64);
        }
        let (b1, b2) = teacher.blocks();
        for (vals, exact) in [
            (&within1, b1.pair_correlation()),
            (&within2, b2.pair_correlation()),
            (&cross, 0.0),
        ] {
            let (mean, se) = crate::stats::mean_and_standard_error(vals);
            assert!((mean - exact).abs() < 4.0 * se, "{mean} ± {se} vs {exact}");
        }
    }
}
