//! NumPy: `numpy.random.Generator(numpy.random.Philox(seed))`.
//!
//! Matches NumPy 2.2.6 (checked bit for bit against it:
//! `tests/data/compat/numpy/`); the code below has been unchanged in NumPy
//! since 1.19. Definitions in the order NumPy computes them:
//!
//! 1. [`SeedSequence`]: the integer seed as little-endian u32 words
//!    (`_int_to_uint32_array`), mixed into a pool of 4 words (`mix_entropy`,
//!    `hashmix`, `mix`), expanded by `generate_state`
//!    (`numpy/random/bit_generator.pyx`).
//! 2. [`Philox`]: the key is `generate_state(2, uint64)`, the 256-bit counter
//!    starts at 0 and is incremented *before* each block; each block of
//!    Philox4x64-10 is served one u64 at a time (`buffer`, `buffer_pos`), and
//!    each u64 as two u32 halves, low first (`has_uint32`, `uinteger`)
//!    (`numpy/random/_philox.pyx`, `numpy/random/src/philox/philox.h`).
//! 3. [`Generator`]: `random` (f64: `(u64 >> 11) * 2^-53`; f32:
//!    `(u32 >> 8) * 2^-24`), `standard_normal` (the ziggurat of
//!    `random_standard_normal` / `random_standard_normal_f` with NumPy's own
//!    tables, `numpy/random/src/distributions/distributions.c` and
//!    `ziggurat_constants.h`), `integers` (Lemire's method per dtype,
//!    `random_bounded_uint{64,32,16,8}_fill` and `random_bounded_bool_fill`
//!    in `distributions.c`, called from `numpy/random/_bounded_integers.pyx.in`).
//!
//! The slow paths of `standard_normal` call the C library's `exp` and
//! `log1p`/`log1pf`, as NumPy does; Rust's `f64::exp` and `ln_1p` are the same
//! C library functions, so on one platform the two agree bit for bit (they
//! are reached by under 1% of draws; the tail values, 1 in ~4000, carry
//! `log1p`'s rounding into the output).
//!
//! ```
//! use cbrng::compat::numpy::Generator;
//! let mut g = Generator::from_seed("12345")?;
//! let mut x = [0.0f64; 3];
//! g.random_f64(&mut x);
//! assert!(x.iter().all(|v| (0.0..1.0).contains(v)));
//! # Ok::<(), cbrng::Error>(())
//! ```

use super::numpy_ziggurat as zig;
use crate::Error;
use crate::generator::philox::philox4x64;

fn err(reason: impl Into<String>) -> Error {
    Error::Compat {
        system: "numpy".into(),
        reason: reason.into(),
    }
}

// ---------------------------------------------------------------------------
// 1. SeedSequence (numpy/random/bit_generator.pyx)
// ---------------------------------------------------------------------------

/// `DEFAULT_POOL_SIZE`: words in the seed sequence's pool.
pub const POOL_SIZE: usize = 4;
const INIT_A: u32 = 0x43b0_d7e5;
const MULT_A: u32 = 0x931e_8875;
const INIT_B: u32 = 0x8b51_f9dd;
const MULT_B: u32 = 0x58f3_8ded;
const MIX_MULT_L: u32 = 0xca01_f9dd;
const MIX_MULT_R: u32 = 0x4973_f715;
const XSHIFT: u32 = 16;

/// A non-negative integer of any size as NumPy's `_int_to_uint32_array`
/// gives it: little-endian u32 words, `[0]` for zero. `text` is decimal or
/// `0x` hex; a minus sign is an error, as in NumPy ("expected non-negative
/// integer").
pub fn int_to_u32_words(text: &str) -> Result<Vec<u32>, Error> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(err(format!(
            "seed {t} is negative: SeedSequence expects a non-negative integer"
        )));
    }
    let (digits, radix) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => (h, 16u64),
        None => (t.strip_prefix('+').unwrap_or(t), 10u64),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix as u32)) {
        return Err(err(format!(
            "seed '{text}' is not a non-negative integer (decimal or 0x hex)"
        )));
    }
    // words = words * radix + digit, in base 2^32.
    let mut words: Vec<u32> = vec![0];
    for c in digits.chars() {
        let mut carry = u64::from(c.to_digit(radix as u32).unwrap_or(0));
        for w in words.iter_mut() {
            let v = u64::from(*w) * radix + carry;
            *w = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            words.push(carry as u32);
        }
    }
    while words.len() > 1 && words[words.len() - 1] == 0 {
        words.pop();
    }
    Ok(words)
}

/// `hashmix`: the hash constant is updated in place.
fn hashmix(value: u32, hash_const: &mut u32) -> u32 {
    let mut v = value ^ *hash_const;
    *hash_const = hash_const.wrapping_mul(MULT_A);
    v = v.wrapping_mul(*hash_const);
    v ^ (v >> XSHIFT)
}

/// `mix`.
fn mix(x: u32, y: u32) -> u32 {
    let r = MIX_MULT_L
        .wrapping_mul(x)
        .wrapping_sub(MIX_MULT_R.wrapping_mul(y));
    r ^ (r >> XSHIFT)
}

/// `numpy.random.SeedSequence(entropy)` with no spawn key and the default
/// pool size of 4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedSequence {
    pool: [u32; POOL_SIZE],
}

