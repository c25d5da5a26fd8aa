//! One typed run configuration: nested sections with enums, parsed once, checked once.
//!
//! [`TrainConfig`] is what a run's `config.toml` holds and what the `train` subcommand's flags
//! parse into: the same structs derive [`serde`] (TOML) and [`clap::Args`] (flags). Its
//! defaults are the `default_value` attributes of the flags (one place), read back by
//! [`TrainConfig::default`]. Values that are spelled as strings (dataset, unit types,
//! estimator kind, EMF order, visible-bias initialisation, AIS schedule, precision) are enums
//! whose TOML form is the same spelling as on the command line.
//!
//! A configuration starts a run only once it is checked: [`TrainConfig::check`] consumes it and
//! returns a [`CheckedConfig`], which is what [`super::train`], [`super::train_on`],
//! [`super::train_or_reuse`] and [`super::initial_model`] take. Errors name the TOML key
//! (`optimiser.learning_rate`); the CLI renames them to the flag when the value came from one
//! ([`name_flags`]).
//!
//! TOML layout (every key optional; missing keys take the defaults):
//! ```toml
//! seed = 0
//! precision = "f32"          # f32 | f64
//! dense_products = false
//! [data]
//! dataset = "mnist"          # mnist, mnist:0,1, mnist-test, genome, digits, file:PATH, planted:...
//! threshold = 0.5
//! # root = "DIR"; limit = N
//! [model]
//! hidden = 500
//! visible_type = "binary"    # binary | ising
//! hidden_type = "binary"     # binary | ising | gaussian
//! weight_std = 0.01
//! visible_bias_init = "data" # data | zero
//! [estimator]
//! kind = "pcd"               # then the kind's own keys:
//! gibbs_steps = 5            #   pcd: gibbs_steps, chains; cd: gibbs_steps; exact: none;
//! chains = 100               #   emf: order, iterations, damping, chains
//! [optimiser]
//! batch_size = 100
//! learning_rate = 0.01
//! momentum = 0.0
//! weight_decay = 0.0
//! train_biases = true
//! epochs = 10
//! [checkpoints]
//! per_decade = 10
//! [spectrum]
//! per_decade = 10
//! vectors = 20
//! [likelihood]
//! every = 0
//! samples = 1000
//! schedule = "uniform:1000"
//! runs = 100
//! # test_dataset = "mnist-test"
//! [equilibrium]
//! per_decade = 0
//! control_step = 0.0
//! control_min = 0.5
//! control_max = 2.0
//! chains = 16
//! sweeps = 2000
//! max_sweeps = 64000
//! ```

use crate::data::DatasetChoice;
use crate::error::{Error, Result};
use crate::likelihood::ais::BetaSchedule;
use crate::linalg::Float;
use crate::mean_field::Order;
use crate::rbm::init::{VisibleBiasInit, DEFAULT_FREQUENCY_CLIP};
use crate::scaling::{EquilibriumObserver, EquilibriumSettings};
use crate::training::Sgd;
use crate::units::AnyUnit;
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Args, FromArgMatches};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Serde through the string spelling (`Display` / `FromStr`) of a value.
mod spelling {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};
    use std::fmt::Display;
    use std::str::FromStr;

    pub fn serialize<T: Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        String::deserialize(d)?.parse().map_err(D::Error::custom)
    }
}

/// As [`spelling`], for an optional value.
#[allow(clippy::ref_option)] // the signature serde's `with` attribute calls
mod spelling_opt {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};
    use std::fmt::Display;
    use std::str::FromStr;

    pub fn serialize<T: Display, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        Option::<String>::deserialize(d)?
            .map(|t| t.parse().map_err(D::Error::custom))
            .transpose()
    }
}

/// Implements `Serialize`/`Deserialize` through `Display`/`FromStr` for a type of this module.
macro_rules! serde_by_spelling {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                spelling::serialize(self, s)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                spelling::deserialize(d)
            }
        }
    )*};
}

/// Spelled values of the `mean_field` and `rbm::init` enums (their modules stay free of the
/// command line's spellings).
#[allow(clippy::wildcard_imports, clippy::trivially_copy_pass_by_ref)] // serde `with` helpers of the types above, with serde's signatures
mod spelled {
    use super::*;

    /// `naive` | `tap2` | `tap3` (and the aliases of [`Order::parse`]).
    pub fn order(text: &str) -> Result<Order> {
        Order::parse(text, "estimator.order")
    }

    /// Serde of an [`Order`] through its name.
    pub mod order_serde {
        use super::*;
        use serde::{de::Error as _, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(v: &Order, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.serialize_str(v.name())
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> std::result::Result<Order, D::Error> {
            order(&String::deserialize(d)?).map_err(D::Error::custom)
        }
    }

    /// `data` (Fissore eq. 19, clip [`DEFAULT_FREQUENCY_CLIP`]) | `zero`.
    pub fn bias_init(text: &str) -> Result<VisibleBiasInit> {
        match text.trim() {
            "data" => Ok(VisibleBiasInit::FromData {
                clip: DEFAULT_FREQUENCY_CLIP,
            }),
            "zero" => Ok(VisibleBiasInit::Zero),
            other => Err(Error::invalid(
                "model.visible_bias_init",
                format!("'{other}'"),
                "expected data or zero",
            )),
        }
    }

    /// Serde of a [`VisibleBiasInit`] through `data` / `zero`.
    pub mod bias_init_serde {
        use super::*;
        use serde::{de::Error as _, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            v: &VisibleBiasInit,
            s: S,
        ) -> std::result::Result<S::Ok, S::Error> {
            match v {
                VisibleBiasInit::Zero => s.serialize_str("zero"),
                VisibleBiasInit::FromData { clip } if *clip == DEFAULT_FREQUENCY_CLIP => {
                    s.serialize_str("data")
                }
                VisibleBiasInit::FromData { clip } => Err(serde::ser::Error::custom(format!(
                    "visible_bias_init: a clip of {clip} has no spelling (only the default \
                     {DEFAULT_FREQUENCY_CLIP})"
                ))),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> std::result::Result<VisibleBiasInit, D::Error> {
            bias_init(&String::deserialize(d)?).map_err(D::Error::custom)
        }
    }
}

/// Float type of the training path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Precision {
    /// `f32` (the default: the fast path).
    #[default]
    F32,
    /// `f64`.
    F64,
}

impl FromStr for Precision {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "f32" => Ok(Precision::F32),
            "f64" => Ok(Precision::F64),
            other => Err(Error::invalid(
                "precision",
                format!("'{other}'"),
                "expected f32 or f64",
            )),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        })
    }
}

