//! The exact accumulator: a signed fixed-point number wide enough for every
//! sum of (products of) supported floats, with deferred carries, and its
//! correctly rounded conversions back to floating point.

use super::float::{Class, Float, Format, decode};
use crate::Error;

/// Bits of value per digit. Each digit is stored in an `i64`, so up to
/// [`PENDING_LIMIT`] additions of less than 2^32 fit before carries must move.
pub(crate) const DIGIT_BITS: u32 = 32;
/// Number of digits. Digit `k` has weight 2^(32k - [`OFFSET`]).
pub const DIGITS: usize = 136;
/// Bit position of 2^0: bit `p` of the accumulator has weight 2^(p - OFFSET).
/// The smallest term is a product of two f64 subnormals, 2^-2148, so every
/// term is a whole number of units of 2^-2176.
pub const OFFSET: i32 = 2176;
/// Additions allowed between carry normalisations. Every addition adds less
/// than 2^32 in magnitude to any digit, and a normalised digit is below 2^32,
/// so digits stay below 2^32 (1 + 2^30) < 2^63.
pub(crate) const PENDING_LIMIT: u32 = 1 << 30;
/// Highest exponent of any term's magnitude bound: |term| < 2^2048 (a product
/// of two f64). With at most 2^64 terms, |sum| < 2^2112, i.e. below digit 134.
pub(crate) const TERM_BOUND_EXP: i32 = 2048;
/// Digits that may be nonzero in a normalised magnitude (0..MAG_DIGITS).
pub(crate) const MAG_DIGITS: usize = ((OFFSET + TERM_BOUND_EXP + 64) / DIGIT_BITS as i32) as usize;

/// The most terms one state may count: 2^63. Adding terms one by one cannot
/// reach it (2^63 additions take centuries), so only [`Accumulator::merge`]
/// and the readers meet it: a merge past it is [`Error::Overflow`], a state
/// that claims more is refused. With this limit the exact value always fits
/// the digits (|sum| < 2^63 · 2^2048) and the count never wraps.
pub const MAX_TERMS: u64 = 1 << 63;

pub(crate) const FLAG_NAN: u8 = 1;
pub(crate) const FLAG_POS_INF: u8 = 2;
pub(crate) const FLAG_NEG_INF: u8 = 4;
/// Some term was not -0.0 (so an exact zero sum is +0.0).
pub(crate) const FLAG_NOT_NEG_ZERO: u8 = 8;
pub(crate) const FLAGS_ALL: u8 = 15;

const MASK32: i64 = 0xffff_ffff;

/// An exact, mergeable partial state of a sum.
///
/// It holds the exact mathematical sum of every finite term added so far as a
/// signed fixed-point number of [`DIGITS`] 32-bit digits (weights 2^-2176 to
/// 2^2175, each digit kept in an `i64` so carries are propagated only every
/// 2^30 additions), the number of terms, and flags for NaN, +inf, -inf and
/// "some term was not -0.0". Adding and merging are exact integer additions,
/// so the state after any set of terms does not depend on their order, on
/// how they were split into shards, or on the order the shards are merged.
/// [`finish`](Self::finish) rounds the exact value once, to nearest even.
///
/// ```
/// use cbrng::reduce::Accumulator;
/// let mut a = Accumulator::new();
/// a.add_slice(&[1e30f64, 1.0]);
/// let mut b = Accumulator::new();
/// b.add_slice(&[-1e30f64]);
/// a.merge(&b)?;
/// assert_eq!(a.finish::<f64>(), 1.0);
/// assert_eq!(a.count(), 3);
/// # Ok::<(), cbrng::Error>(())
/// ```
#[derive(Clone)]
pub struct Accumulator {
    pub(crate) digits: [i64; DIGITS],
    pub(crate) pending: u32,
    pub(crate) count: u64,
    pub(crate) flags: u8,
}

impl Default for Accumulator {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Accumulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accumulator")
            .field("count", &self.count)
            .field("flags", &self.flags)
            .field("approx", &self.finish::<f64>())
            .finish()
    }
}

