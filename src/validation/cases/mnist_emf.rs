//! PCD against EMF (TAP2) training on MNIST at Fissore's settings (Fissore 2017 §I, Fig. 2).

use super::mnist_samples::{median, nearest_hamming};
use crate::data::DatasetChoice;
use crate::error::Result;
use crate::mean_field::Order;
use crate::rbm::AnyRbm;
use crate::report::chart::{Axis, ImageGrid, LineChart, Series};
use crate::run::{train_or_reuse, DataConfig, Estimator, RunOptions, RunSummary, TrainConfig};
use crate::sampling::{run_chains, ChainState};
use crate::units::sigmoid;
use crate::validation::{
    labelled, CaseOutcome, Check, Claim, Level, Tolerance, ValidationCase, ValidationContext,
};
use nalgebra::DMatrix;
use rand::SeedableRng;
use serde_json::json;

/// PCD-5 and EMF-TAP2 trained side by side on MNIST; $T_{\rm eff} = 1/\mathrm{Var}(W)$ per epoch.
pub struct MnistPcdVersusEmf;

/// Epochs of each run (Fissore trains 50; the claim concerns the first ~20).
const EPOCHS: usize = 30;
/// Epoch after which T_eff should have settled (Fissore: "circa 20").
const SETTLED_AFTER: usize = 20;
/// "Settled": T_eff changes by less than this fraction between epoch `SETTLED_AFTER` and the
/// last epoch. (A ratio of early to late relative changes would not do: any power-law decay
/// $T \propto t^{-\alpha}$ has relative changes $\alpha/t$, so that ratio is small whether or not
/// $T$ settles.)
const SETTLE_CHANGE: f64 = 0.1;
const SAMPLES: usize = 100;
const SWEEPS: usize = 1000;

/// Exponent $\alpha$ of a power law $T \propto t^{-\alpha}$ fitted (least squares in log-log) to
/// epochs `from..=to` (1-based; `t_eff[k]` is epoch k+1).
fn decay_exponent(t_eff: &[f64], from: usize, to: usize) -> f64 {
    let epochs: Vec<f64> = (from..=to.min(t_eff.len())).map(|e| e as f64).collect();
    let values: Vec<f64> = (from..=to.min(t_eff.len())).map(|e| t_eff[e - 1]).collect();
    -super::mean_field::log_log_slope(&epochs, &values)
}

/// Mean Hamming distance between distinct rows of a {0,1} matrix (diversity of samples).
#[allow(clippy::float_cmp)] // Hamming distance between exact binary states
fn mean_pairwise_hamming(x: &DMatrix<f64>) -> f64 {
    let n = x.nrows();
    let mut total = 0.0;
    for a in 0..n {
        for b in a + 1..n {
            total += x
                .row(a)
                .iter()
                .zip(x.row(b).iter())
                .filter(|(p, q)| p != q)
                .count() as f64;
        }
    }
    total / ((n * n.saturating_sub(1)) as f64 / 2.0).max(1.0)
}

/// Density histogram of `values` on `bins` equal bins over `[lo, hi]`, as (centre, density).
fn density(values: &[f64], lo: f64, hi: f64, bins: usize) -> Vec<(f64, f64)> {
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &v in values {
        if v >= lo && v < hi {
            counts[((v - lo) / width) as usize] += 1;
        }
    }
    let n = values.len().max(1) as f64;
    counts
        .iter()
        .enumerate()
        .map(|(k, &c)| (lo + (k as f64 + 0.5) * width, c as f64 / (n * width)))
        .collect()
}

/// The visible pattern driven by each of the first `n` hidden units: $\mathrm{sigm}(a_i + W_{ij})$.
fn features(rbm: &AnyRbm<f64>, n: usize) -> Vec<Vec<f64>> {
    (0..n.min(rbm.n_hidden()))
        .map(|j| {
            (0..rbm.n_visible())
                .map(|i| sigmoid(rbm.visible_bias()[i] + rbm.weights()[(i, j)]))
                .collect()
        })
        .collect()
}

