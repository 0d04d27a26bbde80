//! AVX2 backend: the block functions of [`crate::generator`] on 256-bit
//! vectors, and the f32 normal of [`crate::dist::normal`] eight lanes at a time.
//!
//! Each function makes as many whole *steps* (a fixed number of consecutive
//! blocks) as fit in `out` and returns the number of words written; the caller
//! finishes the rest with the scalar definition. Callers must have checked
//! that the CPU has AVX2 ([`super::CpuBackend::is_available`]).
//!
//! Layouts:
//! - Philox4x32 keeps two whole blocks per vector, words in block order: the
//!   two multiplies of a round land on the even 32-bit lanes, which is what
//!   `vpmuludq` multiplies, and one shuffle then puts hi/lo where the round
//!   wants them. No transpose is needed. Philox2x32 does the same with four
//!   blocks per vector.
//! - Threefry keeps word j of 8 (32-bit) or 4 (64-bit) blocks in vector j
//!   ("structure of arrays") and transposes before storing.
//!
//! Every operation is the integer or IEEE operation of the scalar code, so the
//! bits are the same; `tests/cpu_backends.rs` checks it.

// The state is indexed [word][group] in several arrays at once; index loops
// read better than zipped iterators there.
#![allow(clippy::needless_range_loop)]

use super::simd::{GAMMA_PASS, GammaScratch};
use crate::dist::{normal as n, uniform as u};
use crate::generator::philox::{
    PHILOX_M2X32_0, PHILOX_M4X32_0, PHILOX_M4X32_1, PHILOX_W32_0, PHILOX_W32_1,
};
use crate::generator::threefry::{
    ROTATIONS_2X32, ROTATIONS_2X64, ROTATIONS_4X32, ROTATIONS_4X64, SKEIN_KS_PARITY32,
    SKEIN_KS_PARITY64,
};
use std::arch::x86_64::*;

/// Words made per step by each kernel (a caller finishing a partial step
/// makes one whole step into a scratch buffer of at most [`MAX_STEP`] words).
pub(crate) const STEP_PHILOX4X32: usize = 32;
/// See [`STEP_PHILOX4X32`].
pub(crate) const STEP_PHILOX2X32: usize = 32;
/// Three groups of 8 blocks of 4 words.
pub(crate) const STEP_THREEFRY4X32: usize = 96;
/// Three groups of 8 blocks of 2 words.
pub(crate) const STEP_THREEFRY2X32: usize = 48;
/// Two groups of 4 blocks of 4 words (more 64-bit groups spill registers).
pub(crate) const STEP_THREEFRY4X64: usize = 32;
/// Two groups of 4 blocks of 2 words.
pub(crate) const STEP_THREEFRY2X64: usize = 16;
/// The largest step.
pub(crate) const MAX_STEP: usize = 96;

#[inline]
#[target_feature(enable = "avx2")]
fn store(out: &mut [u32], at: usize, v: __m256i) {
    assert!(at + 8 <= out.len());
    // SAFETY: 8 u32 fit at `at` (checked above); unaligned store.
    unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(at) as *mut __m256i, v) }
}

#[inline]
#[target_feature(enable = "avx2")]
fn store64(out: &mut [u64], at: usize, v: __m256i) {
    assert!(at + 4 <= out.len());
    // SAFETY: 4 u64 fit at `at` (checked above); unaligned store.
    unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(at) as *mut __m256i, v) }
}

/// Philox4x32, 8 blocks (32 words) per step; blocks `b0, b0 + 1, ...` of
/// stream `s`, counter `[b lo, b hi, s lo, s hi]`.
#[target_feature(enable = "avx2")]
pub(crate) fn philox4x32(key: [u32; 2], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    // As 64-bit lanes the counter of block b is [b, s]: the contract's 32-bit
    // words are exactly the little-endian halves. Blocks b0, b0 + 1 in one
    // vector, the next vector two blocks on.
    let c = _mm256_setr_epi64x(b0 as i64, s as i64, b0.wrapping_add(1) as i64, s as i64);
    philox4x32_stepping(key, rounds, c, _mm256_setr_epi64x(2, 0, 2, 0), out)
}

/// Philox4x32 blocks at the counters `c`, `c + d`, `c + 2d`, ... where `c`
/// holds two counters as 64-bit lane pairs `[c0 lo | c0 hi, c1 lo | c1 hi]`
/// (words `[x0 | x1, x2 | x3]` of each block) and `d` the step per vector,
/// in order into `out`; returns the words written (whole steps of
/// [`STEP_PHILOX4X32`]). Consecutive blocks of one stream (the contract) and
/// one counter across consecutive streams (a CUDA grid's threads, see
/// `compat`) are both this loop.
#[target_feature(enable = "avx2")]
pub(crate) fn philox4x32_stepping(
    key: [u32; 2],
    rounds: u32,
    mut c: __m256i,
    d: __m256i,
    out: &mut [u32],
) -> usize {
    const STEP: usize = STEP_PHILOX4X32;
    // Lanes (low first): [x0, x1, x2, x3 | x0', x1', x2', x3'].
    let m = _mm256_setr_epi32(
        PHILOX_M4X32_0 as i32,
        0,
        PHILOX_M4X32_1 as i32,
        0,
        PHILOX_M4X32_0 as i32,
        0,
        PHILOX_M4X32_1 as i32,
        0,
    );
    let k_init = _mm256_setr_epi32(
        key[0] as i32,
        0,
        key[1] as i32,
        0,
        key[0] as i32,
        0,
        key[1] as i32,
        0,
    );
    let bump = _mm256_setr_epi32(
        PHILOX_W32_0 as i32,
        0,
        PHILOX_W32_1 as i32,
        0,
        PHILOX_W32_0 as i32,
        0,
        PHILOX_W32_1 as i32,
        0,
    );
    let two = d;
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [c; 4];
        for j in 1..4 {
            x[j] = _mm256_add_epi64(x[j - 1], two);
        }
        c = _mm256_add_epi64(x[3], two);
        let mut k = k_init;
        for r in 0..rounds {
            if r > 0 {
                k = _mm256_add_epi32(k, bump);
            }
            for v in &mut x {
                // [lo0, hi0, lo1, hi1] of M0*x0 and M1*x2.
                let p = _mm256_mul_epu32(*v, m);
                // -> [hi1, lo1, hi0, lo0]
                let p = _mm256_shuffle_epi32::<0x1B>(p);
                // ^ [x1, 0, x3, 0] ^ [k0, 0, k1, 0]
                let x13 = _mm256_srli_epi64::<32>(*v);
                *v = _mm256_xor_si256(_mm256_xor_si256(p, x13), k);
            }
        }
        for (j, v) in x.into_iter().enumerate() {
            store(out, step * STEP + 8 * j, v);
        }
    }
    steps * STEP
}

