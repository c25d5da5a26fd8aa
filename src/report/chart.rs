//! Figure builders: one vocabulary for every chart of the studies and validation cases.
//!
//! A figure is described by a builder and drawn by `write`, always to a temporary `.png` beside
//! the target, renamed over it afterwards (see [`super::plots`]):
//!
//! ```no_run
//! # use rbmdyn::report::chart::{Axis, LineChart, Series};
//! # fn demo(s: Vec<Series>, m: Vec<Series>) -> rbmdyn::error::Result<()> {
//! LineChart::new("σ₁ against time")
//!     .x(Axis::log("t"))
//!     .y(Axis::linear("σ₁"))
//!     .series(&s)
//!     .markers(&m)
//!     .write(std::path::Path::new("sigma.png"))
//! # }
//! ```
//!
//! [`LineChart`] draws connected series (and optional marker series); [`ObservedVsExact`],
//! [`ImageGrid`] and [`HeatmapPanels`] are the figures that are not line charts.

use super::plots::{atomic_png, chart_builder, draw_mesh, plot_error, range_of, PALETTE};
use crate::error::{Error, Result};
use plotters::prelude::*;
use std::path::Path;

/// One named curve of a [`LineChart`].
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Points `(x, y)`.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series named `name` through `points`.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
        }
    }
}

/// How an axis maps values to positions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values.
    #[default]
    Linear,
    /// Logarithmic: non-positive values are dropped from the axis.
    Log,
}

impl Scale {
    fn is_log(self) -> bool {
        self == Scale::Log
    }
}

/// An axis of a [`LineChart`]: its label and its [`Scale`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Axis {
    /// Axis description.
    pub label: String,
    /// Linear or logarithmic.
    pub scale: Scale,
}

impl Axis {
    /// A linear axis labelled `label`.
    pub fn linear(label: impl Into<String>) -> Self {
        Axis::scaled(label, Scale::Linear)
    }

    /// A logarithmic axis labelled `label`.
    pub fn log(label: impl Into<String>) -> Self {
        Axis::scaled(label, Scale::Log)
    }

    /// An axis labelled `label` with the scale `scale` (for a scale chosen at run time).
    pub fn scaled(label: impl Into<String>, scale: Scale) -> Self {
        Axis {
            label: label.into(),
            scale,
        }
    }
}

/// The points of a series that can be drawn: finite, and positive on a logarithmic axis.
fn drawable(points: &[(f64, f64)], x: Scale, y: Scale) -> Vec<(f64, f64)> {
    points
        .iter()
        .copied()
        .filter(|p| p.1.is_finite() && (!x.is_log() || p.0 > 0.0) && (!y.is_log() || p.1 > 0.0))
        .collect()
}

/// A line chart (900 × 600) of several series with a legend in the lower right corner.
///
/// Line series take the [palette](super::plots) colours in order; marker series (large
/// unconnected triangles) continue the palette after the lines, so with six lines marker `k`
/// takes the colour of line `k`.
#[derive(Clone, Debug)]
pub struct LineChart<'a> {
    title: String,
    x: Axis,
    y: Axis,
    series: &'a [Series],
    markers: &'a [Series],
}

impl<'a> LineChart<'a> {
    /// An empty chart titled `title`, both axes linear and unlabelled.
    pub fn new(title: impl Into<String>) -> Self {
        LineChart {
            title: title.into(),
            x: Axis::default(),
            y: Axis::default(),
            series: &[],
            markers: &[],
        }
    }

    /// The horizontal axis.
    #[must_use]
    pub fn x(mut self, axis: Axis) -> Self {
        self.x = axis;
        self
    }

    /// The vertical axis.
    #[must_use]
    pub fn y(mut self, axis: Axis) -> Self {
        self.y = axis;
        self
    }

    /// The curves, drawn as lines with small dots.
    #[must_use]
    pub fn series(mut self, series: &'a [Series]) -> Self {
        self.series = series;
        self
    }

    /// Series drawn as large unconnected triangles.
    #[must_use]
    pub fn markers(mut self, markers: &'a [Series]) -> Self {
        self.markers = markers;
        self
    }

