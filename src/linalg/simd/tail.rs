//! The AVX-512 kernel of the last rows of a product (see `linalg::tail` for what it computes
//! and why): up to 4 rows of `dst` × 4 registers of sums kept in registers, each row of `rhs`
//! read once per 4 rows of `dst`, every entry one sum over the inner index in order, with fused
//! multiply-adds.

use faer::{MatMut, MatRef};

/// Raw description of one product (checked by the caller of the kernels).
#[derive(Clone, Copy)]
#[cfg(target_arch = "x86_64")]
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

macro_rules! safe_tail {
    ($name:ident, $t:ty) => {
        /// `dst ← alpha·lhs·rhs (+ dst when accumulate)` when the CPU has AVX-512F and `rhs` has
        /// unit column stride; `false` (nothing written) otherwise.
        ///
        /// # Panics
        /// If the shapes do not fit.
        pub(crate) fn $name(
            dst: MatMut<'_, $t>,
            accumulate: bool,
            lhs: MatRef<'_, $t>,
            rhs: MatRef<'_, $t>,
            alpha: $t,
        ) -> bool {
            assert_eq!(dst.nrows(), lhs.nrows());
            assert_eq!(dst.ncols(), rhs.ncols());
            assert_eq!(lhs.ncols(), rhs.nrows());
            if rhs.col_stride() != 1 || !super::has_avx512f() {
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
                // SAFETY: AVX-512F is present and `rhs` has unit column stride (checked above);
                // the pointers and strides come from faer views of the checked shapes, `dst` is
                // borrowed mutably and does not alias `lhs` or `rhs`, and each call reads and
                // writes rows `row..row+R` only, with `row + R ≤ rows`.
                unsafe {
                    while rows - row >= 4 {
                        x86::$name::<4>(&p, row);
                        row += 4;
                    }
                    match rows - row {
                        3 => x86::$name::<3>(&p, row),
                        2 => x86::$name::<2>(&p, row),
                        1 => x86::$name::<1>(&p, row),
                        _ => {}
                    }
                }
                true
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                let _ = (dst, accumulate, lhs, alpha);
                unreachable!("has_avx512f() is false off x86-64")
            }
        }
    };
}

safe_tail!(rows_f32, f32);
safe_tail!(rows_f64, f64);

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Problem;
    #[allow(clippy::wildcard_imports)] // the AVX-512 intrinsics named in the kernel macros
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
                // SAFETY (every pointer operation below): the caller guarantees AVX-512F and
                // that `p` describes live storage with at least `row + R` rows of `dst` and
                // `lhs`, `k` rows of `rhs` with `n` contiguous entries each; the loops stay
                // inside those bounds (`j + VECTORS·L ≤ n`, then masked loads of `width ≤ L`
                // entries, and `store` writes `width` entries of one row of `dst`).
                unsafe {
                    let lhs_at = |r: usize, kk: usize| {
                        (row + r) as isize * p.lhs_rs + kk as isize * p.lhs_cs
                    };
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
                }

                /// Entries `j..j + width` of row `i` of `dst` ← `alpha·a (+ dst)`.
                ///
                /// # Safety
                /// AVX-512F must be present; those entries of `dst` must be live and writable.
                #[target_feature(enable = "avx512f")]
                #[inline]
                unsafe fn store(p: &Problem<$t>, i: usize, j: usize, width: usize, a: $v) {
                    let mut sums = [0.0 as $t; $lanes];
                    // SAFETY: `sums` holds one register of entries; the caller guarantees the
                    // `width ≤ L` entries of `dst` written here.
                    unsafe {
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
