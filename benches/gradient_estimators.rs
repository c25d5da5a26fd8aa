//! One PCD-5 minibatch (positive phase, 5 sweeps of 100 persistent chains, negative phase,
//! SGD update) with batch 100, f32 and f64, at a small and at the MNIST size (784 × 500).
//! 600 such minibatches are one MNIST epoch.
//!
//! Run: `cargo bench --bench gradient_estimators` (numbers in notes/performance.md).

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rbmdyn::linalg::Float;
use rbmdyn::rbm::Rbm;
use rbmdyn::sampling::ChainState;
use rbmdyn::training::{
    train_rng, Gradient, GradientEstimator, OptimizerState, PersistentContrastiveDivergence, Sgd,
};
use rbmdyn::units::Binary;

const BATCH: usize = 100;
const SIZES: [(usize, usize); 3] = [(64, 32), (256, 128), (784, 500)];

fn bench_type<T: Float>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("pcd5_minibatch_{}", T::NAME));
    group.sample_size(20);
    for &(nv, nh) in &SIZES {
        let mut rng = train_rng(2);
        let w = DMatrix::from_fn(nv, nh, |_, _| T::of(0.01 * (rng.random::<f64>() - 0.5)));
        let mut rbm: Rbm<Binary, Binary, T> = Rbm::new(
            w,
            DVector::from_element(nv, T::of(-1.5)),
            DVector::zeros(nh),
            Binary,
            Binary,
        )
        .expect("finite parameters");
        // MNIST-like sparsity: 13 % ones.
        let batch = DMatrix::from_fn(BATCH, nv, |_, _| {
            if rng.random::<f64>() < 0.13 {
                T::one()
            } else {
                T::zero()
            }
        });
        let chains = ChainState::random(&rbm, BATCH, &mut rng);
        let mut pcd = PersistentContrastiveDivergence::new(5, chains).expect("valid PCD");
        let sgd = Sgd::new(0.01).expect("valid learning rate");
        let mut state = OptimizerState::default();
        let mut grad = Gradient::zeros(nv, nh);
        group.bench_function(BenchmarkId::new("pcd5", format!("{nv}x{nh}")), |b| {
            b.iter(|| {
                pcd.estimate(&rbm, batch.as_view(), &mut rng, &mut grad)
                    .expect("shapes fit");
                sgd.apply(&mut rbm, &mut grad, &mut state);
            })
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_type::<f32>(c);
    bench_type::<f64>(c);
}

criterion_group!(estimators, benches);
criterion_main!(estimators);
