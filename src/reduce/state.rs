//! The serialised form of an [`Accumulator`]: a partial state that can travel
//! between threads, processes and machines and be merged anywhere.
//!
//! # Format, version 1 (all integers little-endian)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `CBRNGACC` |
//! | 8 | 2 | version, `1` |
//! | 10 | 1 | flags: bit 0 a NaN term, bit 1 a +inf term, bit 2 a -inf term, bit 3 a term other than -0.0; other bits 0 |
//! | 11 | 1 | sign of the exact finite part: 0 (≥ 0) or 1 (< 0) |
//! | 12 | 8 | number of terms (u64) |
//! | 20 | 2 | `lo`: index of the first stored digit (u16) |
//! | 22 | 2 | `len`: number of stored digits (u16) |
//! | 24 | 4·len | magnitude digits `lo..lo+len` (u32 each); digit `k` weighs 2^(32k − 2176) |
//!
//! The form is canonical, so equal states give equal bytes: a zero magnitude
//! has `lo = len = 0` and sign 0; otherwise the first and the last stored
//! digits are nonzero. Reading checks every field and the total length, and
//! the state's invariants (the same check [`Accumulator::merge`] makes): at
//! most [`MAX_TERMS`](super::MAX_TERMS) = 2^63 terms; no terms means an empty
//! state; each NaN/+inf/-inf flag takes a term, and the `n` other terms bound
//! the magnitude, `|sum| < n · 2^2048` (no finite term or product reaches
//! 2^2048). So a damaged or forged state is an error, never a panic, and any
//! state read merges and reads back.

use super::accumulator::{Accumulator, DIGITS, FLAGS_ALL, MAG_DIGITS};
use crate::Error;

/// The first 8 bytes of every serialised state.
pub const STATE_MAGIC: [u8; 8] = *b"CBRNGACC";
/// The version written by [`Accumulator::to_bytes`].
pub const STATE_VERSION: u16 = 1;
const HEADER: usize = 24;

fn bad(reason: impl Into<String>) -> Error {
    Error::BadState {
        reason: reason.into(),
    }
}

/// Words in the state the GPU kernels write (`struct cbrng_reduce_state` in
/// `kernels/cbrng/reduce.cuh`): [`DIGITS`] digits, the count, the flags.
pub const DEVICE_STATE_WORDS: usize = DIGITS + 2;

impl Accumulator {
    /// Reads the state written by the GPU kernels (`cbrng_reduce_combine`
    /// in `kernels/reduce.cu`): [`DIGITS`] signed digits, not normalised,
    /// digit `k` weighing 2^(32k - 2176), then the term count, then the flags
    /// (the bits of [`from_bytes`](Self::from_bytes)). Checked like bytes.
    ///
    /// ```
    /// use cbrng::reduce::{Accumulator, DEVICE_STATE_WORDS};
    /// let mut w = [0u64; DEVICE_STATE_WORDS];
    /// w[68] = 3; // 3 * 2^(32*68 - 2176) = 3.0
    /// w[68 + 1] = u64::MAX; // minus 2^32 ...
    /// w[68] = w[68].wrapping_add(1 << 32); // ... plus 2^32: still 3.0
    /// w[DEVICE_STATE_WORDS - 2] = 2; // two terms
    /// w[DEVICE_STATE_WORDS - 1] = 8; // some term was not -0.0
    /// let a = Accumulator::from_device_state(&w).unwrap();
    /// assert_eq!(a.finish::<f32>(), 3.0);
    /// assert_eq!(a.finish_mean::<f32>(), 1.5);
    /// ```
    pub fn from_device_state(words: &[u64]) -> Result<Accumulator, Error> {
        if words.len() != DEVICE_STATE_WORDS {
            return Err(bad(format!(
                "a device state has {DEVICE_STATE_WORDS} words, not {}",
                words.len()
            )));
        }
        let (count, flags) = (words[DIGITS], words[DIGITS + 1]);
        if let Some(reason) = super::limbs::device_limb_error(flags) {
            return Err(bad(reason));
        }
        if flags & !u64::from(FLAGS_ALL) != 0 {
            return Err(bad(format!("unknown flag bits {flags:#x}")));
        }
        let mut acc = Accumulator::new();
        for (d, &w) in acc.digits.iter_mut().zip(words) {
            let v = w as i64;
            if v.unsigned_abs() >= 1 << 62 {
                return Err(bad(format!("digit {v} is out of range")));
            }
            *d = v;
        }
        acc.normalize();
        acc.count = count;
        acc.flags = flags as u8;
        acc.check_invariants()?;
        Ok(acc)
    }

