//! At initialisation the singular values of W follow the Marchenko–Pastur law (Fissore 2017
//! Fig. 3a, `theory/spectral.md` prediction 1).

use crate::error::Result;
use crate::rbm::init::{initialise, VisibleBiasInit, WeightInit};
use crate::rbm::Rbm;
use crate::report::chart::{Axis, LineChart, Series};
use crate::spectral::{
    fit_marchenko_pastur, singular_value_edges, FitOptions, MarchenkoPastur, WeightSpectrum,
};
use crate::units::Binary;
use crate::validation::{
    all_pass, labelled, CaseOutcome, Check, Claim, Tolerance, ValidationCase, ValidationContext,
};
use rand::SeedableRng;
use serde_json::json;

/// KS p-value the initial spectrum must exceed (the criterion).
const P_MIN: f64 = 0.01;
/// Largest distance of each fitted singular-value edge from the closed form, relative to the
/// upper edge $s_+$ (the 2 %, measured on the scale of the spectrum as the theory
/// file's outlier margin is). The lower edge $s_-$ is small, so relative to *itself* its
/// finite-size fluctuations are large: one Tracy–Widom unit of the smallest eigenvalue
/// (Feldheim–Sodin scale $(\sqrt N-\sqrt n)(1/\sqrt n-1/\sqrt N)^{1/3}$) is 1.8 % of $s_-$ at
/// 784×500 and 2.8 % at 400×250, so "2 % of $s_-$" would test noise, not the law. Both
/// relative errors are reported.
const EDGE_TOL: f64 = 0.02;
/// Shapes and weight scales: Fissore's MNIST model, and a small model with another scale.
const SHAPES: [(usize, usize, f64); 2] = [(784, 500, 0.01), (400, 250, 0.3)];
/// Seeds per shape.
const SEEDS: u64 = 6;

/// One Tracy–Widom unit of the smallest eigenvalue of $X^\top X$ (unit-variance entries,
/// Feldheim–Sodin), $(\sqrt N-\sqrt n)(1/\sqrt n-1/\sqrt N)^{1/3}$, as a relative change of the
/// lower singular-value edge $\sqrt N-\sqrt n$: $\delta s/s = \delta\lambda/(2 s^2)$.
fn lower_edge_tw_scale(rows: usize, cols: usize) -> f64 {
    let (big, small) = (rows.max(cols) as f64, rows.min(cols) as f64);
    let gap = big.sqrt() - small.sqrt();
    let scale = gap * (1.0 / small.sqrt() - 1.0 / big.sqrt()).cbrt();
    scale / (2.0 * gap * gap)
}

/// The initial spectrum matches MP.
pub struct SpectrumInitMarchenkoPastur;

impl ValidationCase for SpectrumInitMarchenkoPastur {
    fn claim(&self) -> Claim {
        Claim {
            id: "spectrum-init-mp",
            source: "Fissore 2017 Fig. 3a; theory/spectral.md prediction 1",
            statement: "the singular values of the initial Gaussian W fill the Marchenko–Pastur bulk: \
                        a fit of (σ², q) to all of them has KS p > 0.01, its edges lie within 2% \
                        (of the upper edge) of σ|√Nv − √Nh| and σ(√Nv + √Nh), and no value is an outlier",
        }
    }