impl SeedSequence {
    /// From the entropy as u32 words (what `_coerce_to_uint32_array` makes of
    /// the seed): `mix_entropy`.
    pub fn from_words(entropy: &[u32]) -> SeedSequence {
        let mut pool = [0u32; POOL_SIZE];
        let mut hc = INIT_A;
        for (i, p) in pool.iter_mut().enumerate() {
            *p = hashmix(entropy.get(i).copied().unwrap_or(0), &mut hc);
        }
        for src in 0..POOL_SIZE {
            for dst in 0..POOL_SIZE {
                if src != dst {
                    pool[dst] = mix(pool[dst], hashmix(pool[src], &mut hc));
                }
            }
        }
        for &e in entropy.iter().skip(POOL_SIZE) {
            for p in pool.iter_mut() {
                *p = mix(*p, hashmix(e, &mut hc));
            }
        }
        SeedSequence { pool }
    }

    /// `SeedSequence(int(text))`: decimal or `0x` hex, any size, not negative.
    pub fn from_int(text: &str) -> Result<SeedSequence, Error> {
        Ok(SeedSequence::from_words(&int_to_u32_words(text)?))
    }

    /// `SeedSequence(seed)` for a seed that fits in 128 bits.
    pub fn from_u128(seed: u128) -> SeedSequence {
        let mut words = Vec::with_capacity(4);
        let mut n = seed;
        loop {
            words.push(n as u32);
            n >>= 32;
            if n == 0 {
                break;
            }
        }
        SeedSequence::from_words(&words)
    }

    /// The mixed pool.
    pub fn pool(&self) -> [u32; POOL_SIZE] {
        self.pool
    }

    /// `generate_state(n, uint32)`.
    pub fn generate_state_u32(&self, n: usize) -> Vec<u32> {
        let mut hc = INIT_B;
        (0..n)
            .map(|i| {
                let mut v = self.pool[i % POOL_SIZE] ^ hc;
                hc = hc.wrapping_mul(MULT_B);
                v = v.wrapping_mul(hc);
                v ^ (v >> XSHIFT)
            })
            .collect()
    }

    /// `generate_state(n, uint64)`: pairs of u32 words, low word first.
    pub fn generate_state_u64(&self, n: usize) -> Vec<u64> {
        self.generate_state_u32(2 * n)
            .chunks_exact(2)
            .map(|p| u64::from(p[0]) | (u64::from(p[1]) << 32))
            .collect()
    }
}

// ---------------------------------------------------------------------------
// 2. The Philox bit generator (numpy/random/_philox.pyx, src/philox/philox.h)
// ---------------------------------------------------------------------------

/// Rounds of NumPy's Philox (`philox4x64_rounds`).
pub const PHILOX_ROUNDS: u32 = 10;
/// u64 words per Philox4x64 block (`PHILOX_BUFFER_SIZE`).
const BUF: usize = 4;

/// The 256-bit counter plus `n`, words little-endian, wrapping at 2^256 like
/// NumPy's carry chain.
fn ctr_add(ctr: [u64; 4], n: u64) -> [u64; 4] {
    let mut out = ctr;
    let (v, mut carry) = out[0].overflowing_add(n);
    out[0] = v;
    for w in out.iter_mut().skip(1) {
        if !carry {
            break;
        }
        let (v, c) = w.overflowing_add(1);
        *w = v;
        carry = c;
    }
    out
}

/// `numpy.random.Philox`: key, counter and the buffered block and half-word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Philox {
    key: [u64; 2],
    ctr: [u64; 4],
    buffer: [u64; BUF],
    buffer_pos: usize,
    has_uint32: bool,
    uinteger: u32,
}

impl Philox {
    /// `Philox(seed)`: key = `seed_seq.generate_state(2, uint64)`, counter 0.
    pub fn new(seed: &SeedSequence) -> Philox {
        let k = seed.generate_state_u64(2);
        Philox::from_key([k[0], k[1]], [0; 4])
    }

    /// `Philox(key=..., counter=...)`, words little-endian.
    pub fn from_key(key: [u64; 2], counter: [u64; 4]) -> Philox {
        Philox {
            key,
            ctr: counter,
            buffer: [0; BUF],
            buffer_pos: BUF,
            has_uint32: false,
            uinteger: 0,
        }
    }

    /// The key words (`state["state"]["key"]`).
    pub fn key(&self) -> [u64; 2] {
        self.key
    }

    /// The counter words (`state["state"]["counter"]`): the last block made.
    pub fn counter(&self) -> [u64; 4] {
        self.ctr
    }

