//! Ordinary differential equations $\dot y = f(t, y)$: a fixed-step classical Runge–Kutta
//! (RK4) and the adaptive Dormand–Prince 5(4) pair (Dopri5) with error control, both driven by
//! an [`AnalyticModel`](super::AnalyticModel).
//!
//! # Dormand–Prince 5(4)
//! Seven stages (the last reused as the first of the next step, "FSAL"); the 5th-order solution
//! is propagated and the difference to the embedded 4th-order one estimates the local error.
//! A step of size $h$ is accepted when
//! $\mathrm{err} = \sqrt{\frac1n\sum_i \big(\frac{e_i}{\mathrm{atol} + \mathrm{rtol}\max(|y_i|,
//! |y_i^{\rm new}|)}\big)^2} \le 1$, and the next step is $h \cdot \min(5, \max(0.2,
//! 0.9\,\mathrm{err}^{-1/5}))$ (Hairer–Nørsett–Wanner, *Solving ODEs I*, §II.4). Output at
//! requested times uses the pair's free 4th-order dense output (Hairer's `CONTD5`
//! coefficients), so the output grid does not shorten the steps.
//!
//! `ode_solvers` has a Dopri5, but its 0.6 line is built on nalgebra 0.34 while this crate uses
//! 0.35: every right-hand side would cross two nalgebra versions. This module is ~250 lines and
//! its orders are tested (`notes/design.md`).

use super::AnalyticModel;
use crate::error::{Error, Result};
use nalgebra::DVector;
use serde::Serialize;

/// Sampled solution $y(t_k)$ of an ODE.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trajectory {
    /// Output times, increasing.
    pub times: Vec<f64>,
    /// The state at each output time.
    pub states: Vec<Vec<f64>>,
    /// Accepted steps.
    pub steps: usize,
    /// Rejected steps (adaptive integration only).
    pub rejected: usize,
    /// Right-hand-side evaluations.
    pub evaluations: usize,
}

impl Trajectory {
    /// Component `k` of the state over time, as `(t, y_k(t))` points.
    pub fn component(&self, k: usize) -> Vec<(f64, f64)> {
        self.times
            .iter()
            .zip(&self.states)
            .map(|(&t, y)| (t, y.get(k).copied().unwrap_or(f64::NAN)))
            .collect()
    }

    /// The trajectory as a table: the header `t,y0,y1,…` with the given column names for the
    /// state (missing names become `y<k>`), and one row `[t, y…]` per output time.
    pub fn table(&self, names: &[&str]) -> (Vec<String>, Vec<Vec<f64>>) {
        let n = self.states.first().map_or(0, Vec::len);
        let header = std::iter::once("t".to_string())
            .chain((0..n).map(|k| names.get(k).map_or(format!("y{k}"), |s| (*s).to_string())))
            .collect();
        let rows = self
            .times
            .iter()
            .zip(&self.states)
            .map(|(&t, y)| std::iter::once(t).chain(y.iter().copied()).collect())
            .collect();
        (header, rows)
    }
}

fn check_times(times: &[f64]) -> Result<()> {
    if times.is_empty() || times.iter().any(|t| !t.is_finite()) {
        return Err(Error::invalid(
            "times",
            format!("{times:?}"),
            "need at least one finite output time",
        ));
    }
    if times.windows(2).any(|w| w[1] < w[0]) {
        return Err(Error::invalid(
            "times",
            format!("{times:?}"),
            "must not decrease",
        ));
    }
    Ok(())
}

/// Classical RK4 with a fixed step `h` from $t_0$ = `times[0]` (the model's initial state),
/// sampled at `times` (each output time is reached by shortening the last step before it).
///
/// # Errors
/// Bad `times` or `h`; a non-finite state.
pub fn rk4<M: AnalyticModel + ?Sized>(model: &M, times: &[f64], h: f64) -> Result<Trajectory> {
    check_times(times)?;
    if !(h > 0.0 && h.is_finite()) {
        return Err(Error::invalid("h", h, "must be positive and finite"));
    }
    let mut y = model.initial_state();
    let n = y.len();
    let (mut k1, mut k2, mut k3, mut k4) = (
        DVector::zeros(n),
        DVector::zeros(n),
        DVector::zeros(n),
        DVector::zeros(n),
    );
    let mut t = times[0];
    let mut out = Trajectory {
        times: Vec::new(),
        states: Vec::new(),
        steps: 0,
        rejected: 0,
        evaluations: 0,
    };
    for &target in times {
        while t < target {
            let step = h.min(target - t);
            model.rhs(t, &y, &mut k1);
            model.rhs(t + 0.5 * step, &(&y + 0.5 * step * &k1), &mut k2);
            model.rhs(t + 0.5 * step, &(&y + 0.5 * step * &k2), &mut k3);
            model.rhs(t + step, &(&y + step * &k3), &mut k4);
            y += step / 6.0 * (&k1 + 2.0 * &k2 + 2.0 * &k3 + &k4);
            // land exactly on the target (no round-off drift past it)
            t = if target - t <= h { target } else { t + step };
            out.steps += 1;
            out.evaluations += 4;
            if y.iter().any(|v| !v.is_finite()) {
                return Err(Error::NonFinite(format!("RK4 state at t = {t}")));
            }
        }
        out.times.push(target);
        out.states.push(y.iter().copied().collect());
    }
    Ok(out)
}

