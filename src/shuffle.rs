//! A random-access permutation: [`Permutation::index`] maps position `i` of
//! `[0, n)` to `index(i)`, a bijection computed in O(1) per element with no
//! table, so any rank, shard or position of epoch `e`'s order is made on its
//! own, with no state to save. [`Permutation::inverse`] maps back. The CPU
//! moves data through it at memory speed ([`Permutation::permute`],
//! [`Permutation::shuffle_in_place`]); the GPU has a bit-for-bit twin
//! (`kernels/cbrng/shuffle.cuh`, `Gpu::permute` with feature `cuda`), and the
//! program prints it (`cbrng permute`).
//!
//! ```
//! use cbrng::{Algorithm, Stream, shuffle::Permutation};
//! // Epoch 3's order of a 1000-sample data set, seed 42: the stream id is the epoch.
//! let p = Permutation::new(&Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 3)?, 1000)?;
//! let j = p.index(17)?; // the sample visited 18th
//! assert_eq!(p.inverse(j)?, 17);
//! let mut order = vec![0u64; 1000];
//! p.indices(0, &mut order)?; // the whole order (or any slice of it)
//! assert_eq!(order[17], j);
//! let data: Vec<u32> = (0..1000).collect();
//! let mut shuffled = vec![0u32; 1000];
//! p.permute(&data, &mut shuffled)?; // shuffled[i] = data[index(i)]
//! assert_eq!(shuffled[17] as u64, j);
//! # Ok::<(), cbrng::Error>(())
//! ```
//!
//! # The definition (permutation version [`PERMUTATION_VERSION`])
//!
//! This is a contract, like the stream contract: the same (key, stream id, n)
//! gives the same order on every machine, CPU or GPU, in every future
//! version; `tests/data/permutation_v1.txt` (made by
//! `tests/data/gen_permutation_reference.py`, an independent Python
//! implementation of this text) pins it.
//!
//! 1. **Round keys.** `h = DerivedKey::new(key, ["permutation", stream id, n])`
//!    and `g = h.child([1])` ([`crate::derive`]: a string label, then
//!    integer labels). Round key `k[2m]` is the low half and `k[2m + 1]` the
//!    high half of `h.words()[m]` (m = 0..4), and `k[8 + 2m]`, `k[9 + 2m]`
//!    the halves of `g.words()[m]` (m = 0, 1): [`PERMUTATION_ROUNDS`] = 12
//!    keys of 32 bits. Only the key's words and the stream id enter, not the
//!    generator's name; the order of every `n` is unrelated to that of every
//!    other `n`.
//! 2. **Domain.** `b` = the bit length of `n - 1`, at least
//!    [`PERMUTATION_MIN_BITS`] = 8 (so `2^b` is the next power of two at or
//!    above `n`, and at least 256); the high half has `L = b / 2` bits and
//!    the low half `R = b - L` (`4 <= L <= R <= 32`). A value `x < 2^b` is
//!    the pair `(l, r) = (x >> R, x mod 2^R)`.
//! 3. **Round function.** `F(v, k, w) = (lo ^ hi) >> (32 - w)`, where
//!    `(hi, lo)` are the high and low 32 bits of the 64-bit product
//!    `(v ^ k) * PHILOX_M2X32_0` (Philox2x32's multiply, [`crate::generator::philox`]):
//!    `w` bits, each depending on every bit of `v`.
//! 4. **Feistel network `E`** on `[0, 2^b)`: for round `j = 0, 1, ..., 11`,
//!    even `j`: `l ^= F(r, k[j], L)`; odd `j`: `r ^= F(l, k[j], R)`. Then
//!    `E(x) = (l << R) | r`. Each round is its own inverse, so `E` is a
//!    bijection and `E^-1` runs the rounds from 11 down to 0.
//! 5. **Cycle walking.** `index(i)` for `i < n` is the first of `E(i),
//!    E(E(i)), ...` that is below `n`; `inverse(j)` the same with `E^-1`.
//!    Both are bijections of `[0, n)` (the walk follows `i`'s cycle of `E`
//!    and stops at the next member of `[0, n)`). For `n <= 1` the
//!    permutation is the identity.
//!
//! # Cost and limits
//!
//! `n` is any u64 (up to `2^64 - 1`), `n = 0` (no positions) and `n = 1`
//! included; positions are u64 and one at or past `n` is an error. A walk
//! applies `E` `2^b / n` times on average over the positions: below 2 for
//! `n > 128`, exactly once when `n` is a power of two >= 256, and up to
//! `256 / n` for the smallest `n` (whose whole order is then still only 256
//! applications of `E`). A walk longer than `t` steps has probability about
//! `(1 - n / 2^b)^t` (`<= 2^-t` for `n > 128`). One `E` is 12 rounds of one
//! 32x32-bit multiply each; [`Permutation::indices`] runs 16 positions per
//! vector (AVX-512; 8 with AVX2) and re-queues the lanes whose walk goes on.
//!
//! # Quality, and why 12 rounds and 8 bits
//!
//! Twelve Feistel rounds with a keyed multiply-and-fold round function: each
//! half is rewritten six times from the other. `tests/shuffle.rs` measures,
//! over 20 000 keys, where each element lands (chi-square against `1/n` per
//! cell), where pairs of elements land, and the number of fixed points
//! (against the exact law of a uniform permutation), for small `n`, `n =
//! 2^k` and `2^k ± 1`, with their p-values. The same measurements at 100 000
//! keys chose the parameters: 8 rounds fail (fixed points of n = 1000 and
//! 1025, p < 1e-9), and so do halves of 1 to 3 bits at 8 and 12 rounds (n =
//! 5, 8, 33: the round function of a 1-bit half is nearly constant), while
//! 10 and 12 rounds over at least 8 bits pass everywhere; at 300 000 keys
//! (three key sets, 38 statistics each, n from 2 to 1025) 12 rounds show no
//! deviation beyond chance (smallest p 1.7e-3, 1.8e-2, 1.7e-2), and 16
//! rounds do no better (`tests/data/shuffle_rounds.rs` is the program that
//! measured this). A Feistel network on a
//! power-of-two domain with halves of 2 bits or more is an even permutation
//! (each round is a product of an even number of transpositions), so for
//! `n = 2^b >= 256` only even permutations occur; positions, pairs and fixed
//! points are unaffected by that, and other `n` reach odd ones too. This is
//! a shuffle for data loading and sampling, not a cryptographic cipher.

