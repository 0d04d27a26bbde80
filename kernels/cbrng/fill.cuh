// The fill kernels' work unit, twin of src/cpu/fill.rs (fill_prepared): one
// group of G whole blocks of the stream -> E output elements, written to out.
// Host-compilable (tests/host_twin runs this very code under g++ against the
// Rust definition); kernels/fill.cu wraps it in grid-stride kernels.
//
// Work is split into groups of G whole blocks; a thread makes one group's
// words in registers, turns them into E output elements and writes them with
// 16-byte stores when the group lies wholly inside the requested range and
// its destination is 16-byte aligned (the common case), element by element
// otherwise (head, tail, unaligned destinations). Output element i of the
// stream goes to out[i - offset]. The caller checks the range against the
// stream's end.
#ifndef CBRNG_FILL_CUH
#define CBRNG_FILL_CUH
#include "config.cuh"
#include "stream.cuh"
#include "dist.cuh"
#include "continuous.cuh"
#include "attempts.cuh"
#include "discrete.cuh"
#include "truncnorm.cuh"
#include "categorical.cuh"
#include "gamma.cuh"

// ---- generators: u32 words per block and the block function, R rounds.
#define CBRNG_GEN(NAME, U32S)                                                               \
    template <int R>                                                                        \
    struct cbrng_gen_##NAME {                                                               \
        static constexpr int U32S_PER_BLOCK = U32S;                                         \
        static CBRNG_MEMBER_FN void block(const cbrng_key& k, cbrng_u64 s, cbrng_u64 b, cbrng_u32* w) { \
            cbrng_##NAME##_block_u32<R>(k, s, b, w);                                        \
        }                                                                                   \
    };
CBRNG_GEN(philox2x32, CBRNG_PHILOX2X32_U32)
CBRNG_GEN(philox4x32, CBRNG_PHILOX4X32_U32)
CBRNG_GEN(philox2x64, CBRNG_PHILOX2X64_U32)
CBRNG_GEN(philox4x64, CBRNG_PHILOX4X64_U32)
CBRNG_GEN(threefry2x32, CBRNG_THREEFRY2X32_U32)
CBRNG_GEN(threefry4x32, CBRNG_THREEFRY4X32_U32)
CBRNG_GEN(threefry2x64, CBRNG_THREEFRY2X64_U32)
CBRNG_GEN(threefry4x64, CBRNG_THREEFRY4X64_U32)
#undef CBRNG_GEN

// ---- distributions: output type T, u32 words consumed per element (W) or
// elements per u32 word (P), and the element function of the group's words.
struct cbrng_fill_params {
    cbrng_u64 p0, p1;  // Bernoulli threshold; integer lo and range (r, or r - 1 for u64)
    double f0, f1;     // normal mean and std
};
CBRNG_FN cbrng_u64 cbrng_join64(const cbrng_u32* w, int i) {
    return (cbrng_u64)w[i] | ((cbrng_u64)w[i + 1] << 32);
}

#define CBRNG_DIST(NAME, TYPE, WORDS, PER_WORD, EXPR)                                       \
    struct cbrng_dist_##NAME {                                                              \
        typedef TYPE T;                                                                     \
        static constexpr int W = WORDS;                                                     \
        static constexpr int P = PER_WORD;                                                  \
        static CBRNG_MEMBER_FN T apply(const cbrng_u32* w, int j, const cbrng_fill_params& p) {    \
            (void)p;                                                                        \
            return EXPR;                                                                    \
        }                                                                                   \
    };
