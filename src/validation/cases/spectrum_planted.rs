//! On data with planted modes the RBM's outliers appear in the order of the planted strengths
//! and align with the planted directions (`theory/spectral.md`, linear regime; the issue's
//! synthetic counterpart of Fissore 2017 §II).

use crate::data::{DatasetChoice, Encoding};
use crate::error::Result;
use crate::report::chart::{Axis, LineChart, Series};
use crate::run::{
    train_or_reuse, DataConfig, ModelConfig, OptimiserConfig, RunOptions, SpectrumConfig,
    TrainConfig,
};
use crate::spectral::dynamics::SAME_MODE_OVERLAP;
use crate::spectral::overlap_matrix;
use crate::studies::spectrum::{spectrum_report, SpectrumOptions};
use crate::validation::{CaseOutcome, Check, Claim, Tolerance, ValidationCase, ValidationContext};
use serde_json::json;
use std::str::FromStr;

/// Visible units: a multiple of $2^3$, so the three patterns are exactly orthogonal.
const N_VISIBLE: usize = 128;
/// Hidden units.
const N_HIDDEN: usize = 32;
/// Samples.
const SAMPLES: usize = 10_000;
/// Planted strengths β (descending): data variances along the patterns ≈ 1.43, 0.84, 0.47,
/// all above the {0,1} growth threshold ¼, with linear growth rates (4λ−1)/16 ≈ 0.30, 0.15, 0.055.
const STRENGTHS: &str = "0.4,0.29,0.18";
/// Epochs: long enough for the weakest mode (rate 0.055 per unit of learning-rate × steps)
/// to leave the bulk several times over.
const EPOCHS: usize = 30;
/// Learning rate.
const LEARNING_RATE: f64 = 0.05;
/// The alignment criterion.
const ALIGNMENT: f64 = 0.9;

/// Outliers of planted data: order and directions.
pub struct PlantedModesLearnt;

impl ValidationCase for PlantedModesLearnt {
    fn claim(&self) -> Claim {
        Claim {
            id: "planted-modes-learnt",
            source: "theory/spectral.md (linear regime: modes grow at rate (4λ−1)/16, along the \
                     data's principal axes); Fissore 2017 §II.C–D",
            statement:
                "an RBM trained on binary data with three planted modes grows its outliers in \
                        the order of the planted strengths, along the planted directions \
                        (overlap > 0.9)",
        }
    }