use crate::cpu::{CpuBackend, CpuOptions, threads};
use crate::derive::{DerivedKey, Label};
use crate::error::Error;
use crate::generator::philox::PHILOX_M2X32_0;
use crate::stream::Stream;

/// Version of the permutation's definition (the section above). It changes
/// if (and only if) any order ever changes.
pub const PERMUTATION_VERSION: u32 = 1;

/// Feistel rounds of the permutation (and 32-bit round keys).
pub const PERMUTATION_ROUNDS: usize = 12;

/// The least bit width `b` of the Feistel network's domain.
pub const PERMUTATION_MIN_BITS: u32 = 8;

/// The string label of the round keys' derivation path.
pub const PERMUTATION_LABEL: &str = "permutation";

/// Positions per vector in [`Permutation::indices`] and the gathers.
const LANES: usize = 16;

/// Positions computed per step into a stack buffer by the gathers.
const CHUNK: usize = 1024;

/// A keyed random-access permutation of `[0, n)`; see the [module
/// docs](self) for its exact definition. Cheap to copy (64 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Permutation {
    n: u64,
    keys: [u32; PERMUTATION_ROUNDS],
    /// Bits of the high half (`L`).
    lbits: u32,
    /// Bits of the low half (`R`).
    rbits: u32,
}

/// The round function `F(v, k, w)` with `shift = 32 - w`: Philox2x32's
/// multiply of `v ^ k`, its two halves folded, the top `w` bits.
#[inline(always)]
fn round_fn(v: u32, k: u32, shift: u32) -> u32 {
    let p = u64::from(v ^ k) * u64::from(PHILOX_M2X32_0);
    ((p as u32) ^ ((p >> 32) as u32)) >> shift
}

