"""Zero-copy NumPy views of Python buffers (bytearray, memoryview, array.array, ...)."""

from __future__ import annotations

import sys

import numpy as np

# struct-module format codes of the element types cbrng writes ('H' holds
# bfloat16 bits; 'i', 'l', 'q' are int32 or int64 by their size, '?' bool);
# the item size is checked against the buffer's own.
_CODES = "BHILQilq?efd"
_DLPACK_CPU = 1  # DLDeviceType kDLCPU


def _dlpack_device(obj: object):
    f = getattr(obj, "__dlpack_device__", None)
    if f is None:
        return None
    try:
        return int(f()[0])
    except Exception:  # a broken producer: let the buffer protocol decide
        return None


def as_ndarray(obj: object) -> np.ndarray:
    """The NumPy array viewing ``obj``'s memory, without copying.

    A read-only, non-contiguous or byte-swapped buffer, or one of an element
    type cbrng does not write, is an error: cbrng fills in place and never
    copies.
    """
    if isinstance(obj, np.ndarray):
        return obj
    if _dlpack_device(obj) not in (None, _DLPACK_CPU):
        raise TypeError(
            f"out is a device array ({type(obj).__name__}) without __cuda_array_interface__: "
            "cbrng fills device arrays through that interface (PyTorch, CuPy)"
        )
    if hasattr(obj, "__dlpack__"):  # host tensors of other libraries (PyTorch, JAX, ...)
        try:
            arr = np.from_dlpack(obj)
        except (TypeError, BufferError, RuntimeError, ValueError) as e:
            raise TypeError(f"out ({type(obj).__name__}) cannot be viewed through DLPack: {e}") from None
        if not arr.flags.writeable:
            raise ValueError(
                "out is read-only: cbrng writes in place and never copies; pass a writable array"
            )
        return arr
    try:
        mv = memoryview(obj)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            "out must be a NumPy array or a writable buffer (bytearray, memoryview, ...), "
            f"not {type(obj).__name__}"
        ) from None
    if mv.readonly:
        raise ValueError(
            "out is read-only: cbrng writes in place and never copies; pass a writable buffer"
        )
    if not mv.c_contiguous:
        raise ValueError(
            f"out is not C-contiguous (strides {mv.strides}): cbrng writes in place and never "
            "copies; pass a contiguous buffer"
        )
    fmt = mv.format
    if fmt[:1] in ("@", "="):
        fmt = fmt[1:]
    elif fmt[:1] == "<" and sys.byteorder == "little":
        fmt = fmt[1:]
    if len(fmt) != 1 or fmt not in _CODES or np.dtype(fmt).itemsize != mv.itemsize:
        raise TypeError(
            f"unsupported buffer format {mv.format!r} (expected unsigned 8/16/32/64-bit "
            "or signed 32/64-bit integers, bool, float16, float32 or float64)"
        )
    dt = np.dtype(fmt)
    if mv.nbytes == 0:
        return np.empty(0, dt)
    return np.frombuffer(mv, dtype=dt)
