"""SumState's limb form (issue 19): the int64 limbs an all-reduce sums.
Summing shard states' limbs with numpy (in any order and grouping) equals
merging the states, equals the exact sum of all the data, bit for bit, and
checked against math.fsum; a sum that no set of states gives is a ValueError."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import cbrng

LIMBS = cbrng.LIMBS
TAG = 0x4342_0001  # cbrng::reduce::LIMBS_TAG, limb LIMBS - 1 of every state


def adversarial(n: int, seed: int) -> np.ndarray:
    """float64 data whose naive sums depend on the order: huge terms that
    cancel, tiny ones, subnormals and signed zeros."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * np.exp2(rng.integers(-60, 60, n))
    big = rng.standard_normal(n // 10) * 1e300
    x[: n // 10] = big
    x[n // 10: n // 5] = -big
    x[-3:] = [5e-324, -0.0, 2.0**-1074 * 7]
    return rng.permutation(x)


def shard_states(x: np.ndarray, ranks: int, seed: int):
    cuts = sorted(random.Random(seed).sample(range(1, x.size), ranks - 1))
    return [cbrng.SumState().add(part) for part in np.split(x, cuts)]


def test_layout_of_one_state():
    assert LIMBS == 144
    assert cbrng.MAX_LIMB_STATES == 2**30
    s = cbrng.SumState().add(np.array([1.0, 2.0, -0.5]))
    limbs = s.to_limbs()
    assert limbs.dtype == np.int64 and limbs.shape == (LIMBS,)
    assert limbs[-1] == TAG and limbs[-2] == 1  # tag, state count
    assert limbs[136] == 3 and limbs[137] == 0  # term count
    assert cbrng.SumState.from_limb_sum(limbs) == s
    assert cbrng.SumState.from_limb_sum(cbrng.SumState().to_limbs()) == cbrng.SumState()


@pytest.mark.parametrize("ranks", [1, 2, 3, 4, 7, 16])
def test_summed_limbs_equal_merge_and_exact_sum(ranks):
    x = adversarial(20_000, ranks)
    states = shard_states(x, ranks, seed=ranks)
    stacked = np.stack([s.to_limbs() for s in states])
    merged = cbrng.SumState()
    for s in states:
        merged.merge(s)
    want = cbrng.exact_sum(x)
    assert want == math.fsum(x.tolist())  # an independent reference
    rnd = random.Random(ranks)
    for _ in range(5):  # any order, any grouping (a ring, a tree, ...)
        order = rnd.sample(range(ranks), ranks)
        total = stacked[order].sum(axis=0)
        if ranks > 2:
            k = rnd.randrange(1, ranks)
            total2 = stacked[order[:k]].sum(axis=0) + stacked[order[k:]].sum(axis=0)
            assert (total2 == total).all()
        got = cbrng.SumState.from_limb_sum(total)
        assert got == merged
        assert got.count == x.size
        assert got.to_bytes() == merged.to_bytes()
        assert got.result().tobytes() == want.tobytes()
        assert got.result(np.float32).tobytes() == cbrng.exact_sum(x, np.float32).tobytes()
    assert cbrng.SumState.from_limb_sum(stacked.sum(axis=0)).to_limbs()[-2] == 1


def test_specials_survive_the_limb_sum():
    a = cbrng.SumState().add(np.array([np.inf, 1.0]))
    b = cbrng.SumState().add(np.array([-np.inf]))
    c = cbrng.SumState().add(np.array([-0.0]))
    assert np.isnan(cbrng.SumState.from_limb_sum(a.to_limbs() + b.to_limbs()).result())
    assert cbrng.SumState.from_limb_sum(a.to_limbs() + c.to_limbs()).result() == np.inf
    neg0 = cbrng.SumState.from_limb_sum(c.to_limbs() + c.to_limbs()).result()
    assert neg0 == 0 and np.signbit(neg0)
    pos0 = cbrng.SumState.from_limb_sum(c.to_limbs() + cbrng.SumState().add(np.zeros(1)).to_limbs())
    assert not np.signbit(pos0.result())


def test_other_integer_dtypes_and_torch_like_inputs():
    s = cbrng.SumState().add(np.arange(10.0))
    limbs = s.to_limbs()
    assert cbrng.SumState.from_limb_sum(limbs.tolist()) == s  # a list
    assert cbrng.SumState.from_limb_sum(limbs[::-1].copy()[::-1]) == s  # a strided view


def test_rows():
    rng = np.random.default_rng(3)
    m = rng.standard_normal((4, 1000)) * 1e10
    shards = np.split(m, [300, 650], axis=1)
    per_rank = [[cbrng.SumState().add(row) for row in part] for part in shards]
    vecs = [cbrng.SumState.rows_to_limbs(states) for states in per_rank]
    assert vecs[0].shape == (4 * LIMBS,) and vecs[0].dtype == np.int64
    rows = cbrng.SumState.rows_from_limb_sum(np.sum(vecs, axis=0))
    assert [type(r) for r in rows] == [cbrng.SumState] * 4
    got = np.array([r.result() for r in rows])
    assert got.tobytes() == cbrng.exact_sum_rows(m).tobytes()
    assert cbrng.SumState.rows_from_limb_sum(np.zeros(0, np.int64)) == []


def test_refused_sums_are_value_errors():
    a = cbrng.SumState().add(np.array([1.5, -2.25]))
    la = a.to_limbs()
    with pytest.raises(ValueError, match="144 limbs, not 143"):
        cbrng.SumState.from_limb_sum(la[:-1])
    with pytest.raises(ValueError, match="1 to 2\\^30 states, not 0"):
        cbrng.SumState.from_limb_sum(np.zeros(LIMBS, np.int64))
    bad = la.copy()
    bad[-1] += 1
    with pytest.raises(ValueError, match="layout tag"):
        cbrng.SumState.from_limb_sum(bad)
    bad = la + la
    bad[-1] = TAG  # two states, one tag: mixed layouts
    with pytest.raises(ValueError, match="layout tag"):
        cbrng.SumState.from_limb_sum(bad)
    bad = la.copy()
    bad[5] = 2**32  # a digit past its range for one state
    with pytest.raises(ValueError, match="digit limb 5"):
        cbrng.SumState.from_limb_sum(bad)
    bad = la.copy()
    bad[138] = 2  # the NaN flag of one state is 0 or 1
    with pytest.raises(ValueError, match="flag limb 138"):
        cbrng.SumState.from_limb_sum(bad)
    bad = la.copy()
    bad[-2] = 2**30 + 1
    bad[-1] = TAG * (2**30 + 1)
    with pytest.raises(ValueError, match="states"):
        cbrng.SumState.from_limb_sum(bad)
    with pytest.raises(ValueError, match="multiple of 144"):
        cbrng.SumState.rows_from_limb_sum(np.concatenate([la, la[:3]]))
    with pytest.raises(TypeError, match="integer array"):
        cbrng.SumState.from_limb_sum(la.astype(np.float64))
    with pytest.raises(TypeError, match="integer array"):
        cbrng.SumState.from_limb_sum(la.astype(np.uint64))
    with pytest.raises(ValueError, match="1-D"):
        cbrng.SumState.from_limb_sum(la.reshape(12, 12))


def test_the_all_reduce_example_runs():
    import pathlib
    import subprocess
    import sys

    ex = pathlib.Path(__file__).resolve().parents[1] / "examples" / "allreduce_grad_norm.py"
    r = subprocess.run([sys.executable, str(ex), "--ranks", "1", "2", "3", "4", "--numpy"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "simulated with NumPy" in r.stdout
    assert "identical on every rank for 1, 2, 3, 4 ranks" in r.stdout
