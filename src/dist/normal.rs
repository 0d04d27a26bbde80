//! Standard normal deviates by inverse CDF, as pure functions of ONE stream element.
//!
//! # Algorithm
//!
//! Wichura's algorithm AS 241 (Applied Statistics 37(3), 1988, 477-484):
//! PPND7 (rational functions of degree 3/3, 3/2, 3/2; about 7 digits) in `f32`,
//! PPND16 (degree 7/7 everywhere; about 16 digits) in `f64`, with the published
//! decimal coefficients. The logarithm needed in the tails is our own
//! ([`ln_f32`], [`ln_f64`]), so that the whole computation uses only operations a
//! CUDA kernel reproduces bit for bit: `+ - * /` and `sqrt` (correctly rounded),
//! integer -> float conversion (round to nearest even), comparisons and bit
//! manipulation. No FMA, no libm, no contraction: every expression below is written
//! in the exact order in which it is evaluated, one rounding per operation.
//!
//! # Consumption
//!
//! `f32` normal element `i` consumes `u32` stream element `i` (exactly one);
//! `f64` normal element `i` consumes `u64` stream element `i` (exactly one).
//!
//! # Mapping (the contract; the CUDA twin implements exactly this)
//!
//! `f32`, from `x: u32`:
//! - sign `s = x >> 31` (1 = negative), `k = x & 0x7fff_ffff`,
//!   `q_int = 2k + 1` (odd, `1 ..= 2^32 - 1`, as `u32`);
//! - tail probability `q = (q_int as f32) * 2^-33` (the conversion rounds);
//! - distance from the centre `d = ((2^32 - q_int) as u32 as f32) * 2^-33`
//!   (`d = 1/2 - q` up to one rounding, computed from the integer, not by a float
//!   subtraction);
//! - `|z| = -Phi^{-1}(q)`: if `d <= 0.425` (the `f32` nearest to 0.425) the central
//!   rational `r = 0.180625 - d*d; |z| = (d * A(r)) / B(r)`; otherwise the tail:
//!   `r = sqrt(-ln(q))`; if `r <= 5`: `t = r - 1.6; |z| = C(t) / D(t)`, else
//!   `t = r - 5; |z| = E(t) / F(t)`;
//! - `z = -|z|` if `s == 1` else `|z|` (implemented by OR-ing the sign bit into the
//!   bits of `|z| > 0`, which is the same thing). The distribution is therefore
//!   exactly symmetric, and `z` is never 0 (`d >= 2^-33`).
//!
//! `f64`, from `x: u64`: sign from bit 63; `k = (x & (2^63 - 1)) >> 11` (52 bits;
//! the low 11 bits are ignored); `q_int = 2k + 1 < 2^53`;
//! `q = (q_int as f64) * 2^-54` and `d = ((2^53 - q_int) as f64) * 2^-54`, both
//! exact; then the same branches with the PPND16 coefficients in `f64`.
//!
//! In `f32` the `r > 5` branch is unreachable (`q >= 2^-33` gives
//! `r <= sqrt(33 ln 2) = 4.78`); it is kept so that both types follow one contract.
//!
//! # Accuracy (measured)
//!
//! Error of the returned value, in ulps of the result type, against the exact
//! `-Phi^{-1}(q)` of the *exact* `q` (not of the rounded float `q`), i.e. including
//! the rounding of `q`/`d` to `f32`, the truncation error of the approximations and
//! all arithmetic roundings. The ulp is that of the exact value's binade, so this is
//! a relative error, also near `z = 0`. Errors in ulps peak just below powers of two.
//!
//! | type | central (`d <= 0.425`) | tail `r <= 5` | tail `r > 5` | how measured |
//! |------|------------|------------|--------------|--------------|
//! | f32  | 6.12 ulp   | 5.57 ulp   | unreachable  | exhaustive: all 2^31 `k`, against PPND16 evaluated in f64 at the exact `q` |
//! | f64  | 6.05 ulp   | 5.28 ulp   | 3.19 ulp     | max over ~160 000 mpmath points, mostly `|z|` just below 0.5, 1, 2, 4, 8 |
//!
//! (On the committed `tests/data/normal_reference.txt`: f32 3.66 / 3.96 ulp, f64
//! 5.09 / 4.40 / 2.95 ulp.) The approximations themselves account for at most
//! 0.77 / 1.81 ulp (PPND7, f32) and 0.65 / 0.15 / 0.26 ulp (PPND16, f64); the rest is
//! the rounding of the ~15 (f32) or ~35 (f64) operations, mostly the Horner sums.
//! So f32 results are good to ~3.5e-7 relative and f64 results to ~7e-16.
//!
//! Monotonicity: |z| decreases with `k`, except for rounding noise: over all 2^31
//! f32 inputs, 491 310 neighbouring pairs (0.02 %) step the wrong way, by at most
//! 4 ulps (the central/tail switch included).
//!
//! The reference values come from `tests/data/gen_normal_reference.py` (mpmath,
//! 50 digits, independent of this code); `tests/normal_accuracy.rs` checks them.
//! [`ln_f32`] is within 0.858 ulp of the exact logarithm over all positive normal
//! `f32` (exhaustive); [`ln_f64`] within 0.818 ulp on 10^6 samples (vs mpmath).
//!
//! # Tail reach
//!
//! - `f32`: `q_min = 2^-33` (`k = 0`): largest `|z| = 6.3379583` (bits 0x40cad08e;
//!   exact 6.33795775455...); smallest `|z| = 2.9180994e-10` (`d = 2^-33`; exact
//!   2.91809937e-10). So `P(|z| > 6.338) = 0` where the true value is ~2.3e-10.
//! - `f64`: `q_min = 2^-54`: largest `|z| = 8.292361075813595` (bits
//!   0x402095b059d67c4c; exact 8.2923610758135955...); smallest
//!   `|z| = 1.3914582123358838e-16` (`d = 2^-54`).
//!
//! # Notes for the CUDA twin
//!
//! - Use `float` literals with an `f` suffix for the `f32` constants (a `double`
//!   literal converted to `float` rounds twice; no constant here happens to be
//!   affected, but do not rely on it); the unit test `constant_bits` pins the bit
//!   pattern of every constant.
//! - Keep every expression as written: Horner order, `(d * num) / den` (multiply
//!   first, then divide), `t = r - 1.6` with the rounded constant, the `ln` formula
//!   with its parentheses, `<=` in both branch tests (on `d`, then on `r`).
//! - `2^32 - q_int` is `0u - q_int` in `uint32_t`; the sign is applied by OR-ing the
//!   input's top bit into the bits of `|z|` (`__float_as_uint`/`__uint_as_float`).
//! - `/` and `sqrt` must be the IEEE ones (`__fdiv_rn`, `__fsqrt_rn`, `__ddiv_rn`,
//!   `__dsqrt_rn`, or `-prec-div=true -prec-sqrt=true`; never the approximate-math flag);
//!   compile with `-fmad=false`. Conversions: `__uint2float_rn`,
//!   `__ull2double_rn` (exact here), `__int2float_rn`/`__int2double_rn` (exact here).
#![allow(clippy::excessive_precision)] // the AS 241 coefficients are quoted as published

