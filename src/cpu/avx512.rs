//! AVX-512 backend: the block functions of [`crate::generator`] on 512-bit
//! vectors, and the uniform and normal maps of [`crate::dist`] sixteen (f32)
//! or eight (f64) lanes at a time.
//!
//! Same shape as [`super::avx2`]: each function makes as many whole *steps*
//! as fit in `out` and returns the number of words (or elements) written; the
//! caller finishes the rest. Callers must have checked that the CPU has
//! AVX-512F and AVX-512DQ ([`super::CpuBackend::is_available`]).
//!
//! What AVX-512 adds over AVX2, and where it is used:
//! - twice the lanes: 4 Philox4x32 blocks, 8 Philox2x32 blocks, 16 Threefry
//!   32-bit blocks or 8 Threefry 64-bit blocks per vector;
//! - native rotates (`vprold`, `vprolq`) for Threefry, one instruction where
//!   AVX2 needs two shifts and an or;
//! - three-input logic (`vpternlogd`): a Philox round's two xors are one
//!   instruction;
//! - unsigned and 64-bit integer to float conversions (`vcvtudq2ps`,
//!   `vcvtuqq2pd`), exact here, where AVX2 needs the split tricks;
//! - `vpcompressd`/`vpcompressq` for packing the normal map's tail lanes;
//! - a 64-bit low multiply (`vpmullq`), with which the 64x64 -> 128-bit
//!   products of Philox4x64/2x64 are made on 8 lanes from 32-bit pieces.
//!
//! Lane order: Threefry keeps word j of 16 (32-bit) or 8 (64-bit) blocks in
//! vector j, with blocks assigned to lanes in the order that makes the
//! in-lane unpacks alone (and, for 4x64, one two-source permute) put the
//! blocks in memory order: no cross-lane transpose. Philox keeps whole blocks
//! per vector, words in block order, as the AVX2 kernels do.
//!
//! Every operation is the integer or IEEE operation of the scalar code (no
//! fused multiply-add), so the bits are the same; `tests/cpu_backends.rs`
//! checks it.

#![allow(clippy::needless_range_loop)]

use super::simd::{GAMMA_PASS, GammaScratch};
use crate::dist::{normal as n, uniform as u};
use crate::generator::philox::{
    PHILOX_M2X32_0, PHILOX_M2X64_0, PHILOX_M4X32_0, PHILOX_M4X32_1, PHILOX_M4X64_0, PHILOX_M4X64_1,
    PHILOX_W32_0, PHILOX_W32_1, PHILOX_W64_0, PHILOX_W64_1,
};
use crate::generator::threefry::{
    ROTATIONS_2X32, ROTATIONS_2X64, ROTATIONS_4X32, ROTATIONS_4X64, SKEIN_KS_PARITY32,
    SKEIN_KS_PARITY64,
};
use std::arch::x86_64::*;

/// Philox4x32: 8 vectors of 4 blocks (128 words) per step.
pub(crate) const STEP_PHILOX4X32: usize = 128;
/// Philox2x32: 8 vectors of 8 blocks (128 words) per step.
pub(crate) const STEP_PHILOX2X32: usize = 128;
/// Threefry4x32: 4 groups of 16 blocks of 4 words.
pub(crate) const STEP_THREEFRY4X32: usize = 256;
/// Threefry2x32: 4 groups of 16 blocks of 2 words.
pub(crate) const STEP_THREEFRY2X32: usize = 128;
/// Threefry4x64: 3 groups of 8 blocks of 4 words.
pub(crate) const STEP_THREEFRY4X64: usize = 96;
/// Threefry2x64: 4 groups of 8 blocks of 2 words.
pub(crate) const STEP_THREEFRY2X64: usize = 64;
/// Philox4x64: 2 groups of 8 blocks of 4 words.
pub(crate) const STEP_PHILOX4X64: usize = 64;
/// Philox2x64: 4 groups of 8 blocks of 2 words.
pub(crate) const STEP_PHILOX2X64: usize = 64;
/// The largest step.
pub(crate) const MAX_STEP: usize = 256;

// Every function here enables "avx512f,avx512dq", the pair that
// `CpuBackend::is_available` checks.

#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn store(out: &mut [u32], at: usize, v: __m512i) {
    assert!(at + 16 <= out.len());
    // SAFETY: 16 u32 fit at `at` (checked above); unaligned store.
    unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(at) as *mut __m512i, v) }
}

#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn store64(out: &mut [u64], at: usize, v: __m512i) {
    assert!(at + 8 <= out.len());
    // SAFETY: 8 u64 fit at `at` (checked above); unaligned store.
    unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(at) as *mut __m512i, v) }
}

/// `[a, b, c, d]` repeated in every 128-bit lane (a lowest).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn lanes4(a: u32, b: u32, c: u32, d: u32) -> __m512i {
    _mm512_broadcast_i32x4(_mm_setr_epi32(a as i32, b as i32, c as i32, d as i32))
}

/// Philox4x32, 32 blocks per step; counter `[b lo, b hi, s lo, s hi]`.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn philox4x32(key: [u32; 2], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = STEP_PHILOX4X32;
    const V: usize = STEP / 16;
    // Per 128-bit lane one block [x0, x1, x2, x3]; the multiplies act on the
    // even 32-bit lanes x0 and x2.
    let m = lanes4(PHILOX_M4X32_0, 0, PHILOX_M4X32_1, 0);
    let k_init = lanes4(key[0], 0, key[1], 0);
    let bump = lanes4(PHILOX_W32_0, 0, PHILOX_W32_1, 0);
    // As 64-bit lanes the counter of block b is [b, s].
    let four = _mm512_setr_epi64(4, 0, 4, 0, 4, 0, 4, 0);
    let si = s as i64;
    let mut c = _mm512_setr_epi64(
        b0 as i64,
        si,
        b0.wrapping_add(1) as i64,
        si,
        b0.wrapping_add(2) as i64,
        si,
        b0.wrapping_add(3) as i64,
        si,
    );
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [c; V];
        for j in 1..V {
            x[j] = _mm512_add_epi64(x[j - 1], four);
        }
        c = _mm512_add_epi64(x[V - 1], four);
        let mut k = k_init;
        for r in 0..rounds {
            if r > 0 {
                k = _mm512_add_epi32(k, bump);
            }
            for v in &mut x {
                // [lo0, hi0, lo1, hi1] of M0*x0 and M1*x2 -> [hi1, lo1, hi0, lo0]
                let p = _mm512_shuffle_epi32::<0x1B>(_mm512_mul_epu32(*v, m));
                // ^ [x1, 0, x3, 0] ^ [k0, 0, k1, 0] in one three-way xor.
                let x13 = _mm512_srli_epi64::<32>(*v);
                *v = _mm512_ternarylogic_epi32::<0x96>(p, x13, k);
            }
        }
        for (j, v) in x.into_iter().enumerate() {
            store(out, step * STEP + 16 * j, v);
        }
    }
    steps * STEP
}

