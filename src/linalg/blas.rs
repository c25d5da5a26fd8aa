//! GEMM through a system BLAS (OpenBLAS), behind the optional cargo feature `openblas`.
//!
//! Off by default: the default build is pure Rust (faer, see [`super::gemm`]). With
//! `--features openblas` the crate links the system `libopenblas.so` (Debian: `libopenblas-dev`,
//! installed by `scripts/install-openblas.sh`) and [`super::gemm`] hands every product whose
//! operands are BLAS-expressible (see [`try_gemm`]) to `cblas_sgemm` / `cblas_dgemm`; the rest
//! (a view with neither unit row nor unit column stride, negative strides, dimensions beyond
//! `i32`) stays on faer. Since a `DMatrixView` always has row stride 1, every product that
//! `gemm` receives today goes to BLAS; the check guards [`StridedRef`]s made otherwise.
//!
//! The two CBLAS entry points are declared here directly (no `cblas-sys` / `openblas-src` crate):
//! they are all the crate needs, the `#[link]` attribute is the only build step, and the default
//! build's dependency tree and `Cargo.lock` stay unchanged (`notes/blas.md`).
//!
//! Threads: OpenBLAS reads `OPENBLAS_NUM_THREADS` (or `OMP_NUM_THREADS`) when the library is
//! loaded; unset, it uses all cores of the machine, which is this crate's default too (faer's
//! `Par::rayon(0)`). OpenBLAS also runs products below 65536·4 multiply-adds on one thread, the
//! same cut as faer's `PARALLEL_THRESHOLD` (2¹⁸).

use super::{Float, StridedRef};
use nalgebra::DMatrix;
use std::any::TypeId;
use std::os::raw::c_int;

/// CBLAS enum values (`cblas.h`).
const CBLAS_COL_MAJOR: c_int = 102;
const CBLAS_NO_TRANS: c_int = 111;
const CBLAS_TRANS: c_int = 112;

#[link(name = "openblas")]
extern "C" {
    fn cblas_sgemm(
        layout: c_int,
        trans_a: c_int,
        trans_b: c_int,
        m: c_int,
        n: c_int,
        k: c_int,
        alpha: f32,
        a: *const f32,
        lda: c_int,
        b: *const f32,
        ldb: c_int,
        beta: f32,
        c: *mut f32,
        ldc: c_int,
    );
    fn cblas_dgemm(
        layout: c_int,
        trans_a: c_int,
        trans_b: c_int,
        m: c_int,
        n: c_int,
        k: c_int,
        alpha: f64,
        a: *const f64,
        lda: c_int,
        b: *const f64,
        ldb: c_int,
        beta: f64,
        c: *mut f64,
        ldc: c_int,
    );
}

/// A strided operand as a column-major BLAS operand: transpose flag, leading dimension and the
/// pointer to its first element.
struct Operand<T> {
    trans: c_int,
    ld: c_int,
    ptr: *const T,
}

/// Describes `op` (an `r × c` view with strides `rs`, `cs`) for column-major BLAS, or `None`.
///
/// * unit row stride (or one row): the view is column-major with leading dimension `cs`
///   → `NoTrans`, `ld = cs ≥ max(1, r)`;
/// * unit column stride (or one column): its transpose (`c × r`) is column-major with leading
///   dimension `rs` → `Trans`, `ld = rs ≥ max(1, c)`.
///
/// A stride of a dimension of size 1 is never used, so it is replaced by the smallest legal
/// leading dimension.
fn operand<T: Float>(op: &StridedRef<'_, T>) -> Option<Operand<T>> {
    column_major(op, CBLAS_NO_TRANS).or_else(|| column_major(&op.t(), CBLAS_TRANS))
}

/// `op` as a column-major operand with flag `trans` when its rows are contiguous (unit row
/// stride, or one row) and its leading dimension is legal.
fn column_major<T>(op: &StridedRef<'_, T>, trans: c_int) -> Option<Operand<T>> {
    let (r, c) = (op.nrows, op.ncols);
    if !(op.row_stride == 1 || r == 1) {
        return None;
    }
    let ld = if c == 1 {
        r.max(1) as isize
    } else {
        op.col_stride
    };
    let ld = usize::try_from(ld).ok().filter(|&ld| ld >= r.max(1))?;
    Some(Operand {
        trans,
        ld: c_int::try_from(ld).ok()?,
        ptr: op.data.get(op.offset..)?.as_ptr(),
    })
}

