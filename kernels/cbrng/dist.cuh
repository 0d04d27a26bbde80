// Exact distributions on the device, twins of src/dist/{uniform,bernoulli,int,normal}.rs.
// Each is a pure function of the stream elements that output element i
// consumes (see the table in src/dist/mod.rs); every floating-point step goes
// through the cbrng_f*/cbrng_d* wrappers, in the order the Rust code uses.
#ifndef CBRNG_DIST_CUH
#define CBRNG_DIST_CUH
#include "config.cuh"
#include "constants.cuh"
#include "exact_math.cuh"

// ---- uniform [0, 1)
CBRNG_FN float cbrng_uniform_f32(cbrng_u32 x) {
    return cbrng_fmul(cbrng_u32_to_f32(x >> 8), CBRNG_TWO_POW_M24);
}
CBRNG_FN double cbrng_uniform_f64(cbrng_u64 x) {
    return cbrng_dmul(cbrng_u64_to_f64(x >> 11), CBRNG_TWO_POW_M53);
}
// The 16-bit half of u32 element i/2 that f16/bf16 element i uses.
CBRNG_FN cbrng_u16 cbrng_half_of(cbrng_u32 x, int odd) {
    return (cbrng_u16)(odd ? (x >> 16) : x);
}
CBRNG_FN int cbrng_floor_log2(cbrng_u32 m) {  // m > 0
#ifdef __CUDA_ARCH__
    return 31 - __clz(m);
#else
    return 31 - __builtin_clz(m);
#endif
}
// IEEE binary16 bits of (h >> 5) * 2^-11: built directly (the value is
// exact and always normal), no half-precision arithmetic needed.
CBRNG_FN cbrng_u16 cbrng_uniform_f16_bits(cbrng_u16 h) {
    const cbrng_u32 m = h >> 5;
    if (m == 0) return 0;
    const int e = cbrng_floor_log2(m);  // value = 1.f * 2^(e - 11)
    return (cbrng_u16)(((cbrng_u32)(e - 11 + 15) << 10) | ((m << (10 - e)) & 0x3ffu));
}
// bfloat16 bits of (h >> 8) * 2^-8.
CBRNG_FN cbrng_u16 cbrng_uniform_bf16_bits(cbrng_u16 h) {
    const cbrng_u32 m = h >> 8;
    if (m == 0) return 0;
    const int e = cbrng_floor_log2(m);  // value = 1.f * 2^(e - 8)
    return (cbrng_u16)(((cbrng_u32)(e - 8 + 127) << 7) | ((m << (7 - e)) & 0x7fu));
}

// ---- Bernoulli: 1 iff x < t, t = round_half_even(p * 2^32) in [0, 2^32].
CBRNG_FN cbrng_u8 cbrng_bernoulli(cbrng_u32 x, cbrng_u64 t) {
    return (cbrng_u8)((cbrng_u64)x < t);
}

// ---- bounded integers lo + floor(x * r / 2^k), no rejection.
// Signed outputs (i32, i64) run these same functions, lo passed as its
// 64-bit two's complement bits: the unsigned add wraps modulo 2^64 (and the
// cast to 32 bits keeps the low half), which is the exact signed sum lo + t
// because it lies in [lo, hi), inside the type (src/dist/int.rs, int_i32
// and int_i64; src/cuda/kernels.rs, dist_name and fill_params).
CBRNG_FN cbrng_u8 cbrng_int_u8(cbrng_u32 x, cbrng_u64 lo, cbrng_u64 r) {  // r in 1..=256
    return (cbrng_u8)(lo + (((cbrng_u64)x * r) >> 32));
}
CBRNG_FN cbrng_u32 cbrng_int_u32(cbrng_u64 x, cbrng_u64 lo, cbrng_u64 r) {  // r in 1..=2^32
    return (cbrng_u32)(lo + cbrng_mulhi64(x, r));
}
// x = hi_word * 2^64 + lo_word; r in 1..=2^64 passed as r_minus_1 (r - 1).
CBRNG_FN cbrng_u64 cbrng_int_u64(cbrng_u64 lo_word, cbrng_u64 hi_word, cbrng_u64 lo, cbrng_u64 r_minus_1) {
    if (r_minus_1 == ~0ull) return lo + hi_word;  // r = 2^64: the high word itself
    const cbrng_u64 r = r_minus_1 + 1;
    // floor((hi_word * r + floor(lo_word * r / 2^64)) / 2^64), as in the Rust definition.
    const cbrng_u64 c = cbrng_mulhi64(lo_word, r);
    const cbrng_u64 low = hi_word * r + c;
    const cbrng_u64 carry = low < c ? 1 : 0;
    return lo + cbrng_mulhi64(hi_word, r) + carry;
}

