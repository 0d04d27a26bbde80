// Threefry block functions, twin of src/generator/threefry.rs (the definition).
// Counters are updated in place. Template R is the round count (unrolled).
#ifndef CBRNG_THREEFRY_CUH
#define CBRNG_THREEFRY_CUH
#include "config.cuh"
#include "constants.cuh"

CBRNG_FN cbrng_u32 cbrng_rotl32(cbrng_u32 x, int r) { return (x << r) | (x >> ((32 - r) & 31)); }
CBRNG_FN cbrng_u64 cbrng_rotl64(cbrng_u64 x, int r) { return (x << r) | (x >> ((64 - r) & 63)); }

CBRNG_FN int cbrng_rot_2x32(int i) {
    const int t[8] = {CBRNG_R_2X32_0, CBRNG_R_2X32_1, CBRNG_R_2X32_2, CBRNG_R_2X32_3,
                      CBRNG_R_2X32_4, CBRNG_R_2X32_5, CBRNG_R_2X32_6, CBRNG_R_2X32_7};
    return t[i & 7];
}
CBRNG_FN int cbrng_rot_2x64(int i) {
    const int t[8] = {CBRNG_R_2X64_0, CBRNG_R_2X64_1, CBRNG_R_2X64_2, CBRNG_R_2X64_3,
                      CBRNG_R_2X64_4, CBRNG_R_2X64_5, CBRNG_R_2X64_6, CBRNG_R_2X64_7};
    return t[i & 7];
}
CBRNG_FN int cbrng_rot_4x32(int i, int j) {
    const int t[16] = {CBRNG_R_4X32_0_0, CBRNG_R_4X32_0_1, CBRNG_R_4X32_1_0, CBRNG_R_4X32_1_1,
                       CBRNG_R_4X32_2_0, CBRNG_R_4X32_2_1, CBRNG_R_4X32_3_0, CBRNG_R_4X32_3_1,
                       CBRNG_R_4X32_4_0, CBRNG_R_4X32_4_1, CBRNG_R_4X32_5_0, CBRNG_R_4X32_5_1,
                       CBRNG_R_4X32_6_0, CBRNG_R_4X32_6_1, CBRNG_R_4X32_7_0, CBRNG_R_4X32_7_1};
    return t[2 * (i & 7) + j];
}
CBRNG_FN int cbrng_rot_4x64(int i, int j) {
    const int t[16] = {CBRNG_R_4X64_0_0, CBRNG_R_4X64_0_1, CBRNG_R_4X64_1_0, CBRNG_R_4X64_1_1,
                       CBRNG_R_4X64_2_0, CBRNG_R_4X64_2_1, CBRNG_R_4X64_3_0, CBRNG_R_4X64_3_1,
                       CBRNG_R_4X64_4_0, CBRNG_R_4X64_4_1, CBRNG_R_4X64_5_0, CBRNG_R_4X64_5_1,
                       CBRNG_R_4X64_6_0, CBRNG_R_4X64_6_1, CBRNG_R_4X64_7_0, CBRNG_R_4X64_7_1};
    return t[2 * (i & 7) + j];
}

// One body for both word sizes, as in the Rust definition.
#define CBRNG_THREEFRY2(NAME, W, PARITY, ROTL, ROT)                                  \
    template <int R>                                                                 \
    CBRNG_FN void NAME(W ctr[2], const W key[2]) {                                   \
        const W ks[3] = {key[0], key[1], PARITY ^ key[0] ^ key[1]};                  \
        W x0 = ctr[0] + ks[0], x1 = ctr[1] + ks[1];                                  \
        _Pragma("unroll") for (int r = 0; r < R; ++r) {                              \
            x0 += x1;                                                                \
            x1 = ROTL(x1, ROT(r));                                                   \
            x1 ^= x0;                                                                \
            if (r % 4 == 3) {                                                        \
                const int s = r / 4 + 1;                                             \
                x0 += ks[s % 3];                                                     \
                x1 += ks[(s + 1) % 3] + (W)s;                                        \
            }                                                                        \
        }                                                                            \
        ctr[0] = x0; ctr[1] = x1;                                                    \
    }

#define CBRNG_THREEFRY4(NAME, W, PARITY, ROTL, ROT)                                  \
    template <int R>                                                                 \
    CBRNG_FN void NAME(W ctr[4], const W key[4]) {                                   \
        const W ks[5] = {key[0], key[1], key[2], key[3],                             \
                         PARITY ^ key[0] ^ key[1] ^ key[2] ^ key[3]};                \
        W x0 = ctr[0] + ks[0], x1 = ctr[1] + ks[1], x2 = ctr[2] + ks[2],             \
          x3 = ctr[3] + ks[3];                                                       \
        _Pragma("unroll") for (int r = 0; r < R; ++r) {                              \
            if (r % 2 == 0) { /* mix (0,1) and (2,3) */                              \
                x0 += x1; x1 = ROTL(x1, ROT(r, 0)) ^ x0;                             \
                x2 += x3; x3 = ROTL(x3, ROT(r, 1)) ^ x2;                             \
            } else { /* mix (0,3) and (2,1) */                                       \
                x0 += x3; x3 = ROTL(x3, ROT(r, 0)) ^ x0;                             \
                x2 += x1; x1 = ROTL(x1, ROT(r, 1)) ^ x2;                             \
            }                                                                        \
            if (r % 4 == 3) {                                                        \
                const int s = r / 4 + 1;                                             \
                x0 += ks[s % 5];                                                     \
                x1 += ks[(s + 1) % 5];                                               \
                x2 += ks[(s + 2) % 5];                                               \
                x3 += ks[(s + 3) % 5] + (W)s;                                        \
            }                                                                        \
        }                                                                            \
        ctr[0] = x0; ctr[1] = x1; ctr[2] = x2; ctr[3] = x3;                          \
    }

CBRNG_THREEFRY2(cbrng_threefry2x32, cbrng_u32, CBRNG_SKEIN_KS_PARITY32, cbrng_rotl32, cbrng_rot_2x32)
CBRNG_THREEFRY2(cbrng_threefry2x64, cbrng_u64, CBRNG_SKEIN_KS_PARITY64, cbrng_rotl64, cbrng_rot_2x64)
CBRNG_THREEFRY4(cbrng_threefry4x32, cbrng_u32, CBRNG_SKEIN_KS_PARITY32, cbrng_rotl32, cbrng_rot_4x32)
CBRNG_THREEFRY4(cbrng_threefry4x64, cbrng_u64, CBRNG_SKEIN_KS_PARITY64, cbrng_rotl64, cbrng_rot_4x64)

#undef CBRNG_THREEFRY2
#undef CBRNG_THREEFRY4
#endif // CBRNG_THREEFRY_CUH
