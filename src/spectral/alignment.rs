//! Overlaps of W's singular vectors with the principal axes of the data (Fissore 2017 §II.D,
//! `theory/spectral.md` "Relation to data PCA").
//!
//! # Conventions
//! The data `X` has one sample per row ($M$ rows, $N$ columns). Its principal axes are the
//! eigenvectors $e_k$ of the centred covariance $C = \frac1M \sum_\mu (x_\mu - \bar x)
//! (x_\mu - \bar x)^\top$ (divisor $M$, as the theory file; Fissore's $M-1$ changes only the
//! eigenvalues, by $M/(M-1)$), eigenvalues $\lambda_1 \ge \lambda_2 \ge \dots$.
//! The overlap of a left singular vector $u_\alpha$ of W with an axis is $|u_\alpha \cdot e_k|$
//! (both unit vectors; the sign of each is arbitrary), so it lies in $[0, 1]$.

use crate::error::{Error, Result};
use crate::linalg::{matmul, symmetric_eigen, Op};
use nalgebra::{DMatrix, DVector};

/// The principal axes of a data set (see the module docs).
#[derive(Clone, Debug)]
pub struct PrincipalAxes {
    /// $\bar x$.
    pub mean: DVector<f64>,
    /// All eigenvalues of $C$, descending.
    pub variances: Vec<f64>,
    /// The top `k` eigenvectors $e_1, …, e_k$ as columns (`N × k`).
    pub axes: DMatrix<f64>,
}

impl PrincipalAxes {
    /// Principal axes of `data` (rows = samples), keeping the top `k` eigenvectors.
    /// $C = X^\top X/M - \bar x \bar x^\top$ is formed by one product, then diagonalised.
    ///
    /// # Errors
    /// Fewer than 2 samples, or non-finite data.
    pub fn of(data: &DMatrix<f64>, k: usize) -> Result<Self> {
        let (m, n) = data.shape();
        if m < 2 {
            return Err(Error::invalid(
                "data",
                format!("{m} samples"),
                "principal axes need at least 2 samples",
            ));
        }
        let mean = DVector::from_fn(n, |j, _| data.column(j).sum() / m as f64);
        let gram = matmul(data.as_view(), Op::T, data.as_view(), Op::N);
        let cov = DMatrix::from_fn(n, n, |i, j| gram[(i, j)] / m as f64 - mean[i] * mean[j]);
        let (variances, vectors) = symmetric_eigen(&cov)?;
        let k = k.min(n);
        Ok(PrincipalAxes {
            mean,
            variances,
            axes: vectors.columns(0, k).clone_owned(),
        })
    }
}

/// $O_{\alpha k} = |u_\alpha \cdot e_k|$ for the columns of `vectors` (`N × K`) and `axes`
/// (`N × k'`): a `K × k'` matrix.
///
/// # Errors
/// The two have a different number of rows.
pub fn overlap_matrix(vectors: &DMatrix<f64>, axes: &DMatrix<f64>) -> Result<DMatrix<f64>> {
    if vectors.nrows() != axes.nrows() {
        return Err(Error::shape(
            "overlap_matrix",
            format!("vectors of length {}", axes.nrows()),
            format!("{}", vectors.nrows()),
        ));
    }
    Ok(matmul(vectors.as_view(), Op::T, axes.as_view(), Op::N).map(f64::abs))
}

/// Overlap of the subspaces spanned by the first `k` columns of `a` and of `b` (each with
/// orthonormal columns): $\|A_k^\top B_k\|_F^2 / k \in [0, 1]$, which is 1 iff the subspaces
/// coincide and $k/N$ on average for random subspaces of $\mathbb R^N$. It does not depend on
/// the order or the signs of the vectors inside each subspace.
///
/// # Errors
/// Different numbers of rows, or fewer than `k` columns.
pub fn subspace_overlap(a: &DMatrix<f64>, b: &DMatrix<f64>, k: usize) -> Result<f64> {
    if k == 0 || a.ncols() < k || b.ncols() < k {
        return Err(Error::invalid(
            "k",
            k,
            format!(
                "must lie in 1..={} (columns available)",
                a.ncols().min(b.ncols())
            ),
        ));
    }
    let o = overlap_matrix(
        &a.columns(0, k).clone_owned(),
        &b.columns(0, k).clone_owned(),
    )?;
    Ok(o.iter().map(|x| x * x).sum::<f64>() / k as f64)
}

/// $|u \cdot \hat m|$ with $\hat m = m/\|m\|$: how much a unit vector `u` points along the
/// (uncentred) mean image `mean` (Fissore Fig. 4a: with a zero visible bias the first left
/// singular vector learns the mean activation pattern).
pub fn mean_overlap(u: &DVector<f64>, mean: &DVector<f64>) -> f64 {
    let norm = mean.norm() * u.norm();
    if norm == 0.0 {
        return 0.0;
    }
    (u.dot(mean) / norm).abs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn principal_axes_of_a_known_covariance() {
        // x = a·(3 e1) + b·(1.5 e2) + c·(0.5 e3) in R^3 rotated: variances 9, 2.25, 0.25
        let mut rng = StdRng::seed_from_u64(1);
        let q = DMatrix::from_fn(3, 3, |_, _| -> f64 { StandardNormal.sample(&mut rng) })
            .qr()
            .q();
        let m = 200_000;
        let scales = [3.0, 1.5, 0.5];
        let mut data = DMatrix::<f64>::zeros(m, 3);
        for r in 0..m {
            let z: Vec<f64> = scales
                .iter()
                .map(|s| {
                    let x: f64 = StandardNormal.sample(&mut rng);
                    s * x
                })
                .collect();
            for i in 0..3 {
                data[(r, i)] = 5.0 + (0..3).map(|k| q[(i, k)] * z[k]).sum::<f64>();
            }
        }
        let pa = PrincipalAxes::of(&data, 3).unwrap();
        for (k, s) in scales.iter().enumerate() {
            // sample variance: relative SE sqrt(2/M) ≈ 0.3 %; 2 % is > 6 SE
            assert!(
                (pa.variances[k] / (s * s) - 1.0).abs() < 0.02,
                "{:?}",
                pa.variances
            );
            let dot = (pa.axes.column(k).dot(&q.column(k))).abs();
            assert!(dot > 0.999, "axis {k}: {dot}");
        }
        assert!((pa.mean[0] - 5.0).abs() < 0.05);
        let o = overlap_matrix(&q, &pa.axes).unwrap();
        assert!(o[(0, 0)] > 0.999 && o[(0, 1)] < 0.01);
        assert!((subspace_overlap(&q, &pa.axes, 2).unwrap() - 1.0).abs() < 1e-4);
        // subspace overlap ignores order and sign inside the subspace
        let mut swapped = q.clone();
        swapped.swap_columns(0, 1);
        swapped.column_mut(0).neg_mut();
        assert!((subspace_overlap(&q, &swapped, 2).unwrap() - 1.0).abs() < 1e-12);
        assert!(subspace_overlap(&q, &swapped, 1).unwrap() < 1e-12);
    }

    #[test]
    fn mean_overlap_is_a_cosine() {
        let u = DVector::from_vec(vec![0.6, 0.8]);
        let m = DVector::from_vec(vec![2.0, 0.0]);
        assert!((mean_overlap(&u, &m) - 0.6).abs() < 1e-15);
        assert_eq!(mean_overlap(&u, &DVector::zeros(2)), 0.0);
    }
}
