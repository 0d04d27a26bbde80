//! Categorical sampling over up to 2^24 weights, exact: inverse CDF on
//! exact cumulative sums, built once ([`Categorical::new`]) and reused.
//!
//! # The definition
//!
//! Given weights `w_0 .. w_{n-1}` (finite f64, `>= 0`, not all 0, `n <=
//! 2^24`), let `C_j = w_0 + ... + w_{j-1}` and `S = C_n`, all **exact** (the
//! weights are read as the exact rationals they are: every f64 is an
//! integer multiple of 2^-1074, so the sums are big-integer sums, never
//! rounded). The table holds the thresholds
//!
//! `T_j = floor(C_j * 2^64 / S)`, `j = 1 .. m - 1`
//!
//! where `m` is one past the last non-zero weight (`T_0 = 0`). Output
//! element `i` reads **u64 stream element `i`** (`x`, no attempts) and is
//! the largest `j < m` with `T_j <= x` (`T_0 = 0 <= x` always), i.e.
//! `j = #{k in 1..m : T_k <= x}`. So index `j` has probability exactly
//! `(T_{j+1} - T_j) / 2^64` (with `T_m = 2^64`), which differs from
//! `w_j / S` by less than 2^-64 (the resolution of the uniform: both floors
//! lose less than one unit). A zero weight has probability exactly 0 (its
//! two thresholds are equal), and so has a non-zero weight whose share is
//! below the resolution and falls between two multiples of 2^-64
//! (`w_j / S < 2^-64`, e.g. 1e-300 against 1): an index is drawn with
//! probability 0 or at least 2^-64 - never rounded up from nothing.
//!
//! # Building
//!
//! The weights are decomposed as `m * 2^e` and scaled by `2^-e_min` to
//! integers (e_min the smallest exponent among the non-zero ones), summed in
//! a fixed-size big integer of `ceil((e_max - e_min + 53 + 24) / 64) + 1`
//! limbs, and each `T_j` is estimated from the top 64 bits of `C_j` and `S`
//! and made exact by comparing `C_j * 2^64` with `T_j * S` and `(T_j + 1) *
//! S` in full. Cost: O(n * limbs); measured through `cbrng fill` (parsing
//! included, one thread, a loaded machine): 2^20 weights in (0, 1) 0.10 s,
//! 2^20 weights spread over 1e-300 .. 1e300 (34 limbs) 0.15 s. Memory: 8
//! bytes per weight. Drawing is a binary search of the table per element
//! (10^7 draws from the 2^20-weight table: 2.7 s of CPU there).
//!
//! # Filling
//!
//! [`Categorical::fill`] on a [`Stream`] gives u32, u64, i32 or i64 indices
//! (element `i` of the fill at `offset` is the index of u64 element
//! `offset + i`), slices equal the whole, and [`Categorical::index`] is the
//! per-element map. The GPU twin (`kernels/cbrng/categorical.cuh`,
//! `cbrng_categorical_index`) runs the same binary search on the uploaded
//! table; the host twin test compares it with the CPU.

use crate::dist::DType;
use crate::error::Error;
use crate::stream::Stream;

/// The most weights a [`Categorical`] takes.
pub const MAX_WEIGHTS: usize = 1 << 24;

/// An exact categorical distribution (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Categorical {
    /// `T_1 .. T_{m-1}`, non-decreasing.
    thresholds: Vec<u64>,
    /// The number of weights given.
    len: usize,
}

/// The index types a categorical fill writes.
pub trait CategoricalIndex: crate::dist::Element + Copy {
    /// The index `j` (< 2^24, so every type holds it).
    fn from_index(j: u32) -> Self;
}
impl CategoricalIndex for u32 {
    fn from_index(j: u32) -> Self {
        j
    }
}
impl CategoricalIndex for u64 {
    fn from_index(j: u32) -> Self {
        u64::from(j)
    }
}
impl CategoricalIndex for i32 {
    fn from_index(j: u32) -> Self {
        j as i32
    }
}
impl CategoricalIndex for i64 {
    fn from_index(j: u32) -> Self {
        i64::from(j)
    }
}

/// A fixed-size unsigned big integer, little-endian u64 limbs.
struct Big(Vec<u64>);

