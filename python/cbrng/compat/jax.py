"""``jax.random`` with the default threefry2x32 implementation, bit for bit
(JAX 0.7 on the CPU), without JAX.

>>> k = key(0)
>>> x = uniform(fold_in(k, 3), (2, 3))    # jax.random.uniform(jax.random.fold_in(k, 3), (2, 3))

``bits``, ``uniform`` and ``normal`` take ``out=``: a NumPy array (filled in
place on the CPU) or a CUDA array (a PyTorch CUDA tensor, a CuPy array:
anything with ``__cuda_array_interface__``, or DLPack on a CUDA device),
filled in place by cbrng's kernels on the array's own device and current
stream, and returned. ``shape`` may then be left out (it is ``out``'s);
given, it must be ``out``'s, and so must ``dtype``. On the GPU, ``bits`` and
``uniform`` equal the CPU's bit for bit, and ``normal`` is XLA:GPU's
arithmetic (``backend="gpu"`` on the CPU: the same bits except, in float32,
a few ulp in the tail |u| > 0.99663, where XLA's code calls the hardware's
approximate square root; see the README).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from .. import _cbrng
from . import _out

Key = _cbrng._JaxKey
Shape = Union[int, Sequence[int]]


def key(seed: int, *, x64: bool = False, partitionable: bool = True) -> Key:
    """``jax.random.key(seed)`` under the flags ``jax_enable_x64`` and
    ``jax_threefry_partitionable`` (JAX's default since 0.5: True)."""
    return _cbrng._JaxKey(int(seed), x64, partitionable)


def key_data(k: Key) -> np.ndarray:
    """``jax.random.key_data(k)``: two uint32 words."""
    return np.array(k.data(), dtype=np.uint32)


def fold_in(k: Key, data: int) -> Key:
    """``jax.random.fold_in(k, data)``."""
    return k.fold_in(int(data) & 0xFFFFFFFF)


def split(k: Key, num: int = 2) -> List[Key]:
    """``jax.random.split(k, num)`` as a list of keys."""
    return [k.split_at(num, i) for i in range(num)]


def _fill(k: Key, what: str, func: str, shape: Shape, dtype: Any, default: Any, out: Any,
          types: Dict[str, str], cpu: Callable[[np.ndarray], None]) -> Any:
    want = _out.shape_of(shape)
    if out is None:
        new = np.empty(() if want is None else want, dtype=default if dtype is None else dtype)
        cpu(new)
        return new
    if _out.is_device(out):
        d, t = _out.device(out, what, types, shape=want, dtype=dtype)
        _cbrng._cuda_jax_fill(k, func, t, d.ptr, d.count, d.device, d.cu_stream,
                              wait=_out.wait(d))
        return out
    cpu(_out.host(out, what, shape=want, dtype=dtype))
    return out


_BITS = {"u1": "u8", "u2": "u16", "u4": "u32", "u8": "u64"}
# 'u2' holds bfloat16 bits (as on the CPU); 'bf16' is DLPack's bfloat16
_UNIFORM = {"f4": "f32", "f8": "f64", "f2": "f16", "u2": "bf16", "bf16": "bf16"}
_NORMAL = {"f4": "f32", "f8": "f64"}


def bits(k: Key, shape: Shape = None, dtype: Any = None, *, out: Any = None) -> Any:
    """``jax.random.bits(k, shape, dtype)``: uint8, uint16, uint32 (the
    default), uint64 (x64). ``out=``: see the module's notes."""
    return _fill(k, "jax bits", "bits", shape, dtype, np.uint32, out, _BITS, k.bits)


def uniform(k: Key, shape: Shape = None, dtype: Any = None, *, out: Any = None) -> Any:
    """``jax.random.uniform(k, shape, dtype)`` in [0, 1): float32 (the
    default), float64 (x64), float16, bfloat16 (``ml_dtypes.bfloat16`` or
    uint16 bits). ``out=``: see the module's notes."""
    return _fill(k, "jax uniform", "uniform", shape, dtype, np.float32, out, _UNIFORM, k.uniform)


def normal(k: Key, shape: Shape = None, dtype: Any = None, *, backend: Optional[str] = None,
           out: Any = None) -> Any:
    """``jax.random.normal(k, shape, dtype)``: float32 (the default), float64
    (x64), as XLA:CPU computes it (``backend="cpu"``, checked against JAX
    0.7.1) or as XLA:GPU does on an NVIDIA GPU (``backend="gpu"``:
    established from XLA's and libdevice's source, not yet checked on a
    GPU; see the README). ``backend`` defaults to ``"cpu"``, and to
    ``"gpu"`` for a CUDA ``out=``, which only XLA:GPU's arithmetic can fill
    (``backend="cpu"`` with one is an error)."""
    if backend not in (None, "cpu", "gpu"):
        raise ValueError(f"jax normal: unknown backend '{backend}' (expected 'cpu' or 'gpu')")
    if _out.is_device(out):
        if backend == "cpu":
            raise ValueError(
                "jax normal: backend='cpu' (XLA:CPU's arithmetic) has no device kernel; a CUDA "
                "out= takes backend='gpu' (XLA:GPU's, the default for CUDA arrays)"
            )
    b = "cpu" if backend is None else backend
    return _fill(k, "jax normal", "normal", shape, dtype, np.float32, out, _NORMAL,
                 lambda o: k.normal(o, b))
