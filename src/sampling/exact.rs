//! Exact enumeration for small models: $\ln Z$, moments, marginals and exact samples.
//!
//! # Method
//! Enumerate the smaller *discrete* layer $L$ (at most [`MAX_ENUMERATED_UNITS`] units) and sum
//! the other layer $O$ analytically through its log-partition $\phi_O$:
//! $$\ln Z = \operatorname{logsumexp}_{s \in L}\Big[ c_L^\top s - \sum_k U_L(s_k)
//!          + \sum_m \phi_O\big(c_O + W s\big)_m \Big],$$
//! where $c$ are the biases and $W s$ means $W h$ ($L$ hidden) or $W^\top v$ ($L$ visible).
//! States are processed in blocks with one GEMM per block; the log-sum-exp is taken over all
//! stored log-weights (stable). Cost $2^{|L|}\,N_v N_h$. Work is in `f64`.
//!
//! State `s` of the enumerated layer is encoded by the bits of an integer: unit `k` is in its
//! high state (1 or +1) iff bit `k` is set.

use super::ChainState;
use crate::error::{Error, Result};
use crate::linalg::{gemm, Float, Op};
use crate::rbm::Rbm;
use crate::units::UnitKind;
use nalgebra::{DMatrix, DMatrixView, DVector};
use rand::Rng;
use rayon::prelude::*;

/// Largest layer that is enumerated ($2^{24} \approx 1.7\cdot10^7$ states).
pub const MAX_ENUMERATED_UNITS: usize = 24;

/// States per block (one GEMM each).
const BLOCK: usize = 2048;

/// Which layer is enumerated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnumeratedLayer {
    /// The visible layer is enumerated; the hidden layer is summed out.
    Visible,
    /// The hidden layer is enumerated; the visible layer is summed out.
    Hidden,
}

/// Exact moments of the model distribution.
#[derive(Clone, Debug)]
pub struct ExactMoments {
    /// $\ln Z$.
    pub log_z: f64,
    /// $\langle v\rangle$.
    pub visible_mean: DVector<f64>,
    /// $\langle h\rangle$.
    pub hidden_mean: DVector<f64>,
    /// $\langle v h^\top\rangle$ (`Nv × Nh`).
    pub correlation: DMatrix<f64>,
}

/// The result of enumerating one layer: the log-weight of every state of that layer.
#[derive(Clone, Debug)]
pub struct Enumeration {
    layer: EnumeratedLayer,
    n_units: usize,
    low: f64,
    high: f64,
    log_weights: Vec<f64>,
    log_z: f64,
}

/// Chooses the layer to enumerate: the smaller discrete one with at most
/// [`MAX_ENUMERATED_UNITS`] units.
///
/// # Errors
/// [`Error::Unsupported`] when no layer qualifies.
pub fn choose_layer<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
) -> Result<EnumeratedLayer> {
    let v_ok = rbm.visible().discrete_states().is_some() && rbm.n_visible() <= MAX_ENUMERATED_UNITS;
    let h_ok = rbm.hidden().discrete_states().is_some() && rbm.n_hidden() <= MAX_ENUMERATED_UNITS;
    match (v_ok, h_ok) {
        (true, true) if rbm.n_visible() < rbm.n_hidden() => Ok(EnumeratedLayer::Visible),
        (_, true) => Ok(EnumeratedLayer::Hidden),
        (true, false) => Ok(EnumeratedLayer::Visible),
        (false, false) => Err(Error::Unsupported(format!(
            "exact enumeration needs a discrete layer of at most {MAX_ENUMERATED_UNITS} units; \
             this model is {}x{} ({} visible, {} hidden)",
            rbm.n_visible(),
            rbm.n_hidden(),
            rbm.visible().name(),
            rbm.hidden().name()
        ))),
    }
}

/// Fills `states` (rows) with the configurations `first .. first + rows` of `n` units.
fn fill_states(states: &mut DMatrix<f64>, first: usize, low: f64, high: f64) {
    let (rows, n) = states.shape();
    for k in 0..n {
        for r in 0..rows {
            states[(r, k)] = if (first + r) >> k & 1 == 1 { high } else { low };
        }
    }
}

