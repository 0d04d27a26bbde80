"""Dropout against the Rust program's Bernoulli stream (the mask is its
complement) and an independent NumPy computation of the fixed arithmetic."""

from __future__ import annotations

import concurrent.futures

import numpy as np
import pytest

import cbrng

DTYPES = [np.float32, np.float64, np.float16] + ([cbrng.bfloat16] if cbrng.bfloat16 is not None else [])


def cli_kept(cli, stream: cbrng.Stream, p: float, n: int, offset: int = 0) -> np.ndarray:
    """Kept = Bernoulli(p) element is 0, from `cbrng fill` on the same stream."""
    bits = 32 if "x32" in stream.algo else 64
    key = ",".join(f"{w:0{bits // 4}x}" for w in stream.key)
    raw = cli("fill", "--algo", stream.algo, "--key", key, "--stream", stream.stream,
              "--offset", offset, "--count", n, "--dist", f"bernoulli:{p!r}", "--dtype", "u8",
              "--format", "raw", "--device", "cpu")
    return np.frombuffer(raw, np.uint8) == 0


def reference(x: np.ndarray, kept: np.ndarray, p: float) -> np.ndarray:
    """The module docs' arithmetic, in NumPy: f64 x * (1/(1-p)); the others
    widened to f32, times the f32 scale, rounded back."""
    s64 = 0.0 if p == 1 else 1.0 / (1.0 - p)
    if x.dtype == np.float64:
        y = x * np.float64(s64)
    else:
        y = (x.astype(np.float32) * np.float32(s64)).astype(x.dtype)
    return np.where(kept, y, np.zeros((), x.dtype)).astype(x.dtype)


@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("algo", ["philox4x32-10", "threefry2x64-20", "philox2x32-10"])
def test_dropout_equals_cli_mask_and_arithmetic(cli, dt, algo):
    keys = cbrng.DropoutKeys(1234, algo)
    x = (np.random.default_rng(0).standard_normal(3001) * 3).astype(dt)
    for p, step, layer, replica, offset in [(0.1, 0, 3, 0, 0), (0.5, 1000, 7, 2, 12345), (1 / 3, 5, 0, 1, 7)]:
        stream = keys.stream(step, layer, replica)
        kept = cli_kept(cli, stream, p, len(x), offset)
        y, mask = cbrng.dropout(x, p, key=keys, step=step, layer=layer, replica=replica, offset=offset)
        assert mask.dtype == np.bool_ and (mask == kept).all()
        assert y.dtype == x.dtype
        assert y.tobytes() == reference(x, kept, p).tobytes()
        dx = cbrng.dropout_backward(x, p, key=keys, step=step, layer=layer, replica=replica, offset=offset)
        assert dx.tobytes() == y.tobytes()
        # The same through the Stream, and with an int seed as key.
        y2, _ = cbrng.dropout(x, p, key=stream, offset=offset)
        assert y2.tobytes() == y.tobytes()
        if algo == "philox4x32-10":
            y3, _ = cbrng.dropout(x, p, key=1234, step=step, layer=layer, replica=replica, offset=offset)
            assert y3.tobytes() == y.tobytes()


def test_mask_is_the_bernoulli_complement_of_the_stream():
    keys = cbrng.DropoutKeys(9)
    s = keys.stream(2, 4)
    bern = s.random(10_000, "bernoulli", p=0.25)
    _, mask = cbrng.dropout(np.ones(10_000, np.float32), 0.25, key=keys, step=2, layer=4)
    assert (mask == (bern == 0)).all()
    assert 0.23 < 1 - mask.mean() < 0.27


def test_shards_drop_what_the_whole_tensor_drops():
    keys = cbrng.DropoutKeys(3)
    x = np.random.default_rng(1).standard_normal((8, 1000)).astype(np.float32)
    whole, _ = cbrng.dropout(x, 0.2, key=keys, step=1, layer=1)
    parts = [cbrng.dropout(x[i], 0.2, key=keys, step=1, layer=1, offset=1000 * i)[0] for i in range(8)]
    assert np.stack(parts).tobytes() == whole.tobytes()


