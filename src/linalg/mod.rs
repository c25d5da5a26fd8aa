//! Linear algebra: the float type of the training path, and GEMM through faer.
//!
//! This is the only module that names `faer`. nalgebra's `DMatrix`/`DVector` are the public
//! matrix types; heavy products go through faer on zero-copy strided views of nalgebra storage
//! (faer is about 2× nalgebra's GEMM on the RBM shapes; see `../shared/perf/README.md` and
//! `notes/design.md`).

use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut, Dyn, RealField, U1};
use rand::Rng;
use std::fmt::{Debug, Display};
use std::marker::PhantomData;

pub mod binary;
pub(crate) mod simd;
mod tail;

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
    /// $e^x$ by range reduction and a polynomial, branch-free so that loops over slices
    /// vectorise (libm's `exp` is a scalar call). Relative error below 2 ulp of the type
    /// (test `fast_exp_is_accurate`); large arguments are clamped to the finite range of the
    /// type (never `inf`), and arguments below the normal range give 0. Used where many samples are drawn;
    /// exact computations use `exp`.
    #[must_use]
    fn fast_exp(self) -> Self;
    /// $\ln(1+y)$ for $y \in [0, 1]$ (the range used by softplus and $\ln 2\cosh$), branch-free
    /// so that loops vectorise: $\ln(1+y) = 2\,\mathrm{atanh}\big(u/(2+u)\big)$ (+ $\ln 2$ with
    /// $u = (y-1)/2$ when $1 + y > \sqrt2$), odd series to $t^{23}$. A few ulp (test
    /// `fast_ln_1p_is_accurate`); no cancellation for tiny $y$.
    #[must_use]
    fn fast_ln_1p(self) -> Self;
    /// Fills `out` with uniforms in `[0, 1)`: for `f32`, two 24-bit uniforms from each 64-bit
    /// draw (halving the generator's work in sampling loops); for `f64`, one 53-bit uniform each.
    fn fill_uniform<R: Rng + ?Sized>(rng: &mut R, out: &mut [Self]);
    /// `if condition { a } else { b }` written so that it compiles to a select (no branch).
    fn choose(condition: bool, a: Self, b: Self) -> Self;
    /// `dst ← alpha · lhs · rhs + beta · dst` with `beta ∈ {0, 1}` (faer kernels).
    #[doc(hidden)]
    fn faer_gemm(
        dst: DMatrixViewMut<'_, Self>,
        accumulate: bool,
        lhs: StridedRef<'_, Self>,
        rhs: StridedRef<'_, Self>,
        alpha: Self,
        faer_threads: bool,
    );
}

/// A read-only strided matrix view (rows, cols, row stride, col stride), possibly transposed.
///
/// It holds a raw pointer, not a slice: the entries of a strided view need not be contiguous
/// (a block of a column-major matrix skips the other rows of each column), and a `&[T]` from
/// the first entry to the last would cover memory the view does not borrow, which another
/// view may be writing.
///
/// # Invariant
/// For every `i < nrows` and `j < ncols`, `ptr.offset(i·row_stride + j·col_stride)` is an
/// initialised `T` of a live allocation, borrowed shared for `'a` (no one writes it while this
/// view exists). Only the entries at those offsets are ever read; `ptr` itself is not read when
/// the view is empty.
#[derive(Clone, Copy, Debug)]
pub struct StridedRef<'a, T> {
    ptr: *const T,
    nrows: usize,
    ncols: usize,
    row_stride: isize,
    col_stride: isize,
    borrow: PhantomData<&'a T>,
}

impl<'a, T: nalgebra::Scalar> StridedRef<'a, T> {
    /// View of a nalgebra matrix view (no copy).
    pub fn of(m: &DMatrixView<'a, T>) -> Self {
        let (rs, cs) = m.strides();
        let (nrows, ncols) = m.shape();
        // The invariant holds: `m` borrows exactly these entries shared for `'a`, at offsets
        // `i·rs + j·cs` from its first entry; nalgebra's strides fit `isize` (they index an
        // allocation).
        StridedRef {
            ptr: m.as_ptr(),
            nrows,
            ncols,
            row_stride: rs as isize,
            col_stride: cs as isize,
            borrow: PhantomData,
        }
    }

    /// View of `op(m)` (no copy).
    pub fn op(m: &DMatrixView<'a, T>, op: Op) -> Self {
        let view = StridedRef::of(m);
        match op {
            Op::N => view,
            Op::T => view.t(),
        }
    }