/// Two states are equal when they hold the same exact value, count and flags.
impl PartialEq for Accumulator {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.normalized(), other.normalized());
        a.digits == b.digits && a.count == b.count && a.flags == b.flags
    }
}
impl Eq for Accumulator {}

/// Carries every digit into the range [0, 2^32) except the top one, which
/// keeps the sign (0 or -1 for any reachable value).
pub(crate) fn normalize_digits(d: &mut [i64; DIGITS]) {
    let mut carry = 0i64;
    for x in d.iter_mut().take(DIGITS - 1) {
        let v = *x + carry;
        *x = v & MASK32;
        carry = v >> DIGIT_BITS;
    }
    d[DIGITS - 1] += carry;
}

impl Accumulator {
    /// An empty state: sum +0.0, no terms.
    pub fn new() -> Self {
        Accumulator {
            digits: [0; DIGITS],
            pending: 0,
            count: 0,
            flags: 0,
        }
    }

    /// Number of terms added (merged states add their counts).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// True when a NaN term was added, or +inf and -inf both were.
    pub fn is_nan(&self) -> bool {
        self.flags & FLAG_NAN != 0
            || self.flags & (FLAG_POS_INF | FLAG_NEG_INF) == FLAG_POS_INF | FLAG_NEG_INF
    }

    /// Adds `mag * 2^(pos - OFFSET)` (negated when `neg`) as three digit
    /// additions, each below 2^32 in magnitude. `pos` must be in range.
    #[inline(always)]
    pub(crate) fn add_u64_at(&mut self, mag: u64, pos: u32, neg: bool) {
        let k = (pos / DIGIT_BITS) as usize;
        let v = u128::from(mag) << (pos % DIGIT_BITS);
        let s = -i64::from(neg);
        let p0 = (v as i64) & MASK32;
        let p1 = ((v >> 32) as i64) & MASK32;
        let p2 = (v >> 64) as i64;
        self.digits[k] += (p0 ^ s) - s;
        self.digits[k + 1] += (p1 ^ s) - s;
        self.digits[k + 2] += (p2 ^ s) - s;
        self.pending += 1;
        if self.pending >= PENDING_LIMIT {
            self.normalize();
        }
    }

    /// Adds `mag * 2^q` (negated when `neg`), `mag` up to 128 bits.
    #[inline]
    pub(crate) fn add_u128(&mut self, mag: u128, q: i32, neg: bool) {
        let pos = (q + OFFSET) as u32;
        let lo = mag as u64;
        let hi = (mag >> 64) as u64;
        if lo != 0 {
            self.add_u64_at(lo, pos, neg);
        }
        if hi != 0 {
            self.add_u64_at(hi, pos + 64, neg);
        }
    }

    /// Propagates all pending carries.
    pub(crate) fn normalize(&mut self) {
        normalize_digits(&mut self.digits);
        self.pending = 0;
    }

    fn normalized(&self) -> Accumulator {
        let mut a = self.clone();
        a.normalize();
        a
    }

    /// Records one term of format `f` with encoding `bits`: specials set
    /// flags, finite nonzero values are added exactly.
    #[inline]
    pub(crate) fn add_bits(&mut self, f: Format, bits: u64) {
        self.count += 1;
        self.add_term_uncounted(f, bits);
    }

    /// [`add_bits`](Self::add_bits) without counting the term (the caller
    /// counts a whole run of terms at once).
    #[inline]
    pub(crate) fn add_term_uncounted(&mut self, f: Format, bits: u64) {
        match decode(f, bits) {
            Class::Nan => self.flags |= FLAG_NAN | FLAG_NOT_NEG_ZERO,
            Class::Inf(neg) => {
                self.flags |= FLAG_NOT_NEG_ZERO | if neg { FLAG_NEG_INF } else { FLAG_POS_INF }
            }
            Class::Zero(neg) => {
                if !neg {
                    self.flags |= FLAG_NOT_NEG_ZERO
                }
            }
            Class::Finite { neg, m, q } => {
                self.flags |= FLAG_NOT_NEG_ZERO;
                self.add_u64_at(m, (q + OFFSET) as u32, neg);
            }
        }
    }

