"""The compat streams' ``out=`` into CUDA arrays (cbrng.compat.torch,
curand, jax; numpy's refusal) against the stand-in CUDA driver of
tests/driver_stub (a stub libcuda that serves host memory as device memory,
copies and clears for real, and whose kernels write nothing), without a
GPU: the binding (`_cuda_torch_fill`, `_cuda_curand_fill`,
`_cuda_jax_fill`), the driver's pointer checks and `Gpu::*_fill_raw` up to
the launch, with the compat kernels compiled by the real NVRTC. Checked
here: the checks and their messages, that a refused or failed call writes
nothing and leaves the generator as it was, that an accepted one advances
it exactly as the CPU replay does, and that nothing is computed on the
host (the guard values survive a fill: the stub's kernels write nothing).
The values themselves are checked on a GPU (test_compat_device.py).

Needs gcc and NVRTC 13 (as test_device_stub.py); without them the test
skips with a printed notice, and CBRNG_REQUIRE_GXX=1 / CBRNG_REQUIRE_NVRTC=1
make that a failure."""

from __future__ import annotations

import textwrap

from test_device_stub import run_on_the_stub

SCRIPT = textwrap.dedent(
    r"""
    import os
    import numpy as np
    import cbrng
    from cbrng.compat import curand, jax, numpy as cnp, torch as ct

    class Dev:
        # A CUDA array over the host memory of `a` (the stub's device memory).
        def __init__(self, a, typestr=None, shape=None, stream=None, read_only=False,
                     ptr=None, strides=None, device=None):
            self.a = a
            self.__cuda_array_interface__ = {
                "shape": a.shape if shape is None else shape,
                "typestr": a.dtype.str if typestr is None else typestr,
                "data": (a.ctypes.data if ptr is None else ptr, read_only), "version": 3,
                "stream": stream, "strides": strides}
            if device is not None:
                self.__dlpack__ = lambda stream=None: None
                self.__dlpack_device__ = lambda: (2, device)

    def guard(n, dtype, v=7):
        return np.full(n, v, dtype)

    def refused(exc, text, f):
        try:
            f()
        except exc as e:
            assert text in str(e), (text, str(e))
            return
        raise SystemExit(f"not refused: {text}")

    H100 = "h100-sxm"

    # A launch that fails (the compat module does not load): RuntimeError,
    # the generator as it was, nothing written.
    os.environ["STUB_MODULE_LOAD"] = "200"
    g = ct.Generator(3, H100, philox_offset=8)
    b = guard(16, np.float32)
    refused(RuntimeError, "cannot load the compat kernels", lambda: g.rand(out=Dev(b)))
    assert g.philox_offset == 8 and (b == 7).all()
    s = curand.Philox4x32_10(1, 2, 3)
    refused(RuntimeError, "cannot load the compat kernels", lambda: s.uniform(out=Dev(b)))
    assert np.array_equal(s.curand(4), curand.Philox4x32_10(1, 2, 3).curand(4))
    del os.environ["STUB_MODULE_LOAD"]

    # torch: each op and dtype is accepted and moves the generator as the
    # CPU replay of the same call; the memory is left to the (stub) kernel.
    try:
        import ml_dtypes
        bf16 = ml_dtypes.bfloat16
    except ImportError:
        bf16 = np.uint16
    cases = [
        ("rand", {}, np.float32, "<f4", np.float32),
        ("rand", {}, np.float64, "<f8", np.float64),
        ("rand", {}, np.float16, "<f2", np.float16),
        ("rand", {}, bf16, "<u2", np.uint16),
        ("uniform", {"low": -2.0, "high": 3.0}, np.float32, "<f4", np.float32),
        ("randn", {}, np.float32, "<f4", np.float32),
        ("normal", {"mean": 1.0, "std": 2.0}, np.float64, "<f8", np.float64),
        ("bernoulli", {"p": 0.25}, None, "<f4", np.float32),
    ]
    for numel in (1, 1000, 70001):
        for name, kw, dt, typestr, host in cases:
            gc, gd = ct.Generator(5, H100, philox_offset=4), ct.Generator(5, H100, philox_offset=4)
            cpu = getattr(gc, name)(numel, **kw) if dt is None else getattr(gc, name)(numel, dtype=dt, **kw)
            b = guard(numel, host)
            r = Dev(b, typestr)
            assert getattr(gd, name)(out=r, **kw) is r
            assert gd.philox_offset == gc.philox_offset > 4, (name, numel, gd.philox_offset, gc.philox_offset)
            assert (b == 7).all(), (name, "written on the host")
            # the size and dtype asked for, when given, are out's
            getattr(gd, name)(numel, out=r, **kw)
            assert gd.philox_offset == 2 * gc.philox_offset - 4
        for input_dt in (np.float32, np.float64, np.float16, bf16):
            gc, gd = ct.Generator(9, H100), ct.Generator(9, H100)
            gc.dropout_mask(numel, 0.3, input_dt)
            for mask_dt in (np.uint8, np.bool_):
                m = guard(numel, np.uint8).view(mask_dt)
                gd.dropout_mask(numel, 0.3, input_dt, out=Dev(m))
                assert gd.philox_offset == gc.philox_offset * (2 if mask_dt is np.bool_ else 1)
                assert (m.view(np.uint8) == 7).all()
    # dropout p = 1: ATen's short cut, an all-zero mask (the stub clears for
    # real) and the generator unchanged, as on the CPU.
    g = ct.Generator(1, H100, philox_offset=12)
    m = guard(33, np.uint8)
    g.dropout_mask(p=1.0, out=Dev(m))
    assert (m == 0).all() and g.philox_offset == 12
    assert (ct.Generator(1, H100, philox_offset=12).dropout_mask(33, 1.0) == False).all()

    # torch refusals: before any launch, nothing written, the generator as it was.
    g = ct.Generator(1, H100, philox_offset=4)
    b = guard(64, np.float32)
    b64 = guard(64, np.float64)
    for exc, text, f in [
        (TypeError, "it writes float32", lambda: g.bernoulli(p=0.5, out=Dev(b64))),
        (TypeError, "it writes uint8, bool", lambda: g.dropout_mask(p=0.5, out=Dev(b))),
        (TypeError, "it writes float32, float64, float16, uint16", lambda: g.rand(out=Dev(guard(64, np.uint32)))),
        (TypeError, "not the dtype asked for (float64)", lambda: g.rand(dtype=np.float64, out=Dev(b))),
        (TypeError, "unsupported dtype int32", lambda: g.dropout_mask(64, 0.5, np.int32, out=Dev(guard(64, np.uint8)))),
        (ValueError, "out has 64 elements, not the 65 asked for", lambda: g.rand(65, out=Dev(b))),
        (ValueError, "read-only", lambda: g.rand(out=Dev(b, read_only=True))),
        (ValueError, "not C-contiguous", lambda: g.rand(out=Dev(b, shape=(32,), strides=(8,)))),
        (ValueError, "not aligned to its 4-byte elements", lambda: g.rand(out=Dev(b, ptr=b.ctypes.data + 2))),
        (ValueError, "null device pointer", lambda: g.rand(out=Dev(b, ptr=0))),
        (ValueError, "outside [0, 1]", lambda: g.bernoulli(p=1.5, out=Dev(b))),
        (ValueError, "outside [0, 1]", lambda: g.dropout_mask(p=-0.5, out=Dev(guard(64, np.uint8)))),
        (ValueError, "from <= to", lambda: g.uniform(low=2.0, high=1.0, out=Dev(b))),
        (TypeError, "give numel, or out=", lambda: g.rand()),
        (TypeError, "not a NumPy array or a CUDA array", lambda: g.rand(out=[0.0] * 4)),
    ]:
        refused(exc, text, f)
        assert g.philox_offset == 4, text
        assert (b == 7).all() and (b64 == 7).all(), text
    # Memory the driver places on another device: a GPU error, no launch.
    os.environ["STUB_PTR_DEVICE"] = "1"
    refused(RuntimeError, "on CUDA device 1, this handle on device 0", lambda: g.rand(out=Dev(b, device=0)))
    del os.environ["STUB_PTR_DEVICE"]
    assert g.philox_offset == 4
    # No elements: refused as on the CPU.
    refused(ValueError, "numel 0 is outside", lambda: g.rand(out=Dev(np.empty(0, np.float32))))
    refused(ValueError, "numel 0 is outside", lambda: g.rand(0))
    assert g.philox_offset == 4

    # curand: the state moves past the calls as on the CPU (the next CPU
    # draws are the same), from any start, on any stream.
    funcs = [("curand", np.uint32, 1, {}), ("uniform", np.float32, 1, {}),
             ("uniform4", np.float32, 4, {}), ("uniform_double", np.float64, 1, {}),
             ("normal", np.float32, 1, {}), ("normal2", np.float32, 2, {}),
             ("normal_double", np.float64, 1, {}), ("log_normal", np.float32, 1, {"mean": 0.5, "std": 0.75})]
    for seed, sub, off in [(0, 0, 0), (1234, 7, 5), (2**64 - 1, 2**64 - 1, 2**64 - 1000)]:
        for name, dt, per, kw in funcs:
            for calls in (2, 64, 130):
                cpu, dev = curand.Philox4x32_10(seed, sub, off), curand.Philox4x32_10(seed, sub, off)
                cpu.skipahead(3); dev.skipahead(3)
                cpu.curand(1); dev.curand(1)
                getattr(cpu, name)(calls, **kw)
                b = guard(calls * per, dt)
                r = Dev(b, stream=(None, 1, 2)[calls % 3])
                assert getattr(dev, name)(out=r, **kw) is r
                assert (b == 7).all(), name
                assert np.array_equal(cpu.curand(9), dev.curand(9)), (name, seed, sub, off, calls)
                assert np.array_equal(cpu.normal_double(3), dev.normal_double(3)), name
    s = curand.Philox4x32_10(3)
    b = guard(6, np.float32)
    for exc, text, f in [
        (TypeError, "it writes float32", lambda: s.uniform(out=Dev(guard(6, np.float64)))),
        (TypeError, "it writes uint32", lambda: s.curand(out=Dev(b))),
        (ValueError, "not a multiple of 4", lambda: s.uniform4(out=Dev(b))),
        (ValueError, "out has 6 elements, not the 8 asked for", lambda: s.normal2(4, out=Dev(b))),
        (ValueError, "use an even number of calls", lambda: s.normal(out=Dev(guard(5, np.float32)))),
        (ValueError, "use an even number of calls", lambda: s.normal_double(out=Dev(guard(3, np.float64)))),
        (ValueError, "read-only", lambda: s.uniform(out=Dev(b, read_only=True))),
    ]:
        refused(exc, text, f)
    assert (b == 7).all()
    assert np.array_equal(s.curand(5), curand.Philox4x32_10(3).curand(5))
    s.normal(1)  # a Box-Muller value now pending
    refused(ValueError, "second value of a Box-Muller pair", lambda: s.normal(out=Dev(b)))
    refused(ValueError, "second value of a Box-Muller pair", lambda: s.log_normal(out=Dev(b)))
    s.uniform(out=Dev(b))  # the other functions do not touch it
    s.normal(1)
    s.normal(out=Dev(b))
    s2 = curand.Philox4x32_10(3); s2.curand(5); s2.normal(2); s2.uniform(6); s2.normal(6)
    assert np.array_equal(s.curand(7), s2.curand(7))
    s = curand.Philox4x32_10(3, 0, 2**64 - 2)
    s.curand(8)  # past 2^64 values into the subsequence
    refused(ValueError, "past curand_init's 64-bit offset", lambda: s.curand(out=Dev(guard(4, np.uint32))))

    # jax: dtypes by function, the flags' refusals, the shape.
    k = jax.key(42)
    for name, dt, t in [("bits", np.uint8, None), ("bits", np.uint16, None), ("bits", np.uint32, None),
                        ("uniform", np.float32, None), ("uniform", np.float16, None),
                        ("uniform", np.uint16, None), ("normal", np.float32, None)]:
        b = guard((3, 5), dt)
        getattr(jax, name)(k, out=Dev(b))
        getattr(jax, name)(k, (3, 5), out=Dev(b))
        assert (b == 7).all(), name
    jax.normal(k, backend="gpu", out=Dev(guard(4, np.float32)))
    kx = jax.key(42, x64=True)
    jax.bits(kx, out=Dev(guard(4, np.uint64)))
    jax.normal(kx, out=Dev(guard(4, np.float64)))
    b = guard(4, np.float32)
    for exc, text, f in [
        (ValueError, "backend='cpu' (XLA:CPU's arithmetic) has no device kernel", lambda: jax.normal(k, backend="cpu", out=Dev(b))),
        (ValueError, "unknown backend", lambda: jax.normal(k, backend="tpu", out=Dev(b))),
        (ValueError, "jax_enable_x64", lambda: jax.bits(k, out=Dev(guard(4, np.uint64)))),
        (ValueError, "jax_enable_x64", lambda: jax.normal(k, out=Dev(guard(4, np.float64)))),
        (TypeError, "it writes uint8, uint16, uint32, uint64", lambda: jax.bits(k, out=Dev(b))),
        (TypeError, "it writes float32, float64", lambda: jax.normal(k, out=Dev(guard(4, np.float16)))),
        (ValueError, "not the shape asked for (2, 2)", lambda: jax.uniform(k, (2, 2), out=Dev(b))),
        (TypeError, "not the dtype asked for (float64)", lambda: jax.uniform(k, dtype=np.float64, out=Dev(b))),
    ]:
        refused(exc, text, f)
    assert (b == 7).all()

    # DLPack on a CUDA device (the only way in for bfloat16 proper): the
    # same checks and generator moves; the call waits for its kernel.
    import ctypes
    from cbrng._device import _DLManagedTensor

    capsule_new = ctypes.pythonapi.PyCapsule_New
    capsule_new.restype = ctypes.py_object
    capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]

    class DL:
        def __init__(self, a, code, bits):
            self.a, self.dims = a, (ctypes.c_int64 * a.ndim)(*a.shape)
            self.m = _DLManagedTensor()
            t = self.m.dl_tensor
            t.data, t.ndim, t.byte_offset = a.ctypes.data, a.ndim, 0
            t.device.device_type, t.device.device_id = 2, 0
            t.dtype.code, t.dtype.bits, t.dtype.lanes = code, bits, 1
            t.shape, t.strides = self.dims, None
        def __dlpack_device__(self):
            return (2, 0)
        def __dlpack__(self, stream=None):
            return capsule_new(ctypes.addressof(self.m), b"dltensor", None)

    b = guard((4, 25), np.uint16)
    gc, gd = ct.Generator(2, H100), ct.Generator(2, H100)
    gc.rand(100, np.uint16)
    gd.rand(out=DL(b, 4, 16))
    assert gd.philox_offset == gc.philox_offset > 0 and (b == 7).all()
    refused(TypeError, "it writes float32", lambda: gd.bernoulli(p=0.5, out=DL(b, 4, 16)))
    jax.uniform(k, (4, 25), out=DL(b, 4, 16))
    refused(TypeError, "it writes float32, float64", lambda: jax.normal(k, out=DL(b, 4, 16)))
    m = guard(100, np.uint8)
    gd.dropout_mask(100, 0.5, out=DL(m, 1, 8))
    gc.dropout_mask(100, 0.5)
    assert gd.philox_offset == gc.philox_offset and (m == 7).all() and (b == 7).all()

    # numpy: host only.
    n = cnp.Generator(1)
    b = guard(4, np.float64)
    refused(TypeError, "numpy-compat output is host-only", lambda: n.random(out=Dev(b)))
    refused(TypeError, "numpy-compat output is host-only", lambda: n.standard_normal(4, out=Dev(b)))
    assert (b == 7).all() and n.state == cnp.Generator(1).state
    print("compat fills on the stub: ok")
    """
)


def test_compat_fills_on_the_stub_driver(tmp_path):
    run_on_the_stub(tmp_path, SCRIPT, "compat fills on the stub: ok")
