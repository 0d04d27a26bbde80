//! Exact-sum states at their limits (issue 18, defect 2): random and extreme
//! states, read from bytes or made from terms, merged in random trees, against
//! an exact big-integer reference (value in units of 2^-2176, count, flags).
//! A merge is exact or `Error::Overflow`; a state read is one whose merges
//! read back; the finished f64 is the correctly rounded reference value.
mod common;
use cbrng::Error;
use cbrng::reduce::{Accumulator, DEVICE_STATE_WORDS, MAX_TERMS};
use common::SplitMix;
use num_bigint::{BigInt, Sign};
use num_traits::{One, Signed, ToPrimitive, Zero};

const OFFSET: u32 = 2176;
const NAN: u8 = 1;
const POS_INF: u8 = 2;
const NEG_INF: u8 = 4;
const NOT_NEG_ZERO: u8 = 8;

/// The reference state: exact value in units of 2^-2176, count, flags.
#[derive(Clone, Debug, PartialEq)]
struct Ref {
    value: BigInt,
    count: u128,
    flags: u8,
}

impl Ref {
    fn empty() -> Ref {
        Ref {
            value: BigInt::zero(),
            count: 0,
            flags: 0,
        }
    }
    /// Largest |value| + 1 the count allows: (count - specials) * 2^2048.
    fn bound(count: u64, flags: u8) -> BigInt {
        let specials = (flags & (NAN | POS_INF | NEG_INF)).count_ones() as u64;
        BigInt::from(count - specials) << (2048 + OFFSET)
    }
}

/// (negative, significand, exponent) of a finite f64: |x| = m * 2^e.
fn decode(x: f64) -> (bool, u64, i32) {
    let b = x.to_bits();
    let (neg, e, f) = (
        b >> 63 == 1,
        ((b >> 52) & 0x7ff) as i32,
        b & ((1 << 52) - 1),
    );
    if e == 0 {
        (neg, f, -1074)
    } else {
        (neg, f | (1 << 52), e - 1075)
    }
}

fn exact(neg: bool, m: BigInt, e: i32) -> BigInt {
    let v = m << (e + OFFSET as i32) as usize;
    if neg { -v } else { v }
}

impl Ref {
    fn add(&mut self, x: f64) {
        self.count += 1;
        if x.is_nan() {
            self.flags |= NAN | NOT_NEG_ZERO;
        } else if x.is_infinite() {
            self.flags |= NOT_NEG_ZERO | if x < 0.0 { NEG_INF } else { POS_INF };
        } else if x == 0.0 {
            if x.is_sign_positive() {
                self.flags |= NOT_NEG_ZERO;
            }
        } else {
            self.flags |= NOT_NEG_ZERO;
            let (n, m, e) = decode(x);
            self.value += exact(n, BigInt::from(m), e);
        }
    }
    fn add_product(&mut self, a: f64, b: f64) {
        self.count += 1;
        let neg = a.is_sign_negative() ^ b.is_sign_negative();
        if a.is_nan()
            || b.is_nan()
            || (a.is_infinite() && b == 0.0)
            || (a == 0.0 && b.is_infinite())
        {
            self.flags |= NAN | NOT_NEG_ZERO;
        } else if a.is_infinite() || b.is_infinite() {
            self.flags |= NOT_NEG_ZERO | if neg { NEG_INF } else { POS_INF };
        } else if a == 0.0 || b == 0.0 {
            if !neg {
                self.flags |= NOT_NEG_ZERO;
            }
        } else {
            self.flags |= NOT_NEG_ZERO;
            let ((_, m1, e1), (_, m2, e2)) = (decode(a), decode(b));
            self.value += exact(neg, BigInt::from(m1) * BigInt::from(m2), e1 + e2);
        }
    }
    fn merge(&mut self, o: &Ref) {
        self.value += &o.value;
        self.count += o.count;
        self.flags |= o.flags;
    }

