//! The last rows of a product whose row count is not a multiple of the SIMD width.
//!
//! faer's micro-kernels cover 16 rows (f32) or 8 rows (f64) of `dst` per AVX-512 register. A
//! batch of 100 chains leaves 4 rows, which faer computes with its one-register kernel: four
//! independent accumulators, each addition waiting on the one before (a chain of latencies),
//! and 12 of 16 lanes wasted. In the h→v products of training that remainder took 7 % of the
//! epoch's CPU samples for 4 % of the arithmetic.
//!
//! When the rows of `rhs` are contiguous (unit column stride: `rhs = Wᵀ` with `W` stored by
//! columns, as in `H Wᵀ`), each remaining row of `dst` is a combination of rows of `rhs`, which
//! vectorise along `dst`'s columns: [`tail_rows`] keeps up to 4 rows × 64 bytes × 4 registers of
//! sums in registers and reads each row of `rhs` once per 4 rows of `dst`. Every entry is one
//! sum over the inner index in order, with fused multiply-adds. The kernel itself (AVX-512
//! intrinsics) is `linalg::simd::tail`; this module is its safe entry point.

use faer::{MatMut, MatRef};

/// Types with a tail kernel: entries per AVX-512 register, and the kernel.
pub(super) trait TailRows: Sized + Copy {
    /// Entries per register: faer's row tile.
    const LANES: usize;

    /// `dst ← alpha·lhs·rhs (+ dst when accumulate)` when the kernel applies (an x86-64 CPU with
    /// AVX-512F, `rhs` with unit column stride); `false` (nothing written) otherwise.
    fn tail_rows(
        dst: MatMut<'_, Self>,
        accumulate: bool,
        lhs: MatRef<'_, Self>,
        rhs: MatRef<'_, Self>,
        alpha: Self,
    ) -> bool;
}

/// Whether [`TailRows::tail_rows`] runs on this CPU for `rhs`.
pub(super) fn applies<T>(rhs: MatRef<'_, T>) -> bool {
    rhs.col_stride() == 1 && has_avx512()
}

fn has_avx512() -> bool {
    super::simd::has_avx512f()
}

macro_rules! impl_tail {
    ($t:ty, $lanes:expr, $kernel:ident) => {
        impl TailRows for $t {
            const LANES: usize = $lanes;

            fn tail_rows(
                dst: MatMut<'_, $t>,
                accumulate: bool,
                lhs: MatRef<'_, $t>,
                rhs: MatRef<'_, $t>,
                alpha: $t,
            ) -> bool {
                super::simd::tail::$kernel(dst, accumulate, lhs, rhs, alpha)
            }
        }
    };
}

impl_tail!(f32, 16, rows_f32);
impl_tail!(f64, 8, rows_f64);

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// `dst ← alpha·lhs·rhs (+ dst)` by `T::tail_rows` on faer views of nalgebra storage, with
    /// `lhs` a block of a larger matrix (general strides) and `rhs` given by its transpose
    /// (unit column stride, the kernel's case). Returns the largest error against the f64
    /// product divided by the round-off bound `k·ε·Σ|α·lhs·rhs| + ε·|dst|` (Higham's γ_k).
    fn run<T: TailRows + crate::linalg::Float>(
        m: usize,
        k: usize,
        n: usize,
        accumulate: bool,
        rng: &mut StdRng,
    ) -> f64 {
        let big = DMatrix::<T>::from_fn(m + 3, k + 2, |_, _| T::of(rng.random::<f64>() - 0.5));
        let rhs_t = DMatrix::<T>::from_fn(n, k, |_, _| T::of(rng.random::<f64>() - 0.5));
        let mut dst = DMatrix::<T>::from_fn(m, n, |_, _| T::of(rng.random::<f64>()));
        let before = dst.clone();
        let alpha = T::of(-0.75);
        let lhs_view = big.view((2, 1), (m, k));
        // SAFETY: pointers and strides of live nalgebra storage of the stated shapes: `lhs` is
        // the m × k block of `big` at (2, 1), `rhs` (k × n) is `rhs_tᵀ` (n × k, column-major,
        // so row stride n and unit column stride), `dst` is all of `dst` (column-major m × n),
        // borrowed mutably and distinct from the other two.
        let (lhs, rhs, d) = unsafe {
            (
                MatRef::from_raw_parts(
                    lhs_view.as_ptr(),
                    m,
                    k,
                    lhs_view.strides().0 as isize,
                    lhs_view.strides().1 as isize,
                ),
                MatRef::from_raw_parts(rhs_t.as_ptr(), k, n, n as isize, 1),
                MatMut::from_raw_parts_mut(dst.as_mut_ptr(), m, n, 1, m as isize),
            )
        };
        let done = T::tail_rows(d, accumulate, lhs, rhs, alpha);
        assert!(
            done,
            "the kernel applies: AVX-512F present, unit column stride"
        );
        let eps = if T::NAME == "f32" {
            f32::EPSILON as f64
        } else {
            f64::EPSILON
        };
        let mut worst: f64 = 0.0;
        for i in 0..m {
            for j in 0..n {
                let (mut exact, mut abs) = (0.0, 0.0);
                for l in 0..k {
                    let t = alpha.as_f64() * lhs_view[(i, l)].as_f64() * rhs_t[(j, l)].as_f64();
                    exact += t;
                    abs += t.abs();
                }
                let prior = if accumulate {
                    before[(i, j)].as_f64()
                } else {
                    0.0
                };
                let bound = (k as f64 + 2.0) * eps * (abs + prior.abs()) + f64::MIN_POSITIVE;
                worst = worst.max((dst[(i, j)].as_f64() - prior - exact).abs() / bound);
            }
        }
        worst
    }

    #[test]
    fn tail_rows_match_the_product_within_round_off() {
        if !has_avx512() {
            eprintln!("SKIPPED tail_rows_match_the_product_within_round_off: no AVX-512F on this CPU (faer computes every row)");
            return;
        }
        let mut rng = StdRng::seed_from_u64(11);
        // Row counts 1–15 (groups of 4 and the 3/2/1 remainders), widths that are whole blocks,
        // single registers and partial registers, inner sizes 0, 1 and several hundred.
        for &(m, k, n) in &[
            (4, 500, 392),
            (15, 37, 130),
            (3, 1, 64),
            (1, 9, 7),
            (7, 0, 20),
            (2, 300, 200),
        ] {
            for accumulate in [false, true] {
                let e32 = run::<f32>(m, k, n, accumulate, &mut rng);
                let e64 = run::<f64>(m, k, n, accumulate, &mut rng);
                assert!(
                    e32 <= 1.0 && e64 <= 1.0,
                    "{m}x{k}x{n} acc {accumulate}: {e32} {e64}"
                );
            }
        }
    }
}