/// Philox2x32, 16 blocks (32 words) per step; counter `[b, s]`.
#[target_feature(enable = "avx2")]
pub(crate) fn philox2x32(key: [u32; 1], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = STEP_PHILOX2X32;
    let m = _mm256_set1_epi64x(i64::from(PHILOX_M2X32_0));
    let k_init = _mm256_set1_epi64x(i64::from(key[0]));
    let bump = _mm256_set1_epi64x(i64::from(PHILOX_W32_0));
    let four = _mm256_set1_epi64x(4);
    // Counter of block b as a 64-bit lane: b | s << 32 (b, s < 2^32 here).
    let c0 = b0 | (s << 32);
    let mut c = _mm256_setr_epi64x(
        c0 as i64,
        c0.wrapping_add(1) as i64,
        c0.wrapping_add(2) as i64,
        c0.wrapping_add(3) as i64,
    );
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [c; 4];
        for j in 1..4 {
            x[j] = _mm256_add_epi64(x[j - 1], four);
        }
        c = _mm256_add_epi64(x[3], four);
        let mut k = k_init;
        for r in 0..rounds {
            if r > 0 {
                k = _mm256_add_epi32(k, bump);
            }
            for v in &mut x {
                let p = _mm256_mul_epu32(*v, m); // [lo, hi] per block
                let p = _mm256_shuffle_epi32::<0xB1>(p); // [hi, lo]
                let x1 = _mm256_srli_epi64::<32>(*v); // [x1, 0]
                *v = _mm256_xor_si256(_mm256_xor_si256(p, x1), k);
            }
        }
        for (j, v) in x.into_iter().enumerate() {
            store(out, step * STEP + 8 * j, v);
        }
    }
    steps * STEP
}

// ---------------------------------------------------------------------------
// Threefry. Two groups of vectors are in flight per step: one round is a
// short dependency chain (add, shift, or, xor), and a second independent
// group fills the pipeline while the first waits (3 groups for 32-bit
// words, 2 for 64-bit ones, where 3 spills registers; see the STEP_ constants). Rotation counts are
// immediates taken from the tables of `generator::threefry` at compile time.

/// Rotate every lane of `$x` left by the constant `$r` ($bits-bit lanes).
macro_rules! rotl {
    (32, $x:expr, $r:expr) => {
        _mm256_or_si256(
            _mm256_slli_epi32::<{ $r as i32 }>($x),
            _mm256_srli_epi32::<{ 32 - $r as i32 }>($x),
        )
    };
    (64, $x:expr, $r:expr) => {
        _mm256_or_si256(
            _mm256_slli_epi64::<{ $r as i32 }>($x),
            _mm256_srli_epi64::<{ 64 - $r as i32 }>($x),
        )
    };
}

/// One Threefry-4 round number `$i` (mod 8) on every group of `$x`.
/// Even rounds mix words (0,1),(2,3); odd rounds (0,3),(2,1).
macro_rules! round4 {
    ($bits:tt, $add:ident, $rot:expr, $x:ident, $i:literal) => {
        let (a, b) = if $i % 2 == 0 { (1, 3) } else { (3, 1) };
        for g in 0..GROUPS {
            $x[0][g] = $add($x[0][g], $x[a][g]);
            $x[a][g] = _mm256_xor_si256(rotl!($bits, $x[a][g], $rot[$i][0]), $x[0][g]);
            $x[2][g] = $add($x[2][g], $x[b][g]);
            $x[b][g] = _mm256_xor_si256(rotl!($bits, $x[b][g], $rot[$i][1]), $x[2][g]);
        }
    };
}

/// One Threefry-2 round number `$i` (mod 8).
macro_rules! round2 {
    ($bits:tt, $add:ident, $rot:expr, $x:ident, $i:literal) => {
        for g in 0..GROUPS {
            $x[0][g] = $add($x[0][g], $x[1][g]);
            $x[1][g] = _mm256_xor_si256(rotl!($bits, $x[1][g], $rot[$i]), $x[0][g]);
        }
    };
}

/// All `$rounds` rounds with key injections, for a state `$x` of `$nw` words.
macro_rules! threefry_rounds {
    ($round:ident, $bits:tt, $add:ident, $set1:expr, $rot:expr, $x:ident, $ks:ident, $nw:literal, $rounds:expr) => {{
        let inject = |x: &mut [[__m256i; GROUPS]; $nw], i: usize| {
            for w in 0..$nw {
                for g in 0..GROUPS {
                    x[w][g] = $add(x[w][g], $ks[(i + w) % ($nw + 1)]);
                }
            }
            let iv = $set1(i);
            for g in 0..GROUPS {
                x[$nw - 1][g] = $add(x[$nw - 1][g], iv);
            }
        };
        let mut r = 0;
        // Whole periods of 4 rounds, each followed by a key injection.
        while r + 4 <= $rounds {
            if r % 8 == 0 {
                $round!($bits, $add, $rot, $x, 0);
                $round!($bits, $add, $rot, $x, 1);
                $round!($bits, $add, $rot, $x, 2);
                $round!($bits, $add, $rot, $x, 3);
            } else {
                $round!($bits, $add, $rot, $x, 4);
                $round!($bits, $add, $rot, $x, 5);
                $round!($bits, $add, $rot, $x, 6);
                $round!($bits, $add, $rot, $x, 7);
            }
            inject(&mut $x, (r / 4 + 1) as usize);
            r += 4;
        }
        // Up to 3 more rounds, no injection after them.
        while r < $rounds {
            match r % 8 {
                0 => {
                    $round!($bits, $add, $rot, $x, 0);
                }
                1 => {
                    $round!($bits, $add, $rot, $x, 1);
                }
                2 => {
                    $round!($bits, $add, $rot, $x, 2);
                }
                4 => {
                    $round!($bits, $add, $rot, $x, 4);
                }
                5 => {
                    $round!($bits, $add, $rot, $x, 5);
                }
                _ => {
                    $round!($bits, $add, $rot, $x, 6);
                }
            }
            r += 1;
        }
    }};
}

#[inline]
#[target_feature(enable = "avx2")]
fn set1_32(i: usize) -> __m256i {
    _mm256_set1_epi32(i as i32)
}

#[inline]
#[target_feature(enable = "avx2")]
fn set1_64(i: usize) -> __m256i {
    _mm256_set1_epi64x(i as i64)
}

/// Low and high halves of `b0 + i`, i = 0..8, computed in vectors (building
/// them with scalar stores would stall on store forwarding).
#[inline]
#[target_feature(enable = "avx2")]
fn lanes_lo_hi(b0: u64) -> (__m256i, __m256i) {
    let base = _mm256_set1_epi32(b0 as u32 as i32);
    let lo = _mm256_add_epi32(base, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    // The low half wrapped (lo < base, unsigned) where a carry goes up:
    // compare with the sign bits flipped, since AVX2 compares signed.
    let flip = _mm256_set1_epi32(i32::MIN);
    let carry = _mm256_cmpgt_epi32(_mm256_xor_si256(base, flip), _mm256_xor_si256(lo, flip));
    let hi = _mm256_sub_epi32(_mm256_set1_epi32((b0 >> 32) as u32 as i32), carry);
    (lo, hi)
}

/// Threefry4x32, 16 blocks (64 words) per step; counter `[b lo, b hi, s lo, s hi]`.
#[target_feature(enable = "avx2")]
pub(crate) fn threefry4x32(key: [u32; 4], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const GROUPS: usize = STEP_THREEFRY4X32 / 32;
    const STEP: usize = STEP_THREEFRY4X32;
    let ks32 = [
        key[0],
        key[1],
        key[2],
        key[3],
        SKEIN_KS_PARITY32 ^ key[0] ^ key[1] ^ key[2] ^ key[3],
    ];
    let ks = ks32.map(|k| _mm256_set1_epi32(k as i32));
    let s_lo = _mm256_add_epi32(_mm256_set1_epi32(s as u32 as i32), ks[2]);
    let s_hi = _mm256_add_epi32(_mm256_set1_epi32((s >> 32) as u32 as i32), ks[3]);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[s_lo; GROUPS]; 4];
        for g in 0..GROUPS {
            let (lo, hi) = lanes_lo_hi(b0.wrapping_add((STEP / 4 * step + 8 * g) as u64));
            x[0][g] = _mm256_add_epi32(lo, ks[0]);
            x[1][g] = _mm256_add_epi32(hi, ks[1]);
            x[3][g] = s_hi;
        }
        threefry_rounds!(
            round4,
            32,
            _mm256_add_epi32,
            set1_32,
            ROTATIONS_4X32,
            x,
            ks,
            4,
            rounds
        );
        for g in 0..GROUPS {
            // 4x8 transpose: vector j holds word j of 8 blocks.
            let t0 = _mm256_unpacklo_epi32(x[0][g], x[1][g]);
            let t1 = _mm256_unpackhi_epi32(x[0][g], x[1][g]);
            let t2 = _mm256_unpacklo_epi32(x[2][g], x[3][g]);
            let t3 = _mm256_unpackhi_epi32(x[2][g], x[3][g]);
            let u0 = _mm256_unpacklo_epi64(t0, t2); // blocks 0 | 4
            let u1 = _mm256_unpackhi_epi64(t0, t2); // blocks 1 | 5
            let u2 = _mm256_unpacklo_epi64(t1, t3); // blocks 2 | 6
            let u3 = _mm256_unpackhi_epi64(t1, t3); // blocks 3 | 7
            let at = step * STEP + 32 * g;
            store(out, at, _mm256_permute2x128_si256::<0x20>(u0, u1));
            store(out, at + 8, _mm256_permute2x128_si256::<0x20>(u2, u3));
            store(out, at + 16, _mm256_permute2x128_si256::<0x31>(u0, u1));
            store(out, at + 24, _mm256_permute2x128_si256::<0x31>(u2, u3));
        }
    }
    steps * STEP
}

