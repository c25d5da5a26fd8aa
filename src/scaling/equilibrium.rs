//! Equilibrium measurements of a frozen RBM along its top mode (`theory/finite-size-scaling.md`,
//! "What to measure during training"): $\chi = N_v\langle m_1^2\rangle$,
//! $\chi^c = N_v(\langle m_1^2\rangle - \langle|m_1|\rangle^2)$ and $\langle|m_1|\rangle$, with
//! $m_1 = u_1\cdot\tilde s/\sqrt{N_v}$ (conventions in [`super`]).
//!
//! # Method (MCMC, [`measure_equilibrium`])
//! $R$ independent block-Gibbs chains; $m_1$ of every chain is recorded after every sweep.
//! $\hat\tau$ is the larger of Sokal's $\tau_{\rm int}(m_1)$ and $\tau_{\rm int}(m_1^2)$ (pooled
//! over the chains); a burn-in of $\max(b_0, \lceil 20\hat\tau\rceil)$ sweeps is discarded from the
//! start of every chain. The measurement is *trustworthy* iff both windows were found, the
//! burn-in is $\ge 20\hat\tau$ and (kept sweeps × chains) $\ge 1000\hat\tau$; otherwise the run is
//! doubled, up to `max_sweeps` per chain, and then returned flagged untrustworthy.
//!
//! # Error bars
//! Standard errors are jackknife over chains (leave one chain out). The chains are independent,
//! so the jackknife is honest whatever the autocorrelation time within a chain; only a chain
//! that has not reached equilibrium (a burn-in too short) or chains that never cross between
//! the two ordered states make it too small. That is what `trustworthy` and the τ columns flag.
//!
//! # Exact values ([`exact_equilibrium`])
//! For discrete visible units $\tilde s_i = \pm1$, and the visible law $p(v) = e^{-F(v)}/Z$ is
//! summed over all $2^{N_v}$ states ([`crate::sampling::exact::visible_distribution`]).

use super::{EquilibriumRecord, TopMode};
use crate::error::{Error, Result};
use crate::linalg::{gemm, Float, Op};
use crate::rbm::Rbm;
use crate::sampling::exact::visible_distribution;
use crate::sampling::{ChainState, GibbsSampler, GibbsWorkspace};
use crate::stats::autocorrelation::{IntegratedAutocorrelation, SokalWindow};
use crate::units::UnitKind;
use nalgebra::DMatrix;
use rand::Rng;

/// Configuration of an equilibrium measurement (immutable; see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct EquilibriumSettings {
    chains: usize,
    min_sweeps: usize,
    max_sweeps: usize,
    initial_burn_in: usize,
    burn_in_multiple: f64,
    trust_multiple: f64,
    window: SokalWindow,
    exact_max_visible: usize,
}

impl Default for EquilibriumSettings {
    /// 16 chains, 2000 production sweeps first, at most 64 000 sweeps per chain, burn-in ≥ 100
    /// and ≥ 20 τ̂, trust ≥ 1000 τ̂ samples, Sokal window c = 5, exact for $N_v \le 16$.
    fn default() -> Self {
        EquilibriumSettings {
            chains: 16,
            min_sweeps: 2000,
            max_sweeps: 64_000,
            initial_burn_in: 100,
            burn_in_multiple: 20.0,
            trust_multiple: 1000.0,
            window: SokalWindow::default(),
            exact_max_visible: 16,
        }
    }
}

impl EquilibriumSettings {
    /// `chains` (≥ 2, for the jackknife) chains, `min_sweeps` production sweeps per chain in the
    /// first attempt (≥ 10), at most `max_sweeps` sweeps per chain in all (burn-in included;
    /// ≥ burn-in + `min_sweeps`); the other settings at their defaults.
    ///
    /// # Errors
    /// The bounds above.
    pub fn new(chains: usize, min_sweeps: usize, max_sweeps: usize) -> Result<Self> {
        Self::default().with_chains(chains, min_sweeps, max_sweeps)
    }

    fn with_chains(mut self, chains: usize, min_sweeps: usize, max_sweeps: usize) -> Result<Self> {
        if chains < 2 {
            return Err(Error::invalid("chains", chains, "must be at least 2"));
        }
        if min_sweeps < 10 {
            return Err(Error::invalid(
                "min_sweeps",
                min_sweeps,
                "must be at least 10",
            ));
        }
        if max_sweeps < self.initial_burn_in + min_sweeps {
            return Err(Error::invalid(
                "max_sweeps",
                max_sweeps,
                format!(
                    "must be at least burn-in + min_sweeps = {}",
                    self.initial_burn_in + min_sweeps
                ),
            ));
        }
        (self.chains, self.min_sweeps, self.max_sweeps) = (chains, min_sweeps, max_sweeps);
        Ok(self)
    }

