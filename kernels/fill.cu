// Fill kernels: every generator x every (distribution, dtype) of the stream
// contract, as extern "C" kernels named cbrng_fill_<generator>_<dist>_<dtype>.
//
// Work is split into groups of G whole blocks; a thread makes one group's
// words in registers, turns them into E output elements and writes them with
// 16-byte stores when the group lies wholly inside the requested range and
// is aligned (the common case), element by element otherwise (head, tail,
// unaligned offsets). Output element i of the stream goes to out[i - offset].
// The host checks the range against the stream's end before launching.
#include "cbrng.cuh"

#ifndef CBRNG_PHILOX_ROUNDS
#define CBRNG_PHILOX_ROUNDS CBRNG_PHILOX_DEFAULT_ROUNDS
#endif
#ifndef CBRNG_THREEFRY_ROUNDS
#define CBRNG_THREEFRY_ROUNDS CBRNG_THREEFRY_DEFAULT_ROUNDS
#endif

// ---- generators: u32 words per block and the block function.
#define CBRNG_GEN(NAME, U32S, ROUNDS)                                                       \
    struct gen_##NAME {                                                                     \
        static constexpr int U32S_PER_BLOCK = U32S;                                         \
        static CBRNG_FN void block(const cbrng_key& k, cbrng_u64 s, cbrng_u64 b, cbrng_u32* w) { \
            cbrng_##NAME##_block_u32<ROUNDS>(k, s, b, w);                                   \
        }                                                                                   \
    };
CBRNG_GEN(philox2x32, 2, CBRNG_PHILOX_ROUNDS)
CBRNG_GEN(philox4x32, 4, CBRNG_PHILOX_ROUNDS)
CBRNG_GEN(philox2x64, 4, CBRNG_PHILOX_ROUNDS)
CBRNG_GEN(philox4x64, 8, CBRNG_PHILOX_ROUNDS)
CBRNG_GEN(threefry2x32, 2, CBRNG_THREEFRY_ROUNDS)
CBRNG_GEN(threefry4x32, 4, CBRNG_THREEFRY_ROUNDS)
CBRNG_GEN(threefry2x64, 4, CBRNG_THREEFRY_ROUNDS)
CBRNG_GEN(threefry4x64, 8, CBRNG_THREEFRY_ROUNDS)
#undef CBRNG_GEN

// ---- distributions: output type T, u32 words consumed per element (W) or
// elements per u32 word (P), and the element function of the group's words.
struct fill_params {
    cbrng_u64 p0, p1;  // Bernoulli threshold; integer lo and range (r, or r - 1 for u64)
    double f0, f1;     // normal mean and std
};
CBRNG_FN cbrng_u64 join64(const cbrng_u32* w, int i) { return (cbrng_u64)w[i] | ((cbrng_u64)w[i + 1] << 32); }

#define CBRNG_DIST(NAME, TYPE, WORDS, PER_WORD, EXPR)                                       \
    struct dist_##NAME {                                                                    \
        typedef TYPE T;                                                                     \
        static constexpr int W = WORDS;                                                     \
        static constexpr int P = PER_WORD;                                                  \
        static CBRNG_FN T apply(const cbrng_u32* w, int j, const fill_params& p) { return EXPR; } \
    };
