// Host twin of the contract v2 device functions (kernels/cbrng/exact_math.cuh
// and continuous.cuh) one call at a time, so tests/host_twin.rs can compare
// them with the Rust definition on chosen inputs (the edge stream elements
// included), not only on what a stream happens to draw.
//
// Reads lines "NAME A B X" (A, B: the IEEE bits of two f64 parameters in hex;
// X: the input in hex: float bits for the elementary functions, the u32 or
// u64 stream element for the distributions) and writes the result's bits in
// hex, one a line.
#include "cbrng.cuh"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static double f64_of(unsigned long long b) {
    double x;
    std::memcpy(&x, &b, 8);
    return x;
}

int main() {
    char name[64];
    unsigned long long ab, bb, x;
    while (std::scanf("%63s %llx %llx %llx", name, &ab, &bb, &x) == 4) {
        const std::string n = name;
        const double a = f64_of(ab), b = f64_of(bb);
        const float fa = (float)a, fb = (float)b;
        const float xf = cbrng_bits_to_f32((cbrng_u32)x);
        const double xd = cbrng_bits_to_f64(x);
        const cbrng_u32 w = (cbrng_u32)x;
        unsigned long long r;
#define F32(NAME, EXPR) else if (n == NAME) r = cbrng_f32_to_bits(EXPR);
#define F64(NAME, EXPR) else if (n == NAME) r = cbrng_f64_to_bits(EXPR);
#define U16(NAME, EXPR) else if (n == NAME) r = (EXPR);
        if (false) r = 0;
        F32("ln_f32", cbrng_ln_f32(xf))
        F64("ln_f64", cbrng_ln_f64(xd))
        F32("log1p_f32", cbrng_log1p_f32(xf))
        F64("log1p_f64", cbrng_log1p_f64(xd))
        F32("exp_f32", cbrng_exp_f32(xf))
        F64("exp_f64", cbrng_exp_f64(xd))
        F32("sinpi_f32", cbrng_sinpi_f32(xf))
        F64("sinpi_f64", cbrng_sinpi_f64(xd))
        F32("cospi_f32", cbrng_cospi_f32(xf))
        F64("cospi_f64", cbrng_cospi_f64(xd))
        F32("exponential_f32", cbrng_exponential_f32(w, fa))
        F64("exponential_f64", cbrng_exponential_f64(x, a))
        F32("log_normal_f32", cbrng_log_normal_f32(w, fa, fb))
        F64("log_normal_f64", cbrng_log_normal_f64(x, a, b))
        F32("gumbel_f32", cbrng_gumbel_f32(w, fa, fb))
        F64("gumbel_f64", cbrng_gumbel_f64(x, a, b))
        F32("cauchy_f32", cbrng_cauchy_f32(w, fa, fb))
        F64("cauchy_f64", cbrng_cauchy_f64(x, a, b))
        F32("logistic_f32", cbrng_logistic_f32(w, fa, fb))
        F64("logistic_f64", cbrng_logistic_f64(x, a, b))
        F32("laplace_f32", cbrng_laplace_f32(w, fa, fb))
        F64("laplace_f64", cbrng_laplace_f64(x, a, b))
        F32("uniform_range_f32", cbrng_uniform_range_f32(w, fa, fb))
        F64("uniform_range_f64", cbrng_uniform_range_f64(x, a, b))
        U16("normal_f16", cbrng_normal_f16_bits(w, fa, fb))
        U16("normal_bf16", cbrng_normal_bf16_bits(w, fa, fb))
        else {
            std::fprintf(stderr, "math_twin: unknown function %s\n", name);
            return 2;
        }
#undef F32
#undef F64
#undef U16
        std::printf("%llx\n", r);
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}