// The natural logarithm (cbrng_ln_f32, cbrng_ln_f64) is in exact_math.cuh.

// ---- standard normal by inverse CDF (Wichura AS 241), twin of dist::normal.
// (cbrng_fhorner, cbrng_dhorner: exact_math.cuh.)

CBRNG_FN float cbrng_abs_z_f32(float q, float d) {
    if (d <= CBRNG_SPLIT1_F32) {
        const float r = cbrng_fsub(CBRNG_CONST1_F32, cbrng_fmul(d, d));
        float num = cbrng_fhorner(CBRNG_A3_F32, r, CBRNG_A2_F32);
        num = cbrng_fhorner(num, r, CBRNG_A1_F32);
        num = cbrng_fhorner(num, r, CBRNG_A0_F32);
        float den = cbrng_fhorner(CBRNG_B3_F32, r, CBRNG_B2_F32);
        den = cbrng_fhorner(den, r, CBRNG_B1_F32);
        den = cbrng_fhorner(den, r, 1.0f);
        return cbrng_fdiv(cbrng_fmul(d, num), den);
    }
    const float r = cbrng_fsqrt(-cbrng_ln_f32(q));
    if (r <= CBRNG_SPLIT2_F32) {
        const float t = cbrng_fsub(r, CBRNG_CONST2_F32);
        float num = cbrng_fhorner(CBRNG_C3_F32, t, CBRNG_C2_F32);
        num = cbrng_fhorner(num, t, CBRNG_C1_F32);
        num = cbrng_fhorner(num, t, CBRNG_C0_F32);
        float den = cbrng_fhorner(CBRNG_D2_F32, t, CBRNG_D1_F32);
        den = cbrng_fhorner(den, t, 1.0f);
        return cbrng_fdiv(num, den);
    }
    const float t = cbrng_fsub(r, CBRNG_SPLIT2_F32);
    float num = cbrng_fhorner(CBRNG_E3_F32, t, CBRNG_E2_F32);
    num = cbrng_fhorner(num, t, CBRNG_E1_F32);
    num = cbrng_fhorner(num, t, CBRNG_E0_F32);
    float den = cbrng_fhorner(CBRNG_F2_F32, t, CBRNG_F1_F32);
    den = cbrng_fhorner(den, t, 1.0f);
    return cbrng_fdiv(num, den);
}

