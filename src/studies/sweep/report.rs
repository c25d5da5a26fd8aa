//! The analysis of a finished sweep: per family, peaks of $\chi^c$ per run, exponent fits over
//! sizes ([`crate::scaling::exponents`]), the data collapse ([`crate::scaling::collapse`]), exact references of the
//! toy models, plots and `summary.json`.
//!
//! # Exact references
//! * `gaussian` family: the student equals the Curie–Weiss model at $\beta = q$ when
//!   $w\parallel\xi$, so the peak of $\chi^c$ over $q$ is [`connected_peak`]$(N)$, and
//!   $\tau_{\rm int}(m)$ at that $q^*$ is the exact block-Gibbs kernel's ([`GibbsKernelOnM`]).
//! * `ising` family (one ±1 hidden unit): [`ising_hidden_connected_peak`]$(N)$ (derived; no
//!   transition, exponents 0).
//!
//! Trained weights are not exactly parallel to ξ (overlap ≳ 0.999 at the end of the runs), so
//! these are references, not identities.

use super::plots::{plot_collapse, plot_curves, plot_curves_scaled, plot_size_law, size_points};
use super::{PointResult, SweepConfig};
use crate::analytic::cw_scaling::connected_peak;
use crate::analytic::cw_scaling::ising_hidden::ising_hidden_connected_peak;
use crate::analytic::cw_scaling::kernel::GibbsKernelOnM;
use crate::error::{Error, Result};
use crate::io::write_atomic;
use crate::scaling::collapse::{
    bootstrap_collapse_critical_point, fit_collapse_critical_point, CollapseFit,
    CollapseParameters, SizedCurve,
};
use crate::scaling::exponents::{analyse_sizes, FssAnalysis, FssConfig, SizeRuns};
use crate::scaling::finite_size::{Abscissa, Curve, Observable};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Half-width of the $g_c$ scan of the collapse, in units of $1/\sqrt{N_{\min}}$.
const COLLAPSE_HALF_WIDTH_SQRT_N: f64 = 2.0;
/// Bootstrap resamples of the collapse's $g_c$.
const COLLAPSE_BOOTSTRAP: usize = 100;

/// Exact reference values at one size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExactReference {
    /// $N$.
    pub size: usize,
    /// Peak location $g^*$.
    pub location: f64,
    /// Peak height $\chi^c_{\max}$.
    pub height: f64,
    /// $\tau_{\rm int}(m)$ at $g^*$ (gaussian family only).
    pub tau: Option<f64>,
}

/// The analysis of one family.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FamilyReport {
    /// Family name.
    pub family: String,
    /// Hidden unit type.
    pub hidden_type: String,
    /// Peaks, means and fits over sizes (`None`: see `analysis_error`).
    pub analysis: Option<FssAnalysis>,
    /// Why there is no analysis.
    pub analysis_error: Option<String>,
    /// Collapse of $\chi^c$ with exponents ½ (gaussian family).
    pub collapse: Option<CollapseFit>,
    /// Bootstrap (mean, SD) of the collapse's $g_c$ over runs.
    pub collapse_bootstrap: Option<(f64, f64)>,
    /// Why there is no collapse.
    pub collapse_note: Option<String>,
    /// Exact references per size.
    pub exact: Vec<ExactReference>,
    /// Figures written (relative to the sweep's output directory).
    pub figures: Vec<PathBuf>,
}

/// The analysis of a sweep (`summary.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepSummary {
    /// One per family, in configuration order.
    pub families: Vec<FamilyReport>,
}

/// Records with `learning_time` replaced by the toy clock $\Delta t\times$step.
fn toy_clock(r: &PointResult) -> Vec<crate::scaling::EquilibriumRecord> {
    r.records
        .iter()
        .map(|e| crate::scaling::EquilibriumRecord {
            learning_time: e.step as f64 * r.dt,
            ..e.clone()
        })
        .collect()
}