    /// The state's bytes (format version 1), written from the reference.
    fn to_bytes(&self) -> Vec<u8> {
        let (sign, mag) = self.value.to_u32_digits();
        let lo = mag.iter().position(|&d| d != 0).unwrap_or(0);
        let digits = &mag[lo..];
        let mut b = b"CBRNGACC".to_vec();
        b.extend_from_slice(&1u16.to_le_bytes());
        b.push(self.flags);
        b.push(u8::from(sign == Sign::Minus));
        b.extend_from_slice(&(self.count as u64).to_le_bytes());
        b.extend_from_slice(&(if digits.is_empty() { 0 } else { lo as u16 }).to_le_bytes());
        b.extend_from_slice(&(digits.len() as u16).to_le_bytes());
        for d in digits {
            b.extend_from_slice(&d.to_le_bytes());
        }
        b
    }

    /// The exact sum rounded to f64 (nearest, ties to even): written here
    /// from the integer, sharing nothing with the crate's rounding.
    fn finish_f64(&self) -> f64 {
        let (nan, pos, negi) = (
            self.flags & NAN != 0,
            self.flags & POS_INF != 0,
            self.flags & NEG_INF != 0,
        );
        if nan || (pos && negi) {
            return f64::NAN;
        }
        if pos {
            return f64::INFINITY;
        }
        if negi {
            return f64::NEG_INFINITY;
        }
        if self.value.is_zero() {
            return if self.count > 0 && self.flags & NOT_NEG_ZERO == 0 {
                -0.0
            } else {
                0.0
            };
        }
        let n = self.value.abs();
        let lead = n.bits() as i64 - 1 - i64::from(OFFSET);
        let mut qe = (lead - 52).max(-1074);
        let shift = (qe + i64::from(OFFSET)) as usize;
        let mut m = (&n >> shift).to_u64().unwrap();
        let rem = &n - (BigInt::from(m) << shift);
        let half = BigInt::one() << (shift - 1);
        if rem > half || (rem == half && m & 1 == 1) {
            m += 1;
        }
        if m == 1 << 53 {
            m = 1 << 52;
            qe += 1;
        }
        let bits = if m < 1 << 52 {
            m
        } else {
            let biased = qe + 52 + 1023;
            if biased >= 2047 {
                0x7ff << 52
            } else {
                ((biased as u64) << 52) | (m - (1 << 52))
            }
        };
        let x = f64::from_bits(bits);
        if self.value.is_negative() { -x } else { x }
    }
}

impl SplitMix {
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A float that is often extreme: the largest, the smallest subnormal,
    /// zeros, infinities, NaN, or random bits.
    fn float(&mut self) -> f64 {
        match self.below(12) {
            0 => f64::MAX,
            1 => -f64::MAX,
            2 => f64::from_bits(1),
            3 => -0.0,
            4 => 0.0,
            5 if self.below(8) == 0 => f64::INFINITY,
            6 if self.below(8) == 0 => f64::NEG_INFINITY,
            7 if self.below(16) == 0 => f64::NAN,
            8 => f64::MIN_POSITIVE,
            _ => loop {
                let x = f64::from_bits(self.next());
                if x.is_finite() {
                    break x;
                }
            },
        }
    }
    /// A count, often near the limit.
    fn count(&mut self) -> u64 {
        match self.below(6) {
            0 => MAX_TERMS,
            1 => MAX_TERMS / 2 + self.below(3),
            2 => 1 + self.below(MAX_TERMS),
            3 => MAX_TERMS - self.below(4),
            _ => 1 + self.below(1000),
        }
    }
}

