//! `linalg::gemm` on the RBM product shapes (`../shared/perf/README.md` §1), f32 and f64:
//!
//! * A `100×784×500`: `V (100×784) · W (784×500)` (visible → hidden fields);
//! * B `100×500×784`, rhs ᵀ: `H (100×500) · Wᵀ` (hidden → visible, transposed view, no copy);
//! * G `784×100×500`, lhs ᵀ: `Vᵀ (784×100) · H (100×500)` (weight gradient);
//! * C `1000×784×500`: the A product for 1000 Gibbs chains.
//!
//! `linalg::gemm` runs on faer; the bench prints the number of rayon threads it uses:
//!
//! ```text
//! cargo bench --bench gemm
//! ```
//!
//! Threads: faer uses all cores (rayon's pool; `RAYON_NUM_THREADS` sets its size).

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nalgebra::DMatrix;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rbmdyn::linalg::{cast_matrix, gemm, Float, Op};
use std::time::Duration;

mod backend {
    pub fn describe() -> String {
        format!("faer ({} rayon threads)", rayon::current_num_threads())
    }
}

/// (name, m, k, n, op of lhs, op of rhs).
const SHAPES: [(&str, usize, usize, usize, Op, Op); 4] = [
    ("A_100x784x500", 100, 784, 500, Op::N, Op::N),
    ("B_100x500x784_rhsT", 100, 500, 784, Op::N, Op::T),
    ("G_784x100x500_lhsT", 784, 100, 500, Op::T, Op::N),
    ("C_1000x784x500", 1000, 784, 500, Op::N, Op::N),
];

fn operand<T: Float>(rng: &mut StdRng, rows: usize, cols: usize, op: Op) -> DMatrix<T> {
    let (r, c) = if op == Op::N {
        (rows, cols)
    } else {
        (cols, rows)
    };
    cast_matrix(&DMatrix::from_fn(r, c, |_, _| rng.random::<f64>() - 0.5))
}

fn shapes<T: Float>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("gemm_{}", T::NAME));
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let mut rng = StdRng::seed_from_u64(5);
    for &(name, m, k, n, op_l, op_r) in &SHAPES {
        let a = operand::<T>(&mut rng, m, k, op_l);
        let b = operand::<T>(&mut rng, k, n, op_r);
        let mut dst = DMatrix::<T>::zeros(m, n);
        group.throughput(Throughput::Elements((2 * m * k * n) as u64)); // FLOP per call
        group.bench_function(BenchmarkId::from_parameter(name), |bench| {
            bench.iter(|| {
                gemm(
                    &mut dst,
                    false,
                    T::one(),
                    a.as_view(),
                    op_l,
                    b.as_view(),
                    op_r,
                )
            })
        });
    }
    group.finish();
}

fn all(c: &mut Criterion) {
    println!("gemm backend: {}", backend::describe());
    shapes::<f32>(c);
    shapes::<f64>(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
