//! Forward AIS (two GEMMs, two layer draws and the f64 log-weight update per step) on random
//! binary f32 models with 100 chains and a short uniform schedule.
//!
//! Criterion's throughput is in AIS steps per second: per-step time = 1 / throughput.
//! Run: `cargo bench --bench ais`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nalgebra::{DMatrix, DVector};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rbmdyn::likelihood::ais::{Ais, BaseRateModel, BetaSchedule};
use rbmdyn::rbm::Rbm;
use rbmdyn::units::Binary;

const RUNS: usize = 100;
const STEPS: usize = 200;
const SIZES: [(usize, usize); 3] = [(64, 32), (256, 128), (784, 500)];

fn model(nv: usize, nh: usize, rng: &mut StdRng) -> Rbm<Binary, Binary, f32> {
    let w = DMatrix::from_fn(nv, nh, |_, _| 0.05 * (rng.random::<f32>() - 0.5));
    Rbm::new(
        w,
        DVector::from_element(nv, -1.5),
        DVector::zeros(nh),
        Binary,
        Binary,
    )
    .expect("finite parameters")
}

fn forward_ais(c: &mut Criterion) {
    let mut group = c.benchmark_group("ais_forward_f32");
    group.sample_size(10);
    group.throughput(Throughput::Elements(STEPS as u64));
    let ais = Ais::new(BetaSchedule::Uniform { steps: STEPS }, RUNS).expect("valid config");
    for &(nv, nh) in &SIZES {
        let mut rng = StdRng::seed_from_u64(1);
        let rbm = model(nv, nh, &mut rng);
        let base = BaseRateModel::new(DVector::from_element(nv, -1.5)).expect("finite");
        group.bench_function(
            BenchmarkId::new("steps200_runs100", format!("{nv}x{nh}")),
            |b| b.iter(|| ais.forward(&rbm, &base, &mut rng).expect("finite weights")),
        );
    }
    group.finish();
}

criterion_group!(ais, forward_ais);
criterion_main!(ais);
