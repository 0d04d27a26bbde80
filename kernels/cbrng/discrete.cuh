// The discrete rejection samplers of contract v3 (poisson, binomial), twins of
// src/dist/discrete.rs (same names, cbrng_ prefixed; see the Rust module for
// the definitions, the constants and the error analysis). Every step is the
// Rust code's, in its order, through the non-contracting cbrng_d* wrappers;
// floor and fabs are exact. Host-compilable (tests/host_twin runs it).
#ifndef CBRNG_DISCRETE_CUH
#define CBRNG_DISCRETE_CUH
#include "config.cuh"
#include "constants.cuh"
#include "exact_math.cuh"
#include "stream.cuh"
#include "attempts.cuh"

#ifdef __CUDA_ARCH__
CBRNG_FN double cbrng_dfloor(double x) { return floor(x); }
CBRNG_FN double cbrng_dfabs(double x) { return fabs(x); }
#else
CBRNG_FN double cbrng_dfloor(double x) { return __builtin_floor(x); }
CBRNG_FN double cbrng_dfabs(double x) { return __builtin_fabs(x); }
#endif

// ---- the uniforms of the attempt words.
CBRNG_FN double cbrng_u53(cbrng_u64 x) { return cbrng_dmul(cbrng_u64_to_f64(x >> 11), CBRNG_TWO_POW_M53); }
CBRNG_FN double cbrng_open_uniform(cbrng_u64 x) {
    return cbrng_dmul(cbrng_u64_to_f64((x >> 12) * 2 + 1), CBRNG_TWO_POW_M53);
}
CBRNG_FN double cbrng_centred_uniform(cbrng_u64 x) {
    return cbrng_dmul(cbrng_dsub(cbrng_u64_to_f64((x >> 12) * 2 + 1), CBRNG_TWO_POW_52),
                      CBRNG_TWO_POW_M53);
}

// ---- log-pmf pieces (Loader 2000).
CBRNG_FN double cbrng_stirlerr_table(int n) {  // 1 <= n <= 31 (a switch: no local memory)
    switch (n) {
        case 1: return CBRNG_STIRLERR_1;   case 2: return CBRNG_STIRLERR_2;
        case 3: return CBRNG_STIRLERR_3;   case 4: return CBRNG_STIRLERR_4;
        case 5: return CBRNG_STIRLERR_5;   case 6: return CBRNG_STIRLERR_6;
        case 7: return CBRNG_STIRLERR_7;   case 8: return CBRNG_STIRLERR_8;
        case 9: return CBRNG_STIRLERR_9;   case 10: return CBRNG_STIRLERR_10;
        case 11: return CBRNG_STIRLERR_11; case 12: return CBRNG_STIRLERR_12;
        case 13: return CBRNG_STIRLERR_13; case 14: return CBRNG_STIRLERR_14;
        case 15: return CBRNG_STIRLERR_15; case 16: return CBRNG_STIRLERR_16;
        case 17: return CBRNG_STIRLERR_17; case 18: return CBRNG_STIRLERR_18;
        case 19: return CBRNG_STIRLERR_19; case 20: return CBRNG_STIRLERR_20;
        case 21: return CBRNG_STIRLERR_21; case 22: return CBRNG_STIRLERR_22;
        case 23: return CBRNG_STIRLERR_23; case 24: return CBRNG_STIRLERR_24;
        case 25: return CBRNG_STIRLERR_25; case 26: return CBRNG_STIRLERR_26;
        case 27: return CBRNG_STIRLERR_27; case 28: return CBRNG_STIRLERR_28;
        case 29: return CBRNG_STIRLERR_29; case 30: return CBRNG_STIRLERR_30;
        case 31: return CBRNG_STIRLERR_31;
        default: return 0.0;  // n = 0: the Rust table's placeholder
    }
}

CBRNG_FN double cbrng_stirlerr(double n) {
    if (n < 32.0) return cbrng_stirlerr_table((int)n);
    const double nn = cbrng_dmul(n, n);
    double t = cbrng_dsub(CBRNG_STIRLING_S3, cbrng_ddiv(CBRNG_STIRLING_S4, nn));
    t = cbrng_dsub(CBRNG_STIRLING_S2, cbrng_ddiv(t, nn));
    t = cbrng_dsub(CBRNG_STIRLING_S1, cbrng_ddiv(t, nn));
    t = cbrng_dsub(CBRNG_STIRLING_S0, cbrng_ddiv(t, nn));
    return cbrng_ddiv(t, n);
}

