//! The limb form of an [`Accumulator`]: a fixed-size vector of signed 64-bit
//! integers whose element-wise integer sum over any number of states (up to
//! [`MAX_LIMB_STATES`]) is the limb form of their merge. An all-reduce with
//! a collective's own integer `SUM` (MPI's `MPI_SUM` on `MPI_INT64_T`, NCCL's
//! `ncclSum` on `ncclInt64`, `torch.distributed.all_reduce` on an int64
//! tensor) is then exact and associative: every rank gets the same limbs, so
//! every rank rounds the same exact value to the same bits, whatever the
//! number of ranks, the split of the data and the collective's algorithm
//! (ring, tree, ...).
//!
//! The layout and its headroom are documented on [`LIMBS`].

use super::accumulator::{
    Accumulator, DIGITS, FLAG_NAN, FLAG_NEG_INF, FLAG_NOT_NEG_ZERO, FLAG_POS_INF, MAX_TERMS,
    normalize_digits,
};
use crate::Error;

/// Limbs in one state's limb form: the digits, then eight bookkeeping limbs.
///
/// # Layout, version 1 ([`LIMBS`] = 144 limbs, 1152 bytes)
///
/// | limbs | content of one state |
/// |---|---|
/// | `0 .. 136` | the exact value's digits, normalised: digit `k` weighs 2^(32k − 2176); digits `0..135` are in `[0, 2^32)`, digit 135 is `0` (value ≥ 0) or `−1` (value < 0): the value in two's complement |
/// | `136` | the term count's low 32 bits |
/// | `137` | the term count's high bits (`count >> 32`, at most 2^31) |
/// | `138` | 1 if a term was NaN, else 0 |
/// | `139` | 1 if a term was +inf, else 0 |
/// | `140` | 1 if a term was −inf, else 0 |
/// | `141` | 1 if a term was not −0.0, else 0 |
/// | `142` | 1: the number of states summed |
/// | `143` | [`LIMBS_TAG`]: a layout check |
///
/// # Headroom
///
/// Every limb of one state is below 2^32 in magnitude, so the sum of up to
/// [`MAX_LIMB_STATES`] = 2^30 states stays below 2^62: no limb can overflow.
/// [`Accumulator::from_limb_sum`] reads the state count from limb 142 and
/// refuses a sum of more states (or of a tag that does not match the count,
/// or limbs out of their range): beyond the bound, an error, never a wrong
/// value. The merged count is checked against [`MAX_TERMS`](super::MAX_TERMS)
/// as [`Accumulator::merge`] does.
pub const LIMBS: usize = DIGITS + 8;
/// Limb 143 of every state: `"CB"` in ASCII, then the layout version 1
/// (below 2^31, so 2^30 tags sum without overflow).
/// A summed vector whose tag is not `states × LIMBS_TAG` mixed layouts.
pub const LIMBS_TAG: i64 = 0x4342_0001;
/// The most states one limb sum may hold: 2^30.
pub const MAX_LIMB_STATES: i64 = 1 << 30;

const COUNT_LO: usize = DIGITS;
const COUNT_HI: usize = DIGITS + 1;
const FLAG_LIMBS: [(usize, u8); 4] = [
    (DIGITS + 2, FLAG_NAN),
    (DIGITS + 3, FLAG_POS_INF),
    (DIGITS + 4, FLAG_NEG_INF),
    (DIGITS + 5, FLAG_NOT_NEG_ZERO),
];
const STATES: usize = DIGITS + 6;
const TAG: usize = DIGITS + 7;

/// The flags word of a device state made from a refused limb sum by
/// `cbrng_limbs_to_state` (kernels/cbrng/limbs.cuh): this bit, plus the
/// verdict in the low byte.
pub(crate) const DEVICE_LIMB_ERROR: u64 = 0x100;

/// Why the device refused a limb sum, when a device state's flags word says
/// it did (the verdicts of `cbrng_limbs_to_state`, in the order of the
/// checks [`Accumulator::from_limb_sum`] makes).
pub(crate) fn device_limb_error(flags: u64) -> Option<String> {
    if flags & !0xff != DEVICE_LIMB_ERROR {
        return None;
    }
    let what = match flags & 0xff {
        1 => "its state count is not 1 to 2^30",
        2 => {
            "its layout tag does not match its state count (the states were not all limb forms of this version)"
        }
        3 => "a digit limb is out of range for its state count",
        4 => "a count limb is out of range for its state count",
        5 => "the merged count passes the limit of 2^63 terms",
        6 => "a flag limb is out of range for its state count",
        _ => "an unknown verdict",
    };
    Some(format!("the GPU refused the all-reduced limb sum: {what}"))
}

fn bad(reason: impl Into<String>) -> Error {
    Error::BadState {
        reason: reason.into(),
    }
}