CBRNG_DIST(bits_u32, cbrng_u32, 1, 1, w[j])
CBRNG_DIST(bits_u64, cbrng_u64, 2, 1, join64(w, 2 * j))
CBRNG_DIST(bits_u8, cbrng_u8, 1, 4, (cbrng_u8)(w[j / 4] >> (8 * (j % 4))))
CBRNG_DIST(uniform_f32, float, 1, 1, cbrng_uniform_f32(w[j]))
CBRNG_DIST(uniform_f64, double, 2, 1, cbrng_uniform_f64(join64(w, 2 * j)))
CBRNG_DIST(uniform_f16, cbrng_u16, 1, 2, cbrng_uniform_f16_bits(cbrng_half_of(w[j / 2], j % 2)))
CBRNG_DIST(uniform_bf16, cbrng_u16, 1, 2, cbrng_uniform_bf16_bits(cbrng_half_of(w[j / 2], j % 2)))
CBRNG_DIST(normal_f32, float, 1, 1, cbrng_normal_f32(w[j], (float)p.f0, (float)p.f1))
CBRNG_DIST(normal_f64, double, 2, 1, cbrng_normal_f64(join64(w, 2 * j), p.f0, p.f1))
CBRNG_DIST(bernoulli_u8, cbrng_u8, 1, 1, cbrng_bernoulli(w[j], p.p0))
CBRNG_DIST(int_u8, cbrng_u8, 1, 1, cbrng_int_u8(w[j], p.p0, p.p1))
CBRNG_DIST(int_u32, cbrng_u32, 2, 1, cbrng_int_u32(join64(w, 2 * j), p.p0, p.p1))
CBRNG_DIST(int_u64, cbrng_u64, 4, 1, cbrng_int_u64(join64(w, 4 * j), join64(w, 4 * j + 2), p.p0, p.p1))
#undef CBRNG_DIST

// ---- group plan: G blocks -> E elements, at least 16 bytes of output.
template <class Gen, class Dist>
struct plan {
    static constexpr int U = Gen::U32S_PER_BLOCK;
    static constexpr int MIN_G = Dist::W > U ? Dist::W / U : 1;
    static constexpr int MIN_E = MIN_G * U * Dist::P / Dist::W;
    static constexpr int MIN_BYTES = MIN_E * (int)sizeof(typename Dist::T);
    static constexpr int G = MIN_BYTES >= 16 ? MIN_G : MIN_G * (16 / MIN_BYTES);
    static constexpr int E = G * U * Dist::P / Dist::W;
    static constexpr int WORDS = G * U;
    static constexpr int VECS = E * (int)sizeof(typename Dist::T) / 16;
};

template <class Gen, class Dist>
__device__ __forceinline__ void fill_body(typename Dist::T* out, cbrng_u64 count, cbrng_u64 offset,
                                          cbrng_u64 stream, const cbrng_key& key, const fill_params& p) {
    typedef plan<Gen, Dist> L;
    typedef typename Dist::T T;
    if (count == 0) return;
    const cbrng_u64 first_group = offset / L::E;
    const cbrng_u64 groups = (offset + count - 1) / L::E - first_group + 1;
    const cbrng_u64 stride = (cbrng_u64)gridDim.x * blockDim.x;
    for (cbrng_u64 t = (cbrng_u64)blockIdx.x * blockDim.x + threadIdx.x; t < groups; t += stride) {
        const cbrng_u64 g = first_group + t;
        cbrng_u32 w[L::WORDS];
#pragma unroll
        for (int k = 0; k < L::G; ++k) Gen::block(key, stream, g * L::G + k, w + k * L::U);
        union {
            T v[L::E];
            uint4 q[L::VECS > 0 ? L::VECS : 1];
        } vals;
#pragma unroll
        for (int j = 0; j < L::E; ++j) vals.v[j] = Dist::apply(w, j, p);
        const cbrng_u64 e0 = g * L::E;  // stream index of vals.v[0]
        T* dst = out + (e0 - offset);   // valid only where e0 + j >= offset
        const bool whole = e0 >= offset && e0 + L::E <= offset + count;
        if (whole && L::VECS > 0 && ((unsigned long long)dst & 15) == 0) {
            uint4* d = reinterpret_cast<uint4*>(dst);
#pragma unroll
            for (int v = 0; v < L::VECS; ++v) d[v] = vals.q[v];
        } else {
#pragma unroll
            for (int j = 0; j < L::E; ++j) {
                const cbrng_u64 i = e0 + j;
                if (i >= offset && i - offset < count) out[i - offset] = vals.v[j];
            }
        }
    }
}