    /// `philox_next64`: the next u64 (`random_raw`).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        if self.buffer_pos < BUF {
            let out = self.buffer[self.buffer_pos];
            self.buffer_pos += 1;
            return out;
        }
        self.ctr = ctr_add(self.ctr, 1);
        self.buffer = philox4x64(self.ctr, self.key, PHILOX_ROUNDS);
        self.buffer_pos = 1;
        self.buffer[0]
    }

    /// `philox_next32`: the low half of a fresh u64, then its high half.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        if self.has_uint32 {
            self.has_uint32 = false;
            return self.uinteger;
        }
        let next = self.next_u64();
        self.has_uint32 = true;
        self.uinteger = (next >> 32) as u32;
        next as u32
    }

    /// `random_raw(n)`: `out.len()` successive u64, whole blocks written
    /// straight to `out`.
    pub fn fill_u64(&mut self, out: &mut [u64]) {
        let mut i = 0;
        while i < out.len() && self.buffer_pos < BUF {
            out[i] = self.buffer[self.buffer_pos];
            self.buffer_pos += 1;
            i += 1;
        }
        let rest = &mut out[i..];
        let whole = rest.len() / BUF * BUF;
        let (body, tail) = rest.split_at_mut(whole);
        self.ctr = blocks(self.key, self.ctr, body);
        if let Some(last) = body.rchunks_exact(BUF).next() {
            // NumPy's buffer holds the last block made, used up.
            self.buffer.copy_from_slice(last);
        }
        if !tail.is_empty() {
            self.ctr = ctr_add(self.ctr, 1);
            self.buffer = philox4x64(self.ctr, self.key, PHILOX_ROUNDS);
            tail.copy_from_slice(&self.buffer[..tail.len()]);
            self.buffer_pos = tail.len();
        }
    }

    /// `out.len()` successive `next_uint32` values: the buffered half first,
    /// then each u64 as its low and high halves.
    pub fn fill_u32(&mut self, out: &mut [u32]) {
        let mut rest = &mut out[..];
        if self.has_uint32 && !rest.is_empty() {
            rest[0] = self.next_u32();
            rest = &mut rest[1..];
        }
        // Whole u64 in bulk; an odd count ends on a low half, whose high
        // half is kept as `next_uint32` keeps it.
        let mut words = [0u64; 256];
        for p in rest.chunks_mut(2 * words.len()) {
            let w = &mut words[..p.len().div_ceil(2)];
            self.fill_u64(w);
            let (pairs, odd) = p.split_at_mut(p.len() / 2 * 2);
            for (d, &x) in pairs.chunks_exact_mut(2).zip(w.iter()) {
                d[0] = x as u32;
                d[1] = (x >> 32) as u32;
            }
            if let Some(&x) = w.last() {
                // `uinteger` keeps the last high half, used or not, as in NumPy.
                self.uinteger = (x >> 32) as u32;
            }
            if let (Some(o), Some(&x)) = (odd.first_mut(), w.last()) {
                *o = x as u32;
                self.has_uint32 = true;
            }
        }
    }

    /// The state after `n` more u64 have been read from this one (the u32
    /// half-word is left as it is).
    fn advanced(&self, n: u64) -> Philox {
        let mut s = self.clone();
        let in_buffer = (BUF - self.buffer_pos) as u64;
        if n <= in_buffer {
            s.buffer_pos += n as usize;
            return s;
        }
        let r = n - in_buffer;
        let q = r.div_ceil(BUF as u64);
        s.ctr = ctr_add(self.ctr, q);
        s.buffer = philox4x64(s.ctr, s.key, PHILOX_ROUNDS);
        s.buffer_pos = (r - BUF as u64 * (q - 1)) as usize;
        s
    }
}

/// Philox4x64-10 on `L` blocks at once, round by round, so that the
/// multiplies of independent blocks overlap (the same operations as
/// [`philox4x64`], in the same order per block).
#[inline(always)]
fn philox4x64_10_lanes<const L: usize>(mut x: [[u64; 4]; L], key: [u64; 2]) -> [[u64; 4]; L] {
    use crate::generator::philox::{PHILOX_M4X64_0, PHILOX_M4X64_1, PHILOX_W64_0, PHILOX_W64_1};
    let [mut k0, mut k1] = key;
    for r in 0..PHILOX_ROUNDS {
        if r > 0 {
            k0 = k0.wrapping_add(PHILOX_W64_0);
            k1 = k1.wrapping_add(PHILOX_W64_1);
        }
        for b in x.iter_mut() {
            let p0 = u128::from(PHILOX_M4X64_0) * u128::from(b[0]);
            let p1 = u128::from(PHILOX_M4X64_1) * u128::from(b[2]);
            *b = [
                ((p1 >> 64) as u64) ^ b[1] ^ k0,
                p1 as u64,
                ((p0 >> 64) as u64) ^ b[3] ^ k1,
                p0 as u64,
            ];
        }
    }
    x
}

/// Blocks ctr+1, ctr+2, ... into `out` (a multiple of 4 words). Returns the
/// last counter.
///
/// While the counter's words 1 and 3 are 0 and word 0 does not carry, block
/// `ctr + 1 + i` is the crate's Philox4x64-10 block `[b, 0, s, 0]` with
/// `b = ctr[0] + 1 + i`, `s = ctr[2]`: the CPU engine's SIMD kernel
/// (AVX-512) makes them, the same bits as [`philox4x64`]
/// (the unit tests below check the two paths against each other).
/// Otherwise, or without the kernel, [`blocks_scalar`].
fn blocks(key: [u64; 2], ctr: [u64; 4], out: &mut [u64]) -> [u64; 4] {
    let n = (out.len() / BUF) as u64;
    if n > 0 && ctr[1] == 0 && ctr[3] == 0 && ctr[0].checked_add(n).is_some() {
        let done = crate::cpu::simd::philox4x64(
            crate::cpu::CpuBackend::default_for_process(),
            key,
            PHILOX_ROUNDS,
            ctr[0] + 1,
            ctr[2],
            out,
        );
        if done == out.len() {
            return [ctr[0] + n, 0, ctr[2], 0];
        }
    }
    blocks_scalar(key, ctr, out)
}

/// [`blocks`] on the scalar definition, eight blocks at a time so their
/// multiplies overlap.
fn blocks_scalar(key: [u64; 2], mut ctr: [u64; 4], out: &mut [u64]) -> [u64; 4] {
    const L: usize = 8;
    let mut groups = out.chunks_exact_mut(L * BUF);
    for q in groups.by_ref() {
        let mut c = [[0u64; 4]; L];
        if ctr[0] <= u64::MAX - L as u64 {
            // No carry out of the low word within the group.
            for (i, ci) in c.iter_mut().enumerate() {
                *ci = [ctr[0] + 1 + i as u64, ctr[1], ctr[2], ctr[3]];
            }
        } else {
            for (i, ci) in c.iter_mut().enumerate() {
                *ci = ctr_add(ctr, 1 + i as u64);
            }
        }
        ctr = c[L - 1];
        let y = philox4x64_10_lanes(c, key);
        for (dst, src) in q.chunks_exact_mut(BUF).zip(y.iter()) {
            dst.copy_from_slice(src);
        }
    }
    for blk in groups.into_remainder().chunks_exact_mut(BUF) {
        ctr = ctr_add(ctr, 1);
        blk.copy_from_slice(&philox4x64(ctr, key, PHILOX_ROUNDS));
    }
    ctr
}

