//! Backend dispatch: one entry per SIMD kernel, callable on every target.
//!
//! Each block function makes its whole output with the chosen backend's
//! kernel (a final partial step through a scratch step) and returns how many
//! words it made; the element maps make a leading part and return its
//! length. The caller finishes anything left with the scalar definition. On targets without a
//! kernel, or for [`CpuBackend::Scalar`], they make nothing and return 0.

use super::CpuBackend;

macro_rules! block_kernel {
    ($name:ident, $w:ty, $k:expr, $n:expr, $step:ident, $doc:literal) => {
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
                CpuBackend::Avx2 => unsafe {
                    use super::avx2;
                    let done = avx2::$name(key, rounds, b0, s, out);
                    let rest = out.len() - done;
                    if rest == 0 {
                        return done;
                    }
                    // The last partial step: one whole step into scratch
                    // (cheaper than the scalar blocks). Its extra blocks may
                    // lie past the stream's end; their lanes are computed
                    // apart and thrown away.
                    let mut tmp: [$w; avx2::MAX_STEP] = [0; avx2::MAX_STEP];
                    let b = b0.wrapping_add((done / $n) as u64);
                    avx2::$name(key, rounds, b, s, &mut tmp[..avx2::$step]);
                    out[done..].copy_from_slice(&tmp[..rest]);
                    out.len()
                },
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
    2,
    STEP_PHILOX2X32,
    "Philox2x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    philox4x32,
    u32,
    2,
    4,
    STEP_PHILOX4X32,
    "Philox4x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry2x32,
    u32,
    2,
    2,
    STEP_THREEFRY2X32,
    "Threefry2x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry4x32,
    u32,
    4,
    4,
    STEP_THREEFRY4X32,
    "Threefry4x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry2x64,
    u64,
    2,
    2,
    STEP_THREEFRY2X64,
    "Threefry2x64 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry4x64,
    u64,
    4,
    4,
    STEP_THREEFRY4X64,
    "Threefry4x64 blocks `b0..` of stream `s`."
);

/// A 64-bit Philox generator has no SIMD kernel: AVX2 has no 64x64 -> 128-bit
/// multiply, and emulating it is slower than the scalar `mul`.
macro_rules! no_kernel {
    ($name:ident, $k:expr) => {
        #[doc = concat!("`", stringify!($name), "`: always scalar.")]
        #[inline]
        pub(crate) fn $name(
            _: CpuBackend,
            _: [u64; $k],
            _: u32,
            _: u64,
            _: u64,
            _: &mut [u64],
        ) -> usize {
            0
        }
    };
}

no_kernel!(philox2x64, 1);
no_kernel!(philox4x64, 2);

/// An element map with an AVX2 kernel: makes a leading part of `out` from
/// `x` and returns its length (0 for the scalar backend).
macro_rules! map_kernel {
    ($name:ident, $in:ty, $out:ty, ($($p:ident: $pt:ty),*), $doc:literal) => {
        #[doc = $doc]
        #[inline]
        pub(crate) fn $name(be: CpuBackend, x: &[$in], $($p: $pt,)* out: &mut [$out]) -> usize {
            match be {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above, Avx2 is only chosen when the CPU has it.
                CpuBackend::Avx2 => unsafe { super::avx2::$name(x, $($p,)* out) },
                _ => {
                    let _ = (x, $($p,)* out);
                    0
                }
            }
        }
    };
}

map_kernel!(normal_f32, u32, f32, (mean: f32, std: f32), "`out[i] = mean + std * standard_normal_f32(x[i])`.");
map_kernel!(normal_f64, u64, f64, (mean: f64, std: f64), "`out[i] = mean + std * standard_normal_f64(x[i])`.");
map_kernel!(uniform_f64, u64, f64, (), "`out[i] = uniform_f64(x[i])`.");
