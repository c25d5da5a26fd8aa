//! Claims (a) and (b) of [`crate::studies::precision`]: paired f32 − f64 differences against their
//! statistical error and against the spread across seeds.

use super::{LikelihoodCurves, MOVEMENT_IN_SPREADS};
use crate::error::{Error, Result};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};

/// Claims (a) and (b) of [`crate::studies::precision`] for `other` against `reference` (paired by seed),
/// at every recorded update $t \ge 1$.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PairedComparison {
    /// Family-wise level $\alpha$ of each claim.
    pub family_level: f64,
    /// Seeds $S$.
    pub seeds: usize,
    /// The compared updates ($T$ of them, all $\ge 1$).
    pub steps: Vec<u64>,
    /// Mean of the reference curves at the compared updates.
    pub reference_mean: Vec<f64>,
    /// Mean of the other curves at the compared updates.
    pub other_mean: Vec<f64>,
    /// Across-seed spread $s(t)$ of the reference curves.
    pub spread: Vec<f64>,
    /// $\bar d(t)$.
    pub mean_difference: Vec<f64>,
    /// Sample standard deviation of $d(t)$ over seeds.
    pub difference_sd: Vec<f64>,
    /// $\sqrt{\overline{d^2}}(t)$.
    pub rms_difference: Vec<f64>,
    /// Student-$t$ quantile $t_{S-1}(1-\alpha/2T)$ of claim (a).
    pub t_quantile: f64,
    /// Factor $c$ of claim (b).
    pub rms_factor: f64,
    /// $|\bar d(t)| / (\mathrm{sd}(d)/\sqrt S)$.
    pub mean_t_statistic: Vec<f64>,
    /// $\mathrm{RMS}\,d(t) / (\sqrt2\, s(t))$.
    pub rms_ratio: Vec<f64>,
    /// Mean reference $L$ at the last update minus at update 0.
    pub movement: f64,
    /// `movement` over $\max_t s(t)$.
    pub movement_in_spreads: f64,
}

impl PairedComparison {
    /// Compares the curves, seed by seed.
    ///
    /// # Errors
    /// Curves of different seeds or updates; fewer than 3 seeds; $\alpha \notin (0, 1)$.
    pub fn new(
        reference: &LikelihoodCurves,
        other: &LikelihoodCurves,
        family_level: f64,
    ) -> Result<Self> {
        if reference.seeds != other.seeds || reference.steps != other.steps {
            return Err(Error::invalid(
                "curves",
                format!("{} vs {}", reference.precision, other.precision),
                "paired curves need the same seeds and recorded updates",
            ));
        }
        let s_count = reference.seeds.len();
        if s_count < 3 {
            return Err(Error::invalid("seeds", s_count, "need at least 3"));
        }
        if !(family_level > 0.0 && family_level < 1.0) {
            return Err(Error::invalid(
                "family_level",
                family_level,
                "must lie in (0, 1)",
            ));
        }
        let compared: Vec<usize> = (0..reference.steps.len())
            .filter(|&i| reference.steps[i] >= 1)
            .collect();
        let n_times = compared.len() as f64;
        let s = s_count as f64;
        let tail = family_level / (2.0 * n_times);
        let dist = |e: &dyn std::fmt::Display| Error::invalid("seeds", s_count, e.to_string());
        let t_quantile = StudentsT::new(0.0, 1.0, s - 1.0)
            .map_err(|e| dist(&e))?
            .inverse_cdf(1.0 - tail);
        let upper = ChiSquared::new(s)
            .map_err(|e| dist(&e))?
            .inverse_cdf(1.0 - tail)
            / s;
        let lower = ChiSquared::new(s - 1.0)
            .map_err(|e| dist(&e))?
            .inverse_cdf(tail)
            / (s - 1.0);
        let rms_factor = (upper / lower).sqrt();
        let mut out = PairedComparison {
            family_level,
            seeds: s_count,
            steps: compared.iter().map(|&i| reference.steps[i]).collect(),
            reference_mean: Vec::new(),
            other_mean: Vec::new(),
            spread: Vec::new(),
            mean_difference: Vec::new(),
            difference_sd: Vec::new(),
            rms_difference: Vec::new(),
            t_quantile,
            rms_factor,
            mean_t_statistic: Vec::new(),
            rms_ratio: Vec::new(),
            movement: 0.0,
            movement_in_spreads: 0.0,
        };
        for &i in &compared {
            let l64 = reference.at(i);
            let l32 = other.at(i);
            let d: Vec<f64> = l32.iter().zip(&l64).map(|(a, b)| a - b).collect();
            let (m64, sd64) = mean_sd(&l64);
            let (m32, _) = mean_sd(&l32);
            let (md, sdd) = mean_sd(&d);
            let rms = (d.iter().map(|x| x * x).sum::<f64>() / s).sqrt();
            out.reference_mean.push(m64);
            out.other_mean.push(m32);
            out.spread.push(sd64);
            out.mean_difference.push(md);
            out.difference_sd.push(sdd);
            out.rms_difference.push(rms);
            out.mean_t_statistic.push(ratio(md.abs(), sdd / s.sqrt()));
            out.rms_ratio
                .push(ratio(rms, std::f64::consts::SQRT_2 * sd64));
        }
        let last = reference.steps.len() - 1;
        let (end, _) = mean_sd(&reference.at(last));
        let (begin, _) = mean_sd(&reference.at(0));
        out.movement = end - begin;
        let max_spread = out.spread.iter().cloned().fold(0.0, f64::max);
        out.movement_in_spreads = ratio(out.movement, max_spread);
        Ok(out)
    }

