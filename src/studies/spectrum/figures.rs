//! The figures of `rbmdyn spectrum` ([`super`]).

use super::summary::{LeftAt, SpectrumSummary};
use crate::error::Result;
use crate::rbm::AnyRbm;
use crate::report::chart::{Axis, HeatmapPanels, LineChart, Series};
use crate::spectral::alignment::{overlap_matrix, PrincipalAxes};
use crate::spectral::fit::MarchenkoPasturFit;
use crate::training::SpectrumRecord;
use std::path::Path;

/// Modes drawn in the singular-values-vs-time figure.
const TRACKED_MODES: usize = 12;

fn series(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
    Series {
        name: name.into(),
        points,
    }
}

/// Index of the save nearest to `epoch`.
fn nearest(epochs: &[f64], epoch: f64) -> Option<usize> {
    (0..epochs.len()).min_by(|&i, &j| {
        (epochs[i] - epoch)
            .abs()
            .total_cmp(&(epochs[j] - epoch).abs())
    })
}

/// The first save, those nearest to each of `targets` the run goes beyond (by 20 %), the last.
fn picks(epochs: &[f64], targets: &[f64], with_first: bool) -> Vec<usize> {
    let last = epochs.len().saturating_sub(1);
    let mut out: Vec<usize> = if with_first { vec![0] } else { Vec::new() };
    out.extend(
        targets
            .iter()
            .filter(|&&t| epochs.get(last).is_some_and(|&e| e > 1.2 * t))
            .filter_map(|&t| nearest(epochs, t)),
    );
    out.push(last);
    out.dedup();
    out
}

/// Histogram of `values` on `bins` equal bins over `[lo, hi]` as a step curve of densities,
/// normalised by `total` values (so values outside the range count in the normalisation).
fn density_steps(values: &[f64], total: usize, lo: f64, hi: f64, bins: usize) -> Vec<(f64, f64)> {
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &v in values {
        if v >= lo && v < hi {
            counts[(((v - lo) / width) as usize).min(bins - 1)] += 1;
        }
    }
    let norm = total.max(1) as f64 * width;
    let mut pts = Vec::with_capacity(2 * bins);
    for (b, &c) in counts.iter().enumerate() {
        let d = c as f64 / norm;
        pts.push((lo + b as f64 * width, d));
        pts.push((lo + (b + 1) as f64 * width, d));
    }
    pts
}