// Dekker's exact product: *h = fl(a b), *l = a b - *h.
CBRNG_FN void cbrng_two_product(double a, double b, double* h, double* l) {
    const double p = cbrng_dmul(a, b);
    const double ca = cbrng_dmul(CBRNG_SPLITTER, a);
    const double a_hi = cbrng_dsub(ca, cbrng_dsub(ca, a));
    const double a_lo = cbrng_dsub(a, a_hi);
    const double cb = cbrng_dmul(CBRNG_SPLITTER, b);
    const double b_hi = cbrng_dsub(cb, cbrng_dsub(cb, b));
    const double b_lo = cbrng_dsub(b, b_hi);
    double e = cbrng_dsub(cbrng_dmul(a_hi, b_hi), p);
    e = cbrng_dadd(e, cbrng_dmul(a_hi, b_lo));
    e = cbrng_dadd(e, cbrng_dmul(a_lo, b_hi));
    *l = cbrng_dadd(e, cbrng_dmul(a_lo, b_lo));
    *h = p;
}

CBRNG_FN double cbrng_bd0(double x, double m, double d) {
    const double s = cbrng_dadd(x, m);
    if (cbrng_dfabs(d) < cbrng_dmul(0.1, s)) {
        const double v = cbrng_ddiv(d, s);
        const double v2 = cbrng_dmul(v, v);
        double ej = cbrng_dmul(cbrng_dmul(2.0, x), v);
        double sum = cbrng_dmul(d, v);
        for (int j = 1; j <= 8; ++j) {
            ej = cbrng_dmul(ej, v2);
            sum = cbrng_dadd(sum, cbrng_ddiv(ej, (double)(2 * j + 1)));
        }
        return sum;
    }
    return cbrng_dsub(cbrng_dmul(x, cbrng_ln_f64(cbrng_ddiv(x, m))), d);
}

CBRNG_FN double cbrng_poisson_ln_pmf(double k, double lambda) {
    if (k == 0.0) return -lambda;
    return cbrng_dsub(cbrng_dsub(-cbrng_dadd(cbrng_stirlerr(k), cbrng_bd0(k, lambda, cbrng_dsub(k, lambda))), CBRNG_HALF_LN_2PI),
                      cbrng_dmul(0.5, cbrng_ln_f64(k)));
}

CBRNG_FN double cbrng_binomial_ln_pmf(double k, double n, double p, double q) {
    if (k == 0.0) return cbrng_dmul(n, cbrng_log1p_f64(-p));
    if (k == n) return cbrng_dmul(n, cbrng_ln_f64(p));
    const double nk = cbrng_dsub(n, k);
    double np_hi, np_lo;
    cbrng_two_product(n, p, &np_hi, &np_lo);
    const double d = cbrng_dsub(cbrng_dsub(k, np_hi), np_lo);
    double lc = cbrng_dsub(cbrng_stirlerr(n), cbrng_stirlerr(k));
    lc = cbrng_dsub(lc, cbrng_stirlerr(nk));
    lc = cbrng_dsub(lc, cbrng_bd0(k, np_hi, d));
    lc = cbrng_dsub(lc, cbrng_bd0(nk, cbrng_dmul(n, q), -d));
    return cbrng_dsub(cbrng_dsub(lc, CBRNG_HALF_LN_2PI),
                      cbrng_dmul(0.5, cbrng_ln_f64(cbrng_dmul(k, cbrng_ddiv(nk, n)))));
}

// ---- Poisson (Poisson::new / attempt / fallback).
struct cbrng_poisson {
    double lambda, kmax, e_or_b, a, inv_alpha, vr, ci, cf;
};

CBRNG_FN cbrng_poisson cbrng_poisson_new(double lambda, cbrng_u64 kmax) {
    cbrng_poisson s;
    s.lambda = lambda;
    s.kmax = cbrng_u64_to_f64(kmax);
    s.e_or_b = 0.0;
    s.a = 0.0;
    s.inv_alpha = 0.0;
    s.vr = 0.0;
    s.ci = 0.0;
    s.cf = 0.0;
    if (lambda < CBRNG_POISSON_INVERSION_BELOW) {
        s.e_or_b = cbrng_exp_f64(-lambda);
    } else {
        const double slam = cbrng_dsqrt(lambda);
        const double b = cbrng_dadd(CBRNG_PTRS_B0, cbrng_dmul(CBRNG_PTRS_B1, slam));
        s.e_or_b = b;
        s.a = cbrng_dadd(CBRNG_PTRS_A0, cbrng_dmul(CBRNG_PTRS_A1, b));
        s.inv_alpha = cbrng_dadd(CBRNG_PTRS_IA0, cbrng_ddiv(CBRNG_PTRS_IA1, cbrng_dsub(b, CBRNG_PTRS_IA2)));
        s.vr = cbrng_dsub(CBRNG_PTRS_VR0, cbrng_ddiv(CBRNG_PTRS_VR1, cbrng_dsub(b, 2.0)));
        s.ci = cbrng_dfloor(lambda);
        s.cf = cbrng_dadd(cbrng_dsub(lambda, s.ci), CBRNG_PTRS_C);
    }
    return s;
}