/// `dst ← alpha · lhs · rhs + (accumulate ? dst : 0)` through OpenBLAS, when it can be
/// expressed there; returns `false` (and leaves `dst` untouched) when it cannot: the type is
/// not `f32`/`f64`, an operand has neither a unit row nor a unit column stride (or negative
/// strides), or a dimension exceeds `i32`. Shapes are checked by the caller ([`super::gemm`]).
///
/// `beta = 0` when not accumulating: BLAS then never reads `dst` (NaNs in it are not
/// propagated), as faer's `Accum::Replace`.
pub(crate) fn try_gemm<T: Float>(
    dst: &mut DMatrix<T>,
    accumulate: bool,
    alpha: T,
    lhs: StridedRef<'_, T>,
    rhs: StridedRef<'_, T>,
) -> bool {
    let is_f32 = TypeId::of::<T>() == TypeId::of::<f32>();
    let is_f64 = TypeId::of::<T>() == TypeId::of::<f64>();
    if !(is_f32 || is_f64) {
        return false;
    }
    let (m, n, k) = (lhs.nrows, rhs.ncols, lhs.ncols);
    debug_assert_eq!(rhs.nrows, k);
    debug_assert_eq!(dst.shape(), (m, n));
    if m == 0 || n == 0 {
        return true; // nothing to write
    }
    let (Some(a), Some(b)) = (operand(&lhs), operand(&rhs)) else {
        return false;
    };
    // A `DMatrix` is contiguous column-major: leading dimension = number of rows.
    let (Ok(mi), Ok(ni), Ok(ki)) = (c_int::try_from(m), c_int::try_from(n), c_int::try_from(k))
    else {
        return false;
    };
    let c = dst.as_mut_ptr();
    // SAFETY: `T` is exactly `f32` (resp. `f64`) by the `TypeId` check, so the pointer casts are
    // identities and `alpha.as_f64()` converts back exactly. The operands describe live,
    // borrowed storage: `operand` checked that each leading dimension covers its rows, and
    // `StridedRef::of` keeps a slice spanning the whole view, so BLAS reads only inside it.
    // `dst` is a contiguous `m × n` column-major matrix borrowed mutably (no aliasing).
    unsafe {
        if is_f32 {
            let beta = if accumulate { 1.0 } else { 0.0 };
            cblas_sgemm(
                CBLAS_COL_MAJOR,
                a.trans,
                b.trans,
                mi,
                ni,
                ki,
                alpha.as_f64() as f32,
                a.ptr.cast::<f32>(),
                a.ld,
                b.ptr.cast::<f32>(),
                b.ld,
                beta,
                c.cast::<f32>(),
                mi,
            );
        } else {
            let beta = if accumulate { 1.0 } else { 0.0 };
            cblas_dgemm(
                CBLAS_COL_MAJOR,
                a.trans,
                b.trans,
                mi,
                ni,
                ki,
                alpha.as_f64(),
                a.ptr.cast::<f64>(),
                a.ld,
                b.ptr.cast::<f64>(),
                b.ld,
                beta,
                c.cast::<f64>(),
                mi,
            );
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::{cast_matrix, Op};
    use nalgebra::DMatrixView;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// Round-off bound for comparing two GEMMs entry by entry. Each result, whatever its
    /// summation order, blocking or use of FMA, is within γ_{k+2}·(|α|·(|A||B|)ᵢⱼ + |C₀ᵢⱼ|) of
    /// the exact value (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1 and
    /// §3.5: k terms, plus one rounding for α and one for the accumulated C₀), with
    /// γₙ = n·u/(1 − n·u) and u = ε/2. The two results then differ by at most twice that,
    /// (k+2)·ε·(…) up to the factor 1/(1 − n·u) ≤ 1.01 for every n·u here (n ≤ 302, u ≤ 6e-8),
    /// which this constant covers.
    const GAMMA_SLACK: f64 = 1.01;

    fn random(rng: &mut StdRng, r: usize, c: usize) -> DMatrix<f64> {
        DMatrix::from_fn(r, c, |_, _| rng.random::<f64>() - 0.5)
    }

    /// `op(stored)` has the wanted shape; `strided` embeds `stored` in a larger matrix and
    /// returns a sub-view (column stride larger than the number of rows, non-zero offset).
    fn stored<T: Float>(
        rng: &mut StdRng,
        rows: usize,
        cols: usize,
        op: Op,
        strided: bool,
    ) -> DMatrix<T> {
        let (r, c) = if op == Op::N {
            (rows, cols)
        } else {
            (cols, rows)
        };
        let (extra_r, extra_c) = if strided { (5, 3) } else { (0, 0) };
        cast_matrix(&random(rng, r + extra_r, c + extra_c))
    }

    fn view<T: Float>(m: &DMatrix<T>, rows: usize, cols: usize, op: Op) -> StridedRef<'_, T> {
        let (r, c) = if op == Op::N {
            (rows, cols)
        } else {
            (cols, rows)
        };
        // Offset (2, 1) when the storage is larger than the view.
        let (i0, j0) = ((m.nrows() - r).min(2), (m.ncols() - c).min(1));
        let v: DMatrixView<'_, T> = m.view((i0, j0), (r, c));
        let s = StridedRef::of(&v);
        if op == Op::N {
            s
        } else {
            s.t()
        }
    }

    fn at<T: Copy>(s: &StridedRef<'_, T>, i: usize, j: usize) -> T {
        let pos = s.offset as isize + i as isize * s.row_stride + j as isize * s.col_stride;
        s.data[pos as usize]
    }

    /// Largest |BLAS − faer| / bound over all entries, for one configuration.
    #[allow(clippy::too_many_arguments)]
    fn blas_over_bound<T: Float>(
        rng: &mut StdRng,
        (m, k, n): (usize, usize, usize),
        ops: (Op, Op),
        strided: bool,
        accumulate: bool,
        alpha: f64,
    ) -> f64 {
        let a = stored::<T>(rng, m, k, ops.0, strided);
        let b = stored::<T>(rng, k, n, ops.1, strided);
        let (l, r) = (view(&a, m, k, ops.0), view(&b, k, n, ops.1));
        let c0: DMatrix<T> = cast_matrix(&random(rng, m, n));
        let mut by_blas = c0.clone();
        assert!(try_gemm(&mut by_blas, accumulate, T::of(alpha), l, r));
        let mut by_faer = c0.clone();
        T::faer_gemm(by_faer.as_view_mut(), accumulate, l, r, T::of(alpha), false);
        let eps = T::default_epsilon().as_f64();
        let mut worst = 0.0_f64;
        for i in 0..m {
            for j in 0..n {
                let abs_ab: f64 = (0..k)
                    .map(|p| (at(&l, i, p).as_f64() * at(&r, p, j).as_f64()).abs())
                    .sum();
                let c_in = if accumulate {
                    c0[(i, j)].as_f64().abs()
                } else {
                    0.0
                };
                let bound = GAMMA_SLACK * (k + 2) as f64 * eps * (alpha.abs() * abs_ab + c_in);
                let diff = (by_blas[(i, j)].as_f64() - by_faer[(i, j)].as_f64()).abs();
                worst = worst.max(diff / bound);
            }
        }
        worst
    }

    fn all_configurations<T: Float>(seed: u64) {
        let mut rng = StdRng::seed_from_u64(seed);
        // Vector-like edge cases, small, and above OpenBLAS's threading cut (2¹⁸ multiply-adds).
        let shapes = [
            (1, 7, 1),
            (3, 4, 5),
            (1, 50, 30),
            (30, 50, 1),
            (100, 78, 50),
            (70, 300, 90),
        ];
        let mut worst = 0.0_f64;
        for &shape in &shapes {
            for ops in [
                (Op::N, Op::N),
                (Op::N, Op::T),
                (Op::T, Op::N),
                (Op::T, Op::T),
            ] {
                for strided in [false, true] {
                    for accumulate in [false, true] {
                        for alpha in [1.0, -0.75] {
                            let w = blas_over_bound::<T>(
                                &mut rng, shape, ops, strided, accumulate, alpha,
                            );
                            assert!(
                                w <= 1.0,
                                "{}: {shape:?} {ops:?} strided {strided} accumulate \
                                 {accumulate} alpha {alpha}: |BLAS − faer| = {w} × bound",
                                T::NAME
                            );
                            worst = worst.max(w);
                        }
                    }
                }
            }
        }
        println!(
            "{}: largest |BLAS − faer| / round-off bound = {worst:.2e}",
            T::NAME
        );
    }

    #[test]
    fn blas_matches_faer_f64() {
        all_configurations::<f64>(11);
    }

    #[test]
    fn blas_matches_faer_f32() {
        all_configurations::<f32>(12);
    }

    #[test]
    fn non_unit_strides_are_refused() {
        // `gemm` takes `DMatrixView`s, whose row stride is always 1, so every product it sees
        // is BLAS-expressible; a hand-made view with row stride 2 and column stride 42 (every
        // other row and column of a 21×15 matrix) is not, and must be refused untouched.
        let mut rng = StdRng::seed_from_u64(13);
        let big = random(&mut rng, 21, 15);
        let l = StridedRef {
            data: big.as_slice(),
            offset: 0,
            nrows: 10,
            ncols: 7,
            row_stride: 2,
            col_stride: 42,
        };
        let b = random(&mut rng, 7, 4);
        let r = StridedRef::of(&b.as_view());
        let mut untouched = DMatrix::from_element(10, 4, 3.0);
        assert!(!try_gemm(&mut untouched, false, 1.0, l, r));
        assert!(untouched.iter().all(|&x| x == 3.0));
        assert!(!try_gemm(
            &mut DMatrix::zeros(4, 10),
            false,
            1.0,
            r.t(),
            l.t()
        ));
        // Negative strides are refused too.
        let reversed = StridedRef {
            data: b.as_slice(),
            offset: 6,
            nrows: 7,
            ncols: 1,
            row_stride: -1,
            col_stride: 7,
        };
        assert!(!try_gemm(
            &mut DMatrix::zeros(10, 1),
            false,
            1.0,
            l,
            reversed
        ));
    }

    #[test]
    fn no_accumulate_ignores_nan_in_destination() {
        let mut rng = StdRng::seed_from_u64(14);
        let (a, b): (DMatrix<f32>, DMatrix<f32>) = (
            cast_matrix(&random(&mut rng, 6, 5)),
            cast_matrix(&random(&mut rng, 5, 4)),
        );
        let mut dst = DMatrix::from_element(6, 4, f32::NAN);
        let ok = try_gemm(
            &mut dst,
            false,
            1.0,
            StridedRef::of(&a.as_view()),
            StridedRef::of(&b.as_view()),
        );
        assert!(ok && dst.iter().all(|x| x.is_finite()));
    }
}
