//! NEON backend (aarch64 Advanced SIMD): the block functions of
//! [`crate::generator`] on 128-bit vectors.
//!
//! Kept deliberately plain: word j of 4 (32-bit) or 2 (64-bit) consecutive
//! blocks sits in vector j, lane l holding block `b0 + l`, and the
//! interleaving stores (`vst2q`/`vst4q`) write the words back in block order.
//! Every operation is the integer operation of the scalar code; the scalar
//! definition stays the reference and `tests/cpu_backends.rs` checks every
//! kernel against it (in CI under qemu-user, since the project has no ARM
//! machine; the speed on ARM has not been measured).
//!
//! The 64-bit Philox generators and the distribution maps have no NEON
//! kernel: NEON has no 64-bit lane multiply-high, and aarch64's scalar
//! `umulh` is the natural tool there.

#![allow(clippy::needless_range_loop)]

use crate::generator::philox::{
    PHILOX_M2X32_0, PHILOX_M4X32_0, PHILOX_M4X32_1, PHILOX_W32_0, PHILOX_W32_1,
};
use crate::generator::threefry::{
    ROTATIONS_2X32, ROTATIONS_2X64, ROTATIONS_4X32, ROTATIONS_4X64, SKEIN_KS_PARITY32,
    SKEIN_KS_PARITY64,
};
use std::arch::aarch64::*;

/// Groups of vectors in flight per step (independent work for the pipeline).
const GROUPS: usize = 2;
/// Philox4x32: 2 groups of 4 blocks of 4 words.
pub(crate) const STEP_PHILOX4X32: usize = 32;
/// Philox2x32: 2 groups of 4 blocks of 2 words.
pub(crate) const STEP_PHILOX2X32: usize = 16;
/// Threefry4x32: 2 groups of 4 blocks of 4 words.
pub(crate) const STEP_THREEFRY4X32: usize = 32;
/// Threefry2x32: 2 groups of 4 blocks of 2 words.
pub(crate) const STEP_THREEFRY2X32: usize = 16;
/// Threefry4x64: 2 groups of 2 blocks of 4 words.
pub(crate) const STEP_THREEFRY4X64: usize = 16;
/// Threefry2x64: 2 groups of 2 blocks of 2 words.
pub(crate) const STEP_THREEFRY2X64: usize = 8;
/// The largest step.
pub(crate) const MAX_STEP: usize = 32;

/// Low and high halves of `b0 + l`, l = 0..4, with the carry.
#[inline]
#[target_feature(enable = "neon")]
fn lanes_lo_hi(b0: u64) -> (uint32x4_t, uint32x4_t) {
    let base = vdupq_n_u32(b0 as u32);
    let step: [u32; 4] = [0, 1, 2, 3];
    // SAFETY: reads 4 u32 from a 4-element array.
    let lo = vaddq_u32(base, unsafe { vld1q_u32(step.as_ptr()) });
    // All-ones (= -1) where the low half wrapped: subtracting it carries.
    let carry = vcltq_u32(lo, base);
    let hi = vsubq_u32(vdupq_n_u32((b0 >> 32) as u32), carry);
    (lo, hi)
}

/// `b0 + l`, l = 0..2.
#[inline]
#[target_feature(enable = "neon")]
fn lanes64(b0: u64) -> uint64x2_t {
    let v = [b0, b0.wrapping_add(1)];
    // SAFETY: reads 2 u64 from a 2-element array.
    unsafe { vld1q_u64(v.as_ptr()) }
}

/// High and low 32 bits of `x * m` per lane.
#[inline]
#[target_feature(enable = "neon")]
fn mulhilo(x: uint32x4_t, m: uint32x4_t) -> (uint32x4_t, uint32x4_t) {
    let p01 = vmull_u32(vget_low_u32(x), vget_low_u32(m));
    let p23 = vmull_high_u32(x, m);
    let hi = vuzp2q_u32(vreinterpretq_u32_u64(p01), vreinterpretq_u32_u64(p23));
    (hi, vmulq_u32(x, m))
}

