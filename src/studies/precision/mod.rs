//! f32 training against f64 training (issue 7, target 6): paired exact log-likelihood curves
//! of a small {0,1} RBM trained by PCD-k in both float types from the same start, and the
//! statistics that say whether they agree within the spread across seeds.
//!
//! # Setup
//! A random $N_v \times N_h$ teacher (weights $\mathcal N(0, s_W^2)$, biases
//! $\mathcal N(0, s_b^2)$) gives the training set by exact sampling. For each seed the student
//! starts from the same f64 model (weights $\mathcal N(0, \texttt{weight\_std}^2)$, visible
//! bias zero or from the data frequencies, hidden bias zero) and the same persistent chains
//! (drawn in f64 from the start generator; {0,1} states are exact in both types), both cast
//! to the training float type; the minibatches come from a generator of their own (the same
//! sequence in f32 and f64) and the sampler from a third generator with the same seed. The
//! uniforms the sampler turns the generator's bits into differ by construction between f32 and
//! f64 ([`Float::fill_uniform`]), so the two trajectories separate like those of two sampler
//! seeds. After $t$ updates the model is cast to f64 and
//! $L(t) = -\langle F(v)\rangle_{\rm data} - \ln Z$ is computed by enumeration
//! ([`exact_log_likelihood`]).
//!
//! # Statistics (decided before any number was seen; derivation in `notes/precision.md`)
//! At each recorded update $t \ge 1$, over $S$ seeds: $s(t)$ is the sample standard deviation
//! of the f64 curves $L^{64}_s(t)$, and $d_s(t) = L^{32}_s(t) - L^{64}_s(t)$ the paired
//! difference. Let $\xi$ be the randomness the two runs of a seed share (start, batches). If
//! f32 training is statistically the same as f64 training, $L^{32}$ and $L^{64}$ have the same
//! distribution given $\xi$, so $\mathbb E d = 0$, and
//! $\mathbb E d^2 = 2\,\mathbb E\operatorname{Var}(L\mid\xi) - 2\,\mathbb E\operatorname{Cov}(L^{32},
//! L^{64}\mid\xi) \le 2\,\mathbb E\operatorname{Var}(L\mid\xi) \le 2\sigma^2$, $\sigma^2$ the
//! across-seed variance, as long as the two sampler streams are not anticorrelated given
//! $\xi$ (they are uncorrelated up to the few draws whose leading bits both types use).
//! Independent runs differ by $\sqrt2\sigma$; the shared $\xi$ only brings the pair closer.
//! * Claim (a), mean: $|\bar d(t)| \le t_{S-1}(1 - \alpha/2T)\, \mathrm{sd}(d)/\sqrt S$ at every
//!   one of the $T$ recorded times (Student $t$, Bonferroni: family-wise level $\alpha$).
//! * Claim (b), size: $\mathrm{RMS}\,d(t) \le \sqrt2\, s(t)\, c$ with
//!   $c^2 = \frac{\chi^2_S(1-\alpha/2T)/S}{\chi^2_{S-1}(\alpha/2T)/(S-1)}$: the first factor
//!   bounds how far the mean of $S$ squares of a centred Gaussian exceeds its expectation, the
//!   second how far the sample variance of $S$ Gaussians falls below $\sigma^2$; a union bound
//!   over both tails and the $T$ times gives family-wise level $\alpha$ whatever the
//!   dependence between $d$ and $L^{64}$.
//! * Not vacuous: the mean f64 curve rises by at least [`MOVEMENT_IN_SPREADS`] times the
//!   largest $s(t)$.

use crate::error::{Error, Result};
use crate::likelihood::exact_log_likelihood;
use crate::linalg::Float;
use crate::rbm::init::{initialise, VisibleBiasInit, WeightInit};
use crate::rbm::Rbm;
use crate::run::{Estimator, HiddenType, ModelConfig, OptimiserConfig, VisibleType};
use crate::sampling::exact::Enumeration;
use crate::sampling::ChainState;
use crate::training::{
    train_rng, Cadence, PersistentContrastiveDivergence, TrainStreams, Trainer, TrainerConfig,
    TrainingObserver, TrainingSnapshot,
};
use crate::units::{Binary, UnitKind};
use nalgebra::{DMatrix, DVector};
use rand::{RngCore, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::Serialize;

mod comparison;

pub use comparison::PairedComparison;

/// Training must move the mean log-likelihood by at least this many across-seed spreads
/// ($\max_t s(t)$) for the comparison to say anything ("$L(t_{\rm end}) - L(0) \gg s$"): at ten
/// spreads a mean difference of one spread, which claim (a) detects with $S \ge 32$, is a 10 %
/// error in the learnt likelihood gain.
pub const MOVEMENT_IN_SPREADS: f64 = 10.0;

/// The random {0,1} teacher whose exact samples are the training set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Teacher {
    /// Visible units ($2^{N_v}$ and $2^{N_h}$ must be enumerable).
    pub n_visible: usize,
    /// Hidden units.
    pub n_hidden: usize,
    /// Standard deviation of the weights.
    pub weight_std: f64,
    /// Standard deviation of the biases.
    pub bias_std: f64,
    /// Training samples drawn exactly from the teacher.
    pub samples: usize,
    /// Seed of the teacher and its samples.
    pub seed: u64,
}

