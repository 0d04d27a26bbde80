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

use crate::dist::normal as n;
use crate::generator::philox::{
    PHILOX_M2X32_0, PHILOX_M4X32_0, PHILOX_M4X32_1, PHILOX_W32_0, PHILOX_W32_1,
};
use crate::generator::threefry::{
    ROTATIONS_2X32, ROTATIONS_2X64, ROTATIONS_4X32, ROTATIONS_4X64, SKEIN_KS_PARITY32,
    SKEIN_KS_PARITY64,
};
use std::arch::x86_64::*;

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
    const STEP: usize = 32;
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
    // As 64-bit lanes the counter of block b is [b, s]: the contract's 32-bit
    // words are exactly the little-endian halves.
    let two = _mm256_setr_epi64x(2, 0, 2, 0);
    let steps = out.len() / STEP;
    let mut c = _mm256_setr_epi64x(b0 as i64, s as i64, b0.wrapping_add(1) as i64, s as i64);
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
    const STEP: usize = 32;
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

/// Rotate every 32-bit lane left: `l` holds the count, `r` 32 minus it.
#[inline]
#[target_feature(enable = "avx2")]
fn rotl32(x: __m256i, l: __m256i, r: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_sllv_epi32(x, l), _mm256_srlv_epi32(x, r))
}

/// Rotate every 64-bit lane left: `l` holds the count, `r` 64 minus it.
#[inline]
#[target_feature(enable = "avx2")]
fn rotl64(x: __m256i, l: __m256i, r: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_sllv_epi64(x, l), _mm256_srlv_epi64(x, r))
}

type Counts<const N: usize> = [[__m256i; 2]; N];

/// Shift-count vectors for a rotation table: left counts and 32 minus them.
#[inline]
#[target_feature(enable = "avx2")]
fn rotation_counts32<const N: usize>(t: &[[u32; 2]; N]) -> (Counts<N>, Counts<N>) {
    let l = t.map(|p| p.map(|r| _mm256_set1_epi32(r as i32)));
    let r = t.map(|p| p.map(|r| _mm256_set1_epi32(32 - r as i32)));
    (l, r)
}

/// Shift-count vectors for a 64-bit rotation table.
#[inline]
#[target_feature(enable = "avx2")]
fn rotation_counts64<const N: usize>(t: &[[u32; 2]; N]) -> (Counts<N>, Counts<N>) {
    let l = t.map(|p| p.map(|r| _mm256_set1_epi64x(i64::from(r))));
    let r = t.map(|p| p.map(|r| _mm256_set1_epi64x(64 - i64::from(r))));
    (l, r)
}

/// The injection numbers i = 0..=64 as 32-bit lanes (i = r/4 + 1 <= 64 for
/// rounds <= 255), added to the last word at each key injection.
#[inline]
#[target_feature(enable = "avx2")]
fn injection_counts32() -> [__m256i; 65] {
    core::array::from_fn(|i| _mm256_set1_epi32(i as i32))
}

/// The injection numbers as 64-bit lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn injection_counts64() -> [__m256i; 65] {
    core::array::from_fn(|i| _mm256_set1_epi64x(i as i64))
}

/// Low and high halves of `b0 + i`, i = 0..8.
#[inline]
#[target_feature(enable = "avx2")]
fn lanes_lo_hi(b0: u64) -> (__m256i, __m256i) {
    let b: [u64; 8] = core::array::from_fn(|i| b0.wrapping_add(i as u64));
    let lo: [u32; 8] = core::array::from_fn(|i| b[i] as u32);
    let hi: [u32; 8] = core::array::from_fn(|i| (b[i] >> 32) as u32);
    // SAFETY: reading 8 u32 from arrays of 8 u32.
    unsafe {
        (
            _mm256_loadu_si256(lo.as_ptr() as *const __m256i),
            _mm256_loadu_si256(hi.as_ptr() as *const __m256i),
        )
    }
}

