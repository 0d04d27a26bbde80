//! The hot loop: terms are first added into bins, one `u64` per (sign,
//! exponent) pair (two for f64), in four interleaved copies so consecutive
//! terms never wait on each other's store. At the end of a chunk each bin is
//! added once into the [`Accumulator`] at its exponent's position. Bins are
//! plain integer sums, so this is exact and order-free like every other step.

use super::accumulator::{
    Accumulator, FLAG_NAN, FLAG_NEG_INF, FLAG_NOT_NEG_ZERO, FLAG_POS_INF, OFFSET,
};
use super::float::{Class, Float, Format, decode};
use crate::Error;
use crate::cpu::CpuBackend;
use std::ops::Range;

/// Interleaved copies of the bins.
const LANES: usize = 4;
/// Fraction bits of an f64 term kept in its low bin (the other 26 in the high one).
const SPLIT_BITS: u32 = 26;
/// Below this many terms per bin slot, terms go straight into the accumulator.
const DIRECT_BELOW_PER_BIN: usize = 1;
/// Slices shorter than this are summed on the calling thread only.
const PARALLEL_MIN: usize = 1 << 20;

/// A sequence of terms, each given by its encoding in format `FMT`.
pub(crate) trait Terms: Sync {
    const FMT: Format;
    fn bits(&self, i: usize) -> u64;
    /// Adds the terms `range` (counts, flags, value) by a faster exact
    /// path than the bins when the source has one; false when it does not
    /// (and nothing was added).
    fn add_fast(&self, range: Range<usize>, acc: &mut Accumulator) -> bool {
        let _ = (range, acc);
        false
    }
}

/// The values of a slice, and the CPU backend to sum them with.
struct Values<'a, T> {
    xs: &'a [T],
    be: CpuBackend,
}
impl<T: Float> Terms for Values<'_, T> {
    const FMT: Format = Format::of::<T>();
    #[inline(always)]
    fn bits(&self, i: usize) -> u64 {
        self.xs[i].to_bits_u64()
    }
    fn add_fast(&self, range: Range<usize>, acc: &mut Accumulator) -> bool {
        super::fast::add_slice(self.be, &self.xs[range], acc)
    }
}

/// Exact f64 squares of a slice of a narrow format (f32, f16, bf16): a
/// product of two values of at most 24 significand bits whose exponents lie
/// in [-298, 256] is an f64 exactly.
struct SquaresF64<'a, T>(&'a [T]);
impl<T: Float> Terms for SquaresF64<'_, T> {
    const FMT: Format = Format::of::<f64>();
    #[inline(always)]
    fn bits(&self, i: usize) -> u64 {
        let x = to_f64(self.0[i]);
        (x * x).to_bits()
    }
}

/// Exact f64 products of two slices of a narrow format.
struct ProductsF64<'a, T>(&'a [T], &'a [T]);
impl<T: Float> Terms for ProductsF64<'_, T> {
    const FMT: Format = Format::of::<f64>();
    #[inline(always)]
    fn bits(&self, i: usize) -> u64 {
        (to_f64(self.0[i]) * to_f64(self.1[i])).to_bits()
    }
}

/// A narrow-format value as f64 (exact: every f32, f16 and bf16 is an f64).
#[inline(always)]
fn to_f64<T: Float>(x: T) -> f64 {
    let f = Format::of::<T>();
    let bits = x.to_bits_u64();
    if f.bits == 32 {
        f64::from(f32::from_bits(bits as u32))
    } else if f.bits == 16 && f.exp_bits == 8 {
        f64::from(f32::from_bits((bits as u32) << 16))
    } else if f.bits == 16 {
        half::f16::from_bits(bits as u16).to_f64()
    } else {
        f64::from_bits(bits)
    }
}

/// One copy of the bins, padded so that the copies do not lie a multiple of
/// 4 KiB apart (stores to one copy would otherwise falsely delay loads from
/// the next on many x86 cores).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct Lane<const NB: usize> {
    bins: [u64; NB],
    _pad: [u64; 9],
}