    #[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        let mut rows = Vec::new();
        let mut checks = Vec::new();
        let mut worst_p: f64 = 1.0;
        let mut worst_edge: f64 = 0.0;
        let mut figure_values = Vec::new();
        for (k, &(nv, nh, std)) in SHAPES.iter().enumerate() {
            for s in 0..SEEDS {
                let seed = ctx.seed + 100 * k as u64 + s;
                let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
                let rbm: Rbm<Binary, Binary, f64> = initialise(
                    nv,
                    nh,
                    Binary,
                    Binary,
                    WeightInit::Gaussian { std },
                    VisibleBiasInit::Zero,
                    None,
                    &mut rng,
                )?;
                let values = WeightSpectrum::values_of(&rbm)?;
                let fit = fit_marchenko_pastur(&values, nv, nh, &FitOptions::default())?;
                let (lo, hi) = singular_value_edges(nv, nh, std);
                let big = nv.max(nh) as f64;
                let (la, lb) = fit.law.edges();
                let (flo, fhi) = ((la * big).sqrt(), (lb * big).sqrt());
                let (elo, ehi) = ((flo - lo).abs() / hi, (fhi / hi - 1.0).abs());
                let lower_own = (flo / lo - 1.0).abs();
                let group = labelled(
                    format!("{nv}×{nh}, seed {seed}"),
                    [
                        Check::p_value_above("KS p-value", fit.p_value, P_MIN),
                        Check::below("lower edge error (of the upper edge)", elo, EDGE_TOL),
                        Check::below("upper edge relative error", ehi, EDGE_TOL),
                        Check::at_most("outliers", fit.outliers.len() as f64, 0.0),
                    ],
                );
                let pass = all_pass(&group);
                checks.extend(group);
                worst_p = worst_p.min(fit.p_value);
                worst_edge = worst_edge.max(elo).max(ehi);
                rows.push(json!({
                    "shape": [nv, nh], "std": std, "seed": seed,
                    "ks": fit.ks_statistic, "p_value": fit.p_value,
                    "fitted_variance": fit.law.variance(), "fitted_ratio": fit.law.ratio(),
                    "edges": [lo, hi], "fitted_edges": [flo, fhi],
                    "edge_errors": [elo, ehi], "lower_edge_error_of_itself": lower_own,
                    "lower_edge_tw_relative_scale": lower_edge_tw_scale(nv, nh), "outliers": fit.outliers.len(), "pass": pass,
                }));
                if k == 0 && s == 0 {
                    figure_values = values;
                }
            }
        }
        // the figure: histogram of λ = s²/N of the first 784×500 draw against the law
        let (nv, nh, std) = SHAPES[0];
        let law = MarchenkoPastur::for_shape(nv, nh, std)?;
        let big = nv.max(nh) as f64;
        let lambdas: Vec<f64> = figure_values.iter().map(|s| s * s / big).collect();
        let (_, top) = law.edges();
        let bins = 40;
        let width = 1.1 * top / bins as f64;
        let mut counts = vec![0usize; bins];
        for &l in &lambdas {
            counts[((l / width) as usize).min(bins - 1)] += 1;
        }
        let mut hist = Vec::new();
        for (b, &c) in counts.iter().enumerate() {
            let d = c as f64 / (lambdas.len() as f64 * width);
            hist.push((b as f64 * width, d));
            hist.push(((b + 1) as f64 * width, d));
        }
        let curve: Vec<(f64, f64)> = (0..=300)
            .map(|i| {
                let l = 1.1 * top * i as f64 / 300.0;
                (l, law.density(l))
            })
            .collect();
        let (abs, rel) = ctx.figure_path("spectrum-init-mp")?;
        LineChart::new("Initial W (784×500, std 0.01): λ = s²/N against Marchenko–Pastur")
            .x(Axis::linear("λ = s²/max(Nv, Nh)"))
            .y(Axis::linear("density"))
            .series(&[
                Series {
                    name: "histogram".into(),
                    points: hist,
                },
                Series {
                    name: "Marchenko–Pastur (closed form, no fit)".into(),
                    points: curve,
                },
            ])
            .write(&abs)?;
        let details = format!(
            "For each shape and seed, W is drawn by the trainer's initialiser and its singular \
             values are fitted with `fit_marchenko_pastur` (KS minimisation over (σ², q), \
             outliers above the fitted edge × (1 + finite-size margin)).\n\n\
             Edge errors are |fitted − closed form| / s₊ (criterion); the last column is the \
             lower edge's error relative to itself, with one Tracy–Widom unit of the smallest \
             eigenvalue in the same units beside it (it is why the criterion uses s₊).\n\n\
             | shape | std | seed | KS p | fitted edges | closed-form edges | outliers | s₋ error / s₋ (TW unit) |\n|---|---|---|---|---|---|---|---|\n{}",
            rows.iter()
                .map(|r| format!(
                    "| {}×{} | {} | {} | {:.3} | {:.5}, {:.5} | {:.5}, {:.5} | {} | {:.2}% ({:.1}%) |",
                    r["shape"][0], r["shape"][1], r["std"], r["seed"],
                    r["p_value"].as_f64().unwrap_or(f64::NAN),
                    r["fitted_edges"][0].as_f64().unwrap_or(f64::NAN),
                    r["fitted_edges"][1].as_f64().unwrap_or(f64::NAN),
                    r["edges"][0].as_f64().unwrap_or(f64::NAN),
                    r["edges"][1].as_f64().unwrap_or(f64::NAN),
                    r["outliers"],
                    100.0 * r["lower_edge_error_of_itself"].as_f64().unwrap_or(f64::NAN),
                    100.0 * r["lower_edge_tw_relative_scale"].as_f64().unwrap_or(f64::NAN)
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
        Ok(CaseOutcome {
            theory: format!(
                "KS p > {P_MIN}; edges within {}%; no outliers",
                100.0 * EDGE_TOL
            ),
            measured: format!(
                "min p = {worst_p:.3}; worst edge error {:.2}%",
                100.0 * worst_edge
            ),
            tolerance: Tolerance::Criterion(format!(
                "every draw: p > {P_MIN}, both edges within {}%, zero outliers",
                100.0 * EDGE_TOL
            )),
            checks,
            details,
            figures: vec![rel],
            seed: Some(ctx.seed),
            numbers: json!({ "draws": rows }),
        })
    }
}