    /// The transposed view (no copy).
    #[must_use]
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
    let (l, r) = (StridedRef::op(&lhs, op_lhs), StridedRef::op(&rhs, op_rhs));
    assert_eq!(l.ncols, r.nrows, "gemm: inner dimensions differ");
    assert_eq!(dst.nrows(), l.nrows, "gemm: rows of the result");
    assert_eq!(dst.ncols(), r.ncols, "gemm: columns of the result");
    if l.ncols == 0 {
        if !accumulate {
            dst.fill(T::zero());
        }
        return;
    }
    T::faer_gemm(dst.as_view_mut(), accumulate, l, r, alpha, false);
}

/// [`gemm`] through faer's own parallel kernel (which allocates its job tables on every
/// call) instead of our split into sequential pieces: the reference of `benches/products.rs`.
#[doc(hidden)]
pub fn gemm_faer_threads<T: Float>(
    dst: &mut DMatrix<T>,
    alpha: T,
    lhs: DMatrixView<'_, T>,
    op_lhs: Op,
    rhs: DMatrixView<'_, T>,
    op_rhs: Op,
) {
    let (l, r) = (StridedRef::op(&lhs, op_lhs), StridedRef::op(&rhs, op_rhs));
    assert!(l.ncols == r.nrows && dst.shape() == (l.nrows, r.ncols) && l.ncols > 0);
    T::faer_gemm(dst.as_view_mut(), false, l, r, alpha, true);
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

/// Singular values of `m` in descending order (faer, f64).
///
/// # Errors
/// [`crate::Error::NonFinite`] if the SVD does not converge (non-finite entries).
pub fn singular_values(m: &DMatrix<f64>) -> crate::Result<Vec<f64>> {
    let a = faer::Mat::<f64>::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)]);
    a.singular_values()
        .map_err(|e| crate::Error::NonFinite(format!("SVD did not converge: {e:?}")))
}

/// Thin SVD `m = U diag(s) Vᵀ` (faer, f64): `U` is `rows × k`, `V` is `cols × k`,
/// `k = min(rows, cols)`, `s` descending. The sign of each pair `(u_α, v_α)` is fixed by making
/// the entry of `u_α` with the largest magnitude positive (`theory/README.md`), so saved
/// vectors do not flip between saves for no reason.
///
/// # Errors
/// [`crate::Error::NonFinite`] if the SVD does not converge (non-finite entries).
pub fn thin_svd(m: &DMatrix<f64>) -> crate::Result<(DMatrix<f64>, Vec<f64>, DMatrix<f64>)> {
    let a = faer::Mat::<f64>::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)]);
    let svd = a
        .thin_svd()
        .map_err(|e| crate::Error::NonFinite(format!("SVD did not converge: {e:?}")))?;
    let (u, v) = (svd.U(), svd.V());
    let k = m.nrows().min(m.ncols());
    let s: Vec<f64> = (0..k).map(|i| svd.S().column_vector()[i]).collect();
    let mut left = DMatrix::from_fn(m.nrows(), k, |i, j| u[(i, j)]);
    let mut right = DMatrix::from_fn(m.ncols(), k, |i, j| v[(i, j)]);
    for a in 0..k {
        let col = left.column(a);
        let big = col
            .iter()
            .copied()
            .fold(0.0_f64, |acc, x| if x.abs() > acc.abs() { x } else { acc });
        if big < 0.0 {
            left.column_mut(a).neg_mut();
            right.column_mut(a).neg_mut();
        }
    }
    Ok((left, s, right))
}

/// Eigen-decomposition of a symmetric matrix `m = Q diag(λ) Qᵀ` (faer, f64, lower triangle
/// read): eigenvalues **descending** and the matching orthonormal eigenvectors as columns.
///
/// # Errors
/// [`crate::Error::NonFinite`] if the decomposition does not converge (non-finite entries);
/// [`crate::Error::ShapeMismatch`] if `m` is not square.
pub fn symmetric_eigen(m: &DMatrix<f64>) -> crate::Result<(Vec<f64>, DMatrix<f64>)> {
    if m.nrows() != m.ncols() {
        return Err(crate::Error::shape(
            "symmetric_eigen",
            "a square matrix",
            format!("{}x{}", m.nrows(), m.ncols()),
        ));
    }
    let a = faer::Mat::<f64>::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)]);
    let evd = a
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|e| crate::Error::NonFinite(format!("eigen-decomposition failed: {e:?}")))?;
    let n = m.nrows();
    // faer sorts ascending; reverse
    let (s, u) = (evd.S().column_vector(), evd.U());
    let values = (0..n).map(|i| s[n - 1 - i]).collect();
    Ok((values, DMatrix::from_fn(n, n, |i, j| u[(i, n - 1 - j)])))
}

