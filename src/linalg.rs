//! Linear algebra: the float type of the training path, and GEMM through faer.
//!
//! This is the only module that names `faer`. nalgebra's `DMatrix`/`DVector` are the public
//! matrix types; heavy products go through faer on zero-copy strided views of nalgebra storage
//! (faer is about 2× nalgebra's GEMM on the RBM shapes; see `../shared/perf/README.md` and
//! `notes/design.md`).

use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut, Dyn, RealField, U1};
use rand::Rng;
use std::fmt::{Debug, Display};

/// Float type of the training path: `f32` (fast) or `f64` (reference).
///
/// Exact enumeration, statistics and analysis stay in `f64`; parameters, chains and gradient
/// estimators are generic over `Float`.
pub trait Float:
    RealField + Copy + Default + Send + Sync + 'static + Debug + Display + PartialOrd
{
    /// NumPy dtype string of this type (`"<f4"` / `"<f8"`), used for files.
    const DTYPE: &'static str;
    /// Short name (`"f32"` / `"f64"`).
    const NAME: &'static str;
    /// Conversion from `f64` (rounding for `f32`).
    fn of(x: f64) -> Self;
    /// Conversion to `f64` (exact).
    fn as_f64(self) -> f64;
    /// A uniform draw in `[0, 1)`.
    fn uniform<R: Rng + ?Sized>(rng: &mut R) -> Self;
    /// `dst ← alpha · lhs · rhs + beta · dst` with `beta ∈ {0, 1}` (faer kernels).
    #[doc(hidden)]
    fn faer_gemm(
        dst: DMatrixViewMut<'_, Self>,
        accumulate: bool,
        lhs: StridedRef<'_, Self>,
        rhs: StridedRef<'_, Self>,
        alpha: Self,
    );
}

/// A read-only strided matrix view (rows, cols, row stride, col stride), possibly transposed.
#[derive(Clone, Copy, Debug)]
pub struct StridedRef<'a, T> {
    data: &'a [T],
    offset: usize,
    nrows: usize,
    ncols: usize,
    row_stride: isize,
    col_stride: isize,
}

impl<'a, T: nalgebra::Scalar> StridedRef<'a, T> {
    /// View of a nalgebra matrix view (no copy).
    pub fn of(m: &DMatrixView<'a, T>) -> Self {
        let (rs, cs) = m.strides();
        let (nrows, ncols) = m.shape();
        // SAFETY-free: we keep the slice covering the whole view.
        let len = if nrows == 0 || ncols == 0 {
            0
        } else {
            (nrows - 1) * rs + (ncols - 1) * cs + 1
        };
        let data: &'a [T] = if len == 0 {
            &[]
        } else {
            // The view's data is contiguous from its first element to its last in memory.
            unsafe { std::slice::from_raw_parts(m.as_ptr(), len) }
        };
        StridedRef {
            data,
            offset: 0,
            nrows,
            ncols,
            row_stride: rs as isize,
            col_stride: cs as isize,
        }
    }

    /// The transposed view (no copy).
    pub fn t(self) -> Self {
        StridedRef {
            nrows: self.ncols,
            ncols: self.nrows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
}

/// Whether an operand enters a product as is or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// As stored.
    N,
    /// Transposed (no copy is made).
    T,
}

/// `dst ← alpha · op(lhs) · op(rhs) + (accumulate ? dst : 0)`.
///
/// # Panics
/// If the shapes do not fit (a programming error inside the crate; public entry points check
/// shapes first and return [`crate::Error::ShapeMismatch`]).
pub fn gemm<T: Float>(
    dst: &mut DMatrix<T>,
    accumulate: bool,
    alpha: T,
    lhs: DMatrixView<'_, T>,
    op_lhs: Op,
    rhs: DMatrixView<'_, T>,
    op_rhs: Op,
) {
    let mut l = StridedRef::of(&lhs);
    if op_lhs == Op::T {
        l = l.t();
    }
    let mut r = StridedRef::of(&rhs);
    if op_rhs == Op::T {
        r = r.t();
    }
    assert_eq!(l.ncols, r.nrows, "gemm: inner dimensions differ");
    assert_eq!(dst.nrows(), l.nrows, "gemm: rows of the result");
    assert_eq!(dst.ncols(), r.ncols, "gemm: columns of the result");
    if l.ncols == 0 {
        if !accumulate {
            dst.fill(T::zero());
        }
        return;
    }
    T::faer_gemm(dst.as_view_mut(), accumulate, l, r, alpha);
}

/// Convenience: the product `op(lhs) · op(rhs)` as a new matrix.
pub fn matmul<T: Float>(
    lhs: DMatrixView<'_, T>,
    op_lhs: Op,
    rhs: DMatrixView<'_, T>,
    op_rhs: Op,
) -> DMatrix<T> {
    let m = if op_lhs == Op::N {
        lhs.nrows()
    } else {
        lhs.ncols()
    };
    let n = if op_rhs == Op::N {
        rhs.ncols()
    } else {
        rhs.nrows()
    };
    let mut out = DMatrix::zeros(m, n);
    gemm(&mut out, false, T::one(), lhs, op_lhs, rhs, op_rhs);
    out
}

