// The gamma family (stream contract version 3), twins of src/dist/gamma.rs
// (same names, cbrng_ prefixed): Marsaglia-Tsang on the crate's own normal
// and uniform, the K < 1 boost with the crate's own ln and exp, and gamma,
// chi-squared, student-t and beta on top. Every floating-point step goes
// through the cbrng_f*/cbrng_d* wrappers, in the order the Rust code uses.
//
// Words: a sampler's element reads its attempts through a source S, called
// s(a, words) for attempt a (the u32 words [i*W, (i+1)*W) of attempt stream
// a; a = CBRNG_MAX_ATTEMPTS gives the extras). A unit is a u32 (f32) or the
// u64 of two u32s, low first (f64); lane L is units 2L (normal) and 2L+1
// (uniform) of an attempt.
#ifndef CBRNG_GAMMA_CUH
#define CBRNG_GAMMA_CUH
#include "config.cuh"
#include "constants.cuh"
#include "exact_math.cuh"
#include "dist.cuh"
#include "attempts.cuh"

// The words of element i's attempts from the fill's attempt key.
template <class G, int W>
struct cbrng_attempt_source {
    cbrng_key key;
    cbrng_u64 i;
    CBRNG_MEMBER_FN void operator()(cbrng_u32 a, cbrng_u32* out) const {
        cbrng_attempt_words<G, W>(key, (cbrng_u64)a, i, out);
    }
};

CBRNG_FN float cbrng_open_uniform_f32(cbrng_u32 x) {
    return cbrng_fmul(cbrng_u32_to_f32(2u * (x >> 9) + 1u), CBRNG_TWO_POW_M24);
}
CBRNG_FN double cbrng_open_uniform_f64(cbrng_u64 x) {
    return cbrng_dmul(cbrng_u64_to_f64(2ull * (x >> 12) + 1ull), CBRNG_TWO_POW_M53);
}
CBRNG_FN cbrng_u64 cbrng_unit64(const cbrng_u32* w, int j) {
    return (cbrng_u64)w[2 * j] | ((cbrng_u64)w[2 * j + 1] << 32);
}

struct cbrng_gamma_lane_f32 { float k, d, c; int boost; };
struct cbrng_gamma_lane_f64 { double k, d, c; int boost; };

CBRNG_FN cbrng_gamma_lane_f32 cbrng_gamma_new_f32(float k) {
    cbrng_gamma_lane_f32 g;
    g.k = k;
    g.boost = k < 1.0f;
    const float kk = g.boost ? cbrng_fadd(k, 1.0f) : k;
    g.d = cbrng_fsub(kk, CBRNG_ONE_THIRD_F32);
    g.c = cbrng_fdiv(1.0f, cbrng_fsqrt(cbrng_fmul(9.0f, g.d)));
    return g;
}
CBRNG_FN cbrng_gamma_lane_f64 cbrng_gamma_new_f64(double k) {
    cbrng_gamma_lane_f64 g;
    g.k = k;
    g.boost = k < 1.0;
    const double kk = g.boost ? cbrng_dadd(k, 1.0) : k;
    g.d = cbrng_dsub(kk, CBRNG_ONE_THIRD_F64);
    g.c = cbrng_ddiv(1.0, cbrng_dsqrt(cbrng_dmul(9.0, g.d)));
    return g;
}

// One Marsaglia-Tsang attempt: 1 and the accepted d v3 in *y, or 0.
CBRNG_FN int cbrng_attempt_f32(const cbrng_gamma_lane_f32& g, cbrng_u32 xw, cbrng_u32 uw, float* y) {
    const float x = cbrng_standard_normal_f32(xw);
    const float v = cbrng_fadd(1.0f, cbrng_fmul(g.c, x));
    if (v <= 0.0f) return 0;
    const float v3 = cbrng_fmul(cbrng_fmul(v, v), v);
    const float u = cbrng_open_uniform_f32(uw);
    const float x2 = cbrng_fmul(x, x);
    *y = cbrng_fmul(g.d, v3);
    if (u < cbrng_fsub(1.0f, cbrng_fmul(CBRNG_SQUEEZE_F32, cbrng_fmul(x2, x2)))) return 1;
    return cbrng_ln_f32(u) <
           cbrng_fadd(cbrng_fmul(0.5f, x2),
                      cbrng_fmul(g.d, cbrng_fadd(cbrng_fsub(1.0f, v3), cbrng_ln_f32(v3))));
}
CBRNG_FN int cbrng_attempt_f64(const cbrng_gamma_lane_f64& g, cbrng_u64 xw, cbrng_u64 uw, double* y) {
    const double x = cbrng_standard_normal_f64(xw);
    const double v = cbrng_dadd(1.0, cbrng_dmul(g.c, x));
    if (v <= 0.0) return 0;
    const double v3 = cbrng_dmul(cbrng_dmul(v, v), v);
    const double u = cbrng_open_uniform_f64(uw);
    const double x2 = cbrng_dmul(x, x);
    *y = cbrng_dmul(g.d, v3);
    if (u < cbrng_dsub(1.0, cbrng_dmul(CBRNG_SQUEEZE_F64, cbrng_dmul(x2, x2)))) return 1;
    return cbrng_ln_f64(u) <
           cbrng_dadd(cbrng_dmul(0.5, x2),
                      cbrng_dmul(g.d, cbrng_dadd(cbrng_dsub(1.0, v3), cbrng_ln_f64(v3))));
}

