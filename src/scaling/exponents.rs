//! Exponent fits across sizes (`theory/finite-size-scaling.md`, "Fitting exponents with
//! errors", steps 2–4): per run the peak of $\chi^c$ ([`locate_peak`]) and $\tau$ interpolated at
//! $g^*$; per size mean ± standard error over runs; power laws of the heights, of $\tau(g^*)$ and of
//! the shift $g^*(N) - g_c$ against $N$.
//!
//! # Conventions
//! Mean-field FSS: $\chi_{\max} \propto N^{\gamma/\bar\nu} = N^{1/2}$, $\tau(g^*) \propto N^{1/2}$,
//! $g^*(N) - g_c = C N^{-1/\bar\nu} = C N^{-1/2}$. Runs whose peak is flagged ([`Peak::ok`]
//! false) are counted but left out of the means; a size with fewer than two usable runs is left
//! out of the fits (its standard error would be undefined).

use super::finite_size::{locate_peak, Abscissa, Curve, Observable, Peak};
use super::EquilibriumRecord;
use crate::error::{Error, Result};
use crate::stats::{
    bootstrap_power_law, fit_corrected_power_law, fit_power_law, mean_and_standard_error,
    CorrectedPowerLawFit, PowerLawFit,
};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The runs of one size: one `Vec<EquilibriumRecord>` per independent training.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeRuns {
    /// $N$ (visible units).
    pub size: usize,
    /// One record list per run.
    pub runs: Vec<Vec<EquilibriumRecord>>,
}

/// What [`analyse_sizes`] fits and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FssConfig {
    /// The peaked observable (the theory: $\chi^c$).
    pub observable: Observable,
    /// Its abscissa (the shift fit needs [`Abscissa::Control`]).
    pub abscissa: Abscissa,
    /// The relaxation time read at the peak; `None` skips the τ fits.
    pub tau_observable: Option<Observable>,
    /// Half window of the quadratic peak fit (2 or 3: 5–7 points).
    pub half_window: usize,
    /// $g_c$ (1 for the control parameter of [`super::TopMode`]).
    pub critical_point: f64,
    /// Range searched by the corrected fit $A N^a(1 + BN^{-1/2})$.
    pub corrected_exponent_range: (f64, f64),
    /// Bootstrap resamples over runs.
    pub bootstrap_resamples: usize,
}

impl Default for FssConfig {
    fn default() -> Self {
        FssConfig {
            observable: Observable::ChiConnected,
            abscissa: Abscissa::Control,
            tau_observable: Some(Observable::TauM),
            half_window: 3,
            critical_point: 1.0,
            corrected_exponent_range: (-0.5, 1.5),
            bootstrap_resamples: 400,
        }
    }
}

/// The peak of one run and the relaxation time there.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunPeak {
    /// Peak of the observable.
    pub peak: Peak,
    /// $(\tau, \sigma_\tau)$ interpolated linearly at the peak location (`None`: no τ curve
    /// or the location is outside it).
    pub tau_at_peak: Option<(f64, f64)>,
}

/// The peak of one run's records (τ from `config.tau_observable` on the same abscissa).
///
/// # Errors
/// As [`locate_peak`] (fewer than 3 usable records).
pub fn run_peak(records: &[EquilibriumRecord], config: &FssConfig) -> Result<RunPeak> {
    let curve = Curve::from_records(records, config.observable, config.abscissa);
    let peak = locate_peak(&curve.points, config.half_window)?;
    let tau_at_peak = config.tau_observable.and_then(|tau| {
        Curve::from_records(records, tau, config.abscissa).interpolate(peak.location)
    });
    Ok(RunPeak { peak, tau_at_peak })
}

/// Mean and standard error over runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanSe {
    /// Mean.
    pub mean: f64,
    /// Standard error of the mean ($+\infty$ for one run).
    pub se: f64,
}

impl MeanSe {
    fn of(xs: &[f64]) -> Self {
        let (mean, se) = mean_and_standard_error(xs);
        MeanSe { mean, se }
    }
}

