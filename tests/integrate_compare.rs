//! End-to-end tests of `rbmdyn integrate … --compare RUN_DIR`: the linear-svd overlay of a
//! {0,1} run (its W(0) is the run's), the cw-gaussian overlay of a one-hidden-unit run, and the
//! error messages naming the file or parameter at fault.

use std::path::Path;

mod common;
use common::{rbmdyn, text};

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The same matrix W(0) gives the same singular values up to round-off.
const SAME_W0_TOL: f64 = 1e-9;

const PLANTED: &str = "planted:32:2000:5:0.6,0.3";

fn train_planted(dir: &Path) -> std::path::PathBuf {
    let cfg = dir.join("planted.toml");
    std::fs::write(
        &cfg,
        format!(
            "seed = 11\n[data]\ndataset = \"{PLANTED}\"\n[model]\nhidden = 8\n\
             [optimiser]\nlearning_rate = 0.05\nepochs = 3\nbatch_size = 50\n\
             [estimator]\nkind = \"pcd\"\nchains = 20\n[checkpoints]\nper_decade = 0\n\
             [spectrum]\nper_decade = 20\nvectors = 2\n"
        ),
    )
    .unwrap();
    let run = dir.join("run-planted");
    let o = rbmdyn(
        &[
            "train",
            "--config",
            cfg.to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
        ],
        dir,
    );
    assert!(o.status.success(), "{}", text(&o));
    run
}

