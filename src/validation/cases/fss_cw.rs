//! Finite-size scaling of the learning transition (issue 6 item 2): the Curie–Weiss teacher
//! learnt by one Gaussian hidden unit and by one ±1 hidden unit, N = 32 … 1024, with χ, χ^c and
//! τ_int measured along training (`theory/finite-size-scaling.md`; the ±1 unit's exact law is
//! derived in `notes/finite-size-scaling.md`).
//!
//! The sweeps are the committed `validation/sweeps/cw-{quick,full}.toml`, run with
//! [`crate::studies::sweep::run_sweep`] into `OUT/runs/fss-cw-{quick,full}` (resumable: the
//! second case of a level finds the points done).

use crate::error::Result;
use crate::scaling::exponents::{run_peak, FssConfig, RunPeak};
use crate::stats::fit_power_law;
use crate::studies::sweep::report::{analyse_sweep, ExactReference, FamilyReport};
use crate::studies::sweep::{run_sweep, PointResult, SweepConfig, SweepOptions};
use crate::validation::check::{all_pass, Check};
use crate::validation::{CaseOutcome, Claim, Level, Tolerance, ValidationCase, ValidationContext};
use serde_json::json;
use std::path::PathBuf;

/// The quick sweep (N ≤ 128, 2 seeds).
const QUICK_SWEEP: &str = include_str!("../../../validation/sweeps/cw-quick.toml");
/// The full sweep (N = 32 … 1024, 5 seeds).
const FULL_SWEEP: &str = include_str!("../../../validation/sweeps/cw-full.toml");
/// Peak heights and τ against exact references, per size: 3 standard errors (two-sided
/// p ≈ 0.003 per comparison; with 3–6 sizes the chance of a false alarm stays below 2 %).
const REFERENCE_SES: f64 = 3.0;
/// The criterion on fitted exponents: within 2 standard errors.
const EXPONENT_SES: f64 = 2.0;
/// The mean-field exponents of χ^c_max and of τ at the peak.
const THEORY_EXPONENT: f64 = 0.5;

/// The sweep of a level, run (or resumed) and analysed.
struct Study {
    results: Vec<PointResult>,
    report: FamilyReport,
    dir: PathBuf,
}

fn study(ctx: &ValidationContext, full: bool, family: &str) -> Result<Study> {
    let (text, name) = if full {
        (FULL_SWEEP, "fss-cw-full")
    } else {
        (QUICK_SWEEP, "fss-cw-quick")
    };
    let mut config: SweepConfig = toml::from_str(text).map_err(|e| {
        crate::Error::format(format!("validation/sweeps/{name}.toml"), e.to_string())
    })?;
    config.check()?;
    config.seed_base = config.seed_base.wrapping_add(ctx.seed.wrapping_sub(2017));
    let dir = ctx.out_dir.join("runs").join(name);
    let results = run_sweep(
        &config,
        &dir,
        &SweepOptions {
            progress: ctx.progress,
        },
    )?;
    let summary = analyse_sweep(&config, &results, &dir)?;
    let report = summary
        .families
        .into_iter()
        .find(|f| f.family == family)
        .ok_or_else(|| crate::Error::invalid("family", family, "not in the sweep"))?;
    let results = results.into_iter().filter(|r| r.family == family).collect();
    Ok(Study {
        results,
        report,
        dir,
    })
}

/// Copies the sweep's figures of a family into the report's figures as `<id>-<name>.png`.
fn copy_figures(ctx: &ValidationContext, s: &Study, id: &str) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for f in &s.report.figures {
        let stem = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("figure.png")
            .trim_end_matches(".png")
            .trim_start_matches(&format!("{}-", s.report.family))
            .to_string();
        let (abs, rel) = ctx.figure_path(&format!("{id}-{stem}"))?;
        let src = s.dir.join(f);
        std::fs::copy(&src, &abs).map_err(|e| crate::Error::io(&src, e))?;
        out.push(rel);
    }
    Ok(out)
}

