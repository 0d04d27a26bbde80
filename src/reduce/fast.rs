//! Chunked exact sums of `f32` and `f64` slices: most chunks of real data are
//! summed exactly with plain vectorised f64 additions, and only their exact
//! totals enter the [`Accumulator`]. The state that results is the one the
//! bins (`bins.rs`, the [`CpuBackend::Scalar`] path) and term-by-term
//! addition give: every step is exact, so the order does not matter.
//!
//! The slice is cut into chunks of [`CHUNK`] terms. A first pass over a
//! chunk (from L1 on the second pass) finds the largest magnitude, for f32
//! also the smallest nonzero one, whether some term is not -0.0, and whether
//! there are infinities or NaNs. Then:
//!
//! * **f32**: when the nonzero terms' biased exponents (subnormals counted
//!   as 1) span fewer than [`F32_WINDOW`] values `emin..=emax`, every term is
//!   a multiple of u = 2^(emin - 150) below 2^(emax - emin + 24) u <=
//!   2^43 u, so any sum of at most 2^10 of them is a multiple of u below
//!   2^53 u: an f64, so **every f64 addition of the terms, in any order, is
//!   exact**. The chunk's terms are widened to f64 and added in 32 lanes,
//!   the lanes added together, and that exact f64 is added to the state.
//! * **f64**: two error-free extraction levels (Rump, Ogita and Oishi's
//!   `ExtractVector`). With |p| < 2^(k - 11) and σ = 2^k,
//!   q = (σ + p) - σ and r = p - q are exact (Sterbenz; r is the rounding
//!   error of σ + p), q is a multiple of 2^(k - 53), |q| < 2^(k - 11) +
//!   2^(k - 53), |r| <= 2^(k - 53); so any sum of at most 2^10 values q is a
//!   multiple of 2^(k - 53) below 2^k: exact in f64 in any order. The
//!   remainders r go through a second level with σ2 = 2^(k - 42) (so that
//!   |r| <= 2^(k2 - 11)). When every second remainder is zero, the two exact
//!   level sums are added to the state; this holds whenever every term's
//!   last bit is at or above 2^(k - 95), i.e. for data within about 2^31 of
//!   the chunk's largest magnitude.
//!
//! Any other chunk (a wider spread, infinities or NaNs, f64 magnitudes of
//! 2^1012 or more) goes through the bins (term by term for short slices),
//! exactly as the scalar path adds it. Counts and flags are recorded per
//! chunk. After [`BACKOFF_AFTER`] such chunks in a row, the sum backs off:
//! the next chunks go to the bins without a first pass, a doubling number
//! of them (from [`BACKOFF_MIN`] to [`BACKOFF_MAX`]) between two tries, so
//! adversarial data costs about what the bins alone cost.
//!
//! The loops are written once over fixed lane arrays and compiled for each
//! backend (`#[target_feature]`: AVX-512F, AVX2; NEON is part of aarch64).

use super::accumulator::{Accumulator, FLAG_NAN, FLAG_NEG_INF, FLAG_NOT_NEG_ZERO, FLAG_POS_INF};
use super::bins::{Bins, Terms};
use super::float::{Float, Format};
use crate::cpu::CpuBackend;
use std::any::TypeId;

/// Terms per chunk: 2^10, the most that the exactness bounds above allow.
pub(crate) const CHUNK: usize = 1 << 10;
/// An f32 chunk is summed in f64 when its nonzero terms' biased exponents
/// span fewer than this many values: 2^10 terms below 2^(W - 1 + 24) units
/// sum below 2^53 units.
pub(crate) const F32_WINDOW: u32 = 20;
/// log2 of the headroom of an extraction level: |p| < 2^(k - GUARD), at most
/// 2^(GUARD - 1) = [`CHUNK`] terms per level sum.
const GUARD: i32 = 11;
/// Bits one f64 extraction level covers: 53 - GUARD.
const LEVEL_BITS: i32 = 53 - GUARD;

