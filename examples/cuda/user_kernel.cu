// A user's own kernel drawing cbrng's numbers: fused dropout plus noise.
//
// nvcc: nvcc -I path/to/cbrng/kernels -fmad=false ...   (the header works with
// default flags too: its arithmetic uses explicit _rn intrinsics)
// NVRTC: cbrng::cuda::source::amalgamate(this file) resolves the #include.
//
// Thread t owns Philox4x32-10 block t of the stream, i.e. u32 elements
// 4t .. 4t+3, and so output elements 4t .. 4t+3: the values equal what
// cbrng's Stream::fill gives for the same (key, stream, element index) on the
// CPU: Bernoulli(p) for the mask, normal(0, sigma) f32 for the noise (from a
// second stream id).
#include "cbrng.cuh"

extern "C" __global__ void dropout_with_noise(const float* x, float* y, unsigned long long n,
                                              unsigned long long seed, unsigned long long mask_stream,
                                              unsigned long long noise_stream, unsigned long long threshold,
                                              float scale, float sigma) {
    const unsigned long long b = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (4 * b >= n) return;
    // The stream contract's key of a u64 seed for philox4x32: [seed lo, seed hi].
    const cbrng_key key = {{seed & 0xffffffffull, seed >> 32, 0, 0}};
    cbrng_u32 m[4], z[4];
    cbrng_philox4x32_block_u32<CBRNG_PHILOX_DEFAULT_ROUNDS>(key, mask_stream, b, m);
    cbrng_philox4x32_block_u32<CBRNG_PHILOX_DEFAULT_ROUNDS>(key, noise_stream, b, z);
    for (int k = 0; k < 4; ++k) {
        const unsigned long long i = 4 * b + k;
        if (i >= n) break;
        // Dropped iff Bernoulli(p) is 1 (threshold = round_half_even(p * 2^32)).
        const float keep = cbrng_bernoulli(m[k], threshold) ? 0.0f : scale;
        y[i] = x[i] * keep + cbrng_normal_f32(z[k], 0.0f, sigma);
    }
}