/// Visible unit type of a trained model (the data loaders give binary data: no Gaussian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisibleType {
    /// {0,1} units (`binary`, alias `bernoulli`).
    Binary,
    /// ±1 units (`ising`, alias `spin`).
    Ising,
}

impl VisibleType {
    /// The unit kind.
    pub fn unit(self) -> AnyUnit {
        match self {
            VisibleType::Binary => AnyUnit::Binary,
            VisibleType::Ising => AnyUnit::Ising,
        }
    }
}

impl FromStr for VisibleType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match AnyUnit::parse(s, "model.visible_type")? {
            AnyUnit::Binary => Ok(VisibleType::Binary),
            AnyUnit::Ising => Ok(VisibleType::Ising),
            AnyUnit::Gaussian(_) => Err(Error::invalid(
                "model.visible_type",
                "gaussian",
                "training data are binary; use binary or ising visible units",
            )),
        }
    }
}

impl fmt::Display for VisibleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VisibleType::Binary => "binary",
            VisibleType::Ising => "ising",
        })
    }
}

/// Hidden unit type of a trained model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiddenType {
    /// {0,1} units (`binary`, alias `bernoulli`).
    Binary,
    /// ±1 units (`ising`, alias `spin`).
    Ising,
    /// Gaussian units of precision 1 (`gaussian`).
    Gaussian,
}

impl HiddenType {
    /// The unit kind.
    pub fn unit(self) -> AnyUnit {
        match self {
            HiddenType::Binary => AnyUnit::Binary,
            HiddenType::Ising => AnyUnit::Ising,
            HiddenType::Gaussian => AnyUnit::Gaussian(crate::units::Gaussian::unit()),
        }
    }
}

impl FromStr for HiddenType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match AnyUnit::parse(s, "model.hidden_type")? {
            AnyUnit::Binary => HiddenType::Binary,
            AnyUnit::Ising => HiddenType::Ising,
            AnyUnit::Gaussian(_) => HiddenType::Gaussian,
        })
    }
}

impl fmt::Display for HiddenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HiddenType::Binary => "binary",
            HiddenType::Ising => "ising",
            HiddenType::Gaussian => "gaussian",
        })
    }
}

/// The kind of gradient estimator, without its parameters (the `--estimator` flag and the
/// `kind` key of `[estimator]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EstimatorKind {
    /// PCD-k.
    Pcd,
    /// CD-k.
    Cd,
    /// Exact negative phase by enumeration.
    Exact,
    /// Extended mean field (TAP) with persistent magnetisations (alias `tap`).
    Emf,
}

impl FromStr for EstimatorKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "pcd" => Ok(EstimatorKind::Pcd),
            "cd" => Ok(EstimatorKind::Cd),
            "exact" => Ok(EstimatorKind::Exact),
            "emf" | "tap" => Ok(EstimatorKind::Emf),
            other => Err(Error::invalid(
                "estimator.kind",
                format!("'{other}'"),
                "expected one of pcd, cd, exact, emf",
            )),
        }
    }
}

impl fmt::Display for EstimatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EstimatorKind::Pcd => "pcd",
            EstimatorKind::Cd => "cd",
            EstimatorKind::Exact => "exact",
            EstimatorKind::Emf => "emf",
        })
    }
}

serde_by_spelling!(Precision, VisibleType, HiddenType, EstimatorKind);

/// An AIS temperature schedule as spelled (`uniform:K`, `sm`, `sm:SCALE`), with the parsed
/// [`BetaSchedule`]; the spelling is kept because `sm:SCALE` parses to explicit values.
#[derive(Clone, Debug, PartialEq)]
pub struct AisSchedule {
    spelling: String,
    schedule: BetaSchedule,
}

impl AisSchedule {
    /// The parsed schedule.
    pub fn schedule(&self) -> &BetaSchedule {
        &self.schedule
    }
}

impl FromStr for AisSchedule {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let schedule = BetaSchedule::parse(s).map_err(|e| rename(e, "likelihood.schedule"))?;
        Ok(AisSchedule {
            spelling: s.trim().to_string(),
            schedule,
        })
    }
}

impl fmt::Display for AisSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spelling)
    }
}

serde_by_spelling!(AisSchedule);

/// Renames the parameter of an [`Error::InvalidParameter`] (other errors pass through).
fn rename(e: Error, name: &'static str) -> Error {
    match e {
        Error::InvalidParameter { value, reason, .. } => Error::InvalidParameter {
            name,
            value,
            reason,
        },
        other => other,
    }
}

/// The gradient estimator with its own parameters (the `[estimator]` table, `kind` first).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Estimator {
    /// Persistent contrastive divergence (PCD-k).
    Pcd {
        /// Gibbs sweeps per update (`--gibbs-steps`).
        gibbs_steps: usize,
        /// Persistent chains (`--chains`).
        chains: usize,
    },
    /// Contrastive divergence (CD-k) from the minibatch.
    Cd {
        /// Gibbs sweeps per update (`--gibbs-steps`).
        gibbs_steps: usize,
    },
    /// Exact negative phase by enumeration (small models).
    Exact,
    /// Extended mean field (TAP) with persistent magnetisations.
    Emf {
        /// Expansion order (`--emf-order`).
        order: Order,
        /// Damped TAP iterations per update from the persistent magnetisations
        /// (`--emf-iterations`).
        iterations: usize,
        /// Damping ρ of the TAP iteration, in [0, 1) (`--emf-damping`).
        damping: f64,
        /// Persistent magnetisations ("fantasy particles", `--chains`).
        chains: usize,
    },
}

impl Estimator {
    /// Fissore 2017's PCD: `Pcd { gibbs_steps: 5, chains: 100 }`.
    pub const FISSORE_PCD: Estimator = Estimator::Pcd {
        gibbs_steps: 5,
        chains: 100,
    };

    /// The kind, without parameters.
    pub fn kind(&self) -> EstimatorKind {
        match self {
            Estimator::Pcd { .. } => EstimatorKind::Pcd,
            Estimator::Cd { .. } => EstimatorKind::Cd,
            Estimator::Exact => EstimatorKind::Exact,
            Estimator::Emf { .. } => EstimatorKind::Emf,
        }
    }

    /// Persistent chains (PCD) or magnetisations (EMF); `None` for CD and exact.
    pub fn chains(&self) -> Option<usize> {
        match self {
            Estimator::Pcd { chains, .. } | Estimator::Emf { chains, .. } => Some(*chains),
            _ => None,
        }
    }

