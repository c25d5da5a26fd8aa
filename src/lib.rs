//! # rbmdyn: the statistical physics of RBM learning, tested against numbers
//!
//! # Conventions
//! * Energy $E(v,h) = -v^\top W h - a^\top v - b^\top h + \sum_i U_V(v_i) + \sum_j U_H(h_j)$, with
//!   $p(v,h) = e^{-E}/Z$. $U$ is a unit's self-energy: zero for {0,1} and ±1 units,
//!   $c\,s^2/2$ for Gaussian units of precision $c$.
//! * `W` is `Nv × Nh` (visible × hidden); data matrices and chains have **one row per sample**.
//! * Local fields $x^h_j(v) = b_j + \sum_i v_i W_{ij}$ and $x^v_i(h) = a_i + \sum_j W_{ij} h_j$.
//! * {0,1} ("binary") units: mean $\mathrm{sigm}(x)$, log-partition $\ln(1+e^x)$;
//!   ±1 ("ising") units: mean $\tanh x$, log-partition $\ln(2\cosh x)$.
//! * Log-likelihoods are in nats per sample; $\ln Z$ is natural log.
//!
//! # Example
//! The exact $\ln Z$ of the 3×2 fixture of `theory/rbm-basics.md` ({0,1} units):
//! ```
//! use nalgebra::{DMatrix, DVector};
//! use rbmdyn::rbm::Rbm;
//! use rbmdyn::sampling::exact::log_partition_exact;
//! use rbmdyn::units::Binary;
//!
//! let w = DMatrix::from_row_slice(3, 2, &[0.5, -0.3, 0.2, 0.8, -0.6, 0.1]);
//! let a = DVector::from_vec(vec![0.1, -0.2, 0.3]);
//! let b = DVector::from_vec(vec![-0.1, 0.2]);
//! let rbm = Rbm::new(w, a, b, Binary, Binary)?;
//! let log_z = log_partition_exact(&rbm)?;
//! assert!((log_z - 3.886581176512821).abs() < 1e-12); // theory/likelihood.md, prediction 1
//! # Ok::<(), rbmdyn::Error>(())
//! ```
//!
//! The training path (parameters, chains, estimators) is generic over the float type
//! ([`linalg::Float`]: `f32` or `f64`); exact enumeration, statistics and validation work in `f64`.

// Unit tests compare bit-exact results (reproducibility, exact special values) on purpose.
#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod analytic;
pub mod data;
pub mod error;
pub mod io;
pub mod likelihood;
pub mod linalg;
pub mod mean_field;
pub mod rbm;
pub mod report;
pub mod run;
pub mod sampling;
pub mod scaling;
pub mod spectral;
pub mod stats;
pub mod studies;
pub mod training;
pub mod units;
pub mod validation;

pub use error::{Error, Result};
