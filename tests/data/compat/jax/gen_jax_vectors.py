#!/usr/bin/env python3
"""Reference vectors for cbrng::compat::jax, made by real JAX on the CPU.

    python3 -m venv /tmp/jx && /tmp/jx/bin/pip install 'jax[cpu]==0.7.1'
    for x in 0 1; do for p in 0 1; do
      /tmp/jx/bin/python tests/data/compat/jax/gen_jax_vectors.py $x $p
    done; done > tests/data/compat/jax/jax_0.7.1.txt

Arguments: X64 (jax_enable_x64 0/1) and PARTITIONABLE
(jax_threefry_partitionable 0/1); one process per setting. Line format
(tab separated):

    X64  PART  SEED  DERIVE  FN  DTYPE  SHAPE  VALUES

SEED is the integer given to jax.random.key (values >= 2^63 as
numpy.uint64); DERIVE is '-' or ','-separated steps fold_in:N and split:K:I
(jax.random.split(key, K)[I]); FN is key (jax.random.key_data), bits
(jax.random.bits), uniform (jax.random.uniform) or normal
(jax.random.normal); SHAPE is ','-separated ('' for a scalar). VALUES: every
element in row-major order as zero-padded hex of its bits, or for big
outputs 'fnv:' + FNV-1a 64 of the little-endian bytes.
"""
import sys

import numpy as np

X64, PART = sys.argv[1] == "1", sys.argv[2] == "1"
import jax  # noqa: E402

jax.config.update("jax_enable_x64", X64)
jax.config.update("jax_threefry_partitionable", PART)
import jax.numpy as jnp  # noqa: E402

DT = {"u8": jnp.uint8, "u16": jnp.uint16, "u32": jnp.uint32, "u64": jnp.uint64,
      "f16": jnp.float16, "bf16": jnp.bfloat16, "f32": jnp.float32, "f64": jnp.float64}
FULL = 4096


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def key_of(seed, derive):
    k = jax.random.key(np.uint64(seed) if seed >= 2**63 else seed)
    if derive != "-":
        for step in derive.split(","):
            f = step.split(":")
            if f[0] == "fold_in":
                k = jax.random.fold_in(k, int(f[1]))
            else:
                k = jax.random.split(k, int(f[1]))[int(f[2])]
    return k


def run(seed, derive, fn, dt, shape):
    k = key_of(seed, derive)
    shp = tuple(int(s) for s in shape.split(",") if s)
    if fn == "key":
        out = np.asarray(jax.random.key_data(k))
    elif fn == "bits":
        out = np.asarray(jax.random.bits(k, shp, DT[dt]))
    elif fn == "uniform":
        out = np.asarray(jax.random.uniform(k, shp, DT[dt]))
    else:
        out = np.asarray(jax.random.normal(k, shp, DT[dt]))
    a = np.ascontiguousarray(out).reshape(-1)
    u = a.view({1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])
    if a.size > FULL:
        return f"fnv:{fnv1a64(a.tobytes()):016x}"
    return " ".join(f"{int(v):0{2 * a.dtype.itemsize}x}" for v in u)


SEEDS = [0, 1, 42, -1, 2**31, 2**32 + 7, -(2**40) - 5, 2**63 - 1, -(2**63), 2**63 + 5, 2**64 - 1]
DERIVES = ["-", "fold_in:0", "fold_in:4294967295", "split:2:0", "split:2:1", "split:5:3",
           "split:1:0", "fold_in:7,split:3:2,fold_in:12345", "split:4:1,split:4:3"]
SHAPES = ["", "1", "2", "7", "3,5", "2,3,4", "1000"]

cases = []
for s in SEEDS:
    cases.append((s, "-", "key", "u32", ""))
for d in DERIVES[1:]:
    for s in [0, 42, -(2**40) - 5]:
        cases.append((s, d, "key", "u32", ""))
bit_dts = ["u8", "u16", "u32"] + (["u64"] if X64 else [])
flt_dts = ["f32", "f16", "bf16"] + (["f64"] if X64 else [])
for dt in bit_dts + flt_dts:
    fn = "bits" if dt.startswith("u") else "uniform"
    for shp in SHAPES:
        cases.append((42, "-", fn, dt, shp))
    cases.append((0, "split:2:1", fn, dt, "9"))
    cases.append((2**63 + 5, "fold_in:3", fn, dt, "3,3"))
    cases.append((7, "-", fn, dt, "100001"))
for dt in ["f32"] + (["f64"] if X64 else []):
    for shp in ["", "7", "3,5", "1000", "1175", "1177", "2000", "2001", "3,401"]:
        cases.append((42, "-", "normal", dt, shp))
    cases.append((7, "-", "normal", dt, "100001"))

for seed, derive, fn, dt, shp in cases:
    print(f"{int(X64)}\t{int(PART)}\t{seed}\t{derive}\t{fn}\t{dt}\t{shp}\t{run(seed, derive, fn, dt, shp)}")