/// Per-size summary of the run peaks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeSummary {
    /// $N$.
    pub size: usize,
    /// Runs given.
    pub runs: usize,
    /// Runs with a fitted (unflagged) peak, used below.
    pub runs_used: usize,
    /// Each used run's peak height.
    pub heights: Vec<f64>,
    /// Each used run's peak location.
    pub locations: Vec<f64>,
    /// Each used run's τ at its peak (runs without one left out).
    pub taus: Vec<f64>,
    /// Peak height, mean ± SE over used runs.
    pub height: MeanSe,
    /// Peak location $g^*$ (or $\ln t^*$).
    pub location: MeanSe,
    /// τ at the peak.
    pub tau_at_peak: MeanSe,
}

/// A power law $y = e^c N^a$ (serialisable copy of [`PowerLawFit`], plus the bootstrap).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExponentFit {
    /// Sizes fitted.
    pub sizes: Vec<usize>,
    /// $a$.
    pub exponent: f64,
    /// SE(a) from the fit covariance.
    pub standard_error: f64,
    /// $c = \ln A$.
    pub log_prefactor: f64,
    /// χ².
    pub chi_square: f64,
    /// Points − 2.
    pub degrees_of_freedom: usize,
    /// $P(\chi^2_{\rm dof} \ge \chi^2)$ (NaN without degree of freedom).
    pub p_value: f64,
    /// SD of $a$ over bootstrap resamples of runs (`None` if not computed).
    pub bootstrap_standard_error: Option<f64>,
}

impl ExponentFit {
    fn from_fit(sizes: Vec<usize>, f: &PowerLawFit, bootstrap: Option<f64>) -> Self {
        ExponentFit {
            sizes,
            exponent: f.exponent,
            standard_error: f.exponent_standard_error,
            log_prefactor: f.log_prefactor,
            chi_square: f.chi_square,
            degrees_of_freedom: f.degrees_of_freedom,
            p_value: f.chi_square_p_value(),
            bootstrap_standard_error: bootstrap,
        }
    }

    /// The exponent within `k` covariance SE of `expected` ([`within_standard_errors`]).
    pub fn consistent_with(&self, expected: f64, k: f64) -> bool {
        within_standard_errors(self.exponent, self.standard_error, expected, k)
    }
}

/// The corrected law $y = AN^a(1 + BN^{-1/2})$ (serialisable copy of [`CorrectedPowerLawFit`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorrectedFit {
    /// $a$.
    pub exponent: f64,
    /// SE(a) from the profile curvature.
    pub standard_error: f64,
    /// $A$.
    pub amplitude: f64,
    /// $B$.
    pub correction: f64,
    /// χ².
    pub chi_square: f64,
    /// Points − 3.
    pub degrees_of_freedom: usize,
    /// False: minimum at the edge of the admissible region, SE meaningless.
    pub minimum_inside_range: bool,
}

impl CorrectedFit {
    fn from_fit(f: &CorrectedPowerLawFit) -> Self {
        CorrectedFit {
            exponent: f.exponent,
            standard_error: f.exponent_standard_error,
            amplitude: f.amplitude,
            correction: f.correction,
            chi_square: f.chi_square,
            degrees_of_freedom: f.degrees_of_freedom,
            minimum_inside_range: f.minimum_inside_range,
        }
    }

    /// The exponent within `k` SE of `expected`, and the minimum inside the range.
    pub fn consistent_with(&self, expected: f64, k: f64) -> bool {
        self.minimum_inside_range
            && within_standard_errors(self.exponent, self.standard_error, expected, k)
    }
}

/// The three fits of one quantity against $N$ (theory step 3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LawFits {
    /// Weighted fit of $\ln y = c + a\ln N$ on all usable sizes, with the bootstrap over runs.
    pub naive: ExponentFit,
    /// $AN^a(1 + BN^{-1/2})$ (`None` with fewer than 3 sizes or no admissible minimum).
    pub corrected: Option<CorrectedFit>,
    /// The naive fit without the smallest size (`None` with fewer than 3 sizes).
    pub without_smallest: Option<ExponentFit>,
    /// $AN^a(1 + B_1N^{-1/2} + B_2N^{-1})$ (`None` with fewer than 5 sizes or no admissible
    /// minimum): the next order of corrections, needed at N ≤ 1024 (`stats::fit_corrections`).
    #[serde(default)]
    pub corrected_second_order: Option<crate::stats::SecondOrderPowerLawFit>,
}