    /// Checks the estimator's own parameters.
    ///
    /// # Errors
    /// A zero count of sweeps, chains or iterations, or a damping outside [0, 1).
    pub fn check(&self) -> Result<()> {
        let positive = |name: &'static str, v: usize| {
            if v == 0 {
                Err(Error::invalid(name, 0, "must be at least 1"))
            } else {
                Ok(())
            }
        };
        match *self {
            Estimator::Pcd {
                gibbs_steps,
                chains,
            } => {
                positive("estimator.gibbs_steps", gibbs_steps)?;
                positive("estimator.chains", chains)
            }
            Estimator::Cd { gibbs_steps } => positive("estimator.gibbs_steps", gibbs_steps),
            Estimator::Exact => Ok(()),
            Estimator::Emf {
                iterations,
                damping,
                chains,
                ..
            } => {
                positive("estimator.iterations", iterations)?;
                positive("estimator.chains", chains)?;
                if !(0.0..1.0).contains(&damping) {
                    return Err(Error::invalid(
                        "estimator.damping",
                        damping,
                        "must lie in [0, 1)",
                    ));
                }
                Ok(())
            }
        }
    }
}

impl Default for Estimator {
    fn default() -> Self {
        EstimatorFlags::defaults().estimator()
    }
}

/// The estimator as flags (flat: every parameter of every kind, with its default) and as its
/// TOML table (only the kind's own keys; a key of another kind is an error).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Args)]
#[serde(deny_unknown_fields)]
pub struct EstimatorFlags {
    /// Gradient estimator: pcd, cd, exact, emf (TAP / extended mean field).
    #[arg(
        long = "estimator",
        id = "estimator.kind",
        value_name = "KIND",
        default_value = "pcd"
    )]
    pub kind: EstimatorKind,
    /// Gibbs sweeps per update (k of CD-k / PCD-k).
    #[arg(
        long = "gibbs-steps",
        id = "estimator.gibbs_steps",
        value_name = "GIBBS_STEPS",
        default_value = "5"
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gibbs_steps: Option<usize>,
    /// Persistent chains (PCD) or magnetisations (EMF).
    #[arg(
        long = "chains",
        id = "estimator.chains",
        value_name = "CHAINS",
        default_value = "100"
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chains: Option<usize>,
    /// EMF expansion order: naive, tap2, tap3.
    #[arg(long = "emf-order", id = "estimator.order", value_name = "ORDER", default_value = "tap2",
          value_parser = spelled::order)]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "order_opt")]
    pub order: Option<Order>,
    /// EMF: damped TAP iterations per update.
    #[arg(
        long = "emf-iterations",
        id = "estimator.iterations",
        value_name = "ITERATIONS",
        default_value = "3"
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<usize>,
    /// EMF: damping of the TAP iteration, in [0, 1).
    #[arg(
        long = "emf-damping",
        id = "estimator.damping",
        value_name = "DAMPING",
        default_value = "0.5"
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub damping: Option<f64>,
}

/// Serde of an `Option<Order>` through its name.
#[allow(
    clippy::wildcard_imports,
    clippy::ref_option,
    clippy::trivially_copy_pass_by_ref
)] // serde `with` helpers, with the signatures serde calls
mod order_opt {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        v: &Option<Order>,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match v {
            Some(o) => spelled::order_serde::serialize(o, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<Option<Order>, D::Error> {
        spelled::order_serde::deserialize(d).map(Some)
    }
}

impl EstimatorFlags {
    /// Every parameter at its flag default.
    pub fn defaults() -> Self {
        EstimatorFlags {
            kind: EstimatorKind::Pcd,
            gibbs_steps: Some(5),
            chains: Some(100),
            order: Some(Order::Tap2),
            iterations: Some(3),
            damping: Some(0.5),
        }
    }

    /// The estimator of `kind` with its parameters (missing ones at their defaults).
    pub fn estimator(&self) -> Estimator {
        let d = Self::defaults();
        let gibbs_steps = self.gibbs_steps.or(d.gibbs_steps).unwrap_or(5);
        let chains = self.chains.or(d.chains).unwrap_or(100);
        match self.kind {
            EstimatorKind::Pcd => Estimator::Pcd {
                gibbs_steps,
                chains,
            },
            EstimatorKind::Cd => Estimator::Cd { gibbs_steps },
            EstimatorKind::Exact => Estimator::Exact,
            EstimatorKind::Emf => Estimator::Emf {
                order: self.order.or(d.order).unwrap_or(Order::Tap2),
                iterations: self.iterations.or(d.iterations).unwrap_or(3),
                damping: self.damping.or(d.damping).unwrap_or(0.5),
                chains,
            },
        }
    }

    /// The TOML table of `e`: its kind and only its own parameters.
    pub fn of(e: &Estimator) -> Self {
        let none = EstimatorFlags {
            kind: e.kind(),
            gibbs_steps: None,
            chains: None,
            order: None,
            iterations: None,
            damping: None,
        };
        match *e {
            Estimator::Pcd {
                gibbs_steps,
                chains,
            } => EstimatorFlags {
                gibbs_steps: Some(gibbs_steps),
                chains: Some(chains),
                ..none
            },
            Estimator::Cd { gibbs_steps } => EstimatorFlags {
                gibbs_steps: Some(gibbs_steps),
                ..none
            },
            Estimator::Exact => none,
            Estimator::Emf {
                order,
                iterations,
                damping,
                chains,
            } => EstimatorFlags {
                order: Some(order),
                iterations: Some(iterations),
                damping: Some(damping),
                chains: Some(chains),
                ..none
            },
        }
    }

    /// The estimator of a TOML table: a key that its kind does not have is an error.
    fn strict(self) -> std::result::Result<Estimator, String> {
        let e = self.estimator();
        let own = EstimatorFlags::of(&e);
        let stray = [
            (
                "gibbs_steps",
                self.gibbs_steps.is_some() && own.gibbs_steps.is_none(),
            ),
            ("chains", self.chains.is_some() && own.chains.is_none()),
            ("order", self.order.is_some() && own.order.is_none()),
            (
                "iterations",
                self.iterations.is_some() && own.iterations.is_none(),
            ),
            ("damping", self.damping.is_some() && own.damping.is_none()),
        ];
        match stray.iter().find(|(_, s)| *s) {
            Some((key, _)) => Err(format!(
                "estimator.{key} does not apply to kind = \"{}\"",
                self.kind
            )),
            None => Ok(e),
        }
    }
}

impl Serialize for Estimator {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        EstimatorFlags::of(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Estimator {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        EstimatorFlags::deserialize(d)?
            .strict()
            .map_err(serde::de::Error::custom)
    }
}

impl FromArgMatches for Estimator {
    fn from_arg_matches(m: &ArgMatches) -> std::result::Result<Self, clap::Error> {
        Ok(EstimatorFlags::from_arg_matches(m)?.estimator())
    }