    /// The state as bytes (format version 1, documented in this module's source
    /// and in [`from_bytes`](Self::from_bytes)).
    ///
    /// ```
    /// use cbrng::reduce::Accumulator;
    /// let mut a = Accumulator::new();
    /// a.add_slice(&[0.5f64, -3.25, 1e-300]);
    /// let bytes = a.to_bytes();
    /// assert_eq!(&bytes[..8], b"CBRNGACC");
    /// assert_eq!(Accumulator::from_bytes(&bytes).unwrap(), a);
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let (neg, mag) = self.magnitude();
        let nz: Vec<usize> = (0..DIGITS).filter(|&k| mag[k] != 0).collect();
        let (lo, len) = match (nz.first(), nz.last()) {
            (Some(&a), Some(&b)) => (a, b + 1 - a),
            _ => (0, 0),
        };
        let mut out = Vec::with_capacity(HEADER + 4 * len);
        out.extend_from_slice(&STATE_MAGIC);
        out.extend_from_slice(&STATE_VERSION.to_le_bytes());
        out.push(self.flags);
        out.push(u8::from(neg && len > 0));
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&(lo as u16).to_le_bytes());
        out.extend_from_slice(&(len as u16).to_le_bytes());
        for &d in &mag[lo..lo + len] {
            out.extend_from_slice(&(d as u32).to_le_bytes());
        }
        out
    }

    /// Reads a state written by [`to_bytes`](Self::to_bytes), checking it.
    ///
    /// Format version 1, little-endian: magic `CBRNGACC` (8 bytes), version
    /// u16 = 1, flags u8 (bit 0 NaN, 1 +inf, 2 -inf, 3 a term other than
    /// -0.0), sign u8 (0 or 1), term count u64, `lo` u16, `len` u16, then
    /// `len` u32 digits of the magnitude from digit `lo` up (digit `k` weighs
    /// 2^(32k - 2176)). Canonical: no leading or trailing zero digit, sign 0
    /// for zero.
    ///
    /// ```
    /// use cbrng::reduce::Accumulator;
    /// assert!(Accumulator::from_bytes(b"not a state").is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Accumulator, Error> {
        if bytes.len() < HEADER {
            return Err(bad(format!(
                "{} bytes is shorter than the {HEADER}-byte header",
                bytes.len()
            )));
        }
        if bytes[..8] != STATE_MAGIC {
            return Err(bad("missing the CBRNGACC magic"));
        }
        let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
        let version = u16_at(8);
        if version != STATE_VERSION {
            return Err(bad(format!(
                "format version {version} is not supported (this build reads {STATE_VERSION})"
            )));
        }
        let flags = bytes[10];
        if flags & !FLAGS_ALL != 0 {
            return Err(bad(format!("unknown flag bits {flags:#04x}")));
        }
        let sign = bytes[11];
        if sign > 1 {
            return Err(bad(format!("sign byte {sign} is not 0 or 1")));
        }
        let count = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
        let (lo, len) = (usize::from(u16_at(20)), usize::from(u16_at(22)));
        if bytes.len() != HEADER + 4 * len {
            return Err(bad(format!(
                "{} bytes, but a header with {len} digits needs {}",
                bytes.len(),
                HEADER + 4 * len
            )));
        }
        if lo + len > MAG_DIGITS {
            return Err(bad(format!(
                "digits {lo}..{} lie beyond the accumulator's {MAG_DIGITS} digits",
                lo + len
            )));
        }
        let digit = |i: usize| {
            let o = HEADER + 4 * i;
            u32::from_le_bytes(bytes[o..o + 4].try_into().expect("4 bytes"))
        };
        if len == 0 && (lo != 0 || sign != 0) {
            return Err(bad("a zero magnitude must have lo = 0 and sign 0"));
        }
        if len > 0 && (digit(0) == 0 || digit(len - 1) == 0) {
            return Err(bad(
                "not canonical: the first and last digits must be nonzero",
            ));
        }
        let mut acc = Accumulator::new();
        for i in 0..len {
            acc.digits[lo + i] = i64::from(digit(i));
        }
        if sign == 1 {
            for d in acc.digits.iter_mut() {
                *d = -*d;
            }
            acc.normalize();
        }
        acc.count = count;
        acc.flags = flags;
        acc.check_invariants()?;
        Ok(acc)
    }
}
