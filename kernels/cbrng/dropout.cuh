// Dropout on the device, twin of src/dist/dropout.rs (the element arithmetic)
// and src/cpu/dropout.rs (which elements are kept). Host-compilable: the
// host twin test runs this very code under g++ against the Rust definition.
//
// Element i of a tensor at stream offset o is dropped iff u32 stream element
// o + i is below the Bernoulli threshold t (in [0, 2^32]). A kept element is
// x * s (f64: s64; f32: s32; f16/bf16: widened to f32, * s32, rounded back to
// nearest even); a dropped one is +0.0; a kept NaN keeps its exact bits.
#ifndef CBRNG_DROPOUT_CUH
#define CBRNG_DROPOUT_CUH
#include "config.cuh"
#include "dist.cuh"
#include "fill.cuh"

struct cbrng_dropout_params {
    cbrng_u64 threshold;  // dropped iff u32 element < threshold
    float s32;            // scale for f32, f16, bf16
    double s64;           // scale for f64
};

// ---- exact f16/bf16 <-> f32 conversions in integer arithmetic (no
// half-precision intrinsics, so NVRTC needs no cuda_fp16.h and the host
// build is the same code).
CBRNG_FN float cbrng_f16_bits_to_f32(cbrng_u16 h16) {
    const cbrng_u32 h = h16;
    const cbrng_u32 sign = (h & 0x8000u) << 16;
    const cbrng_u32 exp = (h >> 10) & 0x1fu;
    const cbrng_u32 man = h & 0x3ffu;
    cbrng_u32 bits;
    if (exp == 0x1fu) {
        bits = 0x7f800000u | (man << 13);
    } else if (exp != 0) {
        bits = ((exp + 112u) << 23) | (man << 13);
    } else if (man == 0) {
        bits = 0;
    } else {
        const cbrng_u32 e = (cbrng_u32)cbrng_floor_log2(man);
        bits = ((e + 103u) << 23) | ((man << (23 - e)) & 0x7fffffu);
    }
    return cbrng_bits_to_f32(sign | bits);
}

// cbrng_f32_to_f16_bits, cbrng_f32_to_bf16_bits: exact_math.cuh (shared with the f16/bf16 normal).

// ---- one element.
CBRNG_FN float cbrng_dropout_f32(float x, int kept, float s) {
    const float y = (cbrng_f32_to_bits(x) & 0x7fffffffu) > 0x7f800000u ? x : cbrng_fmul(x, s);
    return kept ? y : 0.0f;
}
CBRNG_FN double cbrng_dropout_f64(double x, int kept, double s) {
    const double y = (cbrng_f64_to_bits(x) & 0x7fffffffffffffffull) > 0x7ff0000000000000ull
                         ? x
                         : cbrng_dmul(x, s);
    return kept ? y : 0.0;
}
CBRNG_FN cbrng_u16 cbrng_dropout_f16_bits(cbrng_u16 x, int kept, float s) {
    if (!kept) return 0;
    if ((x & 0x7fffu) > 0x7c00u) return x;
    return cbrng_f32_to_f16_bits(cbrng_fmul(cbrng_f16_bits_to_f32(x), s));
}
CBRNG_FN cbrng_u16 cbrng_dropout_bf16_bits(cbrng_u16 x, int kept, float s) {
    if (!kept) return 0;
    if ((x & 0x7fffu) > 0x7f80u) return x;
    return cbrng_f32_to_bf16_bits(cbrng_fmul(cbrng_bits_to_f32((cbrng_u32)x << 16), s));
}

// ---- dtypes: storage type, elements per group (16 bytes) and the element map.
#define CBRNG_DROPOUT_DTYPE(NAME, TYPE, APPLY)                                               \
    struct cbrng_dropout_dtype_##NAME {                                                            \
        typedef TYPE T;                                                                      \
        static constexpr int E = 16 / (int)sizeof(TYPE);                                     \
        static CBRNG_MEMBER_FN T apply(T x, int kept, const cbrng_dropout_params& p) {       \
            (void)p;                                                                         \
            return APPLY;                                                                    \
        }                                                                                    \
    };