impl Big {
    fn zero(limbs: usize) -> Big {
        Big(vec![0; limbs])
    }
    /// self += m * 2^shift (fits: the caller sized the limbs).
    fn add_shifted(&mut self, m: u64, shift: u32) {
        let (k, b) = ((shift / 64) as usize, shift % 64);
        let v = u128::from(m) << b;
        let mut carry = 0u128;
        let mut add = [v as u64, (v >> 64) as u64];
        let mut i = k;
        while i < self.0.len() && (carry != 0 || i < k + 2) {
            let a = if i < k + 2 {
                std::mem::take(&mut add[i - k])
            } else {
                0
            };
            let s = u128::from(self.0[i]) + u128::from(a) + carry;
            self.0[i] = s as u64;
            carry = s >> 64;
            i += 1;
        }
    }
    fn bits(&self) -> u32 {
        for i in (0..self.0.len()).rev() {
            if self.0[i] != 0 {
                return 64 * i as u32 + 64 - self.0[i].leading_zeros();
            }
        }
        0
    }
    /// floor(self / 2^sh) (sh >= 0) or self * 2^-sh (sh < 0), as u64 (the
    /// caller knows it fits).
    fn top64(&self, sh: i32) -> u64 {
        if sh <= 0 {
            return self.0[0] << (-sh) as u32;
        }
        let (k, b) = ((sh / 64) as usize, (sh % 64) as u32);
        let lo = self.0[k] >> b;
        let hi = if b > 0 && k + 1 < self.0.len() {
            self.0[k + 1] << (64 - b)
        } else {
            0
        };
        lo | hi
    }
}