    /// Sets the initial burn-in $b_0$, the burn-in multiple (20) and the trust multiple (1000).
    ///
    /// # Errors
    /// Non-finite or negative multiples; `max_sweeps < b_0 + min_sweeps`.
    pub fn with_burn_in(
        mut self,
        initial: usize,
        burn_in_multiple: f64,
        trust: f64,
    ) -> Result<Self> {
        for (name, v) in [
            ("burn_in_multiple", burn_in_multiple),
            ("trust_multiple", trust),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::invalid(name, v, "must be finite and >= 0"));
            }
        }
        self.initial_burn_in = initial;
        (self.burn_in_multiple, self.trust_multiple) = (burn_in_multiple, trust);
        let (c, lo, hi) = (self.chains, self.min_sweeps, self.max_sweeps);
        self.with_chains(c, lo, hi)
    }

    /// Sets the Sokal window and the largest $N_v$ that [`measure_or_enumerate`] enumerates
    /// (at most 20, the limit of the visible law's enumeration).
    ///
    /// # Errors
    /// `exact_max_visible > 20`.
    pub fn with_window(mut self, window: SokalWindow, exact_max_visible: usize) -> Result<Self> {
        if exact_max_visible > 20 {
            return Err(Error::invalid(
                "exact_max_visible",
                exact_max_visible,
                "must be <= 20",
            ));
        }
        (self.window, self.exact_max_visible) = (window, exact_max_visible);
        Ok(self)
    }

    /// Number of chains.
    pub fn chains(&self) -> usize {
        self.chains
    }
    /// Production sweeps per chain of the first attempt.
    pub fn min_sweeps(&self) -> usize {
        self.min_sweeps
    }
    /// Cap on the sweeps per chain (burn-in included).
    pub fn max_sweeps(&self) -> usize {
        self.max_sweeps
    }
    /// Largest $N_v$ enumerated by [`measure_or_enumerate`].
    pub fn exact_max_visible(&self) -> usize {
        self.exact_max_visible
    }
}

/// A measurement and the final chains (to warm-start the next one).
#[derive(Clone, Debug)]
pub struct Equilibrium<T: Float> {
    /// The record; `step` and `learning_time` are 0, for the caller to fill.
    pub record: EquilibriumRecord,
    /// The chains after the last sweep.
    pub chains: ChainState<T>,
}

/// $\tilde s = a v + b$ maps a visible unit to ±1 (discrete units) or to itself (Gaussian).
fn spin_map<V: UnitKind>(unit: &V) -> (f64, f64) {
    match unit.discrete_states() {
        Some([lo, hi]) => (2.0 / (hi - lo), -(lo + hi) / (hi - lo)),
        None => (1.0, 0.0),
    }
}

/// Sokal's estimate, with a constant series (no fluctuation: nothing to decorrelate) given
/// $\tau = 1/2$ and a found window.
#[allow(clippy::float_cmp)] // detects chains frozen in one exact state
fn sokal(window: &SokalWindow, chains: &[&[f64]]) -> Result<IntegratedAutocorrelation> {
    let first = chains
        .first()
        .and_then(|c| c.first())
        .copied()
        .unwrap_or(0.0);
    if chains.iter().all(|c| c.iter().all(|&x| x == first)) {
        let samples = chains.iter().map(|c| c.len()).sum::<usize>();
        return Ok(IntegratedAutocorrelation {
            tau_int: 0.5,
            window: 0,
            window_found: true,
            standard_error: 0.0,
            samples,
            effective_sample_size: samples as f64,
            trustworthy: true,
        });
    }
    window.estimate(chains)
}

/// Burn-in and τ estimates of the series as they stand.
struct Analysis {
    burn_in: usize,
    tau_m: IntegratedAutocorrelation,
    tau_m2: IntegratedAutocorrelation,
    trustworthy: bool,
}

