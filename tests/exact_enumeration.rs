//! Energy, free energy, ln Z and moments against brute force and the theory files' numbers.

mod common;

use approx::assert_relative_eq;
use common::*;
use nalgebra::{DMatrix, DVector};
use rbmdyn::rbm::Rbm;
use rbmdyn::sampling::exact::{
    exact_moments, log_partition_exact, visible_distribution, Enumeration,
};
use rbmdyn::units::{AnyUnit, Binary, Gaussian, Ising, UnitKind};

// Exact sums over ≤ 2^13 states of O(1) terms: only round-off remains.
const ENUMERATION_TOL: f64 = 1e-12;
// The theory files print moments to 8 decimals and ln Z/F to 9-10 digits.
const THEORY_MOMENT_TOL: f64 = 1e-7;
const THEORY_LOGZ_TOL: f64 = 1e-9;

#[test]
fn log_z_of_fixture_matches_theory_and_brute_force() {
    let rbm = fixture_3x2_binary();
    let lz = log_partition_exact(&rbm).unwrap();
    assert!((lz - 3.886581176512821).abs() < ENUMERATION_TOL, "{lz}");
    assert_relative_eq!(lz, brute_force_log_z(&rbm), max_relative = ENUMERATION_TOL);
    let ising = fixture_3x2(Ising, Ising);
    let lz = log_partition_exact(&ising).unwrap();
    assert!((lz - 4.176192066681467).abs() < ENUMERATION_TOL, "{lz}");
    assert_relative_eq!(
        lz,
        brute_force_log_z(&ising),
        max_relative = ENUMERATION_TOL
    );
}

#[test]
fn free_energy_and_log_probability_of_fixture() {
    let rbm = fixture_3x2_binary();
    let v = DMatrix::from_row_slice(1, 3, &[1.0, 0.0, 1.0]);
    let f = rbm.free_energy(v.as_view()).unwrap()[0];
    assert!((f - (-1.691286050)).abs() < THEORY_LOGZ_TOL, "{f}");
    let lp = -f - log_partition_exact(&rbm).unwrap();
    assert!((lp - (-2.195295127)).abs() < THEORY_LOGZ_TOL, "{lp}");
}

#[test]
fn free_energy_is_marginal_of_energy_over_hidden() {
    for seed in 0..20 {
        for any in [AnyUnit::Binary, AnyUnit::Ising] {
            let rbm = random_rbm(5, 4, 0.8, 0.5, seed, any, any);
            let hs = all_states(4, any.discrete_states().unwrap());
            for v in all_states(5, any.discrete_states().unwrap()) {
                let terms: Vec<f64> = hs
                    .iter()
                    .map(|h| -rbm.energy(v.as_view(), h.as_view()).unwrap())
                    .collect();
                let m = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let minus_f = m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln();
                let vm = DMatrix::from_row_slice(1, 5, v.as_slice());
                let f = rbm.free_energy(vm.as_view()).unwrap()[0];
                assert_relative_eq!(
                    -f,
                    minus_f,
                    max_relative = ENUMERATION_TOL,
                    epsilon = ENUMERATION_TOL
                );
            }
        }
    }
}

#[test]
fn exact_moments_match_theory_fixture() {
    let m = exact_moments(&fixture_3x2_binary()).unwrap();
    let ev = [0.53847366, 0.59685835, 0.51621417];
    let eh = [0.49494453, 0.63303020];
    for (got, want) in m.visible_mean.iter().zip(ev) {
        assert!(
            (got - want).abs() < THEORY_MOMENT_TOL,
            "<v>: {got} vs {want}"
        );
    }
    for (got, want) in m.hidden_mean.iter().zip(eh) {
        assert!(
            (got - want).abs() < THEORY_MOMENT_TOL,
            "<h>: {got} vs {want}"
        );
    }
    assert!((m.correlation[(0, 0)] - 0.29730609).abs() < THEORY_MOMENT_TOL);
    assert!((m.correlation[(1, 1)] - 0.42257165).abs() < THEORY_MOMENT_TOL);
}

#[test]
fn log_z_and_moments_match_brute_force_over_many_models_both_orientations() {
    for seed in 0..16 {
        // (6, 4): hidden enumerated; (3, 7): visible enumerated.
        for &(nv, nh) in &[(6, 4), (3, 7), (5, 5)] {
            for any in [AnyUnit::Binary, AnyUnit::Ising] {
                let rbm = random_rbm(nv, nh, 1.0, 0.7, seed, any, any);
                let lz = log_partition_exact(&rbm).unwrap();
                assert_relative_eq!(lz, brute_force_log_z(&rbm), max_relative = ENUMERATION_TOL);
                let m = exact_moments(&rbm).unwrap();
                let (bv, bh, bc) = brute_force_moments(&rbm);
                assert!((m.visible_mean - bv).amax() < 1e-11);
                assert!((m.hidden_mean - bh).amax() < 1e-11);
                assert!((m.correlation - bc).amax() < 1e-11);
            }
        }
    }
}

#[test]
fn log_z_of_fixture_b_matches_theory() {
    for (eps, expected) in [
        (0.025, 9.017663319),
        (0.05, 9.020612585),
        (0.1, 9.034368265),
        (0.2, 9.094799841),
        (0.4, 9.370367843),
        (1.0, 12.18286184884023),
    ] {
        let lz = log_partition_exact(&fixture_b(eps, Binary, Binary)).unwrap();
        assert!(
            (lz - expected).abs() < THEORY_LOGZ_TOL,
            "eps {eps}: {lz} vs {expected}"
        );
    }
}