/// f32 lanes of the first pass and of the f64 sums (two or four vectors).
const L32: usize = 16;
/// f64 lanes of the extraction levels.
const L64: usize = 16;

/// The terms of a slice, by encoding (for the bins).
struct Encodings<'a, T>(&'a [T]);
impl<T: Float> Terms for Encodings<'_, T> {
    const FMT: Format = Format::of::<T>();
    #[inline(always)]
    fn bits(&self, i: usize) -> u64 {
        self.0[i].to_bits_u64()
    }
}

/// What a chunk's first and second passes found.
enum Chunk {
    /// The chunk's exact sum is `parts[0] + parts[1]` (each an exact f64);
    /// `nonzero`: some term is not -0.0.
    Exact { parts: [f64; 2], nonzero: bool },
    /// Infinities, NaNs or too wide a spread: add it term by term.
    Slow,
}

/// A backend's first passes (the only loops the compiler does not
/// vectorise well by itself: it turns them into gathers).
trait Scan {
    /// (largest |x| encoding, smallest |x| encoding minus 1 (wrapping:
    /// zeros count as the largest), OR of the encodings xor the sign bit
    /// (zero iff every term is -0.0)).
    fn f32(c: &[f32]) -> (u32, u32, u32);
    /// (largest |x| encoding, OR of the encodings xor the sign bit).
    fn f64(c: &[f64]) -> (u64, u64);
}

/// The portable first passes.
struct Portable;
impl Scan for Portable {
    #[inline(always)]
    fn f32(c: &[f32]) -> (u32, u32, u32) {
        scan_f32(c)
    }
    #[inline(always)]
    fn f64(c: &[f64]) -> (u64, u64) {
        scan_f64(c)
    }
}

/// A format with a chunked exact sum.
trait ChunkSum: Float {
    fn chunk<S: Scan>(c: &[Self]) -> Chunk;
}

impl ChunkSum for f32 {
    #[inline(always)]
    fn chunk<S: Scan>(c: &[f32]) -> Chunk {
        let (max_abs, min_abs_less_1, not_neg_zero) = S::f32(c);
        if max_abs >= 0x7f80_0000 {
            return Chunk::Slow;
        }
        let nonzero = not_neg_zero != 0;
        if max_abs == 0 {
            return Chunk::Exact {
                parts: [0.0; 2],
                nonzero,
            };
        }
        // Some term is nonzero, so min_abs_less_1 + 1 does not wrap.
        let emax = (max_abs >> 23).max(1);
        let emin = ((min_abs_less_1 + 1) >> 23).max(1);
        if emax - emin >= F32_WINDOW {
            return Chunk::Slow;
        }
        Chunk::Exact {
            parts: [sum_f32_in_f64(c), 0.0],
            nonzero,
        }
    }
}

impl ChunkSum for f64 {
    #[inline(always)]
    fn chunk<S: Scan>(c: &[f64]) -> Chunk {
        let (max_abs, not_neg_zero) = S::f64(c);
        if max_abs >= 0x7ff0_0000_0000_0000 {
            return Chunk::Slow;
        }
        let nonzero = not_neg_zero != 0;
        if max_abs == 0 {
            return Chunk::Exact {
                parts: [0.0; 2],
                nonzero,
            };
        }
        // |p| < 2^b for every term; σ = 2^k with k = b + GUARD must be finite.
        let b = (max_abs >> 52).max(1) as i32 - 1022;
        let k = b + GUARD;
        if k > 1023 {
            return Chunk::Slow;
        }
        match extract2(c, pow2(k), pow2(k - LEVEL_BITS)) {
            Some(parts) => Chunk::Exact { parts, nonzero },
            None => Chunk::Slow,
        }
    }
}

