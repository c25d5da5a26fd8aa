//! Figures of the finite-size-scaling analysis (PNG through `report::plots`' helpers and
//! palette): curves against $g$ or $\ln t$ per size, peak heights and τ at the peak against $N$
//! (log–log, fitted law and theory slope), and the data collapse.
//!
//! One colour per size (sizes in increasing order, the six-colour palette wraps); error bars
//! are ±1 SE.

use crate::error::Result;
use crate::report::plots::{atomic_png, chart_builder, draw_mesh, plot_error, range_of, PALETTE};
use crate::scaling::collapse::{rescale, CollapseParameters, SizedCurve};
use crate::scaling::exponents::{CorrectedFit, ExponentFit, SizeSummary};
use crate::scaling::finite_size::{Abscissa, Curve};
use plotters::prelude::*;
use std::path::Path;

/// Points `(x, y, se)` drawn as markers with ±se bars, optionally joined.
#[derive(Clone, Debug)]
pub struct ErrorSeries {
    /// Legend label (empty: no legend entry).
    pub name: String,
    /// `(x, y, standard error)`.
    pub points: Vec<(f64, f64, f64)>,
    /// Join the points by a line.
    pub connect: bool,
    /// Palette index.
    pub colour: usize,
}

/// A line without error bars (a fitted law, a theory line).
#[derive(Clone, Debug)]
pub struct Guide {
    /// Legend label.
    pub name: String,
    /// Points.
    pub points: Vec<(f64, f64)>,
    /// Palette index.
    pub colour: usize,
}

/// A chart of error-bar series, guide lines and an optional vertical line (e.g. at $g_c$).
///
/// # Errors
/// The file cannot be written.
#[allow(clippy::too_many_arguments)]
pub fn error_bar_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[ErrorSeries],
    guides: &[Guide],
    vertical: Option<(f64, &str)>,
    log_axes: (bool, bool),
) -> Result<()> {
    let (log_x, log_y) = log_axes;
    let ok = |x: f64, y: f64| {
        x.is_finite() && y.is_finite() && (!log_x || x > 0.0) && (!log_y || y > 0.0)
    };
    let xs = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(guides.iter().flat_map(|g| g.points.iter().map(|p| p.0)));
    let (x0, x1) = range_of(xs, log_x);
    let ys = series
        .iter()
        .flat_map(|s| {
            s.points
                .iter()
                .flat_map(|p| [p.1 - p.2.min(0.9 * p.1.abs()), p.1 + p.2])
        })
        .chain(guides.iter().flat_map(|g| g.points.iter().map(|p| p.1)));
    let (y0, y1) = range_of(ys, log_y);
    atomic_png(path, |tmp| {
        let root = BitMapBackend::new(tmp, (900, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
        let mut builder = chart_builder(&root, title);
        macro_rules! finish {
            ($chart:expr) => {{
                let mut chart = $chart;
                draw_mesh!(chart, x_label, y_label, path);
                for s in series {
                    let colour = PALETTE[s.colour % PALETTE.len()];
                    let pts: Vec<(f64, f64, f64)> =
                        s.points.iter().copied().filter(|p| ok(p.0, p.1)).collect();
                    let bars = pts.iter().map(|&(x, y, e)| {
                        let lo = if log_y { (y - e).max(y * 0.05) } else { y - e };
                        PathElement::new(vec![(x, lo), (x, y + e)], colour.stroke_width(1))
                    });
                    chart.draw_series(bars).map_err(|e| plot_error(path, e))?;
                    if s.connect {
                        chart
                            .draw_series(LineSeries::new(
                                pts.iter().map(|p| (p.0, p.1)),
                                colour.stroke_width(1),
                            ))
                            .map_err(|e| plot_error(path, e))?;
                    }
                    let dots = chart
                        .draw_series(
                            pts.iter()
                                .map(|p| Circle::new((p.0, p.1), 3, colour.filled())),
                        )
                        .map_err(|e| plot_error(path, e))?;
                    if !s.name.is_empty() {
                        dots.label(s.name.clone())
                            .legend(move |(x, y)| Circle::new((x + 10, y), 4, colour.filled()));
                    }
                }
                for g in guides {
                    let colour = PALETTE[g.colour % PALETTE.len()];
                    let pts: Vec<(f64, f64)> =
                        g.points.iter().copied().filter(|p| ok(p.0, p.1)).collect();
                    chart
                        .draw_series(LineSeries::new(pts, colour.stroke_width(2)))
                        .map_err(|e| plot_error(path, e))?
                        .label(g.name.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                        });
                }
                if let Some((xv, name)) = vertical {
                    let line = BLACK;
                    chart
                        .draw_series(LineSeries::new(
                            vec![(xv, y0), (xv, y1)],
                            line.stroke_width(2),
                        ))
                        .map_err(|e| plot_error(path, e))?
                        .label(name.to_string())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], line.stroke_width(2))
                        });
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .position(SeriesLabelPosition::UpperLeft)
                    .draw()
                    .map_err(|e| plot_error(path, e))?;
            }};
        }
        match (log_x, log_y) {
            (true, true) => finish!(builder
                .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                .map_err(|e| plot_error(path, e))?),
            (false, true) => finish!(builder
                .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                .map_err(|e| plot_error(path, e))?),
            (true, false) => finish!(builder
                .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                .map_err(|e| plot_error(path, e))?),
            (false, false) => finish!(builder
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(|e| plot_error(path, e))?),
        }
        root.present().map_err(|e| plot_error(path, e))
    })
}