/// Sequential draws for one Generator call, made a chunk of blocks at a time;
/// on drop the bit generator is left exactly where NumPy's would be after the
/// same draws (values made but not used are not consumed).
struct Draws<'a> {
    bg: &'a mut Philox,
    scratch: Philox,
    chunk: [u64; CHUNK],
    pos: usize,
    len: usize,
    consumed: u64,
    has32: bool,
    half: u32,
}

const CHUNK: usize = 256;

impl<'a> Draws<'a> {
    fn new(bg: &'a mut Philox) -> Draws<'a> {
        Draws {
            scratch: bg.clone(),
            has32: bg.has_uint32,
            half: bg.uinteger,
            bg,
            chunk: [0; CHUNK],
            pos: 0,
            len: 0,
            consumed: 0,
        }
    }

    /// `next_uint64`.
    #[inline(always)]
    fn u64(&mut self) -> u64 {
        if self.pos == self.len {
            self.scratch.fill_u64(&mut self.chunk);
            self.pos = 0;
            self.len = CHUNK;
        }
        let v = self.chunk[self.pos];
        self.pos += 1;
        self.consumed += 1;
        v
    }

    /// `next_uint32` (`philox_next32`).
    #[inline(always)]
    fn u32(&mut self) -> u32 {
        if self.has32 {
            self.has32 = false;
            return self.half;
        }
        let v = self.u64();
        self.has32 = true;
        self.half = (v >> 32) as u32;
        v as u32
    }
}

impl Drop for Draws<'_> {
    fn drop(&mut self) {
        let mut s = self.bg.advanced(self.consumed);
        s.has_uint32 = self.has32;
        s.uinteger = self.half;
        *self.bg = s;
    }
}

#[inline(always)]
fn u64_to_f64(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// [`u64_to_f64`] without an integer-to-float conversion instruction, so
/// that a loop of it vectorises on any x86-64 (SSE2 has no 64-bit one): the
/// 53 bits `v = x >> 11` as `hi·2^26 + lo`, each half made exact by the
/// 2^52 exponent trick; the sum is an integer below 2^53, exact, and the
/// scaling by 2^-53 is exact. The same value as `v as f64 * 2^-53`.
#[inline(always)]
fn u64_to_f64_split(x: u64) -> f64 {
    const TWO52_BITS: u64 = 0x4330_0000_0000_0000;
    const TWO52: f64 = 4_503_599_627_370_496.0;
    let v = x >> 11;
    let hi = f64::from_bits(TWO52_BITS | (v >> 26)) - TWO52;
    let lo = f64::from_bits(TWO52_BITS | (v & 0x3ff_ffff)) - TWO52;
    (hi * 67_108_864.0 + lo) * (1.0 / 9_007_199_254_740_992.0)
}

/// Elements per bulk step of `random`: 16 KiB of output, made and converted
/// while it is in the L1 cache.
const RANDOM_CHUNK: usize = 2048;

#[inline(always)]
fn u32_to_f32(x: u32) -> f32 {
    (x >> 8) as f32 * (1.0f32 / 16_777_216.0f32)
}

// ---------------------------------------------------------------------------
// 3. Generator (numpy/random/_generator.pyx, src/distributions/distributions.c)
// ---------------------------------------------------------------------------

/// An integer dtype NumPy's `Generator.integers` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntDType {
    /// `bool` (elements 0 or 1).
    Bool,
    /// `uint8`.
    U8,
    /// `uint16`.
    U16,
    /// `uint32`.
    U32,
    /// `uint64`.
    U64,
    /// `int8`.
    I8,
    /// `int16`.
    I16,
    /// `int32`.
    I32,
    /// `int64` (NumPy's default).
    I64,
}

impl IntDType {
    /// Width in bits (8 for bool).
    pub fn bits(self) -> u32 {
        match self {
            IntDType::Bool | IntDType::U8 | IntDType::I8 => 8,
            IntDType::U16 | IntDType::I16 => 16,
            IntDType::U32 | IntDType::I32 => 32,
            IntDType::U64 | IntDType::I64 => 64,
        }
    }

    /// Whether the dtype is signed.
    pub fn signed(self) -> bool {
        matches!(
            self,
            IntDType::I8 | IntDType::I16 | IntDType::I32 | IntDType::I64
        )
    }

    /// The smallest and largest value of the dtype.
    pub fn bounds(self) -> (i128, i128) {
        match self {
            IntDType::Bool => (0, 1),
            d if d.signed() => (-(1i128 << (d.bits() - 1)), (1i128 << (d.bits() - 1)) - 1),
            d => (0, (1i128 << d.bits()) - 1),
        }
    }