/// Philox4x32, 8 blocks per step; counter `[b lo, b hi, s lo, s hi]`.
#[target_feature(enable = "neon")]
pub(crate) fn philox4x32(key: [u32; 2], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = STEP_PHILOX4X32;
    let (m0, m1) = (vdupq_n_u32(PHILOX_M4X32_0), vdupq_n_u32(PHILOX_M4X32_1));
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[vdupq_n_u32(0); 4]; GROUPS];
        for g in 0..GROUPS {
            let (lo, hi) = lanes_lo_hi(b0.wrapping_add((STEP / 4 * step + 4 * g) as u64));
            x[g] = [lo, hi, vdupq_n_u32(s as u32), vdupq_n_u32((s >> 32) as u32)];
        }
        let (mut k0, mut k1) = (key[0], key[1]);
        for r in 0..rounds {
            if r > 0 {
                k0 = k0.wrapping_add(PHILOX_W32_0);
                k1 = k1.wrapping_add(PHILOX_W32_1);
            }
            let (kv0, kv1) = (vdupq_n_u32(k0), vdupq_n_u32(k1));
            for v in &mut x {
                let (hi0, lo0) = mulhilo(v[0], m0);
                let (hi1, lo1) = mulhilo(v[2], m1);
                *v = [
                    veorq_u32(veorq_u32(hi1, v[1]), kv0),
                    lo1,
                    veorq_u32(veorq_u32(hi0, v[3]), kv1),
                    lo0,
                ];
            }
        }
        for g in 0..GROUPS {
            let at = step * STEP + 16 * g;
            assert!(at + 16 <= out.len());
            // SAFETY: 16 u32 fit at `at` (checked above).
            unsafe {
                vst4q_u32(
                    out.as_mut_ptr().add(at),
                    uint32x4x4_t(x[g][0], x[g][1], x[g][2], x[g][3]),
                )
            };
        }
    }
    steps * STEP
}

/// Philox2x32, 8 blocks per step; counter `[b, s]`.
#[target_feature(enable = "neon")]
pub(crate) fn philox2x32(key: [u32; 1], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = STEP_PHILOX2X32;
    let m = vdupq_n_u32(PHILOX_M2X32_0);
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[vdupq_n_u32(0); 2]; GROUPS];
        for g in 0..GROUPS {
            let (lo, _) = lanes_lo_hi(b0.wrapping_add((STEP / 2 * step + 4 * g) as u64));
            x[g] = [lo, vdupq_n_u32(s as u32)];
        }
        let mut k0 = key[0];
        for r in 0..rounds {
            if r > 0 {
                k0 = k0.wrapping_add(PHILOX_W32_0);
            }
            let kv = vdupq_n_u32(k0);
            for v in &mut x {
                let (hi, lo) = mulhilo(v[0], m);
                *v = [veorq_u32(veorq_u32(hi, kv), v[1]), lo];
            }
        }
        for g in 0..GROUPS {
            let at = step * STEP + 8 * g;
            assert!(at + 8 <= out.len());
            // SAFETY: 8 u32 fit at `at` (checked above).
            unsafe { vst2q_u32(out.as_mut_ptr().add(at), uint32x4x2_t(x[g][0], x[g][1])) };
        }
    }
    steps * STEP
}

// ---------------------------------------------------------------------------
// Threefry: the scalar loop, with each word a vector.

/// Rotate every lane left by the constant `$r`.
macro_rules! rotl {
    (32, $x:expr, $r:expr) => {
        vorrq_u32(
            vshlq_n_u32::<{ $r as i32 }>($x),
            vshrq_n_u32::<{ 32 - $r as i32 }>($x),
        )
    };
    (64, $x:expr, $r:expr) => {
        vorrq_u64(
            vshlq_n_u64::<{ $r as i32 }>($x),
            vshrq_n_u64::<{ 64 - $r as i32 }>($x),
        )
    };
}

macro_rules! ops {
    (32) => {
        (vaddq_u32, veorq_u32, vdupq_n_u32)
    };
    (64) => {
        (vaddq_u64, veorq_u64, vdupq_n_u64)
    };
}

