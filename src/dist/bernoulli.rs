//! Bernoulli(p) as 0/1 bytes; the dropout rule (an element is dropped iff its
//! Bernoulli(p) is 1). CUDA twin: `kernels/cbrng/dist.cuh` (`cbrng_bernoulli`).

use crate::error::Error;

/// The threshold t(p) = p * 2^32 rounded half to even, for p in [0, 1]:
/// element i is 1 iff u32 element i < t(p). p = 1 gives t = 2^32 (always 1),
/// p = 0 gives t = 0 (never 1). Each p is exact to within 2^-33.
pub fn threshold(p: f64) -> Result<u64, Error> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::BadParameter {
            reason: format!("Bernoulli p = {p} is outside [0, 1]"),
        });
    }
    // Scaling by 2^32 is exact, so the only rounding is the one to an integer.
    Ok((p * 4_294_967_296.0).round_ties_even() as u64)
}

/// Bernoulli element from u32 element `x` and threshold `t` (from [`threshold`]).
#[inline(always)]
pub fn bernoulli(x: u32, t: u64) -> u8 {
    u8::from(u64::from(x) < t)
}
