#!/usr/bin/env python3
"""NumPy's Philox (Philox4x64-10) on the same 64 MiB outputs as
`cargo bench --bench cpu_fill`, for the CPU speed targets of cbrng.

Usage: python3 benches/numpy_philox.py   (pip install numpy)

Prints GiB/s of bytes written, best of REPEATS runs, one thread (NumPy's
generators are single-threaded): by wall-clock time, and (on Linux) by the
thread's CPU time from /proc/thread-self/schedstat, which a loaded machine
disturbs far less; `cargo bench --bench compat` prints cbrng's rows the same
two ways.
"""
import time

import numpy as np

BYTES = 64 << 20
REPEATS = 7


def cpu_s():
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[0]) * 1e-9
    except OSError:
        return time.thread_time()


def best_gib_s(fill, clock=time.perf_counter):
    fill()  # warm up: page in the output buffer
    best = float("inf")
    for _ in range(REPEATS):
        t = clock()
        fill()
        best = min(best, clock() - t)
    return BYTES / best / (1 << 30)


def main():
    g = np.random.Generator(np.random.Philox(12345))
    f32 = np.empty(BYTES // 4, dtype=np.float32)
    f64 = np.empty(BYTES // 8, dtype=np.float64)
    rows = [
        ("random(dtype=float32)", lambda: g.random(dtype=np.float32, out=f32)),
        ("random() float64", lambda: g.random(out=f64)),
        ("standard_normal(dtype=float32)", lambda: g.standard_normal(dtype=np.float32, out=f32)),
        ("standard_normal() float64", lambda: g.standard_normal(out=f64)),
    ]
    print(f"numpy {np.__version__}, Generator(Philox), 64 MiB outputs, best of {REPEATS}")
    for name, fill in rows:
        wall, cpu = best_gib_s(fill), best_gib_s(fill, cpu_s)
        print(f"{name:32s} {wall:7.3f} GiB/s wall   {cpu:7.3f} GiB/s CPU time")


if __name__ == "__main__":
    main()
