//! Philox block functions (Salmon et al., "Parallel random numbers: as easy as
//! 1, 2, 3", SC'11), exactly as Random123's `philox.h` defines them, for any
//! round count.
//!
//! This is the definition: SIMD backends and the CUDA twin
//! (`kernels/cbrng/philox.cuh`) must give the same bits.
//!
//! A Philox round multiplies counter words by constants, swaps the high and
//! low halves of the products around and mixes in the key; between rounds the
//! key is "bumped" by Weyl constants.

/// Philox2x32 multiplier.
pub const PHILOX_M2X32_0: u32 = 0xD256_D193;
/// Philox4x32 multipliers.
pub const PHILOX_M4X32_0: u32 = 0xD251_1F53;
/// Philox4x32 multipliers.
pub const PHILOX_M4X32_1: u32 = 0xCD9E_8D57;
/// Philox2x64 multiplier.
pub const PHILOX_M2X64_0: u64 = 0xD2B7_4407_B1CE_6E93;
/// Philox4x64 multipliers.
pub const PHILOX_M4X64_0: u64 = 0xD2E7_470E_E14C_6C93;
/// Philox4x64 multipliers.
pub const PHILOX_M4X64_1: u64 = 0xCA5A_8263_9512_1157;
/// 32-bit Weyl key bump: the golden ratio.
pub const PHILOX_W32_0: u32 = 0x9E37_79B9;
/// 32-bit Weyl key bump: sqrt(3) - 1.
pub const PHILOX_W32_1: u32 = 0xBB67_AE85;
/// 64-bit Weyl key bump: the golden ratio.
pub const PHILOX_W64_0: u64 = 0x9E37_79B9_7F4A_7C15;
/// 64-bit Weyl key bump: sqrt(3) - 1.
pub const PHILOX_W64_1: u64 = 0xBB67_AE85_84CA_A73B;

/// Default Philox round count (Random123's `philox4x32_10` etc.).
pub const PHILOX_DEFAULT_ROUNDS: u32 = 10;

#[inline(always)]
fn mulhilo32(a: u32, b: u32) -> (u32, u32) {
    let p = u64::from(a) * u64::from(b);
    ((p >> 32) as u32, p as u32)
}

#[inline(always)]
fn mulhilo64(a: u64, b: u64) -> (u64, u64) {
    let p = u128::from(a) * u128::from(b);
    ((p >> 64) as u64, p as u64)
}

/// Philox2x32 with `rounds` rounds: counter of 2 words, key of 1 word.
#[inline(always)]
pub fn philox2x32(ctr: [u32; 2], key: [u32; 1], rounds: u32) -> [u32; 2] {
    let [mut x0, mut x1] = ctr;
    let mut k0 = key[0];
    for r in 0..rounds {
        if r > 0 {
            k0 = k0.wrapping_add(PHILOX_W32_0);
        }
        let (hi, lo) = mulhilo32(PHILOX_M2X32_0, x0);
        x0 = hi ^ k0 ^ x1;
        x1 = lo;
    }
    [x0, x1]
}

/// Philox4x32 with `rounds` rounds: counter of 4 words, key of 2 words.
#[inline(always)]
pub fn philox4x32(ctr: [u32; 4], key: [u32; 2], rounds: u32) -> [u32; 4] {
    let [mut x0, mut x1, mut x2, mut x3] = ctr;
    let [mut k0, mut k1] = key;
    for r in 0..rounds {
        if r > 0 {
            k0 = k0.wrapping_add(PHILOX_W32_0);
            k1 = k1.wrapping_add(PHILOX_W32_1);
        }
        let (hi0, lo0) = mulhilo32(PHILOX_M4X32_0, x0);
        let (hi1, lo1) = mulhilo32(PHILOX_M4X32_1, x2);
        x0 = hi1 ^ x1 ^ k0;
        x1 = lo1;
        x2 = hi0 ^ x3 ^ k1;
        x3 = lo0;
    }
    [x0, x1, x2, x3]
}

/// Philox2x64 with `rounds` rounds: counter of 2 words, key of 1 word.
#[inline(always)]
pub fn philox2x64(ctr: [u64; 2], key: [u64; 1], rounds: u32) -> [u64; 2] {
    let [mut x0, mut x1] = ctr;
    let mut k0 = key[0];
    for r in 0..rounds {
        if r > 0 {
            k0 = k0.wrapping_add(PHILOX_W64_0);
        }
        let (hi, lo) = mulhilo64(PHILOX_M2X64_0, x0);
        x0 = hi ^ k0 ^ x1;
        x1 = lo;
    }
    [x0, x1]
}

/// Philox4x64 with `rounds` rounds: counter of 4 words, key of 2 words.
#[inline(always)]
pub fn philox4x64(ctr: [u64; 4], key: [u64; 2], rounds: u32) -> [u64; 4] {
    let [mut x0, mut x1, mut x2, mut x3] = ctr;
    let [mut k0, mut k1] = key;
    for r in 0..rounds {
        if r > 0 {
            k0 = k0.wrapping_add(PHILOX_W64_0);
            k1 = k1.wrapping_add(PHILOX_W64_1);
        }
        let (hi0, lo0) = mulhilo64(PHILOX_M4X64_0, x0);
        let (hi1, lo1) = mulhilo64(PHILOX_M4X64_1, x2);
        x0 = hi1 ^ x1 ^ k0;
        x1 = lo1;
        x2 = hi0 ^ x3 ^ k1;
        x3 = lo0;
    }
    [x0, x1, x2, x3]
}
