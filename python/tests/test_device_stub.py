"""The device-sum path of the Python package against the stand-in CUDA
driver of tests/driver_stub (a stub libcuda that serves host memory as
device memory and launches nothing), without a GPU: `exact_sum` of a
device array goes through the binding (`_cuda_sum_add`), the driver's
pointer checks and the crate's `Gpu::sum_state_raw` up to the kernels,
which the real NVRTC compiles. The stub's kernels write nothing, so the
sums are 0 here: these tests check paths and messages, never the bits
(tests/test_device_sum.py does, on a GPU).

Needs gcc and NVRTC 13 (`CBRNG_NVRTC_DIR`: a `pip install --target` of
nvidia-cuda-nvrtc, as .ci/run makes; or libnvrtc on LD_LIBRARY_PATH);
without them the test skips with a printed notice, and
CBRNG_REQUIRE_GXX=1 / CBRNG_REQUIRE_NVRTC=1 (set by .ci/run) make that a
failure."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _skip(why: str, require: str) -> None:
    if os.environ.get(require) == "1":
        pytest.fail(f"{require}=1 but {why}")
    print(f"NOTICE: {why}: the device sums on the stub driver not run")
    pytest.skip(why)


def _nvrtc_dir():
    base = os.environ.get("CBRNG_NVRTC_DIR") or str(ROOT / "target" / "nvrtc13")
    lib = pathlib.Path(base) / "nvidia" / "cu13" / "lib"
    if (lib / "libnvrtc.so.13").exists():
        return str(lib)
    for d in os.environ.get("LD_LIBRARY_PATH", "").split(":"):
        if d and (pathlib.Path(d) / "libnvrtc.so.13").exists():
            return d
    return None


SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numpy as np, cbrng

    class Dev:
        def __init__(self, ptr, n, typestr="<f4", stream=None, device=None):
            self.__cuda_array_interface__ = {"shape": (n,), "typestr": typestr,
                "data": (ptr, True), "version": 3, "stream": stream}
            if device is not None:
                self.__dlpack__ = lambda stream=None: None
                self.__dlpack_device__ = lambda: (2, device)

    x = np.arange(1, 65, dtype=np.float64)
    p = x.ctypes.data
    # The whole path, each format, device from the driver or the array,
    # the legacy and per-thread default streams: the stub's kernels write
    # nothing, so the state is the empty one.
    for t, n in [("<f4", 128), ("<f8", 64), ("<f2", 256), ("<f4", 1)]:
        for stream, device in [(None, None), (1, 0), (2, None)]:
            s = cbrng.SumState().add(Dev(p, n, t, stream, device))
            assert s.count == 0 and s == cbrng.SumState(), (t, stream, device)
            assert cbrng.exact_sum(Dev(p, n, t, stream, device)) == 0
    try:
        cbrng.exact_sum(Dev(p + 2, 4))
        raise SystemExit("a misaligned pointer was summed")
    except ValueError as e:
        assert "not aligned to its 4-byte elements" in str(e), e
    try:
        cbrng.exact_sum(Dev(p + 2, 4, "<f8", device=0))
        raise SystemExit("a misaligned pointer was summed")
    except ValueError as e:
        assert "not aligned to its 8-byte elements" in str(e), e
    # The reductions without device kernels copy the array to the host (the
    # stub's memory is the host's, so these are real values): the CPU's
    # results, bit for bit, for every layout the interface can describe.
    y = (np.arange(64, dtype=np.float64) - 31.5) * 1e10 + 0.25
    q = y.ctypes.data
    def dev(ptr, shape, typestr="<f8", strides=None):
        d = Dev(ptr, 1, typestr)
        d.__cuda_array_interface__.update(shape=shape, strides=strides)
        return d
    same = lambda a, b: a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert same(cbrng.exact_dot(dev(q, (64,)), dev(p, (64,))), cbrng.exact_dot(y, x))
    assert same(cbrng.exact_norm2(dev(q, (64,))), cbrng.exact_norm2(y))
    x32 = x.view(np.float32)
    assert same(cbrng.exact_sum_squares(dev(p, (128,), "<f4")), cbrng.exact_sum_squares(x32))
    assert np.array_equal(cbrng.exact_sum_rows(dev(q, (8, 8))), cbrng.exact_sum_rows(y.reshape(8, 8)))
    # Fortran order (a transpose) and a reversed view, read as laid out.
    assert np.array_equal(cbrng.exact_sum_rows(dev(q, (8, 8), strides=(8, 64))),
                          cbrng.exact_sum_rows(y.reshape(8, 8).T))
    assert same(cbrng.exact_dot(dev(q + 63 * 8, (64,), strides=(-8,)), dev(p, (64,))),
                cbrng.exact_dot(y[::-1], x))
    assert same(cbrng.exact_dot(dev(q, (0,)), dev(p, (0,))), cbrng.exact_dot(y[:0], x[:0]))
    try:
        cbrng.exact_norm2(dev(0, (4,)))
        raise SystemExit("a null pointer was read")
    except ValueError as e:
        assert "null device pointer" in str(e), e
    # Memory the driver places on device 1 (the stub has one device).
    os.environ["STUB_PTR_DEVICE"] = "1"
    try:
        cbrng.exact_sum(Dev(p, 4, device=0))
        raise SystemExit("memory of another device was summed")
    except RuntimeError as e:
        assert "on CUDA device 1, this handle on device 0" in str(e), e
    try:
        cbrng.exact_sum(Dev(p, 4))
        raise SystemExit("device 1 was used on a one-device machine")
    except RuntimeError as e:
        assert str(e).startswith("GPU"), e
    print("device sums and copies on the stub: ok")
    """
)


def run_on_the_stub(tmp_path, script: str, ok_line: str) -> None:
    """Builds the stub libcuda into tmp_path and runs `script` in a fresh
    Python whose loader finds it (and NVRTC 13); asserts it printed
    `ok_line`. Skips (with the notice) without gcc or NVRTC."""
    gcc = shutil.which("gcc")
    if gcc is None:
        _skip("no C compiler gcc", "CBRNG_REQUIRE_GXX")
    nvrtc = _nvrtc_dir()
    if nvrtc is None:
        _skip("no NVRTC 13 (set CBRNG_NVRTC_DIR)", "CBRNG_REQUIRE_NVRTC")
    lib = tmp_path / "libcuda.so"
    subprocess.run(
        [gcc, "-shared", "-fPIC", "-fvisibility=hidden", "-O1", "-o", str(lib),
         str(ROOT / "tests" / "driver_stub" / "libcuda_stub.c")],
        check=True,
    )
    env = dict(os.environ)
    for k in ("STUB_DRIVER_VERSION", "STUB_CC", "STUB_MODULE_LOAD", "STUB_PTR_DEVICE",
              "STUB_MAX_THREADS", "STUB_LOG"):
        env.pop(k, None)
    env["LD_LIBRARY_PATH"] = ":".join(
        p for p in (str(tmp_path), nvrtc, env.get("LD_LIBRARY_PATH", "")) if p
    )
    r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                       cwd=tmp_path, timeout=600)
    assert r.returncode == 0 and ok_line in r.stdout, r.stdout + r.stderr


def test_device_sums_on_the_stub_driver(tmp_path):
    run_on_the_stub(tmp_path, SCRIPT, "device sums and copies on the stub: ok")