impl Permutation {
    /// The permutation of `[0, n)` for a stream's key and id (the id is the
    /// natural place for an epoch). Infallible for every `n` today; the
    /// `Result` is the crate's convention for constructors.
    pub fn new(stream: &Stream, n: u64) -> Result<Permutation, Error> {
        let h = DerivedKey::new(
            stream.key(),
            &[
                Label::Str(PERMUTATION_LABEL),
                Label::Int(stream.id()),
                Label::Int(n),
            ],
        );
        let g = h.child(&[Label::Int(1)]).words();
        let h = h.words();
        let keys = core::array::from_fn(|j| {
            let w = if j < 8 { h[j / 2] } else { g[(j - 8) / 2] };
            (w >> (32 * (j % 2))) as u32
        });
        Ok(Self::from_round_keys(n, keys))
    }

    /// [`Permutation::new`] for `philox4x32-10`'s stream (seed, stream id):
    /// what `cbrng permute --seed S --stream ID` prints.
    pub fn from_seed(seed: u64, stream: u64, n: u64) -> Result<Permutation, Error> {
        Self::new(
            &Stream::from_seed(crate::Algorithm::PHILOX4X32_10, seed, stream)?,
            n,
        )
    }

    /// The permutation with explicit round keys (step 1 of the definition
    /// skipped): for tests and for device code that receives the keys.
    pub fn from_round_keys(n: u64, keys: [u32; PERMUTATION_ROUNDS]) -> Permutation {
        let b = (64 - n.saturating_sub(1).leading_zeros()).max(PERMUTATION_MIN_BITS);
        let lbits = b / 2;
        Permutation {
            n,
            keys,
            lbits,
            rbits: b - lbits,
        }
    }

    /// The number of positions `n`.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// True when `n = 0`.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The round keys `k[0..12]` (step 1 of the definition).
    pub fn round_keys(&self) -> [u32; PERMUTATION_ROUNDS] {
        self.keys
    }

    /// The round keys in pairs, as the device functions take them
    /// (`kernels/cbrng/shuffle.cuh`, `cbrng_permutation_make`): word `m` is
    /// `k[2m] | k[2m + 1] << 32`.
    pub fn round_key_words(&self) -> [u64; PERMUTATION_ROUNDS / 2] {
        let k = self.keys;
        core::array::from_fn(|m| u64::from(k[2 * m]) | (u64::from(k[2 * m + 1]) << 32))
    }

    /// The bits of the high and low halves, `(L, R)` (step 2).
    pub fn half_bits(&self) -> (u32, u32) {
        (self.lbits, self.rbits)
    }

    /// `E(x)` for `x < 2^b` (step 4).
    #[inline(always)]
    fn encrypt(&self, x: u64) -> u64 {
        let (mut l, mut r) = self.split(x);
        let (sl, sr) = (32 - self.lbits, 32 - self.rbits);
        for j in 0..PERMUTATION_ROUNDS {
            if j % 2 == 0 {
                l ^= round_fn(r, self.keys[j], sl);
            } else {
                r ^= round_fn(l, self.keys[j], sr);
            }
        }
        self.join(l, r)
    }

    /// `E^-1(y)` for `y < 2^b`.
    #[inline(always)]
    fn decrypt(&self, y: u64) -> u64 {
        let (mut l, mut r) = self.split(y);
        let (sl, sr) = (32 - self.lbits, 32 - self.rbits);
        for j in (0..PERMUTATION_ROUNDS).rev() {
            if j % 2 == 0 {
                l ^= round_fn(r, self.keys[j], sl);
            } else {
                r ^= round_fn(l, self.keys[j], sr);
            }
        }
        self.join(l, r)
    }

    #[inline(always)]
    fn split(&self, x: u64) -> (u32, u32) {
        ((x >> self.rbits) as u32, (x & self.rmask()) as u32)
    }

    #[inline(always)]
    fn join(&self, l: u32, r: u32) -> u64 {
        (u64::from(l) << self.rbits) | u64::from(r)
    }

    #[inline(always)]
    fn rmask(&self) -> u64 {
        (1u64 << self.rbits) - 1
    }

    fn check_position(&self, what: &str, i: u64) -> Result<(), Error> {
        if i >= self.n {
            return Err(Error::BadParameter {
                reason: format!("{what} {i} is not below the permutation's size {}", self.n),
            });
        }
        Ok(())
    }

    /// The position `index(i)` that position `i` maps to; an error for `i >= n`.
    pub fn index(&self, i: u64) -> Result<u64, Error> {
        self.check_position("position", i)?;
        Ok(self.index_in_range(i))
    }

