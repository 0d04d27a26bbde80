"""Exact reductions against math.fsum and fractions.Fraction on adversarial
data; SumState merges in shuffled order and across processes' bytes."""

from __future__ import annotations

import concurrent.futures
import math
import pickle
import random
from fractions import Fraction

import numpy as np
import pytest

import cbrng

# (mantissa bits, smallest normal exponent, largest exponent) of each format
FORMATS = {
    np.dtype(np.float64): (53, -1022, 1023),
    np.dtype(np.float32): (24, -126, 127),
    np.dtype(np.float16): (11, -14, 15),
}
if cbrng.bfloat16 is not None:
    FORMATS[cbrng.bfloat16] = (8, -126, 127)


def round_fraction(q: Fraction, dt: np.dtype):
    """q correctly rounded (to nearest, ties to even) to the format dt, an
    independent reference: exact integer arithmetic only."""
    p, emin, emax = FORMATS[np.dtype(dt)]
    if q == 0:
        return dt.type(0.0)
    sign = -1 if q < 0 else 1
    a = abs(q)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    e = max(e, emin)  # subnormals: a fixed quantum
    quantum = Fraction(2) ** (e - p + 1)
    m, r = divmod(a, quantum)
    m = int(m)
    if r * 2 > quantum or (r * 2 == quantum and m % 2 == 1):
        m += 1
    v = m * quantum
    if v >= Fraction(2) ** (emax + 1):
        return dt.type(sign * math.inf)
    # v is exactly representable in dt (and in float64, so float() is exact).
    return dt.type(sign * float(v))


def exact(xs) -> Fraction:
    return sum((Fraction(float(v)) for v in np.asarray(xs, dtype=np.float64).ravel()), Fraction(0))


def same(a, b) -> bool:
    return np.asarray(a).tobytes() == np.asarray(b).tobytes() and np.asarray(a).dtype == np.asarray(b).dtype


def adversarial(rng: random.Random, n: int, dt: np.dtype) -> np.ndarray:
    """Huge cancellations, every exponent, subnormals, ties."""
    p, emin, emax = FORMATS[np.dtype(dt)]
    vals = []
    for _ in range(n):
        kind = rng.random()
        e = rng.randint(emin - p + 1, emax)
        m = rng.random() * 2 - 1
        v = math.ldexp(m, e)
        vals.append(v)
        if kind < 0.3:
            vals.append(-v)  # exact cancellation of a large term
    big = math.ldexp(1.0, emax - 1)
    vals += [big, 1.0, -big, math.ldexp(1.0, -p), math.ldexp(1.0, emin - p + 1)]
    rng.shuffle(vals)
    a = np.array(vals, dtype=np.float64).astype(dt)
    a[~np.isfinite(a)] = 0
    return a


@pytest.mark.parametrize("dt", list(FORMATS), ids=lambda d: d.name)
def test_exact_sum_against_fractions(dt):
    rng = random.Random(1)
    for n in (0, 1, 7, 300, 5000):
        x = adversarial(rng, n, dt)
        q = exact(x)
        got = cbrng.exact_sum(x)
        assert type(got) is dt.type
        assert same(got, round_fraction(q, dt)), (n, got, round_fraction(q, dt))
        assert same(cbrng.exact_sum(x, dtype=np.float64), np.float64(round_fraction(q, np.dtype(np.float64))))
        if len(x):
            mean = q / len(x)
            assert same(cbrng.exact_mean(x), round_fraction(mean, dt))
        sq = sum((Fraction(float(v)) ** 2 for v in x.astype(np.float64)), Fraction(0))
        assert same(cbrng.exact_sum_squares(x, dtype=np.float64), np.float64(round_fraction(sq, np.dtype(np.float64))))


def test_exact_sum_against_fsum():
    rng = np.random.default_rng(3)
    for dt in (np.float32, np.float64):
        x = (rng.standard_normal(100_000) * np.exp(rng.uniform(-30, 30, 100_000))).astype(dt)
        x = np.concatenate([x, -x[:50_000]])
        rng.shuffle(x)
        assert cbrng.exact_sum(x, dtype=np.float64) == math.fsum(x.astype(np.float64).tolist())
        if dt == np.float64:
            assert cbrng.exact_sum(x) == math.fsum(x.tolist())


def test_classic_cancellation_and_specials():
    assert cbrng.exact_sum(np.array([1e30, 1.0, -1e30], np.float32)) == np.float32(1.0)
    assert np.isnan(cbrng.exact_sum(np.array([1.0, np.nan])))
    assert np.isnan(cbrng.exact_sum(np.array([np.inf, -np.inf])))
    assert cbrng.exact_sum(np.array([np.inf, 1.0])) == np.inf
    f16max = np.finfo(np.float16).max
    assert cbrng.exact_sum(np.array([f16max, f16max], np.float16)) == np.float16(np.inf)
    assert cbrng.exact_sum(np.array([f16max, f16max], np.float16), dtype=np.float64) == 131008.0
    assert math.copysign(1, cbrng.exact_sum(np.array([-0.0, -0.0]))) == -1
    assert math.copysign(1, cbrng.exact_sum(np.array([-0.0, 0.0]))) == 1
    assert cbrng.exact_sum(np.zeros(0, np.float32)) == 0
    assert np.isnan(cbrng.exact_mean(np.zeros(0)))
    assert cbrng.exact_sum([0.1, 0.2, -0.3]) == 2.0**-55