/// 2^k as an f64, for -1074 <= k <= 1023.
#[inline(always)]
fn pow2(k: i32) -> f64 {
    debug_assert!((-1074..=1023).contains(&k));
    if k >= -1022 {
        f64::from_bits(((k + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (k + 1074))
    }
}

/// [`Scan::f32`], portable.
#[inline(always)]
fn scan_f32(c: &[f32]) -> (u32, u32, u32) {
    let mut mx = [0u32; L32];
    let mut mn = [u32::MAX; L32];
    let mut nz = [0u32; L32];
    let (body, tail) = c.as_chunks::<L32>();
    for v in body {
        for l in 0..L32 {
            let b = v[l].to_bits();
            let a = b & 0x7fff_ffff;
            mx[l] = mx[l].max(a);
            mn[l] = mn[l].min(a.wrapping_sub(1));
            nz[l] |= b ^ 0x8000_0000;
        }
    }
    for (l, &x) in tail.iter().enumerate() {
        let b = x.to_bits();
        let a = b & 0x7fff_ffff;
        mx[l] = mx[l].max(a);
        mn[l] = mn[l].min(a.wrapping_sub(1));
        nz[l] |= b ^ 0x8000_0000;
    }
    (
        mx.into_iter().fold(0, u32::max),
        mn.into_iter().fold(u32::MAX, u32::min),
        nz.into_iter().fold(0, |a, b| a | b),
    )
}

/// [`Scan::f64`], portable.
#[inline(always)]
fn scan_f64(c: &[f64]) -> (u64, u64) {
    const SIGN: u64 = 1 << 63;
    let mut mx = [0u64; L64];
    let mut nz = [0u64; L64];
    let (body, tail) = c.as_chunks::<L64>();
    for v in body {
        for l in 0..L64 {
            let b = v[l].to_bits();
            mx[l] = mx[l].max(b & !SIGN);
            nz[l] |= b ^ SIGN;
        }
    }
    for (l, &x) in tail.iter().enumerate() {
        let b = x.to_bits();
        mx[l] = mx[l].max(b & !SIGN);
        nz[l] |= b ^ SIGN;
    }
    (
        mx.into_iter().fold(0, u64::max),
        nz.into_iter().fold(0, |a, b| a | b),
    )
}

/// Asks for the cache line at `p` (which may lie past the slice: a
/// prefetch never faults), so that the next chunk's first pass finds its
/// data in cache: the second pass of a chunk computes while the memory
/// brings the next one.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it reads nothing and cannot fault.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The sum of a chunk's terms in f64 (exact under the window condition).
#[inline(always)]
fn sum_f32_in_f64(c: &[f32]) -> f64 {
    let mut a = [0f64; 2 * L32];
    let (body, tail) = c.as_chunks::<{ 2 * L32 }>();
    for v in body {
        // 2 * L32 f32 are two 64-byte lines.
        prefetch(v.as_ptr().wrapping_add(CHUNK));
        prefetch(v.as_ptr().wrapping_add(CHUNK + L32));
        for l in 0..2 * L32 {
            a[l] += f64::from(v[l]);
        }
    }
    for (s, &x) in a.iter_mut().zip(tail) {
        *s += f64::from(x);
    }
    a.iter().sum()
}

/// Two extraction levels with σ1 = `s1`, σ2 = `s2`: the exact level sums,
/// or `None` when some second remainder is nonzero.
#[inline(always)]
fn extract2(c: &[f64], s1: f64, s2: f64) -> Option<[f64; 2]> {
    let mut a1 = [0f64; L64];
    let mut a2 = [0f64; L64];
    let mut rest = [0u64; L64];
    let (body, tail) = c.as_chunks::<L64>();
    for v in body {
        // L64 f64 are two 64-byte lines.
        prefetch(v.as_ptr().wrapping_add(CHUNK));
        prefetch(v.as_ptr().wrapping_add(CHUNK + L64 / 2));
        for l in 0..L64 {
            let p = v[l];
            let q1 = (s1 + p) - s1;
            let r1 = p - q1;
            let q2 = (s2 + r1) - s2;
            a1[l] += q1;
            a2[l] += q2;
            rest[l] |= (r1 - q2).to_bits();
        }
    }
    for (l, &p) in tail.iter().enumerate() {
        let q1 = (s1 + p) - s1;
        let r1 = p - q1;
        let q2 = (s2 + r1) - s2;
        a1[l] += q1;
        a2[l] += q2;
        rest[l] |= (r1 - q2).to_bits();
    }
    // A remainder of -0.0 (from a term -0.0) is zero too.
    if rest.into_iter().fold(0, |a, b| a | b) & !(1 << 63) != 0 {
        return None;
    }
    Some([a1.iter().sum(), a2.iter().sum()])
}

/// Consecutive chunks the first pass hands to the bins before the chunked
/// sum backs off: the next chunks go straight to the bins, without the
/// first pass (and, for f64, the extraction) that would fail on them.
const BACKOFF_AFTER: u32 = 4;
/// Chunks of the first back-off; each chunk that fails again after one
/// doubles it, up to [`BACKOFF_MAX`] (2^20 terms between two tries), and a
/// chunk the chunked sum takes ends the back-off.
const BACKOFF_MIN: usize = 16;
/// The longest back-off, in chunks.
const BACKOFF_MAX: usize = 1024;

/// The chunked sum of `xs` into `acc`; `NB`, `SPLIT`: the format's bins.
///
/// Data that the chunked sum cannot take (a wide exponent spread, heavy
/// cancellation of f64 terms far apart) fails chunk after chunk; after
/// [`BACKOFF_AFTER`] such chunks in a row the next ones go straight to the
/// bins, a doubling number of chunks between two tries, so such data costs
/// about what the bins alone cost. Data that never fails never backs off.
/// The state is the same either way (every path is exact).
#[inline(always)]
fn add_chunked<T: ChunkSum, S: Scan, const NB: usize, const SPLIT: bool>(
    xs: &[T],
    acc: &mut Accumulator,
) {
    // Short slices add their slow chunks term by term (clearing and folding
    // the bins would cost more), as the scalar path does.
    let direct = xs.len() < NB;
    let mut bins: Option<Bins<NB, SPLIT>> = None;
    let (mut fails, mut backoff) = (0u32, 0usize);
    let mut rest = xs;
    while !rest.is_empty() {
        if fails >= BACKOFF_AFTER {
            // Back off: `backoff` chunks to the bins, then try again (a
            // failure then backs off twice as long, as `fails` stays put).
            backoff = (backoff * 2).clamp(BACKOFF_MIN, BACKOFF_MAX);
            let (run, tail) = rest.split_at((backoff * CHUNK).min(rest.len()));
            acc.count += run.len() as u64;
            slow_run(run, direct, &mut bins, acc);
            rest = tail;
            continue;
        }
        let (c, tail) = rest.split_at(CHUNK.min(rest.len()));
        rest = tail;
        acc.count += c.len() as u64;
        match T::chunk::<S>(c) {
            Chunk::Exact { parts, nonzero } => {
                if nonzero {
                    acc.flags |= FLAG_NOT_NEG_ZERO;
                }
                acc.add_value_f64(parts[0]);
                acc.add_value_f64(parts[1]);
                (fails, backoff) = (0, 0);
            }
            Chunk::Slow => {
                slow_chunk(c, direct, &mut bins, acc);
                fails += 1;
            }
        }
    }
    if let Some(mut b) = bins {
        let nan = b.fold(acc);
        debug_assert!(!nan, "no infinity or NaN enters the bins here");
    }
}

/// Terms of a piece of a back-off run: checked for infinities and NaNs
/// (from memory), then added to the bins from the cache.
const RUN_PIECE: usize = 4 * CHUNK;

/// Adds a run of chunks the chunked sum backs off from, uncounted, piece by
/// piece: a piece whose terms are all finite goes through the bins at once,
/// any other chunk by chunk as [`slow_chunk`] adds it. Inlined into the
/// backends' functions, so that the check is vectorised with their
/// instructions (it has no early exit for that reason).
#[inline(always)]
fn slow_run<T: Float, const NB: usize, const SPLIT: bool>(
    run: &[T],
    direct: bool,
    bins: &mut Option<Bins<NB, SPLIT>>,
    acc: &mut Accumulator,
) {
    let f = Format::of::<T>();
    let inf = f.inf_bits();
    for piece in run.chunks(RUN_PIECE) {
        // Some term has the all-ones exponent (an infinity or a NaN).
        let special = piece
            .iter()
            .fold(false, |s, x| s | (x.to_bits_u64() & inf == inf));
        if direct || special {
            for c in piece.chunks(CHUNK) {
                slow_chunk(c, direct, bins, acc);
            }
            continue;
        }
        let bins = bins.get_or_insert_with(|| Bins::new(f));
        // RUN_PIECE is below every format's max_range (2^20 and more).
        let nan = bins.add_range(&Encodings(piece), 0..piece.len(), acc);
        debug_assert!(!nan, "no infinity or NaN enters the bins here");
    }
}

/// Adds a chunk the chunked sum cannot take, uncounted: term by term, or
/// through the bins with infinities and NaNs recorded here and added to the
/// bins as +0.0 (which, like them, is a term other than -0.0).
#[inline(never)]
#[cold]
fn slow_chunk<T: Float, const NB: usize, const SPLIT: bool>(
    c: &[T],
    direct: bool,
    bins: &mut Option<Bins<NB, SPLIT>>,
    acc: &mut Accumulator,
) {
    let f = Format::of::<T>();
    if direct {
        for &x in c {
            acc.add_term_uncounted(f, x.to_bits_u64());
        }
        return;
    }
    let bins = bins.get_or_insert_with(|| Bins::new(f));
    let abs = f.sign_bit() - 1;
    if c.iter().all(|x| x.to_bits_u64() & abs < f.inf_bits()) {
        let nan = bins.add_range(&Encodings(c), 0..c.len(), acc);
        debug_assert!(!nan);
        return;
    }
    let mut finite = [T::from_bits_u64(0); CHUNK];
    for (y, &x) in finite.iter_mut().zip(c) {
        let b = x.to_bits_u64();
        if b & abs > f.inf_bits() {
            acc.flags |= FLAG_NAN | FLAG_NOT_NEG_ZERO;
        } else if b & abs == f.inf_bits() {
            acc.flags |= FLAG_NOT_NEG_ZERO
                | if b & f.sign_bit() != 0 {
                    FLAG_NEG_INF
                } else {
                    FLAG_POS_INF
                };
        } else {
            *y = x;
        }
    }
    let nan = bins.add_range(&Encodings(&finite[..c.len()]), 0..c.len(), acc);
    debug_assert!(!nan);
}

macro_rules! backends {
    ($t:ty, $nb:expr, $split:expr, $portable:ident, $avx2:ident, $avx512:ident) => {
        fn $portable(xs: &[$t], acc: &mut Accumulator) {
            add_chunked::<$t, Portable, $nb, $split>(xs, acc)
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        fn $avx2(xs: &[$t], acc: &mut Accumulator) {
            add_chunked::<$t, x86::Avx2, $nb, $split>(xs, acc)
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,avx512dq")]
        fn $avx512(xs: &[$t], acc: &mut Accumulator) {
            add_chunked::<$t, x86::Avx512, $nb, $split>(xs, acc)
        }
    };
}
backends!(f32, 512, false, f32_portable, f32_avx2, f32_avx512);
backends!(f64, 8192, true, f64_portable, f64_avx2, f64_avx512);

/// The first passes with AVX2 and AVX-512F intrinsics.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Scan;
    use std::arch::x86_64::*;

    /// The scalar first pass of the terms after the last whole vector,
    /// merged into a vector pass's results.
    #[inline(always)]
    fn tail_f32(t: &[f32], (mut mx, mut mn, mut nz): (u32, u32, u32)) -> (u32, u32, u32) {
        for &x in t {
            let b = x.to_bits();
            let a = b & 0x7fff_ffff;
            mx = mx.max(a);
            mn = mn.min(a.wrapping_sub(1));
            nz |= b ^ 0x8000_0000;
        }
        (mx, mn, nz)
    }

    #[inline(always)]
    fn tail_f64(t: &[f64], (mut mx, mut nz): (u64, u64)) -> (u64, u64) {
        for &x in t {
            let b = x.to_bits();
            mx = mx.max(b & !(1 << 63));
            nz |= b ^ (1 << 63);
        }
        (mx, nz)
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn scan_f32_avx512(c: &[f32]) -> (u32, u32, u32) {
        let abs = _mm512_set1_epi32(0x7fff_ffff);
        let sign = _mm512_set1_epi32(i32::MIN);
        let one = _mm512_set1_epi32(1);
        let mut mx = _mm512_setzero_si512();
        let mut mn = _mm512_set1_epi32(-1);
        let mut nz = _mm512_setzero_si512();
        let (body, tail) = c.as_chunks::<16>();
        for v in body {
            // SAFETY: 16 f32 = 64 readable bytes; unaligned load.
            let b = unsafe { _mm512_loadu_si512(v.as_ptr().cast()) };
            let a = _mm512_and_si512(b, abs);
            mx = _mm512_max_epu32(mx, a);
            mn = _mm512_min_epu32(mn, _mm512_sub_epi32(a, one));
            nz = _mm512_or_si512(nz, _mm512_xor_si512(b, sign));
        }
        let v = (
            _mm512_reduce_max_epu32(mx),
            _mm512_reduce_min_epu32(mn),
            _mm512_reduce_or_epi32(nz) as u32,
        );
        tail_f32(tail, v)
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn scan_f64_avx512(c: &[f64]) -> (u64, u64) {
        let abs = _mm512_set1_epi64(i64::MAX);
        let sign = _mm512_set1_epi64(i64::MIN);
        let mut mx = _mm512_setzero_si512();
        let mut nz = _mm512_setzero_si512();
        let (body, tail) = c.as_chunks::<8>();
        for v in body {
            // SAFETY: 8 f64 = 64 readable bytes; unaligned load.
            let b = unsafe { _mm512_loadu_si512(v.as_ptr().cast()) };
            mx = _mm512_max_epu64(mx, _mm512_and_si512(b, abs));
            nz = _mm512_or_si512(nz, _mm512_xor_si512(b, sign));
        }
        let v = (
            _mm512_reduce_max_epu64(mx),
            _mm512_reduce_or_epi64(nz) as u64,
        );
        tail_f64(tail, v)
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn scan_f32_avx2(c: &[f32]) -> (u32, u32, u32) {
        let abs = _mm256_set1_epi32(0x7fff_ffff);
        let sign = _mm256_set1_epi32(i32::MIN);
        let one = _mm256_set1_epi32(1);
        let mut mx = _mm256_setzero_si256();
        let mut mn = _mm256_set1_epi32(-1);
        let mut nz = _mm256_setzero_si256();
        let (body, tail) = c.as_chunks::<8>();
        for v in body {
            // SAFETY: 8 f32 = 32 readable bytes; unaligned load.
            let b = unsafe { _mm256_loadu_si256(v.as_ptr().cast()) };
            let a = _mm256_and_si256(b, abs);
            mx = _mm256_max_epu32(mx, a);
            mn = _mm256_min_epu32(mn, _mm256_sub_epi32(a, one));
            nz = _mm256_or_si256(nz, _mm256_xor_si256(b, sign));
        }
        let lanes = |v: __m256i| -> [u32; 8] {
            let mut out = [0u32; 8];
            // SAFETY: 32 writable bytes; unaligned store.
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), v) };
            out
        };
        let v = (
            lanes(mx).into_iter().fold(0, u32::max),
            lanes(mn).into_iter().fold(u32::MAX, u32::min),
            lanes(nz).into_iter().fold(0, |a, b| a | b),
        );
        tail_f32(tail, v)
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn scan_f64_avx2(c: &[f64]) -> (u64, u64) {
        let abs = _mm256_set1_epi64x(i64::MAX);
        let sign = _mm256_set1_epi64x(i64::MIN);
        let mut mx = _mm256_setzero_si256();
        let mut nz = _mm256_setzero_si256();
        let (body, tail) = c.as_chunks::<4>();
        for v in body {
            // SAFETY: 4 f64 = 32 readable bytes; unaligned load.
            let b = unsafe { _mm256_loadu_si256(v.as_ptr().cast()) };
            // Magnitudes are below 2^63: the signed compare orders them.
            let a = _mm256_and_si256(b, abs);
            mx = _mm256_blendv_epi8(mx, a, _mm256_cmpgt_epi64(a, mx));
            nz = _mm256_or_si256(nz, _mm256_xor_si256(b, sign));
        }
        let lanes = |v: __m256i| -> [u64; 4] {
            let mut out = [0u64; 4];
            // SAFETY: 32 writable bytes; unaligned store.
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), v) };
            out
        };
        let v = (
            lanes(mx).into_iter().fold(0, u64::max),
            lanes(nz).into_iter().fold(0, |a, b| a | b),
        );
        tail_f64(tail, v)
    }

    /// AVX2 first passes; only used from `#[target_feature(enable = "avx2")]`
    /// functions, after `CpuBackend::Avx2.is_available()`.
    pub(super) struct Avx2;
    impl Scan for Avx2 {
        #[inline(always)]
        fn f32(c: &[f32]) -> (u32, u32, u32) {
            // SAFETY: see the type's comment.
            unsafe { scan_f32_avx2(c) }
        }
        #[inline(always)]
        fn f64(c: &[f64]) -> (u64, u64) {
            // SAFETY: see the type's comment.
            unsafe { scan_f64_avx2(c) }
        }
    }

    /// AVX-512F first passes; only used from `#[target_feature(enable =
    /// "avx512f,avx512dq")]` functions, after `CpuBackend::Avx512.is_available()`.
    pub(super) struct Avx512;
    impl Scan for Avx512 {
        #[inline(always)]
        fn f32(c: &[f32]) -> (u32, u32, u32) {
            // SAFETY: see the type's comment.
            unsafe { scan_f32_avx512(c) }
        }
        #[inline(always)]
        fn f64(c: &[f64]) -> (u64, u64) {
            // SAFETY: see the type's comment.
            unsafe { scan_f64_avx512(c) }
        }
    }
}

macro_rules! dispatch {
    ($be:expr, $xs:expr, $acc:expr, $portable:ident, $avx2:ident, $avx512:ident) => {
        match $be {
            // SAFETY: a CpuBackend::Avx2 value only reaches here after
            // `CpuBackend::is_available` (the process default and
            // `Accumulator::add_slice_with` check it).
            #[cfg(target_arch = "x86_64")]
            CpuBackend::Avx2 => unsafe { $avx2($xs, $acc) },
            // SAFETY: as above, for AVX-512F + AVX-512DQ.
            #[cfg(target_arch = "x86_64")]
            CpuBackend::Avx512 => unsafe { $avx512($xs, $acc) },
            _ => $portable($xs, $acc),
        }
    };
}

/// Adds every term of `xs` (counts, flags, value) with backend `be`'s
/// chunked sum; false (and nothing added) for [`CpuBackend::Scalar`] and
/// for the formats without one (f16, bf16), which the bins take.
pub(crate) fn add_slice<T: Float>(be: CpuBackend, xs: &[T], acc: &mut Accumulator) -> bool {
    if be == CpuBackend::Scalar {
        return false;
    }
    let (ptr, len) = (xs.as_ptr(), xs.len());
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        // SAFETY: T is f32, so this is the same slice with its own type.
        let xs = unsafe { std::slice::from_raw_parts(ptr.cast::<f32>(), len) };
        dispatch!(be, xs, acc, f32_portable, f32_avx2, f32_avx512);
        true
    } else if TypeId::of::<T>() == TypeId::of::<f64>() {
        // SAFETY: T is f64, as above.
        let xs = unsafe { std::slice::from_raw_parts(ptr.cast::<f64>(), len) };
        dispatch!(be, xs, acc, f64_portable, f64_avx2, f64_avx512);
        true
    } else {
        false
    }
}
