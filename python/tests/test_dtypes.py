"""The signed and bool dtypes (issue 15): int32 and int64 for ``bits`` and
``int`` (negative ranges), bool for ``bernoulli``, bit for bit as the Rust
program writes them, for every generator, at several offsets, at the edges
of each dtype's range; and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import cbrng

ALGOS = cbrng.algorithms()
I32_MIN, I32_END = -(2**31), 2**31
I64_MIN, I64_END = -(2**63), 2**63

# (distribution, CLI --dist, keyword parameters, cbrng dtype, NumPy dtype)
CASES = [
    ("bits", "bits", {}, "i32", np.int32),
    ("bits", "bits", {}, "i64", np.int64),
    ("int", "int:-5..5", {"low": -5, "high": 5}, "i32", np.int32),
    ("int", "int:-5..5", {"low": -5, "high": 5}, "i64", np.int64),
    ("int", "int:-1000000007..3", {"low": -1000000007, "high": 3}, "i64", np.int64),
    ("int", f"int:{I32_MIN}..{I32_END}", {"low": I32_MIN, "high": I32_END}, "i32", np.int32),
    ("int", f"int:{I32_MIN}..{I32_MIN + 1}", {"low": I32_MIN, "high": I32_MIN + 1}, "i32", np.int32),
    ("int", f"int:{I32_END - 2}..{I32_END}", {"low": I32_END - 2, "high": I32_END}, "i32", np.int32),
    ("int", f"int:{I64_MIN}..{I64_END}", {"low": I64_MIN, "high": I64_END}, "i64", np.int64),
    ("int", f"int:{I64_MIN}..{I64_MIN + 3}", {"low": I64_MIN, "high": I64_MIN + 3}, "i64", np.int64),
    ("int", f"int:{-(2**62)}..{2**62 + 1}", {"low": -(2**62), "high": 2**62 + 1}, "i64", np.int64),
    ("bernoulli", "bernoulli:0.3", {"p": 0.3}, "bool", np.bool_),
    ("bernoulli", "bernoulli:1", {"p": 1.0}, "bool", np.bool_),
]
OFFSETS = [0, 5, 2**29 + 3]


def _cli_fill(cli, algo, off, n, spec, dt):
    return cli("fill", "--algo", algo, "--seed", 0xBEEF, "--stream", 3, "--offset", off,
               "--count", n, "--dist", spec, "--dtype", dt, "--format", "raw", "--device", "cpu")


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("dist,spec,params,dt,npdt", CASES, ids=[f"{c[1]}-{c[3]}" for c in CASES])
def test_signed_and_bool_equal_rust_cli(cli, algo, dist, spec, params, dt, npdt):
    s = cbrng.Stream(algo, seed=0xBEEF, stream=3)
    n = 41
    for off in OFFSETS:
        raw = _cli_fill(cli, algo, off, n, spec, dt)
        assert len(raw) == n * np.dtype(npdt).itemsize
        got = s.random(n, dist, npdt, offset=off, **params)
        assert got.dtype == np.dtype(npdt)
        assert got.tobytes() == raw, (algo, spec, dt, off)
        # The cbrng names and the program's spelling give the same bits.
        assert s.random(n, dist, dt, offset=off, **params).tobytes() == raw
        assert s.random(n, spec, npdt, offset=off).tobytes() == raw
        if "low" in params:
            assert got.min() >= params["low"] and got.max() < params["high"]


def test_values_are_real_draws_not_constants(cli):
    s = cbrng.Stream(seed=1)
    x = s.random((5,), "int", dtype="int32", low=-5, high=5)
    assert x.dtype == np.int32 and x.shape == (5,)
    big = s.random(100_000, "int", dtype="int32", low=-5, high=5)
    assert set(np.unique(big).tolist()) == set(range(-5, 5))
    full = s.random(100_000, "int", dtype=np.int64, low=I64_MIN, high=I64_END)
    assert (full < 0).any() and (full > 0).any()
    mask = s.random(100_000, "bernoulli", dtype=bool, p=0.25)
    assert mask.dtype == np.bool_
    assert 0.24 < mask.mean() < 0.26
    # bernoulli in bool is the uint8 draw's 0/1 bytes.
    assert mask.view(np.uint8).tobytes() == s.random(100_000, "bernoulli", np.uint8, p=0.25).tobytes()
    # bits in int32/int64 are the unsigned bits, reinterpreted.
    assert s.random(64, "bits", np.int32).view(np.uint32).tobytes() == s.random(64, "bits", np.uint32).tobytes()
    assert s.random(64, "bits", np.int64).view(np.uint64).tobytes() == s.random(64, "bits", np.uint64).tobytes()


def test_large_signed_and_bool_fills_equal_cli_across_chunks_and_threads(cli):
    # 24 MiB of int64 and 17 MiB of bool: several GIL-free pieces of 16 MiB.
    s = cbrng.Stream("threefry4x64-20", seed=0xBEEF, stream=3)
    n64, nb = 3 << 20, 17 << 20
    want64 = _cli_fill(cli, "threefry4x64-20", 9, n64, "int:-7..1000", "i64")
    wantb = _cli_fill(cli, "threefry4x64-20", 9, nb, "bernoulli:0.5", "bool")
    for threads in (None, 1, 3):
        assert s.random(n64, "int", np.int64, 9, threads=threads, low=-7, high=1000).tobytes() == want64
        assert s.random(nb, "bernoulli", np.bool_, 9, threads=threads, p=0.5).tobytes() == wantb


def test_bool_fill_overwrites_any_bytes():
    # A bool array whose bytes are not 0/1 (made through a uint8 view) is
    # filled with 0/1 all the same.
    raw = np.full(1000, 0xAB, np.uint8)
    out = raw.view(np.bool_)
    cbrng.Stream(seed=4).fill(out, "bernoulli", p=0.5)
    assert set(np.unique(raw).tolist()) == {0, 1}
    assert raw.tobytes() == cbrng.Stream(seed=4).random(1000, "bernoulli", np.uint8, p=0.5).tobytes()


def test_fill_in_place_signed_views_and_offsets():
    s = cbrng.Stream("philox2x64-10", seed=8)
    whole = s.random(100, "int", np.int32, low=-50, high=50)
    part = np.zeros(30, np.int32)
    s.fill(part, "int", offset=40, low=-50, high=50)
    assert part.tobytes() == whole[40:70].tobytes()


def test_buffers_of_signed_and_bool_formats():
    import array

    s = cbrng.Stream(seed=6)
    a = array.array("i", bytes(4 * 10))
    s.fill(a, "int", low=-3, high=3)
    assert bytes(a) == s.random(10, "int", np.int32, low=-3, high=3).tobytes()
    q = array.array("q", bytes(8 * 10))
    s.fill(q, "bits")
    assert bytes(q) == s.random(10, "bits", np.int64).tobytes()
    flags = memoryview(bytearray(10)).cast("?")
    s.fill(flags, "bernoulli", p=0.5)
    assert bytes(flags) == s.random(10, "bernoulli", np.bool_, p=0.5).tobytes()


def test_default_and_named_dtypes():
    s = cbrng.Stream()
    assert s.random(2, "int", high=3).dtype == np.uint32
    assert s.random(2, "int", "i64", low=-1, high=3).dtype == np.int64
    assert s.random(2, "bits", "int32").dtype == np.int32
    assert s.random(2, "bernoulli", "bool", p=0.5).dtype == np.bool_
    assert s.length("int", np.int64, low=-1, high=1) == s.length("int", np.uint64, high=2)
    assert s.length("bernoulli", np.bool_, p=0.5) == s.length("bernoulli", np.uint8, p=0.5)


@pytest.mark.parametrize(
    "call,exc,words",
    [
        (lambda s: s.random(4, "int", np.int32, low=I32_MIN - 1, high=0), ValueError,
         "does not fit i32 .lo must be >= -2147483648"),
        (lambda s: s.random(4, "int", np.int32, low=0, high=I32_END + 1), ValueError,
         "does not fit i32 .hi must be <= 2147483648"),
        (lambda s: s.random(4, "int", np.int64, low=I64_MIN - 1, high=0), ValueError, "does not fit i64"),
        (lambda s: s.random(4, "int", np.int64, low=0, high=I64_END + 1), ValueError, "does not fit i64"),
        (lambda s: s.random(4, "int", np.uint32, low=-1, high=5), ValueError,
         "i32 and i64 take negative values"),
        (lambda s: s.random(4, "int", np.int32, low=3, high=-3), ValueError, "empty"),
        (lambda s: s.random(4, "int", np.int64, low=2**200, high=2**201), OverflowError, "too large"),
        (lambda s: s.random(4, "bernoulli", np.int32, p=0.5), ValueError, "cannot produce dtype i32"),
        (lambda s: s.random(4, "int", np.bool_, high=2), ValueError, "cannot produce dtype bool"),
        (lambda s: s.random(4, "bits", np.bool_), ValueError, "cannot produce dtype bool"),
        (lambda s: s.random(4, "uniform", np.int64), ValueError, "cannot produce dtype i64"),
        (lambda s: s.random(4, "normal", "i32"), ValueError, "cannot produce dtype i32"),
        (lambda s: s.random(4, "int", np.int16, high=2), TypeError, "unsupported dtype int16"),
        (lambda s: s.random(4, "int", np.int8, high=2), TypeError, "unsupported dtype int8"),
        (lambda s: s.fill(np.zeros(4, np.int16), "int", high=2), TypeError, "int32, int64, bool"),
        (lambda s: s.fill(np.zeros(8, np.int64)[::2], "bits"), ValueError, "not C-contiguous"),
    ],
)
def test_errors_are_clear(call, exc, words):
    with pytest.raises(exc, match=words):
        call(cbrng.Stream())


def test_an_error_leaves_a_signed_output_untouched():
    a = np.full(8, -9, np.int64)
    with pytest.raises(ValueError):
        cbrng.Stream().fill(a, "int", low=-(2**64), high=0)
    assert (a == -9).all()
    b = np.ones(8, np.bool_)
    with pytest.raises(ValueError):
        cbrng.Stream().fill(b, "bernoulli", offset=2**66, p=0.5)
    assert b.all()