def test_norm_and_dot():
    big = 2.0**900
    assert cbrng.exact_norm2(np.array([3 * big, 4 * big])) == 5 * big
    assert cbrng.exact_norm2(np.array([3e30, 4e30], np.float32)) == np.float32(5e30)
    rng = np.random.default_rng(4)
    a = rng.standard_normal(10_001)
    b = rng.standard_normal(10_001)
    q = sum((Fraction(float(x)) * Fraction(float(y)) for x, y in zip(a, b)), Fraction(0))
    assert same(cbrng.exact_dot(a, b), round_fraction(q, np.dtype(np.float64)))
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    q32 = sum((Fraction(float(x)) * Fraction(float(y)) for x, y in zip(a32, b32)), Fraction(0))
    assert same(cbrng.exact_dot(a32, b32), round_fraction(q32, np.dtype(np.float32)))
    # Mixed dtypes are widened exactly.
    assert same(cbrng.exact_dot(a32, b32.astype(np.float64)), round_fraction(q32, np.dtype(np.float64)))
    with pytest.raises(ValueError, match="different lengths"):
        cbrng.exact_dot(a, b[:-1])


def test_sum_rows():
    rng = random.Random(5)
    m = np.stack([adversarial(random.Random(i), 40, np.dtype(np.float32))[:40] for i in range(6)])
    got = cbrng.exact_sum_rows(m)
    assert got.dtype == np.float32 and got.shape == (6,)
    for i in range(6):
        assert same(got[i], round_fraction(exact(m[i]), np.dtype(np.float32)))
    got64 = cbrng.exact_sum_rows(m.reshape(2, 3, 40), dtype=np.float64)
    assert got64.shape == (2, 3)
    assert same(got64.ravel()[4], np.float64(round_fraction(exact(m[4]), np.dtype(np.float64))))
    del rng


def test_non_contiguous_input_is_read_in_any_order():
    x = np.arange(100, dtype=np.float32)[::3]
    assert cbrng.exact_sum(x) == np.float32(sum(range(0, 100, 3)))


def test_errors():
    with pytest.raises(TypeError, match="float"):
        cbrng.exact_sum(np.arange(5))
    with pytest.raises(TypeError, match="float"):
        cbrng.exact_sum(np.zeros(3, np.uint16))
    with pytest.raises(TypeError, match="result dtype"):
        cbrng.exact_sum(np.zeros(3), dtype=np.int32)
    with pytest.raises(ValueError, match="state"):
        cbrng.SumState.from_bytes(b"not a state")
    with pytest.raises(ValueError, match="thread"):
        cbrng.exact_sum(np.zeros(3), threads=0)


def test_sumstate_merge_of_shards_in_shuffled_order():
    rng = random.Random(7)
    x = adversarial(rng, 20_000, np.dtype(np.float32))
    whole = cbrng.exact_sum(x, dtype=np.float64)
    bounds = sorted(rng.sample(range(1, len(x)), 15))
    shards = np.split(x, bounds)
    blobs = [cbrng.SumState().add(s).to_bytes() for s in shards]
    for trial in range(5):
        rng.shuffle(blobs)
        total = cbrng.SumState()
        for b in blobs:
            total.merge(cbrng.SumState.from_bytes(b))
        assert total.count == len(x)
        assert same(total.result(), whole)
        assert same(total.result(np.float32), cbrng.exact_sum(x))
        assert same(total.mean(np.float32), cbrng.exact_mean(x))
    # A tree of merges gives the same state, byte for byte.
    left, right = cbrng.SumState(), cbrng.SumState()
    for i, s in enumerate(shards):
        (left if i % 2 else right).add(s)
    left.merge(right)
    assert left == total and left.to_bytes() == total.to_bytes()
    assert pickle.loads(pickle.dumps(left)) == left
    assert left.copy() == left and left.copy() is not left


def test_sumstate_scalars_and_mixed_formats():
    s = cbrng.SumState()
    s.add(1e30).add(np.float32(1.0)).add(np.array([-1e30]))
    assert s.result() == 1.0 and s.count == 3
    assert np.isnan(cbrng.SumState().mean())


def test_threads_give_the_same_sums():
    x = np.random.default_rng(8).standard_normal(1 << 22).astype(np.float32) * 1e10
    want = cbrng.exact_sum(x, threads=1)
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        got = list(ex.map(lambda t: cbrng.exact_sum(x, threads=t), [1, 2, 3, None, 8]))
    assert all(same(g, want) for g in got)
