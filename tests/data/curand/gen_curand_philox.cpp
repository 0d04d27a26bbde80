// Reference vectors for cbrng's philox4x32-10 from cuRAND's own device code,
// run on the host (no GPU, no nvcc).
//
// This file is ours; NVIDIA's headers are NOT part of the repository. They are
// fetched from PyPI by make_vectors.sh (which documents the whole procedure) and
// included from a temporary folder:
//   -I <nvidia-curand-cu12>/nvidia/curand/include       curand_kernel.h, curand_philox4x32_x.h
//   -I <nvidia-cuda-runtime-cu12>/nvidia/cuda_runtime/include   cuda_runtime.h, vector_types.h
//   -I <nvidia-cuda-nvcc-cu12>/nvidia/cuda_nvcc/include  crt/host_config.h, crt/host_defines.h
//   -I <nvidia-cuda-cccl-cu12>/nvidia/cuda_cccl/include  nv/target
//
// No shims are needed: with a host compiler the CUDA headers define
// __device__/__host__ as nothing and __forceinline__ as an always_inline
// inline, and curand_philox4x32_x.h's mulhilo32 takes its NV_IS_HOST branch
// (a 64-bit product) instead of __umulhi. QUALIFIERS is left at cuRAND's
// default ("static __forceinline__ __device__").
//
// The answer is defined by the header's own code: curand_init(seed,
// subsequence, offset, &state) for curandStatePhilox4_32_10_t, followed by
// N_VALUES calls of curand(&state).
//
// Output, one case per line:
//   seed subsequence offset n v0 v1 ... v(n-1)
// seed/subsequence/offset in decimal, n = 6, values as 8-digit lower-case hex.

#include <curand_kernel.h>

#include <cstdint>
#include <cstdio>
#include <type_traits>

static_assert(std::is_same<curandStatePhilox4_32_10_t, curandStatePhilox4_32_10>::value,
              "cuRAND's Philox state type");

static const int N_VALUES = 6;

static void emit(unsigned long long seed, unsigned long long subsequence,
                 unsigned long long offset) {
    curandStatePhilox4_32_10_t state;
    curand_init(seed, subsequence, offset, &state);
    std::printf("%llu %llu %llu %d", seed, subsequence, offset, N_VALUES);
    for (int i = 0; i < N_VALUES; ++i) {
        unsigned int v = curand(&state);
        std::printf(" %08x", v);
    }
    std::printf("\n");
}

int main() {
    const unsigned long long P32 = 1ULL << 32;
    const unsigned long long seeds[] = {
        0ULL, 1ULL, 42ULL, 0xdeadbeefcafef00dULL, ~0ULL,
    };
    const unsigned long long subsequences[] = {
        0ULL, 1ULL, 7ULL, P32 - 1, P32, P32 + 5, (1ULL << 63) + 3, ~0ULL,
    };
    const unsigned long long offsets[] = {
        0ULL, 1ULL, 2ULL, 3ULL, 4ULL, 5ULL, 1023ULL,
        P32 - 1, P32, (1ULL << 34) + 3, (1ULL << 40) + 1, (1ULL << 62) + 7,
    };
    const int NS = sizeof(seeds) / sizeof(seeds[0]);
    const int NQ = sizeof(subsequences) / sizeof(subsequences[0]);
    const int NO = sizeof(offsets) / sizeof(offsets[0]);

    // Every (seed, subsequence) pair; offsets subsampled by a fixed rule that
    // still gives every offset with every seed and with every subsequence
    // (offset 0 always).
    for (int si = 0; si < NS; ++si)
        for (int qi = 0; qi < NQ; ++qi)
            for (int oi = 0; oi < NO; ++oi)
                if (oi == 0 || (si + 2 * qi + oi) % 5 < 3)
                    emit(seeds[si], subsequences[qi], offsets[oi]);

    // Extra edge cases for the counter arithmetic:
    //  - 4*(2^32-1)+2: block 2^32-1, word 2; the 6 values run across the carry
    //    from counter word 0 into word 1 (block 2^32);
    //  - 2^64-1: the largest offset (block 2^62-1, word 3);
    //  - 4*(2^32-1)+3 with the largest subsequence: carry into word 1 while
    //    words 2,3 are all ones.
    const unsigned long long extra_offsets[] = {
        4 * (P32 - 1) + 2, 4 * (P32 - 1) + 3, ~0ULL, ~0ULL - 5,
    };
    for (unsigned long long seed : {0ULL, 42ULL, ~0ULL})
        for (unsigned long long q : {0ULL, 1ULL, ~0ULL})
            for (unsigned long long o : extra_offsets)
                emit(seed, q, o);
    return 0;
}
