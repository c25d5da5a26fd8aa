//! Log-likelihood of data under an RBM: $L = \frac1M\sum_m \ln p(v^{(m)}) = -\langle F(v)\rangle_{\rm data} - \ln Z$
//! (nats per sample).
//!
//! `exact` uses enumeration; `ais` gives forward (lower-bound) and reverse (upper-bound)
//! annealed-importance-sampling estimates; `estimate` runs
//! any method, mean-field free energies included, behind one call.

pub mod ais;
pub mod estimate;
pub mod exact;

pub use ais::{Ais, AisDirection, AisEstimate, BaseRateModel, BetaSchedule};
pub use estimate::{estimate_log_z, LogZMethod, LogZOptions, LogZReport};
pub use exact::{exact_log_likelihood, mean_free_energy};
