//! One block-Gibbs sweep v → h → v of 100 chains, f32 and f64, at a small and at the MNIST size;
//! 1000 chains at 784×500 f32 (issue 7 target 3) with dense and with sparse visible states; and
//! the uniform draws of such a sweep (the random-number part of its lower bound).
//!
//! Run: `cargo bench --bench gibbs_sweep` (numbers in notes/performance.md).

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rbmdyn::linalg::Float;
use rbmdyn::rbm::Rbm;
use rbmdyn::sampling::{ChainState, GibbsSampler, GibbsWorkspace};
use rbmdyn::training::{train_rng, TrainRng};
use rbmdyn::units::Binary;

const CHAINS: usize = 100;
const SIZES: [(usize, usize); 3] = [(64, 32), (256, 128), (784, 500)];

fn model<T: Float>(nv: usize, nh: usize, rng: &mut TrainRng) -> Rbm<Binary, Binary, T> {
    let w = DMatrix::from_fn(nv, nh, |_, _| T::of(0.05 * (rng.random::<f64>() - 0.5)));
    let a = DVector::from_fn(nv, |_, _| T::of(-1.5));
    Rbm::new(w, a, DVector::zeros(nh), Binary, Binary).expect("finite parameters")
}

fn bench_type<T: Float>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("gibbs_sweep_{}", T::NAME));
    group.sample_size(30);
    for &(nv, nh) in &SIZES {
        let mut rng = train_rng(1);
        let rbm = model::<T>(nv, nh, &mut rng);
        let mut chains = ChainState::random(&rbm, CHAINS, &mut rng);
        let sampler = GibbsSampler::new(1).expect("one sweep");
        let mut ws = GibbsWorkspace::new();
        group.bench_function(BenchmarkId::new("sweep", format!("{nv}x{nh}")), |b| {
            b.iter(|| sampler.run(&rbm, &mut chains, &mut ws, &mut rng))
        });
    }
    group.finish();
}

/// 1000 chains at 784×500, f32: visible bias 0 (half the visible units on: GEMM both ways) and
/// −2 (about 12 % on, MNIST-like: the hidden fields take the sparse path).
fn many_chains(c: &mut Criterion) {
    let mut group = c.benchmark_group("gibbs_sweep_1000_chains_f32");
    group.sample_size(20);
    for &(name, bias) in &[("dense_visible", 0.0), ("sparse_visible", -2.0)] {
        let mut rng = train_rng(3);
        let w = DMatrix::from_fn(784, 500, |_, _| 0.02 * (rng.random::<f32>() - 0.5));
        let a = DVector::from_element(784, bias);
        let rbm = Rbm::new(w, a, DVector::zeros(500), Binary, Binary).expect("finite parameters");
        let mut chains = ChainState::random(&rbm, 1000, &mut rng);
        let sampler = GibbsSampler::new(1).expect("one sweep");
        let mut ws = GibbsWorkspace::new();
        for _ in 0..5 {
            sampler.run(&rbm, &mut chains, &mut ws, &mut rng);
        }
        group.bench_function(BenchmarkId::new("sweep", name), |b| {
            b.iter(|| sampler.run(&rbm, &mut chains, &mut ws, &mut rng))
        });
    }
    // The uniforms of one sweep of 1000 chains (1000 × (784 + 500)), on one thread.
    let mut rng = train_rng(4);
    let mut u = vec![0f32; 1000 * (784 + 500)];
    group.bench_function("uniforms_one_thread", |b| {
        b.iter(|| f32::fill_uniform(&mut rng, &mut u))
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    many_chains(c);
    bench_type::<f32>(c);
    bench_type::<f64>(c);
}

criterion_group!(gibbs, benches);
criterion_main!(gibbs);