/// Philox2x32, 64 blocks per step; counter `[b, s]`.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn philox2x32(key: [u32; 1], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = STEP_PHILOX2X32;
    const V: usize = STEP / 16;
    let m = _mm512_set1_epi64(i64::from(PHILOX_M2X32_0));
    let k_init = _mm512_set1_epi64(i64::from(key[0]));
    let bump = _mm512_set1_epi64(i64::from(PHILOX_W32_0));
    let eight = _mm512_set1_epi64(8);
    // Counter of block b as a 64-bit lane: b | s << 32 (b, s < 2^32 here).
    let c0 = b0 | (s << 32);
    let mut c = _mm512_add_epi64(
        _mm512_set1_epi64(c0 as i64),
        _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7),
    );
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [c; V];
        for j in 1..V {
            x[j] = _mm512_add_epi64(x[j - 1], eight);
        }
        c = _mm512_add_epi64(x[V - 1], eight);
        let mut k = k_init;
        for r in 0..rounds {
            if r > 0 {
                k = _mm512_add_epi32(k, bump);
            }
            for v in &mut x {
                let p = _mm512_shuffle_epi32::<0xB1>(_mm512_mul_epu32(*v, m)); // [hi, lo]
                let x1 = _mm512_srli_epi64::<32>(*v); // [x1, 0]
                *v = _mm512_ternarylogic_epi32::<0x96>(p, x1, k);
            }
        }
        for (j, v) in x.into_iter().enumerate() {
            store(out, step * STEP + 16 * j, v);
        }
    }
    steps * STEP
}

// ---------------------------------------------------------------------------
// Threefry: GROUPS independent groups of vectors per step, word j of every
// block of a group in vector j.

/// One Threefry-4 round number `$i` (mod 8) on every group of `$x`.
macro_rules! round4 {
    ($bits:tt, $x:ident, $rot:expr, $i:literal) => {
        let (a, b) = if $i % 2 == 0 { (1, 3) } else { (3, 1) };
        for g in 0..GROUPS {
            $x[0][g] = add!($bits, $x[0][g], $x[a][g]);
            $x[a][g] = _mm512_xor_si512(rol!($bits, $x[a][g], $rot[$i][0]), $x[0][g]);
            $x[2][g] = add!($bits, $x[2][g], $x[b][g]);
            $x[b][g] = _mm512_xor_si512(rol!($bits, $x[b][g], $rot[$i][1]), $x[2][g]);
        }
    };
}

/// One Threefry-2 round number `$i` (mod 8).
macro_rules! round2 {
    ($bits:tt, $x:ident, $rot:expr, $i:literal) => {
        for g in 0..GROUPS {
            $x[0][g] = add!($bits, $x[0][g], $x[1][g]);
            $x[1][g] = _mm512_xor_si512(rol!($bits, $x[1][g], $rot[$i]), $x[0][g]);
        }
    };
}

macro_rules! add {
    (32, $a:expr, $b:expr) => {
        _mm512_add_epi32($a, $b)
    };
    (64, $a:expr, $b:expr) => {
        _mm512_add_epi64($a, $b)
    };
}

macro_rules! rol {
    (32, $x:expr, $r:expr) => {
        _mm512_rol_epi32::<{ $r as i32 }>($x)
    };
    (64, $x:expr, $r:expr) => {
        _mm512_rol_epi64::<{ $r as i32 }>($x)
    };
}

macro_rules! set1 {
    (32, $i:expr) => {
        _mm512_set1_epi32($i as i32)
    };
    (64, $i:expr) => {
        _mm512_set1_epi64($i as i64)
    };
}

/// All `$rounds` rounds with key injections, for a state `$x` of `$nw` words.
macro_rules! threefry_rounds {
    ($round:ident, $bits:tt, $rot:expr, $x:ident, $ks:ident, $nw:literal, $rounds:expr) => {{
        let inject = |x: &mut [[__m512i; GROUPS]; $nw], i: usize| {
            for w in 0..$nw {
                for g in 0..GROUPS {
                    x[w][g] = add!($bits, x[w][g], $ks[(i + w) % ($nw + 1)]);
                }
            }
            let iv = set1!($bits, i);
            for g in 0..GROUPS {
                x[$nw - 1][g] = add!($bits, x[$nw - 1][g], iv);
            }
        };
        let mut r = 0;
        while r + 4 <= $rounds {
            if r % 8 == 0 {
                $round!($bits, $x, $rot, 0);
                $round!($bits, $x, $rot, 1);
                $round!($bits, $x, $rot, 2);
                $round!($bits, $x, $rot, 3);
            } else {
                $round!($bits, $x, $rot, 4);
                $round!($bits, $x, $rot, 5);
                $round!($bits, $x, $rot, 6);
                $round!($bits, $x, $rot, 7);
            }
            inject(&mut $x, (r / 4 + 1) as usize);
            r += 4;
        }
        while r < $rounds {
            match r % 8 {
                0 => {
                    $round!($bits, $x, $rot, 0);
                }
                1 => {
                    $round!($bits, $x, $rot, 1);
                }
                2 => {
                    $round!($bits, $x, $rot, 2);
                }
                4 => {
                    $round!($bits, $x, $rot, 4);
                }
                5 => {
                    $round!($bits, $x, $rot, 5);
                }
                _ => {
                    $round!($bits, $x, $rot, 6);
                }
            }
            r += 1;
        }
    }};
}

/// Low and high halves of `b0 + off[l]` for 16 lanes (with the carry).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn lanes_lo_hi(b0: u64, off: __m512i) -> (__m512i, __m512i) {
    let base = _mm512_set1_epi32(b0 as u32 as i32);
    let lo = _mm512_add_epi32(base, off);
    let carry = _mm512_cmplt_epu32_mask(lo, base);
    let hi = _mm512_set1_epi32((b0 >> 32) as u32 as i32);
    let hi = _mm512_mask_add_epi32(hi, carry, hi, _mm512_set1_epi32(1));
    (lo, hi)
}

/// Threefry4x32, 64 blocks per step; counter `[b lo, b hi, s lo, s hi]`.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn threefry4x32(key: [u32; 4], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = STEP_THREEFRY4X32;
    const GROUPS: usize = STEP / 64;
    let ks32 = [
        key[0],
        key[1],
        key[2],
        key[3],
        SKEIN_KS_PARITY32 ^ key[0] ^ key[1] ^ key[2] ^ key[3],
    ];
    let ks = ks32.map(|k| _mm512_set1_epi32(k as i32));
    let s_lo = _mm512_add_epi32(_mm512_set1_epi32(s as u32 as i32), ks[2]);
    let s_hi = _mm512_add_epi32(_mm512_set1_epi32((s >> 32) as u32 as i32), ks[3]);
    // Lane 4j + i holds block 4i + j of its group: after the in-lane
    // unpacks, vector i of the result holds blocks 4i .. 4i + 3 in order.
    let off = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[s_lo; GROUPS]; 4];
        for g in 0..GROUPS {
            let (lo, hi) = lanes_lo_hi(b0.wrapping_add((STEP / 4 * step + 16 * g) as u64), off);
            x[0][g] = _mm512_add_epi32(lo, ks[0]);
            x[1][g] = _mm512_add_epi32(hi, ks[1]);
            x[3][g] = s_hi;
        }
        threefry_rounds!(round4, 32, ROTATIONS_4X32, x, ks, 4, rounds);
        for g in 0..GROUPS {
            let t0 = _mm512_unpacklo_epi32(x[0][g], x[1][g]);
            let t1 = _mm512_unpackhi_epi32(x[0][g], x[1][g]);
            let t2 = _mm512_unpacklo_epi32(x[2][g], x[3][g]);
            let t3 = _mm512_unpackhi_epi32(x[2][g], x[3][g]);
            let at = step * STEP + 64 * g;
            store(out, at, _mm512_unpacklo_epi64(t0, t2)); // lanes 4j: blocks 0..3
            store(out, at + 16, _mm512_unpackhi_epi64(t0, t2)); // lanes 4j+1: 4..7
            store(out, at + 32, _mm512_unpacklo_epi64(t1, t3)); // lanes 4j+2: 8..11
            store(out, at + 48, _mm512_unpackhi_epi64(t1, t3)); // lanes 4j+3: 12..15
        }
    }
    steps * STEP
}

