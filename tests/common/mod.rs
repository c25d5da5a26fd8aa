//! Tiny fixed RBMs and brute-force references shared by the integration tests.
#![allow(dead_code)]

use nalgebra::{DMatrix, DVector};
use rbmdyn::rbm::Rbm;
use rbmdyn::units::{Binary, Ising, UnitKind};
use std::path::Path;
use std::process::{Command, Output};

/// Runs the `rbmdyn` binary with `args` in `cwd`.
pub fn rbmdyn(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rbmdyn"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the rbmdyn binary runs")
}

/// Exit status, stdout and stderr of a run, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The 3×2 fixture of `../shared/theory/rbm-basics.md`.
pub fn fixture_3x2<V: UnitKind, H: UnitKind>(visible: V, hidden: H) -> Rbm<V, H, f64> {
    let w = DMatrix::from_row_slice(3, 2, &[0.5, -0.3, 0.2, 0.8, -0.6, 0.1]);
    let a = DVector::from_vec(vec![0.1, -0.2, 0.3]);
    let b = DVector::from_vec(vec![-0.1, 0.2]);
    Rbm::new(w, a, b, visible, hidden).unwrap()
}

pub fn fixture_3x2_binary() -> Rbm<Binary, Binary, f64> {
    fixture_3x2(Binary, Binary)
}

/// Fixture B of `../shared/theory/likelihood.md`: 8×5, W_ij = ε sin(1+3i+7j),
/// a_i = 0.3 cos(1+i), b_j = 0.2 sin(2+j).
pub fn fixture_b<V: UnitKind, H: UnitKind>(eps: f64, visible: V, hidden: H) -> Rbm<V, H, f64> {
    let w = DMatrix::from_fn(8, 5, |i, j| {
        eps * (1.0 + 3.0 * i as f64 + 7.0 * j as f64).sin()
    });
    let a = DVector::from_fn(8, |i, _| 0.3 * (1.0 + i as f64).cos());
    let b = DVector::from_fn(5, |j, _| 0.2 * (2.0 + j as f64).sin());
    Rbm::new(w, a, b, visible, hidden).unwrap()
}

/// A seeded random binary or Ising model with weights of std `std`, biases of std `bias_std`.
pub fn random_rbm<V: UnitKind, H: UnitKind>(
    nv: usize,
    nh: usize,
    std: f64,
    bias_std: f64,
    seed: u64,
    visible: V,
    hidden: H,
) -> Rbm<V, H, f64> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut g = |s: f64| -> f64 {
        let z: f64 = StandardNormal.sample(&mut rng);
        s * z
    };
    let w = DMatrix::from_fn(nv, nh, |_, _| g(std));
    let a = DVector::from_fn(nv, |_, _| g(bias_std));
    let b = DVector::from_fn(nh, |_, _| g(bias_std));
    Rbm::new(w, a, b, visible, hidden).unwrap()
}

/// All configurations of `n` discrete units with states `[lo, hi]` (bit k of the index = unit k).
pub fn all_states(n: usize, states: [f64; 2]) -> Vec<DVector<f64>> {
    (0..1usize << n)
        .map(|s| {
            DVector::from_fn(n, |k, _| {
                if s >> k & 1 == 1 {
                    states[1]
                } else {
                    states[0]
                }
            })
        })
        .collect()
}

/// ln Z by the double sum over (v, h) of e^{-E(v,h)}; discrete units only, ≤ ~16 units.
pub fn brute_force_log_z<V: UnitKind, H: UnitKind>(rbm: &Rbm<V, H, f64>) -> f64 {
    let vs = all_states(rbm.n_visible(), rbm.visible().discrete_states().unwrap());
    let hs = all_states(rbm.n_hidden(), rbm.hidden().discrete_states().unwrap());
    let mut terms = Vec::new();
    for v in &vs {
        for h in &hs {
            terms.push(-rbm.energy(v.as_view(), h.as_view()).unwrap());
        }
    }
    let m = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln()
}

/// Brute-force moments ⟨v⟩, ⟨h⟩, ⟨v hᵀ⟩ by the double sum.
pub fn brute_force_moments<V: UnitKind, H: UnitKind>(
    rbm: &Rbm<V, H, f64>,
) -> (DVector<f64>, DVector<f64>, DMatrix<f64>) {
    let log_z = brute_force_log_z(rbm);
    let vs = all_states(rbm.n_visible(), rbm.visible().discrete_states().unwrap());
    let hs = all_states(rbm.n_hidden(), rbm.hidden().discrete_states().unwrap());
    let mut mv = DVector::zeros(rbm.n_visible());
    let mut mh = DVector::zeros(rbm.n_hidden());
    let mut c = DMatrix::zeros(rbm.n_visible(), rbm.n_hidden());
    for v in &vs {
        for h in &hs {
            let p = (-rbm.energy(v.as_view(), h.as_view()).unwrap() - log_z).exp();
            mv += v * p;
            mh += h * p;
            c += v * h.transpose() * p;
        }
    }
    (mv, mh, c)
}

pub fn _unused() -> Ising {
    Ising
}

/// Prints a line that the test harness does not capture (written straight to stderr), so that a
/// skipped data-dependent check is visible in a plain `cargo test` run.
#[macro_export]
macro_rules! skipped {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
