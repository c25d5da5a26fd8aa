//! Every SIMD kernel of the crate: the `std::arch` intrinsics, the `#[target_feature]`
//! functions and the run-time CPU detection that chooses them.
//!
//! The callers (sampling in `units`, the sparse products in `linalg::binary`, the tail rows of
//! `linalg::tail`, the minibatch gather of `training::trainer`) stay safe and stay where they
//! are; they hand this module either a [`Kernel`] (plain Rust code that is compiled once more
//! inside a `#[target_feature]` function, so that the compiler may use wider registers, with the
//! same operations in the same order) or the operands of a hand-written intrinsic kernel.
//!
//! * [`run_avx2`], [`run_avx512_or_avx2`]: a [`Kernel`] compiled for AVX2 / AVX-512F when the CPU
//!   has it, else for the baseline. No fused multiply-adds are introduced by the compiler in
//!   these (Rust does not contract `a * b + c`), so the numbers do not depend on the path.
//! * [`scan`]: the bit extraction (`pext`, BMI2) of the {0,1} scan.
//! * [`tail`]: the AVX-512 kernel of the last rows of a product.
//! * [`prefetch`]: a cache hint.
//!
//! Each `unsafe` block here has a `SAFETY` comment; the only obligations are that the CPU has
//! the enabled features (checked by `is_x86_feature_detected!` right before) and, for the
//! pointer kernels, that the operands describe live storage (checked by the safe wrapper).

pub(crate) mod scan;
pub(crate) mod tail;

/// Code compiled once more for a wider instruction set by [`run_avx2`] and
/// [`run_avx512_or_avx2`].
///
/// `run` must be `#[inline(always)]` (and so must everything it calls that should use the
/// wider registers): its body is then compiled inside the `#[target_feature]` function.
pub(crate) trait Kernel {
    /// What the computation returns.
    type Output;
    /// The computation.
    fn run(self) -> Self::Output;
}

/// Whether the CPU has AVX-512F (false off x86-64).
pub(crate) fn has_avx512f() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether the CPU has AVX2 (false off x86-64).
pub(crate) fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `kernel.run()` compiled for AVX2 when the CPU has it, else for the baseline.
#[inline(always)]
pub(crate) fn run_avx2<K: Kernel>(kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked just above), the only requirement of `avx2`.
        return unsafe { x86::avx2(kernel) };
    }
    kernel.run()
}

/// `kernel.run()` compiled for AVX-512F when the CPU has it, else for AVX2, else for the
/// baseline.
#[inline(always)]
pub(crate) fn run_avx512_or_avx2<K: Kernel>(kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx512f() {
            // SAFETY: the CPU supports AVX-512F (checked just above), the only requirement of
            // `avx512`.
            return unsafe { x86::avx512(kernel) };
        }
        if has_avx2() {
            // SAFETY: the CPU supports AVX2 (checked just above), the only requirement of `avx2`.
            return unsafe { x86::avx2(kernel) };
        }
    }
    kernel.run()
}

/// Asks the CPU to bring the cache line at `p` into all cache levels (x86-64 `prefetcht0`; a
/// no-op elsewhere). A hint only: it reads nothing, never faults and changes no result, whatever
/// the address.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `prefetcht0` is part of SSE, which every x86-64 CPU has; a prefetch does not
        // access memory architecturally and cannot fault, for any address.
        unsafe {
            std::arch::x86_64::_mm_prefetch(p.cast::<i8>(), std::arch::x86_64::_MM_HINT_T0);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Kernel;

    /// `kernel.run()` compiled with AVX2 enabled.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn avx2<K: Kernel>(kernel: K) -> K::Output {
        kernel.run()
    }

    /// `kernel.run()` compiled with AVX-512F enabled.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn avx512<K: Kernel>(kernel: K) -> K::Output {
        kernel.run()
    }
}