/// `f((i, block))` for the consecutive blocks of `block` entries of `xs` (the last may be
/// shorter): on rayon's pool when `parallel`, else in order on the calling thread. Each block goes
/// to one call, so a result that depends only on each block's entries does not depend on the
/// choice or on the number of threads.
pub(crate) fn for_each_block<T: Send>(
    xs: &mut [T],
    block: usize,
    parallel: bool,
    f: impl Fn((usize, &mut [T])) + Send + Sync,
) {
    use rayon::prelude::*;
    if parallel {
        xs.par_chunks_mut(block).enumerate().for_each(f);
    } else {
        xs.chunks_mut(block).enumerate().for_each(f);
    }
}

/// Products smaller than this many multiply-adds run on one thread (threading costs more).
const PARALLEL_THRESHOLD: usize = 1 << 18;

/// Pieces a product is cut into: one per thread of the current rayon pool when it is large.
fn pieces(m: usize, n: usize, k: usize) -> usize {
    if m.saturating_mul(n).saturating_mul(k) < PARALLEL_THRESHOLD {
        1
    } else {
        rayon::current_num_threads().max(1)
    }
}

/// Columns (or rows) of a piece are rounded to a multiple of this (whole micro-kernel tiles).
const SPLIT_ALIGN: usize = 16;

/// `dst ← alpha·lhs·rhs (+ dst)`, cut into `pieces` blocks of columns of `dst` (or of rows, when
/// `dst` is taller than wide), each computed by faer's sequential kernel on its own rayon task
/// (and its last rows, when they do not fill a register, by `tail.rs`).
///
/// faer's own parallel GEMM allocates its job tables on every call (12 allocations per
/// 100×784×500 product); its sequential kernel packs into a thread-local buffer and allocates
/// nothing after the first call on a thread. Cutting the product ourselves keeps the training
/// loop free of allocations (`tests/allocations.rs`) at the same speed (`benches/products.rs`).
/// Every entry of `dst` is computed by one sequential kernel over the whole inner dimension.
fn split_matmul<T>(
    dst: faer::MatMut<'_, T>,
    accum: faer::Accum,
    lhs: faer::MatRef<'_, T>,
    rhs: faer::MatRef<'_, T>,
    alpha: T,
    pieces: usize,
) where
    T: faer::traits::ComplexField + tail::TailRows + Send + Sync,
{
    let (m, n) = (dst.nrows(), dst.ncols());
    let split = |len: usize| (len * (pieces / 2) / pieces).next_multiple_of(SPLIT_ALIGN);
    if pieces <= 1 || m.max(n) < 2 * SPLIT_ALIGN {
        // faer's sequential kernel, with the rows past the last whole register of rows by the
        // tail kernel where it applies (`tail.rs`).
        let tail = m % T::LANES;
        if tail == 0 || !tail::applies(rhs) {
            faer::linalg::matmul::matmul(dst, accum, lhs, rhs, alpha, faer::Par::Seq);
            return;
        }
        let (head, rest) = dst.split_at_row_mut(m - tail);
        let (lhs_head, lhs_rest) = lhs.split_at_row(m - tail);
        if m > tail {
            faer::linalg::matmul::matmul(head, accum, lhs_head, rhs, alpha, faer::Par::Seq);
        }
        let done = T::tail_rows(rest, accum == faer::Accum::Add, lhs_rest, rhs, alpha);
        debug_assert!(done);
        return;
    }
    let (first, second) = (pieces / 2, pieces - pieces / 2);
    if n >= m {
        let at = split(n).min(n);
        let (d0, d1) = dst.split_at_col_mut(at);
        let (r0, r1) = rhs.split_at_col(at);
        rayon::join(
            || split_matmul(d0, accum, lhs, r0, alpha, first),
            || split_matmul(d1, accum, lhs, r1, alpha, second),
        );
    } else {
        let at = split(m).min(m);
        let (d0, d1) = dst.split_at_row_mut(at);
        let (l0, l1) = lhs.split_at_row(at);
        rayon::join(
            || split_matmul(d0, accum, l0, rhs, alpha, first),
            || split_matmul(d1, accum, l1, rhs, alpha, second),
        );
    }
}

