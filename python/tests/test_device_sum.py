"""Exact sums of device arrays (issue 13): exact_sum, exact_mean and
SumState.add on CUDA device memory, summed on the GPU by the crate's exact
kernels (Gpu::sum_state_raw), with the CPU's bits; exact_dot, exact_norm2,
exact_sum_squares and exact_sum_rows copy the array to the host on its stream
(Gpu::copy_raw_to_host) and give the CPU's results.

The interface checks (CUDA Array Interface dicts, DLPack capsules from a
real producer, NumPy) run on any machine. The sums themselves need a CUDA
GPU with PyTorch or CuPy: without one they skip with a printed notice, and
CBRNG_REQUIRE_GPU=1 makes that a failure."""

from __future__ import annotations

import numpy as np
import pytest

import cbrng
from _gpu import gpu_library, need_gpu
from cbrng import _device


class FakeDeviceArray:
    """An object that says it is device memory (it is not)."""

    def __init__(self, shape=(4,), typestr="<f4", ptr=0x10000, read_only=True, strides=None,
                 stream=None, **extra):
        self.__cuda_array_interface__ = {
            "shape": shape, "typestr": typestr, "data": (ptr, read_only),
            "strides": strides, "version": 3, "stream": stream, **extra,
        }


class Interface:
    """An object with a raw (possibly malformed) interface value."""

    def __init__(self, ci):
        self.__cuda_array_interface__ = ci


class DLPackOnly:
    """A DLPack producer without the CUDA Array Interface: ``__dlpack__``
    from the wrapped array, ``__dlpack_device__`` as given (or the array's)."""

    def __init__(self, a, device=None):
        self.a, self.device = a, device

    def __dlpack__(self, stream=None, **kw):
        if type(self.a).__module__.split(".")[0] == "numpy":
            return self.a.__dlpack__()  # NumPy takes no stream
        return self.a.__dlpack__(stream=stream, **kw)

    def __dlpack_device__(self):
        return self.device if self.device is not None else self.a.__dlpack_device__()


# --- checks before any launch (no GPU needed) --------------------------------


@pytest.mark.parametrize("arr,exc,words", [
    (Interface([1, 2]), TypeError, "not a dict"),
    (Interface({"shape": (4,), "typestr": "<f4"}), TypeError, "no 'data' entry"),
    (Interface({"shape": (4,), "data": (0x1000, True)}), TypeError, "no 'typestr' entry"),
    (Interface({"typestr": "<f4", "data": (0x1000, True)}), TypeError, "no 'shape' entry"),
    (FakeDeviceArray(ptr="0x1000"), TypeError, "not an integer"),
    (Interface({"shape": (4,), "typestr": "<f4", "data": 0x1000}), TypeError, "not \\(pointer, read_only\\)"),
    (FakeDeviceArray(ptr=-8), ValueError, "0 to 2\\^64 - 1"),
    (FakeDeviceArray(ptr=1 << 64), ValueError, "0 to 2\\^64 - 1"),
    (FakeDeviceArray(shape=(-1,)), ValueError, "not negative"),
    (FakeDeviceArray(shape=4), TypeError, "not a tuple"),
    (FakeDeviceArray(shape=(4,), strides=(4, 4)), TypeError, "one stride per axis"),
    (FakeDeviceArray(stream="1"), TypeError, "not an integer"),
    (FakeDeviceArray(stream=-1), ValueError, "not a CUDA stream handle"),
    (FakeDeviceArray(mask=object()), TypeError, "masked"),
    (FakeDeviceArray(typestr=4), TypeError, "not a typestr"),
    (FakeDeviceArray(typestr=">f4"), TypeError, "unsupported device dtype"),
    (FakeDeviceArray(typestr="<c8"), TypeError, "unsupported device dtype"),
    (FakeDeviceArray(typestr="<i4"), TypeError, "exact sums take float16"),
    (FakeDeviceArray(typestr="|u1"), TypeError, "exact sums take float16"),
    # uint16 could hold either half format's bits: refused, as on the CPU.
    (FakeDeviceArray(typestr="<u2"), TypeError, "uint16 \\(u2\\)"),
    # Gaps (x[::2]) and overlaps (a broadcast) are not one dense block.
    (FakeDeviceArray(shape=(4,), strides=(8,)), ValueError, "not one dense block"),
    (FakeDeviceArray(shape=(4, 3), strides=(0, 4)), ValueError, "not one dense block"),
    (FakeDeviceArray(shape=(4, 3), strides=(16, 4)), ValueError, "tensor.contiguous"),
])
def test_device_sum_checks_before_any_launch(arr, exc, words):
    with pytest.raises(exc, match=words):
        cbrng.exact_sum(arr)
    with pytest.raises(exc, match=words):
        cbrng.SumState().add(arr)


