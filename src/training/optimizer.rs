//! Optimisers: plain SGD (gradient ascent) with optional momentum and weight decay.

use super::Gradient;
use crate::error::{Error, Result};
use crate::linalg::{for_each_block, Float};
use crate::rbm::Rbm;
use crate::units::UnitKind;

/// Stochastic gradient ascent, $\theta \leftarrow \theta + \eta\,u$, with
/// $u = \mu u_{\rm prev} + (g - \lambda W)$ (momentum $\mu$, weight decay $\lambda$ on $W$ only).
/// With `train_biases = false` the biases stay as they are (theory models without biases).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    learning_rate: f64,
    momentum: f64,
    weight_decay: f64,
    train_biases: bool,
}

/// The optimiser's state (saved in checkpoints).
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizerState<T: Float> {
    /// Momentum buffer $u$ (`None` until the first step, or without momentum).
    pub velocity: Option<Gradient<T>>,
    /// Number of parameter updates applied.
    pub updates: u64,
}

impl<T: Float> Default for OptimizerState<T> {
    fn default() -> Self {
        OptimizerState {
            velocity: None,
            updates: 0,
        }
    }
}

/// Entries per parallel block of the weight step (smaller steps run on the calling thread).
const PARALLEL_ENTRIES: usize = 1 << 15;

impl Sgd {
    /// SGD with learning rate $\eta > 0$, no momentum, no decay, biases trained.
    ///
    /// # Errors
    /// `learning_rate` must be finite and > 0.
    pub fn new(learning_rate: f64) -> Result<Self> {
        if !(learning_rate.is_finite() && learning_rate > 0.0) {
            return Err(Error::invalid(
                "learning_rate",
                learning_rate,
                "must be finite and > 0",
            ));
        }
        Ok(Sgd {
            learning_rate,
            momentum: 0.0,
            weight_decay: 0.0,
            train_biases: true,
        })
    }

    /// With momentum $\mu \in [0, 1)$.
    ///
    /// # Errors
    /// `momentum` outside [0, 1).
    pub fn with_momentum(mut self, momentum: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&momentum) {
            return Err(Error::invalid("momentum", momentum, "must lie in [0, 1)"));
        }
        self.momentum = momentum;
        Ok(self)
    }

    /// With L2 weight decay $\lambda \ge 0$ on $W$.
    ///
    /// # Errors
    /// Negative or non-finite `weight_decay`.
    pub fn with_weight_decay(mut self, weight_decay: f64) -> Result<Self> {
        if !(weight_decay.is_finite() && weight_decay >= 0.0) {
            return Err(Error::invalid(
                "weight_decay",
                weight_decay,
                "must be finite and >= 0",
            ));
        }
        self.weight_decay = weight_decay;
        Ok(self)
    }

    /// Whether biases are updated (default true).
    #[must_use]
    pub fn with_biases(mut self, train_biases: bool) -> Self {
        self.train_biases = train_biases;
        self
    }

    /// The learning rate $\eta$.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// Applies one update to `rbm` from `gradient` (which may be modified: decay is added in).
    pub fn apply<V: UnitKind, H: UnitKind, T: Float>(
        &self,
        rbm: &mut Rbm<V, H, T>,
        gradient: &mut Gradient<T>,
        state: &mut OptimizerState<T>,
    ) {
        let (w, a, b) = rbm.parameters_mut();
        if self.weight_decay > 0.0 {
            let l = T::of(self.weight_decay);
            for (g, x) in gradient.weights.iter_mut().zip(w.iter()) {
                *g -= l * *x;
            }
        }
        let direction: &Gradient<T> = if self.momentum > 0.0 {
            let mu = T::of(self.momentum);
            let v = state
                .velocity
                .get_or_insert_with(|| Gradient::zeros(w.nrows(), w.ncols()));
            for (u, g) in v.weights.iter_mut().zip(gradient.weights.iter()) {
                *u = mu * *u + *g;
            }
            for (u, g) in v.visible_bias.iter_mut().zip(gradient.visible_bias.iter()) {
                *u = mu * *u + *g;
            }
            for (u, g) in v.hidden_bias.iter_mut().zip(gradient.hidden_bias.iter()) {
                *u = mu * *u + *g;
            }
            v
        } else {
            gradient
        };
        let eta = T::of(self.learning_rate);
        // Plain slices (both matrices are contiguous and of the same shape): the loop vectorises.
        // Blocks in parallel (each entry is updated alone: the same result on any thread count).
        let (w, g) = (w.as_mut_slice(), direction.weights.as_slice());
        let parallel = w.len() >= PARALLEL_ENTRIES;
        for_each_block(w, PARALLEL_ENTRIES, parallel, |(i, w)| {
            let g = &g[i * PARALLEL_ENTRIES..][..w.len()];
            for (x, g) in w.iter_mut().zip(g) {
                *x += eta * *g;
            }
        });
        if self.train_biases {
            for (x, g) in a.iter_mut().zip(direction.visible_bias.iter()) {
                *x += eta * *g;
            }
            for (x, g) in b.iter_mut().zip(direction.hidden_bias.iter()) {
                *x += eta * *g;
            }
        }
        state.updates += 1;
    }
}