    /// Draws the chart to `path` (atomically).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        let (series, markers) = (self.series, self.markers);
        let (sx, sy) = (self.x.scale, self.y.scale);
        let (x_label, y_label) = (self.x.label.as_str(), self.y.label.as_str());
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
            let (x0, x1) = range_of(xs, sx.is_log());
            let (y0, y1) = range_of(ys, sy.is_log());
            let mut builder = chart_builder(&root, &self.title);
            macro_rules! finish {
                ($chart:expr) => {{
                    let mut chart = $chart;
                    draw_mesh!(chart, x_label, y_label, path);
                    for (k, s) in series.iter().enumerate() {
                        let color = PALETTE[k % PALETTE.len()];
                        let pts = drawable(&s.points, sx, sy);
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
                        let pts = drawable(&s.points, sx, sy);
                        chart
                            .draw_series(
                                pts.iter()
                                    .map(|&p| TriangleMarker::new(p, 9, color.filled())),
                            )
                            .map_err(|e| plot_error(path, e))?
                            .label(s.name.clone())
                            .legend(move |(x, y)| {
                                TriangleMarker::new((x + 10, y), 7, color.filled())
                            });
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
            match (sx, sy) {
                (Scale::Log, Scale::Log) => finish!(builder
                    .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                    .map_err(|e| plot_error(path, e))?),
                (Scale::Linear, Scale::Log) => finish!(builder
                    .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                    .map_err(|e| plot_error(path, e))?),
                (Scale::Log, Scale::Linear) => finish!(builder
                    .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                    .map_err(|e| plot_error(path, e))?),
                (Scale::Linear, Scale::Linear) => finish!(builder
                    .build_cartesian_2d(x0..x1, y0..y1)
                    .map_err(|e| plot_error(path, e))?),
            }
            root.present().map_err(|e| plot_error(path, e))
        })
    }
}

/// Observed frequencies (bars) against exact probabilities (dots), one pair per outcome; the
/// vertical axis is "probability".
#[derive(Clone, Debug)]
pub struct ObservedVsExact<'a> {
    title: String,
    x_label: String,
    observed: &'a [f64],
    exact: &'a [f64],
}

impl<'a> ObservedVsExact<'a> {
    /// An empty figure titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        ObservedVsExact {
            title: title.into(),
            x_label: String::new(),
            observed: &[],
            exact: &[],
        }
    }

    /// The description of the horizontal axis (the outcomes).
    #[must_use]
    pub fn x_label(mut self, label: impl Into<String>) -> Self {
        self.x_label = label.into();
        self
    }

    /// Sampled frequencies, one per outcome (bars).
    #[must_use]
    pub fn observed(mut self, observed: &'a [f64]) -> Self {
        self.observed = observed;
        self
    }

    /// Exact probabilities, one per outcome (dots).
    #[must_use]
    pub fn exact(mut self, exact: &'a [f64]) -> Self {
        self.exact = exact;
        self
    }

    /// Draws the figure to `path` (atomically).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        let (observed, exact) = (self.observed, self.exact);
        atomic_png(path, |tmp| {
            let root = BitMapBackend::new(tmp, (900, 600)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
            let n = observed.len().max(exact.len());
            let top = observed.iter().chain(exact).cloned().fold(0.0, f64::max) * 1.15;
            let mut chart = ChartBuilder::on(&root)
                .caption(&self.title, ("sans-serif", 22))
                .margin(15)
                .x_label_area_size(45)
                .y_label_area_size(70)
                .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..top.max(1e-12))
                .map_err(|e| plot_error(path, e))?;
            chart
                .configure_mesh()
                .x_desc(self.x_label.as_str())
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
}

/// A grid of grey-level images (values in [0, 1], 1 = ink drawn black), row-major of shape
/// `(rows, cols)`, each pixel drawn as a `scale × scale` square, `columns` images per row.
#[derive(Clone, Debug)]
pub struct ImageGrid<'a> {
    images: &'a [Vec<f64>],
    shape: (usize, usize),
    columns: usize,
    scale: u32,
}

impl<'a> ImageGrid<'a> {
    /// `images` of shape `(rows, cols)`, by default 10 per row at 3 × 3 screen pixels per pixel.
    pub fn new(images: &'a [Vec<f64>], shape: (usize, usize)) -> Self {
        ImageGrid {
            images,
            shape,
            columns: 10,
            scale: 3,
        }
    }