/// Spectrum figures that need no data.
#[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
pub(crate) fn spectrum_figures(
    out: &Path,
    s: &SpectrumSummary,
    fits: &[MarchenkoPasturFit],
    records: &[SpectrumRecord],
    model: &AnyRbm<f64>,
    figures: &mut Vec<String>,
) -> Result<()> {
    let epochs: Vec<f64> = s.points.iter().map(|p| p.epoch).collect();
    let mut push = |name: &str| figures.push(name.to_string());
    if s.points.len() > 1 {
        let mut lines: Vec<Series> = (0..TRACKED_MODES)
            .map(|a| {
                series(
                    format!("σ{}", a + 1),
                    records
                        .iter()
                        .zip(&epochs)
                        .filter_map(|(r, &e)| r.singular_values.get(a).map(|&v| (e, v)))
                        .collect(),
                )
            })
            .collect();
        lines.truncate(5);
        lines.push(series(
            "fitted bulk edge",
            s.points
                .iter()
                .map(|p| (p.epoch, p.bulk_upper_edge))
                .collect(),
        ));
        LineChart::new("Top singular values of W and the fitted Marchenko–Pastur edge")
            .x(Axis::log("epoch"))
            .y(Axis::log("singular value"))
            .series(&lines)
            .write(&out.join("singular-values-vs-time.png"))?;
        push("singular-values-vs-time.png");
        let pts = |f: &dyn Fn(&crate::spectral::dynamics::SpectrumPoint) -> Option<f64>| -> Vec<(f64, f64)> {
            s.points
                .iter()
                .filter_map(|p| f(p).map(|v| (p.epoch, v)))
                .collect()
        };
        LineChart::new("Outliers above the fitted bulk edge (with the finite-size margin)")
            .x(Axis::log("epoch"))
            .y(Axis::linear("number of outliers"))
            .series(&[series("outliers", pts(&|p| Some(p.outliers as f64)))])
            .write(&out.join("outliers-vs-time.png"))?;
        push("outliers-vs-time.png");
        LineChart::new("Rank-plot cutoff and its relative growth per epoch")
            .x(Axis::log("epoch"))
            .y(Axis::log("cutoff rank  /  growth per epoch"))
            .series(&[
                series("cutoff rank", pts(&|p| p.cutoff.map(|c| c.rank as f64))),
                series("growth per epoch", s.stopping.growth.clone()),
                series(
                    "stop threshold",
                    s.stopping
                        .growth
                        .iter()
                        .map(|&(e, _)| (e, s.stopping.threshold))
                        .collect(),
                ),
            ])
            .write(&out.join("cutoff-vs-time.png"))?;
        push("cutoff-vs-time.png");
        LineChart::new("Bulk: fitted edge, median singular value, fitted entry std")
            .x(Axis::log("epoch"))
            .y(Axis::log("singular value"))
            .series(&[
                series("fitted upper edge", pts(&|p| Some(p.bulk_upper_edge))),
                series("bulk median", pts(&|p| Some(p.bulk_median))),
                series(
                    "fitted σ·√N",
                    pts(&|p| Some((p.bulk_variance * s.shape.0.max(s.shape.1) as f64).sqrt())),
                ),
            ])
            .write(&out.join("bulk-vs-time.png"))?;
        push("bulk-vs-time.png");
        LineChart::new("Effective temperature T_eff = 1/Var(W)")
            .x(Axis::log("epoch"))
            .y(Axis::log("T_eff"))
            .series(&[series("T_eff", pts(&|p| Some(p.t_eff)))])
            .write(&out.join("t-eff.png"))?;
        push("t-eff.png");
    }
    // MP overlays at initialisation, near one epoch, and at the end
    let n_big = s.shape.0.max(s.shape.1) as f64;
    for i in picks(&epochs, &[1.0], true) {
        let (fit, r) = (&fits[i], &records[i]);
        let lambdas: Vec<f64> = r.singular_values.iter().map(|v| v * v / n_big).collect();
        let (_, hi) = fit.law.edges();
        let top = 1.6 * hi;
        let bulk: Vec<f64> = lambdas.iter().copied().filter(|&l| l < top).collect();
        let grid: Vec<(f64, f64)> = (0..=400)
            .map(|k| {
                let l = top * k as f64 / 400.0;
                // the law describes the non-outliers: scale by their share of all values
                let share = fit.bulk_count as f64 / lambdas.len().max(1) as f64;
                (l, share * fit.law.density(l))
            })
            .collect();
        let name = format!("mp-overlay-epoch-{:.3}.png", epochs[i]);
        LineChart::new(format!(
            "λ = s²/N at epoch {:.3}: {} outliers beyond the plot, KS p = {:.3}",
            epochs[i],
            lambdas.len() - bulk.len(),
            fit.p_value
        ))
        .x(Axis::linear("λ"))
        .y(Axis::linear("density"))
        .series(&[
            series(
                "histogram (all values)",
                density_steps(&bulk, lambdas.len(), 0.0, top, 60),
            ),
            series("fitted Marchenko–Pastur", grid),
        ])
        .write(&out.join(&name))?;
        push(&name);
    }
    // rank plots with their cutoffs, near epochs 0.1, 0.3, 1, 3, 10, 30 and at both ends
    let picks = picks(&epochs, &[0.1, 0.3, 1.0, 3.0, 10.0, 30.0], true);
    let rank_lines: Vec<Series> = picks
        .iter()
        .map(|&i| {
            series(
                format!("epoch {:.3}", epochs[i]),
                records[i]
                    .singular_values
                    .iter()
                    .enumerate()
                    .map(|(a, &v)| ((a + 1) as f64, v))
                    .collect(),
            )
        })
        .collect();
    let cut_points: Vec<(f64, f64)> = picks
        .iter()
        .filter_map(|&i| {
            s.points[i]
                .cutoff
                .map(|c| (c.rank as f64, records[i].singular_values[c.rank - 1]))
        })
        .collect();
    LineChart::new(
        "Log-log rank plot of the singular values (▲: cutoff, knot of the two-segment fit)",
    )
    .x(Axis::log("rank α"))
    .y(Axis::log("σ_α"))
    .series(&rank_lines)
    .markers(&[series("cutoffs", cut_points)])
    .write(&out.join("rank-plot.png"))?;
    push("rank-plot.png");
    // weight histogram of the final model against a Gaussian of the same variance
    let w: Vec<f64> = model.weights().iter().copied().collect();
    let n = w.len() as f64;
    let mean = w.iter().sum::<f64>() / n;
    let sd = (w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let (lo, hi) = (mean - 6.0 * sd, mean + 6.0 * sd);
    let gauss: Vec<(f64, f64)> = (0..=200)
        .map(|k| {
            let x = lo + (hi - lo) * k as f64 / 200.0;
            let z = (x - mean) / sd;
            (
                x,
                (-0.5 * z * z).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt()),
            )
        })
        .collect();
    LineChart::new(format!(
        "Weights of the final model (T_eff = {:.3})",
        1.0 / (sd * sd)
    ))
    .x(Axis::linear("W_ij"))
    .y(Axis::log("density (log)"))
    .series(&[
        series("histogram", density_steps(&w, w.len(), lo, hi, 120)),
        series("Gaussian, same mean and variance", gauss),
    ])
    .write(&out.join("weight-histogram.png"))?;
    push("weight-histogram.png");
    Ok(())
}