/// Threefry2x32, 64 blocks per step; counter `[b, s]`.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn threefry2x32(key: [u32; 2], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = STEP_THREEFRY2X32;
    const GROUPS: usize = STEP / 32;
    let ks32 = [key[0], key[1], SKEIN_KS_PARITY32 ^ key[0] ^ key[1]];
    let ks = ks32.map(|k| _mm512_set1_epi32(k as i32));
    let sv = _mm512_add_epi32(_mm512_set1_epi32(s as u32 as i32), ks[1]);
    // Lanes 4j, 4j+1 hold blocks 2j, 2j+1; lanes 4j+2, 4j+3 blocks 8+2j, 9+2j.
    let off = _mm512_setr_epi32(0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[sv; GROUPS]; 2];
        for g in 0..GROUPS {
            let (lo, _) = lanes_lo_hi(b0.wrapping_add((STEP / 2 * step + 16 * g) as u64), off);
            x[0][g] = _mm512_add_epi32(lo, ks[0]);
        }
        threefry_rounds!(round2, 32, ROTATIONS_2X32, x, ks, 2, rounds);
        for g in 0..GROUPS {
            let at = step * STEP + 32 * g;
            store(out, at, _mm512_unpacklo_epi32(x[0][g], x[1][g])); // blocks 0..7
            store(out, at + 16, _mm512_unpackhi_epi32(x[0][g], x[1][g])); // 8..15
        }
    }
    steps * STEP
}

/// `b0 + [0, 4, 1, 5, 2, 6, 3, 7]`: lane 2j holds block j, lane 2j+1 block
/// 4 + j, the order in which the 64-bit unpacks put blocks in memory order.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn lanes64(b0: u64) -> __m512i {
    _mm512_add_epi64(
        _mm512_set1_epi64(b0 as i64),
        _mm512_setr_epi64(0, 4, 1, 5, 2, 6, 3, 7),
    )
}

/// Threefry4x64, 24 blocks per step; counter `[b, 0, s, 0]`.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn threefry4x64(key: [u64; 4], rounds: u32, b0: u64, s: u64, out: &mut [u64]) -> usize {
    const STEP: usize = STEP_THREEFRY4X64;
    const GROUPS: usize = STEP / 32;
    let ks64 = [
        key[0],
        key[1],
        key[2],
        key[3],
        SKEIN_KS_PARITY64 ^ key[0] ^ key[1] ^ key[2] ^ key[3],
    ];
    let ks = ks64.map(|k| _mm512_set1_epi64(k as i64));
    let sv = _mm512_add_epi64(_mm512_set1_epi64(s as i64), ks[2]);
    // 128-bit lanes [A0, B0, A1, B1] and [A2, B2, A3, B3] of two vectors.
    let lo_idx = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    let hi_idx = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[ks[1]; GROUPS]; 4];
        for g in 0..GROUPS {
            x[0][g] = _mm512_add_epi64(
                lanes64(b0.wrapping_add((STEP / 4 * step + 8 * g) as u64)),
                ks[0],
            );
            x[2][g] = sv;
            x[3][g] = ks[3];
        }
        threefry_rounds!(round4, 64, ROTATIONS_4X64, x, ks, 4, rounds);
        for g in 0..GROUPS {
            let a = _mm512_unpacklo_epi64(x[0][g], x[1][g]); // lane 2j: words 0, 1
            let b = _mm512_unpacklo_epi64(x[2][g], x[3][g]); // lane 2j: words 2, 3
            let c = _mm512_unpackhi_epi64(x[0][g], x[1][g]); // lane 2j+1: words 0, 1
            let d = _mm512_unpackhi_epi64(x[2][g], x[3][g]); // lane 2j+1: words 2, 3
            let at = step * STEP + 32 * g;
            store64(out, at, _mm512_permutex2var_epi64(a, lo_idx, b)); // blocks 0, 1
            store64(out, at + 8, _mm512_permutex2var_epi64(a, hi_idx, b)); // 2, 3
            store64(out, at + 16, _mm512_permutex2var_epi64(c, lo_idx, d)); // 4, 5
            store64(out, at + 24, _mm512_permutex2var_epi64(c, hi_idx, d)); // 6, 7
        }
    }
    steps * STEP
}

/// Threefry2x64, 32 blocks per step; counter `[b, s]`.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn threefry2x64(key: [u64; 2], rounds: u32, b0: u64, s: u64, out: &mut [u64]) -> usize {
    const STEP: usize = STEP_THREEFRY2X64;
    const GROUPS: usize = STEP / 16;
    let ks64 = [key[0], key[1], SKEIN_KS_PARITY64 ^ key[0] ^ key[1]];
    let ks = ks64.map(|k| _mm512_set1_epi64(k as i64));
    let sv = _mm512_add_epi64(_mm512_set1_epi64(s as i64), ks[1]);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[sv; GROUPS]; 2];
        for g in 0..GROUPS {
            x[0][g] = _mm512_add_epi64(
                lanes64(b0.wrapping_add((STEP / 2 * step + 8 * g) as u64)),
                ks[0],
            );
        }
        threefry_rounds!(round2, 64, ROTATIONS_2X64, x, ks, 2, rounds);
        for g in 0..GROUPS {
            let at = step * STEP + 16 * g;
            store64(out, at, _mm512_unpacklo_epi64(x[0][g], x[1][g])); // blocks 0..3
            store64(out, at + 8, _mm512_unpackhi_epi64(x[0][g], x[1][g])); // 4..7
        }
    }
    steps * STEP
}

// ---------------------------------------------------------------------------
// 64-bit Philox: word j of 8 blocks in vector j. The 128-bit product of a
// word and a constant is made from 32-bit pieces: the low half with `vpmullq`,
// the high half from four `vpmuludq` partial products and their carries.

/// High 64 bits of `a * m` per lane, `m` a constant split into its 32-bit
/// halves `m_lo`, `m_hi` (each in the low half of a 64-bit lane).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn mulhi64(a: __m512i, m_lo: __m512i, m_hi: __m512i) -> __m512i {
    let a_hi = _mm512_srli_epi64::<32>(a);
    let ll = _mm512_mul_epu32(a, m_lo); // a_lo m_lo
    let hl = _mm512_mul_epu32(a_hi, m_lo); // a_hi m_lo
    let lh = _mm512_mul_epu32(a, m_hi); // a_lo m_hi
    let hh = _mm512_mul_epu32(a_hi, m_hi); // a_hi m_hi
    // t = a_hi m_lo + (ll >> 32): below 2^64, no carry out.
    let t = _mm512_add_epi64(hl, _mm512_srli_epi64::<32>(ll));
    // w = a_lo m_hi + (t mod 2^32): below 2^64.
    let w = _mm512_add_epi64(lh, _mm512_and_si512(t, _mm512_set1_epi64(0xffff_ffff)));
    // hi = a_hi m_hi + (t >> 32) + (w >> 32)
    _mm512_add_epi64(
        _mm512_add_epi64(hh, _mm512_srli_epi64::<32>(t)),
        _mm512_srli_epi64::<32>(w),
    )
}

