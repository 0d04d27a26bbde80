// The crate's own elementary functions, twins of src/dist/exact_math.rs (same
// names, cbrng_ prefixed): fixed sequences of IEEE + - * / and sqrt through
// the cbrng_f*/cbrng_d* wrappers (the _rn intrinsics on the device, never
// contracted into FMA), integer and bit operations, in the order the Rust
// code evaluates them. See the Rust module for the derivations and the
// measured errors.
#ifndef CBRNG_EXACT_MATH_CUH
#define CBRNG_EXACT_MATH_CUH
#include "config.cuh"
#include "constants.cuh"

// Horner step acc*t + c without contraction.
CBRNG_FN float cbrng_fhorner(float acc, float t, float c) { return cbrng_fadd(cbrng_fmul(acc, t), c); }
CBRNG_FN double cbrng_dhorner(double acc, double t, double c) { return cbrng_dadd(cbrng_dmul(acc, t), c); }

// ---- own natural logarithm (positive normal x), twin of dist::exact_math::ln_f32/ln_f64.
CBRNG_FN float cbrng_ln_f32(float x) {
    const cbrng_u32 bits = cbrng_f32_to_bits(x);
    int e = (int)(bits >> 23) - 127;
    const cbrng_u32 mant = bits & 0x007fffffu;
    float m;
    if (mant > CBRNG_SQRT2_MANT_F32) {
        e += 1;
        m = cbrng_bits_to_f32(mant | 0x3f000000u);
    } else {
        m = cbrng_bits_to_f32(mant | 0x3f800000u);
    }
    const float f = cbrng_fsub(m, 1.0f);
    const float s = cbrng_fdiv(f, cbrng_fadd(2.0f, f));
    const float z = cbrng_fmul(s, s);
    const float r = cbrng_fmul(z, cbrng_fadd(CBRNG_LG1_F32, cbrng_fmul(z, cbrng_fadd(CBRNG_LG2_F32,
                        cbrng_fmul(z, cbrng_fadd(CBRNG_LG3_F32, cbrng_fmul(z, CBRNG_LG4_F32)))))));
    const float hfsq = cbrng_fmul(cbrng_fmul(0.5f, f), f);
    const float ef = (float)e;  // exact
    // ef*LN2_HI - ((hfsq - (s*(hfsq+r) + ef*LN2_LO)) - f)
    return cbrng_fsub(cbrng_fmul(ef, CBRNG_LN2_HI_F32),
                      cbrng_fsub(cbrng_fsub(hfsq, cbrng_fadd(cbrng_fmul(s, cbrng_fadd(hfsq, r)),
                                                             cbrng_fmul(ef, CBRNG_LN2_LO_F32))),
                                 f));
}

CBRNG_FN double cbrng_ln_f64(double x) {
    const cbrng_u64 bits = cbrng_f64_to_bits(x);
    int e = (int)(bits >> 52) - 1023;
    const cbrng_u64 mant = bits & 0x000fffffffffffffull;
    double m;
    if (mant > CBRNG_SQRT2_MANT_F64) {
        e += 1;
        m = cbrng_bits_to_f64(mant | 0x3fe0000000000000ull);
    } else {
        m = cbrng_bits_to_f64(mant | 0x3ff0000000000000ull);
    }
    const double f = cbrng_dsub(m, 1.0);
    const double s = cbrng_ddiv(f, cbrng_dadd(2.0, f));
    const double z = cbrng_dmul(s, s);
    // Horner from the innermost term: LG9 + z*LG10, then LGk + z*(...).
    double p = cbrng_dadd(CBRNG_LG9_F64, cbrng_dmul(z, CBRNG_LG10_F64));
    p = cbrng_dadd(CBRNG_LG8_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_LG7_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_LG6_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_LG5_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_LG4_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_LG3_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_LG2_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_LG1_F64, cbrng_dmul(z, p));
    const double r = cbrng_dmul(z, p);
    const double hfsq = cbrng_dmul(cbrng_dmul(0.5, f), f);
    const double ef = (double)e;  // exact
    return cbrng_dsub(cbrng_dmul(ef, CBRNG_LN2_HI_F64),
                      cbrng_dsub(cbrng_dsub(hfsq, cbrng_dadd(cbrng_dmul(s, cbrng_dadd(hfsq, r)),
                                                             cbrng_dmul(ef, CBRNG_LN2_LO_F64))),
                                 f));
}