impl Accumulator {
    /// The state's limb form (layout on [`LIMBS`]). Sum the limb forms of
    /// several states element-wise, in any order and grouping, and
    /// [`from_limb_sum`](Self::from_limb_sum) gives their merge.
    ///
    /// ```
    /// use cbrng::reduce::{Accumulator, LIMBS};
    /// let (mut a, mut b) = (Accumulator::new(), Accumulator::new());
    /// a.add_slice(&[1e300f64, 1.0]);
    /// b.add_slice(&[-1e300f64, 0.5]);
    /// // What an all-reduce with an integer SUM does, here by hand:
    /// let sum: Vec<i64> = a.to_limbs().iter().zip(b.to_limbs()).map(|(x, y)| x + y).collect();
    /// assert_eq!(sum.len(), LIMBS);
    /// let merged = Accumulator::from_limb_sum(&sum)?;
    /// assert_eq!(merged.finish::<f64>(), 1.5);
    /// assert_eq!(merged.count(), 4);
    /// # Ok::<(), cbrng::Error>(())
    /// ```
    pub fn to_limbs(&self) -> [i64; LIMBS] {
        let mut limbs = [0i64; LIMBS];
        let mut d = self.digits;
        normalize_digits(&mut d);
        limbs[..DIGITS].copy_from_slice(&d);
        limbs[COUNT_LO] = (self.count & 0xffff_ffff) as i64;
        limbs[COUNT_HI] = (self.count >> 32) as i64;
        for (at, flag) in FLAG_LIMBS {
            limbs[at] = i64::from(self.flags & flag != 0);
        }
        limbs[STATES] = 1;
        limbs[TAG] = LIMBS_TAG;
        limbs
    }

    /// The merge of the states whose limb forms were summed element-wise into
    /// `limbs` (by an all-reduce, or by hand). Checks the layout tag, the
    /// number of states (1 to [`MAX_LIMB_STATES`]), every limb's range for
    /// that many states, the merged count (at most 2^63 terms) and the
    /// state's invariants; anything else is an error, never a wrong value.
    pub fn from_limb_sum(limbs: &[i64]) -> Result<Accumulator, Error> {
        if limbs.len() != LIMBS {
            return Err(bad(format!(
                "a limb sum has {LIMBS} limbs, not {}",
                limbs.len()
            )));
        }
        let states = limbs[STATES];
        if !(1..=MAX_LIMB_STATES).contains(&states) {
            return Err(bad(format!(
                "a limb sum holds 1 to 2^30 states, not {states}"
            )));
        }
        if i128::from(limbs[TAG]) != i128::from(states) * i128::from(LIMBS_TAG) {
            return Err(bad(format!(
                "the limbs' layout tag {:#x} is not {states} × {LIMBS_TAG:#x}: the states were not all limb forms of this version",
                limbs[TAG]
            )));
        }
        // Each state's limbs lie in fixed ranges, so their sum does too.
        let within = |x: i64, lo: i64, hi: i64| -> bool {
            i128::from(x) >= i128::from(lo) * i128::from(states)
                && i128::from(x) <= i128::from(hi) * i128::from(states)
        };
        for (k, &d) in limbs[..DIGITS].iter().enumerate() {
            let ok = if k + 1 < DIGITS {
                within(d, 0, 0xffff_ffff)
            } else {
                within(d, -1, 0)
            };
            if !ok {
                return Err(bad(format!(
                    "digit limb {k} ({d}) is out of range for {states} states"
                )));
            }
        }
        if !within(limbs[COUNT_LO], 0, 0xffff_ffff) || !within(limbs[COUNT_HI], 0, 1 << 31) {
            return Err(bad(format!(
                "count limbs ({}, {}) are out of range for {states} states",
                limbs[COUNT_LO], limbs[COUNT_HI]
            )));
        }
        let count = (u128::from(limbs[COUNT_HI] as u64) << 32) + u128::from(limbs[COUNT_LO] as u64);
        if count > u128::from(MAX_TERMS) {
            return Err(Error::Overflow {
                what: format!("the merged count of {count} terms passes the limit of 2^63"),
            });
        }
        let mut flags = 0u8;
        for (at, flag) in FLAG_LIMBS {
            if !within(limbs[at], 0, 1) {
                return Err(bad(format!(
                    "flag limb {at} ({}) is out of range for {states} states",
                    limbs[at]
                )));
            }
            if limbs[at] > 0 {
                flags |= flag;
            }
        }
        let mut acc = Accumulator::new();
        acc.digits.copy_from_slice(&limbs[..DIGITS]);
        acc.normalize();
        acc.count = count as u64;
        acc.flags = flags;
        acc.check_invariants()?;
        Ok(acc)
    }

    /// The limb forms of several states (rows of a row-wise sum), one after
    /// the other: `rows.len() × LIMBS` limbs for one all-reduce.
    pub fn rows_to_limbs(rows: &[Accumulator]) -> Vec<i64> {
        rows.iter().flat_map(|r| r.to_limbs()).collect()
    }

    /// The merged rows from summed [`rows_to_limbs`](Self::rows_to_limbs)
    /// vectors; the length must be a multiple of [`LIMBS`].
    pub fn rows_from_limb_sum(limbs: &[i64]) -> Result<Vec<Accumulator>, Error> {
        if !limbs.len().is_multiple_of(LIMBS) {
            return Err(bad(format!(
                "a row-wise limb sum has a multiple of {LIMBS} limbs, not {}",
                limbs.len()
            )));
        }
        limbs
            .chunks_exact(LIMBS)
            .map(Accumulator::from_limb_sum)
            .collect()
    }
}
