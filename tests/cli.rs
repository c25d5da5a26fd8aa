//! End-to-end tests of the `rbmdyn` binary: train (and bit-identical resume), sample, logz,
//! validate, and the error messages of bad input.

// Tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![allow(clippy::float_cmp)]

use rbmdyn::io::load_model;
use rbmdyn::sampling::exact::log_partition_exact;
use std::path::Path;

mod common;
use common::{rbmdyn, text};

/// A 0/1 text dataset of 200 rows × 12 columns with two prototypes and 10 % noise.
fn write_dataset(path: &Path) {
    let mut s = String::new();
    let mut state = 12345u64;
    for r in 0..200 {
        for c in 0..12 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = (state >> 33).is_multiple_of(10);
            let proto = (c < 6) == (r % 2 == 0);
            let bit = proto ^ noise;
            s.push_str(if bit { "1" } else { "0" });
            s.push(if c == 11 { '\n' } else { ' ' });
        }
    }
    std::fs::write(path, s).unwrap();
}

fn train_args<'a>(data: &'a str, out: &'a str, epochs: &'a str) -> Vec<&'a str> {
    vec![
        "train",
        "--dataset",
        data,
        "--hidden",
        "5",
        "--batch-size",
        "20",
        "--learning-rate",
        "0.05",
        "--gibbs-steps",
        "3",
        "--chains",
        "10",
        "--epochs",
        epochs,
        "--seed",
        "42",
        "--out",
        out,
        "--precision",
        "f32",
        "--quiet",
    ]
}

