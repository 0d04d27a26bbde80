// Fill kernels: every generator x every (distribution, dtype) of the stream
// contract, as extern "C" kernels named cbrng_fill_<generator>_<dist>_<dtype>,
// and a known-answer kernel per generator.
//
// A grid-stride loop over the groups of cbrng/fill.cuh (cbrng_fill_group:
// G whole blocks per thread, 16-byte stores where the destination allows).
// The host checks the range against the stream's end before launching.
#include "cbrng.cuh"
#include "cbrng/fill.cuh"

#ifndef CBRNG_PHILOX_ROUNDS
#define CBRNG_PHILOX_ROUNDS CBRNG_PHILOX_DEFAULT_ROUNDS
#endif
#ifndef CBRNG_THREEFRY_ROUNDS
#define CBRNG_THREEFRY_ROUNDS CBRNG_THREEFRY_DEFAULT_ROUNDS
#endif

template <class Gen, class Dist>
__device__ __forceinline__ void cbrng_fill_body(typename Dist::T* out, cbrng_u64 count, cbrng_u64 offset,
                                                cbrng_u64 stream, const cbrng_key& key,
                                                const cbrng_fill_params& p) {
    if (count == 0) return;
    const cbrng_u64 groups = cbrng_fill_groups<Gen, Dist>(count, offset);
    const cbrng_u64 stride = (cbrng_u64)gridDim.x * blockDim.x;
    for (cbrng_u64 t = (cbrng_u64)blockIdx.x * blockDim.x + threadIdx.x; t < groups; t += stride)
        cbrng_fill_group<Gen, Dist>(out, count, offset, stream, key, p, t);
}

// Contract v3 rejection samplers: one thread per output element (grid
// stride), each making its own attempts (cbrng/attempts.cuh); the sampler's
// constants are made once per thread. `stream` is 0 and `key` the attempt key.
template <class Gen, class R>
__device__ __forceinline__ void cbrng_fill_rejection_body(typename R::T* out, cbrng_u64 count, cbrng_u64 offset,
                                                          const cbrng_key& key, const cbrng_fill_params& p) {
    if (count == 0) return;
    const typename R::Sampler s = R::setup(p);
    const cbrng_u64 stride = (cbrng_u64)gridDim.x * blockDim.x;
    for (cbrng_u64 t = (cbrng_u64)blockIdx.x * blockDim.x + threadIdx.x; t < count; t += stride)
        cbrng_fill_rejection_element<Gen, R>(out, offset, key, s, t);
}

// Rejection samplers (contract v3): one thread per output element, grid-stride;
// the key is the fill's attempt key and stream is 0 (dist/attempts.rs).
template <class Gen, class Dist>
__device__ __forceinline__ void cbrng_fill_attempts_body(typename Dist::T* out, cbrng_u64 count,
                                                         cbrng_u64 offset, const cbrng_key& key,
                                                         const cbrng_fill_params& p) {
    const cbrng_u64 stride = (cbrng_u64)gridDim.x * blockDim.x;
    for (cbrng_u64 t = (cbrng_u64)blockIdx.x * blockDim.x + threadIdx.x; t < count; t += stride)
        cbrng_fill_attempts_element<Gen, Dist>(out, offset, key, p, t);
}

#define CBRNG_ROUNDS_philox2x32 CBRNG_PHILOX_ROUNDS
#define CBRNG_ROUNDS_philox4x32 CBRNG_PHILOX_ROUNDS
#define CBRNG_ROUNDS_philox2x64 CBRNG_PHILOX_ROUNDS
#define CBRNG_ROUNDS_philox4x64 CBRNG_PHILOX_ROUNDS
#define CBRNG_ROUNDS_threefry2x32 CBRNG_THREEFRY_ROUNDS
#define CBRNG_ROUNDS_threefry4x32 CBRNG_THREEFRY_ROUNDS
#define CBRNG_ROUNDS_threefry2x64 CBRNG_THREEFRY_ROUNDS
#define CBRNG_ROUNDS_threefry4x64 CBRNG_THREEFRY_ROUNDS