/// One Threefry-4 round number `$i` (mod 8) on every group.
macro_rules! round4 {
    ($bits:tt, $rot:expr, $x:ident, $i:literal) => {{
        let (add, xor, _) = ops!($bits);
        let (a, b) = if $i % 2 == 0 { (1, 3) } else { (3, 1) };
        for v in &mut $x {
            v[0] = add(v[0], v[a]);
            v[a] = xor(rotl!($bits, v[a], $rot[$i][0]), v[0]);
            v[2] = add(v[2], v[b]);
            v[b] = xor(rotl!($bits, v[b], $rot[$i][1]), v[2]);
        }
    }};
}

/// One Threefry-2 round number `$i` (mod 8).
macro_rules! round2 {
    ($bits:tt, $rot:expr, $x:ident, $i:literal) => {{
        let (add, xor, _) = ops!($bits);
        for v in &mut $x {
            v[0] = add(v[0], v[1]);
            v[1] = xor(rotl!($bits, v[1], $rot[$i]), v[0]);
        }
    }};
}

/// `$rounds` rounds with the key injections after every 4th, as the scalar
/// definition; `$ks` is the extended key schedule (scalars).
macro_rules! threefry_rounds {
    ($round:ident, $bits:tt, $rot:expr, $x:ident, $ks:ident, $nw:literal, $rounds:expr) => {{
        let (add, _, dup) = ops!($bits);
        for r in 0..$rounds {
            match r % 8 {
                0 => $round!($bits, $rot, $x, 0),
                1 => $round!($bits, $rot, $x, 1),
                2 => $round!($bits, $rot, $x, 2),
                3 => $round!($bits, $rot, $x, 3),
                4 => $round!($bits, $rot, $x, 4),
                5 => $round!($bits, $rot, $x, 5),
                6 => $round!($bits, $rot, $x, 6),
                _ => $round!($bits, $rot, $x, 7),
            }
            if r % 4 == 3 {
                let i = (r / 4 + 1) as usize;
                for v in &mut $x {
                    for w in 0..$nw {
                        v[w] = add(v[w], dup($ks[(i + w) % ($nw + 1)]));
                    }
                    v[$nw - 1] = add(v[$nw - 1], dup(i as _));
                }
            }
        }
    }};
}

/// Threefry4x32, 8 blocks per step; counter `[b lo, b hi, s lo, s hi]`.
#[target_feature(enable = "neon")]
pub(crate) fn threefry4x32(key: [u32; 4], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = STEP_THREEFRY4X32;
    let ks = [
        key[0],
        key[1],
        key[2],
        key[3],
        SKEIN_KS_PARITY32 ^ key[0] ^ key[1] ^ key[2] ^ key[3],
    ];
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[vdupq_n_u32(0); 4]; GROUPS];
        for g in 0..GROUPS {
            let (lo, hi) = lanes_lo_hi(b0.wrapping_add((STEP / 4 * step + 4 * g) as u64));
            x[g] = [
                vaddq_u32(lo, vdupq_n_u32(ks[0])),
                vaddq_u32(hi, vdupq_n_u32(ks[1])),
                vdupq_n_u32((s as u32).wrapping_add(ks[2])),
                vdupq_n_u32(((s >> 32) as u32).wrapping_add(ks[3])),
            ];
        }
        threefry_rounds!(round4, 32, ROTATIONS_4X32, x, ks, 4, rounds);
        for g in 0..GROUPS {
            let at = step * STEP + 16 * g;
            assert!(at + 16 <= out.len());
            // SAFETY: 16 u32 fit at `at` (checked above).
            unsafe {
                vst4q_u32(
                    out.as_mut_ptr().add(at),
                    uint32x4x4_t(x[g][0], x[g][1], x[g][2], x[g][3]),
                )
            };
        }
    }
    steps * STEP
}

