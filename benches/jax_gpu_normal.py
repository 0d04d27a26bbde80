#!/usr/bin/env python3
"""JAX on the GPU against `cbrng compat jax --backend gpu` (issue 12, item 3).

For the GPU machine (benches/gpu_pass.sh runs it): makes jax.random.normal
on the GPU for a few keys, shapes and dtypes, asks the packed cbrng for the
same draws with --backend gpu and --backend cpu, and reports, per case, how
many elements equal each and the ulp distances of the rest, split at
|u| = 0.99663 (w >= 5: the f32 tail, where XLA:GPU's sqrt is
sqrt.approx.f32, which cbrng models by the exact root).

Exit 1 when --backend gpu is not what src/compat/jax.rs documents: every f32
draw off the tail equal, tail draws within 3 ulps, f64 draws within 1 ulp
(the rcp.approx seed of __nv_log1p) and all but 1 in 10^4 equal; or when
the device kernel (--backend gpu --engine cuda, which runs XLA's
approximate instructions themselves) differs from JAX in any draw.

    python3 benches/jax_gpu_normal.py .gpu/bin/bin-cbrng [DUMP_DIR]

JAX_GPU_NORMAL_PLATFORM=cpu runs the same on JAX's CPU device (a check of
this script where there is no GPU: there --backend cpu must equal JAX).

DUMP_DIR: where XLA dumps the HLO and PTX of the normal modules (the
lowering src/compat/jax.rs assumes: __nv_log1pf, sqrt.approx.f32,
mul.rn/add.rn).
"""
import os
import struct
import subprocess
import sys

if len(sys.argv) > 2:
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "")
        + " --xla_dump_to=%s --xla_dump_hlo_as_text --xla_dump_hlo_module_re=.*normal.*"
        % sys.argv[2]
    )

import jax  # noqa: E402
import numpy as np  # noqa: E402

CBRNG = sys.argv[1]
PLATFORM = os.environ.get("JAX_GPU_NORMAL_PLATFORM", "gpu")
TAIL = 0.99663

# (seed, x64, partitionable, dtype, shape)
CASES = [
    (42, False, True, "f32", (1 << 20,)),
    (0, False, True, "f32", (3, 5, 7)),
    (-1, False, False, "f32", (1000, 1001)),
    (2**63 + 5, True, True, "f32", (4096,)),
    (42, True, True, "f64", (1 << 20,)),
    (7, True, False, "f64", (999, 1001)),
]


def cbrng(seed, x64, part, dtype, shape, backend, engine="cpu"):
    out = subprocess.run(
        [CBRNG, "compat", "jax", "--seed", str(seed), "--x64", str(x64).lower(),
         "--partitionable", str(part).lower(), "--fn", "normal", "--dtype", dtype,
         "--shape", ",".join(map(str, shape)), "--backend", backend, "--format", "raw",
         "--engine", engine],
        check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.uint32 if dtype == "f32" else np.uint64)


def uniform_u(key, shape, dtype):
    """The u jax.random.normal maps (same key, shape, dtype): max(lo, 2f + lo)."""
    dt = np.float32 if dtype == "f32" else np.float64
    lo = np.nextafter(dt(-1), dt(0))
    f = np.asarray(jax.random.uniform(key, shape, dt))
    return np.maximum(lo, f * dt(2) + lo).reshape(-1)


def ulps(a, b, bits):
    def ordered(x):
        x = x.astype(np.int64) if bits == 32 else x.view(np.int64)
        if bits == 32:
            return np.where(x < 2**31, x, 2**31 - x)
        return np.where(x >= 0, x, np.int64(-(2**63)) - x)
    return np.abs(ordered(a) - ordered(b))


def main():
    gpu = jax.devices(PLATFORM) if PLATFORM != "gpu" else [
        d for d in jax.devices() if d.platform == "gpu"]
    print("jax", jax.__version__, "devices", jax.devices(), "comparing on", gpu[:1])
    if not gpu:
        print("no GPU device in JAX: nothing compared")
        return 1
    bad = 0
    for seed, x64, part, dtype, shape in CASES:
        jax.config.update("jax_enable_x64", x64)
        jax.config.update("jax_threefry_partitionable", part)
        dt = np.float32 if dtype == "f32" else np.float64
        with jax.default_device(gpu[0]):
            # seeds from 2^63 on are numpy.uint64 seeds (as cbrng's --seed)
            key = jax.random.key(np.uint64(seed) if seed >= 2**63 else seed)
            x = jax.random.normal(key, shape, dt)
            u = uniform_u(key, shape, dtype)
        got = np.asarray(x).reshape(-1).view(np.uint32 if dtype == "f32" else np.uint64)
        bits = 32 if dtype == "f32" else 64
        tail = np.abs(u) > TAIL
        line = "seed=%d x64=%s part=%s %s %s n=%d:" % (seed, x64, part, dtype, shape, got.size)
        runs = [("gpu", "cpu"), ("cpu", "cpu")]
        if PLATFORM == "gpu":
            runs.append(("gpu", "cuda"))
        for backend, engine in runs:
            want = cbrng(seed, x64, part, dtype, shape, backend, engine)
            d = ulps(got, want, bits)
            line += " | --backend %s --engine %s: equal %d (tail %d of %d), max ulp off-tail %d, tail %d" % (
                backend, engine, int((d == 0).sum()), int((d[tail] == 0).sum()), int(tail.sum()),
                int(d[~tail].max(initial=0)), int(d[tail].max(initial=0)))
            if engine == "cuda":
                ok = d.max(initial=0) == 0
                if not ok:
                    bad += 1
                    i = np.flatnonzero(d)[:5]
                    line += " DEVICE MISMATCH at %s (u=%s, jax=%s, cbrng=%s)" % (
                        i.tolist(), u[i].tolist(), [hex(v) for v in got[i]],
                        [hex(v) for v in want[i]])
            elif backend == ("gpu" if PLATFORM == "gpu" else "cpu"):
                if dtype == "f32":
                    ok = d[~tail].max(initial=0) == 0 and d[tail].max(initial=0) <= 3
                else:
                    ok = d.max(initial=0) <= 1 and (d != 0).sum() * 10_000 <= d.size
                if not ok:
                    bad += 1
                    i = np.flatnonzero(d)[:5]
                    line += " MISMATCH at %s (u=%s, jax=%s, cbrng=%s)" % (
                        i.tolist(), u[i].tolist(), [hex(v) for v in got[i]],
                        [hex(v) for v in want[i]])
        print(line, flush=True)
    print("cases not as documented: %d" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