/// Threefry2x32, 16 blocks (32 words) per step; counter `[b, s]`.
#[target_feature(enable = "avx2")]
pub(crate) fn threefry2x32(key: [u32; 2], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const GROUPS: usize = STEP_THREEFRY2X32 / 16;
    const STEP: usize = STEP_THREEFRY2X32;
    let ks32 = [key[0], key[1], SKEIN_KS_PARITY32 ^ key[0] ^ key[1]];
    let ks = ks32.map(|k| _mm256_set1_epi32(k as i32));
    let sv = _mm256_add_epi32(_mm256_set1_epi32(s as u32 as i32), ks[1]);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[sv; GROUPS]; 2];
        for g in 0..GROUPS {
            let (lo, _) = lanes_lo_hi(b0.wrapping_add((STEP / 2 * step + 8 * g) as u64));
            x[0][g] = _mm256_add_epi32(lo, ks[0]);
        }
        threefry_rounds!(
            round2,
            32,
            _mm256_add_epi32,
            set1_32,
            ROTATIONS_2X32,
            x,
            ks,
            2,
            rounds
        );
        for g in 0..GROUPS {
            let lo = _mm256_unpacklo_epi32(x[0][g], x[1][g]); // blocks 0, 1 | 4, 5
            let hi = _mm256_unpackhi_epi32(x[0][g], x[1][g]); // blocks 2, 3 | 6, 7
            let at = step * STEP + 16 * g;
            store(out, at, _mm256_permute2x128_si256::<0x20>(lo, hi));
            store(out, at + 8, _mm256_permute2x128_si256::<0x31>(lo, hi));
        }
    }
    steps * STEP
}

/// `b0 + i`, i = 0..4, as 64-bit lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn lanes64(b0: u64) -> __m256i {
    _mm256_setr_epi64x(
        b0 as i64,
        b0.wrapping_add(1) as i64,
        b0.wrapping_add(2) as i64,
        b0.wrapping_add(3) as i64,
    )
}

/// Threefry4x64, 8 blocks (32 words) per step; counter `[b, 0, s, 0]`.
#[target_feature(enable = "avx2")]
pub(crate) fn threefry4x64(key: [u64; 4], rounds: u32, b0: u64, s: u64, out: &mut [u64]) -> usize {
    const GROUPS: usize = STEP_THREEFRY4X64 / 16;
    const STEP: usize = STEP_THREEFRY4X64;
    let ks64 = [
        key[0],
        key[1],
        key[2],
        key[3],
        SKEIN_KS_PARITY64 ^ key[0] ^ key[1] ^ key[2] ^ key[3],
    ];
    let ks = ks64.map(|k| _mm256_set1_epi64x(k as i64));
    let sv = _mm256_add_epi64(_mm256_set1_epi64x(s as i64), ks[2]);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[ks[1]; GROUPS]; 4];
        for g in 0..GROUPS {
            let b = lanes64(b0.wrapping_add((STEP / 4 * step + 4 * g) as u64));
            x[0][g] = _mm256_add_epi64(b, ks[0]);
            x[2][g] = sv;
            x[3][g] = ks[3];
        }
        threefry_rounds!(
            round4,
            64,
            _mm256_add_epi64,
            set1_64,
            ROTATIONS_4X64,
            x,
            ks,
            4,
            rounds
        );
        for g in 0..GROUPS {
            // 4x4 transpose of 64-bit words.
            let t0 = _mm256_unpacklo_epi64(x[0][g], x[1][g]); // block 0 w0 w1 | block 2 w0 w1
            let t1 = _mm256_unpackhi_epi64(x[0][g], x[1][g]); // block 1 | block 3
            let t2 = _mm256_unpacklo_epi64(x[2][g], x[3][g]);
            let t3 = _mm256_unpackhi_epi64(x[2][g], x[3][g]);
            let at = step * STEP + 16 * g;
            store64(out, at, _mm256_permute2x128_si256::<0x20>(t0, t2));
            store64(out, at + 4, _mm256_permute2x128_si256::<0x20>(t1, t3));
            store64(out, at + 8, _mm256_permute2x128_si256::<0x31>(t0, t2));
            store64(out, at + 12, _mm256_permute2x128_si256::<0x31>(t1, t3));
        }
    }
    steps * STEP
}

/// Threefry2x64, 8 blocks (16 words) per step; counter `[b, s]`.
#[target_feature(enable = "avx2")]
pub(crate) fn threefry2x64(key: [u64; 2], rounds: u32, b0: u64, s: u64, out: &mut [u64]) -> usize {
    const GROUPS: usize = STEP_THREEFRY2X64 / 8;
    const STEP: usize = STEP_THREEFRY2X64;
    let ks64 = [key[0], key[1], SKEIN_KS_PARITY64 ^ key[0] ^ key[1]];
    let ks = ks64.map(|k| _mm256_set1_epi64x(k as i64));
    let sv = _mm256_add_epi64(_mm256_set1_epi64x(s as i64), ks[1]);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[sv; GROUPS]; 2];
        for g in 0..GROUPS {
            let b = lanes64(b0.wrapping_add((STEP / 2 * step + 4 * g) as u64));
            x[0][g] = _mm256_add_epi64(b, ks[0]);
        }
        threefry_rounds!(
            round2,
            64,
            _mm256_add_epi64,
            set1_64,
            ROTATIONS_2X64,
            x,
            ks,
            2,
            rounds
        );
        for g in 0..GROUPS {
            let lo = _mm256_unpacklo_epi64(x[0][g], x[1][g]); // block 0 | block 2
            let hi = _mm256_unpackhi_epi64(x[0][g], x[1][g]); // block 1 | block 3
            let at = step * STEP + 8 * g;
            store64(out, at, _mm256_permute2x128_si256::<0x20>(lo, hi));
            store64(out, at + 4, _mm256_permute2x128_si256::<0x31>(lo, hi));
        }
    }
    steps * STEP
}

// ---------------------------------------------------------------------------
// Normal f32, eight lanes: `crate::dist::normal::standard_normal_f32`, op for op.

