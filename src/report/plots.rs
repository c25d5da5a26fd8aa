//! Low-level drawing helpers shared by the figure builders of [`super::chart`] and by the
//! studies that draw their own charts (the finite-size-scaling figures, the precision case):
//! atomic PNG writing, the palette, axis ranges and tick labels.
//!
//! Each figure is drawn to a temporary `.png` beside the target and renamed over it, so a
//! crash never leaves a half-written figure in place of an old one.

use crate::error::{Error, Result};
use plotters::prelude::RGBColor;
use std::path::{Path, PathBuf};

/// Six colours. Callers of [`super::chart::LineChart::markers`] rely on the wrap-around: with six line
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

/// The chart area every line chart of the crate uses: 900 × 600 figure, title at 22 pt, the
/// same margins and label areas.
pub(crate) fn chart_builder<'a, 'b, DB: plotters::prelude::DrawingBackend>(
    root: &'a plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
) -> plotters::prelude::ChartBuilder<'a, 'b, DB> {
    let mut builder = plotters::prelude::ChartBuilder::on(root);
    builder
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70);
    builder
}

/// Draws the mesh of `$chart` with the axis labels and the crate's tick labels; `?` returns
/// a drawing error naming `$path`. (A macro: the chart's coordinate type differs between
/// linear and log axes.)
macro_rules! draw_mesh {
    ($chart:expr, $x_label:expr, $y_label:expr, $path:expr) => {
        $chart
            .configure_mesh()
            .x_desc($x_label)
            .y_desc($y_label)
            .x_label_formatter(&|v| $crate::report::plots::tick_label(*v))
            .y_label_formatter(&|v| $crate::report::plots::tick_label(*v))
            .draw()
            .map_err(|e| $crate::report::plots::plot_error($path, e))?
    };
}
pub(crate) use draw_mesh;