/// Philox4x64, 16 blocks per step (two groups of 8); counter `[b, 0, s, 0]`.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn philox4x64(key: [u64; 2], rounds: u32, b0: u64, s: u64, out: &mut [u64]) -> usize {
    const STEP: usize = STEP_PHILOX4X64;
    const GROUPS: usize = STEP / 32;
    let m0 = _mm512_set1_epi64(PHILOX_M4X64_0 as i64);
    let m1 = _mm512_set1_epi64(PHILOX_M4X64_1 as i64);
    let (m0_lo, m0_hi) = (m0, _mm512_srli_epi64::<32>(m0));
    let (m1_lo, m1_hi) = (m1, _mm512_srli_epi64::<32>(m1));
    let (w0, w1) = (
        _mm512_set1_epi64(PHILOX_W64_0 as i64),
        _mm512_set1_epi64(PHILOX_W64_1 as i64),
    );
    let zero = _mm512_setzero_si512();
    let sv = _mm512_set1_epi64(s as i64);
    let idx_lo = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    let idx_hi = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[zero; GROUPS]; 4];
        for g in 0..GROUPS {
            x[0][g] = lanes64(b0.wrapping_add((STEP / 4 * step + 8 * g) as u64));
            x[2][g] = sv;
        }
        let (mut k0, mut k1) = (
            _mm512_set1_epi64(key[0] as i64),
            _mm512_set1_epi64(key[1] as i64),
        );
        for r in 0..rounds {
            if r > 0 {
                k0 = _mm512_add_epi64(k0, w0);
                k1 = _mm512_add_epi64(k1, w1);
            }
            for g in 0..GROUPS {
                let hi0 = mulhi64(x[0][g], m0_lo, m0_hi);
                let lo0 = _mm512_mullo_epi64(x[0][g], m0);
                let hi1 = mulhi64(x[2][g], m1_lo, m1_hi);
                let lo1 = _mm512_mullo_epi64(x[2][g], m1);
                x[0][g] = _mm512_ternarylogic_epi64::<0x96>(hi1, x[1][g], k0);
                x[1][g] = lo1;
                x[2][g] = _mm512_ternarylogic_epi64::<0x96>(hi0, x[3][g], k1);
                x[3][g] = lo0;
            }
        }
        for g in 0..GROUPS {
            // Lanes in the Threefry 64-bit order (`lanes64`): same transpose.
            let a = _mm512_unpacklo_epi64(x[0][g], x[1][g]);
            let b = _mm512_unpacklo_epi64(x[2][g], x[3][g]);
            let c = _mm512_unpackhi_epi64(x[0][g], x[1][g]);
            let d = _mm512_unpackhi_epi64(x[2][g], x[3][g]);
            let at = step * STEP + 32 * g;
            store64(out, at, _mm512_permutex2var_epi64(a, idx_lo, b));
            store64(out, at + 8, _mm512_permutex2var_epi64(a, idx_hi, b));
            store64(out, at + 16, _mm512_permutex2var_epi64(c, idx_lo, d));
            store64(out, at + 24, _mm512_permutex2var_epi64(c, idx_hi, d));
        }
    }
    steps * STEP
}

/// Philox2x64, 32 blocks per step (four groups of 8); counter `[b, s]`.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn philox2x64(key: [u64; 1], rounds: u32, b0: u64, s: u64, out: &mut [u64]) -> usize {
    const STEP: usize = STEP_PHILOX2X64;
    const GROUPS: usize = STEP / 16;
    let m = _mm512_set1_epi64(PHILOX_M2X64_0 as i64);
    let (m_lo, m_hi) = (m, _mm512_srli_epi64::<32>(m));
    let w0 = _mm512_set1_epi64(PHILOX_W64_0 as i64);
    let sv = _mm512_set1_epi64(s as i64);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[sv; GROUPS]; 2];
        for g in 0..GROUPS {
            x[0][g] = lanes64(b0.wrapping_add((STEP / 2 * step + 8 * g) as u64));
        }
        let mut k0 = _mm512_set1_epi64(key[0] as i64);
        for r in 0..rounds {
            if r > 0 {
                k0 = _mm512_add_epi64(k0, w0);
            }
            for g in 0..GROUPS {
                let hi = mulhi64(x[0][g], m_lo, m_hi);
                let lo = _mm512_mullo_epi64(x[0][g], m);
                x[0][g] = _mm512_ternarylogic_epi64::<0x96>(hi, k0, x[1][g]);
                x[1][g] = lo;
            }
        }
        for g in 0..GROUPS {
            let at = step * STEP + 16 * g;
            store64(out, at, _mm512_unpacklo_epi64(x[0][g], x[1][g]));
            store64(out, at + 8, _mm512_unpackhi_epi64(x[0][g], x[1][g]));
        }
    }
    steps * STEP
}

// ---------------------------------------------------------------------------
// Uniform maps.

/// `uniform_f32(x[i]) = (x[i] >> 8) * 2^-24` for a leading part (a multiple
/// of 16) of the slices; returns its length. Both steps are exact.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn uniform_f32(x: &[u32], out: &mut [f32]) -> usize {
    let len = x.len().min(out.len()) / 16 * 16;
    let scale = _mm512_set1_ps(u::TWO_POW_M24);
    for i in (0..len).step_by(16) {
        // SAFETY: i + 16 <= len <= x.len(), out.len(); unaligned accesses.
        unsafe {
            let v = _mm512_loadu_si512(x.as_ptr().add(i) as *const __m512i);
            let f = _mm512_cvtepi32_ps(_mm512_srli_epi32::<8>(v));
            _mm512_storeu_ps(out.as_mut_ptr().add(i), _mm512_mul_ps(f, scale));
        }
    }
    len
}

/// `uniform_f64(x[i]) = (x[i] >> 11) * 2^-53` for a leading part (a multiple
/// of 8); the 53-bit integer converts exactly (`vcvtuqq2pd`).
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn uniform_f64(x: &[u64], out: &mut [f64]) -> usize {
    let len = x.len().min(out.len()) / 8 * 8;
    let scale = _mm512_set1_pd(u::TWO_POW_M53);
    for i in (0..len).step_by(8) {
        // SAFETY: i + 8 <= len <= x.len(), out.len(); unaligned accesses.
        unsafe {
            let v = _mm512_loadu_si512(x.as_ptr().add(i) as *const __m512i);
            let f = _mm512_cvtepu64_pd(_mm512_srli_epi64::<11>(v));
            _mm512_storeu_pd(out.as_mut_ptr().add(i), _mm512_mul_pd(f, scale));
        }
    }
    len
}

// ---------------------------------------------------------------------------
// Normal f32, sixteen lanes: `crate::dist::normal::standard_normal_f32`, op
// for op, with the AVX2 kernel's two passes (central branch everywhere, then
// the tail lanes packed densely, here with `vpcompressd`).

