"""Device arrays: filled in place, dropped out and summed exactly on their
own CUDA device and stream by the Rust crate's ``cbrng::cuda``, with the
CPU's bits.

Two ways in, read here and checked before any launch:

* the CUDA Array Interface (``__cuda_array_interface__``: PyTorch CUDA
  tensors, CuPy arrays, Numba device arrays), whose ``stream`` is the one
  the work is queued on;
* DLPack (``__dlpack__`` and ``__dlpack_device__`` with a CUDA device: JAX
  arrays, PyTorch bfloat16 tensors, which have no CUDA Array Interface),
  asked for a capsule on the legacy default stream, which the work then
  uses; the capsule (and so the producer's memory) is held until the call
  has returned, and the call waits for its work (the owner's later work
  need not be ordered after that stream).
"""

from __future__ import annotations

import ctypes
import math
from typing import Any, NamedTuple, Optional, Tuple

import numpy as np

from . import _cbrng

# typestr -> cbrng dtype name ('u2' holds bfloat16 bits, as on the CPU;
# 'bf16' is DLPack's own bfloat16)
_TYPES = {
    "u1": "u8",
    "u2": "bf16",
    "u4": "u32",
    "u8": "u64",
    "i4": "i32",
    "i8": "i64",
    "b1": "bool",
    "f2": "f16",
    "f4": "f32",
    "f8": "f64",
    "bf16": "bf16",
}
_FLOATS = {"f2": "f16", "f4": "f32", "f8": "f64", "u2": "bf16", "bf16": "bf16"}
# Exact sums take float formats only: a uint16 array could hold either half
# format's bits (as on the CPU, where uint16 is refused too).
_SUM_TYPES = {"f2": "f16", "f4": "f32", "f8": "f64", "bf16": "bf16"}
_ITEMSIZE = {"bf16": 2}

# DLPack device types (dlpack.h: DLDeviceType) and data type codes.
_DL_CPU, _DL_CUDA, _DL_CUDA_HOST, _DL_CUDA_MANAGED = 1, 2, 3, 13
_DL_DEVICE_NAMES = {1: "CPU", 2: "CUDA", 3: "CUDA host (pinned)", 4: "OpenCL", 7: "Vulkan",
                    8: "Metal", 9: "VPI", 10: "ROCm", 11: "ROCm host", 13: "CUDA managed",
                    14: "oneAPI"}
_DL_TYPES = {(2, 16): "f2", (2, 32): "f4", (2, 64): "f8", (4, 16): "bf16",
             (1, 8): "u1", (1, 16): "u2", (1, 32): "u4", (1, 64): "u8",
             (0, 32): "i4", (0, 64): "i8", (6, 8): "b1"}
_DL_READ_ONLY = 1  # DLPACK_FLAG_BITMASK_READ_ONLY (versioned tensors)
_STREAM_LEGACY = 1  # cudaStreamLegacy / CU_STREAM_LEGACY


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", _DLDevice),
        ("ndim", ctypes.c_int32),
        ("dtype", _DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


class _DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p),
                ("deleter", ctypes.c_void_p)]


class _DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class _DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("version", _DLPackVersion), ("manager_ctx", ctypes.c_void_p),
                ("deleter", ctypes.c_void_p), ("flags", ctypes.c_uint64), ("dl_tensor", _DLTensor)]


_capsule_is_valid = ctypes.pythonapi.PyCapsule_IsValid
_capsule_is_valid.restype = ctypes.c_int
_capsule_is_valid.argtypes = [ctypes.py_object, ctypes.c_char_p]
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


class Device(NamedTuple):
    """What the GPU side needs of a device array, checked."""

    ptr: int  # address of element 0 (index order)
    count: int  # elements
    t: str  # typestr without byte order ('f4', 'u2', ...) or 'bf16'
    shape: Tuple[int, ...]
    strides: Optional[Tuple[int, ...]]  # bytes; None = C-contiguous
    device: Optional[int]  # CUDA ordinal; None = ask the driver
    cu_stream: int  # CUstream handle the work is queued on
    read_only: bool
    keep: Any  # what must stay alive during the call (a DLPack capsule)


def _dlpack_device(obj: Any) -> Optional[Tuple[int, int]]:
    """``obj.__dlpack_device__()`` as two ints, or None when it has none."""
    f = getattr(obj, "__dlpack_device__", None)
    if f is None or not hasattr(obj, "__dlpack__"):
        return None
    try:
        dev = tuple(f())
    except Exception as e:  # a producer's own error
        raise TypeError(f"__dlpack_device__() failed: {e}") from e
    if len(dev) != 2 or not all(isinstance(v, (int, np.integer)) for v in dev):
        raise TypeError(f"__dlpack_device__() gave {dev!r}, not (device_type, device_id)")
    return int(dev[0]), int(dev[1])


