// The truncated normal (contract v3), twin of src/dist/truncnorm.rs (same
// names, cbrng_ prefixed): the plan (method per interval), one attempt from
// its two words, the fallback, the output. Every floating-point step goes
// through the cbrng_f*/cbrng_d* wrappers, in the order the Rust code uses.
#ifndef CBRNG_TRUNCNORM_CUH
#define CBRNG_TRUNCNORM_CUH
#include "config.cuh"
#include "constants.cuh"
#include "exact_math.cuh"
#include "dist.cuh"
#include "continuous.cuh"

// Methods, in src/dist/truncnorm.rs's Method order.
#define CBRNG_TN_NORMAL 0
#define CBRNG_TN_UNIFORM_CENTRAL 1
#define CBRNG_TN_UNIFORM_TAIL 2
#define CBRNG_TN_EXPONENTIAL 3

#define CBRNG_TN_PLAN(SUF, T, W, ADD, SUB, MUL, DIV, SQRT, EXP, NORMAL, UNIFORM, EXPO, SQRT2PI, Z)   \
    struct cbrng_tn_plan_##SUF {                                                                   \
        int method;                                                                                \
        T lo, hi, w, lam, dl;                                                                      \
        int neg;                                                                                   \
    };                                                                                             \
    CBRNG_FN cbrng_tn_plan_##SUF cbrng_tn_plan_new_##SUF(T a, T b) {                               \
        cbrng_tn_plan_##SUF p;                                                                     \
        p.neg = b <= Z(0.0);                                                                       \
        p.lo = p.neg ? -b : a;                                                                     \
        p.hi = p.neg ? -a : b;                                                                     \
        p.w = SUB(p.hi, p.lo);                                                                     \
        p.lam = Z(0.0);                                                                            \
        p.dl = Z(0.0);                                                                             \
        if (p.lo < Z(0.0)) {                                                                       \
            p.method = p.w <= SQRT2PI ? CBRNG_TN_UNIFORM_CENTRAL : CBRNG_TN_NORMAL;                \
        } else {                                                                                   \
            const T s = SQRT(ADD(MUL(p.lo, p.lo), Z(4.0)));                                        \
            p.dl = DIV(Z(2.0), ADD(p.lo, s));                                                      \
            p.lam = ADD(p.lo, p.dl);                                                               \
            p.method = MUL(p.w, p.lam) <= EXP(MUL(MUL(p.dl, p.dl), Z(0.5)))                        \
                           ? CBRNG_TN_UNIFORM_TAIL : CBRNG_TN_EXPONENTIAL;                         \
        }                                                                                          \
        return p;                                                                                  \
    }                                                                                              \
    /* One attempt: 1 and *z in [lo, hi] if accepted, else 0. */                                   \
    CBRNG_FN int cbrng_tn_attempt_##SUF(const cbrng_tn_plan_##SUF& p, W x0, W x1, T* z) {          \
        if (p.method == CBRNG_TN_NORMAL) {                                                         \
            const T v = NORMAL(x0);                                                                \
            *z = v;                                                                                \
            return p.lo <= v && v <= p.hi;                                                         \
        } else if (p.method == CBRNG_TN_UNIFORM_CENTRAL) {                                         \
            const T t = MUL(p.w, UNIFORM(x0));                                                     \
            T v = ADD(p.lo, t);                                                                    \
            if (v > p.hi) v = p.hi;                                                                \
            *z = v;                                                                                \
            return EXPO(x1) >= MUL(MUL(v, v), Z(0.5));                                             \
        } else if (p.method == CBRNG_TN_UNIFORM_TAIL) {                                            \
            const T t = MUL(p.w, UNIFORM(x0));                                                     \
            T v = ADD(p.lo, t);                                                                    \
            if (v > p.hi) v = p.hi;                                                                \
            *z = v;                                                                                \
            return EXPO(x1) >= MUL(t, ADD(p.lo, MUL(t, Z(0.5))));                                  \
        } else {                                                                                   \
            const T t = DIV(EXPO(x0), p.lam);                                                      \
            const T v = ADD(p.lo, t);                                                              \
            const T e = SUB(t, p.dl);                                                              \
            *z = v;                                                                                \
            return v <= p.hi && EXPO(x1) >= MUL(MUL(e, e), Z(0.5));                                \
        }                                                                                          \
    }                                                                                              \
    CBRNG_FN T cbrng_tn_fallback_##SUF(const cbrng_tn_plan_##SUF& p) {                             \
        return p.lo < Z(0.0) ? Z(0.0) : p.lo;                                                      \
    }                                                                                              \
    CBRNG_FN T cbrng_tn_output_##SUF(const cbrng_tn_plan_##SUF& p, T z, T mean, T stddev) {        \
        return ADD(mean, MUL(stddev, p.neg ? -z : z));                                             \
    }

#define CBRNG_TN_F32(x) ((float)(x##f))
#define CBRNG_TN_F64(x) (x)
CBRNG_TN_PLAN(f32, float, cbrng_u32, cbrng_fadd, cbrng_fsub, cbrng_fmul, cbrng_fdiv, cbrng_fsqrt,
              cbrng_exp_f32, cbrng_standard_normal_f32, cbrng_uniform_f32, cbrng_exponential_std_f32,
              CBRNG_SQRT_2PI_F32, CBRNG_TN_F32)
CBRNG_TN_PLAN(f64, double, cbrng_u64, cbrng_dadd, cbrng_dsub, cbrng_dmul, cbrng_ddiv, cbrng_dsqrt,
              cbrng_exp_f64, cbrng_standard_normal_f64, cbrng_uniform_f64, cbrng_exponential_std_f64,
              CBRNG_SQRT_2PI_F64, CBRNG_TN_F64)
#undef CBRNG_TN_PLAN
#undef CBRNG_TN_F32
#undef CBRNG_TN_F64

#endif  // CBRNG_TRUNCNORM_CUH