#[test]
fn train_writes_a_run_directory_and_resume_is_bit_identical() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.txt");
    write_dataset(&data);
    let spec = format!("file:{}", data.display());
    let o = rbmdyn(&train_args(&spec, "full", "4"), dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let full = dir.path().join("full");
    for f in ["config.toml", "metrics.csv", "checkpoint.npz", "model.npz"] {
        assert!(full.join(f).exists(), "{f} missing");
    }
    assert!(full.join("checkpoints").read_dir().unwrap().count() > 3);
    let metrics = std::fs::read_to_string(full.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 5, "{metrics}");
    // 12 visible units: the exact log-likelihood is logged every epoch.
    assert!(metrics
        .lines()
        .nth(4)
        .unwrap()
        .split(',')
        .nth(4)
        .unwrap()
        .parse::<f64>()
        .is_ok());

    // Two epochs, then resume to four.
    let o = rbmdyn(&train_args(&spec, "part", "2"), dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let o = rbmdyn(
        &[
            "train", "--out", "part", "--resume", "--epochs", "4", "--quiet",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let a = load_model(&full.join("model.npz")).unwrap();
    let b = load_model(&dir.path().join("part/model.npz")).unwrap();
    assert_eq!(a, b, "resumed run differs from the uninterrupted one");
    let m2 = std::fs::read_to_string(dir.path().join("part/metrics.csv")).unwrap();
    assert_eq!(m2.lines().count(), 5, "{m2}");
    // the spectrum records of the resumed run equal those of the uninterrupted one
    let spectra = |run: &str| -> Vec<rbmdyn::training::SpectrumRecord> {
        rbmdyn::training::spectrum_tracker::read_singular_values(
            &dir.path().join(run).join("spectrum/singular_values.csv"),
        )
        .unwrap()
        .into_iter()
        .map(|mut r| {
            r.svd_seconds = 0.0;
            r
        })
        .collect()
    };
    let (sa, sb) = (spectra("full"), spectra("part"));
    assert!(sa.len() > 5 && sa[0].step == 0, "{sa:?}");
    assert_eq!(sa, sb);

    // A second train into the same directory without --resume is refused.
    let o = rbmdyn(&train_args(&spec, "full", "4"), dir.path());
    assert!(!o.status.success());
    assert!(text(&o).contains("--resume"), "{}", text(&o));
}

#[test]
fn spectrum_command_analyses_a_run_and_a_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.txt");
    write_dataset(&data);
    let spec = format!("file:{}", data.display());
    let mut args = train_args(&spec, "run", "6");
    let h = args.iter().position(|&a| a == "--hidden").unwrap();
    args[h + 1] = "8";
    args.extend(["--spectrum-per-decade", "20"]);
    let o = rbmdyn(&args, dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let o = rbmdyn(&["spectrum", "run", "--out", "spec"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("spec/spectrum.json")).unwrap(),
    )
    .unwrap();
    let saves = rbmdyn::training::spectrum_tracker::read_singular_values(
        &dir.path().join("run/spectrum/singular_values.csv"),
    )
    .unwrap();
    assert_eq!(json["points"].as_array().unwrap().len(), saves.len());
    assert_eq!(json["alignment"].as_array().unwrap().len(), saves.len());
    assert!(json["data_skipped"].is_null(), "{json}");
    for f in json["figures"].as_array().unwrap() {
        assert!(
            dir.path().join("spec").join(f.as_str().unwrap()).exists(),
            "{f}"
        );
    }
    assert!(dir.path().join("spec/rank-plot.png").exists());
    assert!(dir.path().join("spec/overlap-heatmap.png").exists());
    // a model file alone: no data unless --dataset is given, and it says so
    let o = rbmdyn(&["spectrum", "run/model.npz", "--out", "one"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("skipped"), "{}", text(&o));
    let o = rbmdyn(
        &[
            "spectrum",
            "run/model.npz",
            "--out",
            "two",
            "--dataset",
            &spec,
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let two: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("two/spectrum.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(two["points"].as_array().unwrap().len(), 1);
    // the single model's spectrum is the run's last save
    let last = saves.last().unwrap();
    let top = two["points"][0]["top"][0].as_f64().unwrap();
    assert!((top - last.singular_values[0]).abs() < 1e-12 * top, "{top}");
    // a run trained without spectrum tracking is named at fault
    let o = rbmdyn(&["spectrum", "missing-run", "--out", "x"], dir.path());
    assert!(!o.status.success());
}

#[test]
fn resume_reports_a_malformed_table_line_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.txt");
    write_dataset(&data);
    let spec = format!("file:{}", data.display());
    let o = rbmdyn(&train_args(&spec, "part", "2"), dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let run = rbmdyn::run::RunDir::new(dir.path().join("part"));
    // the configuration is stored once, in config.toml, not in the checkpoints
    let c = rbmdyn::run::load_checkpoint::<f32>(&run.checkpoint()).unwrap();
    assert!(c.metadata.get("config").is_none(), "{}", c.metadata);
    let metrics = std::fs::read_to_string(run.metrics_csv()).unwrap();
    let mut lines: Vec<String> = metrics.lines().map(String::from).collect();
    assert_eq!(lines.len(), 3, "{metrics}");
    // line 3 (epoch 2): a reconstruction error that is not a number
    let mut fields: Vec<&str> = lines[2].split(',').collect();
    fields[3] = "oops";
    lines[2] = fields.join(",");
    std::fs::write(run.metrics_csv(), lines.join("\n") + "\n").unwrap();
    let o = rbmdyn(
        &[
            "train", "--out", "part", "--resume", "--epochs", "3", "--quiet",
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    let message = text(&o);
    assert!(
        message.contains("metrics.csv") && message.contains("line 3"),
        "{message}"
    );
}

#[test]
fn emf_training_resumes_bit_identically() {
    // the persistent magnetisations travel in the checkpoint as the estimator's chains
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.txt");
    write_dataset(&data);
    let spec = format!("file:{}", data.display());
    let with_emf = |out: &'static str, epochs: &'static str| {
        let mut args = train_args(&spec, out, epochs);
        args.extend_from_slice(&["--estimator", "emf", "--emf-order", "tap3"]);
        args.iter().map(|s| s.to_string()).collect::<Vec<String>>()
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = rbmdyn(&refs, dir.path());
        assert!(o.status.success(), "{}", text(&o));
    };
    run(with_emf("full", "4"));
    run(with_emf("part", "2"));
    run([
        "train", "--out", "part", "--resume", "--epochs", "4", "--quiet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect());
    let a = load_model(&dir.path().join("full/model.npz")).unwrap();
    let b = load_model(&dir.path().join("part/model.npz")).unwrap();
    assert_eq!(a, b, "resumed EMF run differs from the uninterrupted one");
    let config = std::fs::read_to_string(dir.path().join("full/config.toml")).unwrap();
    assert!(
        config.contains("[estimator]\nkind = \"emf\"") && config.contains("order = \"tap3\""),
        "{config}"
    );
}

#[test]
fn logz_prints_json_matching_the_library_and_sample_writes_a_png() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.txt");
    write_dataset(&data);
    let spec = format!("file:{}", data.display());
    let o = rbmdyn(&train_args(&spec, "run", "1"), dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let model = dir.path().join("run/model.npz");
    let o = rbmdyn(
        &[
            "logz",
            "--model",
            model.to_str().unwrap(),
            "--method",
            "exact",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let expected = log_partition_exact(&load_model(&model).unwrap()).unwrap();
    // JSON prints f64 with shortest round-trip digits: exact equality.
    assert_eq!(v["log_z"].as_f64().unwrap(), expected);

    // every other method on the same model: AIS within 4 standard errors of exact, each
    // bound on its side of exact up to 4 SE, mean field with its convergence record
    let logz = |method: &str, extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "logz",
            "--model",
            model.to_str().unwrap(),
            "--method",
            method,
        ];
        args.extend_from_slice(extra);
        let o = rbmdyn(&args, dir.path());
        assert!(o.status.success(), "{method}: {}", text(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let ais_args = [
        "--schedule",
        "uniform:300",
        "--runs",
        "2000",
        "--seed",
        "3",
        "--dataset",
        spec.as_str(),
    ];
    for method in ["ais", "reverse-ais"] {
        let v = logz(method, &ais_args);
        let (est, se) = (
            v["log_z"].as_f64().unwrap(),
            v["std_error"].as_f64().unwrap(),
        );
        assert!(
            (est - expected).abs() < 4.0 * se + 1e-9,
            "{method}: {est} ± {se} vs {expected}"
        );
        assert_eq!(v["steps"].as_u64(), Some(300));
        assert_eq!(v["runs"].as_u64(), Some(2000));
    }
    for method in ["naive", "tap2", "tap3"] {
        let v = logz(method, &[]);
        assert!(v["log_z"].as_f64().unwrap().is_finite(), "{method}: {v}");
        assert!(
            v["iterations"].as_u64().is_some() && v["converged"].is_boolean(),
            "{v}"
        );
        assert!(v["residual"].as_f64().unwrap() >= 0.0);
    }
    let naive = logz("naive", &[])["log_z"].as_f64().unwrap();
    if logz("naive", &[])["converged"].as_bool() == Some(true) {
        assert!(
            naive <= expected + 1e-9,
            "naive MF is a lower bound: {naive} > {expected}"
        );
    }

    let o = rbmdyn(
        &[
            "sample",
            "--model",
            model.to_str().unwrap(),
            "--n",
            "12",
            "--sweeps",
            "20",
            "--image-shape",
            "3x4",
            "--out",
            "s.png",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let png = std::fs::read(dir.path().join("s.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let o = rbmdyn(
        &[
            "sample",
            "--model",
            model.to_str().unwrap(),
            "--image-shape",
            "5x5",
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("--image-shape"), "{}", text(&o));
}

#[test]
fn validate_one_case_writes_report_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let o = rbmdyn(
        &[
            "validate",
            "--case",
            "exact-gradient-fd",
            "--out",
            "rep",
            "--quiet",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("rep/summary.json")).unwrap(),
    )
    .unwrap();
    let case = &summary[0];
    for key in [
        "id",
        "source",
        "statement",
        "theory",
        "measured",
        "tolerance",
        "verdict",
    ] {
        assert!(case.get(key).is_some(), "summary lacks {key}: {summary}");
    }
    assert_eq!(case["verdict"], "pass");
    assert!(std::fs::read_to_string(dir.path().join("rep/report.md"))
        .unwrap()
        .contains("exact-gradient-fd"));
    let o = rbmdyn(&["validate", "--case", "no-such-case"], dir.path());
    assert!(!o.status.success());
    assert!(text(&o).contains("gibbs-chi2-exact"), "{}", text(&o));
}

#[test]
fn bad_configuration_names_the_key_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        "[model]\nhidden = 10\n[optimiser]\nlearnig_rate = 0.1\n",
    )
    .unwrap();
    let o = rbmdyn(&["train", "--config", "c.toml"], dir.path());
    assert!(!o.status.success());
    let t = text(&o);
    // the file, the key, and where it is (line 4, column 1)
    assert!(t.contains("c.toml") && t.contains("learnig_rate"), "{t}");
    assert!(t.contains("line 4") && t.contains("column 1"), "{t}");
    let o = rbmdyn(&["train", "--learning-rate=-1", "--quiet"], dir.path());
    assert!(text(&o).contains("--learning-rate"), "{}", text(&o));
    let o = rbmdyn(&["train", "--dataset", "cifar", "--quiet"], dir.path());
    assert!(
        text(&o).contains("cifar") && text(&o).contains("mnist"),
        "{}",
        text(&o)
    );
    let o = rbmdyn(&["logz", "--model", "missing.npz"], dir.path());
    assert!(!o.status.success());
    assert!(text(&o).contains("missing.npz"), "{}", text(&o));
}