/// Everything the enumeration needs, in `f64`, oriented so that the enumerated layer is `L`.
struct Oriented<'a> {
    /// `W` as `|L| × |O|` (a view, transposed when `L` is visible... see `coupling_op`).
    weights: DMatrixView<'a, f64>,
    /// `Op::T` when `weights` must be transposed to be `|O| × |L|`... kept as the op applied
    /// to `weights` in `states · op(weights)`.
    coupling_op: Op,
    bias_l: DVector<f64>,
    bias_o: DVector<f64>,
}

impl Enumeration {
    /// Enumerates the chosen layer of `rbm` (converted to `f64`).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if no layer can be enumerated; [`Error::NonFinite`] if $\ln Z$ is
    /// not finite (e.g. a Gaussian layer with a coupling too strong for its precision).
    pub fn new<V: UnitKind, H: UnitKind, T: Float>(rbm: &Rbm<V, H, T>) -> Result<Self> {
        let rbm64 = rbm.cast::<f64>();
        let layer = choose_layer(&rbm64)?;
        let (n_units, [low, high]) = match layer {
            EnumeratedLayer::Visible => (
                rbm.n_visible(),
                rbm.visible().discrete_states().unwrap_or([0.0, 1.0]),
            ),
            EnumeratedLayer::Hidden => (
                rbm.n_hidden(),
                rbm.hidden().discrete_states().unwrap_or([0.0, 1.0]),
            ),
        };
        let n_states = 1usize << n_units;
        let mut log_weights = vec![0.0; n_states];
        let o = orient(&rbm64, layer);
        // Blocks are independent: run them on rayon, each worker reusing its buffers.
        log_weights.par_chunks_mut(BLOCK).enumerate().for_each_init(
            || (DMatrix::zeros(0, n_units), DMatrix::zeros(0, 0)),
            |(states, fields), (block, out)| {
                let rows = out.len();
                block_fields(&o, block * BLOCK, rows, low, high, states, fields);
                out.fill(0.0);
                // Column by column: both matrices are column-major.
                for k in 0..n_units {
                    for (lw, &s) in out.iter_mut().zip(states.column(k).iter()) {
                        *lw += o.bias_l[k] * s - self_energy_l(&rbm64, layer, s);
                    }
                }
                for column in fields.as_slice().chunks_exact(rows) {
                    match layer {
                        EnumeratedLayer::Hidden => rbm64.visible().add_log_partitions(column, out),
                        EnumeratedLayer::Visible => rbm64.hidden().add_log_partitions(column, out),
                    }
                }
            },
        );
        let log_z = crate::stats::log_sum_exp(&log_weights);
        if !log_z.is_finite() {
            return Err(Error::NonFinite(format!("exact ln Z = {log_z}")));
        }
        Ok(Enumeration {
            layer,
            n_units,
            low,
            high,
            log_weights,
            log_z,
        })
    }

    /// $\ln Z$.
    pub fn log_z(&self) -> f64 {
        self.log_z
    }

    /// The enumerated layer.
    pub fn layer(&self) -> EnumeratedLayer {
        self.layer
    }

    /// Marginal probabilities of the enumerated layer's states (bit encoding in the module docs).
    pub fn probabilities(&self) -> Vec<f64> {
        self.log_weights
            .iter()
            .map(|lw| (lw - self.log_z).exp())
            .collect()
    }

