"""The compat streams filled into CUDA arrays on a GPU (PyTorch or CuPy),
against the CPU replay: bit for bit where the device code is IEEE
arithmetic (cuRAND's raw draws and uniforms, torch's rand, uniform,
bernoulli and dropout masks, JAX's bits and uniforms; JAX's normal in
XLA:GPU's arithmetic: float64 everywhere, float32 wherever |u| <= 0.99663
and within 3 ulp beyond), and within the
tolerances of tests/gpu_compat.rs where the device's own math functions
are called (cuRAND's normal and log-normal, torch's randn). Skipped with a
printed notice without a GPU (a failure under CBRNG_REQUIRE_GPU=1)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from _gpu import gpu_library, need_gpu
from cbrng.compat import curand, jax, torch as ct

LIB = gpu_library()


class DevBuf:
    """Device memory of the GPU library (filled with 0xAB bytes, so an
    element left unwritten shows), seen through the CUDA Array Interface
    as `shape` elements of `np_dtype` (typestr `typestr`, default the
    dtype's), on the library's current stream."""

    def __init__(self, shape, np_dtype, typestr=None):
        self.shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.dtype = np.dtype(np_dtype)
        nbytes = max(1, math.prod(self.shape)) * self.dtype.itemsize
        if LIB == "torch":
            import torch

            self.buf = torch.full((nbytes,), 0xAB, dtype=torch.uint8, device="cuda")
            ptr, stream = self.buf.data_ptr(), torch.cuda.current_stream().cuda_stream
        else:
            import cupy

            self.buf = cupy.full(nbytes, 0xAB, dtype=cupy.uint8)
            ptr, stream = self.buf.data.ptr, cupy.cuda.get_current_stream().ptr
        self.__cuda_array_interface__ = {
            "shape": self.shape, "typestr": typestr or self.dtype.str, "data": (ptr, False),
            "version": 3, "strides": None, "stream": stream or 1,
        }

    def host(self) -> np.ndarray:
        if LIB == "torch":
            raw = self.buf.cpu().numpy()
        else:
            import cupy

            raw = cupy.asnumpy(self.buf)
        return raw[: math.prod(self.shape) * self.dtype.itemsize].view(self.dtype).reshape(self.shape)


def gpu(what: str) -> None:
    need_gpu(LIB, what)


def f32_diff(a: np.ndarray, b: np.ndarray):
    """(share of equal bits, largest absolute difference, largest ulps) as
    tests/gpu_compat.rs measures them."""
    a, b = a.astype(np.float32).ravel(), b.astype(np.float32).ravel()
    eq = np.mean(a.view(np.uint32) == b.view(np.uint32)) if a.size else 1.0

    def ordered(x):
        i = x.view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)

    ulp = int(np.max(np.abs(ordered(a) - ordered(b)))) if a.size else 0
    abs_ = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0
    return eq, abs_, ulp


CURAND_CASES = [(0, 0, 0, 1000), (1234, 7, 5, 100_002), (2**64 - 1, 3, 2**40 + 3, 4098)]


def test_curand_raw_draws_and_uniforms_equal_the_cpu():
    gpu("curand raw draws and uniforms into CUDA arrays")
    for seed, sub, off, calls in CURAND_CASES:
        for name, dt, per in [("curand", np.uint32, 1), ("uniform", np.float32, 1),
                              ("uniform4", np.float32, 4), ("uniform_double", np.float64, 1)]:
            cpu, dev = curand.Philox4x32_10(seed, sub, off), curand.Philox4x32_10(seed, sub, off)
            cpu.skipahead(3); dev.skipahead(3)
            want = getattr(cpu, name)(calls)
            out = DevBuf(calls * per, dt)
            getattr(dev, name)(out=out)
            assert out.host().tobytes() == want.tobytes(), (name, seed, sub, off, calls)
            assert np.array_equal(dev.curand(5), cpu.curand(5)), name


def test_curand_normals_are_close_to_the_cpu():
    gpu("curand normal and log-normal draws into CUDA arrays")
    for seed, sub, off, calls in CURAND_CASES:
        for name, per, kw in [("normal", 1, {}), ("normal2", 2, {}),
                              ("log_normal", 1, {"mean": 0.5, "std": 0.75})]:
            cpu, dev = curand.Philox4x32_10(seed, sub, off), curand.Philox4x32_10(seed, sub, off)
            want = getattr(cpu, name)(calls, **kw)
            out = DevBuf(calls * per, np.float32)
            getattr(dev, name)(out=out, **kw)
            eq, abs_, ulp = f32_diff(out.host(), want)
            print(f"curand {name} calls {calls}: {100 * eq:.4f}% equal, largest {abs_:e} ({ulp} ulp)")
            # tests/gpu_compat.rs's bounds: the special-function unit's
            # sine-cosine, logf and expf within an ulp or two.
            assert abs_ < (1e-2 if name == "log_normal" else 1e-4), name
            assert eq > 0.05, name
            assert np.array_equal(dev.curand(5), cpu.curand(5)), name
        cpu, dev = curand.Philox4x32_10(seed, sub, off), curand.Philox4x32_10(seed, sub, off)
        want = cpu.normal_double(calls)
        out = DevBuf(calls, np.float64)
        dev.normal_double(out=out)
        assert float(np.max(np.abs(out.host() - want))) < 1e-12
        assert np.array_equal(dev.curand(5), cpu.curand(5))


TORCH_NUMELS = [1, 1000, 100_003, 1_000_003]


def test_torch_rand_bernoulli_and_dropout_masks_equal_the_cpu():
    gpu("torch rand, uniform, bernoulli and dropout masks into CUDA arrays")
    cases = [("rand", {}, np.float32, None), ("rand", {}, np.float64, None),
             ("rand", {}, np.float16, None), ("rand", {}, np.uint16, "<u2"),  # bfloat16 bits
             ("uniform", {"low": -2.0, "high": 3.0}, np.float32, None),
             ("bernoulli", {"p": 0.25}, np.float32, None)]
    for numel in TORCH_NUMELS:
        for name, kw, dt, typestr in cases:
            cpu, dev = ct.Generator(5, "h100-sxm", philox_offset=4), ct.Generator(5, "h100-sxm", philox_offset=4)
            if name == "bernoulli":
                want = cpu.bernoulli(numel, **kw)
            else:
                want = getattr(cpu, name)(numel, dtype=dt, **kw)
            out = DevBuf(numel, dt, typestr)
            getattr(dev, name)(out=out, **kw)
            assert out.host().tobytes() == want.tobytes(), (name, dt, numel)
            assert dev.philox_offset == cpu.philox_offset
        inputs = [np.float32, np.float64, np.float16]
        try:
            import ml_dtypes

            inputs.append(ml_dtypes.bfloat16)
        except ImportError:
            pass
        for input_dt in inputs:
            cpu, dev = ct.Generator(9, "h100-sxm"), ct.Generator(9, "h100-sxm")
            want = cpu.dropout_mask(numel, 0.3, input_dt)
            out = DevBuf(numel, np.uint8)
            dev.dropout_mask(p=0.3, dtype=input_dt, out=out)
            assert np.array_equal(out.host().astype(bool), want), (input_dt, numel)
            assert dev.philox_offset == cpu.philox_offset


def test_torch_randn_is_close_to_the_cpu():
    gpu("torch randn into CUDA arrays")
    n = 1_000_003
    cpu, dev = ct.Generator(7, "h100-sxm"), ct.Generator(7, "h100-sxm")
    want = cpu.randn(n)
    out = DevBuf(n, np.float32)
    dev.randn(out=out)
    assert dev.philox_offset == cpu.philox_offset
    eq, abs_, ulp = f32_diff(out.host(), want)
    print(f"torch randn f32: {100 * eq:.4f}% equal, largest {abs_:e} ({ulp} ulp)")
    assert abs_ < 1e-4 and eq > 0.05
    cpu, dev = ct.Generator(7, "h100-sxm"), ct.Generator(7, "h100-sxm")
    want = cpu.normal(n, 1.0, 2.0, np.float64)
    out = DevBuf(n, np.float64)
    dev.normal(mean=1.0, std=2.0, out=out)
    assert float(np.max(np.abs(out.host() - want))) < 1e-11


def test_jax_bits_and_uniforms_equal_the_cpu():
    gpu("jax bits and uniforms into CUDA arrays")
    for partitionable in (True, False):
        for x64 in (False, True):
            k = jax.fold_in(jax.key(42, x64=x64, partitionable=partitionable), 7)
            fns = [(jax.bits, np.uint8, None), (jax.bits, np.uint16, None), (jax.bits, np.uint32, None),
                   (jax.uniform, np.float32, None), (jax.uniform, np.float16, None),
                   (jax.uniform, np.uint16, "<u2")]  # bfloat16 bits
            if x64:
                fns += [(jax.bits, np.uint64, None), (jax.uniform, np.float64, None)]
            for shape in [(1,), (3, 5), (100_003,)]:
                for f, dt, typestr in fns:
                    want = f(k, shape, dt)
                    out = DevBuf(shape, dt, typestr)
                    f(k, out=out)
                    assert out.host().tobytes() == want.tobytes(), (f.__name__, dt, shape)


def _z_tail() -> float:
    """|z| of jax.random.normal at |u| = sqrt(1 - e^-5), where w = 5: XLA's
    f32 erf_inv takes the approximate square root beyond it."""
    u = math.sqrt(1 - math.exp(-5))
    lo, hi = 0.0, 10.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if math.erf(mid) < u else (lo, mid)
    return math.sqrt(2) * lo


def test_jax_normal_f32_is_xla_gpu_arithmetic():
    gpu("jax normal (XLA:GPU) into CUDA arrays")
    zb = _z_tail()
    for partitionable in (True, False):
        k = jax.key(2024, partitionable=partitionable)
        n = 1_000_003
        want = jax.normal(k, n, backend="gpu")
        out = DevBuf(n, np.float32)
        jax.normal(k, out=out)  # backend "gpu" for a CUDA array
        got = out.host()
        inner = np.abs(want) < zb * (1 - 1e-4)
        assert got[inner].tobytes() == want[inner].tobytes()
        # the tail: the device's sqrt.approx.f32 against the correctly
        # rounded root of the CPU model, at most 3 ulps (src/compat/jax.rs)
        eq, abs_, ulp = f32_diff(got[~inner], want[~inner])
        print(f"jax normal f32 tail ({int((~inner).sum())} draws): {100 * eq:.2f}% equal, {ulp} ulp at most")
        assert ulp <= 3


def test_jax_normal_f64_is_xla_gpu_arithmetic():
    # f64: IEEE arithmetic but for __nv_log1p's reciprocal seed, which a
    # Newton step follows; the CPU model of it is expected to give every
    # draw (tests/gpu_compat.rs asks the same).
    gpu("jax normal f64 (XLA:GPU) into CUDA arrays")
    for partitionable in (True, False):
        k = jax.key(2024, x64=True, partitionable=partitionable)
        n = 1_000_003
        want = jax.normal(k, n, np.float64, backend="gpu")
        out = DevBuf(n, np.float64)
        jax.normal(k, out=out)
        got = out.host()
        differ = int((got.view(np.uint64) != want.view(np.uint64)).sum())
        assert differ == 0, f"{differ} of {n} f64 draws differ from the CPU model"


def test_library_arrays_themselves():
    gpu("compat fills into the GPU library's own arrays")
    k = jax.key(1)
    if LIB == "torch":
        import torch

        t = torch.empty(4097, device="cuda")
        ct.Generator(3, "h100-sxm").rand(out=t)
        assert t.cpu().numpy().tobytes() == ct.Generator(3, "h100-sxm").rand(4097).tobytes()
        b = torch.empty((7, 9), dtype=torch.bfloat16, device="cuda")  # through DLPack
        jax.uniform(k, out=b)
        bits = b.view(torch.int16).cpu().numpy().view(np.uint16)
        assert bits.tobytes() == jax.uniform(k, (7, 9), np.uint16).tobytes()
    else:
        import cupy

        a = cupy.empty(4097, dtype=cupy.float32)
        ct.Generator(3, "h100-sxm").rand(out=a)
        assert cupy.asnumpy(a).tobytes() == ct.Generator(3, "h100-sxm").rand(4097).tobytes()
        u = cupy.empty((7, 9), dtype=cupy.float16)
        jax.uniform(k, out=u)
        assert cupy.asnumpy(u).tobytes() == jax.uniform(k, (7, 9), np.float16).tobytes()
    from cbrng.compat import numpy as cnp

    d = DevBuf(4, np.float64)
    with pytest.raises(TypeError, match="host-only"):
        cnp.Generator(0).random(out=d)
    assert (d.host().view(np.uint8) == 0xAB).all()
