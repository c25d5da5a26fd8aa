//! An MNIST PCD run (Fissore 2017 settings) gives digit-like samples.

use crate::data::DatasetChoice;
use crate::error::Result;
use crate::linalg::{matmul, Op};
use crate::report::chart::{Axis, ImageGrid, LineChart, Series};
use crate::run::{train_or_reuse, CheckpointConfig, DataConfig, RunOptions, TrainConfig};
use crate::sampling::{run_chains, ChainState};
use crate::validation::{
    CaseOutcome, Check, Claim, Level, Tolerance, ValidationCase, ValidationContext,
};
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// Fissore's MNIST PCD-5 run, 10 epochs, then samples from long chains.
pub struct MnistPcdSamples;

/// Samples drawn and shown.
const SAMPLES: usize = 100;
/// Gibbs sweeps from uniform random starts.
const SWEEPS: usize = 1000;
/// Training images used as the nearest-neighbour reference set.
const REFERENCE: usize = 10_000;

/// Hamming distance from each row of `x` to its nearest row of `reference` ({0,1} entries):
/// $d(x, y) = |x| + |y| - 2\,x\cdot y$, computed with one GEMM.
pub fn nearest_hamming(x: &DMatrix<f64>, reference: &DMatrix<f64>) -> Vec<f64> {
    let dots = matmul(x.as_view(), Op::N, reference.as_view(), Op::T);
    let nx: Vec<f64> = x.row_iter().map(|r| r.sum()).collect();
    let nr: Vec<f64> = reference.row_iter().map(|r| r.sum()).collect();
    (0..x.nrows())
        .map(|i| {
            (0..reference.nrows())
                .map(|j| nx[i] + nr[j] - 2.0 * dots[(i, j)])
                .fold(f64::INFINITY, f64::min)
        })
        .collect()
}

pub(crate) fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

impl ValidationCase for MnistPcdSamples {
    fn claim(&self) -> Claim {
        Claim {
            id: "mnist-pcd-samples",
            source: "Fissore 2017 §I (MNIST, 784×500, PCD-5, lr 0.01, batch 100, weights std 0.01, visible bias from data)",
            statement: "after 10 epochs of PCD-5 on binarised MNIST, samples from long Gibbs chains look like digits: \
                        their nearest-neighbour Hamming distance to training images is closer to that of real test \
                        digits than to that of an independent-pixel model with the data's marginals",
        }
    }

    fn level(&self) -> Level {
        Level::Full
    }

    fn run(&self, ctx: &mut ValidationContext) -> Result<CaseOutcome> {
        let root = match super::mnist_root(ctx) {
            Ok(root) => root,
            Err(skipped) => return Ok(*skipped),
        };
        let seed = ctx.seed;
        let config = TrainConfig {
            checkpoints: CheckpointConfig { per_decade: 5 },
            ..TrainConfig::mnist_pcd(Some(root.clone()), 10, seed)
        }
        .check()?;
        let run_dir = ctx.out_dir.join("runs").join("mnist-pcd");
        // One load serves training and the nearest-neighbour reference set.
        let train_set = config.load_dataset()?;
        // a finished run of the same configuration is reused (reproducible from config + seed)
        let (summary, _) = train_or_reuse(
            &config,
            &train_set,
            &run_dir,
            &RunOptions {
                progress: ctx.progress,
                resume: false,
            },
        )?;
        let rbm = summary.model.cast::<f32>();
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed + 1);
        let mut chains = ChainState::random(&rbm, SAMPLES, &mut rng);
        let means = run_chains(&rbm, &mut chains, SWEEPS, &mut rng)?;
        let images: Vec<Vec<f64>> = means
            .row_iter()
            .map(|r| r.iter().map(|&x| x as f64).collect())
            .collect();
        let binary = DMatrix::from_fn(
            SAMPLES,
            784,
            |i, j| if means[(i, j)] >= 0.5 { 1.0 } else { 0.0 },
        );
        let reference = train_set
            .samples
            .rows(0, REFERENCE.min(train_set.samples.nrows()))
            .clone_owned();
        let test_cfg = TrainConfig {
            data: DataConfig {
                dataset: DatasetChoice::MnistTest { digits: None },
                limit: Some(SAMPLES),
                ..config.data.clone()
            },
            ..config.config().clone()
        };
        let test = test_cfg.load_dataset()?.samples;
        // Independent pixels with the training marginals.
        let p: Vec<f64> = (0..784)
            .map(|j| train_set.samples.column(j).mean())
            .collect();
        let null = DMatrix::from_fn(SAMPLES, 784, |_, j| {
            if rng.random::<f64>() < p[j] {
                1.0
            } else {
                0.0
            }
        });
        let d_rbm = median(&nearest_hamming(&binary, &reference));
        let d_test = median(&nearest_hamming(&test, &reference));
        let d_null = median(&nearest_hamming(&null, &reference));
        let midpoint = 0.5 * (d_test + d_null);
        let (abs, rel) = ctx.figure_path("mnist-pcd-samples")?;
        ImageGrid::new(&images, (28, 28))
            .columns(10)
            .scale(3)
            .write(&abs)?;
        let (abs2, rel2) = ctx.figure_path("mnist-pcd-metrics")?;
        LineChart::new("MNIST PCD-5: reconstruction error per epoch")
            .x(Axis::linear("epoch"))
            .y(Axis::linear("mean squared reconstruction error"))
            .series(&[Series {
                name: "training set (first 1000 images)".into(),
                points: summary
                    .metrics
                    .iter()
                    .map(|m| (m.epoch as f64, m.reconstruction_error))
                    .collect(),
            }])
            .write(&abs2)?;
        let seconds: Vec<f64> = summary.metrics.iter().map(|m| m.seconds).collect();
        Ok(CaseOutcome {
            theory: format!("median NN distance < {midpoint:.1} (midway between real digits {d_test:.1} and independent pixels {d_null:.1})"),
            measured: format!("median NN distance of RBM samples {d_rbm:.1}"),
            tolerance: Tolerance::Criterion("closer to real digits than to the independent-pixel null".into()),
            checks: vec![Check::below("median NN distance of RBM samples", d_rbm, midpoint)
                .against_measured("midway between real test digits and independent pixels")],
            details: format!(
                "Training: {} epochs, {} samples, run directory `{}` (seconds per epoch: {:?}). \
                 Samples: {SAMPLES} chains from uniform random starts, {SWEEPS} block-Gibbs sweeps; the figure \
                 shows E[v|h] of the last sweep. Digit-likeness: median Hamming distance from each sample \
                 (E[v|h] ≥ 0.5) to its nearest neighbour among the first {REFERENCE} training images, against \
                 {SAMPLES} real test digits and {SAMPLES} draws of independent pixels with the training marginals. \
                 Look at the grid: the numbers only say the samples are closer to digits than to noise.",
                config.optimiser.epochs,
                summary.n_samples,
                run_dir.display(),
                seconds.iter().map(|s| (s * 10.0).round() / 10.0).collect::<Vec<_>>()
            ),
            figures: vec![rel, rel2],
            seed: Some(seed),
            numbers: json!({
                "median_nn_rbm": d_rbm, "median_nn_test_digits": d_test, "median_nn_independent_pixels": d_null,
                "seconds_per_epoch": seconds,
                "reconstruction_error": summary.metrics.iter().map(|m| m.reconstruction_error).collect::<Vec<_>>(),
            }),
        })
    }
}
