//! End-to-end tests of `rbmdyn scale`: a tiny sweep runs, writes one JSON per point, a merged
//! table, summary and figures; a second run skips every finished point; a lost point is redone
//! with the same numbers; bad configurations name the parameter at fault.

use std::path::Path;

mod common;
use common::{rbmdyn, text};

/// Two sizes (exact enumeration of the visible layer, Nv ≤ 16), two seeds, both families, short
/// runs: seconds.
const TINY: &str = r#"
beta = 1.5
sizes = [10, 14]
seeds = 2
seed_base = 7
samples = 500
jobs = 2

[[families]]
name = "gaussian"
hidden_type = "gaussian"
batch_size = 100
dt = 0.05
t_end = 12.0
band_scaling = "sqrt-n"

[families.equilibrium]
per_decade = 5
control_min = -3.0
control_max = 6.0
control_step = 0.5
chains = 4
sweeps = 200
max_sweeps = 800

[[families]]
name = "ising"
hidden_type = "ising"
batch_size = 100
dt = 0.1
t_end = 5.0
t_end_sqrt_n = 3.0
band_scaling = "none"

[families.equilibrium]
per_decade = 5
control_min = 0.25
control_max = 9.0
control_step = 1.0
chains = 4
sweeps = 200
max_sweeps = 800
"#;

fn records(path: &Path) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("point file")).expect("json");
    v["records"].clone()
}

#[test]
fn sweep_runs_resumes_and_redoes_lost_points() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("sweep.toml");
    std::fs::write(&cfg, TINY).unwrap();
    let out = dir.path().join("out");
    let args = ["scale", "--config", "sweep.toml", "--out", "out"];
    let o = rbmdyn(&args, dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let points: Vec<_> = std::fs::read_dir(out.join("points"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(points.len(), 8, "2 families × 2 sizes × 2 seeds");
    let table = std::fs::read_to_string(out.join("table.csv")).unwrap();
    let rows: usize = points
        .iter()
        .map(|p| records(p).as_array().map_or(0, |a| a.len()))
        .sum();
    assert_eq!(
        table.lines().count(),
        rows + 1,
        "one row per measurement plus the header"
    );
    assert!(
        table.starts_with("family,n,seed,time,step,learning_time,singular_value,control,chi,"),
        "{}",
        table.lines().next().unwrap_or_default()
    );
    // every point has step 0 and measurements across the control window
    for p in &points {
        let r = records(p);
        let r = r.as_array().unwrap();
        assert_eq!(r[0]["step"], 0, "{}", p.display());
        assert!(r.len() >= 8, "{}: {} measurements", p.display(), r.len());
    }
    assert!(out.join("summary.json").exists());
    for f in [
        "gaussian-chi-connected-vs-g.png",
        "ising-chi-connected-vs-g.png",
    ] {
        assert!(out.join("figures").join(f).exists(), "{f}");
    }
    // a second run skips everything and reproduces the table
    let o2 = rbmdyn(&args, dir.path());
    assert!(o2.status.success(), "{}", text(&o2));
    assert!(
        String::from_utf8_lossy(&o2.stderr).contains("8 of 8 points already finished"),
        "{}",
        text(&o2)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("table.csv")).unwrap(),
        table
    );
    // a lost point is redone, with the same numbers (same seed)
    let lost = out.join("points").join("gaussian-n14-s8.json");
    let before = records(&lost);
    std::fs::remove_file(&lost).unwrap();
    let o3 = rbmdyn(&args, dir.path());
    assert!(o3.status.success(), "{}", text(&o3));
    let stderr = String::from_utf8_lossy(&o3.stderr);
    assert!(
        stderr.contains("7 of 8 points already finished"),
        "{}",
        text(&o3)
    );
    assert!(stderr.contains("gaussian-n14-s8 done"), "{}", text(&o3));
    assert_eq!(records(&lost), before);
}

#[test]
fn bad_sweep_configurations_name_the_fault() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (TINY.replace("sizes = [10, 14]", "sizes = []"), "sizes"),
        (
            TINY.replace("hidden_type = \"ising\"", "hidden_type = \"potts\""),
            "hidden_type",
        ),
        (
            TINY.replace("beta = 1.5", "beta = 1.5\ntemperature = 2"),
            "sweep.toml",
        ),
        (
            TINY.replace("control_max = 9.0", "control_max = 0.1"),
            "control_max",
        ),
    ];
    for (text_in, needle) in cases {
        std::fs::write(dir.path().join("sweep.toml"), &text_in).unwrap();
        let o = rbmdyn(
            &["scale", "--config", "sweep.toml", "--out", "out"],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(needle),
            "expected '{needle}' in: {}",
            text(&o)
        );
    }
}
