//! The generator of training and sampling: Xoshiro256++ (fast, with a 256-bit state that
//! serialises, so checkpoints save it and a resumed run continues the same stream).

use rand::SeedableRng;

/// The trainer's and the samplers' random generator.
pub type TrainRng = rand_xoshiro::Xoshiro256PlusPlus;

/// A training generator from a seed (SplitMix64-expanded, so nearby seeds give unrelated
/// streams).
pub fn train_rng(seed: u64) -> TrainRng {
    TrainRng::seed_from_u64(seed)
}