/// 2^-33, exact.
pub(crate) const TWO_POW_M33: f32 = f32::from_bits(0x2f00_0000);
/// 2^-54, exact.
pub(crate) const TWO_POW_M54: f64 = f64::from_bits(0x3c90_0000_0000_0000);

/// The largest `|z|` [`standard_normal_f32`] returns (at `k = 0`; `|z|`
/// falls as `k` grows): 6.3379583.
pub const Z_MAX_F32: f32 = f32::from_bits(0x40ca_d08e);
/// The largest `|z|` [`standard_normal_f64`] returns (at `k = 0`): 8.292361075813595.
pub const Z_MAX_F64: f64 = f64::from_bits(0x4020_95b0_59d6_7c4c);

/// Standard normal from one u32 stream element, in f32 arithmetic.
///
/// Inverse CDF (AS 241 PPND7) of the tail probability `q = (2k+1) * 2^-33`,
/// `k = x & 0x7fff_ffff`, negated when bit 31 of `x` is set; see the module
/// documentation for the exact mapping and the measured accuracy.
#[inline(always)]
pub fn standard_normal_f32(x: u32) -> f32 {
    let k = x & 0x7fff_ffff;
    let q_int = 2 * k + 1; // odd, <= 2^32 - 1: no overflow
    let q = (q_int as f32) * TWO_POW_M33;
    // 2^32 - q_int, in 1 ..= 2^32 - 1 (wrapping negation is exactly that).
    let d = (q_int.wrapping_neg() as f32) * TWO_POW_M33;
    let abs_z = abs_z_f32(q, d);
    // abs_z > 0, so OR-ing the sign bit is exactly the negation for s == 1.
    f32::from_bits(abs_z.to_bits() | (x & 0x8000_0000))
}

/// Standard normal from one u64 stream element, in f64 arithmetic.
///
/// Inverse CDF (AS 241 PPND16) of the tail probability `q = (2k+1) * 2^-54`,
/// `k = (x & (2^63 - 1)) >> 11`, negated when bit 63 of `x` is set; see the module
/// documentation for the exact mapping and the measured accuracy.
pub fn standard_normal_f64(x: u64) -> f64 {
    let k = (x & 0x7fff_ffff_ffff_ffff) >> 11;
    let q_int = 2 * k + 1; // odd, < 2^53: exact in f64
    let q = (q_int as f64) * TWO_POW_M54;
    let d = (((1u64 << 53) - q_int) as f64) * TWO_POW_M54; // exact
    let abs_z = abs_z_f64(q, d);
    f64::from_bits(abs_z.to_bits() | (x & 0x8000_0000_0000_0000))
}

// ---------------------------------------------------------------------------
// PPND7 (f32)
// ---------------------------------------------------------------------------

/// Central/tail switch on `d = |p - 1/2|` (AS 241 SPLIT1).
pub(crate) const SPLIT1_F32: f32 = 0.425;
/// Switch between the two tail approximations on `r` (AS 241 SPLIT2).
pub(crate) const SPLIT2_F32: f32 = 5.0;
/// 0.425^2 (AS 241 CONST1): `r = CONST1 - d*d` vanishes at the switch.
pub(crate) const CONST1_F32: f32 = 0.180625;
/// Centre of the first tail approximation (AS 241 CONST2).
pub(crate) const CONST2_F32: f32 = 1.6;