    /// The name cbrng's command line uses (u8, i64, bool, ...).
    pub fn name(self) -> &'static str {
        match self {
            IntDType::Bool => "bool",
            IntDType::U8 => "u8",
            IntDType::U16 => "u16",
            IntDType::U32 => "u32",
            IntDType::U64 => "u64",
            IntDType::I8 => "i8",
            IntDType::I16 => "i16",
            IntDType::I32 => "i32",
            IntDType::I64 => "i64",
        }
    }

    /// Parses `u8|u16|u32|u64|i8|i16|i32|i64|bool`.
    pub fn parse(name: &str) -> Result<IntDType, Error> {
        Ok(match name {
            "bool" => IntDType::Bool,
            "u8" => IntDType::U8,
            "u16" => IntDType::U16,
            "u32" => IntDType::U32,
            "u64" => IntDType::U64,
            "i8" => IntDType::I8,
            "i16" => IntDType::I16,
            "i32" => IntDType::I32,
            "i64" => IntDType::I64,
            _ => {
                return Err(err(format!(
                    "integers cannot produce dtype '{name}' (expected u8|u16|u32|u64|i8|i16|i32|i64|bool)"
                )));
            }
        })
    }
}

/// `numpy.random.Generator` over [`Philox`]. Each method is one NumPy call
/// with `size=out.len()`; the bit generator's state carries from call to call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generator {
    bit_generator: Philox,
}

impl Generator {
    /// `Generator(Philox(seed))` for an integer seed of any size (decimal or
    /// `0x` hex text; negative seeds are an error, as in NumPy).
    pub fn from_seed(seed: &str) -> Result<Generator, Error> {
        Ok(Generator::new(Philox::new(&SeedSequence::from_int(seed)?)))
    }

    /// `Generator(bit_generator)`.
    pub fn new(bit_generator: Philox) -> Generator {
        Generator { bit_generator }
    }

    /// The bit generator.
    pub fn bit_generator(&self) -> &Philox {
        &self.bit_generator
    }

    /// The bit generator, to draw from it directly (`random_raw`).
    pub fn bit_generator_mut(&mut self) -> &mut Philox {
        &mut self.bit_generator
    }

    /// `random(size, dtype=float64)`: `random_standard_uniform_fill`.
    pub fn random_f64(&mut self, out: &mut [f64]) {
        for chunk in out.chunks_mut(RANDOM_CHUNK) {
            let raw: &mut [u64] = bytemuck::cast_slice_mut(chunk);
            self.bit_generator.fill_u64(raw);
            for x in raw.iter_mut() {
                *x = u64_to_f64_split(*x).to_bits();
            }
        }
    }

    /// `random(size, dtype=float32)`: `random_standard_uniform_fill_f`.
    pub fn random_f32(&mut self, out: &mut [f32]) {
        for chunk in out.chunks_mut(2 * RANDOM_CHUNK) {
            let raw: &mut [u32] = bytemuck::cast_slice_mut(chunk);
            self.bit_generator.fill_u32(raw);
            for x in raw.iter_mut() {
                *x = u32_to_f32(*x).to_bits();
            }
        }
    }

    /// `standard_normal(size, dtype=float64)`: `random_standard_normal`.
    ///
    /// Every element uses at least one u64, so the first `out.len()` u64 of
    /// the stream are made in bulk into `out` and the ziggurat runs in place
    /// behind its reading position; draws past them come one at a time.
    pub fn standard_normal_f64(&mut self, out: &mut [f64]) {
        let raw: &mut [u64] = bytemuck::cast_slice_mut(out);
        self.bit_generator.fill_u64(raw);
        let n = raw.len();
        let mut src = InPlace {
            bg: &mut self.bit_generator,
            read: 0,
        };
        let mut w = 0;
        while w < n {
            // Eight at a time while all eight take the ziggurat's fast path
            // (94% of the time): the same values, without a branch each.
            if src.read + LANES <= n {
                let mut v = [0u64; LANES];
                v.copy_from_slice(&raw[src.read..src.read + LANES]);
                let mut ok = true;
                let mut x = [0u64; LANES];
                for l in 0..LANES {
                    let (xl, okl) = normal_fast(v[l]);
                    x[l] = xl;
                    ok &= okl;
                }
                if ok && w + LANES <= n {
                    raw[w..w + LANES].copy_from_slice(&x);
                    src.read += LANES;
                    w += LANES;
                    continue;
                }
            }
            let x = standard_normal(&mut || src.u64(raw));
            raw[w] = x.to_bits();
            w += 1;
        }
    }

    /// `standard_normal(size, dtype=float32)`: `random_standard_normal_f`,
    /// in place as [`Generator::standard_normal_f64`], over u32 draws.
    pub fn standard_normal_f32(&mut self, out: &mut [f32]) {
        let raw: &mut [u32] = bytemuck::cast_slice_mut(out);
        self.bit_generator.fill_u32(raw);
        let n = raw.len();
        let mut src = InPlace {
            bg: &mut self.bit_generator,
            read: 0,
        };
        let mut w = 0;
        while w < n {
            if src.read + LANES <= n {
                let mut v = [0u32; LANES];
                v.copy_from_slice(&raw[src.read..src.read + LANES]);
                let mut ok = true;
                let mut x = [0u32; LANES];
                for l in 0..LANES {
                    let (xl, okl) = normal_fast_f(v[l]);
                    x[l] = xl;
                    ok &= okl;
                }
                if ok && w + LANES <= n {
                    raw[w..w + LANES].copy_from_slice(&x);
                    src.read += LANES;
                    w += LANES;
                    continue;
                }
            }
            let x = standard_normal_f(&mut || src.u32(raw));
            raw[w] = x.to_bits();
            w += 1;
        }
    }