fn analyse(m: &[Vec<f64>], m2: &[Vec<f64>], s: &EquilibriumSettings) -> Result<Analysis> {
    let len = m.first().map_or(0, |c| c.len());
    let cap = len / 2; // never discard more than half of a chain
    let mut burn_in = s.initial_burn_in.min(cap);
    let estimate = |b: usize| -> Result<(IntegratedAutocorrelation, IntegratedAutocorrelation)> {
        let a: Vec<&[f64]> = m.iter().map(|c| &c[b..]).collect();
        let b2: Vec<&[f64]> = m2.iter().map(|c| &c[b..]).collect();
        Ok((sokal(&s.window, &a)?, sokal(&s.window, &b2)?))
    };
    let (mut tau_m, mut tau_m2) = estimate(burn_in)?;
    for _ in 0..8 {
        let tau = tau_m.tau_int.max(tau_m2.tau_int);
        let wanted = s
            .initial_burn_in
            .max((s.burn_in_multiple * tau).ceil() as usize);
        let next = wanted.min(cap);
        if next <= burn_in {
            break;
        }
        burn_in = next;
        (tau_m, tau_m2) = estimate(burn_in)?;
    }
    let tau = tau_m.tau_int.max(tau_m2.tau_int);
    let kept = ((len - burn_in) * m.len()) as f64;
    let trustworthy = tau_m.window_found
        && tau_m2.window_found
        && burn_in as f64 >= s.burn_in_multiple * tau
        && kept >= s.trust_multiple * tau;
    Ok(Analysis {
        burn_in,
        tau_m,
        tau_m2,
        trustworthy,
    })
}

/// Gelman–Rubin $\hat R$ of the chains' kept samples ([`EquilibriumRecord::gelman_rubin`]);
/// 1 for chains without fluctuation.
fn gelman_rubin(series: &[Vec<f64>], burn_in: usize) -> f64 {
    let r = series.len() as f64;
    let stats: Vec<(f64, f64)> = series
        .iter()
        .map(|c| {
            let kept = &c[burn_in..];
            let n = kept.len() as f64;
            let mean = kept.iter().sum::<f64>() / n;
            let var = kept.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, var)
        })
        .collect();
    let n = series.first().map_or(0, |c| c.len() - burn_in) as f64;
    let within = stats.iter().map(|s| s.1).sum::<f64>() / r;
    let grand = stats.iter().map(|s| s.0).sum::<f64>() / r;
    let between_over_n = stats.iter().map(|s| (s.0 - grand).powi(2)).sum::<f64>() / (r - 1.0);
    if within <= 0.0 {
        return if between_over_n > 0.0 {
            f64::INFINITY
        } else {
            1.0
        };
    }
    (((n - 1.0) / n * within + between_over_n) / within).sqrt()
}

/// Jackknife over chains of $\chi$ and $\chi^c$: (χ, SE, χ^c, SE, ⟨|m|⟩).
fn jackknife(m: &[Vec<f64>], burn_in: usize, nv: f64) -> (f64, f64, f64, f64, f64) {
    let r = m.len() as f64;
    let per_chain: Vec<(f64, f64)> = m
        .iter()
        .map(|c| {
            let kept = &c[burn_in..];
            let n = kept.len() as f64;
            (
                kept.iter().map(|x| x * x).sum::<f64>() / n,
                kept.iter().map(|x| x.abs()).sum::<f64>() / n,
            )
        })
        .collect();
    let sq = per_chain.iter().map(|p| p.0).sum::<f64>() / r;
    let ab = per_chain.iter().map(|p| p.1).sum::<f64>() / r;
    let connected = |sq: f64, ab: f64| nv * (sq - ab * ab);
    let loo: Vec<(f64, f64)> = per_chain
        .iter()
        .map(|&(a, b)| {
            let (sq_r, ab_r) = ((r * sq - a) / (r - 1.0), (r * ab - b) / (r - 1.0));
            (nv * sq_r, connected(sq_r, ab_r))
        })
        .collect();
    let se = |f: &dyn Fn(&(f64, f64)) -> f64| {
        let mean = loo.iter().map(f).sum::<f64>() / r;
        ((r - 1.0) / r * loo.iter().map(|p| (f(p) - mean).powi(2)).sum::<f64>()).sqrt()
    };
    (nv * sq, se(&|p| p.0), connected(sq, ab), se(&|p| p.1), ab)
}

