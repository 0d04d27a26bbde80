// The random-access permutation on the device, twin of src/shuffle.rs (the
// definition; read its module docs). cbrng_permutation_index(p, i) is the
// position that position i of [0, n) maps to, bit for bit
// cbrng::shuffle::Permutation::index on the CPU; cbrng_permutation_inverse
// maps back.
//
// The round keys come from the host (cbrng's key derivation of the key,
// stream id and n): six words w[m] = k[2m] | k[2m + 1] << 32, as
// Permutation::round_key_words gives them. cbrng_permutation_make(n, w) derives
// the rest (the domain's bit widths) here:
//
//   cbrng_permutation p = cbrng_permutation_make(n, w);
//   for (cbrng_u64 i = first + tid; i < first + count; i += threads)
//       dst[i - first] = src[cbrng_permutation_index(p, i)];
//
// Every step is a 32-bit integer operation (one multiply a round); callers
// keep i < n (and n >= 1).
#ifndef CBRNG_SHUFFLE_CUH
#define CBRNG_SHUFFLE_CUH
#include "config.cuh"
#include "constants.cuh"

// The round count as an int, for loops.
#define CBRNG_PERMUTATION_R ((int)CBRNG_PERMUTATION_ROUNDS)

struct cbrng_permutation {
    cbrng_u64 n;
    cbrng_u32 key[CBRNG_PERMUTATION_ROUNDS];
    cbrng_u32 lbits, rbits;  // the high and low halves' bit widths, L <= R
};

// The bit length of x (0 for 0).
CBRNG_FN cbrng_u32 cbrng_bit_length64(cbrng_u64 x) {
#ifdef __CUDA_ARCH__
    return 64u - (cbrng_u32)__clzll((long long)x);
#else
    return x == 0 ? 0u : 64u - (cbrng_u32)__builtin_clzll(x);
#endif
}

CBRNG_FN cbrng_permutation cbrng_permutation_make(cbrng_u64 n, const cbrng_u64 w[CBRNG_PERMUTATION_ROUNDS / 2]) {
    cbrng_permutation p;
    p.n = n;
#pragma unroll
    for (int m = 0; m < CBRNG_PERMUTATION_R / 2; ++m) {
        p.key[2 * m] = (cbrng_u32)w[m];
        p.key[2 * m + 1] = (cbrng_u32)(w[m] >> 32);
    }
    cbrng_u32 b = n <= 1 ? 0u : cbrng_bit_length64(n - 1);
    if (b < CBRNG_PERMUTATION_MIN_BITS) b = CBRNG_PERMUTATION_MIN_BITS;
    p.lbits = b / 2;
    p.rbits = b - p.lbits;
    return p;
}

// F(v, k, w) with shift = 32 - w: Philox2x32's multiply of v ^ k, lo ^ hi, top w bits.
CBRNG_FN cbrng_u32 cbrng_permutation_round(cbrng_u32 v, cbrng_u32 k, cbrng_u32 shift) {
    const cbrng_u32 u = v ^ k;
    const cbrng_u32 hi = cbrng_mulhi32(CBRNG_PHILOX_M2X32_0, u);
    const cbrng_u32 lo = CBRNG_PHILOX_M2X32_0 * u;
    return (lo ^ hi) >> shift;
}

// The Feistel network E on [0, 2^b), and its inverse.
CBRNG_FN cbrng_u64 cbrng_permutation_encrypt(const cbrng_permutation& p, cbrng_u64 x) {
    cbrng_u32 l = (cbrng_u32)(x >> p.rbits);
    cbrng_u32 r = (cbrng_u32)(x & ((1ull << p.rbits) - 1));
    const cbrng_u32 sl = 32u - p.lbits, sr = 32u - p.rbits;
#pragma unroll
    for (int j = 0; j < CBRNG_PERMUTATION_R; ++j) {
        if (j % 2 == 0) l ^= cbrng_permutation_round(r, p.key[j], sl);
        else r ^= cbrng_permutation_round(l, p.key[j], sr);
    }
    return ((cbrng_u64)l << p.rbits) | r;
}

CBRNG_FN cbrng_u64 cbrng_permutation_decrypt(const cbrng_permutation& p, cbrng_u64 y) {
    cbrng_u32 l = (cbrng_u32)(y >> p.rbits);
    cbrng_u32 r = (cbrng_u32)(y & ((1ull << p.rbits) - 1));
    const cbrng_u32 sl = 32u - p.lbits, sr = 32u - p.rbits;
#pragma unroll
    for (int j = CBRNG_PERMUTATION_R - 1; j >= 0; --j) {
        if (j % 2 == 0) l ^= cbrng_permutation_round(r, p.key[j], sl);
        else r ^= cbrng_permutation_round(l, p.key[j], sr);
    }
    return ((cbrng_u64)l << p.rbits) | r;
}

// index(i) for i < n: the cycle walk of E from i to the next value below n.
CBRNG_FN cbrng_u64 cbrng_permutation_index(const cbrng_permutation& p, cbrng_u64 i) {
    if (p.n <= 1) return i;
    cbrng_u64 y = cbrng_permutation_encrypt(p, i);
    while (y >= p.n) y = cbrng_permutation_encrypt(p, y);
    return y;
}

// inverse(j) for j < n.
CBRNG_FN cbrng_u64 cbrng_permutation_inverse(const cbrng_permutation& p, cbrng_u64 j) {
    if (p.n <= 1) return j;
    cbrng_u64 x = cbrng_permutation_decrypt(p, j);
    while (x >= p.n) x = cbrng_permutation_decrypt(p, x);
    return x;
}

// Elements of the gathers by size (1, 2, 4, 8 or 16 bytes), moved as words.
struct alignas(16) cbrng_b16 {
    cbrng_u64 lo, hi;
};

// One thread's work in the gather kernels (kernels/shuffle.cu): output
// element t of the slice [first, first + count) of the shuffled array,
// dst[t] = src[index(first + t)]. The caller keeps t < count and
// first + count <= n; src holds n elements, dst count.
template <class T>
CBRNG_FN void cbrng_permute_gather_one(const T* src, T* dst, const cbrng_permutation& p, cbrng_u64 first,
                                       cbrng_u64 t) {
    dst[t] = src[cbrng_permutation_index(p, first + t)];
}

#endif // CBRNG_SHUFFLE_CUH
