// libdevice's __nv_log1pf and __nv_log1p as XLA:GPU links them into JAX's
// `normal` (libdevice.10.bc of CUDA 12.9, FTZ off): twin of
// src/compat/libdevice.rs, the definition, which names where each step comes
// from. Every step is an explicit round-to-nearest operation or FMA, as in
// the bitcode (its plain fmul/fadd stay separate roundings under XLA), so
// neither --fmad nor the toolkit's own libdevice changes them; the
// directed-rounding add and the reciprocal seed come from math.cuh.
#ifndef CBRNG_COMPAT_LIBDEVICE_CUH
#define CBRNG_COMPAT_LIBDEVICE_CUH
#include "../cbrng/config.cuh"
#include "math.cuh"
#include "constants.cuh"

CBRNG_FN float cbrng_libdevice_inf_f32() { return cbrng_bits_to_f32(0x7f800000u); }
CBRNG_FN double cbrng_libdevice_inf_f64() { return cbrng_bits_to_f64(0x7ff0000000000000ull); }

// log(1 + a) in f32.
CBRNG_FN float cbrng_libdevice_log1pf(float a) {
    const float P[CBRNG_LIBDEVICE_LOG1PF_P_LEN] = CBRNG_LIBDEVICE_LOG1PF_P;
    // The exponent of 1 + a (rounded toward zero) scales a and 1 apart.
    const float t = cbrng_compat_fadd_rz(a, 1.0f);
    const cbrng_u32 e = (cbrng_f32_to_bits(t) - 0x3f400000u) & 0xff800000u;
    const float m = cbrng_bits_to_f32(cbrng_f32_to_bits(a) - e);
    const float s = cbrng_bits_to_f32(0x40800000u - e);
    const float v = cbrng_compat_fmadd_f32(0.25f, s, -1.0f);
    const float x = cbrng_fadd(m, v);
    // e / 2^23, the exponent (exact: e has 9 significant bits).
    const float k = cbrng_fmul((float)(cbrng_i32)e, cbrng_bits_to_f32(0x34000000u));
    float p = cbrng_compat_fmadd_f32(P[0], x, P[1]);
#pragma unroll
    for (int i = 2; i < CBRNG_LIBDEVICE_LOG1PF_P_LEN; i++) p = cbrng_compat_fmadd_f32(p, x, P[i]);
    const float q = cbrng_fmul(p, x);
    float r = cbrng_compat_fmadd_f32(q, x, x);
    r = cbrng_compat_fmadd_f32(k, CBRNG_LIBDEVICE_LOG1PF_LN2, r);
    // Negative a (sign bit set), +inf and NaN leave the fast path.
    const cbrng_u32 bits = cbrng_f32_to_bits(a);
    if (bits < 0x7f800000u) return r;
    if ((cbrng_i32)bits > (cbrng_i32)0xbf800000u) {
        // a < -1, +inf or NaN: a * inf + inf.
        r = cbrng_compat_fmadd_f32(a, cbrng_libdevice_inf_f32(), cbrng_libdevice_inf_f32());
    }
    return a == 0.0f ? -0.0f : r;
}

CBRNG_FN cbrng_u32 cbrng_libdevice_hi(double x) { return (cbrng_u32)(cbrng_f64_to_bits(x) >> 32); }
CBRNG_FN double cbrng_libdevice_lohi(cbrng_u32 lo, cbrng_u32 hi) {
    return cbrng_bits_to_f64(((cbrng_u64)hi << 32) | lo);
}

