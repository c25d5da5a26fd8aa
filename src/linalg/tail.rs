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
//! sum over the inner index in order, with fused multiply-adds.

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
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Raw description of one product (checked by the caller of the kernels).
#[derive(Clone, Copy)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct Problem<T> {
    k: usize,
    n: usize,
    lhs: *const T,
    lhs_rs: isize,
    lhs_cs: isize,
    /// Row stride of `rhs` (its column stride is 1).
    rhs: *const T,
    rhs_rs: isize,
    dst: *mut T,
    dst_rs: isize,
    dst_cs: isize,
    alpha: T,
    accumulate: bool,
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
                assert_eq!(dst.nrows(), lhs.nrows());
                assert_eq!(dst.ncols(), rhs.ncols());
                assert_eq!(lhs.ncols(), rhs.nrows());
                if !applies(rhs) {
                    return false;
                }
                #[cfg(target_arch = "x86_64")]
                {
                    let p = Problem {
                        k: lhs.ncols(),
                        n: dst.ncols(),
                        lhs: lhs.as_ptr(),
                        lhs_rs: lhs.row_stride(),
                        lhs_cs: lhs.col_stride(),
                        rhs: rhs.as_ptr(),
                        rhs_rs: rhs.row_stride(),
                        dst: dst.as_ptr_mut(),
                        dst_rs: dst.row_stride(),
                        dst_cs: dst.col_stride(),
                        alpha,
                        accumulate,
                    };
                    let (rows, mut row) = (dst.nrows(), 0);
                    // SAFETY: AVX-512F is present (`applies`); the pointers and strides come from
                    // faer views of the checked shapes, `dst` is borrowed mutably and does not
                    // alias `lhs` or `rhs`, and each call reads and writes rows `row..row+R` only.
                    unsafe {
                        while rows - row >= 4 {
                            x86::$kernel::<4>(&p, row);
                            row += 4;
                        }
                        match rows - row {
                            3 => x86::$kernel::<3>(&p, row),
                            2 => x86::$kernel::<2>(&p, row),
                            1 => x86::$kernel::<1>(&p, row),
                            _ => {}
                        }
                    }
                    true
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = (dst, accumulate, lhs, alpha);
                    unreachable!("applies() is false off x86-64")
                }
            }
        }
    };
}

impl_tail!(f32, 16, rows_f32);
impl_tail!(f64, 8, rows_f64);

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Problem;
    use std::arch::x86_64::*;

    /// Registers of sums per row of `dst` in the main loop.
    const VECTORS: usize = 4;

    macro_rules! rows_kernel {
        ($name:ident, $t:ty, $v:ty, $lanes:expr, $mask:ty,
         $zero:ident, $load:ident, $maskz_load:ident, $set1:ident, $fmadd:ident, $store:ident) => {
            /// Rows `row..row + R` of `dst` (see the module docs).
            ///
            /// # Safety
            /// AVX-512F must be present; `p` must describe live, non-aliasing storage with at
            /// least `row + R` rows.
            #[target_feature(enable = "avx512f")]
            pub(super) unsafe fn $name<const R: usize>(p: &Problem<$t>, row: usize) {
                const L: usize = $lanes;
                let lhs_at =
                    |r: usize, kk: usize| (row + r) as isize * p.lhs_rs + kk as isize * p.lhs_cs;
                let mut j = 0;
                while j + VECTORS * L <= p.n {
                    let mut acc = [[$zero(); VECTORS]; R];
                    for kk in 0..p.k {
                        let w = p.rhs.offset(kk as isize * p.rhs_rs).add(j);
                        let mut x = [$zero(); VECTORS];
                        for (v, x) in x.iter_mut().enumerate() {
                            *x = $load(w.add(v * L));
                        }
                        for (r, acc) in acc.iter_mut().enumerate() {
                            let h = $set1(*p.lhs.offset(lhs_at(r, kk)));
                            for v in 0..VECTORS {
                                acc[v] = $fmadd(h, x[v], acc[v]);
                            }
                        }
                    }
                    for (r, acc) in acc.iter().enumerate() {
                        for (v, &a) in acc.iter().enumerate() {
                            store(p, row + r, j + v * L, L, a);
                        }
                    }
                    j += VECTORS * L;
                }
                // Fewer than VECTORS registers of columns left: one register at a time.
                while j < p.n {
                    let width = (p.n - j).min(L);
                    let mask = ((1u64 << width) - 1) as $mask;
                    let mut acc = [$zero(); R];
                    for kk in 0..p.k {
                        let x = $maskz_load(mask, p.rhs.offset(kk as isize * p.rhs_rs).add(j));
                        for (r, a) in acc.iter_mut().enumerate() {
                            *a = $fmadd($set1(*p.lhs.offset(lhs_at(r, kk))), x, *a);
                        }
                    }
                    for (r, &a) in acc.iter().enumerate() {
                        store(p, row + r, j, width, a);
                    }
                    j += L;
                }

                #[target_feature(enable = "avx512f")]
                #[inline]
                unsafe fn store(p: &Problem<$t>, i: usize, j: usize, width: usize, a: $v) {
                    let mut sums = [0.0 as $t; $lanes];
                    $store(sums.as_mut_ptr(), a);
                    for (c, &s) in sums[..width].iter().enumerate() {
                        let d = p
                            .dst
                            .offset(i as isize * p.dst_rs + (j + c) as isize * p.dst_cs);
                        *d = if p.accumulate {
                            *d + p.alpha * s
                        } else {
                            p.alpha * s
                        };
                    }
                }
            }
        };
    }

    rows_kernel!(
        rows_f32,
        f32,
        __m512,
        16,
        __mmask16,
        _mm512_setzero_ps,
        _mm512_loadu_ps,
        _mm512_maskz_loadu_ps,
        _mm512_set1_ps,
        _mm512_fmadd_ps,
        _mm512_storeu_ps
    );
    rows_kernel!(
        rows_f64,
        f64,
        __m512d,
        8,
        __mmask8,
        _mm512_setzero_pd,
        _mm512_loadu_pd,
        _mm512_maskz_loadu_pd,
        _mm512_set1_pd,
        _mm512_fmadd_pd,
        _mm512_storeu_pd
    );
}

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
        // SAFETY: pointers and strides of live nalgebra storage of the stated shapes.
        let done = unsafe {
            let lhs = MatRef::from_raw_parts(
                lhs_view.as_ptr(),
                m,
                k,
                lhs_view.strides().0 as isize,
                lhs_view.strides().1 as isize,
            );
            let rhs = MatRef::from_raw_parts(rhs_t.as_ptr(), k, n, n as isize, 1);
            let d = MatMut::from_raw_parts_mut(dst.as_mut_ptr(), m, n, 1, m as isize);
            T::tail_rows(d, accumulate, lhs, rhs, alpha)
        };
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
