/* Checks that the C library's sincosf gives the same bits as its sinf and
   cosf for every float in [0, 7], which holds every Box-Muller angle
   (v = y * 2^-32 * 2pi + 2^-33 * 2pi is at most 6.2831855): the claim that
   lets cbrng::compat::curand::sin_cos_f32 make one sincosf call where it
   made two. Run with glibc 2.36 (Debian 12, x86-64 with FMA): n=1088421889
   bad=0.

     gcc -O2 -fno-builtin check_sincosf.c -o check_sincosf -lm && ./check_sincosf

   (-fno-builtin: GCC would otherwise fold the sinf/cosf pair into sincosf.) */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  uint64_t bad = 0, n = 0;
  float lo = 0.0f, hi = 7.0f;
  uint32_t a, b;
  memcpy(&a, &lo, 4);
  memcpy(&b, &hi, 4);
  for (uint32_t i = a; i <= b; i++) {
    float x, s1, c1, s2, c2;
    memcpy(&x, &i, 4);
    s1 = sinf(x);
    c1 = cosf(x);
    sincosf(x, &s2, &c2);
    if (memcmp(&s1, &s2, 4) || memcmp(&c1, &c2, 4)) {
      if (bad < 5) printf("differ at %a\n", x);
      bad++;
    }
    n++;
  }
  printf("n=%lu bad=%lu\n", (unsigned long)n, (unsigned long)bad);
  return bad != 0;
}