/// Correctly rounded u32 -> f32 (AVX2 converts only signed integers): the
/// high and low 16 bits convert exactly, `hi * 2^16` is exact, and the one
/// addition rounds once, as the scalar `as f32` does.
#[inline]
#[target_feature(enable = "avx2")]
fn u32_to_f32(x: __m256i) -> __m256 {
    let hi = _mm256_cvtepi32_ps(_mm256_srli_epi32::<16>(x));
    let lo = _mm256_cvtepi32_ps(_mm256_and_si256(x, _mm256_set1_epi32(0xffff)));
    _mm256_add_ps(_mm256_mul_ps(hi, _mm256_set1_ps(65536.0)), lo)
}

#[inline]
#[target_feature(enable = "avx2")]
fn splat(x: f32) -> __m256 {
    _mm256_set1_ps(x)
}

/// `ln_f32` on eight positive normal floats.
#[inline]
#[target_feature(enable = "avx2")]
fn ln_f32(x: __m256) -> __m256 {
    let bits = _mm256_castps_si256(x);
    let e = _mm256_sub_epi32(_mm256_srli_epi32::<23>(bits), _mm256_set1_epi32(127));
    let mant = _mm256_and_si256(bits, _mm256_set1_epi32(0x007f_ffff));
    // all-ones where mant > SQRT2_MANT (both < 2^23: the signed compare is exact)
    let fold = _mm256_cmpgt_epi32(mant, _mm256_set1_epi32(n::SQRT2_MANT_F32 as i32));
    let e = _mm256_sub_epi32(e, fold); // e += 1 where folded
    let expo = _mm256_blendv_epi8(
        _mm256_set1_epi32(0x3f80_0000),
        _mm256_set1_epi32(0x3f00_0000),
        fold,
    );
    let m = _mm256_castsi256_ps(_mm256_or_si256(mant, expo));
    let f = _mm256_sub_ps(m, splat(1.0));
    let s = _mm256_div_ps(f, _mm256_add_ps(splat(2.0), f));
    let z = _mm256_mul_ps(s, s);
    let mut r = _mm256_mul_ps(z, splat(n::LG4_F32));
    r = _mm256_mul_ps(z, _mm256_add_ps(splat(n::LG3_F32), r));
    r = _mm256_mul_ps(z, _mm256_add_ps(splat(n::LG2_F32), r));
    r = _mm256_mul_ps(z, _mm256_add_ps(splat(n::LG1_F32), r));
    let hfsq = _mm256_mul_ps(_mm256_mul_ps(splat(0.5), f), f);
    let ef = _mm256_cvtepi32_ps(e);
    let inner = _mm256_add_ps(
        _mm256_mul_ps(s, _mm256_add_ps(hfsq, r)),
        _mm256_mul_ps(ef, splat(n::LN2_LO_F32)),
    );
    _mm256_sub_ps(
        _mm256_mul_ps(ef, splat(n::LN2_HI_F32)),
        _mm256_sub_ps(_mm256_sub_ps(hfsq, inner), f),
    )
}

/// Horner `((c3 t + c2) t + c1) t + c0`, in the scalar code's order.
#[inline]
#[target_feature(enable = "avx2")]
fn horner3(t: __m256, c3: f32, c2: f32, c1: f32, c0: f32) -> __m256 {
    let mut p = _mm256_add_ps(_mm256_mul_ps(splat(c3), t), splat(c2));
    p = _mm256_add_ps(_mm256_mul_ps(p, t), splat(c1));
    _mm256_add_ps(_mm256_mul_ps(p, t), splat(c0))
}

/// `(d2 t + d1) t + 1`.
#[inline]
#[target_feature(enable = "avx2")]
fn horner2_1(t: __m256, d2: f32, d1: f32) -> __m256 {
    let p = _mm256_add_ps(_mm256_mul_ps(splat(d2), t), splat(d1));
    _mm256_add_ps(_mm256_mul_ps(p, t), splat(1.0))
}

/// Left-pack permutations: entry `m` lists the lanes whose bit is set in
/// `m`, in order, then pads with lane 0.
static LEFT_PACK: [[u32; 8]; 256] = {
    let mut t = [[0u32; 8]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut lane, mut k) = (0, 0);
        while lane < 8 {
            if m & (1 << lane) != 0 {
                t[m][k] = lane as u32;
                k += 1;
            }
            lane += 1;
        }
        m += 1;
    }
    t
};

/// Stores the lanes of `x` and `at` that `perm` selects (a `LEFT_PACK` or
/// `LEFT_PACK64` row) at the start of `dst_x` and `dst_at`: the tail lanes of
/// a normal kernel's first pass, with their positions. Whole 32-byte vectors
/// are written; lanes past the selected ones are scratch.
#[inline]
#[target_feature(enable = "avx2")]
fn left_pack<X, A>(perm: &[u32; 8], x: __m256i, at: __m256i, dst_x: &mut [X], dst_at: &mut [A]) {
    assert!(std::mem::size_of_val(dst_x) >= 32 && std::mem::size_of_val(dst_at) >= 32);
    // SAFETY: both destinations hold at least 32 bytes (checked above); the
    // permutation row is 8 u32; all accesses are unaligned.
    unsafe {
        let p = _mm256_loadu_si256(perm.as_ptr() as *const __m256i);
        _mm256_storeu_si256(
            dst_x.as_mut_ptr() as *mut __m256i,
            _mm256_permutevar8x32_epi32(x, p),
        );
        _mm256_storeu_si256(
            dst_at.as_mut_ptr() as *mut __m256i,
            _mm256_permutevar8x32_epi32(at, p),
        );
    }
}

/// Elements handled per pass of [`normal_f32`].
const PASS: usize = 256;

/// `mean + std * standard_normal_f32(x[i])` for every i, eight lanes at a
/// time; returns how many were done (a multiple of 8).
///
/// About 85% of deviates take the cheap central branch and 15% the tail
/// (a logarithm, a square root and two divisions). Rather than computing
/// both branches for every vector, a first pass evaluates the central
/// formula everywhere and left-packs the tail lanes' inputs and positions; a
/// second pass evaluates the tail on dense vectors and writes those results
/// over the central ones. Each element still gets exactly the scalar
/// operations of its own branch.
#[target_feature(enable = "avx2")]
pub(crate) fn normal_f32(x: &[u32], mean: f32, std: f32, out: &mut [f32]) -> usize {
    let len = x.len().min(out.len()) / 8 * 8;
    let (meanv, stdv) = (splat(mean), splat(std));
    let mut tail_x = [0u32; PASS + 8];
    let mut tail_at = [0u32; PASS + 8];
    for base in (0..len).step_by(PASS) {
        let end = (base + PASS).min(len);
        let mut nt = 0usize;
        // Pass 1: central branch everywhere; collect the tail lanes.
        for i in (base..end).step_by(8) {
            // SAFETY: i + 8 <= len <= x.len().
            let xv = unsafe { _mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i) };
            let (_, d) = q_and_d(xv);
            let central = _mm256_cmp_ps::<_CMP_LE_OQ>(d, splat(n::SPLIT1_F32));
            let y = _mm256_add_ps(meanv, _mm256_mul_ps(stdv, with_sign(central_x8(d), xv)));
            // SAFETY: i + 8 <= len <= out.len().
            unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(i), y) };
            // Left-pack the tail lanes (none: an empty pack, no branch to
            // mispredict).
            let tail = !_mm256_movemask_ps(central) & 0xff;
            let at = _mm256_add_epi32(
                _mm256_set1_epi32(i as i32),
                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
            );
            // nt <= i - base, so 8 lanes fit at nt (the buffers hold PASS + 8).
            left_pack(
                &LEFT_PACK[tail as usize],
                xv,
                at,
                &mut tail_x[nt..],
                &mut tail_at[nt..],
            );
            nt += tail.count_ones() as usize;
        }
        // Pass 2: the tail on dense vectors (lanes past nt are scratch).
        for j in (0..nt).step_by(8) {
            // SAFETY: j + 8 <= nt + 7 < PASS + 8.
            let xv = unsafe { _mm256_loadu_si256(tail_x.as_ptr().add(j) as *const __m256i) };
            let (q, _) = q_and_d(xv);
            let y = _mm256_add_ps(meanv, _mm256_mul_ps(stdv, with_sign(tail_x8(q), xv)));
            let mut ys = [0f32; 8];
            // SAFETY: writing 8 f32 into an array of 8.
            unsafe { _mm256_storeu_ps(ys.as_mut_ptr(), y) };
            for (k, &v) in ys.iter().enumerate().take(nt - j) {
                out[tail_at[j + k] as usize] = v;
            }
        }
    }
    len
}