def test_bad_result_dtype_comes_before_any_launch():
    with pytest.raises(TypeError, match="result dtype"):
        cbrng.exact_sum(FakeDeviceArray(), dtype=np.int32)
    with pytest.raises(TypeError, match="result dtype"):
        cbrng.exact_mean(FakeDeviceArray(), dtype="int8")


@pytest.mark.parametrize("t,dt", [("<f4", np.float32), ("<f8", np.float64), ("<f2", np.float16)])
def test_empty_device_sums_need_no_gpu(t, dt):
    # No elements: no pointer, device or stream is needed, and the values
    # are the CPU's (0 and NaN).
    x = FakeDeviceArray(shape=(0, 5), typestr=t, ptr=0)
    s = cbrng.exact_sum(x)
    assert type(s) is dt and s == 0 and not np.signbit(s)
    assert type(cbrng.exact_sum(x, dtype=np.float64)) is np.float64
    assert np.isnan(cbrng.exact_mean(x))
    assert cbrng.exact_sum(np.zeros((0, 5), dt)).tobytes() == s.tobytes()
    st = cbrng.SumState().add(x)
    assert st.count == 0 and st == cbrng.SumState()


@pytest.mark.parametrize("arr", [
    FakeDeviceArray(),
    FakeDeviceArray(stream=1),
    FakeDeviceArray(typestr="<f8", shape=(3, 5), strides=(8, 24)),  # Fortran order: read in place
    FakeDeviceArray(shape=(4, 3), strides=(-12, 4), ptr=0x10000 + 36),  # rows reversed
    FakeDeviceArray(shape=(1, 4), strides=(999, 4)),
])
def test_dense_layouts_reach_the_driver(arr):
    # No GPU here: "GPU: no CUDA driver ..."; with a driver: not device
    # memory it knows. Either way a RuntimeError, after the checks passed.
    with pytest.raises(RuntimeError, match="GPU"):
        cbrng.exact_sum(arr)


def test_dense_start_of_strided_layouts():
    # (shape, byte strides, itemsize) -> offset of the lowest element, or None
    assert _device._dense_start((3, 5), (20, 4), 4) == 0
    assert _device._dense_start((3, 5), (4, 12), 4) == 0
    assert _device._dense_start((4, 3), (-12, 4), 4) == -36
    assert _device._dense_start((4, 3), (-12, -4), 4) == -44
    assert _device._dense_start((2, 1, 3), (24, 7, 8), 8) == 0
    assert _device._dense_start((4,), (8,), 4) is None
    assert _device._dense_start((4, 3), (0, 4), 4) is None
    assert _device._dense_start((2, 2), (4, 4), 4) is None
    # NumPy agrees on the reversed case: element 0 is 36 bytes above the block.
    a = np.arange(12, dtype=np.float32).reshape(4, 3)[::-1]
    assert a.strides == (-12, 4)
    base = a.ctypes.data + _device._dense_start(a.shape, a.strides, 4)
    assert base == a.base.ctypes.data


def test_other_reductions_copy_device_arrays_to_the_host():
    # exact_dot and the others have no device kernels: they copy the array
    # to the host through the driver (values: tests/test_device_stub.py on
    # the stub driver, and the GPU tests below); here there is no driver.
    x = FakeDeviceArray()
    for f in (cbrng.exact_norm2, cbrng.exact_sum_squares, cbrng.exact_sum_rows):
        with pytest.raises(RuntimeError, match="GPU"):
            f(x)
    with pytest.raises(RuntimeError, match="GPU"):
        cbrng.exact_dot(x, np.ones(4, np.float32))
    # A layout with gaps is refused before the driver is asked.
    gaps = FakeDeviceArray(shape=(4,), strides=(8,))
    with pytest.raises(ValueError, match="not one dense block"):
        cbrng.exact_norm2(gaps)


