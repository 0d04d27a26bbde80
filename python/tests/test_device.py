"""Device arrays (__cuda_array_interface__): the interface is read and
checked on any machine; the fills themselves run where there is a GPU with
PyTorch or CuPy, and skip with a printed notice elsewhere (a failure under
CBRNG_REQUIRE_GPU=1)."""

from __future__ import annotations

import numpy as np
import pytest

import cbrng
from _gpu import gpu_library, need_gpu


class FakeDeviceArray:
    """An object that says it is device memory (it is not)."""

    def __init__(self, shape=(4,), typestr="<f4", ptr=0x10000, read_only=False, strides=None, stream=None):
        self.__cuda_array_interface__ = {
            "shape": shape, "typestr": typestr, "data": (ptr, read_only),
            "strides": strides, "version": 3, "stream": stream,
        }


@pytest.mark.parametrize("arr,exc,words", [
    (FakeDeviceArray(read_only=True), ValueError, "read-only"),
    (FakeDeviceArray(shape=(4, 4), strides=(4, 16)), ValueError, "not C-contiguous"),
    (FakeDeviceArray(typestr="<i2"), TypeError, "unsupported device dtype"),
    (FakeDeviceArray(typestr=">f4"), TypeError, "unsupported device dtype"),
])
def test_device_array_checks_before_any_launch(arr, exc, words):
    with pytest.raises(exc, match=words):
        cbrng.Stream().fill(arr, "uniform")


def test_device_parameter_errors_come_first():
    with pytest.raises(ValueError, match="p"):
        cbrng.Stream().fill(FakeDeviceArray(typestr="|u1"), "bernoulli", p=2.0)
    with pytest.raises(ValueError, match="cannot produce"):
        cbrng.Stream().fill(FakeDeviceArray(typestr="<u4"), "uniform")


def test_memory_that_is_not_on_a_device_is_a_runtime_error():
    # No driver here: "GPU: ..."; with a driver: not device memory it knows.
    with pytest.raises(RuntimeError, match="GPU"):
        cbrng.Stream().fill(FakeDeviceArray(stream=1), "normal")
    with pytest.raises(RuntimeError, match="GPU"):
        cbrng.dropout_backward(FakeDeviceArray(), 0.5, key=1, step=0, layer=0, out=FakeDeviceArray())
    with pytest.raises(ValueError, match="size, dtype"):
        cbrng.dropout_backward(FakeDeviceArray(), 0.5, key=1, step=0, layer=0,
                               out=FakeDeviceArray(typestr="<f8"))
    # Outputs are made by the array's own library (PyTorch, CuPy).
    with pytest.raises(TypeError, match="pass out="):
        cbrng.dropout(FakeDeviceArray(), 0.5, key=1, step=0, layer=0)


def test_device_sums_go_to_the_gpu():
    # Summed on the GPU (tests/test_device_sum.py); here no driver: "GPU: ...".
    with pytest.raises(RuntimeError, match="GPU"):
        cbrng.exact_sum(FakeDeviceArray())
    # exact_dot copies to the host through the driver (here: none).
    with pytest.raises(RuntimeError, match="GPU"):
        cbrng.exact_dot(FakeDeviceArray(), FakeDeviceArray())


LIB = gpu_library()


def _need_gpu():
    need_gpu(LIB, "device-array fills")


def _empty(n, dtype):
    if LIB == "torch":
        import torch

        t = {np.float32: torch.float32, np.float64: torch.float64, np.float16: torch.float16,
             np.uint8: torch.uint8, np.int32: torch.int32, np.int64: torch.int64,
             np.bool_: torch.bool}[dtype]
        return torch.empty(n, dtype=t, device="cuda")
    import cupy

    return cupy.empty(n, dtype=dtype)


def _host(a):
    return a.cpu().numpy() if LIB == "torch" else a.get()