/// Per size: run peaks (fitted ones only) with propagated errors.
struct SizePeaks {
    n: usize,
    heights: Vec<f64>,
    height_ses: Vec<f64>,
    taus: Vec<(f64, f64)>,
    runs: usize,
}

impl SizePeaks {
    /// Mean height and its error from the runs' own fit errors, $\sqrt{\sum\sigma_i^2}/R$ (the
    /// runs are independent; with 2 runs a spread-based SE has one degree of freedom).
    fn height(&self) -> (f64, f64) {
        propagated(&self.heights, &self.height_ses)
    }
    fn tau(&self) -> (f64, f64) {
        let (t, s): (Vec<f64>, Vec<f64>) = self.taus.iter().copied().unzip();
        propagated(&t, &s)
    }
}

fn propagated(values: &[f64], ses: &[f64]) -> (f64, f64) {
    let r = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, f64::INFINITY);
    }
    let mean = values.iter().sum::<f64>() / r;
    let se = ses.iter().map(|s| s * s).sum::<f64>().sqrt() / r;
    (mean, se)
}

fn size_peaks(results: &[PointResult]) -> Result<Vec<SizePeaks>> {
    let mut sizes: Vec<usize> = results.iter().map(|r| r.n).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let config = FssConfig::default();
    sizes
        .into_iter()
        .map(|n| {
            let mine: Vec<&PointResult> = results.iter().filter(|r| r.n == n).collect();
            let peaks: Vec<RunPeak> = mine
                .iter()
                .map(|r| run_peak(&r.records, &config))
                .collect::<Result<_>>()?;
            let ok: Vec<&RunPeak> = peaks.iter().filter(|p| p.peak.ok()).collect();
            Ok(SizePeaks {
                n,
                heights: ok.iter().map(|p| p.peak.height).collect(),
                height_ses: ok.iter().map(|p| p.peak.height_se).collect(),
                taus: ok.iter().filter_map(|p| p.tau_at_peak).collect(),
                runs: mine.len(),
            })
        })
        .collect()
}

/// `|measured − exact| ≤ k SE` per size; rows for the details table and numbers.
fn against_exact(
    peaks: &[SizePeaks],
    exact: &[ExactReference],
    tau: bool,
) -> (Vec<Check>, Vec<serde_json::Value>, String) {
    let mut checks = Vec::new();
    let mut rows = Vec::new();
    let mut table = String::new();
    let what = if tau {
        "τ_int at the peak"
    } else {
        "χ^c peak height"
    };
    for p in peaks {
        let Some(e) = exact.iter().find(|e| e.size == p.n) else {
            continue;
        };
        let (m, se, x) = if tau {
            let (m, se) = p.tau();
            (m, se, e.tau.unwrap_or(f64::NAN))
        } else {
            let (m, se) = p.height();
            (m, se, e.height)
        };
        if !m.is_finite() {
            // not judged (as before the typed checks): a size without a fitted peak
            table.push_str(&format!(
                "| {} | no fitted peak in {} runs (not judged) | {x:.4} | - |\n",
                p.n, p.runs
            ));
            continue;
        }
        let z = (m - x) / se;
        checks.push(Check::standard_errors(
            format!("{what}, N = {}, against exact", p.n),
            m,
            x,
            se,
            REFERENCE_SES,
        ));
        table.push_str(&format!(
            "| {} | {m:.4} ± {se:.4} ({} of {} runs) | {x:.4} | {z:+.2} |\n",
            p.n,
            if tau { p.taus.len() } else { p.heights.len() },
            p.runs
        ));
        rows.push(json!({"n": p.n, "measured": m, "se": se, "exact": x, "z": z}));
    }
    (checks, rows, table)
}

