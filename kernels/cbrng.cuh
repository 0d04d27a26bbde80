// cbrng device functions: include this in a CUDA kernel (nvcc: -I path/to/kernels;
// NVRTC: cbrng::cuda::source::amalgamate puts it in front of your source) to
// draw exactly the bits cbrng gives on the CPU and in its own fill kernels.
//
//   #include "cbrng.cuh"
//   __global__ void my_kernel(float* out, cbrng_key key, unsigned long long stream) {
//       unsigned long long b = blockIdx.x * blockDim.x + threadIdx.x;  // block index
//       cbrng_u32 w[4];
//       cbrng_philox4x32_block_u32<10>(key, stream, b, w);             // u32 elements 4b..4b+3
//       for (int k = 0; k < 4; ++k) out[4 * b + k] = cbrng_normal_f32(w[k], 0.0f, 1.0f);
//   }
//
// Dropout's exact element functions (cbrng_dropout_f32, ..._f16_bits, the
// f16/bf16 conversions) and its per-thread work unit are in
// "cbrng/dropout.cuh"; the fill kernels' work unit in "cbrng/fill.cuh"; the
// random-access permutation (cbrng_permutation_index) in "cbrng/shuffle.cuh".
//
// The key of a u64 seed is cbrng_key{{seed & 0xffffffff, seed >> 32}} for
// philox4x32 (see the stream contract in README.md for every generator).
#ifndef CBRNG_CUH
#define CBRNG_CUH
#include "cbrng/config.cuh"
#include "cbrng/constants.cuh"
#include "cbrng/philox.cuh"
#include "cbrng/threefry.cuh"
#include "cbrng/stream.cuh"
#include "cbrng/exact_math.cuh"
#include "cbrng/dist.cuh"
#include "cbrng/continuous.cuh"
#include "cbrng/truncnorm.cuh"
#include "cbrng/categorical.cuh"
#endif
