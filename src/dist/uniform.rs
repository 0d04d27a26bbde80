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
    // Exact: an 11-bit integer times a power of two fits f16's significand,
    // and every non-zero value (>= 2^-11) is a normal f16. So the f16 is the
    // f32's sign-free bits with the exponent rebased (127 - 15 = 112) and the
    // mantissa cut to 10 bits (the cut bits are zero): no rounding anywhere,
    // and no call into a float-conversion routine per element.
    let b = ((h >> 5) as f32 * (1.0 / 2048.0)).to_bits();
    let bits = if b == 0 {
        0
    } else {
        (((b >> 23) - 112) << 10) | ((b >> 13) & 0x3ff)
    };
    f16::from_bits(bits as u16)
}

/// Uniform bf16 from a 16-bit half `h`: `(h >> 8) * 2^-8`, one of 2^8 values.
#[inline(always)]
pub fn uniform_bf16(h: u16) -> bf16 {
    // Exact: 8 significant bits fit bf16, whose bits are the f32's top half.
    bf16::from_bits((((h >> 8) as f32 * (1.0 / 256.0)).to_bits() >> 16) as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bit-built 16-bit uniforms equal `half`'s rounding conversion of the
    /// exact value, for every input.
    #[test]
    fn half_uniforms_equal_the_converted_exact_value() {
        for h in 0..=u16::MAX {
            let f = uniform_f16(h);
            assert_eq!(f, f16::from_f32((h >> 5) as f32 / 2048.0), "h = {h:#x}");
            assert_eq!(f.to_f64(), (h >> 5) as f64 / 2048.0);
            let b = uniform_bf16(h);
            assert_eq!(b, bf16::from_f32((h >> 8) as f32 / 256.0), "h = {h:#x}");
            assert_eq!(b.to_f64(), (h >> 8) as f64 / 256.0);
        }
    }
}
