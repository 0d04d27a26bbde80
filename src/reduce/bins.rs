//! The hot loop: terms are first added into exponent bins, one `i64` per
//! exponent value (two for f64: the significand is split 26 + 27 bits), in
//! four interleaved copies so consecutive terms never wait on each other's
//! store. A bin gains less than 2^27 per term, so a chunk of up to 2^32 terms
//! cannot overflow; at the end of a chunk each bin is added once into the
//! [`Accumulator`] at its exponent's position. Bins are plain integer sums, so
//! this is exact and order-free like every other step.

use super::accumulator::{
    Accumulator, FLAG_NAN, FLAG_NEG_INF, FLAG_NOT_NEG_ZERO, FLAG_POS_INF, OFFSET,
};
use super::float::{Class, Float, Format, decode};
use crate::Error;
use std::ops::Range;

/// Interleaved copies of the bins.
const LANES: usize = 4;
/// Terms per chunk: bins hold less than 2^27 * 2^32 < 2^63.
const CHUNK: u64 = 1 << 32;
/// Low significand bits of an f64 term kept in its low bin.
const SPLIT_BITS: u32 = 26;
/// Below this many terms per bin slot, terms go straight into the accumulator.
const DIRECT_BELOW_PER_BIN: usize = 1;
/// Slices shorter than this are summed on the calling thread only.
const PARALLEL_MIN: usize = 1 << 20;

/// A sequence of terms, each given by its encoding in format `FMT`.
pub(crate) trait Terms: Sync {
    const FMT: Format;
    fn bits(&self, i: usize) -> u64;
}

/// The values of a slice.
struct Values<'a, T>(&'a [T]);
impl<T: Float> Terms for Values<'_, T> {
    const FMT: Format = Format::of::<T>();
    #[inline(always)]
    fn bits(&self, i: usize) -> u64 {
        self.0[i].to_bits_u64()
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

/// Adds the terms `src[range]` into `acc` through the bins.
fn bin_loop<S: Terms, const NB: usize, const SPLIT: bool>(
    src: &S,
    range: Range<usize>,
    acc: &mut Accumulator,
) {
    let f = S::FMT;
    debug_assert_eq!(NB, (1usize << f.exp_bits) << usize::from(SPLIT));
    let fb = f.frac_bits;
    let exp_mask = f.exp_max();
    let frac_mask = (1u64 << fb) - 1;
    let neg_zero = f.sign_bit();
    let mut bins: Box<[[i64; NB]; LANES]> = vec![[0i64; NB]; LANES]
        .into_boxed_slice()
        .try_into()
        .expect("LANES rows");
    let mut start = range.start;
    while start < range.end {
        let end = (start as u64 + CHUNK).min(range.end as u64) as usize;
        let mut special = 0u64;
        let mut not_neg_zero = 0u64;
        let mut body = |bits: u64, lane: &mut [i64; NB]| {
            let e = (bits >> fb) & exp_mask;
            let m = (bits & frac_mask) | (u64::from(e != 0) << fb);
            let s = -(((bits >> (f.bits - 1)) & 1) as i64);
            special |= u64::from(e == exp_mask);
            not_neg_zero |= bits ^ neg_zero;
            if SPLIT {
                let lo = (m & ((1 << SPLIT_BITS) - 1)) as i64;
                let hi = (m >> SPLIT_BITS) as i64;
                let i = (e as usize) << 1;
                lane[i & (NB - 1)] += (lo ^ s) - s;
                lane[(i | 1) & (NB - 1)] += (hi ^ s) - s;
            } else {
                lane[e as usize & (NB - 1)] += ((m as i64) ^ s) - s;
            }
        };
        let whole = start + (end - start) / LANES * LANES;
        let mut i = start;
        while i < whole {
            let [l0, l1, l2, l3] = &mut *bins;
            body(src.bits(i), l0);
            body(src.bits(i + 1), l1);
            body(src.bits(i + 2), l2);
            body(src.bits(i + 3), l3);
            i += LANES;
        }
        for j in whole..end {
            body(src.bits(j), &mut bins[0]);
        }
        // Fold the bins into the accumulator (the all-ones exponent's bins
        // hold infinities and NaNs and are dropped; the flags say what they were).
        for e in 0..exp_mask as usize {
            let pos = f.qmin() + e.max(1) as i32 - 1 + OFFSET;
            let parts: &[(usize, i32)] = if SPLIT {
                &[(2 * e, 0), (2 * e + 1, SPLIT_BITS as i32)]
            } else {
                &[(e, 0)]
            };
            for &(slot, shift) in parts {
                let v: i64 = bins.iter().map(|l| l[slot]).sum();
                if v != 0 {
                    acc.add_u64_at(v.unsigned_abs(), (pos + shift) as u32, v < 0);
                }
            }
        }
        for l in bins.iter_mut() {
            l.fill(0);
        }
        acc.count += (end - start) as u64;
        if not_neg_zero != 0 {
            acc.flags |= FLAG_NOT_NEG_ZERO;
        }
        if special != 0 {
            for j in start..end {
                match decode(f, src.bits(j)) {
                    Class::Nan => acc.flags |= FLAG_NAN,
                    Class::Inf(true) => acc.flags |= FLAG_NEG_INF,
                    Class::Inf(false) => acc.flags |= FLAG_POS_INF,
                    _ => {}
                }
            }
        }
        start = end;
    }
}

/// Adds `src[range]` into `acc`: through the bins for long ranges, term by
/// term for short ones (where clearing the bins would cost more).
fn add_terms<S: Terms>(src: &S, range: Range<usize>, acc: &mut Accumulator) {
    let f = S::FMT;
    let slots = (1usize << f.exp_bits) << usize::from(f.bits == 64);
    if range.len() < slots * DIRECT_BELOW_PER_BIN {
        for i in range {
            acc.add_bits(f, src.bits(i));
        }
        return;
    }
    match (f.bits, f.exp_bits) {
        (64, _) => bin_loop::<S, 4096, true>(src, range, acc),
        (32, _) => bin_loop::<S, 256, false>(src, range, acc),
        (16, 8) => bin_loop::<S, 256, false>(src, range, acc),
        (16, 5) => bin_loop::<S, 32, false>(src, range, acc),
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
            acc.merge(&h.join().expect("a reduction thread panicked"));
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
        add_terms(&Values(xs), 0..xs.len(), self);
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
        let src = Values(xs);
        self.merge(&par_accumulate(xs.len(), threads, |r, acc| {
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
        self.merge(&part);
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
        self.merge(&part);
        Ok(())
    }
}