def _has_cai(obj: Any) -> bool:
    # PyTorch raises TypeError (not AttributeError) for dtypes the interface
    # lacks (bfloat16): those go through DLPack.
    try:
        return hasattr(obj, "__cuda_array_interface__")
    except Exception:
        return False


def is_device_array(obj: Any) -> bool:
    """True for an object exposing ``__cuda_array_interface__``, or DLPack
    with a CUDA device (CUDA or CUDA managed memory)."""
    if isinstance(obj, np.ndarray):
        return False
    if _has_cai(obj):
        return True
    dev = _dlpack_device(obj)
    return dev is not None and dev[0] in (_DL_CUDA, _DL_CUDA_MANAGED)


def refuse_other_devices(obj: Any, what: str) -> None:
    """A clear error for DLPack memory that is neither the host's nor CUDA's."""
    if isinstance(obj, np.ndarray) or _has_cai(obj):
        return
    dev = _dlpack_device(obj)
    if dev is not None and dev[0] not in (_DL_CPU, _DL_CUDA, _DL_CUDA_MANAGED):
        name = _DL_DEVICE_NAMES.get(dev[0], f"type {dev[0]}")
        raise TypeError(
            f"{what} is on a DLPack {name} device: cbrng reads host memory and CUDA devices only"
        )


def host_array(obj: Any) -> np.ndarray:
    """``obj`` as a NumPy array: through DLPack for a DLPack-only object on
    the CPU (no copy), ``numpy.asarray`` otherwise."""
    if not isinstance(obj, np.ndarray) and not _has_cai(obj) and not hasattr(obj, "__array__"):
        dev = _dlpack_device(obj)
        if dev is not None and dev[0] == _DL_CPU and hasattr(np, "from_dlpack"):
            return np.from_dlpack(obj)
    return np.asarray(obj)


def _c_strides(shape: Tuple[int, ...], itemsize: int) -> Tuple[int, ...]:
    want, acc = [], itemsize
    for dim in reversed(shape):
        want.append(acc)
        acc *= dim
    return tuple(reversed(want))


def _is_c_contiguous(shape, strides, itemsize) -> bool:
    if strides is None:
        return True
    return all(s == w for s, w, d in zip(strides, _c_strides(shape, itemsize), shape) if d > 1)


def _dense_start(shape, strides, itemsize) -> Optional[int]:
    """For strides that lay the elements out without gaps or overlaps in some
    axis order (C, Fortran, a transpose; negative strides too), the byte
    offset of the lowest element from element 0; None for any other layout."""
    dims = [(abs(s), d) for s, d in zip(strides, shape) if d > 1]
    dims.sort()
    acc = itemsize
    for s, d in dims:
        if s != acc:
            return None
        acc *= d
    return sum((d - 1) * s for s, d in zip(strides, shape) if d > 1 and s < 0)


