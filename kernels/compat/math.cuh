// The device math the reproduced systems call, in one place: the only file
// under kernels/ that may name an approximate intrinsic or a fused
// multiply-add (tests/kernel_sources.rs holds it to exactly these).
//
// cbrng's own kernels never fuse and never approximate (kernels/cbrng/
// config.cuh; NVRTC runs with --fmad=false). A compat kernel must compute
// what the reproduced system's device code computes, and that code is built
// by nvcc with its default -fmad=true and calls CUDA's math library:
//
//   * cuRAND (curand_normal.h, _curand_box_muller): the float Box-Muller
//     calls the special-function unit's sine-cosine intrinsic and CUDA's
//     logf; the double one calls log and sincospi; curand_log_normal calls
//     expf. nvcc contracts `y * CURAND_2POW32_INV_2PI + CURAND_2POW32_INV_2PI/2`
//     and `mean + stddev * v` into one FMA each (the other products it fuses
//     are by powers of two, exact, so fused or not they round the same).
//   * PyTorch (DistributionTemplates.h / Distributions.cuh): `rand * range +
//     from` and `rand * std + mean` are one FMA each.
//   * JAX's `normal` on a GPU (XLA:GPU, src/compat/jax.rs): libdevice's
//     log1pf and log1p (re-done step by step in libdevice.cuh, whose
//     add.rz.f32 and rcp.approx.ftz.f64 come from here) and, in the f32
//     tail, the approximate square root sqrt.approx.f32.
//
// Every fused step is written here as an explicit FMA and every other
// operation of the compat kernels is an explicit round-to-nearest intrinsic,
// so their own arithmetic does not depend on -fmad (tests/kernel_compile.rs
// checks the PTX is the same under --fmad=false and --fmad=true with the
// math functions replaced by integer stand-ins). The math functions are
// CUDA's own (libdevice), written with plain operations that ptxas may fuse
// under -fmad=true: the compat module is compiled with --fmad=true, as the
// reproduced systems are (cbrng::cuda::compat::compat_options).
//
// Host builds (the g++ twin, tests/host_twin/compat_twin.cpp) have no CUDA
// math library: there the twin defines the cbrng_compat_host_* functions as
// the CPU definition's stand-ins (src/compat/curand.rs: the C library's
// logf, log, expf, sinf/cosf and sin/cos of the reduced argument), so the
// rest of the arithmetic is checked against the CPU bit for bit.
#ifndef CBRNG_COMPAT_MATH_CUH
#define CBRNG_COMPAT_MATH_CUH
#include "../cbrng/config.cuh"