/// The bins of one format: `LANES` interleaved copies of `NB` slots.
///
/// A term's bin is its encoding shifted right by the fraction width, i.e.
/// its sign and biased exponent together, so the loop never negates. The bin
/// gains the fraction field plus one count unit 2^CS: its low CS bits sum the
/// fractions and its high bits count the terms. The implicit leading bit is
/// added at the fold (count * 2^frac_bits for normal binades), the count says
/// whether a bin of the all-ones exponent holds infinities or NaNs (NaN iff
/// its fraction sum is nonzero), and whether every term was -0.0. So one
/// term costs a load, a shift, an and, an add and one read-modify-write.
/// f64 fractions are split 26 + 26 bits over two bins (the count rides on
/// the low one). With at most 2^L - 1 terms per copy between folds, where
/// L = (63 - piece bits) / 2, neither field can overflow.
pub(super) struct Bins<const NB: usize, const SPLIT: bool> {
    f: Format,
    lanes: Box<[Lane<NB>; LANES]>,
    /// The most terms any copy may hold since the last fold.
    held: usize,
}

impl<const NB: usize, const SPLIT: bool> Bins<NB, SPLIT> {
    /// Empty bins for terms of format `f`.
    pub(super) fn new(f: Format) -> Self {
        debug_assert_eq!(NB, (2usize << f.exp_bits) << usize::from(SPLIT));
        let zero = Lane {
            bins: [0u64; NB],
            _pad: [0; 9],
        };
        Bins {
            f,
            lanes: vec![zero; LANES]
                .into_boxed_slice()
                .try_into()
                .expect("LANES rows"),
            held: 0,
        }
    }

    fn piece(&self) -> u32 {
        if SPLIT { SPLIT_BITS } else { self.f.frac_bits }
    }

    /// L: at most 2^L - 1 terms per copy between folds.
    fn limit_bits(&self) -> u32 {
        (63 - self.piece()) / 2
    }

    /// The most terms one call of [`add_range`](Self::add_range) may take
    /// (any copy then holds at most 2^L - LANES of them).
    pub(super) fn max_range(&self) -> usize {
        LANES * ((1usize << self.limit_bits()) - LANES)
    }

    /// Adds the terms `src[range]` (at most [`max_range`](Self::max_range)),
    /// folding into `acc` first when the copies could overflow. Counts and
    /// flags are the caller's, except what [`fold`](Self::fold) records.
    /// Returns true when a fold it made saw NaNs (see `fold`).
    #[inline]
    pub(super) fn add_range<S: Terms>(
        &mut self,
        src: &S,
        range: Range<usize>,
        acc: &mut Accumulator,
    ) -> bool {
        debug_assert!(range.len() <= self.max_range());
        let per_copy = range.len().div_ceil(LANES);
        let mut rescan = false;
        if self.held + per_copy >= 1usize << self.limit_bits() {
            rescan = self.fold(acc);
        }
        self.held += per_copy;
        let fb = self.f.frac_bits;
        let piece = self.piece();
        let piece_mask = (1u64 << piece) - 1;
        let unit = 1u64 << (piece + self.limit_bits());
        let body = |bits: u64, lane: &mut [u64; NB]| {
            let idx = (bits >> fb) as usize;
            if SPLIT {
                let i = idx << 1;
                lane[i & (NB - 1)] += (bits & piece_mask) + unit;
                lane[(i | 1) & (NB - 1)] += (bits >> piece) & piece_mask;
            } else {
                lane[idx & (NB - 1)] += (bits & piece_mask) + unit;
            }
        };
        let whole = range.start + range.len() / LANES * LANES;
        let mut i = range.start;
        let lanes = &mut *self.lanes;
        while i < whole {
            let [l0, l1, l2, l3] = &mut *lanes;
            body(src.bits(i), &mut l0.bins);
            body(src.bits(i + 1), &mut l1.bins);
            body(src.bits(i + 2), &mut l2.bins);
            body(src.bits(i + 3), &mut l3.bins);
            i += LANES;
        }
        for j in whole..range.end {
            body(src.bits(j), &mut lanes[j - whole].bins);
        }
        rescan
    }