def _int(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{what} is {v!r}, not an integer")
    return int(v)


def _from_cai(obj: Any, what: str) -> Device:
    ci = obj.__cuda_array_interface__
    bad = f"{what}.__cuda_array_interface__"
    if not isinstance(ci, dict):
        raise TypeError(f"{bad} is a {type(ci).__name__}, not a dict")
    for key in ("shape", "typestr", "data"):
        if key not in ci:
            raise TypeError(f"{bad} has no '{key}' entry")
    data = ci["data"]
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{bad}['data'] is {data!r}, not (pointer, read_only)")
    ptr = _int(data[0], f"{bad}['data'][0] (the pointer)")
    if ptr < 0 or ptr >= 1 << 64:
        raise ValueError(f"{bad}['data'][0] is {ptr}: a device pointer is 0 to 2^64 - 1")
    typestr = ci["typestr"]
    if not isinstance(typestr, str) or len(typestr) < 2:
        raise TypeError(f"{bad}['typestr'] is {typestr!r}, not a typestr such as '<f4'")
    t = typestr[1:]
    if typestr[0] not in "<|" or t not in _TYPES or t == "bf16":
        raise TypeError(
            f"unsupported device dtype {typestr} (expected u1, u2, u4, u8, i4, i8, b1, f2, f4, f8)"
        )
    shape = ci["shape"]
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{bad}['shape'] is {shape!r}, not a tuple")
    shape = tuple(_int(d, f"{bad}['shape'] entry") for d in shape)
    if any(d < 0 for d in shape):
        raise ValueError(f"{bad}['shape'] is {shape}: sizes are not negative")
    strides = ci.get("strides")
    if strides is not None:
        if not isinstance(strides, (tuple, list)) or len(strides) != len(shape):
            raise TypeError(f"{bad}['strides'] is {strides!r}, not one stride per axis of {shape}")
        strides = tuple(_int(s, f"{bad}['strides'] entry") for s in strides)
    if ci.get("mask") is not None:
        raise TypeError(f"{what} is a masked device array: cbrng reads every element")
    # CUDA Array Interface v3: None = no synchronisation needed (the legacy
    # default stream serves), 1 = legacy default, 2 = per-thread default,
    # otherwise the CUstream itself.
    stream = ci.get("stream")
    cu_stream = 0 if stream is None else _int(stream, f"{bad}['stream']")
    if cu_stream < 0 or cu_stream >= 1 << 64:
        raise ValueError(f"{bad}['stream'] is {cu_stream}, not a CUDA stream handle")
    dev = _dlpack_device(obj)
    device = None if dev is None else dev[1]
    return Device(ptr, math.prod(shape), t, shape, strides, device, cu_stream,
                  bool(data[1]), None)


def _from_dlpack(obj: Any, what: str, dev: Tuple[int, int]) -> Device:
    try:
        capsule = obj.__dlpack__(stream=_STREAM_LEGACY)
    except TypeError:  # a producer without the stream keyword
        capsule = obj.__dlpack__()
    versioned = bool(_capsule_is_valid(capsule, b"dltensor_versioned"))
    if versioned:
        m = _DLManagedTensorVersioned.from_address(_capsule_pointer(capsule, b"dltensor_versioned"))
        if m.version.major != 1:
            raise TypeError(f"{what} is a DLPack {m.version.major}.x tensor: cbrng reads 1.x")
        tensor, read_only = m.dl_tensor, bool(m.flags & _DL_READ_ONLY)
    elif _capsule_is_valid(capsule, b"dltensor"):
        tensor = _DLManagedTensor.from_address(_capsule_pointer(capsule, b"dltensor")).dl_tensor
        read_only = False
    else:
        raise TypeError(f"{what}.__dlpack__() gave {capsule!r}, not an unused DLPack capsule")
    if (tensor.device.device_type, tensor.device.device_id) != dev:
        raise TypeError(
            f"{what}: the DLPack tensor's device {(tensor.device.device_type, tensor.device.device_id)} "
            f"is not its __dlpack_device__() {dev}"
        )
    dt = tensor.dtype
    t = _DL_TYPES.get((dt.code, dt.bits))
    if t is None or dt.lanes != 1:
        raise TypeError(
            f"unsupported DLPack dtype (code {dt.code}, {dt.bits} bits, {dt.lanes} lanes): cbrng "
            "takes float16/32/64, bfloat16, uint8/16/32/64, int32/64 and bool"
        )
    ndim = tensor.ndim
    if ndim < 0:
        raise TypeError(f"{what} is a DLPack tensor of {ndim} dimensions")
    shape = tuple(int(tensor.shape[i]) for i in range(ndim))
    itemsize = _ITEMSIZE.get(t, int(t[1:]) if t[1:].isdigit() else 1)
    strides = None
    if ndim and tensor.strides:
        strides = tuple(int(tensor.strides[i]) * itemsize for i in range(ndim))
    ptr = (tensor.data or 0) + int(tensor.byte_offset)
    return Device(ptr, math.prod(shape), t, shape, strides, dev[1], _STREAM_LEGACY,
                  read_only, capsule)


def read(obj: Any, what: str = "x") -> Device:
    """The checked description of a device array (CUDA Array Interface
    first, then DLPack); a clear error for anything malformed."""
    if _has_cai(obj):
        return _from_cai(obj, what)
    dev = _dlpack_device(obj)
    if dev is None or dev[0] not in (_DL_CUDA, _DL_CUDA_MANAGED):
        raise TypeError(f"{what} is not a CUDA device array")
    return _from_dlpack(obj, what, dev)


def describe(obj: Any, what: str = "out", write: bool = True) -> Device:
    """The description of a C-contiguous device array, for fills and dropout
    (which write in element order); errors for anything else."""
    d = read(obj, what)
    if write and d.read_only:
        raise ValueError(f"{what} is read-only: cbrng writes in place and never copies")
    if d.count > 1 and not _is_c_contiguous(d.shape, d.strides, _itemsize(d.t)):
        raise ValueError(
            f"{what} is not C-contiguous (strides {d.strides}): cbrng writes in place "
            "and never copies"
        )
    if d.device is None and d.count == 0:
        d = d._replace(device=0)
    return d


def _itemsize(t: str) -> int:
    return _ITEMSIZE.get(t) or int(t[1:])


def fill(stream: Any, out: Any, dist: str, offset: int, **params: Any) -> Any:
    """``Stream.fill`` for a device array."""
    d = describe(out)
    # DLPack: queued on the legacy default stream, which the owner's later
    # work need not follow; wait for the fill before handing the array back.
    _cbrng._cuda_fill(stream, dist, _TYPES[d.t], offset, d.ptr, d.count, d.device,
                      d.cu_stream, wait=d.keep is not None, **params)
    return out


def sum_add(state: Any, x: Any, what: str = "x") -> np.dtype:
    """Adds every element of the device array ``x`` to the ``SumState``
    ``state``, summed exactly on ``x``'s device and stream (the CPU's state,
    bit for bit), and returns the NumPy dtype of ``x``'s elements. Any dense
    layout is read in place (the order of the terms never changes an exact
    sum); strides with gaps or overlaps are an error, never a silent copy."""
    d = read(x, what)
    if d.t not in _SUM_TYPES:
        name = {"u2": "uint16 (u2)"}.get(d.t, d.t)
        raise TypeError(
            f"{what} has device dtype {name}: exact sums take float16 (f2), float32 (f4), "
            "float64 (f8) or bfloat16 (through DLPack)"
        )
    ptr = d.ptr
    if d.count > 1 and d.strides is not None:
        start = _dense_start(d.shape, d.strides, _itemsize(d.t))
        if start is None:
            raise ValueError(
                f"{what} has strides {d.strides} (bytes) for shape {d.shape}: its elements "
                "are not one dense block, so cbrng cannot sum it in place; make it "
                "contiguous first (tensor.contiguous(), cupy.ascontiguousarray)"
            )
        ptr += start
    _cbrng._cuda_sum_add(state, _SUM_TYPES[d.t], ptr, d.count, d.device, d.cu_stream)
    t = d.t
    del d  # the DLPack capsule (and its memory) is let go after the sum
    if t == "bf16":
        from . import bfloat16

        # Without ml_dtypes, a bfloat16 sum comes back as float32 (exact).
        return np.dtype(np.float32) if bfloat16 is None else bfloat16
    return np.dtype(t)


def host_copy(x: Any, what: str = "x") -> np.ndarray:
    """A NumPy copy of the device array ``x``, made on ``x``'s device and
    stream, in ``x``'s shape and dtype (bfloat16 as ``ml_dtypes.bfloat16``, or
    float32, exactly, without it): for the exact reductions without device
    kernels (``exact_dot``, ``exact_norm2``, ``exact_sum_squares``,
    ``exact_sum_rows``), whose results do not depend on where the terms are
    added. Any dense layout is copied as one block; strides with gaps or
    overlaps are an error."""
    d = read(x, what)
    size = _itemsize(d.t)
    start = 0
    if d.count > 1 and d.strides is not None:
        found = _dense_start(d.shape, d.strides, size)
        if found is None:
            raise ValueError(
                f"{what} has strides {d.strides} (bytes) for shape {d.shape}: its elements "
                "are not one dense block, so cbrng cannot read it; make it contiguous first "
                "(tensor.contiguous(), cupy.ascontiguousarray)"
            )
        start = found
    # `d` holds a DLPack capsule (and so the memory) until the copy is back
    raw = _cbrng._cuda_copy_to_host(d.ptr + start, d.count * size, d.device, d.cu_stream)
    if d.t == "bf16":
        from . import bfloat16

        bits = np.ndarray(d.shape, np.uint16, raw, -start, d.strides)
        if bfloat16 is None:
            # bfloat16 is the top half of a float32: exact
            return (bits.astype(np.uint32) << 16).view(np.float32)
        return bits.view(bfloat16)
    return np.ndarray(d.shape, np.dtype(d.t), raw, -start, d.strides)


def _empty_like(x: Any, mask: bool = False) -> Any:
    mod = type(x).__module__.split(".")[0]
    if mod == "torch":
        import torch

        return torch.empty(x.shape, dtype=torch.uint8 if mask else x.dtype, device=x.device)
    if mod == "cupy":
        import cupy

        return cupy.empty(x.shape, dtype=np.uint8 if mask else x.dtype)
    raise TypeError(f"cbrng.dropout cannot make an output like a {type(x).__name__}: pass out=")


def dropout(s: Any, x: Any, p: float, offset: int, out: Any = None, want_mask: bool = True):
    """Dropout of a device array on its stream: (y, mask as uint8, 1 = kept)."""
    dx = describe(x, "x", write=False)
    if dx.t not in _FLOATS:
        raise TypeError(f"x has device dtype {dx.t}: dropout takes f2, f4, f8 or bfloat16 bits (u2)")
    y = _empty_like(x) if out is None else out
    dy = describe(y)
    if (dy.count, _FLOATS.get(dy.t), dy.device) != (dx.count, _FLOATS[dx.t], dx.device):
        raise ValueError("out must have x's size, dtype and device")
    mask = _empty_like(x, mask=True) if want_mask else None
    mp = describe(mask).ptr if want_mask else 0
    _cbrng._cuda_dropout(s, p, _FLOATS[dx.t], offset, dx.count, dx.ptr, dy.ptr, mp, dx.device,
                         dx.cu_stream, wait=dx.keep is not None or dy.keep is not None)
    return y, mask