#if defined(__CUDA_ARCH__) && defined(CBRNG_COMPAT_OPAQUE_MATH)
// For tests/kernel_compile.rs only: the math functions replaced by integer
// stand-ins, so the PTX holds the compat kernels' own arithmetic alone and
// can be compared under --fmad=false and --fmad=true.
CBRNG_FN float cbrng_compat_fmadd_f32(float a, float b, float c) { return __fmaf_rn(a, b, c); }
CBRNG_FN double cbrng_compat_fmadd_f64(double a, double b, double c) { return __fma_rn(a, b, c); }
CBRNG_FN float cbrng_compat_logf(float x) { return __uint_as_float(__float_as_uint(x) ^ 1u); }
CBRNG_FN double cbrng_compat_log(double x) { return __longlong_as_double(__double_as_longlong(x) ^ 1); }
CBRNG_FN float cbrng_compat_expf(float x) { return __uint_as_float(__float_as_uint(x) ^ 2u); }
CBRNG_FN void cbrng_compat_sincosf_sfu(float v, float* s, float* c) {
    *s = __uint_as_float(__float_as_uint(v) ^ 3u);
    *c = __uint_as_float(__float_as_uint(v) ^ 4u);
}
CBRNG_FN void cbrng_compat_sincospi(double v, double* s, double* c) {
    *s = __longlong_as_double(__double_as_longlong(v) ^ 3);
    *c = __longlong_as_double(__double_as_longlong(v) ^ 4);
}
#elif defined(__CUDA_ARCH__)
CBRNG_FN float cbrng_compat_fmadd_f32(float a, float b, float c) { return __fmaf_rn(a, b, c); }
CBRNG_FN double cbrng_compat_fmadd_f64(double a, double b, double c) { return __fma_rn(a, b, c); }
CBRNG_FN float cbrng_compat_logf(float x) { return logf(x); }
CBRNG_FN double cbrng_compat_log(double x) { return log(x); }
CBRNG_FN float cbrng_compat_expf(float x) { return expf(x); }
// cuRAND's float Box-Muller: the approximate special-function-unit sine and
// cosine (PTX sin.approx.f32 / cos.approx.f32), exactly as cuRAND calls it.
CBRNG_FN void cbrng_compat_sincosf_sfu(float v, float* s, float* c) { __sincosf(v, s, c); }
CBRNG_FN void cbrng_compat_sincospi(double v, double* s, double* c) { sincospi(v, s, c); }
#else
CBRNG_FN float cbrng_compat_fmadd_f32(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
CBRNG_FN double cbrng_compat_fmadd_f64(double a, double b, double c) { return __builtin_fma(a, b, c); }
float cbrng_compat_host_logf(float x);
double cbrng_compat_host_log(double x);
float cbrng_compat_host_expf(float x);
void cbrng_compat_host_sincosf(float v, float* s, float* c);
void cbrng_compat_host_sincospi(double v, double* s, double* c);
CBRNG_FN float cbrng_compat_logf(float x) { return cbrng_compat_host_logf(x); }
CBRNG_FN double cbrng_compat_log(double x) { return cbrng_compat_host_log(x); }
CBRNG_FN float cbrng_compat_expf(float x) { return cbrng_compat_host_expf(x); }
CBRNG_FN void cbrng_compat_sincosf_sfu(float v, float* s, float* c) { cbrng_compat_host_sincosf(v, s, c); }
CBRNG_FN void cbrng_compat_sincospi(double v, double* s, double* c) { cbrng_compat_host_sincospi(v, s, c); }
#endif

#if defined(__CUDA_ARCH__)
// add.rz.f32: the sum rounded toward zero (exact IEEE arithmetic, not an
// approximation; libdevice's log1pf takes 1 + a's exponent from it).
CBRNG_FN float cbrng_compat_fadd_rz(float a, float b) { return __fadd_rz(a, b); }
// The two hardware approximations XLA:GPU's normal reaches: __nv_sqrtf's
// sqrt.approx.f32 (XLA leaves __CUDA_PREC_SQRT unset) and __nv_log1p's
// reciprocal seed. Inline PTX, so nothing but these instructions is emitted.
CBRNG_FN float cbrng_compat_sqrt_approx_f32(float x) {
    float r;
    asm("sqrt.approx.f32 %0, %1;" : "=f"(r) : "f"(x));
    return r;
}
CBRNG_FN double cbrng_compat_rcp_approx_ftz_f64(double x) {
    double r;
    asm("rcp.approx.ftz.f64 %0, %1;" : "=d"(r) : "d"(x));
    return r;
}
#else
// The host twin's stand-ins (tests/host_twin/compat_twin.cpp): the CPU
// definition's (src/compat/libdevice.rs add_rz_f32, the correctly rounded
// root, rcp_approx_ftz_f64's model).
float cbrng_compat_host_fadd_rz(float a, float b);
float cbrng_compat_host_sqrt_approx_f32(float x);
double cbrng_compat_host_rcp_approx_ftz_f64(double x);
CBRNG_FN float cbrng_compat_fadd_rz(float a, float b) { return cbrng_compat_host_fadd_rz(a, b); }
CBRNG_FN float cbrng_compat_sqrt_approx_f32(float x) { return cbrng_compat_host_sqrt_approx_f32(x); }
CBRNG_FN double cbrng_compat_rcp_approx_ftz_f64(double x) { return cbrng_compat_host_rcp_approx_ftz_f64(x); }
#endif

#endif // CBRNG_COMPAT_MATH_CUH