/// The shift $g^*(N) - g_c = C N^{-b}$.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShiftFit {
    /// $b$ (= −slope of $\ln(g^* - g_c)$ against $\ln N$) and its SE; `None` when not fitted.
    pub exponent: Option<(f64, f64)>,
    /// $C$.
    pub amplitude: Option<f64>,
    /// The power-law fit of $g^* - g_c$ (slope $-b$).
    pub fit: Option<ExponentFit>,
    /// $g^* - g_c = C N^{-b}(1 + B N^{-1/2})$ (its `exponent` is $-b$); `None` with fewer than 3
    /// sizes or no admissible minimum. The toy's shift has such a correction:
    /// $q^* - 1 \approx 1.245/\sqrt N - 1.6/N$ (theory prediction 2's table).
    pub corrected: Option<CorrectedFit>,
    /// Why there is no fit, if there is none.
    pub note: Option<String>,
}

/// Everything [`analyse_sizes`] computes (serialisable to the case's `numbers`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FssAnalysis {
    /// The configuration used.
    pub config: FssConfig,
    /// Per size, increasing $N$ (all sizes, also those left out of the fits).
    pub sizes: Vec<SizeSummary>,
    /// Peak heights against $N$ (expect $a = \gamma/\bar\nu = 1/2$).
    pub height: LawFits,
    /// τ at the peak against $N$ (expect ½); `None` without τ data.
    pub tau: Option<LawFits>,
    /// Shift of the peak location (expect $b = 1/\bar\nu = 1/2$).
    pub shift: ShiftFit,
}

/// Verdict helper: $|x - x_0| \le k\,\mathrm{SE}$ with a finite SE.
pub fn within_standard_errors(estimate: f64, standard_error: f64, expected: f64, k: f64) -> bool {
    standard_error.is_finite() && (estimate - expected).abs() <= k * standard_error
}

/// Summary of one size from its run peaks (flagged peaks left out).
pub fn summarise_size(size: usize, peaks: &[RunPeak]) -> SizeSummary {
    let used: Vec<&RunPeak> = peaks.iter().filter(|p| p.peak.ok()).collect();
    let heights: Vec<f64> = used.iter().map(|p| p.peak.height).collect();
    let locations: Vec<f64> = used.iter().map(|p| p.peak.location).collect();
    let taus: Vec<f64> = used
        .iter()
        .filter_map(|p| p.tau_at_peak.map(|t| t.0))
        .collect();
    SizeSummary {
        size,
        runs: peaks.len(),
        runs_used: used.len(),
        height: MeanSe::of(&heights),
        location: MeanSe::of(&locations),
        tau_at_peak: MeanSe::of(&taus),
        heights,
        locations,
        taus,
    }
}

/// Naive (with bootstrap), corrected and drop-smallest fits of per-run values `runs[k]` at
/// `sizes[k]` (sizes increasing).
fn law_fits<R: Rng + ?Sized>(
    sizes: &[usize],
    runs: &[Vec<f64>],
    config: &FssConfig,
    rng: &mut R,
) -> Result<LawFits> {
    let ns: Vec<f64> = sizes.iter().map(|&n| n as f64).collect();
    let (means, ses): (Vec<f64>, Vec<f64>) =
        runs.iter().map(|r| mean_and_standard_error(r)).unzip();
    let boot = bootstrap_power_law(&ns, runs, config.bootstrap_resamples, rng)?;
    let naive = ExponentFit::from_fit(
        sizes.to_vec(),
        &boot.fit,
        Some(boot.bootstrap_standard_error),
    );
    let corrected = if sizes.len() >= 3 {
        fit_corrected_power_law(&ns, &means, &ses, config.corrected_exponent_range)
            .ok()
            .map(|f| CorrectedFit::from_fit(&f))
    } else {
        None
    };
    let without_smallest = if sizes.len() >= 3 {
        let f = fit_power_law(&ns[1..], &means[1..], &ses[1..])?;
        Some(ExponentFit::from_fit(sizes[1..].to_vec(), &f, None))
    } else {
        None
    };
    let corrected_second_order = if sizes.len() >= 5 {
        crate::stats::fit_second_order_corrected_power_law(
            &ns,
            &means,
            &ses,
            config.corrected_exponent_range,
        )
        .ok()
    } else {
        None
    };
    Ok(LawFits {
        naive,
        corrected,
        without_smallest,
        corrected_second_order,
    })
}

/// Range of the slope $-b$ searched by the corrected shift fit (theory $-1/2$).
const SHIFT_EXPONENT_RANGE: (f64, f64) = (-1.5, 0.5);