// The accepted value of lane LANE (before the boost), the fallback d after
// CBRNG_MAX_ATTEMPTS attempts. buf holds one attempt's words.
template <int LANE, class S>
CBRNG_FN float cbrng_accepted_f32(const cbrng_gamma_lane_f32& g, cbrng_u32* buf, const S& s) {
    for (cbrng_u32 a = 0; a < CBRNG_MAX_ATTEMPTS; ++a) {
        s(a, buf);
        float y;
        if (cbrng_attempt_f32(g, buf[2 * LANE], buf[2 * LANE + 1], &y)) return y;
    }
    return g.d;
}
template <int LANE, class S>
CBRNG_FN double cbrng_accepted_f64(const cbrng_gamma_lane_f64& g, cbrng_u32* buf, const S& s) {
    for (cbrng_u32 a = 0; a < CBRNG_MAX_ATTEMPTS; ++a) {
        s(a, buf);
        double y;
        if (cbrng_attempt_f64(g, cbrng_unit64(buf, 2 * LANE), cbrng_unit64(buf, 2 * LANE + 1), &y)) return y;
    }
    return g.d;
}

// y * u^(1/k) = exp(ln(y) + ln(u) / k).
CBRNG_FN float cbrng_boost_f32(const cbrng_gamma_lane_f32& g, float y, cbrng_u32 uw) {
    return cbrng_exp_f32(cbrng_fadd(cbrng_ln_f32(y), cbrng_fdiv(cbrng_ln_f32(cbrng_open_uniform_f32(uw)), g.k)));
}
CBRNG_FN double cbrng_boost_f64(const cbrng_gamma_lane_f64& g, double y, cbrng_u64 uw) {
    return cbrng_exp_f64(cbrng_dadd(cbrng_ln_f64(y), cbrng_ddiv(cbrng_ln_f64(cbrng_open_uniform_f64(uw)), g.k)));
}

template <class S>
CBRNG_FN float cbrng_gamma_std_f32(const cbrng_gamma_lane_f32& g, const S& s) {
    cbrng_u32 buf[2];
    const float y = cbrng_accepted_f32<0>(g, buf, s);
    if (!g.boost) return y;
    s(CBRNG_MAX_ATTEMPTS, buf);
    return cbrng_boost_f32(g, y, buf[0]);
}
template <class S>
CBRNG_FN double cbrng_gamma_std_f64(const cbrng_gamma_lane_f64& g, const S& s) {
    cbrng_u32 buf[4];
    const double y = cbrng_accepted_f64<0>(g, buf, s);
    if (!g.boost) return y;
    s(CBRNG_MAX_ATTEMPTS, buf);
    return cbrng_boost_f64(g, y, cbrng_unit64(buf, 0));
}