/// Samples (means of the last visible update) after `SWEEPS` Gibbs sweeps from random starts.
fn samples(rbm: &AnyRbm<f64>, seed: u64) -> Result<DMatrix<f64>> {
    let rbm32 = rbm.cast::<f32>();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut chains = ChainState::random(&rbm32, SAMPLES, &mut rng);
    Ok(run_chains(&rbm32, &mut chains, SWEEPS, &mut rng)?.map(|x| x as f64))
}

impl ValidationCase for MnistPcdVersusEmf {
    fn claim(&self) -> Claim {
        Claim {
            id: "mnist-pcd-vs-emf",
            source: "Fissore 2017 §I (Analysis of the learning, Fig. 2, eq. 18); Gabrié–Tramel–Krzakala 2015",
            statement: "trained on MNIST at the same settings, PCD-5 and EMF (TAP2) give similar weight \
                        distributions (peaked at zero with fat tails), similar features and digit-like samples; \
                        T_eff = 1/Var(W) falls during training and settles after about 20 epochs",
        }
    }

    fn level(&self) -> Level {
        Level::Full
    }

    #[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
    #[allow(clippy::format_collect)] // a small report table, built once
    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        let root = match super::mnist_root(ctx) {
            Ok(root) => root,
            Err(skipped) => return Ok(*skipped),
        };
        let seed = ctx.seed;
        let pcd_cfg = TrainConfig::mnist_pcd(Some(root.clone()), EPOCHS, seed).check()?;
        let emf_cfg = TrainConfig {
            estimator: Estimator::Emf {
                order: Order::Tap2,
                iterations: 3,
                damping: 0.5,
                chains: 100,
            },
            ..pcd_cfg.config().clone()
        }
        .check()?;
        let train_set = pcd_cfg.load_dataset()?;
        let options = RunOptions {
            progress: ctx.progress,
            resume: false,
        };
        let runs = ctx.out_dir.join("runs");
        // finished runs of the same configuration are reused (reproducible from config + seed)
        let (pcd, _) = train_or_reuse(&pcd_cfg, &train_set, &runs.join("mnist-pcd-30"), &options)?;
        let (emf, _) = train_or_reuse(&emf_cfg, &train_set, &runs.join("mnist-emf-30"), &options)?;
        let t_eff = |s: &RunSummary| -> Vec<f64> {
            s.metrics
                .iter()
                .map(|m| 1.0 / (m.weight_std * m.weight_std))
                .collect()
        };
        let (t_pcd, t_emf) = (t_eff(&pcd), t_eff(&emf));
        let w_std = pcd_cfg.model.weight_std;
        let t_init = 1.0 / (w_std * w_std);
        // relative change of T_eff from epoch SETTLED_AFTER to the end, and the power-law
        // exponent of the decay over the second half of the run
        let late_change = |t: &[f64]| match (t.get(SETTLED_AFTER - 1), t.last()) {
            (Some(&a), Some(&b)) => (a - b).abs() / a,
            _ => f64::NAN,
        };
        let (pcd_change, emf_change) = (late_change(&t_pcd), late_change(&t_emf));
        let (pcd_alpha, emf_alpha) = (
            decay_exponent(&t_pcd, EPOCHS / 3, EPOCHS),
            decay_exponent(&t_emf, EPOCHS / 3, EPOCHS),
        );
        let falls = |t: &[f64]| t.last().is_some_and(|&l| l < t_init && l < t[0]);
        let falls_ok = falls(&t_pcd) && falls(&t_emf);
        let mut checks = Vec::new();
        for (name, t, change) in [
            ("PCD-5", &t_pcd, pcd_change),
            ("EMF-TAP2", &t_emf, emf_change),
        ] {
            let last = t.last().copied().unwrap_or(f64::NAN);
            let first = t.first().copied().unwrap_or(f64::NAN);
            checks.extend(labelled(
                name,
                [
                    Check::below("final T_eff", last, t_init),
                    Check::below("final T_eff", last, first)
                        .against_measured("T_eff after the first epoch"),
                    Check::below("late relative change of T_eff", change, SETTLE_CHANGE),
                ],
            ));
        }

