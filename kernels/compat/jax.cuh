// jax.random with the default threefry2x32: twin of src/compat/jax.rs (the
// definition; JAX 0.7.1). `bits`, `uniform` and `normal` for one key, per
// element: every element depends only on the key, the total size and its
// row-major index. `normal` is XLA:GPU's arithmetic (jax.rs, "normal on a
// GPU": CHLO's erf_inv polynomials, each step a separate multiply and add,
// libdevice's log1pf/log1p, sqrt.approx.f32 in the f32 tail). XLA:CPU's
// (whose log is the C library's) has no device twin.
#ifndef CBRNG_COMPAT_JAX_CUH
#define CBRNG_COMPAT_JAX_CUH
#include "../cbrng/config.cuh"
#include "../cbrng/threefry.cuh"
#include "../cbrng/dropout.cuh"
#include "constants.cuh"
#include "libdevice.cuh"

// Functions (src/cuda/compat.rs names them).
#define CBRNG_JAX_BITS_U8 0
#define CBRNG_JAX_BITS_U16 1
#define CBRNG_JAX_BITS_U32 2
#define CBRNG_JAX_BITS_U64 3
#define CBRNG_JAX_UNIFORM_F32 4
#define CBRNG_JAX_UNIFORM_F64 5
#define CBRNG_JAX_UNIFORM_F16 6
#define CBRNG_JAX_UNIFORM_BF16 7
#define CBRNG_JAX_NORMAL_F32 8
#define CBRNG_JAX_NORMAL_F64 9

struct cbrng_jax_args {
    cbrng_u32 key[2];        // jax.random.key_data(key)
    cbrng_u64 n;             // elements
    cbrng_u32 partitionable; // jax_threefry_partitionable
};

// threefry2x32_p on one pair of counts (Threefry-2x32-20).
CBRNG_FN void cbrng_jax_hash(const cbrng_u32 key[2], cbrng_u32 x0, cbrng_u32 x1, cbrng_u32 y[2]) {
    y[0] = x0;
    y[1] = x1;
    cbrng_threefry2x32<20>(y, key);
}

// Word j of threefry_2x32(key, iota(m)) (m < 2^32): pair j mod h of the two
// halves, h = ceil(m/2), the second half padded with one 0 when m is odd.
CBRNG_FN cbrng_u32 cbrng_jax_iota_hash_word(const cbrng_u32 key[2], cbrng_u64 m, cbrng_u64 j) {
    const cbrng_u64 h = m / 2 + (m & 1);
    const int second = j >= h;
    const cbrng_u64 pair = second ? j - h : j;
    const cbrng_u64 x1 = pair + h;
    cbrng_u32 y[2];
    cbrng_jax_hash(key, (cbrng_u32)pair, x1 < m ? (cbrng_u32)x1 : 0u, y);
    return second ? y[1] : y[0];
}

// The 32 bits of element i of a `width`-bit draw (8, 16, 32: the low bits
// count), or the 64 bits of a 64-bit draw.
CBRNG_FN cbrng_u64 cbrng_jax_bits(const cbrng_jax_args& a, int width, cbrng_u64 i) {
    if (a.partitionable) {
        cbrng_u32 y[2];
        cbrng_jax_hash(a.key, (cbrng_u32)(i >> 32), (cbrng_u32)i, y);
        return width == 64 ? ((cbrng_u64)y[0] << 32) | y[1] : (cbrng_u64)(y[0] ^ y[1]);
    }
    if (width == 64) {
        const cbrng_u64 m = 2 * a.n;
        return ((cbrng_u64)cbrng_jax_iota_hash_word(a.key, m, i) << 32) |
               cbrng_jax_iota_hash_word(a.key, m, a.n + i);
    }
    // m = ceil(width * n / 32) words, element i in word i / per, low piece first.
    const cbrng_u64 per = 32 / (cbrng_u64)width;
    const cbrng_u64 m = a.n / per + (a.n % per != 0);
    const cbrng_u32 w = cbrng_jax_iota_hash_word(a.key, m, i / per);
    return (cbrng_u64)(w >> (width * (int)(i % per)));
}