CBRNG_DIST(bits_u32, cbrng_u32, 1, 1, w[j])
CBRNG_DIST(bits_u64, cbrng_u64, 2, 1, cbrng_join64(w, 2 * j))
CBRNG_DIST(bits_u8, cbrng_u8, 1, 4, (cbrng_u8)(w[j / 4] >> (8 * (j % 4))))
CBRNG_DIST(uniform_f32, float, 1, 1, cbrng_uniform_f32(w[j]))
CBRNG_DIST(uniform_f64, double, 2, 1, cbrng_uniform_f64(cbrng_join64(w, 2 * j)))
CBRNG_DIST(uniform_f16, cbrng_u16, 1, 2, cbrng_uniform_f16_bits(cbrng_half_of(w[j / 2], j % 2)))
CBRNG_DIST(uniform_bf16, cbrng_u16, 1, 2, cbrng_uniform_bf16_bits(cbrng_half_of(w[j / 2], j % 2)))
CBRNG_DIST(normal_f32, float, 1, 1, cbrng_normal_f32(w[j], (float)p.f0, (float)p.f1))
CBRNG_DIST(normal_f64, double, 2, 1, cbrng_normal_f64(cbrng_join64(w, 2 * j), p.f0, p.f1))
CBRNG_DIST(bernoulli_u8, cbrng_u8, 1, 1, cbrng_bernoulli(w[j], p.p0))
CBRNG_DIST(int_u8, cbrng_u8, 1, 1, cbrng_int_u8(w[j], p.p0, p.p1))
CBRNG_DIST(int_u32, cbrng_u32, 2, 1, cbrng_int_u32(cbrng_join64(w, 2 * j), p.p0, p.p1))
CBRNG_DIST(int_u64, cbrng_u64, 4, 1,
           cbrng_int_u64(cbrng_join64(w, 4 * j), cbrng_join64(w, 4 * j + 2), p.p0, p.p1))