/// $e^x$ in f32: $x = n\ln 2 + r$, $|r| \le \ln 2/2$, degree-7 Taylor polynomial of $e^r$
/// (truncation $r^8/8! < 5\cdot10^{-10}$), times $2^n$ built from the exponent bits. Rounding to
/// the nearest integer uses the $1.5\cdot2^{23}$ trick (no branch, no libm call).
#[inline(always)]
fn fast_exp_f32(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23
                                     // Below the clamp the true value is below f32's normal range: flush to 0.
    let keep = (x >= -87.0) as u8 as f32;
    let x = x.clamp(-87.0, 88.0);
    let t = x * std::f32::consts::LOG2_E + MAGIC;
    let n = t - MAGIC;
    // ln 2 split in two parts so that n·LN2_HI is exact.
    let r = (x - n * 0.693_359_4) + n * 2.121_944_4e-4;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    let bits = ((t.to_bits() as i32 - 0x4B40_0000 + 127) as u32) << 23;
    p * f32::from_bits(bits) * keep
}

/// $e^x$ in f64, as [`fast_exp_f32`] with a degree-13 polynomial (truncation
/// $r^{14}/14! < 5\cdot10^{-18}$) and the $1.5\cdot2^{52}$ rounding trick.
#[inline(always)]
fn fast_exp_f64(x: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    let keep = (x >= -708.0) as u8 as f64;
    let x = x.clamp(-708.0, 709.0);
    let t = x * std::f64::consts::LOG2_E + MAGIC;
    let n = t - MAGIC;
    let r = (x - n * 6.931_471_803_691_238e-1) - n * 1.908_214_929_270_587_7e-10;
    let c = [
        1.0,
        1.0,
        0.5,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let mut q = c[13];
    for &ci in c[..13].iter().rev() {
        q = q * r + ci;
    }
    let bits = ((t.to_bits() as i64 - 0x4338_0000_0000_0000 + 1023) as u64) << 52;
    q * f64::from_bits(bits) * keep
}

/// See [`Float::fast_ln_1p`].
#[inline(always)]
fn fast_ln_1p_f64(y: f64) -> f64 {
    let big = y > std::f64::consts::SQRT_2 - 1.0;
    let m = big as u8 as f64;
    let u = m * ((y - 1.0) * 0.5) + (1.0 - m) * y;
    let t = u / (2.0 + u);
    let t2 = t * t;
    // 1 + t²/3 + t⁴/5 + … + t²²/23; |t| ≤ 0.1716 so the next term is < 2e-20.
    const C: [f64; 12] = [
        1.0,
        1.0 / 3.0,
        1.0 / 5.0,
        1.0 / 7.0,
        1.0 / 9.0,
        1.0 / 11.0,
        1.0 / 13.0,
        1.0 / 15.0,
        1.0 / 17.0,
        1.0 / 19.0,
        1.0 / 21.0,
        1.0 / 23.0,
    ];
    let mut p = C[11];
    for &c in C[..11].iter().rev() {
        p = p * t2 + c;
    }
    2.0 * t * p + m * std::f64::consts::LN_2
}

#[inline(always)]
fn fill_uniform_f32<R: Rng + ?Sized>(rng: &mut R, out: &mut [f32]) {
    const SCALE: f32 = 1.0 / (1u32 << 24) as f32;
    let mut pairs = out.chunks_exact_mut(2);
    for pair in &mut pairs {
        let r = rng.next_u64();
        pair[0] = (r >> 40) as f32 * SCALE;
        pair[1] = ((r >> 8) & 0xFF_FFFF) as f32 * SCALE;
    }
    for x in pairs.into_remainder() {
        *x = (rng.next_u64() >> 40) as f32 * SCALE;
    }
}

#[inline(always)]
fn fill_uniform_f64<R: Rng + ?Sized>(rng: &mut R, out: &mut [f64]) {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    for x in out.iter_mut() {
        *x = (rng.next_u64() >> 11) as f64 * SCALE;
    }
}

macro_rules! impl_float {
    ($t:ty, $dtype:expr, $name:expr, $fast_exp:ident, $fill:ident) => {
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
            #[inline(always)]
            fn fast_exp(self) -> Self {
                $fast_exp(self)
            }
            #[inline(always)]
            fn fast_ln_1p(self) -> Self {
                fast_ln_1p_f64(self as f64) as $t
            }
            #[inline(always)]
            fn fill_uniform<R: Rng + ?Sized>(rng: &mut R, out: &mut [Self]) {
                $fill(rng, out)
            }
            #[inline(always)]
            fn choose(condition: bool, a: Self, b: Self) -> Self {
                let m = condition as u8 as $t;
                m * a + (1.0 - m) * b
            }
            fn faer_gemm(
                mut dst: DMatrixViewMut<'_, Self>,
                accumulate: bool,
                lhs: StridedRef<'_, Self>,
                rhs: StridedRef<'_, Self>,
                alpha: Self,
                faer_threads: bool,
            ) {
                let (drs, dcs) = dst.strides();
                let (m, n) = dst.shape();
                // SAFETY: `dst`'s pointer and strides describe live nalgebra storage of its
                // shape, borrowed mutably for this call, so nothing else reads or writes it;
                // `lhs` and `rhs` satisfy `StridedRef`'s invariant (every entry they address is
                // live and shared-borrowed), which is what `MatRef::from_raw_parts` asks, and
                // being shared borrows they cannot alias the mutably borrowed `dst`.
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
                            lhs.ptr,
                            lhs.nrows,
                            lhs.ncols,
                            lhs.row_stride,
                            lhs.col_stride,
                        ),
                        faer::MatRef::from_raw_parts(
                            rhs.ptr,
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
                let pieces = pieces(m, n, lhs.ncols);
                if faer_threads && pieces > 1 {
                    faer::linalg::matmul::matmul(d, accum, l, r, alpha, faer::Par::rayon(0));
                } else {
                    split_matmul(d, accum, l, r, alpha, pieces);
                }
            }
        }
    };
}