pub(crate) const A0_F32: f32 = 3.3871327179;
pub(crate) const A1_F32: f32 = 5.0434271938e1;
pub(crate) const A2_F32: f32 = 1.5929113202e2;
pub(crate) const A3_F32: f32 = 5.9109374720e1;
pub(crate) const B1_F32: f32 = 1.7895169469e1;
pub(crate) const B2_F32: f32 = 7.8757757664e1;
pub(crate) const B3_F32: f32 = 6.7187563600e1;

pub(crate) const C0_F32: f32 = 1.4234372777;
pub(crate) const C1_F32: f32 = 2.7568153900;
pub(crate) const C2_F32: f32 = 1.3067284816;
pub(crate) const C3_F32: f32 = 1.7023821103e-1;
pub(crate) const D1_F32: f32 = 7.3700164250e-1;
pub(crate) const D2_F32: f32 = 1.2021132975e-1;

pub(crate) const E0_F32: f32 = 6.6579051150;
pub(crate) const E1_F32: f32 = 3.0812263860;
pub(crate) const E2_F32: f32 = 4.2868294337e-1;
pub(crate) const E3_F32: f32 = 1.7337203997e-2;
pub(crate) const F1_F32: f32 = 2.4197894225e-1;
pub(crate) const F2_F32: f32 = 1.2258202635e-2;

/// `-Phi^{-1}(q)` for `0 < q < 1/2`, given `q` and `d = 1/2 - q` (each rounded
/// once from the exact value). `d` selects the branch and feeds the central
/// rational; `q` feeds the tail, where it is accurate in relative terms.
#[inline(always)]
fn abs_z_f32(q: f32, d: f32) -> f32 {
    if d <= SPLIT1_F32 {
        let r = CONST1_F32 - d * d;
        let num = ((A3_F32 * r + A2_F32) * r + A1_F32) * r + A0_F32;
        let den = ((B3_F32 * r + B2_F32) * r + B1_F32) * r + 1.0;
        (d * num) / den
    } else {
        let r = (-ln_f32(q)).sqrt();
        if r <= SPLIT2_F32 {
            let t = r - CONST2_F32;
            let num = ((C3_F32 * t + C2_F32) * t + C1_F32) * t + C0_F32;
            let den = (D2_F32 * t + D1_F32) * t + 1.0;
            num / den
        } else {
            // Unreachable from standard_normal_f32 (r <= 4.78); kept for the contract.
            let t = r - SPLIT2_F32;
            let num = ((E3_F32 * t + E2_F32) * t + E1_F32) * t + E0_F32;
            let den = (F2_F32 * t + F1_F32) * t + 1.0;
            num / den
        }
    }
}

// ---------------------------------------------------------------------------
// PPND16 (f64)
// ---------------------------------------------------------------------------

pub(crate) const SPLIT1_F64: f64 = 0.425;
pub(crate) const SPLIT2_F64: f64 = 5.0;
pub(crate) const CONST1_F64: f64 = 0.180625;
pub(crate) const CONST2_F64: f64 = 1.6;

pub(crate) const A0_F64: f64 = 3.3871328727963666080;
pub(crate) const A1_F64: f64 = 1.3314166789178437745e2;
pub(crate) const A2_F64: f64 = 1.9715909503065514427e3;
pub(crate) const A3_F64: f64 = 1.3731693765509461125e4;
pub(crate) const A4_F64: f64 = 4.5921953931549871457e4;
pub(crate) const A5_F64: f64 = 6.7265770927008700853e4;
pub(crate) const A6_F64: f64 = 3.3430575583588128105e4;
pub(crate) const A7_F64: f64 = 2.5090809287301226727e3;
pub(crate) const B1_F64: f64 = 4.2313330701600911252e1;
pub(crate) const B2_F64: f64 = 6.8718700749205790830e2;
pub(crate) const B3_F64: f64 = 5.3941960214247511077e3;
pub(crate) const B4_F64: f64 = 2.1213794301586595867e4;
pub(crate) const B5_F64: f64 = 3.9307895800092710610e4;
pub(crate) const B6_F64: f64 = 2.8729085735721942674e4;
pub(crate) const B7_F64: f64 = 5.2264952788528545610e3;

pub(crate) const C0_F64: f64 = 1.42343711074968357734;
pub(crate) const C1_F64: f64 = 4.63033784615654529590;
pub(crate) const C2_F64: f64 = 5.76949722146069140550;
pub(crate) const C3_F64: f64 = 3.64784832476320460504;
pub(crate) const C4_F64: f64 = 1.27045825245236838258;
pub(crate) const C5_F64: f64 = 2.41780725177450611770e-1;
pub(crate) const C6_F64: f64 = 2.27238449892691845833e-2;
pub(crate) const C7_F64: f64 = 7.74545014278341407640e-4;
pub(crate) const D1_F64: f64 = 2.05319162663775882187;
pub(crate) const D2_F64: f64 = 1.67638483018380384940;
pub(crate) const D3_F64: f64 = 6.89767334985100004550e-1;
pub(crate) const D4_F64: f64 = 1.48103976427480074590e-1;
pub(crate) const D5_F64: f64 = 1.51986665636164571966e-2;
pub(crate) const D6_F64: f64 = 5.47593808499534494600e-4;
pub(crate) const D7_F64: f64 = 1.05075007164441684324e-9;