    /// Images per row of the grid (at least 1).
    #[must_use]
    pub fn columns(mut self, columns: usize) -> Self {
        self.columns = columns;
        self
    }

    /// Screen pixels per image pixel along each side.
    #[must_use]
    pub fn scale(mut self, scale: u32) -> Self {
        self.scale = scale;
        self
    }

    /// Draws the grid to `path` (atomically).
    ///
    /// # Errors
    /// An image of the wrong length, or the file cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        let (images, scale) = (self.images, self.scale);
        let (h, w) = self.shape;
        if let Some(bad) = images.iter().position(|im| im.len() != h * w) {
            return Err(Error::shape(
                format!("image {bad} of the grid"),
                format!("{} pixels ({h}x{w})", h * w),
                format!("{}", images[bad].len()),
            ));
        }
        let columns = self.columns.max(1);
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
}

/// Side-by-side heat maps of matrices with entries in [0, 1] (white = 0, dark blue = 1), one
/// panel per `(title, matrix)`; row `r`, column `c` of a matrix is drawn at `(c + 1, r + 1)`
/// so indices read as 1-based mode numbers. Each cell is annotated with its value when the
/// matrix is at most 12 × 12.
#[derive(Clone, Debug)]
pub struct HeatmapPanels<'a> {
    title: String,
    x_label: String,
    y_label: String,
    panels: &'a [(String, nalgebra::DMatrix<f64>)],
}

impl<'a> HeatmapPanels<'a> {
    /// An empty figure titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        HeatmapPanels {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            panels: &[],
        }
    }

    /// The description of the horizontal axis (matrix columns) of every panel.
    #[must_use]
    pub fn x_label(mut self, label: impl Into<String>) -> Self {
        self.x_label = label.into();
        self
    }

    /// The description of the vertical axis (matrix rows) of every panel.
    #[must_use]
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = label.into();
        self
    }

    /// The panels, `(panel title, matrix)`, left to right.
    #[must_use]
    pub fn panels(mut self, panels: &'a [(String, nalgebra::DMatrix<f64>)]) -> Self {
        self.panels = panels;
        self
    }

    /// Draws the panels to `path` (atomically).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        let panels = self.panels;
        let (x_label, y_label) = (self.x_label.as_str(), self.y_label.as_str());
        let n = panels.len().max(1) as u32;
        atomic_png(path, |tmp| {
            let root = BitMapBackend::new(tmp, (460 * n, 520)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
            let root = root
                .titled(&self.title, ("sans-serif", 22))
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axes_drop_non_positive_and_non_finite_points() {
        let pts = [
            (1.0, 2.0),
            (0.0, 1.0),
            (2.0, -1.0),
            (3.0, f64::NAN),
            (-1.0, 5.0),
        ];
        assert_eq!(
            drawable(&pts, Scale::Linear, Scale::Linear),
            vec![(1.0, 2.0), (0.0, 1.0), (2.0, -1.0), (-1.0, 5.0)]
        );
        assert_eq!(
            drawable(&pts, Scale::Log, Scale::Linear),
            vec![(1.0, 2.0), (2.0, -1.0)]
        );
        assert_eq!(
            drawable(&pts, Scale::Linear, Scale::Log),
            vec![(1.0, 2.0), (0.0, 1.0), (-1.0, 5.0)]
        );
        assert_eq!(drawable(&pts, Scale::Log, Scale::Log), vec![(1.0, 2.0)]);
    }

    #[test]
    fn a_line_chart_is_written_in_place_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.png");
        let s = [Series::new("a", vec![(1.0, 1.0), (10.0, 100.0)])];
        let m = [Series::new("b", vec![(3.0, 9.0)])];
        LineChart::new("t")
            .x(Axis::log("x"))
            .y(Axis::log("y"))
            .series(&s)
            .markers(&m)
            .write(&path)
            .unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["chart.png".to_string()]);
        assert_eq!(&std::fs::read(&path).unwrap()[..4], b"\x89PNG");
    }

    #[test]
    fn an_image_of_the_wrong_length_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grid.png");
        let images = vec![vec![0.0; 4], vec![0.0; 3]];
        assert!(ImageGrid::new(&images, (2, 2)).write(&path).is_err());
        assert!(!path.exists());
    }
}