#define CBRNG_FILL(GEN, DIST)                                                                    \
    extern "C" __global__ void cbrng_fill_##GEN##_##DIST(                                        \
        cbrng_dist_##DIST::T* out, cbrng_u64 count, cbrng_u64 offset, cbrng_u64 stream, cbrng_u64 k0,  \
        cbrng_u64 k1, cbrng_u64 k2, cbrng_u64 k3, cbrng_u64 p0, cbrng_u64 p1, double f0, double f1) { \
        const cbrng_key key = {{k0, k1, k2, k3}};                                                \
        const cbrng_fill_params p = {p0, p1, f0, f1};                                            \
        cbrng_fill_body<cbrng_gen_##GEN<CBRNG_ROUNDS_##GEN>, cbrng_dist_##DIST>(                 \
            out, count, offset, stream, key, p);                                                 \
    }
#define CBRNG_FILL_REJECTION(GEN, DIST)                                                          \
    extern "C" __global__ void cbrng_fill_##GEN##_##DIST(                                        \
        cbrng_rej_##DIST::T* out, cbrng_u64 count, cbrng_u64 offset, cbrng_u64 stream, cbrng_u64 k0,   \
        cbrng_u64 k1, cbrng_u64 k2, cbrng_u64 k3, cbrng_u64 p0, cbrng_u64 p1, double f0, double f1) { \
        (void)stream;                                                                            \
        const cbrng_key key = {{k0, k1, k2, k3}};                                                \
        const cbrng_fill_params p = {p0, p1, f0, f1};                                            \
        cbrng_fill_rejection_body<cbrng_gen_##GEN<CBRNG_ROUNDS_##GEN>, cbrng_rej_##DIST>(        \
            out, count, offset, key, p);                                                         \
    }
#define CBRNG_FILL_ATTEMPTS(GEN, DIST)                                                           \
    extern "C" __global__ void cbrng_fill_##GEN##_##DIST(                                        \
        cbrng_dist_##DIST::T* out, cbrng_u64 count, cbrng_u64 offset, cbrng_u64 stream, cbrng_u64 k0,  \
        cbrng_u64 k1, cbrng_u64 k2, cbrng_u64 k3, cbrng_u64 p0, cbrng_u64 p1, double f0, double f1) { \
        (void)stream;                                                                            \
        const cbrng_key key = {{k0, k1, k2, k3}};                                                \
        const cbrng_fill_params p = {p0, p1, f0, f1};                                            \
        cbrng_fill_attempts_body<cbrng_gen_##GEN<CBRNG_ROUNDS_##GEN>, cbrng_dist_##DIST>(        \
            out, count, offset, key, p);                                                         \
    }