pub(crate) const E0_F64: f64 = 6.65790464350110377720;
pub(crate) const E1_F64: f64 = 5.46378491116411436990;
pub(crate) const E2_F64: f64 = 1.78482653991729133580;
pub(crate) const E3_F64: f64 = 2.96560571828504891230e-1;
pub(crate) const E4_F64: f64 = 2.65321895265761230930e-2;
pub(crate) const E5_F64: f64 = 1.24266094738807843860e-3;
pub(crate) const E6_F64: f64 = 2.71155556874348757815e-5;
pub(crate) const E7_F64: f64 = 2.01033439929228813265e-7;
pub(crate) const F1_F64: f64 = 5.99832206555887937690e-1;
pub(crate) const F2_F64: f64 = 1.36929880922735805310e-1;
pub(crate) const F3_F64: f64 = 1.48753612908506148525e-2;
pub(crate) const F4_F64: f64 = 7.86869131145613259100e-4;
pub(crate) const F5_F64: f64 = 1.84631831751005468180e-5;
pub(crate) const F6_F64: f64 = 1.42151175831644588870e-7;
pub(crate) const F7_F64: f64 = 2.04426310338993978564e-15;

/// `-Phi^{-1}(q)` for `0 < q < 1/2`, given exact `q` and `d = 1/2 - q`.
fn abs_z_f64(q: f64, d: f64) -> f64 {
    if d <= SPLIT1_F64 {
        let r = CONST1_F64 - d * d;
        let num =
            ((((((A7_F64 * r + A6_F64) * r + A5_F64) * r + A4_F64) * r + A3_F64) * r + A2_F64) * r
                + A1_F64)
                * r
                + A0_F64;
        let den =
            ((((((B7_F64 * r + B6_F64) * r + B5_F64) * r + B4_F64) * r + B3_F64) * r + B2_F64) * r
                + B1_F64)
                * r
                + 1.0;
        (d * num) / den
    } else {
        let r = (-ln_f64(q)).sqrt();
        if r <= SPLIT2_F64 {
            let t = r - CONST2_F64;
            let num = ((((((C7_F64 * t + C6_F64) * t + C5_F64) * t + C4_F64) * t + C3_F64) * t
                + C2_F64)
                * t
                + C1_F64)
                * t
                + C0_F64;
            let den = ((((((D7_F64 * t + D6_F64) * t + D5_F64) * t + D4_F64) * t + D3_F64) * t
                + D2_F64)
                * t
                + D1_F64)
                * t
                + 1.0;
            num / den
        } else {
            let t = r - SPLIT2_F64;
            let num = ((((((E7_F64 * t + E6_F64) * t + E5_F64) * t + E4_F64) * t + E3_F64) * t
                + E2_F64)
                * t
                + E1_F64)
                * t
                + E0_F64;
            let den = ((((((F7_F64 * t + F6_F64) * t + F5_F64) * t + F4_F64) * t + F3_F64) * t
                + F2_F64)
                * t
                + F1_F64)
                * t
                + 1.0;
            num / den
        }
    }
}

// The natural logarithm (`ln_f32`, `ln_f64`) and its constants live in
// `exact_math`, with the crate's other elementary functions.
#[allow(unused_imports)] // the constants are used by the SIMD backends and the tests
pub(crate) use super::exact_math::{
    LG1_F32, LG1_F64, LG2_F32, LG2_F64, LG3_F32, LG3_F64, LG4_F32, LG4_F64, LG5_F64, LG6_F64,
    LG7_F64, LG8_F64, LG9_F64, LG10_F64, LN2_HI_F32, LN2_HI_F64, LN2_LO_F32, LN2_LO_F64,
    SQRT2_MANT_F32, SQRT2_MANT_F64,
};
pub use super::exact_math::{ln_f32, ln_f64};

#[cfg(test)]
mod tests {
    #[test]
    fn z_max_is_the_largest_output() {
        use super::*;
        assert_eq!(standard_normal_f32(0), Z_MAX_F32);
        assert_eq!(standard_normal_f32(0x8000_0000), -Z_MAX_F32);
        assert_eq!(standard_normal_f64(0), Z_MAX_F64);
        assert_eq!(standard_normal_f64(1 << 63), -Z_MAX_F64);
        // |z| never grows with k (sampled; the reversal tests cover every k).
        assert!((1..1 << 20).all(|k| standard_normal_f32(k).abs() <= Z_MAX_F32));
    }

    use super::*;

    /// Error of `got` in ulps of f32, against a (much more precise) f64 `exact`.
    /// The ulp is that of the binade of `exact`, so this is a relative measure.
    fn ulps_f32(got: f32, exact: f64) -> f64 {
        if exact == 0.0 {
            return if got == 0.0 { 0.0 } else { f64::INFINITY };
        }
        let ulp =
            f64::from_bits(exact.abs().to_bits() & 0x7ff0_0000_0000_0000) * f64::powi(2.0, -23);
        ((got as f64) - exact).abs() / ulp
    }

