//! Exact log-likelihood for models small enough to enumerate.

use crate::error::Result;
use crate::linalg::Float;
use crate::rbm::Rbm;
use crate::sampling::exact::log_partition_exact;
use crate::units::UnitKind;
use nalgebra::DMatrixView;

/// $\langle F(v)\rangle$ over the rows of `data`, accumulated in `f64`.
///
/// # Errors
/// Shape mismatch between `data` and the model.
pub fn mean_free_energy<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
    data: DMatrixView<'_, T>,
) -> Result<f64> {
    let f = rbm.free_energy(data)?;
    Ok(f.iter().sum::<f64>() / f.len().max(1) as f64)
}

/// Exact $L = -\langle F(v)\rangle_{\rm data} - \ln Z$ in nats per sample.
///
/// # Errors
/// Models that cannot be enumerated; shape mismatch.
pub fn exact_log_likelihood<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
    data: DMatrixView<'_, T>,
) -> Result<f64> {
    let log_z = log_partition_exact(rbm)?;
    Ok(-mean_free_energy(rbm, data)? - log_z)
}