CBRNG_FN double cbrng_abs_z_f64(double q, double d) {
    if (d <= CBRNG_SPLIT1_F64) {
        const double r = cbrng_dsub(CBRNG_CONST1_F64, cbrng_dmul(d, d));
        double num = cbrng_dhorner(CBRNG_A7_F64, r, CBRNG_A6_F64);
        num = cbrng_dhorner(num, r, CBRNG_A5_F64);
        num = cbrng_dhorner(num, r, CBRNG_A4_F64);
        num = cbrng_dhorner(num, r, CBRNG_A3_F64);
        num = cbrng_dhorner(num, r, CBRNG_A2_F64);
        num = cbrng_dhorner(num, r, CBRNG_A1_F64);
        num = cbrng_dhorner(num, r, CBRNG_A0_F64);
        double den = cbrng_dhorner(CBRNG_B7_F64, r, CBRNG_B6_F64);
        den = cbrng_dhorner(den, r, CBRNG_B5_F64);
        den = cbrng_dhorner(den, r, CBRNG_B4_F64);
        den = cbrng_dhorner(den, r, CBRNG_B3_F64);
        den = cbrng_dhorner(den, r, CBRNG_B2_F64);
        den = cbrng_dhorner(den, r, CBRNG_B1_F64);
        den = cbrng_dhorner(den, r, 1.0);
        return cbrng_ddiv(cbrng_dmul(d, num), den);
    }
    const double r = cbrng_dsqrt(-cbrng_ln_f64(q));
    if (r <= CBRNG_SPLIT2_F64) {
        const double t = cbrng_dsub(r, CBRNG_CONST2_F64);
        double num = cbrng_dhorner(CBRNG_C7_F64, t, CBRNG_C6_F64);
        num = cbrng_dhorner(num, t, CBRNG_C5_F64);
        num = cbrng_dhorner(num, t, CBRNG_C4_F64);
        num = cbrng_dhorner(num, t, CBRNG_C3_F64);
        num = cbrng_dhorner(num, t, CBRNG_C2_F64);
        num = cbrng_dhorner(num, t, CBRNG_C1_F64);
        num = cbrng_dhorner(num, t, CBRNG_C0_F64);
        double den = cbrng_dhorner(CBRNG_D7_F64, t, CBRNG_D6_F64);
        den = cbrng_dhorner(den, t, CBRNG_D5_F64);
        den = cbrng_dhorner(den, t, CBRNG_D4_F64);
        den = cbrng_dhorner(den, t, CBRNG_D3_F64);
        den = cbrng_dhorner(den, t, CBRNG_D2_F64);
        den = cbrng_dhorner(den, t, CBRNG_D1_F64);
        den = cbrng_dhorner(den, t, 1.0);
        return cbrng_ddiv(num, den);
    }
    const double t = cbrng_dsub(r, CBRNG_SPLIT2_F64);
    double num = cbrng_dhorner(CBRNG_E7_F64, t, CBRNG_E6_F64);
    num = cbrng_dhorner(num, t, CBRNG_E5_F64);
    num = cbrng_dhorner(num, t, CBRNG_E4_F64);
    num = cbrng_dhorner(num, t, CBRNG_E3_F64);
    num = cbrng_dhorner(num, t, CBRNG_E2_F64);
    num = cbrng_dhorner(num, t, CBRNG_E1_F64);
    num = cbrng_dhorner(num, t, CBRNG_E0_F64);
    double den = cbrng_dhorner(CBRNG_F7_F64, t, CBRNG_F6_F64);
    den = cbrng_dhorner(den, t, CBRNG_F5_F64);
    den = cbrng_dhorner(den, t, CBRNG_F4_F64);
    den = cbrng_dhorner(den, t, CBRNG_F3_F64);
    den = cbrng_dhorner(den, t, CBRNG_F2_F64);
    den = cbrng_dhorner(den, t, CBRNG_F1_F64);
    den = cbrng_dhorner(den, t, 1.0);
    return cbrng_ddiv(num, den);
}

// Standard normal from u32 element x: top bit is the sign, the other 31 bits
// give the tail probability q = (2k+1) 2^-33 and d = 0.5 - q from integers.
CBRNG_FN float cbrng_standard_normal_f32(cbrng_u32 x) {
    const cbrng_u32 k = x & 0x7fffffffu;
    const cbrng_u32 q_int = 2 * k + 1;
    const float q = cbrng_fmul(cbrng_u32_to_f32(q_int), CBRNG_TWO_POW_M33);
    const float d = cbrng_fmul(cbrng_u32_to_f32(0u - q_int), CBRNG_TWO_POW_M33);
    const float a = cbrng_abs_z_f32(q, d);
    return cbrng_bits_to_f32(cbrng_f32_to_bits(a) | (x & 0x80000000u));
}
CBRNG_FN double cbrng_standard_normal_f64(cbrng_u64 x) {
    const cbrng_u64 k = (x & 0x7fffffffffffffffull) >> 11;
    const cbrng_u64 q_int = 2 * k + 1;
    const double q = cbrng_dmul(cbrng_u64_to_f64(q_int), CBRNG_TWO_POW_M54);
    const double d = cbrng_dmul(cbrng_u64_to_f64((1ull << 53) - q_int), CBRNG_TWO_POW_M54);
    const double a = cbrng_abs_z_f64(q, d);
    return cbrng_bits_to_f64(cbrng_f64_to_bits(a) | (x & 0x8000000000000000ull));
}
// normal(mean, std) = mean + std * z in the output type, without FMA.
CBRNG_FN float cbrng_normal_f32(cbrng_u32 x, float mean, float stddev) {
    return cbrng_fadd(mean, cbrng_fmul(stddev, cbrng_standard_normal_f32(x)));
}
CBRNG_FN double cbrng_normal_f64(cbrng_u64 x, double mean, double stddev) {
    return cbrng_dadd(mean, cbrng_dmul(stddev, cbrng_standard_normal_f64(x)));
}

#endif // CBRNG_DIST_CUH