// ---- log1p(x) = ln(u) + c/u, u = 1 + x, c its rounding error by Fast2Sum.
CBRNG_FN float cbrng_log1p_f32(float x) {
    const float u = cbrng_fadd(1.0f, x);
    const float c = x > 1.0f ? cbrng_fsub(1.0f, cbrng_fsub(u, x)) : cbrng_fsub(x, cbrng_fsub(u, 1.0f));
    return cbrng_fadd(cbrng_ln_f32(u), cbrng_fdiv(c, u));
}
CBRNG_FN double cbrng_log1p_f64(double x) {
    const double u = cbrng_dadd(1.0, x);
    const double c = x > 1.0 ? cbrng_dsub(1.0, cbrng_dsub(u, x)) : cbrng_dsub(x, cbrng_dsub(u, 1.0));
    return cbrng_dadd(cbrng_ln_f64(u), cbrng_ddiv(c, u));
}

// ---- exp: k = round(x / ln 2), r = x - k ln 2 (Cody-Waite), Taylor, times 2^k in two steps.
CBRNG_FN float cbrng_pow2_f32(int j) { return cbrng_bits_to_f32((cbrng_u32)(j + 127) << 23); }
CBRNG_FN double cbrng_pow2_f64(int j) { return cbrng_bits_to_f64((cbrng_u64)(j + 1023) << 52); }

CBRNG_FN float cbrng_exp_f32(float x) {
    x = x < CBRNG_EXP_MIN_F32 ? CBRNG_EXP_MIN_F32 : (x > CBRNG_EXP_MAX_F32 ? CBRNG_EXP_MAX_F32 : x);
    const float kf = cbrng_fsub(cbrng_fadd(cbrng_fmul(x, CBRNG_INV_LN2_F32), CBRNG_ROUND_MAGIC_F32),
                                CBRNG_ROUND_MAGIC_F32);
    const int k = (int)kf;  // exact
    const float hi = cbrng_fsub(x, cbrng_fmul(kf, CBRNG_EXP_LN2_HI_F32));
    const float r = cbrng_fsub(hi, cbrng_fmul(kf, CBRNG_EXP_LN2_LO_F32));
    float q = cbrng_fhorner(CBRNG_EXP_P7_F32, r, CBRNG_EXP_P6_F32);  // P6 + r*P7
    q = cbrng_fadd(CBRNG_EXP_P5_F32, cbrng_fmul(r, q));
    q = cbrng_fadd(CBRNG_EXP_P4_F32, cbrng_fmul(r, q));
    q = cbrng_fadd(CBRNG_EXP_P3_F32, cbrng_fmul(r, q));
    q = cbrng_fadd(CBRNG_EXP_P2_F32, cbrng_fmul(r, q));
    q = cbrng_fadd(1.0f, cbrng_fmul(r, q));
    const float y = cbrng_fadd(1.0f, cbrng_fmul(r, q));
    const int k1 = k >> 1;
    return cbrng_fmul(cbrng_fmul(y, cbrng_pow2_f32(k1)), cbrng_pow2_f32(k - k1));
}

