// Philox block functions, twin of src/generator/philox.rs (the definition).
// Counters are updated in place: ctr holds the output on return.
// Template R is the round count (unrolled); Random123 names philox4x32-10 etc.
#ifndef CBRNG_PHILOX_CUH
#define CBRNG_PHILOX_CUH
#include "config.cuh"
#include "constants.cuh"

template <int R>
CBRNG_FN void cbrng_philox2x32(cbrng_u32 ctr[2], const cbrng_u32 key[1]) {
    cbrng_u32 x0 = ctr[0], x1 = ctr[1], k0 = key[0];
#pragma unroll
    for (int r = 0; r < R; ++r) {
        if (r > 0) k0 += CBRNG_PHILOX_W32_0;
        cbrng_u32 hi = cbrng_mulhi32(CBRNG_PHILOX_M2X32_0, x0);
        cbrng_u32 lo = CBRNG_PHILOX_M2X32_0 * x0;
        x0 = hi ^ k0 ^ x1;
        x1 = lo;
    }
    ctr[0] = x0; ctr[1] = x1;
}

template <int R>
CBRNG_FN void cbrng_philox4x32(cbrng_u32 ctr[4], const cbrng_u32 key[2]) {
    cbrng_u32 x0 = ctr[0], x1 = ctr[1], x2 = ctr[2], x3 = ctr[3];
    cbrng_u32 k0 = key[0], k1 = key[1];
#pragma unroll
    for (int r = 0; r < R; ++r) {
        if (r > 0) { k0 += CBRNG_PHILOX_W32_0; k1 += CBRNG_PHILOX_W32_1; }
        cbrng_u32 hi0 = cbrng_mulhi32(CBRNG_PHILOX_M4X32_0, x0), lo0 = CBRNG_PHILOX_M4X32_0 * x0;
        cbrng_u32 hi1 = cbrng_mulhi32(CBRNG_PHILOX_M4X32_1, x2), lo1 = CBRNG_PHILOX_M4X32_1 * x2;
        x0 = hi1 ^ x1 ^ k0;
        x1 = lo1;
        x2 = hi0 ^ x3 ^ k1;
        x3 = lo0;
    }
    ctr[0] = x0; ctr[1] = x1; ctr[2] = x2; ctr[3] = x3;
}

template <int R>
CBRNG_FN void cbrng_philox2x64(cbrng_u64 ctr[2], const cbrng_u64 key[1]) {
    cbrng_u64 x0 = ctr[0], x1 = ctr[1], k0 = key[0];
#pragma unroll
    for (int r = 0; r < R; ++r) {
        if (r > 0) k0 += CBRNG_PHILOX_W64_0;
        cbrng_u64 hi = cbrng_mulhi64(CBRNG_PHILOX_M2X64_0, x0);
        cbrng_u64 lo = CBRNG_PHILOX_M2X64_0 * x0;
        x0 = hi ^ k0 ^ x1;
        x1 = lo;
    }
    ctr[0] = x0; ctr[1] = x1;
}

template <int R>
CBRNG_FN void cbrng_philox4x64(cbrng_u64 ctr[4], const cbrng_u64 key[2]) {
    cbrng_u64 x0 = ctr[0], x1 = ctr[1], x2 = ctr[2], x3 = ctr[3];
    cbrng_u64 k0 = key[0], k1 = key[1];
#pragma unroll
    for (int r = 0; r < R; ++r) {
        if (r > 0) { k0 += CBRNG_PHILOX_W64_0; k1 += CBRNG_PHILOX_W64_1; }
        cbrng_u64 hi0 = cbrng_mulhi64(CBRNG_PHILOX_M4X64_0, x0), lo0 = CBRNG_PHILOX_M4X64_0 * x0;
        cbrng_u64 hi1 = cbrng_mulhi64(CBRNG_PHILOX_M4X64_1, x2), lo1 = CBRNG_PHILOX_M4X64_1 * x2;
        x0 = hi1 ^ x1 ^ k0;
        x1 = lo1;
        x2 = hi0 ^ x3 ^ k1;
        x3 = lo0;
    }
    ctr[0] = x0; ctr[1] = x1; ctr[2] = x2; ctr[3] = x3;
}

#endif // CBRNG_PHILOX_CUH