#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn splat(x: f32) -> __m512 {
    _mm512_set1_ps(x)
}

/// `ln_f32` on sixteen positive normal floats.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn ln_f32(x: __m512) -> __m512 {
    let bits = _mm512_castps_si512(x);
    let e = _mm512_sub_epi32(_mm512_srli_epi32::<23>(bits), _mm512_set1_epi32(127));
    let mant = _mm512_and_si512(bits, _mm512_set1_epi32(0x007f_ffff));
    let fold = _mm512_cmpgt_epi32_mask(mant, _mm512_set1_epi32(n::SQRT2_MANT_F32 as i32));
    let e = _mm512_mask_add_epi32(e, fold, e, _mm512_set1_epi32(1));
    let expo = _mm512_mask_blend_epi32(
        fold,
        _mm512_set1_epi32(0x3f80_0000),
        _mm512_set1_epi32(0x3f00_0000),
    );
    let m = _mm512_castsi512_ps(_mm512_or_si512(mant, expo));
    let f = _mm512_sub_ps(m, splat(1.0));
    let s = _mm512_div_ps(f, _mm512_add_ps(splat(2.0), f));
    let z = _mm512_mul_ps(s, s);
    let mut r = _mm512_mul_ps(z, splat(n::LG4_F32));
    r = _mm512_mul_ps(z, _mm512_add_ps(splat(n::LG3_F32), r));
    r = _mm512_mul_ps(z, _mm512_add_ps(splat(n::LG2_F32), r));
    r = _mm512_mul_ps(z, _mm512_add_ps(splat(n::LG1_F32), r));
    let hfsq = _mm512_mul_ps(_mm512_mul_ps(splat(0.5), f), f);
    let ef = _mm512_cvtepi32_ps(e);
    let inner = _mm512_add_ps(
        _mm512_mul_ps(s, _mm512_add_ps(hfsq, r)),
        _mm512_mul_ps(ef, splat(n::LN2_LO_F32)),
    );
    _mm512_sub_ps(
        _mm512_mul_ps(ef, splat(n::LN2_HI_F32)),
        _mm512_sub_ps(_mm512_sub_ps(hfsq, inner), f),
    )
}

/// Horner `((c3 t + c2) t + c1) t + c0`, in the scalar code's order.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn horner3(t: __m512, c3: f32, c2: f32, c1: f32, c0: f32) -> __m512 {
    let mut p = _mm512_add_ps(_mm512_mul_ps(splat(c3), t), splat(c2));
    p = _mm512_add_ps(_mm512_mul_ps(p, t), splat(c1));
    _mm512_add_ps(_mm512_mul_ps(p, t), splat(c0))
}

/// `(d2 t + d1) t + 1`.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn horner2_1(t: __m512, d2: f32, d1: f32) -> __m512 {
    let p = _mm512_add_ps(_mm512_mul_ps(splat(d2), t), splat(d1));
    _mm512_add_ps(_mm512_mul_ps(p, t), splat(1.0))
}

/// `q = (2k+1) 2^-33` and `d = (2^32 - (2k+1)) 2^-33`, `k = x & 0x7fff_ffff`
/// (the unsigned conversions round once, as the scalar `as f32` does).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn q_and_d(x: __m512i) -> (__m512, __m512) {
    let k = _mm512_and_si512(x, _mm512_set1_epi32(0x7fff_ffff));
    let q_int = _mm512_add_epi32(_mm512_add_epi32(k, k), _mm512_set1_epi32(1));
    let q = _mm512_mul_ps(_mm512_cvtepu32_ps(q_int), splat(n::TWO_POW_M33));
    let neg = _mm512_sub_epi32(_mm512_setzero_si512(), q_int);
    let d = _mm512_mul_ps(_mm512_cvtepu32_ps(neg), splat(n::TWO_POW_M33));
    (q, d)
}

/// `continuous::exponential_f32(x[i], lambda)` for a leading part of the
/// slices (a multiple of 16); returns its length. As the AVX2 kernel: the
/// lanes blend `u` and `c` by half, then run the same operations.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn exponential_f32(x: &[u32], lambda: f32, out: &mut [f32]) -> usize {
    let len = x.len().min(out.len()) / 16 * 16;
    let (one, lam) = (splat(1.0), splat(lambda));
    let sign = _mm512_set1_epi32(0x8000_0000u32 as i32);
    for i in (0..len).step_by(16) {
        // SAFETY: i + 16 <= len <= x.len().
        let xv = unsafe { _mm512_loadu_si512(x.as_ptr().add(i) as *const _) };
        let (q, _) = q_and_d(xv);
        let lower = _mm512_test_epi32_mask(xv, sign); // bit 31 set
        let w = _mm512_sub_ps(one, q);
        let neg_q = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(q), sign));
        let c = _mm512_sub_ps(neg_q, _mm512_sub_ps(w, one));
        let u = _mm512_mask_blend_ps(lower, q, w);
        let c = _mm512_maskz_mov_ps(lower, c);
        let s = _mm512_add_ps(ln_f32(u), _mm512_div_ps(c, u));
        let e = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(s), sign));
        // SAFETY: i + 16 <= len <= out.len().
        unsafe { _mm512_storeu_ps(out.as_mut_ptr().add(i), _mm512_div_ps(e, lam)) };
    }
    len
}

/// The central rational `(d A(r)) / B(r)`, `r = 0.180625 - d d`.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn central_x16(d: __m512) -> __m512 {
    let r = _mm512_sub_ps(splat(n::CONST1_F32), _mm512_mul_ps(d, d));
    let num = horner3(r, n::A3_F32, n::A2_F32, n::A1_F32, n::A0_F32);
    let mut den = _mm512_add_ps(_mm512_mul_ps(splat(n::B3_F32), r), splat(n::B2_F32));
    den = _mm512_add_ps(_mm512_mul_ps(den, r), splat(n::B1_F32));
    den = _mm512_add_ps(_mm512_mul_ps(den, r), splat(1.0));
    _mm512_div_ps(_mm512_mul_ps(d, num), den)
}

/// The tail: `r = sqrt(-ln q)`, then `C(t)/D(t)` at `t = r - 1.6` for
/// `r <= 5`, else `E(t)/F(t)` at `t = r - 5` (unreachable for f32 inputs,
/// evaluated exactly should a lane get there).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn tail_x16(q: __m512) -> __m512 {
    let neg_ln = _mm512_castsi512_ps(_mm512_xor_si512(
        _mm512_castps_si512(ln_f32(q)),
        _mm512_set1_epi32(i32::MIN),
    ));
    let r = _mm512_sqrt_ps(neg_ln);
    let near = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(r, splat(n::SPLIT2_F32));
    let t = _mm512_sub_ps(r, splat(n::CONST2_F32));
    let num = horner3(t, n::C3_F32, n::C2_F32, n::C1_F32, n::C0_F32);
    let den = horner2_1(t, n::D2_F32, n::D1_F32);
    let z = _mm512_div_ps(num, den);
    if near == 0xffff {
        return z;
    }
    let t = _mm512_sub_ps(r, splat(n::SPLIT2_F32));
    let num = horner3(t, n::E3_F32, n::E2_F32, n::E1_F32, n::E0_F32);
    let den = horner2_1(t, n::F2_F32, n::F1_F32);
    _mm512_mask_blend_ps(near, _mm512_div_ps(num, den), z)
}