#[test]
fn binary_to_ising_map_shifts_log_z_by_the_energy_constant() {
    // theory/README prediction 2: W' = W/4, a' = a/2 + W·1/4, b' = b/2 + Wᵀ·1/4.
    let rbm = fixture_3x2_binary();
    let w = rbm.weights();
    let wp = w / 4.0;
    let ap = rbm.visible_bias() / 2.0 + w * DVector::repeat(2, 0.25);
    let bp = rbm.hidden_bias() / 2.0 + w.transpose() * DVector::repeat(3, 0.25);
    let ising = Rbm::new(wp, ap, bp, Ising, Ising).unwrap();
    let constant = rbm.visible_bias().sum() / 2.0 + rbm.hidden_bias().sum() / 2.0 + w.sum() / 4.0;
    let diff = log_partition_exact(&rbm).unwrap() - log_partition_exact(&ising).unwrap();
    assert!(
        (diff - constant).abs() < ENUMERATION_TOL,
        "{diff} vs {constant}"
    );
}

#[test]
fn stable_at_huge_fields() {
    // local fields of ±1e4: no overflow, no NaN.
    let w = DMatrix::from_row_slice(2, 2, &[1e4, -1e4, -1e4, 1e4]);
    let rbm = Rbm::new(
        w,
        DVector::from_vec(vec![1e4, -1e4]),
        DVector::from_vec(vec![-1e4, 1e4]),
        Binary,
        Binary,
    )
    .unwrap();
    let lz = log_partition_exact(&rbm).unwrap();
    assert!(lz.is_finite());
    assert_relative_eq!(lz, brute_force_log_z(&rbm), max_relative = ENUMERATION_TOL);
    let v = DMatrix::from_row_slice(4, 2, &[0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    let f = rbm.free_energy(v.as_view()).unwrap();
    assert!(f.iter().all(|x| x.is_finite()));
    let p = visible_distribution(&rbm).unwrap();
    assert!(p.iter().all(|x| x.is_finite()));
    assert_relative_eq!(p.iter().sum::<f64>(), 1.0, max_relative = 1e-12);
    let m = exact_moments(&rbm).unwrap();
    assert!(m.correlation.iter().all(|x| x.is_finite()));
    let ising = rbm.with_units(Ising, Ising);
    assert!(log_partition_exact(&ising).unwrap().is_finite());
    let means = ising.hidden_means(v.as_view());
    assert!(means.iter().all(|x| x.is_finite()));
}

#[test]
fn gaussian_hidden_unit_log_z_matches_gaussian_integral() {
    // One Gaussian hidden unit of precision c: Z = Σ_v e^{aᵀv} e^{(b+wᵀv)²/(2c)} √(2π/c).
    let c = 3.0;
    let w = DMatrix::from_column_slice(4, 1, &[0.4, -0.7, 0.2, 0.9]);
    let a = DVector::from_vec(vec![0.1, 0.0, -0.3, 0.2]);
    let b = DVector::from_vec(vec![0.15]);
    let rbm = Rbm::new(
        w.clone(),
        a.clone(),
        b.clone(),
        Ising,
        Gaussian::new(c).unwrap(),
    )
    .unwrap();
    let mut terms = Vec::new();
    for v in all_states(4, [-1.0, 1.0]) {
        let x = b[0] + (w.transpose() * &v)[0];
        terms.push(a.dot(&v) + x * x / (2.0 * c) + 0.5 * (2.0 * std::f64::consts::PI / c).ln());
    }
    let m = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let expected = m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln();
    let e = Enumeration::new(&rbm).unwrap();
    assert_relative_eq!(e.log_z(), expected, max_relative = ENUMERATION_TOL);
    // ⟨h⟩ = Σ p(v) x(v)/c
    let mom = e.moments(&rbm);
    let probs = visible_distribution(&rbm).unwrap();
    let mut mh = 0.0;
    for (p, v) in probs.iter().zip(all_states(4, [-1.0, 1.0])) {
        mh += p * (b[0] + (w.transpose() * &v)[0]) / c;
    }
    assert_relative_eq!(
        mom.hidden_mean[0],
        mh,
        max_relative = 1e-12,
        epsilon = 1e-14
    );
}

#[test]
fn enumeration_refuses_models_too_large() {
    let rbm: Rbm<Binary, Binary, f64> = Rbm::zeros(30, 30, Binary, Binary);
    let err = log_partition_exact(&rbm).unwrap_err().to_string();
    assert!(err.contains("30x30"), "{err}");
}

#[test]
fn exact_samples_follow_the_exact_marginal() {
    use rand::SeedableRng;
    let rbm = fixture_3x2_binary();
    let e = Enumeration::new(&rbm).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let n = 200_000;
    let s = e.samples(&rbm, n, &mut rng);
    let exact = exact_moments(&rbm).unwrap();
    for i in 0..3 {
        let col: Vec<f64> = s.visible.column(i).iter().cloned().collect();
        let mean = col.iter().sum::<f64>() / n as f64;
        let se = (exact.visible_mean[i] * (1.0 - exact.visible_mean[i]) / n as f64).sqrt();
        // R8: within 4 standard errors.
        assert!(
            (mean - exact.visible_mean[i]).abs() < 4.0 * se,
            "v{i}: {mean} vs {}",
            exact.visible_mean[i]
        );
    }
    let _ = Gaussian::unit().name();
}