/// The data and training of a comparison (immutable configuration). The student is described
/// by the sections of a run's configuration ([`crate::run::TrainConfig`]); data, float type
/// and seed are what the study sets itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PrecisionSetup {
    /// The teacher and its samples.
    pub teacher: Teacher,
    /// The student: hidden units, initial weights and visible bias ({0,1} units only).
    pub model: ModelConfig,
    /// The gradient estimator (PCD only).
    pub estimator: Estimator,
    /// Minibatch size, learning rate and number of epochs (every sample used once per epoch:
    /// the batch size must divide the number of samples).
    pub optimiser: OptimiserConfig,
    /// Recorded updates per decade ([`Cadence::LogSpaced`]); the last update is always recorded.
    pub records_per_decade: u32,
}

impl PrecisionSetup {
    /// The setup of the test and of the validation case `f32-matches-f64`: a 12×6 teacher
    /// (weights std 1.5, biases std 0.5, as in `tests/training.rs`), 500 exact samples; student
    /// weights std 0.01 and zero biases, PCD-5 with 20 chains, batch 20, $\eta = 0.05$, 200
    /// epochs (5000 updates), 10 records per decade. Zero visible biases (rather than the data
    /// frequencies) so that the run goes through the bias-learning rise, the plateau of the
    /// small weights and the escape from it (≈ 1000–3000 updates), moving $L$ by ≈ 2.7 nats;
    /// from the data frequencies the same run moves $L$ by only 0.09 nats in 2000 updates,
    /// under [`MOVEMENT_IN_SPREADS`] spreads (`notes/precision.md`).
    pub fn standard() -> Self {
        PrecisionSetup {
            teacher: Teacher {
                n_visible: 12,
                n_hidden: 6,
                weight_std: 1.5,
                bias_std: 0.5,
                samples: 500,
                seed: 7,
            },
            model: ModelConfig {
                hidden: 6,
                visible_type: VisibleType::Binary,
                hidden_type: HiddenType::Binary,
                weight_std: 0.01,
                visible_bias_init: VisibleBiasInit::Zero,
            },
            estimator: Estimator::Pcd {
                gibbs_steps: 5,
                chains: 20,
            },
            optimiser: OptimiserConfig {
                batch_size: 20,
                learning_rate: 0.05,
                momentum: 0.0,
                weight_decay: 0.0,
                train_biases: true,
                epochs: 200,
            },
            records_per_decade: 10,
        }
    }

    /// Parameter updates per run: epochs × ⌊samples / batch size⌋.
    pub fn updates(&self) -> u64 {
        (self.optimiser.epochs * (self.teacher.samples / self.optimiser.batch_size.max(1))) as u64
    }

