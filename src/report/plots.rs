//! PNG figures through plotters: line charts, observed-vs-exact bars, image grids.
//!
//! Each figure is drawn to a temporary `.png` beside the target and renamed over it, so a
//! crash never leaves a half-written figure in place of an old one.

use crate::error::{Error, Result};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One named curve of a [`line_chart`].
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Points `(x, y)`.
    pub points: Vec<(f64, f64)>,
}

/// Six colours. Callers of [`line_chart_with_markers`] rely on the wrap-around: with six line
/// series, marker series k takes the colour of line series k (a measurement beside its
/// prediction), so a longer palette would break those pairings.
pub(crate) const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(0, 0, 0),
];

pub(crate) fn plot_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::format(path, format!("drawing the figure failed: {e}"))
}

/// Runs `draw` on a temporary PNG path beside `path`, then renames it over `path`.
pub(crate) fn atomic_png(path: &Path, draw: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "figure.png".into());
    let tmp: PathBuf = dir.join(format!(".{name}.{}.tmp.png", std::process::id()));
    let result = draw(&tmp);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// The points of a series that can be drawn: finite, and positive on a logarithmic axis.
pub(crate) fn drawable(points: &[(f64, f64)], log_x: bool, log_y: bool) -> Vec<(f64, f64)> {
    points
        .iter()
        .copied()
        .filter(|p| p.1.is_finite() && (!log_x || p.0 > 0.0) && (!log_y || p.1 > 0.0))
        .collect()
}

/// Short tick labels: `1e-6`, `0.025`, `-6.5`, `2e4`.
pub(crate) fn tick_label(v: f64) -> String {
    let a = v.abs();
    if v != 0.0 && !(1e-3..1e4).contains(&a) {
        let text = format!("{v:.1e}");
        return text.replace(".0e", "e");
    }
    let text = format!("{v:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

pub(crate) fn range_of(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if log {
        return (lo / 1.2, hi * 1.2);
    }
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else {
        0.5 * lo.abs().max(1.0)
    };
    (lo - pad, hi + pad)
}

/// A line chart of several series (x optionally logarithmic), with a legend.
///
/// # Errors
/// The file cannot be written.
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_x: bool,
) -> Result<()> {
    line_chart_scaled(path, title, x_label, y_label, series, log_x, false)
}

/// [`line_chart`] with a choice of logarithmic axes (non-positive values are dropped from a
/// logarithmic axis).
///
/// # Errors
/// The file cannot be written.
pub fn line_chart_scaled(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_x: bool,
    log_y: bool,
) -> Result<()> {
    line_chart_with_markers(path, title, x_label, y_label, series, &[], log_x, log_y)
}

/// [`line_chart_scaled`] plus `markers`: series drawn as large unconnected points.
///
/// # Errors
/// The file cannot be written.
#[allow(clippy::too_many_arguments)]
pub fn line_chart_with_markers(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    markers: &[Series],
    log_x: bool,
    log_y: bool,
) -> Result<()> {
    atomic_png(path, |tmp| {
        let root = BitMapBackend::new(tmp, (900, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
        let xs = series
            .iter()
            .chain(markers)
            .flat_map(|s| s.points.iter().map(|p| p.0));
        let ys = series
            .iter()
            .chain(markers)
            .flat_map(|s| s.points.iter().map(|p| p.1));
        let (x0, x1) = range_of(xs, log_x);
        let (y0, y1) = range_of(ys, log_y);
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70);
        macro_rules! finish {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(x_label)
                    .y_desc(y_label)
                    .x_label_formatter(&|v| tick_label(*v))
                    .y_label_formatter(&|v| tick_label(*v))
                    .draw()
                    .map_err(|e| plot_error(path, e))?;
                for (k, s) in series.iter().enumerate() {
                    let color = PALETTE[k % PALETTE.len()];
                    let pts = drawable(&s.points, log_x, log_y);
                    chart
                        .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                        .map_err(|e| plot_error(path, e))?
                        .label(s.name.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                        });
                    chart
                        .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                        .map_err(|e| plot_error(path, e))?;
                }
                for (k, s) in markers.iter().enumerate() {
                    let color = PALETTE[(series.len() + k) % PALETTE.len()];
                    let pts = drawable(&s.points, log_x, log_y);
                    chart
                        .draw_series(
                            pts.iter()
                                .map(|&p| TriangleMarker::new(p, 9, color.filled())),
                        )
                        .map_err(|e| plot_error(path, e))?
                        .label(s.name.clone())
                        .legend(move |(x, y)| TriangleMarker::new((x + 10, y), 7, color.filled()));
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .position(SeriesLabelPosition::LowerRight)
                    .draw()
                    .map_err(|e| plot_error(path, e))?;
            }};
        }
        if log_x && log_y {
            finish!(builder
                .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                .map_err(|e| plot_error(path, e))?);
        } else if log_y {
            finish!(builder
                .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                .map_err(|e| plot_error(path, e))?);
        } else if log_x {
            finish!(builder
                .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                .map_err(|e| plot_error(path, e))?);
        } else {
            finish!(builder
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(|e| plot_error(path, e))?);
        }
        root.present().map_err(|e| plot_error(path, e))
    })
}