    /// Only the flags given on the command line change `self` (a flag left at its default
    /// keeps the value of the file).
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> std::result::Result<(), clap::Error> {
        let mut flat = EstimatorFlags::of(self);
        let given = EstimatorFlags::from_arg_matches(m)?;
        let mut base = serde_json::to_value(&flat).unwrap_or_default();
        let cli = serde_json::to_value(&given).unwrap_or_default();
        overlay(&mut base, &cli, m, "estimator.", None);
        if let Ok(merged) = serde_json::from_value::<EstimatorFlags>(base) {
            flat = merged;
        }
        *self = flat.estimator();
        Ok(())
    }
}

impl Args for Estimator {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        EstimatorFlags::augment_args(cmd)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        EstimatorFlags::augment_args_for_update(cmd)
    }
}

/// Whether the argument `id` was given on the command line.
fn given(m: &ArgMatches, id: &str) -> bool {
    m.try_contains_id(id).unwrap_or(false) && m.value_source(id) == Some(ValueSource::CommandLine)
}

/// Copies into `base` the values of `cli` whose argument (id `prefix` + JSON path with `.`)
/// was given on the command line, except ids starting with `skip`.
fn overlay(
    base: &mut serde_json::Value,
    cli: &serde_json::Value,
    m: &ArgMatches,
    prefix: &str,
    skip: Option<&str>,
) {
    for id in m.ids() {
        let id = id.as_str();
        if skip.is_some_and(|s| id.starts_with(s)) {
            continue;
        }
        let Some(path) = id.strip_prefix(prefix) else {
            continue;
        };
        if !given(m, id) {
            continue;
        }
        let keys: Vec<&str> = path.split('.').collect();
        let pointer = format!("/{}", keys.join("/"));
        let Some(value) = cli.pointer(&pointer) else {
            continue;
        };
        let parent = format!("/{}", keys[..keys.len() - 1].join("/"));
        let parent = if keys.len() == 1 {
            Some(&mut *base)
        } else {
            base.pointer_mut(&parent)
        };
        if let Some(serde_json::Value::Object(map)) = parent {
            map.insert(keys[keys.len() - 1].to_string(), value.clone());
        }
    }
}

/// `[data]`: what is trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// Dataset: mnist, mnist:0,1 (digit subset), mnist-test, genome, digits, file:PATH,
    /// planted:N:M:SEED:B,B,...
    #[arg(
        long = "dataset",
        id = "data.dataset",
        value_name = "DATASET",
        default_value = "mnist"
    )]
    #[serde(with = "spelling")]
    pub dataset: DatasetChoice,
    /// Data root (default: $RBMDYN_DATA, else ../shared/data).
    #[arg(long = "data", id = "data.root", value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<PathBuf>,
    /// Binarisation threshold on pixel values scaled to [0, 1] (value ≥ threshold → 1).
    #[arg(
        long = "threshold",
        id = "data.threshold",
        value_name = "THRESHOLD",
        default_value_t = 0.5
    )]
    pub threshold: f64,
    /// Use only the first N samples.
    #[arg(long = "limit", id = "data.limit", value_name = "LIMIT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// `[model]`: the RBM and its initialisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// Number of hidden units.
    #[arg(
        long = "hidden",
        id = "model.hidden",
        value_name = "HIDDEN",
        default_value_t = 500
    )]
    pub hidden: usize,
    /// Visible unit type: binary or ising.
    #[arg(
        long = "visible-type",
        id = "model.visible_type",
        value_name = "VISIBLE_TYPE",
        default_value = "binary"
    )]
    pub visible_type: VisibleType,
    /// Hidden unit type: binary, ising or gaussian (precision 1).
    #[arg(
        long = "hidden-type",
        id = "model.hidden_type",
        value_name = "HIDDEN_TYPE",
        default_value = "binary"
    )]
    pub hidden_type: HiddenType,
    /// Standard deviation of the initial weights.
    #[arg(
        long = "weight-std",
        id = "model.weight_std",
        value_name = "WEIGHT_STD",
        default_value_t = 0.01
    )]
    pub weight_std: f64,
    /// Initial visible bias: data (Fissore eq. 19) or zero.
    #[arg(long = "visible-bias-init", id = "model.visible_bias_init", value_name = "VISIBLE_BIAS_INIT", default_value = "data",
          value_parser = spelled::bias_init)]
    #[serde(with = "spelled::bias_init_serde")]
    pub visible_bias_init: VisibleBiasInit,
}

/// `[optimiser]`: plain SGD and the length of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct OptimiserConfig {
    /// Samples per minibatch.
    #[arg(
        long = "batch-size",
        id = "optimiser.batch_size",
        value_name = "BATCH_SIZE",
        default_value_t = 100
    )]
    pub batch_size: usize,
    /// Learning rate.
    #[arg(
        long = "learning-rate",
        id = "optimiser.learning_rate",
        value_name = "LEARNING_RATE",
        default_value_t = 0.01
    )]
    pub learning_rate: f64,
    /// Momentum in [0, 1).
    #[arg(
        long = "momentum",
        id = "optimiser.momentum",
        value_name = "MOMENTUM",
        default_value_t = 0.0
    )]
    pub momentum: f64,
    /// L2 weight decay on W.
    #[arg(
        long = "weight-decay",
        id = "optimiser.weight_decay",
        value_name = "WEIGHT_DECAY",
        default_value_t = 0.0
    )]
    pub weight_decay: f64,
    /// Train the biases (`--no-bias-training`: they stay at their initial values).
    #[arg(long = "no-bias-training", id = "optimiser.train_biases", action = ArgAction::SetFalse)]
    pub train_biases: bool,
    /// Epochs.
    #[arg(
        long = "epochs",
        id = "optimiser.epochs",
        value_name = "EPOCHS",
        default_value_t = 10
    )]
    pub epochs: usize,
}

impl OptimiserConfig {
    /// The optimiser these settings describe.
    ///
    /// # Errors
    /// A learning rate, momentum or weight decay out of range, named by its key
    /// (`optimiser.learning_rate`, …).
    pub fn sgd(&self) -> Result<Sgd> {
        Ok(Sgd::new(self.learning_rate)
            .map_err(|e| rename(e, "optimiser.learning_rate"))?
            .with_momentum(self.momentum)
            .map_err(|e| rename(e, "optimiser.momentum"))?
            .with_weight_decay(self.weight_decay)
            .map_err(|e| rename(e, "optimiser.weight_decay"))?
            .with_biases(self.train_biases))
    }
}