/// Threefry4x32, 8 blocks (32 words) per step; counter `[b lo, b hi, s lo, s hi]`.
#[target_feature(enable = "avx2")]
pub(crate) fn threefry4x32(key: [u32; 4], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = 32;
    let ks32 = [
        key[0],
        key[1],
        key[2],
        key[3],
        SKEIN_KS_PARITY32 ^ key[0] ^ key[1] ^ key[2] ^ key[3],
    ];
    let ks = ks32.map(|k| _mm256_set1_epi32(k as i32));
    let s_lo = _mm256_set1_epi32(s as u32 as i32);
    let s_hi = _mm256_set1_epi32((s >> 32) as u32 as i32);
    let (rl, rr) = rotation_counts32(&ROTATIONS_4X32);
    let inj = injection_counts32();
    let steps = out.len() / STEP;
    for step in 0..steps {
        let (lo, hi) = lanes_lo_hi(b0.wrapping_add(8 * step as u64));
        let x = [
            _mm256_add_epi32(lo, ks[0]),
            _mm256_add_epi32(hi, ks[1]),
            _mm256_add_epi32(s_lo, ks[2]),
            _mm256_add_epi32(s_hi, ks[3]),
        ];
        let [mut x0, mut x1, mut x2, mut x3] = x;
        for r in 0..rounds {
            let i = (r % 8) as usize;
            // Even rounds mix (0,1),(2,3); odd rounds mix (0,3),(2,1). Named
            // variables, not an indexed array, keep the state in registers.
            if r % 2 == 0 {
                x0 = _mm256_add_epi32(x0, x1);
                x1 = _mm256_xor_si256(rotl32(x1, rl[i][0], rr[i][0]), x0);
                x2 = _mm256_add_epi32(x2, x3);
                x3 = _mm256_xor_si256(rotl32(x3, rl[i][1], rr[i][1]), x2);
            } else {
                x0 = _mm256_add_epi32(x0, x3);
                x3 = _mm256_xor_si256(rotl32(x3, rl[i][0], rr[i][0]), x0);
                x2 = _mm256_add_epi32(x2, x1);
                x1 = _mm256_xor_si256(rotl32(x1, rl[i][1], rr[i][1]), x2);
            }
            if r % 4 == 3 {
                let i = (r / 4 + 1) as usize;
                x0 = _mm256_add_epi32(x0, ks[i % 5]);
                x1 = _mm256_add_epi32(x1, ks[(i + 1) % 5]);
                x2 = _mm256_add_epi32(x2, ks[(i + 2) % 5]);
                x3 = _mm256_add_epi32(x3, _mm256_add_epi32(ks[(i + 3) % 5], inj[i]));
            }
        }
        let x = [x0, x1, x2, x3];
        // 4x8 transpose: vector j holds word j of blocks 0..8.
        let t0 = _mm256_unpacklo_epi32(x[0], x[1]);
        let t1 = _mm256_unpackhi_epi32(x[0], x[1]);
        let t2 = _mm256_unpacklo_epi32(x[2], x[3]);
        let t3 = _mm256_unpackhi_epi32(x[2], x[3]);
        let u0 = _mm256_unpacklo_epi64(t0, t2); // blocks 0 | 4
        let u1 = _mm256_unpackhi_epi64(t0, t2); // blocks 1 | 5
        let u2 = _mm256_unpacklo_epi64(t1, t3); // blocks 2 | 6
        let u3 = _mm256_unpackhi_epi64(t1, t3); // blocks 3 | 7
        let at = step * STEP;
        store(out, at, _mm256_permute2x128_si256::<0x20>(u0, u1));
        store(out, at + 8, _mm256_permute2x128_si256::<0x20>(u2, u3));
        store(out, at + 16, _mm256_permute2x128_si256::<0x31>(u0, u1));
        store(out, at + 24, _mm256_permute2x128_si256::<0x31>(u2, u3));
    }
    steps * STEP
}

