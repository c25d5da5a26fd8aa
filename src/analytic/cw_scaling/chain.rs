//! A fast simulator of the block-Gibbs chain on $M = \xi\cdot s$ of the Gaussian-hidden RBM with
//! $w = \sqrt q\,\xi$ (the chain whose exact kernel is [`super::kernel::GibbsKernelOnM`]).
//!
//! # Formula
//! One sweep from $M$: draw $\tau = \sqrt q\,M/N + z/\sqrt N$, $z \sim \mathcal N(0,1)$; then
//! $k' \sim \mathrm{Binomial}(N, p)$, $p = (1 + \tanh\sqrt q\tau)/2$; $M' = 2k' - N$. This is
//! exactly one sweep of the RBM's block Gibbs sampler projected on $M$ (the sites given $\tau$
//! are independent and identically aligned with $\xi$ with probability $p$), at cost $O(1)$
//! per sweep instead of $O(N)$.

use crate::error::{Error, Result};
use rand::Rng;
use rand_distr::{Binomial, Distribution, StandardNormal};

/// Configuration of the chain on $M$: size $N$ and coupling $q$.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GibbsChainOnM {
    n: usize,
    coupling: f64,
}

impl GibbsChainOnM {
    /// The chain at size `n` and coupling `coupling` $= q$.
    ///
    /// # Errors
    /// `n == 0`; `coupling` negative or not finite.
    pub fn new(n: usize, coupling: f64) -> Result<Self> {
        super::check_size_and_coupling(n, coupling)?;
        Ok(GibbsChainOnM { n, coupling })
    }

    /// $N$.
    pub fn n(&self) -> usize {
        self.n
    }

    /// One block-Gibbs sweep from `overlap` $= M$; returns $M'$.
    pub fn sweep<R: Rng + ?Sized>(&self, overlap: i64, rng: &mut R) -> i64 {
        let nf = self.n as f64;
        let sq = self.coupling.sqrt();
        let z: f64 = StandardNormal.sample(rng);
        let tau = sq * overlap as f64 / nf + z / nf.sqrt();
        let p = 0.5 * (1.0 + (sq * tau).tanh());
        // p ∈ [0, 1] always, so the distribution exists; the fallback is unreachable
        let up = Binomial::new(self.n as u64, p.clamp(0.0, 1.0))
            .map(|b| b.sample(rng))
            .unwrap_or(0);
        2 * up as i64 - self.n as i64
    }

    /// The trajectory $M_1, \dots, M_{\rm sweeps}$ from $M_0 =$ `start` (the start excluded).
    ///
    /// # Errors
    /// `start` not in $\{-N, -N+2, \dots, N\}$.
    pub fn run<R: Rng + ?Sized>(&self, start: i64, sweeps: usize, rng: &mut R) -> Result<Vec<i64>> {
        let n = self.n as i64;
        if start.abs() > n || (start + n) % 2 != 0 {
            return Err(Error::invalid(
                "start",
                start,
                format!("must be one of -N, -N+2, …, N (N = {n})"),
            ));
        }
        let mut m = start;
        Ok((0..sweeps)
            .map(|_| {
                m = self.sweep(m, rng);
                m
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sweeps_stay_on_the_lattice_and_bad_starts_fail() {
        let c = GibbsChainOnM::new(11, 1.0).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let path = c.run(11, 1000, &mut rng).unwrap();
        assert!(path.iter().all(|m| m.abs() <= 11 && (m + 11) % 2 == 0));
        assert!(c.run(10, 1, &mut rng).is_err());
        assert!(GibbsChainOnM::new(0, 1.0).is_err());
        assert!(GibbsChainOnM::new(4, -1.0).is_err());
    }
}