/// `[checkpoints]`: when the model is saved besides epoch ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct CheckpointConfig {
    /// Log-spaced checkpoints per decade of update steps (0: only epoch ends).
    #[arg(
        long = "checkpoints-per-decade",
        id = "checkpoints.per_decade",
        value_name = "PER_DECADE",
        default_value_t = 10
    )]
    pub per_decade: u32,
}

/// `[spectrum]`: the SVD of W along training (`spectrum/`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct SpectrumConfig {
    /// Log-spaced SVDs of W per decade of steps into spectrum/ (0: none; step 0 and the final
    /// model are always included otherwise).
    #[arg(
        long = "spectrum-per-decade",
        id = "spectrum.per_decade",
        value_name = "PER_DECADE",
        default_value_t = 10
    )]
    pub per_decade: u32,
    /// Singular vectors kept per spectrum save (all singular values are kept).
    #[arg(
        long = "spectrum-vectors",
        id = "spectrum.vectors",
        value_name = "VECTORS",
        default_value_t = 20
    )]
    pub vectors: usize,
}

/// `[likelihood]`: train/test log-likelihood along training (`likelihood.csv`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct LikelihoodConfig {
    /// Train/test log-likelihood every N epochs into likelihood.csv (0: never); ln Z exact when
    /// cheap, else AIS.
    #[arg(
        long = "likelihood-every",
        id = "likelihood.every",
        value_name = "EVERY",
        default_value_t = 0
    )]
    pub every: usize,
    /// Rows of the training (and test) set the log-likelihood averages over.
    #[arg(
        long = "likelihood-samples",
        id = "likelihood.samples",
        value_name = "SAMPLES",
        default_value_t = 1000
    )]
    pub samples: usize,
    /// AIS schedule of the log-likelihood: uniform:K, sm, sm:SCALE.
    #[arg(
        long = "likelihood-schedule",
        id = "likelihood.schedule",
        value_name = "SCHEDULE",
        default_value = "uniform:1000"
    )]
    pub schedule: AisSchedule,
    /// AIS runs of the log-likelihood.
    #[arg(
        long = "likelihood-runs",
        id = "likelihood.runs",
        value_name = "RUNS",
        default_value_t = 100
    )]
    pub runs: usize,
    /// Test set for the log-likelihood (a dataset spelling, e.g. mnist-test).
    #[arg(
        long = "test-dataset",
        id = "likelihood.test_dataset",
        value_name = "DATASET"
    )]
    #[serde(with = "spelling_opt", skip_serializing_if = "Option::is_none")]
    pub test_dataset: Option<DatasetChoice>,
}

/// `[equilibrium]`: χ, χ^c, τ of the frozen model along its top mode (`equilibrium.csv`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct EquilibriumConfig {
    /// Equilibrium measurements (χ, χ^c, τ along the top mode) per decade of steps into
    /// equilibrium.csv (0: off unless control_step > 0).
    #[arg(
        long = "equilibrium-per-decade",
        id = "equilibrium.per_decade",
        value_name = "PER_DECADE",
        default_value_t = 0
    )]
    pub per_decade: u32,
    /// Also measure whenever g moved by this much inside [control_min, control_max] (0: off).
    #[arg(
        long = "equilibrium-control-step",
        id = "equilibrium.control_step",
        value_name = "CONTROL_STEP",
        default_value_t = 0.0
    )]
    pub control_step: f64,
    /// Lower end of the g window of the control trigger.
    #[arg(
        long = "equilibrium-control-min",
        id = "equilibrium.control_min",
        value_name = "CONTROL_MIN",
        default_value_t = 0.5
    )]
    pub control_min: f64,
    /// Upper end of the g window of the control trigger.
    #[arg(
        long = "equilibrium-control-max",
        id = "equilibrium.control_max",
        value_name = "CONTROL_MAX",
        default_value_t = 2.0
    )]
    pub control_max: f64,
    /// Independent Gibbs chains per equilibrium measurement (≥ 2).
    #[arg(
        long = "equilibrium-chains",
        id = "equilibrium.chains",
        value_name = "CHAINS",
        default_value_t = 16
    )]
    pub chains: usize,
    /// Production sweeps per chain of a measurement's first attempt (doubled until the τ
    /// estimates are trustworthy).
    #[arg(
        long = "equilibrium-sweeps",
        id = "equilibrium.sweeps",
        value_name = "SWEEPS",
        default_value_t = 2000
    )]
    pub sweeps: usize,
    /// Cap on the sweeps per chain of one measurement (burn-in included).
    #[arg(
        long = "equilibrium-max-sweeps",
        id = "equilibrium.max_sweeps",
        value_name = "MAX_SWEEPS",
        default_value_t = 64_000
    )]
    pub max_sweeps: usize,
}

/// Everything that defines a training run (the `config.toml` of a run directory).
///
/// Defaults are Fissore 2017's MNIST settings: 784 × 500 {0,1} units, batch 100, learning rate
/// 0.01, PCD-5 with 100 persistent chains, weights $\mathcal N(0, 0.01^2)$, visible bias from
/// the data frequencies (eq. 19), hidden bias zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Seed of the run's generator.
    #[arg(long = "seed", id = "seed", value_name = "SEED", default_value_t = 0)]
    pub seed: u64,
    /// Float type of training: f32 or f64.
    #[arg(
        long = "precision",
        id = "precision",
        value_name = "TYPE",
        default_value = "f32"
    )]
    pub precision: Precision,
    /// Compute every field product by GEMM (reference for benchmarks; by default sparse {0,1}
    /// states take the sparse path, `rbm::products`).
    #[arg(long = "dense-products", id = "dense_products")]
    pub dense_products: bool,
    /// `[data]`.
    #[command(flatten)]
    pub data: DataConfig,
    /// `[model]`.
    #[command(flatten)]
    pub model: ModelConfig,
    /// `[estimator]`.
    #[command(flatten)]
    pub estimator: Estimator,
    /// `[optimiser]`.
    #[command(flatten)]
    pub optimiser: OptimiserConfig,
    /// `[checkpoints]`.
    #[command(flatten)]
    pub checkpoints: CheckpointConfig,
    /// `[spectrum]`.
    #[command(flatten)]
    pub spectrum: SpectrumConfig,
    /// `[likelihood]`.
    #[command(flatten)]
    pub likelihood: LikelihoodConfig,
    /// `[equilibrium]`.
    #[command(flatten)]
    pub equilibrium: EquilibriumConfig,
}

/// Parses no arguments: the flags' defaults are the configuration's defaults.
#[derive(clap::Parser)]
#[command(name = "defaults")]
struct Defaults {
    #[command(flatten)]
    config: TrainConfig,
}