// contract v2 (continuous.cuh): f32 from u32 element j, f64 from u64 element j.
CBRNG_DIST(normal_f16, cbrng_u16, 1, 1, cbrng_normal_f16_bits(w[j], (float)p.f0, (float)p.f1))
CBRNG_DIST(normal_bf16, cbrng_u16, 1, 1, cbrng_normal_bf16_bits(w[j], (float)p.f0, (float)p.f1))
#define CBRNG_DIST_V2(NAME, EXPR32, EXPR64)                                                   \
    CBRNG_DIST(NAME##_f32, float, 1, 1, EXPR32(w[j], (float)p.f0, (float)p.f1))               \
    CBRNG_DIST(NAME##_f64, double, 2, 1, EXPR64(cbrng_join64(w, 2 * j), p.f0, p.f1))
#define CBRNG_EXPONENTIAL_F32(X, A, B) cbrng_exponential_f32(X, A)
#define CBRNG_EXPONENTIAL_F64(X, A, B) cbrng_exponential_f64(X, A)
CBRNG_DIST_V2(uniform_range, cbrng_uniform_range_f32, cbrng_uniform_range_f64)
CBRNG_DIST_V2(exponential, CBRNG_EXPONENTIAL_F32, CBRNG_EXPONENTIAL_F64)
CBRNG_DIST_V2(log_normal, cbrng_log_normal_f32, cbrng_log_normal_f64)
CBRNG_DIST_V2(gumbel, cbrng_gumbel_f32, cbrng_gumbel_f64)
CBRNG_DIST_V2(cauchy, cbrng_cauchy_f32, cbrng_cauchy_f64)
CBRNG_DIST_V2(logistic, cbrng_logistic_f32, cbrng_logistic_f64)
CBRNG_DIST_V2(laplace, cbrng_laplace_f32, cbrng_laplace_f64)
#undef CBRNG_EXPONENTIAL_F32
#undef CBRNG_EXPONENTIAL_F64
#undef CBRNG_DIST_V2
// contract v3: uniform:LO,HI in f16 / bf16 from u32 element j (f0, f1 hold
// the bounds already rounded to the 16-bit type, exact as float).
CBRNG_FN cbrng_u16 cbrng_next_down_16(cbrng_u16 b) {
    return (b & 0x7fffu) == 0 ? (cbrng_u16)0x8001u : (cbrng_u16)((b >> 15) == 0 ? b - 1u : b + 1u);
}
CBRNG_FN int cbrng_same_16(cbrng_u16 a, cbrng_u16 b) {
    return a == b || ((a & 0x7fffu) == 0 && (b & 0x7fffu) == 0);
}
CBRNG_FN cbrng_u16 cbrng_uniform_range_f16_bits(cbrng_u32 x, float lo, float hi) {
    const cbrng_u16 r = cbrng_f32_to_f16_bits(cbrng_uniform_range_f32(x, lo, hi));
    const cbrng_u16 hb = cbrng_f32_to_f16_bits(hi);
    return cbrng_same_16(r, hb) ? cbrng_next_down_16(hb) : r;
}
CBRNG_FN cbrng_u16 cbrng_uniform_range_bf16_bits(cbrng_u32 x, float lo, float hi) {
    const cbrng_u16 r = cbrng_f32_to_bf16_bits(cbrng_uniform_range_f32(x, lo, hi));
    const cbrng_u16 hb = cbrng_f32_to_bf16_bits(hi);
    return cbrng_same_16(r, hb) ? cbrng_next_down_16(hb) : r;
}
CBRNG_DIST(uniform_range_f16, cbrng_u16, 1, 1, cbrng_uniform_range_f16_bits(w[j], (float)p.f0, (float)p.f1))
CBRNG_DIST(uniform_range_bf16, cbrng_u16, 1, 1, cbrng_uniform_range_bf16_bits(w[j], (float)p.f0, (float)p.f1))
// categorical (src/dist/categorical.rs): index of u64 element j; p0 is the
// device address of the threshold table, p1 its length. i64 indices are the
// same bits as u64 ones (the index is < 2^24).
CBRNG_DIST(categorical_u32, cbrng_u32, 2, 1,
           cbrng_categorical_index((const cbrng_u64*)p.p0, p.p1, cbrng_join64(w, 2 * j)))
CBRNG_DIST(categorical_u64, cbrng_u64, 2, 1,
           (cbrng_u64)cbrng_categorical_index((const cbrng_u64*)p.p0, p.p1, cbrng_join64(w, 2 * j)))
#undef CBRNG_DIST

// ---- rejection samplers (contract v3, attempts.cuh): one output element
// per call, from its attempts. element<Gen>(key, i, p) is element i; W is
// the u32 words per attempt. The truncated normal: f0, f1 = A, B; p0, p1 =
// the bits of the mean and std (as doubles); all converted to T first.
CBRNG_FN double cbrng_f64_of_bits(cbrng_u64 b) { return cbrng_bits_to_f64(b); }
struct cbrng_dist_truncated_normal_f32 {
    typedef float T;
    static constexpr int W = 2;
    template <class Gen>
    static CBRNG_MEMBER_FN T sample(const cbrng_key& key, cbrng_u64 i, const cbrng_fill_params& p) {
        const cbrng_tn_plan_f32 plan = cbrng_tn_plan_new_f32((float)p.f0, (float)p.f1);
        float z = 0.0f;
        int ok = 0;
        for (cbrng_u32 a = 0; a < CBRNG_MAX_ATTEMPTS && !ok; ++a) {
            cbrng_u32 w[W];
            cbrng_attempt_words<Gen, W>(key, a, i, w);
            ok = cbrng_tn_attempt_f32(plan, w[0], w[1], &z);
        }
        if (!ok) z = cbrng_tn_fallback_f32(plan);
        return cbrng_tn_output_f32(plan, z, (float)cbrng_f64_of_bits(p.p0), (float)cbrng_f64_of_bits(p.p1));
    }
};
struct cbrng_dist_truncated_normal_f64 {
    typedef double T;
    static constexpr int W = 4;
    template <class Gen>
    static CBRNG_MEMBER_FN T sample(const cbrng_key& key, cbrng_u64 i, const cbrng_fill_params& p) {
        const cbrng_tn_plan_f64 plan = cbrng_tn_plan_new_f64(p.f0, p.f1);
        double z = 0.0;
        int ok = 0;
        for (cbrng_u32 a = 0; a < CBRNG_MAX_ATTEMPTS && !ok; ++a) {
            cbrng_u32 w[W];
            cbrng_attempt_words<Gen, W>(key, a, i, w);
            ok = cbrng_tn_attempt_f64(plan, cbrng_join64(w, 0), cbrng_join64(w, 2), &z);
        }
        if (!ok) z = cbrng_tn_fallback_f64(plan);
        return cbrng_tn_output_f64(plan, z, cbrng_f64_of_bits(p.p0), cbrng_f64_of_bits(p.p1));
    }
};

// ---- contract v3: rejection samplers (gamma.cuh). Output element i is
// Dist::sample<Gen>(attempt key, i, p), reading its own attempt space
// (attempts.cuh) with W u32 words per attempt; one element per thread.
#define CBRNG_DIST_ATTEMPTS(NAME, TYPE, WORDS, EXPR)                                          \
    struct cbrng_dist_##NAME {                                                              \
        typedef TYPE T;                                                                     \
        static constexpr int W = WORDS;                                                     \
        template <class G>                                                                  \
        static CBRNG_MEMBER_FN T sample(const cbrng_key& key, cbrng_u64 i, const cbrng_fill_params& p) { \
            const cbrng_attempt_source<G, WORDS> s = {key, i};                              \
            return EXPR;                                                                    \
        }                                                                                   \
    };
CBRNG_DIST_ATTEMPTS(gamma_f32, float, 2, cbrng_gamma_f32((float)p.f0, (float)p.f1, s))
CBRNG_DIST_ATTEMPTS(gamma_f64, double, 4, cbrng_gamma_f64(p.f0, p.f1, s))
CBRNG_DIST_ATTEMPTS(chi_squared_f32, float, 2, cbrng_chi_squared_f32((float)p.f0, s))
CBRNG_DIST_ATTEMPTS(chi_squared_f64, double, 4, cbrng_chi_squared_f64(p.f0, s))
CBRNG_DIST_ATTEMPTS(student_t_f32, float, 2, cbrng_student_t_f32((float)p.f0, s))
CBRNG_DIST_ATTEMPTS(student_t_f64, double, 4, cbrng_student_t_f64(p.f0, s))
CBRNG_DIST_ATTEMPTS(beta_f32, float, 4, cbrng_beta_f32((float)p.f0, (float)p.f1, s))
CBRNG_DIST_ATTEMPTS(beta_f64, double, 8, cbrng_beta_f64(p.f0, p.f1, s))
#undef CBRNG_DIST_ATTEMPTS

// A rejection sampler's element offset + t, written to out[t].
template <class Gen, class Dist>
CBRNG_FN void cbrng_fill_attempts_element(typename Dist::T* out, cbrng_u64 offset, const cbrng_key& key,
                                          const cbrng_fill_params& p, cbrng_u64 t) {
    out[t] = Dist::template sample<Gen>(key, offset + t, p);
}

// ---- group plan: G blocks -> E elements, at least 16 bytes of output.
template <class Gen, class Dist>
struct cbrng_plan {
    static constexpr int U = Gen::U32S_PER_BLOCK;
    static constexpr int MIN_G = Dist::W > U ? Dist::W / U : 1;
    static constexpr int MIN_E = MIN_G * U * Dist::P / Dist::W;
    static constexpr int MIN_BYTES = MIN_E * (int)sizeof(typename Dist::T);
    static constexpr int G = MIN_BYTES >= 16 ? MIN_G : MIN_G * (16 / MIN_BYTES);
    static constexpr int E = G * U * Dist::P / Dist::W;
    static constexpr int WORDS = G * U;
    static constexpr int VECS = E * (int)sizeof(typename Dist::T) / 16;
};

// 16 bytes, stored with one instruction on the device.
#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
typedef uint4 cbrng_vec16;
#else
struct cbrng_vec16 {
    cbrng_u32 x, y, z, w;
};
#endif
CBRNG_FN void cbrng_store_vec16(void* dst, const cbrng_vec16& v) {
#ifdef __CUDA_ARCH__
    *reinterpret_cast<uint4*>(dst) = v;
#else
    __builtin_memcpy(dst, &v, 16);
#endif
}

// 16 bytes loaded with one instruction on the device (src 16-byte aligned).
CBRNG_FN cbrng_vec16 cbrng_load_vec16(const void* src) {
#ifdef __CUDA_ARCH__
    return *reinterpret_cast<const uint4*>(src);
#else
    cbrng_vec16 v;
    __builtin_memcpy(&v, src, 16);
    return v;
#endif
}

// Number of groups that elements [offset, offset + count) touch (count > 0;
// the range may end at 2^64 exactly, so its last index is offset + (count - 1)).
template <class Gen, class Dist>
CBRNG_FN cbrng_u64 cbrng_fill_groups(cbrng_u64 count, cbrng_u64 offset) {
    typedef cbrng_plan<Gen, Dist> L;
    return (offset + (count - 1)) / L::E - offset / L::E + 1;
}

// Writes the elements of group offset / E + t that lie in [offset, offset + count).
template <class Gen, class Dist>
CBRNG_FN void cbrng_fill_group(typename Dist::T* out, cbrng_u64 count, cbrng_u64 offset,
                               cbrng_u64 stream, const cbrng_key& key,
                               const cbrng_fill_params& p, cbrng_u64 t) {
    typedef cbrng_plan<Gen, Dist> L;
    typedef typename Dist::T T;
    const cbrng_u64 g = offset / L::E + t;
    cbrng_u32 w[L::WORDS];
#pragma unroll
    for (int k = 0; k < L::G; ++k) Gen::block(key, stream, g * L::G + k, w + k * L::U);
    union {
        T v[L::E];
        cbrng_vec16 q[L::VECS > 0 ? L::VECS : 1];
    } vals;
#pragma unroll
    for (int j = 0; j < L::E; ++j) vals.v[j] = Dist::apply(w, j, p);
    // Which of the group's E elements lie in the range, by lengths only:
    // the group's end (e0 + E) may pass 2^64 when the range ends near it,
    // so no end point is ever formed. Elements [lo, hi) of the group go to
    // out[rel + lo ...], where rel is the group's place in the range.
    const cbrng_u64 e0 = g * L::E;  // stream index of vals.v[0]
    const int lo = e0 < offset ? (int)(offset - e0) : 0;  // < E: only the first group starts early
    const cbrng_u64 rel = e0 < offset ? 0 : e0 - offset;   // out index of element lo
    const cbrng_u64 room = count - rel;                    // > 0: the group touches the range
    const int hi = room >= (cbrng_u64)(L::E - lo) ? L::E : lo + (int)room;
    if (lo == 0 && hi == L::E && L::VECS > 0 && ((unsigned long long)(out + rel) & 15) == 0) {
#pragma unroll
        for (int v = 0; v < L::VECS; ++v) cbrng_store_vec16(out + rel + v * (16 / (int)sizeof(T)), vals.q[v]);
    } else {
#pragma unroll
        for (int j = 0; j < L::E; ++j)
            if (j >= lo && j < hi) out[rel + (cbrng_u64)(j - lo)] = vals.v[j];
    }
}

// ---- contract v3 rejection samplers (src/cpu/fill.rs, fill_prepared's
// Poisson and Binomial arms): one output element at a time, from the fill's
// attempt key. R::setup makes the sampler's constants from the kernel
// parameters (fill_params: Poisson (0, k_max, lambda, 0), binomial
// (N, 0, P, 0)) by the steps the CPU takes once per fill; the value fits T
// (prepare checked the parameters against the dtype).
#define CBRNG_REJECTION(NAME, TYPE, S, SETUP)                                               \
    struct cbrng_rej_##NAME {                                                               \
        typedef TYPE T;                                                                     \
        typedef S Sampler;                                                                  \
        static CBRNG_MEMBER_FN Sampler setup(const cbrng_fill_params& p) { return SETUP; }  \
    };
CBRNG_REJECTION(poisson_u32, cbrng_u32, cbrng_poisson, cbrng_poisson_new(p.f0, p.p1))
CBRNG_REJECTION(poisson_u64, cbrng_u64, cbrng_poisson, cbrng_poisson_new(p.f0, p.p1))
CBRNG_REJECTION(binomial_u32, cbrng_u32, cbrng_binomial, cbrng_binomial_new(p.p0, p.f0))
CBRNG_REJECTION(binomial_u64, cbrng_u64, cbrng_binomial, cbrng_binomial_new(p.p0, p.f0))
#undef CBRNG_REJECTION

// Output element offset + t (t < count) of rejection sampler R into out[t].
template <class Gen, class R>
CBRNG_FN void cbrng_fill_rejection_element(typename R::T* out, cbrng_u64 offset, const cbrng_key& key,
                                           const typename R::Sampler& s, cbrng_u64 t) {
    out[t] = (typename R::T)cbrng_discrete_sampler<Gen, typename R::Sampler>::element(s, key, offset + t);
}

#endif  // CBRNG_FILL_CUH