def test_dlpack_capsules_from_numpy_are_read_as_numpy_lays_them_out():
    # NumPy is a real DLPack producer (on the CPU): the capsule reader gets
    # its pointer, shape, dtype and strides right.
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    d = _device._from_dlpack(DLPackOnly(a), "x", (1, 0))
    assert (d.ptr, d.count, d.t, d.shape, d.device) == (a.ctypes.data, 24, "f4", (4, 6), 0)
    assert d.strides in (None, (24, 4))
    assert d.cu_stream == 1 and not d.read_only and d.keep is not None
    v = a[:, 1::2]
    d = _device._from_dlpack(DLPackOnly(v), "x", (1, 0))
    assert (d.ptr, d.shape, d.strides) == (v.ctypes.data, (4, 3), (24, 8))
    t = np.arange(6, dtype=np.float64).reshape(2, 3).T
    d = _device._from_dlpack(DLPackOnly(t), "x", (1, 0))
    assert (d.t, d.strides) == ("f8", (8, 24))
    for dt, want in [(np.float16, "f2"), (np.uint16, "u2"), (np.int64, "i8"), (np.bool_, "b1")]:
        assert _device._from_dlpack(DLPackOnly(np.zeros(3, dt)), "x", (1, 0)).t == want


def test_dlpack_device_mismatch_and_other_devices():
    a = np.ones(8, np.float32)
    # Says CUDA, but the capsule holds host memory: refused before any launch.
    with pytest.raises(TypeError, match="is not its __dlpack_device__"):
        cbrng.exact_sum(DLPackOnly(a, device=(2, 0)))
    with pytest.raises(TypeError, match="ROCm"):
        cbrng.exact_sum(DLPackOnly(a, device=(10, 0)))
    with pytest.raises(TypeError, match="ROCm"):
        cbrng.exact_norm2(DLPackOnly(a, device=(10, 0)))
    with pytest.raises(TypeError, match="not \\(device_type, device_id\\)"):
        cbrng.exact_sum(DLPackOnly(a, device=(2,)))
    # A DLPack object on the CPU is summed on the CPU.
    assert cbrng.exact_sum(DLPackOnly(a, device=(1, 0))) == 8


def test_dlpack_strides_with_gaps_are_found():
    # Strides with gaps, read from a real capsule, are not one dense block.
    a = np.ones(16, np.float32)[::2]

    class Cuda(DLPackOnly):
        def __dlpack__(self, stream=None, **kw):
            return self.a.__dlpack__()

        def __dlpack_device__(self):
            return (1, 0)

    d = _device._from_dlpack(Cuda(a), "x", (1, 0))
    assert d.strides == (8,) and _device._dense_start(d.shape, d.strides, 4) is None


# --- on a GPU -----------------------------------------------------------------


LIB = gpu_library()


def _need_gpu():
    need_gpu(LIB, "device exact sums")


def _to_device(a):
    if LIB == "torch":
        import torch

        return torch.from_numpy(np.ascontiguousarray(a)).cuda()
    import cupy

    return cupy.asarray(a)


def _adversarial(n, dt, seed=0):
    """Wide exponent spread, heavy cancellation, subnormals, signed zeros."""
    rng = np.random.default_rng(seed)
    info = np.finfo(dt)
    e = rng.integers(int(info.minexp) - int(info.nmant), int(info.maxexp) - 2, n)
    x = np.ldexp(rng.uniform(1, 2, n), e).astype(dt) * rng.choice([-1, 1], n).astype(dt)
    x[: n // 4] = np.asarray(x[n // 4: 2 * (n // 4)]) * -1  # exact cancellation of a quarter
    x[-3:] = [info.max, -info.max, info.tiny]
    x[5] = -0.0
    rng.shuffle(x)
    return x


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("n", [1, 7, 1000, 1_000_003])
def test_device_exact_sum_equals_cpu(dt, n):
    _need_gpu()
    x = _adversarial(n, dt, seed=n)
    d = _to_device(x)
    for out in (None, np.float64, np.float32):
        g, c = cbrng.exact_sum(d, dtype=out), cbrng.exact_sum(x, dtype=out)
        assert type(g) is type(c) and g.tobytes() == c.tobytes(), (dt, n, out, g, c)
    assert cbrng.exact_mean(d).tobytes() == cbrng.exact_mean(x).tobytes()
    gs, cs = cbrng.SumState().add(d), cbrng.SumState().add(x)
    assert gs.to_bytes() == cs.to_bytes() and gs.count == n


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.float16])
def test_device_dot_norm_and_rows_equal_cpu(dt):
    # No device kernels: the array is copied to the host on its stream.
    _need_gpu()
    x = _adversarial(3000, dt, seed=21).reshape(100, 30)
    y = _adversarial(3000, dt, seed=22).reshape(100, 30)
    dx, dy = _to_device(x), _to_device(y)
    same = lambda g, c: type(g) is type(c) and g.tobytes() == c.tobytes()
    assert same(cbrng.exact_dot(dx.reshape(-1), dy.reshape(-1)), cbrng.exact_dot(x.ravel(), y.ravel()))
    assert same(cbrng.exact_dot(dx.reshape(-1), y.ravel()), cbrng.exact_dot(x.ravel(), y.ravel()))
    assert same(cbrng.exact_norm2(dx.reshape(-1)), cbrng.exact_norm2(x.ravel()))
    assert same(cbrng.exact_sum_squares(dx.reshape(-1)), cbrng.exact_sum_squares(x.ravel()))
    assert np.array_equal(cbrng.exact_sum_rows(dx), cbrng.exact_sum_rows(x))
    assert np.array_equal(cbrng.exact_sum_rows(dx.T), cbrng.exact_sum_rows(x.T))  # Fortran order
    with pytest.raises(ValueError, match="not one dense block"):
        cbrng.exact_sum_rows(dx[:, ::2])