def test_in_place_large_and_threads():
    keys = cbrng.DropoutKeys(11)
    x = np.random.default_rng(2).standard_normal(1 << 21).astype(np.float32)
    want, mask = cbrng.dropout(x, 0.3, key=keys, step=0, layer=0, threads=1)
    y = x.copy()
    got, m2 = cbrng.dropout(y, 0.3, key=keys, step=0, layer=0, out=y)
    assert got is y and y.tobytes() == want.tobytes() and (m2 == mask).all()
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        outs = list(ex.map(lambda t: cbrng.dropout(x, 0.3, key=keys, step=0, layer=0, threads=t)[0], [1, 2, None, 4]))
    assert all(o.tobytes() == want.tobytes() for o in outs)


def test_eval_mode_and_edges():
    x = np.arange(10, dtype=np.float32)
    y, mask = cbrng.dropout(x, 0.5, key=1, step=0, layer=0, train=False)
    assert y is x and mask.all()
    y, mask = cbrng.dropout(x, 0.0, key=1, step=0, layer=0)
    assert y.tobytes() == x.tobytes() and mask.all()
    y, mask = cbrng.dropout(x, 1.0, key=1, step=0, layer=0)
    assert not y.any() and not mask.any()
    nan = np.array([np.nan] * 64, np.float32)
    y, mask = cbrng.dropout(nan, 0.5, key=1, step=0, layer=0)
    assert np.isnan(y[mask]).all() and (y[~mask] == 0).all()


@pytest.mark.parametrize(
    "call,exc,words",
    [
        (lambda: cbrng.dropout(np.ones(4, np.float32), 1.5, key=1, step=0, layer=0), ValueError, "p"),
        (lambda: cbrng.dropout(np.ones(4, np.float32), -0.5, key=1, step=0, layer=0, train=False), ValueError, "p"),
        (lambda: cbrng.dropout(np.ones(4, np.int32), 0.5, key=1, step=0, layer=0), TypeError, "dtype"),
        (lambda: cbrng.dropout(np.ones(8, np.float32)[::2], 0.5, key=1, step=0, layer=0), ValueError, "C-contiguous"),
        (lambda: cbrng.dropout(np.ones(4, np.float32), 0.5), ValueError, "key"),
        (lambda: cbrng.dropout(np.ones(4, np.float32), 0.5, key=1), ValueError, "step"),
        (lambda: cbrng.dropout(np.ones(4, np.float32), 0.5, key=1, step=0, layer=0, out=np.ones(5, np.float32)), ValueError, "shape"),
        (lambda: cbrng.dropout(np.ones(4, np.float32), 0.5, key=1, step=0, layer=0, out=np.ones(4)), TypeError, "dtype"),
        (lambda: cbrng.dropout(np.ones(4, np.float32), 0.5, key=1, step=0, layer=0, offset=2**64 - 2), ValueError, "past"),
        (lambda: cbrng.DropoutKeys(2**32, "philox2x32-10"), ValueError, "too wide"),
    ],
)
def test_errors(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def test_keys_value_semantics():
    a, b = cbrng.DropoutKeys(5), cbrng.DropoutKeys(5)
    assert a == b and a != cbrng.DropoutKeys(6)
    assert a.stream(1, 2) == b.stream(1, 2) != a.stream(2, 1)
    assert a.stream(1, 2, replica=3).stream == 3
    assert a.seed == 5 and a.algo == "philox4x32-10"
    import pickle

    c = pickle.loads(pickle.dumps(cbrng.DropoutKeys(5, "threefry4x64-20")))
    assert c == cbrng.DropoutKeys(5, "threefry4x64-20") and type(c) is cbrng.DropoutKeys