// One attempt: true and *k the value if accepted.
CBRNG_FN bool cbrng_poisson_attempt(const cbrng_poisson& s, cbrng_u64 x0, cbrng_u64 x1, cbrng_u64* out) {
    const double lambda = s.lambda;
    if (lambda < CBRNG_POISSON_INVERSION_BELOW) {
        const double u = cbrng_u53(x0);
        double f = s.e_or_b;
        double big_f = f;
        cbrng_u64 k = 0;
        while (u >= big_f) {
            if (k == CBRNG_INVERSION_MAX_K) return false;
            k += 1;
            f = cbrng_ddiv(cbrng_dmul(f, lambda), cbrng_u64_to_f64(k));
            big_f = cbrng_dadd(big_f, f);
        }
        *out = k;
        return true;
    }
    const double u = cbrng_centred_uniform(x0);
    const double v = cbrng_open_uniform(x1);
    const double us = cbrng_dsub(0.5, cbrng_dfabs(u));
    const double b = s.e_or_b;
    const double t = cbrng_dadd(cbrng_dmul(cbrng_dadd(cbrng_ddiv(cbrng_dmul(2.0, s.a), us), b), u), s.cf);
    const double k = cbrng_dadd(s.ci, cbrng_dfloor(t));
    if (k < 0.0 || k > s.kmax) return false;
    if (us >= CBRNG_SQUEEZE_US && v <= s.vr) {
        *out = (cbrng_u64)k;
        return true;
    }
    if (us < CBRNG_PTRS_US_MIN && v > us) return false;
    const double lhs = cbrng_ln_f64(cbrng_ddiv(cbrng_dmul(v, s.inv_alpha),
                                               cbrng_dadd(cbrng_ddiv(s.a, cbrng_dmul(us, us)), b)));
    if (lhs <= cbrng_poisson_ln_pmf(k, lambda)) {
        *out = (cbrng_u64)k;
        return true;
    }
    return false;
}

CBRNG_FN cbrng_u64 cbrng_poisson_fallback(const cbrng_poisson& s) { return (cbrng_u64)cbrng_dfloor(s.lambda); }

// ---- Binomial (Binomial::new / attempt / fallback).
struct cbrng_binomial {
    double n, p, q;
    bool flip;
    int mode;  // 0: constant; 1: inversion; 2: BTRS
    double m, f0_or_b, r_or_a, alpha, vr, h, ci, cf;
};

CBRNG_FN cbrng_binomial cbrng_binomial_new(cbrng_u64 n_int, double big_p) {
    cbrng_binomial s;
    const double n = cbrng_u64_to_f64(n_int);
    s.n = n;
    s.flip = big_p > 0.5;
    s.p = s.flip ? cbrng_dsub(1.0, big_p) : big_p;
    s.q = cbrng_dsub(1.0, s.p);
    s.mode = 0;
    s.m = 0.0;
    s.f0_or_b = 0.0;
    s.r_or_a = 0.0;
    s.alpha = 0.0;
    s.vr = 0.0;
    s.h = 0.0;
    s.ci = 0.0;
    s.cf = 0.0;
    const double p = s.p, q = s.q;
    if (n_int == 0 || p == 0.0) return s;
    s.m = cbrng_dfloor(cbrng_dmul(cbrng_dadd(n, 1.0), p));
    const double np = cbrng_dmul(n, p);
    if (np < CBRNG_BINOMIAL_INVERSION_BELOW) {
        s.mode = 1;
        s.f0_or_b = cbrng_exp_f64(cbrng_dmul(n, cbrng_log1p_f64(-p)));
        s.r_or_a = cbrng_ddiv(p, q);
    } else {
        s.mode = 2;
        const double spq = cbrng_dsqrt(cbrng_dmul(np, q));
        const double b = cbrng_dadd(CBRNG_BTRS_B0, cbrng_dmul(CBRNG_BTRS_B1, spq));
        s.f0_or_b = b;
        s.r_or_a = cbrng_dadd(cbrng_dadd(CBRNG_BTRS_A0, cbrng_dmul(CBRNG_BTRS_A1, b)), cbrng_dmul(CBRNG_BTRS_A2, p));
        s.alpha = cbrng_dmul(cbrng_dadd(CBRNG_BTRS_AL0, cbrng_ddiv(CBRNG_BTRS_AL1, b)), spq);
        s.vr = cbrng_dsub(CBRNG_BTRS_VR0, cbrng_ddiv(CBRNG_BTRS_VR1, b));
        const double c = cbrng_dadd(np, 0.5);
        s.ci = cbrng_dfloor(c);
        s.cf = cbrng_dsub(c, s.ci);
        s.h = cbrng_binomial_ln_pmf(s.m, n, p, q);
    }
    return s;
}