    /// Error of `got` in ulps of f64 against `reference` (itself rounded, so the
    /// result is only good to about +-0.5 ulp).
    fn ulps_f64(got: f64, reference: f64) -> f64 {
        if reference == 0.0 {
            return if got == 0.0 { 0.0 } else { f64::INFINITY };
        }
        let ulp =
            f64::from_bits(reference.abs().to_bits() & 0x7ff0_0000_0000_0000) * f64::powi(2.0, -52);
        (got - reference).abs() / ulp
    }

    /// A small deterministic generator (SplitMix64) for sampling inputs.
    struct SplitMix(u64);
    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    /// Bit patterns of every constant, for the CUDA twin to compare against (all
    /// literals round to these directly; none of the f32 ones changes when rounded
    /// via f64 first, but use `f`-suffixed literals anyway).
    #[test]
    fn constant_bits() {
        assert_eq!(TWO_POW_M33, 1.16415321826934814453125e-10);
        assert_eq!(TWO_POW_M54, 5.5511151231257827021181583404541015625e-17);
        // SQRT2_MANT_*: the largest float below sqrt(2) and the next one above it.
        assert!(f64::from(f32::from_bits(0x3f80_0000 | SQRT2_MANT_F32)) < std::f64::consts::SQRT_2);
        assert!(
            f64::from(f32::from_bits(0x3f80_0000 | (SQRT2_MANT_F32 + 1)))
                > std::f64::consts::SQRT_2
        );
        // std's f64 SQRT_2 (0x3ff6a09e667f3bcd) is the f64 just above the true sqrt(2).
        assert_eq!(
            f64::from_bits(0x3ff0_0000_0000_0000 | (SQRT2_MANT_F64 + 1)),
            std::f64::consts::SQRT_2
        );
        let f32_consts: [(f32, u32); 29] = [
            (SPLIT1_F32, 0x3ed9_999a),
            (SPLIT2_F32, 0x40a0_0000),
            (CONST1_F32, 0x3e38_f5c3),
            (CONST2_F32, 0x3fcc_cccd),
            (A0_F32, 0x4058_c6c8),
            (A1_F32, 0x4249_bcb2),
            (A2_F32, 0x431f_4a88),
            (A3_F32, 0x426c_7000),
            (B1_F32, 0x418f_294f),
            (B2_F32, 0x429d_83f9),
            (B3_F32, 0x4286_6008),
            (C0_F32, 0x3fb6_3331),
            (C1_F32, 0x4030_6faa),
            (C2_F32, 0x3fa7_42e1),
            (C3_F32, 0x3e2e_52ed),
            (D1_F32, 0x3f3c_ac24),
            (D2_F32, 0x3df6_315c),
            (E0_F32, 0x40d5_0d8f),
            (E1_F32, 0x4045_32d0),
            (E2_F32, 0x3edb_7c55),
            (E3_F32, 0x3c8e_06c1),
            (F1_F32, 0x3e77_c954),
            (F2_F32, 0x3c48_d6a1),
            (LN2_HI_F32, 0x3f31_7180),
            (LN2_LO_F32, 0x3717_f7d1),
            (LG1_F32, 0x3f2a_aaab),
            (LG2_F32, 0x3ecc_cccd),
            (LG3_F32, 0x3e92_4925),
            (LG4_F32, 0x3e63_8e39),
        ];
        for (i, &(c, bits)) in f32_consts.iter().enumerate() {
            assert_eq!(
                c.to_bits(),
                bits,
                "f32 constant #{i}: {c:e} = {:#010x}",
                c.to_bits()
            );
        }
        let f64_consts: [(f64, u64); 61] = [
            (SPLIT1_F64, 0x3fdb_3333_3333_3333),
            (SPLIT2_F64, 0x4014_0000_0000_0000),
            (CONST1_F64, 0x3fc7_1eb8_51eb_851f),
            (CONST2_F64, 0x3ff9_9999_9999_999a),
            (A0_F64, 0x400b_18d9_1e9e_ef75),
            (A1_F64, 0x4060_a488_8b1a_436e),
            (A2_F64, 0x409e_ce5d_2213_c0cc),
            (A3_F64, 0x40ca_d1d8_cd4e_e71d),
            (A4_F64, 0x40e6_6c3e_869b_752a),
            (A5_F64, 0x40f0_6c1c_55b7_8f20),
            (A6_F64, 0x40e0_52d2_6b2e_45e4),
            (A7_F64, 0x40a3_9a29_6f7d_925e),
            (B1_F64, 0x4045_281b_386e_1ab5),
            (B2_F64, 0x4085_797e_fdc8_b3f7),
            (B3_F64, 0x40b5_1232_2e75_c89f),
            (B4_F64, 0x40d4_b772_d5d6_5266),
            (B5_F64, 0x40e3_317c_aa64_f4be),
            (B6_F64, 0x40dc_0e45_7cb1_ae76),
            (B7_F64, 0x40b4_6a7e_ca98_4b69),
            (C0_F64, 0x3ff6_c665_fde9_526a),
            (C1_F64, 0x4012_8577_48ca_b19b),
            (C2_F64, 0x4017_13f7_1462_256a),
            (C3_F64, 0x400d_2ecb_1a3d_02c4),
            (C4_F64, 0x3ff4_53cc_0853_75b2),
            (C5_F64, 0x3fce_f2ab_b9b8_5c37),
            (C6_F64, 0x3f97_44eb_6c45_ec67),
            (C7_F64, 0x3f49_615a_c0b7_ace9),
            (D1_F64, 0x4000_6cef_bb46_a449),
            (D2_F64, 0x3ffa_d278_e652_6633),
            (D3_F64, 0x3fe6_1292_f233_85c9),
            (D4_F64, 0x3fc2_f512_3394_f040),
            (D5_F64, 0x3f8f_207a_7eab_17bf),
            (D6_F64, 0x3f41_f18c_bfdf_2728),
            (D7_F64, 0x3e12_0d3f_6864_39e4),
            (E0_F64, 0x401a_a1b1_c13e_e526),
            (E1_F64, 0x4015_daea_6e87_5003),
            (E2_F64, 0x3ffc_8ea6_461f_a445),
            (E3_F64, 0x3fd2_fad9_3152_55cf),
            (E4_F64, 0x3f9b_2b41_193b_4ee7),
            (E5_F64, 0x3f54_5c19_0842_5345),
            (E6_F64, 0x3efc_6ec6_cc59_e02a),
            (E7_F64, 0x3e8a_fb74_d693_bf93),
            (F1_F64, 0x3fe3_31d3_4fc7_d77f),
            (F2_F64, 0x3fc1_86eb_1834_43fb),
            (F3_F64, 0x3f8e_76f9_3215_462a),
            (F4_F64, 0x3f49_c8bc_979d_c5d7),
            (F5_F64, 0x3ef3_5c2c_4963_74bf),
            (F6_F64, 0x3e83_1446_f740_b9e0),
            (F7_F64, 0x3ce2_69bf_f1f8_c190),
            (LN2_HI_F64, 0x3fe6_2e42_fee0_0000),
            (LN2_LO_F64, 0x3dea_39ef_3579_3c76),
            (LG1_F64, 0x3fe5_5555_5555_5555),
            (LG2_F64, 0x3fd9_9999_9999_999a),
            (LG3_F64, 0x3fd2_4924_9249_2492),
            (LG4_F64, 0x3fcc_71c7_1c71_c71c),
            (LG5_F64, 0x3fc7_45d1_745d_1746),
            (LG6_F64, 0x3fc3_b13b_13b1_3b14),
            (LG7_F64, 0x3fc1_1111_1111_1111),
            (LG8_F64, 0x3fbe_1e1e_1e1e_1e1e),
            (LG9_F64, 0x3fba_f286_bca1_af28),
            (LG10_F64, 0x3fb8_6186_1861_8618),
        ];
        for (i, &(c, bits)) in f64_consts.iter().enumerate() {
            assert_eq!(
                c.to_bits(),
                bits,
                "f64 constant #{i}: {c:e} = {:#018x}",
                c.to_bits()
            );
        }
    }

