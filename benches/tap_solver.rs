//! Mean-field / TAP solvers on a random 784×500 {0,1} model (weights N(0, 0.01²), zero biases,
//! the initialisation of Fissore et al., where every order converges) with 512 uniform random
//! starting points, in f32 and f64.
//!
//! * `tap_iterate_<float>/<order>-<scheme>`: 10 damped updates (ρ = 0.5) of all 512 starts by
//!   [`IterativeSolver::advance`] (no convergence checks). Throughput is in start-iterations
//!   (`10 × 512` per call): iterations per second of the whole batch = throughput / 512.
//!   One update costs 2 GEMMs of 512×784·784×500 for naive MF, 4 for TAP2, 6 for TAP3.
//! * `tap_lbfgs_f64/<order>`: L-BFGS ([`MinimizingSolver`], in f64 whatever the model's type)
//!   for 10 iterations on 16 starts (each start is a separate 1284-variable problem; an
//!   iteration includes its line search, a few evaluations of $F_k$ and its gradient). 512
//!   starts would take ~30 s per call, too slow for criterion's samples. Throughput in
//!   start-iterations (`10 × 16`).
//!
//! Run: `cargo bench --bench tap_solver`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use nalgebra::{DMatrix, DVector};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rbmdyn::linalg::Float;
use rbmdyn::mean_field::{
    IterativeSolver, Magnetizations, MeanFieldSolver, MinimizingSolver, Order, SolverWorkspace,
    UpdateScheme,
};
use rbmdyn::rbm::Rbm;
use rbmdyn::units::Binary;
use std::time::Duration;

const N_VISIBLE: usize = 784;
const N_HIDDEN: usize = 500;
const STARTS: usize = 512;
const ITERATIONS: usize = 10;
const LBFGS_STARTS: usize = 16;
const WEIGHT_STD: f64 = 0.01;
const ORDERS: [Order; 3] = [Order::Naive, Order::Tap2, Order::Tap3];

fn model<T: Float>() -> Rbm<Binary, Binary, T> {
    let mut rng = StdRng::seed_from_u64(7);
    let w = DMatrix::from_fn(N_VISIBLE, N_HIDDEN, |_, _| {
        let z: f64 = StandardNormal.sample(&mut rng);
        T::of(WEIGHT_STD * z)
    });
    Rbm::new(
        w,
        DVector::zeros(N_VISIBLE),
        DVector::zeros(N_HIDDEN),
        Binary,
        Binary,
    )
    .expect("finite parameters")
}

fn iterate<T: Float>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("tap_iterate_{}", T::NAME));
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements((ITERATIONS * STARTS) as u64));
    let rbm = model::<T>();
    let mut rng = StdRng::seed_from_u64(11);
    let start = Magnetizations::random(&rbm, STARTS, &mut rng).expect("binary units");
    for order in ORDERS {
        for scheme in [UpdateScheme::Parallel, UpdateScheme::Sequential] {
            let solver =
                IterativeSolver::new(order, scheme, 0.5, ITERATIONS, 1e-6).expect("valid config");
            let mut m = start.clone();
            let mut ws = SolverWorkspace::new();
            group.bench_function(
                BenchmarkId::new(
                    format!("{}-{}", order.name(), scheme.name()),
                    format!("{N_VISIBLE}x{N_HIDDEN}x{STARTS}"),
                ),
                |b| {
                    b.iter(|| {
                        solver
                            .advance(&rbm, &mut m, ITERATIONS, &mut ws)
                            .expect("shapes fit")
                    })
                },
            );
        }
    }
    group.finish();
}

fn lbfgs(c: &mut Criterion) {
    let mut group = c.benchmark_group("tap_lbfgs_f64");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements((ITERATIONS * LBFGS_STARTS) as u64));
    let rbm = model::<f64>();
    let mut rng = StdRng::seed_from_u64(11);
    let start = Magnetizations::random(&rbm, LBFGS_STARTS, &mut rng).expect("binary units");
    for order in ORDERS {
        // A tolerance no residual reaches: every call runs the full ITERATIONS.
        let solver = MinimizingSolver::new(order, ITERATIONS as u64, 1e-300).expect("valid config");
        group.bench_function(
            BenchmarkId::new(
                order.name(),
                format!("{N_VISIBLE}x{N_HIDDEN}x{LBFGS_STARTS}"),
            ),
            |b| b.iter(|| solver.solve(&rbm, &start).expect("binary units")),
        );
    }
    group.finish();
}

criterion_group!(tap_solver, iterate::<f32>, iterate::<f64>, lbfgs);
criterion_main!(tap_solver);
