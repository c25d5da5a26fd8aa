//! Finite-size scaling of measured curves (`theory/finite-size-scaling.md`, "Fitting exponents
//! with errors"): curves of one observable against the control parameter $g$ (or $\ln t$) built
//! from [`EquilibriumRecord`]s, and the peak of one curve by a local quadratic fit.
//!
//! The fits across sizes are in [`super::exponents`], the data collapse in [`super::collapse`],
//! the figures in [`super::plots`].
//!
//! # Conventions
//! A [`Curve`] is sorted by its abscissa $x$; each point carries its standard error (0 for an
//! exact value). The peak of a curve is the vertex of $y = c_0 + c_1 t + c_2 t^2$,
//! $t = (x - x_m)/h$, fitted by weighted least squares to the `2 half_window + 1` points around
//! the largest point $x_m$ ($h$ = half the window's width), with errors from the fit covariance
//! (delta method for the vertex).

use super::EquilibriumRecord;
use crate::error::{Error, Result};
use nalgebra::{Matrix3, Vector3};
use serde::{Deserialize, Serialize};

/// The measured quantity a [`Curve`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Observable {
    /// $\chi = N_v\langle m_1^2\rangle$.
    Chi,
    /// $\chi^c = N_v(\langle m_1^2\rangle - \langle|m_1|\rangle^2)$.
    ChiConnected,
    /// $\tau_{\rm int}(m_1)$ in sweeps.
    TauM,
    /// $\tau_{\rm int}(m_1^2)$ in sweeps.
    TauM2,
}

impl Observable {
    /// `(value, standard error)` of this observable in `record`.
    pub fn of(self, record: &EquilibriumRecord) -> (f64, f64) {
        match self {
            Observable::Chi => (record.chi, record.chi_se),
            Observable::ChiConnected => (record.chi_connected, record.chi_connected_se),
            Observable::TauM => (record.tau_m, record.tau_m_se),
            Observable::TauM2 => (record.tau_m2, record.tau_m2_se),
        }
    }

    /// Axis label.
    pub fn label(self) -> &'static str {
        match self {
            Observable::Chi => "chi = N <m^2>",
            Observable::ChiConnected => "chi^c = N (<m^2> - <|m|>^2)",
            Observable::TauM => "tau_int(m) [sweeps]",
            Observable::TauM2 => "tau_int(m^2) [sweeps]",
        }
    }
}

/// The abscissa of a [`Curve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Abscissa {
    /// The control parameter $g$ (`record.control`, $g_c = 1$).
    Control,
    /// $\ln t$, $t$ the learning time (records at $t \le 0$ are left out).
    LogTime,
}

impl Abscissa {
    /// The abscissa of `record` (NaN for $\ln t$ at $t \le 0$).
    pub fn of(self, record: &EquilibriumRecord) -> f64 {
        match self {
            Abscissa::Control => record.control,
            Abscissa::LogTime if record.learning_time > 0.0 => record.learning_time.ln(),
            Abscissa::LogTime => f64::NAN,
        }
    }

    /// Axis label.
    pub fn label(self) -> &'static str {
        match self {
            Abscissa::Control => "control parameter g",
            Abscissa::LogTime => "ln(learning time t)",
        }
    }
}

/// One point of a [`Curve`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Abscissa ($g$ or $\ln t$).
    pub x: f64,
    /// Value.
    pub y: f64,
    /// Standard error of `y` (0 when exact).
    pub se: f64,
}

/// A measured curve $y(x)$ of one run, sorted by $x$.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// Points in increasing $x$.
    pub points: Vec<CurvePoint>,
}

impl Curve {
    /// A curve from points in any order (sorted here).
    ///
    /// # Errors
    /// A non-finite `x` or `y`, or a negative or NaN standard error.
    pub fn new(mut points: Vec<CurvePoint>) -> Result<Self> {
        if let Some(p) = points
            .iter()
            .find(|p| !(p.x.is_finite() && p.y.is_finite() && p.se >= 0.0))
        {
            return Err(Error::invalid(
                "curve point",
                format!("({}, {} ± {})", p.x, p.y, p.se),
                "x and y must be finite and the standard error >= 0",
            ));
        }
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        Ok(Curve { points })
    }