/// Tolerances and limits of [`dopri5`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dopri5Options {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// First step (0: $10^{-3}$ of the span, at most 0.1).
    pub first_step: f64,
    /// Largest step (∞: none). With `fixed_step`, the step used throughout.
    pub max_step: f64,
    /// Accept every step of size `max_step` without error control (for order tests).
    pub fixed_step: bool,
    /// Most accepted + rejected steps.
    pub max_steps: usize,
}

impl Default for Dopri5Options {
    /// rtol 1e-10, atol 1e-12, no step limit, at most 10⁶ steps.
    fn default() -> Self {
        Dopri5Options {
            rtol: 1e-10,
            atol: 1e-12,
            first_step: 0.0,
            max_step: f64::INFINITY,
            fixed_step: false,
            max_steps: 1_000_000,
        }
    }
}

// Dormand–Prince coefficients (Hairer–Nørsett–Wanner, Table II.5.2)
const C: [f64; 7] = [0.0, 0.2, 0.3, 0.8, 8.0 / 9.0, 1.0, 1.0];
const A: [[f64; 6]; 7] = [
    [0.0; 6],
    [0.2, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
        0.0,
        0.0,
    ],
    [
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
        0.0,
    ],
    [
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
/// 5th-order weights minus the embedded 4th-order weights.
const E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];
/// Dense-output coefficients (Hairer's `CONTD5`).
const D: [f64; 7] = [
    -12715105075.0 / 11282082432.0,
    0.0,
    87487479700.0 / 32700410799.0,
    -10690763975.0 / 1880347072.0,
    701980252875.0 / 199316789632.0,
    -1453857185.0 / 822651844.0,
    69997945.0 / 29380423.0,
];

/// Adaptive Dormand–Prince 5(4) from `times[0]` (the model's initial state), sampled at `times`
/// by dense output (see the module docs).
///
/// # Errors
/// Bad `times` or options; a non-finite state; more than `max_steps` steps; a step size that
/// underflows.
#[allow(clippy::too_many_lines)] // one sequential recipe (set-up, run, report), read top to bottom
pub fn dopri5<M: AnalyticModel + ?Sized>(
    model: &M,
    times: &[f64],
    options: &Dopri5Options,
) -> Result<Trajectory> {
    check_times(times)?;
    if !(options.rtol >= 0.0 && options.atol >= 0.0 && options.rtol + options.atol > 0.0) {
        return Err(Error::invalid(
            "tolerance",
            format!("rtol {} atol {}", options.rtol, options.atol),
            "must be non-negative, not both zero",
        ));
    }
    if options.fixed_step && !(options.max_step > 0.0 && options.max_step.is_finite()) {
        return Err(Error::invalid(
            "max_step",
            options.max_step,
            "a fixed step must be positive and finite",
        ));
    }
    let t_end = times[times.len() - 1];
    let mut t = times[0];
    let mut y = model.initial_state();
    let n = y.len();
    let mut k: Vec<DVector<f64>> = (0..7).map(|_| DVector::zeros(n)).collect();
    model.rhs(t, &y, &mut k[0]);
    let mut out = Trajectory {
        times: Vec::new(),
        states: Vec::new(),
        steps: 0,
        rejected: 0,
        evaluations: 1,
    };
    let mut next_out = 0;
    while next_out < times.len() && times[next_out] <= t {
        out.times.push(times[next_out]);
        out.states.push(y.iter().copied().collect());
        next_out += 1;
    }
    let span = t_end - t;
    let mut h = if options.fixed_step {
        options.max_step
    } else if options.first_step > 0.0 {
        options.first_step
    } else {
        (1e-3 * span).clamp(f64::MIN_POSITIVE, 0.1)
    }
    .min(options.max_step);
    let mut stage = DVector::zeros(n);
    while next_out < times.len() {
        if out.steps + out.rejected >= options.max_steps {
            return Err(Error::NonFinite(format!(
                "Dopri5 took more than {} steps before t = {t_end} (at t = {t})",
                options.max_steps
            )));
        }
        if t_end - t <= 1e-12 * t_end.abs().max(1.0) {
            // round-off left a sliver of the span: the state is the end state
            while next_out < times.len() {
                out.times.push(times[next_out]);
                out.states.push(y.iter().copied().collect());
                next_out += 1;
            }
            break;
        }
        let h_step = h.min(t_end - t);
        if h_step <= 1e-14 * t.abs().max(1.0) {
            return Err(Error::NonFinite(format!(
                "Dopri5 step size underflow at t = {t}"
            )));
        }
        for s in 1..7 {
            stage.copy_from(&y);
            for (j, kj) in k.iter().enumerate().take(s) {
                if A[s][j] != 0.0 {
                    stage.axpy(h_step * A[s][j], kj, 1.0);
                }
            }
            model.rhs(t + C[s] * h_step, &stage, &mut k[s]);
        }
        out.evaluations += 6;
        // stage 7 was evaluated at y_new (the last stage's argument is the 5th-order solution)
        let y_new = stage.clone();
        let mut err_sq = 0.0;
        for i in 0..n {
            let e: f64 = (0..7).map(|s| E[s] * k[s][i]).sum::<f64>() * h_step;
            let scale = options.atol + options.rtol * y[i].abs().max(y_new[i].abs());
            err_sq += (e / scale).powi(2);
        }
        let err = (err_sq / n.max(1) as f64).sqrt();
        if !err.is_finite() || y_new.iter().any(|v| !v.is_finite()) {
            if options.fixed_step {
                return Err(Error::NonFinite(format!("Dopri5 state at t = {t}")));
            }
            h *= 0.2;
            out.rejected += 1;
            continue;
        }
        if options.fixed_step || err <= 1.0 {
            // dense output on (t, t + h]
            let t_new = t + h_step;
            while next_out < times.len() && times[next_out] <= t_new {
                let theta = (times[next_out] - t) / h_step;
                out.times.push(times[next_out]);
                out.states.push(
                    dense(&y, &y_new, &k, h_step, theta)
                        .iter()
                        .copied()
                        .collect(),
                );
                next_out += 1;
            }
            t = t_new;
            y = y_new;
            k.swap(0, 6);
            out.steps += 1;
            if !options.fixed_step {
                let factor = if err == 0.0 {
                    5.0
                } else {
                    (0.9 * err.powf(-0.2)).clamp(0.2, 5.0)
                };
                h = (h_step * factor).min(options.max_step);
            }
        } else {
            h = h_step * (0.9 * err.powf(-0.2)).clamp(0.2, 1.0);
            out.rejected += 1;
        }
    }
    Ok(out)
}

/// Dense output at $t + \theta h$ from the stages of an accepted step (Hairer's `CONTD5`).
fn dense(
    y: &DVector<f64>,
    y_new: &DVector<f64>,
    k: &[DVector<f64>],
    h: f64,
    theta: f64,
) -> DVector<f64> {
    let n = y.len();
    let theta1 = 1.0 - theta;
    DVector::from_fn(n, |i, _| {
        let r1 = y[i];
        let ydiff = y_new[i] - y[i];
        let r2 = ydiff;
        let bspl = h * k[0][i] - ydiff;
        let r3 = bspl;
        let r4 = ydiff - h * k[6][i] - bspl;
        let r5 = h * (0..7).map(|s| D[s] * k[s][i]).sum::<f64>();
        r1 + theta * (r2 + theta1 * (r3 + theta * (r4 + theta1 * r5)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// $\dot y = A y$ with $A = [[-0.5, 2], [-2, -0.5]]$: $y(t) = e^{-t/2} R(2t) y_0$.
    struct DampedRotation;
    impl AnalyticModel for DampedRotation {
        fn name(&self) -> &'static str {
            "damped-rotation"
        }
        fn initial_state(&self) -> DVector<f64> {
            DVector::from_vec(vec![1.0, 0.0])
        }
        fn rhs(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
            dy[0] = -0.5 * y[0] + 2.0 * y[1];
            dy[1] = -2.0 * y[0] - 0.5 * y[1];
        }
        fn closed_form(&self, t: f64) -> Option<DVector<f64>> {
            let d = (-0.5 * t).exp();
            Some(DVector::from_vec(vec![
                d * (2.0 * t).cos(),
                -d * (2.0 * t).sin(),
            ]))
        }
    }

    /// Non-autonomous: $\dot y = y\cos t$, $y = e^{\sin t}$.
    struct Forced;
    impl AnalyticModel for Forced {
        fn name(&self) -> &'static str {
            "forced"
        }
        fn initial_state(&self) -> DVector<f64> {
            DVector::from_element(1, 1.0)
        }
        fn rhs(&self, t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
            dy[0] = y[0] * t.cos();
        }
        fn closed_form(&self, t: f64) -> Option<DVector<f64>> {
            Some(DVector::from_element(1, t.sin().exp()))
        }
    }

    /// Halving the step of a method of order p divides the global error by 2^p; the asymptotic
    /// ratio is reached up to O(h) corrections, so ±15 % on the ratio at these step sizes.
    const ORDER_RATIO_TOL: f64 = 0.15;

    #[test]
    fn rk4_error_ratio_on_step_halving_is_sixteen() {
        for model in [&DampedRotation as &dyn AnalyticModel, &Forced] {
            let e1 = error_at_dyn(model, &rk4(model, &[0.0, 3.0], 0.1).unwrap(), 3.0);
            let e2 = error_at_dyn(model, &rk4(model, &[0.0, 3.0], 0.05).unwrap(), 3.0);
            let ratio = e1 / e2;
            assert!(
                (ratio / 16.0 - 1.0).abs() < ORDER_RATIO_TOL,
                "{}: ratio {ratio}",
                model.name()
            );
        }
    }

    fn error_at_dyn(m: &dyn AnalyticModel, traj: &Trajectory, t: f64) -> f64 {
        let i = traj.times.iter().position(|&x| x == t).unwrap();
        let exact = m.closed_form(t).unwrap();
        traj.states[i]
            .iter()
            .zip(exact.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn dopri5_fixed_step_error_ratio_is_thirty_two() {
        for model in [&DampedRotation as &dyn AnalyticModel, &Forced] {
            let run = |h: f64| {
                let o = Dopri5Options {
                    max_step: h,
                    fixed_step: true,
                    ..Default::default()
                };
                error_at_dyn(model, &dopri5(model, &[0.0, 3.0], &o).unwrap(), 3.0)
            };
            // (at h = 0.2 the damped rotation is not yet asymptotic: ratio 41)
            let ratio = run(0.05) / run(0.025);
            assert!(
                (ratio / 32.0 - 1.0).abs() < ORDER_RATIO_TOL,
                "{}: ratio {ratio}",
                model.name()
            );
        }
    }

    #[test]
    fn dopri5_meets_its_tolerance_and_dense_output_is_accurate() {
        let times: Vec<f64> = (0..=50).map(|k| 0.1 * k as f64).collect();
        for rtol in [1e-6, 1e-9, 1e-12] {
            let o = Dopri5Options {
                rtol,
                atol: rtol * 1e-2,
                ..Default::default()
            };
            let traj = dopri5(&DampedRotation, &times, &o).unwrap();
            assert_eq!(traj.times, times);
            let worst = times
                .iter()
                .map(|&t| error_at_dyn(&DampedRotation, &traj, t))
                .fold(0.0, f64::max);
            // the global error of a tolerance-controlled run is a modest multiple of rtol
            assert!(worst < 100.0 * rtol, "rtol {rtol}: worst {worst}");
            // at loose tolerance, many outputs per step: dense output, not step shortening
            if rtol >= 1e-6 {
                assert!(traj.steps < times.len(), "{} steps", traj.steps);
            }
        }
        let traj = dopri5(&Forced, &[0.0, 1.0, 7.5], &Dopri5Options::default()).unwrap();
        assert!(error_at_dyn(&Forced, &traj, 7.5) < 1e-8);
    }

    #[test]
    fn bad_input_is_rejected() {
        assert!(rk4(&Forced, &[], 0.1).is_err());
        assert!(rk4(&Forced, &[0.0, 1.0], 0.0).is_err());
        assert!(dopri5(&Forced, &[1.0, 0.0], &Dopri5Options::default()).is_err());
        let (header, rows) = rk4(&Forced, &[0.0, 1.0], 0.1).unwrap().table(&["y"]);
        assert_eq!(header, ["t", "y"]);
        assert_eq!(rows[0], [0.0, 1.0]);
    }
}
