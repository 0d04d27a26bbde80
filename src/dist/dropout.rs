//! Dropout, element by element: the exact arithmetic that CPU and GPU share.
//! CUDA twin: `kernels/cbrng/dropout.cuh` (`cbrng_dropout_*`).
//!
//! Element `i` is **dropped** iff Bernoulli(p) element `i` of the stream is 1,
//! i.e. iff u32 element `i` is below the threshold t(p) of
//! [`bernoulli::threshold`] (so p is resolved to a multiple of 2^-32; p = 1
//! drops everything, p = 0 nothing). A kept element is scaled:
//!
//! | dtype | kept element |
//! |---|---|
//! | f64 | `x * s64`, rounded to f64 |
//! | f32 | `x * s32`, rounded to f32 |
//! | f16, bf16 | `x` widened to f32 (exact), `* s32` rounded to f32, then rounded to f16/bf16 |
//!
//! with `s64 = 1 / (1 - p)` computed in f64 (one rounding each for `1 - p`
//! and the division) and `s32 = s64` rounded to f32; every rounding is to
//! nearest, ties to even, with subnormals kept (no flush to zero). f16/bf16
//! follow PyTorch's "compute in f32" rule. The rest is fixed so that no
//! platform's NaN handling can show through:
//!
//! - a dropped element is +0.0 whatever `x` is (also for NaN and infinity);
//! - a kept NaN is passed through with its exact bits (GPUs replace a NaN
//!   operand by a canonical NaN, CPUs keep its payload: neither is used);
//! - a kept infinity stays infinite; a product past the type's range rounds
//!   to infinity.
//!
//! The backward pass is the same function applied to the gradient.
//!
//! [`bernoulli::threshold`]: super::bernoulli::threshold

use super::bernoulli;
use crate::error::Error;
use half::{bf16, f16};

/// The scale a kept element is multiplied by, in the two precisions the
/// definition uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DropoutScale {
    /// `1 / (1 - p)` in f64 (0 when p = 1, where nothing is kept).
    pub s64: f64,
    /// `s64` rounded to f32: the factor of f32, f16 and bf16 elements.
    pub s32: f32,
}

impl DropoutScale {
    /// The scale for drop probability `p` in [0, 1].
    pub fn new(p: f64) -> Result<DropoutScale, Error> {
        bernoulli::threshold(p)?; // the same domain check and message
        let s64 = if p == 1.0 { 0.0 } else { 1.0 / (1.0 - p) };
        Ok(DropoutScale {
            s64,
            s32: s64 as f32,
        })
    }
}

/// Whether an element whose u32 stream element is `x` is kept, for threshold
/// `t` in [0, 2^32] (from [`bernoulli::threshold`]): the Bernoulli element is 0.
#[inline(always)]
pub fn kept(x: u32, t: u64) -> bool {
    u64::from(x) >= t
}

/// True for a NaN's bits (f32).
#[inline(always)]
fn is_nan_f32(b: u32) -> bool {
    b & 0x7fff_ffff > 0x7f80_0000
}

/// Dropout of one f32 element.
#[inline(always)]
pub fn dropout_f32(x: f32, kept: bool, s: &DropoutScale) -> f32 {
    let y = if is_nan_f32(x.to_bits()) {
        x
    } else {
        x * s.s32
    };
    if kept { y } else { 0.0 }
}

/// Dropout of one f64 element.
#[inline(always)]
pub fn dropout_f64(x: f64, kept: bool, s: &DropoutScale) -> f64 {
    let y = if x.is_nan() { x } else { x * s.s64 };
    if kept { y } else { 0.0 }
}

/// Dropout of one f16 element, as bits.
#[inline(always)]
pub fn dropout_f16_bits(x: u16, kept: bool, s: &DropoutScale) -> u16 {
    if !kept {
        0
    } else if x & 0x7fff > 0x7c00 {
        x
    } else {
        f32_to_f16_bits(f16_bits_to_f32(x) * s.s32)
    }
}

/// Dropout of one bf16 element, as bits.
#[inline(always)]
pub fn dropout_bf16_bits(x: u16, kept: bool, s: &DropoutScale) -> u16 {
    if !kept {
        0
    } else if x & 0x7fff > 0x7f80 {
        x
    } else {
        f32_to_bf16_bits(f32::from_bits(u32::from(x) << 16) * s.s32)
    }
}

/// The f32 with the same value as the f16 `h` (exact; integer operations only,
/// so the device twin needs no half-precision support).
#[inline(always)]
pub fn f16_bits_to_f32(h: u16) -> f32 {
    let h = u32::from(h);
    let sign = (h & 0x8000) << 16;
    let exp = (h >> 10) & 0x1f;
    let man = h & 0x3ff;
    let bits = if exp == 0x1f {
        0x7f80_0000 | (man << 13) // infinity or NaN
    } else if exp != 0 {
        ((exp + 112) << 23) | (man << 13) // normal: rebias 15 -> 127
    } else if man == 0 {
        0
    } else {
        // Subnormal man * 2^-24 = 1.f * 2^(e - 24) with e = floor(log2(man)).
        let e = 31 - man.leading_zeros();
        ((e + 103) << 23) | ((man << (23 - e)) & 0x7f_ffff)
    };
    f32::from_bits(sign | bits)
}