    /// Claim (a): $|\bar d(t)| \le t_{S-1}\,\mathrm{sd}(d)/\sqrt S$ at every compared update.
    pub fn mean_claim_holds(&self) -> bool {
        self.mean_t_statistic.iter().all(|&x| x <= self.t_quantile)
    }

    /// Claim (b): $\mathrm{RMS}\,d(t) \le \sqrt2\,s(t)\,c$ at every compared update.
    pub fn rms_claim_holds(&self) -> bool {
        self.rms_ratio.iter().all(|&x| x <= self.rms_factor)
    }

    /// Training moved the mean reference $L$ by at least [`MOVEMENT_IN_SPREADS`] spreads.
    pub fn not_vacuous(&self) -> bool {
        self.movement_in_spreads >= MOVEMENT_IN_SPREADS
    }

    /// Largest $|\bar d|/(\mathrm{sd}(d)/\sqrt S)$ and its update.
    pub fn worst_mean(&self) -> (f64, u64) {
        worst(&self.mean_t_statistic, &self.steps)
    }

    /// Largest $\mathrm{RMS}\,d/(\sqrt2 s)$ and its update.
    pub fn worst_rms(&self) -> (f64, u64) {
        worst(&self.rms_ratio, &self.steps)
    }
}

/// `x / y`, with `0/0 = 0` (identical curves) and `x/0 = ∞` for `x > 0`.
fn ratio(x: f64, y: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else if y == 0.0 {
        f64::INFINITY
    } else {
        x / y
    }
}

fn worst(values: &[f64], steps: &[u64]) -> (f64, u64) {
    values.iter().zip(steps).fold(
        (f64::NEG_INFINITY, 0),
        |(m, at), (&v, &t)| {
            if v > m {
                (v, t)
            } else {
                (m, at)
            }
        },
    )
}

/// Sample mean and sample standard deviation (divisor $n-1$).
fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let (mean, se) = crate::stats::mean_and_standard_error(xs);
    (mean, se * (xs.len() as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quantiles from statrs against tabulated values, which are given to 5 significant
    /// digits: relative agreement to 1e-4 (plus rounding of the last digit).
    const TABLE_REL_TOL: f64 = 2e-4;

    #[test]
    fn identical_curves_pass_and_shifted_curves_fail_claim_a() {
        let steps = vec![0, 1, 2];
        let log_likelihood: Vec<Vec<f64>> = (0..8)
            .map(|s| vec![-8.0, -7.0 + 0.01 * s as f64, -6.0 - 0.02 * s as f64])
            .collect();
        let a = LikelihoodCurves {
            precision: "f64",
            learning_rate: 0.1,
            steps,
            seeds: (0..8).collect(),
            log_likelihood,
        };
        let same = PairedComparison::new(&a, &a, 0.01).unwrap();
        assert!(same.mean_claim_holds() && same.rms_claim_holds());
        let mut b = a.clone();
        for (s, c) in b.log_likelihood.iter_mut().enumerate() {
            c[2] += 0.5 + 0.001 * s as f64;
        }
        let shifted = PairedComparison::new(&a, &b, 0.01).unwrap();
        assert!(!shifted.mean_claim_holds());
        assert!(!shifted.rms_claim_holds());
    }

    #[test]
    fn quantiles_match_tables() {
        // t_7(0.975) = 2.3646; chi2_8(0.99) = 20.090; chi2_7(0.01) = 1.2390
        let t = StudentsT::new(0.0, 1.0, 7.0).unwrap().inverse_cdf(0.975);
        assert!((t / 2.3646 - 1.0).abs() < TABLE_REL_TOL, "{t}");
        let up = ChiSquared::new(8.0).unwrap().inverse_cdf(0.99);
        assert!((up / 20.090 - 1.0).abs() < TABLE_REL_TOL, "{up}");
        let lo = ChiSquared::new(7.0).unwrap().inverse_cdf(0.01);
        assert!((lo / 1.2390 - 1.0).abs() < TABLE_REL_TOL, "{lo}");
    }
}
