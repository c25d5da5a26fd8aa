//! The toy models of `rbmdyn integrate`, one file each, and their registry [`ToyModels`].
//!
//! `toy_models!` takes one line per model, `Variant(file::Struct),`: it declares the module
//! `file` (this folder's `file.rs`) and the subcommand `Variant`, named by the model's
//! [`ToyModel::NAME`], whose flags are the model's parameters plus the shared
//! [`IntegrateOptions`] and `--out`. The dispatch matches every variant: there is no fallback.

use super::output::{IntegrateOptions, IntegrateSummary};
use super::toy_model::ToyModel;
use crate::error::Result;
use std::path::{Path, PathBuf};

/// Declares the model files and [`ToyModels`] from one line per model (see the module docs).
macro_rules! toy_models {
    ($($variant:ident($file:ident::$model:ident),)+) => {
        $(pub mod $file;)+

        /// The toy models, one subcommand each; the flags of a subcommand are the model's
        /// parameters, the shared options and `--out`.
        #[derive(clap::Subcommand, Debug)]
        pub enum ToyModels {
            $(
                #[command(name = <$file::$model as ToyModel>::NAME)]
                #[group(skip)]
                #[allow(missing_docs)]
                $variant {
                    // options first: a flattened struct's doc comment becomes the
                    // subcommand's help, and the model's, flattened last, wins
                    #[command(flatten)]
                    options: IntegrateOptions,
                    #[command(flatten)]
                    model: $file::$model,
                    /// Output directory.
                    #[arg(long)]
                    out: PathBuf,
                },
            )+
        }

        impl ToyModels {
            /// Integrates the chosen model with its options and writes the files to `--out`.
            ///
            /// # Errors
            /// As [`ToyModel::integrate`].
            pub fn run(&self) -> Result<IntegrateSummary> {
                match self {
                    $(Self::$variant { model, options, out } => model.integrate(options, out),)+
                }
            }

            /// The subcommand's name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => <$file::$model as ToyModel>::NAME,)+
                }
            }

            /// The output directory (`--out`).
            pub fn out(&self) -> &Path {
                match self {
                    $(Self::$variant { out, .. } => out,)+
                }
            }
        }
    };
}

toy_models! {
    CwGaussian(cw_gaussian::CwGaussian),
    TwoPatterns(two_patterns::TwoPatterns),
    LinearSvd(linear_svd::LinearSvd),
    SingleSpin(single_spin::SingleSpin),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        model: ToyModels,
    }

    #[test]
    fn every_subcommand_parses_with_defaults_and_names_its_model() {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        assert_eq!(
            names,
            ["cw-gaussian", "two-patterns", "linear-svd", "single-spin"]
        );
        for name in &names {
            let cli = Cli::try_parse_from(["x", name, "--out", "o"]).unwrap();
            // the help line is the model's doc comment, not the shared options'
            let about = Cli::command()
                .find_subcommand(name)
                .and_then(|c| c.get_about().map(|a| a.to_string()))
                .unwrap_or_default();
            assert!(
                !about.is_empty() && !about.contains("options"),
                "{name}: {about}"
            );
            assert_eq!(cli.model.name(), name);
            assert_eq!(cli.model.out(), Path::new("o"));
        }
        // --out is required; an unknown model is refused
        assert!(Cli::try_parse_from(["x", "cw-gaussian"]).is_err());
        assert!(Cli::try_parse_from(["x", "nope", "--out", "o"]).is_err());
    }
}
