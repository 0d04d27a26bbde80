#!/usr/bin/env python3
"""Generate tests/data/normal_reference.txt: high-precision reference values for
cbrng::dist::normal::standard_normal_f32 / standard_normal_f64.

The reference is independent of the Rust code: it recomputes the *exact* tail
probability q of each stream element from the integer (the mapping contract of
src/dist/normal.rs) as a rational number, and takes the exact inverse normal CDF
of it with mpmath at 50+ significant digits (mpmath.erfinv as a start, refined
by Newton's method on erf/erfc and checked by its residual).

Mapping (must match src/dist/normal.rs):
  f32: s = x >> 31, k = x & 0x7fffffff,            q_int = 2k+1, q = q_int / 2^33
  f64: s = x >> 63, k = (x & (2^63-1)) >> 11,       q_int = 2k+1, q = q_int / 2^54
  |z| = -Phi^{-1}(q) = sqrt(2) * t with erfc(t) = 2q  (equivalently erf(t) = 1 - 2q)
  z = -|z| if s == 1 else |z|

Usage:  python3 tests/data/gen_normal_reference.py [output] [samples_per_kind]
(defaults: tests/data/normal_reference.txt next to this script, 1500, i.e.
1500 uniform + 1500 log-uniform samples per type).  Deterministic (fixed seed).
"""

import math
import os
import random
import sys
from decimal import Decimal

import mpmath
from mpmath import mp, mpf

mp.dps = 50
SEED = 20240917


def abs_z(q_int, bits):
    """|z| = -Phi^{-1}(q) for the exact q = q_int / 2^bits (0 < q < 1/2)."""
    with mp.workdps(80):
        q = mpf(q_int) / mpf(2) ** bits
        two_d = 1 - 2 * q  # exact: 1 - 2q in (0, 1)
        # Solve in t = |z| / sqrt(2).  Near the centre erf(t) = 2d is well
        # conditioned; in the tail erfc(t) = 2q is (relative error in q).
        use_erfc = q < mpf(1) / 4
        t = mpmath.erfinv(two_d)
        deriv_scale = 2 / mpmath.sqrt(mp.pi)
        for _ in range(8):
            if use_erfc:
                f = mpmath.erfc(t) - 2 * q
                step = f / (-deriv_scale * mpmath.exp(-t * t))
            else:
                f = mpmath.erf(t) - two_d
                step = f / (deriv_scale * mpmath.exp(-t * t))
            t -= step
            if abs(step) < abs(t) * mpf(10) ** -70:
                break
        # Residual check: relative error of the probability must be negligible.
        if use_erfc:
            rel = abs(mpmath.erfc(t) / (2 * q) - 1)
        else:
            rel = abs(mpmath.erf(t) / two_d - 1)
        assert rel < mpf(10) ** -45, (q_int, bits, rel)
        return mpmath.sqrt(2) * t


def fmt(z):
    """z with 25 significant decimal digits, always in d.ddd...e+XX form."""
    return format(Decimal(mpmath.nstr(z, 40, min_fixed=1, max_fixed=0)), ".24e")


def line_f32(x):
    s, k = x >> 31, x & 0x7FFF_FFFF
    z = abs_z(2 * k + 1, 33)
    return f"f32 {x:08x} {fmt(-z if s else z)}"


def line_f64(x):
    s, k = x >> 63, (x & (2**63 - 1)) >> 11
    z = abs_z(2 * k + 1, 54)
    return f"f64 {x:016x} {fmt(-z if s else z)}"


def k_near_q(q_target, bits, span, step=1):
    """k values whose q = (2k+1)/2^bits lie around q_target (span steps each side)."""
    k0 = int(q_target * 2**bits) // 2
    lo = max(0, k0 - span * step)
    hi = min(2 ** (bits - 1) - 1, k0 + span * step)
    return list(range(lo, hi + 1, step))


def near_binade_tops(rng, bits, count):
    """Elements whose |z| lies just below a power of two (0.5, 1, 2, 4, 8): there an
    ulp is smallest relative to |z|, so errors measured in ulps are largest."""
    ks = []
    for top in (0.5, 1.0, 2.0, 4.0, 8.0):
        for _ in range(count):
            z = top * (1.0 - 0.1 * rng.random())
            q_int = int(mpmath.ncdf(-z) * 2**bits) | 1
            if 1 <= q_int < 2**bits // 2:
                ks.append(q_int >> 1)
    return ks