impl Default for TrainConfig {
    /// The defaults of the `train` flags (Fissore 2017's MNIST settings).
    fn default() -> Self {
        <Defaults as clap::Parser>::try_parse_from(["defaults"])
            .map(|d| d.config)
            .expect("the train flags' defaults parse")
    }
}

macro_rules! section_default {
    ($($t:ty => $field:ident),*) => {$(
        impl Default for $t {
            fn default() -> Self {
                TrainConfig::default().$field
            }
        }
    )*};
}

section_default!(
    DataConfig => data,
    ModelConfig => model,
    OptimiserConfig => optimiser,
    CheckpointConfig => checkpoints,
    SpectrumConfig => spectrum,
    LikelihoodConfig => likelihood,
    EquilibriumConfig => equilibrium
);

impl TrainConfig {
    /// Fissore 2017's MNIST settings (the defaults): PCD-5 with 100 chains, 500 {0,1} hidden
    /// units, batch 100, learning rate 0.01, 10 epochs.
    pub fn fissore_mnist() -> Self {
        TrainConfig::default()
    }

    /// Fissore's MNIST PCD run as the studies train it: the defaults with the data `root`,
    /// `epochs`, `seed` and no log-spaced checkpoints.
    pub fn mnist_pcd(root: Option<PathBuf>, epochs: usize, seed: u64) -> Self {
        let d = TrainConfig::default();
        TrainConfig {
            seed,
            data: DataConfig { root, ..d.data },
            optimiser: OptimiserConfig {
                epochs,
                ..d.optimiser
            },
            checkpoints: CheckpointConfig { per_decade: 0 },
            ..d
        }
    }

    /// A student of an analytic toy model on `dataset`: ±1 visible units, `hidden` units of
    /// `hidden_type`, weights $\mathcal N(0, \texttt{weight\_std}^2)$, zero biases that stay
    /// frozen, f64, no log-spaced checkpoints; the rest at the defaults.
    pub fn toy_student(
        dataset: DatasetChoice,
        hidden_type: HiddenType,
        hidden: usize,
        weight_std: f64,
        seed: u64,
    ) -> Self {
        let d = TrainConfig::default();
        TrainConfig {
            seed,
            precision: Precision::F64,
            data: DataConfig { dataset, ..d.data },
            model: ModelConfig {
                hidden,
                visible_type: VisibleType::Ising,
                hidden_type,
                weight_std,
                visible_bias_init: VisibleBiasInit::Zero,
            },
            optimiser: OptimiserConfig {
                train_biases: false,
                ..d.optimiser
            },
            checkpoints: CheckpointConfig { per_decade: 0 },
            ..d
        }
    }

    /// Reads a TOML file; unknown keys are errors (a typo must not pass silently), naming the
    /// file, the line and the column.
    ///
    /// # Errors
    /// [`Error::Io`] if unreadable, [`Error::Format`] naming the file and the TOML fault.
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_toml_str(&text).map_err(|e| match e {
            Error::Format { fault, .. } => Error::format(path, fault),
            other => other,
        })
    }

    /// Parses TOML text ([`Error::Format`] with an empty path on a fault).
    ///
    /// # Errors
    /// Unknown keys, bad values, malformed TOML; the message names line and column.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::format("", e.to_string()))
    }

    /// The configuration as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot serialise: {e}\n"))
    }

    /// Replaces the values whose flags were given on the command line (`m`: the matches of a
    /// command into which [`TrainConfig`] was flattened); flags left at their defaults keep
    /// the values of `self` (e.g. those of a `--config` file).
    ///
    /// # Errors
    /// Flags that do not parse.
    pub fn update_from_command_line(&mut self, m: &ArgMatches) -> Result<()> {
        let clap_err = |e: clap::Error| Error::invalid("train", "", e.to_string());
        let cli = TrainConfig::from_arg_matches(m).map_err(clap_err)?;
        let mut estimator = self.estimator;
        estimator.update_from_arg_matches(m).map_err(clap_err)?;
        let mut base = serde_json::to_value(&*self).map_err(json_err)?;
        let cli = serde_json::to_value(&cli).map_err(json_err)?;
        // the estimator's flags are flat, its table is not: merged above
        overlay(&mut base, &cli, m, "", Some("estimator."));
        let mut merged: TrainConfig = serde_json::from_value(base).map_err(json_err)?;
        merged.estimator = estimator;
        *self = merged;
        Ok(())
    }

    /// Checks every value once (R3: a bad configuration fails before any work) and returns
    /// the configuration that can start a run.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad key (`section.key`).
    pub fn check(self) -> Result<CheckedConfig> {
        let positive = [
            ("model.hidden", self.model.hidden),
            ("optimiser.batch_size", self.optimiser.batch_size),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(Error::invalid(name, 0, "must be at least 1"));
            }
        }
        self.estimator.check()?;
        let sgd = self.optimiser.sgd()?;
        let std = self.model.weight_std;
        if !(std.is_finite() && std >= 0.0) {
            return Err(Error::invalid(
                "model.weight_std",
                std,
                "must be finite and >= 0",
            ));
        }
        let t = self.data.threshold;
        if !(t > 0.0 && t <= 1.0) {
            return Err(Error::invalid("data.threshold", t, "must lie in (0, 1]"));
        }
        let e = &self.equilibrium;
        let settings = EquilibriumSettings::new(e.chains, e.sweeps, e.max_sweeps)
            .map_err(|err| rename(err, "equilibrium.chains"))?;
        if !(e.control_step.is_finite() && e.control_step >= 0.0) {
            return Err(Error::invalid(
                "equilibrium.control_step",
                e.control_step,
                "must be finite and >= 0",
            ));
        }
        let (min, max) = (e.control_min, e.control_max);
        if !(min.is_finite() && max.is_finite() && 0.0 <= min && min < max) {
            return Err(Error::invalid(
                "equilibrium.control_min",
                format!("[{min}, {max}]"),
                "need 0 <= control_min < control_max, both finite",
            ));
        }
        Ok(CheckedConfig {
            config: self,
            sgd,
            equilibrium: settings,
        })
    }
}

fn json_err(e: serde_json::Error) -> Error {
    Error::invalid("train", "", e.to_string())
}

/// A configuration that passed [`TrainConfig::check`]: the only kind that starts a run. It
/// derefs to its [`TrainConfig`] and holds what the check built (the optimiser, the
/// equilibrium settings).
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedConfig {
    config: TrainConfig,
    sgd: Sgd,
    equilibrium: EquilibriumSettings,
}