// ---------------------------------------------------------------------------
// Gamma f32, one Marsaglia-Tsang attempt on eight lanes: as the AVX-512
// kernel (`super::avx512::gamma_attempt_f32`), the lanes the squeeze does not
// accept left-packed with `LEFT_PACK`.

/// One attempt of `crate::dist::gamma::attempt_f32` for each element `j` of
/// a leading part (a multiple of 8) of `w`'s pairs: normal word `w[2j]`,
/// uniform word `w[2j + 1]`, lane constants `c`, `d`. Writes `ys[j] = d v3`
/// (the value if accepted) and lists the rejected `j`, in increasing order,
/// in `rej` (which needs room for the part plus 16). Returns (the part's
/// length, the number rejected). At most [`GAMMA_PASS`] elements per call;
/// `s` holds the working arrays.
#[target_feature(enable = "avx2")]
pub(crate) fn gamma_attempt_f32(
    w: &[u32],
    c: f32,
    d: f32,
    ys: &mut [f32],
    rej: &mut [u32],
    s: &mut GammaScratch,
) -> (usize, usize) {
    use crate::dist::gamma::SQUEEZE_F32;
    let len = (w.len() / 2).min(ys.len()).min(GAMMA_PASS) / 8 * 8;
    assert!(rej.len() >= len + 16);
    let GammaScratch {
        ok: _,
        xs,
        uw,
        zs,
        fi,
        fz,
        fu,
    } = s;
    // Even words to the low half, odd to the high half of each 128-bit lane,
    // then the 64-bit quarters in order.
    let split = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    for i in (0..len).step_by(8) {
        // SAFETY: 2 i + 16 <= 2 len <= w.len(); i + 8 <= len <= GAMMA_PASS.
        unsafe {
            let a = _mm256_loadu_si256(w.as_ptr().add(2 * i) as *const __m256i);
            let b = _mm256_loadu_si256(w.as_ptr().add(2 * i + 8) as *const __m256i);
            let a = _mm256_permutevar8x32_epi32(a, split);
            let b = _mm256_permutevar8x32_epi32(b, split);
            let xv = _mm256_permute2x128_si256::<0x20>(a, b);
            let uv = _mm256_permute2x128_si256::<0x31>(a, b);
            _mm256_storeu_si256(xs.as_mut_ptr().add(i) as *mut __m256i, xv);
            _mm256_storeu_si256(uw.as_mut_ptr().add(i) as *mut __m256i, uv);
        }
    }
    // 0 + 1 z is z (z is never 0): the standard normal, bit for bit.
    normal_f32(&xs[..len], 0.0, 1.0, &mut zs[..len]);
    let (one, cv, dv) = (splat(1.0), splat(c), splat(d));
    let (squeeze, half, zero) = (splat(SQUEEZE_F32), splat(0.5), _mm256_setzero_ps());
    let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    // Where left_pack's second output goes when only one is wanted.
    let mut junk = [0u32; 8];
    let mut nf = 0usize;
    for i in (0..len).step_by(8) {
        // SAFETY: i + 8 <= len <= GAMMA_PASS.
        let (x, uwv) = unsafe {
            (
                _mm256_loadu_ps(zs.as_ptr().add(i)),
                _mm256_loadu_si256(uw.as_ptr().add(i) as *const __m256i),
            )
        };
        let u = open_uniform_x8(uwv);
        let v = _mm256_add_ps(one, _mm256_mul_ps(cv, x));
        let v3 = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
        let x2 = _mm256_mul_ps(x, x);
        let bound = _mm256_sub_ps(one, _mm256_mul_ps(squeeze, _mm256_mul_ps(x2, x2)));
        let ok = _mm256_and_ps(
            _mm256_cmp_ps::<_CMP_GT_OQ>(v, zero),
            _mm256_cmp_ps::<_CMP_LT_OQ>(u, bound),
        );
        let fail = !_mm256_movemask_ps(ok) & 0xff;
        let at = _mm256_add_epi32(_mm256_set1_epi32(i as i32), lane);
        // SAFETY: i + 8 <= len <= ys.len().
        unsafe { _mm256_storeu_ps(ys.as_mut_ptr().add(i), _mm256_mul_ps(dv, v3)) };
        // nf <= i, so 8 lanes fit at nf (the buffers hold GAMMA_PASS + 16).
        let perm = &LEFT_PACK[fail as usize];
        left_pack(
            perm,
            _mm256_castps_si256(x),
            at,
            &mut fz[nf..],
            &mut fi[nf..],
        );
        left_pack(perm, _mm256_castps_si256(u), at, &mut fu[nf..], &mut junk);
        nf += fail.count_ones() as usize;
    }
    // The full test on the packed lanes; padding lanes (beyond nf) are
    // computed and ignored.
    let mut nr = 0usize;
    for j in (0..nf).step_by(8) {
        // SAFETY: j + 8 <= nf + 7 < GAMMA_PASS + 16.
        let (x, u, at) = unsafe {
            (
                _mm256_loadu_ps(fz.as_ptr().add(j)),
                _mm256_loadu_ps(fu.as_ptr().add(j)),
                _mm256_loadu_si256(fi.as_ptr().add(j) as *const __m256i),
            )
        };
        let v = _mm256_add_ps(one, _mm256_mul_ps(cv, x));
        let v3 = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
        let x2 = _mm256_mul_ps(x, x);
        // ln of a lane with v <= 0 is garbage, masked off by the v test.
        let rhs = _mm256_add_ps(
            _mm256_mul_ps(half, x2),
            _mm256_mul_ps(dv, _mm256_add_ps(_mm256_sub_ps(one, v3), ln_f32(v3))),
        );
        let ok = _mm256_and_ps(
            _mm256_cmp_ps::<_CMP_GT_OQ>(v, zero),
            _mm256_cmp_ps::<_CMP_LT_OQ>(ln_f32(u), rhs),
        );
        let valid = if nf - j >= 8 {
            0xff
        } else {
            (1 << (nf - j)) - 1
        };
        let bad = valid & !_mm256_movemask_ps(ok);
        // nr <= j < len, so 8 lanes fit at nr (rej holds len + 16).
        left_pack(&LEFT_PACK[bad as usize], at, at, &mut rej[nr..], &mut junk);
        nr += bad.count_ones() as usize;
    }
    (len, nr)
}