// lax.erf_inv(u) in f32 as XLA:GPU computes it.
CBRNG_FN float cbrng_jax_erf_inv_f32_gpu(float u) {
    const float small[CBRNG_JAX_ERF_INV_F32_SMALL_LEN] = CBRNG_JAX_ERF_INV_F32_SMALL;
    const float large[CBRNG_JAX_ERF_INV_F32_LARGE_LEN] = CBRNG_JAX_ERF_INV_F32_LARGE;
    const float l = cbrng_libdevice_log1pf(cbrng_fmul(u, -u)); // log(1 - u^2) = -w
    const bool lt = l > -5.0f;                                  // w < 5
    const float w = lt ? cbrng_fsub(-2.5f, l) : cbrng_fsub(cbrng_compat_sqrt_approx_f32(-l), 3.0f);
    float p = lt ? small[0] : large[0];
#pragma unroll
    for (int i = 1; i < CBRNG_JAX_ERF_INV_F32_SMALL_LEN; i++)
        p = cbrng_fadd(cbrng_fmul(p, w), lt ? small[i] : large[i]); // mul.rn, add.rn
    if (cbrng_f32_to_bits(u) << 1 == 0x7f000000u) p = cbrng_libdevice_inf_f32(); // |u| == 1
    return cbrng_fmul(u, p);
}

// lax.erf_inv(u) in f64 as XLA:GPU computes it: three branches in
// w = -log(1 - u^2) whose coefficients one chain of steps selects.
CBRNG_FN double cbrng_jax_erf_inv_f64_gpu(double u) {
    const double c0[CBRNG_JAX_ERF_INV_F64_W0_LEN] = CBRNG_JAX_ERF_INV_F64_W0;
    const double c1[CBRNG_JAX_ERF_INV_F64_W1_LEN] = CBRNG_JAX_ERF_INV_F64_W1;
    const double c2[CBRNG_JAX_ERF_INV_F64_W2_LEN] = CBRNG_JAX_ERF_INV_F64_W2;
    const double l = cbrng_libdevice_log1p(cbrng_dmul(u, -u));
    const bool lt6 = l > -6.25;
    const bool lt16 = l > -16.0;
    const int col = lt6 ? 0 : lt16 ? 1 : 2;
    const double w = lt6 ? cbrng_dsub(-3.125, l) : cbrng_dsub(cbrng_dsqrt(-l), lt16 ? 3.25 : 5.0);
    double p = col == 0 ? c0[0] : col == 1 ? c1[0] : c2[0];
#pragma unroll
    for (int i = 1; i < CBRNG_JAX_ERF_INV_F64_W2_LEN; i++)
        p = cbrng_dadd(cbrng_dmul(p, w), col == 0 ? c0[i] : col == 1 ? c1[i] : c2[i]);
    if (col < 2) {
#pragma unroll
        for (int i = CBRNG_JAX_ERF_INV_F64_W2_LEN; i < CBRNG_JAX_ERF_INV_F64_W1_LEN; i++)
            p = cbrng_dadd(cbrng_dmul(p, w), col == 0 ? c0[i] : c1[i]);
    }
    if (col == 0) {
#pragma unroll
        for (int i = CBRNG_JAX_ERF_INV_F64_W1_LEN; i < CBRNG_JAX_ERF_INV_F64_W0_LEN; i++)
            p = cbrng_dadd(cbrng_dmul(p, w), c0[i]);
    }
    if (cbrng_f64_to_bits(u) << 1 == 0x7fe0000000000000ull) p = cbrng_libdevice_inf_f64(); // |u| == 1
    return cbrng_dmul(u, p);
}