    /// Checks the values (R3).
    ///
    /// # Errors
    /// A zero size or count, a batch size that does not divide the data, a model too large to
    /// enumerate, units other than {0,1}, an estimator other than PCD, a bad learning rate.
    pub fn check(&self) -> Result<()> {
        let t = &self.teacher;
        for (name, v) in [
            ("teacher.n_visible", t.n_visible),
            ("teacher.n_hidden", t.n_hidden),
            ("teacher.samples", t.samples),
            ("model.hidden", self.model.hidden),
            ("optimiser.batch_size", self.optimiser.batch_size),
            ("optimiser.epochs", self.optimiser.epochs),
        ] {
            if v == 0 {
                return Err(Error::invalid(name, 0, "must be at least 1"));
            }
        }
        if !t.samples.is_multiple_of(self.optimiser.batch_size) {
            return Err(Error::invalid(
                "optimiser.batch_size",
                self.optimiser.batch_size,
                format!("must divide the number of samples ({})", t.samples),
            ));
        }
        // the teacher is sampled and the student's L computed by enumerating the smaller layer
        for (name, hidden) in [
            ("teacher.n_hidden", t.n_hidden),
            ("model.hidden", self.model.hidden),
        ] {
            if t.n_visible.min(hidden) > 20 {
                return Err(Error::invalid(
                    name,
                    hidden,
                    "too large for exact enumeration",
                ));
            }
        }
        if self.model.visible_type != VisibleType::Binary
            || self.model.hidden_type != HiddenType::Binary
        {
            return Err(Error::invalid(
                "model.visible_type",
                format!("{:?}/{:?}", self.model.visible_type, self.model.hidden_type),
                "the study trains {0,1} units only",
            ));
        }
        if !matches!(self.estimator, Estimator::Pcd { .. }) {
            return Err(Error::invalid(
                "estimator",
                format!("{:?}", self.estimator),
                "the study trains with PCD only",
            ));
        }
        self.estimator.check()?;
        self.optimiser.sgd().map(|_| ())
    }

    /// The training set: `teacher.samples` exact samples of the teacher (rows), f64.
    ///
    /// # Errors
    /// Bad setup.
    pub fn teacher_data(&self) -> Result<DMatrix<f64>> {
        self.check()?;
        let t = &self.teacher;
        let mut rng = rand::rngs::StdRng::seed_from_u64(t.seed);
        let mut g = |s: f64| -> f64 {
            let z: f64 = StandardNormal.sample(&mut rng);
            s * z
        };
        let (nv, nh) = (t.n_visible, t.n_hidden);
        let w = DMatrix::from_fn(nv, nh, |_, _| g(t.weight_std));
        let a = DVector::from_fn(nv, |_, _| g(t.bias_std));
        let b = DVector::from_fn(nh, |_, _| g(t.bias_std));
        let teacher = Rbm::new(w, a, b, Binary, Binary)?;
        Ok(Enumeration::new(&teacher)?
            .samples(&teacher, t.samples, &mut rng)
            .visible)
    }

    /// The recorded updates: 0, the log-spaced updates up to [`Self::updates`], and the last.
    pub fn recorded_steps(&self) -> Vec<u64> {
        let cadence = Cadence::LogSpaced {
            per_decade: self.records_per_decade,
        };
        let updates = self.updates();
        let mut steps: Vec<u64> = std::iter::once(0)
            .chain((1..=updates).filter(|&t| cadence.is_due(t)))
            .collect();
        if steps.last() != Some(&updates) {
            steps.push(updates);
        }
        steps
    }
}

/// The observer that computes the exact $L$ of the training set at the recorded updates.
struct ExactLikelihoodAt {
    steps: Vec<u64>,
    data: DMatrix<f64>,
    curve: Vec<f64>,
}

impl<V: UnitKind, H: UnitKind, T: Float> TrainingObserver<V, H, T> for ExactLikelihoodAt {
    fn cadence(&self) -> Cadence {
        Cadence::EveryStep
    }

    fn on_step(&mut self, s: &TrainingSnapshot<'_, V, H, T>) -> Result<()> {
        let step = s.progress.step;
        if self.steps.binary_search(&step).is_ok() {
            let model = s.rbm.cast::<f64>();
            model.check_finite().map_err(|e| {
                Error::NonFinite(format!("{} training after {step} updates: {e}", T::NAME))
            })?;
            self.curve
                .push(exact_log_likelihood(&model, self.data.as_view())?);
        }
        Ok(())
    }

    fn take_records(&mut self) -> Option<Box<dyn std::any::Any + Send>> {
        Some(Box::new(ExactCurve(std::mem::take(&mut self.curve))))
    }
}

/// The records of [`ExactLikelihoodAt`].
struct ExactCurve(Vec<f64>);