#[test]
fn linear_svd_overlays_a_run_from_its_own_initial_weights() {
    let dir = tempfile::tempdir().unwrap();
    let run = train_planted(dir.path());
    let out = dir.path().join("int");
    let o = rbmdyn(
        &[
            "integrate",
            "linear-svd",
            "--compare",
            run.to_str().unwrap(),
            "--modes",
            "4",
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    for f in ["trajectory.csv", "trajectory.json", "trajectory.png"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let j = json(&out.join("trajectory.json"));
    let c = &j["compare"]["comparison"];
    let training = c["training"].as_array().unwrap();
    let linear = c["linear"].as_array().unwrap();
    let saves = std::fs::read_to_string(run.join("spectrum/singular_values.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(training.len(), saves);
    assert_eq!(linear.len(), saves);
    assert_eq!(training[0].as_array().unwrap().len(), 4);
    // step 0: the prediction starts from the run's own W(0)
    assert_eq!(c["steps"][0].as_u64(), Some(0));
    for a in 0..4 {
        let (t, l) = (
            training[0][a].as_f64().unwrap(),
            linear[0][a].as_f64().unwrap(),
        );
        assert!((t - l).abs() <= SAME_W0_TOL * t, "σ{a}: {t} vs {l}");
    }
    assert!(c["w0_mismatch"].as_f64().unwrap() <= SAME_W0_TOL);

    // without --compare, the same seed and size draw the same W(0)
    let out2 = dir.path().join("int2");
    let o = rbmdyn(
        &[
            "integrate",
            "linear-svd",
            "--dataset",
            PLANTED,
            "--hidden",
            "8",
            "--seed",
            "11",
            "--t-end",
            "3",
            "--points",
            "4",
            "--modes",
            "4",
            "--out",
            out2.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let j2 = json(&out2.join("trajectory.json"));
    let s0 = j2["trajectory"]["states"][0].as_array().unwrap();
    for a in 0..4 {
        let (t, l) = (training[0][a].as_f64().unwrap(), s0[a].as_f64().unwrap());
        assert!((t - l).abs() <= SAME_W0_TOL * t, "σ{a}: {t} vs {l}");
    }
    assert!(j2["theory"]["rate_1"].as_f64().unwrap() > 0.0);

    // a run whose configuration no longer matches its records is refused, naming the record
    let cfg = run.join("config.toml");
    let edited = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("seed = 11", "seed = 12");
    std::fs::write(&cfg, edited).unwrap();
    let o = rbmdyn(
        &[
            "integrate",
            "linear-svd",
            "--compare",
            run.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("step-000000000.npz"), "{}", text(&o));
}

#[test]
fn bad_integrate_input_names_the_file_or_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let missing = dir.path().join("no-such-run");
    let cases: [(Vec<&str>, &str); 6] = [
        (
            vec!["linear-svd", "--compare", missing.to_str().unwrap()],
            "config.toml",
        ),
        (vec!["linear-svd"], "--dataset"),
        (
            vec!["two-patterns", "--compare", missing.to_str().unwrap()],
            "--compare",
        ),
        (vec!["linear-svd", "--modez", "3"], "--modez"),
        (
            vec!["linear-svd", "--modes", "0", "--dataset", PLANTED],
            "--modes",
        ),
        (vec!["cw-gaussian", "--dataset", PLANTED], "--dataset"),
    ];
    for (args, needle) in cases {
        let mut all = vec!["integrate"];
        all.extend(args.iter().copied());
        all.extend(["--out", out.to_str().unwrap()]);
        let o = rbmdyn(&all, dir.path());
        assert!(!o.status.success(), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(needle), "{args:?}: {}", text(&o));
    }
}

#[test]
fn cw_gaussian_overlays_a_one_hidden_unit_run() {
    let dir = tempfile::tempdir().unwrap();
    // ±1 data of 8 units aligned with one pattern (a ferromagnetic-like teacher)
    let mut s = String::new();
    let mut state = 7u64;
    for _ in 0..400 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let flip_all = (state >> 40) & 1 == 1;
        for c in 0..8 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = (state >> 33).is_multiple_of(5);
            let bit = flip_all ^ noise;
            s.push_str(if bit { "1" } else { "0" });
            s.push(if c == 7 { '\n' } else { ' ' });
        }
    }
    let data = dir.path().join("cw.txt");
    std::fs::write(&data, s).unwrap();
    let cfg = dir.path().join("cw.toml");
    std::fs::write(
        &cfg,
        format!(
            "seed = 3\nprecision = \"f64\"\n[data]\ndataset = \"file:{}\"\n\
             [model]\nvisible_type = \"ising\"\nhidden_type = \"gaussian\"\nhidden = 1\n\
             weight_std = 0.0035\nvisible_bias_init = \"zero\"\n[estimator]\nkind = \"exact\"\n\
             [optimiser]\nbatch_size = 400\nlearning_rate = 0.005\nepochs = 100\n\
             train_biases = false\n[checkpoints]\nper_decade = 0\n\
             [spectrum]\nper_decade = 20\nvectors = 1\n",
            data.display()
        ),
    )
    .unwrap();
    let run = dir.path().join("run-cw");
    let o = rbmdyn(
        &[
            "train",
            "--config",
            cfg.to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = dir.path().join("int-cw");
    let args = |n: &'static str| {
        vec![
            "integrate".to_string(),
            "cw-gaussian".into(),
            "--compare".into(),
            run.to_str().unwrap().into(),
            "--n".into(),
            n.into(),
            "--t-end".into(),
            "4".into(),
            "--out".into(),
            out.to_str().unwrap().into(),
        ]
    };
    let run_cli = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        rbmdyn(&refs, dir.path())
    };
    let o = run_cli(args("8"));
    assert!(o.status.success(), "{}", text(&o));
    let j = json(&out.join("trajectory.json"));
    let c = &j["compare"];
    assert_eq!(c["n_visible"].as_u64(), Some(8));
    let tr = c["training"].as_array().unwrap();
    let ode = c["ode"].as_array().unwrap();
    assert_eq!(tr.len(), ode.len());
    assert!(tr.len() > 10);
    // the ODE starts from the run's ‖w(0)‖/√N
    assert_eq!(j["theory"]["w0_from_run"], tr[0]);
    assert!((ode[0].as_f64().unwrap() - tr[0].as_f64().unwrap()).abs() < 1e-12);
    assert!(out.join("trajectory.png").exists());
    // N must match the run's
    let o = run_cli(args("9"));
    assert!(!o.status.success());
    assert!(text(&o).contains("`--n` = 9"), "{}", text(&o));
    // and linear-svd refuses a ±1 run
    let o = rbmdyn(
        &[
            "integrate",
            "linear-svd",
            "--compare",
            run.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("{0,1}"), "{}", text(&o));
}