    /// [`Permutation::index`] for an `i` already checked against `n`.
    #[inline]
    fn index_in_range(&self, i: u64) -> u64 {
        if self.n <= 1 {
            return i;
        }
        let mut y = self.encrypt(i);
        while y >= self.n {
            y = self.encrypt(y);
        }
        y
    }

    /// The position `i` with `index(i) = j`; an error for `j >= n`.
    pub fn inverse(&self, j: u64) -> Result<u64, Error> {
        self.check_position("value", j)?;
        if self.n <= 1 {
            return Ok(j);
        }
        let mut x = self.decrypt(j);
        while x >= self.n {
            x = self.decrypt(x);
        }
        Ok(x)
    }

    /// Checks that positions `[first, first + count)` exist.
    fn check_range(&self, first: u64, count: usize) -> Result<(), Error> {
        let end = u128::from(first) + count as u128;
        if end > u128::from(self.n) {
            return Err(Error::BadParameter {
                reason: format!(
                    "positions [{first}, {end}) pass the permutation's size {}",
                    self.n
                ),
            });
        }
        Ok(())
    }

    /// `out[k] = index(first + k)`: any slice of the order, the same values
    /// however it is cut. Uses [`CpuOptions::auto`].
    pub fn indices(&self, first: u64, out: &mut [u64]) -> Result<(), Error> {
        self.indices_with(&CpuOptions::auto(), first, out)
    }

    /// [`Permutation::indices`] with an explicit backend and thread count
    /// (the values never depend on them).
    pub fn indices_with(
        &self,
        opts: &CpuOptions,
        first: u64,
        out: &mut [u64],
    ) -> Result<(), Error> {
        self.check_range(first, out.len())?;
        let be = opts.backend();
        threads::for_parts(out, opts.threads(), |at, part| {
            self.indices_in_range(be, first + at as u64, part)
        });
        Ok(())
    }

    /// `dst[i] = src[index(i)]` (a gather: `dst` is `src` in the shuffled
    /// order); both hold `n` elements. Uses [`CpuOptions::auto`]: every core
    /// for large arrays.
    pub fn permute<T: Copy + Send + Sync>(&self, src: &[T], dst: &mut [T]) -> Result<(), Error> {
        self.permute_with(&CpuOptions::auto(), src, dst)
    }

    /// [`Permutation::permute`] with an explicit backend and thread count.
    pub fn permute_with<T: Copy + Send + Sync>(
        &self,
        opts: &CpuOptions,
        src: &[T],
        dst: &mut [T],
    ) -> Result<(), Error> {
        for (what, len) in [("source", src.len()), ("destination", dst.len())] {
            if len as u128 != u128::from(self.n) {
                return Err(Error::LengthMismatch {
                    what: what.into(),
                    got: len,
                    want: usize::try_from(self.n).unwrap_or(usize::MAX),
                });
            }
        }
        let be = opts.backend();
        threads::for_parts(dst, opts.threads(), |at, part| {
            let mut idx = [0u64; CHUNK];
            let mut first = at as u64;
            for chunk in part.chunks_mut(CHUNK) {
                let idx = &mut idx[..chunk.len()];
                self.indices_in_range(be, first, idx);
                for (d, &j) in chunk.iter_mut().zip(idx.iter()) {
                    *d = src[j as usize];
                }
                first += chunk.len() as u64;
            }
        });
        Ok(())
    }

    /// Shuffles `data` (of `n` elements) into the permutation's order:
    /// afterwards `data[i]` is the old `data[index(i)]`, as
    /// [`Permutation::permute`] would write it. Copies `data` once (n
    /// elements of scratch memory) and gathers from the copy.
    pub fn shuffle_in_place<T: Copy + Send + Sync>(&self, data: &mut [T]) -> Result<(), Error> {
        self.shuffle_in_place_with(&CpuOptions::auto(), data)
    }

    /// [`Permutation::shuffle_in_place`] with an explicit backend and thread count.
    pub fn shuffle_in_place_with<T: Copy + Send + Sync>(
        &self,
        opts: &CpuOptions,
        data: &mut [T],
    ) -> Result<(), Error> {
        if data.len() as u128 != u128::from(self.n) {
            return Err(Error::LengthMismatch {
                what: "data".into(),
                got: data.len(),
                want: usize::try_from(self.n).unwrap_or(usize::MAX),
            });
        }
        let src = data.to_vec();
        self.permute_with(opts, &src, data)
    }