    /// The curve of `observable` against `abscissa` from one run's records. Records where
    /// either is not finite (τ of an exact record, $t = 0$ on a log axis) are left out, and an
    /// infinite or NaN standard error is taken as unknown: the point is left out too.
    pub fn from_records(
        records: &[EquilibriumRecord],
        observable: Observable,
        abscissa: Abscissa,
    ) -> Self {
        let mut points: Vec<CurvePoint> = records
            .iter()
            .filter_map(|r| {
                let x = abscissa.of(r);
                let (y, se) = observable.of(r);
                (x.is_finite() && y.is_finite() && se.is_finite() && se >= 0.0)
                    .then_some(CurvePoint { x, y, se })
            })
            .collect();
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        Curve { points }
    }

    /// `(min x, max x)`, `None` for an empty curve.
    pub fn x_range(&self) -> Option<(f64, f64)> {
        Some((self.points.first()?.x, self.points.last()?.x))
    }

    /// Linear interpolation at `x` with its error: between the bracketing points $(x_0, x_1)$,
    /// $Y = w_0y_0 + w_1y_1$, $\sigma_Y^2 = w_0^2\sigma_0^2 + w_1^2\sigma_1^2$,
    /// $w_1 = (x - x_0)/(x_1 - x_0)$. `None` outside the curve's range.
    pub fn interpolate(&self, x: f64) -> Option<(f64, f64)> {
        let p = &self.points;
        let (lo, hi) = self.x_range()?;
        if !(lo..=hi).contains(&x) {
            return None;
        }
        // first index with p.x > x; x ≥ lo so k ≥ 1 unless every x equals lo
        let k = p.partition_point(|q| q.x <= x);
        if k == p.len() {
            let last = p[p.len() - 1];
            return Some((last.y, last.se));
        }
        let (a, b) = (p[k - 1], p[k]);
        let w1 = (x - a.x) / (b.x - a.x);
        let w0 = 1.0 - w1;
        Some((
            w0 * a.y + w1 * b.y,
            ((w0 * a.se).powi(2) + (w1 * b.se).powi(2)).sqrt(),
        ))
    }

    /// The mean curve over runs measured on one grid (the same $x$ to relative 1e-9): mean of
    /// $y$ and its standard error over runs (with a single run, the run's own errors). `None`
    /// when the grids differ or `curves` is empty.
    pub fn average(curves: &[Curve]) -> Option<Curve> {
        let first = curves.first()?;
        let same_grid = curves.iter().all(|c| {
            c.points.len() == first.points.len()
                && c.points
                    .iter()
                    .zip(&first.points)
                    .all(|(a, b)| (a.x - b.x).abs() <= 1e-9 * (1.0 + b.x.abs()))
        });
        if !same_grid {
            return None;
        }
        if curves.len() == 1 {
            return Some(first.clone());
        }
        let points = (0..first.points.len())
            .map(|i| {
                let ys: Vec<f64> = curves.iter().map(|c| c.points[i].y).collect();
                let (y, se) = crate::stats::mean_and_standard_error(&ys);
                CurvePoint {
                    x: first.points[i].x,
                    y,
                    se,
                }
            })
            .collect();
        Some(Curve { points })
    }
}

/// How a [`Peak`] was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeakStatus {
    /// Vertex of a concave quadratic inside the fitted window.
    Fitted,
    /// The largest point is the first or last of the curve: the maximum was not bracketed.
    AtEdge,
    /// The fitted quadratic is not concave ($c_2 \ge 0$).
    NotConcave,
    /// The vertex lies outside the fitted window.
    VertexOutsideWindow,
}

/// The peak of a curve (the fallback to the largest point when the fit is not usable).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Peak {
    /// $x^*$ (e.g. $g^*$).
    pub location: f64,
    /// $y(x^*)$.
    pub height: f64,
    /// Standard error of `location`: delta method on the fit covariance; for a fallback,
    /// the grid resolution (mean spacing around the maximum)$/\sqrt{12}$.
    pub location_se: f64,
    /// Standard error of `height` (fallback: the largest point's own error).
    pub height_se: f64,
    /// Points in the fitted window.
    pub points_used: usize,
    /// How the peak was obtained.
    pub status: PeakStatus,
}

