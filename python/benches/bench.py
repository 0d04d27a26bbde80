"""cbrng from Python against NumPy: GiB/s of output (or input, for sums), best
of several runs, one thread unless said otherwise.

    python python/benches/bench.py

Targets (issue 13, one thread): uniform f64 >= 3x NumPy's
Generator(Philox).random, normal f32 >= 5x NumPy's standard_normal(float32),
exact_sum of f32 >= 0.5x numpy.sum and >= 20x math.fsum, and a 1-element
fill's Python call overhead under 2 us. exact_sum of f64 is reported the
same way, without a target.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

import cbrng

N = 1 << 24
GIB = float(1 << 30)


def best(f, repeat: int = 7) -> float:
    f()  # warm up (page faults, first-use setup)
    t = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        t = min(t, time.perf_counter() - t0)
    return t


def row(name: str, nbytes: int, secs: float, ref: float = 0.0, target: str = "") -> float:
    rate = nbytes / secs / GIB
    extra = f"  {rate / ref:5.2f}x  {target}" if ref else ""
    print(f"{name:<46} {rate:8.2f} GiB/s{extra}")
    return rate


def main() -> None:
    print(f"cbrng {cbrng.__version__}, NumPy {np.__version__}, {os.cpu_count()} CPUs, N = 2^24")
    s = cbrng.Stream("philox4x32-10", seed=0)

    out64 = np.empty(N, np.float64)
    gen = np.random.Generator(np.random.Philox(0))
    # New arrays on both sides (page faults included), then into an existing one.
    ref = row("numpy Generator(Philox).random(2^24) f64", 8 * N, best(lambda: gen.random(N)))
    row("cbrng Stream.random uniform f64, 1 thread", 8 * N,
        best(lambda: s.random((N,), "uniform", np.float64, threads=1)), ref, "(target >= 3x)")
    ref = row("numpy Generator(Philox).random(out=) f64", 8 * N, best(lambda: gen.random(out=out64)))
    row("cbrng Stream.fill uniform f64, 1 thread", 8 * N,
        best(lambda: s.fill(out64, "uniform", threads=1)), ref)
    row("cbrng Stream.fill uniform f64, all threads", 8 * N, best(lambda: s.fill(out64, "uniform")), ref)

    out32 = np.empty(N, np.float32)
    ref = row("numpy standard_normal(2^24, float32)", 4 * N,
              best(lambda: gen.standard_normal(N, dtype=np.float32)))
    row("cbrng Stream.random normal f32, 1 thread", 4 * N,
        best(lambda: s.random((N,), "normal", np.float32, threads=1)), ref, "(target >= 5x)")
    ref = row("numpy standard_normal(out=) float32", 4 * N,
              best(lambda: gen.standard_normal(dtype=np.float32, out=out32)))
    row("cbrng Stream.fill normal f32, 1 thread", 4 * N,
        best(lambda: s.fill(out32, "normal", threads=1)), ref)
    row("cbrng Stream.fill normal f32, all threads", 4 * N, best(lambda: s.fill(out32, "normal")), ref)

    x = s.random((N,), "normal", np.float32)
    ref = row("numpy.sum f32", 4 * N, best(lambda: np.sum(x)))
    row("cbrng exact_sum f32, 1 thread", 4 * N, best(lambda: cbrng.exact_sum(x, threads=1)), ref,
        "(target >= 0.5x numpy.sum)")
    row("cbrng exact_sum f32, all threads", 4 * N, best(lambda: cbrng.exact_sum(x)), ref)
    m = 1 << 20  # math.fsum is slow: timed on 2^20 elements (its rate does not depend on n)
    xs = x[:m].tolist()
    fsum = row("math.fsum (2^20 f32 as Python floats)", 4 * m, best(lambda: math.fsum(xs), 3))
    row("cbrng exact_sum f32, 1 thread (vs fsum)", 4 * N,
        best(lambda: cbrng.exact_sum(x, threads=1)), fsum, "(target >= 20x math.fsum)")

    # The same for float64 (no target; reported with the f32 rows).
    x64 = s.random((N,), "normal", np.float64)
    ref = row("numpy.sum f64", 8 * N, best(lambda: np.sum(x64)))
    row("cbrng exact_sum f64, 1 thread", 8 * N, best(lambda: cbrng.exact_sum(x64, threads=1)), ref)
    xs64 = x64[:m].tolist()
    fsum = row("math.fsum (2^20 f64 as Python floats)", 8 * m, best(lambda: math.fsum(xs64), 3))
    row("cbrng exact_sum f64, 1 thread (vs fsum)", 8 * N,
        best(lambda: cbrng.exact_sum(x64, threads=1)), fsum)

    # Adversarial data (issue 13's back-off): every finite exponent equally
    # likely, random signs, which the chunked sums hand to the bins.
    rng = np.random.default_rng(0)
    for bits, ut, ft in ((32, np.uint32, np.float32), (64, np.uint64, np.float64)):
        w = rng.integers(0, 2**bits, N, dtype=ut)
        frac = bits - (9 if bits == 32 else 12)
        exp_max = (1 << (bits - 1 - frac)) - 1
        w[((w >> ut(frac)) & ut(exp_max)) == ut(exp_max)] ^= ut(1) << ut(frac)  # no inf/NaN
        xa = w.view(ft)
        ref = row(f"numpy.sum f{bits} (wide spread)", bits // 8 * N, best(lambda: np.sum(xa), 3))
        row(f"cbrng exact_sum f{bits} wide spread, 1 thread", bits // 8 * N,
            best(lambda: cbrng.exact_sum(xa, threads=1), 3), ref)

    one = np.empty(1, np.float32)
    k = 200_000
    t = best(lambda: [s.fill(one) for _ in range(k)], 3) / k
    print(f"{'Stream.fill of 1 float32 element (call)':<46} {t * 1e6:8.3f} us  (target < 2 us)")
    t = best(lambda: [s.random(1) for _ in range(k // 4)], 3) / (k // 4)
    print(f"{'Stream.random((1,)) (new array)':<46} {t * 1e6:8.3f} us")


if __name__ == "__main__":
    main()
