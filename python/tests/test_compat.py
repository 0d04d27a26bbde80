"""cbrng.compat against NumPy itself (installed) and against the Rust
program's `cbrng compat` for JAX, cuRAND and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import cbrng
from cbrng.compat import curand, jax, torch
from cbrng.compat import numpy as cnp


@pytest.mark.parametrize("seed", [0, 42, 2**70 + 5])
def test_numpy_generator_equals_numpy(seed):
    ours, ref = cnp.Generator(seed), np.random.Generator(np.random.Philox(seed))
    for _ in range(3):  # the state advances alike across calls
        assert ours.random(1001).tobytes() == ref.random(1001).tobytes()
        assert ours.random(333, np.float32).tobytes() == ref.random(333, np.float32).tobytes()
        assert ours.standard_normal(2049).tobytes() == ref.standard_normal(2049).tobytes()
        assert ours.standard_normal(77, np.float32).tobytes() == ref.standard_normal(77, dtype=np.float32).tobytes()
        for lo, hi, dt, ep in [(0, 10, np.int64, False), (-5, 5, np.int8, True), (0, 2**64 - 1, np.uint64, True),
                               (3, 1000, np.uint16, False), (0, 1, np.bool_, True)]:
            a = ours.integers(lo, hi, size=257, dtype=dt, endpoint=ep)
            b = ref.integers(lo, hi, size=257, dtype=dt, endpoint=ep)
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), (lo, hi, dt)
    assert ours.random() == ref.random()
    st = ref.bit_generator.state["state"]
    assert ours.state["counter"] == [int(v) for v in st["counter"]]
    assert ours.state["key"] == [int(v) for v in st["key"]]


def test_numpy_integers_bounds_are_checked():
    with pytest.raises(ValueError, match="numpy"):
        cnp.Generator(0).integers(0, 300, size=3, dtype=np.uint8)


def _cli_array(cli, dtype, *args):
    return np.frombuffer(cli("compat", *args, "--format", "raw"), dtype=dtype)


@pytest.mark.parametrize("x64,part", [(False, True), (True, True), (False, False)])
def test_jax_equals_cli(cli, x64, part):
    flags = ["--x64", str(x64).lower(), "--partitionable", str(part).lower()]
    k = jax.key(7, x64=x64, partitionable=part)
    kd = jax.split(jax.fold_in(k, 3), 4)[2]
    derive = "fold_in:3,split:4:2"
    cases = [("bits", np.uint32, "u32"), ("bits", np.uint8, "u8"), ("bits", np.uint16, "u16"),
             ("uniform", np.float32, "f32"), ("uniform", np.float16, "f16"), ("uniform", np.uint16, "bf16"),
             ("normal", np.float32, "f32")]
    if x64:
        cases += [("bits", np.uint64, "u64"), ("uniform", np.float64, "f64"), ("normal", np.float64, "f64")]
    for fn, dt, name in cases:
        want = _cli_array(cli, dt, "jax", "--seed", 7, *flags, "--derive", derive, "--fn", fn,
                          "--dtype", name, "--shape", "3,41")
        got = getattr(jax, fn)(kd, (3, 41), dt)
        assert got.shape == (3, 41) and got.tobytes() == want.tobytes(), (fn, name)
    key_words = cli("compat", "jax", "--seed", 7, *flags, "--derive", derive, "--fn", "key").split()
    assert [int(w, 16) for w in key_words] == list(jax.key_data(kd))


@pytest.mark.parametrize("x64,dt,name", [(False, np.float32, "f32"), (True, np.float64, "f64")])
def test_jax_normal_gpu_backend_equals_cli(cli, x64, dt, name):
    k = jax.key(11, x64=x64)
    want = _cli_array(cli, dt, "jax", "--seed", 11, "--x64", str(x64).lower(), "--fn", "normal",
                      "--dtype", name, "--shape", "5,200", "--backend", "gpu")
    got = jax.normal(k, (5, 200), dt, backend="gpu")
    assert got.tobytes() == want.tobytes()
    assert got.tobytes() != jax.normal(k, (5, 200), dt).tobytes()
    with pytest.raises(ValueError, match="backend"):
        jax.normal(k, (3,), dt, backend="tpu")


def test_jax_needs_x64_for_64_bit():
    with pytest.raises(ValueError, match="jax"):
        jax.uniform(jax.key(0), (3,), np.float64)


@pytest.mark.parametrize("fn,dt,per", [("curand", np.uint32, 1), ("uniform", np.float32, 1),
                                       ("uniform4", np.float32, 4), ("uniform-double", np.float64, 1),
                                       ("normal", np.float32, 1), ("normal2", np.float32, 2),
                                       ("normal-double", np.float64, 1), ("log-normal", np.float32, 1)])
def test_curand_equals_cli(cli, fn, dt, per):
    want = _cli_array(cli, dt, "curand", "--fn", fn, "--seed", 1234, "--subsequence", 5,
                      "--offset", 9, "--count", 101, "--mean", 0.5, "--std", 2)
    s = curand.Philox4x32_10(1234, 5, 9)
    kw = {"mean": 0.5, "std": 2.0} if fn == "log-normal" else {}
    got = getattr(s, fn.replace("-", "_"))(101, **kw)
    assert len(got) == 101 * per and got.tobytes() == want.tobytes()


def test_curand_calls_equal_one_call_and_skipahead():
    a = curand.Philox4x32_10(3)
    whole = a.curand(40)
    b = curand.Philox4x32_10(3)
    assert np.concatenate([b.curand(13), b.curand(27)]).tobytes() == whole.tobytes()
    c = curand.Philox4x32_10(3)
    c.skipahead(13)
    assert c.curand(27).tobytes() == whole[13:].tobytes()


@pytest.mark.parametrize("op,call,dt,name", [
    ("rand", lambda g: g.rand(1001), np.float32, "f32"),
    ("rand", lambda g: g.rand(1001, np.float64), np.float64, "f64"),
    ("rand", lambda g: g.rand(1001, np.float16), np.float16, "f16"),
    ("randn", lambda g: g.randn(1001), np.float32, "f32"),
    ("randn", lambda g: g.randn(1001, np.float64), np.float64, "f64"),
    ("normal:1.5,3", lambda g: g.normal(1001, 1.5, 3.0), np.float32, "f32"),
    ("uniform:-2,5", lambda g: g.uniform(1001, -2.0, 5.0), np.float32, "f32"),
    ("bernoulli:0.3", lambda g: g.bernoulli(1001, 0.3), np.float32, "f32"),
    ("dropout-mask:0.2", lambda g: g.dropout_mask(1001, 0.2), np.uint8, "f32"),
    ("dropout-mask:0.2", lambda g: g.dropout_mask(1001, 0.2, np.float16), np.uint8, "f16"),
])
def test_torch_equals_cli(cli, op, call, dt, name):
    want = _cli_array(cli, dt, "torch", "--op", op, "--seed", 99, "--numel", 1001,
                      "--device", "a100", "--philox-offset", 8, "--dtype", name)
    g = torch.Generator(99, "a100", philox_offset=8)
    got = call(g)
    assert got.view(np.uint8 if got.dtype == np.bool_ else got.dtype).tobytes() == want.tobytes()
    assert g.philox_offset > 8


def test_torch_geometry_and_errors():
    a = torch.Generator(1, "h100-sxm").rand(5000)
    b = torch.Generator(1, sm_count=132, threads_per_sm=2048).rand(5000)
    assert a.tobytes() == b.tobytes()
    assert "h100-sxm" in torch.DEVICES
    with pytest.raises(ValueError, match="unknown device"):
        torch.Generator(1, "tpu")
    with pytest.raises(ValueError, match="torch"):
        torch.Generator(1)
    with pytest.raises(ValueError, match="torch"):
        torch.Generator(1, "t4").uniform(4, 5.0, 1.0)
    with pytest.raises(TypeError, match="cannot produce"):
        torch.Generator(1, "t4").bernoulli.__self__._g.bernoulli(np.zeros(3), 0.5)