/// The f32 `x` rounded to f16 (to nearest, ties to even; overflow to
/// infinity; subnormal results kept), as bits. NaN gives a quiet NaN with the
/// top payload bits.
#[inline(always)]
pub fn f32_to_f16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let a = b & 0x7fff_ffff;
    let mag = if a > 0x7f80_0000 {
        0x7e00 | ((a >> 13) & 0x3ff) as u16 // NaN, made quiet
    } else if a >= 0x477f_f000 {
        0x7c00 // 65520 and up (infinity included) round to infinity
    } else if a >= 0x3880_0000 {
        // Normal f16 (>= 2^-14): rebias 127 -> 15, round away 13 bits.
        let v = a - (112 << 23);
        ((v + 0xfff + ((v >> 13) & 1)) >> 13) as u16
    } else if a <= 0x3300_0000 {
        0 // at most 2^-25: rounds to zero (2^-25 itself is a tie, to even)
    } else {
        // Subnormal f16: round m * 2^(E - 150) to a multiple of 2^-24.
        let m = (a & 0x7f_ffff) | 0x80_0000;
        let shift = 126 - (a >> 23);
        let q = m >> shift;
        let rem = m & ((1 << shift) - 1);
        let half = 1 << (shift - 1);
        (q + u32::from(rem > half || (rem == half && q & 1 == 1))) as u16
    };
    sign | mag
}

/// The f32 `x` rounded to bf16 (to nearest, ties to even; overflow to
/// infinity), as bits. NaN gives a quiet NaN with the top payload bits.
#[inline(always)]
pub fn f32_to_bf16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    if is_nan_f32(b) {
        return ((b >> 16) | 0x40) as u16;
    }
    ((b + 0x7fff + ((b >> 16) & 1)) >> 16) as u16
}

/// A float type dropout is defined for: f32, f64, `half::f16`, `half::bf16`
/// (each plain bytes, any bit pattern valid: [`bytemuck::Pod`]).
pub trait DropoutElement: crate::dist::Element + bytemuck::Pod {
    /// Dropout of one element (see the module docs for the exact arithmetic).
    fn dropout(self, kept: bool, s: &DropoutScale) -> Self;
}

impl DropoutElement for f32 {
    #[inline(always)]
    fn dropout(self, kept: bool, s: &DropoutScale) -> f32 {
        dropout_f32(self, kept, s)
    }
}
impl DropoutElement for f64 {
    #[inline(always)]
    fn dropout(self, kept: bool, s: &DropoutScale) -> f64 {
        dropout_f64(self, kept, s)
    }
}
impl DropoutElement for f16 {
    #[inline(always)]
    fn dropout(self, kept: bool, s: &DropoutScale) -> f16 {
        f16::from_bits(dropout_f16_bits(self.to_bits(), kept, s))
    }
}
impl DropoutElement for bf16 {
    #[inline(always)]
    fn dropout(self, kept: bool, s: &DropoutScale) -> bf16 {
        bf16::from_bits(dropout_bf16_bits(self.to_bits(), kept, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_widening_is_exact_for_every_input() {
        for h in 0..=u16::MAX {
            let got = f16_bits_to_f32(h);
            let want = f16::from_bits(h).to_f32();
            if want.is_nan() {
                assert!(got.is_nan(), "{h:#06x}");
                assert_eq!(got.to_bits() & 0x7f_ffff, u32::from(h & 0x3ff) << 13);
            } else {
                assert_eq!(got.to_bits(), want.to_bits(), "{h:#06x}");
            }
        }
    }

    #[test]
    fn scale_is_one_over_one_minus_p() {
        let s = DropoutScale::new(0.1).unwrap();
        assert_eq!(s.s64, 1.0 / 0.9);
        assert_eq!(s.s32, (1.0f64 / 0.9) as f32);
        assert_eq!(DropoutScale::new(0.0).unwrap().s64, 1.0);
        assert_eq!(DropoutScale::new(1.0).unwrap().s64, 0.0);
        assert!(DropoutScale::new(1.5).is_err());
        assert!(DropoutScale::new(-0.0).is_ok());
        assert!(DropoutScale::new(f64::NAN).is_err());
    }

    #[test]
    fn dropped_is_positive_zero_and_nan_passes_through() {
        let s = DropoutScale::new(0.5).unwrap();
        for x in [f32::NAN, -1.0, f32::INFINITY, -0.0] {
            assert_eq!(dropout_f32(x, false, &s).to_bits(), 0);
        }
        let payload = f32::from_bits(0x7fc1_2345);
        assert_eq!(dropout_f32(payload, true, &s).to_bits(), 0x7fc1_2345);
        let snan = f32::from_bits(0xff80_0001);
        assert_eq!(dropout_f32(snan, true, &s).to_bits(), 0xff80_0001);
        assert_eq!(dropout_f16_bits(0x7d01, true, &s), 0x7d01);
        assert_eq!(dropout_bf16_bits(0xff81, true, &s), 0xff81);
        assert_eq!(dropout_f64(-0.0, true, &s).to_bits(), (-0.0f64).to_bits());
        assert_eq!(dropout_f32(f32::NEG_INFINITY, true, &s), f32::NEG_INFINITY);
        // 60000 * 2 = 120000 overflows f16 (max 65504).
        assert_eq!(
            dropout_f16_bits(f16::from_f32(60000.0).to_bits(), true, &s),
            0x7c00
        );
    }
}