        // weights: histograms before (the initial Gaussian) and after
        let w_init: Vec<f64> = {
            use rand_distr::{Distribution, Normal};
            let normal = Normal::new(0.0, w_std)
                .map_err(|e| crate::Error::invalid("model.weight_std", w_std, e.to_string()))?;
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            (0..784 * 500).map(|_| normal.sample(&mut rng)).collect()
        };
        let w_pcd: Vec<f64> = pcd.model.weights().iter().copied().collect();
        let w_emf: Vec<f64> = emf.model.weights().iter().copied().collect();
        let extent = w_pcd
            .iter()
            .chain(&w_emf)
            .fold(0.0f64, |m, w| m.max(w.abs()));
        let kurtosis = |w: &[f64]| {
            let n = w.len() as f64;
            let mean = w.iter().sum::<f64>() / n;
            let var = w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
            let m4 = w.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n;
            m4 / (var * var) - 3.0
        };
        let (k_pcd, k_emf) = (kurtosis(&w_pcd), kurtosis(&w_emf));
        let (abs_h, rel_h) = ctx.figure_path("mnist-pcd-vs-emf-weights")?;
        LineChart::new(
            "Weight distributions: initial Gaussian (std 0.01), PCD-5 and EMF-TAP2 after 30 epochs",
        )
        .x(Axis::linear("W_ij"))
        .y(Axis::log("density"))
        .series(&[
            Series {
                name: "initial".into(),
                points: density(&w_init, -extent, extent, 200),
            },
            Series {
                name: "PCD-5".into(),
                points: density(&w_pcd, -extent, extent, 200),
            },
            Series {
                name: "EMF-TAP2".into(),
                points: density(&w_emf, -extent, extent, 200),
            },
        ])
        .write(&abs_h)?;
        let (abs_t, rel_t) = ctx.figure_path("mnist-pcd-vs-emf-teff")?;
        let curve = |t: &[f64]| -> Vec<(f64, f64)> {
            std::iter::once((0.0, t_init))
                .chain(t.iter().enumerate().map(|(k, &x)| ((k + 1) as f64, x)))
                .collect()
        };
        LineChart::new("Effective temperature T_eff = 1/Var(W) per epoch (MNIST)")
            .x(Axis::linear("epoch"))
            .y(Axis::log("T_eff"))
            .series(&[
                Series {
                    name: "PCD-5".into(),
                    points: curve(&t_pcd),
                },
                Series {
                    name: "EMF-TAP2".into(),
                    points: curve(&t_emf),
                },
            ])
            .write(&abs_t)?;
        let mut figures = vec![rel_h, rel_t];
        for (name, summary) in [("pcd", &pcd), ("emf", &emf)] {
            let (abs, rel) = ctx.figure_path(&format!("mnist-pcd-vs-emf-features-{name}"))?;
            ImageGrid::new(&features(&summary.model, 100), (28, 28))
                .columns(10)
                .scale(2)
                .write(&abs)?;
            figures.push(rel);
        }
        // samples and how digit-like they are (median nearest-neighbour Hamming distance to
        // 10 000 training digits, as in mnist-pcd-samples)
        let reference = train_set
            .samples
            .rows(0, 10_000.min(train_set.samples.nrows()))
            .clone_owned();
        let mut distances = Vec::new();
        let mut diversity = Vec::new();
        for (k, (name, summary)) in [("pcd", &pcd), ("emf", &emf)].into_iter().enumerate() {
            let means = samples(&summary.model, seed + 10 + k as u64)?;
            let images: Vec<Vec<f64>> = means
                .row_iter()
                .map(|r| r.iter().copied().collect())
                .collect();
            let (abs, rel) = ctx.figure_path(&format!("mnist-pcd-vs-emf-samples-{name}"))?;
            ImageGrid::new(&images, (28, 28))
                .columns(10)
                .scale(2)
                .write(&abs)?;
            figures.push(rel);
            let binary = means.map(|x| if x >= 0.5 { 1.0 } else { 0.0 });
            distances.push(median(&nearest_hamming(&binary, &reference)));
            diversity.push(mean_pairwise_hamming(&binary));
        }
        let test_cfg = TrainConfig {
            data: DataConfig {
                dataset: DatasetChoice::MnistTest { digits: None },
                limit: Some(SAMPLES),
                ..pcd_cfg.data.clone()
            },
            ..pcd_cfg.config().clone()
        };
        let test_diversity = mean_pairwise_hamming(&test_cfg.load_dataset()?.samples);
        let rows: String = (0..EPOCHS.min(t_pcd.len()).min(t_emf.len()))
            .filter(|e| *e < 5 || (e + 1) % 5 == 0)
            .map(|e| {
                format!(
                    "| {} | {:.1} | {:.1} | {:.3} | {:.3} |\n",
                    e + 1,
                    t_pcd[e],
                    t_emf[e],
                    pcd.metrics[e].seconds,
                    emf.metrics[e].seconds
                )
            })
            .collect();
        Ok(CaseOutcome {
            theory: format!(
                "T_eff falls from {t_init:.0} and settles after ~{SETTLED_AFTER} epochs, for both methods"
            ),
            measured: format!(
                "T_eff falls ({}); from epoch {SETTLED_AFTER} to {EPOCHS} it still changes by {:.0} % (PCD) and {:.0} % (EMF): \
                 a power law t^-α with α = {pcd_alpha:.2} (PCD), {emf_alpha:.2} (EMF) over epochs {}–{EPOCHS}",
                if falls_ok { "both methods" } else { "not for both methods" },
                100.0 * pcd_change,
                100.0 * emf_change,
                EPOCHS / 3
            ),
            tolerance: Tolerance::Criterion(format!(
                "T_eff below its initial value, and changing by less than {:.0} % between epoch {SETTLED_AFTER} and {EPOCHS} (both methods)",
                100.0 * SETTLE_CHANGE
            )),
            checks,
            details: format!(
                "Fissore's settings for both runs: 784×500, batch 100, learning rate 0.01, weights N(0, 0.01²), \
                 visible bias from the data, f32, seed {seed}; PCD-5 with 100 chains; EMF at order 2 with 100 \
                 persistent magnetisations, 3 damped (ρ = 0.5) sequential TAP iterations per update. \
                 {EPOCHS} epochs each (Fissore's figure shows 50).\n\n\
                 | epoch | T_eff PCD | T_eff EMF | s/epoch PCD | s/epoch EMF |\n|---|---|---|---|---|\n{rows}\n\
                 Weights after training: excess kurtosis PCD {k_pcd:.2}, EMF {k_emf:.2} (0 for the initial Gaussian: \
                 fat tails are positive kurtosis). Samples (100 chains, {SWEEPS} sweeps from random states): median \
                 nearest-neighbour Hamming distance to 10 000 training digits PCD {:.1}, EMF {:.1} (mnist-pcd-samples \
                 reports ~41 for real test digits and ~94 for independent pixels). Diversity, the mean Hamming distance \
                 between two samples: PCD {:.1}, EMF {:.1}, against {test_diversity:.1} for 100 test digits (a \
                 value far below the test digits' means the chains sit in few modes). Features are sigm(a_i + W_ij) for \
                 the first 100 hidden units. Only the T_eff claim has a numerical verdict; the similarity of \
                 histograms, features and samples is for the eye and the numbers above. If T_eff keeps falling as a \
                 power law, the claim that it settles after ~{SETTLED_AFTER} epochs does not hold at these settings \
                 (see notes/mean-field.md).",
                distances[0], distances[1], diversity[0], diversity[1]
            ),
            figures,
            seed: Some(seed),
            numbers: json!({
                "t_eff_pcd": t_pcd, "t_eff_emf": t_emf, "t_eff_initial": t_init,
                "late_relative_change": {"pcd": pcd_change, "emf": emf_change},
                "decay_exponent": {"pcd": pcd_alpha, "emf": emf_alpha},
                "excess_kurtosis": {"pcd": k_pcd, "emf": k_emf},
                "sample_nn_hamming_median": {"pcd": distances[0], "emf": distances[1]},
                "sample_diversity": {"pcd": diversity[0], "emf": diversity[1], "test_digits": test_diversity},
            }),
        })
    }
}
