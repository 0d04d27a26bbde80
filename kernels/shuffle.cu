// The random-access permutation's kernels, twins of src/shuffle.rs
// (cbrng/shuffle.cuh holds the definition's device functions):
//
//   cbrng_permute_gather_<size>(src, dst, n, first, count, w0..w5)
//       dst[t] = src[index(first + t)] for t < count: the slice [first,
//       first + count) of the shuffled array (size 1, 2, 4, 8 or 16 bytes;
//       src holds n elements, dst count)
//   cbrng_permutation_indices(out, n, first, count, w0..w5)
//       out[t] = index(first + t)
//   cbrng_permutation_inverses(out, n, first, count, w0..w5)
//       out[t] = inverse(first + t)
//
// w0..w5 are the round keys in pairs (Permutation::round_key_words). The host
// checks first + count <= n, the buffers' lengths and alignments; a grid-
// stride loop over t < count (each thread's reads are random, its writes
// coalesced with its warp's).
#include "cbrng/config.cuh"
#include "cbrng/shuffle.cuh"

#define CBRNG_PERMUTATION_PARAMS                                                                   \
    cbrng_u64 n, cbrng_u64 first, cbrng_u64 count, cbrng_u64 w0, cbrng_u64 w1, cbrng_u64 w2,       \
        cbrng_u64 w3, cbrng_u64 w4, cbrng_u64 w5
#define CBRNG_PERMUTATION_SETUP                                                                    \
    const cbrng_u64 w[6] = {w0, w1, w2, w3, w4, w5};                                               \
    const cbrng_permutation p = cbrng_permutation_make(n, w);                                      \
    const cbrng_u64 stride = (cbrng_u64)gridDim.x * blockDim.x;

#define CBRNG_GATHER(NAME, T)                                                                      \
    extern "C" __global__ void cbrng_permute_gather_##NAME(const T* __restrict__ src,              \
                                                            T* __restrict__ dst,                   \
                                                            CBRNG_PERMUTATION_PARAMS) {            \
        CBRNG_PERMUTATION_SETUP                                                                    \
        for (cbrng_u64 t = (cbrng_u64)blockIdx.x * blockDim.x + threadIdx.x; t < count; t += stride) \
            cbrng_permute_gather_one<T>(src, dst, p, first, t);                                    \
    }

CBRNG_GATHER(1, cbrng_u8)
CBRNG_GATHER(2, cbrng_u16)
CBRNG_GATHER(4, cbrng_u32)
CBRNG_GATHER(8, cbrng_u64)
CBRNG_GATHER(16, cbrng_b16)
#undef CBRNG_GATHER

extern "C" __global__ void cbrng_permutation_indices(cbrng_u64* __restrict__ out, CBRNG_PERMUTATION_PARAMS) {
    CBRNG_PERMUTATION_SETUP
    for (cbrng_u64 t = (cbrng_u64)blockIdx.x * blockDim.x + threadIdx.x; t < count; t += stride)
        out[t] = cbrng_permutation_index(p, first + t);
}

extern "C" __global__ void cbrng_permutation_inverses(cbrng_u64* __restrict__ out, CBRNG_PERMUTATION_PARAMS) {
    CBRNG_PERMUTATION_SETUP
    for (cbrng_u64 t = (cbrng_u64)blockIdx.x * blockDim.x + threadIdx.x; t < count; t += stride)
        out[t] = cbrng_permutation_inverse(p, first + t);
}
#undef CBRNG_PERMUTATION_SETUP
#undef CBRNG_PERMUTATION_PARAMS