def test_device_sum_against_fractions():
    _need_gpu()
    from fractions import Fraction

    x = np.array([1e30, 1.0, -1e30, 3.5e-40, -2.0**-149, 7.0], np.float32)
    want = np.float64(float(sum(Fraction(float(v)) for v in x)))
    got = cbrng.exact_sum(_to_device(x), dtype=np.float64)
    assert got.tobytes() == want.tobytes()


def test_device_shards_merge_with_cpu_shards():
    _need_gpu()
    x = _adversarial(300_000, np.float32, seed=9)
    whole = cbrng.SumState().add(x)
    parts = np.array_split(x, 7)
    states = [cbrng.SumState().add(_to_device(p) if i % 2 else p) for i, p in enumerate(parts)]
    merged = cbrng.SumState()
    for s in reversed(states):
        merged.merge(s)
    assert merged.to_bytes() == whole.to_bytes()


def test_device_sum_reads_dense_layouts_in_place_and_refuses_gaps():
    _need_gpu()
    x = _adversarial(600 * 7, np.float64, seed=3).reshape(600, 7)
    d = _to_device(x)
    want = cbrng.exact_sum(x)
    assert cbrng.exact_sum(d.T).tobytes() == want.tobytes()  # Fortran order
    assert cbrng.exact_sum(d[1:]).tobytes() == cbrng.exact_sum(x[1:]).tobytes()
    with pytest.raises(ValueError, match="not one dense block"):
        cbrng.exact_sum(d[:, ::2])
    if LIB == "cupy":
        assert cbrng.exact_sum(d[::-1]).tobytes() == want.tobytes()  # negative strides


def test_device_sum_on_a_side_stream_sees_queued_work():
    _need_gpu()
    s = cbrng.Stream(seed=11)
    want = cbrng.exact_sum(s.random(1 << 22, "normal", np.float32))
    if LIB == "torch":
        import torch

        side = torch.cuda.Stream()
        with torch.cuda.stream(side):
            d = torch.empty(1 << 22, device="cuda")
            s.fill(d, "normal")
            got = cbrng.exact_sum(d)
    else:
        import cupy

        side = cupy.cuda.Stream(non_blocking=True)
        with side:
            d = cupy.empty(1 << 22, dtype=np.float32)
            s.fill(d, "normal")
            got = cbrng.exact_sum(d)
    assert got.tobytes() == want.tobytes()


def test_dlpack_only_device_arrays_and_bfloat16():
    _need_gpu()
    x = _adversarial(100_001, np.float32, seed=5)
    d = _to_device(x)
    assert cbrng.exact_sum(DLPackOnly(d)).tobytes() == cbrng.exact_sum(x).tobytes()
    if LIB == "torch":
        import torch

        b = torch.from_numpy(x).to(torch.bfloat16)
        bits = b.view(torch.int16).numpy().view(np.uint16)
        want = cbrng.SumState()
        if cbrng.bfloat16 is not None:
            want.add(bits.view(cbrng.bfloat16))
            # A bfloat16 CUDA tensor has no CUDA Array Interface: DLPack.
            g = cbrng.exact_sum(b.cuda())
            assert g.dtype == cbrng.bfloat16
            assert g.tobytes() == cbrng.exact_sum(bits.view(cbrng.bfloat16)).tobytes()
            assert cbrng.SumState().add(b.cuda()).to_bytes() == want.to_bytes()


def test_empty_and_single_element_device_arrays():
    _need_gpu()
    for n in (0, 1):
        x = np.full(n, -0.0, np.float32)
        d = _to_device(x)
        assert cbrng.exact_sum(d).tobytes() == cbrng.exact_sum(x).tobytes()