    /// `out[k] = index(first + k)` for a range already checked.
    fn indices_in_range(&self, be: CpuBackend, first: u64, out: &mut [u64]) {
        if self.n <= 1 {
            for (k, o) in out.iter_mut().enumerate() {
                *o = first + k as u64;
            }
            return;
        }
        match be {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a CpuOptions backend is one this CPU runs
            // (CpuOptions::with_backend and auto check it).
            CpuBackend::Avx512 => unsafe { avx512::indices(self, first, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            CpuBackend::Avx2 => unsafe { avx2::indices(self, first, out) },
            _ => self.walk::<LANES>(first, out, |x| self.encrypt_vector(x)),
        }
    }

    /// `E` on LANES values held as halves, lane by lane (written for the
    /// compiler to vectorise: one multiply per lane and round).
    #[inline(always)]
    fn encrypt_lanes(&self, l: &mut [u32; LANES], r: &mut [u32; LANES]) {
        let (sl, sr) = (32 - self.lbits, 32 - self.rbits);
        for j in 0..PERMUTATION_ROUNDS {
            let k = self.keys[j];
            if j % 2 == 0 {
                for t in 0..LANES {
                    l[t] ^= round_fn(r[t], k, sl);
                }
            } else {
                for t in 0..LANES {
                    r[t] ^= round_fn(l[t], k, sr);
                }
            }
        }
    }

    /// `E` on LANES values (any value of a lane past the caller's data is
    /// computed too and ignored).
    #[inline(always)]
    fn encrypt_vector(&self, x: &[u64; LANES]) -> [u64; LANES] {
        let (rb, rm) = (self.rbits, self.rmask());
        let mut l = [0u32; LANES];
        let mut r = [0u32; LANES];
        for t in 0..LANES {
            l[t] = (x[t] >> rb) as u32;
            r[t] = (x[t] & rm) as u32;
        }
        self.encrypt_lanes(&mut l, &mut r);
        core::array::from_fn(|t| (u64::from(l[t]) << rb) | u64::from(r[t]))
    }

    /// The cycle walk over `out`, W positions per call of `e` (the network
    /// `E` on W values), in steps of [`WALK`] positions: one pass of `E` over
    /// the step's positions, written straight to `out`; then the lanes that
    /// landed at or past `n` are gathered (branch-free) and go through `E`
    /// again, W at a time, until none is left. When `n` is the domain's
    /// power of two no lane ever walks on and the step is one pass.
    #[inline(always)]
    fn walk<const W: usize>(&self, first: u64, out: &mut [u64], e: impl Fn(&[u64; W]) -> [u64; W]) {
        const { assert!(W <= MAX_W) };
        let n = self.n;
        let bits = self.lbits + self.rbits;
        let whole = bits < 64 && n == 1u64 << bits;
        let mut base = first;
        for step in out.chunks_mut(WALK) {
            let len = step.len();
            for (v, o) in step.chunks_mut(W).enumerate() {
                let at = v * W;
                // Lanes past the data hold a position too (ignored).
                let x = core::array::from_fn(|t| base.wrapping_add((at + t) as u64));
                let y = e(&x);
                o.copy_from_slice(&y[..o.len()]);
            }
            base = base.wrapping_add(len as u64);
            if whole {
                continue;
            }
            // Room for a whole vector past the last entry: a vector is read
            // whole, its lanes past `m` ignored.
            let mut pos = [0u16; WALK + MAX_W];
            let mut val = [0u64; WALK + MAX_W];
            let mut m = 0;
            for (k, &y) in step.iter().enumerate() {
                pos[m] = k as u16;
                val[m] = y;
                m += usize::from(y >= n);
            }
            while m > 0 {
                // Compacted in place: entry `kept` is written after entry
                // `s + t >= kept` was read.
                let mut kept = 0;
                let mut s = 0;
                while s < m {
                    let x = val[s..s + W].try_into().expect("W values");
                    let y = e(&x);
                    for (t, &v) in y.iter().enumerate().take(m - s) {
                        let k = pos[s + t];
                        step[usize::from(k)] = v;
                        pos[kept] = k;
                        val[kept] = v;
                        kept += usize::from(v >= n);
                    }
                    s += W;
                }
                m = kept;
            }
        }
    }
}

/// Positions per step of the cycle walk ([`Permutation::walk`]); fits a u16.
const WALK: usize = 512;

/// The most values a vector call of the walk takes.
const MAX_W: usize = 64;

/// The network `E` on 32 values at a time in four AVX2 vectors of 8 u32
/// lanes, as [`avx512`] does it (domains of up to 32 bits; wider ones take
/// the portable lanes compiled for AVX2).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{PERMUTATION_ROUNDS, Permutation};
    use crate::generator::philox::PHILOX_M2X32_0;
    use std::arch::x86_64::*;

    /// Vectors in flight.
    const V: usize = 4;
    /// Positions per call.
    const W: usize = 8 * V;

    /// `F` on 8 lanes: `(lo ^ hi) >> shift` of `(v ^ k) * M`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn round_fn(v: __m256i, k: __m256i, m: __m256i, shift: __m128i) -> __m256i {
        let u = _mm256_xor_si256(v, k);
        let even = _mm256_mul_epu32(u, m);
        let odd = _mm256_mul_epu32(_mm256_srli_epi64::<32>(u), m);
        let fe = _mm256_xor_si256(even, _mm256_srli_epi64::<32>(even));
        let fo = _mm256_xor_si256(odd, _mm256_slli_epi64::<32>(odd));
        _mm256_srl_epi32(_mm256_blend_epi32::<0xAA>(fe, fo), shift)
    }