/// Figures that compare W's modes with the data's principal axes.
pub(crate) fn alignment_figures(
    out: &Path,
    s: &SpectrumSummary,
    left_at: &LeftAt<'_>,
    axes: &PrincipalAxes,
    figures: &mut Vec<String>,
) -> Result<()> {
    let epochs: Vec<f64> = s.points.iter().map(|p| p.epoch).collect();
    // the saves nearest to epochs 0.3, 1 and 10, and the last
    let picks = picks(&epochs, &[0.3, 1.0, 10.0], false);
    let mut panels = Vec::new();
    for &i in &picks {
        let left = left_at(s.points[i].step)?;
        let k = left.ncols().min(10);
        let o = overlap_matrix(&left.columns(0, k).clone_owned(), &axes.axes)?;
        panels.push((format!("epoch {:.3}", epochs[i]), o));
    }
    HeatmapPanels::new("|u_α · e_k|: left singular vectors of W against the data's principal axes")
        .x_label("principal axis k")
        .y_label("mode α")
        .panels(&panels)
        .write(&out.join("overlap-heatmap.png"))?;
    figures.push("overlap-heatmap.png".into());
    if s.alignment.len() > 1 {
        let a = &s.alignment;
        let mut lines = vec![
            series(
                "subspace overlap, top 5",
                a.iter().map(|p| (p.epoch, p.subspace_overlap_5)).collect(),
            ),
            series(
                "subspace overlap, top 10",
                a.iter().map(|p| (p.epoch, p.subspace_overlap_10)).collect(),
            ),
            series(
                "|u1 · (mean image − ½)|",
                a.iter()
                    .map(|p| (p.epoch, p.first_mode_mean_overlap))
                    .collect(),
            ),
        ];
        for k in 0..2 {
            lines.push(series(
                format!("|u{0} · e{0}|", k + 1),
                a.iter()
                    .filter_map(|p| p.diagonal_overlaps.get(k).map(|&v| (p.epoch, v)))
                    .collect(),
            ));
        }
        LineChart::new("Overlap of W's modes with the data's principal axes")
            .x(Axis::log("epoch"))
            .y(Axis::linear("overlap"))
            .series(&lines)
            .write(&out.join("overlap-vs-time.png"))?;
        figures.push("overlap-vs-time.png".into());
    }
    Ok(())
}
