"""The ``out=`` keyword of the compat functions: a NumPy array (filled in
place by the CPU replay) or a CUDA array (``__cuda_array_interface__``:
PyTorch CUDA tensors, CuPy arrays; or DLPack on a CUDA device), filled in
place by the compat kernels of ``cbrng::cuda::compat`` on the array's own
device and stream. Everything here is checked before any launch: the
dtype the function writes, C order, writable memory, the size."""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from .. import _device

Shape = Union[None, int, Sequence[int]]

# cbrng's device typestrs ('u2' is uint16 or bfloat16 bits, as on the CPU;
# 'bf16' is DLPack's bfloat16) as NumPy's names, for messages.
_NAMES = {"u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64", "i4": "int32",
          "i8": "int64", "b1": "bool", "f2": "float16", "f4": "float32", "f8": "float64",
          "bf16": "bfloat16"}


def shape_of(shape: Shape) -> Optional[Tuple[int, ...]]:
    """A shape argument as a tuple (an int n is (n,)); None stays None."""
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _typestrs(dtype: Any) -> Tuple[str, ...]:
    """The device typestrs an array of NumPy dtype ``dtype`` can have."""
    dt = np.dtype(dtype)
    if dt.name == "bfloat16":
        return ("bf16", "u2")
    return (f"{dt.kind}{dt.itemsize}",)


def is_device(out: Any) -> bool:
    """True when ``out`` is a CUDA array (to be filled by the kernels)."""
    return out is not None and _device.is_device_array(out)


def device(
    out: Any,
    what: str,
    types: Dict[str, str],
    *,
    count: Optional[int] = None,
    shape: Optional[Tuple[int, ...]] = None,
    dtype: Any = None,
) -> Tuple[_device.Device, str]:
    """The checked description of the CUDA array ``out`` that ``what``
    fills, and the element type the kernel writes (``types`` maps the
    device typestrs it takes to the kernel's dtype names). ``count`` or
    ``shape``, when given, must be ``out``'s; ``dtype``, when given, must be
    ``out``'s dtype. Errors: TypeError for a dtype the function does not
    write, ValueError for a read-only or non-C-contiguous array or a size
    that is not the one asked for."""
    d = _device.describe(out, "out")
    t = types.get(d.t)
    if t is None:
        allowed = ", ".join(dict.fromkeys(_NAMES[k] for k in types))
        raise TypeError(
            f"{what}: out has device dtype {_NAMES.get(d.t, d.t)}; it writes {allowed}"
        )
    if dtype is not None and d.t not in _typestrs(dtype):
        raise TypeError(
            f"{what}: out has device dtype {_NAMES.get(d.t, d.t)}, not the dtype asked for "
            f"({np.dtype(dtype).name})"
        )
    if shape is not None and d.shape != shape:
        raise ValueError(f"{what}: out has shape {d.shape}, not the shape asked for {shape}")
    if count is not None and d.count != count:
        raise ValueError(f"{what}: out has {d.count} elements, not the {count} asked for")
    if d.ptr == 0 and d.count > 0:
        raise ValueError(f"{what}: out has a null device pointer")
    return d, t


def host(
    out: Any,
    what: str,
    *,
    count: Optional[int] = None,
    shape: Optional[Tuple[int, ...]] = None,
    dtype: Any = None,
) -> np.ndarray:
    """``out`` checked as a NumPy output of ``what``: the size and dtype
    asked for, when given (the CPU replay checks the dtype it writes,
    writability and layout)."""
    _device.refuse_other_devices(out, "out")
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{what}: out is a {type(out).__name__}, not a NumPy array or a CUDA array")
    if dtype is not None and out.dtype != np.dtype(dtype):
        raise TypeError(f"{what}: out has dtype {out.dtype}, not the dtype asked for ({np.dtype(dtype).name})")
    if shape is not None and out.shape != shape:
        raise ValueError(f"{what}: out has shape {out.shape}, not the shape asked for {shape}")
    if count is not None and out.size != count:
        raise ValueError(f"{what}: out has {out.size} elements, not the {count} asked for")
    return out


def wait(d: _device.Device) -> bool:
    """Whether the call must wait for its kernel (DLPack arrays: queued on
    the legacy default stream, which the owner's later work need not follow)."""
    return d.keep is not None