impl_float!(f32, "<f4", "f32", fast_exp_f32, fill_uniform_f32);
impl_float!(f64, "<f8", "f64", fast_exp_f64, fill_uniform_f64);

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
    fn fast_exp_is_accurate() {
        // Relative error bounds: 2 ulp of each type (polynomial truncation is far below).
        const F32_TOL: f64 = 2.0 * f32::EPSILON as f64;
        const F64_TOL: f64 = 2.0 * f64::EPSILON;
        for i in -87_000..=88_000 {
            let x = i as f64 * 1e-3;
            let e32 = (x as f32).fast_exp() as f64;
            let exact32 = (x as f32 as f64).exp();
            assert!(((e32 - exact32) / exact32).abs() < F32_TOL, "f32 at {x}");
            let e64 = x.fast_exp();
            assert!(((e64 - x.exp()) / x.exp()).abs() < F64_TOL, "f64 at {x}");
        }
        for i in -700..=700 {
            let x = i as f64 + 0.37;
            assert!(
                ((x.fast_exp() - x.exp()) / x.exp()).abs() < F64_TOL,
                "f64 at {x}"
            );
        }
        // Clamped, finite, never NaN.
        for x in [-1e30f32, -1e4, 1e4, 1e30] {
            assert!(x.fast_exp().is_finite());
        }
        assert!(1e300f64.fast_exp().is_finite() && (-1e300f64).fast_exp() >= 0.0);
    }

    #[test]
    fn fast_ln_1p_is_accurate() {
        // A few ulp relative (4 ulp of f64): atanh series evaluated in f64 arithmetic.
        const TOL: f64 = 4.0 * f64::EPSILON;
        for i in 0..=200_000 {
            let y = i as f64 / 200_000.0;
            let (got, want) = (y.fast_ln_1p(), y.ln_1p());
            assert!(
                (got - want).abs() <= TOL * want.abs().max(f64::MIN_POSITIVE),
                "{y}: {got} vs {want}"
            );
        }
        for e in 1..300 {
            let y = 10f64.powi(-e);
            let (got, want) = (y.fast_ln_1p(), y.ln_1p());
            assert!((got - want).abs() <= TOL * want, "{y}: {got} vs {want}");
        }
        assert_eq!(0.0f64.fast_ln_1p(), 0.0);
        let y = 0.3f32;
        assert!((y.fast_ln_1p() - y.ln_1p()).abs() <= 2.0 * f32::EPSILON * y.ln_1p());
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
        // 100 rows (96 + a 4-row tail) times a transposed operand, large enough to be split
        // across threads: the tail kernel's case (`tail.rs`). 500 terms of size ≤ 0.25.
        let a = random(&mut rng, 100, 500);
        let bt = random(&mut rng, 784, 500);
        let (a32, bt32): (DMatrix<f32>, DMatrix<f32>) = (cast_matrix(&a), cast_matrix(&bt));
        let got: DMatrix<f64> = cast_matrix(&matmul(a32.as_view(), Op::N, bt32.as_view(), Op::T));
        let expected = &a * bt.transpose();
        assert!((got - expected).amax() < 500.0 * 0.25 * f32::EPSILON as f64);
    }
}
