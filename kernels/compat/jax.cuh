// jax.random with the default threefry2x32: twin of src/compat/jax.rs (the
// definition; JAX 0.7.1). `bits` and `uniform` for one key, per element:
// every element depends only on the key, the total size and its row-major
// index. `normal` is not here: src/compat/jax.rs reproduces XLA:CPU's
// erf_inv (whose log is the C library's) and XLA:GPU's (libdevice's
// log1pf/log1p, no FMA contraction, sqrt.approx.f32 in the f32 tail), both
// on the CPU; a device twin of the GPU lowering would call the same
// libdevice functions and the approximate root, and is not written yet.
#ifndef CBRNG_COMPAT_JAX_CUH
#define CBRNG_COMPAT_JAX_CUH
#include "../cbrng/config.cuh"
#include "../cbrng/threefry.cuh"
#include "../cbrng/dropout.cuh"

// Functions (src/cuda/compat.rs names them).
#define CBRNG_JAX_BITS_U8 0
#define CBRNG_JAX_BITS_U16 1
#define CBRNG_JAX_BITS_U32 2
#define CBRNG_JAX_BITS_U64 3
#define CBRNG_JAX_UNIFORM_F32 4
#define CBRNG_JAX_UNIFORM_F64 5
#define CBRNG_JAX_UNIFORM_F16 6
#define CBRNG_JAX_UNIFORM_BF16 7

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
    } else {
        // bfloat16: 8-bit draws, their top 7 under the exponent of 1.0.
        const cbrng_u32 b = (cbrng_u32)(cbrng_u8)cbrng_jax_bits(a, 8, i);
        const float x = cbrng_bits_to_f32(((b >> 1) | 0x3f80u) << 16);
        ((cbrng_u16*)out)[i] = cbrng_f32_to_bf16_bits(cbrng_fsub(x, 1.0f));
    }
}

#endif // CBRNG_COMPAT_JAX_CUH