CBRNG_FN double cbrng_exp_f64(double x) {
    x = x < CBRNG_EXP_MIN_F64 ? CBRNG_EXP_MIN_F64 : (x > CBRNG_EXP_MAX_F64 ? CBRNG_EXP_MAX_F64 : x);
    const double kf = cbrng_dsub(cbrng_dadd(cbrng_dmul(x, CBRNG_INV_LN2_F64), CBRNG_ROUND_MAGIC_F64),
                                 CBRNG_ROUND_MAGIC_F64);
    const int k = (int)kf;  // exact
    const double hi = cbrng_dsub(x, cbrng_dmul(kf, CBRNG_LN2_HI_F64));
    const double r = cbrng_dsub(hi, cbrng_dmul(kf, CBRNG_LN2_LO_F64));
    double q = CBRNG_EXP_P13_F64;
    q = cbrng_dadd(CBRNG_EXP_P12_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(CBRNG_EXP_P11_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(CBRNG_EXP_P10_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(CBRNG_EXP_P9_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(CBRNG_EXP_P8_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(CBRNG_EXP_P7_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(CBRNG_EXP_P6_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(CBRNG_EXP_P5_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(CBRNG_EXP_P4_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(CBRNG_EXP_P3_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(CBRNG_EXP_P2_F64, cbrng_dmul(r, q));
    q = cbrng_dadd(1.0, cbrng_dmul(r, q));
    const double y = cbrng_dadd(1.0, cbrng_dmul(r, q));
    const int k1 = k >> 1;
    return cbrng_dmul(cbrng_dmul(y, cbrng_pow2_f64(k1)), cbrng_pow2_f64(k - k1));
}

// ---- sin(pi t), cos(pi t) for 0 <= t <= 1/4: Taylor series in t.
CBRNG_FN float cbrng_sinpi_f32(float t) {
    const float z = cbrng_fmul(t, t);
    float p = cbrng_fadd(CBRNG_SINPI_S3_F32, cbrng_fmul(z, CBRNG_SINPI_S4_F32));
    p = cbrng_fadd(CBRNG_SINPI_S2_F32, cbrng_fmul(z, p));
    p = cbrng_fadd(CBRNG_SINPI_S1_F32, cbrng_fmul(z, p));
    p = cbrng_fadd(CBRNG_SINPI_S0_F32, cbrng_fmul(z, p));
    return cbrng_fmul(t, p);
}
CBRNG_FN float cbrng_cospi_f32(float t) {
    const float z = cbrng_fmul(t, t);
    float p = cbrng_fadd(CBRNG_COSPI_C4_F32, cbrng_fmul(z, CBRNG_COSPI_C5_F32));
    p = cbrng_fadd(CBRNG_COSPI_C3_F32, cbrng_fmul(z, p));
    p = cbrng_fadd(CBRNG_COSPI_C2_F32, cbrng_fmul(z, p));
    p = cbrng_fadd(CBRNG_COSPI_C1_F32, cbrng_fmul(z, p));
    return cbrng_fadd(1.0f, cbrng_fmul(z, p));
}
CBRNG_FN double cbrng_sinpi_f64(double t) {
    const double z = cbrng_dmul(t, t);
    double p = CBRNG_SINPI_S8_F64;
    p = cbrng_dadd(CBRNG_SINPI_S7_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_SINPI_S6_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_SINPI_S5_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_SINPI_S4_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_SINPI_S3_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_SINPI_S2_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_SINPI_S1_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_SINPI_S0_F64, cbrng_dmul(z, p));
    return cbrng_dmul(t, p);
}
CBRNG_FN double cbrng_cospi_f64(double t) {
    const double z = cbrng_dmul(t, t);
    double p = CBRNG_COSPI_C8_F64;
    p = cbrng_dadd(CBRNG_COSPI_C7_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_COSPI_C6_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_COSPI_C5_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_COSPI_C4_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_COSPI_C3_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_COSPI_C2_F64, cbrng_dmul(z, p));
    p = cbrng_dadd(CBRNG_COSPI_C1_F64, cbrng_dmul(z, p));
    return cbrng_dadd(1.0, cbrng_dmul(z, p));
}

// ---- f32 -> binary16 / bfloat16 bits, round to nearest even (integer operations
// only); twins of dist::dropout::f32_to_f16_bits / f32_to_bf16_bits.
CBRNG_FN cbrng_u16 cbrng_f32_to_f16_bits(float x) {
    const cbrng_u32 b = cbrng_f32_to_bits(x);
    const cbrng_u32 sign = (b >> 16) & 0x8000u;
    const cbrng_u32 a = b & 0x7fffffffu;
    cbrng_u32 mag;
    if (a > 0x7f800000u) {
        mag = 0x7e00u | ((a >> 13) & 0x3ffu);
    } else if (a >= 0x477ff000u) {
        mag = 0x7c00u;
    } else if (a >= 0x38800000u) {
        const cbrng_u32 v = a - (112u << 23);
        mag = (v + 0xfffu + ((v >> 13) & 1u)) >> 13;
    } else if (a <= 0x33000000u) {
        mag = 0;
    } else {
        const cbrng_u32 m = (a & 0x7fffffu) | 0x800000u;
        const cbrng_u32 shift = 126u - (a >> 23);
        const cbrng_u32 q = m >> shift;
        const cbrng_u32 rem = m & ((1u << shift) - 1u);
        const cbrng_u32 half = 1u << (shift - 1u);
        mag = q + ((rem > half || (rem == half && (q & 1u))) ? 1u : 0u);
    }
    return (cbrng_u16)(sign | mag);
}

CBRNG_FN cbrng_u16 cbrng_f32_to_bf16_bits(float x) {
    const cbrng_u32 b = cbrng_f32_to_bits(x);
    if ((b & 0x7fffffffu) > 0x7f800000u) return (cbrng_u16)((b >> 16) | 0x40u);
    return (cbrng_u16)((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
}

#endif  // CBRNG_EXACT_MATH_CUH
