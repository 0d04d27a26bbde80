//! Uniform floats in [0, 1): the top bits of one stream element, scaled by a
//! power of two, so every value is exact and the same on every machine.
//! CUDA twin: `kernels/cbrng/dist.cuh` (`cbrng_uniform_*`).

use half::{bf16, f16};

/// 2^-24.
pub(crate) const TWO_POW_M24: f32 = 1.0 / 16_777_216.0;
/// 2^-53.
pub(crate) const TWO_POW_M53: f64 = 1.0 / 9_007_199_254_740_992.0;

/// Uniform f32 from u32 element i: `(x >> 8) * 2^-24`, one of 2^24 values.
#[inline(always)]
pub fn uniform_f32(x: u32) -> f32 {
    (x >> 8) as f32 * TWO_POW_M24
}

/// Uniform f64 from u64 element i: `(x >> 11) * 2^-53`, one of 2^53 values.
#[inline(always)]
pub fn uniform_f64(x: u64) -> f64 {
    (x >> 11) as f64 * TWO_POW_M53
}

/// The 16-bit half of u32 element `i / 2` that f16/bf16 element `i` uses:
/// the low half for even `i`, the high half for odd `i`.
#[inline(always)]
pub fn half_of(x: u32, odd: bool) -> u16 {
    if odd { (x >> 16) as u16 } else { x as u16 }
}

/// Uniform f16 from a 16-bit half `h`: `(h >> 5) * 2^-11`, one of 2^11 values.
#[inline(always)]
pub fn uniform_f16(h: u16) -> f16 {
    // Exact: an 11-bit integer times a power of two fits f16's significand.
    f16::from_f32((h >> 5) as f32 * (1.0 / 2048.0))
}

/// Uniform bf16 from a 16-bit half `h`: `(h >> 8) * 2^-8`, one of 2^8 values.
#[inline(always)]
pub fn uniform_bf16(h: u16) -> bf16 {
    bf16::from_f32((h >> 8) as f32 * (1.0 / 256.0))
}