    /// `integers(low, high, size, dtype, endpoint)` as the elements' bits
    /// (two's complement for signed dtypes, 0/1 for bool), zero-extended to
    /// u64. `high` is exclusive unless `endpoint`. The bounds are checked as
    /// NumPy checks them (`_bounded_integers.pyx.in`).
    pub fn integers(
        &mut self,
        low: i128,
        high: i128,
        endpoint: bool,
        dtype: IntDType,
        out: &mut [u64],
    ) -> Result<(), Error> {
        let (lb, ub) = dtype.bounds();
        let high_closed = if endpoint { high } else { high - 1 };
        if low < lb {
            return Err(err(format!(
                "integers: low {low} is out of bounds for {}",
                dtype.name()
            )));
        }
        if high_closed > ub {
            return Err(err(format!(
                "integers: high {high} is out of bounds for {}",
                dtype.name()
            )));
        }
        if low > high_closed {
            return Err(err(if endpoint {
                format!("integers: low {low} > high {high}")
            } else {
                format!("integers: low {low} >= high {high}")
            }));
        }
        let mask = if dtype.bits() == 64 {
            u64::MAX
        } else {
            (1u64 << dtype.bits()) - 1
        };
        let rng = (high_closed - low) as u64;
        let off = (low as u64) & mask;
        let mut d = Draws::new(&mut self.bit_generator);
        match dtype {
            IntDType::U64 | IntDType::I64 => bounded_u64_fill(&mut d, off, rng, out),
            IntDType::U32 | IntDType::I32 => bounded_u32_fill(&mut d, off as u32, rng as u32, out),
            IntDType::U16 | IntDType::I16 => bounded_u16_fill(&mut d, off as u16, rng as u16, out),
            IntDType::U8 | IntDType::I8 => bounded_u8_fill(&mut d, off as u8, rng as u8, out),
            IntDType::Bool => bounded_bool_fill(&mut d, off != 0, rng != 0, out),
        }
        Ok(())
    }
}

/// Draws for an in-place fill: the stream's next values are in the buffer
/// from `read` on, then in the bit generator.
struct InPlace<'a> {
    bg: &'a mut Philox,
    read: usize,
}

impl InPlace<'_> {
    #[inline(always)]
    fn u64(&mut self, buf: &[u64]) -> u64 {
        match buf.get(self.read) {
            Some(&v) => {
                self.read += 1;
                v
            }
            None => self.bg.next_u64(),
        }
    }

    #[inline(always)]
    fn u32(&mut self, buf: &[u32]) -> u32 {
        match buf.get(self.read) {
            Some(&v) => {
                self.read += 1;
                v
            }
            None => self.bg.next_u32(),
        }
    }
}

/// Elements per step of the fast-path loop of the normal fills.
const LANES: usize = 8;

/// The first try of `random_standard_normal` for draw `r`: the candidate's
/// bits and whether it is accepted (`rabs < ki_double[idx]`). The sign is
/// applied as a bit flip, which is what `x = -x` does.
#[inline(always)]
fn normal_fast(r: u64) -> (u64, bool) {
    let idx = (r & 0xff) as usize;
    let rabs = (r >> 9) & 0x000f_ffff_ffff_ffff;
    let x = rabs as f64 * zig::WI_DOUBLE[idx];
    (
        x.to_bits() ^ (((r >> 8) & 1) << 63),
        rabs < zig::KI_DOUBLE[idx],
    )
}

/// The first try of `random_standard_normal_f` for draw `r`.
#[inline(always)]
fn normal_fast_f(r: u32) -> (u32, bool) {
    let idx = (r & 0xff) as usize;
    let rabs = (r >> 9) & 0x007f_ffff;
    let x = rabs as f32 * zig::WI_FLOAT[idx];
    (
        x.to_bits() ^ (((r >> 8) & 1) << 31),
        rabs < zig::KI_FLOAT[idx],
    )
}

/// `random_standard_normal` (distributions.c): ziggurat, 256 layers.
/// `next()` is `next_uint64`.
#[inline(always)]
fn standard_normal(next: &mut impl FnMut() -> u64) -> f64 {
    let double = |next: &mut dyn FnMut() -> u64| u64_to_f64(next());
    loop {
        let r = next();
        let idx = (r & 0xff) as usize;
        let r = r >> 8;
        let sign = r & 1;
        let rabs = (r >> 1) & 0x000f_ffff_ffff_ffff;
        let mut x = rabs as f64 * zig::WI_DOUBLE[idx];
        if sign & 1 != 0 {
            x = -x;
        }
        if rabs < zig::KI_DOUBLE[idx] {
            return x; // 99.3% of draws
        }
        if idx == 0 {
            loop {
                // 1.0 - U to avoid log(0.0) (GH 13361)
                let xx = -zig::ZIGGURAT_NOR_INV_R * (-double(next)).ln_1p();
                let yy = -(-double(next)).ln_1p();
                if yy + yy > xx * xx {
                    return if (rabs >> 8) & 1 != 0 {
                        -(zig::ZIGGURAT_NOR_R + xx)
                    } else {
                        zig::ZIGGURAT_NOR_R + xx
                    };
                }
            }
        } else if (zig::FI_DOUBLE[idx - 1] - zig::FI_DOUBLE[idx]) * double(next)
            + zig::FI_DOUBLE[idx]
            < (-0.5 * x * x).exp()
        {
            return x;
        }
    }
}

