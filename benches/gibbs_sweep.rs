//! One block-Gibbs sweep v → h → v of 100 chains, f32 and f64, at a small and at the MNIST size.
//!
//! Run: `cargo bench --bench gibbs_sweep` (numbers in notes/performance.md).

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

fn benches(c: &mut Criterion) {
    bench_type::<f32>(c);
    bench_type::<f64>(c);
}

criterion_group!(gibbs, benches);
criterion_main!(gibbs);