// Element i of FN into out (f16/bf16 as their bits).
template <int FN>
CBRNG_FN void cbrng_jax_element(void* out, const cbrng_jax_args& a, cbrng_u64 i) {
    if (FN == CBRNG_JAX_BITS_U8) {
        ((cbrng_u8*)out)[i] = (cbrng_u8)cbrng_jax_bits(a, 8, i);
    } else if (FN == CBRNG_JAX_BITS_U16) {
        ((cbrng_u16*)out)[i] = (cbrng_u16)cbrng_jax_bits(a, 16, i);
    } else if (FN == CBRNG_JAX_BITS_U32) {
        ((cbrng_u32*)out)[i] = (cbrng_u32)cbrng_jax_bits(a, 32, i);
    } else if (FN == CBRNG_JAX_BITS_U64) {
        ((cbrng_u64*)out)[i] = cbrng_jax_bits(a, 64, i);
    } else if (FN == CBRNG_JAX_UNIFORM_F32) {
        // (bits >> 9 | 0x3f800000) - 1.0
        const cbrng_u32 b = (cbrng_u32)cbrng_jax_bits(a, 32, i);
        ((float*)out)[i] = cbrng_fsub(cbrng_bits_to_f32((b >> 9) | 0x3f800000u), 1.0f);
    } else if (FN == CBRNG_JAX_UNIFORM_F64) {
        const cbrng_u64 b = cbrng_jax_bits(a, 64, i);
        ((double*)out)[i] =
            cbrng_dsub(cbrng_bits_to_f64((b >> 12) | 0x3ff0000000000000ull), 1.0);
    } else if (FN == CBRNG_JAX_UNIFORM_F16) {
        // 16 bits, the top 10 under the exponent of 1.0; x - 1 is exact.
        const cbrng_u16 b = (cbrng_u16)cbrng_jax_bits(a, 16, i);
        const float x = cbrng_f16_bits_to_f32((cbrng_u16)((b >> 6) | 0x3c00u));
        ((cbrng_u16*)out)[i] = cbrng_f32_to_f16_bits(cbrng_fsub(x, 1.0f));
    } else if (FN == CBRNG_JAX_NORMAL_F32) {
        // uniform(lo, 1): x * 2 + lo (mul.rn: exact; add.rn), then max(lo, .).
        const cbrng_u32 b = (cbrng_u32)cbrng_jax_bits(a, 32, i);
        const float x = cbrng_fsub(cbrng_bits_to_f32((b >> 9) | 0x3f800000u), 1.0f);
        float u = cbrng_fadd(cbrng_fmul(x, 2.0f), CBRNG_JAX_NORMAL_LO_F32);
        u = u > CBRNG_JAX_NORMAL_LO_F32 ? u : CBRNG_JAX_NORMAL_LO_F32;
        ((float*)out)[i] = cbrng_fmul(cbrng_jax_erf_inv_f32_gpu(u), CBRNG_JAX_SQRT2_F32);
    } else if (FN == CBRNG_JAX_NORMAL_F64) {
        const cbrng_u64 b = cbrng_jax_bits(a, 64, i);
        const double x = cbrng_dsub(cbrng_bits_to_f64((b >> 12) | 0x3ff0000000000000ull), 1.0);
        double u = cbrng_dadd(cbrng_dmul(x, 2.0), CBRNG_JAX_NORMAL_LO_F64);
        u = u > CBRNG_JAX_NORMAL_LO_F64 ? u : CBRNG_JAX_NORMAL_LO_F64;
        ((double*)out)[i] = cbrng_dmul(cbrng_jax_erf_inv_f64_gpu(u), CBRNG_JAX_SQRT2_F64);
    } else {
        // bfloat16: 8-bit draws, their top 7 under the exponent of 1.0.
        const cbrng_u32 b = (cbrng_u32)(cbrng_u8)cbrng_jax_bits(a, 8, i);
        const float x = cbrng_bits_to_f32(((b >> 1) | 0x3f80u) << 16);
        ((cbrng_u16*)out)[i] = cbrng_f32_to_bf16_bits(cbrng_fsub(x, 1.0f));
    }
}

#endif // CBRNG_COMPAT_JAX_CUH