impl Peak {
    /// True for a fitted vertex; false when the peak is the fallback (flagged).
    pub fn ok(&self) -> bool {
        self.status == PeakStatus::Fitted
    }

    /// True when the maximum is at the first or last point of the curve.
    pub fn at_edge(&self) -> bool {
        self.status == PeakStatus::AtEdge
    }
}

/// Relative size of the smallest pivot of the 3×3 normal matrix (in the scaled variable $t$,
/// entries are $O(\sum w)$) below which the quadratic is taken as undetermined.
const NORMAL_MATRIX_RCOND: f64 = 1e-13;

/// Locates the maximum of `points` (sorted by $x$) by the theory's local quadratic fit to the
/// `2 half_window + 1` points around the largest point (fewer where the curve ends; 5–7 points
/// means `half_window` 2 or 3).
///
/// Weights $1/\sigma_i^2$ when every point of the window has $\sigma_i > 0$ (covariance
/// $(X^\top WX)^{-1}$, errors taken as known); otherwise unweighted with covariance
/// $s^2(X^\top X)^{-1}$, $s^2 = \mathrm{RSS}/(n-3)$ (NaN with 3 points). Vertex
/// $t^* = -c_1/2c_2$, $y^* = c_0 - c_1^2/4c_2$; gradients $\partial t^*/\partial(c_1, c_2) =
/// (-1/2c_2,\ c_1/2c_2^2)$, $\partial y^*/\partial(c_0,c_1,c_2) = (1,\ -c_1/2c_2,\ c_1^2/4c_2^2)$.
///
/// Non-convergence is data: a maximum at the first or last point, a quadratic that is not
/// concave, or a vertex outside the window return the largest point with its
/// [`PeakStatus`] flag.
///
/// # Errors
/// Fewer than 3 points, `half_window == 0`, points not sorted by $x$ or not finite.
pub fn locate_peak(points: &[CurvePoint], half_window: usize) -> Result<Peak> {
    let n = points.len();
    if n < 3 {
        return Err(Error::invalid(
            "points",
            n,
            "a peak needs at least 3 points",
        ));
    }
    if half_window == 0 {
        return Err(Error::invalid("half_window", 0, "must be at least 1"));
    }
    if points
        .iter()
        .any(|p| !(p.x.is_finite() && p.y.is_finite() && p.se >= 0.0))
        || points.windows(2).any(|w| w[1].x < w[0].x)
    {
        return Err(Error::invalid(
            "points",
            "",
            "must be finite, sorted by x, with standard errors >= 0",
        ));
    }
    let imax = (0..n).fold(0, |b, i| if points[i].y > points[b].y { i } else { b });
    let lo = imax.saturating_sub(half_window);
    let hi = (imax + half_window).min(n - 1);
    let fallback = |status: PeakStatus, used: usize| {
        let (a, b) = (imax.saturating_sub(1), (imax + 1).min(n - 1));
        let spacing = (points[b].x - points[a].x) / (b - a).max(1) as f64;
        Peak {
            location: points[imax].x,
            height: points[imax].y,
            location_se: spacing / 12f64.sqrt(),
            height_se: points[imax].se,
            points_used: used,
            status,
        }
    };
    if imax == 0 || imax == n - 1 {
        return Ok(fallback(PeakStatus::AtEdge, 0));
    }
    let window = &points[lo..=hi];
    let used = window.len();
    let x0 = points[imax].x;
    let h = 0.5 * (window[used - 1].x - window[0].x);
    if h <= 0.0 {
        return Ok(fallback(PeakStatus::NotConcave, used));
    }
    let weighted = window.iter().all(|p| p.se > 0.0);
    let mut normal = Matrix3::<f64>::zeros();
    let mut rhs = Vector3::<f64>::zeros();
    for p in window {
        let t = (p.x - x0) / h;
        let w = if weighted { 1.0 / (p.se * p.se) } else { 1.0 };
        let f = Vector3::new(1.0, t, t * t);
        normal += w * f * f.transpose();
        rhs += w * p.y * f;
    }
    let scale = normal.abs().max();
    let inverse = match normal.try_inverse() {
        Some(inv) if inv.abs().max() * scale * NORMAL_MATRIX_RCOND < 1.0 => inv,
        _ => return Ok(fallback(PeakStatus::NotConcave, used)),
    };
    let c = inverse * rhs;
    let (c0, c1, c2) = (c[0], c[1], c[2]);
    if c2 >= 0.0 {
        return Ok(fallback(PeakStatus::NotConcave, used));
    }
    let t_star = -c1 / (2.0 * c2);
    let (t_lo, t_hi) = ((window[0].x - x0) / h, (window[used - 1].x - x0) / h);
    if !(t_lo..=t_hi).contains(&t_star) {
        return Ok(fallback(PeakStatus::VertexOutsideWindow, used));
    }
    let covariance = if weighted {
        inverse
    } else {
        let rss: f64 = window
            .iter()
            .map(|p| {
                let t = (p.x - x0) / h;
                (p.y - c0 - c1 * t - c2 * t * t).powi(2)
            })
            .sum();
        let s2 = if used > 3 {
            rss / (used - 3) as f64
        } else {
            f64::NAN
        };
        inverse * s2
    };
    let grad_t = Vector3::new(0.0, -1.0 / (2.0 * c2), c1 / (2.0 * c2 * c2));
    let grad_y = Vector3::new(1.0, -c1 / (2.0 * c2), c1 * c1 / (4.0 * c2 * c2));
    let var_t = (grad_t.transpose() * covariance * grad_t)[(0, 0)];
    let var_y = (grad_y.transpose() * covariance * grad_y)[(0, 0)];
    Ok(Peak {
        location: x0 + h * t_star,
        height: c0 - c1 * c1 / (4.0 * c2),
        location_se: h * var_t.max(0.0).sqrt(),
        height_se: var_y.max(0.0).sqrt(),
        points_used: used,
        status: PeakStatus::Fitted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact parabola: only round-off of a 3×3 solve in scaled variables remains.
    const EXACT_TOL: f64 = 1e-10;

    fn parabola(xs: &[f64]) -> Vec<CurvePoint> {
        xs.iter()
            .map(|&x| CurvePoint {
                x,
                y: 7.0 - 3.0 * (x - 1.13).powi(2),
                se: 0.1,
            })
            .collect()
    }

    #[test]
    fn finite_size_parabola_vertex_is_exact() {
        let xs: Vec<f64> = (0..15).map(|k| 0.5 + 0.1 * k as f64).collect();
        let p = locate_peak(&parabola(&xs), 3).unwrap();
        assert!(p.ok() && p.points_used == 7, "{p:?}");
        assert!((p.location - 1.13).abs() < EXACT_TOL && (p.height - 7.0).abs() < EXACT_TOL);
        assert!(p.location_se > 0.0 && p.height_se > 0.0);
    }

    #[test]
    fn finite_size_edges_and_bad_input() {
        let xs: Vec<f64> = (0..8).map(|k| 1.2 + 0.1 * k as f64).collect();
        let p = locate_peak(&parabola(&xs), 3).unwrap();
        assert!(p.at_edge() && !p.ok() && p.location == 1.2, "{p:?}");
        assert!(locate_peak(&parabola(&xs[..2]), 2).is_err());
        assert!(locate_peak(&parabola(&xs), 0).is_err());
        let mut unsorted = parabola(&xs);
        unsorted.swap(0, 3);
        assert!(locate_peak(&unsorted, 2).is_err());
    }

    #[test]
    fn finite_size_interpolation_and_average() {
        let c = Curve::new(vec![
            CurvePoint {
                x: 1.0,
                y: 2.0,
                se: 0.3,
            },
            CurvePoint {
                x: 0.0,
                y: 0.0,
                se: 0.4,
            },
        ])
        .unwrap();
        let (y, se) = c.interpolate(0.25).unwrap();
        assert!((y - 0.5).abs() < EXACT_TOL);
        assert!((se - (0.09f64 + 0.005625).sqrt()).abs() < EXACT_TOL);
        assert!(c.interpolate(1.5).is_none());
        let avg = Curve::average(&[c.clone(), c.clone()]).unwrap();
        assert_eq!(avg.points[1].y, 2.0);
        assert_eq!(avg.points[1].se, 0.0);
    }
}