/// Curves grouped by size (increasing): the mean over runs where they share a grid
/// ([`Curve::average`]), else every run (legend on the first).
fn by_size(curves: &[SizedCurve], map: impl Fn(&SizedCurve) -> Curve) -> Vec<ErrorSeries> {
    let mut sizes: Vec<usize> = curves.iter().map(|c| c.size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let mut out = Vec::new();
    for (k, n) in sizes.iter().enumerate() {
        let runs: Vec<Curve> = curves.iter().filter(|c| c.size == *n).map(&map).collect();
        let (shown, label) = match Curve::average(&runs) {
            Some(mean) => (vec![mean], format!("N = {n} (mean of {} runs)", runs.len())),
            None => (runs, format!("N = {n} (each run)")),
        };
        for (r, c) in shown.into_iter().enumerate() {
            out.push(ErrorSeries {
                name: if r == 0 { label.clone() } else { String::new() },
                points: c.points.iter().map(|p| (p.x, p.y, p.se)).collect(),
                connect: true,
                colour: k,
            });
        }
    }
    out
}

/// $y$ against $g$ (vertical line at `critical_point`) or against learning time (log axis:
/// the curves' $x = \ln t$ is drawn at $t = e^x$), one colour per size.
///
/// # Errors
/// The file cannot be written.
pub fn plot_curves(
    path: &Path,
    title: &str,
    y_label: &str,
    curves: &[SizedCurve],
    abscissa: Abscissa,
    critical_point: Option<f64>,
) -> Result<()> {
    plot_curves_scaled(
        path,
        title,
        y_label,
        curves,
        abscissa,
        critical_point,
        false,
    )
}

/// [`plot_curves`] with an optional logarithmic y axis (e.g. for relaxation times spanning
/// decades).
///
/// # Errors
/// The file cannot be written.
pub fn plot_curves_scaled(
    path: &Path,
    title: &str,
    y_label: &str,
    curves: &[SizedCurve],
    abscissa: Abscissa,
    critical_point: Option<f64>,
    log_y: bool,
) -> Result<()> {
    let log_time = abscissa == Abscissa::LogTime;
    let series = by_size(curves, |c| {
        let mut curve = c.curve.clone();
        if log_time {
            curve.points.iter_mut().for_each(|p| p.x = p.x.exp());
        }
        curve
    });
    let x_label = if log_time {
        "learning time t"
    } else {
        abscissa.label()
    };
    let vertical = critical_point.map(|g| (g, "g_c"));
    error_bar_chart(
        path,
        title,
        x_label,
        y_label,
        &series,
        &[],
        vertical,
        (log_time, log_y),
    )
}

/// Per-size means ± SE of a peak quantity against $N$ (log–log), the fitted power law, the
/// corrected law if given, and the theory slope drawn through the fit at the geometric mean of
/// the sizes.
///
/// # Errors
/// The file cannot be written.
pub fn plot_size_law(
    path: &Path,
    title: &str,
    y_label: &str,
    points: &[(f64, f64, f64)],
    fit: &ExponentFit,
    corrected: Option<&CorrectedFit>,
    theory_exponent: f64,
) -> Result<()> {
    let (n0, n1) = points.iter().fold((f64::INFINITY, 0.0f64), |(a, b), p| {
        (a.min(p.0), b.max(p.0))
    });
    let grid: Vec<f64> = (0..=40)
        .map(|k| n0 * (n1 / n0).powf(k as f64 / 40.0))
        .collect();
    let law = |n: f64| (fit.log_prefactor + fit.exponent * n.ln()).exp();
    let mid = (n0 * n1).sqrt();
    let theory = |n: f64| law(mid) * (n / mid).powf(theory_exponent);
    let series = [ErrorSeries {
        name: "per-size mean ± SE over runs".into(),
        points: points.to_vec(),
        connect: false,
        colour: 0,
    }];
    let mut guides = vec![
        Guide {
            name: format!("fit: slope {:.3} ± {:.3}", fit.exponent, fit.standard_error),
            points: grid.iter().map(|&n| (n, law(n))).collect(),
            colour: 1,
        },
        Guide {
            name: format!("theory slope {theory_exponent}"),
            points: grid.iter().map(|&n| (n, theory(n))).collect(),
            colour: 2,
        },
    ];
    if let Some(c) = corrected {
        guides.push(Guide {
            name: format!(
                "A N^a (1 + B N^-1/2): a = {:.3} ± {:.3}, B = {:.2}",
                c.exponent, c.standard_error, c.correction
            ),
            points: grid
                .iter()
                .map(|&n| {
                    (
                        n,
                        c.amplitude * n.powf(c.exponent) * (1.0 + c.correction / n.sqrt()),
                    )
                })
                .collect(),
            colour: 3,
        });
    }
    error_bar_chart(
        path,
        title,
        "N",
        y_label,
        &series,
        &guides,
        None,
        (true, true),
    )
}

/// The (height, τ) points of [`plot_size_law`] from per-size summaries.
pub fn size_points(sizes: &[SizeSummary], tau: bool) -> Vec<(f64, f64, f64)> {
    sizes
        .iter()
        .filter(|s| s.runs_used >= 2)
        .map(|s| {
            let m = if tau { s.tau_at_peak } else { s.height };
            (s.size as f64, m.mean, m.se)
        })
        .filter(|p| p.1.is_finite() && p.2.is_finite())
        .collect()
}

/// The collapse: $y N^{-a}$ against $(g - g_c)N^b$ for all sizes.
///
/// # Errors
/// The file cannot be written.
pub fn plot_collapse(
    path: &Path,
    title: &str,
    curves: &[SizedCurve],
    parameters: CollapseParameters,
) -> Result<()> {
    let series = by_size(curves, |c| rescale(c, parameters));
    let x_label = format!(
        "(g - {:.4}) N^{:.3}",
        parameters.critical_point, parameters.shift_exponent
    );
    let y_label = format!("y N^-{:.3}", parameters.height_exponent);
    error_bar_chart(
        path,
        title,
        &x_label,
        &y_label,
        &series,
        &[],
        Some((0.0, "g = g_c")),
        (false, false),
    )
}
