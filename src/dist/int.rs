//! Bounded integers in [lo, hi) by multiply-shift (Lemire) without rejection,
//! so element i always consumes the same stream elements and slices work.
//! CUDA twin: `kernels/cbrng/dist.cuh` (`cbrng_int_*`).
//!
//! With a k-bit uniform input x and range size r, the result is
//! lo + floor(x * r / 2^k). Each of the r values is hit by floor(2^k / r) or
//! ceil(2^k / r) inputs, so its probability differs from 1/r by less than
//! 2^-k: k = 32 for u8 output (one u32 element), 64 for u32 output (one u64
//! element), 128 for u64 output (two u64 elements, 2i low and 2i+1 high).
//!
//! Signed outputs (i32, i64) take the offset t = floor(x * r / 2^k) of the
//! unsigned output of the same width with lo = 0 (so they read the same
//! stream elements) and return lo + t. The sum is exact: 0 <= t < r =
//! hi - lo, so lo <= lo + t < hi, inside the type (checked by
//! [`crate::dist::Distribution::prepare`]). It is formed with a two's
//! complement (wrapping) add, which equals the exact sum whenever that sum
//! fits the type, as it does here; the CUDA kernels do the same add in
//! unsigned arithmetic.

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

/// i32 element from u64 element `x`: `lo + t`, t = [`int_u32`]`(x, 0, r)`;
/// `r = hi - lo` in 1..=2^32 with `lo + r <= 2^31`.
#[inline(always)]
pub fn int_i32(x: u64, lo: i32, r: u64) -> i32 {
    // t < r <= 2^32 fits a u32; as i32 it is t - 2^32 when t >= 2^31, which
    // the wrapping add turns back into lo + t (mod 2^32, so exactly).
    lo.wrapping_add(int_u32(x, 0, r) as i32)
}

/// i64 element from u64 elements `lo_word` (2i) and `hi_word` (2i+1):
/// `lo + t`, t = [`int_u64`]`(lo_word, hi_word, 0, r)`; `r = hi - lo` in
/// 1..=2^64 with `lo + r <= 2^63`.
#[inline(always)]
pub fn int_i64(lo_word: u64, hi_word: u64, lo: i64, r: u128) -> i64 {
    lo.wrapping_add(int_u64(lo_word, hi_word, 0, r) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At the edges of each signed type (full ranges, ranges touching MIN and
    /// MAX) and for inputs at 0, 2^(k-1) and the largest, the signed element
    /// equals lo + floor(x * r / 2^k) computed exactly in i128/wide integers,
    /// and lies in [lo, hi).
    #[test]
    fn signed_elements_are_exact_at_the_edges() {
        let xs64 = [
            0u64,
            1,
            1 << 31,
            1 << 32,
            1 << 63,
            (1 << 63) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        let (min32, end32) = (i128::from(i32::MIN), i128::from(i32::MAX) + 1);
        for (lo, hi) in [
            (min32, end32),
            (min32, min32 + 1),
            (min32, 0),
            (end32 - 1, end32),
            (-1, end32),
            (-5, 5),
            (0, end32),
        ] {
            let r = (hi - lo) as u64;
            for x in xs64 {
                let want = lo + ((u128::from(x) * u128::from(r)) >> 64) as i128;
                let got = int_i32(x, lo as i32, r);
                assert_eq!(i128::from(got), want, "[{lo}, {hi}) x {x:#x}");
                assert!((lo..hi).contains(&want));
            }
        }
        let (min64, end64) = (i128::from(i64::MIN), i128::from(i64::MAX) + 1);
        for (lo, hi) in [
            (min64, end64),
            (min64, min64 + 1),
            (min64, 0),
            (end64 - 1, end64),
            (-1, end64),
            (-7, 123_456_789_012),
            (0, end64),
        ] {
            let r = (hi - lo) as u128;
            for &a in &xs64 {
                for &b in &xs64 {
                    // floor((b 2^64 + a) r / 2^128) by long multiplication in
                    // 64-bit limbs: r <= 2^64, so r = rh 2^64 + rl, rh in {0, 1}.
                    let (rl, rh) = (r as u64, (r >> 64) as u64);
                    let t = if rh == 1 {
                        i128::from(b)
                    } else {
                        let low = (u128::from(a) * u128::from(rl)) >> 64;
                        ((u128::from(b) * u128::from(rl) + low) >> 64) as i128
                    };
                    let want = lo + t;
                    assert_eq!(
                        i128::from(int_i64(a, b, lo as i64, r)),
                        want,
                        "[{lo}, {hi})"
                    );
                    assert!((lo..hi).contains(&want));
                }
            }
        }
    }
}