    /// Adds every bin once into `acc` at its exponent's position and empties
    /// the bins. Sets `acc`'s flags for what the bins show (+inf, -inf, a
    /// term other than -0.0); returns true when a bin of the all-ones
    /// exponent holds a NaN, so that the caller classifies its terms one by
    /// one (NaNs and infinities there share a bin).
    pub(super) fn fold(&mut self, acc: &mut Accumulator) -> bool {
        let f = self.f;
        let fb = f.frac_bits;
        let cs = self.piece() + self.limit_bits();
        let field = (1u64 << cs) - 1;
        self.held = 0;
        let mut rescan = false;
        let exp_max = f.exp_max() as usize;
        let width = 1usize << f.exp_bits;
        for idx in 0..2 * width {
            let (neg, e) = (idx >= width, idx & (width - 1));
            let slot = idx << usize::from(SPLIT);
            let (mut lo, mut n, mut hi) = (0u64, 0u64, 0u64);
            for l in self.lanes.iter_mut() {
                lo += l.bins[slot] & field;
                n += l.bins[slot] >> cs;
                l.bins[slot] = 0;
                if SPLIT {
                    hi += l.bins[slot + 1];
                    l.bins[slot + 1] = 0;
                }
            }
            if n == 0 {
                continue;
            }
            if e == exp_max {
                // Only infinities when the fractions sum to zero; otherwise
                // NaNs, maybe with infinities: the caller classifies.
                acc.flags |= FLAG_NOT_NEG_ZERO;
                if lo != 0 || hi != 0 {
                    rescan = true;
                } else {
                    acc.flags |= if neg { FLAG_NEG_INF } else { FLAG_POS_INF };
                }
                continue;
            }
            if !(neg && e == 0 && lo == 0 && hi == 0) {
                acc.flags |= FLAG_NOT_NEG_ZERO;
            }
            let pos = (f.qmin() + e.max(1) as i32 - 1 + OFFSET) as u32;
            // The implicit bit of normal binades: n * 2^fb.
            let implicit = if e == 0 { 0 } else { n };
            if SPLIT {
                if lo != 0 {
                    acc.add_u64_at(lo, pos, neg);
                }
                let hi = hi + (implicit << (fb - SPLIT_BITS));
                if hi != 0 {
                    acc.add_u64_at(hi, pos + SPLIT_BITS, neg);
                }
            } else {
                let m = lo + (implicit << fb);
                if m != 0 {
                    acc.add_u64_at(m, pos, neg);
                }
            }
        }
        rescan
    }
}

/// Adds the terms `src[range]` into `acc` through [`Bins`], a fold per
/// [`Bins::max_range`] terms; counts them and sets every flag.
fn bin_loop<S: Terms, const NB: usize, const SPLIT: bool>(
    src: &S,
    range: Range<usize>,
    acc: &mut Accumulator,
) {
    let f = S::FMT;
    let mut bins = Bins::<NB, SPLIT>::new(f);
    let chunk = bins.max_range();
    let mut start = range.start;
    while start < range.end {
        let end = (start + chunk).min(range.end);
        let early = bins.add_range(src, start..end, acc);
        debug_assert!(!early, "one range per fold");
        if bins.fold(acc) {
            for j in start..end {
                match decode(f, src.bits(j)) {
                    Class::Nan => acc.flags |= FLAG_NAN,
                    Class::Inf(true) => acc.flags |= FLAG_NEG_INF,
                    Class::Inf(false) => acc.flags |= FLAG_POS_INF,
                    _ => {}
                }
            }
        }
        acc.count += (end - start) as u64;
        start = end;
    }
}

