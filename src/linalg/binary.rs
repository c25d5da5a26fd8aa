//! Products with {0,1} matrices by adding columns instead of multiplying by zeros.
//!
//! Visible states of MNIST-like data and of the chains that learn them are binary and sparse
//! (13 % ones on binarised MNIST), and hidden samples are binary. For such a left operand,
//! `X · Bᵀ` is, row by row, a sum of the columns of `B` at the positions of the ones: about
//! `ρ·K·n` additions instead of `K·n` multiply-adds, with no multiplications by zero.
//! [`BinaryRows::scan`] records where the ones are (and refuses matrices with any entry other than
//! 0 or 1); [`add_selected`] does the sums. `notes/performance.md` has the measured
//! crossover density against faer's GEMM.
//!
//! # Determinism
//! Each output entry is the bias plus the sum of the selected entries (four running sums over
//! them in increasing order, combined in a fixed order), computed by one thread: the result does
//! not depend on the number of threads.

use super::simd::{self, scan::PextKernel, Kernel};
use super::{for_each_block, Float};
use nalgebra::{DMatrix, DMatrixView};
use rayon::prelude::*;

/// The positions of the ones of a {0,1} matrix, row by row.
///
/// Buffers are kept between scans: scanning a matrix of the same shape again allocates nothing.
#[derive(Clone, Debug, Default)]
pub struct BinaryRows {
    nrows: usize,
    ncols: usize,
    /// Number of ones of each row.
    counts: Vec<u32>,
    /// Row `r`'s ones are `positions[r·ncols .. r·ncols + counts[r]]`, increasing.
    positions: Vec<u32>,
}