/// A random state: made from terms, or forged as bytes with a count near
/// the limit and a magnitude near its bound (each accepted as valid).
fn random_state(g: &mut SplitMix) -> (Accumulator, Ref) {
    let mut r = Ref::empty();
    if g.below(2) == 0 {
        let mut a = Accumulator::new();
        for _ in 0..g.below(6) {
            if g.below(2) == 0 {
                let x = g.float();
                a.add(x);
                r.add(x);
            } else {
                let (x, y) = (g.float(), g.float());
                a.add_product(x, y);
                r.add_product(x, y);
            }
        }
        return (a, r);
    }
    let count = g.count();
    let mut flags = NOT_NEG_ZERO;
    for f in [NAN, POS_INF, NEG_INF] {
        if g.below(8) == 0 {
            flags |= f;
        }
    }
    let bound = Ref::bound(count, flags);
    let value = match g.below(4) {
        0 => &bound - 1, // the largest magnitude allowed
        1 => BigInt::zero(),
        2 => &bound >> (g.below(4300) as usize),
        _ => BigInt::from(g.next()) << ((g.below(4200) as usize) % (bound.bits() as usize).max(1)),
    };
    let value = value.min(&bound - 1);
    r = Ref {
        value: if g.below(2) == 0 { -value } else { value },
        count: count.into(),
        flags,
    };
    let a = Accumulator::from_bytes(&r.to_bytes())
        .unwrap_or_else(|e| panic!("a valid state was refused: {e} ({r:?})"));
    (a, r)
}

fn check_same(a: &Accumulator, r: &Ref, what: &str) {
    assert_eq!(
        a.to_bytes(),
        r.to_bytes(),
        "{what}: state differs from the reference"
    );
    assert_eq!(u128::from(a.count()), r.count, "{what}");
    let (got, want) = (a.finish::<f64>(), r.finish_f64());
    assert!(
        got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
        "{what}: finish {got:e}, reference {want:e}"
    );
    if want > 0.0 {
        assert!(
            a.finish_sqrt::<f64>() > 0.0,
            "{what}: sqrt of a positive sum"
        );
    }
    // What a merge makes, reads back.
    assert_eq!(
        &Accumulator::from_bytes(&a.to_bytes()).unwrap(),
        a,
        "{what}: read back"
    );
}

#[test]
fn random_and_extreme_states_merge_in_random_trees_exactly_or_overflow() {
    let mut g = SplitMix(18);
    let (mut merges, mut overflows) = (0, 0);
    for round in 0..400 {
        let n = 2 + g.below(10) as usize;
        let mut nodes: Vec<(Accumulator, Ref)> = (0..n).map(|_| random_state(&mut g)).collect();
        for (a, r) in &nodes {
            check_same(a, r, "a state made");
        }
        // A random tree: merge a random node into another until one is left.
        while nodes.len() > 1 {
            let j = g.below(nodes.len() as u64) as usize;
            let (b, rb) = nodes.swap_remove(j);
            let i = g.below(nodes.len() as u64) as usize;
            let (a, ra) = &mut nodes[i];
            let before = a.to_bytes();
            let result = if g.below(2) == 0 {
                a.merge(&b)
            } else {
                // The other way round, into b's copy.
                let mut c = b.clone();
                let res = c.merge(a);
                if res.is_ok() {
                    *a = c;
                }
                res
            };
            if ra.count + rb.count > u128::from(MAX_TERMS) {
                assert!(
                    matches!(result, Err(Error::Overflow { .. })),
                    "round {round}: {} + {} terms merged: {result:?}",
                    ra.count,
                    rb.count
                );
                assert_eq!(a.to_bytes(), before, "a failed merge changed the state");
                overflows += 1;
            } else {
                result.unwrap_or_else(|e| panic!("round {round}: {e}"));
                ra.merge(&rb);
                check_same(a, ra, &format!("round {round}, a merge"));
                merges += 1;
            }
        }
    }
    // Both outcomes were exercised.
    assert!(
        merges > 500 && overflows > 100,
        "{merges} merges, {overflows} overflows"
    );
}

fn forged(count: u64, flags: u8, lo: u16, digits: &[u32], sign: u8) -> Vec<u8> {
    let mut b = b"CBRNGACC".to_vec();
    b.extend_from_slice(&1u16.to_le_bytes());
    b.push(flags);
    b.push(sign);
    b.extend_from_slice(&count.to_le_bytes());
    b.extend_from_slice(&lo.to_le_bytes());
    b.extend_from_slice(&(digits.len() as u16).to_le_bytes());
    for d in digits {
        b.extend_from_slice(&d.to_le_bytes());
    }
    b
}