    /// `E` on 32 values below `2^b`, `b <= 32`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn encrypt(p: &Permutation, x: &[u64; W]) -> [u64; W] {
        let m = _mm256_set1_epi32(PHILOX_M2X32_0 as i32);
        let rb = _mm_cvtsi32_si128(p.rbits as i32);
        let sl = _mm_cvtsi32_si128((32 - p.lbits) as i32);
        let sr = _mm_cvtsi32_si128((32 - p.rbits) as i32);
        let rmask = _mm256_set1_epi32(((1u64 << p.rbits) - 1) as i32);
        let x32: [u32; W] = core::array::from_fn(|t| x[t] as u32);
        let mut l = [_mm256_setzero_si256(); V];
        let mut r = [_mm256_setzero_si256(); V];
        for v in 0..V {
            // SAFETY: x32 holds 8 * V u32; each load reads 8 of them.
            let xv = unsafe { _mm256_loadu_si256(x32.as_ptr().add(8 * v) as *const __m256i) };
            l[v] = _mm256_srl_epi32(xv, rb);
            r[v] = _mm256_and_si256(xv, rmask);
        }
        for j in 0..PERMUTATION_ROUNDS {
            let k = _mm256_set1_epi32(p.keys[j] as i32);
            if j % 2 == 0 {
                for v in 0..V {
                    l[v] = _mm256_xor_si256(l[v], round_fn(r[v], k, m, sl));
                }
            } else {
                for v in 0..V {
                    r[v] = _mm256_xor_si256(r[v], round_fn(l[v], k, m, sr));
                }
            }
        }
        let mut y = [0u64; W];
        for v in 0..V {
            let y32 = _mm256_or_si256(_mm256_sll_epi32(l[v], rb), r[v]);
            let a = _mm256_cvtepu32_epi64(_mm256_castsi256_si128(y32));
            let b = _mm256_cvtepu32_epi64(_mm256_extracti128_si256::<1>(y32));
            // SAFETY: y holds 8 * V u64; each store writes 4 of them.
            unsafe {
                let q = y.as_mut_ptr().add(8 * v) as *mut __m256i;
                _mm256_storeu_si256(q, a);
                _mm256_storeu_si256(q.add(1), b);
            }
        }
        y
    }

    /// [`Permutation::walk`] with the AVX2 network (or, for domains wider
    /// than 32 bits, the portable lanes compiled for AVX2).
    #[target_feature(enable = "avx2")]
    pub(super) fn indices(p: &Permutation, first: u64, out: &mut [u64]) {
        if p.lbits + p.rbits <= 32 {
            p.walk::<W>(first, out, |x| encrypt(p, x))
        } else {
            p.walk::<{ super::LANES }>(first, out, |x| p.encrypt_vector(x))
        }
    }
}

