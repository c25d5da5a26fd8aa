//! Block Gibbs sampling against exact distributions (χ² tests, STYLE R8).

mod common;

use common::*;
use rand::SeedableRng;
use rbmdyn::rbm::Rbm;
use rbmdyn::sampling::exact::{state_index, visible_distribution};
use rbmdyn::sampling::{run_chains, ChainState};
use rbmdyn::stats::chi_square_test;
use rbmdyn::units::{Binary, Gaussian, Ising, UnitKind};

/// Significance level (theory/rbm-basics.md prediction 5): with fixed seeds, a correct sampler
/// fails one such test with probability 1e-3.
const P_MIN: f64 = 1e-3;
/// Independent chains; each contributes its final visible state.
const CHAINS: usize = 100_000;

fn gibbs_p_value<V: UnitKind, H: UnitKind>(rbm: &Rbm<V, H, f64>, sweeps: usize, seed: u64) -> f64 {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let exact = visible_distribution(rbm).unwrap();
    let mut chains = ChainState::random(rbm, CHAINS, &mut rng);
    run_chains(rbm, &mut chains, sweeps, &mut rng).unwrap();
    let high = rbm.visible().discrete_states().unwrap()[1];
    let mut counts = vec![0u64; exact.len()];
    for c in 0..CHAINS {
        let row: Vec<f64> = chains.visible.row(c).iter().copied().collect();
        counts[state_index(&row, high)] += 1;
    }
    chi_square_test(&counts, &exact).unwrap().p_value
}

#[test]
fn gibbs_matches_exact_distribution_of_fixture_binary_and_ising() {
    let p = gibbs_p_value(&fixture_3x2(Binary, Binary), 50, 1);
    assert!(p > P_MIN, "{{0,1}} fixture: p = {p}");
    let p = gibbs_p_value(&fixture_3x2(Ising, Ising), 50, 2);
    assert!(p > P_MIN, "±1 fixture: p = {p}");
}

#[test]
fn gibbs_matches_exact_distribution_with_gaussian_hidden_unit() {
    // Curie–Weiss-like toy: 6 ±1 visible units, one Gaussian hidden unit of precision N = 6,
    // weights O(1) (coupling q = Σw²/N ≈ 1.3: past the transition, bimodal p(v)).
    let w = nalgebra::DMatrix::from_column_slice(6, 1, &[1.2, 1.0, 1.1, 0.9, 1.3, 1.2]);
    let rbm = Rbm::new(
        w,
        nalgebra::DVector::zeros(6),
        nalgebra::DVector::zeros(1),
        Ising,
        Gaussian::new(6.0).unwrap(),
    )
    .unwrap();
    let p = gibbs_p_value(&rbm, 200, 3);
    assert!(p > P_MIN, "Gaussian hidden: p = {p}");
}

#[test]
fn gibbs_on_a_wrong_model_is_rejected() {
    // Power check: samples of the fixture tested against a model with one weight changed by
    // 0.3 must fail the test (else the χ² tests above could not fail).
    let rbm = fixture_3x2(Binary, Binary);
    let mut other = rbm.clone();
    other.parameters_mut().0[(0, 0)] += 0.3;
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let exact_other = visible_distribution(&other).unwrap();
    let mut chains = ChainState::random(&rbm, CHAINS, &mut rng);
    run_chains(&rbm, &mut chains, 50, &mut rng).unwrap();
    let mut counts = vec![0u64; 8];
    for c in 0..CHAINS {
        let row: Vec<f64> = chains.visible.row(c).iter().copied().collect();
        counts[state_index(&row, 1.0)] += 1;
    }
    let p = chi_square_test(&counts, &exact_other).unwrap().p_value;
    assert!(p < P_MIN, "a perturbed model passed: p = {p}");
}