/// Largest |u| = |g − 1|√N of the pointwise comparison (the critical window of the sweeps).
const POINTWISE_WINDOW: f64 = 3.0;
/// Largest SD of the pointwise z-scores (1 when the jackknife errors are right; 1.5 leaves room
/// for the 16-chain jackknife's own uncertainty, ≈ 18 % on an SE).
const POINTWISE_SD_MAX: f64 = 1.5;

/// Every measurement in the critical window against the exact toy at the same g and N.
fn pointwise(results: &[PointResult]) -> Result<(Vec<Check>, Vec<serde_json::Value>, String)> {
    let mut sizes: Vec<usize> = results.iter().map(|r| r.n).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let (mut checks, mut rows, mut table) = (Vec::new(), Vec::new(), String::new());
    for n in sizes {
        let mut z = Vec::new();
        for r in results.iter().filter(|r| r.n == n) {
            for e in &r.records {
                let u = (e.control - 1.0) * (n as f64).sqrt();
                if u.abs() <= POINTWISE_WINDOW && e.chi_connected_se > 0.0 {
                    let exact = crate::analytic::cw_scaling::OverlapMoments::new(n, e.control)?
                        .connected_susceptibility();
                    z.push((e.chi_connected - exact) / e.chi_connected_se);
                }
            }
        }
        if z.len() < 2 {
            continue;
        }
        let k = z.len() as f64;
        let mean = z.iter().sum::<f64>() / k;
        let sd = (z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
        let good = mean.abs() <= 3.0 / k.sqrt() && sd <= POINTWISE_SD_MAX;
        checks.push(Check::at_most(
            format!(
                "χ^c(g) vs exact toy, N = {n}: |mean z| ({} points)",
                z.len()
            ),
            mean.abs(),
            3.0 / k.sqrt(),
        ));
        checks.push(Check::at_most(
            format!("χ^c(g) vs exact toy, N = {n}: SD z"),
            sd,
            POINTWISE_SD_MAX,
        ));
        table.push_str(&format!("| {n} | {} | {mean:+.3} | {sd:.3} |\n", z.len()));
        rows.push(json!({"n": n, "points": z.len(), "mean_z": mean, "sd_z": sd, "ok": good}));
    }
    Ok((checks, rows, table))
}

/// The sizes with a usable measured mean (finite, SE > 0) beside their exact reference value,
/// which is given the measured relative error; `None` if a size has no exact value.
struct Paired {
    sizes: Vec<f64>,
    measured: Vec<f64>,
    measured_ses: Vec<f64>,
    exact: Vec<f64>,
    exact_ses: Vec<f64>,
}

fn paired(peaks: &[SizePeaks], exact: &[ExactReference], tau: bool) -> Option<Paired> {
    let mut p = Paired {
        sizes: Vec::new(),
        measured: Vec::new(),
        measured_ses: Vec::new(),
        exact: Vec::new(),
        exact_ses: Vec::new(),
    };
    for s in peaks {
        let (m, se) = if tau { s.tau() } else { s.height() };
        let e = exact.iter().find(|e| e.size == s.n)?;
        let x = if tau { e.tau? } else { e.height };
        if m.is_finite() && se.is_finite() && se > 0.0 {
            p.sizes.push(s.n as f64);
            p.measured.push(m);
            p.measured_ses.push(se);
            p.exact.push(x);
            p.exact_ses.push(se / m * x);
        }
    }
    Some(p)
}

/// Effective exponent of the measured means (propagated errors) and of the exact values at the
/// same sizes with the same relative errors: (measured, SE, exact).
fn effective_exponents(
    peaks: &[SizePeaks],
    exact: &[ExactReference],
    tau: bool,
) -> Option<(f64, f64, f64)> {
    let p = paired(peaks, exact, tau)?;
    if p.sizes.len() < 2 {
        return None;
    }
    let fit = fit_power_law(&p.sizes, &p.measured, &p.measured_ses).ok()?;
    let exact_fit = fit_power_law(&p.sizes, &p.exact, &p.exact_ses).ok()?;
    Some((
        fit.exponent,
        fit.exponent_standard_error,
        exact_fit.exponent,
    ))
}

/// The theory's fit $AN^a(1+BN^{-1/2})$ applied to the exact references (heights or τ) at the
/// measured sizes with the measured relative errors: its exponent, i.e. ½ plus the bias the
/// neglected higher corrections leave at these sizes.
fn exact_first_order(peaks: &[SizePeaks], exact: &[ExactReference], tau: bool) -> Option<f64> {
    let p = paired(peaks, exact, tau)?;
    crate::stats::fit_corrected_power_law(&p.sizes, &p.exact, &p.exact_ses, (-0.5, 1.5))
        .ok()
        .map(|f| f.exponent)
}

/// The fit of the full verdict: the theory's one-order corrected fit when its bias on the exact
/// references (`exact_first_order` − ½) is below its measured SE, else the two-order fit (the
/// next term, $B_2N^{-1}$, is then needed at these sizes), else the naive fit.
fn chosen_fit(
    l: &crate::scaling::exponents::LawFits,
    exact_first: Option<f64>,
) -> Option<(f64, f64, &'static str)> {
    let first = l
        .corrected
        .as_ref()
        .filter(|c| c.minimum_inside_range)
        .map(|c| (c.exponent, c.standard_error, "correction N^-1/2"));
    let second = l
        .corrected_second_order
        .as_ref()
        .filter(|c| c.minimum_inside_range)
        .map(|c| (c.exponent, c.standard_error, "corrections N^-1/2 and N^-1"));
    let first_unbiased = match (first, exact_first) {
        (Some((_, se, _)), Some(x)) => (x - THEORY_EXPONENT).abs() < se,
        _ => false,
    };
    if first_unbiased {
        first
    } else {
        second
            .or(first)
            .or(Some((l.naive.exponent, l.naive.standard_error, "naive")))
    }
}

/// The one- and two-order corrected fits applied to the exact toy heights at the measured
/// sizes, with the measured relative errors: what the fits give when ½ is exactly right.
fn exact_corrected_fits(peaks: &[SizePeaks], exact: &[ExactReference]) -> String {
    let Some(p) = paired(peaks, exact, false) else {
        return "No exact reference for every size.".into();
    };
    let one = crate::stats::fit_corrected_power_law(&p.sizes, &p.exact, &p.exact_ses, (-0.5, 1.5))
        .map(|f| format!("{:.4} ± {:.4}", f.exponent, f.exponent_standard_error))
        .unwrap_or_else(|e| format!("not fitted ({e})"));
    let two = crate::stats::fit_second_order_corrected_power_law(
        &p.sizes,
        &p.exact,
        &p.exact_ses,
        (-0.5, 1.5),
    )
    .map(|f| format!("{:.4} ± {:.4}", f.exponent, f.standard_error))
    .unwrap_or_else(|e| format!("not fitted ({e})"));
    format!(
        "On the exact toy peaks at the same sizes (same relative errors) the theory's fit \
         A N^a (1 + B N^-1/2) gives a = {one}, and with the next order (1 + B₁ N^-1/2 + B₂ N^-1) \
         a = {two}."
    )
}

fn fits_markdown(r: &FamilyReport) -> String {
    crate::studies::sweep::report::SweepSummary {
        families: vec![r.clone()],
    }
    .markdown()
}

fn setup_text(full: bool) -> String {
    format!(
        "Sweep `validation/sweeps/cw-{}.toml` (`rbmdyn scale`): Curie–Weiss teacher β = 1.5, 10⁴ exact \
         samples per run, ±1 visible units and one hidden unit, PCD-5 (100 chains, batch 500), zero \
         biases, initial weights N(0, (0.01/√N)²), learning rate Δt/N. At log-spaced updates (10 per \
         decade) and every 0.25/√N in g inside the critical window (Gaussian unit), χ, χ^c and \
         τ_int(m₁) are measured on the frozen model with 16 equilibrium block-Gibbs chains \
         (`scaling::measure_equilibrium`: Sokal window, burn-in ≥ 20τ, ≥ 1000τ samples or the \
         16 000-sweep cap, jackknife errors over chains). Per run the χ^c peak is the vertex of a \
         weighted quadratic through the 7 points around the maximum in g (`scaling::finite_size`).",
        if full { "full" } else { "quick" }
    )
}

/// One Gaussian hidden unit, quick: peaks against the exact Curie–Weiss toy at N ≤ 128.
pub struct FssCwGaussian;
/// One Gaussian hidden unit, full sweep: exponents ½.
pub struct FssCwGaussianFull;
/// One ±1 hidden unit, quick: the derived exact law (no transition).
pub struct FssCwIsingHidden;
/// One ±1 hidden unit, full sweep: the exponent ½ against the derived law.
pub struct FssCwIsingHiddenFull;

impl ValidationCase for FssCwGaussian {
    fn claim(&self) -> Claim {
        Claim {
            id: "fss-cw-gaussian",
            source: "theory/finite-size-scaling.md predictions 2–3 (exact toy at finite N); Bachtis et al. 2024",
            statement: "Along PCD training of one Gaussian hidden unit on a Curie–Weiss teacher, the peak of \
                        the connected susceptibility of the top mode and τ_int(m₁) there equal the exact \
                        finite-N values of the Curie–Weiss toy (N = 32, 64, 128), and so does the effective \
                        exponent of the peak heights over these sizes",
        }
    }
    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        gaussian_case(ctx, false, self.claim().id)
    }
}