impl BinaryRows {
    /// Empty (buffers grow on first use).
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the ones of `m`. Returns the fraction of ones, or `None` (and records nothing
    /// usable) if an entry is neither 0 nor 1.
    ///
    /// # Panics
    /// If `m` has more than `u32::MAX` columns.
    pub fn scan<T: Float>(&mut self, m: DMatrixView<'_, T>) -> Option<f64> {
        let (nrows, ncols) = m.shape();
        assert!(
            u32::try_from(ncols).is_ok(),
            "BinaryRows: too many columns for u32 positions"
        );
        self.nrows = nrows;
        self.ncols = ncols;
        self.counts.clear();
        self.counts.resize(nrows, 0);
        if self.positions.len() < nrows * ncols {
            self.positions.resize(nrows * ncols, 0);
        }
        let other = self.scan_blocks(m);
        if other {
            self.nrows = 0;
            return None;
        }
        let ones: u64 = self.counts.iter().map(|&c| c as u64).sum();
        Some(if nrows * ncols == 0 {
            0.0
        } else {
            ones as f64 / (nrows * ncols) as f64
        })
    }

    /// The scan of [`BinaryRows::scan`], blocks of 16 rows in parallel (each block writes its
    /// own rows' counts and positions); whether an entry is neither 0 nor 1.
    fn scan_blocks<T: Float>(&mut self, m: DMatrixView<'_, T>) -> bool {
        let (nrows, ncols) = m.shape();
        let positions = &mut self.positions[..nrows * ncols];
        let counts = &mut self.counts[..nrows];
        let block =
            |(b, (pos, cnt)): (usize, (&mut [u32], &mut [u32]))| scan_rows(m, 16 * b, pos, cnt);
        if nrows * ncols < PARALLEL_SCAN || nrows <= 16 {
            positions
                .chunks_mut(16 * ncols.max(1))
                .zip(counts.chunks_mut(16))
                .enumerate()
                .map(block)
                .fold(false, |a, b| a | b)
        } else {
            positions
                .par_chunks_mut(16 * ncols.max(1))
                .zip(counts.par_chunks_mut(16))
                .enumerate()
                .map(block)
                .reduce(|| false, |a, b| a | b)
        }
    }

    /// [`BinaryRows::scan`] when the entries of `m` sum to at most `max_density` of their
    /// number (a quick pass: a {0,1} matrix with more ones is not scanned); `None` otherwise.
    pub fn scan_at_most<T: Float>(
        &mut self,
        m: DMatrixView<'_, T>,
        max_density: f64,
    ) -> Option<f64> {
        let total = entry_sum(m);
        if total.is_nan() || total > max_density * (m.nrows() * m.ncols()) as f64 {
            return None;
        }
        self.scan(m).filter(|&d| d <= max_density)
    }

    /// Rows of the last scanned matrix.
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// Columns of the last scanned matrix.
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// The positions of the ones of row `r`, increasing.
    pub fn row(&self, r: usize) -> &[u32] {
        let start = r * self.ncols;
        &self.positions[start..start + self.counts[r] as usize]
    }
}

/// Entries below which a scan runs on the calling thread.
const PARALLEL_SCAN: usize = 1 << 15;

/// Scans rows `r0 .. r0 + counts.len()` (at most 16) of `m` into `counts` and `positions` (those
/// rows' part of the buffers); whether an entry is neither 0 nor 1. AVX-512 and BMI2 when the
/// CPU has them (`simd::scan`; comparisons and bit moves only: the same result on every path).
fn scan_rows<T: Float>(
    m: DMatrixView<'_, T>,
    r0: usize,
    positions: &mut [u32],
    counts: &mut [u32],
) -> bool {
    /// The arguments of [`scan_rows_kernel`] but the bit extraction.
    struct Scan<'a, 'm, T> {
        m: DMatrixView<'m, T>,
        r0: usize,
        positions: &'a mut [u32],
        counts: &'a mut [u32],
    }
    impl<T: Float> PextKernel for Scan<'_, '_, T> {
        type Output = bool;
        #[inline(always)]
        fn run(self, pext: impl Fn(u64, u64) -> u64) -> bool {
            scan_rows_kernel(self.m, self.r0, self.positions, self.counts, pext)
        }
    }
    simd::scan::run(Scan {
        m,
        r0,
        positions,
        counts,
    })
}

/// Columns 64 at a time: one 16-bit mask of the block's rows per column (a vector comparison),
/// the 64 × 16 bit matrix transposed into one 64-bit mask per row with `pext` (row `t`'s bits
/// are bit `t` of every column mask), then each row's ones visited in order.
#[inline(always)]
fn scan_rows_kernel<T: Float>(
    m: DMatrixView<'_, T>,
    r0: usize,
    positions: &mut [u32],
    counts: &mut [u32],
    pext: impl Fn(u64, u64) -> u64,
) -> bool {
    // A `DMatrixView` has unit row stride: the block's rows of a column are contiguous.
    let cs = m.strides().1;
    let base = m.as_ptr();
    let ncols = m.ncols();
    let width = counts.len();
    assert!(width <= 16 && r0 + width <= m.nrows() && positions.len() >= width * ncols);
    counts.fill(0);
    let mut other = false;
    for c0 in (0..ncols).step_by(64) {
        let chunk = (ncols - c0).min(64);
        // Four column masks per word: column c0 + 4q + s is bits 16s .. 16s + 16 of word q.
        let mut words = [0u64; 16];
        for jj in 0..chunk {
            // SAFETY: `r0 + width ≤ nrows` (asserted above) and `c0 + jj < ncols`; a `DMatrixView` has unit row stride, so rows
            // r0 .. r0 + width of that column are `width` contiguous entries that the view
            // borrows (shared) for the duration of the call.
            let col = unsafe { std::slice::from_raw_parts(base.add(r0 + (c0 + jj) * cs), width) };
            // A full block has a length known here, so the comparisons vectorise.
            let (mask, is_other) = if width == 16 {
                column_mask(&col[..16])
            } else {
                column_mask(col)
            };
            other |= is_other;
            words[jj / 4] |= mask << (16 * (jj % 4));
        }
        let words_used = chunk.div_ceil(4);
        for (t, count) in counts.iter_mut().enumerate() {
            let sel = 0x0001_0001_0001_0001u64 << t;
            let mut bits = 0u64;
            for (q, &w) in words[..words_used].iter().enumerate() {
                bits |= pext(w, sel) << (4 * q);
            }
            let row = &mut positions[t * ncols..(t + 1) * ncols];
            let mut c = *count as usize;
            while bits != 0 {
                // c < ncols: at most one slot per column seen so far.
                row[c] = (c0 + bits.trailing_zeros() as usize) as u32;
                c += 1;
                bits &= bits - 1;
            }
            *count = c as u32;
        }
    }
    other
}

/// Bit `t` set where `col[t]` is 1, and whether an entry is neither 0 nor 1.
#[inline(always)]
#[allow(clippy::needless_bitwise_bool)] // `&` keeps the comparisons branch-free, so they vectorise
fn column_mask<T: Float>(col: &[T]) -> (u64, bool) {
    let (zero, one) = (T::zero(), T::one());
    let (mut mask, mut is_other) = (0u64, false);
    for (t, &x) in col.iter().enumerate() {
        mask |= ((x == one) as u64) << t;
        is_other |= (x != one) & (x != zero);
    }
    (mask, is_other)
}

/// Sum of the entries of `m` (8 running sums per column; contiguous columns vectorise).
fn entry_sum<T: Float>(m: DMatrixView<'_, T>) -> f64 {
    // A `DMatrixView` has unit row stride: each column is contiguous.
    let cs = m.strides().1;
    let (nrows, ncols) = m.shape();
    let mut total = 0.0;
    for j in 0..ncols {
        // SAFETY: j < ncols and a `DMatrixView` has unit row stride, so column j is `nrows`
        // contiguous entries, all borrowed (shared) by the view for the duration of the call.
        let column = unsafe { std::slice::from_raw_parts(m.as_ptr().add(j * cs), nrows) };
        let mut acc = [T::zero(); 8];
        let mut chunks = column.chunks_exact(8);
        for c in &mut chunks {
            for l in 0..8 {
                acc[l] += c[l];
            }
        }
        let rest: T = chunks.remainder().iter().fold(T::zero(), |a, &x| a + x);
        total += acc.iter().fold(rest, |a, &x| a + x).as_f64();
    }
    total
}

/// The summands of [`add_selected`] in the order the kernel reads them: the output is cut into
/// tiles of `L` entries (64 bytes: 16 `f32` or 8 `f64`), and for each tile the `L` entries of
/// every summand are contiguous. One tile's slice of all summands (`K·64` bytes: 50 KB for
/// K = 784) stays in the L1/L2 caches while every row of the batch is summed.
#[derive(Clone, Debug, Default)]
pub struct TiledSummands<T> {
    data: Vec<T>,
    /// Entries of each summand (the output width).
    n: usize,
    /// Number of summands.
    k: usize,
}

/// Bytes of one tile of one summand (a 512-bit register, one cache line).
const TILE_BYTES: usize = 64;

impl<T: Float> TiledSummands<T> {
    /// Empty.
    pub fn new() -> Self {
        TiledSummands {
            data: Vec::new(),
            n: 0,
            k: 0,
        }
    }

