//! `rbmdyn bench-meanfield` and its library function `studies::bench_meanfield`: rows for every
//! solver × size × coupling, errors against enumeration, slope summary, files written.

// Tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![allow(clippy::float_cmp)]

use rbmdyn::mean_field::{Magnetizations, Order};
use rbmdyn::sampling::exact::log_partition_exact;
use rbmdyn::studies::bench_meanfield::{
    log_log_slope, model_seed, random_model, render_markdown, run_solver, BenchSettings,
    MeanFieldBench, SolverChoice, ORDERS, SOLVERS,
};
use std::process::Command;

/// Recomputing one row by the same deterministic code path: only round-off of the sums.
const RECOMPUTE_TOL: f64 = 1e-12;
/// A slope printed with the summary is the same least-squares fit: round-off only.
const SLOPE_TOL: f64 = 1e-12;

fn quick() -> BenchSettings {
    BenchSettings {
        quick: true,
        ..BenchSettings::default()
    }
}

#[test]
fn quick_settings_give_a_row_per_solver_size_and_coupling() {
    let settings = quick();
    let bench = MeanFieldBench::new(settings.clone()).unwrap();
    let report = bench.run(&[], &mut |_| {}).unwrap();
    let small: Vec<(usize, usize)> = settings
        .sizes
        .iter()
        .copied()
        .filter(|&s| bench.is_exact(s))
        .collect();
    assert_eq!(
        small,
        vec![(10, 8), (20, 12)],
        "quick keeps the enumerable sizes"
    );
    assert_eq!(
        report.rows.len(),
        small.len() * settings.couplings.len() * ORDERS.len() * SOLVERS.len()
    );
    assert_eq!(
        report.references.len(),
        small.len() * settings.couplings.len()
    );
    for &(nv, nh) in &small {
        for &g in &settings.couplings {
            for order in ORDERS {
                for solver in SOLVERS {
                    let n = report
                        .rows
                        .iter()
                        .filter(|r| {
                            (r.n_visible, r.n_hidden) == (nv, nh)
                                && r.coupling == g
                                && r.order == order.name()
                                && r.solver == solver.name()
                        })
                        .count();
                    assert_eq!(n, 1, "{nv}x{nh} g={g} {} {}", order.name(), solver.name());
                }
            }
        }
    }
    for r in &report.rows {
        assert_eq!(r.reference, "exact");
        assert_eq!(r.starts, 1);
        assert!(r.reference_std_error.is_none());
        assert!((r.error - (r.reference_log_z - r.log_z)).abs() == 0.0);
        assert_eq!(r.abs_error, r.error.abs());
        // weights std g/√Nv by construction; the sample std of n normals has relative
        // standard error ≈ 1/√(2n): 4 of them
        let nominal = r.coupling / (r.n_visible as f64).sqrt();
        let n = (r.n_visible * r.n_hidden) as f64;
        let tol = 4.0 / (2.0 * n).sqrt();
        assert!((r.weight_std / nominal - 1.0).abs() < tol, "{r:?}");
        if r.order == "naive" && r.converged == r.starts {
            // −F_1 ≤ ln Z (variational bound)
            assert!(r.error > 0.0, "naive MF above ln Z: {r:?}");
        }
    }
    let md = render_markdown(&report);
    assert!(md.contains("## Error exponents"));
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| random |")).count(),
        report.rows.len() + report.references.len()
    );
}

#[test]
fn one_row_matches_enumeration_and_a_direct_solve() {
    let settings = quick();
    let report = MeanFieldBench::new(settings.clone())
        .unwrap()
        .run(&[], &mut |_| {})
        .unwrap();
    let row = report
        .rows
        .iter()
        .find(|r| {
            (r.n_visible, r.n_hidden) == (20, 12)
                && r.coupling == 1.0
                && r.order == "tap2"
                && r.solver == "sequential"
        })
        .unwrap();
    let seed = model_seed(settings.seed, (20, 12));
    assert_eq!(row.model_seed, Some(seed));
    let rbm = random_model((20, 12), 1.0, settings.bias_std, seed).unwrap();
    let exact = log_partition_exact(&rbm).unwrap();
    assert!((row.reference_log_z - exact).abs() <= RECOMPUTE_TOL * exact.abs());
    let start = Magnetizations::neutral(&rbm, 1).unwrap();
    let sol = run_solver(
        SolverChoice::Sequential,
        Order::Tap2,
        &settings,
        &rbm,
        &start,
    )
    .unwrap();
    assert!(sol.all_converged());
    let estimate = -sol.free_energy[0];
    assert!((row.log_z - estimate).abs() <= RECOMPUTE_TOL * exact.abs());
    assert!((row.error - (exact - estimate)).abs() <= RECOMPUTE_TOL * exact.abs());
    assert_eq!(row.converged, 1);
    assert_eq!(row.iterations, sol.max_iterations());
}

