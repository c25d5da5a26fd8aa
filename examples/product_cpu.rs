//! CPU time of the field products at 100×784×500 f32, sparse path against GEMM, on a machine
//! whose wall-clock figures are noisy: run single-threaded under `/usr/bin/time` and read the
//! user time (what other processes do changes it far less than the wall time).
//!
//! `cargo build --release --example product_cpu`, then e.g.
//! `RAYON_NUM_THREADS=1 /usr/bin/time -f %U target/release/examples/product_cpu sparse 0.13 2000 hidden`
//! (arguments: `sparse|gemm`, fraction of ones, repetitions, `hidden|visible`).

use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rbmdyn::rbm::{Fields, ProductWorkspace, Rbm};
use rbmdyn::training::train_rng;
use rbmdyn::units::Binary;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: product_cpu sparse|gemm DENSITY REPS [hidden|visible]");
        std::process::exit(2);
    }
    let path = args[1].as_str();
    let p: f64 = args[2].parse().expect("DENSITY is a number");
    let reps: usize = args[3].parse().expect("REPS is a whole number");
    let layer = args.get(4).map(|s| s.as_str()).unwrap_or("hidden");
    let mut rng = train_rng(2);
    let w = DMatrix::<f32>::from_fn(784, 500, |_, _| rng.random::<f32>() * 0.02);
    let rbm = Rbm::new(w, DVector::zeros(784), DVector::zeros(500), Binary, Binary)
        .expect("finite parameters");
    let v = DMatrix::<f32>::from_fn(100, 784, |_, _| (rng.random::<f64>() < p) as u8 as f32);
    let h = DMatrix::<f32>::from_fn(100, 500, |_, _| (rng.random::<f64>() < p) as u8 as f32);
    let mut ws = ProductWorkspace::new();
    let mut out = DMatrix::zeros(0, 0);
    let max_density = if path == "gemm" { -1.0 } else { 1.0 };
    let mut fields = Fields::with_max_density(&rbm, &mut ws, max_density);
    let t = std::time::Instant::now();
    for _ in 0..reps {
        if layer == "hidden" {
            fields.hidden_fields_into(v.as_view(), &mut out);
        } else {
            fields.visible_fields_into(h.as_view(), &mut out);
        }
    }
    println!(
        "{path} {p} {layer}: {:.1} µs wall per call",
        t.elapsed().as_secs_f64() * 1e6 / reps as f64
    );
}
