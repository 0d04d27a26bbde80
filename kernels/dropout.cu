// Dropout kernels, twins of src/cpu/dropout.rs: cbrng_dropout_<generator>_<dtype>
// (f32, f64, f16, bf16; f16/bf16 as their 16-bit patterns).
//
//   (x, y, mask, bits, count, offset, stream, k0..k3, threshold, s32, s64)
//
// Forward and backward are the same kernel (backward passes dy as x, dx as
// y); x may equal y (in place); y null writes masks only; mask (u8, 1 =
// kept) and bits (u32 words, bit j of word w = element 32w + j) are written
// when not null. The host checks that stream elements [offset, offset +
// count) exist and that offset + count < 2^64.
//
// Each thread makes one group of 16 bytes of the tensor (cbrng_dropout_group
// in cbrng/dropout.cuh: one 16-byte load and store when aligned). Groups are
// visited in warp-uniform steps so that the 32 / E lanes of one bitmask word
// can OR their kept bits together with shuffles; each word has one writer.
#include "cbrng.cuh"
#include "cbrng/fill.cuh"
#include "cbrng/dropout.cuh"

#ifndef CBRNG_PHILOX_ROUNDS
#define CBRNG_PHILOX_ROUNDS CBRNG_PHILOX_DEFAULT_ROUNDS
#endif
#ifndef CBRNG_THREEFRY_ROUNDS
#define CBRNG_THREEFRY_ROUNDS CBRNG_THREEFRY_DEFAULT_ROUNDS
#endif

// Launch contract: blockDim.x a multiple of 32.
template <class Gen, class D>
__device__ __forceinline__ void cbrng_dropout_body(const typename D::T* x, typename D::T* y,
                                                   cbrng_u8* mask, cbrng_u32* bits, cbrng_u64 count,
                                                   cbrng_u64 offset, cbrng_u64 stream,
                                                   const cbrng_key& key,
                                                   const cbrng_dropout_params& p) {
    const cbrng_u64 groups = cbrng_dropout_groups<D>(count);
    const int lanes_per_word = 32 / D::E;
    const int lane = threadIdx.x & 31;
    const cbrng_u64 stride = (cbrng_u64)gridDim.x * blockDim.x;
    // base is the same for the whole warp, so the loop and the shuffles in it
    // are warp-uniform; lanes past the end contribute no bits.
    for (cbrng_u64 base = (cbrng_u64)blockIdx.x * blockDim.x + (threadIdx.x - lane); base < groups;
         base += stride) {
        const cbrng_u64 t = base + lane;
        const cbrng_u32 kept =
            t < groups ? cbrng_dropout_group<Gen, D>(x, y, mask, count, offset, stream, key, p, t) : 0;
        if (bits) {
            cbrng_u32 word = kept << (D::E * (lane % lanes_per_word));
            for (int d = 1; d < lanes_per_word; d *= 2) word |= __shfl_xor_sync(0xffffffffu, word, d);
            if (t < groups && lane % lanes_per_word == 0) bits[t / lanes_per_word] = word;
        }
    }
}

#define CBRNG_DROPOUT(GEN, DT, ROUNDS)                                                        \
    extern "C" __global__ void cbrng_dropout_##GEN##_##DT(                                    \
        const cbrng_dropout_dtype_##DT::T* x, cbrng_dropout_dtype_##DT::T* y, cbrng_u8* mask,             \
        cbrng_u32* bits, cbrng_u64 count, cbrng_u64 offset, cbrng_u64 stream, cbrng_u64 k0,   \
        cbrng_u64 k1, cbrng_u64 k2, cbrng_u64 k3, cbrng_u64 threshold, float s32, double s64) { \
        const cbrng_key key = {{k0, k1, k2, k3}};                                             \
        const cbrng_dropout_params p = {threshold, s32, s64};                                 \
        cbrng_dropout_body<cbrng_gen_##GEN<ROUNDS>, cbrng_dropout_dtype_##DT>(x, y, mask, bits, count, \
                                                                       offset, stream, key, p); \
    }
#define CBRNG_DROPOUT_ALL_DTYPES(GEN, ROUNDS)                                                 \
    CBRNG_DROPOUT(GEN, f32, ROUNDS) CBRNG_DROPOUT(GEN, f64, ROUNDS)                           \
    CBRNG_DROPOUT(GEN, f16, ROUNDS) CBRNG_DROPOUT(GEN, bf16, ROUNDS)

// As in fill.cu, a module may hold one generator's kernels only.
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox2x32)
CBRNG_DROPOUT_ALL_DTYPES(philox2x32, CBRNG_PHILOX_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox4x32)
CBRNG_DROPOUT_ALL_DTYPES(philox4x32, CBRNG_PHILOX_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox2x64)
CBRNG_DROPOUT_ALL_DTYPES(philox2x64, CBRNG_PHILOX_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox4x64)
CBRNG_DROPOUT_ALL_DTYPES(philox4x64, CBRNG_PHILOX_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry2x32)
CBRNG_DROPOUT_ALL_DTYPES(threefry2x32, CBRNG_THREEFRY_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry4x32)
CBRNG_DROPOUT_ALL_DTYPES(threefry4x32, CBRNG_THREEFRY_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry2x64)
CBRNG_DROPOUT_ALL_DTYPES(threefry2x64, CBRNG_THREEFRY_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry4x64)
CBRNG_DROPOUT_ALL_DTYPES(threefry4x64, CBRNG_THREEFRY_ROUNDS)
#endif
#undef CBRNG_DROPOUT_ALL_DTYPES
#undef CBRNG_DROPOUT