#[test]
fn slope_summary_matches_a_direct_fit() {
    let settings = quick();
    let report = MeanFieldBench::new(settings.clone())
        .unwrap()
        .run(&[], &mut |_| {})
        .unwrap();
    assert_eq!(report.slopes.len(), 2 * ORDERS.len() * SOLVERS.len());
    for s in &report.slopes {
        let (x, y): (Vec<f64>, Vec<f64>) = report
            .rows
            .iter()
            .filter(|r| {
                (r.n_visible, r.n_hidden) == (s.n_visible, s.n_hidden)
                    && r.order == s.order
                    && r.solver == s.solver
                    && r.coupling <= settings.fit_max_coupling
                    && r.converged == r.starts
            })
            .map(|r| (r.coupling.ln(), r.abs_error.ln()))
            .unzip();
        assert_eq!(x.len(), s.couplings.len());
        assert!(x.len() >= 2, "{s:?}");
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
        let direct = sxy / sxx;
        let slope = s.slope.unwrap();
        assert_eq!(s.local_slopes.len(), x.len() - 1);
        for (k, local) in s.local_slopes.iter().enumerate() {
            let pair = (y[k + 1] - y[k]) / (x[k + 1] - x[k]);
            assert!((local - pair).abs() <= SLOPE_TOL * pair.abs(), "{s:?}");
        }
        assert!(s
            .errors
            .iter()
            .zip(&s.abs_errors)
            .all(|(e, a)| e.abs() == *a));
        assert!(
            (slope - direct).abs() <= SLOPE_TOL * direct.abs(),
            "{s:?} vs {direct}"
        );
    }
    // The fit itself on an exact power law.
    let x = [0.1, 0.2, 0.4, 0.8];
    let y: Vec<f64> = x.iter().map(|g: &f64| -3.0 * g.powi(4)).collect();
    assert!((log_log_slope(&x, &y).unwrap() - 4.0).abs() < SLOPE_TOL);
    assert!(log_log_slope(&[0.5], &[1.0]).is_none());
}

#[test]
fn bad_settings_name_the_parameter() {
    let cases: Vec<(BenchSettings, &str)> = vec![
        (
            BenchSettings {
                sizes: vec![],
                ..quick()
            },
            "sizes",
        ),
        (
            BenchSettings {
                couplings: vec![0.5, -1.0],
                ..quick()
            },
            "couplings",
        ),
        (
            BenchSettings {
                damping: 1.0,
                ..quick()
            },
            "damping",
        ),
        (
            BenchSettings {
                ais_schedule: "linear:3".into(),
                ..quick()
            },
            "ais_schedule",
        ),
        (
            BenchSettings {
                ais_runs: 1,
                ..quick()
            },
            "ais_runs",
        ),
        (
            BenchSettings {
                lbfgs_tolerance: 0.0,
                ..quick()
            },
            "lbfgs_tolerance",
        ),
    ];
    for (settings, name) in cases {
        let err = MeanFieldBench::new(settings).unwrap_err().to_string();
        assert!(err.contains(&format!("`{name}`")), "{err}");
    }
}

#[test]
fn cli_writes_markdown_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bench");
    let o = Command::new(env!("CARGO_BIN_EXE_rbmdyn"))
        .args([
            "bench-meanfield",
            "--quick",
            "--couplings",
            "0.25,0.5,1",
            "--starts",
            "2",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(out.join("bench-meanfield.md")).unwrap();
    assert!(stdout.contains(md.trim()), "the Markdown is printed");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("bench-meanfield.json")).unwrap())
            .unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2 * 3 * ORDERS.len() * SOLVERS.len());
    assert!(rows.iter().all(|r| r["starts"] == 3));
    assert!(rows.iter().all(|r| r["abs_error"].as_f64().is_some()));
    assert_eq!(json["slopes"].as_array().unwrap().len(), 18);
    assert_eq!(json["settings"]["couplings"][2], 1.0);
    // a bad flag names itself
    let bad = Command::new(env!("CARGO_BIN_EXE_rbmdyn"))
        .args(["bench-meanfield", "--quick", "--sizes", "10by8", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--sizes"));
}
