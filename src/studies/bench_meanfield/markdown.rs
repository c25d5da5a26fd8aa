//! The Markdown rendering of a [`BenchReport`].

#[allow(clippy::wildcard_imports)] // the report helpers of the parent module
use super::*;

fn short(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x == 0.0 {
        "0".into()
    } else {
        format!("{x:.2e}")
    }
}

/// The report as Markdown: settings, references, the solver table and the error exponents.
#[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
pub fn render_markdown(report: &BenchReport) -> String {
    let s = &report.settings;
    let mut md = String::from("# Mean-field estimates of ln Z: solvers × sizes × coupling\n\n");
    md += &format!(
        "Random {{0,1}} models: W = g·Z/√Nv (Z iid N(0,1), one draw per shape for every g), biases \
         N(0, {}²); model files: g = std(W)·√Nv. Starts: neutral point + {} random; estimate \
         max(−F) over converged starts. Iterative solvers: damping {}, tolerance {:e}; L-BFGS \
         tolerance {:e}; at most {} iterations. Reference: enumeration when min(Nv, Nh) ≤ {}, else \
         forward AIS ({}, {} chains; SE in the table). Seed {}. Wall time {:.1} s.\n\n",
        s.bias_std,
        s.random_starts,
        s.damping,
        s.tolerance,
        s.lbfgs_tolerance,
        s.max_iterations,
        s.exact_max_units,
        s.ais_schedule,
        s.ais_runs,
        s.seed,
        report.seconds
    );
    md += "## References\n\n| model | size | g | W std | method | ln Z | SE | time (s) |\n|---|---|---|---|---|---|---|---|\n";
    for r in &report.references {
        md += &format!(
            "| {} | {}×{} | {:.3} | {:.4} | {}{} | {:.6} | {} | {:.2} |\n",
            r.model,
            r.n_visible,
            r.n_hidden,
            r.coupling,
            r.weight_std,
            r.method,
            r.ais_base
                .map(|b| format!(" (base: {b})"))
                .unwrap_or_default(),
            r.log_z,
            r.std_error.map(short).unwrap_or_else(|| "—".into()),
            r.seconds
        );
    }
    md += "\n## Solvers\n\n| model | size | g | W std | solver | order | starts | iter (max) | time (s) | residual (max) | converged | ln Z est. | \\|error\\| | reference |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for r in &report.rows {
        let reference = match r.reference_std_error {
            Some(se) => format!("ais {:.4} ± {}", r.reference_log_z, short(se)),
            None => format!("exact {:.6}", r.reference_log_z),
        };
        md += &format!(
            "| {} | {}×{} | {:.3} | {:.4} | {} | {} | {} | {} | {:.4} | {} | {}/{}{} | {:.6} | {} | {} |\n",
            r.model,
            r.n_visible,
            r.n_hidden,
            r.coupling,
            r.weight_std,
            r.solver,
            r.order,
            r.starts,
            r.iterations,
            r.seconds,
            short(r.residual),
            r.converged,
            r.starts,
            if r.diverged > 0 { format!(" ({} div.)", r.diverged) } else { String::new() },
            r.log_z,
            short(r.abs_error),
            reference
        );
    }
    md += &format!(
        "\n## Error exponents\n\nLeast-squares slope of ln|error| against ln g over g ≤ {} (exact \
         references; rows where every start converged; g used and local slopes between consecutive g: sequential \
         solver). Expected from the Plefka expansion \
         (`theory/likelihood.md`, \"Mean-field estimates\"): 2 for naive MF, 3 for TAP2 in general \
         and 4 at weak fields, 4 for TAP3. † marks a local slope across a sign change of the error \
         (meaningless there).\n\n| size | order | parallel | sequential | lbfgs | expected | g used | local slopes |\n|---|---|---|---|---|---|---|---|\n",
        s.fit_max_coupling
    );
    let mut k = 0;
    while k < report.slopes.len() {
        let first = &report.slopes[k];
        let group: Vec<&SlopeRow> = report.slopes[k..]
            .iter()
            .take_while(|r| {
                (r.n_visible, r.n_hidden, r.order) == (first.n_visible, first.n_hidden, first.order)
            })
            .collect();
        let cell = |name: &str| {
            group
                .iter()
                .find(|r| r.solver == name)
                .and_then(|r| r.slope)
                .map(|x| format!("{x:.2}"))
                .unwrap_or_else(|| "—".into())
        };
        let reference = group
            .iter()
            .find(|r| r.solver == "sequential")
            .copied()
            .unwrap_or(first);
        let used: Vec<String> = reference.couplings.iter().map(|g| format!("{g}")).collect();
        let local: Vec<String> = reference
            .local_slopes
            .iter()
            .zip(reference.errors.windows(2))
            .map(|(x, pair)| {
                let flip = pair[0].signum() != pair[1].signum();
                let x = if x.is_finite() {
                    format!("{x:.2}")
                } else {
                    "—".into()
                };
                format!("{x}{}", if flip { "†" } else { "" })
            })
            .collect();
        md += &format!(
            "| {}×{} | {} | {} | {} | {} | {} | {} | {} |\n",
            first.n_visible,
            first.n_hidden,
            first.order,
            cell("parallel"),
            cell("sequential"),
            cell("lbfgs"),
            first.expected,
            used.join(", "),
            local.join(", ")
        );
        k += group.len();
    }
    md
}