    /// Adds the exact value of the finite f64 `x` as part of the value only
    /// (no count, no flags): how the chunked sums fold a chunk's exact
    /// partial sum into the state.
    #[inline]
    pub(crate) fn add_value_f64(&mut self, x: f64) {
        debug_assert!(x.is_finite());
        if let Class::Finite { neg, m, q } = decode(Format::of::<f64>(), x.to_bits()) {
            self.add_u64_at(m, (q + OFFSET) as u32, neg);
        }
    }

    /// Adds one value exactly.
    ///
    /// ```
    /// use cbrng::reduce::Accumulator;
    /// let mut a = Accumulator::new();
    /// a.add(0.1f32);
    /// a.add(-0.1f32);
    /// assert_eq!(a.finish::<f32>().to_bits(), 0); // +0.0
    /// ```
    pub fn add<T: Float>(&mut self, x: T) {
        self.add_bits(Format::of::<T>(), x.to_bits_u64());
    }

    /// Adds the exact product `a * b` as one term (IEEE rules for the specials
    /// and for the sign of a zero product: inf * 0 is NaN).
    pub fn add_product<T: Float>(&mut self, a: T, b: T) {
        let f = Format::of::<T>();
        let (x, y) = (decode(f, a.to_bits_u64()), decode(f, b.to_bits_u64()));
        let sign = |c: Class| match c {
            Class::Nan => false,
            Class::Inf(n) | Class::Zero(n) | Class::Finite { neg: n, .. } => n,
        };
        let neg = sign(x) ^ sign(y);
        self.count += 1;
        match (x, y) {
            (Class::Nan, _) | (_, Class::Nan) => self.flags |= FLAG_NAN | FLAG_NOT_NEG_ZERO,
            (Class::Inf(_), Class::Zero(_)) | (Class::Zero(_), Class::Inf(_)) => {
                self.flags |= FLAG_NAN | FLAG_NOT_NEG_ZERO
            }
            (Class::Inf(_), _) | (_, Class::Inf(_)) => {
                self.flags |= FLAG_NOT_NEG_ZERO | if neg { FLAG_NEG_INF } else { FLAG_POS_INF }
            }
            (Class::Zero(_), _) | (_, Class::Zero(_)) => {
                if !neg {
                    self.flags |= FLAG_NOT_NEG_ZERO
                }
            }
            (Class::Finite { m: m1, q: q1, .. }, Class::Finite { m: m2, q: q2, .. }) => {
                self.flags |= FLAG_NOT_NEG_ZERO;
                self.add_u128(u128::from(m1) * u128::from(m2), q1 + q2, neg);
            }
        }
    }

    /// Adds every term of `other`: exact, so any order or tree of merges
    /// gives the same state. The merged count must stay within
    /// [`MAX_TERMS`]; past it the merge is [`Error::Overflow`] and `self` is
    /// unchanged (never a wrong value).
    ///
    /// ```
    /// use cbrng::reduce::{Accumulator, MAX_TERMS};
    /// let mut a = Accumulator::new();
    /// a.add_slice(&[1.5f64, 2.0]);
    /// let b = a.clone();
    /// a.merge(&b)?;
    /// assert_eq!((a.finish::<f64>(), a.count()), (7.0, 4));
    /// // A state at the term limit cannot take more terms.
    /// let mut full = Accumulator::from_bytes(&[
    ///     b"CBRNGACC".as_slice(), &[1, 0, 0, 0], &MAX_TERMS.to_le_bytes(), &[0; 4],
    /// ].concat())?;
    /// assert!(matches!(full.merge(&b), Err(cbrng::Error::Overflow { .. })));
    /// assert_eq!(full.count(), MAX_TERMS);
    /// # Ok::<(), cbrng::Error>(())
    /// ```
    pub fn merge(&mut self, other: &Accumulator) -> Result<(), Error> {
        match self.count.checked_add(other.count) {
            Some(c) if c <= MAX_TERMS => {}
            _ => {
                return Err(Error::Overflow {
                    what: format!(
                        "merging exact-sum states of {} and {} terms passes the limit of 2^63 terms",
                        self.count, other.count
                    ),
                });
            }
        }
        let mut merged = self.clone();
        merged.merge_exact(other);
        merged.check_invariants()?;
        *self = merged;
        Ok(())
    }