impl std::ops::Deref for CheckedConfig {
    type Target = TrainConfig;
    fn deref(&self) -> &TrainConfig {
        &self.config
    }
}

impl CheckedConfig {
    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The configuration, to change and check again.
    pub fn into_inner(self) -> TrainConfig {
        self.config
    }

    /// The optimiser.
    pub fn sgd(&self) -> Sgd {
        self.sgd
    }

    /// The equilibrium observer of a run in `run_dir`, or `None` when it is off
    /// (`equilibrium.per_decade = 0` and `equilibrium.control_step = 0`).
    ///
    /// # Errors
    /// None for a checked configuration (the control window was checked).
    pub fn equilibrium_observer<T: Float>(
        &self,
        run_dir: &Path,
    ) -> Result<Option<EquilibriumObserver<T>>> {
        let e = &self.config.equilibrium;
        if e.per_decade == 0 && e.control_step <= 0.0 {
            return Ok(None);
        }
        let observer = EquilibriumObserver::new(
            super::RunDir::new(run_dir).equilibrium_csv(),
            e.per_decade,
            self.equilibrium.clone(),
            self.config.seed,
        )
        .with_control(e.control_step, e.control_min, e.control_max)?
        .with_learning_rate(self.config.optimiser.learning_rate);
        Ok(Some(observer))
    }
}