/// The shift fit on the sizes with usable peaks.
fn shift_fit(summaries: &[&SizeSummary], critical_point: f64) -> ShiftFit {
    let none = |note: String| ShiftFit {
        exponent: None,
        amplitude: None,
        fit: None,
        corrected: None,
        note: Some(note),
    };
    let shifts: Vec<f64> = summaries
        .iter()
        .map(|s| s.location.mean - critical_point)
        .collect();
    if shifts.iter().any(|d| d.is_nan() || *d <= 0.0) {
        return none(format!(
            "not fitted: g* - g_c not positive at every size ({shifts:?})"
        ));
    }
    let ns: Vec<f64> = summaries.iter().map(|s| s.size as f64).collect();
    let ses: Vec<f64> = summaries.iter().map(|s| s.location.se).collect();
    let corrected = if ns.len() >= 3 {
        fit_corrected_power_law(&ns, &shifts, &ses, SHIFT_EXPONENT_RANGE)
            .ok()
            .map(|f| CorrectedFit::from_fit(&f))
    } else {
        None
    };
    match fit_power_law(&ns, &shifts, &ses) {
        Ok(f) => ShiftFit {
            corrected,
            exponent: Some((-f.exponent, f.exponent_standard_error)),
            amplitude: Some(f.log_prefactor.exp()),
            fit: Some(ExponentFit::from_fit(
                summaries.iter().map(|s| s.size).collect(),
                &f,
                None,
            )),
            note: None,
        },
        Err(e) => none(format!("not fitted: {e}")),
    }
}

/// The full analysis of the theory's steps 2–4 over sizes: peaks per run ([`run_peak`]), means
/// per size, and the fits of heights, τ at the peak (if τ data exist at ≥ 2 runs of ≥ 2
/// sizes) and the shift.
///
/// # Errors
/// A run with fewer than 3 usable records; fewer than 2 sizes with at least 2 runs with a
/// fitted peak; as [`bootstrap_power_law`].
pub fn analyse_sizes<R: Rng + ?Sized>(
    input: &[SizeRuns],
    config: &FssConfig,
    rng: &mut R,
) -> Result<FssAnalysis> {
    let mut sizes: Vec<SizeSummary> = Vec::with_capacity(input.len());
    for s in input {
        let peaks = s
            .runs
            .iter()
            .map(|r| run_peak(r, config))
            .collect::<Result<Vec<_>>>()?;
        sizes.push(summarise_size(s.size, &peaks));
    }
    analyse_summaries(sizes, config, rng)
}

/// [`analyse_sizes`] from per-size summaries (e.g. of peaks found by the caller).
///
/// # Errors
/// As [`analyse_sizes`].
pub fn analyse_summaries<R: Rng + ?Sized>(
    mut sizes: Vec<SizeSummary>,
    config: &FssConfig,
    rng: &mut R,
) -> Result<FssAnalysis> {
    sizes.sort_by_key(|s| s.size);
    let usable: Vec<&SizeSummary> = sizes.iter().filter(|s| s.runs_used >= 2).collect();
    if usable.len() < 2 {
        return Err(Error::invalid(
            "sizes",
            usable.len(),
            "need at least 2 sizes with at least 2 runs with a fitted peak",
        ));
    }
    let ns: Vec<usize> = usable.iter().map(|s| s.size).collect();
    let heights: Vec<Vec<f64>> = usable.iter().map(|s| s.heights.clone()).collect();
    let height = law_fits(&ns, &heights, config, rng)?;
    let with_tau: Vec<&&SizeSummary> = usable.iter().filter(|s| s.taus.len() >= 2).collect();
    let tau = if with_tau.len() >= 2 {
        let tn: Vec<usize> = with_tau.iter().map(|s| s.size).collect();
        let taus: Vec<Vec<f64>> = with_tau.iter().map(|s| s.taus.clone()).collect();
        law_fits(&tn, &taus, config, rng).ok()
    } else {
        None
    };
    let shift = if config.abscissa == Abscissa::Control {
        shift_fit(&usable, config.critical_point)
    } else {
        ShiftFit {
            exponent: None,
            amplitude: None,
            fit: None,
            corrected: None,
            note: Some("not fitted: the abscissa is ln t, not the control parameter".into()),
        }
    };
    Ok(FssAnalysis {
        config: config.clone(),
        sizes,
        height,
        tau,
        shift,
    })
}
