#!/usr/bin/env python3
"""Writes normal_exact.txt: sqrt(2) * erfinv(u), correctly rounded, for a
sample of the u that jax.random.normal can draw, for tests/compat_jax_gpu.rs.

u comes from JAX's uniform: f = k 2^-23 (f32) or k 2^-52 (f64), then
u = max(lo, f * 2 + lo) in the dtype, lo = nextafter(-1, 0) (jax/_src/random.py,
_normal_real and _uniform). mpmath evaluates erfinv at 150 bits; f64 values
are mpmath's correctly rounded conversion, f32 values are rounded from it
with the midpoint case decided on the exact value.

Lines: 'f32 K BITS' / 'f64 K BITS' (k decimal, result bits hex).
Run: python3 tests/data/compat/jax/gen_normal_exact.py   (mpmath 1.3)
"""
import os
import random
import struct

import mpmath

HERE = os.path.dirname(os.path.abspath(__file__))
mpmath.mp.prec = 150


def f32(x):
    """x (a float) rounded to the nearest f32 (C's double -> float cast)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f32_of_bits(b):
    return struct.unpack("<f", struct.pack("<I", b))[0]


def round_f32(x):
    """x (an mpf) rounded to the nearest f32, ties to even, decided exactly."""
    f = f32(float(x))
    b = f32_bits(f)
    best = f
    for c in (f32_of_bits(b - 1), f32_of_bits(b + 1)):
        d, e = abs(mpmath.mpf(c) - x), abs(mpmath.mpf(best) - x)
        if d < e or (d == e and f32_bits(c) % 2 == 0):
            best = c
    return best


def u32(k):
    lo = f32_of_bits(0xBF7FFFFF)  # nextafter(-1, 0) in f32
    f = k * 2.0**-23
    return max(lo, f32(f * 2.0 + lo))  # f * 2 + lo is exact in f64


def u64(k):
    lo = struct.unpack("<d", struct.pack("<Q", 0xBFEFFFFFFFFFFFFF))[0]
    f = float(k) * 2.0**-52
    return max(lo, f * 2.0 + lo)


def main():
    rng = random.Random(20260)
    out = []
    n32 = 1 << 23
    ks = set(range(0, 40)) | set(range(n32 - 40, n32)) | {n32 // 2, n32 // 2 - 1, n32 // 2 + 1}
    ks |= {rng.randrange(n32) for _ in range(3000)}
    # The tail |u| > 0.9966 (w >= 5), where XLA:GPU's sqrt is approximate.
    tail = int(0.0017 * n32)
    ks |= {rng.randrange(tail) for _ in range(800)} | {n32 - 1 - rng.randrange(tail) for _ in range(800)}
    for k in sorted(ks):
        u = u32(k)
        x = mpmath.sqrt(2) * mpmath.erfinv(mpmath.mpf(u))
        out.append("f32 %d %08x" % (k, f32_bits(round_f32(x))))
    n64 = 1 << 52
    ks = set(range(0, 20)) | set(range(n64 - 20, n64)) | {n64 // 2}
    ks |= {rng.randrange(n64) for _ in range(3000)}
    tail = int(0.0017 * n64)
    ks |= {rng.randrange(tail) for _ in range(500)} | {n64 - 1 - rng.randrange(tail) for _ in range(500)}
    for k in sorted(ks):
        u = u64(k)
        x = mpmath.sqrt(2) * mpmath.erfinv(mpmath.mpf(u))
        out.append("f64 %d %016x" % (k, f64_bits(float(x))))
    with open(os.path.join(HERE, "normal_exact.txt"), "w") as f:
        f.write("# sqrt(2) * erfinv(u) correctly rounded (mpmath %s, 150 bits) for u of\n"
                "# jax.random.normal's uniform grid; made by gen_normal_exact.py.\n" % mpmath.__version__)
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
