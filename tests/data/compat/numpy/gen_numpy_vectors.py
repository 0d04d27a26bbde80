#!/usr/bin/env python3
"""Reference vectors for cbrng::compat::numpy, made by real NumPy.

    python3 -m venv /tmp/np && /tmp/np/bin/pip install numpy==2.2.6
    /tmp/np/bin/python tests/data/compat/numpy/gen_numpy_vectors.py > tests/data/compat/numpy/numpy_2.2.6.txt

Every case is one fresh numpy.random.Generator(numpy.random.Philox(SEED))
followed by a sequence of calls on it (so the bit generator's buffered u64
block and buffered u32 half carry from one call to the next, as in NumPy).
Line format (tab separated):

    SEED  CALLS  VALUES

CALLS is ';'-separated, each one of
    key                      Philox's two u64 key words (bit_generator.state)
    raw:N                    bit_generator.random_raw(N)          (u64)
    random:f64:N             Generator.random(N)                  (f64 bits)
    random:f32:N             Generator.random(N, dtype=float32)   (f32 bits)
    normal:f64:N             Generator.standard_normal(N)         (f64 bits)
    normal:f32:N             Generator.standard_normal(N, dtype=float32)
    int:DTYPE:LO:HI:E:N      Generator.integers(LO, HI, N, dtype=DTYPE, endpoint=E)
VALUES is every produced element in order, as zero-padded hex of the
element's width (integers as their two's-complement bits, floats as IEEE
bits, bool as 00/01), or, for long outputs, 'fnv:' + the FNV-1a 64 hash
(hex) of the little-endian bytes of all elements followed by ' first:' and
' last:' hex of the first and last element. Seeds NumPy rejects are listed
as SEED  error  MESSAGE.
"""
import sys

import numpy as np

DT = {
    "u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "u64": np.uint64,
    "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
    "bool": np.bool_,
}
FULL = 64  # outputs longer than this are hashed


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def hexes(arr):
    a = np.ascontiguousarray(arr)
    width = a.dtype.itemsize * 2
    u = a.view({1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])
    return [f"{int(v):0{width}x}" for v in u], a.tobytes()


def run(seed, calls):
    g = np.random.Generator(np.random.Philox(seed))
    bg = g.bit_generator
    words, data = [], b""
    for call in calls.split(";"):
        f = call.split(":")
        if f[0] == "key":
            out = np.array(bg.state["state"]["key"], dtype=np.uint64)
        elif f[0] == "raw":
            out = bg.random_raw(int(f[1])).astype(np.uint64)
        elif f[0] == "random":
            out = g.random(int(f[2]), dtype=np.float64 if f[1] == "f64" else np.float32)
        elif f[0] == "normal":
            out = g.standard_normal(int(f[2]), dtype=np.float64 if f[1] == "f64" else np.float32)
        elif f[0] == "int":
            _, dt, lo, hi, e, n = f
            out = g.integers(int(lo), int(hi), int(n), dtype=DT[dt], endpoint=e == "1")
        else:
            raise SystemExit(f"unknown call {call}")
        w, b = hexes(out)
        words += w
        data += b
    if len(words) > FULL:
        return f"fnv:{fnv1a64(data):016x} first:{words[0]} last:{words[-1]}"
    return " ".join(words)


SEEDS = [0, 1, 42, 12345, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1, 2**64,
         2**64 + 1, 2**128 + 12345, 10**40, 2**200 + 3, 2**255 + 2**127 + 1]

CASES = []
for s in SEEDS:
    CASES.append((s, "key"))
    CASES.append((s, "raw:9"))
for s in [0, 12345, 2**63, 2**64 + 1, 10**40]:
    for m in ["random:f64:13", "random:f32:13", "normal:f64:21", "normal:f32:21"]:
        CASES.append((s, m))
# Long outputs: the ziggurat's slow paths (wedges, the tail) and many blocks.
for s in [0, 7, 2**64 + 1]:
    for m in ["random:f64:100003", "random:f32:100003", "normal:f64:300001", "normal:f32:300001"]:
        CASES.append((s, m))
# integers: every dtype, full ranges, partial ranges, empty-width ranges, endpoint.
INTS = [
    ("u8", 0, 256, 0), ("u8", 0, 1, 0), ("u8", 3, 200, 0), ("u8", 0, 255, 1), ("u8", 10, 11, 1),
    ("i8", -128, 128, 0), ("i8", -5, 5, 0), ("i8", -128, 127, 1), ("i8", -100, 27, 1),
    ("u16", 0, 65536, 0), ("u16", 1000, 50001, 0), ("u16", 0, 65534, 1),
    ("i16", -32768, 32768, 0), ("i16", -300, 3000, 0),
    ("u32", 0, 2**32, 0), ("u32", 5, 100, 0), ("u32", 0, 2**31 + 12345, 0), ("u32", 0, 2**32 - 2, 1),
    ("i32", -2**31, 2**31, 0), ("i32", -7, 7, 1), ("i32", -10**9, 10**9, 0),
    ("u64", 0, 2**64, 0), ("u64", 0, 2**32, 0), ("u64", 0, 2**32 + 1, 0), ("u64", 5, 2**40 + 7, 0),
    ("u64", 0, 10**19, 0), ("u64", 2**63, 2**64 - 1, 1), ("u64", 9, 10, 0),
    ("i64", -2**63, 2**63 - 1, 1), ("i64", -2**63, 2**63 - 1, 0), ("i64", 0, 2**32, 0), ("i64", -3, 4, 0),
    ("i64", -10**18, 10**18, 0), ("i64", -2**40, 17, 1),
    ("bool", 0, 2, 0), ("bool", 0, 1, 0), ("bool", 1, 2, 0), ("bool", 0, 1, 1),
]
for s in [0, 12345]:
    for dt, lo, hi, e in INTS:
        CASES.append((s, f"int:{dt}:{lo}:{hi}:{e}:37"))
for dt, lo, hi, e in [("u8", 3, 200, 0), ("i16", -300, 3000, 0), ("u32", 5, 100, 0), ("u64", 5, 2**40 + 7, 0),
                      ("i64", -3, 4, 0), ("bool", 0, 2, 0), ("u64", 0, 2**32, 0)]:
    CASES.append((99, f"int:{dt}:{lo}:{hi}:{e}:100003"))
# Sequences: state (buffered u64 block, buffered u32 half) carried across calls.
SEQS = [
    "random:f32:1;raw:1;random:f32:2;random:f64:1;normal:f32:3;int:u8:0:7:0:5;int:u64:0:1000:0:3;random:f32:1",
    "raw:3;normal:f64:2;int:u16:0:9:0:3;random:f32:1;key;raw:2",
    "int:bool:0:2:0:40;int:u8:0:256:0:5;random:f32:3;int:i64:-5:2**40:0:2;random:f64:2",
    "normal:f32:1;normal:f32:1;normal:f64:1;random:f32:1;random:f32:1;raw:1",
]
for s in [0, 2**64 + 1]:
    for q in SEQS:
        CASES.append((s, q.replace("2**40", str(2**40))))


def main():
    print(f"# numpy {np.__version__} Generator(Philox(SEED)); made by gen_numpy_vectors.py (see its docstring)")
    for s, calls in CASES:
        print(f"{s}\t{calls}\t{run(s, calls)}")
    for s in [-1, -(2**70)]:
        try:
            np.random.Philox(s)
            raise SystemExit("NumPy accepted a negative seed")
        except ValueError as e:
            print(f"{s}\terror\t{e}")


if __name__ == "__main__":
    sys.exit(main())