    /// [`merge`](Self::merge) for the crate's own partial states, whose counts
    /// are terms actually added (so their sum cannot pass 2^64).
    pub(crate) fn merge_exact(&mut self, other: &Accumulator) {
        if other.pending.saturating_add(self.pending) >= PENDING_LIMIT - 1 {
            self.normalize();
        }
        let o = if other.pending >= PENDING_LIMIT / 2 {
            std::borrow::Cow::Owned(other.normalized())
        } else {
            std::borrow::Cow::Borrowed(other)
        };
        for (d, e) in self.digits.iter_mut().zip(o.digits.iter()) {
            *d += *e;
        }
        self.pending += o.pending + 1;
        if self.pending >= PENDING_LIMIT {
            self.normalize();
        }
        self.count += o.count;
        self.flags |= o.flags;
    }

    /// The state's invariants, checked by every reader and by
    /// [`merge`](Self::merge) (one definition):
    /// - at most [`MAX_TERMS`] terms, only known flag bits;
    /// - no terms: value zero and no flags;
    /// - each of the NaN, +inf and -inf flags takes a term of its own, and
    ///   the remaining `n` (finite) terms bound the value: |sum| < n · 2^2048
    ///   (no finite term or product of two reaches 2^2048).
    pub(crate) fn check_invariants(&self) -> Result<(), Error> {
        let bad = |reason: String| Err(Error::BadState { reason });
        if self.count > MAX_TERMS {
            return bad(format!(
                "{} terms is more than a state may hold (2^63)",
                self.count
            ));
        }
        if self.flags & !FLAGS_ALL != 0 {
            return bad(format!("unknown flag bits {:#04x}", self.flags));
        }
        let (_, mag) = self.magnitude();
        let zero = mag.iter().all(|&d| d == 0);
        if self.count == 0 && (self.flags != 0 || !zero) {
            return bad("a state with no terms must be empty".into());
        }
        let specials = (self.flags & (FLAG_NAN | FLAG_POS_INF | FLAG_NEG_INF)).count_ones();
        let Some(finite) = self.count.checked_sub(u64::from(specials)) else {
            return bad(format!(
                "{} terms cannot set {specials} special flags",
                self.count
            ));
        };
        // |sum| < finite * 2^2048 <=> (|sum| >> (OFFSET + 2048)) < finite.
        let k = ((OFFSET + TERM_BOUND_EXP) / DIGIT_BITS as i32) as usize;
        let high_zero = mag[k + 2..].iter().all(|&d| d == 0);
        let high = (mag[k] as u64) | ((mag[k + 1] as u64) << 32);
        if !zero && (!high_zero || high >= finite) {
            return bad(format!(
                "the magnitude (about 2^{}) is larger than {finite} finite terms can make",
                top_bit(&mag).map_or(0, |t| t as i32 - OFFSET)
            ));
        }
        Ok(())
    }

    /// The exact finite part as (negative, normalised magnitude digits).
    pub(crate) fn magnitude(&self) -> (bool, [i64; DIGITS]) {
        let mut d = self.digits;
        normalize_digits(&mut d);
        let neg = d[DIGITS - 1] < 0;
        if neg {
            for x in d.iter_mut() {
                *x = -*x;
            }
            normalize_digits(&mut d);
        }
        (neg, d)
    }

    /// The encoding of a special or signed-zero result, if the value is not
    /// decided by the finite part alone.
    fn special_bits(&self, f: Format) -> Option<u64> {
        if self.is_nan() {
            Some(f.nan_bits())
        } else if self.flags & FLAG_POS_INF != 0 {
            Some(f.inf_bits())
        } else if self.flags & FLAG_NEG_INF != 0 {
            Some(f.inf_bits() | f.sign_bit())
        } else {
            None
        }
    }

    /// Zero's sign: -0.0 only when there was at least one term and every
    /// term was -0.0 (as IEEE addition gives); otherwise +0.0.
    fn zero_bits(&self, f: Format) -> u64 {
        if self.count > 0 && self.flags & FLAG_NOT_NEG_ZERO == 0 {
            f.sign_bit()
        } else {
            0
        }
    }