/// Threefry2x32, 8 blocks per step; counter `[b, s]`.
#[target_feature(enable = "neon")]
pub(crate) fn threefry2x32(key: [u32; 2], rounds: u32, b0: u64, s: u64, out: &mut [u32]) -> usize {
    const STEP: usize = STEP_THREEFRY2X32;
    let ks = [key[0], key[1], SKEIN_KS_PARITY32 ^ key[0] ^ key[1]];
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[vdupq_n_u32(0); 2]; GROUPS];
        for g in 0..GROUPS {
            let (lo, _) = lanes_lo_hi(b0.wrapping_add((STEP / 2 * step + 4 * g) as u64));
            x[g] = [
                vaddq_u32(lo, vdupq_n_u32(ks[0])),
                vdupq_n_u32((s as u32).wrapping_add(ks[1])),
            ];
        }
        threefry_rounds!(round2, 32, ROTATIONS_2X32, x, ks, 2, rounds);
        for g in 0..GROUPS {
            let at = step * STEP + 8 * g;
            assert!(at + 8 <= out.len());
            // SAFETY: 8 u32 fit at `at` (checked above).
            unsafe { vst2q_u32(out.as_mut_ptr().add(at), uint32x4x2_t(x[g][0], x[g][1])) };
        }
    }
    steps * STEP
}

/// Threefry4x64, 4 blocks per step; counter `[b, 0, s, 0]`.
#[target_feature(enable = "neon")]
pub(crate) fn threefry4x64(key: [u64; 4], rounds: u32, b0: u64, s: u64, out: &mut [u64]) -> usize {
    const STEP: usize = STEP_THREEFRY4X64;
    let ks = [
        key[0],
        key[1],
        key[2],
        key[3],
        SKEIN_KS_PARITY64 ^ key[0] ^ key[1] ^ key[2] ^ key[3],
    ];
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[vdupq_n_u64(0); 4]; GROUPS];
        for g in 0..GROUPS {
            let b = lanes64(b0.wrapping_add((STEP / 4 * step + 2 * g) as u64));
            x[g] = [
                vaddq_u64(b, vdupq_n_u64(ks[0])),
                vdupq_n_u64(ks[1]),
                vdupq_n_u64(s.wrapping_add(ks[2])),
                vdupq_n_u64(ks[3]),
            ];
        }
        threefry_rounds!(round4, 64, ROTATIONS_4X64, x, ks, 4, rounds);
        for g in 0..GROUPS {
            let at = step * STEP + 8 * g;
            assert!(at + 8 <= out.len());
            // SAFETY: 8 u64 fit at `at` (checked above).
            unsafe {
                vst4q_u64(
                    out.as_mut_ptr().add(at),
                    uint64x2x4_t(x[g][0], x[g][1], x[g][2], x[g][3]),
                )
            };
        }
    }
    steps * STEP
}

/// Threefry2x64, 4 blocks per step; counter `[b, s]`.
#[target_feature(enable = "neon")]
pub(crate) fn threefry2x64(key: [u64; 2], rounds: u32, b0: u64, s: u64, out: &mut [u64]) -> usize {
    const STEP: usize = STEP_THREEFRY2X64;
    let ks = [key[0], key[1], SKEIN_KS_PARITY64 ^ key[0] ^ key[1]];
    let steps = out.len() / STEP;
    for step in 0..steps {
        let mut x = [[vdupq_n_u64(0); 2]; GROUPS];
        for g in 0..GROUPS {
            let b = lanes64(b0.wrapping_add((STEP / 2 * step + 2 * g) as u64));
            x[g] = [
                vaddq_u64(b, vdupq_n_u64(ks[0])),
                vdupq_n_u64(s.wrapping_add(ks[1])),
            ];
        }
        threefry_rounds!(round2, 64, ROTATIONS_2X64, x, ks, 2, rounds);
        for g in 0..GROUPS {
            let at = step * STEP + 4 * g;
            assert!(at + 4 <= out.len());
            // SAFETY: 4 u64 fit at `at` (checked above).
            unsafe { vst2q_u64(out.as_mut_ptr().add(at), uint64x2x2_t(x[g][0], x[g][1])) };
        }
    }
    steps * STEP
}