    #[test]
    fn symmetry_f32() {
        let mut g = SplitMix(1);
        let mut xs: Vec<u32> = (0..100_000).map(|_| g.next() as u32).collect();
        xs.extend([0, 1, 0x7fff_ffff, 0x4000_0000]);
        for x in xs {
            let a = standard_normal_f32(x);
            let b = standard_normal_f32(x ^ 0x8000_0000);
            assert_eq!(a, -b, "x = {x:#010x}");
            assert!(a != 0.0 && a.is_finite());
            assert_eq!(a < 0.0, x >> 31 == 1);
        }
    }

    #[test]
    fn symmetry_f64() {
        let mut g = SplitMix(2);
        let mut xs: Vec<u64> = (0..100_000).map(|_| g.next()).collect();
        xs.extend([0, 1, 0x7fff_ffff_ffff_ffff, 0x4000_0000_0000_0000]);
        for x in xs {
            let a = standard_normal_f64(x);
            let b = standard_normal_f64(x ^ 0x8000_0000_0000_0000);
            assert_eq!(a, -b, "x = {x:#018x}");
            assert!(a != 0.0 && a.is_finite());
            assert_eq!(a < 0.0, x >> 63 == 1);
        }
    }

    #[test]
    fn low_bits_ignored_f64() {
        let mut g = SplitMix(3);
        for _ in 0..10_000 {
            let x = g.next();
            assert_eq!(standard_normal_f64(x), standard_normal_f64(x & !0x7ff));
        }
    }

    /// Largest growth of |z| (in ulps, i.e. bit-pattern steps, as |z| > 0) from one
    /// k to the next along `ks`; 0 if |z| never grows.
    fn max_reversal_f32(ks: impl Iterator<Item = u32>) -> u32 {
        let mut prev = f32::INFINITY.to_bits();
        let mut worst = 0;
        for k in ks {
            let z = standard_normal_f32(k).to_bits();
            worst = worst.max(z.saturating_sub(prev));
            prev = z;
        }
        worst
    }

    fn max_reversal_f64(ks: impl Iterator<Item = u64>) -> u64 {
        let mut prev = f64::INFINITY.to_bits();
        let mut worst = 0;
        for k in ks {
            let z = standard_normal_f64(k << 11).to_bits();
            worst = worst.max(z.saturating_sub(prev));
            prev = z;
        }
        worst
    }