    #[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        let seed = ctx.seed;
        let spelling = format!("planted:{N_VISIBLE}:{SAMPLES}:{seed}:{STRENGTHS}");
        let choice = DatasetChoice::from_str(&spelling)?;
        let (modes, dataset) = choice.planted(Encoding::Binary)?;
        let d = TrainConfig::mnist_pcd(None, EPOCHS, seed);
        let config = TrainConfig {
            data: DataConfig {
                dataset: choice.clone(),
                ..d.data
            },
            model: ModelConfig {
                hidden: N_HIDDEN,
                ..d.model
            },
            optimiser: OptimiserConfig {
                learning_rate: LEARNING_RATE,
                ..d.optimiser
            },
            spectrum: SpectrumConfig {
                per_decade: 20,
                ..d.spectrum
            },
            ..d
        }
        .check()?;
        let run_dir = ctx.out_dir.join("runs").join("planted-modes");
        let options = RunOptions {
            progress: ctx.progress,
            resume: false,
        };
        train_or_reuse(&config, &dataset, &run_dir, &options)?;
        let fig_dir = ctx.figures_dir()?.join("planted-modes");
        let summary = spectrum_report(&run_dir, &fig_dir, &SpectrumOptions::default())?;
        let run = crate::run::RunDir::new(&run_dir).spectrum()?;
        let directions = modes.directions();
        let k = modes.n_modes();
        let variances = modes.mode_variances();
        let rates = modes.linear_growth_rates();
        // per save: best overlap of each pattern with an outlier's left vector
        let mut emergence: Vec<Option<f64>> = vec![None; k];
        let mut curves: Vec<Vec<(f64, f64)>> = vec![Vec::new(); k];
        let mut final_best = vec![0.0; k];
        for p in &summary.points {
            let (left, _) = run.vectors(p.step)?;
            let o = overlap_matrix(&left, &directions)?;
            for a in 0..k {
                let best_outlier = (0..p.outliers.min(left.ncols()))
                    .map(|al| o[(al, a)])
                    .fold(0.0, f64::max);
                let best_any = (0..left.ncols()).map(|al| o[(al, a)]).fold(0.0, f64::max);
                curves[a].push((p.epoch, best_any));
                if emergence[a].is_none() && best_outlier >= SAME_MODE_OVERLAP {
                    emergence[a] = Some(p.epoch);
                }
                final_best[a] = best_outlier;
            }
        }
        // emergence of every pattern, in the order of the growth rates (a pattern that never
        // emerged has no epoch: its "emerges" check fails, and NaN fails its order check)
        let epoch_of = |a: usize| emergence[a].unwrap_or(f64::NAN);
        let mut checks: Vec<Check> = (0..k)
            .map(|a| Check::holds(format!("pattern {} emerges", a + 1), emergence[a].is_some()))
            .collect();
        checks.extend((1..k).map(|a| {
            Check::below(
                format!("emergence epoch of pattern {a}"),
                epoch_of(a - 1),
                epoch_of(a),
            )
            .against_measured(format!("emergence epoch of pattern {}", a + 1))
        }));
        checks.extend((0..k).map(|a| {
            Check::above(
                format!("final overlap of pattern {}", a + 1),
                final_best[a],
                ALIGNMENT,
            )
        }));
        let series: Vec<Series> = (0..k)
            .map(|a| Series {
                name: format!("pattern {} (β = {})", a + 1, modes.strengths()[a]),
                points: curves[a].clone(),
            })
            .collect();
        let (abs, rel) = ctx.figure_path("planted-modes-learnt")?;
        LineChart::new(
            "Planted data: best overlap of W's top-20 left singular vectors with each pattern",
        )
        .x(Axis::log("epoch"))
        .y(Axis::linear("max_α |u_α · ξ_a|"))
        .series(&series)
        .write(&abs)?;
        let fmt_e = |e: &Option<f64>| e.map_or("never".to_string(), |e| format!("{e:.2}"));
        let last = summary.points.last();
        Ok(CaseOutcome {
            theory: format!(
                "emergence order 1 < 2 < 3 (growth rates {:.3}, {:.3}, {:.3}); overlap > {ALIGNMENT}",
                rates[0], rates[1], rates[2]
            ),
            measured: format!(
                "emergence epochs {}, {}, {}; final overlaps {:.3}, {:.3}, {:.3}; {} outliers at the end",
                fmt_e(&emergence[0]),
                fmt_e(&emergence[1]),
                fmt_e(&emergence[2]),
                final_best[0],
                final_best[1],
                final_best[2],
                last.map_or(0, |p| p.outliers)
            ),
            tolerance: Tolerance::Criterion(format!(
                "pattern a emerges (an outlier's left vector has overlap ≥ 1/√2 with it) strictly \
                 before pattern a+1; at the end each pattern has an outlier with overlap > {ALIGNMENT}"
            )),
            checks,
            details: format!(
                "Data `{spelling}` ({SAMPLES} samples, {N_VISIBLE} units, strengths {STRENGTHS}): \
                 data variances along the patterns {:.3}, {:.3}, {:.3} (exact, by enumeration); a \
                 {{0,1}} mode grows iff its variance exceeds ¼. RBM {N_VISIBLE}×{N_HIDDEN}, PCD-5, \
                 learning rate {LEARNING_RATE}, {EPOCHS} epochs, seed {seed}; spectrum saved 20 times \
                 per decade of steps and analysed by `rbmdyn spectrum` (figures in \
                 `figures/planted-modes/`). Outliers: above the fitted Marchenko–Pastur edge with \
                 its finite-size margin.",
                variances[0], variances[1], variances[2]
            ),
            figures: vec![rel],
            seed: Some(seed),
            numbers: json!({
                "emergence_epochs": emergence, "final_overlaps": final_best,
                "mode_variances": variances, "growth_rates": rates,
                "outliers": summary.points.iter().map(|p| (p.epoch, p.outliers)).collect::<Vec<_>>(),
            }),
        })
    }
}