    fn finish_format(&self, f: Format) -> u64 {
        if let Some(b) = self.special_bits(f) {
            return b;
        }
        let (neg, mag) = self.magnitude();
        match round_magnitude(f, &mag, false) {
            None => self.zero_bits(f),
            Some(b) => b | if neg { f.sign_bit() } else { 0 },
        }
    }

    /// The exact sum rounded once to `T`, to nearest, ties to even.
    ///
    /// A NaN term gives NaN (the canonical quiet NaN of `T`); +inf and -inf
    /// both give NaN; otherwise an infinite term gives that infinity; an exact
    /// sum beyond `T`'s range gives ±inf; an exact zero is +0.0 unless every
    /// term was -0.0 (then -0.0); no terms give +0.0.
    ///
    /// ```
    /// use cbrng::reduce::Accumulator;
    /// let mut a = Accumulator::new();
    /// a.add_slice(&[f32::MAX, f32::MAX, -f32::MAX]);
    /// assert_eq!(a.finish::<f32>(), f32::MAX); // no intermediate overflow
    /// assert_eq!(a.finish::<f64>(), f32::MAX as f64);
    /// ```
    pub fn finish<T: Float>(&self) -> T {
        T::from_bits_u64(self.finish_format(Format::of::<T>()))
    }

    /// The exact sum divided by the number of terms, rounded once to `T`.
    /// No terms give NaN (0/0).
    ///
    /// ```
    /// use cbrng::reduce::Accumulator;
    /// let mut a = Accumulator::new();
    /// a.add_slice(&[1.0f32, 2.0, 2.0]);
    /// assert_eq!(a.finish_mean::<f32>(), 5.0f32 / 3.0);
    /// ```
    pub fn finish_mean<T: Float>(&self) -> T {
        let f = Format::of::<T>();
        if self.count == 0 {
            return T::from_bits_u64(f.nan_bits());
        }
        if let Some(b) = self.special_bits(f) {
            return T::from_bits_u64(b);
        }
        let (neg, mut mag) = self.magnitude();
        // Long division by the count, top digit first; the remainder becomes
        // the sticky bit (it is far below any format's rounding position).
        let n = u128::from(self.count);
        let mut rem = 0u128;
        for d in mag.iter_mut().rev() {
            let cur = (rem << DIGIT_BITS) | (*d as u128);
            *d = (cur / n) as i64;
            rem = cur % n;
        }
        let bits = match round_magnitude(f, &mag, rem != 0) {
            None => self.zero_bits(f),
            Some(b) => b | if neg { f.sign_bit() } else { 0 },
        };
        T::from_bits_u64(bits)
    }

    /// The square root of the exact sum, rounded once to `T` (used for the L2
    /// norm of an accumulator of squares). A negative sum or -inf gives NaN;
    /// sqrt(-0.0) is -0.0.
    ///
    /// ```
    /// use cbrng::reduce::Accumulator;
    /// let mut a = Accumulator::new();
    /// a.add_squares(&[3.0f64, 4.0]);
    /// assert_eq!(a.finish_sqrt::<f64>(), 5.0);
    /// ```
    pub fn finish_sqrt<T: Float>(&self) -> T {
        let f = Format::of::<T>();
        if self.is_nan() || self.flags & FLAG_NEG_INF != 0 {
            return T::from_bits_u64(f.nan_bits());
        }
        if self.flags & FLAG_POS_INF != 0 {
            return T::from_bits_u64(f.inf_bits());
        }
        let (neg, mag) = self.magnitude();
        if mag.iter().all(|&d| d == 0) {
            return T::from_bits_u64(self.zero_bits(f));
        }
        if neg {
            return T::from_bits_u64(f.nan_bits());
        }
        // The result is the smallest encoding b whose upper midpoint m(b)
        // satisfies S < m(b)^2, or S == m(b)^2 with b even (ties to even).
        // Nonnegative encodings are ordered like their values: binary search.
        let ok = |b: u64| -> bool {
            if b >= f.inf_bits() {
                return true;
            }
            let (m, q) = match decode(f, b) {
                Class::Zero(_) => (0, f.qmin()),
                Class::Finite { m, q, .. } => (m, q),
                _ => unreachable!("finite nonnegative encodings only"),
            };
            let mid = 2 * u128::from(m) + 1; // mid(b) = mid * 2^(q-1)
            let c = compare_with_square(&mag, mid, 2 * (q - 1));
            c == std::cmp::Ordering::Less || (c == std::cmp::Ordering::Equal && b & 1 == 0)
        };
        let (mut lo, mut hi) = (0u64, f.inf_bits());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if ok(mid) { hi = mid } else { lo = mid + 1 }
        }
        T::from_bits_u64(lo)
    }
}

