//! `notes/adding-a-toy-model.md` walks through the real `single-spin` model: every Rust block of
//! the note must appear verbatim in the model file or in the registry, and the model run through
//! the command line must match its closed form.

use std::path::Path;

mod common;
use common::{rbmdyn, text};

/// Global error of the default Dormand–Prince tolerances (rtol 1e-10, atol 1e-12) over a few
/// dozen steps of a decaying exponential, with a wide margin.
const ODE_TOL: f64 = 1e-8;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bodies of the note's ```rust blocks.
fn rust_blocks(note: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = note;
    while let Some(start) = rest.find("```rust\n") {
        let body = &rest[start + "```rust\n".len()..];
        let end = body.find("```").expect("every ```rust block is closed");
        blocks.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    blocks
}

#[test]
fn every_rust_block_of_the_note_is_in_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let note = read(&root.join("notes/adding-a-toy-model.md"));
    let model = read(&root.join("src/studies/integrate/models/single_spin.rs"));
    let registry = read(&root.join("src/studies/integrate/models/mod.rs"));
    let blocks = rust_blocks(&note);
    assert!(blocks.len() >= 4, "{} rust blocks", blocks.len());
    for block in &blocks {
        assert!(
            model.contains(block.as_str()) || registry.contains(block.as_str()),
            "this block of the note is neither in single_spin.rs nor in models/mod.rs:\n{block}"
        );
    }
    // the registration line is quoted from the registry
    assert!(blocks.iter().any(
        |b| b.trim() == "SingleSpin(single_spin::SingleSpin)," && registry.contains(b.as_str())
    ));
    // every source file the note names exists
    for word in note.split(['`', ' ', '\n', '(', ')', ',']) {
        if word.starts_with("src/")
            && std::path::Path::new(word)
                .extension()
                .is_some_and(|e| e == "rs")
            && !word.contains('<')
        {
            assert!(root.join(word).exists(), "the note names {word}");
        }
    }
}

#[test]
fn single_spin_through_the_cli_matches_the_closed_form() {
    let dir = tempfile::tempdir().unwrap();
    // (unit, β, h, m(0), m_eq): tanh(βh) for ±1, 1/(1 + exp(−βh)) for {0,1}
    let cases = [
        ("ising", "1", "0.5", "-0.8", 0.5_f64.tanh()),
        ("binary", "2", "-0.75", "1", 1.0 / (1.0 + 1.5_f64.exp())),
    ];
    for (unit, beta, h, m0, m_eq) in cases {
        let out = dir.path().join(unit);
        let o = rbmdyn(
            &[
                "integrate",
                "single-spin",
                "--unit",
                unit,
                "--beta",
                beta,
                "--h",
                h,
                "--m0",
                m0,
                "--t-end",
                "6",
                "--points",
                "13",
                "--out",
                out.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", text(&o));
        let j: serde_json::Value =
            serde_json::from_str(&read(&out.join("trajectory.json"))).unwrap();
        assert_eq!(j["model"], "single-spin");
        assert_eq!(j["parameters"]["unit"], unit);
        assert_eq!(j["parameters"]["points"], 13);
        let m_start: f64 = m0.parse().unwrap();
        assert!((j["theory"]["m_eq"].as_f64().unwrap() - m_eq).abs() < 1e-15);
        let times = j["trajectory"]["times"].as_array().unwrap();
        let states = j["trajectory"]["states"].as_array().unwrap();
        assert_eq!(times.len(), 13);
        for (t, y) in times.iter().zip(states) {
            let t = t.as_f64().unwrap();
            let exact = m_eq + (m_start - m_eq) * (-t).exp();
            let m = y[0].as_f64().unwrap();
            assert!(
                (m - exact).abs() < ODE_TOL,
                "{unit} t = {t}: {m} vs {exact}"
            );
        }
        let csv = read(&out.join("trajectory.csv"));
        assert!(csv.starts_with("t,m\n"), "{csv}");
        assert!(out.join("trajectory.png").exists());
    }
    // a shared option the model does not use is refused, naming the flag
    let o = rbmdyn(
        &[
            "integrate",
            "single-spin",
            "--dataset",
            "mnist",
            "--out",
            dir.path().join("x").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("--dataset"), "{}", text(&o));
}