/// Measures χ, χ^c, ⟨|m₁|⟩ and the τ's of the frozen `rbm` along `mode` by block Gibbs
/// sampling (module docs). Chains start at `start` (warm start; it must have `chains` rows)
/// or at random.
///
/// # Errors
/// `mode` or `start` of the wrong width; non-finite values of $m_1$.
pub fn measure_equilibrium<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
    rbm: &Rbm<V, H, T>,
    mode: &TopMode,
    settings: &EquilibriumSettings,
    start: Option<ChainState<T>>,
    rng: &mut R,
) -> Result<Equilibrium<T>> {
    let nv = rbm.n_visible();
    if mode.direction.len() != nv {
        return Err(Error::shape(
            "top mode",
            format!("{nv}"),
            format!("{}", mode.direction.len()),
        ));
    }
    let r = settings.chains;
    let mut chains = match start {
        Some(c) if c.visible.shape() == (r, nv) => c,
        Some(c) => {
            return Err(Error::shape(
                "warm-start chains",
                format!("{r} x {nv}"),
                format!("{} x {}", c.visible.nrows(), c.visible.ncols()),
            ))
        }
        None => ChainState::random(rbm, r, rng),
    };
    let (a, b) = spin_map(rbm.visible());
    let scale = 1.0 / (nv as f64).sqrt();
    let offset = b * mode.direction.sum() * scale;
    // m₁ of all chains = visible · u (one GEMV in the chains' float type per sweep)
    let u: DMatrix<T> =
        DMatrix::from_iterator(nv, 1, mode.direction.iter().map(|x| T::of(a * x * scale)));
    let mut projected: DMatrix<T> = DMatrix::zeros(r, 1);
    let sampler = GibbsSampler::new(1)?;
    let mut workspace = GibbsWorkspace::new();
    let mut m: Vec<Vec<f64>> = vec![Vec::new(); r];
    let mut m2: Vec<Vec<f64>> = vec![Vec::new(); r];
    let mut target = (settings.initial_burn_in + settings.min_sweeps).min(settings.max_sweeps);
    let analysis = loop {
        for series in m.iter_mut().chain(m2.iter_mut()) {
            series.reserve(target - series.len());
        }
        while m[0].len() < target {
            sampler.run(rbm, &mut chains, &mut workspace, rng);
            gemm(
                &mut projected,
                false,
                T::one(),
                chains.visible.as_view(),
                Op::N,
                u.as_view(),
                Op::N,
            );
            for (k, p) in projected.iter().enumerate() {
                let x = p.as_f64() + offset;
                m[k].push(x);
                m2[k].push(x * x);
            }
        }
        let analysis = analyse(&m, &m2, settings)?;
        if analysis.trustworthy || target >= settings.max_sweeps {
            break analysis;
        }
        target = (2 * target).min(settings.max_sweeps);
    };
    let (chi, chi_se, chi_c, chi_c_se, mean_abs) = jackknife(&m, analysis.burn_in, nv as f64);
    let gelman_rubin = gelman_rubin(&m2, analysis.burn_in);
    Ok(Equilibrium {
        record: EquilibriumRecord {
            step: 0,
            learning_time: 0.0,
            singular_value: mode.singular_value,
            control: mode.control,
            chi,
            chi_se,
            chi_connected: chi_c,
            chi_connected_se: chi_c_se,
            mean_abs_m: mean_abs,
            tau_m: analysis.tau_m.tau_int,
            tau_m_se: analysis.tau_m.standard_error,
            tau_m2: analysis.tau_m2.tau_int,
            tau_m2_se: analysis.tau_m2.standard_error,
            trustworthy: analysis.trustworthy
                && (gelman_rubin.is_nan() || gelman_rubin <= crate::scaling::GELMAN_RUBIN_MAX),
            chains: r,
            burn_in: analysis.burn_in,
            sweeps: target - analysis.burn_in,
            exact: false,
            gelman_rubin,
        },
        chains,
    })
}

/// Exact χ, χ^c, ⟨|m₁|⟩ of `rbm` along `mode` by summing the visible law over all $2^{N_v}$
/// states (module docs). `exact = true`, `trustworthy = true`, SEs 0, τ's NaN, no chains.
///
/// # Errors
/// Continuous visible units or $N_v > 20$ ([`Error::Unsupported`]); `mode` of the wrong width.
pub fn exact_equilibrium<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
    mode: &TopMode,
) -> Result<EquilibriumRecord> {
    let nv = rbm.n_visible();
    if mode.direction.len() != nv {
        return Err(Error::shape(
            "top mode",
            format!("{nv}"),
            format!("{}", mode.direction.len()),
        ));
    }
    let law = visible_distribution(rbm)?;
    let scale = 1.0 / (nv as f64).sqrt();
    let (mut sq, mut ab) = (0.0, 0.0);
    for (state, p) in law.iter().enumerate() {
        // bit k set: unit k in its high state, s̃_k = +1
        let m = mode
            .direction
            .iter()
            .enumerate()
            .map(|(k, u)| if state >> k & 1 == 1 { *u } else { -u })
            .sum::<f64>()
            * scale;
        sq += p * m * m;
        ab += p * m.abs();
    }
    let n = nv as f64;
    Ok(EquilibriumRecord {
        step: 0,
        learning_time: 0.0,
        singular_value: mode.singular_value,
        control: mode.control,
        chi: n * sq,
        chi_se: 0.0,
        chi_connected: n * (sq - ab * ab),
        chi_connected_se: 0.0,
        mean_abs_m: ab,
        tau_m: f64::NAN,
        tau_m_se: f64::NAN,
        tau_m2: f64::NAN,
        tau_m2_se: f64::NAN,
        trustworthy: true,
        chains: 0,
        burn_in: 0,
        sweeps: 0,
        exact: true,
        gelman_rubin: f64::NAN,
    })
}