#define CBRNG_FILL(GEN, DIST)                                                                    \
    extern "C" __global__ void cbrng_fill_##GEN##_##DIST(                                        \
        dist_##DIST::T* out, cbrng_u64 count, cbrng_u64 offset, cbrng_u64 stream, cbrng_u64 k0,  \
        cbrng_u64 k1, cbrng_u64 k2, cbrng_u64 k3, cbrng_u64 p0, cbrng_u64 p1, double f0, double f1) { \
        const cbrng_key key = {{k0, k1, k2, k3}};                                                \
        const fill_params p = {p0, p1, f0, f1};                                                  \
        fill_body<gen_##GEN, dist_##DIST>(out, count, offset, stream, key, p);                   \
    }
#define CBRNG_FILL_ALL_DISTS(GEN)                                                                \
    CBRNG_FILL(GEN, bits_u32) CBRNG_FILL(GEN, bits_u64) CBRNG_FILL(GEN, bits_u8)                 \
    CBRNG_FILL(GEN, uniform_f32) CBRNG_FILL(GEN, uniform_f64) CBRNG_FILL(GEN, uniform_f16)       \
    CBRNG_FILL(GEN, uniform_bf16) CBRNG_FILL(GEN, normal_f32) CBRNG_FILL(GEN, normal_f64)        \
    CBRNG_FILL(GEN, bernoulli_u8) CBRNG_FILL(GEN, int_u8) CBRNG_FILL(GEN, int_u32)               \
    CBRNG_FILL(GEN, int_u64)
CBRNG_FILL_ALL_DISTS(philox2x32)
CBRNG_FILL_ALL_DISTS(philox4x32)
CBRNG_FILL_ALL_DISTS(philox2x64)
CBRNG_FILL_ALL_DISTS(philox4x64)
CBRNG_FILL_ALL_DISTS(threefry2x32)
CBRNG_FILL_ALL_DISTS(threefry4x32)
CBRNG_FILL_ALL_DISTS(threefry2x64)
CBRNG_FILL_ALL_DISTS(threefry4x64)

// Known-answer check on the device: vector i's counter and key words (u64
// each; 32-bit generators use the low halves) through the bare block function
// at this module's round counts; Random123's vectors pass through a kernel.
#define CBRNG_KAT(GEN, W, N, KN, ROUNDS)                                                         \
    extern "C" __global__ void cbrng_kat_##GEN(const cbrng_u64* ctr, const cbrng_u64* key,      \
                                              cbrng_u64* out, cbrng_u32 vectors) {              \
        const cbrng_u32 v = blockIdx.x * blockDim.x + threadIdx.x;                               \
        if (v >= vectors) return;                                                                \
        W c[N], k[KN];                                                                           \
        for (int i = 0; i < N; ++i) c[i] = (W)ctr[v * N + i];                                    \
        for (int i = 0; i < KN; ++i) k[i] = (W)key[v * KN + i];                                  \
        cbrng_##GEN<ROUNDS>(c, k);                                                               \
        for (int i = 0; i < N; ++i) out[v * N + i] = c[i];                                       \
    }
CBRNG_KAT(philox2x32, cbrng_u32, 2, 1, CBRNG_PHILOX_ROUNDS)
CBRNG_KAT(philox4x32, cbrng_u32, 4, 2, CBRNG_PHILOX_ROUNDS)
CBRNG_KAT(philox2x64, cbrng_u64, 2, 1, CBRNG_PHILOX_ROUNDS)
CBRNG_KAT(philox4x64, cbrng_u64, 4, 2, CBRNG_PHILOX_ROUNDS)
CBRNG_KAT(threefry2x32, cbrng_u32, 2, 2, CBRNG_THREEFRY_ROUNDS)
CBRNG_KAT(threefry4x32, cbrng_u32, 4, 4, CBRNG_THREEFRY_ROUNDS)
CBRNG_KAT(threefry2x64, cbrng_u64, 2, 2, CBRNG_THREEFRY_ROUNDS)
CBRNG_KAT(threefry4x64, cbrng_u64, 4, 4, CBRNG_THREEFRY_ROUNDS)
#undef CBRNG_KAT