/// Threefry2x32, 8 blocks (16 words) per step; counter `[b, s]`.
#[target_feature(enable = "avx2")]
pub(crate) fn threefry2x32(key: [u32; 2], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = 16;
    let ks32 = [key[0], key[1], SKEIN_KS_PARITY32 ^ key[0] ^ key[1]];
    let ks = ks32.map(|k| _mm256_set1_epi32(k as i32));
    let sv = _mm256_set1_epi32(s as u32 as i32);
    // The 2x32 table, viewed as pairs so it shares the 4x32 helper.
    let pairs: [[u32; 2]; 4] =
        core::array::from_fn(|i| [ROTATIONS_2X32[2 * i], ROTATIONS_2X32[2 * i + 1]]);
    let (rl, rr) = rotation_counts32(&pairs);
    let inj = injection_counts32();
    let steps = out.len() / STEP;
    for step in 0..steps {
        let (lo, _) = lanes_lo_hi(b0.wrapping_add(8 * step as u64));
        let mut x0 = _mm256_add_epi32(lo, ks[0]);
        let mut x1 = _mm256_add_epi32(sv, ks[1]);
        for r in 0..rounds {
            let j = (r % 8) as usize;
            x0 = _mm256_add_epi32(x0, x1);
            x1 = _mm256_xor_si256(rotl32(x1, rl[j / 2][j % 2], rr[j / 2][j % 2]), x0);
            if r % 4 == 3 {
                let i = (r / 4 + 1) as usize;
                x0 = _mm256_add_epi32(x0, ks[i % 3]);
                x1 = _mm256_add_epi32(x1, _mm256_add_epi32(ks[(i + 1) % 3], inj[i]));
            }
        }
        let lo = _mm256_unpacklo_epi32(x0, x1); // blocks 0, 1 | 4, 5
        let hi = _mm256_unpackhi_epi32(x0, x1); // blocks 2, 3 | 6, 7
        let at = step * STEP;
        store(out, at, _mm256_permute2x128_si256::<0x20>(lo, hi));
        store(out, at + 8, _mm256_permute2x128_si256::<0x31>(lo, hi));
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

/// Threefry4x64, 4 blocks (16 words) per step; counter `[b, 0, s, 0]`.
#[target_feature(enable = "avx2")]
pub(crate) fn threefry4x64(key: [u64; 4], rounds: u32, b0: u64, s: u64, out: &mut [u64]) -> usize {
    const STEP: usize = 16;
    let ks64 = [
        key[0],
        key[1],
        key[2],
        key[3],
        SKEIN_KS_PARITY64 ^ key[0] ^ key[1] ^ key[2] ^ key[3],
    ];
    let ks = ks64.map(|k| _mm256_set1_epi64x(k as i64));
    let sv = _mm256_set1_epi64x(s as i64);
    let (rl, rr) = rotation_counts64(&ROTATIONS_4X64);
    let inj = injection_counts64();
    let steps = out.len() / STEP;
    for step in 0..steps {
        let b = lanes64(b0.wrapping_add(4 * step as u64));
        let x = [
            _mm256_add_epi64(b, ks[0]),
            ks[1],
            _mm256_add_epi64(sv, ks[2]),
            ks[3],
        ];
        let [mut x0, mut x1, mut x2, mut x3] = x;
        for r in 0..rounds {
            let i = (r % 8) as usize;
            if r % 2 == 0 {
                x0 = _mm256_add_epi64(x0, x1);
                x1 = _mm256_xor_si256(rotl64(x1, rl[i][0], rr[i][0]), x0);
                x2 = _mm256_add_epi64(x2, x3);
                x3 = _mm256_xor_si256(rotl64(x3, rl[i][1], rr[i][1]), x2);
            } else {
                x0 = _mm256_add_epi64(x0, x3);
                x3 = _mm256_xor_si256(rotl64(x3, rl[i][0], rr[i][0]), x0);
                x2 = _mm256_add_epi64(x2, x1);
                x1 = _mm256_xor_si256(rotl64(x1, rl[i][1], rr[i][1]), x2);
            }
            if r % 4 == 3 {
                let i = (r / 4 + 1) as usize;
                x0 = _mm256_add_epi64(x0, ks[i % 5]);
                x1 = _mm256_add_epi64(x1, ks[(i + 1) % 5]);
                x2 = _mm256_add_epi64(x2, ks[(i + 2) % 5]);
                x3 = _mm256_add_epi64(x3, _mm256_add_epi64(ks[(i + 3) % 5], inj[i]));
            }
        }
        let x = [x0, x1, x2, x3];
        // 4x4 transpose of 64-bit words.
        let t0 = _mm256_unpacklo_epi64(x[0], x[1]); // block 0 w0 w1 | block 2 w0 w1
        let t1 = _mm256_unpackhi_epi64(x[0], x[1]); // block 1 | block 3
        let t2 = _mm256_unpacklo_epi64(x[2], x[3]);
        let t3 = _mm256_unpackhi_epi64(x[2], x[3]);
        let at = step * STEP;
        store64(out, at, _mm256_permute2x128_si256::<0x20>(t0, t2));
        store64(out, at + 4, _mm256_permute2x128_si256::<0x20>(t1, t3));
        store64(out, at + 8, _mm256_permute2x128_si256::<0x31>(t0, t2));
        store64(out, at + 12, _mm256_permute2x128_si256::<0x31>(t1, t3));
    }
    steps * STEP
}

/// Threefry2x64, 4 blocks (8 words) per step; counter `[b, s]`.
#[target_feature(enable = "avx2")]
pub(crate) fn threefry2x64(key: [u64; 2], rounds: u32, b0: u64, s: u64, out: &mut [u64]) -> usize {
    const STEP: usize = 8;
    let ks64 = [key[0], key[1], SKEIN_KS_PARITY64 ^ key[0] ^ key[1]];
    let ks = ks64.map(|k| _mm256_set1_epi64x(k as i64));
    let sv = _mm256_set1_epi64x(s as i64);
    let pairs: [[u32; 2]; 4] =
        core::array::from_fn(|i| [ROTATIONS_2X64[2 * i], ROTATIONS_2X64[2 * i + 1]]);
    let (rl, rr) = rotation_counts64(&pairs);
    let inj = injection_counts64();
    let steps = out.len() / STEP;
    for step in 0..steps {
        let b = lanes64(b0.wrapping_add(4 * step as u64));
        let mut x0 = _mm256_add_epi64(b, ks[0]);
        let mut x1 = _mm256_add_epi64(sv, ks[1]);
        for r in 0..rounds {
            let j = (r % 8) as usize;
            x0 = _mm256_add_epi64(x0, x1);
            x1 = _mm256_xor_si256(rotl64(x1, rl[j / 2][j % 2], rr[j / 2][j % 2]), x0);
            if r % 4 == 3 {
                let i = (r / 4 + 1) as usize;
                x0 = _mm256_add_epi64(x0, ks[i % 3]);
                x1 = _mm256_add_epi64(x1, _mm256_add_epi64(ks[(i + 1) % 3], inj[i]));
            }
        }
        let lo = _mm256_unpacklo_epi64(x0, x1); // block 0 | block 2
        let hi = _mm256_unpackhi_epi64(x0, x1); // block 1 | block 3
        let at = step * STEP;
        store64(out, at, _mm256_permute2x128_si256::<0x20>(lo, hi));
        store64(out, at + 4, _mm256_permute2x128_si256::<0x31>(lo, hi));
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

/// `mean + std * standard_normal_f32(x[i])` for every i, eight lanes at a
/// time; returns how many were done (a multiple of 8).
#[target_feature(enable = "avx2")]
pub(crate) fn normal_f32(x: &[u32], mean: f32, std: f32, out: &mut [f32]) -> usize {
    let len = x.len().min(out.len()) / 8 * 8;
    for i in (0..len).step_by(8) {
        // SAFETY: i + 8 <= len <= x.len().
        let xv = unsafe { _mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i) };
        let z = normal_f32_x8(xv);
        let y = _mm256_add_ps(splat(mean), _mm256_mul_ps(splat(std), z));
        // SAFETY: i + 8 <= len <= out.len().
        unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(i), y) };
    }
    len
}

#[inline]
#[target_feature(enable = "avx2")]
fn normal_f32_x8(x: __m256i) -> __m256 {
    let k = _mm256_and_si256(x, _mm256_set1_epi32(0x7fff_ffff));
    let q_int = _mm256_add_epi32(_mm256_add_epi32(k, k), _mm256_set1_epi32(1));
    let q = _mm256_mul_ps(u32_to_f32(q_int), splat(n::TWO_POW_M33));
    let neg = _mm256_sub_epi32(_mm256_setzero_si256(), q_int);
    let d = _mm256_mul_ps(u32_to_f32(neg), splat(n::TWO_POW_M33));

    let central = _mm256_cmp_ps::<_CMP_LE_OQ>(d, splat(n::SPLIT1_F32));
    let central_bits = _mm256_movemask_ps(central);

    // Central rational, where d <= 0.425.
    let zc = if central_bits != 0 {
        let r = _mm256_sub_ps(splat(n::CONST1_F32), _mm256_mul_ps(d, d));
        let num = horner3(r, n::A3_F32, n::A2_F32, n::A1_F32, n::A0_F32);
        let mut den = _mm256_add_ps(_mm256_mul_ps(splat(n::B3_F32), r), splat(n::B2_F32));
        den = _mm256_add_ps(_mm256_mul_ps(den, r), splat(n::B1_F32));
        den = _mm256_add_ps(_mm256_mul_ps(den, r), splat(1.0));
        _mm256_div_ps(_mm256_mul_ps(d, num), den)
    } else {
        _mm256_setzero_ps()
    };
    let abs_z = if central_bits == 0xff {
        zc
    } else {
        // Tail: r = sqrt(-ln q); -x is a sign flip, as in the scalar code.
        let ln = ln_f32(q);
        let r = _mm256_sqrt_ps(_mm256_xor_ps(ln, splat(-0.0)));
        let near = _mm256_cmp_ps::<_CMP_LE_OQ>(r, splat(n::SPLIT2_F32));
        let t = _mm256_sub_ps(r, splat(n::CONST2_F32));
        let num = horner3(t, n::C3_F32, n::C2_F32, n::C1_F32, n::C0_F32);
        let den = horner2_1(t, n::D2_F32, n::D1_F32);
        let mut zt = _mm256_div_ps(num, den);
        // r > 5 cannot happen for f32 (r <= 4.78); the branch is kept for the
        // contract, so evaluate it exactly should a lane ever get there.
        let far = !_mm256_movemask_ps(near) & !central_bits & 0xff;
        if far != 0 {
            let t = _mm256_sub_ps(r, splat(n::SPLIT2_F32));
            let num = horner3(t, n::E3_F32, n::E2_F32, n::E1_F32, n::E0_F32);
            let den = horner2_1(t, n::F2_F32, n::F1_F32);
            zt = _mm256_blendv_ps(_mm256_div_ps(num, den), zt, near);
        }
        _mm256_blendv_ps(zt, zc, central)
    };
    let sign = _mm256_and_si256(x, _mm256_set1_epi32(0x8000_0000u32 as i32));
    _mm256_castsi256_ps(_mm256_or_si256(_mm256_castps_si256(abs_z), sign))
}