    /// |z| does not increase with k (q increases) on a stride through the whole
    /// range, where the true decrease between samples dwarfs rounding noise. Between
    /// neighbouring k, floating-point rounding (and the meeting of two different
    /// approximations at a branch switch) can make |z| grow by a few ulps: bound that
    /// on every k in windows at both ends and around the switches (the exhaustive
    /// f32 test finds at most 4 ulps anywhere).
    #[test]
    fn monotone_in_k_f32() {
        assert_eq!(max_reversal_f32((0..=0x7fff_ffffu32).step_by(997)), 0);
        let k_switch = 322_122_547; // d = 0.425 <=> k ~ 0.075 * 2^32
        let windows = [
            0..200_000,
            0x7fff_ffff - 200_000..0x7fff_ffff,
            k_switch - 200_000..k_switch + 200_000,
        ];
        for w in windows {
            let rev = max_reversal_f32(w.clone());
            assert!(rev <= 4, "{w:?}: |z| grows by {rev} ulp");
        }
    }

    #[test]
    fn monotone_in_k_f64() {
        assert_eq!(max_reversal_f64((0..1u64 << 52).step_by(4_503_599_627)), 0);
        let k_central = (0.075 * (1u64 << 53) as f64) as u64; // d = 0.425
        let k_r5 = ((-25.0f64).exp() * (1u64 << 53) as f64) as u64; // r = 5
        let windows = [
            0..200_000,
            (1u64 << 52) - 200_000..1u64 << 52,
            k_central - 200_000..k_central + 200_000,
            k_r5 - 100_000..k_r5 + 100_000, // k_r5 ~ 125_000
        ];
        for w in windows {
            let rev = max_reversal_f64(w.clone());
            println!("{w:?}: max reversal {rev} ulp");
            assert!(rev <= 4, "{w:?}: |z| grows by {rev} ulp");
        }
    }

    /// Spot values against the exact quantiles (mpmath): the extremes.
    #[test]
    fn extremes() {
        assert!(ulps_f32(standard_normal_f32(0), 6.337957754553789252) < 3.0);
        assert!(ulps_f32(standard_normal_f32(0xffff_ffff), -2.918099372916622672e-10) < 3.0);
        assert!(ulps_f64(standard_normal_f64(0), 8.292361075813595538) < 4.0);
        assert!(ulps_f64(standard_normal_f64(u64::MAX), -1.391458212335883461e-16) < 4.0);
    }

    /// The r > 5 branch of PPND7 is unreachable from the sampler; check it directly
    /// against PPND16 so it is not dead untested code.
    #[test]
    fn ppnd7_far_tail_branch() {
        for i in 0..1000 {
            let q = f64::powi(2.0, -40) * (1.0 + i as f64 / 100.0); // r in (5.1, 5.3)
            let z32 = abs_z_f32(q as f32, (0.5 - q) as f32);
            let z64 = abs_z_f64(q, 0.5 - q);
            assert!(
                (z32 as f64 - z64).abs() < 2e-6 * z64,
                "q = {q:e}: {z32} vs {z64}"
            );
        }
    }

    #[test]
    fn ln_exact_points() {
        assert_eq!(ln_f32(1.0), 0.0);
        assert_eq!(ln_f64(1.0), 0.0);
        assert_eq!(ln_f32(2.0), std::f32::consts::LN_2);
        assert_eq!(ln_f64(2.0), std::f64::consts::LN_2);
        assert_eq!(ln_f64(0.5), -std::f64::consts::LN_2);
    }

    /// ln_f32 against the f64 logarithm (error ~2^-29 f32 ulp), within 1 ulp.
    #[test]
    fn ln_f32_within_one_ulp() {
        let mut g = SplitMix(4);
        let mut worst = 0.0f64;
        let mut check = |x: f32| {
            let err = ulps_f32(ln_f32(x), (x as f64).ln());
            assert!(err <= 1.0, "x = {x:e}: {err} ulp");
            worst = worst.max(err);
        };
        // Every f32 in [0.5, 2) (covers all mantissas, both sides of the fold) ...
        for bits in 0x3f00_0000u32..0x4000_0000 {
            check(f32::from_bits(bits));
        }
        // ... and random positive normals, and the sampler's range [2^-33, 0.075].
        for _ in 0..1_000_000 {
            let bits = (g.next() as u32) % (0x7f80_0000 - 0x0080_0000) + 0x0080_0000;
            check(f32::from_bits(bits));
        }
        for _ in 0..1_000_000 {
            let x = f32::from_bits((g.next() as u32) % (0x3d99_999a - 0x2f00_0000) + 0x2f00_0000);
            check(x);
        }
        println!("ln_f32: max {worst:.3} ulp vs f64 ln");
    }