CBRNG_FN cbrng_u64 cbrng_binomial_out(const cbrng_binomial& s, double k) {
    return s.flip ? (cbrng_u64)cbrng_dsub(s.n, k) : (cbrng_u64)k;
}

CBRNG_FN cbrng_u64 cbrng_binomial_fallback(const cbrng_binomial& s) { return cbrng_binomial_out(s, s.m); }

CBRNG_FN bool cbrng_binomial_attempt(const cbrng_binomial& s, cbrng_u64 x0, cbrng_u64 x1, cbrng_u64* out) {
    const double n = s.n;
    if (s.mode == 0) {
        *out = cbrng_binomial_out(s, s.m);
        return true;
    }
    if (s.mode == 1) {
        const double u = cbrng_u53(x0);
        const double r = s.r_or_a;
        double f = s.f0_or_b;
        double big_f = f;
        double k = 0.0;
        while (u >= big_f) {
            if (k == n || k == (double)CBRNG_INVERSION_MAX_K) return false;
            k = cbrng_dadd(k, 1.0);
            f = cbrng_ddiv(cbrng_dmul(cbrng_dmul(f, r), cbrng_dsub(cbrng_dadd(n, 1.0), k)), k);
            big_f = cbrng_dadd(big_f, f);
        }
        *out = cbrng_binomial_out(s, k);
        return true;
    }
    const double u = cbrng_centred_uniform(x0);
    const double v = cbrng_open_uniform(x1);
    const double us = cbrng_dsub(0.5, cbrng_dfabs(u));
    const double a = s.r_or_a, b = s.f0_or_b;
    const double t = cbrng_dadd(cbrng_dmul(cbrng_dadd(cbrng_ddiv(cbrng_dmul(2.0, a), us), b), u), s.cf);
    const double k = cbrng_dadd(s.ci, cbrng_dfloor(t));
    if (k < 0.0 || k > n) return false;
    if (us >= CBRNG_SQUEEZE_US && v <= s.vr) {
        *out = cbrng_binomial_out(s, k);
        return true;
    }
    const double lhs = cbrng_ln_f64(cbrng_ddiv(cbrng_dmul(v, s.alpha),
                                               cbrng_dadd(cbrng_ddiv(a, cbrng_dmul(us, us)), b)));
    if (lhs <= cbrng_dsub(cbrng_binomial_ln_pmf(k, n, s.p, s.q), s.h)) {
        *out = cbrng_binomial_out(s, k);
        return true;
    }
    return false;
}

// ---- one element: attempts 0, 1, ... of element i on the attempt key
// (attempts.cuh, 4 words: x0 = words 0-1, x1 = words 2-3), then the fallback.
// S is cbrng_poisson or cbrng_binomial; ATTEMPT and FALLBACK its functions.
template <class G, class S>
struct cbrng_discrete_sampler;

template <class G>
struct cbrng_discrete_sampler<G, cbrng_poisson> {
    static CBRNG_MEMBER_FN cbrng_u64 element(const cbrng_poisson& s, const cbrng_key& key, cbrng_u64 i) {
        cbrng_u32 w[4];
        cbrng_u64 k;
        for (cbrng_u32 a = 0; a < CBRNG_MAX_ATTEMPTS; ++a) {
            cbrng_attempt_words<G, 4>(key, a, i, w);
            const cbrng_u64 x0 = (cbrng_u64)w[0] | ((cbrng_u64)w[1] << 32);
            const cbrng_u64 x1 = (cbrng_u64)w[2] | ((cbrng_u64)w[3] << 32);
            if (cbrng_poisson_attempt(s, x0, x1, &k)) return k;
        }
        return cbrng_poisson_fallback(s);
    }
};

template <class G>
struct cbrng_discrete_sampler<G, cbrng_binomial> {
    static CBRNG_MEMBER_FN cbrng_u64 element(const cbrng_binomial& s, const cbrng_key& key, cbrng_u64 i) {
        if (s.mode == 0) return cbrng_binomial_fallback(s);  // a constant: no words
        cbrng_u32 w[4];
        cbrng_u64 k;
        for (cbrng_u32 a = 0; a < CBRNG_MAX_ATTEMPTS; ++a) {
            cbrng_attempt_words<G, 4>(key, a, i, w);
            const cbrng_u64 x0 = (cbrng_u64)w[0] | ((cbrng_u64)w[1] << 32);
            const cbrng_u64 x1 = (cbrng_u64)w[2] | ((cbrng_u64)w[3] << 32);
            if (cbrng_binomial_attempt(s, x0, x1, &k)) return k;
        }
        return cbrng_binomial_fallback(s);
    }
};

#endif  // CBRNG_DISCRETE_CUH
