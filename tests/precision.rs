//! Issue 7, target 6: f32 training matches f64 training statistically. Exact log-likelihood
//! curves of a 12×6 {0,1} RBM trained by PCD-5 in f32 and in f64 from the same start, batches
//! and sampler seed, compared seed by seed (`rbmdyn::studies::precision`, derivation in
//! `notes/precision.md`).

use rbmdyn::studies::precision::{LikelihoodCurves, PairedComparison, PrecisionSetup};
use std::time::Instant;

/// Seeds S. The claims' thresholds come from t and χ² quantiles with S − 1 degrees of freedom:
/// with 32 seeds claim (a) resolves a mean f32 − f64 difference of about 0.8 seed spreads and
/// claim (b) bounds the typical difference to ≈ 2.3 × √2 seed spreads, at a runtime of a few
/// seconds.
const SEEDS: u64 = 32;

/// Family-wise level α of each claim over all recorded updates (Bonferroni): a correct f32
/// path fails claim (a) or (b) with probability at most 1 % each.
const FAMILY_LEVEL: f64 = 0.01;

#[test]
fn f32_training_matches_f64_statistically() {
    let clock = Instant::now();
    let setup = PrecisionSetup::standard();
    let data = setup.teacher_data().unwrap();
    let seeds: Vec<u64> = (0..SEEDS).collect();
    let eta = setup.optimiser.learning_rate;
    let l64 = LikelihoodCurves::train::<f64>(&setup, &data, &seeds, eta).unwrap();
    let l32 = LikelihoodCurves::train::<f32>(&setup, &data, &seeds, eta).unwrap();
    let c = PairedComparison::new(&l64, &l32, FAMILY_LEVEL).unwrap();
    let (t_worst, t_at) = c.worst_mean();
    let (r_worst, r_at) = c.worst_rms();
    eprintln!(
        "S = {SEEDS}, T = {} updates compared; L rises by {:.4} = {:.1} max spreads; \
         claim (a): max |mean d|/SE = {t_worst:.3} at t = {t_at} (bound {:.3}); \
         claim (b): max RMS d/(√2 s) = {r_worst:.3} at t = {r_at} (bound {:.3}); {:.1} s",
        c.steps.len(),
        c.movement,
        c.movement_in_spreads,
        c.t_quantile,
        c.rms_factor,
        clock.elapsed().as_secs_f64()
    );
    assert!(
        c.not_vacuous(),
        "training moved L by only {:.2} spreads",
        c.movement_in_spreads
    );
    assert!(
        c.mean_claim_holds(),
        "claim (a): mean f32 − f64 difference {t_worst:.2} standard errors at t = {t_at} \
         (family-wise bound {:.2})",
        c.t_quantile
    );
    assert!(
        c.rms_claim_holds(),
        "claim (b): RMS f32 − f64 difference {r_worst:.2} × √2 s at t = {r_at} (bound {:.2})",
        c.rms_factor
    );

    // Negative control: f32 at twice the learning rate against f64 at η, same seeds. The test
    // must see the difference (claim (a) rejected at some update).
    let fast = LikelihoodCurves::train::<f32>(&setup, &data, &seeds, 2.0 * eta).unwrap();
    let control = PairedComparison::new(&l64, &fast, FAMILY_LEVEL).unwrap();
    let (ct, c_at) = control.worst_mean();
    let (cr, cr_at) = control.worst_rms();
    eprintln!(
        "negative control (f32 at 2η): max |mean d|/SE = {ct:.1} at t = {c_at}, \
         max RMS d/(√2 s) = {cr:.2} at t = {cr_at}; total {:.1} s",
        clock.elapsed().as_secs_f64()
    );
    assert!(
        !control.mean_claim_holds(),
        "negative control: f32 at 2η passed claim (a) (max {ct:.2} SE)"
    );
}