#[test]
fn the_issues_reproducers() {
    // count = u64::MAX with every digit at its old maximum: refused (more
    // than 2^63 terms), where it used to read, merge 95 times and finish -0.0.
    let full = forged(u64::MAX, NOT_NEG_ZERO, 0, &[u32::MAX; 134], 0);
    assert!(matches!(
        Accumulator::from_bytes(&full),
        Err(Error::BadState { .. })
    ));
    // The largest state allowed: 2^63 terms, magnitude just below 2^63 * 2^2048.
    let top = forged(
        MAX_TERMS,
        NOT_NEG_ZERO,
        0,
        &[[u32::MAX; 133].as_slice(), &[0x7fff_ffff]].concat(),
        0,
    );
    let mut a = Accumulator::from_bytes(&top).unwrap();
    assert_eq!(a.finish::<f64>(), f64::INFINITY);
    assert_eq!(a.finish_sqrt::<f64>(), f64::INFINITY);
    let b = a.clone();
    assert!(matches!(a.merge(&b), Err(Error::Overflow { .. })));
    assert_eq!(a, b, "a failed merge leaves the state as it was");
    assert!(a.merge(&Accumulator::new()).is_ok());
    // One bit more is past the bound: refused.
    let over = forged(MAX_TERMS, NOT_NEG_ZERO, 132, &[0, 0x8000_0000], 0);
    assert!(Accumulator::from_bytes(&over).is_err());

    // Count 2^63 - 1 then doubled: an overflow, not a saturated count whose
    // mean is twice too large.
    let mut h = Accumulator::from_bytes(&forged(MAX_TERMS / 2, NOT_NEG_ZERO, 68, &[1], 0)).unwrap();
    let h2 = h.clone();
    h.merge(&h2).unwrap();
    assert_eq!(h.count(), MAX_TERMS);
    assert_eq!(h.finish_mean::<f64>(), 2.0 / 2f64.powi(63));
    let h3 = h.clone();
    assert!(matches!(h.merge(&h3), Err(Error::Overflow { .. })));

    // The bound is exact: 1 term, |sum| = 2^2048 is refused (it used to pass
    // anything below 2 * 2^2048); 2^2048 - 2^-2176 is accepted.
    assert!(Accumulator::from_bytes(&forged(1, NOT_NEG_ZERO, 132, &[1], 0)).is_err());
    assert!(Accumulator::from_bytes(&forged(1, NOT_NEG_ZERO, 132, &[3], 1)).is_err());
    assert!(Accumulator::from_bytes(&forged(1, NOT_NEG_ZERO, 0, &[u32::MAX; 132], 1)).is_ok());
    // Special flags take terms of their own.
    assert!(Accumulator::from_bytes(&forged(1, NOT_NEG_ZERO | NAN, 68, &[1], 0)).is_err());
    assert!(Accumulator::from_bytes(&forged(2, NOT_NEG_ZERO | NAN, 68, &[1], 0)).is_ok());
    assert!(
        Accumulator::from_bytes(&forged(
            2,
            NOT_NEG_ZERO | NAN | POS_INF | NEG_INF,
            0,
            &[],
            0
        ))
        .is_err()
    );

    // A device state with no terms and a value: refused (its bytes would be).
    let mut w = [0u64; DEVICE_STATE_WORDS];
    w[68] = 3;
    assert!(matches!(
        Accumulator::from_device_state(&w),
        Err(Error::BadState { .. })
    ));
    w[DEVICE_STATE_WORDS - 2] = 1;
    w[DEVICE_STATE_WORDS - 1] = u64::from(NOT_NEG_ZERO);
    let a = Accumulator::from_device_state(&w).unwrap();
    assert_eq!(a.finish::<f64>(), 3.0);
    assert_eq!(Accumulator::from_bytes(&a.to_bytes()).unwrap(), a);
    // A device state over the count limit.
    w[DEVICE_STATE_WORDS - 2] = MAX_TERMS + 1;
    assert!(Accumulator::from_device_state(&w).is_err());
}
