//! The products of a PCD update at the MNIST shapes: GEMM (our split into sequential faer
//! pieces, and faer's own threading), the sparse {0,1} path against GEMM by density, and the
//! 1000-chain shapes of issue 7 target 3.
//!
//! Run: `cargo bench --bench products -- --warm-up-time 1 --measurement-time 3`
//! (numbers in notes/performance.md).

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rbmdyn::linalg::{gemm, gemm_faer_threads, Float, Op};
use rbmdyn::rbm::{Fields, ProductWorkspace, Rbm};
use rbmdyn::training::{train_rng, TrainRng};
use rbmdyn::units::Binary;

const NV: usize = 784;
const NH: usize = 500;

fn random<T: Float>(r: usize, c: usize, rng: &mut TrainRng) -> DMatrix<T> {
    DMatrix::from_fn(r, c, |_, _| T::of(rng.random::<f64>() - 0.5))
}

fn binary<T: Float>(r: usize, c: usize, p: f64, rng: &mut TrainRng) -> DMatrix<T> {
    DMatrix::from_fn(r, c, |_, _| T::of((rng.random::<f64>() < p) as u8 as f64))
}

/// GEMM at the shapes of `../shared/perf/README.md` §1 (A, B, G) and the 1000-chain A and B.
fn gemms<T: Float>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("gemm_{}", T::NAME));
    group.sample_size(20);
    let mut rng = train_rng(1);
    let w = random::<T>(NV, NH, &mut rng);
    for &(name, batch) in &[
        ("A", 100),
        ("B", 100),
        ("G", 100),
        ("A1000", 1000),
        ("B1000", 1000),
    ] {
        let v = random::<T>(batch, NV, &mut rng);
        let h = random::<T>(batch, NH, &mut rng);
        let flops = 2 * batch * NV * NH;
        group.throughput(Throughput::Elements(flops as u64));
        let (lhs, op_l, rhs, op_r, shape) = match &name[..1] {
            "A" => (v.as_view(), Op::N, w.as_view(), Op::N, (batch, NH)),
            "B" => (h.as_view(), Op::N, w.as_view(), Op::T, (batch, NV)),
            _ => (v.as_view(), Op::T, h.as_view(), Op::N, (NV, NH)),
        };
        let mut dst = DMatrix::<T>::zeros(shape.0, shape.1);
        group.bench_function(BenchmarkId::new("split", name), |b| {
            b.iter(|| gemm(&mut dst, false, T::one(), lhs, op_l, rhs, op_r))
        });
        group.bench_function(BenchmarkId::new("faer_threads", name), |b| {
            b.iter(|| gemm_faer_threads(&mut dst, T::one(), lhs, op_l, rhs, op_r))
        });
    }
    group.finish();
}

/// Hidden fields (V W + b, 100×784 → 100×500) and visible fields (H Wᵀ + a, 100×500 → 100×784)
/// of {0,1} states with a given fraction of ones, sparse path against GEMM.
fn fields(c: &mut Criterion) {
    let mut group = c.benchmark_group("fields_f32");
    group.sample_size(20);
    let mut rng = train_rng(2);
    let w = random::<f32>(NV, NH, &mut rng).scale(0.02);
    let rbm = Rbm::new(w, DVector::zeros(NV), DVector::zeros(NH), Binary, Binary)
        .expect("finite parameters");
    let mut ws = ProductWorkspace::new();
    let mut out = DMatrix::zeros(0, 0);
    for &p in &[0.05, 0.13, 0.2, 0.3, 0.4, 0.5] {
        let v = binary::<f32>(100, NV, p, &mut rng);
        let h = binary::<f32>(100, NH, p, &mut rng);
        let mut sparse = Fields::with_max_density(&rbm, &mut ws, 1.0);
        group.bench_function(BenchmarkId::new("hidden_sparse", p), |b| {
            b.iter(|| sparse.hidden_fields_into(v.as_view(), &mut out))
        });
        group.bench_function(BenchmarkId::new("visible_sparse", p), |b| {
            b.iter(|| sparse.visible_fields_into(h.as_view(), &mut out))
        });
    }
    let v = binary::<f32>(100, NV, 0.13, &mut rng);
    let h = binary::<f32>(100, NH, 0.13, &mut rng);
    group.bench_function("hidden_gemm", |b| {
        b.iter(|| rbm.hidden_fields_into(v.as_view(), &mut out))
    });
    group.bench_function("visible_gemm", |b| {
        b.iter(|| rbm.visible_fields_into(h.as_view(), &mut out))
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    fields(c);
    gemms::<f32>(c);
    gemms::<f64>(c);
}

criterion_group!(products, benches);
criterion_main!(products);