/// Adds `src[range]` into `acc`: through the bins for long ranges, term by
/// term for short ones (where clearing the bins would cost more).
fn add_terms<S: Terms>(src: &S, range: Range<usize>, acc: &mut Accumulator) {
    if src.add_fast(range.clone(), acc) {
        return;
    }
    let f = S::FMT;
    let slots = (2usize << f.exp_bits) << usize::from(f.bits == 64);
    if range.len() < slots * DIRECT_BELOW_PER_BIN {
        for i in range {
            acc.add_bits(f, src.bits(i));
        }
        return;
    }
    match (f.bits, f.exp_bits) {
        (64, _) => bin_loop::<S, 8192, true>(src, range, acc),
        (32, _) => bin_loop::<S, 512, false>(src, range, acc),
        (16, 8) => bin_loop::<S, 512, false>(src, range, acc),
        (16, 5) => bin_loop::<S, 64, false>(src, range, acc),
        _ => unreachable!("sealed formats"),
    }
}

/// Threads used for `n` terms when the caller does not say.
pub(crate) fn auto_threads(n: usize) -> usize {
    if n < PARALLEL_MIN {
        1
    } else {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        cores.min(n / (PARALLEL_MIN / 2)).max(1)
    }
}

/// Runs `f` on `threads` contiguous parts of `0..n` and merges the partial
/// states. The result does not depend on `threads`: merging is exact.
fn par_accumulate<F>(n: usize, threads: usize, f: F) -> Accumulator
where
    F: Fn(Range<usize>, &mut Accumulator) + Sync,
{
    let threads = threads.clamp(1, n.max(1));
    let part = |t: usize| (n * t / threads)..(n * (t + 1) / threads);
    if threads == 1 {
        let mut acc = Accumulator::new();
        f(0..n, &mut acc);
        return acc;
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads)
            .map(|t| {
                let f = &f;
                s.spawn(move || {
                    let mut acc = Accumulator::new();
                    f(part(t), &mut acc);
                    acc
                })
            })
            .collect();
        let mut acc = Accumulator::new();
        f(part(0), &mut acc);
        for h in handles {
            acc.merge_exact(&h.join().expect("a reduction thread panicked"));
        }
        acc
    })
}

impl Accumulator {
    /// Adds every value of `xs` exactly, on the calling thread.
    ///
    /// ```
    /// use cbrng::reduce::Accumulator;
    /// let mut a = Accumulator::new();
    /// a.add_slice(&[1e30f32, 1.0, -1e30]);
    /// assert_eq!(a.finish::<f32>(), 1.0);
    /// ```
    pub fn add_slice<T: Float>(&mut self, xs: &[T]) {
        let be = CpuBackend::default_for_process();
        add_terms(&Values { xs, be }, 0..xs.len(), self);
    }

    /// [`add_slice`](Self::add_slice) with the given CPU backend (the
    /// process's default is [`CpuBackend::default_for_process`]). The state
    /// is the same for every backend: [`CpuBackend::Scalar`] adds through
    /// the exponent bins, the others through chunked sums in f64 (f32 and
    /// f64; f16 and bf16 always use the bins). An error when this CPU cannot
    /// run the backend.
    ///
    /// ```
    /// use cbrng::{CpuBackend, reduce::Accumulator};
    /// let xs: Vec<f32> = (0..5000).map(|i| (i as f32).sin() * 1e-3).collect();
    /// let mut a = Accumulator::new();
    /// a.add_slice_with(&xs, CpuBackend::Scalar)?;
    /// let mut b = Accumulator::new();
    /// b.add_slice_with(&xs, CpuBackend::best_available())?;
    /// assert_eq!(a.to_bytes(), b.to_bytes());
    /// # Ok::<(), cbrng::Error>(())
    /// ```
    pub fn add_slice_with<T: Float>(&mut self, xs: &[T], backend: CpuBackend) -> Result<(), Error> {
        backend.check_available()?;
        add_terms(&Values { xs, be: backend }, 0..xs.len(), self);
        Ok(())
    }

