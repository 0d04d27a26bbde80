//! Philox4x32-10 blocks for one counter value and consecutive stream ids:
//! what the threads `s0, s0 + 1, ...` of a CUDA grid draw in one round
//! (counter `[b lo, b hi, s lo, s hi]`, cuRAND's layout). AVX2 when the CPU
//! has it, else the scalar definition; the bits are the same
//! (`tests/compat_torch.rs` checks).

use crate::generator::philox::philox4x32;

/// `out[4t..4t+4]` = the block at counter `(b, s0 + t)`; `out.len()` a
/// multiple of 4.
pub(crate) fn blocks_across_streams(key: [u32; 2], b: u64, s0: u64, out: &mut [u32]) {
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        done = unsafe { avx2::blocks(key, b, s0, out) };
    }
    for (t, blk) in out[done..].chunks_exact_mut(4).enumerate() {
        let s = s0.wrapping_add((done / 4 + t) as u64);
        blk.copy_from_slice(&philox4x32(
            [b as u32, (b >> 32) as u32, s as u32, (s >> 32) as u32],
            key,
            10,
        ));
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use crate::generator::philox::{PHILOX_M4X32_0, PHILOX_M4X32_1, PHILOX_W32_0, PHILOX_W32_1};
    use std::arch::x86_64::*;

    /// Eight blocks (32 words) a step, two blocks per vector with words in
    /// block order (the layout of `cpu::avx2::philox4x32`); returns the words
    /// written.
    #[target_feature(enable = "avx2")]
    pub(super) fn blocks(key: [u32; 2], b: u64, s0: u64, out: &mut [u32]) -> usize {
        const STEP: usize = 32;
        let pair = |lo: u32, hi: u32| {
            _mm256_setr_epi32(lo as i32, 0, hi as i32, 0, lo as i32, 0, hi as i32, 0)
        };
        let m = pair(PHILOX_M4X32_0, PHILOX_M4X32_1);
        let k_init = pair(key[0], key[1]);
        let bump = pair(PHILOX_W32_0, PHILOX_W32_1);
        // As 64-bit lanes a counter is [b, s]: the next vector's streams are 2 on.
        let two = _mm256_setr_epi64x(0, 2, 0, 2);
        let steps = out.len() / STEP;
        let mut c = _mm256_setr_epi64x(b as i64, s0 as i64, b as i64, s0.wrapping_add(1) as i64);
        for step in 0..steps {
            let mut x = [c; 4];
            for j in 1..4 {
                x[j] = _mm256_add_epi64(x[j - 1], two);
            }
            c = _mm256_add_epi64(x[3], two);
            let mut k = k_init;
            for r in 0..10 {
                if r > 0 {
                    k = _mm256_add_epi32(k, bump);
                }
                for v in &mut x {
                    let p = _mm256_mul_epu32(*v, m);
                    let p = _mm256_shuffle_epi32::<0x1B>(p);
                    let x13 = _mm256_srli_epi64::<32>(*v);
                    *v = _mm256_xor_si256(_mm256_xor_si256(p, x13), k);
                }
            }
            let dst = &mut out[step * STEP..(step + 1) * STEP];
            for (j, v) in x.into_iter().enumerate() {
                // SAFETY: `dst` holds 32 words; 8 are written at 8j (j < 4).
                unsafe { _mm256_storeu_si256(dst.as_mut_ptr().add(8 * j) as *mut __m256i, v) };
            }
        }
        steps * STEP
    }
}