#define CBRNG_FILL_ALL_DISTS(GEN)                                                                \
    CBRNG_FILL(GEN, bits_u32) CBRNG_FILL(GEN, bits_u64) CBRNG_FILL(GEN, bits_u8)                 \
    CBRNG_FILL(GEN, uniform_f32) CBRNG_FILL(GEN, uniform_f64) CBRNG_FILL(GEN, uniform_f16)       \
    CBRNG_FILL(GEN, uniform_bf16) CBRNG_FILL(GEN, normal_f32) CBRNG_FILL(GEN, normal_f64)        \
    CBRNG_FILL(GEN, bernoulli_u8) CBRNG_FILL(GEN, int_u8) CBRNG_FILL(GEN, int_u32)               \
    CBRNG_FILL(GEN, int_u64) CBRNG_FILL(GEN, normal_f16) CBRNG_FILL(GEN, normal_bf16)            \
    CBRNG_FILL(GEN, uniform_range_f32) CBRNG_FILL(GEN, uniform_range_f64)                        \
    CBRNG_FILL(GEN, exponential_f32) CBRNG_FILL(GEN, exponential_f64)                            \
    CBRNG_FILL(GEN, log_normal_f32) CBRNG_FILL(GEN, log_normal_f64)                              \
    CBRNG_FILL(GEN, gumbel_f32) CBRNG_FILL(GEN, gumbel_f64)                                      \
    CBRNG_FILL(GEN, cauchy_f32) CBRNG_FILL(GEN, cauchy_f64)                                      \
    CBRNG_FILL(GEN, logistic_f32) CBRNG_FILL(GEN, logistic_f64)                                  \
    CBRNG_FILL(GEN, laplace_f32) CBRNG_FILL(GEN, laplace_f64)                                    \
    CBRNG_FILL_REJECTION(GEN, poisson_u32) CBRNG_FILL_REJECTION(GEN, poisson_u64)                \
    CBRNG_FILL_REJECTION(GEN, binomial_u32) CBRNG_FILL_REJECTION(GEN, binomial_u64)           \
    CBRNG_FILL(GEN, uniform_range_f16) CBRNG_FILL(GEN, uniform_range_bf16)                       \
    CBRNG_FILL(GEN, categorical_u32) CBRNG_FILL(GEN, categorical_u64)                            \
    CBRNG_FILL_ATTEMPTS(GEN, truncated_normal_f32) CBRNG_FILL_ATTEMPTS(GEN, truncated_normal_f64) \
    CBRNG_FILL_ATTEMPTS(GEN, gamma_f32) CBRNG_FILL_ATTEMPTS(GEN, gamma_f64)                      \
    CBRNG_FILL_ATTEMPTS(GEN, chi_squared_f32) CBRNG_FILL_ATTEMPTS(GEN, chi_squared_f64)          \
    CBRNG_FILL_ATTEMPTS(GEN, student_t_f32) CBRNG_FILL_ATTEMPTS(GEN, student_t_f64)              \
    CBRNG_FILL_ATTEMPTS(GEN, beta_f32) CBRNG_FILL_ATTEMPTS(GEN, beta_f64)
// A module may hold one generator's kernels only (-DCBRNG_ONLY_GENERATOR
// -DCBRNG_GEN_<name>), which is how cbrng compiles them at run time: a
// module per (generator, round count), each a fraction of the compile time.
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox2x32)
CBRNG_FILL_ALL_DISTS(philox2x32)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox4x32)
CBRNG_FILL_ALL_DISTS(philox4x32)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox2x64)
CBRNG_FILL_ALL_DISTS(philox2x64)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox4x64)
CBRNG_FILL_ALL_DISTS(philox4x64)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry2x32)
CBRNG_FILL_ALL_DISTS(threefry2x32)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry4x32)
CBRNG_FILL_ALL_DISTS(threefry4x32)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry2x64)
CBRNG_FILL_ALL_DISTS(threefry2x64)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry4x64)
CBRNG_FILL_ALL_DISTS(threefry4x64)
#endif

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
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox2x32)
CBRNG_KAT(philox2x32, cbrng_u32, 2, 1, CBRNG_PHILOX_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox4x32)
CBRNG_KAT(philox4x32, cbrng_u32, 4, 2, CBRNG_PHILOX_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox2x64)
CBRNG_KAT(philox2x64, cbrng_u64, 2, 1, CBRNG_PHILOX_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_philox4x64)
CBRNG_KAT(philox4x64, cbrng_u64, 4, 2, CBRNG_PHILOX_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry2x32)
CBRNG_KAT(threefry2x32, cbrng_u32, 2, 2, CBRNG_THREEFRY_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry4x32)
CBRNG_KAT(threefry4x32, cbrng_u32, 4, 4, CBRNG_THREEFRY_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry2x64)
CBRNG_KAT(threefry2x64, cbrng_u64, 2, 2, CBRNG_THREEFRY_ROUNDS)
#endif
#if !defined(CBRNG_ONLY_GENERATOR) || defined(CBRNG_GEN_threefry4x64)
CBRNG_KAT(threefry4x64, cbrng_u64, 4, 4, CBRNG_THREEFRY_ROUNDS)
#endif
#undef CBRNG_KAT