/// `crate::dist::gamma::open_uniform_f32` on eight words: `(2 (x >> 9) + 1)
/// 2^-24` (the integer is below 2^24, so the signed conversion is exact).
#[inline]
#[target_feature(enable = "avx2")]
fn open_uniform_x8(x: __m256i) -> __m256 {
    let k = _mm256_srli_epi32::<9>(x);
    let odd = _mm256_add_epi32(_mm256_add_epi32(k, k), _mm256_set1_epi32(1));
    _mm256_mul_ps(_mm256_cvtepi32_ps(odd), splat(u::TWO_POW_M24))
}

/// `continuous::exponential_f32(x[i], lambda)` for a leading part of the
/// slices (a multiple of 8); returns its length. The scalar code's two
/// halves are one expression, `-(ln(u) + c / u) / lambda` with `u = 1 - q`,
/// `c = -q - (u - 1)` in the lower half and `u = q`, `c = +0` in the upper,
/// so the lanes blend their inputs and then run the same operations.
#[target_feature(enable = "avx2")]
pub(crate) fn exponential_f32(x: &[u32], lambda: f32, out: &mut [f32]) -> usize {
    let len = x.len().min(out.len()) / 8 * 8;
    let (one, minus0, lam) = (splat(1.0), splat(-0.0), splat(lambda));
    for i in (0..len).step_by(8) {
        // SAFETY: i + 8 <= len <= x.len().
        let xv = unsafe { _mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i) };
        let (q, _) = q_and_d(xv);
        let lower = _mm256_castsi256_ps(_mm256_srai_epi32::<31>(xv)); // all ones: bit 31 set
        let w = _mm256_sub_ps(one, q);
        let c = _mm256_sub_ps(_mm256_xor_ps(q, minus0), _mm256_sub_ps(w, one));
        let u = _mm256_blendv_ps(q, w, lower);
        let c = _mm256_and_ps(c, lower);
        let e = _mm256_xor_ps(_mm256_add_ps(ln_f32(u), _mm256_div_ps(c, u)), minus0);
        // SAFETY: i + 8 <= len <= out.len().
        unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(i), _mm256_div_ps(e, lam)) };
    }
    len
}

/// `q = (2k+1) 2^-33` and `d = (2^32 - (2k+1)) 2^-33`, `k = x & 0x7fff_ffff`.
#[inline]
#[target_feature(enable = "avx2")]
fn q_and_d(x: __m256i) -> (__m256, __m256) {
    let k = _mm256_and_si256(x, _mm256_set1_epi32(0x7fff_ffff));
    let q_int = _mm256_add_epi32(_mm256_add_epi32(k, k), _mm256_set1_epi32(1));
    let q = _mm256_mul_ps(u32_to_f32(q_int), splat(n::TWO_POW_M33));
    let neg = _mm256_sub_epi32(_mm256_setzero_si256(), q_int);
    let d = _mm256_mul_ps(u32_to_f32(neg), splat(n::TWO_POW_M33));
    (q, d)
}

/// The central rational `(d A(r)) / B(r)`, `r = 0.180625 - d d`.
#[inline]
#[target_feature(enable = "avx2")]
fn central_x8(d: __m256) -> __m256 {
    let r = _mm256_sub_ps(splat(n::CONST1_F32), _mm256_mul_ps(d, d));
    let num = horner3(r, n::A3_F32, n::A2_F32, n::A1_F32, n::A0_F32);
    let mut den = _mm256_add_ps(_mm256_mul_ps(splat(n::B3_F32), r), splat(n::B2_F32));
    den = _mm256_add_ps(_mm256_mul_ps(den, r), splat(n::B1_F32));
    den = _mm256_add_ps(_mm256_mul_ps(den, r), splat(1.0));
    _mm256_div_ps(_mm256_mul_ps(d, num), den)
}

/// The tail: `r = sqrt(-ln q)`, then `C(t)/D(t)` with `t = r - 1.6` for
/// `r <= 5`, else `E(t)/F(t)` with `t = r - 5`.
#[inline]
#[target_feature(enable = "avx2")]
fn tail_x8(q: __m256) -> __m256 {
    // -x is a sign flip, as in the scalar code.
    let r = _mm256_sqrt_ps(_mm256_xor_ps(ln_f32(q), splat(-0.0)));
    let near = _mm256_cmp_ps::<_CMP_LE_OQ>(r, splat(n::SPLIT2_F32));
    let t = _mm256_sub_ps(r, splat(n::CONST2_F32));
    let num = horner3(t, n::C3_F32, n::C2_F32, n::C1_F32, n::C0_F32);
    let den = horner2_1(t, n::D2_F32, n::D1_F32);
    let z = _mm256_div_ps(num, den);
    // r > 5 cannot happen for f32 inputs (r <= 4.78), but the branch is part
    // of the contract: evaluate it exactly should a lane ever get there.
    if _mm256_movemask_ps(near) == 0xff {
        return z;
    }
    let t = _mm256_sub_ps(r, splat(n::SPLIT2_F32));
    let num = horner3(t, n::E3_F32, n::E2_F32, n::E1_F32, n::E0_F32);
    let den = horner2_1(t, n::F2_F32, n::F1_F32);
    _mm256_blendv_ps(_mm256_div_ps(num, den), z, near)
}

/// `|z|` with the input's top bit OR-ed in (the scalar code's negation).
#[inline]
#[target_feature(enable = "avx2")]
fn with_sign(abs_z: __m256, x: __m256i) -> __m256 {
    let sign = _mm256_and_si256(x, _mm256_set1_epi32(0x8000_0000u32 as i32));
    _mm256_castsi256_ps(_mm256_or_si256(_mm256_castps_si256(abs_z), sign))
}

/// `uniform_f64(x[i]) = (x[i] >> 11) * 2^-53` for a leading part of the
/// slices; returns its length (a multiple of 4). AVX2 cannot convert 64-bit
/// integers, so the 53-bit value `v` is split: its low 52 bits become a
/// double exactly through the exponent-bias trick (`2^52 + low` has the
/// integer in its mantissa), its top bit is 0 or 1, and
/// `low * 2^-53 + top * 0.5` is exact, as the scalar conversion is.
#[target_feature(enable = "avx2")]
pub(crate) fn uniform_f64(x: &[u64], out: &mut [f64]) -> usize {
    let len = x.len().min(out.len()) / 4 * 4;
    let bias = _mm256_set1_epi64x(0x4330_0000_0000_0000); // 2^52
    let two52 = _mm256_set1_pd(4_503_599_627_370_496.0);
    let low52 = _mm256_set1_epi64x((1 << 52) - 1);
    for i in (0..len).step_by(4) {
        // SAFETY: i + 4 <= len <= x.len().
        let v = unsafe { _mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i) };
        let v = _mm256_srli_epi64::<11>(v);
        let lo = _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(v, low52), bias)),
            two52,
        );
        let top = _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64::<52>(v), bias)),
            two52,
        );
        let y = _mm256_add_pd(
            _mm256_mul_pd(lo, _mm256_set1_pd(u::TWO_POW_M53)),
            _mm256_mul_pd(top, _mm256_set1_pd(0.5)),
        );
        // SAFETY: i + 4 <= len <= out.len().
        unsafe { _mm256_storeu_pd(out.as_mut_ptr().add(i), y) };
    }
    len
}

// ---------------------------------------------------------------------------
// Normal f64, four lanes: `crate::dist::normal::standard_normal_f64`, op for op,
// with the same two-pass tail packing as `normal_f32`.