/// One run: the exact $L$ of the training set at [`PrecisionSetup::recorded_steps`], training
/// in float type `T` with learning rate `learning_rate` from the start of `seed`, by the
/// library's [`Trainer`] (see the module docs: same initial model and chains, batch order and
/// sampler seed in f32 and f64).
///
/// # Errors
/// Bad setup or data; non-finite parameters (learning rate too large).
pub fn likelihood_curve<T: Float>(
    setup: &PrecisionSetup,
    data: &DMatrix<f64>,
    seed: u64,
    learning_rate: f64,
) -> Result<Vec<f64>> {
    setup.check()?;
    let (nv, bs) = (setup.teacher.n_visible, setup.optimiser.batch_size);
    if data.ncols() != nv || data.nrows() != setup.teacher.samples {
        return Err(Error::shape(
            "precision training data",
            format!("{} rows × {nv} columns", setup.teacher.samples),
            format!("{} × {}", data.nrows(), data.ncols()),
        ));
    }
    let Estimator::Pcd {
        gibbs_steps,
        chains: n_chains,
    } = setup.estimator
    else {
        unreachable!("checked: PCD only");
    };
    let mut streams = train_rng(seed);
    let mut init_rng = train_rng(streams.next_u64());
    let batches = train_rng(streams.next_u64());
    let sampling = train_rng(streams.next_u64());
    let start: Rbm<Binary, Binary, f64> = initialise(
        nv,
        setup.model.hidden,
        Binary,
        Binary,
        WeightInit::Gaussian {
            std: setup.model.weight_std,
        },
        setup.model.visible_bias_init,
        Some(data.as_view()),
        &mut init_rng,
    )?;
    let chains64 = ChainState::random(&start, n_chains, &mut init_rng);
    let chains = ChainState {
        visible: chains64.visible.map(T::of),
        hidden: chains64.hidden.map(T::of),
    };
    let steps = setup.recorded_steps();
    let l0 = exact_log_likelihood(&start, data.as_view())?;
    let pcd = PersistentContrastiveDivergence::new(gibbs_steps, chains)?;
    let sgd = OptimiserConfig {
        learning_rate,
        ..setup.optimiser.clone()
    }
    .sgd()?;
    let config = TrainerConfig {
        batch_size: bs,
        epochs: setup.optimiser.epochs,
    };
    let observer = ExactLikelihoodAt {
        steps: steps[1..].to_vec(),
        data: data.clone(),
        curve: Vec::with_capacity(steps.len()),
    };
    let data_t: DMatrix<T> = data.map(T::of);
    let mut trainer = Trainer::new(
        start.cast::<T>(),
        pcd,
        sgd,
        config,
        TrainStreams { batches, sampling },
    )?
    .observe(observer);
    trainer.run(&data_t)?;
    let mut finished = trainer.finish(&data_t)?;
    let ExactCurve(rest) = finished
        .records
        .take::<ExactCurve>()
        .ok_or_else(|| Error::invalid("precision study", "observer", "no records"))?;
    Ok(std::iter::once(l0).chain(rest).collect())
}

/// The curves of several seeds in one float type, computed in parallel over seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LikelihoodCurves {
    /// Float type of the training (`"f32"`, `"f64"`).
    pub precision: &'static str,
    /// Learning rate of the runs.
    pub learning_rate: f64,
    /// The recorded updates (first 0).
    pub steps: Vec<u64>,
    /// The seeds.
    pub seeds: Vec<u64>,
    /// `log_likelihood[s][i]`: exact $L$ of seed `seeds[s]` after `steps[i]` updates.
    pub log_likelihood: Vec<Vec<f64>>,
}

impl LikelihoodCurves {
    /// Trains one run per seed ([`likelihood_curve`]).
    ///
    /// # Errors
    /// As [`likelihood_curve`].
    pub fn train<T: Float>(
        setup: &PrecisionSetup,
        data: &DMatrix<f64>,
        seeds: &[u64],
        learning_rate: f64,
    ) -> Result<Self> {
        let log_likelihood = seeds
            .par_iter()
            .map(|&s| likelihood_curve::<T>(setup, data, s, learning_rate))
            .collect::<Result<Vec<_>>>()?;
        Ok(LikelihoodCurves {
            precision: T::NAME,
            learning_rate,
            steps: setup.recorded_steps(),
            seeds: seeds.to_vec(),
            log_likelihood,
        })
    }

    /// Values of all seeds at recorded time `i`.
    pub fn at(&self, i: usize) -> Vec<f64> {
        self.log_likelihood.iter().map(|c| c[i]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_steps_are_log_spaced_and_end_at_the_last_update() {
        let mut setup = PrecisionSetup::standard();
        setup.optimiser.epochs = 6; // 25 updates per epoch
        let steps = setup.recorded_steps();
        // ceil(10^{k/10}) for k = 0, 1, ...: 1, 2, 2, 2, 3, 4, 4, 6, 7, 8, 10
        assert_eq!(&steps[..8], &[0, 1, 2, 3, 4, 6, 7, 8]);
        assert_eq!(*steps.last().unwrap_or(&0), 150);
        assert!(steps.windows(2).all(|p| p[0] < p[1]));
    }
}