/// Observed frequencies (bars) against exact probabilities (dots), one pair per outcome.
///
/// # Errors
/// The file cannot be written.
pub fn observed_vs_exact(
    path: &Path,
    title: &str,
    x_label: &str,
    observed: &[f64],
    exact: &[f64],
) -> Result<()> {
    atomic_png(path, |tmp| {
        let root = BitMapBackend::new(tmp, (900, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
        let n = observed.len().max(exact.len());
        let top = observed.iter().chain(exact).cloned().fold(0.0, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..top.max(1e-12))
            .map_err(|e| plot_error(path, e))?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("probability")
            .draw()
            .map_err(|e| plot_error(path, e))?;
        let bar = PALETTE[0];
        chart
            .draw_series(observed.iter().enumerate().map(|(k, &p)| {
                let x = k as f64;
                Rectangle::new([(x - 0.35, 0.0), (x + 0.35, p)], bar.mix(0.6).filled())
            }))
            .map_err(|e| plot_error(path, e))?
            .label("sampled frequency")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], bar.filled()));
        let dot = PALETTE[1];
        chart
            .draw_series(
                exact
                    .iter()
                    .enumerate()
                    .map(|(k, &p)| Circle::new((k as f64, p), 5, dot.filled())),
            )
            .map_err(|e| plot_error(path, e))?
            .label("exact probability")
            .legend(move |(x, y)| Circle::new((x + 7, y), 5, dot.filled()));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| plot_error(path, e))?;
        root.present().map_err(|e| plot_error(path, e))
    })
}

/// A grid of grey-level images (values in [0, 1], 1 = ink drawn black), `columns` per row,
/// each pixel drawn as a `scale × scale` square; images are row-major of shape `(rows, cols)`.
///
/// # Errors
/// An image of the wrong length, or the file cannot be written.
pub fn image_grid(
    path: &Path,
    images: &[Vec<f64>],
    shape: (usize, usize),
    columns: usize,
    scale: u32,
) -> Result<()> {
    let (h, w) = shape;
    if let Some(bad) = images.iter().position(|im| im.len() != h * w) {
        return Err(Error::shape(
            format!("image {bad} of the grid"),
            format!("{} pixels ({h}x{w})", h * w),
            format!("{}", images[bad].len()),
        ));
    }
    let columns = columns.max(1);
    let rows = images.len().div_ceil(columns).max(1);
    let gap = 2u32;
    let cell_w = w as u32 * scale + gap;
    let cell_h = h as u32 * scale + gap;
    let size = (columns as u32 * cell_w + gap, rows as u32 * cell_h + gap);
    atomic_png(path, |tmp| {
        let root = BitMapBackend::new(tmp, size).into_drawing_area();
        root.fill(&RGBColor(200, 200, 200))
            .map_err(|e| plot_error(path, e))?;
        for (k, im) in images.iter().enumerate() {
            let (gr, gc) = ((k / columns) as u32, (k % columns) as u32);
            let (x0, y0) = (gap + gc * cell_w, gap + gr * cell_h);
            for r in 0..h {
                for c in 0..w {
                    let v = im[r * w + c].clamp(0.0, 1.0);
                    let g = (255.0 * (1.0 - v)).round() as u8;
                    let (px, py) = (x0 + c as u32 * scale, y0 + r as u32 * scale);
                    root.draw(&Rectangle::new(
                        [
                            (px as i32, py as i32),
                            ((px + scale) as i32, (py + scale) as i32),
                        ],
                        RGBColor(g, g, g).filled(),
                    ))
                    .map_err(|e| plot_error(path, e))?;
                }
            }
        }
        root.present().map_err(|e| plot_error(path, e))
    })
}

/// Side-by-side heat maps of matrices with entries in [0, 1] (white = 0, dark blue = 1), one
/// panel per `(title, matrix)`; row `r`, column `c` of a matrix is drawn at `(c + 1, r + 1)`
/// so indices read as 1-based mode numbers. Each cell is annotated with its value when the
/// matrix is at most 12 × 12.
///
/// # Errors
/// The file cannot be written.
pub fn heatmap_panels(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    panels: &[(String, nalgebra::DMatrix<f64>)],
) -> Result<()> {
    let n = panels.len().max(1) as u32;
    atomic_png(path, |tmp| {
        let root = BitMapBackend::new(tmp, (460 * n, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
        let root = root
            .titled(title, ("sans-serif", 22))
            .map_err(|e| plot_error(path, e))?;
        let areas = root.split_evenly((1, n as usize));
        for ((name, m), area) in panels.iter().zip(areas.iter()) {
            let (rows, cols) = m.shape();
            let mut chart = ChartBuilder::on(area)
                .caption(name, ("sans-serif", 18))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(45)
                .build_cartesian_2d(0.5..(cols as f64 + 0.5), (rows as f64 + 0.5)..0.5)
                .map_err(|e| plot_error(path, e))?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(x_label)
                .y_desc(y_label)
                .x_label_formatter(&|v| format!("{v:.0}"))
                .y_label_formatter(&|v| format!("{v:.0}"))
                .draw()
                .map_err(|e| plot_error(path, e))?;
            let annotate = rows <= 12 && cols <= 12;
            for r in 0..rows {
                for c in 0..cols {
                    let v = m[(r, c)].clamp(0.0, 1.0);
                    let shade = |full: f64| (255.0 - v * (255.0 - full)).round() as u8;
                    let color = RGBColor(shade(8.0), shade(48.0), shade(107.0));
                    let (x, y) = (c as f64 + 1.0, r as f64 + 1.0);
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                            color.filled(),
                        )))
                        .map_err(|e| plot_error(path, e))?;
                    if annotate {
                        let text_color = if v > 0.5 { WHITE } else { BLACK };
                        chart
                            .draw_series(std::iter::once(Text::new(
                                format!("{:.2}", m[(r, c)]),
                                (x - 0.3, y - 0.15),
                                ("sans-serif", 11).into_font().color(&text_color),
                            )))
                            .map_err(|e| plot_error(path, e))?;
                    }
                }
            }
        }
        root.present().map_err(|e| plot_error(path, e))
    })
}