    /// Exact moments $\langle v\rangle, \langle h\rangle, \langle v h^\top\rangle$.
    pub fn moments<V: UnitKind, H: UnitKind, T: Float>(&self, rbm: &Rbm<V, H, T>) -> ExactMoments {
        let rbm64 = rbm.cast::<f64>();
        let o = orient(&rbm64, self.layer);
        let n_l = self.n_units;
        let n_o = o.bias_o.len();
        let mut mean_l = DVector::zeros(n_l);
        let mut mean_o = DVector::zeros(n_o);
        let mut corr_lo = DMatrix::zeros(n_l, n_o);
        let mut states = DMatrix::zeros(0, n_l);
        let mut fields = DMatrix::zeros(0, 0);
        let n_states = self.log_weights.len();
        let mut first = 0;
        while first < n_states {
            let rows = BLOCK.min(n_states - first);
            block_fields(
                &o,
                first,
                rows,
                self.low,
                self.high,
                &mut states,
                &mut fields,
            );
            // weighted states P·S and conditional means M_O
            let p: Vec<f64> = (0..rows)
                .map(|r| (self.log_weights[first + r] - self.log_z).exp())
                .collect();
            for m in 0..n_o {
                for r in 0..rows {
                    fields[(r, m)] = mean_o_of(&rbm64, self.layer, fields[(r, m)]);
                }
            }
            let mut weighted = states.clone();
            for k in 0..n_l {
                for r in 0..rows {
                    weighted[(r, k)] *= p[r];
                }
            }
            for k in 0..n_l {
                mean_l[k] += weighted.column(k).sum();
            }
            for m in 0..n_o {
                mean_o[m] += fields.column(m).dot(&DVector::from_column_slice(&p));
            }
            gemm(
                &mut corr_lo,
                true,
                1.0,
                weighted.as_view(),
                Op::T,
                fields.as_view(),
                Op::N,
            );
            first += rows;
        }
        match self.layer {
            EnumeratedLayer::Hidden => ExactMoments {
                log_z: self.log_z,
                visible_mean: mean_o,
                hidden_mean: mean_l,
                correlation: corr_lo.transpose(),
            },
            EnumeratedLayer::Visible => ExactMoments {
                log_z: self.log_z,
                visible_mean: mean_l,
                hidden_mean: mean_o,
                correlation: corr_lo,
            },
        }
    }

    /// `n` independent exact samples of $(v, h)$: the enumerated layer from its exact marginal,
    /// then the other layer from its conditional.
    pub fn samples<V: UnitKind, H: UnitKind, T: Float, R: Rng + ?Sized>(
        &self,
        rbm: &Rbm<V, H, T>,
        n: usize,
        rng: &mut R,
    ) -> ChainState<f64> {
        let rbm64 = rbm.cast::<f64>();
        // cumulative distribution
        let mut cdf = Vec::with_capacity(self.log_weights.len());
        let mut acc = 0.0;
        for lw in &self.log_weights {
            acc += (lw - self.log_z).exp();
            cdf.push(acc);
        }
        let total = acc;
        let mut states = DMatrix::zeros(n, self.n_units);
        for r in 0..n {
            let u = rng.random::<f64>() * total;
            let idx = cdf.partition_point(|&c| c <= u).min(cdf.len() - 1);
            for k in 0..self.n_units {
                states[(r, k)] = if idx >> k & 1 == 1 {
                    self.high
                } else {
                    self.low
                };
            }
        }
        match self.layer {
            EnumeratedLayer::Hidden => {
                let fields = rbm64.visible_fields(states.as_view());
                let mut visible = DMatrix::zeros(n, rbm.n_visible());
                super::sample_layer(rbm64.visible(), &fields, &mut visible, rng);
                ChainState {
                    visible,
                    hidden: states,
                }
            }
            EnumeratedLayer::Visible => {
                let fields = rbm64.hidden_fields(states.as_view());
                let mut hidden = DMatrix::zeros(n, rbm.n_hidden());
                super::sample_layer(rbm64.hidden(), &fields, &mut hidden, rng);
                ChainState {
                    visible: states,
                    hidden,
                }
            }
        }
    }
}

fn orient<V: UnitKind, H: UnitKind>(rbm: &Rbm<V, H, f64>, layer: EnumeratedLayer) -> Oriented<'_> {
    match layer {
        // states (rows × Nh) · Wᵀ (Nh × Nv) → visible fields
        EnumeratedLayer::Hidden => Oriented {
            weights: rbm.weights().as_view(),
            coupling_op: Op::T,
            bias_l: rbm.hidden_bias().clone(),
            bias_o: rbm.visible_bias().clone(),
        },
        // states (rows × Nv) · W (Nv × Nh) → hidden fields
        EnumeratedLayer::Visible => Oriented {
            weights: rbm.weights().as_view(),
            coupling_op: Op::N,
            bias_l: rbm.visible_bias().clone(),
            bias_o: rbm.hidden_bias().clone(),
        },
    }
}