// log(1 + a) in f64, its reciprocal seeded by rcp.approx.ftz.f64.
CBRNG_FN double cbrng_libdevice_log1p(double a) {
    const float h = cbrng_bits_to_f32(cbrng_libdevice_hi(a));
    if (h < cbrng_bits_to_f32(CBRNG_LIBDEVICE_LOG1P_SMALL_HI_BELOW) &&
        h > cbrng_bits_to_f32(CBRNG_LIBDEVICE_LOG1P_SMALL_HI_ABOVE)) {
        // log1p(a) = 2 atanh(a / (a + 2)), around t = a - a * (a / (a + 2)).
        const double S[CBRNG_LIBDEVICE_LOG1P_SMALL_LEN] = CBRNG_LIBDEVICE_LOG1P_SMALL;
        const double q = cbrng_ddiv(a, cbrng_dadd(a, 2.0));
        const double t12 = cbrng_dmul(-a, q);
        const double t13 = cbrng_dadd(a, t12);
        const double z = cbrng_dmul(t13, t13);
        double p = cbrng_compat_fmadd_f64(S[0], z, S[1]);
#pragma unroll
        for (int i = 2; i < CBRNG_LIBDEVICE_LOG1P_SMALL_LEN; i++) p = cbrng_compat_fmadd_f64(p, z, S[i]);
        const double t22 = cbrng_dmul(p, z);
        const double t23 = cbrng_compat_fmadd_f64(t22, t13, t12);
        return cbrng_dadd(t23, a);
    }
    // __nv_log(1 + a), inlined.
    const double y = cbrng_dadd(a, 1.0);
    double yy = y;
    cbrng_i32 e = -1023;
    if ((cbrng_i32)cbrng_libdevice_hi(y) < 0x00100000) {
        yy = cbrng_dmul(y, cbrng_bits_to_f64(0x4350000000000000ull)); // 2^54
        e = -1023 - 54;
    }
    const cbrng_i32 ihi = (cbrng_i32)cbrng_libdevice_hi(yy);
    if (ihi > 0 && ihi < 0x7ff00000) {
        const double L[CBRNG_LIBDEVICE_LOG_SERIES_LEN] = CBRNG_LIBDEVICE_LOG_SERIES;
        const cbrng_u32 ilo = (cbrng_u32)cbrng_f64_to_bits(yy);
        e = (cbrng_i32)((cbrng_u32)e + ((cbrng_u32)ihi >> 20));
        const cbrng_u32 hm = ((cbrng_u32)ihi & 0x800FFFFFu) | 0x3ff00000u;
        double m = cbrng_libdevice_lohi(ilo, hm);
        if ((cbrng_i32)hm > 0x3FF6A09E) {
            m = cbrng_libdevice_lohi(ilo, hm - 0x00100000u); // m / 2
            e = (cbrng_i32)((cbrng_u32)e + 1u);
        }
        // 2 atanh(f / g) with f = m - 1, g = m + 1, 1/g from the seed.
        const double f = cbrng_dsub(m, 1.0);
        const double g = cbrng_dadd(m, 1.0);
        const double r0 = cbrng_compat_rcp_approx_ftz_f64(g);
        const double t58 = cbrng_compat_fmadd_f64(-g, r0, 1.0);
        const double t59 = cbrng_compat_fmadd_f64(t58, t58, t58);
        const double r1 = cbrng_compat_fmadd_f64(t59, r0, r0);
        const double t61 = cbrng_dmul(f, r1);
        const double t62 = cbrng_dadd(t61, t61);
        const double t63 = cbrng_dmul(t62, t62);
        double p = cbrng_compat_fmadd_f64(L[0], t63, L[1]);
#pragma unroll
        for (int i = 2; i < CBRNG_LIBDEVICE_LOG_SERIES_LEN; i++) p = cbrng_compat_fmadd_f64(p, t63, L[i]);
        const double t71 = cbrng_dsub(f, t62);
        const double t72 = cbrng_dmul(2.0, t71);
        const double t74 = cbrng_compat_fmadd_f64(-t62, f, t72);
        const double t75 = cbrng_dmul(r1, t74);
        const double t76 = cbrng_dmul(p, t63);
        const double t77 = cbrng_compat_fmadd_f64(t76, t62, t75);
        // e as an f64, by the 2^52 + 2^31 trick.
        const double k = cbrng_dsub(cbrng_libdevice_lohi(0x80000000u ^ (cbrng_u32)e, 0x43300000u),
                                    cbrng_libdevice_lohi(0x80000000u, 0x43300000u));
        const double t82 = cbrng_compat_fmadd_f64(k, CBRNG_LIBDEVICE_LOG_LN2_HI, t62);
        const double t84 = cbrng_compat_fmadd_f64(-k, CBRNG_LIBDEVICE_LOG_LN2_HI, t82);
        const double t85 = cbrng_dsub(t84, t62);
        const double t86 = cbrng_dsub(t77, t85);
        const double t87 = cbrng_compat_fmadd_f64(k, CBRNG_LIBDEVICE_LOG_LN2_LO, t86);
        return cbrng_dadd(t82, t87);
    }
    // Zero, negative, infinite or NaN 1 + a.
    if (cbrng_bits_to_f32(cbrng_libdevice_hi(yy)) == 0.0f) return -cbrng_libdevice_inf_f64();
    return cbrng_compat_fmadd_f64(yy, cbrng_libdevice_inf_f64(), cbrng_libdevice_inf_f64());
}

#endif // CBRNG_COMPAT_LIBDEVICE_CUH