CBRNG_DROPOUT_DTYPE(f32, float, cbrng_dropout_f32(x, kept, p.s32))
CBRNG_DROPOUT_DTYPE(f64, double, cbrng_dropout_f64(x, kept, p.s64))
CBRNG_DROPOUT_DTYPE(f16, cbrng_u16, cbrng_dropout_f16_bits(x, kept, p.s32))
CBRNG_DROPOUT_DTYPE(bf16, cbrng_u16, cbrng_dropout_bf16_bits(x, kept, p.s32))
#undef CBRNG_DROPOUT_DTYPE

// Kept bits of stream elements [first, first + E): bit j is element first + j,
// for a threshold in (0, 2^32).
// The blocks covering the range are made with compile-time word indices (a
// bitfield over whole blocks, shifted once), so no register array is indexed
// at run time. Elements past the stream's end are never asked for by the
// host; those past the tensor's end are masked off by the caller.
template <class Gen, int E>
CBRNG_FN cbrng_u32 cbrng_dropout_kept_bits(const cbrng_key& key, cbrng_u64 stream, cbrng_u64 first,
                                           cbrng_u32 threshold) {
    const int U = Gen::U32S_PER_BLOCK;
    const int NB = (E + 2 * U - 2) / U;  // blocks that E elements can touch
    const cbrng_u64 b0 = first / U;
    const int skip = (int)(first % U);
    cbrng_u64 bits = 0;
#pragma unroll
    for (int k = 0; k < NB; ++k) {
        if (k * U < skip + E) {
            cbrng_u32 w[U];
            Gen::block(key, stream, b0 + k, w);
#pragma unroll
            for (int i = 0; i < U; ++i) bits |= (cbrng_u64)(w[i] >= threshold) << (k * U + i);
        }
    }
    return (cbrng_u32)(bits >> skip) & (E == 32 ? 0xffffffffu : ((1u << E) - 1u));
}

// Number of groups of a tensor of `count` elements.
template <class D>
CBRNG_FN cbrng_u64 cbrng_dropout_groups(cbrng_u64 count) {
    return (count + D::E - 1) / D::E;
}

// Group t: tensor elements [E t, E t + E) (those below count). Writes y (when
// y is not null; x may equal y) and the byte mask (when not null); returns
// the kept bits of the group (bit j = element E t + j; 0 past the end), which
// the kernel packs into the bitmask.
template <class Gen, class D>
CBRNG_FN cbrng_u32 cbrng_dropout_group(const typename D::T* x, typename D::T* y, cbrng_u8* mask,
                                       cbrng_u64 count, cbrng_u64 offset, cbrng_u64 stream,
                                       const cbrng_key& key, const cbrng_dropout_params& p,
                                       cbrng_u64 t) {
    typedef typename D::T T;
    const int E = D::E;
    const cbrng_u64 i0 = (cbrng_u64)E * t;
    const int n = count - i0 < (cbrng_u64)E ? (int)(count - i0) : E;
    cbrng_u32 kept;
    if (p.threshold == 0) {
        kept = 0xffffffffu;  // p = 0: every element kept, no stream element needed
    } else if (p.threshold >= (1ull << 32)) {
        kept = 0;  // p = 1
    } else {
        kept = cbrng_dropout_kept_bits<Gen, E>(key, stream, offset + i0, (cbrng_u32)p.threshold);
    }
    kept &= n == 32 ? 0xffffffffu : ((1u << n) - 1u);
    if (y) {
        union {
            T v[E];
            cbrng_vec16 q;
        } vals;
        const bool whole = n == E && ((unsigned long long)(x + i0) & 15) == 0 &&
                           ((unsigned long long)(y + i0) & 15) == 0;
        if (whole) {
            vals.q = cbrng_load_vec16(x + i0);
#pragma unroll
            for (int j = 0; j < E; ++j) vals.v[j] = D::apply(vals.v[j], (kept >> j) & 1u, p);
            cbrng_store_vec16(y + i0, vals.q);
        } else {
#pragma unroll
            for (int j = 0; j < E; ++j)
                if (j < n) y[i0 + j] = D::apply(x[i0 + j], (kept >> j) & 1u, p);
        }
    }
    if (mask) {
#pragma unroll
        for (int j = 0; j < E; ++j)
            if (j < n) mask[i0 + j] = (cbrng_u8)((kept >> j) & 1u);
    }
    return kept;
}

#endif  // CBRNG_DROPOUT_CUH
