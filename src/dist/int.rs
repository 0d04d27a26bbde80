//! Bounded integers in [lo, hi) by multiply-shift (Lemire) without rejection,
//! so element i always consumes the same stream elements and slices work.
//! CUDA twin: `kernels/cbrng/dist.cuh` (`cbrng_int_*`).
//!
//! With a k-bit uniform input x and range size r, the result is
//! lo + floor(x * r / 2^k). Each of the r values is hit by floor(2^k / r) or
//! ceil(2^k / r) inputs, so its probability differs from 1/r by less than
//! 2^-k: k = 32 for u8 output (one u32 element), 64 for u32 output (one u64
//! element), 128 for u64 output (two u64 elements, 2i low and 2i+1 high).

/// u8 element from u32 element `x`; `r = hi - lo` in 1..=256.
#[inline(always)]
pub fn int_u8(x: u32, lo: u64, r: u64) -> u8 {
    (lo + ((u64::from(x) * r) >> 32)) as u8
}

/// u32 element from u64 element `x`; `r = hi - lo` in 1..=2^32.
#[inline(always)]
pub fn int_u32(x: u64, lo: u64, r: u64) -> u32 {
    (lo + ((u128::from(x) * u128::from(r)) >> 64) as u64) as u32
}

/// u64 element from u64 elements `lo_word` (2i) and `hi_word` (2i+1) read as
/// one 128-bit number; `r = hi - lo` in 1..=2^64.
#[inline(always)]
pub fn int_u64(lo_word: u64, hi_word: u64, lo: u64, r: u128) -> u64 {
    // floor(x * r / 2^128) with x = hi_word * 2^64 + lo_word, without 192-bit
    // arithmetic: floor((hi_word * r + floor(lo_word * r / 2^64)) / 2^64).
    // The sum is below 2^128 because r <= 2^64.
    let top = u128::from(hi_word) * r + ((u128::from(lo_word) * r) >> 64);
    lo + (top >> 64) as u64
}
