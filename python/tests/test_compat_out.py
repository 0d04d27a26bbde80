"""The compat functions' ``out=`` with NumPy arrays (the CPU replay in
place: the same values and generator moves as the returned arrays), and
the cuRAND state's position as the GPU would start from it (the Python
side follows every call; a state re-made at that position draws the same)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from cbrng.compat import curand, jax, numpy as cnp, torch as ct


def test_torch_out_numpy_equals_the_returned_arrays():
    for name, kw, dt in [("rand", {}, np.float32), ("uniform", {"low": -1.0, "high": 2.0}, np.float64),
                         ("randn", {}, np.float32), ("normal", {"mean": 1.0, "std": 3.0}, np.float16),
                         ("bernoulli", {"p": 0.3}, np.float32)]:
        a, b = ct.Generator(11, "h100-sxm"), ct.Generator(11, "h100-sxm")
        want = getattr(a, name)(1001, **kw) if name == "bernoulli" else getattr(a, name)(1001, dtype=dt, **kw)
        out = np.full(1001, 5, dt)
        assert getattr(b, name)(out=out, **kw) is out
        assert out.tobytes() == want.tobytes() and a.philox_offset == b.philox_offset > 0
    a, b = ct.Generator(2, "a100"), ct.Generator(2, "a100")
    want = a.dropout_mask(777, 0.4, np.float16)
    for dt in (np.uint8, np.bool_):
        b = ct.Generator(2, "a100")
        out = np.zeros(777, dt)
        b.dropout_mask(p=0.4, dtype=np.float16, out=out)
        assert np.array_equal(out.astype(bool), want) and b.philox_offset == a.philox_offset
    g = ct.Generator(2, "a100")
    with pytest.raises(TypeError, match="not the dtype asked for"):
        g.rand(4, np.float64, out=np.empty(4, np.float32))
    with pytest.raises(ValueError, match="not the 5 asked for"):
        g.rand(5, out=np.empty(4, np.float32))
    assert g.philox_offset == 0


def test_jax_and_numpy_out_numpy():
    k = jax.fold_in(jax.key(3), 9)
    for f, dt in [(jax.bits, np.uint16), (jax.uniform, np.float32), (jax.normal, np.float32)]:
        out = np.empty((4, 6), dt)
        assert f(k, out=out) is out
        assert out.tobytes() == f(k, (4, 6), dt).tobytes()
    with pytest.raises(ValueError, match="not the shape asked for"):
        jax.uniform(k, (6, 4), out=np.empty((4, 6), np.float32))
    assert jax.uniform(k).shape == () and jax.bits(k, 3).shape == (3,)
    g, h = cnp.Generator(5), cnp.Generator(5)
    out = np.empty((2, 3))
    assert g.random(out=out) is out and out.tobytes() == h.random((2, 3)).tobytes()
    with pytest.raises(TypeError, match="not the dtype asked for"):
        g.standard_normal(out=np.empty(3, np.float32))
    out = np.empty(3, np.float32)
    g.standard_normal(3, np.float32, out=out)
    assert out.tobytes() == h.standard_normal(3, np.float32).tobytes()


CURAND = ["curand", "uniform", "uniform4", "uniform_double", "normal", "normal2",
          "normal_double", "log_normal"]


def test_curand_position_follows_every_call():
    rng = random.Random(5)
    for trial in range(200):
        seed = rng.choice([0, 7, 2**64 - 1])
        sub = rng.choice([0, 3, 2**64 - 1])
        off = rng.choice([0, 1, 5, 2**64 - 7])
        s = curand.Philox4x32_10(seed, sub, off)
        for _ in range(rng.randint(1, 6)):
            op = rng.choice(CURAND + ["skipahead", "skipahead_sequence"])
            n = rng.randint(0, 9)
            if op == "skipahead":
                s.skipahead(rng.choice([n, 2**64 - 1]))
            elif op == "skipahead_sequence":
                s.skipahead_sequence(n)
            else:
                getattr(s, op)(n)
        # with no Box-Muller value pending, the state is curand_init at the
        # position followed (the GPU's start; positions past 2^64 are refused)
        if s._pending is None and not s._pending_double and s._position < 2**64:
            t = curand.Philox4x32_10(s._seed, s._subsequence, s._position)
            assert np.array_equal(s.curand(12), t.curand(12)), trial
            assert np.array_equal(s.normal_double(2), t.normal_double(2)), trial
    s = curand.Philox4x32_10(1)
    out = np.full(8, 3, np.float32)
    assert s.uniform4(out=out) is out
    assert out.tobytes() == curand.Philox4x32_10(1).uniform4(2).tobytes()
    assert s._position == 8
