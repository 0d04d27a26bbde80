// Continuous distributions by inverse CDF (stream contract version 2), twins
// of src/dist/continuous.rs (same names, cbrng_ prefixed). f32 outputs read
// one u32 element, f64 outputs one u64 element, split as the normal splits
// them: q = (2k+1) 2^-33 (or 2^-54), d = 1/2 - q, lower = top bit. Every
// floating-point step goes through the cbrng_f*/cbrng_d* wrappers, in the
// order the Rust code uses.
#ifndef CBRNG_CONTINUOUS_CUH
#define CBRNG_CONTINUOUS_CUH
#include "config.cuh"
#include "constants.cuh"
#include "exact_math.cuh"
#include "dist.cuh"

// ---- the split of one stream element
struct cbrng_tail_f32 { float q, d; int lower; };
struct cbrng_tail_f64 { double q, d; int lower; };
CBRNG_FN cbrng_tail_f32 cbrng_tail_of_f32(cbrng_u32 x) {
    const cbrng_u32 q_int = 2u * (x & 0x7fffffffu) + 1u;
    cbrng_tail_f32 t;
    t.q = cbrng_fmul(cbrng_u32_to_f32(q_int), CBRNG_TWO_POW_M33);
    t.d = cbrng_fmul(cbrng_u32_to_f32(0u - q_int), CBRNG_TWO_POW_M33);
    t.lower = (int)(x >> 31);
    return t;
}
CBRNG_FN cbrng_tail_f64 cbrng_tail_of_f64(cbrng_u64 x) {
    const cbrng_u64 q_int = 2ull * ((x & 0x7fffffffffffffffull) >> 11) + 1ull;
    cbrng_tail_f64 t;
    t.q = cbrng_dmul(cbrng_u64_to_f64(q_int), CBRNG_TWO_POW_M54);
    t.d = cbrng_dmul(cbrng_u64_to_f64((1ull << 53) - q_int), CBRNG_TWO_POW_M54);
    t.lower = (int)(x >> 63);
    return t;
}
CBRNG_FN float cbrng_signed_f32(float m, int negative) {
    return cbrng_bits_to_f32(cbrng_f32_to_bits(m) | ((cbrng_u32)negative << 31));
}
CBRNG_FN double cbrng_signed_f64(double m, int negative) {
    return cbrng_bits_to_f64(cbrng_f64_to_bits(m) | ((cbrng_u64)negative << 63));
}

// ---- standard variates
CBRNG_FN float cbrng_exponential_std_f32(cbrng_u32 x) {
    const cbrng_tail_f32 t = cbrng_tail_of_f32(x);
    float u = t.q, c = 0.0f;
    if (t.lower) {
        u = cbrng_fsub(1.0f, t.q);
        c = cbrng_fsub(-t.q, cbrng_fsub(u, 1.0f));
    }
    return -cbrng_fadd(cbrng_ln_f32(u), cbrng_fdiv(c, u));
}
CBRNG_FN double cbrng_exponential_std_f64(cbrng_u64 x) {
    const cbrng_tail_f64 t = cbrng_tail_of_f64(x);
    double u = t.q, c = 0.0;
    if (t.lower) {
        u = cbrng_dsub(1.0, t.q);
        c = cbrng_dsub(-t.q, cbrng_dsub(u, 1.0));
    }
    return -cbrng_dadd(cbrng_ln_f64(u), cbrng_ddiv(c, u));
}
CBRNG_FN float cbrng_gumbel_std_f32(cbrng_u32 x) { return -cbrng_ln_f32(cbrng_exponential_std_f32(x)); }
CBRNG_FN double cbrng_gumbel_std_f64(cbrng_u64 x) { return -cbrng_ln_f64(cbrng_exponential_std_f64(x)); }
CBRNG_FN float cbrng_laplace_std_f32(cbrng_u32 x) {
    const cbrng_tail_f32 t = cbrng_tail_of_f32(x);
    const float l = cbrng_ln_f32(cbrng_fmul(2.0f, t.q));
    return t.lower ? l : -l;
}
CBRNG_FN double cbrng_laplace_std_f64(cbrng_u64 x) {
    const cbrng_tail_f64 t = cbrng_tail_of_f64(x);
    const double l = cbrng_ln_f64(cbrng_dmul(2.0, t.q));
    return t.lower ? l : -l;
}
CBRNG_FN float cbrng_logistic_std_f32(cbrng_u32 x) {
    const cbrng_tail_f32 t = cbrng_tail_of_f32(x);
    return cbrng_signed_f32(cbrng_log1p_f32(cbrng_fdiv(cbrng_fmul(2.0f, t.d), t.q)), t.lower);
}
CBRNG_FN double cbrng_logistic_std_f64(cbrng_u64 x) {
    const cbrng_tail_f64 t = cbrng_tail_of_f64(x);
    return cbrng_signed_f64(cbrng_log1p_f64(cbrng_ddiv(cbrng_dmul(2.0, t.d), t.q)), t.lower);
}
CBRNG_FN float cbrng_cauchy_std_f32(cbrng_u32 x) {
    const cbrng_tail_f32 t = cbrng_tail_of_f32(x);
    const float m = t.q <= 0.25f ? cbrng_fdiv(cbrng_cospi_f32(t.q), cbrng_sinpi_f32(t.q))
                                 : cbrng_fdiv(cbrng_sinpi_f32(t.d), cbrng_cospi_f32(t.d));
    return cbrng_signed_f32(m, t.lower);
}
CBRNG_FN double cbrng_cauchy_std_f64(cbrng_u64 x) {
    const cbrng_tail_f64 t = cbrng_tail_of_f64(x);
    const double m = t.q <= 0.25 ? cbrng_ddiv(cbrng_cospi_f64(t.q), cbrng_sinpi_f64(t.q))
                                 : cbrng_ddiv(cbrng_sinpi_f64(t.d), cbrng_cospi_f64(t.d));
    return cbrng_signed_f64(m, t.lower);
}

