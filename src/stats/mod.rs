//! Statistics toolbox (temporary minimal version; replaced by the full module).

/// Stable $\ln\sum_i e^{x_i}$; empty or all $-\infty$ gives $-\infty$.
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    let m = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}
