//! `rbmdyn integrate MODEL [model flags] [--dataset SPEC] [--data DIR] [--compare RUN_DIR]
//! --out DIR`: integrate a toy model and write its trajectory (`trajectory.csv`,
//! `trajectory.json`) and a plot (`trajectory.png`); with `--compare`, a training run is
//! overlaid on the plot and the overlay numbers go into `trajectory.json` (`compare`).
//!
//! Each model is one file in [`models`]: a parameter struct (typed clap flags with their
//! defaults and help, serialised into `trajectory.json` as `parameters`) and a [`ToyModel`]
//! implementation. [`models::ToyModels`], one subcommand per model, is the registry: one line
//! per model (`notes/adding-a-toy-model.md`). `rbmdyn integrate MODEL --help` lists a model's
//! flags.
//!
//! * `cw-gaussian` ([`models::cw_gaussian`]): one Gaussian hidden unit learning a
//!   Curie–Weiss teacher, the reduced ODE for $w$;
//! * `two-patterns` ([`models::two_patterns`]): the linear-regime student of the two-pattern
//!   teacher;
//! * `linear-svd` ([`models::linear_svd`]): the singular values of a {0,1} RBM's weights in the
//!   linear regime, alone or against a run ([`compare`]);
//! * `single-spin` ([`models::single_spin`]): Glauber relaxation of one unit in a field.

pub mod compare;
pub mod models;
mod output;
mod toy_model;

pub use models::ToyModels;
pub use output::{time_grid, IntegrateOptions, IntegrateSummary, LINEAR_REGIME_TOL};
pub use toy_model::{ode_summary, parameters_json, parse_model, write_ode_files, ToyModel};

#[cfg(test)]
mod tests {
    use super::models::{cw_gaussian::CwGaussian, two_patterns::TwoPatterns};
    use super::*;

    #[test]
    fn integrate_writes_files_and_matches_the_theory() {
        let dir = tempfile::tempdir().unwrap();
        let options = IntegrateOptions::default();
        let cw: CwGaussian = parse_model(&["--t-end", "10", "--points", "11"]).unwrap();
        let s = cw.integrate(&options, dir.path()).unwrap();
        // prediction 4 endpoint: √1.5 to 1e-5
        let last = s.trajectory.states.last().unwrap()[0];
        assert!((last - 1.224745).abs() < 1e-5);
        assert!((s.theory["time_to_w_1_large_n"] - 3.123739).abs() < 1e-6);
        for f in ["trajectory.csv", "trajectory.json", "trajectory.png"] {
            assert!(dir.path().join(f).exists(), "{f}");
        }
        assert_eq!(s.parameters["beta"], 1.5);
        assert_eq!(s.parameters["points"], 11);
        let tp: TwoPatterns = parse_model(&["--beta", "2.5"]).unwrap();
        let s = tp.integrate(&options, dir.path()).unwrap();
        assert!((s.theory["rate_eta1"] - 0.748329).abs() < 1e-6);
        let err = parse_model::<CwGaussian>(&["--betta", "2"]).unwrap_err();
        assert!(err.to_string().contains("betta"), "{err}");
        let err = parse_model::<CwGaussian>(&["--points", "2.5"]).unwrap_err();
        assert!(err.to_string().contains("--points"), "{err}");
    }

    #[test]
    fn bad_time_grids_name_the_flag() {
        assert!(time_grid(0.0, 11)
            .unwrap_err()
            .to_string()
            .contains("--t-end"));
        assert!(time_grid(1.0, 1)
            .unwrap_err()
            .to_string()
            .contains("--points"));
        assert_eq!(time_grid(2.0, 3).unwrap(), vec![0.0, 1.0, 2.0]);
    }
}