// ---- with parameters (converted to the output type by the caller)
CBRNG_FN float cbrng_exponential_f32(cbrng_u32 x, float lambda) {
    return cbrng_fdiv(cbrng_exponential_std_f32(x), lambda);
}
CBRNG_FN double cbrng_exponential_f64(cbrng_u64 x, double lambda) {
    return cbrng_ddiv(cbrng_exponential_std_f64(x), lambda);
}
CBRNG_FN float cbrng_log_normal_f32(cbrng_u32 x, float mu, float sigma) {
    return cbrng_exp_f32(cbrng_fadd(mu, cbrng_fmul(sigma, cbrng_standard_normal_f32(x))));
}
CBRNG_FN double cbrng_log_normal_f64(cbrng_u64 x, double mu, double sigma) {
    return cbrng_exp_f64(cbrng_dadd(mu, cbrng_dmul(sigma, cbrng_standard_normal_f64(x))));
}
#define CBRNG_LOCATION_SCALE(NAME)                                                              \
    CBRNG_FN float cbrng_##NAME##_f32(cbrng_u32 x, float loc, float scale) {                    \
        return cbrng_fadd(loc, cbrng_fmul(scale, cbrng_##NAME##_std_f32(x)));                   \
    }                                                                                           \
    CBRNG_FN double cbrng_##NAME##_f64(cbrng_u64 x, double loc, double scale) {                 \
        return cbrng_dadd(loc, cbrng_dmul(scale, cbrng_##NAME##_std_f64(x)));                   \
    }
CBRNG_LOCATION_SCALE(gumbel)
CBRNG_LOCATION_SCALE(laplace)
CBRNG_LOCATION_SCALE(logistic)
CBRNG_LOCATION_SCALE(cauchy)
#undef CBRNG_LOCATION_SCALE

// ---- uniform on [lo, hi): lo + (hi - lo) u, or the float below hi where that rounds to hi.
CBRNG_FN float cbrng_next_down_f32(float x) {
    const cbrng_u32 b = cbrng_f32_to_bits(x);
    return cbrng_bits_to_f32(x == 0.0f ? 0x80000001u : (x > 0.0f ? b - 1u : b + 1u));
}
CBRNG_FN double cbrng_next_down_f64(double x) {
    const cbrng_u64 b = cbrng_f64_to_bits(x);
    return cbrng_bits_to_f64(x == 0.0 ? 0x8000000000000001ull : (x > 0.0 ? b - 1ull : b + 1ull));
}
CBRNG_FN float cbrng_uniform_range_f32(cbrng_u32 x, float lo, float hi) {
    const float v = cbrng_fadd(lo, cbrng_fmul(cbrng_fsub(hi, lo), cbrng_uniform_f32(x)));
    return v >= hi ? cbrng_next_down_f32(hi) : v;
}
CBRNG_FN double cbrng_uniform_range_f64(cbrng_u64 x, double lo, double hi) {
    const double v = cbrng_dadd(lo, cbrng_dmul(cbrng_dsub(hi, lo), cbrng_uniform_f64(x)));
    return v >= hi ? cbrng_next_down_f64(hi) : v;
}

// ---- normal in f16 / bf16: mean + std * Z in f32, rounded once (bits).
CBRNG_FN cbrng_u16 cbrng_normal_f16_bits(cbrng_u32 x, float mean, float stddev) {
    return cbrng_f32_to_f16_bits(cbrng_normal_f32(x, mean, stddev));
}
CBRNG_FN cbrng_u16 cbrng_normal_bf16_bits(cbrng_u32 x, float mean, float stddev) {
    return cbrng_f32_to_bf16_bits(cbrng_normal_f32(x, mean, stddev));
}

#endif  // CBRNG_CONTINUOUS_CUH
