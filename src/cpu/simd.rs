//! Backend dispatch: one entry per SIMD kernel, callable on every target.
//!
//! Each function makes the leading part of its output with the chosen
//! backend's kernel and returns how many words (or elements) it made; the
//! caller finishes the rest with the scalar definition. On targets without a
//! kernel, or for [`CpuBackend::Scalar`], they make nothing and return 0.

use super::CpuBackend;

macro_rules! block_kernel {
    ($name:ident, $w:ty, $k:expr, $doc:literal) => {
        #[doc = $doc]
        #[inline]
        pub(crate) fn $name(
            be: CpuBackend,
            key: [$w; $k],
            rounds: u32,
            b0: u64,
            s: u64,
            out: &mut [$w],
        ) -> usize {
            match be {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: a CpuBackend::Avx2 value only reaches here after
                // `CpuBackend::is_available` (CpuOptions and the RNG check it).
                CpuBackend::Avx2 => unsafe { super::avx2::$name(key, rounds, b0, s, out) },
                _ => {
                    let _ = (key, rounds, b0, s, out);
                    0
                }
            }
        }
    };
}

block_kernel!(
    philox2x32,
    u32,
    1,
    "Philox2x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    philox4x32,
    u32,
    2,
    "Philox4x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry2x32,
    u32,
    2,
    "Threefry2x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry4x32,
    u32,
    4,
    "Threefry4x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry2x64,
    u64,
    2,
    "Threefry2x64 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry4x64,
    u64,
    4,
    "Threefry4x64 blocks `b0..` of stream `s`."
);

/// Philox2x64 has no SIMD kernel: AVX2 has no 64x64 -> 128-bit multiply.
#[inline]
pub(crate) fn philox2x64(
    _: CpuBackend,
    _: [u64; 1],
    _: u32,
    _: u64,
    _: u64,
    _: &mut [u64],
) -> usize {
    0
}

/// Philox4x64 has no SIMD kernel: AVX2 has no 64x64 -> 128-bit multiply.
#[inline]
pub(crate) fn philox4x64(
    _: CpuBackend,
    _: [u64; 2],
    _: u32,
    _: u64,
    _: u64,
    _: &mut [u64],
) -> usize {
    0
}

/// `out[i] = mean + std * standard_normal_f32(x[i])` for a leading part of
/// the slices; returns its length.
#[inline]
pub(crate) fn normal_f32(be: CpuBackend, x: &[u32], mean: f32, std: f32, out: &mut [f32]) -> usize {
    match be {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, Avx2 is only chosen when the CPU has it.
        CpuBackend::Avx2 => unsafe { super::avx2::normal_f32(x, mean, std, out) },
        _ => {
            let _ = (x, mean, std, out);
            0
        }
    }
}

/// `out[i] = uniform_f64(x[i])` for a leading part of the slices; returns its
/// length.
#[inline]
pub(crate) fn uniform_f64(be: CpuBackend, x: &[u64], out: &mut [f64]) -> usize {
    match be {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, Avx2 is only chosen when the CPU has it.
        CpuBackend::Avx2 => unsafe { super::avx2::uniform_f64(x, out) },
        _ => {
            let _ = (x, out);
            0
        }
    }
}
