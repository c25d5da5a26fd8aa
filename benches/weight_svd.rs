//! The SVD of a 784×500 weight matrix, as the spectrum tracker takes it: singular values only,
//! and the thin SVD with vectors (what each tracker save computes), on an f64 copy of an f32 W.
//!
//! Run: `cargo bench --bench weight_svd`. Compare with a PCD-5 epoch (`notes/performance.md`).

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use nalgebra::{DMatrix, DVector};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rbmdyn::rbm::Rbm;
use rbmdyn::spectral::WeightSpectrum;
use rbmdyn::units::Binary;

fn model() -> Rbm<Binary, Binary, f32> {
    let mut rng = StdRng::seed_from_u64(3);
    let normal = Normal::new(0.0f32, 0.01).expect("valid");
    let w = DMatrix::from_fn(784, 500, |_, _| normal.sample(&mut rng));
    Rbm::new(w, DVector::zeros(784), DVector::zeros(500), Binary, Binary)
        .expect("finite parameters")
}

fn weight_svd(c: &mut Criterion) {
    let rbm = model();
    let mut group = c.benchmark_group("weight_svd_784x500");
    group.sample_size(20);
    group.bench_function("values_only", |b| {
        b.iter(|| WeightSpectrum::values_of(&rbm).expect("finite"))
    });
    group.bench_function("thin_svd_with_vectors", |b| {
        b.iter(|| WeightSpectrum::of(&rbm).expect("finite"))
    });
    group.finish();
}

criterion_group!(benches, weight_svd);
criterion_main!(benches);