@pytest.mark.parametrize("dist,dtype,params", [
    ("uniform", np.float32, {}), ("uniform", np.float64, {}), ("uniform", np.float16, {}),
    ("normal", np.float32, {"mean": 1.0, "std": 2.0}), ("normal", np.float64, {}),
    ("bernoulli", np.uint8, {"p": 0.3}), ("bits", np.uint8, {}),
    ("bernoulli", np.bool_, {"p": 0.3}), ("bits", np.int32, {}),
    ("int", np.int32, {"low": -(2**31), "high": 2**31}), ("int", np.int64, {"low": -7, "high": 9}),
])
def test_device_fill_equals_cpu(dist, dtype, params):
    _need_gpu()
    s = cbrng.Stream("philox4x32-10", seed=5, stream=2)
    d = _empty(100_003, dtype)
    assert s.fill(d, dist, 17, **params) is d
    want = s.random(100_003, dist, dtype, offset=17, **params)
    assert _host(d).tobytes() == want.tobytes()


def test_device_fill_on_a_side_stream():
    _need_gpu()
    s = cbrng.Stream(seed=1)
    if LIB == "torch":
        import torch

        side = torch.cuda.Stream()
        with torch.cuda.stream(side):
            d = torch.empty(1 << 20, device="cuda")
            s.fill(d, "normal")
        side.synchronize()
    else:
        import cupy

        side = cupy.cuda.Stream()
        with side:
            d = cupy.empty(1 << 20, dtype=np.float32)
            s.fill(d, "normal")
        side.synchronize()
    assert _host(d).tobytes() == s.random(1 << 20, "normal").tobytes()


def test_device_dropout_equals_cpu():
    _need_gpu()
    keys = cbrng.DropoutKeys(3)
    x = np.random.default_rng(0).standard_normal(10_001).astype(np.float32)
    d = _empty(len(x), np.float32)
    if LIB == "torch":
        import torch

        d.copy_(torch.from_numpy(x))
    else:
        d.set(x)
    y, mask = cbrng.dropout(d, 0.2, key=keys, step=4, layer=1)
    wy, wmask = cbrng.dropout(x, 0.2, key=keys, step=4, layer=1)
    assert _host(y).tobytes() == wy.tobytes()
    assert (_host(mask) == wmask).all()
    dx = cbrng.dropout_backward(d, 0.2, key=keys, step=4, layer=1)
    assert _host(dx).tobytes() == wy.tobytes()


def test_contiguous_strides_are_accepted():
    # Explicit C-order strides (and any stride on a length-1 axis) are contiguous:
    # the call gets as far as the driver.
    for arr in (FakeDeviceArray(shape=(4, 4), strides=(16, 4)),
                FakeDeviceArray(shape=(1, 4), strides=(999, 4))):
        with pytest.raises(RuntimeError, match="GPU"):
            cbrng.Stream().fill(arr, "uniform")


class _DLPackOnly:
    """A device array seen only through DLPack (as JAX arrays are)."""

    def __init__(self, a):
        self.a = a

    def __dlpack__(self, stream=None, **kw):
        return self.a.__dlpack__(stream=stream, **kw)

    def __dlpack_device__(self):
        return self.a.__dlpack_device__()


def test_device_fill_through_dlpack():
    _need_gpu()
    s = cbrng.Stream("threefry4x32-20", seed=8)
    d = _empty(10_007, np.float32)
    w = _DLPackOnly(d)
    assert s.fill(w, "normal", 3) is w
    assert _host(d).tobytes() == s.random(10_007, "normal", np.float32, offset=3).tobytes()
    if LIB == "torch":
        import torch

        # bfloat16 tensors have no CUDA Array Interface: DLPack serves.
        b = torch.empty(4099, dtype=torch.bfloat16, device="cuda")
        s.fill(b, "uniform")
        got = b.cpu().view(torch.int16).numpy().view(np.uint16)
        want = s.random(4099, "uniform", "bf16").view(np.uint16)
        assert got.tobytes() == want.tobytes()
