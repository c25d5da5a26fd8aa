//! The generator of training and sampling: Xoshiro256++ (fast, with a 256-bit state that
//! serialises, so checkpoints save it and a resumed run continues the same stream).
//!
//! A trainer draws from two generators ([`TrainStreams`]): one orders the minibatches, the
//! other feeds the sampler. Batch order then does not shift the sampler's draws, and a study
//! can hold one fixed while it varies the other (the f32/f64 comparison shares the batch
//! order between float types).

use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// The trainer's and the samplers' random generator.
pub type TrainRng = rand_xoshiro::Xoshiro256PlusPlus;

/// A training generator from a seed (SplitMix64-expanded, so nearby seeds give unrelated
/// streams).
pub fn train_rng(seed: u64) -> TrainRng {
    TrainRng::seed_from_u64(seed)
}

/// The batch-order generator of a run with `seed`: [`train_rng`]`(seed)` moved on by
/// $2^{192}$ draws (Xoshiro's long jump), so it never meets the run's own stream, which draws
/// the initial model, the chains and then the sampler's randomness.
pub fn batch_rng(seed: u64) -> TrainRng {
    let mut rng = train_rng(seed);
    rng.long_jump();
    rng
}

/// The two generators of a trainer (saved in checkpoints; with the progress they determine
/// the rest of the run).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainStreams {
    /// Draws each epoch's permutation of the samples.
    pub batches: TrainRng,
    /// Feeds the gradient estimator (Gibbs sampling, AIS, …).
    pub sampling: TrainRng,
}

impl TrainStreams {
    /// The streams of a run with `seed` whose own generator, [`train_rng`]`(seed)`, has
    /// already drawn the initial model and chains and is now `sampling`; batches from
    /// [`batch_rng`]`(seed)`.
    pub fn of_run(seed: u64, sampling: TrainRng) -> Self {
        TrainStreams {
            batches: batch_rng(seed),
            sampling,
        }
    }

    /// Both streams of a short-lived trainer (tests, benchmarks) from one seed:
    /// `of_run(seed, train_rng(seed))`.
    pub fn from_seed(seed: u64) -> Self {
        Self::of_run(seed, train_rng(seed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn the_two_streams_differ_and_are_reproducible() {
        let mut a = TrainStreams::from_seed(5);
        let mut b = TrainStreams::from_seed(5);
        let xs: Vec<u64> = (0..4).map(|_| a.batches.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| a.sampling.next_u64()).collect();
        assert_ne!(xs, ys);
        assert_eq!(xs, (0..4).map(|_| b.batches.next_u64()).collect::<Vec<_>>());
        // the sampling stream is the run's own generator
        let mut own = train_rng(5);
        assert_eq!(ys, (0..4).map(|_| own.next_u64()).collect::<Vec<_>>());
    }
}
