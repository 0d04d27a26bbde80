//! Philox4x32-10 blocks for one counter value and consecutive stream ids:
//! what the threads `s0, s0 + 1, ...` of a CUDA grid draw in one round
//! (counter `[b lo, b hi, s lo, s hi]`, cuRAND's layout). AVX2 when the CPU
//! has it, else the scalar definition; the bits are the same
//! (`tests/compat_torch.rs` checks).

use crate::generator::philox::philox4x32;

/// `out[4t..4t+4]` = the block at counter `(b, s0 + t)`; `out.len()` a
/// multiple of 4.
pub(crate) fn blocks_across_streams(key: [u32; 2], b: u64, s0: u64, out: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    let done = if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe { avx2::blocks(key, b, s0, out) }
    } else {
        0
    };
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
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
    use std::arch::x86_64::_mm256_setr_epi64x;

    /// Eight blocks (32 words) a step: the CPU engine's AVX2 Philox4x32 loop
    /// (`cpu::avx2::philox4x32_stepping`), started at counters `(b, s0)`
    /// and `(b, s0 + 1)` and stepped two streams a vector; returns the words
    /// written.
    #[target_feature(enable = "avx2")]
    pub(super) fn blocks(key: [u32; 2], b: u64, s0: u64, out: &mut [u32]) -> usize {
        // As 64-bit lanes a counter is [b, s]: the next vector's streams are 2 on.
        let c = _mm256_setr_epi64x(b as i64, s0 as i64, b as i64, s0.wrapping_add(1) as i64);
        let step = _mm256_setr_epi64x(0, 2, 0, 2);
        crate::cpu::avx2::philox4x32_stepping(key, 10, c, step, out)
    }
}