    /// Makes room for `k` summands of `n` entries (no allocation when they are loaded later).
    pub fn reserve(&mut self, n: usize, k: usize) {
        let len = n.div_ceil(Self::lanes()) * k * Self::lanes();
        self.data.reserve(len.saturating_sub(self.data.len()));
    }

    fn lanes() -> usize {
        TILE_BYTES / std::mem::size_of::<T>()
    }

    /// Summands = the columns of `m` (`n × K`): for `H · mᵀ`, e.g. visible fields `H Wᵀ` with
    /// `m = W`.
    pub fn load_columns(&mut self, m: &DMatrix<T>) {
        let (n, k) = m.shape();
        let src = m.as_slice();
        self.fill(n, k, |j, kk| src[j + kk * n]);
    }

    /// Summands = the rows of `m` (`K × n`): for `V · m`, e.g. hidden fields `V W`.
    pub fn load_rows(&mut self, m: &DMatrix<T>) {
        let (k, n) = m.shape();
        let src = m.as_slice();
        self.fill(n, k, |j, kk| src[kk + j * k]);
    }

    fn fill(&mut self, n: usize, k: usize, entry: impl Fn(usize, usize) -> T + Sync) {
        let l = Self::lanes();
        let tiles = n.div_ceil(l);
        if (self.n, self.k) != (n, k) || self.data.len() != tiles * k * l {
            // Padding lanes (beyond n) stay zero from here on.
            self.data.clear();
            self.data.resize(tiles * k * l, T::zero());
            self.n = n;
            self.k = k;
        }
        if k == 0 {
            return;
        }
        // Summand by summand: each write fills one tile row; the reads of the `l` entries
        // stream through `l` cache lines that the next summands reuse.
        let fill_tile = |(t, tile): (usize, &mut [T])| {
            let lanes = l.min(n - t * l);
            for (kk, row) in tile.chunks_exact_mut(l).enumerate() {
                for (lane, x) in row[..lanes].iter_mut().enumerate() {
                    *x = entry(t * l + lane, kk);
                }
            }
        };
        for_each_block(&mut self.data, k * l, n * k >= PARALLEL_ADDS, fill_tile);
    }
}

/// `out[r, :] ← bias + Σ_{k ∈ ones(r)} summand_k` for every row `r` of the scanned matrix: the
/// product `X · S + 1 biasᵀ` for the {0,1} matrix `X` that `ones` recorded and the summands `S`
/// (one per row of `S`).
///
/// `out` becomes `B × n` (no allocation when it has that shape). The tiles of the output are
/// shared among the threads (each thread writes its own columns of `out`).
///
/// # Panics
/// If the number of summands is not `ones.ncols()` or `bias` has not `n` entries.
pub fn add_selected<T: Float>(
    ones: &BinaryRows,
    summands: &TiledSummands<T>,
    bias: &[T],
    out: &mut DMatrix<T>,
) {
    assert_eq!(bias.len(), summands.n, "add_selected: bias length");
    let b = ones.nrows();
    if out.shape() != (b, summands.n) {
        *out = DMatrix::zeros(b, summands.n);
    }
    let (n, k) = (summands.n, summands.k);
    assert_eq!(k, ones.ncols(), "add_selected: inner dimensions");
    if b == 0 || n == 0 {
        return;
    }
    let work = n * ones.counts.iter().map(|&c| c as usize).sum::<usize>();
    if std::mem::size_of::<T>() == 4 {
        run_tiles::<T, 16>(ones, summands, bias, out, work);
    } else {
        run_tiles::<T, 8>(ones, summands, bias, out, work);
    }
}

/// Below this many additions the sums run on the calling thread.
const PARALLEL_ADDS: usize = 1 << 17;

fn run_tiles<T: Float, const L: usize>(
    ones: &BinaryRows,
    summands: &TiledSummands<T>,
    bias: &[T],
    out: &mut DMatrix<T>,
    work: usize,
) {
    let (n, b) = (summands.n, ones.nrows());
    debug_assert_eq!(L, TiledSummands::<T>::lanes());
    let tiles = n.div_ceil(L);
    // One task = a run of whole tiles = a block of whole columns of `out`.
    let tasks = if work < PARALLEL_ADDS {
        1
    } else {
        rayon::current_num_threads().max(1).min(tiles)
    };
    let tiles_per_task = tiles.div_ceil(tasks);
    let columns_per_task = tiles_per_task * L;
    let task = |(task, block): (usize, &mut [T])| {
        tiles_task::<T, L>(ones, summands, bias, task * tiles_per_task, block)
    };
    for_each_block(out.as_mut_slice(), columns_per_task * b, tasks > 1, task);
}

/// Rows whose sums over one tile are kept (8 KB on the stack) before they are stored.
const ROW_CHUNK: usize = 128;

/// The columns of `out` in `block` (whole tiles from `first_tile` on): for each tile, the sums
/// of [`ROW_CHUNK`] rows ([`sum_tile`]), then stored column by column as `bias + sum`. AVX-512
/// or AVX2 when the CPU has it (additions only, so the path does not change the result).
fn tiles_task<T: Float, const L: usize>(
    ones: &BinaryRows,
    summands: &TiledSummands<T>,
    bias: &[T],
    first_tile: usize,
    block: &mut [T],
) {
    /// The read-only arguments of the task.
    type Job<'a, T> = (&'a BinaryRows, &'a TiledSummands<T>, &'a [T], usize);
    #[inline(always)]
    fn kernel<T: Float, const L: usize>(job: Job<'_, T>, block: &mut [T]) {
        let (ones, summands, bias, first_tile) = job;
        let (k, b) = (summands.k, ones.nrows());
        let width = block.len() / b;
        for tt in 0..width.div_ceil(L) {
            let t = first_tile + tt;
            let data = &summands.data[t * k * L..(t + 1) * k * L];
            let lanes = (width - tt * L).min(L);
            for r0 in (0..b).step_by(ROW_CHUNK) {
                let rows = (b - r0).min(ROW_CHUNK);
                let mut acc = [[T::zero(); L]; ROW_CHUNK];
                for (i, a) in acc[..rows].iter_mut().enumerate() {
                    *a = sum_tile::<T, L>(data, ones.row(r0 + i));
                }
                // Column by column: contiguous stores (row by row, the 16 scattered stores of
                // each row cost as much as the sums).
                for lane in 0..lanes {
                    let column = &mut block[(tt * L + lane) * b + r0..][..rows];
                    let c = bias[t * L + lane];
                    for (x, a) in column.iter_mut().zip(&acc) {
                        *x = c + a[lane];
                    }
                }
            }
        }
    }
    /// The task, to be compiled for AVX-512 or AVX2 by `simd::run_avx512_or_avx2`.
    struct Tiles<'a, 'b, T, const L: usize> {
        job: Job<'a, T>,
        block: &'b mut [T],
    }
    impl<T: Float, const L: usize> Kernel for Tiles<'_, '_, T, L> {
        type Output = ();
        #[inline(always)]
        fn run(self) {
            kernel::<T, L>(self.job, self.block);
        }
    }
    let job = (ones, summands, bias, first_tile);
    simd::run_avx512_or_avx2(Tiles::<T, L> { job, block });
}