/// The network `E` on 64 values at a time in four AVX-512 vectors of 16
/// u32 lanes (domains of up to 32 bits; wider ones take the portable lanes
/// compiled for AVX-512). The round function per vector: `vpmuludq` on the
/// even and the odd lanes gives each lane's 64-bit product, and a blend
/// puts each lane's `lo ^ hi` back in its lane.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{PERMUTATION_ROUNDS, Permutation};
    use crate::generator::philox::PHILOX_M2X32_0;
    use std::arch::x86_64::*;

    /// Vectors in flight: the rounds of one are a chain of dependent
    /// multiplies, four hide its latency.
    const V: usize = 4;
    /// Positions per call.
    const W: usize = 16 * V;

    /// `F` on 16 lanes: `(lo ^ hi) >> shift` of `(v ^ k) * M`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn round_fn(v: __m512i, k: __m512i, m: __m512i, shift: __m128i) -> __m512i {
        let u = _mm512_xor_si512(v, k);
        let even = _mm512_mul_epu32(u, m);
        let odd = _mm512_mul_epu32(_mm512_srli_epi64::<32>(u), m);
        // Even lanes: the low half of each 64-bit product ^ its high half.
        let fe = _mm512_xor_si512(even, _mm512_srli_epi64::<32>(even));
        // Odd lanes: the same, formed in the high half.
        let fo = _mm512_xor_si512(odd, _mm512_slli_epi64::<32>(odd));
        _mm512_srl_epi32(_mm512_mask_blend_epi32(0xAAAA, fe, fo), shift)
    }

    /// `E` on 64 values below `2^b`, `b <= 32`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn encrypt(p: &Permutation, x: &[u64; W]) -> [u64; W] {
        let m = _mm512_set1_epi32(PHILOX_M2X32_0 as i32);
        let rb = _mm_cvtsi32_si128(p.rbits as i32);
        let sl = _mm_cvtsi32_si128((32 - p.lbits) as i32);
        let sr = _mm_cvtsi32_si128((32 - p.rbits) as i32);
        let rmask = _mm512_set1_epi32(((1u64 << p.rbits) - 1) as i32);
        let mut l = [_mm512_setzero_si512(); V];
        let mut r = [_mm512_setzero_si512(); V];
        for v in 0..V {
            // SAFETY: x holds 16 * V u64; each load reads 8 of them.
            let (a, b) = unsafe {
                let q = x.as_ptr().add(16 * v) as *const __m512i;
                (_mm512_loadu_si512(q), _mm512_loadu_si512(q.add(1)))
            };
            let x32 = _mm512_inserti64x4::<1>(
                _mm512_castsi256_si512(_mm512_cvtepi64_epi32(a)),
                _mm512_cvtepi64_epi32(b),
            );
            l[v] = _mm512_srl_epi32(x32, rb);
            r[v] = _mm512_and_si512(x32, rmask);
        }
        for j in 0..PERMUTATION_ROUNDS {
            let k = _mm512_set1_epi32(p.keys[j] as i32);
            if j % 2 == 0 {
                for v in 0..V {
                    l[v] = _mm512_xor_si512(l[v], round_fn(r[v], k, m, sl));
                }
            } else {
                for v in 0..V {
                    r[v] = _mm512_xor_si512(r[v], round_fn(l[v], k, m, sr));
                }
            }
        }
        let mut y = [0u64; W];
        for v in 0..V {
            let y32 = _mm512_or_si512(_mm512_sll_epi32(l[v], rb), r[v]);
            let a = _mm512_cvtepu32_epi64(_mm512_castsi512_si256(y32));
            let b = _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64::<1>(y32));
            // SAFETY: y holds 16 * V u64; each store writes 8 of them.
            unsafe {
                let q = y.as_mut_ptr().add(16 * v) as *mut __m512i;
                _mm512_storeu_si512(q, a);
                _mm512_storeu_si512(q.add(1), b);
            }
        }
        y
    }

    /// [`Permutation::walk`] with the AVX-512 network (or, for domains
    /// wider than 32 bits, the portable lanes compiled for AVX-512).
    #[target_feature(enable = "avx512f")]
    pub(super) fn indices(p: &Permutation, first: u64, out: &mut [u64]) {
        if p.lbits + p.rbits <= 32 {
            p.walk::<W>(first, out, |x| encrypt(p, x))
        } else {
            p.walk::<{ super::LANES }>(first, out, |x| p.encrypt_vector(x))
        }
    }
}
