//! The independent exact reference for the reduction tests: every input
//! as an exact big integer (num-bigint), rounded back by a textbook
//! big-rational routine. Included by `#[path]` where a test needs it.
#![allow(dead_code)]
use cbrng::reduce::Float;
use half::{bf16, f16};
use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, Zero};

/// Scale: every term is an integer number of units of 2^-SCALE.
pub const SCALE: u32 = 2200;

/// A value as f64 (exact for every supported format).
pub fn as_f64<T: Float>(x: T) -> f64 {
    let b = x.to_bits_u64();
    match (T::BITS, T::EXP_BITS) {
        (64, _) => f64::from_bits(b),
        (32, _) => f32::from_bits(b as u32) as f64,
        (16, 5) => f16::from_bits(b as u16).to_f64(),
        _ => bf16::from_bits(b as u16).to_f64(),
    }
}

/// x * 2^SCALE as a big integer (x finite), from the f64 bits by hand.
pub fn units(x: f64) -> BigInt {
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    let (m, q) = if e == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), e - 1075)
    };
    let v = BigInt::from(m) << (q + SCALE as i64) as usize;
    if x.is_sign_negative() { -v } else { v }
}

/// Rounds the positive rational a / b to format (exp_bits, frac_bits),
/// nearest even; returns the encoding (no sign), saturating to +inf.
pub fn round_rational(a: &BigUint, b: &BigUint, exp_bits: u32, frac_bits: u32) -> u64 {
    let p = frac_bits as i64 + 1;
    let bias = (1i64 << (exp_bits - 1)) - 1;
    let emin = 1 - bias;
    // b * 2^e, for any sign of e, compared with a.
    let scaled = |e: i64| -> (BigUint, BigUint) {
        if e >= 0 {
            (a.clone(), b << e as usize)
        } else {
            (a << (-e) as usize, b.clone())
        }
    };
    // lead: 2^lead <= a/b < 2^(lead+1)
    let mut lead = a.bits() as i64 - b.bits() as i64;
    loop {
        let (x, y) = scaled(lead);
        if x < y {
            lead -= 1;
            continue;
        }
        let (x, y) = scaled(lead + 1);
        if x >= y {
            lead += 1;
            continue;
        }
        break;
    }
    let mut qe = (lead - (p - 1)).max(emin - (p - 1));
    let (x, y) = scaled(qe);
    let mut q = &x / &y;
    let r2 = (&x - &q * &y) * 2u32;
    if r2 > y || (r2 == y && q.bit(0)) {
        q += 1u32;
    }
    if q == BigUint::one() << p as usize {
        q = BigUint::one() << (p - 1) as usize;
        qe += 1;
    }
    if qe + p - 1 > bias {
        return ((1u64 << exp_bits) - 1) << frac_bits;
    }
    let q: u64 = q.try_into().unwrap();
    if q < 1 << (p - 1) {
        q
    } else {
        (((qe + p - 1 + bias) as u64) << frac_bits) | (q - (1 << (p - 1)))
    }
}

/// The reference result in format U of the signed rational n / (d * 2^SCALE);
/// zero gets the sign `zero_neg`.
pub fn reference<U: Float>(n: &BigInt, d: u64, zero_neg: bool) -> U {
    let sign = 1u64 << (U::BITS - 1);
    if n.is_zero() {
        return U::from_bits_u64(if zero_neg { sign } else { 0 });
    }
    let b = BigUint::from(d) << SCALE as usize;
    let bits = round_rational(n.magnitude(), &b, U::EXP_BITS, U::FRAC_BITS);
    U::from_bits_u64(bits | if n.sign() == Sign::Minus { sign } else { 0 })
}

pub fn exact_sum<T: Float>(xs: &[T]) -> BigInt {
    xs.iter().map(|&x| units(as_f64(x))).sum()
}
