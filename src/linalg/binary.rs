//! Products with {0,1} matrices by adding columns instead of multiplying by zeros.
//!
//! Visible states of MNIST-like data and of the chains that learn them are binary and sparse
//! (13 % ones on binarised MNIST), and hidden samples are binary. For such a left operand,
//! `X · Bᵀ` is, row by row, a sum of the columns of `B` at the positions of the ones: about
//! `ρ·K·n` additions instead of `K·n` multiply-adds, with no multiplications by zero.
//! [`BinaryRows::scan`] records where the ones are (and refuses matrices with any entry other than
//! 0 or 1); [`add_selected_columns`] does the sums. `notes/performance.md` has the measured
//! crossover density against faer's GEMM.
//!
//! # Determinism
//! Each output entry is the bias plus the selected entries added in increasing column order, by
//! one thread: the result does not depend on the number of threads.

use super::Float;
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
    pub fn scan<T: Float>(&mut self, m: DMatrixView<'_, T>) -> Option<f64> {
        let (nrows, ncols) = m.shape();
        assert!(
            ncols <= u32::MAX as usize,
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

/// Scans rows `r0 .. r0 + counts.len()` of `m` into `counts` and `positions` (those rows' part
/// of the buffers); whether an entry is neither 0 nor 1. AVX2 when the CPU has it (comparisons
/// only: the same result on every path).
fn scan_rows<T: Float>(
    m: DMatrixView<'_, T>,
    r0: usize,
    positions: &mut [u32],
    counts: &mut [u32],
) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        unsafe fn scan_avx2<T: Float>(
            m: DMatrixView<'_, T>,
            r0: usize,
            positions: &mut [u32],
            counts: &mut [u32],
        ) -> bool {
            scan_rows_kernel(m, r0, positions, counts)
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { scan_avx2(m, r0, positions, counts) };
        }
    }
    scan_rows_kernel(m, r0, positions, counts)
}

/// One mask per column for the block's (≤ 16) rows, then only the ones are visited.
#[inline(always)]
fn scan_rows_kernel<T: Float>(
    m: DMatrixView<'_, T>,
    r0: usize,
    positions: &mut [u32],
    counts: &mut [u32],
) -> bool {
    let (zero, one) = (T::zero(), T::one());
    // A `DMatrixView` has unit row stride: the block's rows of a column are contiguous.
    let cs = m.strides().1;
    let base = m.as_ptr();
    let ncols = m.ncols();
    let width = counts.len();
    counts.fill(0);
    let mut other = false;
    for j in 0..ncols {
        // SAFETY: rows r0 .. r0 + width of column j are inside the view, contiguous.
        let block = unsafe { std::slice::from_raw_parts(base.add(r0 + j * cs), width) };
        let (mut mask, mut is_other) = (0u32, 0u32);
        for (t, &x) in block.iter().enumerate() {
            mask |= ((x == one) as u32) << t;
            is_other |= ((x != one) & (x != zero)) as u32;
        }
        other |= is_other != 0;
        while mask != 0 {
            let t = mask.trailing_zeros() as usize;
            let c = counts[t] as usize;
            positions[t * ncols + c] = j as u32;
            counts[t] += 1;
            mask &= mask - 1;
        }
    }
    other
}

/// Sum of the entries of `m` (8 running sums per column; contiguous columns vectorise).
fn entry_sum<T: Float>(m: DMatrixView<'_, T>) -> f64 {
    // A `DMatrixView` has unit row stride: each column is contiguous.
    let cs = m.strides().1;
    let (nrows, ncols) = m.shape();
    let mut total = 0.0;
    for j in 0..ncols {
        // SAFETY: with unit row stride, column j is nrows contiguous entries of the view.
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
        if n * k < PARALLEL_ADDS {
            self.data.chunks_mut(k * l).enumerate().for_each(fill_tile);
        } else {
            self.data
                .par_chunks_mut(k * l)
                .enumerate()
                .for_each(fill_tile);
        }
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
    let (n, k) = (summands.n, summands.k);
    assert_eq!(k, ones.ncols(), "add_selected: inner dimensions");
    assert_eq!(bias.len(), n, "add_selected: bias length");
    let b = ones.nrows();
    if out.shape() != (b, n) {
        *out = DMatrix::zeros(b, n);
    }
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
    let (n, k, b) = (summands.n, summands.k, ones.nrows());
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
        let first_tile = task * tiles_per_task;
        let width = block.len() / b;
        for tt in 0..width.div_ceil(L) {
            let t = first_tile + tt;
            let data = &summands.data[t * k * L..(t + 1) * k * L];
            let lanes = (width - tt * L).min(L);
            let mut tile_bias = [T::zero(); L];
            tile_bias[..lanes].copy_from_slice(&bias[t * L..t * L + lanes]);
            for r in 0..b {
                let sums = sum_tile::<T, L>(data, ones.row(r));
                for lane in 0..lanes {
                    block[r + (tt * L + lane) * b] = tile_bias[lane] + sums[lane];
                }
            }
        }
    };
    let out = out.as_mut_slice();
    if tasks == 1 {
        task((0, out));
    } else {
        out.par_chunks_mut(columns_per_task * b)
            .enumerate()
            .for_each(task);
    }
}

/// `Σ_{k ∈ selected} data[k·L .. k·L + L]` with four running sums (independent chains of
/// additions), combined as `(s0 + s1) + (s2 + s3)`; AVX2 when the CPU has it (additions only,
/// so the path does not change the result).
#[inline(always)]
fn sum_tile<T: Float, const L: usize>(data: &[T], selected: &[u32]) -> [T; L] {
    #[inline(always)]
    fn kernel<T: Float, const L: usize>(data: &[T], selected: &[u32]) -> [T; L] {
        let mut s = [[T::zero(); L]; 4];
        let mut quads = selected.chunks_exact(4);
        let rows = data.len() / L;
        for q in &mut quads {
            for p in 0..4 {
                let kk = q[p] as usize;
                assert!(kk < rows);
                // SAFETY: kk < rows, so kk·L + L ≤ data.len().
                let row = unsafe { data.get_unchecked(kk * L..kk * L + L) };
                for l in 0..L {
                    s[p][l] += row[l];
                }
            }
        }
        for (p, &kk) in quads.remainder().iter().enumerate() {
            let row = &data[kk as usize * L..kk as usize * L + L];
            for l in 0..L {
                s[p][l] += row[l];
            }
        }
        let mut total = [T::zero(); L];
        for l in 0..L {
            total[l] = (s[0][l] + s[1][l]) + (s[2][l] + s[3][l]);
        }
        total
    }
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        unsafe fn kernel_avx2<T: Float, const L: usize>(data: &[T], selected: &[u32]) -> [T; L] {
            kernel::<T, L>(data, selected)
        }
        #[target_feature(enable = "avx512f")]
        unsafe fn kernel_avx512<T: Float, const L: usize>(data: &[T], selected: &[u32]) -> [T; L] {
            kernel::<T, L>(data, selected)
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { kernel_avx512::<T, L>(data, selected) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { kernel_avx2::<T, L>(data, selected) };
        }
    }
    kernel::<T, L>(data, selected)
}

#[cfg(test)]
mod tests {
    use super::*;
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