/// Left-pack permutations for four 64-bit lanes, as pairs of 32-bit lanes.
static LEFT_PACK64: [[u32; 8]; 16] = {
    let mut t = [[0u32; 8]; 16];
    let mut m = 0;
    while m < 16 {
        let (mut lane, mut k) = (0, 0);
        while lane < 4 {
            if m & (1 << lane) != 0 {
                t[m][2 * k] = 2 * lane as u32;
                t[m][2 * k + 1] = 2 * lane as u32 + 1;
                k += 1;
            }
            lane += 1;
        }
        m += 1;
    }
    t
};

#[inline]
#[target_feature(enable = "avx2")]
fn splat64(x: f64) -> __m256d {
    _mm256_set1_pd(x)
}

/// Exact u64 -> f64 for values below 2^53: the low 52 bits through the
/// exponent-bias trick, the top bit as 0 or 2^52; the sum is exact.
#[inline]
#[target_feature(enable = "avx2")]
fn u53_to_f64(v: __m256i) -> __m256d {
    let bias = _mm256_set1_epi64x(0x4330_0000_0000_0000); // 2^52
    let two52 = splat64(4_503_599_627_370_496.0);
    let low = _mm256_and_si256(v, _mm256_set1_epi64x((1 << 52) - 1));
    let lo = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(low, bias)), two52);
    let top = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64::<52>(v), bias)),
        two52,
    );
    _mm256_add_pd(_mm256_mul_pd(top, two52), lo)
}

/// Horner's rule with coefficients from the highest degree down, in the
/// scalar code's order: `((c0 t + c1) t + c2) ... t + c_n`.
#[inline]
#[target_feature(enable = "avx2")]
fn horner64(t: __m256d, c: &[f64]) -> __m256d {
    let mut p = _mm256_add_pd(_mm256_mul_pd(splat64(c[0]), t), splat64(c[1]));
    for &ck in &c[2..] {
        p = _mm256_add_pd(_mm256_mul_pd(p, t), splat64(ck));
    }
    p
}

/// `q = (2k+1) 2^-54`, `d = (2^53 - (2k+1)) 2^-54`, `k = (x & (2^63-1)) >> 11`.
#[inline]
#[target_feature(enable = "avx2")]
fn q_and_d64(x: __m256i) -> (__m256d, __m256d) {
    let k = _mm256_srli_epi64::<11>(_mm256_and_si256(x, _mm256_set1_epi64x(i64::MAX)));
    let q_int = _mm256_add_epi64(_mm256_add_epi64(k, k), _mm256_set1_epi64x(1));
    let q = _mm256_mul_pd(u53_to_f64(q_int), splat64(n::TWO_POW_M54));
    let rest = _mm256_sub_epi64(_mm256_set1_epi64x(1 << 53), q_int);
    let d = _mm256_mul_pd(u53_to_f64(rest), splat64(n::TWO_POW_M54));
    (q, d)
}

/// `ln_f64` on four positive normal doubles.
#[inline]
#[target_feature(enable = "avx2")]
fn ln_f64(x: __m256d) -> __m256d {
    let bits = _mm256_castpd_si256(x);
    let mant = _mm256_and_si256(bits, _mm256_set1_epi64x(0x000f_ffff_ffff_ffff));
    // all-ones where mant > SQRT2_MANT (both < 2^52: the signed compare is exact)
    let fold = _mm256_cmpgt_epi64(mant, _mm256_set1_epi64x(n::SQRT2_MANT_F64 as i64));
    // e = biased exponent - 1023 (+1 where folded), as an exact double.
    let biased = _mm256_sub_epi64(_mm256_srli_epi64::<52>(bits), fold);
    let ef = _mm256_sub_pd(u53_to_f64(biased), splat64(1023.0));
    let expo = _mm256_blendv_epi8(
        _mm256_set1_epi64x(0x3ff0_0000_0000_0000),
        _mm256_set1_epi64x(0x3fe0_0000_0000_0000),
        fold,
    );
    let m = _mm256_castsi256_pd(_mm256_or_si256(mant, expo));
    let f = _mm256_sub_pd(m, splat64(1.0));
    let s = _mm256_div_pd(f, _mm256_add_pd(splat64(2.0), f));
    let z = _mm256_mul_pd(s, s);
    // z * (LG1 + z * (LG2 + ... + z * (LG9 + z * LG10)))
    let lg = [
        n::LG1_F64,
        n::LG2_F64,
        n::LG3_F64,
        n::LG4_F64,
        n::LG5_F64,
        n::LG6_F64,
        n::LG7_F64,
        n::LG8_F64,
        n::LG9_F64,
    ];
    let mut r = _mm256_mul_pd(z, splat64(n::LG10_F64));
    for &c in lg.iter().rev() {
        r = _mm256_mul_pd(z, _mm256_add_pd(splat64(c), r));
    }
    let hfsq = _mm256_mul_pd(_mm256_mul_pd(splat64(0.5), f), f);
    let inner = _mm256_add_pd(
        _mm256_mul_pd(s, _mm256_add_pd(hfsq, r)),
        _mm256_mul_pd(ef, splat64(n::LN2_LO_F64)),
    );
    _mm256_sub_pd(
        _mm256_mul_pd(ef, splat64(n::LN2_HI_F64)),
        _mm256_sub_pd(_mm256_sub_pd(hfsq, inner), f),
    )
}

/// The central rational of PPND16.
#[inline]
#[target_feature(enable = "avx2")]
fn central_f64(d: __m256d) -> __m256d {
    let r = _mm256_sub_pd(splat64(n::CONST1_F64), _mm256_mul_pd(d, d));
    let num = horner64(
        r,
        &[
            n::A7_F64,
            n::A6_F64,
            n::A5_F64,
            n::A4_F64,
            n::A3_F64,
            n::A2_F64,
            n::A1_F64,
            n::A0_F64,
        ],
    );
    let den = horner64(
        r,
        &[
            n::B7_F64,
            n::B6_F64,
            n::B5_F64,
            n::B4_F64,
            n::B3_F64,
            n::B2_F64,
            n::B1_F64,
            1.0,
        ],
    );
    _mm256_div_pd(_mm256_mul_pd(d, num), den)
}

/// The tails of PPND16: `r = sqrt(-ln q)`, then `C/D` at `r - 1.6` for
/// `r <= 5`, else `E/F` at `r - 5` (reachable in f64: r goes up to 6.1).
#[inline]
#[target_feature(enable = "avx2")]
fn tail_f64(q: __m256d) -> __m256d {
    let r = _mm256_sqrt_pd(_mm256_xor_pd(ln_f64(q), splat64(-0.0)));
    let near = _mm256_cmp_pd::<_CMP_LE_OQ>(r, splat64(n::SPLIT2_F64));
    let t = _mm256_sub_pd(r, splat64(n::CONST2_F64));
    let num = horner64(
        t,
        &[
            n::C7_F64,
            n::C6_F64,
            n::C5_F64,
            n::C4_F64,
            n::C3_F64,
            n::C2_F64,
            n::C1_F64,
            n::C0_F64,
        ],
    );
    let den = horner64(
        t,
        &[
            n::D7_F64,
            n::D6_F64,
            n::D5_F64,
            n::D4_F64,
            n::D3_F64,
            n::D2_F64,
            n::D1_F64,
            1.0,
        ],
    );
    let z = _mm256_div_pd(num, den);
    if _mm256_movemask_pd(near) == 0xf {
        return z;
    }
    let t = _mm256_sub_pd(r, splat64(n::SPLIT2_F64));
    let num = horner64(
        t,
        &[
            n::E7_F64,
            n::E6_F64,
            n::E5_F64,
            n::E4_F64,
            n::E3_F64,
            n::E2_F64,
            n::E1_F64,
            n::E0_F64,
        ],
    );
    let den = horner64(
        t,
        &[
            n::F7_F64,
            n::F6_F64,
            n::F5_F64,
            n::F4_F64,
            n::F3_F64,
            n::F2_F64,
            n::F1_F64,
            1.0,
        ],
    );
    _mm256_blendv_pd(_mm256_div_pd(num, den), z, near)
}