/// `|z|` with the input's top bit OR-ed in (the scalar code's negation).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn with_sign(abs_z: __m512, x: __m512i) -> __m512 {
    let sign = _mm512_and_si512(x, _mm512_set1_epi32(i32::MIN));
    _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(abs_z), sign))
}

/// Elements handled per pass of the normal kernels.
const PASS: usize = 256;

/// `mean + std * standard_normal_f32(x[i])` for a leading part (a multiple
/// of 16) of the slices; returns its length. See [`super::avx2::normal_f32`]
/// for the two passes.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn normal_f32(x: &[u32], mean: f32, std: f32, out: &mut [f32]) -> usize {
    let len = x.len().min(out.len()) / 16 * 16;
    let (meanv, stdv) = (splat(mean), splat(std));
    let mut tail_x = [0u32; PASS + 16];
    let mut tail_at = [0u32; PASS + 16];
    let lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for base in (0..len).step_by(PASS) {
        let end = (base + PASS).min(len);
        let mut nt = 0usize;
        for i in (base..end).step_by(16) {
            // SAFETY: i + 16 <= len <= x.len().
            let xv = unsafe { _mm512_loadu_si512(x.as_ptr().add(i) as *const __m512i) };
            let (_, d) = q_and_d(xv);
            let central = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(d, splat(n::SPLIT1_F32));
            let y = _mm512_add_ps(meanv, _mm512_mul_ps(stdv, with_sign(central_x16(d), xv)));
            let tail = !central;
            let at = _mm512_add_epi32(_mm512_set1_epi32(i as i32), lane);
            assert!(nt + 16 <= tail_x.len());
            // SAFETY: i + 16 <= out.len(); nt <= i - base, so 16 lanes fit at
            // nt (checked above; the buffers hold PASS + 16).
            unsafe {
                _mm512_storeu_ps(out.as_mut_ptr().add(i), y);
                _mm512_storeu_si512(
                    tail_x.as_mut_ptr().add(nt) as *mut __m512i,
                    _mm512_maskz_compress_epi32(tail, xv),
                );
                _mm512_storeu_si512(
                    tail_at.as_mut_ptr().add(nt) as *mut __m512i,
                    _mm512_maskz_compress_epi32(tail, at),
                );
            }
            nt += tail.count_ones() as usize;
        }
        for j in (0..nt).step_by(16) {
            // SAFETY: j + 16 <= nt + 15 < PASS + 16.
            let xv = unsafe { _mm512_loadu_si512(tail_x.as_ptr().add(j) as *const __m512i) };
            let (q, _) = q_and_d(xv);
            let y = _mm512_add_ps(meanv, _mm512_mul_ps(stdv, with_sign(tail_x16(q), xv)));
            let mut ys = [0f32; 16];
            // SAFETY: writing 16 f32 into an array of 16.
            unsafe { _mm512_storeu_ps(ys.as_mut_ptr(), y) };
            for (k, &v) in ys.iter().enumerate().take(nt - j) {
                out[tail_at[j + k] as usize] = v;
            }
        }
    }
    len
}

// ---------------------------------------------------------------------------
// Gamma f32, one Marsaglia-Tsang attempt on sixteen lanes:
// `crate::dist::gamma::attempt_f32`, op for op, in three passes: the normals
// (the kernel above), then `v`, `d v3` and the squeeze everywhere, then the
// full test (two logarithms) on the lanes the squeeze did not accept, packed
// densely with `vpcompressd` (about 8 % at shape 2).

/// One attempt of `crate::dist::gamma::attempt_f32` for each element `j` of
/// a leading part (a multiple of 16) of `w`'s pairs: normal word `w[2j]`,
/// uniform word `w[2j + 1]`, lane constants `c`, `d`. Writes `ys[j] = d v3`
/// (the value if accepted) and lists the rejected `j`, in increasing order,
/// in `rej` (which needs room for the part plus 16). Returns (the part's
/// length, the number rejected). At most [`GAMMA_PASS`] elements per call;
/// `s` holds the working arrays.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn gamma_attempt_f32(
    w: &[u32],
    c: f32,
    d: f32,
    ys: &mut [f32],
    rej: &mut [u32],
    s: &mut GammaScratch,
) -> (usize, usize) {
    use crate::dist::gamma::SQUEEZE_F32;
    let len = (w.len() / 2).min(ys.len()).min(GAMMA_PASS) / 16 * 16;
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
    let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    for i in (0..len).step_by(16) {
        // SAFETY: 2 i + 32 <= 2 len <= w.len(); i + 16 <= len <= GAMMA_PASS.
        unsafe {
            let a = _mm512_loadu_si512(w.as_ptr().add(2 * i) as *const __m512i);
            let b = _mm512_loadu_si512(w.as_ptr().add(2 * i + 16) as *const __m512i);
            let xv = _mm512_permutex2var_epi32(a, even, b);
            let uv = _mm512_permutex2var_epi32(a, odd, b);
            _mm512_storeu_si512(xs.as_mut_ptr().add(i) as *mut __m512i, xv);
            _mm512_storeu_si512(uw.as_mut_ptr().add(i) as *mut __m512i, uv);
        }
    }
    // 0 + 1 z is z (z is never 0): the standard normal, bit for bit.
    normal_f32(&xs[..len], 0.0, 1.0, &mut zs[..len]);
    let (one, cv, dv) = (splat(1.0), splat(c), splat(d));
    let (squeeze, half, zero) = (splat(SQUEEZE_F32), splat(0.5), _mm512_setzero_ps());
    let lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    // The lanes the squeeze does not accept: index, normal, uniform.
    let mut nf = 0usize;
    for i in (0..len).step_by(16) {
        // SAFETY: i + 16 <= len <= GAMMA_PASS.
        let (x, u) = unsafe {
            (
                _mm512_loadu_ps(zs.as_ptr().add(i)),
                _mm512_loadu_si512(uw.as_ptr().add(i) as *const __m512i),
            )
        };
        let u = open_uniform_x16(u);
        let v = _mm512_add_ps(one, _mm512_mul_ps(cv, x));
        let v3 = _mm512_mul_ps(_mm512_mul_ps(v, v), v);
        let x2 = _mm512_mul_ps(x, x);
        let bound = _mm512_sub_ps(one, _mm512_mul_ps(squeeze, _mm512_mul_ps(x2, x2)));
        let ok =
            _mm512_cmp_ps_mask::<_CMP_GT_OQ>(v, zero) & _mm512_cmp_ps_mask::<_CMP_LT_OQ>(u, bound);
        let fail = !ok;
        let at = _mm512_add_epi32(_mm512_set1_epi32(i as i32), lane);
        // SAFETY: i + 16 <= len <= ys.len(); nf <= i, so 16 lanes fit at nf
        // in buffers of GAMMA_PASS + 16.
        unsafe {
            _mm512_storeu_ps(ys.as_mut_ptr().add(i), _mm512_mul_ps(dv, v3));
            _mm512_storeu_si512(
                fi.as_mut_ptr().add(nf) as *mut __m512i,
                _mm512_maskz_compress_epi32(fail, at),
            );
            _mm512_storeu_ps(fz.as_mut_ptr().add(nf), _mm512_maskz_compress_ps(fail, x));
            _mm512_storeu_ps(fu.as_mut_ptr().add(nf), _mm512_maskz_compress_ps(fail, u));
        }
        nf += fail.count_ones() as usize;
    }
    // The full test on the packed lanes; padding lanes (beyond nf) are
    // computed and ignored.
    let mut nr = 0usize;
    for j in (0..nf).step_by(16) {
        // SAFETY: j + 16 <= nf + 15 < GAMMA_PASS + 16.
        let (x, u, at) = unsafe {
            (
                _mm512_loadu_ps(fz.as_ptr().add(j)),
                _mm512_loadu_ps(fu.as_ptr().add(j)),
                _mm512_loadu_si512(fi.as_ptr().add(j) as *const __m512i),
            )
        };
        let v = _mm512_add_ps(one, _mm512_mul_ps(cv, x));
        let v3 = _mm512_mul_ps(_mm512_mul_ps(v, v), v);
        let x2 = _mm512_mul_ps(x, x);
        // ln of a lane with v <= 0 is garbage, masked off by the v test.
        let rhs = _mm512_add_ps(
            _mm512_mul_ps(half, x2),
            _mm512_mul_ps(dv, _mm512_add_ps(_mm512_sub_ps(one, v3), ln_f32(v3))),
        );
        let ok = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(v, zero)
            & _mm512_cmp_ps_mask::<_CMP_LT_OQ>(ln_f32(u), rhs);
        let valid = if nf - j >= 16 {
            0xffff
        } else {
            (1u16 << (nf - j)) - 1
        };
        let bad = valid & !ok;
        assert!(nr + 16 <= rej.len());
        // SAFETY: 16 lanes fit at nr (checked above).
        unsafe {
            _mm512_storeu_si512(
                rej.as_mut_ptr().add(nr) as *mut __m512i,
                _mm512_maskz_compress_epi32(bad, at),
            )
        };
        nr += bad.count_ones() as usize;
    }
    (len, nr)
}