/// Compares the normalised nonnegative magnitude `mag` with `(m * 2^e)^2`
/// written as `m^2 * 2^(2e')` where the caller passes `e2 = 2e'`.
fn compare_with_square(mag: &[i64; DIGITS], m: u128, e2: i32) -> std::cmp::Ordering {
    let mut t = Accumulator::new();
    t.digits = *mag;
    // m < 2^55, so m^2 < 2^110 fits.
    t.add_u128(m * m, e2, true);
    let (neg, d) = t.magnitude();
    if d.iter().all(|&x| x == 0) {
        std::cmp::Ordering::Equal
    } else if neg {
        std::cmp::Ordering::Less
    } else {
        std::cmp::Ordering::Greater
    }
}

/// Position of the highest set bit of a normalised magnitude, if any.
fn top_bit(mag: &[i64; DIGITS]) -> Option<u32> {
    (0..DIGITS)
        .rev()
        .find(|&k| mag[k] != 0)
        .map(|k| k as u32 * DIGIT_BITS + 63 - (mag[k] as u64).leading_zeros())
}

/// `n <= 64` bits of `mag` starting at bit `lo`.
fn bits_at(mag: &[i64; DIGITS], lo: u32, n: u32) -> u64 {
    let k = (lo / DIGIT_BITS) as usize;
    let mut w = 0u128;
    for i in 0..3 {
        if let Some(&d) = mag.get(k + i) {
            w |= ((d & MASK32) as u128) << (32 * i);
        }
    }
    let v = (w >> (lo % DIGIT_BITS)) as u64;
    if n >= 64 { v } else { v & ((1u64 << n) - 1) }
}

/// True when any bit of `mag` below bit `t` is set.
fn any_below(mag: &[i64; DIGITS], t: u32) -> bool {
    let k = (t / DIGIT_BITS) as usize;
    mag[..k.min(DIGITS)].iter().any(|&d| d != 0)
        || (k < DIGITS && mag[k] & ((1i64 << (t % DIGIT_BITS)) - 1) != 0)
}

/// Rounds the nonnegative value `mag * 2^-OFFSET` (plus a positive amount
/// below one unit when `sticky`) to format `f`, nearest even. Returns the
/// encoding without sign (+inf's on overflow, 0 when a nonzero value rounds
/// to zero), or `None` when the value is exactly zero.
pub(crate) fn round_magnitude(f: Format, mag: &[i64; DIGITS], sticky: bool) -> Option<u64> {
    let Some(top) = top_bit(mag) else {
        return sticky.then_some(0);
    };
    let p = f.frac_bits + 1;
    let lead = top as i32 - OFFSET;
    // Exponent of the rounding quantum: the last bit of the p-bit significand,
    // or the subnormal quantum, whichever is larger.
    let qe = (lead - (p as i32 - 1)).max(f.qmin());
    let b = (qe + OFFSET) as u32; // > 0 for every supported format
    let mut m = bits_at(mag, b, p);
    let round = bits_at(mag, b - 1, 1) == 1;
    let rest = sticky || any_below(mag, b - 1);
    if round && (rest || m & 1 == 1) {
        m += 1;
    }
    // Encoding = ((qe - qmin) << frac_bits) + m, covering subnormals, the
    // carry into the next binade, and overflow (clamped to +inf).
    let steps = (qe - f.qmin()) as u64;
    if steps > f.exp_max() {
        return Some(f.inf_bits());
    }
    Some(((steps << f.frac_bits) + m).min(f.inf_bits()))
}