/// `|z|` with the input's top bit OR-ed in.
#[inline]
#[target_feature(enable = "avx2")]
fn with_sign64(abs_z: __m256d, x: __m256i) -> __m256d {
    let sign = _mm256_and_si256(x, _mm256_set1_epi64x(i64::MIN));
    _mm256_castsi256_pd(_mm256_or_si256(_mm256_castpd_si256(abs_z), sign))
}

/// `mean + std * standard_normal_f64(x[i])` for every i, four lanes at a
/// time; returns how many were done (a multiple of 4). Same two passes as
/// [`normal_f32`]: central everywhere, then the packed tail lanes.
#[target_feature(enable = "avx2")]
pub(crate) fn normal_f64(x: &[u64], mean: f64, std: f64, out: &mut [f64]) -> usize {
    let len = x.len().min(out.len()) / 4 * 4;
    let (meanv, stdv) = (splat64(mean), splat64(std));
    let mut tail_x = [0u64; PASS + 4];
    let mut tail_at = [0u64; PASS + 4];
    for base in (0..len).step_by(PASS) {
        let end = (base + PASS).min(len);
        let mut nt = 0usize;
        for i in (base..end).step_by(4) {
            // SAFETY: i + 4 <= len <= x.len().
            let xv = unsafe { _mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i) };
            let (_, d) = q_and_d64(xv);
            let central = _mm256_cmp_pd::<_CMP_LE_OQ>(d, splat64(n::SPLIT1_F64));
            let y = _mm256_add_pd(meanv, _mm256_mul_pd(stdv, with_sign64(central_f64(d), xv)));
            // SAFETY: i + 4 <= len <= out.len().
            unsafe { _mm256_storeu_pd(out.as_mut_ptr().add(i), y) };
            let tail = !_mm256_movemask_pd(central) & 0xf;
            let at = _mm256_setr_epi64x(i as i64, i as i64 + 1, i as i64 + 2, i as i64 + 3);
            // nt <= i - base, so 4 lanes fit at nt (the buffers hold PASS + 4).
            left_pack(
                &LEFT_PACK64[tail as usize],
                xv,
                at,
                &mut tail_x[nt..],
                &mut tail_at[nt..],
            );
            nt += tail.count_ones() as usize;
        }
        for j in (0..nt).step_by(4) {
            // SAFETY: j + 4 <= nt + 3 < PASS + 4.
            let xv = unsafe { _mm256_loadu_si256(tail_x.as_ptr().add(j) as *const __m256i) };
            let (q, _) = q_and_d64(xv);
            let y = _mm256_add_pd(meanv, _mm256_mul_pd(stdv, with_sign64(tail_f64(q), xv)));
            let mut ys = [0f64; 4];
            // SAFETY: writing 4 f64 into an array of 4.
            unsafe { _mm256_storeu_pd(ys.as_mut_ptr(), y) };
            for (k, &v) in ys.iter().enumerate().take(nt - j) {
                out[tail_at[j + k] as usize] = v;
            }
        }
    }
    len
}

#[cfg(test)]
mod tests {
    //! The normal kernels against the scalar definition on inputs chosen to
    //! hit every branch, including the f64 far tail (`r > 5`, probability
    //! ~3e-11 per element, so random tests never reach it) and both sides of
    //! each split.
    use super::*;
    use crate::dist::normal::{standard_normal_f32, standard_normal_f64};

    /// The exponential kernel against `continuous::exponential_f32`, bit for
    /// bit, on both ends of k in both halves and a strided sweep, at two rates.
    #[test]
    fn exponential_f32_kernel_equals_scalar() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut x: Vec<u32> = Vec::new();
        for k in (0..3000u32).chain((1 << 31) - 3000..1 << 31) {
            x.push(k);
            x.push(k | 0x8000_0000);
        }
        x.extend((0..u32::MAX).step_by(65_537));
        x.truncate(x.len() / 16 * 16);
        for lambda in [1.0f32, 0.37] {
            let mut got = vec![0f32; x.len()];
            // SAFETY: the feature was checked above.
            let done = unsafe { exponential_f32(&x, lambda, &mut got) };
            assert_eq!(done, x.len());
            for (&xi, &g) in x.iter().zip(&got) {
                let want = crate::dist::continuous::exponential_f32(xi, lambda);
                assert_eq!(
                    g.to_bits(),
                    want.to_bits(),
                    "x = {xi:#010x}, lambda {lambda}"
                );
            }
        }
    }

    /// Inputs whose `k` (the magnitude field) sweeps `[lo, lo + n)`, with both signs.
    fn around64(lo: u64, n: u64, v: &mut Vec<u64>) {
        for k in lo..lo + n {
            v.push(k << 11 | 0x5a5); // low 11 bits are ignored
            v.push((k << 11) | (1 << 63));
        }
    }

    #[test]
    fn normal_f64_kernel_equals_scalar_on_every_branch() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut x = Vec::new();
        around64(0, 4000, &mut x); // q near 2^-54: r > 5
        // r = 5 <=> q = e^-25 <=> k ~ e^-25 2^53
        let k5 = ((-25f64).exp() * 2f64.powi(53)) as u64;
        around64(k5 - 2000, 4000, &mut x);
        // d = 0.425 <=> q = 0.075 <=> k ~ 0.075 * 2^53
        let ks = (0.075 * 2f64.powi(53)) as u64;
        around64(ks - 2000, 4000, &mut x);
        around64((1 << 52) - 2000, 2000, &mut x); // d -> 0
        let mut g = 0x1234_5678_9abc_def0u64;
        for _ in 0..100_000 {
            g = g
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x.push(g);
        }
        for (mean, std) in [(0.0, 1.0), (-2.5, 0.125)] {
            let mut got = vec![0f64; x.len()];
            // SAFETY: AVX2 checked above.
            let done = unsafe { normal_f64(&x, mean, std, &mut got) };
            assert_eq!(done, x.len() / 4 * 4);
            for i in 0..done {
                let want = mean + std * standard_normal_f64(x[i]);
                assert_eq!(got[i].to_bits(), want.to_bits(), "x = {:#x}", x[i]);
            }
        }
    }

    #[test]
    fn normal_f32_kernel_equals_scalar_on_every_branch() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut x: Vec<u32> = Vec::new();
        let mut around = |lo: u32, n: u32| {
            for k in lo..lo + n {
                x.push(k);
                x.push(k | 0x8000_0000);
            }
        };
        around(0, 4000); // the extreme tail
        let ks = (0.075 * 2f64.powi(32)) as u32; // d = 0.425
        around(ks - 2000, 4000);
        around((1 << 31) - 2000, 2000); // d -> 0
        // A strided sweep of every magnitude.
        for k in (0..1u32 << 31).step_by(4099) {
            x.push(k);
        }
        let mut got = vec![0f32; x.len()];
        // SAFETY: AVX2 checked above.
        let done = unsafe { normal_f32(&x, 0.0, 1.0, &mut got) };
        assert_eq!(done, x.len() / 8 * 8);
        for i in 0..done {
            let want = standard_normal_f32(x[i]);
            assert_eq!(got[i].to_bits(), want.to_bits(), "x = {:#x}", x[i]);
        }
    }
}