// gamma:K,THETA (k = K, a = THETA), chi-squared:K (k = K/2), student-t:NU
// (k = NU/2), beta:A,B: the element functions of the kernels.
template <class S>
CBRNG_FN float cbrng_gamma_f32(float k, float theta, const S& s) {
    return cbrng_fmul(cbrng_gamma_std_f32(cbrng_gamma_new_f32(k), s), theta);
}
template <class S>
CBRNG_FN double cbrng_gamma_f64(double k, double theta, const S& s) {
    return cbrng_dmul(cbrng_gamma_std_f64(cbrng_gamma_new_f64(k), s), theta);
}
template <class S>
CBRNG_FN float cbrng_chi_squared_f32(float k, const S& s) {
    return cbrng_fmul(cbrng_gamma_std_f32(cbrng_gamma_new_f32(cbrng_fmul(k, 0.5f)), s), 2.0f);
}
template <class S>
CBRNG_FN double cbrng_chi_squared_f64(double k, const S& s) {
    return cbrng_dmul(cbrng_gamma_std_f64(cbrng_gamma_new_f64(cbrng_dmul(k, 0.5)), s), 2.0);
}
template <class S>
CBRNG_FN float cbrng_student_t_f32(float nu, const S& s) {
    const cbrng_gamma_lane_f32 g = cbrng_gamma_new_f32(cbrng_fmul(nu, 0.5f));
    cbrng_u32 buf[2];
    float y = cbrng_accepted_f32<0>(g, buf, s);
    s(CBRNG_MAX_ATTEMPTS, buf);
    const float z = cbrng_standard_normal_f32(buf[1]);
    if (g.boost) y = cbrng_boost_f32(g, y, buf[0]);
    float v = cbrng_fdiv(cbrng_fmul(2.0f, y), nu);
    if (v < CBRNG_F32_MIN_POSITIVE) v = CBRNG_F32_MIN_POSITIVE;
    return cbrng_fdiv(z, cbrng_fsqrt(v));
}
template <class S>
CBRNG_FN double cbrng_student_t_f64(double nu, const S& s) {
    const cbrng_gamma_lane_f64 g = cbrng_gamma_new_f64(cbrng_dmul(nu, 0.5));
    cbrng_u32 buf[4];
    double y = cbrng_accepted_f64<0>(g, buf, s);
    s(CBRNG_MAX_ATTEMPTS, buf);
    const double z = cbrng_standard_normal_f64(cbrng_unit64(buf, 1));
    if (g.boost) y = cbrng_boost_f64(g, y, cbrng_unit64(buf, 0));
    double v = cbrng_ddiv(cbrng_dmul(2.0, y), nu);
    if (v < CBRNG_F64_MIN_POSITIVE) v = CBRNG_F64_MIN_POSITIVE;
    return cbrng_ddiv(z, cbrng_dsqrt(v));
}
template <class S>
CBRNG_FN float cbrng_beta_f32(float a, float b, const S& s) {
    const cbrng_gamma_lane_f32 ga = cbrng_gamma_new_f32(a), gb = cbrng_gamma_new_f32(b);
    cbrng_u32 buf[4];
    const float x = cbrng_accepted_f32<0>(ga, buf, s);
    const float y = cbrng_accepted_f32<1>(gb, buf, s);
    if (!ga.boost && !gb.boost) return cbrng_fdiv(x, cbrng_fadd(x, y));
    s(CBRNG_MAX_ATTEMPTS, buf);
    const float lx = ga.boost ? cbrng_fadd(cbrng_ln_f32(x), cbrng_fdiv(cbrng_ln_f32(cbrng_open_uniform_f32(buf[0])), ga.k))
                              : cbrng_ln_f32(x);
    const float ly = gb.boost ? cbrng_fadd(cbrng_ln_f32(y), cbrng_fdiv(cbrng_ln_f32(cbrng_open_uniform_f32(buf[2])), gb.k))
                              : cbrng_ln_f32(y);
    const float t = cbrng_fsub(ly, lx);
    const float e = cbrng_exp_f32(-(t < 0.0f ? -t : t));
    const float r = cbrng_fdiv(e, cbrng_fadd(1.0f, e));
    return t > 0.0f ? r : cbrng_fsub(1.0f, r);
}
template <class S>
CBRNG_FN double cbrng_beta_f64(double a, double b, const S& s) {
    const cbrng_gamma_lane_f64 ga = cbrng_gamma_new_f64(a), gb = cbrng_gamma_new_f64(b);
    cbrng_u32 buf[8];
    const double x = cbrng_accepted_f64<0>(ga, buf, s);
    const double y = cbrng_accepted_f64<1>(gb, buf, s);
    if (!ga.boost && !gb.boost) return cbrng_ddiv(x, cbrng_dadd(x, y));
    s(CBRNG_MAX_ATTEMPTS, buf);
    const double lx = ga.boost ? cbrng_dadd(cbrng_ln_f64(x), cbrng_ddiv(cbrng_ln_f64(cbrng_open_uniform_f64(cbrng_unit64(buf, 0))), ga.k))
                               : cbrng_ln_f64(x);
    const double ly = gb.boost ? cbrng_dadd(cbrng_ln_f64(y), cbrng_ddiv(cbrng_ln_f64(cbrng_open_uniform_f64(cbrng_unit64(buf, 2))), gb.k))
                               : cbrng_ln_f64(y);
    const double t = cbrng_dsub(ly, lx);
    const double e = cbrng_exp_f64(-(t < 0.0 ? -t : t));
    const double r = cbrng_ddiv(e, cbrng_dadd(1.0, e));
    return t > 0.0 ? r : cbrng_dsub(1.0, r);
}

#endif  // CBRNG_GAMMA_CUH