/// `crate::dist::gamma::open_uniform_f32` on sixteen words: `(2 (x >> 9) +
/// 1) 2^-24` (the integer is below 2^24, so the conversion is exact).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn open_uniform_x16(x: __m512i) -> __m512 {
    let k = _mm512_srli_epi32::<9>(x);
    let odd = _mm512_add_epi32(_mm512_add_epi32(k, k), _mm512_set1_epi32(1));
    _mm512_mul_ps(_mm512_cvtepi32_ps(odd), splat(u::TWO_POW_M24))
}

// ---------------------------------------------------------------------------
// Normal f64, eight lanes: `crate::dist::normal::standard_normal_f64`, op for
// op, two passes as above.

#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn splat64(x: f64) -> __m512d {
    _mm512_set1_pd(x)
}

/// Horner's rule with coefficients from the highest degree down, in the
/// scalar code's order: `((c0 t + c1) t + c2) ... t + c_n`.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn horner64(t: __m512d, c: &[f64]) -> __m512d {
    let mut p = _mm512_add_pd(_mm512_mul_pd(splat64(c[0]), t), splat64(c[1]));
    for &ck in &c[2..] {
        p = _mm512_add_pd(_mm512_mul_pd(p, t), splat64(ck));
    }
    p
}

/// `q = (2k+1) 2^-54`, `d = (2^53 - (2k+1)) 2^-54`, `k = (x & (2^63-1)) >> 11`
/// (integers below 2^53: exact conversions).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn q_and_d64(x: __m512i) -> (__m512d, __m512d) {
    let k = _mm512_srli_epi64::<11>(_mm512_and_si512(x, _mm512_set1_epi64(i64::MAX)));
    let q_int = _mm512_add_epi64(_mm512_add_epi64(k, k), _mm512_set1_epi64(1));
    let q = _mm512_mul_pd(_mm512_cvtepu64_pd(q_int), splat64(n::TWO_POW_M54));
    let rest = _mm512_sub_epi64(_mm512_set1_epi64(1 << 53), q_int);
    let d = _mm512_mul_pd(_mm512_cvtepu64_pd(rest), splat64(n::TWO_POW_M54));
    (q, d)
}

/// `ln_f64` on eight positive normal doubles.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn ln_f64(x: __m512d) -> __m512d {
    let bits = _mm512_castpd_si512(x);
    let mant = _mm512_and_si512(bits, _mm512_set1_epi64(0x000f_ffff_ffff_ffff));
    let fold = _mm512_cmpgt_epi64_mask(mant, _mm512_set1_epi64(n::SQRT2_MANT_F64 as i64));
    let biased = _mm512_srli_epi64::<52>(bits);
    let biased = _mm512_mask_add_epi64(biased, fold, biased, _mm512_set1_epi64(1));
    let ef = _mm512_sub_pd(_mm512_cvtepu64_pd(biased), splat64(1023.0));
    let expo = _mm512_mask_blend_epi64(
        fold,
        _mm512_set1_epi64(0x3ff0_0000_0000_0000),
        _mm512_set1_epi64(0x3fe0_0000_0000_0000),
    );
    let m = _mm512_castsi512_pd(_mm512_or_si512(mant, expo));
    let f = _mm512_sub_pd(m, splat64(1.0));
    let s = _mm512_div_pd(f, _mm512_add_pd(splat64(2.0), f));
    let z = _mm512_mul_pd(s, s);
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
    let mut r = _mm512_mul_pd(z, splat64(n::LG10_F64));
    for &c in lg.iter().rev() {
        r = _mm512_mul_pd(z, _mm512_add_pd(splat64(c), r));
    }
    let hfsq = _mm512_mul_pd(_mm512_mul_pd(splat64(0.5), f), f);
    let inner = _mm512_add_pd(
        _mm512_mul_pd(s, _mm512_add_pd(hfsq, r)),
        _mm512_mul_pd(ef, splat64(n::LN2_LO_F64)),
    );
    _mm512_sub_pd(
        _mm512_mul_pd(ef, splat64(n::LN2_HI_F64)),
        _mm512_sub_pd(_mm512_sub_pd(hfsq, inner), f),
    )
}

/// The central rational of PPND16.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn central_f64(d: __m512d) -> __m512d {
    let r = _mm512_sub_pd(splat64(n::CONST1_F64), _mm512_mul_pd(d, d));
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
    _mm512_div_pd(_mm512_mul_pd(d, num), den)
}

/// The tails of PPND16 (`r > 5` is reachable in f64).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn tail_f64(q: __m512d) -> __m512d {
    let neg_ln = _mm512_castsi512_pd(_mm512_xor_si512(
        _mm512_castpd_si512(ln_f64(q)),
        _mm512_set1_epi64(i64::MIN),
    ));
    let r = _mm512_sqrt_pd(neg_ln);
    let near = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(r, splat64(n::SPLIT2_F64));
    let t = _mm512_sub_pd(r, splat64(n::CONST2_F64));
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
    let z = _mm512_div_pd(num, den);
    if near == 0xff {
        return z;
    }
    let t = _mm512_sub_pd(r, splat64(n::SPLIT2_F64));
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
    _mm512_mask_blend_pd(near, _mm512_div_pd(num, den), z)
}

/// `|z|` with the input's top bit OR-ed in.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn with_sign64(abs_z: __m512d, x: __m512i) -> __m512d {
    let sign = _mm512_and_si512(x, _mm512_set1_epi64(i64::MIN));
    _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(abs_z), sign))
}

