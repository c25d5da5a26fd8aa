//! The bit extraction of the {0,1} scan (`linalg::binary`): `pext` (BMI2) when the CPU has it,
//! with AVX-512 enabled for the comparisons around it.

/// The scan of `linalg::binary`, parameterised by the bit extraction it uses.
///
/// `run` must be `#[inline(always)]` (see [`super::Kernel`]).
pub(crate) trait PextKernel {
    /// What the scan returns.
    type Output;
    /// The scan, with `pext(w, sel)` = the bits of `w` where `sel` has ones, packed at the
    /// bottom.
    fn run(self, pext: impl Fn(u64, u64) -> u64) -> Self::Output;
}

/// Whether [`run`] takes the AVX-512 + BMI2 path.
fn has_features() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("bmi2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `kernel.run(pext)` compiled for AVX-512 with BMI2's `pext` instruction when the CPU has them,
/// else with [`pext_portable`] (comparisons and bit moves only: the same result on every path).
#[inline(always)]
pub(crate) fn run<K: PextKernel>(kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    if has_features() {
        // SAFETY: the CPU supports AVX-512F/BW/VL and BMI2 (checked just above), the only
        // requirement of `scan_x86`.
        return unsafe { scan_x86(kernel) };
    }
    kernel.run(pext_portable)
}

/// `kernel.run` with BMI2's `pext` (one instruction), compiled with AVX-512.
///
/// # Safety
/// The CPU must support AVX-512F, AVX-512BW, AVX-512VL and BMI2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,bmi2")]
unsafe fn scan_x86<K: PextKernel>(kernel: K) -> K::Output {
    // BMI2 is enabled in this function: `pext` is one instruction.
    kernel.run(|w, sel| std::arch::x86_64::_pext_u64(w, sel))
}

/// Parallel bit extract (the bits of `w` where `sel` has ones, packed at the bottom), for CPUs
/// without BMI2.
#[inline(always)]
pub(crate) fn pext_portable(w: u64, sel: u64) -> u64 {
    let (mut out, mut sel, mut k) = (0u64, sel, 0);
    while sel != 0 {
        let b = sel.trailing_zeros();
        out |= ((w >> b) & 1) << k;
        k += 1;
        sel &= sel - 1;
    }
    out
}