    /// Adds every value of `xs` exactly, splitting the work over `threads`
    /// threads (0 = as many as useful). The state is the same for any count.
    ///
    /// ```
    /// use cbrng::reduce::Accumulator;
    /// let xs: Vec<f32> = (0..100_000).map(|i| 1.0 / (i as f32 + 1.0)).collect();
    /// let mut a = Accumulator::new();
    /// a.add_slice_threads(&xs, 3);
    /// let mut b = Accumulator::new();
    /// b.add_slice(&xs);
    /// assert_eq!(a, b);
    /// ```
    pub fn add_slice_threads<T: Float>(&mut self, xs: &[T], threads: usize) {
        let threads = if threads == 0 {
            auto_threads(xs.len())
        } else {
            threads
        };
        let src = Values {
            xs,
            be: CpuBackend::default_for_process(),
        };
        self.merge_exact(&par_accumulate(xs.len(), threads, |r, acc| {
            add_terms(&src, r, acc)
        }));
    }

    /// Adds the exact square of every value of `xs` (f64 squares are exact
    /// 106-bit products; the accumulator spans 2^-2176 to 2^2175, so no
    /// square is ever rounded, underflows or overflows).
    pub fn add_squares<T: Float>(&mut self, xs: &[T]) {
        self.add_squares_threads(xs, 1);
    }

    /// [`add_squares`](Self::add_squares) on `threads` threads (0 = auto).
    pub fn add_squares_threads<T: Float>(&mut self, xs: &[T], threads: usize) {
        let threads = if threads == 0 {
            auto_threads(xs.len())
        } else {
            threads
        };
        let part = if T::BITS == 64 {
            par_accumulate(xs.len(), threads, |r, acc| {
                for &x in &xs[r] {
                    acc.add_product(x, x);
                }
            })
        } else {
            let src = SquaresF64(xs);
            par_accumulate(xs.len(), threads, |r, acc| add_terms(&src, r, acc))
        };
        self.merge_exact(&part);
    }

    /// Adds the exact products `a[i] * b[i]` (a dot product). The slices must
    /// have the same length.
    ///
    /// ```
    /// use cbrng::reduce::Accumulator;
    /// let mut acc = Accumulator::new();
    /// acc.add_products(&[1e20f64, 1.0, -1e20], &[1e20, 1.0, 1e20]).unwrap();
    /// assert_eq!(acc.finish::<f64>(), 1.0);
    /// assert!(acc.add_products(&[1.0f64], &[]).is_err());
    /// ```
    pub fn add_products<T: Float>(&mut self, a: &[T], b: &[T]) -> Result<(), Error> {
        self.add_products_threads(a, b, 1)
    }

    /// [`add_products`](Self::add_products) on `threads` threads (0 = auto).
    pub fn add_products_threads<T: Float>(
        &mut self,
        a: &[T],
        b: &[T],
        threads: usize,
    ) -> Result<(), Error> {
        if a.len() != b.len() {
            return Err(Error::BadParameter {
                reason: format!(
                    "dot product of slices of different lengths ({} and {})",
                    a.len(),
                    b.len()
                ),
            });
        }
        let threads = if threads == 0 {
            auto_threads(a.len())
        } else {
            threads
        };
        let part = if T::BITS == 64 {
            par_accumulate(a.len(), threads, |r, acc| {
                for (&x, &y) in a[r.clone()].iter().zip(&b[r]) {
                    acc.add_product(x, y);
                }
            })
        } else {
            let src = ProductsF64(a, b);
            par_accumulate(a.len(), threads, |r, acc| add_terms(&src, r, acc))
        };
        self.merge_exact(&part);
        Ok(())
    }
}
