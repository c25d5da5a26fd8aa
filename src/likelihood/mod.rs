//! Log-likelihood of data under an RBM: $L = \frac1M\sum_m \ln p(v^{(m)}) = -\langle F(v)\rangle_{\rm data} - \ln Z$
//! (nats per sample).
//!
//! `exact` uses enumeration; later modules add AIS and mean-field estimates of $\ln Z$.

pub mod exact;

pub use exact::{exact_log_likelihood, mean_free_energy};
