"""Device arrays through the CUDA Array Interface (PyTorch CUDA tensors,
CuPy arrays): filled in place on the array's own CUDA stream by the Rust
crate's ``cbrng::cuda``, with the CPU's bits."""

from __future__ import annotations

import math
from typing import Any, Tuple

import numpy as np

from . import _cbrng

# typestr -> cbrng dtype name ('u2' holds bfloat16 bits, as on the CPU)
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
}
_FLOATS = {"f2": "f16", "f4": "f32", "f8": "f64", "u2": "bf16"}


def is_device_array(obj: Any) -> bool:
    """True for an object exposing ``__cuda_array_interface__``."""
    return not isinstance(obj, np.ndarray) and hasattr(obj, "__cuda_array_interface__")


def describe(obj: Any, what: str = "out", write: bool = True) -> Tuple[int, int, str, int, int]:
    """(pointer, element count, typestr without byte order, device ordinal,
    CUstream) of a C-contiguous device array; errors for anything else."""
    ci = obj.__cuda_array_interface__
    ptr, read_only = ci["data"]
    if write and read_only:
        raise ValueError(f"{what} is read-only: cbrng writes in place and never copies")
    typestr = ci["typestr"]
    if typestr[0] not in "<|" or typestr[1:] not in _TYPES:
        raise TypeError(f"unsupported device dtype {typestr} (expected u1, u2, u4, u8, i4, i8, b1, f2, f4, f8)")
    t = typestr[1:]
    shape = tuple(ci["shape"])
    count = math.prod(shape)
    strides = ci.get("strides")
    if strides is not None and count > 1:
        want, acc = [], int(t[1])  # C-order strides in bytes
        for dim in reversed(shape):
            want.append(acc)
            acc *= dim
        want.reverse()
        if any(s != w for s, w, d in zip(strides, want, shape) if d > 1):
            raise ValueError(
                f"{what} is not C-contiguous (strides {tuple(strides)}): cbrng writes in place "
                "and never copies"
            )
    # CUDA Array Interface v3: None = no synchronisation needed (the legacy
    # default stream serves), 1 = legacy default, 2 = per-thread default,
    # otherwise the CUstream itself.
    stream = ci.get("stream")
    cu_stream = 0 if stream is None else int(stream)
    device = 0
    dev = getattr(obj, "__dlpack_device__", None)
    if dev is not None:
        device = int(dev()[1])
    return int(ptr), count, t, device, cu_stream


def fill(stream: Any, out: Any, dist: str, offset: int, **params: Any) -> Any:
    """``Stream.fill`` for a device array."""
    ptr, count, t, device, cu_stream = describe(out)
    _cbrng._cuda_fill(stream, dist, _TYPES[t], offset, ptr, count, device, cu_stream, **params)
    return out


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
    xp, n, t, device, cu_stream = describe(x, "x", write=False)
    if t not in _FLOATS:
        raise TypeError(f"x has device dtype {t}: dropout takes f2, f4, f8 or bfloat16 bits (u2)")
    y = _empty_like(x) if out is None else out
    yp, yn, yt, ydev, _ = describe(y)
    if (yn, yt, ydev) != (n, t, device):
        raise ValueError("out must have x's size, dtype and device")
    mask = _empty_like(x, mask=True) if want_mask else None
    mp = describe(mask)[0] if want_mask else 0
    _cbrng._cuda_dropout(s, p, _FLOATS[t], offset, n, xp, yp, mp, device, cu_stream)
    return y, mask
