//! Studies: the commands and reports built on the physics modules. Each submodule is one
//! `rbmdyn` subcommand or one study (its numbers, figures and files); none of them holds
//! physics of its own, and no physics module imports them.
//!
//! * [`integrate`]: `rbmdyn integrate`, the analytic toy models integrated numerically, and
//!   `integrate linear-svd --compare DIR` against a training run ([`integrate::compare`]);
//! * [`spectrum`]: `rbmdyn spectrum`, the spectral analyses of a run as figures and JSON;
//! * [`sweep`]: `rbmdyn scale`, sweeps over sizes and seeds with finite-size scaling;
//! * [`bench_meanfield`]: `rbmdyn bench-meanfield`, mean-field solvers against exact values;
//! * [`precision`]: f32 against f64 training, paired exact log-likelihood curves.

pub mod bench_meanfield;
pub mod integrate;
pub mod precision;
pub mod spectrum;
pub mod sweep;