impl ValidationCase for FssCwGaussianFull {
    fn claim(&self) -> Claim {
        Claim {
            id: "fss-cw-gaussian-full",
            source: "theory/finite-size-scaling.md (mean-field FSS, fits with errors); Bachtis et al. 2024",
            statement: "The peak of χ^c along training grows as N^{1/2} and τ_int(m₁) at the peak as N^{1/2} \
                        (N = 32 … 1024, 5 seeds; fitted exponents within 2 SE of ½, with the theory's \
                        (1 + B N^{-1/2}) correction), and the peak heights equal the exact toy's",
        }
    }
    fn level(&self) -> Level {
        Level::Full
    }
    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        gaussian_case(ctx, true, self.claim().id)
    }
}

/// A fitted exponent, its SE and how it was fitted ([`chosen_fit`]).
type Fit = Option<(f64, f64, &'static str)>;

/// The exponents of the full verdict, heights and τ ([`chosen_fit`]): the per-size means (SE
/// over 5 runs) fitted with the theory's correction to scaling, or two orders of it where the
/// one order is biased at N ≤ 1024 (`exact_corrected_fits` shows it on the exact toy).
fn full_fits(s: &Study, peaks: &[SizePeaks]) -> (Fit, Fit) {
    let a = s.report.analysis.as_ref();
    let exact = &s.report.exact;
    let h = a.and_then(|a| chosen_fit(&a.height, exact_first_order(peaks, exact, false)));
    let t = a
        .and_then(|a| a.tau.as_ref())
        .and_then(|l| chosen_fit(l, exact_first_order(peaks, exact, true)));
    (h, t)
}

fn gaussian_case(ctx: &ValidationContext, full: bool, id: &str) -> Result<CaseOutcome> {
    let s = study(ctx, full, "gaussian")?;
    let figures = copy_figures(ctx, &s, id)?;
    let peaks = size_peaks(&s.results)?;
    let (height_checks, height_rows, height_table) = against_exact(&peaks, &s.report.exact, false);
    let (tau_checks, tau_rows, tau_table) = against_exact(&peaks, &s.report.exact, true);
    let (heights_ok, tau_ok) = (all_pass(&height_checks), all_pass(&tau_checks));
    let eff_h = effective_exponents(&peaks, &s.report.exact, false);
    let eff_t = effective_exponents(&peaks, &s.report.exact, true);
    let (pointwise_checks, pointwise_rows, pointwise_table) = pointwise(&s.results)?;
    let pointwise_ok = all_pass(&pointwise_checks);
    let exact_fits = exact_corrected_fits(&peaks, &s.report.exact);
    let mut checks = Vec::new();
    let (theory, measured) =
        if full {
            let (h, t) = full_fits(&s, &peaks);
            let exponent = |name: &str, x: Option<(f64, f64, &str)>| {
                let (v, se, how) = x.unwrap_or((f64::NAN, f64::NAN, "not fitted"));
                Check::standard_errors(
                    format!("{name} ({how})"),
                    v,
                    THEORY_EXPONENT,
                    se,
                    EXPONENT_SES,
                )
            };
            checks.push(exponent("exponent of χ^c_max", h));
            checks.push(exponent("exponent of τ(g*)", t));
            checks.extend(pointwise_checks);
            let fmt = |x: Option<(f64, f64, &str)>| {
                x.map_or("not fitted".into(), |(v, se, how)| {
                    format!("{v:.4} ± {se:.4} ({how})")
                })
            };
            (
                "χ^c_max ∝ N^0.5 and τ(g*) ∝ N^0.5".to_string(),
                format!(
                "a(χ^c_max) = {}, a(τ) = {}; χ^c(g) vs exact toy in |u| ≤ 3: {}; peak heights: {}",
                fmt(h),
                fmt(t),
                if pointwise_ok { "agrees" } else { "disagrees" },
                if heights_ok { "all within 3 SE" } else { "some beyond 3 SE (see details)" }
            ),
            )
        } else {
            checks.extend(height_checks);
            checks.extend(tau_checks);
            let (e, se, x) = eff_h.unwrap_or((f64::NAN, f64::NAN, f64::NAN));
            checks.push(Check::standard_errors(
                "effective exponent of the heights, against the exact toy's",
                e,
                x,
                se,
                EXPONENT_SES,
            ));
            checks.extend(pointwise_checks);
            (
                format!(
                    "exact toy: heights, τ_int at q*, effective exponent {}",
                    eff_h.map_or("-".into(), |e| format!("{:.4}", e.2))
                ),
                format!(
                    "χ^c(g) {}; heights {}, τ {}; effective exponent {}",
                    if pointwise_ok { "agrees" } else { "disagrees" },
                    if heights_ok {
                        "within 3 SE"
                    } else {
                        "beyond 3 SE"
                    },
                    if tau_ok { "within 3 SE" } else { "beyond 3 SE" },
                    eff_h.map_or("-".into(), |e| format!("{:.4} ± {:.4}", e.0, e.1))
                ),
            )
        };
    let details = format!(
        "{}\n\n**χ^c(g) against the exact toy χ^c(g, N)**, every measurement with |u| = |g − 1|√N ≤ 3 \
         (z = (measured − exact)/jackknife SE; agreement: |mean z| ≤ 3/√n and SD(z) ≤ 1.5):\n\n\
         | N | points | mean z | SD z |\n|---|---|---|---|\n{pointwise_table}\n\
         **Peak heights of χ^c** (mean over runs; error propagated from each run's quadratic fit) \
         against the exact toy peak `cw_scaling::connected_peak(N)`:\n\n| N | measured | exact | z |\n|---|---|---|---|\n{height_table}\n\
         **τ_int(m₁) at the peak** (interpolated at each run's g*; Madras–Sokal errors propagated) against \
         the exact block-Gibbs kernel on M at the exact q*(N) (`cw_scaling::kernel`):\n\n| N | measured | exact | z |\n|---|---|---|---|\n{tau_table}\n\
         Effective exponents over these sizes (weighted fit, same relative errors for the exact values): \
         heights {}; τ {}. {exact_fits}\n\n**Fits as the theory prescribes** (per-size mean ± SE over runs; bootstrap over \
         runs needs ≥ 3 runs per size):\n\n{}\n\
         The naive exponents are pulled above ½ by the toy's known corrections to scaling \
         (prediction 2: local slopes 0.575 → 0.510 for N = 100 → 25 600); the quick sizes cannot separate ½ \
         from them, so the quick case compares with the exact finite-N toy instead. The full case's verdict \
         uses the theory's N^-1/2 correction where, on the exact references at these sizes and errors, its \
         bias is below the measured SE, and adds the N^-1 term where it is not: for the heights the single \
         term leaves ≈ +0.02 even on the exact toy (line above; notes/finite-size-scaling.md). The collapse uses exponents ½; its S ≫ 1 measures the same corrections \
         (notes/finite-size-scaling.md).",
        setup_text(full),
        eff_h.map_or("-".into(), |e| format!("{:.4} ± {:.4} (exact toy {:.4})", e.0, e.1, e.2)),
        eff_t.map_or("-".into(), |e| format!("{:.4} ± {:.4} (exact kernel {:.4})", e.0, e.1, e.2)),
        fits_markdown(&s.report),
    );
    Ok(CaseOutcome {
        theory,
        measured,
        tolerance: Tolerance::Criterion(if full {
            "exponents within 2 SE of ½; χ^c(g) in the window = exact toy (mean z within 3/√n, SD ≤ 1.5)".into()
        } else {
            "χ^c(g) in the window = exact toy; heights and τ within 3 SE of exact; effective exponent within 2 SE".into()
        }),
        checks,
        details,
        figures,
        seed: Some(ctx.seed),
        numbers: json!({
            "heights": height_rows,
            "pointwise": pointwise_rows,
            "tau": tau_rows,
            "effective_height_exponent": eff_h,
            "effective_tau_exponent": eff_t,
            "analysis": s.report.analysis,
            "collapse": s.report.collapse,
            "collapse_bootstrap": s.report.collapse_bootstrap,
            "exact": s.report.exact,
        }),
    })
}

impl ValidationCase for FssCwIsingHidden {
    fn claim(&self) -> Claim {
        Claim {
            id: "fss-cw-ising-hidden",
            source: "derived (notes/finite-size-scaling.md, 'One ±1 hidden unit has no transition')",
            statement: "With one ±1 hidden unit there is no learning transition: the χ^c peak heights along \
                        training follow the exact rank-one law (bounded, → 1), and the mean-field N^{1/2} \
                        growth is excluded (N = 32, 64, 128)",
        }
    }
    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        ising_case(ctx, false, self.claim().id)
    }
}