/// `random_standard_normal_f` (distributions.c): the f32 ziggurat. Its wedge
/// test compares a float with the double `exp(-0.5 * x * x)`, as C promotes.
#[inline(always)]
fn standard_normal_f(next: &mut impl FnMut() -> u32) -> f32 {
    let float = |next: &mut dyn FnMut() -> u32| u32_to_f32(next());
    loop {
        let r = next();
        let idx = (r & 0xff) as usize;
        let sign = (r >> 8) & 1;
        let rabs = (r >> 9) & 0x007f_ffff;
        let mut x = rabs as f32 * zig::WI_FLOAT[idx];
        if sign & 1 != 0 {
            x = -x;
        }
        if rabs < zig::KI_FLOAT[idx] {
            return x;
        }
        if idx == 0 {
            loop {
                let xx = -zig::ZIGGURAT_NOR_INV_R_F * (-float(next)).ln_1p();
                let yy = -(-float(next)).ln_1p();
                if yy + yy > xx * xx {
                    return if (rabs >> 8) & 1 != 0 {
                        -(zig::ZIGGURAT_NOR_R_F + xx)
                    } else {
                        zig::ZIGGURAT_NOR_R_F + xx
                    };
                }
            }
        } else {
            let lhs =
                (zig::FI_FLOAT[idx - 1] - zig::FI_FLOAT[idx]) * float(next) + zig::FI_FLOAT[idx];
            let xd = f64::from(x);
            if f64::from(lhs) < (-0.5 * xd * xd).exp() {
                return x;
            }
        }
    }
}

/// `bounded_lemire_uint64`.
fn lemire_u64(d: &mut Draws, rng: u64) -> u64 {
    let rng_excl = rng + 1;
    let mut m = u128::from(d.u64()) * u128::from(rng_excl);
    let mut leftover = m as u64;
    if leftover < rng_excl {
        let threshold = (u64::MAX - rng) % rng_excl;
        while leftover < threshold {
            m = u128::from(d.u64()) * u128::from(rng_excl);
            leftover = m as u64;
        }
    }
    (m >> 64) as u64
}

/// `buffered_bounded_lemire_uint32` (its buffer is unused).
fn lemire_u32(d: &mut Draws, rng: u32) -> u32 {
    let rng_excl = rng + 1;
    let mut m = u64::from(d.u32()) * u64::from(rng_excl);
    let mut leftover = m as u32;
    if leftover < rng_excl {
        let threshold = (u32::MAX - rng) % rng_excl;
        while leftover < threshold {
            m = u64::from(d.u32()) * u64::from(rng_excl);
            leftover = m as u32;
        }
    }
    (m >> 32) as u32
}

/// `buffered_uint16` / `buffered_uint8`: `per` pieces of `bits` bits from
/// one u32, low first.
struct Buffered {
    buf: u32,
    bcnt: u32,
}

impl Buffered {
    fn next(&mut self, d: &mut Draws, bits: u32, refill_count: u32) -> u32 {
        if self.bcnt == 0 {
            self.buf = d.u32();
            self.bcnt = refill_count;
        } else {
            self.buf >>= bits;
            self.bcnt -= 1;
        }
        self.buf
    }
}

/// `buffered_bounded_lemire_uint16` / `..._uint8`, `bits` 16 or 8.
fn lemire_small(d: &mut Draws, b: &mut Buffered, rng: u32, bits: u32) -> u32 {
    let refill = 32 / bits - 1;
    let low = (1u32 << bits) - 1;
    let rng_excl = rng + 1;
    let mut m = (b.next(d, bits, refill) & low) * rng_excl;
    let mut leftover = m & low;
    if leftover < rng_excl {
        let threshold = (low - rng) % rng_excl;
        while leftover < threshold {
            m = (b.next(d, bits, refill) & low) * rng_excl;
            leftover = m & low;
        }
    }
    m >> bits
}

/// `random_bounded_uint64_fill` (Lemire, not masked).
fn bounded_u64_fill(d: &mut Draws, off: u64, rng: u64, out: &mut [u64]) {
    if rng == 0 {
        out.fill(off);
    } else if rng <= 0xFFFF_FFFF {
        if rng == 0xFFFF_FFFF {
            for o in out {
                *o = off.wrapping_add(u64::from(d.u32()));
            }
        } else {
            for o in out {
                *o = off.wrapping_add(u64::from(lemire_u32(d, rng as u32)));
            }
        }
    } else if rng == u64::MAX {
        for o in out {
            *o = off.wrapping_add(d.u64());
        }
    } else {
        for o in out {
            *o = off.wrapping_add(lemire_u64(d, rng));
        }
    }
}

/// `random_bounded_uint32_fill`.
fn bounded_u32_fill(d: &mut Draws, off: u32, rng: u32, out: &mut [u64]) {
    for o in out {
        let v = match rng {
            0 => 0,
            u32::MAX => d.u32(),
            _ => lemire_u32(d, rng),
        };
        *o = u64::from(off.wrapping_add(v));
    }
}

/// `random_bounded_uint16_fill`.
fn bounded_u16_fill(d: &mut Draws, off: u16, rng: u16, out: &mut [u64]) {
    let mut b = Buffered { buf: 0, bcnt: 0 };
    for o in out {
        let v = match rng {
            0 => 0,
            u16::MAX => b.next(d, 16, 1) as u16,
            _ => lemire_small(d, &mut b, u32::from(rng), 16) as u16,
        };
        *o = u64::from(off.wrapping_add(v));
    }
}

/// `random_bounded_uint8_fill`.
fn bounded_u8_fill(d: &mut Draws, off: u8, rng: u8, out: &mut [u64]) {
    let mut b = Buffered { buf: 0, bcnt: 0 };
    for o in out {
        let v = match rng {
            0 => 0,
            u8::MAX => b.next(d, 8, 3) as u8,
            _ => lemire_small(d, &mut b, u32::from(rng), 8) as u8,
        };
        *o = u64::from(off.wrapping_add(v));
    }
}