/// Products smaller than this many multiply-adds run on one thread (threading costs more).
const PARALLEL_THRESHOLD: usize = 1 << 18;

fn parallelism(m: usize, n: usize, k: usize) -> faer::Par {
    if m.saturating_mul(n).saturating_mul(k) < PARALLEL_THRESHOLD {
        faer::Par::Seq
    } else {
        faer::Par::rayon(0)
    }
}

macro_rules! impl_float {
    ($t:ty, $dtype:expr, $name:expr) => {
        impl Float for $t {
            const DTYPE: &'static str = $dtype;
            const NAME: &'static str = $name;
            #[inline(always)]
            fn of(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn as_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn uniform<R: Rng + ?Sized>(rng: &mut R) -> Self {
                rng.random::<$t>()
            }
            fn faer_gemm(
                mut dst: DMatrixViewMut<'_, Self>,
                accumulate: bool,
                lhs: StridedRef<'_, Self>,
                rhs: StridedRef<'_, Self>,
                alpha: Self,
            ) {
                let (drs, dcs) = dst.strides();
                let (m, n) = dst.shape();
                // SAFETY: pointers and strides describe live nalgebra storage of the stated
                // shapes; `dst` is borrowed mutably and does not alias `lhs`/`rhs` (Rust borrows).
                let (d, l, r) = unsafe {
                    (
                        faer::MatMut::from_raw_parts_mut(
                            dst.as_mut_ptr(),
                            m,
                            n,
                            drs as isize,
                            dcs as isize,
                        ),
                        faer::MatRef::from_raw_parts(
                            lhs.data.as_ptr().add(lhs.offset),
                            lhs.nrows,
                            lhs.ncols,
                            lhs.row_stride,
                            lhs.col_stride,
                        ),
                        faer::MatRef::from_raw_parts(
                            rhs.data.as_ptr().add(rhs.offset),
                            rhs.nrows,
                            rhs.ncols,
                            rhs.row_stride,
                            rhs.col_stride,
                        ),
                    )
                };
                let accum = if accumulate {
                    faer::Accum::Add
                } else {
                    faer::Accum::Replace
                };
                faer::linalg::matmul::matmul(d, accum, l, r, alpha, parallelism(m, n, lhs.ncols));
            }
        }
    };
}

impl_float!(f32, "<f4", "f32");
impl_float!(f64, "<f8", "f64");

/// Converts a matrix between float types.
pub fn cast_matrix<A: Float, B: Float>(m: &DMatrix<A>) -> DMatrix<B> {
    m.map(|x| B::of(x.as_f64()))
}

/// Converts a vector between float types.
pub fn cast_vector<A: Float, B: Float>(
    v: &nalgebra::Matrix<A, Dyn, U1, nalgebra::VecStorage<A, Dyn, U1>>,
) -> nalgebra::DVector<B> {
    v.map(|x| B::of(x.as_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    // Sums of a few hundred products of O(1) numbers: round-off only.
    const GEMM_TOL_F64: f64 = 1e-12;

    fn random(rng: &mut StdRng, r: usize, c: usize) -> DMatrix<f64> {
        DMatrix::from_fn(r, c, |_, _| rng.random::<f64>() - 0.5)
    }

    #[test]
    fn gemm_matches_nalgebra_in_all_transpositions() {
        let mut rng = StdRng::seed_from_u64(1);
        for &(m, k, n) in &[(3, 4, 5), (100, 78, 50), (1, 7, 1), (70, 90, 80)] {
            let a = random(&mut rng, m, k);
            let at = a.transpose();
            let b = random(&mut rng, k, n);
            let bt = b.transpose();
            let expected = &a * &b;
            for (l, ol) in [(&a, Op::N), (&at, Op::T)] {
                for (r, or) in [(&b, Op::N), (&bt, Op::T)] {
                    let got = matmul(l.as_view(), ol, r.as_view(), or);
                    assert!((got - &expected).amax() < GEMM_TOL_F64);
                }
            }
            // accumulate and alpha
            let mut c = expected.clone();
            gemm(&mut c, true, -1.0, a.as_view(), Op::N, b.as_view(), Op::N);
            assert!(c.amax() < GEMM_TOL_F64);
        }
    }

    #[test]
    fn gemm_on_row_subviews() {
        let mut rng = StdRng::seed_from_u64(2);
        let a = random(&mut rng, 10, 6);
        let b = random(&mut rng, 6, 4);
        let sub = a.rows(2, 5);
        let got = matmul(sub, Op::N, b.as_view(), Op::N);
        let expected = sub.clone_owned() * &b;
        assert!((got - expected).amax() < GEMM_TOL_F64);
    }

    #[test]
    fn gemm_f32() {
        let mut rng = StdRng::seed_from_u64(3);
        let a = random(&mut rng, 40, 30);
        let b = random(&mut rng, 30, 20);
        let a32: DMatrix<f32> = cast_matrix(&a);
        let b32: DMatrix<f32> = cast_matrix(&b);
        let got = matmul(a32.as_view(), Op::N, b32.as_view(), Op::N);
        let expected = &a * &b;
        // f32 has ~6e-8 relative precision; 30 terms of size ≤ 0.25.
        let got64: DMatrix<f64> = cast_matrix(&got);
        assert!((got64 - expected).amax() < 1e-5);
    }
}
