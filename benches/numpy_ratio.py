#!/usr/bin/env python3
"""cbrng's compat rows against NumPy's own Generator(Philox), RUNS times.

Usage (from the repository root, with a Python that has numpy):
    python3 benches/numpy_ratio.py [RUNS]        (default 5)

Each run is one `cargo bench --bench compat` process with the criterion rows
filtered out: it runs `benches/numpy_philox.py` (NumPy, this Python) and
then cbrng's rows, back to back, both as GiB/s by the thread's CPU time,
best of 7, one thread. This prints every run's rows, then per row the
median over the runs of NumPy, of cbrng, and of their ratio in each run
(target: 2x), and the torch replay rows' medians (targets: rand 2 GiB/s,
randn 0.5 GiB/s on 2^24 elements). CPU time is what a machine shared with
other jobs disturbs least; the wall-clock columns are printed by the bench
itself.
"""
import os
import re
import statistics
import subprocess
import sys

# NumPy's row name (numpy_philox.py) -> cbrng's row name (benches/compat.rs).
PAIRS = {
    "random() float64": "numpy random f64",
    "random(dtype=float32)": "numpy random f32",
    "standard_normal() float64": "numpy standard_normal f64",
    "standard_normal(dtype=float32)": "numpy standard_normal f32",
}
TORCH = {"torch rand f32 (2^24, h100)": 2.0, "torch randn f32 (2^24, h100)": 0.5}
ROW = re.compile(r"^(.*?)\s+([0-9.]+) GiB/s (?:wall\s+([0-9.]+) GiB/s )?CPU time$")


def one_run():
    env = dict(os.environ, CBRNG_BENCH_PYTHON=sys.executable)
    out = subprocess.run(
        ["cargo", "bench", "--bench", "compat", "--", "no-criterion-row-has-this-name"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = {}
    for line in out.splitlines():
        m = ROW.match(line.strip())
        if m:
            # NumPy rows carry wall then CPU; cbrng rows CPU only.
            rows[m.group(1).strip()] = float(m.group(3) or m.group(2))
    return out, rows


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    results = []
    for r in range(runs):
        out, rows = one_run()
        print(f"--- run {r + 1}")
        print("\n".join(l for l in out.splitlines() if "GiB/s" in l or l.startswith("numpy ")))
        results.append(rows)
    med = lambda xs: statistics.median(xs)
    print(f"--- medians of {runs} runs (GiB/s by CPU time, one thread)")
    for np_name, cb_name in PAIRS.items():
        n = [r[np_name] for r in results]
        c = [r[cb_name] for r in results]
        ratio = [b / a for a, b in zip(n, c)]
        print(
            f"{cb_name:28s} numpy {med(n):6.3f}  cbrng {med(c):6.3f}  "
            f"ratio {med(ratio):5.2f}x (runs {min(ratio):.2f}-{max(ratio):.2f}, target 2x)"
        )
    for name, target in TORCH.items():
        t = [r[name] for r in results]
        print(f"{name:28s} cbrng {med(t):6.3f}  (runs {min(t):.3f}-{max(t):.3f}, target {target})")


if __name__ == "__main__":
    main()
