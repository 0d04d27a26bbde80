/* Harness for gen_libdevice_ref.py: calls __nv_log1pf and __nv_log1p of
 * CUDA 12.9's libdevice.10.bc, compiled for x86-64 by llc after the NVVM
 * intrinsics were renamed to the h_* helpers below, and prints reference
 * values and digests (format: see libdevice_ref.txt's header). Built with
 * -ffp-contract=off -frounding-math: every helper rounds as the PTX
 * instruction it stands for. */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

float __nv_log1pf(float);
double __nv_log1p(double);

/* __nvvm_reflect: "__CUDA_FTZ" is 0 (XLA's default xla_gpu_ftz=false). */
int h_reflect(const char *s) { (void)s; return 0; }
/* add.rz.f32: the sum rounded toward zero. */
float h_add_rz_f(float a, float b) {
  fesetround(FE_TOWARDZERO);
  volatile float r = a + b;
  fesetround(FE_TONEAREST);
  return r;
}
/* The FTZ variants are never taken (h_reflect answers 0). */
float h_add_rz_ftz_f(float a, float b) { (void)a; (void)b; abort(); }
float h_fma_ftz_f(float a, float b, float c) { (void)a; (void)b; (void)c; abort(); }
int32_t h_d2i_hi(double x) { uint64_t u; memcpy(&u, &x, 8); return (int32_t)(u >> 32); }
int32_t h_d2i_lo(double x) { uint64_t u; memcpy(&u, &x, 8); return (int32_t)(uint32_t)u; }
double h_lohi_i2d(int32_t lo, int32_t hi) {
  uint64_t u = ((uint64_t)(uint32_t)hi << 32) | (uint32_t)lo;
  double x; memcpy(&x, &u, 8); return x;
}
/* rcp.approx.ftz.f64: cbrng's model (compat::libdevice::rcp_approx_ftz_f64),
 * the correctly rounded 1/y with the low word cleared. */
double h_rcp_approx_ftz_d(double y) {
  volatile double r = 1.0 / y;
  uint64_t u; double x = r; memcpy(&u, &x, 8); u &= 0xFFFFFFFF00000000ull;
  memcpy(&x, &u, 8); return x;
}

static uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static uint64_t fnv(uint64_t h, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) { h ^= (v >> (8 * i)) & 0xFF; h *= 0x100000001B3ull; }
  return h;
}
static uint32_t fbits(float x) { uint32_t u; memcpy(&u, &x, 4); return isnan(x) ? 0x7FC00000u : u; }
static uint64_t dbits(double x) { uint64_t u; memcpy(&u, &x, 8); return isnan(x) ? 0x7FF8000000000000ull : u; }
static float f_of(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }
static double d_of(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }

int main(void) {
  /* f32: every 61st pattern of [-0, -1], every 1009th of [+0, +inf). */
  uint64_t h = 0xCBF29CE484222325ull, n = 0;
  int shown = 0;
  for (uint64_t b = 0x80000000u; b <= 0xBF800000u; b += 61) {
    float y = __nv_log1pf(f_of((uint32_t)b));
    h = fnv(h, fbits(y), 4); n++;
    if (shown++ < 12) printf("log1pf %08x %08x\n", (unsigned)b, fbits(y));
  }
  shown = 0;
  for (uint64_t b = 0; b < 0x7F800000u; b += 1009) {
    float y = __nv_log1pf(f_of((uint32_t)b));
    h = fnv(h, fbits(y), 4); n++;
    if (shown++ < 12) printf("log1pf %08x %08x\n", (unsigned)b, fbits(y));
  }
  printf("digest log1pf %llu %016llx\n", (unsigned long long)n, (unsigned long long)h);
  /* f64: x = -(u*u) for u = (splitmix64(i) >> 11) 2^-53 (the erf_inv
   * argument), then random bit patterns. */
  h = 0xCBF29CE484222325ull; n = 0; shown = 0;
  for (uint64_t i = 0; i < (1u << 21); i++) {
    double u = (double)(splitmix64(i) >> 11) * 0x1p-53;
    volatile double uu = u * u;
    double x = -uu;
    double y = __nv_log1p(x);
    h = fnv(h, dbits(y), 8); n++;
    if (shown++ < 12) printf("log1p %016llx %016llx\n", (unsigned long long)dbits(x), (unsigned long long)dbits(y));
  }
  shown = 0;
  for (uint64_t i = 0; i < (1u << 20); i++) {
    double x = d_of(splitmix64(i + (1ull << 40)));
    double y = __nv_log1p(x);
    h = fnv(h, dbits(y), 8); n++;
    if (shown++ < 12) printf("log1p %016llx %016llx\n", (unsigned long long)dbits(x), (unsigned long long)dbits(y));
  }
  printf("digest log1p %llu %016llx\n", (unsigned long long)n, (unsigned long long)h);
  /* Special and boundary inputs. */
  const uint32_t fs[] = {0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x3f800000, 0xbf800000,
                         0xbf7fffff, 0xbe800000, 0x3ed413cd, 0x7f800000, 0xff800000, 0x7fc00000,
                         0xc0000000, 0x7f7fffff, 0x33800000, 0xb3800000, 0xbf000000, 0x3f000000};
  for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
    printf("log1pf %08x %08x\n", (unsigned)fs[i], fbits(__nv_log1pf(f_of(fs[i]))));
  const uint64_t ds[] = {0x0000000000000000ull, 0x8000000000000000ull, 0x0000000000000001ull,
                         0x3FF0000000000000ull, 0xBFF0000000000000ull, 0xBFEFFFFFFFFFFFFFull,
                         0xBFD9999999999999ull, 0xBFD999999999999Aull, 0xBFD9999A00000000ull,
                         0x3FE5555555555555ull, 0x3FE5555600000000ull, 0x7FF0000000000000ull,
                         0xFFF0000000000000ull, 0x7FF8000000000000ull, 0xC000000000000000ull,
                         0x7FEFFFFFFFFFFFFFull, 0x3CA0000000000000ull, 0xBCA0000000000000ull,
                         0xBFE0000000000000ull, 0x3FE0000000000000ull};
  for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++)
    printf("log1p %016llx %016llx\n", (unsigned long long)ds[i],
           (unsigned long long)dbits(__nv_log1p(d_of(ds[i]))));
  return 0;
}