/// `mean + std * standard_normal_f64(x[i])` for a leading part (a multiple
/// of 8); returns its length.
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn normal_f64(x: &[u64], mean: f64, std: f64, out: &mut [f64]) -> usize {
    let len = x.len().min(out.len()) / 8 * 8;
    let (meanv, stdv) = (splat64(mean), splat64(std));
    let mut tail_x = [0u64; PASS + 8];
    let mut tail_at = [0u64; PASS + 8];
    let lane = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    for base in (0..len).step_by(PASS) {
        let end = (base + PASS).min(len);
        let mut nt = 0usize;
        for i in (base..end).step_by(8) {
            // SAFETY: i + 8 <= len <= x.len().
            let xv = unsafe { _mm512_loadu_si512(x.as_ptr().add(i) as *const __m512i) };
            let (_, d) = q_and_d64(xv);
            let central = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(d, splat64(n::SPLIT1_F64));
            let y = _mm512_add_pd(meanv, _mm512_mul_pd(stdv, with_sign64(central_f64(d), xv)));
            let tail = !central;
            let at = _mm512_add_epi64(_mm512_set1_epi64(i as i64), lane);
            assert!(nt + 8 <= tail_x.len());
            // SAFETY: i + 8 <= out.len(); 8 lanes fit at nt (checked above).
            unsafe {
                _mm512_storeu_pd(out.as_mut_ptr().add(i), y);
                _mm512_storeu_si512(
                    tail_x.as_mut_ptr().add(nt) as *mut __m512i,
                    _mm512_maskz_compress_epi64(tail, xv),
                );
                _mm512_storeu_si512(
                    tail_at.as_mut_ptr().add(nt) as *mut __m512i,
                    _mm512_maskz_compress_epi64(tail, at),
                );
            }
            nt += tail.count_ones() as usize;
        }
        for j in (0..nt).step_by(8) {
            // SAFETY: j + 8 <= nt + 7 < PASS + 8.
            let xv = unsafe { _mm512_loadu_si512(tail_x.as_ptr().add(j) as *const __m512i) };
            let (q, _) = q_and_d64(xv);
            let y = _mm512_add_pd(meanv, _mm512_mul_pd(stdv, with_sign64(tail_f64(q), xv)));
            let mut ys = [0f64; 8];
            // SAFETY: writing 8 f64 into an array of 8.
            unsafe { _mm512_storeu_pd(ys.as_mut_ptr(), y) };
            for (k, &v) in ys.iter().enumerate().take(nt - j) {
                out[tail_at[j + k] as usize] = v;
            }
        }
    }
    len
}

#[cfg(test)]
mod tests {
    //! The map kernels against the scalar definition on inputs chosen to hit
    //! every branch (the f64 far tail `r > 5` included), as for AVX2.
    use super::*;
    use crate::dist::normal::{standard_normal_f32, standard_normal_f64};
    use crate::dist::uniform::{uniform_f32 as uf32, uniform_f64 as uf64};

    /// The exponential kernel against `continuous::exponential_f32`, bit for
    /// bit, on both ends of k in both halves and a strided sweep, at two rates.
    #[test]
    fn exponential_f32_kernel_equals_scalar() {
        if !have() {
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

    fn have() -> bool {
        std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512dq")
    }

    fn around64(lo: u64, n: u64, v: &mut Vec<u64>) {
        for k in lo..lo + n {
            v.push(k << 11 | 0x5a5);
            v.push((k << 11) | (1 << 63));
        }
    }

    #[test]
    fn f64_kernels_equal_scalar_on_every_branch() {
        if !have() {
            return;
        }
        let mut x = Vec::new();
        around64(0, 4000, &mut x);
        let k5 = ((-25f64).exp() * 2f64.powi(53)) as u64;
        around64(k5 - 2000, 4000, &mut x);
        let ks = (0.075 * 2f64.powi(53)) as u64;
        around64(ks - 2000, 4000, &mut x);
        around64((1 << 52) - 2000, 2000, &mut x);
        let mut g = 0x1234_5678_9abc_def0u64;
        for _ in 0..100_000 {
            g = g
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x.push(g);
        }
        x.extend([0, u64::MAX, 1 << 63, (1 << 63) - 1]);
        for (mean, std) in [(0.0, 1.0), (-2.5, 0.125)] {
            let mut got = vec![0f64; x.len()];
            // SAFETY: the features are checked above.
            let done = unsafe { normal_f64(&x, mean, std, &mut got) };
            assert_eq!(done, x.len() / 8 * 8);
            for i in 0..done {
                let want = mean + std * standard_normal_f64(x[i]);
                assert_eq!(got[i].to_bits(), want.to_bits(), "x = {:#x}", x[i]);
            }
        }
        let mut got = vec![0f64; x.len()];
        // SAFETY: as above.
        let done = unsafe { uniform_f64(&x, &mut got) };
        for i in 0..done {
            assert_eq!(got[i].to_bits(), uf64(x[i]).to_bits());
        }
    }

    #[test]
    fn f32_kernels_equal_scalar_on_every_branch() {
        if !have() {
            return;
        }
        let mut x: Vec<u32> = Vec::new();
        let mut around = |lo: u32, n: u32| {
            for k in lo..lo + n {
                x.push(k);
                x.push(k | 0x8000_0000);
            }
        };
        around(0, 4000);
        let ks = (0.075 * 2f64.powi(32)) as u32;
        around(ks - 2000, 4000);
        around((1 << 31) - 2000, 2000);
        for k in (0..1u32 << 31).step_by(4099) {
            x.push(k);
            x.push(!k);
        }
        let mut got = vec![0f32; x.len()];
        // SAFETY: the features are checked above.
        let done = unsafe { normal_f32(&x, 0.0, 1.0, &mut got) };
        assert_eq!(done, x.len() / 16 * 16);
        for i in 0..done {
            let want = standard_normal_f32(x[i]);
            assert_eq!(got[i].to_bits(), want.to_bits(), "x = {:#x}", x[i]);
        }
        // SAFETY: as above.
        let done = unsafe { uniform_f32(&x, &mut got) };
        for i in 0..done {
            assert_eq!(got[i].to_bits(), uf32(x[i]).to_bits());
        }
    }

    #[test]
    fn mulhi64_equals_u128_product() {
        if !have() {
            return;
        }
        let mut g = 0x9e37_79b9_7f4a_7c15u64;
        let mut vals = vec![0, 1, u64::MAX, u64::MAX - 1, 1 << 32, (1 << 32) - 1];
        for _ in 0..10_000 {
            g = g
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            vals.push(g);
        }
        for m in [PHILOX_M4X64_0, PHILOX_M4X64_1, PHILOX_M2X64_0, u64::MAX] {
            for c in vals.chunks_exact(8) {
                // SAFETY: the features are checked above.
                let got: [u64; 8] = unsafe {
                    let a = _mm512_loadu_si512(c.as_ptr() as *const __m512i);
                    let mv = _mm512_set1_epi64(m as i64);
                    std::mem::transmute(mulhi64(a, mv, _mm512_srli_epi64::<32>(mv)))
                };
                for (k, &a) in c.iter().enumerate() {
                    assert_eq!(got[k], ((u128::from(a) * u128::from(m)) >> 64) as u64);
                }
            }
        }
    }
}