/// `Σ_{k ∈ selected} data[k·L .. k·L + L]` with four running sums (independent chains of
/// additions), combined as `(s0 + s1) + (s2 + s3)`.
///
/// Every `k` in `selected` is below `data.len() / L` ([`BinaryRows`] positions are below its
/// `ncols`, which [`add_selected`] checks equals the number of summands).
#[inline(always)]
fn sum_tile<T: Float, const L: usize>(data: &[T], selected: &[u32]) -> [T; L] {
    let rows = data.len() / L;
    let row = |kk: u32| {
        let kk = kk as usize;
        debug_assert!(kk < rows);
        // SAFETY: kk < rows (the positions recorded by `BinaryRows` are below its `ncols`, which
        // `add_selected` checks equals the number of summands `data.len() / L`), so
        // kk·L + L ≤ data.len().
        unsafe { data.get_unchecked(kk * L..kk * L + L) }
    };
    let mut s = [[T::zero(); L]; 4];
    let mut quads = selected.chunks_exact(4);
    for q in &mut quads {
        for p in 0..4 {
            let x = row(q[p]);
            for l in 0..L {
                s[p][l] += x[l];
            }
        }
    }
    for (p, &kk) in quads.remainder().iter().enumerate() {
        let x = row(kk);
        for l in 0..L {
            s[p][l] += x[l];
        }
    }
    let mut total = [T::zero(); L];
    for l in 0..L {
        total[l] = (s[0][l] + s[1][l]) + (s[2][l] + s[3][l]);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::simd::scan::pext_portable;
    use crate::linalg::{matmul, Op};
    use rand::{Rng, SeedableRng};

    fn binary(rows: usize, cols: usize, p: f64, seed: u64) -> DMatrix<f64> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        DMatrix::from_fn(rows, cols, |_, _| (rng.random::<f64>() < p) as u8 as f64)
    }

    #[test]
    fn sums_of_columns_equal_the_dense_product() {
        // Sums of ≤ 70 terms of size ≤ 1 in f64: round-off only.
        const TOL: f64 = 1e-12;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for &(b, k, n, p) in &[
            (1, 1, 1, 0.5),
            (300, 500, 70, 0.2),
            (5, 7, 3, 0.3),
            (37, 70, 45, 0.13),
            (20, 33, 64, 1.0),
            (9, 12, 31, 0.0),
        ] {
            let x = binary(b, k, p, 10 + b as u64);
            let w = DMatrix::from_fn(k, n, |_, _| rng.random::<f64>() - 0.5);
            let bias: Vec<f64> = (0..n).map(|j| 0.1 * j as f64).collect();
            let mut ones = BinaryRows::new();
            let density = ones.scan(x.as_view()).unwrap();
            assert!((density - x.sum() / (b * k) as f64).abs() < 1e-15);
            let mut rows = TiledSummands::new();
            rows.load_rows(&w);
            let mut out = DMatrix::zeros(0, 0);
            add_selected(&ones, &rows, &bias, &mut out);
            // The same sums with the summands given as the columns of Wᵀ.
            let mut columns = TiledSummands::new();
            columns.load_columns(&w.transpose());
            let mut out2 = DMatrix::zeros(0, 0);
            add_selected(&ones, &columns, &bias, &mut out2);
            assert_eq!(out, out2);
            let mut dense = matmul(x.as_view(), Op::N, w.as_view(), Op::N);
            for (j, mut col) in dense.column_iter_mut().enumerate() {
                col.add_scalar_mut(bias[j]);
            }
            assert!((out - dense).amax() < TOL, "shape {b}×{k}×{n}");
        }
    }

    #[test]
    fn portable_scan_matches_the_dispatched_one() {
        // pext by hand against its definition, on words with every lane pattern.
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for _ in 0..1000 {
            let (w, sel): (u64, u64) = (rng.random(), rng.random());
            let mut expected = 0u64;
            let mut k = 0;
            for bit in 0..64 {
                if sel >> bit & 1 == 1 {
                    expected |= (w >> bit & 1) << k;
                    k += 1;
                }
            }
            assert_eq!(pext_portable(w, sel), expected);
        }
        // The whole scan with the portable pext equals the one the CPU takes (BMI2 here).
        for &(b, k, p) in &[(16, 200, 0.13), (7, 64, 0.5), (16, 65, 0.9)] {
            let x = binary(b, k, p, 20 + k as u64);
            let mut fast = BinaryRows::new();
            fast.scan(x.as_view()).unwrap();
            let mut positions = vec![0u32; b * k];
            let mut counts = vec![0u32; b];
            assert!(!scan_rows_kernel(
                x.as_view(),
                0,
                &mut positions,
                &mut counts,
                pext_portable
            ));
            for r in 0..b {
                assert_eq!(&positions[r * k..r * k + counts[r] as usize], fast.row(r));
                let ones: Vec<u32> = (0..k as u32)
                    .filter(|&j| x[(r, j as usize)] == 1.0)
                    .collect();
                assert_eq!(fast.row(r), &ones[..]);
            }
        }
    }

    #[test]
    fn non_binary_entries_are_refused() {
        let mut x = binary(4, 5, 0.5, 1);
        let mut ones = BinaryRows::new();
        assert!(ones.scan(x.as_view()).is_some());
        x[(2, 3)] = 0.5;
        assert!(ones.scan(x.as_view()).is_none());
        x[(2, 3)] = -1.0;
        assert!(ones.scan(x.as_view()).is_none());
    }

    #[test]
    fn scan_at_most_refuses_dense_or_non_binary_matrices() {
        let mut ones = BinaryRows::new();
        let sparse = binary(40, 30, 0.1, 5);
        let d = sparse.sum() / 1200.0;
        assert_eq!(ones.scan_at_most(sparse.as_view(), 0.25), Some(d));
        assert_eq!(ones.row(7).len() as f64, sparse.row(7).sum());
        assert_eq!(
            ones.scan_at_most(binary(40, 30, 0.6, 6).as_view(), 0.25),
            None
        );
        // a view of some rows (column stride ≠ number of rows)
        let view = sparse.view((5, 0), (20, 30));
        let part = sparse.rows(5, 20).sum() / 600.0;
        assert_eq!(ones.scan_at_most(view, 1.0), Some(part));
        assert_eq!(ones.row(0).len() as f64, sparse.row(5).sum());
        let mut grey = sparse.clone();
        grey[(3, 4)] = 0.5;
        assert_eq!(ones.scan_at_most(grey.as_view(), 0.25), None);
    }

    #[test]
    fn scanning_again_at_the_same_shape_keeps_the_buffers() {
        let mut ones = BinaryRows::new();
        ones.scan(binary(10, 20, 0.5, 1).as_view()).unwrap();
        let p = ones.positions.as_ptr();
        ones.scan(binary(10, 20, 0.2, 2).as_view()).unwrap();
        assert_eq!(p, ones.positions.as_ptr());
        assert_eq!(ones.row(3).len(), ones.counts[3] as usize);
    }
}