impl Categorical {
    /// The table for `weights` (see the module documentation): an error for
    /// no weights, more than [`MAX_WEIGHTS`], a negative, infinite or NaN
    /// weight, or weights that are all 0.
    pub fn new(weights: &[f64]) -> Result<Self, Error> {
        let bad = |reason: String| Err(Error::BadParameter { reason });
        if weights.is_empty() {
            return bad("categorical needs at least one weight".into());
        }
        if weights.len() > MAX_WEIGHTS {
            return bad(format!(
                "categorical takes at most 2^24 = {MAX_WEIGHTS} weights, got {}",
                weights.len()
            ));
        }
        if let Some((j, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !w.is_finite() || **w < 0.0)
        {
            return bad(format!(
                "categorical weight {j} is {w}: weights must be finite and >= 0"
            ));
        }
        let Some(last) = weights.iter().rposition(|&w| w > 0.0) else {
            return bad("categorical weights are all 0".into());
        };
        let m = last + 1;
        // w = mant * 2^exp exactly.
        let split = |w: f64| -> (u64, i32) {
            let b = w.to_bits();
            let e = ((b >> 52) & 0x7ff) as i32;
            let f = b & ((1 << 52) - 1);
            if e == 0 {
                (f, -1074)
            } else {
                (f | (1 << 52), e - 1075)
            }
        };
        let (mut emin, mut emax) = (i32::MAX, i32::MIN);
        for &w in &weights[..m] {
            if w > 0.0 {
                let (_, e) = split(w);
                emin = emin.min(e);
                emax = emax.max(e);
            }
        }
        // Sum < 2^24 * 2^(emax - emin + 53): one spare limb on top so that
        // C * 2^64 and T * S fit (see exact_threshold).
        let bits = (emax - emin) as usize + 53 + 24;
        let limbs = bits.div_ceil(64) + 1;
        let mut s = Big::zero(limbs);
        for &w in &weights[..m] {
            if w > 0.0 {
                let (f, e) = split(w);
                s.add_shifted(f, (e - emin) as u32);
            }
        }
        let sh = s.bits() as i32 - 64;
        let s_top = s.top64(sh);
        let mut c = Big::zero(limbs);
        let mut thresholds = Vec::with_capacity(m - 1);
        let mut x = vec![0u64; limbs];
        for &w in &weights[..m - 1] {
            if w > 0.0 {
                let (f, e) = split(w);
                c.add_shifted(f, (e - emin) as u32);
            }
            // estimate from the top 64 bits, then exact
            let c_top = c.top64(sh);
            let est = ((u128::from(c_top) << 64) / u128::from(s_top)).min(u128::from(u64::MAX));
            thresholds.push(exact_threshold(&c.0, &s.0, est as u64, &mut x));
        }
        Ok(Categorical {
            thresholds,
            len: weights.len(),
        })
    }

    /// The number of weights.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a table has at least one weight.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The thresholds `T_1 .. T_{m-1}` (non-decreasing; the table the GPU
    /// fill uploads).
    pub fn thresholds(&self) -> &[u64] {
        &self.thresholds
    }

    /// The exact probability of index `j`, as a number of 2^-64 units
    /// (`T_{j+1} - T_j`; a u128 since it is 2^64 when one weight is non-zero).
    pub fn probability_units(&self, j: usize) -> u128 {
        let m = self.thresholds.len() + 1;
        if j >= m {
            return 0;
        }
        let t = |k: usize| -> u128 {
            if k == 0 {
                0
            } else if k == m {
                1 << 64
            } else {
                u128::from(self.thresholds[k - 1])
            }
        };
        t(j + 1) - t(j)
    }

    /// The index drawn by u64 stream element `x`: the number of thresholds
    /// `<= x` (a binary search).
    #[inline]
    pub fn index(&self, x: u64) -> u32 {
        index_of(&self.thresholds, x)
    }

    /// Fills `out` with the indices of u64 elements `[offset, offset +
    /// out.len())` of `stream` (u32, u64, i32 or i64).
    pub fn fill<T: CategoricalIndex>(
        &self,
        stream: &Stream,
        offset: u128,
        out: &mut [T],
    ) -> Result<(), Error> {
        const CHUNK: usize = 1 << 16;
        let mut buf = vec![0u64; CHUNK.min(out.len())];
        // One range check for the whole fill, before anything is written.
        let bits = crate::dist::Distribution::Bits.prepare(DType::U64)?;
        stream.check_range(offset, out.len() as u128, stream.len_of(&bits))?;
        let mut at = offset;
        for c in out.chunks_mut(CHUNK) {
            let raw = &mut buf[..c.len()];
            stream.fill(&crate::dist::Distribution::Bits, at, raw)?;
            for (o, &x) in c.iter_mut().zip(raw.iter()) {
                *o = T::from_index(self.index(x));
            }
            at += c.len() as u128;
        }
        Ok(())
    }

    /// The dtypes [`Categorical::fill`] writes.
    pub const DTYPES: [DType; 4] = [DType::U32, DType::U64, DType::I32, DType::I64];
}

/// `#{k : t[k] <= x}` by binary search (`t` non-decreasing): the same steps
/// as the device twin `cbrng_categorical_index`.
#[inline]
pub fn index_of(t: &[u64], x: u64) -> u32 {
    let (mut lo, mut hi) = (0usize, t.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if t[mid] <= x {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo as u32
}

/// floor(C * 2^64 / S) exactly, from an estimate `t` (C < S, both with a
/// zero top limb, so C * 2^64 and T * S fit the limbs). `x` is scratch.
fn exact_threshold(c: &[u64], s: &[u64], mut t: u64, x: &mut [u64]) -> u64 {
    let n = s.len();
    // x = C * 2^64 - t * S, modulo 2^(64 n); negative iff the final borrow.
    let mut mul_carry = 0u128;
    let mut borrow = 0u64;
    for i in 0..n {
        let ci = if i == 0 { 0 } else { c[i - 1] };
        let p = u128::from(t) * u128::from(s[i]) + mul_carry;
        mul_carry = p >> 64;
        let (d1, b1) = ci.overflowing_sub(p as u64);
        let (d2, b2) = d1.overflowing_sub(borrow);
        x[i] = d2;
        borrow = u64::from(b1 || b2);
    }
    let mut negative = borrow != 0 || mul_carry != 0;
    // Too big: add S back until x >= 0.
    while negative {
        t -= 1;
        let mut carry = 0u128;
        for i in 0..n {
            let v = u128::from(x[i]) + u128::from(s[i]) + carry;
            x[i] = v as u64;
            carry = v >> 64;
        }
        // x was negative (two's complement); a carry out means it crossed 0.
        negative = carry == 0;
    }
    // Too small: subtract S while x >= S.
    while ge(x, s) {
        t += 1;
        let mut borrow = 0u64;
        for i in 0..n {
            let (d1, b1) = x[i].overflowing_sub(s[i]);
            let (d2, b2) = d1.overflowing_sub(borrow);
            x[i] = d2;
            borrow = u64::from(b1 || b2);
        }
    }
    t
}

fn ge(a: &[u64], b: &[u64]) -> bool {
    for i in (0..a.len()).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// Parses the weights of `categorical:W0,W1,...` (reals of
/// [`crate::grammar::real`], comma-separated) or of a file: one weight a
/// line, blank lines and lines starting with `#` skipped.
pub fn parse_weights(text: &str, separator: char) -> Result<Vec<f64>, Error> {
    let mut v = Vec::new();
    for (k, item) in text.split(separator).enumerate() {
        let item = item.trim();
        if separator == '\n' && (item.is_empty() || item.starts_with('#')) {
            continue;
        }
        let w = crate::grammar::real(item).map_err(|e| Error::BadParameter {
            reason: format!(
                "categorical weight {} ({}): {e}",
                if separator == '\n' {
                    format!("on line {}", k + 1)
                } else {
                    format!("{k}")
                },
                crate::grammar::escape(item)
            ),
        })?;
        v.push(w);
        if v.len() > MAX_WEIGHTS {
            return Err(Error::BadParameter {
                reason: format!("categorical takes at most 2^24 = {MAX_WEIGHTS} weights"),
            });
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// floor(C 2^64 / S) by u128 for small integer weights.
    fn reference(w: &[u64]) -> Vec<u64> {
        let s: u128 = w.iter().map(|&x| u128::from(x)).sum();
        let m = w.iter().rposition(|&x| x > 0).unwrap() + 1;
        let mut c = 0u128;
        let mut t = Vec::new();
        for &x in &w[..m - 1] {
            c += u128::from(x);
            // c < s < 2^40 here: c * 2^64 / s in u128 by splitting
            let q = ((c << 32) / s) << 32;
            let r = ((c << 32) % s) << 32;
            t.push((q + r / s) as u64);
        }
        t
    }

    #[test]
    fn thresholds_are_exact_floors() {
        for w in [
            vec![1u64, 1, 1],
            vec![0, 3, 0, 5, 0, 0],
            vec![7],
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 1000000007],
            vec![0, 0, 1],
        ] {
            let f: Vec<f64> = w.iter().map(|&x| x as f64).collect();
            let c = Categorical::new(&f).unwrap();
            assert_eq!(c.thresholds(), reference(&w).as_slice(), "{w:?}");
            let total: u128 = (0..w.len()).map(|j| c.probability_units(j)).sum();
            assert_eq!(total, 1 << 64);
            for (j, &x) in w.iter().enumerate() {
                if x == 0 {
                    assert_eq!(c.probability_units(j), 0);
                }
            }
        }
    }

    #[test]
    fn scaling_does_not_change_the_table() {
        let w = [0.3, 1.7, 2.25, 1e-5, 0.0, 9.5];
        let a = Categorical::new(&w).unwrap();
        for k in [-1000, -300, -2, 3, 500] {
            let s: Vec<f64> = w.iter().map(|x| x * 2f64.powi(k)).collect();
            assert_eq!(Categorical::new(&s).unwrap(), a, "2^{k}");
        }
    }

    #[test]
    fn extremes() {
        // 1e-300 against 1: below the resolution, probability 0.
        let c = Categorical::new(&[1e-300, 1.0]).unwrap();
        assert_eq!(c.probability_units(0), 0);
        assert_eq!(c.index(0), 1);
        // the smallest subnormal between two largest floats: S is just
        // above 2 MAX, so T_1 = 2^63 - 1 and T_2 = 2^63 (the tiny weight
        // gets one unit: within 2^-64 of its share, as promised)
        let c = Categorical::new(&[f64::MAX, 5e-324, f64::MAX]).unwrap();
        assert_eq!(c.thresholds(), &[(1 << 63) - 1, 1 << 63]);
        // exactly half: thresholds at 2^63
        let c = Categorical::new(&[0.5, 0.5]).unwrap();
        assert_eq!(c.thresholds(), &[1 << 63]);
        assert_eq!((c.index((1 << 63) - 1), c.index(1 << 63)), (0, 1));
        // a third: floor(2^64 / 3), floor(2^65 / 3)
        let c = Categorical::new(&[1.0, 1.0, 1.0]).unwrap();
        assert_eq!(c.thresholds(), &[u64::MAX / 3, ((2u128 << 64) / 3) as u64]);
    }

    #[test]
    fn errors() {
        assert!(Categorical::new(&[]).is_err());
        assert!(Categorical::new(&[0.0, 0.0]).is_err());
        assert!(Categorical::new(&[1.0, -1.0]).is_err());
        assert!(Categorical::new(&[1.0, f64::NAN]).is_err());
        assert!(Categorical::new(&[f64::INFINITY]).is_err());
        assert!(Categorical::new(&vec![1.0; MAX_WEIGHTS + 1]).is_err());
        assert!(parse_weights("1,x", ',').is_err());
        assert_eq!(
            parse_weights("# w\n1\n\n2.5\n", '\n').unwrap(),
            vec![1.0, 2.5]
        );
    }
}