/// [`exact_equilibrium`] when the visible units are discrete and $N_v \le$
/// `exact_max_visible` (the chains are then passed through: `start`, or random ones), else
/// [`measure_equilibrium`].
///
/// # Errors
/// As the function called.
pub fn measure_or_enumerate<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
    rbm: &Rbm<V, H, T>,
    mode: &TopMode,
    settings: &EquilibriumSettings,
    start: Option<ChainState<T>>,
    rng: &mut R,
) -> Result<Equilibrium<T>> {
    let discrete = rbm.visible().discrete_states().is_some();
    if discrete && rbm.n_visible() <= settings.exact_max_visible {
        let record = exact_equilibrium(rbm, mode)?;
        let chains = match start {
            Some(c) => c,
            None => ChainState::random(rbm, settings.chains, rng),
        };
        return Ok(Equilibrium { record, chains });
    }
    measure_equilibrium(rbm, mode, settings, start, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn gelman_rubin_separates_one_law_from_several_modes() {
        // 16 chains × 2000 iid N(0,1) draws: R̂ − 1 is O(1/n) plus sampling noise of the chain
        // means (SD of B/n ≈ W √(2/15)/n): far below 0.1. Half the chains shifted by 3 SD: the
        // chain means disagree, R̂ ≈ √(1 + 1.5²·16/15) ≈ 1.8.
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut draw = |shift: f64| -> Vec<f64> {
            (0..2000)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    z + shift
                })
                .collect()
        };
        let one: Vec<Vec<f64>> = (0..16).map(|_| draw(0.0)).collect();
        let r = gelman_rubin(&one, 0);
        assert!((r - 1.0).abs() < 0.01, "{r}");
        let two: Vec<Vec<f64>> = (0..16)
            .map(|k| draw(if k < 8 { 0.0 } else { 3.0 }))
            .collect();
        let r = gelman_rubin(&two, 0);
        assert!(
            r > crate::scaling::GELMAN_RUBIN_MAX && (r - 1.8).abs() < 0.1,
            "{r}"
        );
        // burn-in is excluded
        let mut late: Vec<Vec<f64>> = one.clone();
        late[0][..100].iter_mut().for_each(|x| *x += 50.0);
        assert!((gelman_rubin(&late, 100) - gelman_rubin(&one, 100)).abs() < 1e-12);
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(EquilibriumSettings::new(1, 2000, 64_000).is_err());
        assert!(EquilibriumSettings::new(16, 5, 64_000).is_err());
        assert!(EquilibriumSettings::new(16, 2000, 2000).is_err());
        assert!(EquilibriumSettings::new(16, 2000, 2100).is_ok());
        let s = EquilibriumSettings::default();
        assert!(s.clone().with_burn_in(10, f64::NAN, 1000.0).is_err());
        assert!(s.clone().with_window(SokalWindow::default(), 21).is_err());
        assert_eq!(EquilibriumSettings::new(16, 2000, 64_000).unwrap(), s);
    }

    /// Jackknife of the mean square over chains equals the textbook SE of the chain means
    /// (linear statistic); round-off only.
    const ROUND_OFF: f64 = 1e-12;

    #[test]
    fn jackknife_of_a_linear_statistic_is_the_standard_error() {
        let m: Vec<Vec<f64>> = (0..5)
            .map(|r| (0..7).map(|k| ((r * 7 + k) as f64 * 0.37).sin()).collect())
            .collect();
        let (chi, se, _, _, _) = jackknife(&m, 2, 3.0);
        let means: Vec<f64> = m
            .iter()
            .map(|c| 3.0 * c[2..].iter().map(|x| x * x).sum::<f64>() / 5.0)
            .collect();
        let mean = means.iter().sum::<f64>() / 5.0;
        let var = means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 4.0;
        assert!((chi - mean).abs() < ROUND_OFF);
        assert!((se - (var / 5.0).sqrt()).abs() < ROUND_OFF, "{se}");
    }
}