/// Renames an [`Error::InvalidParameter`] whose key (an argument id of `command`, e.g.
/// `optimiser.learning_rate`) was given as a flag on the command line to that flag
/// (`--learning-rate`).
pub fn name_flags(e: Error, command: &clap::Command, m: &ArgMatches) -> Error {
    let Error::InvalidParameter {
        name,
        value,
        reason,
    } = e
    else {
        return e;
    };
    let flag = command
        .get_arguments()
        .find(|a| a.get_id().as_str() == name)
        .filter(|_| given(m, name))
        .and_then(|a| a.get_long());
    let name = match flag {
        Some(long) => &*Box::leak(format!("--{long}").into_boxed_str()),
        None => name,
    };
    Error::InvalidParameter {
        name,
        value,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    /// A command with the configuration's flags, as `rbmdyn train` has them.
    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        config: TrainConfig,
    }

    fn matches(args: &[&str]) -> ArgMatches {
        Flags::command().get_matches_from(std::iter::once("t").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_equal_the_old_flat_defaults() {
        let c = TrainConfig::default();
        assert_eq!(c.data.dataset, DatasetChoice::Mnist { digits: None });
        assert_eq!(c.data.root, None);
        assert_eq!(c.data.threshold, 0.5);
        assert_eq!(c.data.limit, None);
        assert_eq!(c.model.visible_type, VisibleType::Binary);
        assert_eq!(c.model.hidden_type, HiddenType::Binary);
        assert_eq!(c.model.hidden, 500);
        assert_eq!(
            c.estimator,
            Estimator::Pcd {
                gibbs_steps: 5,
                chains: 100
            }
        );
        assert_eq!(c.optimiser.batch_size, 100);
        assert_eq!(c.optimiser.learning_rate, 0.01);
        assert_eq!(c.optimiser.momentum, 0.0);
        assert_eq!(c.optimiser.weight_decay, 0.0);
        assert!(c.optimiser.train_biases);
        assert_eq!(c.optimiser.epochs, 10);
        assert_eq!(c.seed, 0);
        assert_eq!(c.model.weight_std, 0.01);
        assert_eq!(
            c.model.visible_bias_init,
            VisibleBiasInit::FromData { clip: 1e-3 }.clone()
        );
        assert_eq!(c.precision, Precision::F32);
        assert_eq!(c.checkpoints.per_decade, 10);
        assert_eq!(c.likelihood.every, 0);
        assert_eq!(c.likelihood.samples, 1000);
        assert_eq!(c.likelihood.schedule.to_string(), "uniform:1000");
        assert_eq!(
            c.likelihood.schedule.schedule(),
            &BetaSchedule::Uniform { steps: 1000 }
        );
        assert_eq!(c.likelihood.runs, 100);
        assert_eq!(c.likelihood.test_dataset, None);
        assert_eq!(c.spectrum.per_decade, 10);
        assert_eq!(c.spectrum.vectors, 20);
        assert_eq!(c.equilibrium.per_decade, 0);
        assert_eq!(c.equilibrium.control_step, 0.0);
        assert!(!c.dense_products);
        assert_eq!(c.equilibrium.control_min, 0.5);
        assert_eq!(c.equilibrium.control_max, 2.0);
        assert_eq!(c.equilibrium.chains, 16);
        assert_eq!(c.equilibrium.sweeps, 2000);
        assert_eq!(c.equilibrium.max_sweeps, 64_000);
        // the EMF defaults of the old flat keys
        assert_eq!(
            EstimatorFlags {
                kind: EstimatorKind::Emf,
                ..EstimatorFlags::defaults()
            }
            .estimator(),
            Estimator::Emf {
                order: Order::Tap2,
                iterations: 3,
                damping: 0.5,
                chains: 100
            }
        );
        // an empty file is the defaults too
        assert_eq!(TrainConfig::from_toml_str("").unwrap(), c);
        assert_eq!(TrainConfig::fissore_mnist(), c);
    }

    #[test]
    fn a_typo_names_the_key_line_and_column() {
        let text = "seed = 3\n[optimiser]\nepochs = 2\n  learnig_rate = 0.1\n";
        let e = TrainConfig::from_toml_str(text).unwrap_err().to_string();
        assert!(e.contains("learnig_rate"), "{e}");
        assert!(e.contains("line 4") && e.contains("column 3"), "{e}");
        // a key of another section (flat spelling of the old format) is unknown too
        let e = TrainConfig::from_toml_str("learning_rate = 0.1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("learning_rate") && e.contains("line 1"), "{e}");
        // a bad spelled value names the key's place and the valid spellings
        let e = TrainConfig::from_toml_str("[model]\nhidden_type = \"gauss\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("gaussian"), "{e}");
        // a key that the estimator's kind does not have
        let e = TrainConfig::from_toml_str("[estimator]\nkind = \"cd\"\nchains = 3\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("estimator.chains") && e.contains("line 1"),
            "{e}"
        );
    }

    #[test]
    fn every_estimator_round_trips_through_toml() {
        let estimators = [
            Estimator::Pcd {
                gibbs_steps: 7,
                chains: 33,
            },
            Estimator::Cd { gibbs_steps: 2 },
            Estimator::Exact,
            Estimator::Emf {
                order: Order::Tap3,
                iterations: 9,
                damping: 0.25,
                chains: 11,
            },
            Estimator::Emf {
                order: Order::Naive,
                iterations: 1,
                damping: 0.0,
                chains: 1,
            },
        ];
        for e in estimators {
            let c = TrainConfig {
                estimator: e,
                ..TrainConfig::default()
            };
            let text = c.to_toml();
            let back = TrainConfig::from_toml_str(&text).unwrap();
            assert_eq!(back, c, "{text}");
            assert!(text.contains(&format!("kind = \"{}\"", e.kind())), "{text}");
        }
        let text = "[estimator]\nkind = \"emf\"\norder = \"tap3\"\n";
        assert_eq!(
            TrainConfig::from_toml_str(text).unwrap().estimator,
            Estimator::Emf {
                order: Order::Tap3,
                iterations: 3,
                damping: 0.5,
                chains: 100
            }
        );
    }

    #[test]
    fn the_whole_config_round_trips_through_toml_and_json() {
        let c = TrainConfig {
            seed: 17,
            precision: Precision::F64,
            data: DataConfig {
                dataset: "mnist:0,1".parse().unwrap(),
                root: Some("/data".into()),
                threshold: 0.3,
                limit: Some(123),
            },
            likelihood: LikelihoodConfig {
                schedule: "sm:0.1".parse().unwrap(),
                test_dataset: Some("mnist-test".parse().unwrap()),
                ..LikelihoodConfig::default()
            },
            ..TrainConfig::default()
        };
        let back = TrainConfig::from_toml_str(&c.to_toml()).unwrap();
        assert_eq!(back, c);
        assert!(c.to_toml().contains("schedule = \"sm:0.1\""));
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(serde_json::from_value::<TrainConfig>(json).unwrap(), c);
    }

    #[test]
    fn a_flag_given_overrides_the_file_and_a_default_flag_does_not() {
        let file = "seed = 4\n[model]\nhidden = 20\n[optimiser]\nlearning_rate = 0.05\n\
                    epochs = 3\n[estimator]\nkind = \"emf\"\norder = \"tap3\"\nchains = 7\n";
        let mut c = TrainConfig::from_toml_str(file).unwrap();
        // --epochs is given at its default value: it still wins (it was given)
        let m = matches(&["--hidden", "8", "--epochs", "10", "--chains", "50"]);
        c.update_from_command_line(&m).unwrap();
        assert_eq!(c.model.hidden, 8);
        assert_eq!(c.optimiser.epochs, 10);
        // not given: the file's values, although the flags' defaults differ
        assert_eq!(c.seed, 4);
        assert_eq!(c.optimiser.learning_rate, 0.05);
        assert_eq!(
            c.estimator,
            Estimator::Emf {
                order: Order::Tap3,
                iterations: 3,
                damping: 0.5,
                chains: 50
            }
        );
        // the kind from a flag keeps the file's shared parameters
        let m = matches(&["--estimator", "pcd", "--no-bias-training", "--data", "/d"]);
        c.update_from_command_line(&m).unwrap();
        assert_eq!(
            c.estimator,
            Estimator::Pcd {
                gibbs_steps: 5,
                chains: 50
            }
        );
        assert!(!c.optimiser.train_biases);
        assert_eq!(c.data.root, Some(PathBuf::from("/d")));
        // no flags: nothing changes
        let before = c.clone();
        c.update_from_command_line(&matches(&[])).unwrap();
        assert_eq!(c, before);
    }

    #[test]
    fn every_flag_reaches_a_key_of_the_config() {
        // the merge copies a given flag's value by its id (the TOML path): each id must be one
        let json = serde_json::to_value(TrainConfig {
            data: DataConfig {
                root: Some("r".into()),
                limit: Some(1),
                ..DataConfig::default()
            },
            likelihood: LikelihoodConfig {
                test_dataset: Some(DatasetChoice::Digits),
                ..LikelihoodConfig::default()
            },
            ..TrainConfig::default()
        })
        .unwrap();
        let flat = serde_json::to_value(EstimatorFlags::defaults()).unwrap();
        let cmd = Flags::command();
        let mut n = 0;
        for arg in cmd.get_arguments().filter(|a| a.get_long().is_some()) {
            let id = arg.get_id().as_str();
            if id == "help" {
                continue;
            }
            let found = match id.strip_prefix("estimator.") {
                Some(key) => flat.get(key).is_some(),
                None => json
                    .pointer(&format!("/{}", id.replace('.', "/")))
                    .is_some(),
            };
            assert!(
                found,
                "flag --{} (id {id}) has no key",
                arg.get_long().unwrap()
            );
            n += 1;
        }
        assert!(n >= 39, "{n} flags");
    }

    #[test]
    fn check_names_the_key_and_builds_nothing_else() {
        let bad = |f: fn(&mut TrainConfig)| {
            let mut c = TrainConfig::default();
            f(&mut c);
            match c.check() {
                Err(Error::InvalidParameter { name, .. }) => name,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            bad(|c| c.optimiser.learning_rate = -1.0),
            "optimiser.learning_rate"
        );
        assert_eq!(bad(|c| c.optimiser.momentum = 1.0), "optimiser.momentum");
        assert_eq!(bad(|c| c.model.hidden = 0), "model.hidden");
        assert_eq!(bad(|c| c.data.threshold = 0.0), "data.threshold");
        assert_eq!(
            bad(|c| c.estimator = Estimator::Cd { gibbs_steps: 0 }),
            "estimator.gibbs_steps"
        );
        assert_eq!(
            bad(|c| c.estimator = Estimator::Emf {
                order: Order::Tap2,
                iterations: 3,
                damping: 1.0,
                chains: 1
            }),
            "estimator.damping"
        );
        assert_eq!(
            bad(|c| c.equilibrium.control_step = -1.0),
            "equilibrium.control_step"
        );
        let checked = TrainConfig::default().check().unwrap();
        assert_eq!(checked.sgd(), Sgd::new(0.01).unwrap());
        assert!(checked
            .equilibrium_observer::<f32>(Path::new("."))
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_flag_error_names_the_flag_and_a_file_error_the_key() {
        let m = matches(&["--learning-rate=-1"]);
        let c = TrainConfig::from_arg_matches(&m).unwrap();
        let e = name_flags(c.check().unwrap_err(), &Flags::command(), &m);
        assert!(e.to_string().contains("--learning-rate"), "{e}");
        let mut c = TrainConfig::from_toml_str("[optimiser]\nlearning_rate = -1.0\n").unwrap();
        let m = matches(&[]);
        c.update_from_command_line(&m).unwrap();
        let e = name_flags(c.check().unwrap_err(), &Flags::command(), &m);
        assert!(e.to_string().contains("optimiser.learning_rate"), "{e}");
    }
}