impl ValidationCase for FssCwIsingHiddenFull {
    fn claim(&self) -> Claim {
        Claim {
            id: "fss-cw-ising-hidden-full",
            source:
                "issue 6 item 2 (the mean-field exponents ½ expected for a binary hidden unit too)",
            statement: "With one ±1 hidden unit, the peak of χ^c along training grows as N^{1/2} \
                        (N = 32 … 1024, 5 seeds; fitted exponent within 2 SE of ½)",
        }
    }
    fn level(&self) -> Level {
        Level::Full
    }
    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        ising_case(ctx, true, self.claim().id)
    }
}

fn ising_case(ctx: &ValidationContext, full: bool, id: &str) -> Result<CaseOutcome> {
    let s = study(ctx, full, "ising")?;
    let figures = copy_figures(ctx, &s, id)?;
    let peaks = size_peaks(&s.results)?;
    let (height_checks, height_rows, height_table) = against_exact(&peaks, &s.report.exact, false);
    let heights_ok = all_pass(&height_checks);
    let eff = effective_exponents(&peaks, &s.report.exact, false);
    let naive = s.report.analysis.as_ref().map(|a| a.height.naive.clone());
    let half_excluded =
        eff.is_some_and(|(a, se, _)| (a - THEORY_EXPONENT).abs() > EXPONENT_SES * se);
    let mut checks = Vec::new();
    let (theory, measured) = if full {
        // the claim: ½ within 2 SE of the fit over runs
        let fit = naive.as_ref().map(|f| (f.exponent, f.standard_error));
        let (a, se) = fit.unwrap_or((f64::NAN, f64::NAN));
        checks.push(Check::standard_errors(
            "exponent of χ^c_max (naive fit over runs)",
            a,
            THEORY_EXPONENT,
            se,
            EXPONENT_SES,
        ));
        (
            "χ^c_max ∝ N^0.5".to_string(),
            format!(
                "a = {} (naive fit over runs); derived exact law: effective exponent {}",
                fit.map_or("not fitted".into(), |(a, se)| format!("{a:.4} ± {se:.4}")),
                eff.map_or("-".into(), |e| format!("{:.4}", e.2))
            ),
        )
    } else {
        checks.extend(height_checks);
        let (e, se) = eff.map_or((f64::NAN, f64::NAN), |(e, se, _)| (e, se));
        checks.push(Check::above(
            "|effective exponent − ½| in SE (½ excluded)",
            (e - THEORY_EXPONENT).abs() / se,
            EXPONENT_SES,
        ));
        (
            format!(
                "exact rank-one law: bounded peaks, effective exponent {} (not ½)",
                eff.map_or("-".into(), |e| format!("{:.4}", e.2))
            ),
            format!(
                "heights {}; effective exponent {}",
                if heights_ok {
                    "within 3 SE of exact"
                } else {
                    "beyond 3 SE of exact"
                },
                eff.map_or("-".into(), |e| format!("{:.4} ± {:.4}", e.0, e.1))
            ),
        )
    };
    let details = format!(
        "{}\n\nFor one ±1 hidden unit, p(s) ∝ cosh(σ₁ ξ·s/√N) is a mixture of two product measures, \
         not a Curie–Weiss model: χ = 1 + (N−1) tanh²(σ₁/√N) → 1 + σ₁² stays finite at the ±1 threshold \
         σ₁ = 1, and χ^c is bounded by the variance of one component (derivation and exact peaks in \
         notes/finite-size-scaling.md). The peaks lie at g* = σ₁² ≈ 4.5 (N = 32) to 11 (N = 1024), far \
         from g = 1, and are broad: runs whose maximum is not bracketed by a concave quadratic are left out.\n\n\
         **Peak heights of χ^c** against the exact rank-one law (`cw_scaling::ising_hidden`):\n\n| N | measured | exact | z |\n|---|---|---|---|\n{height_table}\n\
         Effective exponent of the heights: {}. Against the mean-field ½: {}.\n\n{}",
        setup_text(full),
        eff.map_or("-".into(), |e| format!("{:.4} ± {:.4} (exact law {:.4})", e.0, e.1, e.2)),
        if half_excluded { "excluded (beyond 2 SE)" } else { "not excluded" },
        fits_markdown(&s.report),
    );
    Ok(CaseOutcome {
        theory,
        measured,
        tolerance: Tolerance::Criterion(if full {
            "exponent within 2 SE of ½ (the issue's criterion)".into()
        } else {
            "heights within 3 SE of the exact law; ½ beyond 2 SE".into()
        }),
        checks,
        details,
        figures,
        seed: Some(ctx.seed),
        numbers: json!({
            "heights": height_rows,
            "effective_height_exponent": eff,
            "analysis": s.report.analysis,
            "exact": s.report.exact,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_sweeps_parse_and_differ_only_in_sizes_and_seeds() {
        let q: SweepConfig = toml::from_str(QUICK_SWEEP).unwrap();
        let f: SweepConfig = toml::from_str(FULL_SWEEP).unwrap();
        q.check().unwrap();
        f.check().unwrap();
        assert!(q.sizes.iter().all(|&n| n <= 128) && q.seeds == 2);
        assert!(f.sizes.len() >= 6 && f.seeds >= 5);
        assert_eq!(q.families, f.families);
    }
}