    /// ln_f64 against std's ln. Both are faithful (error < 1 ulp: ours 0.82 ulp
    /// measured, std's ~0.5), so both are one of the two floats around the exact
    /// value and must be at most one bit pattern apart.
    #[test]
    fn ln_f64_within_one_ulp_of_std() {
        let mut g = SplitMix(5);
        let mut differ = 0u64;
        let mut check = |x: f64| {
            let (got, want) = (ln_f64(x), x.ln());
            let apart = got.to_bits().abs_diff(want.to_bits());
            assert!(
                apart <= 1 && got.signum() == want.signum(),
                "x = {x:e}: {got:e} vs std {want:e}"
            );
            differ += apart;
        };
        for _ in 0..2_000_000 {
            // positive normals, all exponents
            let bits =
                g.next() % (0x7ff0_0000_0000_0000 - 0x0010_0000_0000_0000) + 0x0010_0000_0000_0000;
            check(f64::from_bits(bits));
        }
        for _ in 0..2_000_000 {
            // [0.5, 2): e in {-1, 0}, where the absolute error of ln matters most
            check(f64::from_bits(g.next() % (1 << 53) + 0x3fe0_0000_0000_0000));
        }
        for _ in 0..1_000_000 {
            // the sampler's range [2^-54, 0.075]
            check(f64::from_bits(
                g.next() % (0x3fb3_3333_3333_3333 - 0x3c90_0000_0000_0000) + 0x3c90_0000_0000_0000,
            ));
        }
        println!("ln_f64: differs from std ln (by 1 ulp) on {differ} of 5e6 inputs");
    }

    /// Exhaustive check of the f32 sampler over all 2^31 values of k (the sign is
    /// symmetric): error against PPND16 in f64 evaluated at the *exact* q (whose own
    /// error is ~1e-7 f32 ulp), and the size of the non-monotone steps (|z| should
    /// not grow with k; rounding noise makes it do so by a few ulps in places).
    /// About a minute in release mode:
    /// `cargo test --release --lib -- --ignored exhaustive_f32 --nocapture`.
    #[test]
    #[ignore]
    fn exhaustive_f32() {
        #[derive(Default, Clone, Copy, Debug)]
        struct Stats {
            central: (f64, u32), // (max ulp error, at k)
            tail: (f64, u32),
            reversals: u64,           // steps k -> k+1 where |z| grows
            max_reversal: (u32, u32), // (ulps, at k)
        }
        fn merge(a: Stats, b: Stats) -> Stats {
            let max_by = |x: (f64, u32), y: (f64, u32)| if y.0 > x.0 { y } else { x };
            Stats {
                central: max_by(a.central, b.central),
                tail: max_by(a.tail, b.tail),
                reversals: a.reversals + b.reversals,
                max_reversal: if b.max_reversal.0 > a.max_reversal.0 {
                    b.max_reversal
                } else {
                    a.max_reversal
                },
            }
        }
        const THREADS: u32 = 4;
        let chunk = (1u32 << 31) / THREADS;
        let st = std::thread::scope(|sc| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    sc.spawn(move || {
                        let mut st = Stats::default();
                        let start = t * chunk;
                        let mut prev = if start == 0 {
                            f32::INFINITY
                        } else {
                            standard_normal_f32(start - 1)
                        };
                        for k in start..start + chunk {
                            let z = standard_normal_f32(k);
                            let q_int = 2 * k + 1;
                            let q = q_int as f64 * f64::powi(2.0, -33);
                            let d = ((1u64 << 32) - q_int as u64) as f64 * f64::powi(2.0, -33);
                            let err = ulps_f32(z, abs_z_f64(q, d));
                            let central = (q_int.wrapping_neg() as f32) * TWO_POW_M33 <= SPLIT1_F32;
                            let w = if central {
                                &mut st.central
                            } else {
                                &mut st.tail
                            };
                            if err > w.0 {
                                *w = (err, k);
                            }
                            if z > prev {
                                st.reversals += 1;
                                let ulps = z.to_bits() - prev.to_bits();
                                if ulps > st.max_reversal.0 {
                                    st.max_reversal = (ulps, k);
                                }
                            }
                            prev = z;
                        }
                        st
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .fold(Stats::default(), merge)
        });
        println!("f32 exhaustive: {st:?}");
        assert!(st.central.0 <= 6.5 && st.tail.0 <= 6.0, "{st:?}");
        assert!(st.max_reversal.0 <= 4, "{st:?}");
    }

    /// Exhaustive check of ln_f32 over all positive normal f32 against the f64 log.
    /// `cargo test --release --lib -- --ignored exhaustive_ln_f32 --nocapture`.
    #[test]
    #[ignore]
    fn exhaustive_ln_f32() {
        const THREADS: u32 = 4;
        let (lo, hi) = (0x0080_0000u32, 0x7f80_0000u32);
        let chunk = (hi - lo).div_ceil(THREADS);
        let worst = std::thread::scope(|sc| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    sc.spawn(move || {
                        let mut w = (0.0f64, 0u32);
                        for bits in lo + t * chunk..(lo + (t + 1) * chunk).min(hi) {
                            let x = f32::from_bits(bits);
                            let err = ulps_f32(ln_f32(x), (x as f64).ln());
                            if err > w.0 {
                                w = (err, bits);
                            }
                        }
                        w
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .fold((0.0f64, 0u32), |a, b| if b.0 > a.0 { b } else { a })
        });
        println!(
            "ln_f32 exhaustive: max {:.4} ulp at x = {:e}",
            worst.0,
            f32::from_bits(worst.1)
        );
        assert!(worst.0 < 1.0);
    }
}
