// cbrng device-function configuration: one source for nvcc, NVRTC and host C++.
//
// The same headers compile as CUDA (nvcc or NVRTC) and as plain C++ (g++ on the
// host, which is how CI checks their arithmetic against the Rust definition on
// every run). Floating-point steps go through the cbrng_f*/cbrng_d* wrappers:
// on the device they are the explicit round-to-nearest intrinsics, which the
// compiler never contracts into FMA or replaces with approximations, so a
// user's kernel built with default flags (-fmad=true) still draws the same
// bits as cbrng on the CPU.
#ifndef CBRNG_CONFIG_CUH
#define CBRNG_CONFIG_CUH

// Flush-to-zero breaks the promise above: nvcc's and NVRTC's fast math flag
// implies -ftz=true, which turns the _rn intrinsics into their .ftz forms
// (subnormal inputs and results become zero), so such device code no longer
// draws the CPU's bits. Both compilers say so in predefined macros
// (__USE_FAST_MATH__ and __CUDA_FTZ, 0 or 1; checked with NVRTC 12.9 and
// 13.0): refuse to build then. Define CBRNG_ALLOW_FTZ to build anyway and
// accept bits that differ from the CPU's wherever a subnormal occurs.
#if defined(__CUDA_ARCH__) && !defined(CBRNG_ALLOW_FTZ)
#if (defined(__USE_FAST_MATH__) && __USE_FAST_MATH__) || (defined(__CUDA_FTZ) && __CUDA_FTZ)
#error "cbrng: device code built with flush-to-zero (the fast math flag or -ftz=true) would not draw the CPU's bits; build without them, or define CBRNG_ALLOW_FTZ to accept different bits"
#endif
#endif

// CBRNG_FN: free functions; CBRNG_MEMBER_FN: static member functions.
#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define CBRNG_FN __host__ __device__ __forceinline__
#define CBRNG_MEMBER_FN __host__ __device__ __forceinline__
#else
#define CBRNG_FN static inline
#define CBRNG_MEMBER_FN inline
#endif

// Fixed-width words without <stdint.h> (NVRTC has no standard headers).
typedef unsigned char cbrng_u8;
typedef unsigned short cbrng_u16;
typedef unsigned int cbrng_u32;
typedef unsigned long long cbrng_u64;
typedef int cbrng_i32;

CBRNG_FN cbrng_u32 cbrng_mulhi32(cbrng_u32 a, cbrng_u32 b) {
#ifdef __CUDA_ARCH__
    return __umulhi(a, b);
#else
    return (cbrng_u32)(((cbrng_u64)a * (cbrng_u64)b) >> 32);
#endif
}

CBRNG_FN cbrng_u64 cbrng_mulhi64(cbrng_u64 a, cbrng_u64 b) {
#ifdef __CUDA_ARCH__
    return __umul64hi(a, b);
#else
    return (cbrng_u64)(((unsigned __int128)a * (unsigned __int128)b) >> 64);
#endif
}

// IEEE round-to-nearest arithmetic, never contracted.
#ifdef __CUDA_ARCH__
CBRNG_FN float cbrng_fadd(float a, float b) { return __fadd_rn(a, b); }
CBRNG_FN float cbrng_fsub(float a, float b) { return __fsub_rn(a, b); }
CBRNG_FN float cbrng_fmul(float a, float b) { return __fmul_rn(a, b); }
CBRNG_FN float cbrng_fdiv(float a, float b) { return __fdiv_rn(a, b); }
CBRNG_FN float cbrng_fsqrt(float a) { return __fsqrt_rn(a); }
CBRNG_FN double cbrng_dadd(double a, double b) { return __dadd_rn(a, b); }
CBRNG_FN double cbrng_dsub(double a, double b) { return __dsub_rn(a, b); }
CBRNG_FN double cbrng_dmul(double a, double b) { return __dmul_rn(a, b); }
CBRNG_FN double cbrng_ddiv(double a, double b) { return __ddiv_rn(a, b); }
CBRNG_FN double cbrng_dsqrt(double a) { return __dsqrt_rn(a); }
CBRNG_FN float cbrng_u32_to_f32(cbrng_u32 x) { return __uint2float_rn(x); }
CBRNG_FN double cbrng_u64_to_f64(cbrng_u64 x) { return __ull2double_rn(x); }
CBRNG_FN float cbrng_bits_to_f32(cbrng_u32 x) { return __uint_as_float(x); }
CBRNG_FN cbrng_u32 cbrng_f32_to_bits(float x) { return __float_as_uint(x); }
CBRNG_FN double cbrng_bits_to_f64(cbrng_u64 x) { return __longlong_as_double((long long)x); }
CBRNG_FN cbrng_u64 cbrng_f64_to_bits(double x) { return (cbrng_u64)__double_as_longlong(x); }
#else
// Host: plain IEEE operations; build with -ffp-contract=off (as CI does).
CBRNG_FN float cbrng_fadd(float a, float b) { return a + b; }
CBRNG_FN float cbrng_fsub(float a, float b) { return a - b; }
CBRNG_FN float cbrng_fmul(float a, float b) { return a * b; }
CBRNG_FN float cbrng_fdiv(float a, float b) { return a / b; }
CBRNG_FN float cbrng_fsqrt(float a) { return __builtin_sqrtf(a); }
CBRNG_FN double cbrng_dadd(double a, double b) { return a + b; }
CBRNG_FN double cbrng_dsub(double a, double b) { return a - b; }
CBRNG_FN double cbrng_dmul(double a, double b) { return a * b; }
CBRNG_FN double cbrng_ddiv(double a, double b) { return a / b; }
CBRNG_FN double cbrng_dsqrt(double a) { return __builtin_sqrt(a); }
CBRNG_FN float cbrng_u32_to_f32(cbrng_u32 x) { return (float)x; }
CBRNG_FN double cbrng_u64_to_f64(cbrng_u64 x) { return (double)x; }
CBRNG_FN float cbrng_bits_to_f32(cbrng_u32 x) { float f; __builtin_memcpy(&f, &x, 4); return f; }
CBRNG_FN cbrng_u32 cbrng_f32_to_bits(float x) { cbrng_u32 u; __builtin_memcpy(&u, &x, 4); return u; }
CBRNG_FN double cbrng_bits_to_f64(cbrng_u64 x) { double f; __builtin_memcpy(&f, &x, 8); return f; }
CBRNG_FN cbrng_u64 cbrng_f64_to_bits(double x) { cbrng_u64 u; __builtin_memcpy(&u, &x, 8); return u; }
#endif

#endif // CBRNG_CONFIG_CUH
