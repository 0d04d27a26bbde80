#!/usr/bin/env python3
"""Writes tests/data/exact_math_reference.txt: exact values (mpmath, 40
significant digits) of the crate's own elementary functions
(src/dist/exact_math.rs) and of the contract v2 standard variates
(src/dist/continuous.rs) at fixed inputs, so tests/exact_math.rs can measure
and bound their errors in ulps. Independent of the crate: only mpmath and the
definitions' mathematical meaning.

    python3 -m venv v && v/bin/pip install mpmath==1.4.1
    v/bin/python tests/data/gen_exact_math_reference.py > tests/data/exact_math_reference.txt

Line format: FUNCTION INPUT HI LO, INPUT as hex bits (f32: 8 digits, f64 and
u64: 16 digits; the variates' input is the u32 or u64 stream element); the
exact value is HI + LO to about 2^-106 relative: HI the nearest f64 (hex
bits), LO the nearest f64 to the rest (decimal). For the variates the exact value is the exact quantile at the
exact tail probability q = (2k+1) 2^-33 (or 2^-54), before any rounding.
"""
import random
import struct

import mpmath as mp

mp.mp.dps = 60
N = 400  # random inputs per function and type, besides the edge cases


def f32_of(bits):
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def f64_of(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def bits32(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def bits64(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def out(name, bits, width, value):
    hi = float(value)  # nearest f64
    lo = float(value - hi)  # the rest, nearest f64
    print(f"{name} {bits:0{width}x} {bits64(hi):016x} {lo!r}")


rng = random.Random(20261202)


def floats(kind, lo, hi, n, log=False):
    """n floats of the type in [lo, hi] (uniform, or log-uniform when log)."""
    v = []
    for _ in range(n):
        if log:
            x = float(mp.exp(mp.mpf(rng.uniform(float(mp.log(lo)), float(mp.log(hi))))))
        else:
            x = rng.uniform(lo, hi)
        v.append(f32_of(bits32(x)) if kind == 32 else x)
    return v


def emit(name, kind, xs, fn):
    for x in xs:
        b = bits32(x) if kind == 32 else bits64(x)
        out(f"{name}_f{kind}", b, 8 if kind == 32 else 16, fn(mp.mpf(x)))


print("# Exact values for tests/exact_math.rs (tests/data/gen_exact_math_reference.py, mpmath "
      + mp.__version__ + ").")
print("# FUNCTION INPUT_BITS EXACT_HI_F64_BITS EXACT_LO")
for kind in (32, 64):
    tiny = 2.0 ** -120 if kind == 32 else 2.0 ** -1000
    huge = 2.0 ** 120 if kind == 32 else 2.0 ** 1000
    # ln: all exponents, around 1, the samplers' ranges
    xs = floats(kind, tiny, huge, N, log=True) + floats(kind, 0.5, 2.0, N) \
        + floats(kind, 2.0 ** -54, 0.5, N, log=True) + [1.0, 2.0, 0.5, 0.75, 1.5]
    emit("ln", kind, xs, mp.log)
    # log1p: (-1/2, 0) (the exponential), tiny, large (the logistic), near -1
    xs = floats(kind, -0.5, 0.0, N) + floats(kind, 2.0 ** -60, 2.0 ** -10, N // 2, log=True) \
        + [-x for x in floats(kind, 2.0 ** -60, 2.0 ** -10, N // 2, log=True)] \
        + floats(kind, 2.0 ** -10, 2.0 ** 55, N, log=True) + floats(kind, -0.999, -0.5, N // 4) \
        + [1.0, 2.0 ** -30, -2.0 ** -30, 0.5, -0.5, 3.0]
    emit("log1p", kind, xs, mp.log1p)
    # exp: the whole finite range, near 0, the subnormal results
    lo, hi = (-103.0, 88.7) if kind == 32 else (-744.0, 709.7)
    sub = (-103.0, -87.4) if kind == 32 else (-744.0, -708.4)
    xs = floats(kind, lo, hi, N) + floats(kind, -1.0, 1.0, N) + floats(kind, sub[0], sub[1], N // 2) \
        + floats(kind, 2.0 ** -40, 2.0 ** -5, N // 2, log=True) + [0.5, -0.5, 1.0, 10.0, -10.0]
    emit("exp", kind, xs, mp.exp)
    # sinpi, cospi on [0, 1/4]
    xs = floats(kind, 0.0, 0.25, N) + floats(kind, 2.0 ** -60, 2.0 ** -3, N // 2, log=True) + [0.25, 0.125]
    emit("sinpi", kind, xs, lambda t: mp.sin(mp.pi * t))
    emit("cospi", kind, xs, lambda t: mp.cos(mp.pi * t))

# The standard variates of contract v2 at stream elements: random ones and the
# edges (both ends of k, both halves, the Cauchy switch at q = 1/4).
def words(kind):
    top = 1 << (kind - 1)
    shift = 0 if kind == 32 else 11
    kmax = (top - 1) >> shift
    ks = [0, 1, 2, 3, kmax, kmax - 1, kmax - 2, kmax // 2, kmax // 2 + 1, kmax // 4, kmax // 4 + 1]
    ws = [k << shift for k in ks] + [(k << shift) | top for k in ks]
    ws += [rng.getrandbits(kind) for _ in range(N)]
    # log-uniform k: the tails
    for _ in range(N // 2):
        k = int(mp.exp(rng.uniform(0, float(mp.log(kmax)))))
        ws.append((k << shift) | (top if rng.random() < 0.5 else 0))
    return ws


def split(w, kind):
    if kind == 32:
        k = w & 0x7FFFFFFF
        q = mp.mpf(2 * k + 1) / mp.mpf(2) ** 33
    else:
        k = (w & 0x7FFFFFFFFFFFFFFF) >> 11
        q = mp.mpf(2 * k + 1) / mp.mpf(2) ** 54
    return q, w >> (kind - 1) == 1


def variate(name, w, kind):
    q, lower = split(w, kind)
    u = q if lower else 1 - q  # the uniform in (0, 1)
    if name == "exponential_std":
        return -mp.log1p(-u)
    if name == "gumbel_std":
        return -mp.log(-mp.log1p(-u))
    if name == "laplace_std":
        return mp.log(2 * u) if u < 0.5 else -mp.log(2 * (1 - u))
    if name == "logistic_std":
        return mp.log(u / (1 - u))
    if name == "cauchy_std":
        return mp.tan(mp.pi * (u - mp.mpf(1) / 2))
    raise ValueError(name)


for kind in (32, 64):
    ws = words(kind)
    for name in ("exponential_std", "gumbel_std", "laplace_std", "logistic_std", "cauchy_std"):
        for w in ws:
            out(f"{name}_f{kind}", w, 8 if kind == 32 else 16, variate(name, w, kind))