/// `random_bounded_bool_fill` / `buffered_bounded_bool`: 32 bits per u32.
fn bounded_bool_fill(d: &mut Draws, off: bool, rng: bool, out: &mut [u64]) {
    let mut b = Buffered { buf: 0, bcnt: 0 };
    for o in out {
        *o = if !rng {
            u64::from(off)
        } else {
            u64::from(b.next(d, 1, 31) & 1)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_words_match_numpy_doc_example() {
        // numpy's _coerce_to_uint32_array docstring.
        assert_eq!(
            int_to_u32_words("1234567890123456789012345678901234567890").unwrap(),
            vec![3460238034, 2898026390, 3235640248, 2697535605, 3]
        );
        assert_eq!(int_to_u32_words("0").unwrap(), vec![0]);
        assert_eq!(int_to_u32_words("0x12345").unwrap(), vec![74565]);
        assert!(int_to_u32_words("-1").is_err());
        assert!(int_to_u32_words("12a").is_err());
        assert!(int_to_u32_words("").is_err());
    }

    #[test]
    fn advanced_equals_stepping() {
        let mut a = Philox::new(&SeedSequence::from_u128(5));
        for n in 0..40u64 {
            let mut b = a.clone();
            for _ in 0..n {
                b.next_u64();
            }
            assert_eq!(a.advanced(n), b, "n={n}");
        }
        a.next_u64();
        let mut b = a.clone();
        for _ in 0..7 {
            b.next_u64();
        }
        assert_eq!(a.advanced(7), b);
    }

    /// Every u64 one at a time, from a fresh copy of `p`.
    fn stepped(p: &Philox, n: usize) -> (Vec<u64>, Philox) {
        let mut q = p.clone();
        let v = (0..n).map(|_| q.next_u64()).collect();
        (v, q)
    }

    #[test]
    fn bulk_blocks_equal_one_block_at_a_time() {
        // Counters where the SIMD kernel applies and where it must not: word 0
        // about to carry, words 1 and 3 nonzero, the 256-bit wrap.
        let key = [0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210];
        let ctrs = [
            [0, 0, 0, 0],
            [41, 0, 7, 0],
            [u64::MAX - 70, 0, 3, 0],
            [u64::MAX - 3, 0, u64::MAX, 0],
            [5, 1, 0, 0],
            [5, 0, 0, 9],
            [u64::MAX; 4],
        ];
        for ctr in ctrs {
            for n in [0usize, 1, 3, 4, 5, 63, 64, 65, 255, 256, 1000, 4099] {
                let mut a = Philox::from_key(key, ctr);
                a.next_u64(); // start inside a block
                let (want, after) = stepped(&a, n);
                let mut got = vec![0u64; n];
                a.fill_u64(&mut got);
                assert_eq!(got, want, "ctr {ctr:?} n {n}");
                assert_eq!(a, after, "ctr {ctr:?} n {n}");
                let mut fresh = Philox::from_key(key, ctr);
                let (want, after) = stepped(&fresh, n);
                fresh.fill_u64(&mut got);
                assert_eq!(got, want, "fresh ctr {ctr:?} n {n}");
                assert_eq!(fresh, after, "fresh ctr {ctr:?} n {n}");
            }
        }
    }

    #[test]
    fn bulk_u32_halves_equal_next_u32() {
        let p = Philox::new(&SeedSequence::from_u128(77));
        for skip in 0..3 {
            for n in [0usize, 1, 2, 3, 511, 512, 513, 1023, 1025, 5001] {
                let mut a = p.clone();
                for _ in 0..skip {
                    a.next_u32();
                }
                let mut b = a.clone();
                let want: Vec<u32> = (0..n).map(|_| b.next_u32()).collect();
                let mut got = vec![0u32; n];
                a.fill_u32(&mut got);
                assert_eq!(got, want, "skip {skip} n {n}");
                assert_eq!(a, b, "skip {skip} n {n}");
            }
        }
    }

    #[test]
    fn split_conversion_equals_the_integer_conversion() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut edges = vec![0, 1, 2047, 2048, u64::MAX, u64::MAX - 2047, 1 << 63];
        for k in 11..64 {
            edges.extend([1u64 << k, (1u64 << k) - 1, (1u64 << k) + 2048]);
        }
        let random = (0..2_000_000).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        });
        for v in edges.into_iter().chain(random) {
            assert_eq!(
                u64_to_f64_split(v).to_bits(),
                u64_to_f64(v).to_bits(),
                "{v:#x}"
            );
        }
    }

    #[test]
    fn random_fills_equal_their_definition_across_calls() {
        // Odd sizes leave a u32 half behind: the f32 calls must pick it up.
        let mut g = Generator::from_seed("2024").unwrap();
        let mut r = g.bit_generator().clone();
        for n in [1usize, 7, 2048, 2049, 4095, 4097, 10_000] {
            let mut f = vec![0f64; n];
            g.random_f64(&mut f);
            for v in &f {
                assert_eq!(v.to_bits(), u64_to_f64(r.next_u64()).to_bits());
            }
            let mut h = vec![0f32; n];
            g.random_f32(&mut h);
            for v in &h {
                assert_eq!(v.to_bits(), u32_to_f32(r.next_u32()).to_bits());
            }
            assert_eq!(g.bit_generator(), &r, "n {n}");
        }
    }

    #[test]
    fn counter_carries_through_all_words() {
        assert_eq!(ctr_add([u64::MAX, u64::MAX, 5, 0], 1), [0, 0, 6, 0]);
        assert_eq!(ctr_add([u64::MAX; 4], 1), [0; 4]);
        assert_eq!(ctr_add([u64::MAX - 1, 0, 0, 0], 3), [1, 1, 0, 0]);
    }
}
