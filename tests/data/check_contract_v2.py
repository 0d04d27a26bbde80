#!/usr/bin/env python3
"""Cross-checks tests/data/contract_v2.txt against mpmath, independently of
the crate: for every line, reads the stream elements that the values
consume from the same (algorithm, seed, stream, offset) line of
tests/data/contract_v1.txt (`bits u32` for f32, f16 and bf16 outputs, `bits
u64` for f64), computes the exact quantile of the distribution at the exact
uniform of each element (the split of src/dist/continuous.rs: q = (2k+1)
2^-33 or 2^-54, lower half iff the top bit is set; uniform:LO,HI uses
(x >> 8) 2^-24 or (x >> 11) 2^-53), applies location and scale exactly, and
checks that the frozen value is within a few ulps of the result's binade
(of the largest term of the location-scale sum, where it cancels).

    v/bin/pip install mpmath==1.4.1
    v/bin/python tests/data/check_contract_v2.py    # prints one summary line per distribution
"""
import os
import struct
import sys

import mpmath as mp

mp.mp.dps = 50
HERE = os.path.dirname(os.path.abspath(__file__))


def floats_of(hexes, dtype):
    out = []
    for h in hexes:
        b = int(h, 16)
        if dtype == "f32":
            out.append(struct.unpack("<f", struct.pack("<I", b))[0])
        elif dtype == "f64":
            out.append(struct.unpack("<d", struct.pack("<Q", b))[0])
        elif dtype == "f16":
            out.append(struct.unpack("<e", struct.pack("<H", b))[0])
        else:  # bf16: the top half of an f32
            out.append(struct.unpack("<f", struct.pack("<I", b << 16))[0])
    return out


def ulp(x, dtype):
    mant, min_exp = {"f32": (23, -149), "f64": (52, -1074), "f16": (10, -24), "bf16": (7, -133)}[dtype]
    x = abs(mp.mpf(x))
    if x == 0:
        return mp.mpf(2) ** min_exp
    return mp.mpf(2) ** max(int(mp.floor(mp.log(x, 2))) - mant, min_exp)


def uniform_open(word, bits):
    if bits == 32:
        k, lower = word & 0x7FFFFFFF, word >> 31
        q = mp.mpf(2 * k + 1) / mp.mpf(2) ** 33
    else:
        k, lower = (word & 0x7FFFFFFFFFFFFFFF) >> 11, word >> 63
        q = mp.mpf(2 * k + 1) / mp.mpf(2) ** 54
    return q if lower else 1 - q


def exact(name, a, b, word, bits):
    """(value, scale of the terms) of the distribution at this stream element."""
    if name == "uniform":
        u = mp.mpf(word >> 8) / 2 ** 24 if bits == 32 else mp.mpf(word >> 11) / 2 ** 53
        return a + (b - a) * u, max(abs(a), abs(b))
    u = uniform_open(word, bits)
    if name == "normal":
        z = -mp.sqrt(2) * mp.erfinv(1 - 2 * u)  # Phi^-1(u)
        return a + b * z, max(abs(a), abs(b * z))
    if name == "exponential":
        return -mp.log1p(-u) / a, 0
    if name == "log-normal":
        z = -mp.sqrt(2) * mp.erfinv(1 - 2 * u)
        return mp.exp(a + b * z), 0
    std = {
        "gumbel": lambda: -mp.log(-mp.log1p(-u)),
        "cauchy": lambda: mp.tan(mp.pi * (u - mp.mpf(1) / 2)),
        "logistic": lambda: mp.log(u / (1 - u)),
        "laplace": lambda: mp.log(2 * u) if u < 0.5 else -mp.log(2 * (1 - u)),
    }[name]()
    return a + b * std, max(abs(a), abs(b * std), 1 if name in ("gumbel", "laplace") else 0)


# Allowed error in ulps: the standard variate's measured maximum
# (src/dist/continuous.rs), the location-scale roundings, and for the
# normal and log-normal the f32 normal's 6 ulps carried through.
TOL = {"uniform": 2, "exponential": 3, "gumbel": 4, "cauchy": 5, "logistic": 4, "laplace": 3,
       "normal": 8, "log-normal": 12}


def main():
    bits_lines = {}
    with open(os.path.join(HERE, "contract_v1.txt")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            lhs, rhs = line.split(" : ")
            algo, seed, stream, offset, dist, dtype = lhs.split()
            if dist == "bits" and dtype in ("u32", "u64"):
                bits_lines[(algo, seed, stream, offset, dtype)] = [int(h, 16) for h in rhs.split()]
            if dist == "bernoulli:0.3" and dtype == "u8":
                bits_lines[(algo, seed, stream, offset, "bernoulli")] = rhs.split()
    worst = {}
    failures = 0
    with open(os.path.join(HERE, "contract_v2.txt")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            lhs, rhs = line.split(" : ")
            algo, seed, stream, offset, dist, dtype = lhs.split()
            # The signed and bool rows: bits are the unsigned words' bits, the
            # bool Bernoulli is the u8 one's bytes (int is checked against the
            # unsigned int by tests/dtypes.rs).
            if dist == "bits":
                src = {"i32": "u32", "i64": "u64"}[dtype]
                width = 8 if dtype == "i32" else 16
                want_hex = [f"{w:0{width}x}" for w in bits_lines[(algo, seed, stream, offset, src)]]
                if rhs.split() != want_hex:
                    failures += 1
                    print(f"FAIL {line.strip()}: not the {src} bits")
                continue
            if dtype == "bool":
                if rhs.split() != bits_lines[(algo, seed, stream, offset, "bernoulli")]:
                    failures += 1
                    print(f"FAIL {line.strip()}: not the u8 Bernoulli bytes")
                continue
            if dist.startswith("int:"):
                continue
            name, args = dist.split(":")
            a, b = (list(map(mp.mpf, args.split(","))) + [0])[:2]
            src = "u64" if dtype == "f64" else "u32"
            words = bits_lines[(algo, seed, stream, offset, src)]
            values = floats_of(rhs.split(), dtype)
            # parameters as the dtype holds them (f16/bf16 normals compute in f32)
            if dtype != "f64":
                a, b = (mp.mpf(float(mp.mpf(struct.unpack("<f", struct.pack("<f", float(v)))[0]))) for v in (a, b))
            for v, w in zip(values, words):
                want, scale = exact(name, a, b, w, 32 if src == "u32" else 64)
                err = abs(mp.mpf(v) - want) / ulp(max(abs(want), scale), dtype)
                if name == "uniform" and not (a <= v < b):
                    err = mp.inf
                key = f"{name} {dtype}"
                worst[key] = max(worst.get(key, 0), err)
                if err > TOL[name]:
                    failures += 1
                    print(f"FAIL {line.strip()}: {v} vs exact {mp.nstr(want, 20)} ({mp.nstr(err, 4)} ulp)")
    for k in sorted(worst):
        print(f"{k:20} max {mp.nstr(worst[k], 4)} ulp")
    print(f"{failures} values over the tolerance")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