/// Exact references of a family at `sizes`.
///
/// # Errors
/// As [`connected_peak`], [`GibbsKernelOnM::new`], [`ising_hidden_connected_peak`].
pub fn exact_references(hidden_type: &str, sizes: &[usize]) -> Result<Vec<ExactReference>> {
    sizes
        .iter()
        .map(|&n| {
            if hidden_type == "gaussian" {
                let p = connected_peak(n)?;
                let tau = GibbsKernelOnM::new(n, p.location)?
                    .spectrum()?
                    .integrated_time(|m| m);
                Ok(ExactReference {
                    size: n,
                    location: p.location,
                    height: p.height,
                    tau: Some(tau),
                })
            } else {
                let p = ising_hidden_connected_peak(n)?;
                Ok(ExactReference {
                    size: n,
                    location: p.location,
                    height: p.height,
                    tau: None,
                })
            }
        })
        .collect()
}

/// Analyses every family of a finished sweep, writes its figures to `out/figures/` and
/// `out/summary.json`.
///
/// # Errors
/// Files that cannot be written; exact references that cannot be computed. A family whose
/// fits cannot be made (too few runs with a peak) is reported in its `analysis_error`.
#[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
pub fn analyse_sweep(
    config: &SweepConfig,
    results: &[PointResult],
    out: &Path,
) -> Result<SweepSummary> {
    let fig_dir = out.join("figures");
    std::fs::create_dir_all(&fig_dir).map_err(|e| Error::io(&fig_dir, e))?;
    let mut families = Vec::new();
    for (k, family) in config.families.iter().enumerate() {
        let mine: Vec<&PointResult> = results.iter().filter(|r| r.family == family.name).collect();
        let mut sizes: Vec<usize> = mine.iter().map(|r| r.n).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let runs: Vec<SizeRuns> = sizes
            .iter()
            .map(|&n| SizeRuns {
                size: n,
                runs: mine
                    .iter()
                    .filter(|r| r.n == n)
                    .map(|r| toy_clock(r))
                    .collect(),
            })
            .collect();
        let fss = FssConfig::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed_base ^ (k as u64 + 1));
        let (analysis, analysis_error) = match analyse_sizes(&runs, &fss, &mut rng) {
            Ok(a) => (Some(a), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let curves = |obs: Observable, abscissa: Abscissa| -> Vec<SizedCurve> {
            mine.iter()
                .map(|r| {
                    // τ only where it is a measurement (not a capped lower bound)
                    let records: Vec<_> = toy_clock(r)
                        .into_iter()
                        .filter(|e| {
                            !matches!(obs, Observable::TauM | Observable::TauM2) || e.trustworthy
                        })
                        .collect();
                    SizedCurve {
                        size: r.n,
                        curve: Curve::from_records(&records, obs, abscissa),
                    }
                })
                .filter(|c| c.curve.points.len() >= 2)
                .collect()
        };
        let chi_c = curves(Observable::ChiConnected, Abscissa::Control);
        let mut figures = Vec::new();
        let name = &family.name;
        let mut fig = |file: String, draw: &dyn Fn(&Path) -> Result<()>| -> Result<()> {
            let path = fig_dir.join(&file);
            draw(&path)?;
            figures.push(Path::new("figures").join(file));
            Ok(())
        };
        fig(format!("{name}-chi-connected-vs-g.png"), &|p| {
            plot_curves(
                p,
                &format!("{name} hidden unit: connected susceptibility along training"),
                Observable::ChiConnected.label(),
                &chi_c,
                Abscissa::Control,
                Some(1.0),
            )
        })?;
        let chi_t = curves(Observable::ChiConnected, Abscissa::LogTime);
        fig(format!("{name}-chi-connected-vs-time.png"), &|p| {
            plot_curves(
                p,
                &format!("{name} hidden unit: chi^c against learning time t = N eta x updates"),
                Observable::ChiConnected.label(),
                &chi_t,
                Abscissa::LogTime,
                None,
            )
        })?;
        let tau_g = curves(Observable::TauM, Abscissa::Control);
        fig(format!("{name}-tau-vs-g.png"), &|p| {
            plot_curves_scaled(
                p,
                &format!(
                    "{name} hidden unit: Gibbs autocorrelation time of m1 (trustworthy estimates)"
                ),
                Observable::TauM.label(),
                &tau_g,
                Abscissa::Control,
                Some(1.0),
                true,
            )
        })?;
        let tau_t = curves(Observable::TauM, Abscissa::LogTime);
        fig(format!("{name}-tau-vs-time.png"), &|p| {
            plot_curves_scaled(
                p,
                &format!(
                    "{name} hidden unit: tau_int(m1) against learning time (trustworthy estimates)"
                ),
                Observable::TauM.label(),
                &tau_t,
                Abscissa::LogTime,
                None,
                true,
            )
        })?;
        if let Some(a) = &analysis {
            let pts = size_points(&a.sizes, false);
            if pts.len() >= 2 {
                fig(format!("{name}-peak-heights.png"), &|p| {
                    plot_size_law(
                        p,
                        &format!("{name} hidden unit: peak of chi^c against N"),
                        "max chi^c",
                        &pts,
                        &a.height.naive,
                        a.height.corrected.as_ref(),
                        0.5,
                    )
                })?;
            }
            if let Some(t) = &a.tau {
                let pts = size_points(&a.sizes, true);
                if pts.len() >= 2 {
                    fig(format!("{name}-tau-at-peak.png"), &|p| {
                        plot_size_law(
                            p,
                            &format!("{name} hidden unit: tau_int(m1) at the chi^c peak against N"),
                            "tau_int(m1) at g* [sweeps]",
                            &pts,
                            &t.naive,
                            t.corrected.as_ref(),
                            0.5,
                        )
                    })?;
                }
            }
        }
        let (collapse, collapse_bootstrap, collapse_note) = if family.band_scaling
            != super::BandScaling::SqrtN
        {
            (
                None,
                None,
                Some("not attempted: this family has no critical window in 1/sqrt(N)".into()),
            )
        } else {
            let n_min = sizes.first().copied().unwrap_or(1) as f64;
            let half = COLLAPSE_HALF_WIDTH_SQRT_N / n_min.sqrt();
            let start = CollapseParameters::mean_field(1.0);
            match fit_collapse_critical_point(&chi_c, start, half) {
                Ok(c) => {
                    let boot = bootstrap_collapse_critical_point(
                        &chi_c,
                        start,
                        half,
                        COLLAPSE_BOOTSTRAP,
                        &mut rng,
                    )
                    .ok();
                    fig(format!("{name}-collapse.png"), &|p| {
                        plot_collapse(
                            p,
                            &format!(
                                "{name} hidden unit: collapse of chi^c (exponents 1/2, g_c = {:.4})",
                                c.parameters.critical_point
                            ),
                            &chi_c,
                            c.parameters,
                        )
                    })?;
                    (Some(c), boot, None)
                }
                Err(e) => (None, None, Some(format!("collapse failed: {e}"))),
            }
        };
        families.push(FamilyReport {
            family: name.clone(),
            hidden_type: family.hidden_type.to_string(),
            analysis,
            analysis_error,
            collapse,
            collapse_bootstrap,
            collapse_note,
            exact: exact_references(&family.hidden_type.to_string(), &sizes)?,
            figures,
        });
    }
    let summary = SweepSummary { families };
    let json = serde_json::to_vec_pretty(&summary)
        .map_err(|e| Error::format(out.join("summary.json"), e.to_string()))?;
    write_atomic(&out.join("summary.json"), &json)?;
    Ok(summary)
}

impl SweepSummary {
    /// A Markdown report: per family, the per-size table against the exact references and the
    /// fitted exponents.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        for f in &self.families {
            s.push_str(&format!(
                "### Family `{}` ({} hidden unit)\n\n",
                f.family, f.hidden_type
            ));
            let Some(a) = &f.analysis else {
                s.push_str(&format!(
                    "No analysis: {}\n\n",
                    f.analysis_error.as_deref().unwrap_or("?")
                ));
                continue;
            };
            s.push_str(
                "| N | runs (peak fitted) | max chi^c | exact | g* | exact g* | tau(m1) at g* | exact tau |\n\
                 |---|---|---|---|---|---|---|---|\n",
            );
            for z in &a.sizes {
                let ex = f.exact.iter().find(|e| e.size == z.size);
                s.push_str(&format!(
                    "| {} | {} ({}) | {:.4} ± {:.4} | {} | {:.4} ± {:.4} | {} | {:.2} ± {:.2} | {} |\n",
                    z.size,
                    z.runs,
                    z.runs_used,
                    z.height.mean,
                    z.height.se,
                    ex.map_or("-".into(), |e| format!("{:.4}", e.height)),
                    z.location.mean,
                    z.location.se,
                    ex.map_or("-".into(), |e| format!("{:.4}", e.location)),
                    z.tau_at_peak.mean,
                    z.tau_at_peak.se,
                    ex.and_then(|e| e.tau).map_or("-".into(), |t| format!("{t:.2}")),
                ));
            }
            let h = &a.height;
            s.push_str(&format!(
                "\nPeak heights: naive a = {:.4} ± {:.4} (bootstrap {:.4}), χ²/dof {:.2}",
                h.naive.exponent,
                h.naive.standard_error,
                h.naive.bootstrap_standard_error.unwrap_or(f64::NAN),
                h.naive.chi_square / h.naive.degrees_of_freedom.max(1) as f64,
            ));
            if let Some(c) = &h.corrected {
                s.push_str(&format!(
                    "; corrected a = {:.4} ± {:.4} (B = {:.3})",
                    c.exponent, c.standard_error, c.correction
                ));
            }
            if let Some(w) = &h.without_smallest {
                s.push_str(&format!(
                    "; without the smallest N a = {:.4} ± {:.4}",
                    w.exponent, w.standard_error
                ));
            }
            if let Some(c) = &h.corrected_second_order {
                s.push_str(&format!(
                    "; second-order corrected a = {:.4} ± {:.4} (B₁ = {:.3}, B₂ = {:.3})",
                    c.exponent, c.standard_error, c.corrections[0], c.corrections[1]
                ));
            }
            s.push_str(".\n");
            if let Some(t) = &a.tau {
                s.push_str(&format!(
                    "τ at the peak: naive a = {:.4} ± {:.4} (bootstrap {:.4})",
                    t.naive.exponent,
                    t.naive.standard_error,
                    t.naive.bootstrap_standard_error.unwrap_or(f64::NAN)
                ));
                if let Some(c) = &t.corrected {
                    s.push_str(&format!(
                        "; corrected a = {:.4} ± {:.4}",
                        c.exponent, c.standard_error
                    ));
                }
                if let Some(c) = &t.corrected_second_order {
                    s.push_str(&format!(
                        "; second-order corrected a = {:.4} ± {:.4}",
                        c.exponent, c.standard_error
                    ));
                }
                s.push_str(".\n");
            }
            match (&a.shift.exponent, &a.shift.note) {
                (Some((b, se)), _) => {
                    s.push_str(&format!("Shift g*(N) − 1 ∝ N^-b: b = {b:.4} ± {se:.4}.\n"))
                }
                (None, Some(note)) => s.push_str(&format!("Shift: {note}.\n")),
                _ => {}
            }
            match (&f.collapse, &f.collapse_note) {
                (Some(c), _) => s.push_str(&format!(
                    "Collapse (exponents ½): g_c = {:.4}, S = {:.2} over {} terms{}.\n",
                    c.parameters.critical_point,
                    c.cost,
                    c.terms,
                    f.collapse_bootstrap
                        .map_or(String::new(), |(m, sd)| format!(
                            "; bootstrap g_c = {m:.4} ± {sd:.4}"
                        ))
                )),
                (None, Some(note)) => s.push_str(&format!("Collapse: {note}.\n")),
                _ => {}
            }
            s.push('\n');
        }
        s
    }
}