fn block_fields(
    o: &Oriented<'_>,
    first: usize,
    rows: usize,
    low: f64,
    high: f64,
    states: &mut DMatrix<f64>,
    fields: &mut DMatrix<f64>,
) {
    let n_l = o.bias_l.len();
    let n_o = o.bias_o.len();
    if states.nrows() != rows {
        *states = DMatrix::zeros(rows, n_l);
    }
    if fields.shape() != (rows, n_o) {
        *fields = DMatrix::zeros(rows, n_o);
    }
    fill_states(states, first, low, high);
    gemm(
        fields,
        false,
        1.0,
        states.as_view(),
        Op::N,
        o.weights,
        o.coupling_op,
    );
    crate::rbm::add_row_broadcast(fields, &o.bias_o);
}

fn self_energy_l<V: UnitKind, H: UnitKind>(
    rbm: &Rbm<V, H, f64>,
    layer: EnumeratedLayer,
    s: f64,
) -> f64 {
    match layer {
        EnumeratedLayer::Hidden => rbm.hidden().self_energy(s),
        EnumeratedLayer::Visible => rbm.visible().self_energy(s),
    }
}

fn mean_o_of<V: UnitKind, H: UnitKind>(
    rbm: &Rbm<V, H, f64>,
    layer: EnumeratedLayer,
    x: f64,
) -> f64 {
    match layer {
        EnumeratedLayer::Hidden => rbm.visible().mean(x),
        EnumeratedLayer::Visible => rbm.hidden().mean(x),
    }
}

/// Exact $\ln Z$ (see the module docs).
///
/// # Errors
/// As [`Enumeration::new`].
pub fn log_partition_exact<V: UnitKind, H: UnitKind, T: Float>(rbm: &Rbm<V, H, T>) -> Result<f64> {
    Ok(Enumeration::new(rbm)?.log_z())
}

/// Exact moments (see [`Enumeration::moments`]).
///
/// # Errors
/// As [`Enumeration::new`].
pub fn exact_moments<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
) -> Result<ExactMoments> {
    let e = Enumeration::new(rbm)?;
    Ok(e.moments(rbm))
}

/// Exact probability $p(v)$ of every visible configuration (bit encoding of the module docs),
/// from $p(v) = e^{-F(v) - \ln Z}$. For χ² tests of samplers on tiny models.
///
/// # Errors
/// [`Error::Unsupported`] unless the visible layer is discrete with at most 20 units.
pub fn visible_distribution<V: UnitKind, H: UnitKind, T: Float>(
    rbm: &Rbm<V, H, T>,
) -> Result<Vec<f64>> {
    let [low, high] = rbm.visible().discrete_states().ok_or_else(|| {
        Error::Unsupported("visible_distribution needs discrete visible units".into())
    })?;
    let nv = rbm.n_visible();
    if nv > 20 {
        return Err(Error::Unsupported(format!(
            "visible_distribution: {nv} visible units > 20"
        )));
    }
    let rbm64 = rbm.cast::<f64>();
    let log_z = log_partition_exact(&rbm64)?;
    let mut states = DMatrix::zeros(1 << nv, nv);
    fill_states(&mut states, 0, low, high);
    let f = rbm64.free_energy(states.as_view())?;
    Ok(f.iter().map(|fe| (-fe - log_z).exp()).collect())
}

/// Index of a visible configuration in the bit encoding (entries must be a unit's states).
#[allow(clippy::float_cmp)] // states hold exactly the two unit values
pub fn state_index(row: &[f64], high: f64) -> usize {
    row.iter()
        .enumerate()
        .fold(0, |acc, (k, &s)| if s == high { acc | 1 << k } else { acc })
}