def inputs_f32(rng, n):
    xs = [0, 1, 2, 3, 0x7FFF_FFFF, 0x7FFF_FFFE, 0x8000_0000, 0x8000_0001,
          0xFFFF_FFFF, 0xFFFF_FFFE, 0x4000_0000, 0xC000_0000]
    # Central/tail switch d = 0.425 <=> q = 0.075.  In f32 the decision is taken
    # on the rounded d (granularity 2^-25 there, i.e. 128 steps of k), so cover
    # both the exact switch and a few f32 steps around it.
    for k in k_near_q(0.075, 33, 12) + k_near_q(0.075, 33, 12, step=37):
        xs += [k, k | 0x8000_0000]
    # The r = 5 switch (q = e^-25) is below q_min = 2^-33: unreachable in f32.
    # Small k (deepest tail) and largest k (z ~ 0).
    xs += list(range(4, 40))
    xs += [0x7FFF_FFFF - i for i in range(2, 40)]
    for k in near_binade_tops(rng, 33, max(60, n // 25)):
        xs.append((rng.getrandbits(1) << 31) | k)
    for _ in range(n):  # uniform in q: a uniform u32
        xs.append(rng.getrandbits(32))
    for _ in range(n):  # log-uniform in q over [2^-33, 1/2)
        q_int = int(2.0 ** (rng.uniform(-33.0, -1.0) + 33.0)) | 1
        q_int = min(q_int, 2**32 - 1)
        xs.append((rng.getrandbits(1) << 31) | (q_int >> 1))
    return list(dict.fromkeys(xs))  # dedupe, keep order


def inputs_f64(rng, n):
    top = 2**63
    xs = [0, 1, 0x7FF, 0x800, 0xFFF, 0x1000, top - 1, top - 0x800, top,
          top + 1, top + 0x800, 2**64 - 1, 2**64 - 0x800, 2**62, 2**63 + 2**62]
    # Central/tail switch d = 0.425 (exact in f64), and the tail switch r = 5
    # (q = e^-25; the decision is on the rounded r, the neighbours straddle it).
    for q_t in (0.075, math.exp(-25.0)):
        for k in k_near_q(q_t, 54, 10) + k_near_q(q_t, 54, 10, step=997):
            low = rng.getrandbits(11)
            xs += [(k << 11) | low, top | (k << 11) | low]
    xs += [k << 11 for k in range(2, 40)]
    xs += [(2**52 - 1 - i) << 11 for i in range(1, 40)]
    for k in near_binade_tops(rng, 54, max(60, n // 25)):
        xs.append((rng.getrandbits(1) << 63) | (k << 11) | rng.getrandbits(11))
    for _ in range(n):  # uniform in q: a uniform u64
        xs.append(rng.getrandbits(64))
    for _ in range(n):  # log-uniform in q over [2^-54, 1/2)
        q_int = int(2.0 ** (rng.uniform(-54.0, -1.0) + 54.0)) | 1
        q_int = min(q_int, 2**53 - 1)
        xs.append((rng.getrandbits(1) << 63) | ((q_int >> 1) << 11) | rng.getrandbits(11))
    return list(dict.fromkeys(xs))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "normal_reference.txt")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    rng = random.Random(SEED)
    x32 = inputs_f32(rng, n)
    x64 = inputs_f64(rng, n)
    with open(out, "w") as f:
        f.write(
            "# Reference values for cbrng::dist::normal (standard normal by inverse CDF).\n"
            "# Generated by tests/data/gen_normal_reference.py "
            f"(python3 + mpmath {mpmath.__version__}, mp.dps = 50, seed {SEED}, {n}+{n} samples/type).\n"
            "# Each line: type, stream element (hex), z = sign * (-Phi^{-1}(q)) to 25 significant digits,\n"
            "# where q is the EXACT tail probability of the element: f32: q = (2*(x & 0x7fffffff)+1) / 2^33,\n"
            "# f64: q = (2*((x & (2^63-1)) >> 11)+1) / 2^54; sign = - if the top bit is set.\n"
            "# Inputs: extremes, the branch switches (d = 0.425; f64 also r = 5), |z| just below\n"
            "# powers of two, and pseudo-random elements uniform and log-uniform in q.\n"
        )
        for x in x32:
            f.write(line_f32(x) + "\n")
        for x in x64:
            f.write(line_f64(x) + "\n")


if __name__ == "__main__":
    main()
